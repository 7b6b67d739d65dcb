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
	path, err := policyPath(policyFlag)
	if err != nil {
		return nil, nil, err
	}
	if path == "" {
		return compilePolicy(config.Default(), nil, now)
	}
	data, err := readPolicyFile(path)
	if err != nil {
		return nil, nil, err
	}
	return compilePolicyFile(path, data, now)
}

// policyPath is the policy file to read: the flag, then PRODGATE_POLICY,
// then ./prodgate.yaml if there is one; "" for the built-in standard.
func policyPath(policyFlag string) (string, error) {
	path := policyFlag
	if path == "" {
		path = os.Getenv("PRODGATE_POLICY")
	}
	if path == "" {
		if _, err := os.Stat(defaultPolicyFile); err == nil {
			path = defaultPolicyFile
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", badInput(fmt.Errorf("read %s: %w", defaultPolicyFile, err))
		}
	}
	return path, nil
}

// readPolicyFile reads a policy file as config.Load does, so that the bytes
// compiled are the bytes whose hash the service records.
func readPolicyFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, badInput(config.Problems{{File: path, Msg: "policy file not found"}})
	}
	if err != nil {
		return nil, badInput(fmt.Errorf("read policy %s: %w", path, err))
	}
	return data, nil
}

// compilePolicyFile parses and compiles the bytes of a policy file.
func compilePolicyFile(path string, data []byte, now time.Time) (*evaluator.Engine, *config.Policy, error) {
	policy, err := config.Parse(path, data)
	if policy == nil { // unreadable YAML: nothing more to check
		return nil, nil, badInput(err)
	}
	return compilePolicy(policy, err, now)
}

// compilePolicy compiles a parsed policy, even one with structural problems
// (parseErr), so that the user sees every problem (unknown rule ids, bad
// params, CEL) in one run, sorted by line.
func compilePolicy(policy *config.Policy, parseErr error, now time.Time) (*evaluator.Engine, *config.Policy, error) {
	var problems config.Problems
	if parseErr != nil && !errors.As(parseErr, &problems) {
		return nil, nil, badInput(parseErr)
	}
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
