//go:build checkonly

package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// The commands that work on the service's database are not in a check-only
// build either.

func newTokenCommand() *cobra.Command { return notInCheckOnly("token") }
func newDemoCommand() *cobra.Command  { return notInCheckOnly("demo") }

func notInCheckOnly(name string) *cobra.Command {
	return &cobra.Command{
		Use:    name,
		Short:  "Not in this build: needs the full build",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return badInput(errors.New("this prodgate was built with -tags checkonly and has no run-task service; use the full build (go build ./cmd/prodgate) for `prodgate " + name + "`"))
		},
	}
}
