package runtask

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gin-gonic/gin"
	"go.uber.org/zap"
	"golang.org/x/oauth2"
)

// Who may see what: a run's page is reachable by its signed link (HCP
// Terraform shows it to whoever sees the run); the history, the scorecard
// and the API need a sign-in, by an API token (Authorization: Bearer, or
// pasted once on the sign-in page) or by OpenID Connect single sign-on.
//
// A sign-in is a cookie sealed with AES-256-GCM under a key derived from the
// HMAC key (so every replica reads every other's), HttpOnly, SameSite=Lax,
// Secure unless the service is reached over plain HTTP on a host that is not
// this machine. Forms that change state (sign in, sign out) are refused
// when a browser says they come from another origin (net/http's
// CrossOriginProtection, Sec-Fetch-Site and Origin), which with SameSite
// makes them safe from cross-site request forgery.

// OIDCOptions configure single sign-on; an empty Issuer turns it off.
type OIDCOptions struct {
	// Issuer is the provider's issuer URL (its discovery document is at
	// Issuer + "/.well-known/openid-configuration").
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is this service's callback as registered with the
	// provider (default ExternalURL + "/auth/callback").
	RedirectURL string
	// AllowedDomains, when set, admits only users whose verified e-mail
	// address is in one of these domains.
	AllowedDomains []string
	// HTTPClient talks to the provider (default: a client with a 30 s
	// timeout).
	HTTPClient *http.Client
}

const (
	sessionCookie   = "prodgate_session"
	oidcStateCookie = "prodgate_oidc"
	// sessionLifetime is how long a sign-in lasts.
	sessionLifetime = 12 * time.Hour
	// oidcStateLifetime bounds a sign-in started at the provider.
	oidcStateLifetime = 10 * time.Minute
)

// principal is who is signed in.
type principal struct {
	// Subject is "oidc:<issuer subject>" or "token:<token id>".
	Subject string `json:"sub"`
	// Name is shown in the page header: the user's e-mail or name, or the
	// token's name.
	Name    string `json:"name"`
	Expires int64  `json:"exp"` // unix seconds
}

// oidcState is what a sign-in started at the provider must come back with.
type oidcState struct {
	State    string `json:"state"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"` // PKCE
	Next     string `json:"next"`
	Expires  int64  `json:"exp"`
}

// auth signs people in and checks who they are.
type auth struct {
	// base is the service's external URL, for the default redirect URL
	// (known once the service listens).
	base    func() string
	secrets *secrets
	tokens  tokenStore
	now     func() time.Time
	log     *zap.Logger
	// httpsURL: the service is reached over HTTPS (its external URL), so
	// cookies are always Secure.
	httpsURL bool
	csrf     *http.CrossOriginProtection

	oidc        OIDCOptions
	mu          sync.Mutex
	provider    *oidc.Provider // discovered on first use, then kept
	oauthConfig *oauth2.Config
	verifier    *oidc.IDTokenVerifier
}

func newAuth(s *secrets, tokens tokenStore, externalURL string, base func() string, o OIDCOptions, now func() time.Time, log *zap.Logger) *auth {
	a := &auth{secrets: s, tokens: tokens, base: base, now: now, log: log, oidc: o, csrf: http.NewCrossOriginProtection()}
	a.httpsURL = strings.HasPrefix(externalURL, "https://")
	if u, err := url.Parse(externalURL); err == nil && u.Scheme == "http" && !isLoopbackHost(u.Hostname()) {
		log.Warn("the external URL is plain HTTP: sign-in cookies and API tokens cross the network in clear; serve prodgate behind HTTPS (--external-url https://…)",
			zap.String("external_url", externalURL))
	}
	if a.oidc.Issuer != "" {
		if a.oidc.HTTPClient == nil {
			a.oidc.HTTPClient = &http.Client{Timeout: 30 * time.Second}
		}
	}
	return a
}

// secure says whether a cookie set in answer to r is Secure: always when
// the service is reached over HTTPS, and on plain HTTP to this machine
// (browsers treat http://localhost and 127.0.0.1 as secure contexts); only
// plain HTTP to another host gets cookies without it, which would otherwise
// never come back.
func (a *auth) secure(r *http.Request) bool {
	if a.httpsURL || r.TLS != nil {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return isLoopbackHost(host)
}

func (a *auth) ssoEnabled() bool { return a.oidc.Issuer != "" }

// seal encrypts v into a cookie value.
func (a *auth) seal(v any) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	gcm, err := newGCM(a.secrets.sessions)
	if err != nil {
		return "", err
	}
	out := make([]byte, gcm.NonceSize(), gcm.NonceSize()+len(plain)+gcm.Overhead())
	if _, err := rand.Read(out); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(gcm.Seal(out, out, plain, []byte("prodgate cookie"))), nil
}

// open decrypts a cookie value sealed by seal; any tampering is an error.
func (a *auth) open(value string, v any) error {
	data, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		return err
	}
	gcm, err := newGCM(a.secrets.sessions)
	if err != nil {
		return err
	}
	if len(data) < gcm.NonceSize() {
		return errors.New("cookie too short")
	}
	plain, err := gcm.Open(nil, data[:gcm.NonceSize()], data[gcm.NonceSize():], []byte("prodgate cookie"))
	if err != nil {
		return err
	}
	return json.Unmarshal(plain, v)
}

func (a *auth) setCookie(w http.ResponseWriter, r *http.Request, name, value string, lifetime time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: int(lifetime.Seconds()),
		HttpOnly: true, Secure: a.secure(r), SameSite: http.SameSiteLaxMode})
}

func (a *auth) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: a.secure(r), SameSite: http.SameSiteLaxMode})
}

// signIn gives the browser a session for p.
func (a *auth) signIn(w http.ResponseWriter, r *http.Request, p principal) error {
	p.Expires = a.now().Add(sessionLifetime).Unix()
	value, err := a.seal(p)
	if err != nil {
		return fmt.Errorf("seal session: %w", err)
	}
	a.setCookie(w, r, sessionCookie, value, sessionLifetime)
	return nil
}

// who says who made the request: a bearer token first, then the session
// cookie. ok is false for an anonymous request.
func (a *auth) who(r *http.Request) (principal, bool, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			return principal{}, false, nil
		}
		info, ok, err := a.tokens.check(r.Context(), strings.TrimSpace(token), a.now())
		if err != nil || !ok {
			return principal{}, false, err
		}
		return principal{Subject: "token:" + info.ID, Name: info.Name}, true, nil
	}
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return principal{}, false, nil
	}
	var p principal
	if err := a.open(c.Value, &p); err != nil || p.Subject == "" || a.now().Unix() >= p.Expires {
		return principal{}, false, nil
	}
	if id, ok := strings.CutPrefix(p.Subject, "token:"); ok {
		// A session opened with a token ends when the token is revoked.
		if !a.tokenActive(r.Context(), id) {
			return principal{}, false, nil
		}
	}
	return p, true, nil
}

func (a *auth) tokenActive(ctx context.Context, id string) bool {
	var revoked int64
	err := a.tokens.db.QueryRowContext(ctx, a.tokens.rebind(`SELECT revoked_at FROM prodgate_api_token WHERE id = ?`), id).Scan(&revoked)
	return err == nil && revoked == 0
}

// principalKey is where requireLogin leaves the principal in gin's context.
const principalKey = "prodgate.principal"

// requireLogin lets signed-in requests through. Others get 401 on the API
// and are sent to the sign-in page elsewhere.
func (a *auth) requireLogin(api bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok, err := a.who(c.Request)
		if err != nil {
			a.log.Error("check sign-in", zap.Error(err))
			c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "could not check the sign-in"})
			return
		}
		if !ok {
			if api {
				c.Header("WWW-Authenticate", `Bearer realm="prodgate"`)
				c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "sign in: send Authorization: Bearer <token> (prodgate token create)"})
				return
			}
			c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
			c.Abort()
			return
		}
		c.Set(principalKey, p)
		c.Next()
	}
}

func principalOf(c *gin.Context) principal {
	p, _ := c.Get(principalKey)
	v, _ := p.(principal)
	return v
}

// localPath keeps a "next" address on this site: a path, never another
// host ("//evil.example", "https://…", "/\evil").
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}

// checkForm refuses a state-changing browser request from another origin.
func (a *auth) checkForm(r *http.Request) error { return a.csrf.Check(r) }

// tokenSignIn signs a browser in with a pasted API token.
func (a *auth) tokenSignIn(w http.ResponseWriter, r *http.Request, token string) (bool, error) {
	info, ok, err := a.tokens.check(r.Context(), strings.TrimSpace(token), a.now())
	if err != nil || !ok {
		return false, err
	}
	return true, a.signIn(w, r, principal{Subject: "token:" + info.ID, Name: info.Name})
}

// setup discovers the provider once; a failure is retried on the next
// sign-in, so a provider that is down when prodgate starts does not keep
// the run task from working.
func (a *auth) setup(ctx context.Context) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.provider != nil {
		return nil
	}
	ctx = oidc.ClientContext(ctx, a.oidc.HTTPClient)
	provider, err := oidc.NewProvider(ctx, a.oidc.Issuer)
	if err != nil {
		return fmt.Errorf("discover OpenID provider %s: %w", a.oidc.Issuer, err)
	}
	a.provider = provider
	if a.oidc.RedirectURL == "" {
		a.oidc.RedirectURL = a.base() + "/auth/callback"
	}
	a.oauthConfig = &oauth2.Config{ClientID: a.oidc.ClientID, ClientSecret: a.oidc.ClientSecret, Endpoint: provider.Endpoint(),
		RedirectURL: a.oidc.RedirectURL, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
	a.verifier = provider.Verifier(&oidc.Config{ClientID: a.oidc.ClientID, Now: a.now})
	return nil
}

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ssoStart sends the browser to the provider, with state, nonce and a PKCE
// challenge it must come back with (kept in a sealed cookie).
func (a *auth) ssoStart(c *gin.Context) {
	if err := a.setup(c.Request.Context()); err != nil {
		a.log.Error("single sign-on unavailable", zap.Error(err))
		c.String(http.StatusBadGateway, "single sign-on is unavailable: the identity provider could not be reached; try again, or sign in with an API token\n")
		return
	}
	st := oidcState{State: randomString(), Nonce: randomString(), Verifier: oauth2.GenerateVerifier(),
		Next: localPath(c.Query("next")), Expires: a.now().Add(oidcStateLifetime).Unix()}
	value, err := a.seal(st)
	if err != nil {
		c.String(http.StatusInternalServerError, "could not start the sign-in\n")
		return
	}
	a.setCookie(c.Writer, c.Request, oidcStateCookie, value, oidcStateLifetime)
	c.Redirect(http.StatusFound, a.oauthConfig.AuthCodeURL(st.State, oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier)))
}

// ssoCallback finishes a sign-in: the state must match the cookie's, the
// code is exchanged with the PKCE verifier, the ID token's signature,
// issuer, audience, expiry and nonce are checked.
func (a *auth) ssoCallback(c *gin.Context) {
	fail := func(status int, msg string, err error) {
		a.log.Warn("single sign-on refused", zap.String("reason", msg), zap.Error(err))
		a.clearCookie(c.Writer, c.Request, oidcStateCookie)
		c.String(status, "sign-in failed: %s\n", msg)
	}
	if err := a.setup(c.Request.Context()); err != nil {
		fail(http.StatusBadGateway, "the identity provider could not be reached", err)
		return
	}
	cookie, err := c.Request.Cookie(oidcStateCookie)
	var st oidcState
	if err != nil || a.open(cookie.Value, &st) != nil || a.now().Unix() >= st.Expires {
		fail(http.StatusBadRequest, "the sign-in expired or was not started here; start again", err)
		return
	}
	if e := c.Query("error"); e != "" {
		fail(http.StatusUnauthorized, "the identity provider said "+e, nil)
		return
	}
	if subtle.ConstantTimeCompare([]byte(c.Query("state")), []byte(st.State)) != 1 {
		fail(http.StatusBadRequest, "the sign-in's state does not match", nil)
		return
	}
	ctx := oidc.ClientContext(c.Request.Context(), a.oidc.HTTPClient)
	tok, err := a.oauthConfig.Exchange(ctx, c.Query("code"), oauth2.VerifierOption(st.Verifier))
	if err != nil {
		fail(http.StatusUnauthorized, "the code could not be exchanged", err)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		fail(http.StatusUnauthorized, "the identity provider sent no ID token", nil)
		return
	}
	idToken, err := a.verifier.Verify(ctx, raw)
	if err != nil {
		fail(http.StatusUnauthorized, "the ID token is not valid", err)
		return
	}
	if subtle.ConstantTimeCompare([]byte(idToken.Nonce), []byte(st.Nonce)) != 1 {
		fail(http.StatusUnauthorized, "the ID token's nonce does not match", nil)
		return
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified *bool  `json:"email_verified"`
		Name          string `json:"name"`
	}
	if err := idToken.Claims(&claims); err != nil {
		fail(http.StatusUnauthorized, "the ID token's claims do not decode", err)
		return
	}
	if !a.domainAllowed(claims.Email, claims.EmailVerified) {
		fail(http.StatusForbidden, "this account is not in an allowed domain", nil)
		return
	}
	name := claims.Email
	if name == "" {
		name = claims.Name
	}
	if name == "" {
		name = idToken.Subject
	}
	a.clearCookie(c.Writer, c.Request, oidcStateCookie)
	if err := a.signIn(c.Writer, c.Request, principal{Subject: "oidc:" + idToken.Subject, Name: name}); err != nil {
		fail(http.StatusInternalServerError, "could not keep the sign-in", err)
		return
	}
	a.log.Info("signed in", zap.String("subject", idToken.Subject), zap.String("via", "oidc"))
	c.Redirect(http.StatusSeeOther, localPath(st.Next))
}

func (a *auth) domainAllowed(email string, verified *bool) bool {
	if len(a.oidc.AllowedDomains) == 0 {
		return true
	}
	if verified != nil && !*verified {
		return false
	}
	_, domain, ok := strings.Cut(email, "@")
	if !ok {
		return false
	}
	for _, d := range a.oidc.AllowedDomains {
		if strings.EqualFold(domain, strings.TrimPrefix(d, "@")) {
			return true
		}
	}
	return false
}
