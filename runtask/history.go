package runtask

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prodgate/prodgate/evaluator"
	"go.uber.org/zap"
)

// historyPageSize is how many tasks a history page lists.
const historyPageSize = 50

// recordSummary keeps what the pages need of a judged task (see
// history_store.go). rep is nil when no plan was judged.
func (s *Service) recordSummary(ctx context.Context, task *Task, req *Request, final Result, rep *evaluator.Report, policy *Policy, log *zap.Logger) error {
	sum := &taskSummary{TaskResultID: task.TaskResultID, Organization: task.Organization, Workspace: task.Workspace,
		Project: task.Project, Stage: task.Stage, RunID: task.RunID, Verdict: final.Status, Message: final.Message,
		PolicyHash: policy.Hash, RunURL: req.RunAppURL, WorkspaceURL: req.WorkspaceAppURL,
		ReceivedAt: task.ReceivedAt, FinishedAt: s.now()}
	tallies, waivers := summarize(sum, rep)
	var page []byte
	if rep != nil {
		var err error
		if page, err = s.drawRunPage(task, sum, rep, policy); err != nil {
			// The page is drawn from the stored report when it is viewed.
			log.Warn("could not draw the run page", zap.Error(err))
		}
	}
	if err := s.db.store.saveSummary(ctx, sum, tallies, waivers, page); err != nil {
		log.Error("could not save the task's summary for the history", zap.Error(err))
		return err
	}
	return nil
}

// historyRow is one task as the history lists it.
type historyRow struct {
	taskSummary
	RunPage, WorkspacePage string
}

// historyQuery is a history request's filter, read from the query string:
// organization, workspace, verdict, stage, from and to (YYYY-MM-DD, to
// inclusive), and the page cursor.
type historyQuery struct {
	Organization, Workspace, Verdict, Stage string
	From, To                                string
	Cursor                                  string
}

func readHistoryQuery(c *gin.Context) (historyQuery, historyFilter, *historyCursor, error) {
	q := historyQuery{Organization: c.Query("organization"), Workspace: c.Query("workspace"), Verdict: c.Query("verdict"),
		Stage: c.Query("stage"), From: c.Query("from"), To: c.Query("to"), Cursor: c.Query("cursor")}
	f := historyFilter{Organization: q.Organization, Workspace: q.Workspace, Verdict: q.Verdict, Stage: q.Stage}
	switch q.Verdict {
	case "", TaskPassed, TaskFailed:
	default:
		return q, f, nil, fmt.Errorf("verdict %q: want passed or failed", q.Verdict)
	}
	switch Stage(q.Stage) {
	case "", StagePrePlan, StagePostPlan, StagePreApply, StagePostApply:
	default:
		return q, f, nil, fmt.Errorf("stage %q: want pre_plan, post_plan, pre_apply or post_apply", q.Stage)
	}
	var err error
	if q.From != "" {
		if f.From, err = time.Parse(time.DateOnly, q.From); err != nil {
			return q, f, nil, fmt.Errorf("from %q: want YYYY-MM-DD", q.From)
		}
	}
	if q.To != "" {
		if f.To, err = time.Parse(time.DateOnly, q.To); err != nil {
			return q, f, nil, fmt.Errorf("to %q: want YYYY-MM-DD", q.To)
		}
		f.To = f.To.AddDate(0, 0, 1) // the whole day
	}
	var cursor *historyCursor
	if q.Cursor != "" {
		cur, err := parseCursor(q.Cursor)
		if err != nil {
			return q, f, nil, err
		}
		cursor = &cur
	}
	return q, f, cursor, nil
}

// values is the query string of q without its cursor, for links to other
// pages of the same filter.
func (q historyQuery) values() url.Values {
	v := url.Values{}
	for _, kv := range [][2]string{{"organization", q.Organization}, {"workspace", q.Workspace}, {"verdict", q.Verdict},
		{"stage", q.Stage}, {"from", q.From}, {"to", q.To}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	return v
}

func (s *Service) historyRows(c *gin.Context, f historyFilter, cursor *historyCursor) ([]historyRow, string, error) {
	tasks, more, err := s.db.store.history(c.Request.Context(), f, cursor, historyPageSize)
	if err != nil {
		return nil, "", err
	}
	rows := make([]historyRow, len(tasks))
	for i, t := range tasks {
		rows[i] = historyRow{taskSummary: t, RunPage: s.runPagePath(t.TaskResultID), WorkspacePage: workspacePath(t.Organization, t.Workspace)}
	}
	next := ""
	if more {
		last := tasks[len(tasks)-1]
		next = historyCursor{ReceivedAt: last.ReceivedAt, ID: last.TaskResultID}.String()
	}
	return rows, next, nil
}

// runPagePath is the signed path of a task's run page.
func (s *Service) runPagePath(id string) string {
	return "/runs/" + url.PathEscape(id) + "?sig=" + s.secrets.linkSignature(id)
}

func workspacePath(org, ws string) string {
	return "/workspaces/" + url.PathEscape(org) + "/" + url.PathEscape(ws)
}

type historyPage struct {
	pageBase
	Query               historyQuery
	Organizations       []string
	Workspaces          []string
	Rows                []historyRow
	NextURL, FirstURL   string
	Stages              []Stage
	APIURL              string
	Error               string
	FilterCount, Shown  int
	ServerMilliseconds  string
	EmptyBecauseFilters bool
}

func (s *Service) handleHistory(c *gin.Context) {
	start := time.Now()
	q, f, cursor, err := readHistoryQuery(c)
	page := historyPage{pageBase: s.base(c, "History"), Query: q, Stages: []Stage{StagePrePlan, StagePostPlan, StagePreApply, StagePostApply}}
	if err != nil {
		page.Error = err.Error()
		s.renderPage(c, http.StatusBadRequest, "history", page)
		return
	}
	page.Organizations, page.Workspaces, err = s.db.store.facets(c.Request.Context())
	if err != nil {
		s.pageError(c, err)
		return
	}
	page.Rows, page.NextURL, err = s.historyRows(c, f, cursor)
	if err != nil {
		s.pageError(c, err)
		return
	}
	v := q.values()
	page.APIURL = "/api/v1/tasks"
	if len(v) > 0 {
		page.APIURL += "?" + v.Encode()
	}
	if page.NextURL != "" {
		nv := q.values()
		nv.Set("cursor", page.NextURL)
		page.NextURL = "/?" + nv.Encode()
	}
	if cursor != nil {
		page.FirstURL = "/"
		if len(v) > 0 {
			page.FirstURL += "?" + v.Encode()
		}
	}
	page.EmptyBecauseFilters = len(page.Rows) == 0 && len(v) > 0
	page.ServerMilliseconds = strconv.FormatFloat(float64(time.Since(start).Microseconds())/1000, 'f', 1, 64)
	s.renderPage(c, http.StatusOK, "history", page)
}

// apiTask is a task as /api/v1/tasks lists it.
type apiTask struct {
	TaskResultID string    `json:"task_result_id"`
	RunID        string    `json:"run_id"`
	Organization string    `json:"organization"`
	Workspace    string    `json:"workspace"`
	Project      string    `json:"project"`
	Stage        string    `json:"stage"`
	Verdict      string    `json:"verdict"`
	Message      string    `json:"message"`
	Standard     string    `json:"standard"`
	Scope        string    `json:"scope"`
	PolicyHash   string    `json:"policy_hash"`
	Blocking     int       `json:"blocking"`
	Advisory     int       `json:"advisory"`
	Waived       int       `json:"waived"`
	Passed       int       `json:"passed"`
	Checks       int       `json:"checks"`
	Resources    int       `json:"resources"`
	Deletes      int       `json:"deletes"`
	Replaces     int       `json:"replaces"`
	Incomplete   bool      `json:"incomplete"`
	ReceivedAt   time.Time `json:"received_at"`
	FinishedAt   time.Time `json:"finished_at"`
	RunPageURL   string    `json:"run_page_url"`
	RunURL       string    `json:"run_url,omitempty"`
	WorkspaceURL string    `json:"workspace_url,omitempty"`
}

func (s *Service) apiTaskOf(t taskSummary) apiTask {
	return apiTask{TaskResultID: t.TaskResultID, RunID: t.RunID, Organization: t.Organization, Workspace: t.Workspace, Project: t.Project,
		Stage: t.Stage, Verdict: t.Verdict, Message: t.Message, Standard: t.Standard, Scope: t.Scope, PolicyHash: t.PolicyHash,
		Blocking: t.Blocking, Advisory: t.Advisory, Waived: t.Waived, Passed: t.Passed, Checks: t.Checks, Resources: t.Resources,
		Deletes: t.Deletes, Replaces: t.Replaces, Incomplete: t.Incomplete, ReceivedAt: t.ReceivedAt, FinishedAt: t.FinishedAt,
		RunPageURL: s.resultsURL(t.TaskResultID), RunURL: t.RunURL, WorkspaceURL: t.WorkspaceURL}
}

func (s *Service) handleAPITasks(c *gin.Context) {
	_, f, cursor, err := readHistoryQuery(c)
	if err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
		return
	}
	tasks, more, err := s.db.store.history(c.Request.Context(), f, cursor, historyPageSize)
	if err != nil {
		s.apiError(c, err)
		return
	}
	out := struct {
		Tasks []apiTask `json:"tasks"`
		Next  string    `json:"next_cursor,omitempty"`
	}{Tasks: make([]apiTask, 0, len(tasks))}
	for _, t := range tasks {
		out.Tasks = append(out.Tasks, s.apiTaskOf(t))
	}
	if more {
		last := tasks[len(tasks)-1]
		out.Next = historyCursor{ReceivedAt: last.ReceivedAt, ID: last.TaskResultID}.String()
	}
	c.JSON(http.StatusOK, out)
}

// trendDays is how far back a workspace page looks unless told (?days=).
const trendDays = 30

type workspacePage struct {
	pageBase
	Organization, Workspace string
	Days                    int
	Chart                   chart
	Points                  []dayPoint
	Rows                    []historyRow
	NextURL                 string
	Tasks, Passed           int
	HCPURL                  string
}

func readDays(c *gin.Context, def int) (int, error) {
	d := c.Query("days")
	if d == "" {
		return def, nil
	}
	n, err := strconv.Atoi(d)
	if err != nil || n < 1 || n > 366 {
		return 0, fmt.Errorf("days %q: want a number of days from 1 to 366", d)
	}
	return n, nil
}

func (s *Service) handleWorkspace(c *gin.Context) {
	org, ws := c.Param("org"), c.Param("ws")
	days, err := readDays(c, trendDays)
	if err != nil {
		c.String(http.StatusBadRequest, "%v\n", err)
		return
	}
	var cursor *historyCursor
	if v := c.Query("cursor"); v != "" {
		cur, err := parseCursor(v)
		if err != nil {
			c.String(http.StatusBadRequest, "%v\n", err)
			return
		}
		cursor = &cur
	}
	to := s.now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -days)
	points, err := s.db.store.trend(c.Request.Context(), org, ws, from, to)
	if err != nil {
		s.pageError(c, err)
		return
	}
	rows, next, err := s.historyRows(c, historyFilter{Organization: org, Workspace: ws}, cursor)
	if err != nil {
		s.pageError(c, err)
		return
	}
	if len(rows) == 0 && len(points) == 0 {
		c.String(http.StatusNotFound, "no judged task of workspace %s in organization %s\n", ws, org)
		return
	}
	page := workspacePage{pageBase: s.base(c, ws), Organization: org, Workspace: ws, Days: days, Points: points, Rows: rows,
		Chart: trendChart(points, from, to)}
	for _, p := range points {
		page.Tasks += p.Tasks
		page.Passed += p.Passed
	}
	if len(rows) > 0 {
		page.HCPURL = rows[0].WorkspaceURL
	}
	if next != "" {
		page.NextURL = workspacePath(org, ws) + "?" + url.Values{"days": {strconv.Itoa(days)}, "cursor": {next}}.Encode()
	}
	s.renderPage(c, http.StatusOK, "workspace", page)
}

func (s *Service) handleAPITrend(c *gin.Context) {
	org, ws := c.Param("org"), c.Param("ws")
	days, err := readDays(c, trendDays)
	if err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
		return
	}
	to := s.now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	points, err := s.db.store.trend(c.Request.Context(), org, ws, to.AddDate(0, 0, -days), to)
	if err != nil {
		s.apiError(c, err)
		return
	}
	type day struct {
		Day      string  `json:"day"`
		Tasks    int     `json:"tasks"`
		Passed   int     `json:"passed"`
		PassRate float64 `json:"pass_rate"`
		Blocking int     `json:"blocking"`
		Advisory int     `json:"advisory"`
	}
	out := struct {
		Organization string `json:"organization"`
		Workspace    string `json:"workspace"`
		Days         []day  `json:"days"`
	}{Organization: org, Workspace: ws, Days: []day{}}
	for _, p := range points {
		out.Days = append(out.Days, day{Day: p.Day.Format(time.DateOnly), Tasks: p.Tasks, Passed: p.Passed, PassRate: p.PassRate(), Blocking: p.Blocking, Advisory: p.Advisory})
	}
	c.JSON(http.StatusOK, out)
}

// shortTime is how the pages show a time: UTC, to the minute.
func shortTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// percent is a share as "87%", or "–" when there is nothing to share.
func percent(part, whole int) string {
	if whole == 0 {
		return "–"
	}
	return strconv.Itoa(int(float64(part)*100/float64(whole)+0.5)) + "%"
}

func percentWidth(part, whole int) string {
	if whole == 0 {
		return "0"
	}
	return strconv.FormatFloat(float64(part)*100/float64(whole), 'f', 1, 64)
}
