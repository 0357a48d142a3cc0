#!/usr/bin/env bash
# CI: the KPI oracle (independent Python) against `outpost kpi`, `outpost kpi --by channel` and
# `outpost scorecard` over the whole fixtures dataset, plus `--by channel` over the hand-made
# testdata (the by-channel-only KPIs' planted cases). Usage: tools/oracle/ci-check.sh PATH/TO/outpost
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
python3 tools/oracle/selftest.py
python3 tools/oracle/kpi_oracle.py fixtures/dataset > "$out/oracle.json"
python3 tools/oracle/kpi_oracle.py fixtures/dataset --by channel > "$out/oracle-by-channel.json"
python3 tools/oracle/run_outpost.py fixtures/dataset "$out/run" --outpost "$bin" --no-branches --by-channel
cards=()
for file in "$out"/run/scorecard-*.json; do cards+=(--scorecard "$file"); done
status=0
echo "== fixtures/dataset: head office, office level and scorecards"
python3 tools/oracle/compare.py "$out/oracle.json" --kpi "$out/run/kpi-hq.json" "${cards[@]}" || status=1
echo "== fixtures/dataset: head office, --by channel"
python3 tools/oracle/compare.py "$out/oracle-by-channel.json" --kpi "$out/run/kpi-by-channel-hq.json" --flags || status=1
echo "== tools/oracle/testdata: head office, --by channel"
python3 tools/oracle/kpi_oracle.py tools/oracle/testdata --by channel > "$out/oracle-td-by-channel.json"
python3 tools/oracle/run_outpost.py tools/oracle/testdata "$out/td" --outpost "$bin" --no-branches --by-channel --no-scorecards
python3 tools/oracle/compare.py "$out/oracle-td-by-channel.json" --kpi "$out/td/kpi-by-channel-hq.json" --flags || status=1
if [ "$status" -eq 0 ]; then
    echo "RESULT: all compared values agree"
else
    echo "RESULT: DIFFERENCES FOUND"
fi
exit "$status"
