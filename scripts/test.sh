#!/usr/bin/env bash
# Runs every check and test prodgate has: gofmt, go vet, staticcheck and the
# whole go test suite. CI (.ci/run) runs exactly this.
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

echo "== staticcheck"
staticcheck_bin="$(go env GOPATH)/bin/staticcheck"
if [ ! -x "$staticcheck_bin" ]; then
  go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi
"$staticcheck_bin" ./...

echo "== go test"
go test -count=1 ./...
