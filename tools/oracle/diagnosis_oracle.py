#!/usr/bin/env python3
"""Funnel diagnosis oracle: `outpost kpi diagnose --format json` (`outpost-diagnosis/2`) from
SPEC.md §9.9 (and §9.3 `diagnoses`, docs/kpis.md §7) over a CSV dataset, with the built-in rules.

Usage:
    diagnosis_oracle.py DATA [--period MONTH] [--office ID]... [--today YYYY-MM-DD]

Written from the SPEC alone (the Swift sources were not read):
- rules (§9.9): D1 and D2 per office; S1 (position sem) and S2 (consultant, sales) per person's
  line of a staff breakdown (§9.6: one line per assignment group staff, position, department; the
  unattributed line is never diagnosed); labels and owners as the built-in catalog publishes them;
- months: the months of the data grid (the grid of `outpost kpi`, kpi_oracle.grid) that ended
  before today; a rule compares month P with P-1;
- growth: for a KPI additive over days (a `simple` KPI over a `sum` or `count` measure without a
  window) (x(P)/d(P) - x(P-1)/d(P-1)) / (x(P-1)/d(P-1)); else (x(P) - x(P-1)) / x(P-1); one exact
  division rounded half-up to 4 places; 0 when both values are 0; otherwise undefined when either
  value is undefined, x(P-1) <= 0 or a month covers no day (d = 0); x is the KPI's value (its
  canonical value at the KPI's scale, as `outpost kpi` prints it);
- d(P): the month's calendar days for an office; for a person's line the days of the month
  covered by the assignments the line stands for (same office, staff id, position, department);
- a rule fires when every condition holds; when none fails and one cannot be decided it is
  `insufficient_data`, reported only where the month before was computed for that office or line
  (P-1 in the grid; for a person, the line listed in P-1 by a KPI the rule reads);
- order: office, person (the office's own flags first), month, rule.
"""

import argparse
import datetime
import json
import os
import sys
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kpi_oracle as K  # noqa: E402

# SPEC §9.9 "The built-in catalog's rules (θ_up = 0.10, θ_flat = 0.02)"; labels as the catalog
# document publishes them (Sources/OutpostKPI/Resources/catalog.json `diagnoses`)
RULES = [
    {"id": "D1", "label": {"zh": "推广流量不精准", "en": "imprecise traffic"}, "owner": "promotion",
     "level": "office", "positions": None,
     "when": [("visits", "ge", "0.10"), ("consultations", "lt", "0.02")]},
    {"id": "D2", "label": {"zh": "客服销售转化不足", "en": "weak conversion"},
     "owner": "customer_service", "level": "office", "positions": None,
     "when": [("visits", "ge", "0.10"), ("consultations", "ge", "0.10"),
              ("deal_count", "lt", "0.02")]},
    {"id": "S1", "label": {"zh": "个人点击增长而咨询未增长", "en": "clicks up, consultations flat"},
     "owner": "promotion", "level": "staff", "positions": ("sem",),
     "when": [("sem_clicks", "ge", "0.10"), ("sem_consultations", "lt", "0.02")]},
    {"id": "S2", "label": {"zh": "个人线索增长而成交未增长", "en": "leads up, deals flat"},
     "owner": "sales", "level": "staff", "positions": ("consultant", "sales"),
     "when": [("leads", "ge", "0.10"), ("deal_count", "lt", "0.02")]},
]

OPS = {"ge": lambda a, b: a >= b, "gt": lambda a, b: a > b,
       "le": lambda a, b: a <= b, "lt": lambda a, b: a < b}


def additive(kpi):
    """§9.9: a `simple` KPI over a `sum` or `count` measure without a `window`."""
    expr = K.KPIS[kpi]["expr"]
    if not isinstance(expr, str) or expr not in K.MEASURES:
        return False
    m = K.MEASURES[expr]
    if isinstance(m, K.GMeasure):
        return m.agg in ("sum", "count") and m.window is None and m.duration is None
    return getattr(m, "agg", None) in ("sum", "count")


def days_of_month(m):
    return int(K.month_end(m)[8:])


def line_days(staff, office, group, month):
    """Days of `month` covered by the office's assignments of the group (staff, position,
    department)."""
    first, last = month + "-01", K.month_end(month)
    days = set()
    for a in staff.by_office.get(office, ()):
        if (a["staff_id"], a["position"], a["department"]) != group:
            continue
        lo = max(first, a["active_from"])
        hi = min(last, a["active_to"] or last)
        d = datetime.date.fromisoformat(lo)
        end = datetime.date.fromisoformat(hi)
        while d <= end:
            days.add(d)
            d += datetime.timedelta(days=1)
    return len(days)


def growth(kpi, cur, prev, days, prev_days):
    """(growth Decimal or None, per_day exact (n, d) or None)."""
    if cur is not None and prev is not None and cur == 0 and prev == 0:
        return Decimal(0)
    if cur is None or prev is None or prev <= 0:
        return None
    if additive(kpi):
        if days == 0 or prev_days == 0:
            return None
        # (c/d - p/pd) / (p/pd) = (c*pd - p*d) / (p*d)
        return K.div_round(cur * prev_days - prev * days, prev * days, 4)
    return K.div_round(cur - prev, prev, 4)


def evaluate(rule, values, days, prev_days):
    """values: kpi -> (cur canonical or None, prev canonical or None).  Returns (status or None,
    evidence)."""
    evidence, failed, unknown = [], False, False
    for kpi, op, threshold in rule["when"]:
        cur, prev = values[kpi]
        g = growth(kpi, cur, prev, days, prev_days)
        scale = K.KPIS[kpi]["scale"]
        evidence.append({"kpi": kpi,
                         "value": None if cur is None else K.fmt(cur, scale),
                         "previous": None if prev is None else K.fmt(prev, scale),
                         "days": days, "previous_days": prev_days,
                         # whether the growth is compared per day (additive KPI); the SPEC
                         # lists the member without its type, the binary prints a boolean
                         "per_day": additive(kpi),
                         "growth": None if g is None else K.fmt(g, 4)})
        if g is None:
            unknown = True
        elif not OPS[op](g, Decimal(threshold)):
            failed = True
    if failed:
        return None, evidence
    return ("insufficient_data" if unknown else "fired"), evidence


FIELDS = ("level", "owner", "label", "status")
EVIDENCE = ("kpi", "value", "previous", "days", "previous_days", "per_day", "growth")


def flag_key(f):
    return (f["office"], f["staff"], f["position"], f["department"], f["period"], f["rule"])


def compare(oracle, binary, skip):
    """Lines of differences and a summary; `skip`: keys "RULE:OFFICE:STAFF:PERIOD" (STAFF `-`
    for an office) left out on both sides (known disagreements, named in ci-check.sh)."""
    def kept(fs):
        return [f for f in fs if "%s:%s:%s:%s" % (f["rule"], f["office"], f["staff"] or "-",
                                                  f["period"]) not in skip]
    of, bf = kept(oracle["flags"]), kept(binary["flags"])
    lines = []
    if binary.get("format") != "outpost-diagnosis/2":
        lines.append("FORMAT outpost=%r" % binary.get("format"))
    ob = {flag_key(f): f for f in of}
    bb = {flag_key(f): f for f in bf}
    equal = 0
    for k in sorted(set(ob) | set(bb), key=lambda k: tuple("" if x is None else x for x in k)):
        if k not in bb:
            lines.append("ONLY-ORACLE %s %s" % (k, ob[k]["status"]))
            continue
        if k not in ob:
            lines.append("ONLY-OUTPOST %s %s" % (k, bb[k]["status"]))
            continue
        o, b = ob[k], bb[k]
        bad = ["%s oracle=%r outpost=%r" % (x, o.get(x), b.get(x)) for x in FIELDS if o.get(x) != b.get(x)]
        oe, be = o["evidence"], b.get("evidence") or []
        if len(oe) != len(be):
            bad.append("evidence: %d oracle, %d outpost" % (len(oe), len(be)))
        for x, y in zip(oe, be):
            for fld in EVIDENCE:
                if x.get(fld) != y.get(fld):
                    bad.append("%s.%s oracle=%r outpost=%r" % (x["kpi"], fld, x.get(fld), y.get(fld)))
        if bad:
            lines.append("DIFF %s: %s" % (k, "; ".join(bad)))
        else:
            equal += 1
    common = [flag_key(f) for f in bf if flag_key(f) in ob]
    if common != [flag_key(f) for f in of if flag_key(f) in bb]:
        lines.append("ORDER: the flags common to both sides are not in the same order")
    fired = sum(1 for f in of if f["status"] == "fired")
    summary = ("Diagnosis flags: %d in oracle (%d fired, %d insufficient_data; rules %s), %d in "
               "outpost, %d equal, %d skipped as known disagreements" % (
                   len(of), fired, len(of) - fired, ",".join(sorted({f["rule"] for f in of
                                                                      if f["status"] == "fired"})),
                   len(bf), equal, len(oracle["flags"]) - len(of)))
    return lines, summary


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data")
    ap.add_argument("--period", help="only this month")
    ap.add_argument("--office", action="append")
    ap.add_argument("--today", default="2027-01-01",
                    help="the repository's day (OUTPOST_NOW's date); months ending on or after it "
                    "are not diagnosed (default %(default)s)")
    ap.add_argument("--compact", action="store_true")
    ap.add_argument("--compare", metavar="FILE", help="compare with this `outpost kpi diagnose "
                    "--format json` output instead of printing the oracle's (exit 1 on any "
                    "difference)")
    ap.add_argument("--require-fired", action="append", default=[], metavar="PREFIX",
                    help="with --compare: also exit 1 when no rule whose id starts with PREFIX "
                    "fires (e.g. D, S)")
    ap.add_argument("--skip", action="append", default=[], metavar="RULE:OFFICE:STAFF:PERIOD",
                    help="with --compare: leave out this flag on both sides (a known disagreement; "
                    "STAFF '-' for an office rule)")
    ap.add_argument("--oracle", metavar="FILE", help="with --compare: the oracle's flags "
                    "written earlier by this script (same DATA and options) instead of computing "
                    "them again")
    args = ap.parse_args(argv)
    if args.oracle:
        with open(args.oracle, encoding="utf-8") as fh:
            return finish(args, json.load(fh)["flags"])

    warnings = []
    data = K.load_dataset(args.data, warnings)
    e = K.Engine(data)
    offices, months, _periods = K.grid(e, None, "month", args.office)
    months = [m for m in months if K.month_end(m) < args.today]
    staff = K.Staff(data["staff"], data["ad_accounts"])
    engines = K.people_engines(data, staff, "staff")
    empty = K.Engine(dict({c: [] for c in K.COLLECTIONS}, customers=data["customers"]))

    def canonical(engine, kpi, o, m):
        _r, c = K.compute_kpi(engine, kpi, o, m)
        return c

    # SPEC §9.9: an office's first month is the earliest month holding one of its rows in a
    # collection the rules' KPIs read (the measures' time fields): channel_daily (visits,
    # consultations), orders (deal_count), leads (leads), ad_daily (sem_*). No month before it
    # was computed, for the office nor for its people, whichever --period and --office.
    firsts = {}
    for coll, field in (("channel_daily", "date"), ("orders", "order_date"),
                        ("leads", "created_date"), ("ad_daily", "date")):
        for row in data.get(coll, []):
            office, day = row.get("office_id"), row.get(field)
            if office and day:
                firsts[office] = min(firsts.get(office, day[:7]), day[:7])

    flags = []
    for o in offices:
        office_flags, person_flags = [], []
        for i, m in enumerate(months):
            if args.period and m != args.period:
                continue
            pm = K.prev_month(m)
            computed = i > 0 and months[i - 1] == pm and pm >= firsts.get(o, "9999-99")
            for rule in RULES:
                if rule["level"] != "office":
                    continue
                values = {k: (canonical(e, k, o, m), canonical(e, k, o, pm)) for k, _op, _t in rule["when"]}
                status, ev = evaluate(rule, values, days_of_month(m), days_of_month(pm))
                if status == "fired" or (status == "insufficient_data" and computed):
                    office_flags.append((m, rule["id"], {
                        "rule": rule["id"], "label": rule["label"], "owner": rule["owner"],
                        "level": "office", "office": o, "period": m, "staff": None,
                        "position": None, "department": None, "status": status,
                        "evidence": ev}))
            for rule in RULES:
                if rule["level"] != "staff":
                    continue
                kpis = [k for k, _op, _t in rule["when"]]
                lines = set()
                prev_lines = set()
                for k in kpis:
                    lines |= set(K.people_lines(e, staff, k, o, m, "staff"))
                    if computed:
                        prev_lines |= set(K.people_lines(e, staff, k, o, pm, "staff"))
                for g in sorted((g for g in lines if g is not None), key=K.group_sort_key):
                    if rule["positions"] is not None and g[1] not in rule["positions"]:
                        continue
                    ge = engines.get(g) or empty
                    values = {k: (canonical(ge, k, o, m), canonical(ge, k, o, pm)) for k in kpis}
                    status, ev = evaluate(rule, values, line_days(staff, o, g, m),
                                          line_days(staff, o, g, pm))
                    if status == "fired" or (status == "insufficient_data" and g in prev_lines):
                        person_flags.append((g, m, rule["id"], {
                            "rule": rule["id"], "label": rule["label"], "owner": rule["owner"],
                            "level": "staff", "office": o, "period": m, "staff": g[0],
                            "position": g[1], "department": g[2], "status": status,
                            "evidence": ev}))
        flags += [f for _m, _r, f in sorted(office_flags, key=lambda x: (x[0], x[1]))]
        flags += [f for _g, _m, _r, f in sorted(person_flags,
                                                key=lambda x: (K.group_sort_key(x[0]), x[1], x[2]))]
    return finish(args, flags)


def finish(args, flags):
    out = {"format": "outpost-diagnosis/2", "flags": flags}
    if args.compare:
        with open(args.compare, encoding="utf-8") as fh:
            binary = json.load(fh)
        lines, summary = compare(out, binary, set(args.skip))
        fired = [f["rule"] for f in flags if f["status"] == "fired"]
        for x in args.require_fired:
            if not any(r.startswith(x) for r in fired):
                lines.append("COVERAGE: no %s rule fires in the oracle's flags" % x)
        for ln in lines:
            print(ln)
        print(summary)
        print("RESULT: %s" % ("DIFFERENCES FOUND" if lines else "all compared values agree"))
        return 1 if lines else 0
    json.dump(out, sys.stdout, sort_keys=True, ensure_ascii=False,
              indent=None if args.compact else 1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
