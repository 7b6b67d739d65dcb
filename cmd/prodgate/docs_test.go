//go:build !checkonly

package main

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestConfigurationReferenceIsInSync: docs/configuration.md is what
// `prodgate docs configuration` writes from the flag definitions.
func TestConfigurationReferenceIsInSync(t *testing.T) {
	checkGeneratedDoc(t, "docs/configuration.md", "docs", "configuration")
}

// TestConfigurationReferenceHasEveryServeFlag: one row per flag a user can
// set, with the variable bindEnv reads for it, and none for hidden flags.
func TestConfigurationReferenceHasEveryServeFlag(t *testing.T) {
	var doc strings.Builder
	if err := writeConfigurationReference(&doc); err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(doc.String(), "\n") {
		if name, ok := strings.CutPrefix(line, "| `--"); ok {
			name, _, _ = strings.Cut(name, "`")
			if _, seen := rows[name]; !seen { // serve's table comes first
				rows[name] = line
			}
		}
	}
	newServeCommand().Flags().VisitAll(func(fl *pflag.Flag) {
		row, ok := rows[fl.Name]
		switch {
		case fl.Hidden && ok:
			t.Errorf("the hidden flag --%s is documented", fl.Name)
		case fl.Hidden:
		case !ok:
			t.Errorf("--%s has no row", fl.Name)
		case !strings.Contains(row, "| `"+envName(fl.Name)+"` |"):
			t.Errorf("--%s: row lacks %s: %s", fl.Name, envName(fl.Name), row)
		case strings.Contains(row, "[$"):
			t.Errorf("--%s: the meaning keeps the --help suffix: %s", fl.Name, row)
		}
	})
	for _, want := range []string{"| `--shutdown-timeout` | `PRODGATE_SHUTDOWN_TIMEOUT` | `25s` |", "| `--retention` | `PRODGATE_RETENTION` | `2160h` |",
		"| `--allowed-hosts` | `PRODGATE_ALLOWED_HOSTS` | `app.terraform.io` |", "| `--plan` | `SHOWFILE` | — |", `debug\|info\|warn\|error`} {
		if !strings.Contains(doc.String(), want) {
			t.Errorf("the reference lacks %q", want)
		}
	}
}
