#!/usr/bin/env bash
# Instructions of the parse and of the parse with the chat's statistics, per
# shape, counted by valgrind's cachegrind: the measure of the parser
# benchmark that does not move with the machine (wall times on a shared
# machine drift by a fifth from one minute to the next). It runs
# bench/parse/measure on the 100k-message files of bench/parse/run.sh (made
# here when missing) with GOGC=off, so that the collector's timing adds
# nothing, and takes the minimum of RUNS runs (default 3; the word tables'
# hash seed is per process, so counts differ a little from run to run).
#
#   bash bench/parse/instructions.sh                 # every shape, N = 100000
#   SHAPES="ja de" RUNS=1 bash bench/parse/instructions.sh 20000
#   CACHE=1 bash bench/parse/instructions.sh         # also simulated cache misses and mispredicts
#
# Needs valgrind (apt-get install -y valgrind); about a minute a shape.
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v valgrind >/dev/null || { echo "instructions: valgrind is needed (apt-get install -y valgrind)" >&2; exit 1; }
n="${1:-100000}"
runs="${RUNS:-3}"
read -r -a shapes <<< "${SHAPES:-android12 ios24 de ja telegram}"
out=bench/out/parse
mkdir -p "$out"
go build -o "$out/gen" ./bench/parse/gen
go build -o "$out/measure" ./bench/parse/measure
gen_hash=$(cat bench/parse/gen/*.go | sha256sum | cut -c1-12)

sim=(--cache-sim=no)
[ -z "${CACHE:-}" ] || sim=(--cache-sim=yes --branch-sim=yes)

# count MODE FILE prints the fewest instructions of runs runs (and, with
# CACHE, that run's I1 and D1 misses and mispredicted branches).
count() {
  local best="" line
  for _ in $(seq "$runs"); do
    line=$(GOGC=off GOMAXPROCS=1 valgrind --tool=cachegrind "${sim[@]}" --cachegrind-out-file=/dev/null \
      "$out/measure" -mode "$1" "$2" 2>&1 >/dev/null |
      awk '/I *refs/ {i=$NF} /I1 *misses/ {i1=$NF} /D1 *misses/ {d1=$4} /Mispredicts/ {b=$3}
           END {gsub(",", "", i); print i, i1, d1, b}')
    if [ -z "$best" ] || [ "${line%% *}" -lt "${best%% *}" ]; then best=$line; fi
  done
  echo "$best"
}

m() { awk -v x="$1" 'BEGIN { printf "%.1fM", x / 1e6 }'; }
echo "instructions for $n messages, minimum of $runs runs (GOGC=off, GOMAXPROCS=1)"
if [ -n "${CACHE:-}" ]; then
  echo "| shape | parse | parse + stats | ÷ parse | I1 misses (parse, + stats) | D1 misses | mispredicts |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
else
  echo "| shape | parse | parse + stats | ÷ parse |"
  echo "|---|---:|---:|---:|"
fi
for shape in "${shapes[@]}"; do
  f="$out/chat-$shape-$n-$gen_hash.txt"
  [ -s "$f" ] || "$out/gen" -shape "$shape" -n "$n" -o "$f"
  read -r p p1 pd pb <<< "$(count parse "$f")"
  read -r s s1 sd sb <<< "$(count stats "$f")"
  ratio=$(awk -v a="$s" -v b="$p" 'BEGIN { printf "%.2f", a / b }')
  if [ -n "${CACHE:-}" ]; then
    echo "| $shape | $(m "$p") | $(m "$s") | $ratio | $p1, $s1 | $pd, $sd | $pb, $sb |"
  else
    echo "| $shape | $(m "$p") | $(m "$s") | $ratio |"
  fi
done
