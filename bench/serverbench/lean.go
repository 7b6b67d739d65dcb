package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"

	"github.com/prodgate/prodgate/internal/tfcfake"
)

// The lean sender delivers the same signed requests as tfcfake.Deliver but
// writes each one, built and signed before the burst, straight to a TCP
// connection and reads the answer with http.ReadResponse. Go's HTTP client
// spends ~190 µs of CPU on a POST over a new connection (its dialer, a read
// and a write goroutine per connection, the transport's bookkeeping); on a
// machine the load generator shares with prodgate that CPU is taken from the
// server under test, and the burst's latency says as much about the client
// as about prodgate. Load generators such as wrk work this way for the same
// reason.

// leanRequest is one POST as it goes on the wire.
type leanRequest []byte

// buildLean renders a signed run-task POST to target.
func buildLean(target string, body []byte, key string) (leanRequest, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nContent-Type: application/json\r\n%s: %s\r\nContent-Length: %d\r\n\r\n",
		u.RequestURI(), u.Host, tfcfake.UserAgent, tfcfake.SignatureHeader, tfcfake.Sign(body, key), len(body))
	return append([]byte(head), body...), nil
}

// leanConn is a kept-alive connection of the lean sender.
type leanConn struct {
	conn net.Conn
	r    *bufio.Reader
}

func dialLean(addr string) (*leanConn, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &leanConn{conn: c, r: bufio.NewReaderSize(c, 1024)}, nil
}

// post writes req and reads the answer; it returns the status code.
func (lc *leanConn) post(req leanRequest) (int, error) {
	if _, err := lc.conn.Write(req); err != nil {
		return 0, err
	}
	resp, err := http.ReadResponse(lc.r, nil)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, err
}

func (lc *leanConn) close() { _ = lc.conn.Close() }

// leanSender delivers with the lean sender over conns[i], one per task of
// the burst: kept alive from an earlier burst, or, where conns[i] is nil, a
// new connection, which it keeps there for the caller to close after the
// burst (as Go's client keeps its new connections; closing them in the
// burst would add the teardown to the requests still waiting).
func leanSender(addr, target string, conns []*leanConn) sender {
	return func(i int, task *tfcfake.Task) (func() (int, error), error) {
		req, err := buildLean(target, task.Payload(), hmacKey)
		if err != nil {
			return nil, err
		}
		return func() (int, error) { return leanSend(addr, conns, i, req) }, nil
	}
}

// leanSend sends req over conns[i], dialling it first where it is nil.
func leanSend(addr string, conns []*leanConn, i int, req leanRequest) (int, error) {
	if conns[i] == nil {
		lc, err := dialLean(addr)
		if err != nil {
			return 0, err
		}
		conns[i] = lc
	}
	return conns[i].post(req)
}

// dialAll opens n connections to be kept alive through a burst.
func dialAll(addr string, n int) ([]*leanConn, error) {
	conns := make([]*leanConn, n)
	for i := range conns {
		var err error
		if conns[i], err = dialLean(addr); err != nil {
			closeAll(conns)
			return nil, err
		}
	}
	return conns, nil
}

func closeAll(conns []*leanConn) {
	for _, c := range conns {
		if c != nil {
			c.close()
		}
	}
}
