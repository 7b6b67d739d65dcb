#!/usr/bin/env bash
# Times `prodgate check` (full built-in standard) against `conftest test` (a Rego
# policy with the same six controls, bench/conftest/policy) on the same generated
# plans, in one run on one machine, taking turns; also the check-only build
# (go build -tags checkonly), which leaves the run-task service out. Prints wall
# time (median of RUNS), throughput, peak RSS and the speed-up (median of the
# per-turn ratios).
# Sizes and RSS are in MiB; throughput in both MiB/s and MB/s (10^6 bytes).
#
#   bench/compare.sh            # 1k, 20k and 100k resource changes
#   SIZES="20000" RUNS=7 bench/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out/bin"
SIZES=${SIZES:-"1000 20000 100000"}
RUNS=${RUNS:-5}

if ! command -v /usr/bin/time >/dev/null || ! /usr/bin/time -f %M true >/dev/null 2>&1; then
  echo "compare.sh needs GNU time (/usr/bin/time); installing the Debian package 'time'" >&2
  apt-get update -qq && apt-get install -y -qq time >/dev/null
fi
# A binary the Go linker has just written sits in the page cache in a state
# that makes every run of it map ~15 MiB more (measured: 45 against 30 MiB for
# the same bytes at 1k), until the cache is dropped. Each binary is therefore
# measured from a plain copy, as an installed binary would be.
settle() { cp "$1" "$1.copy" && mv -f "$1.copy" "$1"; }
go build -o "$out/bin/prodgate" ./cmd/prodgate
go build -tags checkonly -o "$out/bin/prodgate-check" ./cmd/prodgate
if [ ! -x "$out/bin/conftest" ]; then
  echo "installing conftest v0.71.1 (go install)…" >&2
  GOBIN="$(pwd)/$out/bin" go install github.com/open-policy-agent/conftest@v0.71.1
fi
for bin in prodgate prodgate-check conftest; do settle "$out/bin/$bin"; done

# run CMD...: runs it once, prints "wall_seconds max_rss_kb" (wall time to the
# millisecond from bash, peak RSS from GNU time).
run() {
  local tmp wall
  tmp=$(mktemp)
  # prodgate and conftest exit 1 when the plan breaks the policy: expected here.
  wall=$( { TIMEFORMAT=%R; time /usr/bin/time -o "$tmp" -f "%M" "$@" >/dev/null 2>&1; } 2>&1 ) || true
  echo "$wall $(tail -1 "$tmp")"
  rm -f "$tmp"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '%-9s %8s | %-38s | %-38s | %s\n' "resources" "size MiB" "prodgate: s, MiB/s (MB/s), RSS MiB" "conftest: s, MiB/s (MB/s), RSS MiB" "speed-up"
for n in $SIZES; do
  plan="$out/plan-$n.json"
  [ -f "$plan" ] || go run ./bench/gen -n "$n" -o "$plan" 2>/dev/null
  bytes=$(stat -c %s "$plan")
  mb=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b/1048576}')
  # The two tools take turns, so a change in the machine's speed during the
  # run (this one drifts by tens of percent) touches both alike; the speed-up
  # is the median of the per-turn ratios.
  pts=() cts=() sts=() ratios=() sratios=() pr=0 cr=0 sr=0
  for _ in $(seq "$RUNS"); do
    read -r pt prss < <(run "$out/bin/prodgate" check --plan "$plan" --format atlantis)
    read -r st srss < <(run "$out/bin/prodgate-check" check --plan "$plan" --format atlantis)
    read -r ct crss < <(run "$out/bin/conftest" test --no-color -p bench/conftest/policy "$plan")
    pts+=("$pt") sts+=("$st") cts+=("$ct")
    ratios+=("$(awk -v p="$pt" -v c="$ct" 'BEGIN {printf "%.2f", (p > 0 ? c/p : 0)}')")
    sratios+=("$(awk -v p="$st" -v c="$ct" 'BEGIN {printf "%.2f", (p > 0 ? c/p : 0)}')")
    [ "$prss" -gt "$pr" ] && pr=$prss
    [ "$srss" -gt "$sr" ] && sr=$srss
    [ "$crss" -gt "$cr" ] && cr=$crss
  done
  pt=$(printf '%s\n' "${pts[@]}" | median)
  st=$(printf '%s\n' "${sts[@]}" | median)
  ct=$(printf '%s\n' "${cts[@]}" | median)
  ratio=$(printf '%s\n' "${ratios[@]}" | median)
  sratio=$(printf '%s\n' "${sratios[@]}" | median)
  awk -v n="$n" -v mb="$mb" -v b="$bytes" -v pt="$pt" -v pr="$pr" -v ct="$ct" -v cr="$cr" -v ratio="$ratio" 'BEGIN {
    printf "%-9s %8s | %6.3f s %5.0f MiB/s (%4.0f MB/s) %5.0f MiB | %6.3f s %5.0f MiB/s (%4.0f MB/s) %5.0f MiB | %5.1fx\n",
      n, mb, pt, (pt > 0 ? mb/pt : 0), (pt > 0 ? b/1e6/pt : 0), pr/1024, ct, (ct > 0 ? mb/ct : 0), (ct > 0 ? b/1e6/ct : 0), cr/1024, ratio }'
  awk -v mb="$mb" -v b="$bytes" -v st="$st" -v sr="$sr" -v ratio="$sratio" 'BEGIN {
    printf "%-9s %8s | %6.3f s %5.0f MiB/s (%4.0f MB/s) %5.0f MiB | %-38s | %5.1fx\n",
      "  -tags", "checkonly", st, (st > 0 ? mb/st : 0), (st > 0 ? b/1e6/st : 0), sr/1024, "", ratio }'
done
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); $(go version | cut -d' ' -f3)"
