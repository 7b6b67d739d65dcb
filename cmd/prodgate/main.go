// Command prodgate holds Terraform plans to a team's written production-ready
// standard: `prodgate check` for CI and Atlantis, `prodgate serve` for HCP
// Terraform run tasks.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes shared by every command.
const (
	exitPassed   = 0
	exitFailed   = 1 // the gate failed
	exitBadInput = 2 // unreadable plan, invalid policy, wrong flags
	exitInternal = 3
)

// exitError carries the exit code a command wants; only main calls os.Exit.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func badInput(err error) error { return &exitError{code: exitBadInput, err: err} }

// run executes the command line and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	root := newRootCommand(stdin, stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitPassed
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && ee.code != exitFailed {
			fmt.Fprintln(stderr, "prodgate:", ee.err)
		}
		return ee.code
	}
	// cobra's own errors (unknown flag, missing argument) are bad input.
	fmt.Fprintln(stderr, "prodgate:", err)
	return exitBadInput
}
