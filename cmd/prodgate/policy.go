package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"time"

	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/evaluator/rules"
)

// defaultPolicyFile is read when neither --policy nor PRODGATE_POLICY is given.
const defaultPolicyFile = "prodgate.yaml"

// loadEngine finds the policy (flag, then PRODGATE_POLICY, then ./prodgate.yaml,
// then the built-in standard) and compiles it. Problems are bad input.
func loadEngine(policyFlag string, now time.Time) (*evaluator.Engine, *config.Policy, error) {
	path := policyFlag
	if path == "" {
		path = os.Getenv("PRODGATE_POLICY")
	}
	if path == "" {
		if _, err := os.Stat(defaultPolicyFile); err == nil {
			path = defaultPolicyFile
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, badInput(fmt.Errorf("read %s: %w", defaultPolicyFile, err))
		}
	}
	policy := config.Default()
	var loadErr error
	if path != "" {
		policy, loadErr = config.Load(path)
	}
	var problems config.Problems
	if loadErr != nil && !errors.As(loadErr, &problems) {
		return nil, nil, badInput(loadErr)
	}
	if policy == nil { // unreadable YAML: nothing more to check
		return nil, nil, badInput(loadErr)
	}
	// Compile even a policy with structural problems, so the user sees every
	// problem (unknown rule ids, bad params, CEL) in one run.
	engine, err := evaluator.Compile(policy, rules.Registry(), now)
	var more config.Problems
	if err != nil && !errors.As(err, &more) {
		return nil, nil, badInput(err)
	}
	if all := append(problems, more...); len(all) > 0 {
		sort.SliceStable(all, func(i, j int) bool { return all[i].Line < all[j].Line })
		return nil, nil, badInput(all)
	}
	return engine, policy, nil
}
