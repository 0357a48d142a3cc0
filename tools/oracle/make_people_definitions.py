#!/usr/bin/env python3
"""Writes tools/oracle/people-definitions.json: the built-in catalog document (the `document` of
`outpost kpi definitions --format json` in a repository without published definitions) plus the
people scorecards below, for `kpi_oracle.py --people-scorecards --definitions FILE` and the
binary's `scorecard --definitions FILE`.

Usage: make_people_definitions.py BUILTIN.json [OUT]   (BUILTIN.json: that command's output)
Standard library only; the output is canonical-ish JSON (sorted keys, 1-space indent).
"""

import json
import os
import sys

ITEMS = [  # online_sales_monthly's items (SPEC.md §9.5)
    {"kpi": "deal_amount", "weight": "0.40", "method": "ratio", "floor": "0", "cap": "1.20",
     "missing": "zero"},
    {"kpi": "deal_count", "weight": "0.20", "method": "ratio", "floor": "0", "cap": "1.20",
     "missing": "zero"},
    {"kpi": "lead_conversion_rate", "weight": "0.25", "method": "ratio", "floor": "0",
     "cap": "1.20", "missing": "zero"},
    {"kpi": "followup_rate", "weight": "0.15", "method": "ratio", "floor": "0", "cap": "1.00",
     "missing": "zero"},
]
BONUS_BANDS = [{"label": "A", "min": "100", "bonus": "1.50"},
               {"label": "B", "min": "90", "bonus": "1.20"},
               {"label": "C", "min": "80", "bonus": "1.00"},
               {"label": "D", "min": "0"}]           # no bonus member: the result's bonus is null
PLAIN_BANDS = [{"label": "A", "min": "100"}, {"label": "B", "min": "90"},
               {"label": "C", "min": "80"}, {"label": "D", "min": "0"}]
RESULT = {"multiplier": "100", "scale": 2, "rounding": "half_up"}


def items(hard=None):
    out = [dict(i) for i in ITEMS]
    for i in out:
        if hard and i["kpi"] in hard:
            i["hard"] = hard[i["kpi"]]
    return out


def card(sid, zh, en, applies_to, grain, its, bands, rule=None):
    c = {"id": sid, "version": 1, "type": "scorecard", "label": {"zh": zh, "en": en},
         "applies_to": applies_to, "period_grain": grain, "items": its, "bands": bands,
         "weights_sum": "1.0000", "result": RESULT}
    if rule:
        c["period_rule"] = rule
    return c


PEOPLE = {"level": "position", "positions": ["consultant", "sales"]}
SCORECARDS = [
    # bonus coefficients and two hard indicators: conversion below half its target (or unknown)
    # zeroes the total, follow-up below 80 % of its target caps it at 60
    card("online_sales_bonus_monthly", "网络咨询与销售月度奖金考核",
         "Online consultants and sales, monthly bonus", PEOPLE, "month",
         items({"lead_conversion_rate": {"min_attainment": "0.50", "cap_total": "0"},
                "followup_rate": {"min_attainment": "0.80", "cap_total": "60"}}), BONUS_BANDS),
    # quarter: each month against its monthly targets, the mean of the monthly totals
    card("online_sales_quarterly_mean", "网络咨询与销售季度考核（月均）",
         "Online consultants and sales, quarterly (mean of months)", PEOPLE, "quarter",
         items({"followup_rate": {"min_attainment": "0.80", "cap_total": "60"}}), BONUS_BANDS,
         "mean_of_months"),
    # quarter: the quarter's own values against the quarter's targets (the built-in
    # `online_sales_quarterly` scores quarters by mean_of_months since commit 5a47253)
    card("online_sales_quarterly_aggregate", "网络咨询与销售季度考核（汇总）",
         "Online consultants and sales, quarterly (aggregate)", PEOPLE, "quarter", items(),
         PLAIN_BANDS, "aggregate"),
    # departments' totals in each office
    card("sales_departments_monthly", "销售与客服部门月度考核", "Sales and service departments, monthly",
         {"level": "department", "departments": ["sales", "service"]}, "month",
         items({"followup_rate": {"min_attainment": "0.90", "cap_total": "85"}}), BONUS_BANDS),
]


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 64
    with open(argv[1], encoding="utf-8") as fh:
        doc = json.load(fh)
    if "document" in doc:
        doc = doc["document"]
    known = {s["id"] for s in doc.get("scorecards", [])}
    doc["scorecards"] = doc.get("scorecards", []) + [s for s in SCORECARDS if s["id"] not in known]
    out = argv[2] if len(argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "people-definitions.json")
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, sort_keys=True, ensure_ascii=False, indent=1)
        fh.write("\n")
    print("wrote %s (%d scorecards)" % (out, len(doc["scorecards"])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
