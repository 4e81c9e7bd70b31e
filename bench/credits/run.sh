#!/usr/bin/env bash
# Credits lock-policy benchmark: builds without the race detector and runs
# on a throwaway PostgreSQL with fsync on. Flags pass through, e.g.
#   ./bench/credits/run.sh -rounds 5 -duration 5s -only nowait-rr,wait-rc
#   ./bench/credits/run.sh -only wait-rc,wait-rc-2proc   # one process vs two
set -euo pipefail
cd "$(dirname "$0")/../.."
go run ./bench/credits "$@"
