#!/usr/bin/env python3
"""Self-test of the oracle: rounding vectors and hand-computed values for testdata/.

The expected values below were worked out by hand from the CSVs in testdata/ (the arithmetic is
in the comments), not taken from the oracle's or Outpost's output.  Run: python3 selftest.py
"""

import contextlib
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


# --- rounding: half-up (away from zero), once, exact (docs/kpis.md §2, §8 examples) -------
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

# docs/kpis.md §8 example 4: attainments
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


# invoice due 2025-05; 2025-06 only because s-o10 was fulfilled on 2025-06-02 (fulfilment_duration
# is dated by fulfilled_at, and its row passes that measure's (empty) filter)
check("months", out["months"], ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"])
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

# --- R10 and the KPIs added with it (SPEC §9.1 windows, §9.3, §9.4 content_shares ...
# return_rate_cohort).  Office `south` of testdata/ holds the planted cases; every row is inside
# 2025-01 .. 2025-05 so the grid above does not move.  Values worked out by hand below.
check("offices", out["offices"], ["central", "north", "south", "west"])

# ---- existing offices ----
# repeat_orders: confirmed orders dated after their customer's acquired_date (lookup customers)
val("repeat_orders", "north", "2025-01", "0")             # n-o1/n-o2/n-o3 on the acquired day
val("repeat_orders", "north", "2025-02", "1")             # n-o5 (n-c1 acq 01-05); n-o6/n-o7 same day
val("repeat_orders", "west", "2025-03", "1")              # w-o4 (w-c1 acq 01-12); w-o5 same day
# retention: S = confirmed customers in the 12 months before P, A = in P; |S∩A| / |S|
val("retention_rate", "north", "2025-02", "0.3333")       # S {n-c1,n-c2,n-c3} (n-c4 cancelled), A {n-c1,n-c5,n-c6}
val("retention_rate", "west", "2025-03", "0.3333")        # S {w-c1,w-c2,w-c3}, A {w-c1,w-c4}
val("retention_rate", "north", "2025-01", None, "zero_denominator")   # nothing before 2025-01
# lead_conversion_rate: customer.acquired_date in [created, created + 90 days]
val("lead_conversion_rate", "north", "2025-01", "0.2500") # n-l1 -> n-c1 acq 01-05 (day 2); 1/4
val("lead_conversion_rate", "west", "2025-01", "1.0000")  # w-l1 -> w-c1 acq 01-12; 1/1
val("followup_rate", "north", "2025-01", "0.0000")        # no first_followup_date: 0/4
# resolution_rate: resolved_date <= received_date + 7 days, by received_date
val("resolution_rate", "north", "2025-01", "1.0000")      # n-k1 01-20 -> 01-22
val("resolution_rate", "north", "2025-02", "0.0000")      # n-k2 unresolved
val("resolution_rate", "north", "2025-03", None, "zero_denominator")
# return_rate_cohort: returns in the month of their (confirmed) order / deals
val("return_rate_cohort", "north", "2025-01", "0.3333")   # n-r1 (of n-o3, Jan) / 3 deals
val("return_rate_cohort", "north", "2025-02", "0.3333")   # n-r2 (of n-o5, Feb) / 3 deals (event-based: 0.6667)
# online_channel_revenue north 2025-02: web orders n-o5 50 + n-o6 25 + n-o7 25 = 100.00,
# web refunds by return date: n-r2 (order n-o5, social) 50.00; n-r1's order is agent -> 50.00
val("online_channel_revenue", "north", "2025-02", "50.00")
# social_engagement_rate = social_interactions / impressions of channel social
val("social_engagement_rate", "north", "2025-01", "0.0006")   # (11+2+0+5)=18 / 30000
val("social_engagement_rate", "north", "2025-02", "0.0016")   # (6+4+0+3)=13 / 8000 = 0.001625
val("social_engagement_rate", "west", "2025-03", None, "zero_denominator")  # 8 / no social rows
val("content_shares", "north", "2025-01", "0")
val("brand_mentions", "north", "2025-01", "5")            # 2 + 2 + 1
# email_conversion_rate = confirmed email orders / emails_delivered (all channel_daily rows)
val("email_conversion_rate", "north", "2025-01", "0.0000")    # 0 / 3880
val("email_conversion_rate", "north", "2025-02", None, "no_data")  # Feb rows: emails_delivered all null
val("csat_mean", "north", "2025-01", "0.8000")            # (5+3)/(5+5); n-s3 score null left out
# avg_daily_page_views = page_views / days of the month
val("avg_daily_page_views", "north", "2025-01", "100.65") # (600+700+800+400+120+500)=3120 / 31 = 100.645
val("avg_daily_page_views", "north", "2025-02", "42.86")  # (500+200+500)=1200 / 28 = 42.857
val("avg_daily_page_views", "north", "2025-03", None, "no_data")   # only the agent row (null)
val("avg_daily_page_views", "north", "2025-04", "0.00")   # no rows: 0 / 30
val("active_channels", "north", "2025-01", "3")           # sem, seo, agent (n-o4 direct cancelled)
# cost_change north 2025-02: Jan 1361.65 spend + 8000.00 costs = 9361.65; Feb 4.99 + 1500.00
# = 1504.99; (1504.99 - 9361.65) / 9361.65 = -7856.66 / 9361.65 = -0.83924 -> -0.8392
val("cost_change", "north", "2025-02", "-0.8392")
# clv north 2025-01: (12200.01 - 0) / 3 customers * 3 * 0.30 = 3660.003 -> 3660.00
val("clv", "north", "2025-01", "3660.00")
# clv north 2025-02: trailing 12 m gross 12300.01, refunds 12050.00, customers {c1,c2,c3,c5,c6}:
# 250.01 / 5 * 0.9 = 45.0018 -> 45.00
val("clv", "north", "2025-02", "45.00")
# clv_cac_ratio north 2025-01: cac = 9361.65 / 3 = 3120.55; 3660.003 / 3120.55 = 1.1729 -> 1.17
val("clv_cac_ratio", "north", "2025-01", "1.17")

# ---- office south (planted cases) ----
# deals: Jan s-o1,s-o2 (2); Feb s-o3 (1); Mar s-o4,s-o5,s-o6 (3; s-o7 cancelled); Apr s-o8,s-o9,
# s-o11 (3); May s-o10 (1).  Customers s-c1 orders in Jan, Feb, Mar (3 months); s-c3 two orders
# on its acquired day 03-05 and one on 04-15; s-o8's customer s-c8 is not in customers.
# Leads (Jan): s-l1 created 01-30 -> s-c4 acquired 04-30 = day 90 (counted), follow-up 01-31
# (+1 day, counted); s-l2 01-30 -> s-c5 acquired 05-01 = day 91 (not), follow-up 02-01 (+2, not);
# s-l3 01-30 -> s-c6 acquired 01-29, before the lead (not), follow-up same day (counted);
# s-l4 01-31 -> s-c9 unknown customer (not), no follow-up (not); s-l5 01-10 -> s-c1 acquired
# 01-10 = day 0 (counted), follow-up 01-09, before creation: "le created + 1 day" holds (counted).
val("followup_rate", "south", "2025-01", "0.6000")        # l1, l3, l5 / 5
val("lead_conversion_rate", "south", "2025-01", "0.4000") # l1 (day 90), l5 (day 0) / 5
# Feb: s-l6 created 02-28, follow-up 03-01 (= +1 day across the month end), no customer_id
val("followup_rate", "south", "2025-02", "1.0000")
val("lead_conversion_rate", "south", "2025-02", "0.0000") # null lookup key: not counted, lead still in the denominator
val("lead_conversion_rate", "south", "2025-03", None, "zero_denominator")
# Complaints received in March: s-k1 resolved day 7 (in SLA), s-k2 day 8 (not), s-k3 received
# 03-31 resolved 04-07 = day 7 (in SLA, attributed to March), s-k4 unresolved (not) -> 2/4
val("resolution_rate", "south", "2025-03", "0.5000")
val("resolution_rate", "south", "2025-04", None, "zero_denominator")  # s-k3's resolution stays in March
# return_rate_cohort: s-r1 (order s-o1, Jan) -> Jan 1/2; s-r2 (s-o3, Feb) -> Feb 1/1;
# March: s-r5 (s-o4) counted, s-r4 (order s-o7 cancelled) and s-r3 (unknown order s-o99) not -> 1/3
val("return_rate_cohort", "south", "2025-01", "0.5000")
val("return_rate_cohort", "south", "2025-02", "1.0000")
val("return_rate_cohort", "south", "2025-03", "0.3333")
val("return_rate_cohort", "south", "2025-04", "0.0000")
val("return_rate", "south", "2025-03", "1.3333")          # event-based: r2,r3,r4,r5 dated March / 3
# online_channel_revenue: Mar web orders s-o5 400 + s-o6 25 = 425.00 (s-o4 agent, s-o7 cancelled);
# web refunds dated March: s-r2 (s-o3 sem) 30.00 + s-r4 (s-o7 direct; the measure has no status
# filter) 80.00; s-r3 unknown order, s-r5 agent order -> 425.00 - 110.00 = 315.00
val("online_channel_revenue", "south", "2025-03", "315.00")
val("online_channel_revenue", "south", "2025-02", "200.00")  # 300.00 - s-r1 100.00 (order s-o1 sem)
val("active_channels", "south", "2025-02", "1")           # sem
val("active_channels", "south", "2025-03", "2")           # agent, email (direct only on a cancelled order)
# repeat_orders: Feb s-o3 (1); Mar s-o4 (s-c1), s-o5/s-o6 on s-c3's first day not (1);
# Apr s-o11 (s-c3 04-15 > 03-05), s-o8 unknown customer not, s-o9 first day not (1); May 0
val("repeat_orders", "south", "2025-03", "1")
val("repeat_orders", "south", "2025-04", "1")
val("repeat_orders", "south", "2025-05", "0")
# repeat_purchase_rate (trailing 12 m): Jan c1 1, c2 1 -> 0/2; Feb c1 2 -> 1/2; Mar c1 3, c2 1,
# c3 2 -> 2/3; Apr + c8, c4, c3 3 -> 2/5; May + c5 -> 2/6
val("repeat_purchase_rate", "south", "2025-01", "0.0000")
val("repeat_purchase_rate", "south", "2025-02", "0.5000")
val("repeat_purchase_rate", "south", "2025-03", "0.6667")
val("repeat_purchase_rate", "south", "2025-04", "0.4000")
val("repeat_purchase_rate", "south", "2025-05", "0.3333")
# retention: Feb S {c1,c2} A {c1} 1/2; Mar S {c1,c2} A {c1,c3} 1/2; Apr S {c1,c2,c3}
# A {c8,c4,c3} 1/3; May S {c1,c2,c3,c8,c4} A {c5} 0/5
val("retention_rate", "south", "2025-01", None, "zero_denominator")
val("retention_rate", "south", "2025-02", "0.5000")
val("retention_rate", "south", "2025-03", "0.5000")
val("retention_rate", "south", "2025-04", "0.3333")
val("retention_rate", "south", "2025-05", "0.0000")
# clv = (gross_12m - refund_12m) / customers_12m * 3 * 0.30.  Refunds by return date: Feb 100.00,
# Mar 30.00 + 5.05 + 80.00 + 50.00 = 165.05 (refund_amount_12m has no lookup: s-r3 counts).
val("clv", "south", "2025-01", "135.00")                  # 300 / 2 * 0.9
val("clv", "south", "2025-02", "225.00")                  # (600 - 100) / 2 * 0.9
val("clv", "south", "2025-03", "242.99")                  # 809.95 / 3 * 0.9 = 242.985 (tie, up;
                                                          # rounding 809.95/3 first gives 242.98)
val("clv", "south", "2025-04", "170.99")                  # 949.95 / 5 * 0.9 = 170.991
val("clv", "south", "2025-05", "145.49")                  # 969.95 / 6 * 0.9 = 145.4925
# cac = total_cost / new customers: Jan 300.00/3 (c1,c2,c6) = 100; Feb 100.00/0; Mar 729.00/1;
# Apr 0/1 = 0; May 450.00/1
val("cac", "south", "2025-02", None, "zero_denominator", ["cost_without_customers"])
val("cac", "south", "2025-04", "0.00")
val("clv_cac_ratio", "south", "2025-01", "1.35")          # 135 / 100
val("clv_cac_ratio", "south", "2025-02", None, "zero_denominator", [])  # cac undefined: its reason
val("clv_cac_ratio", "south", "2025-03", "0.33")          # 242.985 / 729 = 0.3333
val("clv_cac_ratio", "south", "2025-04", None, "zero_denominator")      # cac = 0
val("clv_cac_ratio", "south", "2025-05", "0.32")          # 145.4925 / 450 = 0.3233
# cost_change (relative growth of total_cost): Jan base 0 (2024-12) -> nonpositive_base;
# Feb (100-300)/300; Mar (729-100)/100; Apr (0-729)/729; May base 0
val("cost_change", "south", "2025-01", None, "nonpositive_base")
val("cost_change", "south", "2025-02", "-0.6667")
val("cost_change", "south", "2025-03", "6.2900")
val("cost_change", "south", "2025-04", "-1.0000")
val("cost_change", "south", "2025-05", None, "nonpositive_base")
# brand_awareness: Jan 2/3, Feb 1/4 (s-s8 aware null left out); lift = difference, ratio units
val("brand_awareness_lift", "south", "2025-02", "-0.4167")    # 1/4 - 2/3 = -5/12
val("brand_awareness_lift", "south", "2025-01", None, "zero_denominator")  # 2024-12 undefined
val("brand_awareness_lift", "south", "2025-03", None, "zero_denominator")  # March undefined
# brand_image_score Mar: (4+7)/(5+10); s-s11 (score null) and s-s12 (max null) out of both sums
val("brand_image_score", "south", "2025-03", "0.7333")
val("brand_image_score", "south", "2025-02", None, "zero_denominator")
val("csat_mean", "south", "2025-03", "0.5000")            # (4+2)/(5+7)
val("email_conversion_rate", "south", "2025-03", "0.0067")    # s-o5, s-o6 / 300 delivered
val("avg_daily_page_views", "south", "2025-01", "10.23")  # (300+17) / 31 = 10.2258
val("avg_daily_page_views", "south", "2025-05", "2.00")   # 62 / 31

# --- durations (SPEC §9.3 "Durations", §9.4 fulfilment_duration / delivery_duration /
# unfulfilled_order_count; the period is the first ten characters of the dating timestamp)
# west Jan, fraction + half-up tie: w-o1 09:00:00 -> 10:00:18.5 (+08:00) = 3618.5 s;
#   w-o2 02:00:00Z -> 11:00:17.5+08:00 = 03:00:17.5Z = 3617.5 s; (3618.5 + 3617.5) / (2 × 3600)
#   = 7236 / 7200 = 1.005 exactly -> 1.01 (dropping the fractions: 7235 / 7200 = 1.0049 -> 1.00)
val("order_processing_hours", "west", "2025-01", "1.01")
# west Feb, negative across offsets: w-o3 placed 10:00Z, fulfilled 12:00+08:00 = 04:00Z: −6 h
val("order_processing_hours", "west", "2025-02", None, "invalid_input")
# west Mar, offset crossing the month: w-o4 placed 2025-02-28T22:00Z, fulfilled
#   2025-03-01T07:00+08:00 = 2025-02-28T23:00Z: 1 h (the texts are 9 h apart), counted in March
#   (local date 2025-03-01) although the instant is in February (UTC); w-o5 unfulfilled, no period
val("order_processing_hours", "west", "2025-03", "1.00")
# north Jan: only the cancelled n-o4 has both sides (10:00 -> 12:00): the measure has no status
#   filter (SPEC §9.4 row, literally), so 2.00
val("order_processing_hours", "north", "2025-01", "2.00")
# north Feb: n-o5 fulfilled but placed_at null: its only row is null -> no_data (R2)
val("order_processing_hours", "north", "2025-02", None, "no_data")
val("order_processing_hours", "north", "2025-04", None, "no_data")   # no row at all
# south Jun: s-o10 placed 2025-05-01T10:00, fulfilled 2025-06-02T10:00 (+08:00) = 32 d = 768 h
val("order_processing_hours", "south", "2025-06", "768.00")
val("order_processing_hours", "south", "2025-05", None, "no_data")
# delivery: w-o1 shipped 12:00:00.5, delivered next day 12:07:12.4 = 86400 + 431.9 s
#   = 1.0049988 d -> 1.00 (whole seconds would give 86832 / 86400 = 1.005 -> 1.01);
#   w-o2 delivered in Jan with shipped_at null: skipped
val("delivery_days", "west", "2025-01", "1.00")
val("delivery_days", "west", "2025-02", "2.50")   # w-o3 2025-02-15T09:00 -> 2025-02-17T21:00
# w-o4 shipped 2025-03-30T17:00Z, delivered 2025-04-01T01:00+08:00 = 2025-03-31T17:00Z: 1 day,
#   in April (local date), not March
val("delivery_days", "west", "2025-04", "1.00")
val("delivery_days", "west", "2025-03", None, "no_data")
val("delivery_days", "north", "2025-02", None, "no_data")   # n-o6 delivered, shipped_at null
# unfulfilled: confirmed orders by order_date with fulfilled_at null
val("unfulfilled_orders", "north", "2025-01", "3")    # n-o1..n-o3 (n-o4 cancelled)
val("unfulfilled_orders", "north", "2025-02", "2")    # n-o6, n-o7 (n-o5 fulfilled)
val("unfulfilled_orders", "west", "2025-01", "0")
val("unfulfilled_orders", "west", "2025-03", "1")     # w-o5
# s-o10 (May) has a fulfilled_at (in June): not counted in May -- the records' current state,
# not the state at the end of the period
val("unfulfilled_orders", "south", "2025-05", "0")
val("unfulfilled_orders", "south", "2025-03", "3")    # s-o4, s-o5, s-o6 (s-o7 cancelled)

# timestamp -> exact instant (seconds since the epoch), worked by hand
for text, want in [("1970-01-01T00:00:00Z", "0"), ("1970-01-01T08:00:00+08:00", "0"),
                   ("1969-12-31T19:00:00-05:00", "0"), ("1970-01-02T00:00:00.25Z", "86400.25"),
                   ("2000-03-01T00:00:00+00:00", "951868800"),        # 11017 days × 86400
                   ("2000-02-29T23:30:00-00:30", "951868800"),        # leap day, half-hour offset
                   ("2025-02-29T00:00:00Z", None), ("2025-01-01T24:00:00Z", None),
                   ("2025-01-01T10:00Z", None), ("2025-01-01T10:00:00", None),
                   ("2025-01-01 10:00:00Z", None), ("2025-01-01T10:00:00+0800", None)]:
    got = K.instant(text)
    check("instant %s" % text, None if got is None else str(got), want)

# --by channel (✓ avg_daily_page_views, followup_rate, lead_conversion_rate)
buf = io.StringIO()
with redirect_stdout(buf):
    K.main([os.path.join(HERE, "testdata"), "--compact", "--by", "channel", "--office", "south",
            "--kpi", "avg_daily_page_views", "--kpi", "followup_rate", "--kpi", "lead_conversion_rate"])
C = {(v["kpi"], v["office"], v["period"], v["channel"]): v for v in json.loads(buf.getvalue())["values"]}


def cval(k, o, p, ch, want, reason=None):
    v = C[(k, o, p, ch)]
    check("%s %s %s %s value" % (k, o, p, ch), v["value"], want)
    check("%s %s %s %s reason" % (k, o, p, ch), v["undefined_reason"], reason)


cval("followup_rate", "south", "2025-01", "sem", "0.6667")          # l1, l5 of l1, l2, l5
cval("lead_conversion_rate", "south", "2025-01", "sem", "0.6667")   # l1, l5 of l1, l2, l5
cval("followup_rate", "south", "2025-01", "seo", "0.5000")          # l3 of l3, l4
cval("lead_conversion_rate", "south", "2025-01", "seo", "0.0000")   # l3 before, l4 unknown
cval("lead_conversion_rate", "south", "2025-01", "direct", None, "zero_denominator")
cval("avg_daily_page_views", "south", "2025-01", "sem", "9.68")     # 300 / 31 = 9.677
cval("avg_daily_page_views", "south", "2025-01", "social", "0.55")  # 17 / 31 = 0.548

# --by channel, the by-channel-only KPIs (SPEC §9.3 `channel_field`, `denominator_scope`,
# `by_channel_only`; §9.4 traffic_share, channel_sales, channel_profit and the measures
# refund_amount_by_order_channel, cogs_reversed_by_order_channel).  Office `central` of testdata/
# (every row in 2025-03 .. 2025-04):
#   channel_daily 2025-03: sem visits 333 spend 400.00; seo 111, 0.00; direct 55, 0.00;
#                          agent 70 visits (not a web channel), 0.00; no row in April
#   orders: c-o1 sem 03-10 1000.00 cogs 600.00; c-o2 sem 03-12 500.00 / 300.00; c-o3 seo 03-15
#           200.00 / 120.00; c-o4 agent 03-20 3000.00 / 2000.00; c-o5 direct 03-22 80.00 / 50.00
#           CANCELLED; c-o6 sem 04-02 250.00 / 150.00 (all others confirmed)
#   returns: c-r1 of c-o1 (sem) 03-25 refund 200.00 cogs_reversed 120.00; c-r2 of c-o9 (not in the
#            repository) 03-26 40.00 / 25.00; c-r3 of c-o2 (a March sem order) 04-05 100.00 / 60.00;
#            c-r4 of c-o5 (cancelled direct order) 03-28 30.00 / 0.00
#   costs: sem 2025-03 150.00; seo 2025-03 500.00; agent 2025-03 300.00; email 2025-04 75.50
buf = io.StringIO()
with redirect_stdout(buf):
    K.main([os.path.join(HERE, "testdata"), "--compact", "--by", "channel", "--office", "central",
            "--kpi", "traffic_share", "--kpi", "channel_sales", "--kpi", "channel_profit",
            "--kpi", "deal_amount"])
BC = json.loads(buf.getvalue())
C.update({(v["kpi"], v["office"], v["period"], v["channel"]): v for v in BC["values"]})
check("by channel kpis", BC["kpis"], ["traffic_share", "channel_sales", "channel_profit", "deal_amount"])
# the channels listed (SPEC §9.3 `dimensions`): per KPI and office, the channels named by the
# office's rows that the KPI reads, after the filters; the same list in every month.


def listed(doc, k, o):
    return sorted({v["channel"] for v in doc["values"] if v["kpi"] == k and v["office"] == o})


#   traffic_share reads visits[WEB] (channel_daily rows of seo/sem/social/email/direct): sem,
#     seo, direct; agent's row is filtered out, email has no channel_daily row
check("central traffic_share channels", listed(BC, "traffic_share", "central"), ["direct", "sem", "seo"])
#   deal_amount reads gross_amount (confirmed orders): sem, seo, agent; direct's only order c-o5
#     is cancelled, so direct is not listed
check("central deal_amount channels", listed(BC, "deal_amount", "central"), ["agent", "sem", "seo"])
#   channel_sales also reads refund_amount_by_order_channel (returns under their order's channel,
#     no status filter): c-r4 of the cancelled direct order c-o5 names direct; c-r2 (order c-o9
#     not in the repository) names none
check("central channel_sales channels", listed(BC, "channel_sales", "central"),
      ["agent", "direct", "sem", "seo"])
#   channel_profit also reads other_costs (costs by channel_id) and ad_spend (every channel_daily
#     row): email is named only by central's April cost row, a row channel_sales does not read
check("central channel_profit channels", listed(BC, "channel_profit", "central"),
      ["agent", "direct", "email", "sem", "seo"])
check("one list per office, every month", sorted({(v["period"], v["channel"]) for v in BC["values"]
                                                  if v["kpi"] == "channel_profit"}),
      sorted((m, c) for m in ("2025-03", "2025-04")
             for c in ("agent", "direct", "email", "sem", "seo")))
# traffic_share: visits[WEB] of the channel ÷ visits[WEB] of the office over every channel
#   = 333 + 111 + 55 = 499 (agent's 70 visits are in neither side)
cval("traffic_share", "central", "2025-03", "sem", "0.6673")       # 333/499 = 0.66733
cval("traffic_share", "central", "2025-03", "seo", "0.2224")       # 111/499 = 0.22244
cval("traffic_share", "central", "2025-03", "direct", "0.1102")    # 55/499 = 0.11022 (sum 0.9999)
cval("traffic_share", "central", "2025-04", "sem", None, "zero_denominator")  # no visits at all
check("traffic_share sides", (C[("traffic_share", "central", "2025-03", "seo")]["numerator"],
                              C[("traffic_share", "central", "2025-03", "seo")]["denominator"]),
      ("111", "499"))
# channel_sales = gross_amount of the channel − refund_amount_by_order_channel (refunds by return
# date under their ORDER's channel).  Office net_revenue March = 4700.00 − (200 + 40 + 30) =
# 4430.00, but the channels add up to 4470.00: c-r2's order is not in the repository, so its
# 40.00 is in net_revenue and in no channel.
cval("channel_sales", "central", "2025-03", "sem", "1300.00")      # 1500.00 − 200.00 (c-r1)
cval("channel_sales", "central", "2025-03", "seo", "200.00")
cval("channel_sales", "central", "2025-03", "agent", "3000.00")
cval("channel_sales", "central", "2025-03", "direct", "-30.00")    # 0 (c-o5 cancelled) − 30.00 (c-r4)
cval("channel_sales", "central", "2025-04", "sem", "150.00")       # 250.00 − 100.00 (c-r3, return date)
val("net_revenue", "central", "2025-03", "4430.00")
val("net_revenue", "central", "2025-04", "150.00")
# channel_profit = ((channel_sales − order_cogs) + cogs_reversed_by_order_channel)
#                  − (ad_spend + other_costs), spend from channel_daily, costs by their channel_id
cval("channel_profit", "central", "2025-03", "sem", "-30.00")      # (1300 − 900) + 120 − (400 + 150)
cval("channel_profit", "central", "2025-03", "seo", "-420.00")     # (200 − 120) + 0 − (0 + 500)
cval("channel_profit", "central", "2025-03", "agent", "700.00")    # (3000 − 2000) + 0 − (0 + 300)
cval("channel_profit", "central", "2025-03", "direct", "-30.00")   # (−30 − 0) + 0.00 − (0.00 + 0)
cval("channel_profit", "central", "2025-03", "email", "0.00")      # nothing in March: sums over no rows
cval("channel_profit", "central", "2025-04", "sem", "60.00")       # (150 − 150) + 60 − (0 + 0)
cval("channel_profit", "central", "2025-04", "email", "-75.50")    # a cost only
# office sales_profit March = (4430 − (600 + 300 + 120 + 2000)) + (120 + 25 + 0) = 1410 + 145
# = 1555.00 (c-r2's 25.00 included; c-o5's cogs not: cancelled)
val("sales_profit", "central", "2025-03", "1555.00")
# a refund of a sem order under sem (south: s-r1 of s-o1, sem, dated 2025-02-05): Feb sem
# 300.00 (s-o3) − 100.00 = 200.00; s-r3 (unknown order s-o99) in no channel in March
buf = io.StringIO()
with redirect_stdout(buf):
    K.main([os.path.join(HERE, "testdata"), "--compact", "--by", "channel",
            "--kpi", "channel_sales", "--kpi", "channel_profit"])
C.update({(v["kpi"], v["office"], v["period"], v["channel"]): v
          for v in json.loads(buf.getvalue())["values"]})
cval("channel_sales", "south", "2025-02", "sem", "200.00")
cval("channel_sales", "south", "2025-03", "sem", "-30.00")         # 0 − s-r2 30.00 (of s-o3, sem)
cval("channel_sales", "south", "2025-03", "agent", "0.00")         # 50.00 (s-o4) − 50.00 (s-r5)
cval("channel_profit", "north", "2025-01", "seo", None, "no_data") # n-o2's cogs null (R2)
cval("channel_profit", "north", "2025-02", "agent", "-12000.00")   # 0 − 12000 (n-r1) + 0.00 − 0
# The channel list per KPI and office (SPEC §9.3 `dimensions`), all offices of testdata/.
# channel_daily channels: north sem seo social email direct agent; south sem social email;
# west sem direct social seo; central sem seo direct agent.
buf = io.StringIO()
with redirect_stdout(buf):
    K.main([os.path.join(HERE, "testdata"), "--compact", "--by", "channel",
            "--kpi", "visits", "--kpi", "clicks", "--kpi", "ctr", "--kpi", "cpc",
            "--kpi", "avg_cost_per_conversation", "--kpi", "conversion_rate", "--kpi", "leads",
            "--kpi", "qualified_leads", "--kpi", "deal_count", "--kpi", "channel_profit"])
ALL = json.loads(buf.getvalue())
# (1) an office does not list another office's channel: south's channel_daily holds sem, social
#     and email only, so south's visits has no seo/direct/agent (north's and west's channels),
#     although south has seo leads/costs and direct leads/orders (rows visits does not read)
check("south visits channels", listed(ALL, "visits", "south"), ["email", "sem", "social"])
check("central visits channels", listed(ALL, "visits", "central"), ["agent", "direct", "sem", "seo"])
check("north visits channels", listed(ALL, "visits", "north"),
      ["agent", "direct", "email", "sem", "seo", "social"])
# clicks has no filter: north's agent/direct/email rows (clicks null) are read, so listed (no_data)
check("north clicks channels", listed(ALL, "clicks", "north"),
      ["agent", "direct", "email", "sem", "seo", "social"])
# (2) cpc = ad_spend[channel_id in {sem,social}] ÷ clicks[channel_id in {sem,social}]: only the
#     paid channels, although north and west have seo rows (with clicks) in channel_daily
check("north cpc channels", listed(ALL, "cpc", "north"), ["sem", "social"])
check("west cpc channels", listed(ALL, "cpc", "west"), ["sem", "social"])
check("south cpc channels", listed(ALL, "cpc", "south"), ["sem", "social"])
check("central cpc channels", listed(ALL, "cpc", "central"), ["sem"])   # no social row
check("north acpc channels", listed(ALL, "avg_cost_per_conversation", "north"), ["sem", "social"])
# ctr's filter "impressions not_null ∧ clicks not_null" drops the rows with null impressions or
# clicks: north sem seo social (email/direct/agent have neither); central sem only
check("north ctr channels", listed(ALL, "ctr", "north"), ["sem", "seo", "social"])
check("central ctr channels", listed(ALL, "ctr", "central"), ["sem"])
# conversion_rate = deals[WEB] ÷ visits[WEB]: agent (orders n-o3, channel_daily rows) is not listed
check("north conversion_rate channels", listed(ALL, "conversion_rate", "north"),
      ["direct", "email", "sem", "seo", "social"])
# (3) a channel named only by rows another KPI reads: north's leads are sem, seo, direct, agent;
#     qualified_leads (has_need ∧ has_contact) reads n-l1 sem, n-l4 direct, n-l5 agent: seo
#     (n-l3, has_need 0) is named only by a row leads reads.  deal_count (confirmed orders):
#     north sem seo agent social email direct (n-o7); south sem seo agent email direct (s-o9,
#     confirmed; s-o7 cancelled)
check("north leads channels", listed(ALL, "leads", "north"), ["agent", "direct", "sem", "seo"])
check("north qualified_leads channels", listed(ALL, "qualified_leads", "north"),
      ["agent", "direct", "sem"])
check("south deal_count channels", listed(ALL, "deal_count", "south"),
      ["agent", "direct", "email", "sem", "seo"])
# west has no costs; its channel_profit reads channel_daily (sem direct social seo), orders
# (sem direct agent) and w-r1 (of w-o1, sem): agent only from w-o3
check("west channel_profit channels", listed(ALL, "channel_profit", "west"),
      ["agent", "direct", "sem", "seo", "social"])
# values of newly hand-checked rows: north cpc 2025-01 social = 380.40 / 240 = 1.585 -> 1.59;
# north clicks 2025-01 agent: one row, clicks null -> no_data (R2)
CA = {(v["kpi"], v["office"], v["period"], v["channel"]): v for v in ALL["values"]}
check("north cpc social 2025-01", CA[("cpc", "north", "2025-01", "social")]["value"], "1.59")
check("north clicks agent 2025-01", CA[("clicks", "north", "2025-01", "agent")]["undefined_reason"],
      "no_data")
# head office --office north lists what the all-offices run lists for north (same values; its
# span is north's own rows', 2025-01 .. 2025-04, the all-offices grid runs to 2025-06)
buf = io.StringIO()
with redirect_stdout(buf):
    K.main([os.path.join(HERE, "testdata"), "--compact", "--by", "channel", "--office", "north",
            "--kpi", "visits", "--kpi", "cpc", "--kpi", "channel_profit"])
NO = json.loads(buf.getvalue())
check("--office north = north of all", sorted((v["kpi"], v["period"], v["channel"], v["value"])
                                              for v in NO["values"]),
      sorted((v["kpi"], v["period"], v["channel"], v["value"]) for v in ALL["values"]
             if v["office"] == "north" and v["kpi"] in ("visits", "cpc", "channel_profit")
             and v["period"] <= "2025-04"))
check("--office north months", NO["months"], ["2025-01", "2025-02", "2025-03", "2025-04"])

# office level: the by-channel-only KPIs are neither computed nor listed as covered
check("office kpis without by-channel-only",
      [k for k in K.BY_CHANNEL_ONLY if k in out["kpis"] or any(v["kpi"] == k for v in out["values"])],
      [])
check("office level count", len(out["kpis"]), 82)

# compare.py strict coverage in both modes: an office-level traffic_share value from Outpost is
# UNCOVERED against an office-level oracle output; channel rows are compared in --by channel
import tempfile  # noqa: E402
import compare   # noqa: E402


def run_compare(oracle_doc, outpost_values):
    with tempfile.TemporaryDirectory() as td:
        po, pb = os.path.join(td, "o.json"), os.path.join(td, "b.json")
        with open(po, "w") as fh:
            json.dump(oracle_doc, fh)
        with open(pb, "w") as fh:
            json.dump({"format": "outpost-kpi/1", "values": outpost_values}, fh)
        cb = io.StringIO()
        with redirect_stdout(cb):
            rc = compare.main([po, "--kpi", pb])
        return rc, cb.getvalue()


ts = dict(C[("traffic_share", "central", "2025-03", "sem")])
rc, text = run_compare({"by": None, "kpis": ["deal_amount"], "values": []},
                       [dict(ts, channel=None)])
check("compare office-level traffic_share uncovered", (rc, "UNCOVERED kpi traffic_share" in text),
      (1, True))
rc, text = run_compare({"by": "channel", "kpis": ["traffic_share"], "values": [ts]}, [ts])
check("compare by-channel traffic_share", (rc, "1 equal" in text), (0, True))

# --- windows at their edges, in memory (SPEC §9.1: "to":"period_end" = months P-11..P,
# "to":"period_start" = months P-12..P-1; a row counts in every period whose window holds it)
def mem_engine(rows):
    data = {c: [] for c in K.COLLECTIONS}
    for coll, row in rows:
        data[coll].append(dict(row, office_id="x"))
    return K.Engine(data)


def conf(oid, cust, date, amount, status="confirmed"):
    return ("orders", {"order_id": oid, "customer_id": cust, "channel_id": "sem",
                       "order_date": date, "amount": D(amount), "status": status})


E = mem_engine([
    conf("x-o1", "c-a", "2024-03-31", "10.00"), conf("x-o2", "c-a", "2024-04-01", "20.00"),
    conf("x-o3", "c-b", "2025-03-31", "40.00"), conf("x-o4", "c-b", "2025-04-01", "80.00"),
    conf("x-o5", "c-a", "2025-03-15", "5.00", "cancelled"),
    ("returns", {"return_id": "x-r1", "order_id": "x-o1", "return_date": "2024-04-01",
                 "refund_amount": D("1.00")}),
    ("channel_daily", {"channel_id": "sem", "date": "2024-02-10", "page_views": 58}),
    ("customers", {"customer_id": "c-l", "acquired_date": "2024-03-31"}),
    ("customers", {"customer_id": "c-m", "acquired_date": "2024-04-01"}),
    ("leads", {"lead_id": "x-l1", "created_date": "2024-01-01", "customer_id": "c-l"}),
    ("leads", {"lead_id": "x-l2", "created_date": "2024-01-01", "customer_id": "c-m"}),
])


def mval(mid, m):
    r = E.measure(mid, "x", m)
    return str(r.value) if r.defined else r.reason


check("gross_12m 2025-02", mval("gross_amount_12m", "2025-02"), "30.00")   # 2024-03..2025-02: o1+o2
check("gross_12m 2025-03", mval("gross_amount_12m", "2025-03"), "60.00")   # 2024-04..2025-03: o2+o3
check("gross_12m 2025-04", mval("gross_amount_12m", "2025-04"), "120.00")  # 2024-05..2025-04: o3+o4
check("refund_12m 2025-03", mval("refund_amount_12m", "2025-03"), "1.00")  # r1 dated 2024-04-01
check("refund_12m 2025-04", mval("refund_amount_12m", "2025-04"), "0")     # sum over no rows
check("repeat_12m 2025-02", mval("repeat_customers_12m", "2025-02"), "1")  # c-a: o1, o2
check("repeat_12m 2025-03", mval("repeat_customers_12m", "2025-03"), "0")  # o1 out, o5 cancelled
check("ordering_12m 2025-03", mval("ordering_customers_12m", "2025-03"), "2")
check("before 2024-04", mval("customers_before", "2024-04"), "1")          # 2023-04..2024-03: c-a (o1)
check("before 2025-04", mval("customers_before", "2025-04"), "2")          # 2024-04..2025-03: c-a, c-b
check("before 2025-05", mval("customers_before", "2025-05"), "1")          # 2024-05..2025-04: c-b
for kpi, m, want in [("retention_rate", "2025-04", "0.5000"),   # A {c-b} ∩ S {c-a,c-b}
                     ("retention_rate", "2024-04", "1.0000"),   # A {c-a} ∩ S {c-a}
                     ("avg_daily_page_views", "2024-02", "2.00"),   # 58 / 29 (leap February)
                     # x-l1 2024-01-01 -> c-l 2024-03-31 = day 90 across 29 Feb (counted);
                     # x-l2 -> c-m 2024-04-01 = day 91 (not)
                     ("lead_conversion_rate", "2024-01", "0.5000")]:
    check("%s x %s" % (kpi, m), K.fmt(K.compute_kpi(E, kpi, "x", m)[1], K.KPIS[kpi]["scale"]), want)

# durations in memory: one negative row makes the whole value invalid_input, even next to a
# positive and a null row; a row whose `to` side is null is in no period at all
E2 = mem_engine([
    ("orders", {"order_id": "d1", "status": "confirmed", "order_date": "2025-07-01",
                "shipped_at": "2025-07-01T10:00:00+08:00", "delivered_at": "2025-07-03T10:00:00+08:00"}),
    ("orders", {"order_id": "d2", "status": "confirmed", "order_date": "2025-07-01",
                "shipped_at": "2025-07-05T10:00:00+08:00", "delivered_at": "2025-07-05T09:59:59.5+08:00"}),
    ("orders", {"order_id": "d3", "status": "confirmed", "order_date": "2025-07-01",
                "delivered_at": "2025-07-06T10:00:00+08:00"}),
    ("orders", {"order_id": "d4", "status": "confirmed", "order_date": "2025-08-01",
                "shipped_at": "2025-08-01T00:00:00Z", "delivered_at": "2025-08-02T06:00:00Z"}),
    ("orders", {"order_id": "d5", "status": "confirmed", "order_date": "2025-08-01",
                "shipped_at": "2025-08-01T00:00:00Z", "delivered_at": "2025-08-01T00:00:00Z"}),
])
check("delivery x 2025-07", E2.measure("delivery_duration", "x", "2025-07").reason, "invalid_input")
# Aug: (30 h + 0 h) / (2 × 24 h) = 0.625 d -> 0.63 (a zero duration is a value, not null)
check("delivery_days x 2025-08", K.fmt(K.compute_kpi(E2, "delivery_days", "x", "2025-08")[1], 2), "0.63")

# --- attainment KPIs (SPEC §9.3 `attainment`, §9.4 rows net_revenue_attainment ...
# collection_rate_attainment, §9.5 targets and methods).  The base's canonical (rounded) value
# against hq/targets.csv (scope office, the office, the base KPI id, the month; highest version),
# one division half-up to 4 places, then clamped to floor 0 .. cap.  Worked by hand:
# north 2025-01: net 12200.01 / 150.00 (v2 beats v1 200.00) = 81.33 -> cap 1.2000
val("net_revenue_attainment", "north", "2025-01", "1.2000", flags=[])
# north 2025-02: net -11950.00 / 200.00 = -59.75 -> floor 0.0000
val("net_revenue_attainment", "north", "2025-02", "0.0000")
# north 2025-03: net 0.00 / 200.00
val("net_revenue_attainment", "north", "2025-03", "0.0000")
# west 2025-03: 200.01 / 200.00 = 1.00005 -> 1.0001 (half-up tie), below the cap
val("net_revenue_attainment", "west", "2025-03", "1.0001")
val("net_revenue_attainment", "north", "2025-05", None, "missing_target")  # base defined, no target
val("net_revenue_attainment", "south", "2025-01", None, "missing_target")  # south has no targets
val("consultations_attainment", "north", "2025-01", "1.2000")   # 57 / 30 = 1.9 -> cap
val("consultations_attainment", "north", "2025-02", "1.2000")   # 9 / 7 (v2) = 1.2857 -> cap (v1: 0.3000)
val("consultations_attainment", "north", "2025-03", "0.1333")   # 4 / 30 = 0.13333
val("consultations_attainment", "west", "2025-01", "0.2333")    # 7 / 30 = 0.23333
# avg_cost_per_conversation: reduction 2 - a/t, cap 1.00
val("avg_cost_per_conversation_attainment", "north", "2025-01", "0.9194")  # 2 - 37.82/35 = 0.919428
# north 2025-02: a = 4.99 / 3 = 1.6633 -> 1.66; 2 - 1.66/35 = 1.9526 -> cap 1.0000
val("avg_cost_per_conversation_attainment", "north", "2025-02", "1.0000")
# west 2025-01: a = 150.00 sem spend / 4 sem consultations = 37.50; 2 - 37.50/35 = 0.92857 -> 0.9286
val("avg_cost_per_conversation_attainment", "west", "2025-01", "0.9286")
# west 2025-02: base undefined (zero_denominator, flag spend_without_conversations): the base's
# reason, and no flag on the attainment KPI ("Failure flags are the scorecard's business")
val("avg_cost_per_conversation_attainment", "west", "2025-02", None, "zero_denominator", [])
# north 2025-03: no paid spend and no paid consultations: the base's no_activity, before the
# (present) target
val("avg_cost_per_conversation_attainment", "north", "2025-03", None, "no_activity")
val("return_rate_attainment", "north", "2025-01", "1.2000")    # 2 - 0.0000/0.0300 = 2 -> cap 1.20
val("return_rate_attainment", "north", "2025-02", "0.0000")    # 2 - 0.6667/0.03 = -20.22 -> floor
val("return_rate_attainment", "west", "2025-01", "0.0000")     # 2 - 0.5000/0.03 -> floor
val("return_rate_attainment", "north", "2025-03", None, "zero_denominator")  # no deals; target there
# collection_rate: ratio, cap 1.00; the base's canonical 0.9174 (not the exact 0.917355...)
# north 2025-02: 0.9174 / 0.9500 = 0.965684 -> 0.9657 (the exact base would give 0.9656)
val("collection_rate_attainment", "north", "2025-02", "0.9657")
val("collection_rate_attainment", "west", "2025-03", "1.0000")   # 0.9500 / 0.9500
val("collection_rate_attainment", "north", "2025-01", None, "zero_denominator")
val("collection_rate_attainment", "west", "2025-04", None, "zero_denominator")  # no invoice due, no target
val("collection_rate_attainment", "west", "2025-05", None, "missing_target")    # 0.0000, no target

# --- qualitative ratings (SPEC §9.4 rating_* measures: mean(score) of qualitative_ratings by
# period per criterion_id, no rows: no_data; the KPIs admin_assessment ... content_quality,
# unit score, scale 2).  testdata/hq/qualitative_ratings.csv, head-office rows naming the office:
# north 2025-01 admin_assessment: q-n1 80.00, q-n2 75.50, q-n3 90.25 (period 2025-01-20, a day)
#   = 245.75 / 3 = 81.9166... -> 81.92
val("admin_assessment", "north", "2025-01", "81.92", flags=[])
val("admin_assessment", "north", "2025-02", None, "no_data")   # ratings of another criterion only
val("team_building", "north", "2025-01", "70.00")              # q-n4 "70"
# north 2025-02 team_building: q-n5 60.05 (period 2025-02-28) + q-n6 60.00 (2025-02)
#   = 120.05 / 2 = 60.025 -> 60.03 (half-up tie)
val("team_building", "north", "2025-02", "60.03")
for k in K.RATING_CRITERIA:                                    # a month without any rating
    val(k, "north", "2025-03", None, "no_data")
val("content_quality", "west", "2025-03", "50.00")             # (100.00 + 0.00) / 2
val("professional_skill", "west", "2025-02", "88.88")
val("dealer_management", "south", "2025-04", "66.67")          # (66.67 + 66.66 + 66.67) / 3 = 66.666...
val("dealer_management", "north", "2025-04", None, "no_data")  # south's ratings are not north's
check("rating unit/scale", (V[("admin_assessment", "north", "2025-01")]["unit"],
                            V[("admin_assessment", "north", "2025-01")]["scale"]), ("score", 2))
# the office's ratings read only ratings without `subject` (SPEC §9.4 "A rating without
# `subject` rates the office"): n-p1's team_building of 2025-01 (q-p1 85.00, q-p2 90.50) leaves
# north's 70.00 above; w-p3's content_quality of 2025-03 (q-p12, q-p13) leaves west's 50.00; a
# person's professional_skill (q-p6 ...) gives the office none
val("professional_skill", "north", "2025-01", None, "no_data")
# a quarter's or a year's rating is in no month (q-n7 2025-Q1, q-n8 2025, q-w4 2025-Q1): the
# January and March values above are those of the month's own ratings
check("no staff_* at office level", [k for k in out["kpis"] if k.startswith("staff_")], [])


def office_grain(grain, *extra):
    buf = io.StringIO()
    with redirect_stdout(buf):
        K.main([os.path.join(HERE, "testdata"), "--compact", "--grain", grain] + list(extra))
    return json.loads(buf.getvalue())


OQ = office_grain("quarter,year")
VQ = {(v["kpi"], v["office"], v["period"]): (v["value"] or v["undefined_reason"]) for v in OQ["values"]}
check("quarter/year kpis", OQ["kpis"], ["admin_assessment", "team_building", "professional_skill",
                                        "dealer_management", "content_quality"])
check("quarter/year periods", OQ["periods"], ["2025-Q1", "2025-Q2", "2025"])
# north admin_assessment 2025-Q1: the months' q-n1 80.00, q-n2 75.50, q-n3 90.25 (2025-01-20) and
# the quarter's q-n7 70.00 = 315.75 / 4 = 78.9375 -> 78.94; the year adds q-n8 100.00 (period
# 2025): 415.75 / 5 = 83.15
check("admin_assessment north Q1", VQ[("admin_assessment", "north", "2025-Q1")], "78.94")
check("admin_assessment north Q2", VQ[("admin_assessment", "north", "2025-Q2")], "no_data")
check("admin_assessment north 2025", VQ[("admin_assessment", "north", "2025")], "83.15")
# north team_building Q1: q-n4 70, q-n5 60.05, q-n6 60.00 = 190.05 / 3 = 63.35 (n-p1's own
# q-p1 ... q-p4 are not the office's)
check("team_building north Q1", VQ[("team_building", "north", "2025-Q1")], "63.35")
check("team_building north 2025", VQ[("team_building", "north", "2025")], "63.35")
# west content_quality Q1: q-w1 100.00, q-w2 0.00, q-w4 40.00 (2025-Q1) = 140 / 3 = 46.666 ->
# 46.67; south dealer_management Q2: 200.00 / 3 -> 66.67
check("content_quality west Q1", VQ[("content_quality", "west", "2025-Q1")], "46.67")
check("dealer_management south Q2", VQ[("dealer_management", "south", "2025-Q2")], "66.67")
check("professional_skill west 2025", VQ[("professional_skill", "west", "2025")], "88.88")
# by_staff_only: naming a staff_* KPI without a people breakdown exits 64 (SPEC §9.6)
with redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    rc = K.main([os.path.join(HERE, "testdata"), "--kpi", "staff_team_building"])
check("staff_* at office level exits 64", rc, 64)
with redirect_stdout(io.StringIO()) as buf:
    K.main([os.path.join(HERE, "testdata"), "--compact", "--by", "channel"])
check("no staff_* by channel", [k for k in json.loads(buf.getvalue())["kpis"] if k.startswith("staff_")],
      [])

# a branch repository holds neither targets nor ratings (head-office collections): --branch
buf = io.StringIO()
with redirect_stdout(buf):
    K.main([os.path.join(HERE, "testdata"), "--compact", "--office", "north", "--branch",
            "--no-scorecard", "--kpi", "admin_assessment", "--kpi", "net_revenue_attainment"])
VB = {(v["kpi"], v["period"]): v for v in json.loads(buf.getvalue())["values"]}
check("branch admin_assessment", VB[("admin_assessment", "2025-01")]["undefined_reason"], "no_data")
check("branch net_revenue_attainment", VB[("net_revenue_attainment", "2025-01")]["undefined_reason"],
      "missing_target")

# testdata_edge: east 2025-01 net 100.00 against a 0.00 target -> nonpositive_target;
# 2025-02 only a scope `channel` target -> missing_target
buf = io.StringIO()
with redirect_stdout(buf):
    K.main([os.path.join(HERE, "testdata_edge"), "--compact", "--no-scorecard"])
VE = {(v["kpi"], v["period"]): v for v in json.loads(buf.getvalue())["values"]}
check("edge nonpositive_target", VE[("net_revenue_attainment", "2025-01")]["undefined_reason"],
      "nonpositive_target")
check("edge channel-scope target", VE[("net_revenue_attainment", "2025-02")]["undefined_reason"],
      "missing_target")

# attainment rules in memory: reason order and the `range` method (not used by the five KPIs)
E3 = mem_engine([("channel_daily", {"channel_id": "sem", "date": "2025-01-05", "consultations": 25}),
                 ("channel_daily", {"channel_id": "sem", "date": "2025-02-05", "clicks": 0,
                                    "consultations": 3})])


def tgt(kpi, period, value, worst=None, best=None, version=1, office="x", scope="office"):
    return {"target_id": "%s-%s-%d" % (kpi, period, version), "kpi_id": kpi, "office_id": office,
            "scope": scope, "period": period, "target_value": None if value is None else D(value),
            "worst": None if worst is None else D(worst), "best": None if best is None else D(best),
            "version": version}


def att(expr, m, targets):
    E3.data["targets"] = targets
    E3.cache.clear()
    r = K.attainment_kpi(E3, expr, "x", m)
    return str(r.value) if r.defined else r.reason


RANGE = ("attainment", "consultations", "range", D("0"), D("1.00"))
RATIO = ("attainment", "consultations", "ratio", D("0"), D("1.20"))
RATE = ("attainment", "consultation_rate", "ratio", D("0"), D("1.20"))
check("range (25-10)/(30-10)", att(RANGE, "2025-01", [tgt("consultations", "2025-01", "0", "10", "30")]),
      "0.7500")                                     # t = 0 is no problem for `range`
check("range worst=best", att(RANGE, "2025-01", [tgt("consultations", "2025-01", "20", "20", "20")]),
      "empty_range")
check("range reversed", att(RANGE, "2025-01", [tgt("consultations", "2025-01", "1", "40", "20")]),
      "0.7500")                                     # (25-40)/(20-40)
check("ratio t<0", att(RATIO, "2025-01", [tgt("consultations", "2025-01", "-5")]), "nonpositive_target")
check("ratio t=0", att(RATIO, "2025-01", [tgt("consultations", "2025-01", "0")]), "nonpositive_target")
check("ratio v2 wins", att(RATIO, "2025-01", [tgt("consultations", "2025-01", "0", version=2),
                                               tgt("consultations", "2025-01", "50")]),
      "nonpositive_target")
check("ratio other office", att(RATIO, "2025-01", [tgt("consultations", "2025-01", "50", office="y")]),
      "missing_target")
check("ratio 25/50", att(RATIO, "2025-01", [tgt("consultations", "2025-01", "50")]), "0.5000")
# undefined base first: consultation_rate 2025-02 = 3 / 0 clicks -> zero_denominator, even with
# a target <= 0 or none at all
check("undefined base, bad target", att(RATE, "2025-02", [tgt("consultation_rate", "2025-02", "0")]),
      "zero_denominator")
check("undefined base, no target", att(RATE, "2025-02", []), "zero_denominator")

# --- people breakdowns (--by staff|position|department; the people contract).  testdata/:
# north/staff.csv (assignments; both bounds inclusive, empty active_to = still active):
#   n-p1 supervisor/sales 2024-01-01..     n-p2 consultant/service 2024-06-01..2025-01-15
#   n-p2 sales/sales 2025-01-16.. (a position change in mid-January: two lines in January)
#   n-p3 sales/sales 2024-03-01..2025-01-31 (left)   n-p4 consultant/service 2024-09-01.. (no row
#   at all)   n-p5 sales/sales 2025-02-10.. (joined)   n-p6 sem/promotion 2024-01-01.. (sem is
#   in no people KPI's positions: listed only where a row of the KPI falls to it)
# west/staff.csv: w-p1 sales/sales, w-p2 consultant/service, both 2024-01-01..
# south and central: no staff.csv, every staff cell empty: all their rows are unattributed.
# Attribution (leads.assigned_to by created_date, orders.salesperson_id by order_date,
# complaints.handled_by by received_date; the assignment of that id in the row's office active
# that day):
#   n-l1 01-03 n-p2 -> n-p2 consultant; n-l2 01-04 empty -> unattributed; n-l3 01-04 n-zz
#   (unknown id) -> unattributed; n-l4 01-31 n-p2 -> n-p2 sales; n-l5 02-01 n-p3 (ended 01-31)
#   -> unattributed; n-l6 03-09 n-p6 -> n-p6 sem
#   n-o1 01-05 n-p2 consultant 100.00; n-o2 01-06 n-p3 100.01; n-o3 01-07 n-p3 12000.00; n-o4
#   01-08 n-p2 consultant, cancelled; n-o5 02-11 n-p3 (ended) -> unattributed 50.00; n-o6 02-20
#   n-p5 25.00; n-o7 02-21 w-p1 (a west person, no north assignment) -> unattributed 25.00;
#   n-o8 04-02 empty -> unattributed 999.99
#   n-k1 01-20 (resolved 01-22) n-p2 -> n-p2 sales; n-k2 02-01 (open) n-p1
#   w-l1 01-03 w-p2; w-l2 02-04 n-p2 (a north person) -> unattributed; w-o1 01-12 w-p2 2800.00;
#   w-o2 01-13 w-p1 200.00; w-o3 02-14 w-p1 10000.00; w-o4 03-02 w-p1 100.00; w-o5 03-20 empty
#   100.01; w-k1 04-20 w-p2 (open)
def people(by, *extra):
    buf = io.StringIO()
    with redirect_stdout(buf):
        K.main([os.path.join(HERE, "testdata"), "--compact", "--by", by] + list(extra))
    return json.loads(buf.getvalue())


PS = people("staff")
PP = people("position")
PD = people("department")
check("people kpis", PS["kpis"], ["leads", "qualified_leads", "lead_qualification_rate", "deal_count",
                                  "deal_amount", "aov", "followup_rate", "lead_conversion_rate",
                                  "resolution_rate", "staff_team_building",
                                  "staff_professional_skill", "staff_dealer_management",
                                  "staff_content_quality", "sem_clicks", "sem_cost",
                                  "sem_consultations", "sem_consultation_rate",
                                  "sem_cost_per_consultation", "plan_execution"])
check("people months = office grid", PS["months"], out["months"])


def lines(doc, k, o, p):
    """[(group..., value or reason)] in output order."""
    mem = {"staff": ("staff", "position", "department")}.get(doc["by"], (doc["by"],))
    return [tuple(v[m] for m in mem) + (v["value"] if v["value"] is not None else v["undefined_reason"],)
            for v in doc["values"] if (v["kpi"], v["office"], v["period"]) == (k, o, p)]


UN = (None, None, None)
# leads north 2025-01: (a) n-p1, n-p2 consultant (to 01-15), n-p2 sales (from 01-16), n-p3 (to
# 01-31), n-p4 (no row: 0); (b) unattributed (n-l2 empty, n-l3 unknown id); sorted by staff_id,
# position ("consultant" < "sales"), department, unattributed last; 0+1+1+0+0+2 = 4 = office
check("leads north 01", lines(PS, "leads", "north", "2025-01"),
      [("n-p1", "supervisor", "sales", "0"), ("n-p2", "consultant", "service", "1"),
       ("n-p2", "sales", "sales", "1"), ("n-p3", "sales", "sales", "0"),
       ("n-p4", "consultant", "service", "0"), UN + ("2",)])
# February: n-p3's assignment ended 01-31 (n-l5 names him on 02-01: unattributed, and no n-p3
# line); n-p5 joined 02-10 (overlaps February: listed)
check("leads north 02", lines(PS, "leads", "north", "2025-02"),
      [("n-p1", "supervisor", "sales", "0"), ("n-p2", "sales", "sales", "0"),
       ("n-p4", "consultant", "service", "0"), ("n-p5", "sales", "sales", "0"), UN + ("1",)])
# March: n-l6 falls to n-p6 (sem: not one of the positions, listed because of the row); no
# unattributed row, so no unattributed line
check("leads north 03", lines(PS, "leads", "north", "2025-03"),
      [("n-p1", "supervisor", "sales", "0"), ("n-p2", "sales", "sales", "0"),
       ("n-p4", "consultant", "service", "0"), ("n-p5", "sales", "sales", "0"),
       ("n-p6", "sem", "promotion", "1")])
# qualified_leads north 01: the unattributed rows n-l2 (no contact) and n-l3 (no need) pass no
# filter qualified_lead_count has: no unattributed line; 03: n-l6 (neither) -> no n-p6 line
check("qualified north 01", lines(PS, "qualified_leads", "north", "2025-01"),
      [("n-p1", "supervisor", "sales", "0"), ("n-p2", "consultant", "service", "1"),
       ("n-p2", "sales", "sales", "1"), ("n-p3", "sales", "sales", "0"),
       ("n-p4", "consultant", "service", "0")])
check("qualified north 03 groups", [x[0] for x in lines(PS, "qualified_leads", "north", "2025-03")],
      ["n-p1", "n-p2", "n-p4", "n-p5"])
# ... but a ratio reads its denominator too: lead_qualification_rate lists n-p6 (0/1) and the
# unattributed line (0/2); a person without leads: 0/0 -> zero_denominator
check("lqr north 01", lines(PS, "lead_qualification_rate", "north", "2025-01"),
      [("n-p1", "supervisor", "sales", "zero_denominator"),
       ("n-p2", "consultant", "service", "1.0000"), ("n-p2", "sales", "sales", "1.0000"),
       ("n-p3", "sales", "sales", "zero_denominator"),
       ("n-p4", "consultant", "service", "zero_denominator"), UN + ("0.0000",)])
check("lqr north 03 n-p6", lines(PS, "lead_qualification_rate", "north", "2025-03")[-1],
      ("n-p6", "sem", "promotion", "0.0000"))
# lead_conversion_rate north 01: n-l1 (n-p2 consultant) -> n-c1 acquired 01-05: 1/1; n-l4 (n-p2
# sales) no customer: 0/1; unattributed 0/2
check("lcr north 01", lines(PS, "lead_conversion_rate", "north", "2025-01"),
      [("n-p1", "supervisor", "sales", "zero_denominator"),
       ("n-p2", "consultant", "service", "1.0000"), ("n-p2", "sales", "sales", "0.0000"),
       ("n-p3", "sales", "sales", "zero_denominator"),
       ("n-p4", "consultant", "service", "zero_denominator"), UN + ("0.0000",)])
# deal_count / deal_amount / aov north 01: n-o1 (n-p2 consultant, 100.00; the cancelled n-o4
# passes no filter), n-o2 + n-o3 (n-p3: 12100.01, aov 6050.005 -> 6050.01, half-up tie); no
# unattributed row -> no unattributed line; 100.00 + 12100.01 = 12200.01 = office
check("deal_count north 01", lines(PS, "deal_count", "north", "2025-01"),
      [("n-p1", "supervisor", "sales", "0"), ("n-p2", "consultant", "service", "1"),
       ("n-p2", "sales", "sales", "0"), ("n-p3", "sales", "sales", "2"),
       ("n-p4", "consultant", "service", "0")])
check("deal_amount north 01", [x[3] for x in lines(PS, "deal_amount", "north", "2025-01")],
      ["0.00", "100.00", "0.00", "12100.01", "0.00"])
check("aov north 01", [x[3] for x in lines(PS, "aov", "north", "2025-01")],
      ["zero_denominator", "100.00", "zero_denominator", "6050.01", "zero_denominator"])
# February: n-o6 n-p5 25.00; unattributed n-o5 (n-p3 ended) 50.00 + n-o7 (west's w-p1) 25.00
check("deal_amount north 02", lines(PS, "deal_amount", "north", "2025-02"),
      [("n-p1", "supervisor", "sales", "0.00"), ("n-p2", "sales", "sales", "0.00"),
       ("n-p4", "consultant", "service", "0.00"), ("n-p5", "sales", "sales", "25.00"),
       UN + ("75.00",)])
check("aov north 02 unattributed", lines(PS, "aov", "north", "2025-02")[-1], UN + ("37.50",))
check("deal_count north 04", lines(PS, "deal_count", "north", "2025-04"),
      [("n-p1", "supervisor", "sales", "0"), ("n-p2", "sales", "sales", "0"),
       ("n-p4", "consultant", "service", "0"), ("n-p5", "sales", "sales", "0"), UN + ("1",)])
# resolution_rate: n-k1 (received 01-20, n-p2 is sales then) resolved day 2: 1/1; n-k2 n-p1 open
check("resolution north 01", [x[1:] for x in lines(PS, "resolution_rate", "north", "2025-01")],
      [("supervisor", "sales", "zero_denominator"), ("consultant", "service", "zero_denominator"),
       ("sales", "sales", "1.0000"), ("sales", "sales", "zero_denominator"),
       ("consultant", "service", "zero_denominator")])
check("resolution north 02 n-p1", lines(PS, "resolution_rate", "north", "2025-02")[0],
      ("n-p1", "supervisor", "sales", "0.0000"))
# the grid runs to 2025-06 (south's fulfilment in June): open assignments are listed there too
check("leads north 06", lines(PS, "leads", "north", "2025-06"),
      [("n-p1", "supervisor", "sales", "0"), ("n-p2", "sales", "sales", "0"),
       ("n-p4", "consultant", "service", "0"), ("n-p5", "sales", "sales", "0")])
# west: w-l2 names north's n-p2 (no west assignment) -> unattributed; w-o5 empty
check("leads west 02", lines(PS, "leads", "west", "2025-02"),
      [("w-p1", "sales", "sales", "0"), ("w-p2", "consultant", "service", "0"), UN + ("1",)])
check("deal_amount west 03", lines(PS, "deal_amount", "west", "2025-03"),
      [("w-p1", "sales", "sales", "100.00"), ("w-p2", "consultant", "service", "0.00"),
       UN + ("100.01",)])
check("aov west 01", [x[3] for x in lines(PS, "aov", "west", "2025-01")], ["200.00", "2800.00"])
# south (no staff.csv): only the unattributed line, where south has rows the KPI reads
check("followup south 01", lines(PS, "followup_rate", "south", "2025-01"), [UN + ("0.6000",)])
check("leads south 03", lines(PS, "leads", "south", "2025-03"), [])
check("resolution south 03", lines(PS, "resolution_rate", "south", "2025-03"), [UN + ("0.5000",)])
check("central deal_count 03", lines(PS, "deal_count", "central", "2025-03"), [UN + ("4",)])
# members: --by staff carries staff, position, department; no channel
v0 = PS["values"][0]
check("staff members", sorted(k for k in v0 if k in ("staff", "position", "department", "channel")),
      ["department", "position", "staff"])

# --by position: the two sales lines of January (n-p2 from 01-16, n-p3) are one line; n-p2's
# consultant line and n-p4 are "consultant"; sorted by position, unattributed last
check("leads north 01 by position", lines(PP, "leads", "north", "2025-01"),
      [("consultant", "1"), ("sales", "1"), ("supervisor", "0"), (None, "2")])
check("leads north 03 by position", lines(PP, "leads", "north", "2025-03"),
      [("consultant", "0"), ("sales", "0"), ("sem", "1"), ("supervisor", "0")])
check("deal_amount north 01 by position", lines(PP, "deal_amount", "north", "2025-01"),
      [("consultant", "100.00"), ("sales", "12100.01"), ("supervisor", "0.00")])
check("aov north 01 by position", lines(PP, "aov", "north", "2025-01"),
      [("consultant", "100.00"), ("sales", "6050.01"), ("supervisor", "zero_denominator")])
check("position members", sorted(k for k in PP["values"][0]
                                 if k in ("staff", "position", "department", "channel")), ["position"])
# --by department: the supervisor is in department sales; sem's n-p6 in promotion (listed in
# March only because of n-l6: no assignment of a KPI position is in promotion)
check("leads north 01 by department", lines(PD, "leads", "north", "2025-01"),
      [("sales", "1"), ("service", "1"), (None, "2")])
check("leads north 03 by department", lines(PD, "leads", "north", "2025-03"),
      [("promotion", "1"), ("sales", "0"), ("service", "0")])
check("deal_count north 03 by department", lines(PD, "deal_count", "north", "2025-03"),
      [("sales", "0"), ("service", "0")])
check("lcr north 01 by department", lines(PD, "lead_conversion_rate", "north", "2025-01"),
      [("sales", "0.0000"), ("service", "1.0000"), (None, "0.0000")])

# the additive KPIs: the lines (unattributed included) add up to the office value, in every
# breakdown, office and period (a period without a line has office value 0)
ADDITIVE = ("leads", "qualified_leads", "deal_count", "deal_amount")
for doc in (PS, PP, PD):
    sums = {}
    for v in doc["values"]:
        if v["kpi"] in ADDITIVE:
            key = (v["kpi"], v["office"], v["period"])
            sums[key] = sums.get(key, D(0)) + D(v["value"])
    for (k, o, p), v in V.items():
        if k in ADDITIVE:
            check("sum of %s lines %s %s %s" % (doc["by"], k, o, p), sums.get((k, o, p), D(0)),
                  D(v["value"]))

# a branch repository holds its own staff.csv: --office north --branch lists north's lines of
# the head-office run (its grid is north's own, 2025-01 .. 2025-04)
PB = people("staff", "--office", "north", "--branch")
check("branch north months", PB["months"], ["2025-01", "2025-02", "2025-03", "2025-04"])
# (the people's ratings are head office's: a branch has the same staff_* lines, every one no_data)
def no_rating(v):
    return (dict(v, value=None, undefined_reason="no_data") if v["kpi"].startswith("staff_")
            else v)


check("branch north = hq north", [v for v in PB["values"]],
      [no_rating(v) for v in PS["values"] if v["office"] == "north" and v["period"] <= "2025-04"])

# --- the people's ratings (SPEC §9.4 `staff_*`, by_staff_only; a rating counts for the
# subject's assignment in the rating's office on the first day of the rating's period).
# testdata/hq/qualitative_ratings.csv, rows with a subject:
#   n-p1 (supervisor): team_building q-p1 2025-01 85.00, q-p2 2025-01-10 90.50, q-p3 2025-Q1
#     91.00, q-p4 2025 60.00; dealer_management q-p5 2025-02 77.77
#   n-p2 (consultant to 01-15, sales from 01-16): professional_skill q-p6 2025-01 70.00 (first
#     day 01-01: the consultant assignment), q-p7 2025-01-20 80.01 (a day: sales), q-p8 2025-02
#     75.00 (sales), q-p9 2025-Q1 66.66 (first day 01-01: consultant)
#   n-p5 (sales from 02-10): professional_skill q-p10 2025-02-14 88.00 (a day; a 2025-02 rating
#     would count for no one on 02-01)
#   n-p6 (sem): professional_skill q-p11 2025-03 59.99 (any position)
#   w-p3 (seo, west): content_quality q-p12 2025-03 72.50, q-p13 2025-03-15 80.01, q-p14 2025-Q2
#     90.00
# Lines: (a) the office's assignments overlapping the period in the KPI's positions
# (team_building, dealer_management: supervisor; content_quality: seo, new_media;
# professional_skill: every position), (b) groups with a counted rating.
check("team_building north 01", lines(PS, "staff_team_building", "north", "2025-01"),
      [("n-p1", "supervisor", "sales", "87.75")])           # (85.00 + 90.50) / 2; not q-p3, q-p4
check("team_building north 02", lines(PS, "staff_team_building", "north", "2025-02"),
      [("n-p1", "supervisor", "sales", "no_data")])
check("dealer_management north 02", lines(PS, "staff_dealer_management", "north", "2025-02"),
      [("n-p1", "supervisor", "sales", "77.77")])
# professional_skill north 01: every position; n-p2 rated as what they were on the first day of
# each rating's period: consultant 70.00 (q-p6), sales 80.01 (q-p7)
check("professional_skill north 01", lines(PS, "staff_professional_skill", "north", "2025-01"),
      [("n-p1", "supervisor", "sales", "no_data"), ("n-p2", "consultant", "service", "70.00"),
       ("n-p2", "sales", "sales", "80.01"), ("n-p3", "sales", "sales", "no_data"),
       ("n-p4", "consultant", "service", "no_data"), ("n-p6", "sem", "promotion", "no_data")])
check("professional_skill north 02", lines(PS, "staff_professional_skill", "north", "2025-02"),
      [("n-p1", "supervisor", "sales", "no_data"), ("n-p2", "sales", "sales", "75.00"),
       ("n-p4", "consultant", "service", "no_data"), ("n-p5", "sales", "sales", "88.00"),
       ("n-p6", "sem", "promotion", "no_data")])
check("professional_skill north 03 n-p6", lines(PS, "staff_professional_skill", "north", "2025-03")[-1],
      ("n-p6", "sem", "promotion", "59.99"))
# content_quality: north has no seo/new_media person (no line at all); west's w-p3 2025-03:
# (72.50 + 80.01) / 2 = 76.255 -> 76.26 (half-up tie)
check("content_quality north 03", lines(PS, "staff_content_quality", "north", "2025-03"), [])
check("content_quality west 03", lines(PS, "staff_content_quality", "west", "2025-03"),
      [("w-p3", "seo", "promotion", "76.26")])
check("content_quality west 04", lines(PS, "staff_content_quality", "west", "2025-04"),
      [("w-p3", "seo", "promotion", "no_data")])
# south and central have no staff and no ratings of people: no staff_* line
check("no staff_* lines in south", [v for v in PS["values"] if v["office"] == "south"
                                    and v["kpi"] in K.BY_STAFF_ONLY], [])
# --by position / department 2025-01: consultant (n-p2's 70.00; n-p4 none), sales (n-p2's 80.01;
# n-p3 none), sem, supervisor
check("professional_skill north 01 by position", lines(PP, "staff_professional_skill", "north", "2025-01"),
      [("consultant", "70.00"), ("sales", "80.01"), ("sem", "no_data"), ("supervisor", "no_data")])
check("professional_skill north 01 by department",
      lines(PD, "staff_professional_skill", "north", "2025-01"),
      [("promotion", "no_data"), ("sales", "80.01"), ("service", "70.00")])

# quarter and year grain (`--grain quarter,year`): a quarter's rating counts in the quarter and
# the year, a year's only in the year
PQ = people("staff", "--grain", "quarter,year")
PQP = people("position", "--grain", "quarter,year")
PQD = people("department", "--grain", "quarter,year")
check("people quarter/year periods", PQ["periods"], ["2025-Q1", "2025-Q2", "2025"])
# n-p1 team_building Q1: q-p1 85.00 + q-p2 90.50 + q-p3 91.00 = 266.50 / 3 = 88.8333 -> 88.83;
# 2025: + q-p4 60.00 = 326.50 / 4 = 81.625 -> 81.63 (half-up tie); Q2: no_data
check("team_building north Q1", lines(PQ, "staff_team_building", "north", "2025-Q1"),
      [("n-p1", "supervisor", "sales", "88.83")])
check("team_building north Q2", lines(PQ, "staff_team_building", "north", "2025-Q2"),
      [("n-p1", "supervisor", "sales", "no_data")])
check("team_building north 2025", lines(PQ, "staff_team_building", "north", "2025"),
      [("n-p1", "supervisor", "sales", "81.63")])
# professional_skill north Q1: n-p2 consultant q-p6 70.00 + q-p9 66.66 = 136.66 / 2 = 68.33;
# n-p2 sales q-p7 80.01 + q-p8 75.00 = 155.01 / 2 = 77.505 -> 77.51 (tie); n-p5 88.00; n-p6 59.99
check("professional_skill north Q1", lines(PQ, "staff_professional_skill", "north", "2025-Q1"),
      [("n-p1", "supervisor", "sales", "no_data"), ("n-p2", "consultant", "service", "68.33"),
       ("n-p2", "sales", "sales", "77.51"), ("n-p3", "sales", "sales", "no_data"),
       ("n-p4", "consultant", "service", "no_data"), ("n-p5", "sales", "sales", "88.00"),
       ("n-p6", "sem", "promotion", "59.99")])
check("professional_skill north 2025 n-p2",
      lines(PQ, "staff_professional_skill", "north", "2025")[1:3],
      [("n-p2", "consultant", "service", "68.33"), ("n-p2", "sales", "sales", "77.51")])
# by position Q1: sales = n-p2 sales (80.01, 75.00) + n-p5 (88.00) = 243.01 / 3 = 81.0033 -> 81.00
check("professional_skill north Q1 by position",
      lines(PQP, "staff_professional_skill", "north", "2025-Q1"),
      [("consultant", "68.33"), ("sales", "81.00"), ("sem", "59.99"), ("supervisor", "no_data")])
check("professional_skill north Q1 by department",
      lines(PQD, "staff_professional_skill", "north", "2025-Q1"),
      [("promotion", "59.99"), ("sales", "81.00"), ("service", "68.33")])
# w-p3 content_quality: Q1 76.26 (the March ratings), Q2 90.00 (q-p14), 2025: 72.50 + 80.01 +
# 90.00 = 242.51 / 3 = 80.8366 -> 80.84
check("content_quality west", [lines(PQ, "staff_content_quality", "west", p)
                               for p in ("2025-Q1", "2025-Q2", "2025")],
      [[("w-p3", "seo", "promotion", "76.26")], [("w-p3", "seo", "promotion", "90.00")],
       [("w-p3", "seo", "promotion", "80.84")]])
# the nine at quarter grain, recomputed from the quarter's rows: leads north Q1 = 4 + 1 + 1 = 6
# (January, February, March above), the lines of every assignment overlapping the quarter
check("leads north Q1", lines(PQ, "leads", "north", "2025-Q1"),
      [("n-p1", "supervisor", "sales", "0"), ("n-p2", "consultant", "service", "1"),
       ("n-p2", "sales", "sales", "1"), ("n-p3", "sales", "sales", "0"),
       ("n-p4", "consultant", "service", "0"), ("n-p5", "sales", "sales", "0"),
       ("n-p6", "sem", "promotion", "1"), UN + ("3",)])

# rating periods and the first day that places a rating (kpi_oracle.rating_in_period, row_day)
check("rating in period", [K.rating_in_period(rp, p) for rp, p in [
    ("2025-03", "2025-03"), ("2025-03-31", "2025-03"), ("2025-03", "2025-Q1"), ("2025-Q1", "2025-03"),
    ("2025-Q1", "2025-Q1"), ("2025-Q1", "2025"), ("2025", "2025-Q4"), ("2025", "2025"),
    ("2025-W05", "2025-02"), ("2025-Q2", "2025-Q1")]],
    [True, True, True, False, True, True, False, True, False, False])
check("rating first day", [K.row_day("qualitative_ratings", {"period": p})
                           for p in ("2025-03", "2025-03-14", "2025-Q3", "2025", "2025-W05")],
      ["2025-03-01", "2025-03-14", "2025-07-01", "2025-01-01", None])

# attribution rules in memory: the latest active_from wins when assignments overlap (bad data);
# both bounds inclusive; an assignment in another office does not count
ST = K.Staff([{"staff_id": "a", "office_id": "x", "position": "sales", "department": "sales",
               "active_from": "2025-01-01", "active_to": "2025-03-31"},
              {"staff_id": "a", "office_id": "x", "position": "consultant", "department": "service",
               "active_from": "2025-03-01", "active_to": None},
              {"staff_id": "a", "office_id": "y", "position": "supervisor", "department": "sales",
               "active_from": "2024-01-01", "active_to": None}])
for day, office, want in [("2024-12-31", "x", None), ("2025-01-01", "x", "sales"),
                          ("2025-02-28", "x", "sales"), ("2025-03-01", "x", "consultant"),
                          ("2025-04-01", "x", "consultant"), ("2024-06-01", "y", "supervisor"),
                          ("2024-06-01", "z", None)]:
    a = ST.assignment(office, "a", day)
    check("assignment %s %s" % (office, day), a and a["position"], want)
check("overlapping x 2025-03", sorted(a["position"] for a in ST.overlapping("x", "2025-03")),
      ["consultant", "sales"])
check("overlapping x 2024-12", ST.overlapping("x", "2024-12"), [])

# compare.py keys people lines by (kpi, office, period, channel, staff, position, department):
# a people line compares with the same group's line only; an office-level oracle does not
# cover people lines (UNCOVERED)
pl = [dict(v) for v in PS["values"] if (v["kpi"], v["office"], v["period"]) == ("leads", "north", "2025-01")]
rc, text = run_compare({"by": "staff", "kpis": ["leads"], "values": pl}, pl)
check("compare people equal", (rc, "6 keys compared, 6 equal" in text), (0, True))
bad = [dict(v) for v in pl]
bad[1]["value"], bad[2]["value"] = bad[2]["value"], "2"
rc, text = run_compare({"by": "staff", "kpis": ["leads"], "values": pl}, bad)
check("compare people differ", (rc, "DIFF leads north 2025-01 n-p2 sales sales" in text), (1, True))
rc, text = run_compare({"by": None, "kpis": ["leads"], "values": []}, pl)
check("compare people uncovered", (rc, "UNCOVERED kpi leads" in text), (1, True))
# the order is compared too: the unattributed line before a person's is out of order
rc, text = run_compare({"by": "staff", "kpis": ["leads"], "values": pl}, pl[-1:] + pl[:-1])
check("compare people order", (rc, "leads north 2025-01 n-p1 supervisor sales comes after leads "
                               "north 2025-01 (unattributed)" in text), (1, True))

# --- people and department scorecards (SPEC §9.5 "Whose target", applies_to, "Bonus, hard
# indicators, quarters", "Ranking"; §9.6 scorecard JSON), in memory.  Head office `hq`, offices
# x and y.  Assignments (all 2025):
#   p1 sales/sales x, p2 sales/sales x, p5 sales/sales x, p3 consultant/service x, all year;
#   q1 consultant/service x from 2025-02-01 (in two of Q1's three months);
#   p4 sales/sales y, all year
# Confirmed orders (salesperson_id; deal_amount, deal_count of the month):
#   2025-03: p1 600.00 + 400.00 = 1000.00 (2 deals); p2 900.00 (1); p5 700.00 + 800.00 = 1500.00
#            (2); p3 500.00 (1); q1 500.00 (1); p4 (y) 700.00 (1)
#   2025-02: q1 300.00 (1)
# Leads: p1 two in March, one converted (customer acquired 5 days later): lcr 1/2 = 0.5000;
#   p2, p5, p3 none (lcr zero_denominator).
def pc_order(oid, who, date, amount, office="x"):
    return {"order_id": oid, "office_id": office, "customer_id": "c-" + oid, "channel_id": "sem",
            "order_date": date, "amount": D(amount), "status": "confirmed", "salesperson_id": who}


def pc_assign(sid, position, office="x", start="2025-01-01"):
    return {"staff_id": sid, "office_id": office, "name": sid, "position": position,
            "department": "service" if position == "consultant" else "sales",
            "active_from": start, "active_to": None}


def pc_target(kpi, scope, key, office, period, value, version=1):
    return {"target_id": "t-%s-%s-%s-%s-%s-%d" % (kpi, scope, key, office, period, version),
            "kpi_id": kpi, "scope": scope, "scope_key": key, "office_id": office,
            "period": period, "target_value": D(value), "version": version}


PD = {c: [] for c in K.COLLECTIONS}
PD["staff"] = [pc_assign("p1", "sales"), pc_assign("p2", "sales"), pc_assign("p5", "sales"),
               pc_assign("p3", "consultant"), pc_assign("q1", "consultant", start="2025-02-01"),
               pc_assign("p4", "sales", office="y")]
PD["orders"] = [pc_order("o1", "p1", "2025-03-03", "600.00"), pc_order("o2", "p1", "2025-03-04", "400.00"),
                pc_order("o3", "p2", "2025-03-05", "900.00"), pc_order("o4", "p5", "2025-03-06", "700.00"),
                pc_order("o5", "p5", "2025-03-07", "800.00"), pc_order("o6", "p3", "2025-03-08", "500.00"),
                pc_order("o7", "q1", "2025-03-09", "500.00"), pc_order("o8", "q1", "2025-02-10", "300.00"),
                pc_order("o9", "p4", "2025-03-10", "700.00", office="y")]
PD["leads"] = [{"lead_id": "l1", "office_id": "x", "created_date": "2025-03-01", "assigned_to": "p1",
                "customer_id": "c-l1"},
               {"lead_id": "l2", "office_id": "x", "created_date": "2025-03-02", "assigned_to": "p1"}]
PD["customers"] = [{"customer_id": "c-l1", "office_id": "x", "acquired_date": "2025-03-06"}]
PD["targets"] = [
    # deal_amount 2025-03.  Level 1: p1's own target in x
    pc_target("deal_amount", "staff", "p1", "x", "2025-03", "800.00"),
    # p3's own target, but in office y: not p3's office, never read
    pc_target("deal_amount", "staff", "p3", "y", "2025-03", "100.00"),
    # level 2: the sales position in x, versions 1 and 2 (2 wins)
    pc_target("deal_amount", "position", "sales", "x", "2025-03", "1000.00", 1),
    pc_target("deal_amount", "position", "sales", "x", "2025-03", "1200.00", 2),
    # level 3: the consultant position company-wide
    pc_target("deal_amount", "position", "consultant", "hq", "2025-03", "400.00"),
    # office targets: a person never falls back to them (p4: no sales target in y nor at hq)
    pc_target("deal_amount", "office", None, "x", "2025-03", "5000.00"),
    pc_target("deal_amount", "office", None, "y", "2025-03", "700.00"),
    # deal_count 2025-03: sales in x 4, consultants company-wide 1
    pc_target("deal_count", "position", "sales", "x", "2025-03", "4"),
    pc_target("deal_count", "position", "consultant", "hq", "2025-03", "1"),
    # lead_conversion_rate 2025-03: sales in x 0.1000
    pc_target("lead_conversion_rate", "position", "sales", "x", "2025-03", "0.1000"),
    # Q1 months for the consultants (mean_of_months), and a quarter target (aggregate)
    pc_target("deal_amount", "position", "consultant", "hq", "2025-01", "400.00"),
    pc_target("deal_amount", "position", "consultant", "hq", "2025-02", "400.00"),
    pc_target("deal_amount", "position", "consultant", "hq", "2025-Q1", "1000.00"),
]
PE = K.Engine(PD)
PS_ = K.PeopleScorer(PD, PE, ["x", "y"], "hq")


def card(items, bands=None, level=None, grain="month", rule=None):
    j = {"id": "t", "items": items, "period_grain": grain,
         "applies_to": level or {"level": "position", "positions": ["consultant", "sales"]},
         "bands": bands or [{"label": "A", "min": "100", "bonus": "1.50"},
                            {"label": "B", "min": "60", "bonus": "1.10"},
                            {"label": "C", "min": "0"}]}
    if rule:
        j["period_rule"] = rule
    return K.parse_scorecard(j)


def item(kpi, weight, cap="1.20", hard=None):
    it = {"kpi": kpi, "weight": weight, "method": "ratio", "floor": "0", "cap": cap}
    if hard:
        it["hard"] = {"min_attainment": hard[0], "cap_total": hard[1]}
    return it


def results(sc, period):
    return {(r["office"], r["staff"]): r for r in PS_.results(sc, period)}


def brief(r):
    return (r["total"], r["band"], r["bonus"], r["rank"], r["rank_in_office"], r["hard_failures"],
            r["undefined_reason"])


# one item, deal_amount 1.0000, ratio, cap 1.20: total = 100 x min(a/t, 1.20)
SC1 = card([item("deal_amount", "1.0000")])
R1 = results(SC1, "2025-03")
# p1: own target 800.00 (level 1): 1000.00/800.00 = 1.25 -> cap 1.20 -> 120.00
check("precedence staff", (R1[("x", "p1")]["items"][0]["target"], R1[("x", "p1")]["total"]),
      ("800.00", "120.00"))
# p2: the position's target in x, highest version (2): 900.00/1200.00 = 0.75 -> 75.00
check("precedence position in office, version", (R1[("x", "p2")]["items"][0]["target"],
                                                 R1[("x", "p2")]["total"]), ("1200.00", "75.00"))
# p3: no own target in x (the one in y is not read), no consultant target in x: company-wide
# 400.00; 500.00/400.00 = 1.25 -> 120.00
check("precedence company-wide", (R1[("x", "p3")]["items"][0]["target"], R1[("x", "p3")]["total"]),
      ("400.00", "120.00"))
# p4 (y): no sales target in y nor at hq; the office target of y is never a person's:
# undefined, missing_target, the actual still shown
check("precedence missing", (R1[("y", "p4")]["items"][0]["actual"], R1[("y", "p4")]["items"][0]["note"],
                             brief(R1[("y", "p4")])),
      ("700.00", "missing_target", (None, None, None, None, None, [], "missing_target")))
# q1 (consultant from 02-01): 500.00/400.00 -> 120.00
# ranks: sales p1 120.00, p5 1500.00/1200.00 = 1.25 -> 120.00 (tie: 1, 1), p2 75.00 -> 3, p4 none;
# consultants p3, q1 120.00 -> 1, 1.  In x: p1, p3, p5, q1 120.00 -> 1; p2 -> 5
check("rank ties", {s: (r["rank"], r["rank_in_office"]) for (o, s), r in R1.items()},
      {"p1": (1, 1), "p5": (1, 1), "p2": (3, 5), "p4": (None, None), "p3": (1, 1), "q1": (1, 1)})
# --rank order: by position, rank, staff id, office; the unranked after the ranked of its group
check("rank order", [r["staff"] for r in PS_.results(SC1, "2025-03")],
      ["p3", "q1", "p1", "p5", "p2", "p4"])
# bands and bonus: 120.00 -> A 1.50; 75.00 -> B 1.10; a band without bonus -> null
check("bonus", [(R1[("x", s)]["band"], R1[("x", s)]["bonus"]) for s in ("p1", "p2")],
      [("A", "1.50"), ("B", "1.10")])

# hard indicators: deal_amount 0.60 (hard: below 1.30 caps at 70), deal_count 0.40 (hard: below
# 0.80 caps at 50).  p1: deal_amount 1.25 (< 1.30: fails), deal_count 2/4 = 0.5 (fails):
# 100 x (0.60 x 1.20 + 0.40 x 0.50) = 92.00, strictest cap 50 -> 50.00, band C (no bonus);
# p5 likewise (1.25, 2/4) 50.00; p2 0.75 and 1/4: 100 x (0.45 + 0.10) = 55.00 -> 50.00: three
# sales at 50.00 share rank 1.
# p3: deal_amount 1.25 fails (cap 70); deal_count 1/1 = 1.0: 100 x (0.72 + 0.40) = 112.00 -> 70.00,
# B; q1 the same.  In x: p3, q1 70.00 -> 1; p1, p2, p5 -> 3
SCH = card([item("deal_amount", "0.60", hard=("1.30", "70")),
            item("deal_count", "0.40", hard=("0.80", "50"))])
RH = results(SCH, "2025-03")
check("hard cap p1", brief(RH[("x", "p1")]), ("50.00", "C", None, 1, 3,
                                              ["deal_amount", "deal_count"], None))
check("hard cap p3", brief(RH[("x", "p3")]), ("70.00", "B", "1.10", 1, 1, ["deal_amount"], None))
# zeroing: deal_count below 0.80 -> total 0.  p1 0.00 (from 92.00); p3 112.00 (no failure), A
SCZ = card([item("deal_amount", "0.60"), item("deal_count", "0.40", hard=("0.80", "0"))])
RZ = results(SCZ, "2025-03")
check("hard zero p1", brief(RZ[("x", "p1")])[:3] + brief(RZ[("x", "p1")])[5:],
      ("0.00", "C", None, ["deal_count"], None))
check("hard zero p3", brief(RZ[("x", "p3")])[:3], ("112.00", "A", "1.50"))
# an unknown attainment is a hard failure: p2 has no lead, lcr 0/0 = zero_denominator, scores 0
# (missing: zero): 100 x (0.50 x 0.75 + 0) = 37.50, below the cap 40 (which does not raise it)
SCU = card([item("deal_amount", "0.50"), item("lead_conversion_rate", "0.50", hard=("0.50", "40"))])
RU = results(SCU, "2025-03")
check("hard unknown p2", (brief(RU[("x", "p2")])[0], RU[("x", "p2")]["hard_failures"],
                          RU[("x", "p2")]["items"][1]["note"]),
      ("37.50", ["lead_conversion_rate"], "zero_denominator"))
# p1: lcr 1/2 = 0.5000 / 0.1000 = 5.0 -> cap 1.20; raw 5.0000 is not below 0.50: no failure
check("hard pass p1", (RU[("x", "p1")]["items"][1]["attainment"], RU[("x", "p1")]["hard_failures"],
                       RU[("x", "p1")]["total"]), ("5.0000", [], "120.00"))

# quarters: mean_of_months.  Consultant targets 400.00 in each month of Q1.
# q1 (from 02-01, a line in February and March only): Feb 300.00/400.00 = 0.75 -> 75.00 (hard
# below 0.80, cap 90: listed, does not bind); Mar 1.25 -> 120.00.  Mean (75.00 + 120.00) / 2 =
# 97.50, band B; the item's score (0.7500 + 1.2000) / 2 = 0.9750, note mean_of_months
# p3 (all quarter): Jan 0.00, Feb 0.00 (no order), Mar 120.00 -> 40.00
# sales (p1 ...): no January target -> the quarter is undefined, missing_target
SCM = card([item("deal_amount", "1.0000", hard=("0.80", "90"))], grain="quarter",
           rule="mean_of_months")
RM = results(SCM, "2025-Q1")
check("mean_of_months q1", (brief(RM[("x", "q1")]), RM[("x", "q1")]["items"][0]),
      (("97.50", "B", "1.10", 1, 1, ["deal_amount"], None),
       {"kpi": "deal_amount", "weight": "1.0000", "actual": None, "target": None,
        "attainment": None, "score": "0.9750", "note": "mean_of_months", "excluded": False}))
check("mean_of_months months", RM[("x", "q1")]["months_scored"], ["2025-02", "2025-03"])
check("mean_of_months p3", RM[("x", "p3")]["total"], "40.00")
check("mean_of_months undefined", (RM[("x", "p1")]["total"], RM[("x", "p1")]["undefined_reason"],
                                   RM[("x", "p1")]["rank"]), (None, "missing_target", None))
# aggregate: the quarter's own value against the quarter's target: p3 Q1 deal_amount 500.00 (the
# March order; recomputed from the quarter's rows) / 1000.00 = 0.5 -> 50.00; q1 800.00 -> 80.00
SCA = card([item("deal_amount", "1.0000")], grain="quarter", rule="aggregate")
RA = results(SCA, "2025-Q1")
check("aggregate quarter", [(RA[("x", s)]["items"][0]["actual"], RA[("x", s)]["total"])
                            for s in ("p3", "q1")], [("500.00", "50.00"), ("800.00", "80.00")])
check("aggregate quarter grain", [r["period"] for r in PS_.results(SCA, "2025-Q1")][:1], ["2025-Q1"])

# department scorecard: a department's line in each office; targets in the office, else at hq
# (the sales department's deal_amount in x: 1000 + 900 + 1500 = 3400.00 against its own 4000.00 =
# 0.85 -> 85.00; service in x: p3 + q1 = 1000.00 against the company-wide 800.00 -> 120.00)
PD["targets"] += [pc_target("deal_amount", "department", "sales", "x", "2025-03", "4000.00"),
                  pc_target("deal_amount", "department", "sales", "hq", "2025-03", "100.00"),
                  pc_target("deal_amount", "department", "service", "hq", "2025-03", "800.00")]
PS_ = K.PeopleScorer(PD, PE, ["x", "y"], "hq")
SCD = card([item("deal_amount", "1.0000")], level={"level": "department",
                                                   "departments": ["sales", "service"]})
RD = PS_.results(SCD, "2025-03")
# y's sales line (p4 700.00) against the company-wide 100.00 -> 120.00: ranks within the
# department company-wide (y 1, x 2) and within the office (x: service 1, sales 2)
check("department", [(r["department"], r["office"], r["total"], r["rank"], r["rank_in_office"])
                     for r in RD],
      [("sales", "y", "120.00", 1, 1), ("sales", "x", "85.00", 2, 2),
       ("service", "x", "120.00", 1, 1)])


# compare.py --people-scorecard: equal; a changed rank; an order that differs
def run_compare_ps(oracle_results, outpost_doc):
    with tempfile.TemporaryDirectory() as td:
        po, pb = os.path.join(td, "o.json"), os.path.join(td, "b.json")
        with open(po, "w") as fh:
            json.dump({"people_scorecards": oracle_results}, fh)
        with open(pb, "w") as fh:
            json.dump(outpost_doc, fh)
        cb = io.StringIO()
        with redirect_stdout(cb):
            rc = compare.main([po, "--people-scorecard", pb])
        return rc, cb.getvalue()


OR1 = [dict(r) for r in PS_.results(SC1, "2025-03")]
BDOC = {"format": "outpost-scorecard/1", "scorecard": "t", "period": "2025-03", "level": "position",
        "results": [{k: v for k, v in r.items() if k not in ("scorecard", "period")} for r in OR1]}
rc, text = run_compare_ps(OR1, BDOC)
check("compare ps equal", (rc, "6 result(s) compared, 6 equal" in text), (0, True))
bad = json.loads(json.dumps(BDOC))
bad["results"][3]["rank"] = 2
rc, text = run_compare_ps(OR1, bad)
check("compare ps rank", (rc, "PS DIFF t x 2025-03 p5 sales sales: rank oracle=1 outpost=2" in text),
      (1, True))
bad = json.loads(json.dumps(BDOC))
bad["results"][2], bad["results"][3] = bad["results"][3], bad["results"][2]
rc, text = run_compare_ps(OR1, bad)
check("compare ps order", (rc, "PS ORDER t 2025-03: result 3 is x p5 sales sales, the oracle "
                            "lists x p1 sales sales" in text), (1, True))

# the same invariant over the generated fixtures (if present), and their planted people cases
FIX = os.path.join(HERE, "..", "..", "fixtures", "dataset")
if os.path.isdir(FIX):
    def run(*a):
        buf = io.StringIO()
        with redirect_stdout(buf):
            K.main([FIX, "--compact", "--no-scorecard"] + [x for k in ADDITIVE for x in ("--kpi", k)]
                   + list(a))
        return json.loads(buf.getvalue())
    FO = {(v["kpi"], v["office"], v["period"]): D(v["value"]) for v in run()["values"]}
    FP = {}
    for by in ("staff", "position", "department"):
        doc = FP[by] = run("--by", by)
        sums = {}
        for v in doc["values"]:
            key = (v["kpi"], v["office"], v["period"])
            sums[key] = sums.get(key, D(0)) + D(v["value"])
        check("fixtures: %s lines add up to the office values" % by,
              [k for k in FO if sums.get(k, D(0)) != FO[k]], [])
    FS = FP["staff"]
    # n-05 changes position on 2025-06-16: two north lines in June, one before and after
    check("fixtures n-05 lines", sorted({(v["period"], v["position"]) for v in FS["values"]
                                         if v["staff"] == "n-05" and v["kpi"] == "leads"
                                         and "2025-05" <= v["period"] <= "2025-07"}),
          [("2025-05", "consultant"), ("2025-06", "consultant"), ("2025-06", "sales"),
           ("2025-07", "sales")])
    # n-07 moves north -> east on 2025-07-01: north lines to June, east lines from July
    check("fixtures n-07 offices", sorted({(v["office"], v["period"]) for v in FS["values"]
                                           if v["staff"] == "n-07" and v["kpi"] == "deal_count"
                                           and "2025-06" <= v["period"] <= "2025-07"}),
          [("east", "2025-07"), ("north", "2025-06")])
    # s-06 leaves 2025-07-18, s-08 joins 2025-07-21: both in July; s-06 not in August
    check("fixtures south July/August", sorted({(v["period"], v["staff"]) for v in FS["values"]
                                                if v["staff"] in ("s-06", "s-08") and v["kpi"] == "leads"
                                                and "2025-06" <= v["period"] <= "2025-08"}),
          [("2025-06", "s-06"), ("2025-07", "s-06"), ("2025-07", "s-08"), ("2025-08", "s-08")])
    # w-01 (west's supervisor) has no row: a 0 in every month of the grid
    w01 = [v["value"] for v in FS["values"] if v["staff"] == "w-01" and v["kpi"] == "deal_amount"]
    check("fixtures w-01", (len(w01), set(w01)), (len(FS["months"]), {"0.00"}))
    # n-02 (sem) answered chats during 618: a north line for leads in June, none in May
    check("fixtures n-02", sorted(v["period"] for v in FS["values"]
                                  if v["staff"] == "n-02" and v["kpi"] == "leads"), ["2025-06"])

print("selftest: %s" % ("OK" if not fails else "%d failure(s)" % fails))
sys.exit(1 if fails else 0)
