package runtask

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/go-cmp/cmp"

	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/rules"
)

// stubIssuer is a stand-in OpenID provider on 127.0.0.1: discovery, JWKS,
// an authorization endpoint that signs the user in at once, and a token
// endpoint that checks the code, the client and the PKCE verifier and
// returns an ID token signed with a key made for the test. tamper bends
// one thing about the ID token, to see the service refuse it.
type stubIssuer struct {
	url      string
	key      *rsa.PrivateKey
	clientID string
	secret   string
	email    string
	tamper   string // "", "audience", "nonce", "expired", "issuer", "key"

	mu    sync.Mutex
	codes map[string]stubCode
}

type stubCode struct{ nonce, challenge, redirect string }

func newStubIssuer(t *testing.T) *stubIssuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	s := &stubIssuer{key: key, clientID: "prodgate", secret: "client-secret", email: "alice@acme.example", codes: map[string]stubCode{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.url = "http://" + ln.Addr().String()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": s.url, "authorization_endpoint": s.url + "/authorize", "token_endpoint": s.url + "/token",
			"jwks_uri": s.url + "/jwks", "id_token_signing_alg_values_supported": []string{"RS256"},
			"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &s.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != s.clientID || q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
			http.Error(w, "bad authorization request", http.StatusBadRequest)
			return
		}
		code := randomString()
		s.mu.Lock()
		s.codes[code] = stubCode{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
		s.mu.Unlock()
		back, _ := url.Parse(q.Get("redirect_uri"))
		v := back.Query()
		v.Set("code", code)
		v.Set("state", q.Get("state"))
		back.RawQuery = v.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
		}
		s.mu.Lock()
		c, found := s.codes[r.PostFormValue("code")]
		delete(s.codes, r.PostFormValue("code"))
		s.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
		if id != s.clientID || secret != s.secret || !found || c.redirect != r.PostFormValue("redirect_uri") ||
			base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":"invalid_grant"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": s.idToken(t, c.nonce)})
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

func (s *stubIssuer) idToken(t *testing.T, nonce string) string {
	key, issuer, aud, exp := s.key, s.url, s.clientID, time.Now().Add(5*time.Minute)
	switch s.tamper {
	case "audience":
		aud = "someone-else"
	case "nonce":
		nonce = "not-the-nonce"
	case "expired":
		exp = time.Now().Add(-time.Hour)
	case "issuer":
		issuer = "https://evil.example"
	case "key":
		other, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Error(err)
		}
		key = other
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Error(err)
		return ""
	}
	raw, err := jwt.Signed(signer).Claims(jwt.Claims{Issuer: issuer, Subject: "user-1", Audience: jwt.Audience{aud},
		Expiry: jwt.NewNumericDate(exp), IssuedAt: jwt.NewNumericDate(time.Now())}).
		Claims(map[string]any{"nonce": nonce, "email": s.email, "email_verified": true}).Serialize()
	if err != nil {
		t.Error(err)
	}
	return raw
}

// newPagesTestService starts a service whose pages the tests read; its
// workers take no tasks from tfcfake here (see pages_test.go for that).
func newPagesTestService(t testing.TB, o Options) *Service {
	t.Helper()
	engine, err := evaluator.Compile(config.Default(), rules.Registry(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	o.Listen, o.HMACKeys, o.Engine = "127.0.0.1:0", []string{handlerTestKey}, engine
	if o.DatabaseURL == "" {
		o.DatabaseURL = filepath.Join(t.TempDir(), "prodgate.db")
	}
	if len(o.AllowedHosts) == 0 {
		o.AllowedHosts = []string{"127.0.0.1"}
	}
	s, err := New(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Stop(context.Background()) })
	return s
}

func browserClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 20 * time.Second}
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestSingleSignOn(t *testing.T) {
	tests := []struct {
		name, tamper string
		domains      []string
		wantStatus   int
		wantBody     string
	}{
		{"a good sign-in lands on the page asked for", "", nil, http.StatusOK, "signed in as alice@acme.example"},
		{"an allowed domain", "", []string{"acme.example"}, http.StatusOK, "signed in as alice@acme.example"},
		{"a domain not allowed", "", []string{"other.example"}, http.StatusForbidden, "not in an allowed domain"},
		{"an ID token for another client", "audience", nil, http.StatusUnauthorized, "ID token is not valid"},
		{"a replayed ID token (wrong nonce)", "nonce", nil, http.StatusUnauthorized, "nonce does not match"},
		{"an expired ID token", "expired", nil, http.StatusUnauthorized, "ID token is not valid"},
		{"an ID token from another issuer", "issuer", nil, http.StatusUnauthorized, "ID token is not valid"},
		{"an ID token signed with another key", "key", nil, http.StatusUnauthorized, "ID token is not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			issuer := newStubIssuer(t)
			issuer.tamper = tt.tamper
			svc := newPagesTestService(t, Options{OIDC: OIDCOptions{Issuer: issuer.url, ClientID: issuer.clientID, ClientSecret: issuer.secret, AllowedDomains: tt.domains}})
			base := "http://" + svc.Addr()
			c := browserClient(t)
			status, body := get(t, c, base+"/scorecard")
			if status != http.StatusOK || !strings.Contains(body, `href="/auth/login?next=%2fscorecard"`) {
				t.Fatalf("the scorecard without a sign-in: %d, want the sign-in page offering single sign-on:\n%s", status, body)
			}
			status, body = get(t, c, base+"/auth/login?next=/scorecard")
			if status != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Fatalf("after single sign-on: %d %q, want %d with %q", status, body, tt.wantStatus, tt.wantBody)
			}
			if status == http.StatusOK && !strings.Contains(body, "Readiness scorecard") {
				t.Errorf("single sign-on did not come back to the scorecard:\n%s", body)
			}
			u, _ := url.Parse(base)
			var names []string
			for _, ck := range c.Jar.Cookies(u) {
				names = append(names, ck.Name)
			}
			want := []string(nil)
			if status == http.StatusOK {
				want = []string{sessionCookie}
			}
			if diff := cmp.Diff(want, names); diff != "" {
				t.Errorf("cookies kept (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSingleSignOnNeedsItsOwnStart: a callback the browser did not start
// here (a forged link carrying an attacker's code) signs nobody in.
func TestSingleSignOnNeedsItsOwnStart(t *testing.T) {
	issuer := newStubIssuer(t)
	svc := newPagesTestService(t, Options{OIDC: OIDCOptions{Issuer: issuer.url, ClientID: issuer.clientID, ClientSecret: issuer.secret}})
	base := "http://" + svc.Addr()
	status, body := get(t, browserClient(t), base+"/auth/callback?code=x&state=y")
	if status != http.StatusBadRequest || !strings.Contains(body, "not started here") {
		t.Errorf("a callback without a started sign-in: %d %q", status, body)
	}
	// Started by one browser, finished by another: the state cookie is the first's.
	first := browserClient(t)
	first.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.Path, "/auth/callback") {
			return http.ErrUseLastResponse
		}
		return nil
	}
	resp, err := first.Get(base + "/auth/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	callback := resp.Header.Get("Location")
	if !strings.Contains(callback, "/auth/callback?code=") {
		t.Fatalf("the stand-in issuer did not send the browser back: %d %q", resp.StatusCode, callback)
	}
	if status, body := get(t, browserClient(t), callback); status != http.StatusBadRequest {
		t.Errorf("another browser finishing the sign-in: %d %q, want 400", status, body)
	}
}

func TestTokenSignInAndSessions(t *testing.T) {
	svc := newPagesTestService(t, Options{})
	base := "http://" + svc.Addr()
	ctx := context.Background()
	token, info, err := svc.db.store.tokens().create(ctx, "ci", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// The database holds the token's hash, never the token.
	var stored string
	if err := svc.db.store.db.QueryRowContext(ctx, `SELECT token_sha256 FROM prodgate_api_token WHERE id = ?`, info.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stored, strings.TrimPrefix(token, tokenPrefix+info.ID+"_")) || stored != hashToken(token) {
		t.Errorf("stored %q for token %q: want its SHA-256 only", stored, token)
	}

	c := browserClient(t)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	post := func(path string, form url.Values, header http.Header) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	// A sign-in form sent from another site is refused (CSRF), even with a good token.
	resp := post("/login", url.Values{"token": {token}, "next": {"/"}}, http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}})
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-site sign-in POST: %d, want 403", resp.StatusCode)
	}
	if resp := post("/login", url.Values{"token": {token + "x"}}, nil); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a wrong token: %d, want 401", resp.StatusCode)
	}
	resp = post("/login", url.Values{"token": {token}, "next": {"//evil.example/x"}}, http.Header{"Sec-Fetch-Site": {"same-origin"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Errorf("sign-in with next=//evil.example: %d to %q, want 303 to / (no open redirect)", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			session = ck
		}
	}
	if session == nil {
		t.Fatal("no session cookie after signing in")
	}
	got := struct {
		HttpOnly, Secure bool
		SameSite         http.SameSite
		Path             string
	}{session.HttpOnly, session.Secure, session.SameSite, session.Path}
	if diff := cmp.Diff(struct {
		HttpOnly, Secure bool
		SameSite         http.SameSite
		Path             string
	}{true, true, http.SameSiteLaxMode, "/"}, got); diff != "" {
		t.Errorf("session cookie attributes (-want +got):\n%s", diff)
	}
	if status, body := get(t, c, base+"/"); status != http.StatusOK || !strings.Contains(body, "signed in as ci") {
		t.Errorf("the history with a session: %d", status)
	}
	// A tampered cookie is no sign-in.
	tampered := browserClient(t)
	tampered.CheckRedirect = c.CheckRedirect
	u, _ := url.Parse(base)
	raw, err := base64.RawURLEncoding.DecodeString(session.Value)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)/2] ^= 1
	tampered.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: base64.RawURLEncoding.EncodeToString(raw)}})
	if status, _ := get(t, tampered, base+"/"); status != http.StatusSeeOther {
		t.Errorf("a tampered session cookie: %d, want 303 to the sign-in page", status)
	}
	// Revoking the token ends the sessions it opened and its API use.
	if err := svc.db.store.tokens().revoke(ctx, info.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if status, _ := get(t, c, base+"/"); status != http.StatusSeeOther {
		t.Errorf("the history after the token was revoked: %d, want 303 to the sign-in page", status)
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/tasks", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("the API with a revoked token: %d, want 401 with WWW-Authenticate", resp.StatusCode)
	}
}

func TestTokenCommandsFunctions(t *testing.T) {
	db := filepath.Join(t.TempDir(), "prodgate.db")
	ctx := context.Background()
	if _, _, err := CreateToken(ctx, db, "  "); err == nil {
		t.Error("a token without a name was created")
	}
	token, info, err := CreateToken(ctx, db, "dashboard")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, tokenPrefix+info.ID+"_") || len(token) != len(tokenPrefix)+12+1+43 {
		t.Errorf("token %q: want pgt_<12 hex>_<43 base64url characters>", token)
	}
	if err := RevokeToken(ctx, db, token); err != nil { // by the token itself
		t.Fatal(err)
	}
	if err := RevokeToken(ctx, db, info.ID); err == nil {
		t.Error("revoking a revoked token: want an error")
	}
	list, err := ListTokens(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Name != "dashboard" || list[0].RevokedAt.IsZero() {
		t.Errorf("tokens = %+v, want the one revoked dashboard token", list)
	}
}
