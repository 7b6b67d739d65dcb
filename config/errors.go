// Package config loads and validates prodgate's policy file (prodgate.yaml):
// the team's written production-ready standard. Every problem is reported
// with the file and line it comes from, all at once.
package config

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a policy file.
type Problem struct {
	File  string
	Line  int
	Field string // dotted path, e.g. waivers[2].expires
	Msg   string
}

func (p Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is every problem found in one policy file.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Error()
	}
	if len(ps) == 1 {
		return lines[0]
	}
	return fmt.Sprintf("%d problems in the policy:\n  %s", len(ps), strings.Join(lines, "\n  "))
}

// Err returns nil when there are no problems, so callers can `return ps.Err()`.
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}
