#!/usr/bin/env bash
# Parser benchmark: the chatlens WhatsApp parser against the npm package
# whatsapp-chat-parser on the same generated exports. Ours runs with
# GOMAXPROCS=1; Node runs JavaScript on one thread but V8 collects garbage and
# compiles on helper threads, so its CPU seconds exceed its wall seconds: the
# table shows both.
#
#   bash bench/parse/run.sh            # N = 100000 and 1000000
#   bash bench/parse/run.sh 50000      # other sizes
#   RUNS=5 bash bench/parse/run.sh     # runs per parser and size (default 3, median reported)
#
# Each run is a fresh process that reads the file, decides the date order and
# parses every message; peak RSS is the process's, from /usr/bin/time when
# present (else its own getrusage). Files go to bench/out/parse/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/../.."

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000)
runs="${RUNS:-3}"
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

# run_one LABEL CMD...: runs CMD, prints its JSON line with the peak RSS and
# CPU seconds measured from outside added.
run_one() {
  local json
  json=$("${timer[@]}" "$@")
  if [ ${#timer[@]} -gt 0 ]; then
    read -r rss user sys < "$out/time.txt"
    json="${json%\}},\"ext_max_rss_kib\":$rss,\"cpu_s\":$(awk "BEGIN{print $user+$sys}")}"
  fi
  echo "$json"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
results="$out/results.jsonl"
: > "$results"
# Files are keyed by a hash of the generator's source, so that a changed
# generator never benchmarks a stale file.
gen_hash=$(cat bench/parse/gen/*.go | sha256sum | cut -c1-12)
for n in "${sizes[@]}"; do
  file="$out/chat-$n-$gen_hash.txt"
  [ -s "$file" ] || "$out/gen" -n "$n" -o "$file"
  echo "--- N=$n ($(du -h "$file" | cut -f1)), $runs runs each"
  for _ in $(seq "$runs"); do
    run_one env GOMAXPROCS=1 "$out/measure" "$file" | sed "s/^{/{\"n\":$n,/" >> "$results"
    run_one node bench/parse/node/measure.mjs "$file" | sed "s/^{/{\"n\":$n,/" >> "$results"
  done
done

LOAD_BEFORE="$load_before" node bench/parse/node/table.mjs "$results"
