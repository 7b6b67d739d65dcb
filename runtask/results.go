package runtask

import (
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/report"
	"go.uber.org/zap"
)

//go:embed templates/results.html
var templateFS embed.FS

// resultsTemplate is parsed on first use, not when the binary starts: every
// `prodgate check` would otherwise pay for a page only the service serves.
var resultsTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.ParseFS(templateFS, "templates/results.html"))
})

type pageFinding struct {
	evaluator.Finding
	ID string // anchor that outcome links point at
}

type pageWaiver struct {
	ID, Rule, Address, Owner, Expires, Reason string
	Expired, Unused                           bool
}

type resultsPage struct {
	Task         *Task
	Report       *evaluator.Report
	Verdict      string
	VerdictClass string
	Problems     []pageFinding
	Passed       []evaluator.Finding
	Waivers      []pageWaiver
}

// handleResults serves the results page of one task. The link carries a
// signature; without the right one the page does not exist (404), so task ids
// cannot be enumerated.
func (s *Service) handleResults(c *gin.Context) {
	id := c.Param("id")
	if !s.secrets.validLink(id, c.Query("sig")) {
		c.String(http.StatusNotFound, "not found\n")
		return
	}
	task, err := s.db.store.get(c.Request.Context(), id)
	if err != nil {
		c.String(http.StatusNotFound, "not found\n")
		return
	}
	page := resultsPage{Task: task, Verdict: task.Status, VerdictClass: "pending"}
	switch task.Status {
	case TaskPassed, TaskFailed:
		page.VerdictClass = task.Status
	}
	if len(task.Report) > 0 {
		var rep evaluator.Report
		if err := json.Unmarshal(task.Report, &rep); err != nil {
			s.log.Warn("stored report does not decode; showing the task without findings", zap.String("task_result_id", id), zap.Error(err))
		} else {
			page.Report = &rep
			ids := report.OutcomeIDs(&rep)
			for _, f := range report.Sorted(rep.Findings) {
				switch f.Status {
				case evaluator.StatusPass:
					page.Passed = append(page.Passed, f)
				default:
					page.Problems = append(page.Problems, pageFinding{Finding: f, ID: ids[len(page.Problems)]})
				}
				if f.Waiver != nil {
					page.Waivers = append(page.Waivers, pageWaiver{ID: f.Waiver.ID, Rule: f.RuleID, Address: f.Address,
						Owner: f.Waiver.Owner, Expires: f.Waiver.Expires, Reason: f.Waiver.Reason})
				}
			}
			for _, w := range rep.UnusedWaivers {
				page.Waivers = append(page.Waivers, pageWaiver{ID: w.ID, Rule: w.Rule, Address: w.Address, Owner: w.Owner,
					Expires: w.Expires, Reason: w.Reason, Expired: w.Expired, Unused: w.Matched == 0})
			}
		}
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	c.Header("Referrer-Policy", "no-referrer")
	c.Status(http.StatusOK)
	c.Header("Content-Type", "text/html; charset=utf-8")
	if err := resultsTemplate().Execute(c.Writer, page); err != nil {
		s.log.Warn("render results page", zap.Error(err))
	}
}
