#!/usr/bin/env bash
# Runs every check and test prodgate has: gofmt, go vet, staticcheck, the
# whole go test suite (with a throwaway PostgreSQL server for the tests that
# run several replicas), the race detector on the packages that run
# goroutines, and the deploy/test module (Dockerfile, Helm chart, Terraform
# module). CI (.ci/run) runs exactly this. Each stage prints its time.
set -euo pipefail
cd "$(dirname "$0")/.."

# One build of the dependencies for every stage: vet, staticcheck (through go
# list), the tests, the binaries the tests build and the Dockerfile's own build
# command all compile with the same flags, so each package is compiled once.
#  -trimpath: the Dockerfile builds with it, and a package compiled with it is
#   a different build from one compiled without.
#  -tags=nomsgpack: gin's MessagePack binding, which prodgate never uses, pulls
#   in github.com/ugorji/go/codec, one of the slowest packages of the build.
export GOFLAGS="${GOFLAGS:--trimpath -tags=nomsgpack}"

tmp=$(mktemp -d)
cleanup() {
  [ -n "${pg_dir:-}" ] && ./scripts/postgres.sh stop "$pg_dir"
  rm -rf "$tmp"
}
trap cleanup EXIT

start=$SECONDS
stage_name=
stage() {
  if [ -n "$stage_name" ]; then
    printf '   (%s: %d s)\n' "$stage_name" $((SECONDS - stage_start))
  fi
  stage_name=$1
  stage_start=$SECONDS
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
    echo $((SECONDS - t0)) >"$tmp/$name.seconds"
    exit $status
  ) &
  echo $! >"$tmp/$name.pid"
}
finish() {
  local name=$1 status=0
  wait "$(cat "$tmp/$name.pid")" || status=$?
  echo "== $name (ran in the background: $(cat "$tmp/$name.seconds" 2>/dev/null || echo '?') s)"
  cat "$tmp/$name.log"
  if [ $status -ne 0 ]; then
    echo "$name failed (exit $status)"
    exit $status
  fi
}

staticcheck_bin="$(go env GOPATH)/bin/staticcheck"
if [ ! -x "$staticcheck_bin" ]; then
  # Fetched and built beside vet: neither waits for the other.
  background "staticcheck install" go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi

# Debian's chromium for the browser tests, installed when it is missing and apt
# can (as root); the browser tests skip, saying so, where it cannot be had. The
# download (~95 s on a new machine, apt-get update included) runs beside vet.
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

stage "go vet"
go vet ./...
go vet -tags checkonly ./cmd/... # the check-only build's own files

stage staticcheck
if [ -f "$tmp/staticcheck install.pid" ]; then finish "staticcheck install"; fi
"$staticcheck_bin" ./...
"$staticcheck_bin" -tags checkonly ./cmd/...

stage "PostgreSQL (throwaway, loopback) for the multi-replica tests"
if [ -z "${PRODGATE_TEST_DATABASE_URL:-}" ]; then
  pg=$(./scripts/postgres.sh)
  export PRODGATE_TEST_DATABASE_URL=${pg% DIR=*}
  pg_dir=${pg#*DIR=}
fi

# The race build compiles every dependency again, instrumented; the suite's
# tests spend much of their time waiting on servers and subprocesses, so the
# two share the cores.
finish "chromium for the browser tests"

stage "go test"
background "race detector on the packages that run goroutines" \
  go test -count=1 -race -run 'Parallel|Serve|Service|TFC|Callback|Store|Queue|Accept|Racing|Poison|Release|Policy|Readyz|Stop|HoldFinal|Pages|SignOn|TokenSignIn' \
  ./evaluator/ ./runtask/ ./internal/tfcfake/
go test -count=1 -timeout 15m ./...
stage ""
finish "race detector on the packages that run goroutines"

# A module of its own (Helm's SDK, the Kubernetes API types and BuildKit's
# Dockerfile parser stay out of prodgate's go.mod). It runs the Dockerfile's
# own build commands and renders the chart with Helm (see deploy/test/doc.go).
stage "deploy: Dockerfile, Helm chart, Terraform module (deploy/test)"
(
  cd deploy/test
  go vet ./...
  "$staticcheck_bin" ./...
  go test -count=1 -timeout 20m ./...
)

stage ""
printf '== all green in %d s\n' $((SECONDS - start))
