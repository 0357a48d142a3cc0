#!/usr/bin/env bash
# CI: the KPI oracle (independent Python) against `outpost kpi`, `outpost kpi --by channel` and
# `outpost scorecard` over the whole fixtures dataset, the people breakdowns (`outpost kpi --by
# staff|position|department`) of the fixtures at head office, plus `--by channel` and the three
# people breakdowns over the hand-made testdata (the by-channel-only KPIs' and the people planted cases),
# and the people and department scorecards (`outpost scorecard --id ID --period P --rank`: the
# built-in online_sales_monthly and the scorecards of tools/oracle/people-definitions.json, for the
# months and quarters that hold the planted target cases).  Head office's ratings: the office's
# (office level) and the people's (the staff_* KPIs, in the three people breakdowns) at month
# grain in the runs above, and at quarter and year grain (`outpost kpi --grain quarter|year`:
# the five office rating KPIs, and `--by staff` for the fixtures, all three breakdowns for
# testdata), where a quarter's or a year's rating counts.  The per-person SEM figures and plan
# execution (sem_*, plan_execution: ad_daily through ad_accounts' owners, tasks) are in the people
# breakdowns above.  Funnel diagnosis (`outpost kpi diagnose --format json`, SPEC §9.9) at head
# office, every office and month, against diagnosis_oracle.py: the fixtures (where a D rule and an
# S rule must fire) and testdata; every flag's rule, status, office, person, month and evidence
# (values, days, growths) is compared.  tools/oracle/testdata_ads (north only: ad accounts with
# owner spans, an owner who changes position and then leaves, month-dated tasks of a joiner and of
# a person changing position): office level, the three people breakdowns and the diagnosis.
# Known disagreements skipped (each named here and in the --skip below): none.
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
# quarter and year grain (the ratings' periods), beside the binary's run below (2 cores)
python3 tools/oracle/kpi_oracle.py fixtures/dataset --grain quarter,year > "$out/oracle-qy.json" &
qy1=$!
python3 tools/oracle/kpi_oracle.py fixtures/dataset --grain quarter,year --by staff > "$out/oracle-qy-by-staff.json" &
qy2=$!
python3 tools/oracle/diagnosis_oracle.py fixtures/dataset > "$out/oracle-diagnosis.json" &
dg1=$!
# people scorecards: the months and quarters holding the planted target cases (fixtures/README.md,
# "Targets of people"); the full year is in tools/oracle/README.md, not in CI
defs=tools/oracle/people-definitions.json
python3 tools/oracle/kpi_oracle.py fixtures/dataset --people-scorecards --definitions "$defs" \
    --scorecard online_sales_monthly --scorecard online_sales_bonus_monthly \
    --scorecard sales_departments_monthly --scorecard online_sales_quarterly_mean \
    --scorecard online_sales_quarterly_aggregate \
    --period 2025-06 --period 2025-07 --period 2025-08 --period 2025-Q2 --period 2025-Q3 \
    > "$out/oracle-people-scorecards.json"
python3 tools/oracle/run_outpost.py fixtures/dataset "$out/run" --outpost "$bin" --no-branches --by-channel --by-people --diagnose \
    --grain quarter,year --grain-by staff --people-scorecards --people-months 2025-06,2025-08 --definitions "$defs" \
    --people-scorecard online_sales_bonus_monthly=2025-07 \
    --people-scorecard sales_departments_monthly=2025-08 \
    --people-scorecard online_sales_quarterly_mean=2025-Q2 \
    --people-scorecard online_sales_quarterly_aggregate=2025-Q3
cards=()
for file in "$out"/run/scorecard-20*.json; do cards+=(--scorecard "$file"); done
people_cards=()
for file in "$out"/run/scorecard-people-*.json; do people_cards+=(--people-scorecard "$file"); done
status=0
echo "== fixtures/dataset: head office, office level and scorecards"
python3 tools/oracle/compare.py "$out/oracle.json" --kpi "$out/run/kpi-hq.json" "${cards[@]}" || status=1
echo "== fixtures/dataset: head office, --by channel"
python3 tools/oracle/compare.py "$out/oracle-by-channel.json" --kpi "$out/run/kpi-by-channel-hq.json" --flags || status=1
for by in staff position department; do
    echo "== fixtures/dataset: head office, --by $by"
    python3 tools/oracle/compare.py "$out/oracle-by-$by.json" --kpi "$out/run/kpi-by-$by-hq.json" --flags || status=1
done
wait "$qy1"
wait "$qy2"
echo "== fixtures/dataset: head office, --grain quarter and year, the office's ratings"
python3 tools/oracle/compare.py "$out/oracle-qy.json" --kpi "$out/run/kpi-quarter-hq.json" \
    --kpi "$out/run/kpi-year-hq.json" --flags || status=1
echo "== fixtures/dataset: head office, --grain quarter and year, --by staff"
python3 tools/oracle/compare.py "$out/oracle-qy-by-staff.json" --kpi "$out/run/kpi-quarter-by-staff-hq.json" \
    --kpi "$out/run/kpi-year-by-staff-hq.json" --flags || status=1
wait "$dg1"
echo "== fixtures/dataset: head office, kpi diagnose (D1, D2, S1, S2)"
python3 tools/oracle/diagnosis_oracle.py fixtures/dataset --oracle "$out/oracle-diagnosis.json" \
    --compare "$out/run/diagnose-hq.json" --require-fired D --require-fired S || status=1
echo "== fixtures/dataset: head office, people scorecards (--rank)"
python3 tools/oracle/compare.py "$out/oracle-people-scorecards.json" "${people_cards[@]}" || status=1
# people-definitions.json holds the built-in catalog of when it was made: say so if the binary's
# catalog has changed since (regenerate it with make_people_definitions.py)
OUTPOST_NOW=2027-01-01T00:00:00+08:00 "$bin" kpi definitions --format json --repo "$out/run/repos/hq" > "$out/builtin.json"
python3 - "$out/builtin.json" "$defs" <<'PY'
import json, sys
builtin = json.load(open(sys.argv[1]))["document"]
mine = json.load(open(sys.argv[2]))
ids = {s["id"] for s in builtin.get("scorecards", [])}
mine["scorecards"] = [s for s in mine["scorecards"] if s["id"] in ids]
if mine != builtin:
    print("warning: %s no longer holds the binary's built-in catalog; regenerate it with "
          "tools/oracle/make_people_definitions.py" % sys.argv[2])
PY
echo "== tools/oracle/testdata: head office, --by channel"
python3 tools/oracle/kpi_oracle.py tools/oracle/testdata --by channel > "$out/oracle-td-by-channel.json"
for by in staff position department; do
    python3 tools/oracle/kpi_oracle.py tools/oracle/testdata --by "$by" > "$out/oracle-td-by-$by.json"
    python3 tools/oracle/kpi_oracle.py tools/oracle/testdata --by "$by" --grain quarter,year > "$out/oracle-td-qy-by-$by.json"
done
python3 tools/oracle/kpi_oracle.py tools/oracle/testdata --grain quarter,year > "$out/oracle-td-qy.json"
python3 tools/oracle/run_outpost.py tools/oracle/testdata "$out/td" --outpost "$bin" --no-branches --by-channel --by-people --no-scorecards --diagnose \
    --grain quarter,year
python3 tools/oracle/compare.py "$out/oracle-td-by-channel.json" --kpi "$out/td/kpi-by-channel-hq.json" --flags || status=1
for by in staff position department; do
    echo "== tools/oracle/testdata: head office, --by $by"
    python3 tools/oracle/compare.py "$out/oracle-td-by-$by.json" --kpi "$out/td/kpi-by-$by-hq.json" --flags || status=1
    echo "== tools/oracle/testdata: head office, --grain quarter and year, --by $by"
    python3 tools/oracle/compare.py "$out/oracle-td-qy-by-$by.json" --kpi "$out/td/kpi-quarter-by-$by-hq.json" \
        --kpi "$out/td/kpi-year-by-$by-hq.json" --flags || status=1
done
echo "== tools/oracle/testdata: head office, kpi diagnose"
python3 tools/oracle/diagnosis_oracle.py tools/oracle/testdata --compare "$out/td/diagnose-hq.json" || status=1
echo "== tools/oracle/testdata: head office, --grain quarter and year, the office's ratings"
python3 tools/oracle/compare.py "$out/oracle-td-qy.json" --kpi "$out/td/kpi-quarter-hq.json" \
    --kpi "$out/td/kpi-year-hq.json" --flags || status=1
echo "== tools/oracle/testdata_ads: owner spans, an owner changing position and leaving, month-dated tasks"
python3 tools/oracle/run_outpost.py tools/oracle/testdata_ads "$out/ta" --outpost "$bin" --no-branches --by-people \
    --no-scorecards --diagnose
python3 tools/oracle/kpi_oracle.py tools/oracle/testdata_ads > "$out/oracle-ta.json"
python3 tools/oracle/compare.py "$out/oracle-ta.json" --kpi "$out/ta/kpi-hq.json" || status=1
for by in staff position department; do
    python3 tools/oracle/kpi_oracle.py tools/oracle/testdata_ads --by "$by" > "$out/oracle-ta-by-$by.json"
    python3 tools/oracle/compare.py "$out/oracle-ta-by-$by.json" --kpi "$out/ta/kpi-by-$by-hq.json" --flags || status=1
done
python3 tools/oracle/diagnosis_oracle.py tools/oracle/testdata_ads --compare "$out/ta/diagnose-hq.json" || status=1
if [ "$status" -eq 0 ]; then
    echo "RESULT: all compared values agree"
else
    echo "RESULT: DIFFERENCES FOUND"
fi
exit "$status"
