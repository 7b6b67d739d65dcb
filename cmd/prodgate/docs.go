//go:build !checkonly

package main

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// newDocsCommand writes the reference documents generated from code. It is
// hidden: it is for the project's own docs/, not for users. Check-only builds
// have a stand-in (serve_checkonly.go): they lack the service it documents.
func newDocsCommand() *cobra.Command {
	docs := &cobra.Command{
		Use:    "docs",
		Short:  "Write the reference documents generated from code",
		Hidden: true,
		Args:   cobra.NoArgs,
	}
	docs.AddCommand(&cobra.Command{
		Use:     "configuration",
		Short:   "Write the configuration reference (docs/configuration.md) from the flag definitions",
		Example: "  go run ./cmd/prodgate docs configuration > docs/configuration.md",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return writeConfigurationReference(cmd.OutOrStdout())
		},
	})
	return docs
}

// writeConfigurationReference writes docs/configuration.md: one table per
// command, one row per flag, in the order the flags are defined.
func writeConfigurationReference(w io.Writer) error {
	var b strings.Builder
	b.WriteString(`# Configuration reference

<!-- Generated from the flag definitions by ` + "`go run ./cmd/prodgate docs configuration > docs/configuration.md`" + `;
     do not edit by hand. A test in cmd/prodgate fails when this file is stale. -->

Durations are Go durations (` + "`90s`, `5m`, `2h`" + `); lists are comma-separated (` + "`a,b`" + `).

## prodgate serve

The HCP Terraform / Terraform Enterprise run-task service. Every flag can also be set with its environment
variable; a flag given on the command line wins.

Signals: SIGHUP reloads the policy file (so does a change of the file, with ` + "`--watch-policy`" + `); a policy that
does not compile is refused and the one in force kept. SIGTERM or SIGINT stops gracefully within
` + "`--shutdown-timeout`" + `; a second one stops at once, handing running tasks back to the queue.

`)
	serve := newServeCommand().Flags()
	if err := flagTable(&b, serve, func(fl *pflag.Flag) (string, string) {
		env := envName(fl.Name)
		usage, ok := strings.CutSuffix(fl.Usage, " [$"+env+"]")
		if !ok { // every serve flag is bound to its variable (bindEnv)
			return "", fl.Usage
		}
		return env, usage
	}); err != nil {
		return err
	}
	b.WriteString(`
## prodgate check

Judges one plan, for CI and Atlantis. A flag's variable is read when the flag is not given; inside an Atlantis
custom workflow those variables are already set.

`)
	if err := flagTable(&b, newCheckCommand().Flags(), func(fl *pflag.Flag) (string, string) {
		return strings.Join(envVarsNamedIn(fl.Usage), ", "), fl.Usage
	}); err != nil {
		return err
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// flagTable writes a Markdown table of the flags that are not hidden;
// describe gives a flag's environment variable and its meaning.
func flagTable(b *strings.Builder, flags *pflag.FlagSet, describe func(*pflag.Flag) (env, meaning string)) error {
	b.WriteString("| Flag | Environment variable | Default | Meaning |\n|---|---|---|---|\n")
	flags.SortFlags = false // the order they are defined in, which groups them
	var err error
	flags.VisitAll(func(fl *pflag.Flag) {
		if fl.Hidden || err != nil {
			return
		}
		env, meaning := describe(fl)
		if env == "" {
			env = "—"
		} else {
			env = "`" + strings.ReplaceAll(env, ", ", "`, `") + "`"
		}
		var def string
		if def, err = flagDefault(fl); err != nil {
			return
		}
		fmt.Fprintf(b, "| `--%s` | %s | %s | %s |\n", fl.Name, env, def, markdownCell(meaning))
	})
	return err
}

// flagDefault is a flag's default as a user would write it.
func flagDefault(fl *pflag.Flag) (string, error) {
	def := fl.DefValue
	switch fl.Value.Type() {
	case "stringSlice":
		def = strings.TrimSuffix(strings.TrimPrefix(def, "["), "]")
	case "duration":
		d, err := time.ParseDuration(def)
		if err != nil {
			return "", fmt.Errorf("flag --%s: default %q: %w", fl.Name, def, err)
		}
		def = shortDuration(d)
	}
	if def == "" {
		return "—", nil
	}
	return "`" + def + "`", nil
}

// shortDuration drops the zero units Duration.String writes: 2m, not 2m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

var envVarInUsage = regexp.MustCompile(`\$([A-Z][A-Z0-9_]*)`)

// envVarsNamedIn lists the variables a flag's help names ("default $SHOWFILE").
func envVarsNamedIn(usage string) []string {
	var out []string
	for _, m := range envVarInUsage.FindAllStringSubmatch(usage, -1) {
		out = append(out, m[1])
	}
	return out
}

// markdownCell keeps text inside one table cell.
func markdownCell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}
