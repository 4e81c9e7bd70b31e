#!/usr/bin/env bash
# Import and search benchmark: the real chatlens binary on a durable
# (fsync on) throwaway PostgreSQL. It uploads generated WhatsApp exports
# over HTTP beside psql's COPY of the same rows (the limit), then times
# full-text searches through the API beside the same statement in psql, and
# the statistics and pictures of the largest chat. Flags pass through to
# the Go program (go run ./bench/import -h lists them):
#
#   bash bench/import/run.sh                       # N = 100,000 and 1,000,000, 3 rounds
#   SIZES="20000 100000" bash bench/import/run.sh -rounds 1 -min-rows 500000
#   bash bench/import/run.sh -profile              # CPU profiles of the server (import, search)
#   SERVER=/tmp/chatlens bash bench/import/run.sh  # a server binary built elsewhere
#
# Exports come from bench/parse/gen (android12 unless SHAPE says), keyed by
# a hash of the generator's source like bench-parse's; everything goes to
# bench/out/import/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/../.."

out=bench/out/import
mkdir -p "$out"
read -r -a sizes <<< "${SIZES:-100000 1000000}"
shape="${SHAPE:-android12}"

# Its own name, so that nothing stopping other chatlens processes by name
# stops the one measured. SERVER=path runs a binary built elsewhere (e.g.
# from a clean `git archive` of one commit) instead of the checkout's.
server="${SERVER:-$out/chatlens-bench-import}"
[ -n "${SERVER:-}" ] || go build -o "$server" .
go build -o "$out/gen" ./bench/parse/gen
gen_hash=$(cat bench/parse/gen/*.go | sha256sum | cut -c1-12)
files=()
for n in "${sizes[@]}"; do
  f="$out/chat-$shape-$n-$gen_hash.txt"
  [ -s "$f" ] || "$out/gen" -shape "$shape" -n "$n" -o "$f"
  echo "--- $shape N=$n: $(du -h "$f" | cut -f1) ($f)"
  files+=("$f")
done

go build -o "$out/bench-import" ./bench/import
"$out/bench-import" -server "$server" -out "$out" "$@" "${files[@]}"

# Where the server's time went, when -profile was given.
for p in import search; do
  prof="$out/cpu-$p.prof"
  if [ -s "$prof" ] && [ "$prof" -nt "$out/bench-import" ]; then
    echo "--- CPU profile of the server, $p ($prof), top by flat and by cumulative time"
    go tool pprof -top -nodecount 20 "$server" "$prof" 2>/dev/null | sed -n '/flat%/,$p'
    go tool pprof -top -cum -nodecount 25 "$server" "$prof" 2>/dev/null | sed -n '/flat%/,$p'
  fi
done
