package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"time"

	"github.com/prodgate/prodgate/internal/tfcfake"
)

// The control is the floor under prodgate's numbers on this machine: a
// process with nothing but Go's HTTP server and a handler that reads the
// body and answers 200, sent the same signed requests by the same lean
// sender. What prodgate takes beyond it is prodgate's own.

// controlFlag runs this binary as the control server (see serveControl).
const controlFlag = "-serve-control"

// serveControl listens on loopback, prints its address and answers every
// request with a small JSON body, as prodgate answers a run-task POST.
func serveControl() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().String())
	return http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`))
	}))
}

// controlBursts starts the control server and sends it n requests at once
// over kept-alive connections and then over new ones, like the lean bursts
// against prodgate.
func controlBursts(peer *tfcfake.Server, n int, stage string, idleFirst bool) (keptAlive, newConns controlResult, err error) {
	self, err := os.Executable()
	if err != nil {
		return keptAlive, newConns, err
	}
	cmd := exec.Command(self, controlFlag)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return keptAlive, newConns, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return keptAlive, newConns, err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var addr string
	if _, err := fmt.Fscanln(out, &addr); err != nil {
		return keptAlive, newConns, fmt.Errorf("control server: %w", err)
	}
	target := "http://" + addr + "/runtask"
	reqs := make([]leanRequest, n)
	for i := range reqs {
		task := peer.NewTask(tfcfake.TaskOptions{PlanID: "control", Workspace: fmt.Sprintf("ws-%d", i), Stage: stage})
		if reqs[i], err = buildLean(target, task.Payload(), hmacKey); err != nil {
			return keptAlive, newConns, err
		}
	}
	srv := &serverProc{pid: cmd.Process.Pid, idleFirst: idleFirst}
	warm, err := dialAll(addr, n)
	if err != nil {
		return keptAlive, newConns, err
	}
	defer closeAll(warm)
	if keptAlive, err = controlBurst(addr, reqs, warm, srv); err != nil {
		return keptAlive, newConns, err
	}
	fresh := make([]*leanConn, n)
	defer closeAll(fresh)
	newConns, err = controlBurst(addr, reqs, fresh, srv)
	return keptAlive, newConns, err
}

type controlResult struct {
	post []time.Duration
	cpu  burstCPU
}

// controlBurst sends reqs[i] over conns[i] (dialled first where nil), all at
// once, and measures the answers and both processes' CPU.
func controlBurst(addr string, reqs []leanRequest, conns []*leanConn, srv *serverProc) (controlResult, error) {
	sends := make([]func() (int, error), len(reqs))
	for i, req := range reqs {
		sends[i] = func() (int, error) { return leanSend(addr, conns, i, req) }
	}
	post, _, cpu, err := fire(sends, srv)
	return controlResult{post: post, cpu: cpu}, err
}
