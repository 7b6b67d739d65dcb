package runtask

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fsnotify/fsnotify"
	"go.uber.org/zap"

	"github.com/prodgate/prodgate/config"
	"github.com/prodgate/prodgate/evaluator"
)

// Policy is a compiled policy and what identifies it. A task takes the
// policy in force once, when its work starts, and is judged by it from the
// running callback to the final one, whatever reloads happen meanwhile.
type Policy struct {
	Engine *evaluator.Engine
	// Hash is "sha256:" and the hex SHA-256 of the policy file's bytes as
	// they were compiled, or BuiltinPolicyHash() for the built-in standard;
	// "" when whoever made the Policy did not identify it. Every task
	// records the hash of the policy that judged it.
	Hash string
	// File is the file the policy was read from; "" for the built-in
	// standard, which has no file to reload.
	File string
	// Rules describes the engine's rules (built-in and team-written), for
	// the pages: titles, categories, documentation links.
	Rules []evaluator.RuleMeta
	// ScopeMatch, when set, says why a report's scope applies (which of the
	// policy's match patterns chose it), for its run page.
	ScopeMatch func(*evaluator.Report) string
}

// PolicyHash identifies a policy file by its content.
func PolicyHash(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// BuiltinPolicyHash identifies the built-in standard: the hash of
// config.Default() as JSON. It is the same from one start, and one
// replica, to the next, and changes only when the built-in standard does.
var BuiltinPolicyHash = sync.OnceValue(func() string {
	data, err := json.Marshal(config.Default())
	if err != nil {
		panic("runtask: encode the built-in policy: " + err.Error()) // a plain struct: cannot happen
	}
	return PolicyHash(data)
})

// shortPolicyHash is the hash as callback messages show it: enough hex
// digits to tell policies apart at a glance (the results page has it whole).
func shortPolicyHash(hash string) string {
	const keep = len("sha256:") + 12
	if len(hash) > keep {
		return hash[:keep]
	}
	return hash
}

// PolicyCompiler turns a policy file's bytes into a Policy (its Engine,
// Rules and ScopeMatch; the keeper sets Hash and File). Its error names
// the file and line of every problem (config.Problems).
type PolicyCompiler func(file string, data []byte) (*Policy, error)

// Reload triggers, as logs and metrics name them.
const (
	reloadOnChange = "file changed"
	reloadOnDemand = "reload requested"
)

// policyDebounce is how long the watcher waits after the last change in the
// policy's directory before reading the file: an editor's save or a
// Kubernetes ConfigMap update is several events within milliseconds.
const policyDebounce = 200 * time.Millisecond

// errNoPolicyFile: the built-in standard is in force; there is no file to read again.
var errNoPolicyFile = errors.New("no policy file: the built-in standard is in force and is not reloaded (start with --policy FILE to reload one)")

// policyKeeper holds the policy in force and replaces it when its file
// changes or a reload is asked for. A new policy is taken only when it
// compiles; otherwise the old one stays, and the failure is logged with
// file and line, shown by /readyz and counted. Judging reads the policy
// with one atomic load and never waits for a reload.
type policyKeeper struct {
	current atomic.Pointer[Policy]
	compile PolicyCompiler
	log     *zap.Logger
	metrics *metrics
	now     func() time.Time

	mu sync.Mutex // one reload at a time; guards what follows
	// loadedAt is when the policy in force was taken.
	loadedAt time.Time
	// failure is the last reload that was refused, until the file again
	// holds the policy in force or a new one is taken.
	failure *reloadFailure
}

type reloadFailure struct {
	at  time.Time
	err error
	// content is the hash of what was refused ("" when the file could not
	// be read), so the watcher does not log the same refusal again for
	// every event that leaves the file as it is.
	content string
}

func newPolicyKeeper(initial *Policy, compile PolicyCompiler, log *zap.Logger, m *metrics, now func() time.Time) *policyKeeper {
	k := &policyKeeper{compile: compile, log: log, metrics: m, now: now, loadedAt: now()}
	k.current.Store(initial)
	m.policyInfo.WithLabelValues(initial.Hash).Set(1)
	m.policyLastReloadOK.Set(1)
	m.policyLastReloadAt.Set(float64(k.loadedAt.UnixMilli()) / 1000)
	return k
}

// policy is the policy in force.
func (k *policyKeeper) policy() *Policy { return k.current.Load() }

// reload reads the policy file again and takes it if it compiles. It
// returns nil when the new policy was taken or the file holds the policy in
// force, and the reason when the policy in force was kept.
func (k *policyKeeper) reload(trigger string) (err error) {
	old := k.current.Load()
	if old.File == "" || k.compile == nil {
		k.log.Info("policy reload: nothing to reload", zap.String("trigger", trigger), zap.String("reason", errNoPolicyFile.Error()))
		return errNoPolicyFile
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	data, err := os.ReadFile(old.File)
	content := ""
	if err == nil {
		content = PolicyHash(data)
	}
	switch {
	case err == nil && content == old.Hash:
		// Touched, rewritten as it was, or set back after a refused edit.
		if k.failure != nil {
			k.log.Info("policy file holds the policy in force again", zap.String("trigger", trigger), zap.String("file", old.File), zap.String("policy_hash", old.Hash))
		}
		k.failure = nil
		k.metrics.policyReloads.WithLabelValues("unchanged").Inc()
		k.metrics.policyLastReloadOK.Set(1)
		return nil
	case trigger == reloadOnChange && k.failure != nil && k.failure.content == content:
		return k.failure.err // refused already and logged; the event changed nothing
	case errors.Is(err, fs.ErrNotExist):
		err = config.Problems{{File: old.File, Msg: "policy file not found"}}
	case err != nil:
		err = fmt.Errorf("read policy %s: %w", old.File, err)
	default:
		var p *Policy
		if p, err = k.compileGuarded(old.File, data); err == nil {
			p.Hash, p.File = content, old.File
			return k.take(p, old, trigger)
		}
	}
	k.failure = &reloadFailure{at: k.now(), err: err, content: content}
	k.metrics.policyReloads.WithLabelValues("failure").Inc()
	k.metrics.policyLastReloadOK.Set(0)
	k.log.Error("policy reload refused; the policy in force is kept", zap.String("trigger", trigger), zap.String("file", old.File),
		zap.String("policy_hash", old.Hash), zap.String("refused_hash", content), zap.Error(err))
	return err
}

// compileGuarded compiles, turning a panic into an error: the watcher's
// goroutine must not take the service down over a policy.
func (k *policyKeeper) compileGuarded(file string, data []byte) (policy *Policy, err error) {
	defer func() {
		if p := recover(); p != nil {
			policy, err = nil, fmt.Errorf("%s: internal error compiling the policy: %v", file, p)
		}
	}()
	policy, err = k.compile(file, data)
	if err == nil && (policy == nil || policy.Engine == nil) {
		err = fmt.Errorf("%s: internal error: the policy compiled to no engine", file)
	}
	return policy, err
}

func (k *policyKeeper) take(p, old *Policy, trigger string) error {
	k.current.Store(p)
	k.loadedAt, k.failure = k.now(), nil
	k.metrics.policyReloads.WithLabelValues("success").Inc()
	k.metrics.policyInfo.Reset()
	k.metrics.policyInfo.WithLabelValues(p.Hash).Set(1)
	k.metrics.policyLastReloadOK.Set(1)
	k.metrics.policyLastReloadAt.Set(float64(k.loadedAt.UnixMilli()) / 1000)
	k.log.Info("policy reloaded", zap.String("trigger", trigger), zap.String("file", p.File), zap.String("previous_hash", old.Hash),
		zap.String("policy_hash", p.Hash), zap.String("standard", p.Engine.Standard()))
	return nil
}

// describe is the policy's part of /readyz: what is in force and, when the
// last reload was refused, why.
func (k *policyKeeper) describe() string {
	k.mu.Lock()
	loadedAt, failure := k.loadedAt, k.failure
	k.mu.Unlock()
	p := k.current.Load()
	source := p.File
	if source == "" {
		source = "built-in standard"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "policy %s (%s, standard %q, in force since %s)\n", orNone(p.Hash), source, p.Engine.Standard(), loadedAt.UTC().Format(time.RFC3339))
	if failure != nil {
		fmt.Fprintf(&b, "policy reload refused at %s, the policy above is kept: %v\n", failure.at.UTC().Format(time.RFC3339), failure.err)
	}
	return b.String()
}

func orNone(hash string) string {
	if hash == "" {
		return "(not identified)"
	}
	return hash
}

// watch reloads the policy whenever its file may have changed, until the
// returned stop is called. It watches the file's directory, not the file:
// editors save by writing a new file and renaming it over the old one, and
// Kubernetes updates a mounted ConfigMap by pointing the ..data symlink at a
// new directory, so the inode a file watch would follow is no longer the
// file. Only events for the file's own name or Kubernetes' ..data entries
// count (the SQLite database may live in the same directory and change all
// the time); a change that leaves the file's bytes as they were changes
// nothing.
func (k *policyKeeper) watch() (stop func(), err error) {
	file := k.current.Load().File
	if file == "" {
		return func() {}, nil
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch policy file %s: %w", file, err)
	}
	dir, base := filepath.Dir(file), filepath.Base(file)
	if err := w.Add(dir); err != nil {
		w.Close()
		return nil, fmt.Errorf("watch the policy file's directory %s: %w (--watch-policy=false reloads on SIGHUP only)", dir, err)
	}
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		debounce := time.NewTimer(time.Hour)
		debounce.Stop()
		defer debounce.Stop()
		for {
			select {
			case <-done:
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if name := filepath.Base(ev.Name); name == base || strings.HasPrefix(name, "..") {
					debounce.Reset(policyDebounce)
				}
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				k.log.Warn("watching the policy file", zap.String("file", file), zap.Error(err))
			case <-debounce.C:
				_ = k.reload(reloadOnChange)
			}
		}
	}()
	k.log.Info("watching the policy file for changes", zap.String("file", file), zap.String("directory", dir))
	return func() {
		close(done)
		w.Close()
		<-stopped
	}, nil
}
