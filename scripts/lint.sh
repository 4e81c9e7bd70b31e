#!/usr/bin/env bash
# Runs staticcheck (default checks) on the Go code, then lints the committed
# OpenAPI documents with Redocly (recommended-strict rules, .redocly.yaml)
# and Spectral (spectral:oas, .spectral.yaml), then generates a TypeScript
# client from openapi/openapi.yaml (openapi-typescript, for openapi-fetch)
# and type-checks clients/ts/check.ts against it. Warnings fail too: the
# code and the documents are meant to lint clean. staticcheck is pinned in
# go.mod as a tool (`go tool` fetches it through the module proxy on first
# use); the Node tools come from package.json (npm ci); `go test ./openapi`
# separately proves the documents match the code (openapi_test.go) and that
# the server answers as they say (contract_test.go, fuzz_test.go).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "--- staticcheck"
go tool staticcheck ./...
echo "staticcheck: clean"

if [ ! -x node_modules/.bin/redocly ] || [ ! -x node_modules/.bin/spectral ] || [ ! -x node_modules/.bin/tsc ]; then
  npm ci --no-audit --no-fund --silent
fi
docs=(openapi/openapi.yaml openapi/openapi-3.0.yaml)

echo "--- redocly lint (recommended-strict)"
out=$(node_modules/.bin/redocly lint --config .redocly.yaml --format=stylish "${docs[@]}" 2>&1) || { echo "$out"; exit 1; }
if grep -qE '^ *[0-9]+:[0-9]+ +(warning|error) ' <<<"$out"; then
  echo "$out"
  echo "redocly reported warnings" >&2
  exit 1
fi
echo "redocly: clean"

echo "--- spectral lint (spectral:oas)"
node_modules/.bin/spectral lint --ruleset .spectral.yaml --fail-severity=hint "${docs[@]}"

echo "--- TypeScript client (openapi-typescript + openapi-fetch, tsc --noEmit)"
node_modules/.bin/openapi-typescript openapi/openapi.yaml --redocly clients/ts/redocly.yaml \
  -o clients/ts/schema.d.ts
node_modules/.bin/tsc -p clients/ts
echo "typescript: clean"
