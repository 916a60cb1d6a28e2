#!/usr/bin/env bash
# `make demo`: the whole workflow on the project's emulator (--local), no AWS account needed.
# The first --local command starts the emulator in the background; every later one uses it; the end stops it
# (unless it was already running before the demo: then it is yours, and it is left running).
set -euo pipefail
cd "$(dirname "$0")/.."
cfngen=.venv/bin/cfngen
unset AWS_PROFILE AWS_ENDPOINT_URL

if [ -f .cfngen/local.json ]; then
  trap 'echo; echo "the project emulator was running before the demo: left running (cfngen local --stop)"' EXIT
else
  trap '"$cfngen" local --stop' EXIT
fi

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-}" != dumb ]; then
  step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
  step() { printf '\n== %s\n' "$*"; }
fi

step "render templates/ and lint them";              "$cfngen" render && "$cfngen" lint
step "deploy every example, then smoke-test";        "$cfngen" deploy --local --smoke-test stacks/smoke.yaml --outputs-file .cfngen/demo-outputs.json
step "redeploy: nothing changed";                    "$cfngen" deploy --local cfngen-demo-hello
step "invoke a function";                            "$cfngen" invoke --local cfngen-demo-hello --payload '{"order": 42}' --expect '{"order": 42}'
step "enable the mapping created disabled";          "$cfngen" enable --local cfngen-demo-orders
step "status";                                       "$cfngen" status --local
step "outputs as env lines, for a shell or CI";      "$cfngen" outputs --local cfngen-demo-hello cfngen-demo-orders --format env
step "stop the emulator (the trap does it on any exit)"
