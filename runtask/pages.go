package runtask

import (
	"bytes"
	"compress/gzip"
	"embed"
	"html/template"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/report"
	"go.uber.org/zap"
)

//go:embed templates/*.html
var pageFS embed.FS

// pageNames are the service's pages besides the run page (report's html
// format); each is templates/layout.html with templates/<name>.html.
var pageNames = []string{"history", "workspace", "scorecard", "login", "pending"}

// pageTemplates are parsed on first use, not when the binary starts.
var pageTemplates = sync.OnceValue(func() map[string]*template.Template {
	funcs := template.FuncMap{
		"css":          report.PageCSS,
		"time":         shortTime,
		"percent":      percent,
		"percentWidth": percentWidth,
		"checks":       func(c controlScore) int { return c.checks() },
	}
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		out[name] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(pageFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return out
})

// contentSecurityPolicy lets pages use their inline stylesheet and nothing
// else: no script, no image, no frame, forms only to this service.
const contentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// pageBase is what every page's layout shows.
type pageBase struct {
	Title string
	// Who is the signed-in name; empty on pages anyone with the link sees.
	Who string
	// SSO says whether single sign-on is configured (the sign-in page).
	SSO bool
}

func (s *Service) base(c *gin.Context, title string) pageBase {
	return pageBase{Title: title, Who: principalOf(c).Name, SSO: s.auth.ssoEnabled()}
}

func pageHeaders(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Security-Policy", contentSecurityPolicy)
	c.Header("Referrer-Policy", "no-referrer")
	c.Header("X-Content-Type-Options", "nosniff")
}

// renderPage writes a page whole or not at all: a template error gives a
// 500, not half a page.
func (s *Service) renderPage(c *gin.Context, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pageTemplates()[name].Execute(&buf, data); err != nil {
		s.log.Error("render page", zap.String("page", name), zap.Error(err))
		c.String(http.StatusInternalServerError, "internal error: the page could not be drawn\n")
		return
	}
	pageHeaders(c)
	c.Header("Vary", "Accept-Encoding")
	if strings.Contains(c.GetHeader("Accept-Encoding"), "gzip") {
		// A page of history is ~30 KB of table markup, ~4 KB gzipped.
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
		_, _ = zw.Write(buf.Bytes())
		if zw.Close() == nil {
			c.Header("Content-Encoding", "gzip")
			c.Data(status, "text/html; charset=utf-8", gz.Bytes())
			return
		}
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

func (s *Service) pageError(c *gin.Context, err error) {
	s.log.Error("read the database for a page", zap.String("path", c.Request.URL.Path), zap.Error(err))
	c.String(http.StatusInternalServerError, "internal error: the database could not be read\n")
}

func (s *Service) apiError(c *gin.Context, err error) {
	s.log.Error("read the database for the API", zap.String("path", c.Request.URL.Path), zap.Error(err))
	c.JSON(http.StatusInternalServerError, gin.H{"error": "the database could not be read"})
}

// externalBase is how users reach the service: ExternalURL, else the
// address it listens on (as resultsURL does).
func (s *Service) externalBase() string {
	if base := strings.TrimRight(s.opts.ExternalURL, "/"); base != "" {
		return base
	}
	return "http://" + s.Addr()
}

// pageRoutes adds the pages, the API and sign-in to r.
func (s *Service) pageRoutes(r *gin.Engine) {
	pages := r.Group("/", s.auth.requireLogin(false))
	pages.GET("/", s.handleHistory)
	pages.GET("/workspaces/:org/:ws", s.handleWorkspace)
	pages.GET("/scorecard", s.handleScorecard)

	api := r.Group("/api/v1", s.auth.requireLogin(true))
	api.GET("/tasks", s.handleAPITasks)
	api.GET("/workspaces/:org/:ws/trend", s.handleAPITrend)
	api.GET("/scorecard", s.handleAPIScorecard)
	for _, table := range []string{"workspaces", "controls", "waivers"} {
		api.GET("/scorecard/"+table+".csv", s.handleAPIScorecardCSV(table))
	}

	// Browsers ask every site for an icon; there is none, and saying so
	// with 204 keeps a 404 off their consoles.
	r.GET("/favicon.ico", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	r.GET("/login", s.handleLoginPage)
	r.POST("/login", s.handleLogin)
	r.POST("/logout", s.handleLogout)
	if s.auth.ssoEnabled() {
		r.GET("/auth/login", s.auth.ssoStart)
		r.GET("/auth/callback", s.auth.ssoCallback)
	}
}

type loginPage struct {
	pageBase
	Next, Error string
}

func (s *Service) handleLoginPage(c *gin.Context) {
	s.renderPage(c, http.StatusOK, "login", loginPage{pageBase: s.base(c, "Sign in"), Next: localPath(c.Query("next"))})
}

func (s *Service) handleLogin(c *gin.Context) {
	page := loginPage{pageBase: s.base(c, "Sign in"), Next: localPath(c.PostForm("next"))}
	if err := s.auth.checkForm(c.Request); err != nil {
		c.String(http.StatusForbidden, "refused: this form was sent from another site\n")
		return
	}
	ok, err := s.auth.tokenSignIn(c.Writer, c.Request, c.PostForm("token"))
	if err != nil {
		s.pageError(c, err)
		return
	}
	if !ok {
		page.Error = "That is not an active API token."
		s.renderPage(c, http.StatusUnauthorized, "login", page)
		return
	}
	c.Redirect(http.StatusSeeOther, page.Next)
}

func (s *Service) handleLogout(c *gin.Context) {
	if err := s.auth.checkForm(c.Request); err != nil {
		c.String(http.StatusForbidden, "refused: this form was sent from another site\n")
		return
	}
	s.auth.clearCookie(c.Writer, c.Request, sessionCookie)
	c.Redirect(http.StatusSeeOther, "/login")
}

// pendingPage is a run page before there is a report to draw: the task is
// queued or being judged, or ended without judging a plan.
type pendingPage struct {
	pageBase
	Task    *Task
	Verdict string
	Message string
}

// handleResults serves the run page of one task. The link carries a
// signature; without the right one the page does not exist (404), so task
// ids cannot be enumerated. The page was drawn when the task was judged;
// a task judged before pages were kept has its page drawn from its report.
func (s *Service) handleResults(c *gin.Context) {
	id := c.Param("id")
	if !s.secrets.validLink(id, c.Query("sig")) {
		c.String(http.StatusNotFound, "not found\n")
		return
	}
	ctx := c.Request.Context()
	gz, err := s.db.store.runPage(ctx, id)
	if err != nil {
		s.pageError(c, err)
		return
	}
	if gz != nil {
		pageHeaders(c)
		c.Header("Vary", "Accept-Encoding")
		if strings.Contains(c.GetHeader("Accept-Encoding"), "gzip") {
			c.Header("Content-Encoding", "gzip")
			c.Data(http.StatusOK, "text/html; charset=utf-8", gz)
			return
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			s.pageError(c, err)
			return
		}
		c.Status(http.StatusOK)
		c.Header("Content-Type", "text/html; charset=utf-8")
		_, _ = io.Copy(c.Writer, zr)
		return
	}
	task, err := s.db.store.get(ctx, id)
	if err != nil {
		c.String(http.StatusNotFound, "not found\n")
		return
	}
	rep, err := decodeReport(task.Report)
	if err != nil {
		s.log.Warn("stored report does not decode; showing the task without findings", zap.String("task_result_id", id), zap.Error(err))
	}
	if rep == nil {
		page := pendingPage{pageBase: pageBase{Title: task.Workspace}, Task: task, Verdict: task.Status, Message: task.Message}
		if page.Message == "" {
			page.Message = "prodgate has not finished judging this run yet; reload in a moment."
		}
		s.renderPage(c, http.StatusOK, "pending", page)
		return
	}
	sum, err := s.db.store.summary(ctx, id)
	if err != nil {
		sum = &taskSummary{PolicyHash: task.PolicyHash}
	}
	var buf bytes.Buffer
	if err := s.renderRunPage(&buf, task, sum, rep, s.policies.policy()); err != nil {
		s.log.Error("render run page", zap.String("task_result_id", id), zap.Error(err))
		c.String(http.StatusInternalServerError, "internal error: the page could not be drawn\n")
		return
	}
	pageHeaders(c)
	c.Data(http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
}

// renderRunPage draws a task's run page with report's html format; policy
// describes the rules and scopes (the one that judged it, or, for a page
// drawn later, the one in force).
func (s *Service) renderRunPage(w io.Writer, task *Task, sum *taskSummary, rep *evaluator.Report, policy *Policy) error {
	opts := report.Options{Rules: policy.Rules, ToolVersion: s.opts.Version, PolicyHash: sum.PolicyHash,
		RunURL: sum.RunURL, WorkspaceURL: sum.WorkspaceURL,
		Nav: []report.Link{{Label: "History", URL: "/"}, {Label: "Scorecard", URL: "/scorecard"}}}
	if policy.ScopeMatch != nil {
		opts.ScopeMatch = policy.ScopeMatch(rep)
	}
	if task.Workspace != "" {
		opts.Nav = append(opts.Nav, report.Link{Label: "Workspace " + task.Workspace, URL: workspacePath(task.Organization, task.Workspace)})
	}
	r, err := report.New(report.FormatHTML, w, opts)
	if err != nil {
		return err
	}
	return r.Render(rep)
}

// drawRunPage draws the run page once, when the task is judged, gzipped.
func (s *Service) drawRunPage(task *Task, sum *taskSummary, rep *evaluator.Report, policy *Policy) ([]byte, error) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err := s.renderRunPage(zw, task, sum, rep, policy); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
