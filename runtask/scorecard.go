package runtask

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// scorecardDays is the scorecard's window unless told (?days=).
const scorecardDays = 30

// waiverSoon is how close to its expiry a waiver counts as expiring soon.
const waiverSoon = 14 * 24 * time.Hour

// topFailing is how many controls "fail most" names.
const topFailing = 5

// scorecard is the estate's readiness over a window, as the page, the JSON
// and the CSV give it.
type scorecard struct {
	From, To     time.Time
	Days         int
	Organization string
	Workspaces   []workspaceScore
	Controls     []controlScore
	Waivers      []waiverDebt
	// Tallies of Waivers.
	ActiveWaivers, ExpiringSoon, ExpiredReferenced int
}

// waiverDebt is a waiver with what it means now.
type waiverDebt struct {
	waiverScore
	// Status is "active", "expiring" (within 14 days), "expired" (and still
	// matching findings) or "unused".
	Status   string
	DaysLeft int
}

func (s *Service) scorecard(c *gin.Context) (*scorecard, error) {
	days, err := readDays(c, scorecardDays)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	to := now.Truncate(24*time.Hour).AddDate(0, 0, 1)
	w := scoreWindow{From: to.AddDate(0, 0, -days), To: to, Organization: c.Query("organization")}
	sc := &scorecard{From: w.From, To: w.To, Days: days, Organization: w.Organization}
	ctx := c.Request.Context()
	if sc.Workspaces, err = s.db.store.workspaceScores(ctx, w); err != nil {
		return nil, err
	}
	if sc.Controls, err = s.db.store.controlScores(ctx, w); err != nil {
		return nil, err
	}
	waivers, err := s.db.store.waiverScores(ctx, w)
	if err != nil {
		return nil, err
	}
	today := now.Truncate(24 * time.Hour)
	for _, ws := range waivers {
		d := waiverDebt{waiverScore: ws}
		if exp, err := time.Parse(time.DateOnly, ws.Expires); err == nil {
			d.DaysLeft = int(exp.Sub(today) / (24 * time.Hour))
		}
		switch {
		case ws.State == waiverExpired && ws.Matched > 0:
			d.Status = "expired"
			sc.ExpiredReferenced++
		case ws.State == waiverExpired:
			d.Status = "expired-unused"
		case ws.State == waiverUnused:
			d.Status = "unused"
		case d.DaysLeft >= 0 && time.Duration(d.DaysLeft)*24*time.Hour <= waiverSoon:
			d.Status = "expiring"
			sc.ExpiringSoon++
			sc.ActiveWaivers++
		default:
			d.Status = "active"
			sc.ActiveWaivers++
		}
		sc.Waivers = append(sc.Waivers, d)
	}
	return sc, nil
}

type scorecardPage struct {
	pageBase
	*scorecard
	Failing    []controlScore
	RuleTitles map[string]string
	RuleDocs   map[string]string
	Query      string
}

func (s *Service) handleScorecard(c *gin.Context) {
	sc, err := s.scorecard(c)
	if err != nil {
		c.String(http.StatusBadRequest, "%v\n", err)
		return
	}
	page := scorecardPage{pageBase: s.base(c, "Scorecard"), scorecard: sc, RuleTitles: map[string]string{}, RuleDocs: map[string]string{}}
	for _, m := range s.policies.policy().Rules {
		page.RuleTitles[m.ID] = m.Title
		if m.Category != "custom" {
			page.RuleDocs[m.ID] = ruleDocsURL + "#" + m.ID
		}
	}
	for _, ctl := range sc.Controls {
		if len(page.Failing) == topFailing || ctl.Blocking+ctl.Advisory+ctl.Unknown == 0 {
			break
		}
		page.Failing = append(page.Failing, ctl)
	}
	page.Query = c.Request.URL.RawQuery
	if page.Query != "" {
		page.Query = "?" + page.Query
	}
	s.renderPage(c, http.StatusOK, "scorecard", page)
}

// ruleDocsURL is where the pages link a built-in rule's documentation.
const ruleDocsURL = "https://github.com/prodgate/prodgate/blob/main/docs/rules.md"

// The API's view of the scorecard: snake_case names, rates as 0–1.

type apiWorkspaceScore struct {
	Organization     string    `json:"organization"`
	Workspace        string    `json:"workspace"`
	Tasks            int       `json:"tasks"`
	Passed           int       `json:"passed"`
	PassRate         float64   `json:"pass_rate"`
	Blocking         int       `json:"blocking"`
	Advisory         int       `json:"advisory"`
	Checks           int       `json:"checks"`
	ChecksPassed     int       `json:"checks_passed"`
	CheckPassRate    float64   `json:"check_pass_rate"`
	LastVerdict      string    `json:"last_verdict"`
	LastAt           time.Time `json:"last_at"`
	LastTaskResultID string    `json:"last_task_result_id"`
}

type apiControlScore struct {
	RuleID       string  `json:"rule_id"`
	Tasks        int     `json:"tasks"`
	Checks       int     `json:"checks"`
	Passed       int     `json:"passed"`
	PassRate     float64 `json:"pass_rate"`
	Blocking     int     `json:"blocking"`
	TasksBlocked int     `json:"tasks_blocked"`
	// WorkspacesBlocked counts the workspaces the rule blocked a run in.
	WorkspacesBlocked int `json:"workspaces_blocked"`
	Advisory          int `json:"advisory"`
	Waived            int `json:"waived"`
	Unknown           int `json:"unknown"`
	FailingChecks     int `json:"failing_checks"`
}

type apiWaiver struct {
	ID         string    `json:"id"`
	Rule       string    `json:"rule"`
	Owner      string    `json:"owner"`
	Reason     string    `json:"reason"`
	Expires    string    `json:"expires"`
	Status     string    `json:"status"`
	DaysLeft   int       `json:"days_left"`
	Matched    int       `json:"matched"`
	Workspaces int       `json:"workspaces"`
	LastSeen   time.Time `json:"last_seen"`
}

func rate(part, whole int) float64 {
	if whole == 0 {
		return 0
	}
	return float64(part) / float64(whole)
}

func (c controlScore) checks() int { return c.Passed + c.Blocking + c.Advisory + c.Waived + c.Unknown }

func apiWorkspaces(in []workspaceScore) []apiWorkspaceScore {
	out := make([]apiWorkspaceScore, 0, len(in))
	for _, w := range in {
		out = append(out, apiWorkspaceScore{Organization: w.Organization, Workspace: w.Workspace, Tasks: w.Tasks, Passed: w.Passed,
			PassRate: rate(w.Passed, w.Tasks), Blocking: w.Blocking, Advisory: w.Advisory, Checks: w.Checks, ChecksPassed: w.ChecksPassed,
			CheckPassRate: rate(w.ChecksPassed, w.Checks), LastVerdict: w.LastVerdict, LastAt: w.LastAt, LastTaskResultID: w.LastTaskResultID})
	}
	return out
}

func apiControls(in []controlScore) []apiControlScore {
	out := make([]apiControlScore, 0, len(in))
	for _, c := range in {
		out = append(out, apiControlScore{RuleID: c.RuleID, Tasks: c.Tasks, Checks: c.checks(), Passed: c.Passed,
			PassRate: rate(c.Passed, c.checks()), Blocking: c.Blocking, TasksBlocked: c.TasksBlocked, WorkspacesBlocked: c.WorkspacesBlocked, Advisory: c.Advisory, Waived: c.Waived,
			Unknown: c.Unknown, FailingChecks: c.Blocking + c.Advisory + c.Unknown})
	}
	return out
}

func apiWaivers(in []waiverDebt) []apiWaiver {
	out := make([]apiWaiver, 0, len(in))
	for _, w := range in {
		out = append(out, apiWaiver{ID: w.ID, Rule: w.Rule, Owner: w.Owner, Reason: w.Reason, Expires: w.Expires, Status: w.Status,
			DaysLeft: w.DaysLeft, Matched: w.Matched, Workspaces: w.Workspaces, LastSeen: w.LastSeen})
	}
	return out
}

func (s *Service) handleAPIScorecard(c *gin.Context) {
	sc, err := s.scorecard(c)
	if err != nil {
		c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
		return
	}
	c.JSON(http.StatusOK, gin.H{
		"from": sc.From, "to": sc.To, "days": sc.Days, "organization": sc.Organization,
		"workspaces": apiWorkspaces(sc.Workspaces), "controls": apiControls(sc.Controls), "waivers": apiWaivers(sc.Waivers),
		"waiver_debt": gin.H{"active": sc.ActiveWaivers, "expiring_14_days": sc.ExpiringSoon, "expired_still_referenced": sc.ExpiredReferenced},
	})
}

// handleAPIScorecardCSV serves one table of the scorecard as CSV: the
// same rows and columns as its JSON, for spreadsheets.
func (s *Service) handleAPIScorecardCSV(table string) gin.HandlerFunc {
	return func(c *gin.Context) {
		sc, err := s.scorecard(c)
		if err != nil {
			c.String(http.StatusBadRequest, "%v\n", err)
			return
		}
		var rows [][]string
		itoa, ftoa := strconv.Itoa, func(f float64) string { return strconv.FormatFloat(f, 'f', 4, 64) }
		switch table {
		case "workspaces":
			rows = append(rows, []string{"organization", "workspace", "tasks", "passed", "pass_rate", "blocking", "advisory", "checks", "checks_passed", "check_pass_rate", "last_verdict", "last_at", "last_task_result_id"})
			for _, w := range apiWorkspaces(sc.Workspaces) {
				rows = append(rows, []string{w.Organization, w.Workspace, itoa(w.Tasks), itoa(w.Passed), ftoa(w.PassRate), itoa(w.Blocking), itoa(w.Advisory),
					itoa(w.Checks), itoa(w.ChecksPassed), ftoa(w.CheckPassRate), w.LastVerdict, w.LastAt.Format(time.RFC3339), w.LastTaskResultID})
			}
		case "controls":
			rows = append(rows, []string{"rule_id", "tasks", "checks", "passed", "pass_rate", "blocking", "tasks_blocked", "workspaces_blocked", "advisory", "waived", "unknown", "failing_checks"})
			for _, ctl := range apiControls(sc.Controls) {
				rows = append(rows, []string{ctl.RuleID, itoa(ctl.Tasks), itoa(ctl.Checks), itoa(ctl.Passed), ftoa(ctl.PassRate),
					itoa(ctl.Blocking), itoa(ctl.TasksBlocked), itoa(ctl.WorkspacesBlocked), itoa(ctl.Advisory), itoa(ctl.Waived), itoa(ctl.Unknown), itoa(ctl.FailingChecks)})
			}
		case "waivers":
			rows = append(rows, []string{"id", "rule", "owner", "reason", "expires", "status", "days_left", "matched", "workspaces", "last_seen"})
			for _, w := range apiWaivers(sc.Waivers) {
				rows = append(rows, []string{w.ID, w.Rule, w.Owner, w.Reason, w.Expires, w.Status, itoa(w.DaysLeft), itoa(w.Matched), itoa(w.Workspaces), w.LastSeen.Format(time.RFC3339)})
			}
		}
		for _, r := range rows[1:] {
			for i, cell := range r {
				r[i] = csvSafe(cell)
			}
		}
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="prodgate-%s.csv"`, table))
		c.Status(http.StatusOK)
		w := csv.NewWriter(c.Writer)
		_ = w.WriteAll(rows)
	}
}

// csvSafe keeps a cell from being read as a formula by a spreadsheet
// (OWASP's CSV injection advice): text from a policy or workspace name
// that starts with = + - @ gets a leading quote.
func csvSafe(cell string) string {
	if cell == "" {
		return cell
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if _, err := strconv.ParseFloat(cell, 64); err == nil {
			return cell // a negative number
		}
		return "'" + cell
	}
	return cell
}
