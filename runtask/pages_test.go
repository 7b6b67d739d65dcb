package runtask

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/prodgate/prodgate/internal/tfcfake"
)

// plantedSecret is written into the example plan's sensitive password: no
// page or API answer may carry it.
const plantedSecret = "planted-sensitive-4f1e9b"

// pagesFixture is a service that judged real tasks sent by tfcfake: the
// unsafe example plan (with the planted secret) and the compliant one, in
// two workspaces.
type pagesFixture struct {
	svc   *Service
	base  string
	token string
	tasks map[string]*tfcfake.Task // by name
	runs  map[string]string        // run page links by task name
}

func newPagesFixture(t *testing.T, databaseURL string) *pagesFixture {
	t.Helper()
	fake, err := tfcfake.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(fake.Close)
	svc := newPagesTestService(t, Options{DatabaseURL: databaseURL, ArchiveHosts: []string{"127.0.0.2", "localhost"}})
	f := &pagesFixture{svc: svc, base: "http://" + svc.Addr(), tasks: map[string]*tfcfake.Task{}, runs: map[string]string{}}
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("..", "examples", "plans", name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	unsafe := bytes.ReplaceAll(read("unsafe.json"), []byte("not-a-real-password"), []byte(plantedSecret))
	if !bytes.Contains(unsafe, []byte(plantedSecret)) {
		t.Fatal("the example plan no longer has the password the secret is planted in")
	}
	plans := map[string][]byte{"unsafe": unsafe, "compliant": read("compliant.json")}
	for _, run := range []struct{ name, org, ws, plan, stage string }{
		{"orders-1", "acme", "orders-prod", "unsafe", "post_plan"},
		{"orders-2", "acme", "orders-prod", "compliant", "post_plan"},
		{"orders-3", "acme", "orders-prod", "unsafe", "pre_apply"},
		{"web-1", "beta", "web-dev", "compliant", "post_plan"},
	} {
		planID, _ := fake.AddPlan(plans[run.plan])
		task := fake.NewTask(tfcfake.TaskOptions{PlanID: planID, Organization: run.org, Workspace: run.ws, Stage: run.stage})
		status, _, err := fake.Deliver(context.Background(), f.base+"/runtask", task.Payload(), handlerTestKey)
		if err != nil || status != http.StatusOK {
			t.Fatalf("deliver %s: %d, %v", run.name, status, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		final, err := fake.WaitFinal(ctx, task.ID)
		cancel()
		if err != nil {
			t.Fatalf("wait for %s: %v", run.name, err)
		}
		f.tasks[run.name], f.runs[run.name] = task, final.URL
	}
	token, _, err := svc.db.store.tokens().create(context.Background(), "pages test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	f.token = token
	return f
}

// get fetches path with the API token (authed) or without, following no
// redirect, and checks the planted secret is not in the answer.
func (f *pagesFixture) get(t *testing.T, path string, authed bool) (int, http.Header, string) {
	t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = f.base + path
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if authed {
		req.Header.Set("Authorization", "Bearer "+f.token)
	}
	c := &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if bytes.Contains(body, []byte(plantedSecret)) {
		t.Errorf("GET %s carries the planted sensitive value", path)
	}
	return resp.StatusCode, resp.Header, string(body)
}

var taskRow = regexp.MustCompile(`<tr class="task" data-verdict="(passed|failed)">`)

func TestPages(t *testing.T) {
	for name, url := range testDatabases {
		t.Run(name, func(t *testing.T) {
			f := newPagesFixture(t, url(t))

			// The run page: only through its signed link.
			run := f.runs["orders-1"]
			status, header, body := f.get(t, run, false)
			if status != http.StatusOK || !strings.Contains(body, "Gate failed") {
				t.Fatalf("the signed run page: %d\n%s", status, body)
			}
			if csp := header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("run page Content-Security-Policy %q", csp)
			}
			for _, want := range []string{`href="/">History</a>`, "aws_db_instance.orders", `<a href="` + f.tasks["orders-1"].CallbackURL[:len("http://127.0.0.1")]} {
				if !strings.Contains(body, want) {
					t.Errorf("run page lacks %q", want)
				}
			}
			unsigned := strings.Split(run, "?")[0]
			for _, bad := range []string{unsigned, unsigned + "?sig=00000000000000000000000000000000", strings.Replace(run, f.tasks["orders-1"].ID, f.tasks["orders-2"].ID, 1)} {
				if status, _, _ := f.get(t, bad, true); status != http.StatusNotFound {
					t.Errorf("GET %s: %d, want 404 (the signature is required, even signed in)", bad, status)
				}
			}

			// History, scorecard and API need a sign-in.
			for _, path := range []string{"/", "/scorecard", "/workspaces/acme/orders-prod"} {
				if status, header, _ := f.get(t, path, false); status != http.StatusSeeOther || !strings.HasPrefix(header.Get("Location"), "/login?next=") {
					t.Errorf("GET %s without a sign-in: %d to %q, want 303 to the sign-in page", path, status, header.Get("Location"))
				}
			}
			for _, path := range []string{"/api/v1/tasks", "/api/v1/scorecard", "/api/v1/scorecard/controls.csv", "/api/v1/workspaces/acme/orders-prod/trend"} {
				if status, _, _ := f.get(t, path, false); status != http.StatusUnauthorized {
					t.Errorf("GET %s without a token: %d, want 401", path, status)
				}
			}

			// Filters change the rows.
			filters := []struct {
				query string
				want  []string
			}{
				{"/", []string{"passed", "failed", "passed", "failed"}},
				{"/?verdict=failed", []string{"failed", "failed"}},
				{"/?organization=beta", []string{"passed"}},
				{"/?workspace=orders-prod&stage=pre_apply", []string{"failed"}},
				{"/?from=2000-01-01&to=2000-01-02", nil},
			}
			for _, ft := range filters {
				status, _, body := f.get(t, ft.query, true)
				var got []string
				for _, m := range taskRow.FindAllStringSubmatch(body, -1) {
					got = append(got, m[1])
				}
				if diff := cmp.Diff(ft.want, got); status != http.StatusOK || diff != "" {
					t.Errorf("GET %s: %d, rows (-want +got):\n%s", ft.query, status, diff)
				}
			}
			if status, _, body := f.get(t, "/?verdict=maybe", true); status != http.StatusBadRequest || !strings.Contains(body, "want passed or failed") {
				t.Errorf("a bad filter: %d", status)
			}

			// The workspace page: its timeline and one chart point per day.
			status, _, body = f.get(t, "/workspaces/acme/orders-prod", true)
			if status != http.StatusOK {
				t.Fatalf("workspace page: %d", status)
			}
			if n := len(taskRow.FindAllString(body, -1)); n != 3 {
				t.Errorf("workspace timeline has %d rows, want 3", n)
			}
			today := f.svc.now().UTC().Format(time.DateOnly)
			if points := regexp.MustCompile(`class="blocking point" data-day="([0-9-]+)"`).FindAllStringSubmatch(body, -1); len(points) != 1 || points[0][1] != today {
				t.Errorf("chart points %v, want one, for %s", points, today)
			}

			// The API: the same tasks as JSON, the scorecard as JSON and CSV.
			var tasks struct {
				Tasks []apiTask `json:"tasks"`
			}
			_, _, body = f.get(t, "/api/v1/tasks?workspace=orders-prod", true)
			if err := json.Unmarshal([]byte(body), &tasks); err != nil || len(tasks.Tasks) != 3 {
				t.Fatalf("API tasks: %v, %d tasks\n%s", err, len(tasks.Tasks), body)
			}
			if got := tasks.Tasks[2]; got.Verdict != TaskFailed || got.Blocking == 0 || got.RunPageURL != f.runs["orders-1"] || got.RunURL == "" {
				t.Errorf("API task %+v", got)
			}
			var sc struct {
				Workspaces []apiWorkspaceScore `json:"workspaces"`
				Controls   []apiControlScore   `json:"controls"`
				Waivers    []apiWaiver         `json:"waivers"`
			}
			_, _, body = f.get(t, "/api/v1/scorecard", true)
			if err := json.Unmarshal([]byte(body), &sc); err != nil {
				t.Fatal(err)
			}
			wsSummary := map[string][2]int{}
			for _, w := range sc.Workspaces {
				wsSummary[w.Organization+"/"+w.Workspace] = [2]int{w.Tasks, w.Passed}
			}
			if diff := cmp.Diff(map[string][2]int{"acme/orders-prod": {3, 1}, "beta/web-dev": {1, 1}}, wsSummary); diff != "" {
				t.Errorf("scorecard workspaces (-want +got):\n%s", diff)
			}
			if len(sc.Controls) == 0 || sc.Controls[0].Blocking == 0 {
				t.Errorf("scorecard controls: the first should be one that fails: %+v", sc.Controls)
			}
			for _, table := range []string{"workspaces", "controls", "waivers"} {
				status, header, body := f.get(t, "/api/v1/scorecard/"+table+".csv", true)
				rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
				if status != http.StatusOK || err != nil || len(rows) == 0 || !strings.HasPrefix(header.Get("Content-Type"), "text/csv") {
					t.Errorf("%s.csv: %d, %v, %d rows", table, status, err, len(rows))
				}
			}
			status, _, body = f.get(t, "/scorecard", true)
			if status != http.StatusOK || !strings.Contains(body, "Controls that fail most") {
				t.Errorf("scorecard page: %d", status)
			}
		})
	}
}

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{"=HYPERLINK(x)": "'=HYPERLINK(x)", "-3": "-3", "-x": "'-x", "@a": "'@a", "plain": "plain", "": ""} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{"/scorecard?days=7": "/scorecard?days=7", "//evil.example": "/", "https://evil.example/": "/",
		`/\evil.example`: "/", "scorecard": "/", "": "/"} {
		if got := localPath(in); got != want {
			t.Errorf("localPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRunPageBeforeAVerdict: a task not judged yet has a page that says so
// (HCP Terraform shows the link from the first callback on).
func TestRunPageBeforeAVerdict(t *testing.T) {
	peer, err := tfcfake.New()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	s, _ := workerTestService(t, filepath.Join(t.TempDir(), "prodgate.db"), Options{})
	srv := httptest.NewServer(s.http.Handler) // the queue is not started: the task stays queued
	defer srv.Close()
	task := peer.NewTask(tfcfake.TaskOptions{PlanID: "plan-x", Workspace: "orders-prod"})
	if status, body, err := postSigned(srv.URL+"/runtask", task.Payload()); err != nil || status != http.StatusOK {
		t.Fatalf("POST: %d %s %v", status, body, err)
	}
	resp, err := http.Get(srv.URL + s.runPagePath(task.ID))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"Being judged", "has not finished judging this run yet", "orders-prod", task.RunID} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the page of a queued task lacks %q:\n%s", want, body)
		}
	}
}

// TestRunPageIsSentGzipped: the page kept gzipped is sent as it is to a
// client that asks for gzip, and unpacked for one that does not.
func TestRunPageIsSentGzipped(t *testing.T) {
	f := newPagesFixture(t, filepath.Join(t.TempDir(), "prodgate.db"))
	get := func(acceptGzip bool) (string, []byte) {
		req, _ := http.NewRequest(http.MethodGet, f.runs["orders-1"], nil)
		if acceptGzip {
			req.Header.Set("Accept-Encoding", "gzip")
		} else {
			req.Header.Set("Accept-Encoding", "identity")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.Header.Get("Content-Encoding"), body
	}
	enc, zipped := get(true)
	if enc != "gzip" {
		t.Fatalf("Content-Encoding %q, want gzip", enc)
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	enc, plain := get(false)
	if enc != "" || !bytes.Equal(plain, unzipped) || !bytes.Contains(plain, []byte("Gate failed")) {
		t.Errorf("without gzip: Content-Encoding %q, %d bytes; with gzip %d bytes unpacked", enc, len(plain), len(unzipped))
	}
}
