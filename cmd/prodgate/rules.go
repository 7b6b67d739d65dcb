package main

import (
	"errors"
	"fmt"

	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/rules"
	"github.com/prodgate/prodgate/report/ruledoc"
	"github.com/spf13/cobra"
)

// rulesTableWidth is what the table fits without --wide: a 100-column terminal.
const rulesTableWidth = 100

func newRulesCommand() *cobra.Command {
	var format string
	var wide bool
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the built-in rules",
		Long: `List the built-in rules of the production-ready standard: id, enforcement (blocking or
advisory), severity and title, fitting a 100-column terminal. --wide adds category and resource types
on one long line per rule.

--format markdown writes the full reference kept in docs/rules.md.`,
		Example: "  prodgate rules\n  prodgate rules --wide\n  prodgate rules --format markdown > docs/rules.md",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			all := rules.Registry().Rules()
			switch {
			case format == "table" && wide:
				return ruledoc.WideTable(cmd.OutOrStdout(), all)
			case format == "table":
				return ruledoc.Table(cmd.OutOrStdout(), all, rulesTableWidth)
			case format == "markdown":
				return ruledoc.Markdown(cmd.OutOrStdout(), all)
			}
			return badInput(fmt.Errorf("--format %q: want table or markdown", format))
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table|markdown")
	cmd.Flags().BoolVar(&wide, "wide", false, "table with every column (category, resource types), one line per rule")
	return cmd
}

func newExplainCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "explain RULE_ID",
		Short:   "Show what a rule checks, what passes, fails and is unknown, and how to fix it",
		Example: "  prodgate explain aws-rds-deletion-protection",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			reg := rules.Registry()
			rule, ok := reg.Lookup(args[0])
			if now, renamed := reg.Renamed(args[0]); !ok && renamed {
				rule, ok = reg.Lookup(now)
				fmt.Fprintf(cmd.ErrOrStderr(), "prodgate: rule %s is now %s\n", args[0], now)
			}
			if !ok {
				return badInput(errors.New(evaluator.UnknownRuleMessage(args[0], reg.IDs())))
			}
			return ruledoc.Explain(cmd.OutOrStdout(), rule)
		},
	}
}
