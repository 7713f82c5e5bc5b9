#!/usr/bin/env bash
# Time from `pip install` to the first `gauntlet run` exit code on a fresh clone,
# following the README's "CI client" walk-through. Usage:
#   bench/first_run.sh [REPOSITORY] [PORT]     (defaults: this checkout, 18765)
# Set PIP_NO_CACHE_DIR=1 for a cold pip cache. Prints the seconds of each phase.
set -euo pipefail
repo=${1:-$(git rev-parse --show-toplevel)}
port=${2:-18765}
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
git clone -q "$repo" gauntlet && cd gauntlet
start=$(date +%s.%N)
python3 -m venv .venv && .venv/bin/pip install -q -e .
installed=$(date +%s.%N)
GAUNTLET_DATA_DIR="$work/data" .venv/bin/gauntlet serve --port "$port" >"$work/serve.log" 2>&1 &
server=$!
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.1; done
export GAUNTLET_SERVER=http://127.0.0.1:$port
export GAUNTLET_API_KEY=$(GAUNTLET_DATA_DIR="$work/data" .venv/bin/gauntlet keys create --org acme --name ci | tail -n 1)
APP=$(curl -s -X POST "$GAUNTLET_SERVER/client/v1/apps" -H "Authorization: Bearer $GAUNTLET_API_KEY" \
      -d "{\"name\": \"self\", \"endpoint\": \"$GAUNTLET_SERVER\"}" | jq -r .data.id)
.venv/bin/gauntlet suites push examples/suites --app "$APP" >/dev/null
set +e
.venv/bin/gauntlet run --app "$APP" --junit junit.xml >/dev/null
code=$?
set -e
done_=$(date +%s.%N)
python3 - "$start" "$installed" "$done_" "$code" <<'PY'
import sys
start, installed, done, code = map(float, sys.argv[1:5])
print(f"pip install: {installed - start:.1f} s; serve, key, app, push, run: {done - installed:.1f} s; "
      f"total: {done - start:.1f} s; gauntlet run exit code {code:.0f}")
PY
