#!/usr/bin/env bash
# Runs every check and test prodgate has: gofmt, go vet, staticcheck and the
# whole go test suite, with a throwaway PostgreSQL server for the tests that
# run several replicas. CI (.ci/run) runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
  printf 'gofmt would change:\n%s\n' "$unformatted"
  exit 1
fi

echo "== go vet"
go vet ./...
go vet -tags checkonly ./cmd/... # the check-only build's own files

echo "== staticcheck"
staticcheck_bin="$(go env GOPATH)/bin/staticcheck"
if [ ! -x "$staticcheck_bin" ]; then
  go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi
"$staticcheck_bin" ./...
"$staticcheck_bin" -tags checkonly ./cmd/...

echo "== Chromium for the browser tests"
# Debian's chromium, installed quietly when it is missing and apt can; the
# browser tests skip (saying so) where it cannot be had. ~95 s on a new
# machine (apt-get update included), nothing once it is there.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    start=$(date +%s)
    if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/tmp/prodgate-chromium-install.log 2>&1; then
      echo "installed chromium in $(( $(date +%s) - start )) s"
    else
      echo "could not install chromium (see /tmp/prodgate-chromium-install.log): the browser tests will skip"
    fi
  else
    echo "chromium is missing and apt-get (as root) is not available: the browser tests will skip"
  fi
fi

echo "== PostgreSQL (throwaway, loopback) for the multi-replica tests"
if [ -z "${PRODGATE_TEST_DATABASE_URL:-}" ]; then
  pg=$(./scripts/postgres.sh)
  export PRODGATE_TEST_DATABASE_URL=${pg% DIR=*}
  trap './scripts/postgres.sh stop "${pg#*DIR=}"' EXIT
fi

# -pgo=off: cmd/prodgate's profile (default.pgo) speeds up the binary users
# build; tests check behaviour, and with it every dependency is compiled a
# second time (~1.5 min on a cold cache).
echo "== go test"
go test -pgo=off -count=1 -timeout 15m ./...

echo "== race detector on the concurrent parts"
go test -pgo=off -count=1 -race -run 'Parallel|Serve|Service|TFC|Callback|Store|Queue|Accept|Racing|Poison|Release|Pages|SignOn|TokenSignIn' ./evaluator/ ./runtask/ ./internal/tfcfake/
