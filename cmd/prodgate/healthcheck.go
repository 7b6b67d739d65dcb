//go:build !checkonly

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// newHealthcheckCommand probes a running `prodgate serve`. Container images
// without a shell or curl (distroless) run it as their HEALTHCHECK.
func newHealthcheckCommand() *cobra.Command {
	var url string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Probe a running prodgate serve: exit 0 when it answers 200, 1 otherwise",
		Long: `Probe a running 'prodgate serve' and exit 0 when it answers 200, 1 otherwise.

It is the container image's HEALTHCHECK: the runtime image has no shell and no curl.
Without --url it asks /healthz on the port 'prodgate serve' listens on, read from
PRODGATE_LISTEN (default :8080) as the service itself reads it, so a changed port
needs no second setting. Use --url .../readyz to also require the database.`,
		Example: `  prodgate healthcheck
  prodgate healthcheck --url http://127.0.0.1:8080/readyz --timeout 5s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if url == "" {
				u, err := healthzURL(os.Getenv(envName("listen")))
				if err != nil {
					return badInput(err)
				}
				url = u
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return badInput(fmt.Errorf("--url %q: %w", url, err))
			}
			if err := probe(req); err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), "prodgate: unhealthy:", err)
				return &exitError{code: exitFailed, err: err}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&url, "url", "", "URL to probe (default http://127.0.0.1:<port of $PRODGATE_LISTEN>/healthz)")
	cmd.Flags().DurationVar(&timeout, "timeout", 3*time.Second, "how long to wait for the answer")
	return cmd
}

// healthzURL turns the address `prodgate serve --listen` takes into the URL of
// its /healthz as seen from inside the same container: a wildcard or empty
// host becomes the loopback address.
func healthzURL(listen string) (string, error) {
	if listen == "" {
		listen = ":8080"
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("PRODGATE_LISTEN=%q: %w", listen, err)
	}
	if port == "" || port == "0" {
		return "", fmt.Errorf("PRODGATE_LISTEN=%q: no fixed port to probe; give --url", listen)
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}

func probe(req *http.Request) error {
	url := req.URL.String()
	// No proxy: the probe is for this container, never for a host behind HTTP_PROXY.
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("GET %s: no answer in time", url)
		}
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}
