package deploytest

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// testVersion is passed as the VERSION build argument; the binaries must print it.
const testVersion = "v0.0.0-dockerfile-test"

// repoRoot is the prodgate repository this module lives in (deploy/test).
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// parseDockerfile reads the top-level Dockerfile with BuildKit's own parser,
// the one `docker build` uses.
func parseDockerfile(t testing.TB) []instructions.Stage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	ast, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse Dockerfile: %v", err)
	}
	for _, w := range ast.Warnings {
		t.Errorf("Dockerfile: %s", w.Short)
	}
	stages, _, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	return stages
}

func commands[T instructions.Command](s instructions.Stage) []T {
	var out []T
	for _, c := range s.Commands {
		if v, ok := c.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// image is what the Dockerfile promises about the image a user runs.
type image struct {
	Stages        []string // name <- base, in order
	DefaultTarget string   // the last stage, what a plain `docker build` makes
	User          string
	Entrypoint    []string
	Healthcheck   []string
	Volumes       []string
	Expose        []string
	Env           map[string]string
	Labels        []string
	Copies        []string // --from=stage src -> dest, in the runtime and Atlantis stages
}

func describe(stages []instructions.Stage) image {
	var img image
	for _, s := range stages {
		img.Stages = append(img.Stages, s.Name+" <- "+s.BaseName)
	}
	runtimeStage := stages[len(stages)-1]
	img.DefaultTarget = runtimeStage.Name
	for _, s := range stages {
		if s.Name != runtimeStage.Name && s.Name != "atlantis" {
			continue
		}
		for _, c := range commands[*instructions.CopyCommand](s) {
			img.Copies = append(img.Copies, fmt.Sprintf("%s: --from=%s %s -> %s (chown %q, chmod %q)", s.Name, c.From, strings.Join(c.SourcePaths, " "), c.DestPath, c.Chown, c.Chmod))
		}
	}
	for _, c := range commands[*instructions.UserCommand](runtimeStage) {
		img.User = c.User
	}
	for _, c := range commands[*instructions.EntrypointCommand](runtimeStage) {
		if c.PrependShell {
			img.Entrypoint = []string{"(shell form) " + strings.Join(c.CmdLine, " ")}
		} else {
			img.Entrypoint = c.CmdLine
		}
	}
	for _, c := range commands[*instructions.HealthCheckCommand](runtimeStage) {
		img.Healthcheck = c.Health.Test
	}
	for _, c := range commands[*instructions.VolumeCommand](runtimeStage) {
		img.Volumes = append(img.Volumes, c.Volumes...)
	}
	for _, c := range commands[*instructions.ExposeCommand](runtimeStage) {
		img.Expose = append(img.Expose, c.Ports...)
	}
	img.Env = map[string]string{}
	for _, c := range commands[*instructions.EnvCommand](runtimeStage) {
		for _, kv := range c.Env {
			img.Env[kv.Key] = kv.Value
		}
	}
	for _, c := range commands[*instructions.LabelCommand](runtimeStage) {
		for _, kv := range c.Labels {
			img.Labels = append(img.Labels, kv.Key)
		}
	}
	slices.Sort(img.Labels)
	return img
}

func TestDockerfileMakesTheImageTheREADMEPromises(t *testing.T) {
	want := image{
		Stages: []string{
			"build <- golang:${GO_VERSION}",
			"build-checkonly <- build",
			"atlantis <- ghcr.io/runatlantis/atlantis:${ATLANTIS_VERSION}",
			"serve <- gcr.io/distroless/static-debian13:nonroot",
		},
		DefaultTarget: "serve",
		User:          "65532:65532", // distroless' nonroot user, numeric so runAsNonRoot can verify it
		Entrypoint:    []string{"/usr/local/bin/prodgate", "serve"},
		Healthcheck:   []string{"CMD", "/usr/local/bin/prodgate", "healthcheck"},
		Volumes:       []string{"/data"},
		Expose:        []string{"8080"},
		Env: map[string]string{
			"PRODGATE_LISTEN":       ":8080",
			"PRODGATE_DATABASE_URL": "/data/prodgate.db",
			"PRODGATE_POLICY":       "/etc/prodgate/prodgate.yaml",
		},
		Labels: []string{
			"org.opencontainers.image.base.name",
			"org.opencontainers.image.created",
			"org.opencontainers.image.description",
			"org.opencontainers.image.documentation",
			"org.opencontainers.image.revision",
			"org.opencontainers.image.source",
			"org.opencontainers.image.title",
			"org.opencontainers.image.url",
			"org.opencontainers.image.version",
		},
		Copies: []string{
			`atlantis: --from=build-checkonly /out/prodgate-check -> /usr/local/bin/prodgate (chown "", chmod "0755")`,
			`serve: --from=build /out/prodgate -> /usr/local/bin/prodgate (chown "", chmod "")`,
			`serve: --from=build /out/data -> /data (chown "65532:65532", chmod "")`,
		},
	}
	got := describe(parseDockerfile(t))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("the Dockerfile's image (-want +got):\n%s", diff)
	}
	// Points that hold whatever the details above become.
	if u := strings.Split(got.User, ":")[0]; u == "" || u == "0" || u == "root" {
		t.Errorf("USER %q: the image must not run as root", got.User)
	}
	if !strings.HasSuffix(got.Env["PRODGATE_LISTEN"], ":"+strings.Join(got.Expose, "")) {
		t.Errorf("EXPOSE %v does not match PRODGATE_LISTEN %q", got.Expose, got.Env["PRODGATE_LISTEN"])
	}
	for _, v := range got.Volumes {
		if !strings.HasPrefix(got.Env["PRODGATE_DATABASE_URL"], v+"/") {
			t.Errorf("the database %q is not on the volume %s", got.Env["PRODGATE_DATABASE_URL"], v)
		}
	}
}

// goBuild is one `go build` RUN of the Dockerfile, its words expanded the way
// BuildKit expands them.
type goBuild struct {
	stage string
	env   []string // the NAME=value words before `go`
	args  []string // after `go build`
}

// dockerfileGoBuilds extracts every `go build` the Dockerfile runs, with the
// stage's ARGs set to their defaults (VERSION to testVersion, the target
// platform to this machine's), so the test builds exactly what the image does.
func dockerfileGoBuilds(t *testing.T) []goBuild {
	t.Helper()
	var builds []goBuild
	for _, s := range parseDockerfile(t) {
		args := map[string]string{"TARGETOS": runtime.GOOS, "TARGETARCH": runtime.GOARCH, "VERSION": testVersion}
		var declared []string
		for _, c := range s.Commands {
			switch c := c.(type) {
			case *instructions.ArgCommand:
				for _, a := range c.Args {
					if _, set := args[a.Key]; !set && a.Value != nil {
						args[a.Key] = *a.Value
					}
					declared = append(declared, a.Key)
				}
			case *instructions.RunCommand:
				line := strings.Join(c.CmdLine, " ")
				if !strings.Contains(line, "go build") {
					continue
				}
				var env []string
				for _, name := range declared {
					env = append(env, name+"="+args[name])
				}
				for _, name := range regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`).FindAllStringSubmatch(line, -1) {
					if !slices.Contains(declared, name[1]) {
						t.Fatalf("Dockerfile stage %s: RUN uses $%s, which the stage declares no ARG for (it would be empty)", s.Name, name[1])
					}
				}
				words, err := shell.NewLex('\\').ProcessWords(line, shell.EnvsFromSlice(env))
				if err != nil {
					t.Fatalf("Dockerfile stage %s: expand %q: %v", s.Name, line, err)
				}
				b := goBuild{stage: s.Name}
				for len(words) > 0 && regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`).MatchString(words[0]) {
					b.env, words = append(b.env, words[0]), words[1:]
				}
				if len(words) < 2 || words[0] != "go" || words[1] != "build" {
					t.Fatalf("Dockerfile stage %s: RUN %q is not one `[NAME=value ...] go build ...` command; keep it one so this test can run it", s.Name, line)
				}
				b.args = words[2:]
				builds = append(builds, b)
			}
		}
	}
	if len(builds) == 0 {
		t.Fatal("the Dockerfile runs no go build")
	}
	return builds
}

// TestDockerfileBuildsAStaticBinaryThatStarts runs the Dockerfile's own go
// build commands (no container engine is needed for that) and checks what
// comes out: static, stamped, built with the flags the image promises, and
// working — the service answers the image's own HEALTHCHECK.
func TestDockerfileBuildsAStaticBinaryThatStarts(t *testing.T) {
	builds := dockerfileGoBuilds(t)
	bins := map[string]string{}
	binDir := t.TempDir()
	for _, b := range builds {
		t.Run(b.stage, func(t *testing.T) {
			out := filepath.Join(binDir, b.stage, "prodgate")
			args := slices.Clone(b.args)
			i := slices.Index(args, "-o")
			if i < 0 || i+1 >= len(args) {
				t.Fatalf("go build %v: no -o", args)
			}
			args[i+1] = out
			for _, flag := range []string{"-trimpath"} {
				if !slices.Contains(args, flag) {
					t.Errorf("go build %v: want %s", args, flag)
				}
			}
			if !slices.Contains(b.env, "CGO_ENABLED=0") {
				t.Errorf("go build env %v: want CGO_ENABLED=0", b.env)
			}
			cmd := exec.Command("go", append([]string{"build"}, args...)...)
			cmd.Dir = repoRoot(t)
			cmd.Env = append(os.Environ(), b.env...)
			start := time.Now()
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go build %s: %v\n%s", strings.Join(args, " "), err, msg)
			}
			fi, err := os.Stat(out)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: go build %s: %.1f MB (%d bytes) in %s", b.stage, strings.Join(args, " "), float64(fi.Size())/1e6, fi.Size(), time.Since(start).Round(time.Second))
			checkStatic(t, out)
			checkBuildSettings(t, out, b.stage == "build")
			version, err := exec.Command(out, "version").Output()
			if err != nil {
				t.Fatalf("%s version: %v", out, err)
			}
			if want := "prodgate " + testVersion + " "; !strings.HasPrefix(string(version), want) {
				t.Errorf("version = %q, want it to start with %q (VERSION stamped by -ldflags -X)", version, want)
			}
			bins[b.stage] = out
		})
	}
	if full := bins["build"]; full != "" {
		t.Run("serve answers the image's HEALTHCHECK", func(t *testing.T) { checkServeIsHealthy(t, full) })
	}
	if slim := bins["build-checkonly"]; slim != "" {
		version, _ := exec.Command(slim, "version").Output()
		if !strings.Contains(string(version), "check-only build") {
			t.Errorf("the Atlantis binary's version = %q, want a check-only build", version)
		}
	}
}

// checkStatic fails unless the ELF file needs no dynamic loader and no shared
// library: it must run on distroless static, which has no libc.
func checkStatic(t *testing.T, path string) {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s has a %s program header: it is dynamically linked", path, p.Type)
		}
	}
	for _, name := range []string{".interp", ".dynamic"} {
		if f.Section(name) != nil {
			t.Errorf("%s has a %s section: it is dynamically linked", path, name)
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("%s imports shared libraries %v (%v)", path, libs, err)
	}
}

// checkBuildSettings reads the flags the binary was built with, as recorded
// by the Go linker, so a flag lost on the way shows here.
func checkBuildSettings(t *testing.T, path string, full bool) {
	t.Helper()
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if settings["CGO_ENABLED"] != "0" || settings["-trimpath"] != "true" {
		t.Errorf("%s built with CGO_ENABLED=%q -trimpath=%q, want 0 and true", path, settings["CGO_ENABLED"], settings["-trimpath"])
	}
	// -ldflags is not recorded under -trimpath; `prodgate version` shows the stamp.
	// The full build leaves gin's MessagePack binding out, as scripts/test.sh
	// does, so the two share one build of the dependencies.
	if tags := settings["-tags"]; full && !strings.Contains(","+tags+",", ",nomsgpack,") {
		t.Errorf("%s built with -tags=%q, want nomsgpack", path, tags)
	}
}

// checkServeIsHealthy starts `prodgate serve` with the image's environment
// (the database and policy moved into a temporary directory, a loopback
// port) and waits for the image's HEALTHCHECK command to pass.
func checkServeIsHealthy(t *testing.T, bin string) {
	img := describe(parseDockerfile(t))
	dir := t.TempDir()
	policy, err := os.ReadFile(filepath.Join(repoRoot(t), "examples", "prodgate.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "prodgate.yaml"), policy, 0o444); err != nil {
		t.Fatal(err)
	}
	listen := freeLoopbackAddr(t)
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
	for k, v := range img.Env {
		switch k {
		case "PRODGATE_LISTEN":
			v = listen
		case "PRODGATE_DATABASE_URL", "PRODGATE_POLICY":
			v = filepath.Join(dir, filepath.Base(v))
		}
		env = append(env, k+"="+v)
	}
	env = append(env, "PRODGATE_HMAC_KEY=dockerfile-test-key")
	serve := exec.Command(bin, img.Entrypoint[1:]...)
	serve.Env, serve.Dir = env, dir
	var logs bytes.Buffer
	serve.Stdout, serve.Stderr = &logs, &logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- serve.Wait() }()
	defer func() {
		_ = serve.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = serve.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("prodgate serve logs:\n%s", logs.String())
		}
	}()

	health := img.Healthcheck[1:] // after "CMD"
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		probe := exec.CommandContext(ctx, bin, health[1:]...)
		probe.Env = env
		msg, err := probe.CombinedOutput()
		if err == nil {
			return
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("prodgate serve exited before it was healthy: %v", err)
		case <-ctx.Done():
			t.Fatalf("the HEALTHCHECK %v never passed: %v %s", health, err, msg)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestDockerignoreKeepsWhatTheBuildReads checks .dockerignore with Docker's
// own matcher: every file `go build` reads for either binary reaches the
// build context, and local databases, keys and the git history do not.
func TestDockerignoreKeepsWhatTheBuildReads(t *testing.T) {
	root := repoRoot(t)
	f, err := os.Open(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	patterns, err := ignorefile.ReadAll(f)
	f.Close()
	if err != nil {
		t.Fatalf(".dockerignore: %v", err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatalf(".dockerignore: %v", err)
	}
	needed := []string{"go.mod", "go.sum"}
	for _, tags := range []string{"", "checkonly"} {
		needed = append(needed, buildInputs(t, root, tags)...)
	}
	for _, path := range needed {
		excluded, err := pm.MatchesOrParentMatches(path)
		if err != nil {
			t.Fatal(err)
		}
		if excluded {
			t.Errorf(".dockerignore excludes %s, which the image's go build reads", path)
		}
	}
	for _, path := range []string{".git/config", "prodgate.db", "prodgate.db-inbox.log", "prodgate.hmac-key", "bench/out/run.txt", "cmd/prodgate/main_test.go"} {
		if excluded, _ := pm.MatchesOrParentMatches(path); !excluded {
			t.Errorf(".dockerignore sends %s into the build context", path)
		}
	}
}

// buildInputs lists the repository's files (relative, slash-separated) that
// `go build [-tags tags] ./cmd/prodgate` compiles or embeds for linux.
func buildInputs(t *testing.T, root, tags string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json=Dir,Module,GoFiles,EmbedFiles", "-tags="+tags, "./cmd/prodgate")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var files []string
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p struct {
			Dir                 string
			Module              *struct{ Main bool }
			GoFiles, EmbedFiles []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		if p.Module == nil || !p.Module.Main {
			continue
		}
		rel, err := filepath.Rel(root, p.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range append(p.GoFiles, p.EmbedFiles...) {
			files = append(files, filepath.ToSlash(filepath.Join(rel, name)))
		}
	}
	if len(files) == 0 {
		t.Fatal("go list found no files of the prodgate module")
	}
	return files
}
