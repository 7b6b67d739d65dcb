package main

import (
	"fmt"

	"github.com/prodgate/prodgate/evaluator/rules"
	"github.com/prodgate/prodgate/report/ruledoc"
	"github.com/spf13/cobra"
)

func newRulesCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the built-in rules",
		Long: `List the built-in rules of the production-ready standard.

--format markdown writes the full reference kept in docs/rules.md.`,
		Example: "  prodgate rules\n  prodgate rules --format markdown > docs/rules.md",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			all := rules.Registry().Rules()
			switch format {
			case "table":
				return ruledoc.Table(cmd.OutOrStdout(), all)
			case "markdown":
				return ruledoc.Markdown(cmd.OutOrStdout(), all)
			}
			return badInput(fmt.Errorf("--format %q: want table or markdown", format))
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table|markdown")
	return cmd
}

func newExplainCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "explain RULE_ID",
		Short:   "Show what a rule checks, what passes, fails and is unknown, and how to fix it",
		Example: "  prodgate explain aws-rds-deletion-protection",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rule, ok := rules.Registry().Lookup(args[0])
			if !ok {
				return badInput(fmt.Errorf("no rule %q; `prodgate rules` lists them", args[0]))
			}
			return ruledoc.Explain(cmd.OutOrStdout(), rule)
		},
	}
}
