package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func newValidateCommand() *cobra.Command {
	var policy string
	cmd := &cobra.Command{
		Use:   "validate [--policy FILE]",
		Short: "Check a policy file without judging a plan",
		Long: `Check a policy file: its YAML, fields, rule ids, parameters, scopes, waivers
(owner, reason, expiry within max_waiver_days) and CEL conditions. Every problem is
listed with file and line. Exit code 0 when valid, 2 when not.`,
		Example: "  prodgate validate --policy prodgate.yaml",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			engine, p, err := loadEngine(policy, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: valid (standard %q, %d scope(s), %d waiver(s), %d custom rule(s))\n",
				p.File, engine.Standard(), len(p.Scopes), len(p.Waivers), len(p.CustomRules))
			return nil
		},
	}
	cmd.Flags().StringVar(&policy, "policy", "", "policy file (default $PRODGATE_POLICY, else ./prodgate.yaml)")
	return cmd
}
