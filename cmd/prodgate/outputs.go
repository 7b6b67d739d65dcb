package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/prodgate/prodgate/report"
)

// reportFile is one --output FORMAT=FILE: the report is written to a
// temporary file beside FILE and renamed over it once complete, so a run
// that fails part-way leaves no half-written report where CI looks for one.
type reportFile struct {
	format report.Format
	path   string
	tmp    *os.File
}

// parseOutputs reads the --output values; every problem is bad input, found
// before the plan is read.
func parseOutputs(values []string) ([]*reportFile, error) {
	var out []*reportFile
	seen := map[string]string{}
	for _, v := range values {
		name, path, ok := strings.Cut(v, "=")
		if !ok || path == "" {
			return nil, fmt.Errorf("--output %q: want FORMAT=FILE, for example sarif=prodgate.sarif (formats: %s)", v, report.FormatNames())
		}
		format, err := report.ParseFormat(name)
		if err != nil {
			return nil, fmt.Errorf("--output %q: %w", v, err)
		}
		if path == "-" {
			return nil, fmt.Errorf("--output %q: standard output is for --format; name a file", v)
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, fmt.Errorf("--output %q: %w", v, err)
		}
		if prev, dup := seen[abs]; dup {
			return nil, fmt.Errorf("--output %q: %s is already the file of --output %s", v, path, prev)
		}
		seen[abs] = v
		out = append(out, &reportFile{format: format, path: path})
	}
	return out, nil
}

// openOutputs creates each report's temporary file, so an unwritable directory is
// found before any work is done.
func openOutputs(files []*reportFile) error {
	for _, f := range files {
		tmp, err := os.CreateTemp(filepath.Dir(f.path), "."+filepath.Base(f.path)+".tmp-*")
		if err != nil {
			return fmt.Errorf("--output %s=%s: %w", f.format, f.path, err)
		}
		f.tmp = tmp
		// CreateTemp makes files only their owner can read; a report is for
		// the CI steps after this one, which may run as another user.
		if err := tmp.Chmod(0o644); err != nil {
			return fmt.Errorf("--output %s=%s: %w", f.format, f.path, err)
		}
	}
	return nil
}

// commitOutputs closes each temporary file and renames it over its report.
func commitOutputs(files []*reportFile) error {
	for _, f := range files {
		if err := f.tmp.Close(); err != nil {
			return fmt.Errorf("write %s report %s: %w", f.format, f.path, err)
		}
		if err := os.Rename(f.tmp.Name(), f.path); err != nil {
			return fmt.Errorf("write %s report %s: %w", f.format, f.path, err)
		}
		f.tmp = nil
	}
	return nil
}

// discardOutputs removes the temporary files of reports not committed.
func discardOutputs(files []*reportFile) {
	for _, f := range files {
		if f.tmp != nil {
			_ = f.tmp.Close()
			_ = os.Remove(f.tmp.Name()) // best effort: the run has already failed
			f.tmp = nil
		}
	}
}
