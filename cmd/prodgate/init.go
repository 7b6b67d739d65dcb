package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/prodgate/prodgate/config"
	"github.com/spf13/cobra"
)

func newInitCommand() *cobra.Command {
	var path string
	var force bool
	cmd := &cobra.Command{
		Use:     "init",
		Short:   "Write a commented starter prodgate.yaml",
		Example: "  prodgate init\n  prodgate init --file policies/prodgate.yaml",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := os.Stat(path); err == nil && !force {
				return badInput(fmt.Errorf("%s already exists; use --force to overwrite it", path))
			} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return badInput(fmt.Errorf("check %s: %w", path, err))
			}
			if err := os.WriteFile(path, config.Starter, 0o644); err != nil {
				return fmt.Errorf("write %s: %w", path, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s; edit it, then run `prodgate validate --policy %s`\n", path, path)
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "file", defaultPolicyFile, "where to write the policy")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite an existing file")
	return cmd
}
