#!/usr/bin/env bash
# Parser benchmark: the chatlens parsers on generated exports of several
# shapes, against the npm package whatsapp-chat-parser where it reads the
# shape (WhatsApp text), with two references of our own: the parse with the
# chat's statistics (what `chatlens parse --stats` and an import compute), and
# a bare bufio.Scanner pass over the same file (the floor of reading lines).
# Ours runs with GOMAXPROCS=1; Node runs JavaScript on one thread but V8
# collects garbage and compiles on helper threads, so its CPU seconds exceed
# its wall seconds: the table shows both.
#
#   bash bench/parse/run.sh                      # N = 100000 and 1000000, every shape
#   bash bench/parse/run.sh 50000                # other sizes
#   RUNS=5 bash bench/parse/run.sh               # rounds (default 3); medians are reported
#   SHAPES="android12 telegram" bash bench/parse/run.sh
#   PROFILE=1 bash bench/parse/run.sh 1000000    # also a CPU profile of each shape's parse
#
# Each run is a fresh process that reads the file and parses every message
# (detecting the format and, for WhatsApp, deciding the date order). Runs are
# interleaved: every round runs every contender on every shape and size once,
# so that other work on the machine weighs on all of them alike; the load
# average is sampled before each round. Peak RSS is the process's, from
# /usr/bin/time when present (else its own getrusage). Files go to
# bench/out/parse/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/../.."

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)
runs="${RUNS:-3}"
read -r -a shapes <<< "${SHAPES:-android12 ios24 de ja telegram}"
out=bench/out/parse
mkdir -p "$out"

command -v node >/dev/null || { echo "bench-parse: node is needed for the npm parser" >&2; exit 1; }
if [ ! -d bench/parse/node/node_modules/whatsapp-chat-parser ]; then
  echo "--- installing whatsapp-chat-parser (bench/parse/node/package-lock.json)"
  (cd bench/parse/node && npm ci --no-audit --no-fund --silent)
fi
go build -o "$out/gen" ./bench/parse/gen
go build -o "$out/measure" ./bench/parse/measure

timer=()
if [ -x /usr/bin/time ]; then timer=(/usr/bin/time -f '%M %U %S' -o "$out/time.txt"); fi

# run_one SHAPE N CMD...: runs CMD, appends its JSON line with the shape, the
# size, and the peak RSS and CPU seconds measured from outside.
run_one() {
  local shape=$1 n=$2 json
  shift 2
  json=$("${timer[@]}" "$@")
  if [ ${#timer[@]} -gt 0 ]; then
    read -r rss user sys < "$out/time.txt"
    json="${json%\}},\"ext_max_rss_kib\":$rss,\"cpu_s\":$(awk "BEGIN{print $user+$sys}")}"
  fi
  echo "{\"shape\":\"$shape\",\"n\":$n,${json#\{}" >> "$results"
}

# Files are keyed by a hash of the generator's source, so that a changed
# generator never benchmarks a stale file.
gen_hash=$(cat bench/parse/gen/*.go | sha256sum | cut -c1-12)
file_of() { echo "$out/chat-$1-$2-$gen_hash.txt"; }
for shape in "${shapes[@]}"; do
  for n in "${sizes[@]}"; do
    f=$(file_of "$shape" "$n")
    [ -s "$f" ] || "$out/gen" -shape "$shape" -n "$n" -o "$f"
    echo "--- $shape N=$n: $(du -h "$f" | cut -f1)"
  done
done

results="$out/results.jsonl"
loads="$out/load.txt"
: > "$results"
: > "$loads"
for round in $(seq "$runs"); do
  cut -d' ' -f1 /proc/loadavg >> "$loads" 2>/dev/null || true
  echo "--- round $round of $runs (load $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown))"
  for shape in "${shapes[@]}"; do
    for n in "${sizes[@]}"; do
      f=$(file_of "$shape" "$n")
      run_one "$shape" "$n" env GOMAXPROCS=1 "$out/measure" -mode parse "$f"
      run_one "$shape" "$n" env GOMAXPROCS=1 "$out/measure" -mode stats "$f"
      run_one "$shape" "$n" env GOMAXPROCS=1 "$out/measure" -mode scan "$f"
      if [ "$shape" != telegram ]; then # the npm package reads WhatsApp text only
        run_one "$shape" "$n" node bench/parse/node/measure.mjs "$f"
      fi
    done
  done
done
cut -d' ' -f1 /proc/loadavg >> "$loads" 2>/dev/null || true

if [ -n "${PROFILE:-}" ]; then
  n=${sizes[${#sizes[@]}-1]}
  for shape in "${shapes[@]}"; do
    prof="$out/cpu-$shape-$n.prof"
    GOMAXPROCS=1 "$out/measure" -mode parse -cpuprofile "$prof" "$(file_of "$shape" "$n")" > /dev/null
    echo "--- CPU profile of the $shape parse, N=$n ($prof)"
    go tool pprof -top -nodecount 12 "$out/measure" "$prof" 2>/dev/null | sed -n '/flat%/,$p'
  done
fi

LOADS="$(tr '\n' ' ' < "$loads")" node bench/parse/node/table.mjs "$results"
