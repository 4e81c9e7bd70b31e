#!/usr/bin/env bash
# The project's test command (`just test` runs it): formatting, vet, and
# every test with the race detector, real PostgreSQL included. Tests that
# need PostgreSQL start a throwaway cluster from the system's binaries, or
# use TEST_DATABASE_URL; with CI=true a missing PostgreSQL fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change these files:" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...
go test -race -count=1 -timeout 10m "$@" ./...
