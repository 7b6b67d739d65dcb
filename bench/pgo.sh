#!/usr/bin/env bash
# Regenerates cmd/prodgate/default.pgo, the CPU profile `go build` uses for
# profile-guided optimisation of the prodgate binary: six checks each of the
# generated 20k and 100k plans with the full built-in standard. Run it after
# changes to parsing, rules or rendering, and commit the result.
#
#   bench/pgo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out/pgo"
for n in 20000 100000; do
  [ -f "$out/plan-$n.json" ] || go run ./bench/gen -n "$n" -o "$out/plan-$n.json" 2>/dev/null
done
# Built without the current profile, so the new one describes plain code.
go build -pgo=off -tags checkonly -o "$out/pgo/prodgate" ./cmd/prodgate
rm -f "$out"/pgo/*.prof
for i in 1 2 3 4 5 6; do
  for n in 20000 100000; do
    "$out/pgo/prodgate" check --plan "$out/plan-$n.json" --format atlantis --cpuprofile "$out/pgo/$n-$i.prof" >/dev/null || true
  done
done
go tool pprof -proto "$out"/pgo/*.prof > cmd/prodgate/default.pgo
echo "wrote cmd/prodgate/default.pgo ($(stat -c %s cmd/prodgate/default.pgo) bytes)"
