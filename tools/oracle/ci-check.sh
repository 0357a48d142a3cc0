#!/usr/bin/env bash
# CI: the KPI oracle (independent Python) against `outpost kpi` and `outpost scorecard` over the
# whole fixtures dataset. Usage: tools/oracle/ci-check.sh PATH/TO/outpost
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
python3 tools/oracle/selftest.py
python3 tools/oracle/kpi_oracle.py fixtures/dataset > "$out/oracle.json"
python3 tools/oracle/run_outpost.py fixtures/dataset "$out/run" --outpost "$bin" --no-branches
cards=()
for file in "$out"/run/scorecard-*.json; do cards+=(--scorecard "$file"); done
python3 tools/oracle/compare.py "$out/oracle.json" --kpi "$out/run/kpi-hq.json" "${cards[@]}"
