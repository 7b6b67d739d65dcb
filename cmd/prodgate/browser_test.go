//go:build !checkonly

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/prodgate/prodgate/internal/tfcfake"
)

// Browser tests: headless Chromium (Debian's chromium package; scripts/test.sh
// installs it where apt can) against a running prodgate, driven with
// chromedp. Where no Chromium is found they skip, saying so; the pages'
// HTML is tested without a browser in package runtask and report.

var updateScreenshots = flag.Bool("update-screenshots", false, "rewrite docs/img/*.png from the browser tests")

// chromiumPath finds a Chromium or Chrome to drive.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" && os.Getenv("PRODGATE_REQUIRE_BROWSER") != "" {
		t.Fatal("no Chromium found, and PRODGATE_REQUIRE_BROWSER is set")
	}
	t.Skip("no Chromium on PATH (apt-get install chromium): the browser tests are skipped; the pages' HTML tests still run")
	return ""
}

// browser is one headless Chromium tab, and what its pages wrote to the
// console as errors.
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath(t)
	// The flags the machine's Chromium needs (no sandbox as root, no network
	// of its own), and a fresh profile.
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	b := &browser{ctx: ctx}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				b.mu.Lock()
				b.errors = append(b.errors, m.String()+" ("+m.URL+")")
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// open loads u and returns the HTTP status, the final URL and the page's
// HTML (from the DOM, so it works with JavaScript off), failing the test on
// any console error the page caused.
func (b *browser) open(t *testing.T, u string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(u))
	if err != nil {
		t.Fatalf("open %s: %v", u, err)
	}
	return int(resp.Status), b.location(t), b.html(t)
}

func (b *browser) location(t *testing.T) string {
	t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func (b *browser) html(t *testing.T) string {
	t.Helper()
	html, err := chromedp.Run(b.ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		t.Fatal(err)
	}
	return html
}

// count is how many elements match a CSS selector.
func (b *browser) count(t *testing.T, selector string) int {
	t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+jsString(selector)+`).length`))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func jsString(s string) string {
	b, _ := json.Marshal(s) // a JSON string is a JavaScript string
	return string(b)
}

// consoleErrors returns and forgets the errors written so far; the console
// events arrive a moment after the page, so it waits a little for them.
func (b *browser) consoleErrors() []string {
	time.Sleep(150 * time.Millisecond)
	b.mu.Lock()
	defer b.mu.Unlock()
	out := b.errors
	b.errors = nil
	return out
}

func (b *browser) screenshot(t *testing.T, name string) {
	t.Helper()
	if !*updateScreenshots {
		return
	}
	png, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(repoRoot(t), "docs", "img", name+".png")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// signIn pastes token into the sign-in page the browser was sent to.
func (b *browser) signIn(t *testing.T, token string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`input[name="token"]`), token), chromedp.Submit(chromedp.CSS(`input[name="token"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.who`))); err != nil {
		t.Fatalf("sign in: %v", err)
	}
}

const browserSecret = "planted-sensitive-browser-91c2"

// TestBrowserServe drives the pages of a real `prodgate serve` that judged
// runs sent by the fake HCP Terraform, one of them carrying a planted
// sensitive value.
func TestBrowserServe(t *testing.T) {
	b := newBrowser(t)
	db := filepath.Join(t.TempDir(), "prodgate.db")
	srv := startServe(t, "--database-url", db)
	fake, err := tfcfake.New()
	if err != nil {
		t.Fatal(err)
	}
	defer fake.Close()
	unsafe := bytes.ReplaceAll(readExample(t, "unsafe.json"), []byte("not-a-real-password"), []byte(browserSecret))
	plans := map[string][]byte{"unsafe": unsafe, "compliant": readExample(t, "compliant.json")}
	var runPages []string
	for _, run := range []struct{ ws, plan string }{{"orders-prod", "unsafe"}, {"orders-prod", "compliant"}, {"web-dev", "compliant"}, {"orders-prod", "unsafe"}} {
		planID, _ := fake.AddPlan(plans[run.plan])
		task := fake.NewTask(tfcfake.TaskOptions{PlanID: planID, Organization: "acme", Workspace: run.ws})
		if status, _, err := fake.Deliver(context.Background(), srv.url("/runtask"), task.Payload(), testHMACKey); err != nil || status != http.StatusOK {
			t.Fatalf("deliver: %d, %v", status, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		final, err := fake.WaitFinal(ctx, task.ID)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		runPages = append(runPages, final.URL)
	}
	tok := prodgate(t, "", nil, "", "token", "create", "--name", "browser test", "--database-url", db)
	token := strings.TrimSpace(tok.stdout)
	if !strings.HasPrefix(token, "pgt_") {
		t.Fatalf("prodgate token create printed %q (stderr %q)", tok.stdout, tok.stderr)
	}

	visited := map[string]string{}
	check := func(name, u string, wantStatus int) string {
		t.Helper()
		status, _, html := b.open(t, u)
		if status != wantStatus {
			t.Errorf("%s: HTTP %d, want %d", name, status, wantStatus)
		}
		errs := b.consoleErrors()
		if wantStatus != http.StatusOK {
			// The browser reports the page's own status as an error.
			errs = slices.DeleteFunc(errs, func(e string) bool { return strings.Contains(e, "status of 404") && strings.Contains(e, "("+u+")") })
		}
		if len(errs) > 0 {
			t.Errorf("%s wrote console errors: %v", name, errs)
		}
		if strings.Contains(html, browserSecret) {
			t.Errorf("%s shows the planted sensitive value", name)
		}
		visited[name] = html
		return html
	}

	// The run page opens through its signed link, without a sign-in.
	html := check("run page", runPages[0], http.StatusOK)
	if !strings.Contains(html, "Gate failed") || b.count(t, "details.control") == 0 {
		t.Errorf("the run page has no verdict banner or no findings by control")
	}
	unsigned := strings.Split(runPages[0], "?")[0]
	check("run page without its signature", unsigned, http.StatusNotFound)
	check("run page with another run's signature", unsigned+"?"+strings.Split(runPages[1], "?")[1], http.StatusNotFound)

	// History and scorecard send the browser to sign in first.
	for _, path := range []string{"/", "/scorecard"} {
		check("sign-in for "+path, srv.url(path), http.StatusOK)
		if loc := b.location(t); !strings.Contains(loc, "/login?next=") {
			t.Errorf("%s without a sign-in ended at %s, want the sign-in page", path, loc)
		}
	}
	b.signIn(t, token)
	if loc := b.location(t); !strings.HasSuffix(loc, "/scorecard") {
		t.Errorf("after signing in the browser is at %s, want back at /scorecard", loc)
	}
	check("scorecard", srv.url("/scorecard"), http.StatusOK)
	for _, section := range []string{"fail-most", "waiver-debt", "workspaces", "controls"} {
		if b.count(t, "#"+section) != 1 {
			t.Errorf("the scorecard has no #%s section", section)
		}
	}

	// Filters change the rows.
	check("history", srv.url("/"), http.StatusOK)
	if n := b.count(t, "tr.task"); n != 4 {
		t.Errorf("history lists %d runs, want 4", n)
	}
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	err = chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`select[name="verdict"]`), "failed"),
		chromedp.Submit(chromedp.CSS(`form.filters`)), chromedp.WaitVisible(chromedp.CSS(`form.filters`)))
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	if loc := b.location(t); !strings.Contains(loc, "verdict=failed") {
		t.Errorf("the filter form went to %s", loc)
	}
	if all, failed := b.count(t, "tr.task"), b.count(t, `tr.task[data-verdict="failed"]`); all != 2 || failed != 2 {
		t.Errorf("filtered by verdict failed: %d rows, %d failed; want 2 and 2", all, failed)
	}

	// The workspace page's chart has one point per day with runs: today.
	check("workspace", srv.url("/workspaces/acme/orders-prod"), http.StatusOK)
	days := chartDays(t, b)
	if today := time.Now().UTC().Format(time.DateOnly); !slices.Equal(days, []string{today}) {
		t.Errorf("chart points on days %v, want one on %s", days, today)
	}

	// With JavaScript off every page still shows its content.
	if _, err := chromedp.Call(b.ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	for name, u := range map[string]string{"run page": runPages[0], "history": srv.url("/"), "scorecard": srv.url("/scorecard")} {
		_, _, html := b.open(t, u)
		if !strings.Contains(html, "<main>") || strings.Count(html, "<section") < 2 {
			t.Errorf("%s with JavaScript off: no content", name)
		}
	}
}

// chartDays reads the days of the workspace chart's points.
func chartDays(t *testing.T, b *browser) []string {
	t.Helper()
	nodes, err := chromedp.Run(b.ctx, chromedp.Nodes(chromedp.CSSAll(`circle.point`), chromedp.AtLeast(0)))
	if err != nil {
		t.Fatal(err)
	}
	var days []string
	for _, n := range nodes {
		days = append(days, n.AttributeValue("data-day"))
	}
	return days
}

// TestBrowserDemo runs `prodgate demo` as a newcomer would and reads its
// pages: every link it prints opens, the token it prints signs in, and the
// trend of a workspace with runs on 14 days has 14 points, one per day.
// With -update-screenshots it saves the README's screenshots.
func TestBrowserDemo(t *testing.T) {
	b := newBrowser(t)
	addrFile := filepath.Join(t.TempDir(), "addr")
	cmd := exec.Command(binary, "demo", "--listen", "127.0.0.1:0", "--addr-file", addrFile, "--days", "14")
	cmd.Dir = repoRoot(t)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		if data, err := os.ReadFile(addrFile); err == nil && strings.HasSuffix(string(data), "\n") {
			break
		}
		select {
		case <-done:
			t.Fatalf("prodgate demo exited:\n%s", out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("prodgate demo did not finish its runs within a minute:\n%s", out.String())
		}
	}
	printed := out.String()
	token := regexp.MustCompile(`pgt_[A-Za-z0-9_-]+`).FindString(printed)
	links := regexp.MustCompile(`http://127\.0\.0\.1:\d+/\S*`).FindAllString(printed, -1)
	if token == "" || len(links) < 3 {
		t.Fatalf("prodgate demo printed no token or too few links:\n%s", printed)
	}
	base, _ := url.Parse(links[0])
	origin := "http://" + base.Host

	for _, link := range links {
		if !strings.Contains(link, "/runs/") {
			continue
		}
		if status, _, _ := b.open(t, link); status != http.StatusOK {
			t.Errorf("demo run page %s: HTTP %d", link, status)
		}
		if errs := b.consoleErrors(); len(errs) > 0 {
			t.Errorf("demo run page wrote console errors: %v", errs)
		}
	}
	// The first run page printed is payments-prod's latest.
	b.open(t, links[2])
	b.screenshot(t, "run-page")

	b.open(t, origin+"/")
	b.signIn(t, token)
	if n := b.count(t, "tr.task"); n != 50 || b.count(t, `a[rel="next"]`) != 1 {
		t.Errorf("the demo's history shows %d runs and no next page; want a page of 50 and a link to older runs", n)
	}
	b.screenshot(t, "history")
	b.open(t, origin+"/workspaces/acme/payments-prod")
	days := chartDays(t, b)
	distinct := slices.Compact(slices.Clone(days))
	if len(days) != 14 || len(distinct) != 14 {
		t.Errorf("payments-prod's chart has %d points on %d days, want 14 on 14 (two runs a day make one point)", len(days), len(distinct))
	}
	b.screenshot(t, "workspace")
	b.open(t, origin+"/scorecard")
	if n := b.count(t, `tr.waiver`); n == 0 {
		t.Error("the demo's scorecard lists no waiver; the example policy has one")
	}
	b.screenshot(t, "scorecard")
	if errs := b.consoleErrors(); len(errs) > 0 {
		t.Errorf("demo pages wrote console errors: %v", errs)
	}
}
