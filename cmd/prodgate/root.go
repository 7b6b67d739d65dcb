package main

import (
	"io"

	"github.com/spf13/cobra"
)

func newRootCommand(stdin io.Reader, stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "prodgate",
		Short: "Hold Terraform plans to your written production-ready standard",
		Long: `prodgate judges a Terraform plan against a production-ready standard written in
prodgate.yaml (or the strict built-in one): deletion protection, backups and retention,
destroy or replace of stateful resources, protection switched off, drift on protected
attributes, and team-written CEL rules, with owned and expiring waivers.

Run it in CI or Atlantis with 'prodgate check', or as an HCP Terraform run task with
'prodgate serve'. 'prodgate demo' shows the service's pages with example runs.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		newCheckCommand(),
		newServeCommand(), // absent from check-only builds (serve_checkonly.go)
		newHealthcheckCommand(),
		newDemoCommand(), // these two as well (service_checkonly.go)
		newTokenCommand(),
		newRulesCommand(),
		newExplainCommand(),
		newValidateCommand(),
		newInitCommand(),
		newVersionCommand(),
		newDocsCommand(), // hidden: writes docs/configuration.md
	)
	return root
}
