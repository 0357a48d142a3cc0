#!/usr/bin/env bash
# CI: the KPI oracle (independent Python) against `outpost kpi`, `outpost kpi --by channel` and
# `outpost scorecard` over the whole fixtures dataset, the people breakdowns (`outpost kpi --by
# staff|position|department`) of the fixtures at head office, plus `--by channel` and the three
# people breakdowns over the hand-made testdata (the by-channel-only KPIs' and the people planted cases).
# Usage: tools/oracle/ci-check.sh PATH/TO/outpost
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
python3 tools/oracle/selftest.py
python3 tools/oracle/kpi_oracle.py fixtures/dataset > "$out/oracle.json"
python3 tools/oracle/kpi_oracle.py fixtures/dataset --by channel > "$out/oracle-by-channel.json"
for by in staff position department; do
    python3 tools/oracle/kpi_oracle.py fixtures/dataset --by "$by" > "$out/oracle-by-$by.json"
done
python3 tools/oracle/run_outpost.py fixtures/dataset "$out/run" --outpost "$bin" --no-branches --by-channel --by-people
cards=()
for file in "$out"/run/scorecard-*.json; do cards+=(--scorecard "$file"); done
status=0
echo "== fixtures/dataset: head office, office level and scorecards"
python3 tools/oracle/compare.py "$out/oracle.json" --kpi "$out/run/kpi-hq.json" "${cards[@]}" || status=1
echo "== fixtures/dataset: head office, --by channel"
python3 tools/oracle/compare.py "$out/oracle-by-channel.json" --kpi "$out/run/kpi-by-channel-hq.json" --flags || status=1
for by in staff position department; do
    echo "== fixtures/dataset: head office, --by $by"
    python3 tools/oracle/compare.py "$out/oracle-by-$by.json" --kpi "$out/run/kpi-by-$by-hq.json" --flags || status=1
done
echo "== tools/oracle/testdata: head office, --by channel"
python3 tools/oracle/kpi_oracle.py tools/oracle/testdata --by channel > "$out/oracle-td-by-channel.json"
for by in staff position department; do
    python3 tools/oracle/kpi_oracle.py tools/oracle/testdata --by "$by" > "$out/oracle-td-by-$by.json"
done
python3 tools/oracle/run_outpost.py tools/oracle/testdata "$out/td" --outpost "$bin" --no-branches --by-channel --by-people --no-scorecards
python3 tools/oracle/compare.py "$out/oracle-td-by-channel.json" --kpi "$out/td/kpi-by-channel-hq.json" --flags || status=1
for by in staff position department; do
    echo "== tools/oracle/testdata: head office, --by $by"
    python3 tools/oracle/compare.py "$out/oracle-td-by-$by.json" --kpi "$out/td/kpi-by-$by-hq.json" --flags || status=1
done
if [ "$status" -eq 0 ]; then
    echo "RESULT: all compared values agree"
else
    echo "RESULT: DIFFERENCES FOUND"
fi
exit "$status"
