#!/usr/bin/env python3
"""Build Outpost repositories from a CSV dataset and dump the binary's KPI/scorecard JSON.

Usage:
    run_outpost.py DATA_DIR OUT_DIR [--outpost BIN] [--now TIMESTAMP] [--no-branches]
                   [--by-channel] [--by-people] [--no-scorecards] [--grain G[,G...]]
                   [--grain-by B[,B...]] [--diagnose]

Creates, under OUT_DIR/repos/:
  hq/       a head-office repository holding every office's rows plus DATA/hq/*.csv
  <office>/ one branch repository per office folder holding that office's files
and writes:
  OUT_DIR/kpi-hq.json              `outpost kpi --format json` in hq
  OUT_DIR/kpi-<office>.json        `outpost kpi --format json` in each branch repository
  OUT_DIR/diagnose-hq.json         `outpost kpi diagnose --format json` in hq (--diagnose)
  OUT_DIR/kpi-by-channel-hq.json   `outpost kpi --by channel --format json` in hq (--by-channel)
  OUT_DIR/kpi-by-channel-<office>.json  the same in each branch repository (--by-channel)
  OUT_DIR/kpi-by-{staff,position,department}-hq.json  `outpost kpi --by staff|position|department
                                   --format json` in hq (--by-people)
  OUT_DIR/kpi-by-{staff,position,department}-<office>.json  the same in each branch (--by-people)
  OUT_DIR/kpi-<G>-hq.json          `outpost kpi --grain G --kpi admin_assessment ... --kpi
                                   content_quality --format json` in hq (--grain G: quarter, year;
                                   the office's ratings, the KPIs the oracle covers at that grain)
  OUT_DIR/kpi-<G>-by-<B>-hq.json   `outpost kpi --grain G --by B --format json` in hq, for each
                                   B of --grain-by (default staff,position,department)
  OUT_DIR/scorecard-<period>.json  `outpost scorecard --period P --format json` in hq,
                                   for every month of the hq KPI output
  OUT_DIR/scorecard-people-<period>.json  `outpost scorecard --id online_sales_monthly --period P
                                   --rank --format json` in hq, for every month of the hq KPI
                                   output (--people-scorecards; --people-months M,M,... for some)
  OUT_DIR/scorecard-people-<id>-<period>.json  `outpost scorecard --id ID --period P --rank
                                   --definitions FILE --format json` in hq, for each
                                   --people-scorecard ID=P[,P...] of --definitions FILE
Standard library only.  OUT_DIR must not exist yet (nothing is ever deleted).
"""

import argparse
import json
import os
import subprocess
import sys

# `ad_accounts` after `staff` (an account's owner needs an assignment in the office on
# active_from), `ad_daily` after `ad_accounts` (a row needs its account's record active that day),
# `tasks` after `staff` (SPEC.md §2.8)
ORDER = ["staff", "ad_accounts", "ad_daily", "tasks", "channel_daily", "index_snapshots", "social_daily", "leads", "customers", "orders",
         "returns", "invoices", "payments", "complaints", "survey_responses", "costs",
         "offices", "channels", "targets", "qualitative_ratings"]
# head-office collections: imported into hq only (a branch may not write them, SPEC §2.4 / exit
# 77); `qualitative_ratings` is head-owned per `outpost collections` (SPEC §9.4 "head office's
# ratings") although each row names an office
# the people breakdowns (`outpost kpi --by ...`); `staff` is office-owned (each office folder
# holds its own assignments): imported into hq and into the office's branch like the others
PEOPLE = ["staff", "position", "department"]
HEAD_ONLY = {"targets", "offices", "channels", "resolutions", "resolution_rules",
             "qualitative_ratings"}
# imported into hq after every office's files: a `staff` target, and a rating of a person
# (`subject`), must name someone with an assignment in that office (SPEC.md §2.7)
HQ_LATER = ["targets", "qualitative_ratings"]
# the KPIs `kpi --grain quarter|year` is asked for at office level (kpi_oracle.py covers the
# office's ratings at those grains)
RATING_KPIS = ["admin_assessment", "team_building", "professional_skill", "dealer_management",
               "content_quality"]


def run(cmd, env, out=None):
    res = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if res.returncode != 0:
        sys.stderr.write("command failed (%d): %s\n%s%s" % (
            res.returncode, " ".join(cmd), res.stdout.decode(), res.stderr.decode()))
        raise SystemExit(1)
    if out:
        with open(out, "wb") as fh:
            fh.write(res.stdout)
    return res.stdout


def files_of(folder):
    names = [n[:-4] for n in os.listdir(folder) if n.endswith(".csv")]
    known = [c for c in ORDER if c in names]
    return known + sorted(n for n in names if n not in ORDER)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("out")
    ap.add_argument("--outpost", default="outpost", help="the outpost binary (default: on PATH)")
    ap.add_argument("--now", default="2027-01-01T00:00:00+08:00",
                    help="OUTPOST_NOW (after the data, so no period is open)")
    ap.add_argument("--no-branches", action="store_true")
    ap.add_argument("--by-channel", action="store_true",
                    help="also write kpi-by-channel-hq.json (`outpost kpi --by channel` in hq) "
                    "and kpi-by-channel-<office>.json in each branch")
    ap.add_argument("--by-people", action="store_true",
                    help="also write kpi-by-staff-hq.json, kpi-by-position-hq.json and "
                    "kpi-by-department-hq.json (`outpost kpi --by staff|position|department`) "
                    "in hq, and the same per branch")
    ap.add_argument("--no-scorecards", action="store_true")
    ap.add_argument("--diagnose", action="store_true",
                    help="also write diagnose-hq.json (`outpost kpi diagnose --format json` in hq: "
                    "every office, every month that ended before OUTPOST_NOW)")
    ap.add_argument("--grain", metavar="G[,G...]", default="",
                    help="also write kpi-G-hq.json (`outpost kpi --grain G --kpi <the five "
                    "rating KPIs>`) and kpi-G-by-B-hq.json (`outpost kpi --grain G --by B`) in hq "
                    "for each grain G (quarter, year)")
    ap.add_argument("--grain-by", metavar="B[,B...]", default="staff,position,department",
                    help="with --grain: the people breakdowns (default %(default)s; `none`: "
                    "office level only)")
    ap.add_argument("--people-scorecards", action="store_true",
                    help="also write scorecard-people-<period>.json (`outpost scorecard --id "
                    "online_sales_monthly --period P --rank`) in hq for every month")
    ap.add_argument("--people-months", metavar="M,M,...",
                    help="with --people-scorecards: only these months")
    ap.add_argument("--definitions", metavar="FILE",
                    help="definitions file for --people-scorecard (passed to the binary with "
                    "--definitions)")
    ap.add_argument("--people-scorecard", action="append", default=[], metavar="ID=P[,P...]",
                    help="also write scorecard-people-ID-P.json (`outpost scorecard --id ID "
                    "--period P --rank --definitions FILE`) in hq (repeatable)")
    args = ap.parse_args()
    if args.people_scorecard and not args.definitions:
        ap.error("--people-scorecard needs --definitions")
    env = dict(os.environ, OUTPOST_NOW=args.now)
    B = args.outpost
    os.makedirs(args.out)
    repos = os.path.join(args.out, "repos")
    os.makedirs(repos)
    folders = sorted(d for d in os.listdir(args.data) if os.path.isdir(os.path.join(args.data, d)))
    head = "hq"
    hq = os.path.join(repos, head)
    run([B, "init", "--office", head, "--head", "--repo", hq], env)
    # Head office takes records only of the offices it enrolled (SPEC.md §2.7).
    keys = os.path.join(args.out, "keys")
    os.makedirs(keys)
    for folder in folders:
        if folder != head:
            run([B, "office", "add", folder, "--key-out", os.path.join(keys, folder + ".key"),
                 "--repo", hq], env)
    # `targets` and `qualitative_ratings` last: a `staff` target and a rating of a person must
    # name someone with an assignment in that office (SPEC.md §2.7), so every office's `staff`
    # comes first
    later = []
    for folder in folders:
        for coll in files_of(os.path.join(args.data, folder)):
            path = os.path.join(args.data, folder, coll + ".csv")
            if coll in HQ_LATER:
                later.append((HQ_LATER.index(coll), coll, path))
                continue
            run([B, "import", coll, path, "--repo", hq], env)
    for _i, coll, path in sorted(later):
        run([B, "import", coll, path, "--repo", hq], env)
    run([B, "kpi", "--format", "json", "--repo", hq], env, os.path.join(args.out, "kpi-hq.json"))
    with open(os.path.join(args.out, "kpi-hq.json")) as fh:
        periods = sorted({v["period"] for v in json.load(fh)["values"]})
    if args.diagnose:
        run([B, "kpi", "diagnose", "--format", "json", "--repo", hq], env,
            os.path.join(args.out, "diagnose-hq.json"))
    if args.by_channel:
        run([B, "kpi", "--by", "channel", "--format", "json", "--repo", hq], env,
            os.path.join(args.out, "kpi-by-channel-hq.json"))
    for by in (PEOPLE if args.by_people else []):
        run([B, "kpi", "--by", by, "--format", "json", "--repo", hq], env,
            os.path.join(args.out, "kpi-by-%s-hq.json" % by))
    for grain in [g for g in args.grain.split(",") if g]:
        run([B, "kpi", "--grain", grain] + [x for k in RATING_KPIS for x in ("--kpi", k)]
            + ["--format", "json", "--repo", hq], env,
            os.path.join(args.out, "kpi-%s-hq.json" % grain))
        for by in [b for b in args.grain_by.split(",") if b and b != "none"]:
            run([B, "kpi", "--grain", grain, "--by", by, "--format", "json", "--repo", hq], env,
                os.path.join(args.out, "kpi-%s-by-%s-hq.json" % (grain, by)))
    for p in ([] if args.no_scorecards else periods):
        run([B, "scorecard", "--period", p, "--format", "json", "--repo", hq], env,
            os.path.join(args.out, "scorecard-%s.json" % p))
    if args.people_scorecards:
        months = args.people_months.split(",") if args.people_months else periods
        for p in months:
            run([B, "scorecard", "--id", "online_sales_monthly", "--period", p, "--rank",
                 "--format", "json", "--repo", hq], env,
                os.path.join(args.out, "scorecard-people-%s.json" % p))
    for spec in args.people_scorecard:
        sid, _, plist = spec.partition("=")
        for p in plist.split(","):
            run([B, "scorecard", "--id", sid, "--period", p, "--rank", "--definitions",
                 os.path.abspath(args.definitions), "--format", "json", "--repo", hq], env,
                os.path.join(args.out, "scorecard-people-%s-%s.json" % (sid, p)))
    if not args.no_branches:
        for folder in folders:
            if folder == head:
                continue
            repo = os.path.join(repos, folder)
            run([B, "init", "--office", folder, "--repo", repo], env)
            for coll in files_of(os.path.join(args.data, folder)):
                if coll in HEAD_ONLY:
                    continue
                run([B, "import", coll, os.path.join(args.data, folder, coll + ".csv"),
                     "--repo", repo], env)
            run([B, "kpi", "--format", "json", "--repo", repo], env,
                os.path.join(args.out, "kpi-%s.json" % folder))
            if args.by_channel:
                run([B, "kpi", "--by", "channel", "--format", "json", "--repo", repo], env,
                    os.path.join(args.out, "kpi-by-channel-%s.json" % folder))
            for by in (PEOPLE if args.by_people else []):
                run([B, "kpi", "--by", by, "--format", "json", "--repo", repo], env,
                    os.path.join(args.out, "kpi-by-%s-%s.json" % (by, folder)))
    print("wrote %s (periods %s..%s)" % (args.out, periods[0] if periods else "-",
                                         periods[-1] if periods else "-"))


if __name__ == "__main__":
    main()
