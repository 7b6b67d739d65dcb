package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
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
	var policy *config.Policy
	switch {
	case path != "":
		p, err := config.Load(path)
		if err != nil {
			return nil, nil, badInput(err)
		}
		policy = p
	default:
		if _, err := os.Stat(defaultPolicyFile); err == nil {
			p, err := config.Load(defaultPolicyFile)
			if err != nil {
				return nil, nil, badInput(err)
			}
			policy = p
		} else if errors.Is(err, fs.ErrNotExist) {
			policy = config.Default()
		} else {
			return nil, nil, badInput(fmt.Errorf("read %s: %w", defaultPolicyFile, err))
		}
	}
	engine, err := evaluator.Compile(policy, rules.Registry(), now)
	if err != nil {
		return nil, nil, badInput(err)
	}
	return engine, policy, nil
}
