//go:build !checkonly

package main

import (
	"errors"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
	"github.com/prodgate/prodgate/runtask"
	"go.uber.org/zap"
)

// servePolicy loads the policy the service starts with, found as `check`
// finds it, with its hash; and the compiler that reloads its file (nil for
// the built-in standard, which has none). Problems are bad input: the
// service does not start on a policy it cannot judge with.
func servePolicy(policyFlag string) (*runtask.Policy, runtask.PolicyCompiler, error) {
	path, err := policyPath(policyFlag)
	if err != nil {
		return nil, nil, err
	}
	if path == "" {
		engine, parsed, err := compilePolicy(config.Default(), nil, time.Now())
		if err != nil {
			return nil, nil, err
		}
		p := servicePolicy(engine, parsed)
		p.Hash = runtask.BuiltinPolicyHash()
		return p, nil, nil
	}
	data, err := readPolicyFile(path)
	if err != nil {
		return nil, nil, err
	}
	engine, parsed, err := compilePolicyFile(path, data, time.Now())
	if err != nil {
		return nil, nil, err
	}
	p := servicePolicy(engine, parsed)
	p.Hash, p.File = runtask.PolicyHash(data), path
	return p, compileReloaded, nil
}

// servicePolicy is a compiled policy as the service keeps it: the engine,
// and what the pages say of its rules and scopes.
func servicePolicy(engine *evaluator.Engine, parsed *config.Policy) *runtask.Policy {
	return &runtask.Policy{Engine: engine, Rules: ruleMetas(parsed),
		ScopeMatch: func(rep *evaluator.Report) string { return scopeMatch(parsed, rep) }}
}

// compileReloaded compiles a policy file read again, as at start; its error
// is the problems themselves, for the log and /readyz.
func compileReloaded(file string, data []byte) (*runtask.Policy, error) {
	engine, parsed, err := compilePolicyFile(file, data, time.Now())
	var ee *exitError
	if errors.As(err, &ee) {
		err = ee.err
	}
	if err != nil {
		return nil, err
	}
	return servicePolicy(engine, parsed), nil
}

// notifySIGHUP takes SIGHUP from the start: its default action ends the
// process, which must not happen before reloads are wired nor while the
// service stops. The returned stop gives it back.
func notifySIGHUP() (hup <-chan os.Signal, stop func()) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGHUP)
	return c, func() { signal.Stop(c) }
}

// reloadOnSIGHUP reloads the policy on every SIGHUP until the returned stop
// is called. The service logs each reload and its outcome.
func reloadOnSIGHUP(hup <-chan os.Signal, svc *runtask.Service, log *zap.Logger) (stop func()) {
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-hup:
				log.Info("SIGHUP: reloading the policy")
				_ = svc.ReloadPolicy()
			case <-done:
				return
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
	}
}
