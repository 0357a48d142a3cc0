#!/usr/bin/env python3
"""Self-test of the oracle: rounding vectors and hand-computed values for testdata/.

The expected values below were worked out by hand from the CSVs in testdata/ (the arithmetic is
in the comments), not taken from the oracle's or Outpost's output.  Run: python3 selftest.py
"""

import io
import json
import os
import sys
from contextlib import redirect_stdout
from decimal import Decimal as D

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import kpi_oracle as K  # noqa: E402

fails = 0


def check(label, got, want):
    global fails
    if got != want:
        fails += 1
        print("FAIL %s: got %r, want %r" % (label, got, want))


# --- rounding: half-up (away from zero), once, exact (catalog §6.3/§6.5, §4.4 examples) ----
for n, d, s, want in [
        ("618", "12347", 4, "0.0501"),          # Example 1
        ("18452.37", "618", 2, "29.86"),        # Example 2a
        ("32666.75", "182340.50", 4, "0.1792"), # Example 3: (215007.25-182340.50)/182340.50
        ("2.345", "1", 2, "2.35"), ("-2.345", "1", 2, "-2.35"),
        ("0.125", "1", 2, "0.13"), ("-0.125", "1", 2, "-0.13"),
        ("-0.001", "1", 2, "0.00"),             # no negative zero
        ("1", "3", 4, "0.3333"), ("2", "3", 4, "0.6667"), ("1", "7", 4, "0.1429"),
        ("200.01", "2", 2, "100.01"), ("1", "32", 4, "0.0313"), ("1480", "1", 0, "1480")]:
    check("round %s/%s@%d" % (n, d, s), K.fmt(K.div_round(D(n), D(d), s), s), want)

# Example 4 attainments
check("ex4 net", K.attainment("ratio", D("215007.25"), D("200000.00")), D("1.0750"))
check("ex4 acpc", K.attainment("reduction", D("29.86"), D("35.00")), D("1.1469"))
check("ex4 return", K.attainment("reduction", D("0.0376"), D("0.0300")), D("0.7467"))
check("ex4 collection", K.attainment("ratio", D("0.9269"), D("0.9500")), D("0.9757"))

# --- testdata ------------------------------------------------------------------------------
buf = io.StringIO()
with redirect_stdout(buf):
    K.main([os.path.join(HERE, "testdata"), "--compact"])
out = json.loads(buf.getvalue())
V = {(v["kpi"], v["office"], v["period"]): v for v in out["values"]}
S = {(s["office"], s["period"]): s for s in out["scorecards"]}


def val(k, o, p, want, reason=None, flags=None):
    v = V[(k, o, p)]
    check("%s %s %s value" % (k, o, p), v["value"], want)
    check("%s %s %s reason" % (k, o, p), v["undefined_reason"], reason)
    if flags is not None:
        check("%s %s %s flags" % (k, o, p), v["flags"], flags)


check("months", out["months"], ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05"])  # invoice due 2025-05
# north 2025-01 channel_daily: sem 300+347, seo 300, social 240 clicks
val("clicks", "north", "2025-01", "1187")
val("clicks", "north", "2025-03", None, "no_data")        # only an agent row: all clicks null (R2)
val("clicks", "north", "2025-04", "0")                    # no rows: sum over no rows is 0 (R3)
val("ctr", "north", "2025-01", "0.0165")                  # 1187 / (10000+12000+20000+30000)
val("cpc", "north", "2025-01", "1.54")                    # (450+531.25+380.40) / (300+347+240)
val("cpc", "west", "2025-04", None, "zero_denominator", ["spend_without_clicks"])
val("avg_cost_per_conversation", "north", "2025-01", "37.82")   # 1361.65 / 36
val("avg_cost_per_conversation", "west", "2025-02", None, "zero_denominator",
    ["spend_without_conversations"])                      # 7356.42 spend, 0 paid consultations
val("consultation_rate", "north", "2025-01", "0.0379")    # (15+16+9+5)/1187 (email/direct/agent excluded)
val("consultation_rate", "west", "2025-02", "0.0100")     # (0+0+2)/200
val("consultation_rate", "north", "2025-03", None, "no_data")
val("follower_growth", "west", "2025-02", "-1860")        # 3140 - 5000
val("follower_growth", "north", "2025-02", "30")          # (1150+480+0) - (1100+500)
val("follower_growth", "north", "2025-01", None, "no_data")
val("indexed_pages", "north", "2025-01", "1550")          # baidu last 1250 + so360 300
val("indexed_pages", "north", "2025-02", None, "no_data") # no snapshot, not carried forward
val("qualified_leads", "north", "2025-01", "2")           # n-l1, n-l4
val("deal_count", "north", "2025-01", "3")                # n-o4 cancelled
val("deal_amount", "north", "2025-01", "12200.01")
val("net_revenue", "north", "2025-02", "-11950.00")       # 100.00 - (12000.00 + 50.00)
val("sales_growth_mom", "north", "2025-02", "-1.9795")    # (-11950 - 12200.01) / 12200.01
val("sales_growth_mom", "north", "2025-03", None, "nonpositive_base")
val("sales_growth_mom", "north", "2025-01", None, "nonpositive_base")  # 2024-12 net = 0
val("conversion_rate", "north", "2025-01", "0.0014")      # 2 web deals / (280+320+290+200+90+233)
val("conversion_rate", "west", "2025-03", "0.0313")       # 2 / 64 = 0.03125 (tie, half-up)
val("aov", "west", "2025-03", "100.01")                   # 200.01 / 2 = 100.005 (tie)
val("aov", "north", "2025-01", "4066.67")                 # 12200.01 / 3
val("new_customers", "north", "2025-01", "3")
val("return_rate", "north", "2025-02", "0.6667")          # 2 returns / 3 deals (event date, R7)
val("complaint_rate", "north", "2025-01", "0.3333")
val("collection_rate", "north", "2025-02", "0.9174")      # (6000+5000+100.01)/(12000+100.01)
val("collection_rate", "west", "2025-03", "0.9500")       # (9000+500)/10000
val("collection_rate", "north", "2025-01", None, "zero_denominator")

# scorecard north 2025-01: net 12200.01/150.00 (v2) -> cap 1.20; consult 57/30 -> 1.20;
# acpc 2 - 37.82/35 = 0.9194; return 2 - 0 -> 1.20; collection undefined -> 0
# 0.30*1.2 + 0.20*1.2 + 0.20*0.9194 + 0.15*1.2 + 0 = 0.96388 -> 96.39
check("scorecard north 2025-01", S[("north", "2025-01")]["total"], "96.39")
check("scorecard west 2025-04", S[("west", "2025-04")]["undefined_reason"], "missing_target")

print("selftest: %s" % ("OK" if not fails else "%d failure(s)" % fails))
sys.exit(1 if fails else 0)
