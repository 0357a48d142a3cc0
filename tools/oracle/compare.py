#!/usr/bin/env python3
"""Compare the oracle's output with Outpost's JSON output.

Usage:
    compare.py ORACLE.json [--kpi OUTPOST_KPI.json]... [--scorecard OUTPOST_SCORECARD.json]...
               [--office ID]... [--flags] [--bands] [--people-scorecard FILE
             an `outpost scorecard --id ID --period P --rank --format json` file of a position or
             department scorecard (outpost-scorecard/1, `level` position|department); repeatable.
             Compared with the oracle's `people_scorecards` (kpi_oracle.py --people-scorecards)
             of the same scorecard and period.
--allow-uncovered ID]... [--max N]

--kpi        an `outpost kpi --format json` file (format outpost-kpi/1); repeatable, the values
             of all files are pooled (e.g. one file per branch repository).
--scorecard  an `outpost scorecard --period P --format json` file (outpost-scorecard/1);
             repeatable, one per period.
--office     restrict both sides to these offices.
--flags      also compare the `flags` lists of KPI values.
--bands      also compare scorecard bands (the built-in A>=100, B>=90, C>=80, D; docs/kpis.md §6).
--allow-uncovered ID
             a KPI Outpost prints that the oracle does not cover is not a difference
             (repeatable).  Without it, each such KPI is one "UNCOVERED kpi ID" line and counts
             as a difference.

KPI values are compared per (kpi, office, period, channel, staff, position, department) -- a
member a value does not carry counts as None -- for the KPIs the oracle covers (its "kpis" list;
office totals, channel rows and each people breakdown separately: channel rows are covered only
if the oracle output has them, kpi_oracle.py --by channel, and the lines of `--by staff`,
`--by position`, `--by department` only if the oracle output is of that breakdown).  A value's
breakdown is told by its members: `channel` (not null) -> channel; `staff` -> staff; `position`
-> position; `department` -> department; none -> office.  A KPI Outpost prints that the oracle
does not cover is a difference (UNCOVERED, once per KPI id) unless --allow-uncovered names it.
A difference is: value text differs, undefined_reason differs, unit or scale differs, the key
is present on one side only, or an Outpost file lists the keys both sides have in another order
than the oracle (ORDER, once per file).  For scorecards: per (office, period) the total and
undefined_reason, and per item the actual, target, attainment and score (numerically).
People scorecards: per (scorecard, office, period, staff, position, department) the total,
undefined_reason, band, bonus (numerically), hard_failures (the list, in order), rank,
rank_in_office, and per item (in order) the kpi, weight, actual, target, attainment, score
(numerically), note and excluded; a result on one side only; and the order of the results in
each file (ORDER: the oracle's --rank order).
Exit status: 1 if anything differs, 0 otherwise (2 on usage/input errors).
"""

import argparse
import json
import sys
from decimal import Decimal, InvalidOperation


def load(path):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as exc:
        print("error: cannot read %s: %s" % (path, exc), file=sys.stderr)
        sys.exit(2)


def values_of(doc):
    if isinstance(doc, list):
        return doc
    return doc.get("values", [])


PEOPLE = ("staff", "position", "department")


def kind_of(v):
    """The breakdown a value belongs to, from the members it carries."""
    if v.get("channel") is not None:
        return "channel"
    for m in PEOPLE:
        if m in v:
            return m
    return "office"


def key_of(v):
    """(kind, kpi, office, period, channel, staff, position, department); absent = None."""
    return (kind_of(v), v["kpi"], v["office"], v["period"], v.get("channel"),
            v.get("staff"), v.get("position"), v.get("department"))


def sort_key(key):
    """Keys in output order; a None member (the unattributed line) after the named ones."""
    return tuple((1, "") if x is None else (0, x) for x in key)


def tag_of(key):
    kind, kpi, office, period, channel = key[:5]
    parts = [kpi, office, period]
    if kind == "channel":
        parts.append(channel)
    elif kind != "office":
        members = [x for x, m in zip(key[5:], PEOPLE) if kind == "staff" or m == kind]
        if all(x is None for x in members):
            parts.append("(unattributed)")
        else:
            parts.extend("-" if x is None else x for x in members)
    return " ".join(parts)


def num_eq(a, b):
    if a is None or b is None:
        return a is None and b is None
    try:
        return Decimal(str(a)) == Decimal(str(b))
    except InvalidOperation:
        return str(a) == str(b)


PS_FIELDS = ("total", "undefined_reason", "band", "bonus", "hard_failures", "rank",
             "rank_in_office")
PS_ITEM_FIELDS = ("kpi", "weight", "actual", "target", "attainment", "score", "note", "excluded")
PS_NUMERIC = {"total", "bonus", "weight", "actual", "target", "attainment", "score"}


def ps_key(scorecard, period, r):
    return (scorecard, r["office"], period, r.get("staff"), r.get("position"), r.get("department"))


def ps_tag(key):
    return " ".join(str(x) for x in key if x is not None)


def compare_people_scorecards(oracle, paths, keep, bands, lines):
    """Position and department scorecard results (SPEC §9.5, §9.6): returns (number of
    differences, summary line); appends one line per difference to `lines`."""
    if not isinstance(oracle, dict) or "people_scorecards" not in oracle:
        print("error: the oracle output has no people_scorecards (kpi_oracle.py "
              "--people-scorecards)", file=sys.stderr)
        sys.exit(2)
    ors = {}
    oorder = {}
    for r in oracle["people_scorecards"]:
        if keep(r["office"]):
            k = ps_key(r["scorecard"], r["period"], r)
            ors[k] = r
            oorder.setdefault((r["scorecard"], r["period"]), []).append(k)
    bres = {}
    border = {}
    for path in paths:
        doc = load(path)
        if doc.get("format") != "outpost-scorecard/1":
            print("warning: %s has format %r" % (path, doc.get("format")), file=sys.stderr)
        sid, p = doc.get("scorecard"), doc.get("period")
        if doc.get("level") not in ("position", "department"):
            lines.append("PS LEVEL %s: level %r is not a people level" % (path, doc.get("level")))
        seq = border.setdefault((sid, p), [])
        for r in doc.get("results", []):
            if keep(r["office"]):
                k = ps_key(sid, p, r)
                if k in bres:
                    lines.append("PS DUP %s: listed twice" % ps_tag(k))
                bres[k] = r
                seq.append(k)
    n_bad = compared = same = only_o = only_b = item_diffs = order_bad = 0
    for k in sorted(k for k in set(ors) | set(bres) if (k[0], k[2]) in border):
        o, b = ors.get(k), bres.get(k)
        if o is None:
            only_b += 1
            lines.append("PS ONLY-OUTPOST %s: total=%s reason=%s" % (ps_tag(k), b.get("total"),
                                                                    b.get("undefined_reason")))
            continue
        if b is None:
            only_o += 1
            lines.append("PS ONLY-ORACLE  %s: total=%s reason=%s" % (ps_tag(k), o.get("total"),
                                                                    o.get("undefined_reason")))
            continue
        compared += 1
        bad = []
        for fld in PS_FIELDS:
            if fld not in b:
                bad.append("%s missing in outpost" % fld)
            elif not (num_eq(o.get(fld), b.get(fld)) if fld in PS_NUMERIC else o.get(fld) == b.get(fld)):
                bad.append("%s oracle=%s outpost=%s" % (fld, o.get(fld), b.get(fld)))
        oi, bi = o.get("items", []), b.get("items", [])
        if len(oi) != len(bi):
            bad.append("items oracle=%d outpost=%d" % (len(oi), len(bi)))
            item_diffs += 1
        for x, y in zip(oi, bi):
            for fld in PS_ITEM_FIELDS:
                eq = num_eq(x.get(fld), y.get(fld)) if fld in PS_NUMERIC else x.get(fld) == y.get(fld)
                if not eq:
                    bad.append("%s.%s oracle=%s outpost=%s" % (x.get("kpi"), fld, x.get(fld), y.get(fld)))
                    item_diffs += 1
        if bad:
            lines.append("PS DIFF %s: %s" % (ps_tag(k), "; ".join(bad)))
        else:
            same += 1
    # order: in each file, the results both sides have come in the oracle's (--rank) order
    for sp, seq in sorted(border.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1]))):
        want = [k for k in oorder.get(sp, []) if k in bres]
        got = [k for k in seq if k in ors]
        if want != got:
            order_bad += 1
            i = next(i for i, (x, y) in enumerate(zip(want + [None], got + [None])) if x != y)
            def short(k):
                return ps_tag(k[1:2] + k[3:])       # office staff position department
            lines.append("PS ORDER %s %s: result %d is %s, the oracle lists %s" % (
                sp[0], sp[1], i + 1, short(got[i]) if i < len(got) else "-",
                short(want[i]) if i < len(want) else "-"))
    n_bad = (compared - same) + only_o + only_b + order_bad
    summary = ("People scorecards: %d file(s), %d result(s) compared, %d equal, %d differ "
               "(%d item-field differences), %d only in oracle, %d only in outpost, %d file(s) "
               "out of order" % (len(paths), compared, same, compared - same, item_diffs, only_o,
                                 only_b, order_bad))
    return n_bad, summary


def main(argv=None):
    ap = argparse.ArgumentParser(description="compare oracle output with outpost output")
    ap.add_argument("oracle")
    ap.add_argument("--kpi", action="append", default=[])
    ap.add_argument("--scorecard", action="append", default=[])
    ap.add_argument("--people-scorecard", action="append", default=[], metavar="FILE",
                    help="an `outpost scorecard --rank --format json` file of a position or "
                    "department scorecard (repeatable)")
    ap.add_argument("--office", action="append")
    ap.add_argument("--flags", action="store_true")
    ap.add_argument("--bands", action="store_true", help="also compare scorecard bands "
                    "(docs/kpis.md §6; not pinned by SPEC)")
    ap.add_argument("--allow-uncovered", action="append", default=[], metavar="ID",
                    help="do not count this KPI as a difference when Outpost prints it and the "
                    "oracle does not cover it (repeatable)")
    ap.add_argument("--max", type=int, default=0, help="print at most N mismatch lines per kind (0 = all)")
    args = ap.parse_args(argv)
    if not args.kpi and not args.scorecard and not args.people_scorecard:
        ap.error("give --kpi, --scorecard and/or --people-scorecard")

    oracle = load(args.oracle)
    offices = set(args.office) if args.office else None

    def keep(office):
        return offices is None or office in offices

    differ = 0
    lines = []

    # ---- KPI values ------------------------------------------------------
    if args.kpi:
        ov = {}
        rank = {}               # key -> position in the oracle's output (the contract's order)
        for v in values_of(oracle):
            if keep(v["office"]):
                ov[key_of(v)] = v
                rank.setdefault(key_of(v), len(rank))
        order_bad = 0
        # KPIs covered, separately per breakdown (office totals, channel rows, each people
        # breakdown): the oracle's "kpis" list (so a covered KPI with no value in the oracle's
        # grid is still covered), else the KPIs of its values
        if isinstance(oracle, dict) and oracle.get("kpis") is not None:
            by = oracle.get("by") or "office"
            covered = {(k, by) for k in oracle["kpis"]}
        else:
            covered = set()
        covered |= {(k[1], k[0]) for k in ov}
        allowed = set(args.allow_uncovered)
        uncovered = {}          # kpi id -> number of Outpost values (not compared)
        bv = {}
        dup_conflicts = 0
        for path in args.kpi:
            doc = load(path)
            if isinstance(doc, dict) and doc.get("format") not in (None, "outpost-kpi/1"):
                print("warning: %s has format %r" % (path, doc.get("format")), file=sys.stderr)
            # order: the keys both sides have must come in the oracle's order (KPI, office,
            # period, then channel or group, the unattributed line last); one line per file
            prev = None
            for v in values_of(doc):
                if not keep(v["office"]) or key_of(v) not in rank:
                    continue
                if prev is not None and rank[key_of(v)] < rank[prev]:
                    order_bad += 1
                    lines.append("ORDER %s: %s comes after %s (the oracle lists it before)" % (
                        path, tag_of(key_of(v)), tag_of(prev)))
                    break
                prev = key_of(v)
            for v in values_of(doc):
                if not keep(v["office"]):
                    continue
                key = key_of(v)
                if (v["kpi"], key[0]) not in covered:
                    if v["kpi"] not in allowed:
                        uncovered[v["kpi"]] = uncovered.get(v["kpi"], 0) + 1
                    continue
                if key in bv and (bv[key].get("value"), bv[key].get("undefined_reason")) != (
                        v.get("value"), v.get("undefined_reason")):
                    dup_conflicts += 1
                    lines.append("DUP  %s: the outpost files disagree: %r vs %r" % (
                        tag_of(key), bv[key].get("value"), v.get("value")))
                bv[key] = v
        compared = same = 0
        kinds = {"value": 0, "reason": 0, "only_oracle": 0, "only_outpost": 0, "flags": 0,
                 "unit_scale": 0}
        per_kpi = {}
        for key in sorted(set(ov) | set(bv), key=sort_key):
            o, b = ov.get(key), bv.get(key)
            tag = tag_of(key)
            if o is None:
                kinds["only_outpost"] += 1
                lines.append("ONLY-OUTPOST %s: value=%s reason=%s" % (tag, b.get("value"), b.get("undefined_reason")))
                per_kpi[key[1]] = per_kpi.get(key[1], 0) + 1
                continue
            if b is None:
                kinds["only_oracle"] += 1
                lines.append("ONLY-ORACLE  %s: value=%s reason=%s" % (tag, o.get("value"), o.get("undefined_reason")))
                per_kpi[key[1]] = per_kpi.get(key[1], 0) + 1
                continue
            compared += 1
            bad = []
            if o.get("value") != b.get("value"):
                kinds["value"] += 1
                extra = " (numerically equal: formatting)" if num_eq(o.get("value"), b.get("value")) else ""
                bad.append("value oracle=%s outpost=%s%s" % (o.get("value"), b.get("value"), extra))
            if o.get("undefined_reason") != b.get("undefined_reason"):
                kinds["reason"] += 1
                bad.append("reason oracle=%s outpost=%s" % (o.get("undefined_reason"), b.get("undefined_reason")))
            for fld in ("unit", "scale"):
                if fld in o and fld in b and o[fld] != b[fld]:
                    kinds["unit_scale"] += 1
                    bad.append("%s oracle=%s outpost=%s" % (fld, o[fld], b[fld]))
            if args.flags and sorted(o.get("flags") or []) != sorted(b.get("flags") or []):
                kinds["flags"] += 1
                bad.append("flags oracle=%s outpost=%s" % (o.get("flags"), b.get("flags")))
            if bad:
                nd = ""
                if "numerator" in o or "numerator" in b:
                    nd = " [oracle %s/%s, outpost %s/%s]" % (o.get("numerator"), o.get("denominator"),
                                                          b.get("numerator"), b.get("denominator"))
                lines.append("DIFF %s: %s%s" % (tag, "; ".join(bad), nd))
                per_kpi[key[1]] = per_kpi.get(key[1], 0) + 1
            else:
                same += 1
        for k in sorted(uncovered):
            lines.append("UNCOVERED kpi %s: Outpost prints %d value(s), the oracle does not cover "
                         "it (allow with --allow-uncovered %s)" % (k, uncovered[k], k))
        n_bad = sum(kinds.values()) + dup_conflicts + len(uncovered) + order_bad
        if n_bad:
            differ = 1
        kpi_summary = ("KPI values: %d KPIs, %d keys compared, %d equal, %d differ "
                       "(value %d, reason %d, unit/scale %d%s), %d only in oracle, %d only in outpost, "
                       "%d KPI(s) uncovered%s%s" % (
                           len({k for k, _c in covered}), compared, same, compared - same, kinds["value"],
                           kinds["reason"], kinds["unit_scale"],
                           (", flags %d" % kinds["flags"]) if args.flags else "",
                           kinds["only_oracle"], kinds["only_outpost"], len(uncovered),
                           (" (%d allowed)" % len(allowed)) if allowed else "",
                           (", %d file(s) out of order" % order_bad) if order_bad else ""))
        if per_kpi:
            kpi_summary += "\n  by KPI: " + ", ".join("%s %d" % kv for kv in sorted(per_kpi.items()))
    else:
        kpi_summary = None

    # ---- scorecards ------------------------------------------------------
    sc_summary = None
    if args.scorecard:
        osc = {}
        for s in oracle.get("scorecards", []):
            if keep(s["office"]):
                osc[(s["office"], s["period"])] = s
        bsc = {}
        periods = set()
        for path in args.scorecard:
            doc = load(path)
            p = doc.get("period")
            periods.add(p)
            for r in doc.get("results", []):
                if keep(r["office"]):
                    bsc[(r["office"], p)] = r
        compared = same = only_o = only_b = item_diffs = 0
        for key in sorted(k for k in set(osc) | set(bsc) if k[1] in periods):
            o, b = osc.get(key), bsc.get(key)
            tag = "%s %s" % key
            if o is None:
                only_b += 1
                lines.append("SC ONLY-OUTPOST %s: total=%s" % (tag, b.get("total")))
                continue
            if b is None:
                only_o += 1
                lines.append("SC ONLY-ORACLE  %s: total=%s reason=%s" % (tag, o.get("total"), o.get("undefined_reason")))
                continue
            compared += 1
            bad = []
            if o.get("total") != b.get("total"):
                bad.append("total oracle=%s outpost=%s" % (o.get("total"), b.get("total")))
            if o.get("undefined_reason") != b.get("undefined_reason"):
                bad.append("reason oracle=%s outpost=%s" % (o.get("undefined_reason"), b.get("undefined_reason")))
            if args.bands and o.get("band") != b.get("band"):
                bad.append("band oracle=%s outpost=%s" % (o.get("band"), b.get("band")))
            bitems = {i.get("kpi"): i for i in b.get("items", [])}
            for oi in o.get("items", []):
                bi = bitems.get(oi["kpi"])
                if bi is None:
                    bad.append("item %s missing in outpost" % oi["kpi"])
                    item_diffs += 1
                    continue
                for fld in ("actual", "target", "attainment", "score"):
                    if not num_eq(oi.get(fld), bi.get(fld)):
                        bad.append("%s.%s oracle=%s outpost=%s" % (oi["kpi"], fld, oi.get(fld), bi.get(fld)))
                        item_diffs += 1
            if bad:
                lines.append("SC DIFF %s: %s" % (tag, "; ".join(bad)))
            else:
                same += 1
        if compared - same or only_o or only_b:
            differ = 1
        sc_summary = ("Scorecards: %d periods, %d (office, period) compared, %d equal, %d differ "
                      "(%d item-field differences), %d only in oracle, %d only in outpost" % (
                          len(periods), compared, same, compared - same, item_diffs, only_o, only_b))

    # ---- people and department scorecards -----------------------------------
    ps_summary = None
    if args.people_scorecard:
        n_diff, ps_summary = compare_people_scorecards(oracle, args.people_scorecard, keep,
                                                       args.bands, lines)
        if n_diff:
            differ = 1

    shown = lines if not args.max else lines[:args.max]
    for ln in shown:
        print(ln)
    if args.max and len(lines) > args.max:
        print("... %d more" % (len(lines) - args.max))
    if kpi_summary:
        print(kpi_summary)
    if sc_summary:
        print(sc_summary)
    if ps_summary:
        print(ps_summary)
    print("RESULT: %s" % ("DIFFERENCES FOUND" if differ else "all compared values agree"))
    return differ


if __name__ == "__main__":
    sys.exit(main())
