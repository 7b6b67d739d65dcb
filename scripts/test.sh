#!/usr/bin/env bash
# Runs every check and test prodgate has: gofmt, go vet, staticcheck, the
# whole go test suite (with a throwaway PostgreSQL server for the tests that
# run several replicas), the race detector on the packages that run
# goroutines, and the deploy/test module (Dockerfile, Helm chart, Terraform
# module). CI (.ci/run) runs exactly this. Each stage prints its wall and CPU
# time. Measured 2026-12-03 on a fresh clone, on a quiet 2-core machine:
# cold (empty module, build, GOPATH and staticcheck caches) 294-316 s wall,
# 563-603 CPU-s (two runs); warm 57 s, 75 CPU-s (README, Tests).
set -euo pipefail
cd "$(dirname "$0")/.."

# One build of the dependencies for every stage: vet, staticcheck (through go
# list), the tests, the binaries the tests build and the Dockerfile's own build
# command all compile with the same flags, so each package is compiled once.
#  -trimpath: the Dockerfile builds with it, and a package compiled with it is
#   a different build from one compiled without.
#  -tags=nomsgpack: gin's MessagePack binding, which prodgate never uses, pulls
#   in github.com/ugorji/go/codec, one of the slowest packages of the build.
#  CGO_ENABLED=0: the image's binary is built without cgo (static, for
#   distroless), and so is everything here, so that deploy/test's run of the
#   Dockerfile's go build reuses the suite's packages; with cgo on, net and the
#   80 packages above it (gin, quic-go, pgx, River...) were compiled twice.
#   Nothing in prodgate uses cgo. The race detector needs it (its own build).
export GOFLAGS="${GOFLAGS:--trimpath -tags=nomsgpack}"
export CGO_ENABLED=0
tmp=$(mktemp -d)
cleanup() {
  # Background jobs still running when a stage fails: stop them, by their ids.
  for pidfile in "$tmp"/*.pid; do
    [ -f "$pidfile" ] && pkill -TERM -P "$(cat "$pidfile")" 2>/dev/null || true
  done
  [ -n "${pg_dir:-}" ] && ./scripts/postgres.sh stop "$pg_dir"
  rm -rf "$tmp"
}
trap cleanup EXIT

# Time per stage: wall seconds, and CPU seconds (user+sys of the stage's own
# commands, background jobs apart), the steadier figure on a shared machine.
# cpu_seconds sets $cpu to what this shell's waited-for children have used; it
# must run in this shell, not in $(...), whose children are its own.
cpu_seconds() {
  times >"$tmp/times"
  cpu=$(awk 'NR == 2 { split($0, t, /[ms]+/); printf "%d", t[1] * 60 + t[2] + t[3] * 60 + t[4] }' "$tmp/times")
}
background_cpu=0 # CPU of the background jobs reaped so far, counted apart
reap_background() {
  local done
  for done in "$tmp"/*.cpu; do
    [ -f "$done" ] && [ ! -f "$done.counted" ] || continue
    wait "$(cat "${done%.cpu}.pid")" 2>/dev/null || true
    background_cpu=$((background_cpu + $(cat "$done")))
    touch "$done.counted"
  done
}
start=$SECONDS
stage_name=
stage() {
  reap_background
  cpu_seconds
  if [ -n "$stage_name" ]; then
    printf '   (%s: %d s, %d CPU-s)\n' "$stage_name" $((SECONDS - stage_start)) $((cpu - background_cpu - stage_cpu))
  fi
  stage_name=$1
  stage_start=$SECONDS
  stage_cpu=$((cpu - background_cpu))
  [ -n "$1" ] && echo "== $1"
  return 0
}

# background NAME CMD...: runs CMD beside the next stages (its output kept
# apart); finish NAME waits for it, prints its output and fails if it failed.
background() {
  local name=$1
  shift
  echo "   ($name starts in the background)"
  (
    t0=$SECONDS
    status=0
    "$@" >"$tmp/$name.log" 2>&1 || status=$?
    cpu_seconds
    echo "$((SECONDS - t0)) s, $cpu CPU-s" >"$tmp/$name.seconds"
    echo $status >"$tmp/$name.status"
    echo "$cpu" >"$tmp/$name.cpu"
  ) &
  echo $! >"$tmp/$name.pid"
}
finish() {
  local name=$1 status
  wait "$(cat "$tmp/$name.pid")" 2>/dev/null || true
  status=$(cat "$tmp/$name.status" 2>/dev/null || echo 1)
  echo "== $name (ran in the background: $(cat "$tmp/$name.seconds" 2>/dev/null || echo '?'))"
  cat "$tmp/$name.log"
  if [ "$status" -ne 0 ]; then
    echo "$name failed (exit $status)"
    exit "$status"
  fi
}

# Order, for two cores: everything that compiles starts as early as it can,
# so that both cores stay busy from the first second to the last, and the
# stages that wait (on the network, on servers, on subprocesses) run beside the
# ones that compile. But two go commands that need one package both compile
# it (they do not share work in progress, only the cache), so the jobs that
# share the standard library and the main module's dependencies with go vet
# (staticcheck's install, deploy/test) start once go vet has compiled them.

# Debian's chromium for the browser tests, installed when it is missing and apt
# can (as root); the browser tests skip, saying so, where it cannot be had. The
# download (84 s, 38 CPU-s measured here, apt-get update included) runs
# beside vet.
install_chromium() {
  if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
    echo "chromium is there"
  elif command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; then
      echo "installed chromium"
    else
      echo "could not install chromium: the browser tests will skip"
    fi
  else
    echo "chromium is missing and apt-get (as root) is not available: the browser tests will skip"
  fi
}
background "chromium for the browser tests" install_chromium

stage gofmt
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  printf 'gofmt would change:\n%s\n' "$unformatted"
  exit 1
fi

# Before the race run below, which has multi-replica tests.
stage "PostgreSQL (throwaway, loopback) for the multi-replica tests"
if [ -z "${PRODGATE_TEST_DATABASE_URL:-}" ]; then
  pg=$(./scripts/postgres.sh)
  export PRODGATE_TEST_DATABASE_URL=${pg% DIR=*}
  pg_dir=${pg#*DIR=}
fi

# The race build compiles every dependency again, instrumented, with cgo: it
# shares nothing with the other stages, so it starts now, and its compiling
# and its tests' waiting on servers fill the cores beside every other stage.
# Its cost is spread over its 560 packages (cold, per compile, measured with a
# -toolexec wrapper: modernc.org/sqlite/lib and libc 24 of 133 CPU-s of
# compiling, the standard library about 40, no other module over 9), so
# leaving a dependency out of it would save little; what it does cut:
#  -vet=off: go vet ./... below runs every analyzer on the same sources (no
#   file of the module has a race build tag); the race build's own vet pass
#   analysed its 560 packages once more (15 CPU-s).
#  -gcflags=all=-N -l: no optimisation and no inlining. The race build links
#   only test binaries, so optimising buys nothing but compile time: 133 ->
#   90 CPU-s of compiling, the run 25 -> 35 CPU-s (in a warm run, where it is
#   the last job to end, 51 -> 62 s). The detector still sees every access
#   the optimised build makes: optimising only removes or merges memory
#   accesses, and without inlining more values escape to the heap, where
#   every access is instrumented.
background "race detector on the packages that run goroutines" \
  env CGO_ENABLED=1 go test -count=1 -race -vet=off -gcflags='all=-N -l' \
  -run 'Parallel|Serve|Service|TFC|Callback|Store|Queue|Accept|Racing|Poison|Release|Policy|Readyz|Stop|HoldFinal|Pages|SignOn|TokenSignIn' \
  ./evaluator/ ./evaluator/tfplan/ ./runtask/ ./internal/tfcfake/

# Compiles the standard library and every dependency, for all that follows.
stage "go vet"
go vet ./...
go vet -tags checkonly ./cmd/... # the check-only build's own files

staticcheck_bin="$(go env GOPATH)/bin/staticcheck"
if [ ! -x "$staticcheck_bin" ]; then
  background "staticcheck install" go install honnef.co/go/tools/cmd/staticcheck@v0.8.2 # 56 CPU-s cold
fi

# deploy/test is a module of its own (Helm's chart packages, the Kubernetes API
# types and BuildKit's Dockerfile parser stay out of prodgate's go.mod). Its
# test binary is the largest compile after the main module's: its 470
# packages outside the standard library took 87 CPU-s of compiling cold,
# k8s.io 64 of them (client-go's whole clientset and every API group: Helm's
# internal/version imports k8s.io/client-go/kubernetes for its own sake, and
# its lint rules client-go's scheme, so registering fewer types in the test
# would not shorten the build). The whole of it runs in the background beside
# go test, whose tests mostly wait on servers and subprocesses: vet, build,
# the tests, which run the Dockerfile's own build commands (reusing the
# packages built above: same flags, no cgo) and render the chart with Helm
# (see deploy/test/doc.go), then staticcheck. Run last, on its own, it held
# the end of a cold run for 41 s.
#  deploy_goflags: those packages are compiled only for a test binary, so
#   they are compiled without optimisation or inlining (87 -> 55 CPU-s; the
#   tests' run took 5 CPU-s either way). The standard library keeps the
#   suite's flags ("std=": none) and so its packages built by go vet above.
#   vet, the build and staticcheck's go list share these flags; the test
#   binary runs with the suite's, for the Dockerfile's builds.
#  staticcheck waits for the main module's (a marker file): run at the same
#   time, both analysed the standard library (deploy/test's 32 CPU-s cold
#   alone, 21 after the main module's).
# (Joined with &&: background runs it where set -e does not apply.)
deploy_goflags="$GOFLAGS '-gcflags=all=-N -l' -gcflags=std="
wait_for_file() {
  while [ ! -f "$1" ]; do
    kill -0 $$ 2>/dev/null || return 1 # the script has stopped
    sleep 1
  done
}
deploy_tests() {
  cd deploy/test &&
    GOFLAGS=$deploy_goflags go vet ./... &&
    GOFLAGS=$deploy_goflags go test -c -vet=off -o "$tmp/deploytest.test" . &&
    "$tmp/deploytest.test" -test.count=1 -test.timeout=20m &&
    wait_for_file "$tmp/staticcheck.done" &&
    GOFLAGS=$deploy_goflags "$staticcheck_bin" ./...
}
background "deploy tests: Dockerfile, Helm chart, Terraform module" deploy_tests

finish "chromium for the browser tests"

# -vet=off: go vet ./... above ran every analyzer go test's own vet pass would,
# which would analyse every dependency once more (46 CPU-s for deploy/test's).
stage "go test"
go test -count=1 -vet=off -timeout 15m ./...

stage staticcheck
if [ -f "$tmp/staticcheck install.pid" ]; then finish "staticcheck install"; fi
"$staticcheck_bin" ./...
"$staticcheck_bin" -tags checkonly ./cmd/...
touch "$tmp/staticcheck.done" # deploy/test's staticcheck waits for this

stage ""
finish "race detector on the packages that run goroutines"
finish "deploy tests: Dockerfile, Helm chart, Terraform module"

stage ""
reap_background
cpu_seconds
printf '== all green in %d s (%d CPU-s, user+sys of every stage and background job)\n' $((SECONDS - start)) "$cpu"
