#!/usr/bin/env bash
# Background-jobs benchmark: the real chatlens binary (one API process
# without workers, and 1 then 2 `chatlens worker` processes) making
# insights on a durable (fsync on) throwaway PostgreSQL, beside River's own
# throughput for an empty job in the same run (the limit); the AI types
# (summary, main-topics, tone) written by the built-in local writer, made
# by one worker process; then the insight request's latency under 32
# clients beside GET /health. Flags pass through to the Go program (go run
# ./bench/jobs -h lists them):
#
#   bash bench/jobs/run.sh                       # 2,000 requests per phase, one round
#   bash bench/jobs/run.sh -no-ai                # without the AI types' run and latency
#   bash bench/jobs/run.sh -rounds 3             # interleaved rounds, medians
#   bash bench/jobs/run.sh -statements -profile  # where the time goes (slower)
#   bash bench/jobs/run.sh -requests 600 -no-latency   # a quick look
#   SERVER=/tmp/chatlens bash bench/jobs/run.sh  # a server binary built elsewhere
#
# Logs and results.json go to bench/out/jobs/ (ignored by git).
set -euo pipefail
cd "$(dirname "$0")/../.."

out=bench/out/jobs
mkdir -p "$out"
# Its own name, so that nothing stopping other chatlens processes by name
# stops the ones measured.
server="${SERVER:-$out/chatlens-bench-jobs}"
[ -n "${SERVER:-}" ] || go build -o "$server" .
go build -o "$out/bench-jobs" ./bench/jobs
"$out/bench-jobs" -server "$server" -out "$out" "$@"

# Where the API's time went, when -profile was given.
prof="$out/cpu-serve-request.prof"
if [ -s "$prof" ] && [ "$prof" -nt "$out/bench-jobs" ]; then
  echo "--- CPU profile of the API during the insight requests ($prof), top by flat and by cumulative time"
  go tool pprof -top -nodecount 20 "$server" "$prof" 2>/dev/null | sed -n '/flat%/,$p'
  go tool pprof -top -cum -nodecount 30 "$server" "$prof" 2>/dev/null | sed -n '/flat%/,$p'
fi
