# Everyday commands. Each is a thin call of the Go tool or a script in the
# repo, so everything also works without just (see README.md).

# List the recipes.
default:
    @just --list

# gofmt check, go vet, and every test with the race detector (real PostgreSQL included).
test *args:
    ./scripts/test.sh {{args}}

# The insights' crash test alone, with its figures (-v); `just test` runs it too.
# Crash test: 260 insight requests (3 AI types on a fake provider), SIGKILL mid-run, restart, then SQL checks (about a minute).
test-crash *args:
    go test ./e2e -run '^TestCrash' -count=1 -v {{args}}

# `run` builds bin/chatlens and execs it, so stopping `just run` (Ctrl-C)
# stops the server itself, not only the go tool in front of it.
# Build bin/chatlens and serve the API on 127.0.0.1:8080 (memory unless CHATLENS_DATABASE_URL is set).
run *args:
    #!/usr/bin/env bash
    set -euo pipefail
    go build -o bin/chatlens .
    exec bin/chatlens serve {{args}}

# staticcheck, then the OpenAPI documents (redocly recommended-strict, spectral:oas) and a typed TS client.
lint:
    ./scripts/lint.sh

# Each document is written to a temporary file first, so a failing build
# leaves the committed ones whole.
# Regenerate the committed OpenAPI documents (3.1 and 3.0) from the code.
openapi:
    #!/usr/bin/env bash
    set -euo pipefail
    tmp=$(mktemp -d openapi/.gen.XXXXXX)
    trap 'rm -rf "$tmp"' EXIT
    go run . openapi > "$tmp/openapi.yaml"
    go run . openapi --3.0 > "$tmp/openapi-3.0.yaml"
    mv "$tmp/openapi.yaml" "$tmp/openapi-3.0.yaml" openapi/

# Start a throwaway PostgreSQL on 127.0.0.1:54329 and print its URL (Ctrl-C stops it).
db-up:
    ./scripts/db-up.sh

# Apply, roll back or list migrations on CHATLENS_DATABASE_URL (up|down|status).
migrate verb="up":
    go run . migrate {{verb}}

# The credits benchmark runs in one process and split across two (the -2proc
# contenders), on a durable throwaway cluster, beside pgbench.
# Credits lock-policy benchmark against pgbench (one and two processes).
bench-credits *args:
    ./bench/credits/run.sh {{args}}

# Parser benchmark against the npm package whatsapp-chat-parser.
bench-parse *args:
    bash bench/parse/run.sh {{args}}

# The parse's and the statistics' instructions per shape (cachegrind; needs valgrind).
bench-parse-instructions *args:
    bash bench/parse/instructions.sh {{args}}

# Import and search on a durable cluster: uploads through the real binary
# beside psql's COPY, searches beside the same statement in psql.
# Import (HTTP upload vs COPY), search and statistics benchmark of the chats API.
bench-import *args:
    bash bench/import/run.sh {{args}}

# Background jobs on a durable cluster: insights made by the real binary (an
# API process without workers, then 1 and 2 `chatlens worker` processes)
# beside River's own throughput for an empty job, the AI types written by the
# built-in local writer (1 worker process), and the insight request's
# latency under 32 clients beside GET /health.
# Jobs benchmark: insights/s by 1 and 2 worker processes vs River's empty-job limit, AI types (local writer); request p50/p99.
bench-jobs *args:
    bash bench/jobs/run.sh {{args}}

# Every benchmark.
bench: bench-credits bench-parse bench-import bench-jobs

# Run each fuzz target of the parsers and the statistics for FUZZTIME (default 30s).
fuzz:
    bash scripts/fuzz.sh
