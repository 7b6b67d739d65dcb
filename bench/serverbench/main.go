// Command serverbench measures `prodgate serve` on loopback: N concurrent,
// signed run-task POSTs from a fake HCP Terraform (internal/tfcfake) that
// serves a ~1 MB plan through the documented 307 redirect and records the
// callbacks. It reports how fast the POST is answered and how long each task
// takes from request to final callback: one task at a time, then bursts of
// n over kept-alive and new connections, sent by Go's HTTP client and by a
// lean sender (lean.go), and the same lean bursts against a control, Go's
// HTTP server with an empty handler (control.go).
//
//	go build -o /tmp/prodgate ./cmd/prodgate
//	go run ./bench/serverbench -binary /tmp/prodgate -n 200
//	go run ./bench/serverbench -binary /tmp/prodgate -n 200 -database-url postgres://…
//	go run ./bench/serverbench -binary /tmp/prodgate -n 200 -serve-flag=--sync-accepted=false
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prodgate/prodgate/bench/plangen"
	"github.com/prodgate/prodgate/internal/tfcfake"
)

const hmacKey = "serverbench-key"

func main() {
	if len(os.Args) == 2 && os.Args[1] == controlFlag {
		if err := serveControl(); err != nil {
			fmt.Fprintln(os.Stderr, "serverbench control:", err)
			os.Exit(1)
		}
		return
	}
	binary := flag.String("binary", "", "path to the prodgate binary (required)")
	n := flag.Int("n", 200, "run-task requests to send, all at once")
	resources := flag.Int("resources", 650, "resource changes in the plan (650 ≈ 1 MB)")
	dbURL := flag.String("database-url", "", "database for prodgate serve (default: a SQLite file in a temp dir)")
	workers := flag.Int("workers", 10, "prodgate serve --workers")
	stage := flag.String("stage", "post_plan", "run stage of the requests (pre_plan carries no plan: it measures the request path alone)")
	sequential := flag.Int("sequential", 50, "also send this many requests one at a time, each waiting for its final callback (unloaded latency)")
	var serveFlags []string
	flag.Func("serve-flag", "pass this flag to prodgate serve too (repeatable), e.g. -serve-flag=--sync-accepted=false", func(v string) error {
		serveFlags = append(serveFlags, v)
		return nil
	})
	busy := flag.Bool("busy", false, "start each burst as soon as the previous one is called back, while the server may still be busy with it (default: wait until it is idle)")
	flag.Parse()
	if *binary == "" {
		fmt.Fprintln(os.Stderr, "serverbench: -binary is required")
		os.Exit(2)
	}
	if err := run(*binary, *n, *resources, *dbURL, *workers, *sequential, *stage, !*busy, serveFlags); err != nil {
		fmt.Fprintln(os.Stderr, "serverbench:", err)
		os.Exit(1)
	}
}

func run(binary string, n, resources int, dbURL string, workers, sequential int, stage string, idleFirst bool, serveFlags []string) error {
	templates, err := plangen.Templates(plangen.DefaultDirs(".")...)
	if err != nil {
		return err
	}
	var plan bytes.Buffer
	if err := plangen.Write(&plan, resources, templates); err != nil {
		return err
	}
	peer, err := tfcfake.New()
	if err != nil {
		return err
	}
	defer peer.Close()
	planID, _ := peer.AddPlan(plan.Bytes())

	// The control first, while nothing else runs.
	controlKept, controlNew, err := controlBursts(peer, n, stage, idleFirst)
	if err != nil {
		return fmt.Errorf("control: %w", err)
	}

	tmp, err := os.MkdirTemp("", "serverbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if dbURL == "" {
		dbURL = filepath.Join(tmp, "prodgate.db")
	}
	addrFile := filepath.Join(tmp, "addr")
	args := append([]string{"serve", "--listen", "127.0.0.1:0", "--addr-file", addrFile, "--hmac-key", hmacKey,
		"--allowed-hosts", "127.0.0.1", "--archive-hosts", "127.0.0.2,localhost", "--database-url", dbURL, "--workers", fmt.Sprint(workers), "--log-level", "warn"}, serveFlags...)
	cmd := exec.Command(binary, args...)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	addr, err := waitAddr(addrFile)
	if err != nil {
		return fmt.Errorf("%w\n%s", err, logs.String())
	}
	target := "http://" + addr + "/runtask"

	// Warm up the database, the code paths and n kept-alive connections.
	if _, _, err := sendAll(peer, target, planID, n, stage); err != nil {
		return err
	}
	var onePost, oneE2E []time.Duration
	for i := 0; i < sequential; i++ {
		p, e, err := sendAll(peer, target, planID, 1, stage)
		if err != nil {
			return fmt.Errorf("%w\n%s", err, logs.String())
		}
		onePost, oneE2E = append(onePost, p...), append(oneE2E, e...)
	}
	// A burst over kept-alive connections (as a client that talks to the
	// service all day has), then one where every request opens its own;
	// each with Go's HTTP client and with the lean sender (lean.go).
	srv := &serverProc{pid: cmd.Process.Pid, idleFirst: idleFirst}
	metricsURL := "http://" + addr + "/metrics"
	gc0, _ := metricValue(metricsURL, "go_gc_duration_seconds_count")
	client := httpSender(peer, target)
	post, e2e, warmCPU, err := burst(peer, planID, n, stage, srv, client)
	if err != nil {
		return fmt.Errorf("%w\n%s", err, logs.String())
	}
	gc1, _ := metricValue(metricsURL, "go_gc_duration_seconds_count")
	peer.CloseIdleConnections()
	coldPost, coldE2E, coldCPU, err := burst(peer, planID, n, stage, srv, client)
	if err != nil {
		return fmt.Errorf("%w\n%s", err, logs.String())
	}
	gc2, _ := metricValue(metricsURL, "go_gc_duration_seconds_count")
	peer.CloseIdleConnections()
	conns, err := dialAll(addr, n)
	if err != nil {
		return err
	}
	defer closeAll(conns)
	leanPost, leanE2E, leanCPU, err := burst(peer, planID, n, stage, srv, leanSender(addr, target, conns))
	if err != nil {
		return fmt.Errorf("%w\n%s", err, logs.String())
	}
	newConns := make([]*leanConn, n)
	leanColdPost, leanColdE2E, leanColdCPU, err := burst(peer, planID, n, stage, srv, leanSender(addr, target, newConns))
	closeAll(newConns)
	if err != nil {
		return fmt.Errorf("%w\n%s", err, logs.String())
	}
	heap, _ := metricValue(metricsURL, "go_memstats_heap_inuse_bytes")
	totalCPU, totalErr := processCPU(srv.pid)
	serverSide, err := serverPostQuantiles(metricsURL, 0.5, 0.99)
	if err != nil {
		return err
	}
	db := "sqlite"
	if strings.HasPrefix(dbURL, "postgres") {
		db = "postgres"
	}
	fmt.Printf("prodgate serve (%s, %d workers%s), stage %s, %d concurrent signed POSTs, plan %.2f MB (%d resource changes)\n",
		db, workers, strings.Join(append([]string{""}, serveFlags...), " "), stage, n, float64(plan.Len())/(1<<20), resources)
	if idleFirst {
		fmt.Printf("  each burst starts once the server has been idle for 100 ms (-busy: as soon as the previous burst is called back)\n")
	} else {
		fmt.Printf("  each burst starts as soon as the previous one is called back (-busy), while the server may still be busy with it\n")
	}
	if sequential > 0 {
		fmt.Printf("  one at a time (%d tasks):\n", sequential)
		fmt.Printf("    POST answered:            p50 %7.2f ms   p99 %7.2f ms\n", pct(onePost, 50), pct(onePost, 99))
		fmt.Printf("    request → final callback: p50 %7.2f ms   p99 %7.2f ms\n", pct(oneE2E, 50), pct(oneE2E, 99))
	}
	for _, b := range []struct {
		what      string
		post, e2e []time.Duration
		cpu       burstCPU
	}{
		{"kept-alive connections (Go's HTTP client)", post, e2e, warmCPU},
		{"a new connection each (Go's HTTP client)", coldPost, coldE2E, coldCPU},
		{"kept-alive connections (lean sender)", leanPost, leanE2E, leanCPU},
		{"a new connection each (lean sender)", leanColdPost, leanColdE2E, leanColdCPU},
	} {
		fmt.Printf("  all %d at once, %s:\n", n, b.what)
		printBurst("prodgate", n, b.post, b.cpu)
		fmt.Printf("    request → final callback: p50 %7.2f ms   p99 %7.2f ms   max %7.2f ms\n", pct(b.e2e, 50), pct(b.e2e, 99), pct(b.e2e, 100))
	}
	fmt.Printf("  control: Go's HTTP server alone (a handler that reads the body and answers 200), the same requests, lean sender:\n")
	for _, b := range []struct {
		what string
		res  controlResult
	}{{"kept-alive connections", controlKept}, {"a new connection each", controlNew}} {
		fmt.Printf("  all %d at once, %s:\n", n, b.what)
		printBurst("control", n, b.res.post, b.res.cpu)
	}
	fmt.Printf("  garbage collections in prodgate: %.0f in the kept-alive burst and its tasks, %.0f in the other; heap in use at the end %.1f MiB\n",
		gc1-gc0, gc2-gc1, heap/(1<<20))
	if totalErr == nil {
		fmt.Printf("  prodgate CPU over the whole run (%d tasks): %.0f ms\n", 5*n+sequential, ms(totalCPU))
	}
	fmt.Printf("  server side, every request above (from prodgate_runtask_post_duration_seconds buckets): p50 <= %.2f ms, p99 <= %.2f ms\n",
		serverSide[0], serverSide[1])
	return nil
}

// printBurst prints how fast the POSTs of a burst were answered and the CPU
// spent meanwhile by the server (named server) and the load generator.
func printBurst(server string, n int, post []time.Duration, cpu burstCPU) {
	fmt.Printf("    POST answered:            p50 %7.2f ms   p99 %7.2f ms   max %7.2f ms\n", pct(post, 50), pct(post, 99), pct(post, 100))
	if !cpu.known {
		return
	}
	fmt.Printf("    CPU until the last answer: %s %.1f ms (%.0f µs per POST), this load generator %.1f ms, wall %.1f ms\n",
		server, ms(cpu.server.ran), float64(cpu.server.ran.Microseconds())/float64(n), ms(cpu.client.ran), ms(cpu.wall))
	fmt.Printf("    threads waiting for a CPU meanwhile (summed): %s %.1f ms, this load generator %.1f ms\n",
		server, ms(cpu.server.waited), ms(cpu.client.waited))
}

// serverPostQuantiles reads the POST-duration histogram from /metrics and
// returns, for each quantile, the upper bound of the bucket it falls in (ms).
func serverPostQuantiles(url string, qs ...float64) ([]float64, error) {
	resp, err := http.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	type bucket struct{ le, count float64 }
	var buckets []bucket
	for _, line := range strings.Split(string(body), "\n") {
		const prefix = `prodgate_runtask_post_duration_seconds_bucket{le="`
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		rest := strings.TrimPrefix(line, prefix)
		leText, countText, ok := strings.Cut(rest, `"} `)
		if !ok || leText == "+Inf" {
			continue
		}
		le, err1 := strconv.ParseFloat(leText, 64)
		count, err2 := strconv.ParseFloat(countText, 64)
		if err1 == nil && err2 == nil {
			buckets = append(buckets, bucket{le, count})
		}
	}
	if len(buckets) == 0 {
		return nil, fmt.Errorf("no POST histogram in %s", url)
	}
	total := buckets[len(buckets)-1].count
	out := make([]float64, len(qs))
	for i, q := range qs {
		out[i] = math.Inf(1)
		for _, b := range buckets {
			if b.count >= q*total {
				out[i] = b.le * 1000
				break
			}
		}
	}
	return out, nil
}

// burstCPU is the CPU time the server and this process spent from the
// first POST of a burst until its last answer: on a machine the two share,
// it says how much of the latency is the server's own work.
type burstCPU struct {
	known          bool
	server, client schedTimes
	wall           time.Duration
}

// metricValue reads one unlabelled sample from a Prometheus text page.
func metricValue(url, name string) (float64, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(body), "\n") {
		if value, ok := strings.CutPrefix(line, name+" "); ok {
			return strconv.ParseFloat(value, 64)
		}
	}
	return 0, fmt.Errorf("%s has no %s", url, name)
}

// sendAll delivers n tasks at once with Go's HTTP client and waits for
// every final callback.
func sendAll(peer *tfcfake.Server, target, planID string, n int, stage string) (post, e2e []time.Duration, err error) {
	post, e2e, _, err = burst(peer, planID, n, stage, nil, httpSender(peer, target))
	return post, e2e, err
}

// A sender readies the delivery of one task (building and signing it), so
// that the burst itself only sends; i numbers the task within its burst.
type sender func(i int, task *tfcfake.Task) (send func() (status int, err error), err error)

// httpSender delivers with tfcfake's client (Go's net/http), over its
// kept-alive connections while it has them.
func httpSender(peer *tfcfake.Server, target string) sender {
	return func(_ int, task *tfcfake.Task) (func() (int, error), error) {
		body := task.Payload()
		sig := tfcfake.Sign(body, hmacKey)
		return func() (int, error) {
			status, _, err := peer.DeliverSigned(context.Background(), target, body, sig)
			return status, err
		}, nil
	}
}

// burst delivers n new tasks at once through send and waits for every final
// callback. When srv is not nil (and /proc tells), it also measures the CPU
// time of that process and this one until the last POST is answered.
func burst(peer *tfcfake.Server, planID string, n int, stage string, srv *serverProc, ready sender) (post, e2e []time.Duration, cpu burstCPU, err error) {
	tasks := make([]*tfcfake.Task, n)
	sends := make([]func() (int, error), n)
	for i := range tasks {
		tasks[i] = peer.NewTask(tfcfake.TaskOptions{PlanID: planID, Workspace: fmt.Sprintf("ws-%d", i), Stage: stage})
		if sends[i], err = ready(i, tasks[i]); err != nil {
			return nil, nil, cpu, err
		}
	}
	post, starts, cpu, err := fire(sends, srv)
	if err != nil {
		return nil, nil, cpu, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for i, task := range tasks {
		cb, err := peer.WaitFinal(ctx, task.ID)
		if err != nil {
			return nil, nil, cpu, err
		}
		e2e = append(e2e, cb.At.Sub(starts[i]))
	}
	return post, e2e, cpu, nil
}

// serverProc is the server process a burst measures.
type serverProc struct {
	pid int
	// idleFirst: a burst waits until the server is idle (see waitIdle).
	idleFirst bool
}

// fire calls every send at once and returns how long each took to be
// answered, when each began and, where srv is not nil and /proc tells, the
// CPU time of that process and this one until the last answer.
func fire(sends []func() (int, error), srv *serverProc) (post []time.Duration, starts []time.Time, cpu burstCPU, err error) {
	var server0, client0 schedTimes
	var cpuErr error
	if srv != nil {
		if srv.idleFirst {
			waitIdle(srv.pid)
		}
		server0, cpuErr = processSched(srv.pid)
		client0, _ = processSched(os.Getpid())
	}
	wall0 := time.Now()
	starts = make([]time.Time, len(sends))
	post = make([]time.Duration, len(sends))
	errs := make([]error, len(sends))
	var wg sync.WaitGroup
	for i, send := range sends {
		wg.Go(func() {
			starts[i] = time.Now()
			status, err := send()
			post[i] = time.Since(starts[i])
			if err == nil && status != http.StatusOK {
				err = fmt.Errorf("POST answered %d", status)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if srv != nil && cpuErr == nil {
		wall := time.Since(wall0)
		server1, err1 := processSched(srv.pid)
		client1, err2 := processSched(os.Getpid())
		if err1 == nil && err2 == nil {
			cpu = burstCPU{known: true, server: server1.sub(server0), client: client1.sub(client0), wall: wall}
		}
	}
	return post, starts, cpu, errors.Join(errs...)
}

// waitIdle returns once process pid has used under 1 ms of CPU in 100 ms
// (or after 10 s): the previous burst's tasks are called back before the
// server has finished its own bookkeeping for them (the queue completes its
// jobs in batches afterwards), and a burst measured on top of that measures
// both.
func waitIdle(pid int) {
	deadline := time.Now().Add(10 * time.Second)
	last, err := processCPU(pid)
	for err == nil && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		var now time.Duration
		if now, err = processCPU(pid); err == nil && now-last < time.Millisecond {
			return
		}
		last = now
	}
}

// schedTimes are a process's CPU time and the time its threads waited,
// runnable, for a CPU.
type schedTimes struct{ ran, waited time.Duration }

func (a schedTimes) sub(b schedTimes) schedTimes {
	return schedTimes{a.ran - b.ran, a.waited - b.waited}
}

// processCPU sums the time every thread of process pid has run, from
// Linux's /proc/<pid>/task/*/schedstat (nanoseconds, unlike the 10 ms ticks
// of /proc/<pid>/stat). Threads that ended are not counted, which is why it
// is only read around a burst.
func processCPU(pid int) (time.Duration, error) {
	t, err := processSched(pid)
	return t.ran, err
}

// processSched reads both the run time and the run-queue wait of every
// thread of process pid (the first two fields of schedstat).
func processSched(pid int) (schedTimes, error) {
	dir := fmt.Sprintf("/proc/%d/task", pid)
	threads, err := os.ReadDir(dir)
	if err != nil {
		return schedTimes{}, err
	}
	var total schedTimes
	for _, t := range threads {
		data, err := os.ReadFile(filepath.Join(dir, t.Name(), "schedstat"))
		if err != nil {
			continue // the thread ended meanwhile
		}
		fields := strings.Fields(string(data))
		if len(fields) < 2 {
			return schedTimes{}, fmt.Errorf("%s: %q", dir, data)
		}
		ran, err1 := strconv.ParseInt(fields[0], 10, 64)
		waited, err2 := strconv.ParseInt(fields[1], 10, 64)
		if err1 != nil || err2 != nil {
			return schedTimes{}, fmt.Errorf("%s: %q", dir, data)
		}
		total.ran += time.Duration(ran)
		total.waited += time.Duration(waited)
	}
	return total, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func waitAddr(path string) (string, error) {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if data, err := os.ReadFile(path); err == nil && bytes.HasSuffix(data, []byte("\n")) {
			return strings.TrimSpace(string(data)), nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return "", fmt.Errorf("prodgate serve did not start")
}

func pct(ds []time.Duration, p float64) float64 {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s))*p/100+0.5) - 1
	i = max(0, min(i, len(s)-1))
	return float64(s[i]) / float64(time.Millisecond)
}
