package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
)

// policyHash is the content hash of the policy file the engine was
// compiled from, "sha256:<hex>", or "" for the built-in standard (which has
// no file; the run page says so). The file is read again: Load keeps no
// bytes, and a few kilobytes cost nothing beside a plan.
func policyHash(policy *config.Policy) string {
	if policy == nil || policy.File == "" || policy.File == config.Default().File {
		return ""
	}
	data, err := os.ReadFile(policy.File)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// scopeMatch says why the report's scope applies, from the policy's match
// patterns: `workspace "payments-prod" matches "*-prod" (prodgate.yaml:14)`.
func scopeMatch(policy *config.Policy, rep *evaluator.Report) string {
	if policy == nil {
		return ""
	}
	for _, sc := range policy.Scopes {
		if sc.Name != rep.Scope {
			continue
		}
		var parts []string
		for _, f := range []struct{ field, pattern, value string }{
			{"organization", sc.Match.Organization, rep.Run.Organization}, {"workspace", sc.Match.Workspace, rep.Run.Workspace},
			{"project", sc.Match.Project, rep.Run.Project}, {"directory", sc.Match.Directory, rep.Run.Directory},
		} {
			if f.pattern != "" {
				parts = append(parts, fmt.Sprintf("%s %q matches %q", f.field, f.value, f.pattern))
			}
		}
		where := fmt.Sprintf("%s:%d", policy.File, sc.Line)
		if len(parts) == 0 {
			return fmt.Sprintf("scope %q matches every run (%s)", sc.Name, where)
		}
		return strings.Join(parts, ", ") + " (" + where + ", the first scope that fits)"
	}
	return ""
}
