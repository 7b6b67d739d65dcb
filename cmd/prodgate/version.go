package main

import (
	"fmt"
	"runtime/debug"

	"github.com/prodgate/prodgate/evaluator/tfplan"
	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := buildVersion()
			build := ""
			if checkOnlyBuild {
				build = ", check-only build"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "prodgate %s (plan format %d.x%s)\n", v, tfplan.SupportedFormatMajor, build)
			return nil
		},
	}
}

// buildVersion is the -ldflags version, else the module version go install
// recorded, else "dev".
func buildVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok && version == "dev" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return version
}
