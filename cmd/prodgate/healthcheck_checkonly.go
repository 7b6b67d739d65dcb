//go:build checkonly

package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// A check-only build has no service to probe, and leaves net/http out.
func newHealthcheckCommand() *cobra.Command {
	return &cobra.Command{
		Use:    "healthcheck",
		Short:  "Not in this build: probes the run-task service of the full build",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return badInput(errors.New("this prodgate was built with -tags checkonly and has no run-task service to probe"))
		},
	}
}
