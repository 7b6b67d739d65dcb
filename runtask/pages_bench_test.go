package runtask

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/prodgate/prodgate/bench/plangen"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/internal/tfcfake"
)

// The pages' weight and server time: the run page of a 20,000-resource plan,
// and the history, workspace page and scorecard with 10,000 judged tasks, on
// SQLite and PostgreSQL. Each op is one GET over loopback asking for gzip,
// as browsers do; wire-bytes is the answer's size as sent, page-bytes the
// HTML (or JSON) it holds.
//
//	go test -run '^$' -bench 'RunPage|HistoryPages' -benchtime 20x ./runtask/

// benchGet GETs url and returns the bytes sent and the bytes of the page.
func benchGet(b *testing.B, url, token string) (wire, page int) {
	b.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Accept-Encoding", "gzip") // set by hand: the client then leaves the body as sent
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	wire, page = len(body), len(body)
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, zr)
		page = int(n)
	}
	return wire, page
}

func BenchmarkRunPage(b *testing.B) {
	templates, err := plangen.Templates(plangen.DefaultDirs("..")...)
	if err != nil {
		b.Skip(err)
	}
	var plan bytes.Buffer
	if err := plangen.Write(&plan, 20000, templates); err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run("db="+name+"/resources=20000", func(b *testing.B) {
			fake, err := tfcfake.New()
			if err != nil {
				b.Fatal(err)
			}
			defer fake.Close()
			svc := newPagesTestService(b, Options{DatabaseURL: testDatabases[name](b), ArchiveHosts: []string{"127.0.0.2", "localhost"}})
			planID, _ := fake.AddPlan(plan.Bytes())
			task := fake.NewTask(tfcfake.TaskOptions{PlanID: planID})
			if status, _, err := fake.Deliver(context.Background(), "http://"+svc.Addr()+"/runtask", task.Payload(), handlerTestKey); err != nil || status != http.StatusOK {
				b.Fatalf("deliver: %d %v", status, err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			final, err := fake.WaitFinal(ctx, task.ID)
			cancel()
			if err != nil {
				b.Fatal(err)
			}
			var wire, page int
			b.ResetTimer()
			for b.Loop() {
				wire, page = benchGet(b, final.URL, "")
			}
			b.ReportMetric(float64(wire), "wire-bytes")
			b.ReportMetric(float64(page), "page-bytes")
		})
	}
}

// seedTasks writes n judged tasks' summaries and tallies (rules rule tallies
// each) as the worker does, spread over 30 days and 40 workspaces.
func seedTasks(b *testing.B, db *database, n, rules int, now time.Time) {
	b.Helper()
	ctx := context.Background()
	var runRules []string
	for i := range rules {
		runRules = append(runRules, fmt.Sprintf("rule-%02d", i))
	}
	for i := range n {
		at := now.Add(-time.Duration(i) * 30 * 24 * time.Hour / time.Duration(n))
		verdict := TaskPassed
		if i%3 == 0 {
			verdict = TaskFailed
		}
		rep := &evaluator.Report{Verdict: evaluator.Verdict(verdict), RulesRun: runRules}
		for j, id := range runRules {
			status := evaluator.StatusPass
			if verdict == TaskFailed && j%7 == 0 {
				status = evaluator.StatusFail
			}
			rep.Findings = append(rep.Findings, evaluator.Finding{RuleID: id, Status: status, Blocking: status == evaluator.StatusFail})
		}
		sum := &taskSummary{TaskResultID: fmt.Sprintf("taskrs-%06d", i), Organization: fmt.Sprintf("org-%d", i%3),
			Workspace: fmt.Sprintf("ws-%02d", i%40), Stage: string(StagePostPlan), Verdict: verdict, ReceivedAt: at, FinishedAt: at.Add(time.Second)}
		tallies, waivers := summarize(sum, rep)
		if err := db.store.saveSummary(ctx, sum, tallies, waivers, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHistoryPages(b *testing.B) {
	const tasks, rules = 10000, 60
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run("db="+name, func(b *testing.B) {
			url := testDatabases[name](b)
			if name == "sqlite" {
				url = filepath.Join(b.TempDir(), "prodgate.db")
			}
			svc := newPagesTestService(b, Options{DatabaseURL: url})
			seedTasks(b, svc.db, tasks, rules, svc.now())
			token, _, err := svc.db.store.tokens().create(context.Background(), "bench", time.Now())
			if err != nil {
				b.Fatal(err)
			}
			base := "http://" + svc.Addr()
			// A cursor 100 pages deep (5,000 tasks in).
			deep, _, err := svc.db.store.history(context.Background(), historyFilter{}, nil, 5000)
			if err != nil {
				b.Fatal(err)
			}
			last := deep[len(deep)-1]
			for _, page := range []struct{ name, path string }{
				{"history", "/"},
				{"history-page-100", "/?cursor=" + historyCursor{ReceivedAt: last.ReceivedAt, ID: last.TaskResultID}.String()},
				{"history-filtered", "/?organization=org-1&workspace=ws-01&verdict=failed"},
				{"workspace", "/workspaces/org-1/ws-01"},
				{"scorecard", "/scorecard"},
				{"api-tasks", "/api/v1/tasks"},
			} {
				b.Run("tasks=10000/page="+page.name, func(b *testing.B) {
					var wire, size int
					for b.Loop() {
						wire, size = benchGet(b, base+page.path, token)
					}
					b.ReportMetric(float64(wire), "wire-bytes")
					b.ReportMetric(float64(size), "page-bytes")
				})
			}
		})
	}
}

// BenchmarkScorecardQueries times the scorecard's three reads alone.
func BenchmarkScorecardQueries(b *testing.B) {
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run("db="+name, func(b *testing.B) {
			db := openBenchDatabase(b, testDatabases[name](b))
			now := time.Now()
			seedTasks(b, db, 10000, 60, now)
			to := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
			w := scoreWindow{From: to.AddDate(0, 0, -30), To: to}
			ctx := context.Background()
			for _, q := range []struct {
				name string
				fn   func() error
			}{
				{"workspaces", func() error { _, err := db.store.workspaceScores(ctx, w); return err }},
				{"controls", func() error { _, err := db.store.controlScores(ctx, w); return err }},
				{"waivers", func() error { _, err := db.store.waiverScores(ctx, w); return err }},
			} {
				b.Run("query="+q.name, func(b *testing.B) {
					for b.Loop() {
						if err := q.fn(); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

func openBenchDatabase(b *testing.B, url string) *database {
	b.Helper()
	db, err := openDatabase(context.Background(), url, queueSettings{workers: 1, worker: &evaluateWorker{svc: &Service{}}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(db.close)
	return db
}
