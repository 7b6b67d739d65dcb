#!/usr/bin/env bash
# Runs every fuzz target of the repository for a bounded time each and prints
# a summary. Not part of scripts/test.sh (CI's default path): the ordinary
# suite already runs each target's seed corpus (testdata/fuzz/... included).
#
#   scripts/fuzz.sh                       # every target, 30 s each
#   FUZZTIME=2m scripts/fuzz.sh           # longer (any -fuzztime value: 90s, 5000x)
#   FUZZMINIMIZETIME=30s scripts/fuzz.sh  # minimize new inputs longer (default 5s)
#   scripts/fuzz.sh ./evaluator/...       # the targets of some packages only
#
# Targets are found with `go test -list '^Fuzz'`, so new ones are run without
# editing this script. A failing input is written by Go to the package's
# testdata/fuzz/<Target>/ directory; commit it with the fix, as a regression
# test the ordinary suite then runs.
set -uo pipefail
cd "$(dirname "$0")/.."
fuzztime=${FUZZTIME:-30s}
# Go minimizes every input that finds new coverage for up to 60 s by default,
# reporting no progress meanwhile: targets whose inputs are whole plans or
# policies then spent their 30 s minimizing one input.
minimizetime=${FUZZMINIMIZETIME:-5s}
packages=("$@")
[ ${#packages[@]} -eq 0 ] && packages=(./...)
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

targets=()
for pkg in $(go list "${packages[@]}"); do
  # -run '^$' keeps TestMain-free packages from running their tests; -list
  # only names the targets.
  list=$(go test -run '^$' -list '^Fuzz' "$pkg" 2>&1) || { echo "listing $pkg failed:"; echo "$list"; exit 1; }
  for name in $(grep '^Fuzz' <<<"$list"); do
    targets+=("$pkg $name")
  done
done
if [ ${#targets[@]} -eq 0 ]; then
  echo "no fuzz targets found in ${packages[*]}"
  exit 1
fi
echo "== ${#targets[@]} fuzz targets, $fuzztime each"

failed=0
summary=()
for t in "${targets[@]}"; do
  read -r pkg name <<<"$t"
  out="$log/$(tr '/.' '__' <<<"$pkg")_$name.txt"
  echo "-- $name ($pkg)"
  start=$(date +%s)
  go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimizetime" "$pkg" >"$out" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  # The fuzzer's last progress line: "fuzz: elapsed: 30s, execs: 123456 (4115/sec), new interesting: 12 (total: 80)".
  # The rate of that last line covers only its last moment, so it is left out.
  progress=$(grep -o 'execs: [0-9]* ([0-9]*/sec), new interesting: [0-9]* (total: [0-9]*)' "$out" | tail -1 | sed 's| ([0-9]*/sec)||')
  if [ $rc -eq 0 ]; then
    status=ok
  else
    status=FAIL
    failed=$((failed + 1))
    tail -40 "$out"
    crasher=$(grep -o 'testdata/fuzz/[^ ]*' "$out" | tail -1)
    [ -n "$crasher" ] && echo "   failing input: $(go list -f '{{.Dir}}' "$pkg")/$crasher"
  fi
  summary+=("$(printf '%-4s %-44s %-42s %4ss  %s' "$status" "$name" "$pkg" "$secs" "${progress:-no progress line}")")
done

echo
echo "== summary (FUZZTIME=$fuzztime, FUZZMINIMIZETIME=$minimizetime; wall time includes building the fuzzing binary and minimizing)"
printf '%s\n' "${summary[@]}"
if [ $failed -gt 0 ]; then
  echo "$failed of ${#targets[@]} targets failed"
  exit 1
fi
echo "all ${#targets[@]} targets passed"
