//go:build checkonly

package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// A check-only build (go build -tags checkonly) leaves out the run-task
// service and everything only it needs (gin, River, SQLite, PostgreSQL,
// Prometheus): a quarter of the binary's size, and of the memory a check
// starts with, for CI runners and Atlantis images that only run `check`.
const checkOnlyBuild = true

func newServeCommand() *cobra.Command {
	return &cobra.Command{
		Use:    "serve",
		Short:  "Not in this build: the run-task service needs the full build",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return badInput(errors.New("this prodgate was built with -tags checkonly and has no run-task service; use the full build (go build ./cmd/prodgate) for `prodgate serve`"))
		},
	}
}

func newDocsCommand() *cobra.Command {
	return &cobra.Command{
		Use:    "docs",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return badInput(errors.New("a check-only build has no service settings to document; use the full build (go run ./cmd/prodgate docs configuration)"))
		},
	}
}
