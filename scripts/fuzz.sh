#!/usr/bin/env bash
# Runs every fuzz target of the chat parsers (core/chatparse) and the chat
# statistics (core/chatstats) for FUZZTIME each (default 30s), one after
# another: go test -fuzz takes one target per run. Run from anywhere;
# FUZZTARGETS narrows the list (e.g. FUZZTARGETS="FuzzWhatsApp"), and
# FUZZPARALLEL sets the fuzzing workers (go test's -parallel; default: one
# per CPU), e.g. 1 on a machine shared with others. FUZZMINIMIZETIME bounds
# the minimisation of each new interesting input (default 5s; go test's own
# 60s stalls a one-worker run for most of its time: no inputs are tried
# while a worker minimises). Each target's wall time
# is printed when it ends, for the record of how long it ran clean.
# New failing inputs land in <package>/testdata/fuzz/<target>/, where plain
# go test replays them from then on: commit them with the fix. A target that
# ends in "context deadline exceeded" with no new input is Go's coordinator
# racing -fuzztime (go.dev/issue/75804, before Go 1.27): it is said so and
# does not fail the run.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime="${FUZZTIME:-30s}"
minimize="${FUZZMINIMIZETIME:-5s}"
parallel=()
if [ -n "${FUZZPARALLEL:-}" ]; then
  parallel=(-parallel "$FUZZPARALLEL")
fi
failed=()
ran=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# inputs counts the inputs in a fuzz corpus directory (0 when there is none).
inputs() { if [ -d "$1" ]; then find "$1" -type f | wc -l; else echo 0; fi; }
for pkg in ./core/chatparse/ ./core/chatstats/; do
  for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
    if [ -n "${FUZZTARGETS:-}" ] && [[ " $FUZZTARGETS " != *" $target "* ]]; then
      continue
    fi
    ran=$((ran + 1))
    echo "--- $target ($pkg) for $fuzztime ($(date -u +%H:%M:%S) UTC)"
    start=$SECONDS
    corpus="$pkg/testdata/fuzz/$target"
    before=$(inputs "$corpus")
    if ! go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimize" "${parallel[@]}" 2>&1 | tee "$log"; then
      # Go's -fuzztime race (see the top) is no finding; anything else is.
      if [ "$(inputs "$corpus")" -eq "$before" ] && tail -n 8 "$log" | grep -q 'context deadline exceeded'; then
        echo "--- $target: \"context deadline exceeded\" at the end of -fuzztime with no failing input: Go's fuzzing coordinator (go.dev/issue/75804), not a finding"
      else
        failed+=("$target")
      fi
    fi
    echo "--- $target ran $((SECONDS - start))s"
  done
done
if [ "$ran" -eq 0 ]; then
  echo "fuzz: no fuzz target matches ${FUZZTARGETS:-anything}" >&2
  exit 1
fi

if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz: failing targets: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all targets passed ($fuzztime each)"
