//go:build !checkonly

package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/prodgate/prodgate/runtask"
	"github.com/spf13/cobra"
)

func newTokenCommand() *cobra.Command {
	var databaseURL string
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Create, list and revoke API tokens for the history, scorecard and API",
		Long: `Create, list and revoke the API tokens that sign in to prodgate serve's history,
scorecard and /api/v1. A token is shown once, when it is created; the database keeps only
its SHA-256. Send it as 'Authorization: Bearer TOKEN', or paste it on the sign-in page.

The commands work on the service's database (--database-url, or $PRODGATE_DATABASE_URL as
for serve), also while the service runs.`,
		Example: `  prodgate token create --name ci-dashboard
  prodgate token list
  prodgate token revoke 3f9a1c0b2d4e
  curl -H "Authorization: Bearer $TOKEN" https://prodgate.example.com/api/v1/scorecard`,
	}
	cmd.PersistentFlags().StringVar(&databaseURL, "database-url", "prodgate.db", "the service's database: SQLite file path or postgres://… [$PRODGATE_DATABASE_URL]")
	cmd.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error { return bindEnv(cmd.Flags()) }

	var name string
	create := &cobra.Command{
		Use:   "create --name NAME",
		Short: "Create a token and print it (once)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			token, info, err := runtask.CreateToken(cmd.Context(), databaseURL, name)
			if err != nil {
				return badInput(err)
			}
			fmt.Fprintln(cmd.OutOrStdout(), token)
			fmt.Fprintf(cmd.ErrOrStderr(), "prodgate: created token %s (%s); it is shown only now\n", info.ID, info.Name)
			return nil
		},
	}
	create.Flags().StringVar(&name, "name", "", "who or what uses the token (shown in lists and on pages)")
	_ = create.MarkFlagRequired("name")

	list := &cobra.Command{
		Use:   "list",
		Short: "List tokens, revoked ones included",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tokens, err := runtask.ListTokens(cmd.Context(), databaseURL)
			if err != nil {
				return badInput(err)
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tNAME\tCREATED\tLAST USED\tSTATE")
			for _, t := range tokens {
				state := "active"
				if !t.RevokedAt.IsZero() {
					state = "revoked " + t.RevokedAt.Format(time.DateOnly)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.CreatedAt.Format(time.DateOnly), dateOrNever(t.LastUsedAt), state)
			}
			return w.Flush()
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a token by its id (sessions opened with it end too)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := runtask.RevokeToken(cmd.Context(), databaseURL, args[0]); err != nil {
				return badInput(err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "prodgate: revoked token %s\n", args[0])
			return nil
		},
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}

func dateOrNever(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Format("2006-01-02 15:04")
}
