#!/usr/bin/env bash
# Times `prodgate check` (full built-in standard) against `conftest test` (a Rego
# policy with the same six controls, bench/conftest/policy) on the same plans,
# in one run on one machine, taking turns; also the check-only build
# (go build -tags checkonly), which leaves the run-task service out.
#
# Two plan shapes, both reported in every run (bench/gen -shape):
#   generated  resource changes cloned from the whole corpus, planned_values,
#              no configuration section;
#   real       whole plans of checkov, infracost and terraform-validator from
#              the corpus cloned into module calls, with their configuration
#              sections (issue 17). Skipped, with a message, when the corpus
#              is absent.
#
# Per size: median wall time and median CPU time (user+sys) of RUNS turns,
# throughput (MB/s = 10^6 bytes per wall second), peak RSS and RSS / file size,
# and the speed-up over conftest as the median of the per-turn ratios, of wall
# time and of CPU time. The machine is shared, so the CPU-time ratio is the
# steadier one. With 20000 and 100000 in SIZES, a last line per shape gives
# CPU µs per resource change at both and their ratio (1.00 = linear).
# Sizes and RSS are in MiB.
#
#   bench/compare.sh                          # 1k, 20k and 100k, both shapes
#   SIZES="20000" RUNS=7 SHAPES=real bench/compare.sh
#   FORMAT=json bench/compare.sh              # prodgate renders JSON (default atlantis)
#   CORPUS=/path/to/corpus/plans bench/compare.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out/bin"
SIZES=${SIZES:-"1000 20000 100000"}
RUNS=${RUNS:-5}
SHAPES=${SHAPES:-"generated real"}
FORMAT=${FORMAT:-atlantis}
CORPUS=${CORPUS:-../shared/corpus/plans}

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
go build -o "$out/bin/gen" ./bench/gen

# run CMD...: runs it once, prints "wall_seconds cpu_seconds max_rss_kb" (wall
# time to the millisecond from bash; user+sys and peak RSS from GNU time).
run() {
  local tmp wall
  tmp=$(mktemp)
  # prodgate and conftest exit 1 when the plan breaks the policy: expected here.
  wall=$( { TIMEFORMAT=%R; time /usr/bin/time -o "$tmp" -f "%U %S %M" "$@" >/dev/null 2>&1; } 2>&1 ) || true
  echo "$wall $(tail -1 "$tmp" | awk '{printf "%.2f %d", $1 + $2, $3}')"
  rm -f "$tmp"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ratio() { awk -v p="$1" -v c="$2" 'BEGIN {printf "%.2f", (p > 0 ? c/p : 0)}'; }

# row LABEL MIB BYTES WALL CPU RSS_KB WALL_RATIO CPU_RATIO
row() {
  awk -v l="$1" -v mb="$2" -v b="$3" -v w="$4" -v c="$5" -v r="$6" -v wr="$7" -v cr="$8" 'BEGIN {
    printf "  %-15s %6.3f s wall %5.2f s cpu %5.0f MB/s %6.0f MiB RSS (%4.2fx file)", l, w, c, (w > 0 ? b/1e6/w : 0), r/1024, r/1024/mb
    if (wr != "") printf " | speed-up %5.1fx wall %5.1fx cpu", wr, cr
    printf "\n" }'
}

echo "prodgate check --format $FORMAT vs conftest test; RUNS=$RUNS turns each, medians; speed-up = median of per-turn ratios"
for shape in $SHAPES; do
  if [ "$shape" = real ] && [ ! -d "$CORPUS/bridgecrewio-checkov" ]; then
    echo "shape real: SKIPPED — no corpus at $CORPUS (set CORPUS to the corpus plans folder)"
    continue
  fi
  declare -A cpu_per=()
  for n in $SIZES; do
    plan="$out/plan-$shape-$n.json"
    [ -f "$plan" ] || "$out/bin/gen" -shape "$shape" -n "$n" -corpus "$CORPUS" -o "$plan" 2>/dev/null
    bytes=$(stat -c %s "$plan")
    mb=$(awk -v b="$bytes" 'BEGIN {printf "%.2f", b/1048576}')
    # The tools take turns, so a change in the machine's speed during the run
    # touches all alike; the speed-ups are medians of the per-turn ratios.
    pw=() pc=() sw=() sc=() cw=() cc=() pwr=() pcr=() swr=() scr=() pr=0 cr=0 sr=0
    for _ in $(seq "$RUNS"); do
      read -r w c rss < <(run "$out/bin/prodgate" check --plan "$plan" --format "$FORMAT")
      pw+=("$w") pc+=("$c"); [ "$rss" -gt "$pr" ] && pr=$rss
      read -r w c rss < <(run "$out/bin/prodgate-check" check --plan "$plan" --format "$FORMAT")
      sw+=("$w") sc+=("$c"); [ "$rss" -gt "$sr" ] && sr=$rss
      read -r w c rss < <(run "$out/bin/conftest" test --no-color -p bench/conftest/policy "$plan")
      cw+=("$w") cc+=("$c"); [ "$rss" -gt "$cr" ] && cr=$rss
      pwr+=("$(ratio "${pw[-1]}" "$w")") pcr+=("$(ratio "${pc[-1]}" "$c")")
      swr+=("$(ratio "${sw[-1]}" "$w")") scr+=("$(ratio "${sc[-1]}" "$c")")
    done
    m() { printf '%s\n' "$@" | median; }
    echo "shape $shape, $n resource changes, $mb MiB ($(awk -v b="$bytes" 'BEGIN {printf "%.1f", b/1e6}') MB)"
    row "prodgate" "$mb" "$bytes" "$(m "${pw[@]}")" "$(m "${pc[@]}")" "$pr" "$(m "${pwr[@]}")" "$(m "${pcr[@]}")"
    row "-tags checkonly" "$mb" "$bytes" "$(m "${sw[@]}")" "$(m "${sc[@]}")" "$sr" "$(m "${swr[@]}")" "$(m "${scr[@]}")"
    row "conftest" "$mb" "$bytes" "$(m "${cw[@]}")" "$(m "${cc[@]}")" "$cr" "" ""
    cpu_per[$n]=$(awk -v c="$(m "${pc[@]}")" -v n="$n" 'BEGIN {printf "%.3f", c/n*1e6}')
  done
  if [ -n "${cpu_per[20000]:-}" ] && [ -n "${cpu_per[100000]:-}" ]; then
    awk -v a="${cpu_per[20000]}" -v b="${cpu_per[100000]}" -v s="$shape" 'BEGIN {
      printf "shape %s linearity: prodgate cpu %.2f µs/change at 20k, %.2f at 100k: 100k/20k = %.2f\n", s, a, b, (a > 0 ? b/a : 0) }'
  fi
  unset cpu_per
done
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr); $(go version | cut -d' ' -f3); load $(cut -d' ' -f1-3 /proc/loadavg)"
