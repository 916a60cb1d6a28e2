#!/usr/bin/env bash
# `make demo`: the whole workflow on the embedded emulator, no AWS account needed.
# Starts `cfngen local` in the background, points every command at it, and stops it at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
cfngen=.venv/bin/cfngen

log=$(mktemp)
"$cfngen" local --port 0 >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 200); do grep -q "listening on" "$log" && break; sleep 0.05; done
endpoint=$(grep -o 'http://localhost:[0-9]*' "$log" | head -n 1)
[ -n "$endpoint" ] || { cat "$log"; echo "the emulator did not start" >&2; exit 1; }
export AWS_ENDPOINT_URL=$endpoint AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE

# Bold headings on a terminal only: no escape codes in a pipe or a CI log.
if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
step "emulator at $endpoint"
step "render templates/ and lint them";      "$cfngen" render && "$cfngen" lint
step "deploy every example, then smoke-test"; "$cfngen" deploy --smoke-test stacks/smoke.yaml --outputs-file .cfngen/demo-outputs.json
step "redeploy: nothing changed";             "$cfngen" deploy cfngen-demo-hello
step "invoke a function";                     "$cfngen" invoke cfngen-demo-hello --payload '{"order": 42}' --expect '{"order": 42}'
step "enable the mapping created disabled";   "$cfngen" enable cfngen-demo-orders
step "status";                                "$cfngen" status
