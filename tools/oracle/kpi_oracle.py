#!/usr/bin/env python3
"""Independent KPI oracle for Outpost.

Written from the KPI rules now in docs/kpis.md (§1 R1-R9, §2, §5, §6) and SPEC.md (§2, §9),
without reading the Swift implementation.  Python 3 standard library only; every business
value is an exact decimal.Decimal (sums, differences, products are exact) and the single
division of a KPI is done by exact integer arithmetic and rounded once, half-up
(away from zero, 四舍五入) at the KPI's scale.

Usage:
    kpi_oracle.py DATA_DIR [--office ID]... [--kpi ID]... [--months FROM:TO]
                  [--by channel|staff|position|department] [--grain month|quarter|year|quarter,year]
                  [--branch] [--no-scorecard] [--compact]

DATA_DIR holds one folder per office with the standard collections as CSV files
(DATA/north/orders.csv, ...; head-office collections such as DATA/hq/targets.csv).
Output (stdout): JSON {"format":"kpi-oracle/1","grain":"month","values":[...],
"scorecards":[...]}.
"""

import argparse
import csv
import datetime
import json
import os
import re
import sys
from decimal import Decimal, Inexact, getcontext

# Exactness guard: + - * of Decimals must never round; any inexact operation raises.
getcontext().prec = 200
getcontext().traps[Inexact] = True

# ---------------------------------------------------------------------------
# Collections (SPEC.md §2, docs/kpis.md §4) and column types
# ---------------------------------------------------------------------------

INT, DEC, BOOL, DATE, MONTH, STR, TS, PERIOD = ("int", "dec", "bool", "date", "month", "str", "ts",
                                               "period")

COLLECTIONS = {
    "channel_daily": {
        "key": ["office_id", "channel_id", "date"],
        "types": {"date": DATE, "impressions": INT, "clicks": INT, "visits": INT,
                  "page_views": INT, "engaged_visits": INT, "consultations": INT,
                  "consult_calls": INT, "registrations": INT, "downloads": INT,
                  "subscriptions": INT, "spend": DEC, "emails_sent": INT,
                  "emails_delivered": INT, "email_unique_opens": INT,
                  "email_unique_clicks": INT},
        "time": "date"},
    "index_snapshots": {
        "key": ["office_id", "search_engine", "snapshot_date"],
        "types": {"snapshot_date": DATE, "indexed_pages": INT},
        "time": "snapshot_date"},
    "social_daily": {
        "key": ["office_id", "platform", "date"],
        "types": {"date": DATE, "followers_total": INT, "likes": INT, "comments": INT,
                  "shares": INT, "mentions": INT, "positive_mentions": INT,
                  "negative_mentions": INT},
        "time": "date"},
    "leads": {
        "key": ["lead_id"],
        "types": {"created_date": DATE, "has_need": BOOL, "has_contact": BOOL,
                  "first_followup_date": DATE},
        "time": "created_date"},
    "customers": {
        "key": ["customer_id"],
        "types": {"acquired_date": DATE},
        "time": "acquired_date"},
    "orders": {
        "key": ["order_id"],
        "types": {"order_date": DATE, "quantity": INT, "amount": DEC, "cogs": DEC,
                  "placed_at": TS, "fulfilled_at": TS, "shipped_at": TS, "delivered_at": TS},
        "time": "order_date"},
    "returns": {
        "key": ["return_id"],
        "types": {"return_date": DATE, "quantity": INT, "refund_amount": DEC,
                  "cogs_reversed": DEC},
        "time": "return_date"},
    "invoices": {
        "key": ["invoice_id"],
        "types": {"issue_date": DATE, "due_date": DATE, "amount": DEC},
        "time": "due_date"},
    "payments": {
        "key": ["payment_id"],
        "types": {"payment_date": DATE, "amount": DEC},
        "time": None},           # period = the joined invoice's due_date (SPEC §9.4 collected_on_due)
    "complaints": {
        "key": ["complaint_id"],
        "types": {"received_date": DATE, "resolved_date": DATE},
        "time": "received_date"},
    "survey_responses": {
        "key": ["response_id"],
        "types": {"response_date": DATE, "score": INT, "max_score": INT, "aware": BOOL},
        "time": "response_date"},
    "costs": {
        "key": ["office_id", "channel_id", "month", "cost_type"],
        "types": {"month": MONTH, "amount": DEC},
        "time": "month"},
    # office-owned: one record per assignment of a person to a position in an office (SPEC §2.8:
    # record id = office_id.staff_id.active_from; `active_to` empty = still active; both bounds
    # inclusive).  Read by no measure: only by the people breakdowns (`--by staff|
    # position|department`), which attribute leads/orders/complaints rows to assignments.
    "staff": {
        "key": ["office_id", "staff_id", "active_from"],
        "types": {"active_from": DATE, "active_to": DATE},
        "required": ["staff_id", "office_id", "name", "position", "department", "active_from"],
        "time": None},
    # office-owned (SPEC §2.8 "Ad accounts and per-person SEM values"): one record per span of
    # one owner of an account; id office_id.account_id.active_from; read by no measure, only by
    # the attribution of `ad_daily` rows (§9.3 `staff_through`)
    "ad_accounts": {
        "key": ["office_id", "account_id", "active_from"],
        "types": {"active_from": DATE, "active_to": DATE},
        "required": ["account_id", "office_id", "channel_id", "owner", "active_from"],
        "time": None},
    # the platforms' daily export, one row per account, campaign and day (SPEC §2.8); read only
    # by the sem_* measures (by `date`)
    "ad_daily": {
        "key": ["office_id", "account_id", "campaign_id", "date"],
        "types": {"date": DATE, "impressions": INT, "clicks": INT, "cost": DEC,
                  "consultations": INT},
        "time": "date"},
    # content plans (SPEC §2.8 "Plan execution"): `period` a month; read by tasks_planned,
    # tasks_done (by `period`)
    "tasks": {
        "key": ["task_id"],
        "types": {"period": MONTH, "planned": INT, "done": INT},
        "time": "period"},
    # head-office owned
    "targets": {
        "key": ["target_id"],
        "types": {"target_value": DEC, "worst": DEC, "best": DEC, "version": INT},
        "time": None, "head": True},
    # head-office owned, but each rating names its office (SPEC §9.4 paragraph after the KPI
    # table: "head office's ratings in `qualitative_ratings` (`office_id`, `subject`,
    # `criterion_id`, `period` (a month or a day), `score` 0–100 with 2 places, `rater`)").
    # SPEC §2.1/§2.2 do not list the collection nor its id column; `rating_id` is the id column
    # `outpost collections` prints (columns rating_id, office_id, subject, criterion_id, period,
    # score, rater; owner head).
    "qualitative_ratings": {
        "key": ["rating_id"],
        "types": {"period": PERIOD, "score": DEC},
        "required": ["rating_id", "office_id", "criterion_id", "period", "score", "rater"],
        "time": "period", "head": True, "by_office": True},
}

RE_INT = re.compile(r"^(0|[1-9][0-9]*)$")
RE_DEC = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?$")
RE_DATE = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")
RE_MONTH = re.compile(r"^[0-9]{4}-(0[1-9]|1[0-2])$")
# SPEC §2.3 periods: `2025`, `2025-Q1`, `2025-03`, `2025-W07`, `2025-03-14`
RE_PERIOD_OTHER = re.compile(r"^[0-9]{4}(-Q[1-4]|-W(0[1-9]|[1-4][0-9]|5[0-3]))?$")
# SPEC §2.3 "timestamps ISO 8601 with seconds and offset" (RFC 3339 date-time, upper-case T/Z):
# YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)
RE_TS = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
                   r"(\.[0-9]+)?(Z|[+-]([0-9]{2}):([0-9]{2}))$")


class DataError(Exception):
    pass


def parse_cell(text, typ, where):
    """Empty cell = null (SPEC §2.3); otherwise strict parsing, no floats."""
    if text == "":
        return None
    if typ == STR:
        return text
    if typ == INT:
        if not RE_INT.match(text):
            raise DataError("%s: not a count: %r" % (where, text))
        return int(text)
    if typ == DEC:
        if not RE_DEC.match(text):
            raise DataError("%s: not a decimal: %r" % (where, text))
        return Decimal(text)
    if typ == BOOL:
        t = text.lower()
        if t in ("1", "true"):
            return True
        if t in ("0", "false"):
            return False
        raise DataError("%s: not a boolean: %r" % (where, text))
    if typ == DATE:
        if not RE_DATE.match(text):
            raise DataError("%s: not a date: %r" % (where, text))
        return text
    if typ == MONTH:
        if not RE_MONTH.match(text):
            raise DataError("%s: not a month: %r" % (where, text))
        return text
    if typ == PERIOD:
        if RE_MONTH.match(text) or RE_PERIOD_OTHER.match(text):
            return text
        if RE_DATE.match(text):
            try:
                datetime.date.fromisoformat(text)
                return text
            except ValueError:
                pass
        raise DataError("%s: not a period: %r" % (where, text))
    if typ == TS:
        # kept as its text (its first ten characters are the office's local date, SPEC §9.4);
        # checked here so that a malformed timestamp is refused like any malformed cell
        if instant(text) is None:
            raise DataError("%s: not a timestamp: %r" % (where, text))
        return text
    raise AssertionError(typ)


def instant(text):
    """Exact seconds since 1970-01-01T00:00:00Z of an RFC 3339 timestamp, as a Decimal (the
    fraction of a second kept exactly); None when the text is not a timestamp.  The calendar
    part (days since the epoch, validity of the date) uses datetime.date; the rest is integer
    arithmetic: local seconds of the day minus the offset."""
    if not isinstance(text, str):
        return None
    mt = RE_TS.match(text)
    if not mt:
        return None
    y, mo, d, h, mi, sec = (int(mt.group(i)) for i in range(1, 7))
    try:
        days = datetime.date(y, mo, d).toordinal() - datetime.date(1970, 1, 1).toordinal()
    except ValueError:
        return None
    if h > 23 or mi > 59 or sec > 59:
        return None
    off = 0
    if mt.group(8) != "Z":
        oh, om = int(mt.group(9)), int(mt.group(10))
        if oh > 23 or om > 59:
            return None
        off = (oh * 3600 + om * 60) * (1 if mt.group(8)[0] == "+" else -1)
    whole = days * 86400 + h * 3600 + mi * 60 + sec - off
    frac = Decimal("0" + mt.group(7)) if mt.group(7) else Decimal(0)
    return Decimal(whole) + frac


RE_STAFF_ID = re.compile(r"^[A-Za-z0-9_-]+$")


def check_assignment(row, where):
    """A `staff` row (the people contract): `staff_id` letters, digits, `_`, `-` only (it is a
    key value of the composite id, so no `.`); `active_to` >= `active_from` when given.
    `position` and `department` are taken as they are (any id; the built-in ones are sem, seo,
    new_media, consultant, sales, supervisor and promotion, sales, service)."""
    if not RE_STAFF_ID.match(row["staff_id"]):
        raise DataError("%s: staff_id %r: letters, digits, '_' and '-' only" % (where, row["staff_id"]))
    if row.get("active_to") is not None and row["active_to"] < row["active_from"]:
        raise DataError("%s: active_to %s before active_from %s" % (where, row["active_to"],
                                                                   row["active_from"]))


def load_dataset(root, warnings):
    """Returns {collection: [row dict]} with office_id filled in from the folder name when the
    column is missing or empty (SPEC §2.4).  Rows are upserted by record id (§2.2): a later row
    with the same id (case-insensitive) replaces the earlier one, as a re-import would."""
    data = {c: {} for c in COLLECTIONS}
    folders = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    for folder in folders:
        for coll, meta in COLLECTIONS.items():
            path = os.path.join(root, folder, coll + ".csv")
            if not os.path.exists(path):
                continue
            with open(path, newline="", encoding="utf-8-sig") as fh:
                reader = csv.DictReader(fh)
                for lineno, raw in enumerate(reader, start=2):
                    row = {}
                    for col, text in raw.items():
                        if col is None:
                            raise DataError("%s:%d: too many fields" % (path, lineno))
                        if text is None:
                            raise DataError("%s:%d: too few fields" % (path, lineno))
                        row[col] = parse_cell(text, meta["types"].get(col, STR),
                                              "%s:%d:%s" % (path, lineno, col))
                    if not meta.get("head"):
                        if not row.get("office_id"):
                            row["office_id"] = folder
                    for col in meta.get("required", ()):
                        if row.get(col) is None:
                            raise DataError("%s:%d: %s requires a value" % (path, lineno, col))
                    if coll == "staff":
                        check_assignment(row, "%s:%d" % (path, lineno))
                    rid = ".".join(str(row.get(k)) for k in meta["key"]).lower()
                    if rid in data[coll]:
                        warnings.append("%s:%d: duplicate id %s (later row wins)" % (path, lineno, rid))
                    data[coll][rid] = row
    return {c: list(v.values()) for c, v in data.items()}


# ---------------------------------------------------------------------------
# Exact arithmetic and rounding (docs/kpis.md R9, §2; SPEC §9.1)
# ---------------------------------------------------------------------------

def _as_int_ratio(d):
    """Decimal -> (numerator int, denominator power of ten)."""
    sign, digits, exp = d.as_tuple()
    n = int("".join(map(str, digits))) if digits else 0
    if sign:
        n = -n
    if exp >= 0:
        return n * (10 ** exp), 1
    return n, 10 ** (-exp)


def div_round(num, den, scale):
    """Exact num/den rounded half-up (away from zero) to `scale` places; pure integer math."""
    a, b = _as_int_ratio(Decimal(num))
    c, d = _as_int_ratio(Decimal(den))
    # num/den = (a*d) / (b*c)
    n, m = a * d * (10 ** scale), b * c
    if m == 0:
        raise ZeroDivisionError
    neg = (n < 0) != (m < 0)
    n, m = abs(n), abs(m)
    q, r = divmod(n, m)
    if 2 * r >= m:
        q += 1
    if neg and q != 0:
        q = -q
    return Decimal(q).scaleb(-scale)


def round_value(x, scale):
    return div_round(x, Decimal(1), scale)


def fmt(d, scale):
    """Exactly `scale` digits after the point, no exponent, no negative zero."""
    q = round_value(d, scale)
    if q == 0:
        q = Decimal(0)
    return format(q.quantize(Decimal(1).scaleb(-scale)), "f")


class R:
    """A KPI or measure result: exact value, or undefined with a reason; plus flags."""
    __slots__ = ("value", "reason", "flags", "num", "den")

    def __init__(self, value=None, reason=None, flags=None, num=None, den=None):
        self.value, self.reason, self.flags = value, reason, list(flags or [])
        self.num, self.den = num, den

    @property
    def defined(self):
        return self.reason is None


def undefined(reason, flags=None):
    return R(None, reason, flags)


# ---------------------------------------------------------------------------
# Periods (SPEC §9.2, month grain)
# ---------------------------------------------------------------------------

def month_of(date_text):
    return date_text[:7]


def row_month(t):
    """The month a row's time value puts it in: a date, a month or a timestamp (its first ten
    characters) falls in its month.  A `period` value (qualitative_ratings, SPEC §9.4 "a month or
    a day") that is a year, quarter or week does not fall in one month: None (not counted at
    month grain)."""
    if RE_MONTH.match(t[:7]) and (len(t) == 7 or t[7] == "-"):
        return t[:7]
    return None


def prev_month(m):
    y, mo = int(m[:4]), int(m[5:7])
    return "%04d-%02d" % ((y, mo - 1) if mo > 1 else (y - 1, 12))


def next_month(m):
    y, mo = int(m[:4]), int(m[5:7])
    return "%04d-%02d" % ((y, mo + 1) if mo < 12 else (y + 1, 1))


def month_end(m):
    y, mo = int(m[:4]), int(m[5:7])
    if mo == 2:
        days = 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28
    else:
        days = 30 if mo in (4, 6, 9, 11) else 31
    return "%s-%02d" % (m, days)


RE_QUARTER = re.compile(r"^[0-9]{4}-Q[1-4]$")
RE_YEAR = re.compile(r"^[0-9]{4}$")


def is_quarter(p):
    return bool(RE_QUARTER.match(p))


def is_year(p):
    return bool(RE_YEAR.match(p))


def grain_of(p):
    """SPEC §9.2: `2025-03-14` day, `2025-W07` week, `2025-03` month, `2025-Q1` quarter,
    `2025` year."""
    if RE_DATE.match(p):
        return "day"
    if RE_MONTH.match(p):
        return "month"
    if is_quarter(p):
        return "quarter"
    if is_year(p):
        return "year"
    if RE_PERIOD_OTHER.match(p):
        return "week"
    raise ValueError("not a period: %r" % p)


def period_months(p):
    """The months of a period: a month is itself; a quarter (SPEC §9.2 `2025-Q1`) its three; a
    year (`2025`) its twelve."""
    if is_quarter(p):
        y, q = int(p[:4]), int(p[6])
        return ["%04d-%02d" % (y, 3 * (q - 1) + i) for i in (1, 2, 3)]
    if is_year(p):
        return ["%s-%02d" % (p, i) for i in range(1, 13)]
    return [p]


def quarter_of(m):
    return "%s-Q%d" % (m[:4], (int(m[5:7]) - 1) // 3 + 1)


def period_of(m, grain):
    """The period of grain `grain` (month, quarter, year) that holds the month m."""
    return {"month": m, "quarter": quarter_of(m), "year": m[:4]}[grain]


def period_bounds(p):
    """(first day, last day) of a day, month, quarter or year, as ISO dates."""
    if RE_DATE.match(p):
        return p, p
    ms = period_months(p)
    return ms[0] + "-01", month_end(ms[-1])


def month_range(a, b):
    out, m = [], a
    while m <= b:
        out.append(m)
        m = next_month(m)
    return out


# ---------------------------------------------------------------------------
# Measures (SPEC §9.4 measure table; §9.1 rules)
# ---------------------------------------------------------------------------

WEB = ("seo", "sem", "social", "email", "direct")   # SPEC §9.4 conversion_rate filter
PAID = ("sem", "social")                             # SPEC §9.4 cpc / avg_cost_per_conversation


# Which rows make an (office, month) part of "the data" (the output grid): rows that pass the
# static filter of at least one measure on their collection (SPEC §9.4 measure table).  Not
# pinned by the SPEC ("every office and period in the data", §9.6); this is what the binary does.
SPAN_FILTER = {
    "orders": lambda r: r.get("status") == "confirmed",
    "survey_responses": lambda r: (r.get("survey_type") == "csat" and r.get("score") is not None)
    or (r.get("survey_type") == "brand_awareness" and r.get("aware") is not None)
    or (r.get("survey_type") == "brand_image" and r.get("score") is not None
        and r.get("max_score") is not None),
    # the five rating_* measures (criterion_id eq ..., subject is_null) and the four
    # staff_rating_* (criterion_id eq ..., subject not_null); score is required
    "qualitative_ratings": lambda r: r.get("score") is not None and (
        r.get("criterion_id") in RATING_CRITERIA if r.get("subject") is None
        else r.get("criterion_id") in STAFF_RATING_CRITERIA),
}


class Engine:
    def __init__(self, data, channel=None, office_engine=None):
        """channel: the `--by channel` breakdown (SPEC §9.4 ✓ column): a measure keeps only the
        rows whose channel field (SPEC §9.3 measure `channel_field`, default `channel_id`) is this
        channel; a row without that field (a return, a complaint) is in no channel.
        office_engine: the engine over every channel, for a ratio's `denominator_scope` `office`
        (SPEC §9.3: "in a channel breakdown the denominator is the office's total over every
        channel")."""
        self.data = data
        self.office_engine = office_engine if office_engine is not None else self
        # bucket office-owned rows by (office, month of the measure's time field)
        self.buckets = {}
        self.present = set()     # (office, month) holding a row some measure reads
        self.present_coarse = set()   # (office, quarter or year) of such a rating
        invoices = {}
        for inv in data["invoices"]:
            invoices[inv["invoice_id"].lower()] = inv
        self.invoices = invoices
        for coll, meta in COLLECTIONS.items():
            if meta.get("head") and not meta.get("by_office"):
                continue
            b = {}
            for row in data[coll]:
                if coll == "payments":
                    inv = invoices.get((row.get("invoice_id") or "").lower())
                    row["invoice.due_date"] = inv.get("due_date") if inv else None
                    t = row["invoice.due_date"]
                else:
                    t = row.get(meta["time"])
                if t is None or row_month(t) is None:
                    if (coll == "qualitative_ratings" and t is not None
                            and grain_of(t) in ("quarter", "year") and SPAN_FILTER[coll](row)):
                        # a quarter's or a year's rating: in the data at that grain or coarser
                        self.present_coarse.add((row["office_id"], t))
                    continue
                if channel is not None and row.get("channel_id") != channel:
                    continue                      # default channel_field `channel_id`
                b.setdefault((row["office_id"], row_month(t)), []).append(row)
                keep = SPAN_FILTER.get(coll)
                if keep is None or keep(row):
                    self.present.add((row["office_id"], row_month(t)))
            self.buckets[coll] = b
        self.cache = {}
        # lookups (SPEC §9.3 `lookup`): the joined collection's rows by record id, over the whole
        # repository (not restricted to the office, nor to the --by channel channel); ids compare
        # ignoring ASCII case (§2.2: ids equal ignoring case collide)
        self.lookup = {"invoices": invoices}
        for coll in ("customers", "orders"):
            self.lookup[coll] = {str(r[COLLECTIONS[coll]["key"][0]]).lower(): r for r in data[coll]
                                 if r.get(COLLECTIONS[coll]["key"][0]) is not None}
        self.channel = channel
        self.gbuckets = {}
        self.sets = {}
        # a measure dated by a lookup field (cohort_return_count: returns by order.order_date)
        # or by another field of its row (fulfilment_duration: orders by fulfilled_at) makes its
        # rows' (office, month) part of the data too, when they pass its filter
        for mid, gm in GMEASURES.items():
            if gm.window is None and gm.time != COLLECTIONS[gm.source]["time"]:
                for (o, mo), rs in self.gbucket(gm).items():
                    if any(gm.pred(r) for r in rs):
                        self.present.add((o, mo))

    def offices(self):
        return sorted({o for (o, _m) in self.present})

    def month_span(self, offices):
        ms = [m for (o, m) in self.present if o in offices]
        return (min(ms), max(ms)) if ms else None

    def rows(self, coll, office, month, pred=None):
        """The office's rows of `coll` dated in the period (a month, or a quarter: its three
        months' rows, for the quarter scorecards; R5: recomputed from rows)."""
        if not RE_MONTH.match(month):       # a quarter or a year
            rs = [r for m in period_months(month) for r in self.buckets[coll].get((office, m), [])]
        else:
            rs = self.buckets[coll].get((office, month), [])
        return [r for r in rs if pred(r)] if pred else rs

    # R2/R3 (SPEC §9.1): nulls skipped; all null -> no_data; no rows -> 0
    def m_sum(self, coll, field, office, month, pred=None):
        rs = self.rows(coll, office, month, pred)
        if not rs:
            return R(Decimal(0))
        vals = [r.get(field) for r in rs if r.get(field) is not None]
        if not vals:
            return undefined("no_data")
        return R(sum((Decimal(v) for v in vals), Decimal(0)))

    def m_count(self, coll, office, month, pred=None):
        return R(Decimal(len(self.rows(coll, office, month, pred))))

    # R8 / SPEC §9.1: latest row in the period per partition, then added; no rows -> undefined
    def m_last(self, coll, field, datefield, part, office, month):
        rs = [r for r in self.rows(coll, office, month) if r.get(field) is not None]
        if not rs:
            return undefined("no_data")
        latest = {}
        for r in rs:
            k = r.get(part)
            if k not in latest or r[datefield] > latest[k][datefield]:
                latest[k] = r
        return R(sum((Decimal(r[field]) for r in latest.values()), Decimal(0)))

    def gbucket(self, gm):
        """Rows of a generic measure's source by (office, month of its time field), the lookup
        fields joined in as `as.field`; rows whose lookup key is null or names no row are dropped
        (SPEC §9.3 "is not counted"), as are rows whose time field is null."""
        bkey = (gm.source, gm.time, gm.lookup, gm.channel_field)
        if bkey in self.gbuckets:
            return self.gbuckets[bkey]
        b = {}
        for row in self.data[gm.source]:
            if gm.lookup is not None:
                lcoll, lkey, las = gm.lookup
                k = row.get(lkey)
                hit = self.lookup[lcoll].get(str(k).lower()) if k is not None else None
                if hit is None:
                    continue
                row = dict(row)
                for f, v in hit.items():
                    row[las + "." + f] = v
            # SPEC §9.3 `channel_field` (default `channel_id`; a lookup field such as
            # `order.channel_id` puts a refund under its order's channel); a row whose lookup
            # found nothing was dropped above, so it is in no channel
            if self.channel is not None and row.get(gm.channel_field) != self.channel:
                continue
            t = row.get(gm.time)
            if t is None or row_month(t) is None:
                continue
            b.setdefault((row["office_id"], row_month(t)), []).append(row)
        self.gbuckets[bkey] = b
        return b

    def measure(self, mid, office, month):
        key = (mid, office, month)
        if key in self.cache:
            return self.cache[key]
        f = MEASURES[mid]
        res = f(self, office, month)
        self.cache[key] = res
        return res


def _in(field, values):
    return lambda r: r.get(field) in values


def _eq(field, value):
    return lambda r: r.get(field) == value


def _not_null(*fields):
    return lambda r: all(r.get(f) is not None for f in fields)


def _and(*preds):
    return lambda r: all(p(r) for p in preds)


def _confirmed(r):
    return r.get("status") == "confirmed"


def _reads(f, coll, pred=None):
    """Record which rows a simple measure reads (its collection and filter), for the channel
    list of a --by channel breakdown (see kpi_channels)."""
    f.source, f.pred = coll, pred
    return f


def _sum(coll, field, pred=None):
    f = _reads(lambda e, o, m: e.m_sum(coll, field, o, m, pred), coll, pred)
    f.agg = "sum"          # the measure's `agg` (diagnosis_oracle: additive over days)
    return f


def _count(coll, pred=None):
    f = _reads(lambda e, o, m: e.m_count(coll, o, m, pred), coll, pred)
    f.agg = "count"
    return f


def _count_distinct(coll, field, pred=None):
    def f(e, o, m):
        rs = e.rows(coll, o, m, pred)
        return R(Decimal(len({r[field] for r in rs if r.get(field) is not None})))
    return _reads(f, coll, pred)


def _last(coll, field, datefield, part):
    return _reads(lambda e, o, m: e.m_last(coll, field, datefield, part, o, m), coll)


def _collected_on_due(e, o, m):
    # SPEC §9.4: sum(amount) of payments by invoice.due_date, payment_date le $period_end,
    # joins invoices as invoice (docs/kpis.md §5.11: due-based collection rate)
    end = month_end(m)
    return e.m_sum("payments", "amount", o, m,
                   lambda r: r.get("payment_date") is not None and r["payment_date"] <= end)


# SPEC §9.4 measure table; "base[filter]" ids are the filtered measures a KPI row uses.
MEASURES = {
    "impressions": _sum("channel_daily", "impressions"),
    "clicks": _sum("channel_daily", "clicks"),
    "visits": _sum("channel_daily", "visits"),
    "page_views": _sum("channel_daily", "page_views"),
    "consultations": _sum("channel_daily", "consultations"),
    "consult_calls": _sum("channel_daily", "consult_calls"),
    "registrations": _sum("channel_daily", "registrations"),
    "downloads": _sum("channel_daily", "downloads"),
    "subscriptions": _sum("channel_daily", "subscriptions"),
    "emails_delivered": _sum("channel_daily", "emails_delivered"),
    "email_unique_opens": _sum("channel_daily", "email_unique_opens"),
    "email_unique_clicks": _sum("channel_daily", "email_unique_clicks"),
    "ad_spend": _sum("channel_daily", "spend"),
    "deals": _count("orders", _confirmed),
    "gross_amount": _sum("orders", "amount", _confirmed),
    "units_ordered": _sum("orders", "quantity", _confirmed),
    "order_cogs": _sum("orders", "cogs", _confirmed),
    "ordering_customers": _count_distinct("orders", "customer_id", _confirmed),
    "return_count": _count("returns"),
    "refund_amount": _sum("returns", "refund_amount"),
    "units_returned": _sum("returns", "quantity"),
    "cogs_reversed": _sum("returns", "cogs_reversed"),
    "new_customer_count": _count("customers"),
    "lead_count": _count("leads"),
    "qualified_lead_count": _count("leads", lambda r: r.get("has_need") is True
                                   and r.get("has_contact") is True),
    "complaint_count": _count("complaints"),
    "csat_responses": _count("survey_responses", _and(_eq("survey_type", "csat"),
                                                      _not_null("score"))),
    "csat_satisfied": _count("survey_responses", lambda r: r.get("survey_type") == "csat"
                             and r.get("score") is not None and r["score"] >= 4),
    "awareness_responses": _count("survey_responses", _and(_eq("survey_type", "brand_awareness"),
                                                           _not_null("aware"))),
    "aware_count": _count("survey_responses", lambda r: r.get("survey_type") == "brand_awareness"
                          and r.get("aware") is True),
    "followers_last": _last("social_daily", "followers_total", "date", "platform"),
    "social_likes": _sum("social_daily", "likes"),
    "social_comments": _sum("social_daily", "comments"),
    "social_shares": _sum("social_daily", "shares"),
    "social_mentions": _sum("social_daily", "mentions"),
    "social_positive_mentions": _sum("social_daily", "positive_mentions"),
    "indexed_pages_last": _last("index_snapshots", "indexed_pages", "snapshot_date", "search_engine"),
    "other_costs": _sum("costs", "amount"),
    "invoiced_due": _sum("invoices", "amount"),
    # payments carry no channel field: in no channel's value (the filter is not needed here)
    "collected_on_due": _reads(_collected_on_due, "payments"),
    # filtered measures of the KPI table
    "clicks[impressions not_null ∧ clicks not_null]":
        _sum("channel_daily", "clicks", _not_null("impressions", "clicks")),
    "impressions[impressions not_null ∧ clicks not_null]":
        _sum("channel_daily", "impressions", _not_null("impressions", "clicks")),
    "ad_spend[PAID]": _sum("channel_daily", "spend", _in("channel_id", PAID)),
    "clicks[PAID]": _sum("channel_daily", "clicks", _in("channel_id", PAID)),
    "consultations[PAID]": _sum("channel_daily", "consultations", _in("channel_id", PAID)),
    "consultations[clicks not_null]": _sum("channel_daily", "consultations", _not_null("clicks")),
    "consultations[visits not_null]": _sum("channel_daily", "consultations", _not_null("visits")),
    "social_comments[platform eq blog]": _sum("social_daily", "comments", _eq("platform", "blog")),
    "deals[WEB]": _count("orders", lambda r: _confirmed(r) and r.get("channel_id") in WEB),
    "visits[WEB]": _sum("channel_daily", "visits", _in("channel_id", WEB)),
}



# ---------------------------------------------------------------------------
# Windows, lookups, min_rows and date offsets (SPEC §9.1 "Windows and maturing values (R10)",
# §9.3 window / min_rows / {"field","days"} / lookup, §9.4 measures gross_amount_12m ...)
# ---------------------------------------------------------------------------

def shift_months(m, n):
    y, mo = int(m[:4]), int(m[5:7])
    k = y * 12 + (mo - 1) + n
    return "%04d-%02d" % (k // 12, k % 12 + 1)


def window_months(m, window):
    """SPEC §9.1: "to":"period_end" = the N months ending with P's last day
    [shift(end(P)+1 day, -N months), end(P)]; "to":"period_start" = the N months before P
    [shift(start(P), -N months), start(P) - 1 day].  At month grain: whole calendar months."""
    if window is None:
        return period_months(m)
    if not RE_MONTH.match(m):
        raise AssertionError("a window at quarter or year grain is not covered")
    n, to = window
    if to == "period_end":
        return [shift_months(m, -i) for i in range(n - 1, -1, -1)]
    if to == "period_start":
        return [shift_months(m, -i) for i in range(n, 0, -1)]
    raise AssertionError(to)


def days_in_month(m):
    return int(month_end(m)[8:10])


def add_days(date_text, n):
    """date + n days as YYYY-MM-DD; None when the value is null or not a date."""
    if not isinstance(date_text, str):
        return None
    try:
        d = datetime.date.fromisoformat(date_text)
    except ValueError:
        return None
    if not RE_DATE.match(date_text):
        return None
    return (d + datetime.timedelta(days=n)).isoformat()


def _is_date(v):
    return add_days(v, 0) is not None


def _date_cmp(field, op, other, days):
    """Filter {"field": field, "op": op, "value": {"field": other, "days": days}} (SPEC §9.3):
    the row's date field `other` (lookup fields too) plus `days` days; null or not a date on
    either side -> the condition is false.  Dates compare as text (ISO dates)."""
    def pred(r):
        a = r.get(field)
        if not _is_date(a):
            return False
        b = add_days(r.get(other), days)
        if b is None:
            return False
        return {"gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b, "eq": a == b,
                "ne": a != b}[op]
    return pred


class GMeasure:
    """A measure with the R10 features: window, lookup, min_rows (count_distinct)."""

    def __init__(self, source, agg, field=None, time=None, pred=None, lookup=None, window=None,
                 min_rows=1, duration=None, channel_field="channel_id"):
        self.source, self.agg, self.field = source, agg, field
        self.channel_field = channel_field   # SPEC §9.3 measure `channel_field`
        self.time = time or COLLECTIONS[source]["time"]
        self.pred = pred or (lambda r: True)
        self.lookup, self.window, self.min_rows = lookup, window, min_rows
        self.duration = duration     # (from field, to field, "hours"|"days") instead of `field`

    def rows(self, e, o, m):
        b = e.gbucket(self)
        out = []
        for wm in window_months(m, self.window):
            out.extend(r for r in b.get((o, wm), []) if self.pred(r))
        return out

    def distinct(self, e, o, m):
        """count_distinct: the set of non-null values occurring in >= min_rows of the rows."""
        key = (id(self), o, m)
        if key not in e.sets:
            counts = {}
            for r in self.rows(e, o, m):
                v = r.get(self.field)
                if v is not None:
                    counts[v] = counts.get(v, 0) + 1
            e.sets[key] = frozenset(v for v, c in counts.items() if c >= self.min_rows)
        return e.sets[key]

    def durations(self, rs):
        """SPEC §9.3 Durations: each row's time from timestamp F to timestamp G, exact, in
        seconds (the unit is applied by the caller's single division).  Returns (list of
        seconds of the non-null rows, reason) -- reason `invalid_input` when a duration is
        negative or a side is not a timestamp; a row with either side null is a null value."""
        f, g, _unit = self.duration
        secs = []
        for r in rs:
            a, b = r.get(f), r.get(g)
            if a is None or b is None:
                continue                                  # R2: null value, skipped
            ia, ib = instant(a), instant(b)
            if ia is None or ib is None:
                return None, "invalid_input"
            if ib - ia < 0:
                return None, "invalid_input"
            secs.append(ib - ia)
        return secs, None

    def __call__(self, e, o, m):
        if self.agg == "count_distinct":
            return R(Decimal(len(self.distinct(e, o, m))))
        rs = self.rows(e, o, m)
        if self.duration is not None:
            secs, reason = self.durations(rs)
            if reason:
                return undefined(reason)
            per = {"hours": 3600, "days": 86400}[self.duration[2]]
            if self.agg == "sum":
                if not rs:
                    return R(Decimal(0))                  # R3: sum over no rows is 0
                if not secs:
                    return undefined("no_data")           # R2: all null
                return _mk(sum(secs, Decimal(0)), Decimal(per))
            if not secs:
                return undefined("no_data")               # mean/min/max over no (non-null) rows
            if self.agg == "mean":
                # Σ seconds ÷ (n × seconds per unit): the one division, rounded at the KPI
                return _mk(sum(secs, Decimal(0)), Decimal(len(secs) * per))
            if self.agg == "min":
                return _mk(min(secs), Decimal(per))
            if self.agg == "max":
                return _mk(max(secs), Decimal(per))
            raise AssertionError(self.agg)
        if self.agg == "count":
            return R(Decimal(len(rs)))
        if self.agg == "sum":
            # R2/R3: nulls skipped; rows that are all null -> no_data; no rows -> 0
            if not rs:
                return R(Decimal(0))
            vals = [r[self.field] for r in rs if r.get(self.field) is not None]
            if not vals:
                return undefined("no_data")
            return R(sum((Decimal(v) for v in vals), Decimal(0)))
        if self.agg == "mean":
            # mean over the non-null values: Σ ÷ n, the one division, rounded once at the KPI's
            # scale by compute_kpi; no (non-null) row -> no_data ("no rows: no_data", R3)
            vals = [r[self.field] for r in rs if r.get(self.field) is not None]
            if not vals:
                return undefined("no_data")
            return _mk(sum((Decimal(v) for v in vals), Decimal(0)), Decimal(len(vals)))
        raise AssertionError(self.agg)


RATING_CRITERIA = ("admin_assessment", "team_building", "professional_skill", "dealer_management",
                   "content_quality")
# SPEC §9.4 measures `staff_rating_<criterion>` (a person's ratings) and the built-in criteria's
# positions ("built in: `admin_assessment` and `professional_skill` (any position),
# `team_building` and `dealer_management` (`supervisor`), `content_quality` (`seo`,
# `new_media`)"); admin_assessment has no person KPI.
STAFF_RATING_CRITERIA = ("team_building", "professional_skill", "dealer_management",
                         "content_quality")
CRITERION_POSITIONS = {"admin_assessment": None, "professional_skill": None,
                       "team_building": ("supervisor",), "dealer_management": ("supervisor",),
                       "content_quality": ("seo", "new_media")}


def rating_in_period(rp, p):
    """SPEC §9.4: a rating's `period` "is a day or a month (counted in that month, and in its
    quarter and year), or a quarter or a year (counted only in periods of that grain or a
    coarser one: a quarter's rating is in the quarter's and the year's values, in no month's)":
    the rating counts in the output period p when its own period lies within p.  A week (refused
    at import, SPEC §2.7) is in no period here."""
    try:
        g = grain_of(rp)
    except ValueError:
        return False
    if g == "week":
        return False
    a, b = period_bounds(rp)
    lo, hi = period_bounds(p)
    return lo <= a and b <= hi


class RatingMeasure(GMeasure):
    """`rating_<c>` / `staff_rating_<c>` (SPEC §9.4): mean(score) of `qualitative_ratings` by
    `period`, criterion_id eq c, and `subject is_null` (the office's own ratings) or `subject
    not_null` (a person's, staff_field `subject`); no rows: no_data.  A row is read for the
    output period that holds its own period (rating_in_period), so a quarter's or a year's
    rating is read only at quarter (year) grain."""

    def __init__(self, criterion, person):
        pred = ((lambda r: r.get("criterion_id") == criterion and r.get("subject") is not None)
                if person else
                (lambda r: r.get("criterion_id") == criterion and r.get("subject") is None))
        GMeasure.__init__(self, "qualitative_ratings", "mean", "score", pred=pred)
        self.criterion, self.person = criterion, person

    def rows(self, e, o, m):
        idx = e.__dict__.get("rating_index")
        if idx is None:
            idx = e.rating_index = {}
            for r in e.data["qualitative_ratings"]:
                if r.get("period") is not None:
                    idx.setdefault(r["office_id"], []).append(r)
        return [r for r in idx.get(o, ()) if self.pred(r) and rating_in_period(r["period"], m)]
W12_END = (12, "period_end")
W12_START = (12, "period_start")
CUSTOMER = ("customers", "customer_id", "customer")   # joins customers (customer_id) as customer
ORDER = ("orders", "order_id", "order")                # joins orders (order_id) as order


def _survey_sum(field, survey_type):
    return GMeasure("survey_responses", "sum", field, pred=lambda r: r.get("survey_type") == survey_type
                    and r.get("score") is not None and r.get("max_score") is not None)


# SPEC §9.4 measure rows `gross_amount_12m` ... `brand_image_max_sum` (quoted per line), plus
# `ordering_customers` (needed as a set by `common`; same definition as before).
GMEASURES = {
    # "count_distinct(customer_id) of `orders` by `order_date` | status eq confirmed"
    "ordering_customers": GMeasure("orders", "count_distinct", "customer_id", pred=_confirmed),
    # "sum(amount) of `orders` by `order_date` | status eq confirmed; window 12 months to period_end"
    "gross_amount_12m": GMeasure("orders", "sum", "amount", pred=_confirmed, window=W12_END),
    # "sum(refund_amount) of `returns` by `return_date` | window 12 months to period_end"
    "refund_amount_12m": GMeasure("returns", "sum", "refund_amount", window=W12_END),
    # "count_distinct(customer_id) of `orders` by `order_date` | status eq confirmed; window 12
    #  months to period_end"
    "ordering_customers_12m": GMeasure("orders", "count_distinct", "customer_id", pred=_confirmed,
                                       window=W12_END),
    # "... | status eq confirmed; min_rows 2; window 12 months to period_end"
    "repeat_customers_12m": GMeasure("orders", "count_distinct", "customer_id", pred=_confirmed,
                                     window=W12_END, min_rows=2),
    # "... | status eq confirmed; window 12 months to period_start (S of retention)"
    "customers_before": GMeasure("orders", "count_distinct", "customer_id", pred=_confirmed,
                                 window=W12_START),
    # "count(*) of `orders` by `order_date` | status eq confirmed ∧ order_date gt
    #  customer.acquired_date + 0 days; joins customers (customer_id) as customer"
    "repeat_order_count": GMeasure("orders", "count", lookup=CUSTOMER, pred=_and(
        _confirmed, _date_cmp("order_date", "gt", "customer.acquired_date", 0))),
    # "count_distinct(channel_id) of `orders` by `order_date` | status eq confirmed"
    "order_channels": GMeasure("orders", "count_distinct", "channel_id", pred=_confirmed),
    # "sum(amount) of `orders` by `order_date` | status eq confirmed ∧ channel_id in {seo,sem,
    #  social,email,direct}"
    "gross_amount_web": GMeasure("orders", "sum", "amount",
                                 pred=lambda r: _confirmed(r) and r.get("channel_id") in WEB),
    # "sum(refund_amount) of `returns` by `return_date` | order.channel_id in {seo,sem,social,
    #  email,direct}; joins orders (order_id) as order"
    "refund_amount_web": GMeasure("returns", "sum", "refund_amount", lookup=ORDER,
                                  pred=_in("order.channel_id", WEB)),
    # "count(*) of `returns` by `order.order_date` | order.status eq confirmed; joins orders
    #  (order_id) as order"
    "cohort_return_count": GMeasure("returns", "count", time="order.order_date", lookup=ORDER,
                                    pred=_eq("order.status", "confirmed")),
    # "count(*) of `leads` by `created_date` | first_followup_date le created_date + 1 day"
    "followed_up_leads": GMeasure("leads", "count",
                                  pred=_date_cmp("first_followup_date", "le", "created_date", 1)),
    # "count(*) of `leads` by `created_date` | customer.acquired_date ge created_date + 0 days ∧
    #  customer.acquired_date le created_date + 90 days; joins customers (customer_id) as customer"
    "converted_leads": GMeasure("leads", "count", lookup=CUSTOMER, pred=_and(
        _date_cmp("customer.acquired_date", "ge", "created_date", 0),
        _date_cmp("customer.acquired_date", "le", "created_date", 90))),
    # "count(*) of `complaints` by `received_date` | resolved_date le received_date + 7 days"
    "complaints_resolved_in_sla": GMeasure("complaints", "count",
                                           pred=_date_cmp("resolved_date", "le", "received_date", 7)),
    # "sum(impressions) of `channel_daily` by `date` | channel_id eq social"
    "social_impressions": GMeasure("channel_daily", "sum", "impressions", pred=_eq("channel_id", "social")),
    # "sum(score|max_score) of `survey_responses` by `response_date` | survey_type eq csat|brand_image
    #  ∧ score not_null ∧ max_score not_null"
    "csat_score_sum": _survey_sum("score", "csat"),
    "csat_max_sum": _survey_sum("max_score", "csat"),
    "brand_image_score_sum": _survey_sum("score", "brand_image"),
    "brand_image_max_sum": _survey_sum("max_score", "brand_image"),
    # "mean(fulfilled_at − placed_at, hours) of `orders` by `fulfilled_at` | unfulfilled or
    #  unplaced orders are null and skipped" (no status filter; the period is the month of the
    #  first ten characters of fulfilled_at, SPEC §9.4 "A timestamp's date ...")
    "fulfilment_duration": GMeasure("orders", "mean", time="fulfilled_at",
                                    duration=("placed_at", "fulfilled_at", "hours")),
    # "mean(delivered_at − shipped_at, days) of `orders` by `delivered_at`"
    "delivery_duration": GMeasure("orders", "mean", time="delivered_at",
                                  duration=("shipped_at", "delivered_at", "days")),
    # "count(*) of `orders` by `order_date` | status eq confirmed ∧ fulfilled_at is_null"
    "unfulfilled_order_count": GMeasure("orders", "count", pred=lambda r: _confirmed(r)
                                        and r.get("fulfilled_at") is None),
    # "sum(refund_amount) of `returns` by `return_date` | joins orders (order_id) as order;
    #  channel: order.channel_id" -- no status filter (a refund of a cancelled order counts under
    #  its channel); a return whose order is not in the repository is not counted (lookup)
    "refund_amount_by_order_channel": GMeasure("returns", "sum", "refund_amount", lookup=ORDER,
                                               channel_field="order.channel_id"),
    # "sum(cogs_reversed) of `returns` by `return_date` | joins orders (order_id) as order;
    #  channel: order.channel_id"
    "cogs_reversed_by_order_channel": GMeasure("returns", "sum", "cogs_reversed", lookup=ORDER,
                                               channel_field="order.channel_id"),
    # "mean(score) of `qualitative_ratings` by `period` | criterion_id eq <criterion>; subject
    #  is_null (the office's own ratings); no rows: no_data" (rating_admin_assessment ...
    #  rating_content_quality; every rater of the office alike; a day-dated rating falls in its
    #  month, a quarter's or a year's only in periods of that grain or coarser)
    **{"rating_" + c: RatingMeasure(c, person=False) for c in RATING_CRITERIA},
    # "mean(score) of `qualitative_ratings` by `period` | criterion_id eq <criterion>; subject
    #  not_null; staff_field subject; no rows: no_data" (staff_rating_team_building ...
    #  staff_rating_content_quality)
    **{"staff_rating_" + c: RatingMeasure(c, person=True) for c in STAFF_RATING_CRITERIA},
    # "sum(clicks|cost|consultations) of `ad_daily` by `date` | staff_field account_id through
    #  `ad_accounts` owner" (SPEC §9.4; the attribution is in `attribute`)
    "sem_clicks": GMeasure("ad_daily", "sum", "clicks"),
    "sem_cost": GMeasure("ad_daily", "sum", "cost"),
    "sem_consultations": GMeasure("ad_daily", "sum", "consultations"),
    # "sum(planned|done) of `tasks` by `period` | staff_field staff_id"
    "tasks_planned": GMeasure("tasks", "sum", "planned"),
    "tasks_done": GMeasure("tasks", "sum", "done"),
    # KPI-table filter "deals[channel_id eq email]" (email_conversion_rate)
    "deals[channel_id eq email]": GMeasure("orders", "count", pred=lambda r: _confirmed(r)
                                           and r.get("channel_id") == "email"),
}
MEASURES.update(GMEASURES)

# SPEC §9.4 "Parameters: `clv_lifespan_years` = 3 (years) and `clv_margin` = 0.30 (ratio)"
PARAMETERS = {"clv_lifespan_years": Decimal("3"), "clv_margin": Decimal("0.30")}


# ---------------------------------------------------------------------------
# KPIs (SPEC §9.4 KPI table, in its definition order)
# ---------------------------------------------------------------------------
# Expressions: a string is a measure id or (when in KPIS) a KPI id at its exact value;
# ("add"|"sub"|"div", a, b).  R(...) values hold exact Decimals or ("ratio", n, d) for the
# single final division that is rounded once.

def _ref(e, x, o, m):
    if x in MEASURES:
        return e.measure(x, o, m)
    if x in PARAMETERS:
        return R(PARAMETERS[x])
    if x == "$period_days":
        # SPEC §9.3: the calendar days of the period (no period is open: OUTPOST_NOW is after
        # the data, so the open-period form "days from its start through today" is not used)
        return R(Decimal(days_in_month(m)))
    return kpi_exact(e, x, o, m)


def _exact(r):
    """A defined R whose value may be a pending ratio -> exact rational as (n, d) Decimals."""
    v = r.value
    if isinstance(v, tuple):
        return v[1], v[2]
    return v, Decimal(1)


def evaluate(e, expr, o, m):
    if isinstance(expr, str):
        return _ref(e, expr, o, m)
    if expr[0] == "office":
        # SPEC §9.3 ratio `denominator_scope` `office`: in a channel breakdown the denominator is
        # the office's total over every channel (at office level the same engine)
        return evaluate(e.office_engine, expr[1], o, m)
    op, a, b = expr
    if op == "common":
        # SPEC §9.3 {"op":"common","args":[{"ref":A},{"ref":B}]}: |A ∩ B| of two count_distinct
        # measures for the same office and period
        return R(Decimal(len(GMEASURES[a].distinct(e, o, m) & GMEASURES[b].distinct(e, o, m))))
    ra, rb = evaluate(e, a, o, m), evaluate(e, b, o, m)
    # an undefined argument makes the expression undefined with its reason (first one wins)
    if not ra.defined:
        return undefined(ra.reason)
    if not rb.defined:
        return undefined(rb.reason)
    (an, ad), (bn, bd) = _exact(ra), _exact(rb)
    if op == "add":
        return _mk(an * bd + bn * ad, ad * bd)
    if op == "sub":
        return _mk(an * bd - bn * ad, ad * bd)
    if op == "mul":
        return _mk(an * bn, ad * bd)
    if op == "div":
        # R1/R4: zero denominator -> zero_denominator; negative -> nonpositive_denominator
        if bn == 0:
            r = undefined("zero_denominator")
        elif bn < 0:
            r = undefined("nonpositive_denominator")
        else:
            r = _mk(an * bd, ad * bn)
        r.num, r.den = _mk(an, ad).value, _mk(bn, bd).value
        return r
    raise AssertionError(op)


def _mk(n, d):
    if d == 1:
        return R(n)
    return R(("ratio", n, d))


# id -> (expression, unit, scale, direction, [(flag, (numerator ref, denominator ref))])
# A flag fires when the numerator is > 0 and the denominator is 0 (docs/kpis.md §3).
SPEC_KPIS = [
    ("page_views", "page_views", "count", 0, "higher_better"),
    ("visits", "visits", "count", 0, "higher_better"),
    ("clicks", "clicks", "count", 0, "higher_better"),
    ("impressions", "impressions", "count", 0, "higher_better"),
    ("ctr", ("div", "clicks[impressions not_null ∧ clicks not_null]",
             "impressions[impressions not_null ∧ clicks not_null]"), "ratio", 4, "higher_better"),
    ("cpc", ("div", "ad_spend[PAID]", "clicks[PAID]"), "currency:CNY", 2, "lower_better",
     "spend_without_clicks"),
    ("registrations", "registrations", "count", 0, "higher_better"),
    ("micro_conversions", ("add", ("add", "registrations", "downloads"), "subscriptions"),
     "count", 0, "higher_better"),
    ("email_open_rate", ("div", "email_unique_opens", "emails_delivered"), "ratio", 4, "higher_better"),
    ("email_click_rate", ("div", "email_unique_clicks", "emails_delivered"), "ratio", 4, "higher_better"),
    ("positive_share", ("div", "social_positive_mentions", "social_mentions"), "ratio", 4, "higher_better"),
    ("blog_comments", "social_comments[platform eq blog]", "count", 0, "higher_better"),
    ("followers", "followers_last", "count", 0, "higher_better"),
    ("follower_growth", ("growth", "followers", "difference"), "count", 0, "higher_better"),
    ("social_interactions", ("add", ("add", "social_likes", "social_comments"),
                             ("add", "social_shares", "social_mentions")), "count", 0, "higher_better"),
    ("indexed_pages", "indexed_pages_last", "count", 0, "higher_better"),
    ("brand_awareness", ("div", "aware_count", "awareness_responses"), "ratio", 4, "higher_better"),
    ("consultations", "consultations", "count", 0, "higher_better"),
    ("consult_calls", "consult_calls", "count", 0, "higher_better"),
    ("consultation_rate", ("div", "consultations[clicks not_null]", "clicks"), "ratio", 4, "higher_better"),
    ("consultation_rate_visits", ("div", "consultations[visits not_null]", "visits"), "ratio", 4,
     "higher_better"),
    ("avg_cost_per_conversation", ("div", "ad_spend[PAID]", "consultations[PAID]"), "currency:CNY", 2,
     "upper_bound", "spend_without_conversations"),
    ("ad_spend_paid", "ad_spend[PAID]", "currency:CNY", 2, "neutral"),
    ("consultations_paid", "consultations[PAID]", "count", 0, "neutral"),
    ("leads", "lead_count", "count", 0, "higher_better"),
    ("qualified_leads", "qualified_lead_count", "count", 0, "higher_better"),
    ("lead_qualification_rate", ("div", "qualified_lead_count", "lead_count"), "ratio", 4, "higher_better"),
    ("deal_count", "deals", "count", 0, "higher_better"),
    ("deal_amount", "gross_amount", "currency:CNY", 2, "higher_better"),
    ("refunds", "refund_amount", "currency:CNY", 2, "lower_better"),
    ("net_revenue", ("sub", "gross_amount", "refund_amount"), "currency:CNY", 2, "higher_better"),
    ("sales_volume", ("sub", "units_ordered", "units_returned"), "count", 0, "higher_better"),
    ("sales_growth_mom", ("growth", "net_revenue", "relative"), "ratio", 4, "higher_better"),
    ("sales_growth_yoy", ("growth_yoy", "net_revenue", "relative"), "ratio", 4, "higher_better"),
    ("conversion_rate", ("div", "deals[WEB]", "visits[WEB]"), "ratio", 4, "higher_better"),
    ("aov", ("div", "gross_amount", "deals"), "currency:CNY", 2, "higher_better"),
    ("new_customers", "new_customer_count", "count", 0, "higher_better"),
    ("sales_profit", ("add", ("sub", "net_revenue", "order_cogs"), "cogs_reversed"), "currency:CNY", 2,
     "higher_better"),
    ("total_cost", ("add", "ad_spend", "other_costs"), "currency:CNY", 2, "lower_better"),
    ("cac", ("div", "total_cost", "new_customer_count"), "currency:CNY", 2, "lower_better",
     "cost_without_customers"),
    ("roas", ("div", "net_revenue", "total_cost"), "ratio", 4, "higher_better"),
    ("roi", ("div", ("sub", "net_revenue", "total_cost"), "total_cost"), "ratio", 4, "higher_better"),
    ("sales_cost_ratio", ("div", "total_cost", "net_revenue"), "ratio", 4, "lower_better"),
    ("return_rate", ("div", "return_count", "deals"), "ratio", 4, "lower_better"),
    ("return_rate_amount", ("div", "refund_amount", "gross_amount"), "ratio", 4, "lower_better"),
    ("complaint_rate", ("div", "complaint_count", "deals"), "ratio", 4, "lower_better"),
    ("csat", ("div", "csat_satisfied", "csat_responses"), "ratio", 4, "higher_better"),
    ("collection_rate", ("div", "collected_on_due", "invoiced_due"), "ratio", 4, "lower_bound"),
    ("purchase_frequency", ("div", "deals", "ordering_customers"), "ratio", 4, "higher_better"),
    # SPEC §9.4 rows `content_shares` ... `return_rate_cohort` (R10 and the catalog gap-fillers)
    ("content_shares", "social_shares", "count", 0, "higher_better"),
    ("brand_mentions", "social_mentions", "count", 0, "higher_better"),
    ("social_engagement_rate", ("div", "social_interactions", "social_impressions"), "ratio", 4,
     "higher_better"),
    ("email_conversion_rate", ("div", "deals[channel_id eq email]", "emails_delivered"), "ratio", 4,
     "higher_better"),
    ("brand_awareness_lift", ("growth", "brand_awareness", "difference"), "pp", 4, "higher_better"),
    ("brand_image_score", ("div", "brand_image_score_sum", "brand_image_max_sum"), "ratio", 4,
     "higher_better"),
    ("csat_mean", ("div", "csat_score_sum", "csat_max_sum"), "ratio", 4, "higher_better"),
    ("avg_daily_page_views", ("div", "page_views", "$period_days"), "count", 2, "higher_better"),
    ("online_channel_revenue", ("sub", "gross_amount_web", "refund_amount_web"), "currency:CNY", 2,
     "higher_better"),
    ("active_channels", "order_channels", "count", 0, "higher_better"),
    ("cost_change", ("growth", "total_cost", "relative"), "ratio", 4, "lower_better"),
    ("repeat_orders", "repeat_order_count", "count", 0, "higher_better"),
    ("repeat_purchase_rate", ("div", "repeat_customers_12m", "ordering_customers_12m"), "ratio", 4,
     "higher_better"),
    ("retention_rate", ("div", ("common", "ordering_customers", "customers_before"),
                        "customers_before"), "ratio", 4, "higher_better"),
    ("clv", ("mul", ("mul", ("div", ("sub", "gross_amount_12m", "refund_amount_12m"),
                             "ordering_customers_12m"), "clv_lifespan_years"), "clv_margin"),
     "currency:CNY", 2, "higher_better"),
    ("clv_cac_ratio", ("div", "clv", "cac"), "multiple", 2, "higher_better"),
    ("followup_rate", ("div", "followed_up_leads", "lead_count"), "ratio", 4, "higher_better"),
    ("lead_conversion_rate", ("div", "converted_leads", "lead_count"), "ratio", 4, "higher_better"),
    ("resolution_rate", ("div", "complaints_resolved_in_sla", "complaint_count"), "ratio", 4,
     "higher_better"),
    ("return_rate_cohort", ("div", "cohort_return_count", "deals"), "ratio", 4, "lower_better"),
    # SPEC §9.4 rows `order_processing_hours`, `unfulfilled_orders`, `delivery_days` (durations)
    ("order_processing_hours", "fulfilment_duration", "hours", 2, "lower_better"),
    ("unfulfilled_orders", "unfulfilled_order_count", "count", 0, "lower_better"),
    ("delivery_days", "delivery_duration", "days", 2, "lower_better"),
    # SPEC §9.4 rows `net_revenue_attainment` ... `collection_rate_attainment`: "attainment |
    # <method> method on <base>, floor 0, cap <cap> | ratio | 4 | higher_better" (§9.3 attainment)
    ("net_revenue_attainment", ("attainment", "net_revenue", "ratio", Decimal("0"), Decimal("1.20")),
     "ratio", 4, "higher_better"),
    ("consultations_attainment", ("attainment", "consultations", "ratio", Decimal("0"),
                                  Decimal("1.20")), "ratio", 4, "higher_better"),
    ("avg_cost_per_conversation_attainment", ("attainment", "avg_cost_per_conversation", "reduction",
                                              Decimal("0"), Decimal("1.00")), "ratio", 4,
     "higher_better"),
    ("return_rate_attainment", ("attainment", "return_rate", "reduction", Decimal("0"),
                                Decimal("1.20")), "ratio", 4, "higher_better"),
    ("collection_rate_attainment", ("attainment", "collection_rate", "ratio", Decimal("0"),
                                    Decimal("1.00")), "ratio", 4, "higher_better"),
    # SPEC §9.4 rows `traffic_share`, `channel_sales`, `channel_profit` ("by channel only", §9.3
    # `by_channel_only`; computed only with --by channel, see BY_CHANNEL_ONLY):
    # "ratio | visits[channel_id in {seo,sem,social,email,direct}] ÷ visits[channel_id in {seo,sem,
    #  social,email,direct}], denominator over the office's channels | ratio | 4 | neutral"
    ("traffic_share", ("div", "visits[WEB]", ("office", "visits[WEB]")), "ratio", 4, "neutral"),
    # "derived | gross_amount − refund_amount_by_order_channel | currency:CNY | 2 | higher_better"
    ("channel_sales", ("sub", "gross_amount", "refund_amount_by_order_channel"), "currency:CNY", 2,
     "higher_better"),
    # "derived | ((channel_sales − order_cogs) + cogs_reversed_by_order_channel) − (ad_spend +
    #  other_costs) | currency:CNY | 2 | higher_better" (other_costs: `costs` rows of the channel,
    #  by their channel_id, the default channel_field)
    ("channel_profit", ("sub", ("add", ("sub", "channel_sales", "order_cogs"),
                                "cogs_reversed_by_order_channel"), ("add", "ad_spend", "other_costs")),
     "currency:CNY", 2, "higher_better"),
    # SPEC §9.4 rows `admin_assessment` ... `content_quality`: "simple | rating_<id> | score | 2"
    ("admin_assessment", "rating_admin_assessment", "score", 2, "higher_better"),
    ("team_building", "rating_team_building", "score", 2, "higher_better"),
    ("professional_skill", "rating_professional_skill", "score", 2, "higher_better"),
    ("dealer_management", "rating_dealer_management", "score", 2, "higher_better"),
    ("content_quality", "rating_content_quality", "score", 2, "higher_better"),
    # SPEC §9.4 rows `staff_team_building` ... `staff_content_quality`: "simple |
    # staff_rating_<id> | score | 2 | higher_better"; `by_staff_only` (§9.3: computed only in a
    # people breakdown), see BY_STAFF_ONLY and PEOPLE_KPIS
    ("staff_team_building", "staff_rating_team_building", "score", 2, "higher_better"),
    ("staff_professional_skill", "staff_rating_professional_skill", "score", 2, "higher_better"),
    ("staff_dealer_management", "staff_rating_dealer_management", "score", 2, "higher_better"),
    ("staff_content_quality", "staff_rating_content_quality", "score", 2, "higher_better"),
    # SPEC §9.4 rows `sem_clicks` ... `plan_execution` (docs/kpis.md §5.10a): by staff only;
    # positions `sem` (the five sem_*) and `seo`, `new_media` (plan_execution)
    ("sem_clicks", "sem_clicks", "count", 0, "higher_better"),
    ("sem_cost", "sem_cost", "currency:CNY", 2, "neutral"),
    ("sem_consultations", "sem_consultations", "count", 0, "higher_better"),
    ("sem_consultation_rate", ("div", "sem_consultations", "sem_clicks"), "ratio", 4,
     "higher_better"),
    # "sem_cost ÷ sem_consultations; both 0: `no_activity`" (BOTH_ZERO_NO_ACTIVITY); no flag
    ("sem_cost_per_consultation", ("div", "sem_cost", "sem_consultations"), "currency:CNY", 2,
     "upper_bound"),
    # "tasks_done ÷ tasks_planned" (not capped; no plan or plans of 0: zero_denominator)
    ("plan_execution", ("div", "tasks_done", "tasks_planned"), "ratio", 4, "higher_better"),
]

# SPEC §9.4 `matures_days` of the maturing KPIs (R10).  Informational only: `provisional`
# depends on the repository clock and is not compared (no period is open in CI).
MATURES_DAYS = {"followup_rate": 1, "lead_conversion_rate": 90, "resolution_rate": 7,
                "return_rate_cohort": 30}

KPIS = {}
for _row in SPEC_KPIS:
    KPIS[_row[0]] = {"expr": _row[1], "unit": _row[2], "scale": _row[3], "direction": _row[4],
                     "flag": _row[5] if len(_row) > 5 else None}

SPEC_ORDER = [r[0] for r in SPEC_KPIS]

# SPEC §9.4 "✓: can be broken down by channel"
BY_CHANNEL = ["page_views", "visits", "clicks", "impressions", "ctr", "cpc", "registrations",
              "micro_conversions", "email_open_rate", "email_click_rate", "consultations",
              "consult_calls", "consultation_rate", "consultation_rate_visits",
              "avg_cost_per_conversation", "ad_spend_paid", "consultations_paid", "leads",
              "qualified_leads", "lead_qualification_rate", "deal_count", "deal_amount",
              "conversion_rate", "aov", "avg_daily_page_views", "followup_rate",
              "lead_conversion_rate", "traffic_share", "channel_sales", "channel_profit"]

# SPEC §9.3 KPI `by_channel_only`, §9.4 "`traffic_share`, `channel_sales` and `channel_profit`
# exist only in a channel breakdown (`kpi --by channel`)": not in the office-level output.
BY_CHANNEL_ONLY = ["traffic_share", "channel_sales", "channel_profit"]

# The core KPIs, checked by hand in selftest.py (all SPEC KPIs are computed).
CORE_KPIS = ["clicks", "consultations", "consultation_rate", "avg_cost_per_conversation", "cpc",
             "ctr", "qualified_leads", "deal_count", "deal_amount", "net_revenue", "aov",
             "conversion_rate", "new_customers", "return_rate", "complaint_rate",
             "follower_growth", "indexed_pages", "sales_growth_mom", "collection_rate"]

# SPEC §9.3 KPI `by_staff_only` ("computed only in a people breakdown, like a person's
# rating"), §9.6 "the people's ratings `staff_*`, which exist only in a people breakdown (naming
# one without it exits 64)": neither in the office-level nor in the channel output.
BY_STAFF_ONLY = ["staff_team_building", "staff_professional_skill", "staff_dealer_management",
                 "staff_content_quality", "sem_clicks", "sem_cost", "sem_consultations",
                 "sem_consultation_rate", "sem_cost_per_consultation", "plan_execution"]

# The KPIs whose values the oracle computes at quarter and year grain (`--grain`): the office's
# ratings (their measures read no window, no `$period_days`, no growth or target) ...
RATING_KPIS = ["admin_assessment", "team_building", "professional_skill", "dealer_management",
               "content_quality"]

DEFAULT_KPIS = [k for k in SPEC_ORDER if k not in BY_CHANNEL_ONLY and k not in BY_STAFF_ONLY]


def year_ago(m):
    return "%04d-%s" % (int(m[:4]) - 1, m[5:7])


def kpi_exact(e, kpi, o, m):
    """The KPI's exact result (before rounding), cached; flags attached."""
    key = ("kpi", kpi, o, m)
    if key in e.cache:
        return e.cache[key]
    d = KPIS[kpi]
    expr = d["expr"]
    if isinstance(expr, tuple) and expr[0] == "attainment":
        r = attainment_kpi(e, expr, o, m)
    elif isinstance(expr, tuple) and expr[0] in ("growth", "growth_yoy"):
        # SPEC §9.4 growth: relative (x(P) − x(P'))/x(P'), base ≤ 0 -> nonpositive_base;
        # difference x(P) − x(P'); either side undefined -> undefined (its reason; current first)
        _g, base, kind = expr
        pm = prev_month(m) if expr[0] == "growth" else year_ago(m)
        cur, prv = kpi_exact(e, base, o, m), kpi_exact(e, base, o, pm)
        if not cur.defined:
            r = undefined(cur.reason)
        elif not prv.defined:
            r = undefined(prv.reason)
        else:
            (cn, cd), (pn, pd) = _exact(cur), _exact(prv)
            if kind == "difference":
                r = _mk(cn * pd - pn * cd, cd * pd)
            elif pn <= 0:
                r = undefined("nonpositive_base")
            else:
                r = _mk((cn * pd - pn * cd) * pd, cd * pd * pn)
    else:
        r = evaluate(e, expr, o, m)
        r = R(r.value, r.reason, [], r.num, r.den)
        if kpi in BOTH_ZERO_NO_ACTIVITY and not r.defined and r.num == 0 and r.den == 0:
            # docs/kpis.md R1: both 0 -> undefined (no_activity)
            r = R(None, "no_activity", [], r.num, r.den)
    if d["flag"]:
        # flag when the numerator is > 0 and the denominator is 0 (e.g. spend > 0, consultations = 0)
        num = evaluate(e, expr[1], o, m)
        den = evaluate(e, expr[2], o, m)
        if num.defined and den.defined and _exact(num)[0] > 0 and _exact(den)[0] == 0:
            r.flags.append(d["flag"])
    e.cache[key] = r
    return r


def attainment_kpi(e, expr, o, m):
    """SPEC §9.3 `attainment` (`base` a KPI, `method`, optional `floor` and `cap`): the base's
    canonical value (rounded at its scale) against head office's target for the office, the
    base KPI and the period (§9.5: `targets`, scope office, highest version); raw attainment as
    in §9.5 (one exact division, half-up to 4 places), then clamped to floor..cap.  Reasons in
    this order: an undefined base -> the base's reason; no target -> missing_target; a target
    <= 0 -> nonpositive_target (`range` with worst = best: empty_range).  No flags (failure
    flags are the scorecard's business).  The exact result is the clamped 4-place value."""
    _a, base, method, floor, cap = expr
    rb = kpi_exact(e, base, o, m)
    if not rb.defined:
        return undefined(rb.reason)
    bn, bd = _exact(rb)
    a = div_round(bn, bd, KPIS[base]["scale"])
    if e.channel is not None:
        return undefined("missing_target")          # "targets are per office"
    t = find_target(e.data["targets"], o, base, m)
    if t is None or t.get("target_value") is None:
        return undefined("missing_target")
    tv = t["target_value"]
    if method == "range":
        worst, best = t.get("worst"), t.get("best")
        if worst is None or best is None:
            return undefined("missing_target")
        if worst == best:
            return undefined("empty_range")
    elif tv <= 0:
        return undefined("nonpositive_target")
    r = attainment(method, a, tv, t.get("worst"), t.get("best"))
    if floor is not None:
        r = max(r, floor)
    if cap is not None:
        r = min(r, cap)
    return R(r)


# KPIs whose 0/0 means "nothing happened" rather than a zero denominator (docs/kpis.md R1).
BOTH_ZERO_NO_ACTIVITY = {"avg_cost_per_conversation", "sem_cost_per_consultation"}


def compute_kpi(e, kpi, office, month):
    """(exact result, canonical Decimal or None): rounded once, half-up, at the KPI's scale."""
    r = kpi_exact(e, kpi, office, month)
    canonical = None
    if r.defined:
        n, d = _exact(r)
        canonical = div_round(n, d, KPIS[kpi]["scale"])
    return r, canonical


def measure_channels(e, mid, office, months):
    """The channels named by the office's rows that measure `mid` reads for the periods `months`
    (its filter applied, its window and lookup too; SPEC §9.3 measure `channel_field`, default
    `channel_id`).  A row whose channel field is null (or that has none: returns by a default
    measure, payments, social_daily, ...) names no channel.  `e` is the engine over every
    channel."""
    f = MEASURES[mid]
    if isinstance(f, GMeasure):
        field = f.channel_field
        rows = [r for m in months for r in f.rows(e, office, m)]
    else:
        field = "channel_id"
        rows = [r for m in months for r in e.rows(f.source, office, m, f.pred)]
    return {r.get(field) for r in rows if r.get(field) is not None}


def kpi_channels(e, x, office, months):
    """SPEC §9.3 KPI `dimensions`: "for each office, one value per channel named by the office's
    rows that the KPI reads, through the KPIs and measures it refers to, after their filters;
    rows without a channel are in no channel's value".  `x` is a KPI id or an expression; a
    KPI-table ref filter is part of the filtered measure id here (e.g. `ad_spend[PAID]`), so it
    is applied with the measure's own filter.  A derived/ratio KPI reads what its refs read
    (both sides of a ratio, an `office`-scope denominator included); growth reads its base in
    the period and in the period it compares with; attainment reads its base; parameters and
    `$period_days` read no rows; flags are not walked (they only test the KPI's own sides).
    `months`: the periods of the output (a row dated outside them is not read)."""
    if isinstance(x, str):
        if x in MEASURES:
            return measure_channels(e, x, office, months)
        if x in KPIS:
            return kpi_channels(e, KPIS[x]["expr"], office, months)
        return set()                       # a parameter or $period_days
    if x[0] == "office":
        return kpi_channels(e, x[1], office, months)
    if x[0] in ("growth", "growth_yoy"):
        shift = prev_month if x[0] == "growth" else year_ago
        both = sorted(set(months) | {shift(m) for m in months})
        return kpi_channels(e, x[1], office, both)
    if x[0] == "attainment":
        return kpi_channels(e, x[1], office, months)
    out = set()
    for a in x[1:]:                        # add/sub/mul/div/common: both arguments
        out |= kpi_channels(e, a, office, months)
    return out


# ---------------------------------------------------------------------------
# People breakdowns (`--by staff|position|department`; the people contract: `staff`
# assignments, the attribution columns leads.assigned_to, orders.salesperson_id,
# complaints.handled_by, and the KPIs that have a people breakdown with their `positions`)
# ---------------------------------------------------------------------------

# The KPIs with a people breakdown and the positions each applies to (KPI member `positions`).
# Same measures, filters and rounding as at office level; only the grouping differs.
_FRONT = ("consultant", "sales", "supervisor")
PEOPLE_KPIS = {k: _FRONT for k in (
    "leads", "qualified_leads", "lead_qualification_rate", "followup_rate", "lead_conversion_rate",
    "deal_count", "deal_amount", "aov", "resolution_rate")}
# The people's ratings (SPEC §9.4 `staff_*`, `by_staff_only`): positions = the positions the
# criterion rates (§9.4 "built in: ... `professional_skill` (any position), `team_building` and
# `dealer_management` (`supervisor`), `content_quality` (`seo`, `new_media`)"); None: no
# `positions` member, every position (§9.3 "absent: every position").
PEOPLE_KPIS.update({"staff_" + c: CRITERION_POSITIONS[c] for c in STAFF_RATING_CRITERIA})
# SPEC §9.4 "... read `ad_daily` through each account's owner on the row's date and list the
# `sem` people; `plan_execution` ... listing the `seo` and `new_media` people"
PEOPLE_KPIS.update({k: ("sem",) for k in ("sem_clicks", "sem_cost", "sem_consultations",
                                          "sem_consultation_rate", "sem_cost_per_consultation")})
PEOPLE_KPIS["plan_execution"] = ("seo", "new_media")

# The staff field a measure of each collection reads ("the measures of `leads` read
# `assigned_to`, of `orders` read `salesperson_id`, of `complaints` read `handled_by`"; SPEC
# §9.4 `staff_rating_*`: "staff_field subject").
PEOPLE_FIELD = {"leads": "assigned_to", "orders": "salesperson_id", "complaints": "handled_by",
                "qualitative_ratings": "subject", "ad_daily": "account_id", "tasks": "staff_id"}

# The members a line carries, per breakdown (the group's key, in this order).
PEOPLE_MEMBERS = {"staff": ("staff", "position", "department"), "position": ("position",),
                  "department": ("department",)}


class Staff:
    """The `staff` assignments by (office_id, staff_id)."""

    def __init__(self, rows, accounts=()):
        self.by_person = {}
        self.by_office = {}
        for a in rows:
            self.by_person.setdefault((a["office_id"], a["staff_id"]), []).append(a)
            self.by_office.setdefault(a["office_id"], []).append(a)
        # SPEC §2.8 `ad_accounts`: the owner spans of each (office, account_id); account ids are
        # compared within an office (exactly, like staff ids: the data never differs in case)
        self.accounts = {}
        for r in accounts:
            self.accounts.setdefault((r["office_id"], r["account_id"]), []).append(r)

    def owner(self, office, account_id, day):
        """SPEC §9.3 `staff_through`: the `owner` of the `ad_accounts` record in the row's office
        whose active_from..active_to holds the row's date (several: the one that started last;
        none: None = unattributed)."""
        if account_id is None or day is None:
            return None
        best = None
        for r in self.accounts.get((office, account_id), ()):
            if r["active_from"] <= day and (r.get("active_to") is None or day <= r["active_to"]):
                if best is None or r["active_from"] > best["active_from"]:
                    best = r
        return None if best is None else best.get("owner")

    def month_assignment(self, office, staff_id, month):
        """SPEC §2.8 "A row dated by a month ... counts for the person's assignment on the
        month's first day or, when there is none, for the one that starts latest within the
        month"."""
        a = self.assignment(office, staff_id, month + "-01")
        if a is not None or staff_id is None:
            return a
        last = month_end(month)
        best = None
        for a in self.by_person.get((office, staff_id), ()):
            if month + "-01" <= a["active_from"] <= last:
                if best is None or a["active_from"] > best["active_from"]:
                    best = a
        return best

    def assignment(self, office, staff_id, day):
        """The assignment of `staff_id` in `office` active on `day` (active_from <= day <=
        active_to, an empty active_to has no upper bound); several (bad data): the latest
        active_from; none: None.  The staff value must equal the staff_id exactly (the contract
        does not say whether ids compare ignoring case; the data here never differs in case)."""
        if staff_id is None or day is None:
            return None
        best = None
        for a in self.by_person.get((office, staff_id), ()):
            if a["active_from"] <= day and (a.get("active_to") is None or day <= a["active_to"]):
                if best is None or a["active_from"] > best["active_from"]:
                    best = a
        return best

    def overlapping(self, office, month):
        """The office's assignments whose dates overlap the period (a month, quarter or year)."""
        first, last = period_bounds(month)
        return [a for a in self.by_office.get(office, ())
                if a["active_from"] <= last and (a.get("active_to") is None or a["active_to"] >= first)]


def group_of(assignment, by):
    """The line a row or an assignment belongs to: None = unattributed; else the assignment's
    (staff_id, position, department) for --by staff, (position,) or (department,)."""
    if assignment is None:
        return None
    if by == "staff":
        return (assignment["staff_id"], assignment["position"], assignment["department"])
    return (assignment[by],)


def row_day(coll, row):
    """The day that places a row with a person (SPEC §2.8 "active on the row's date (the
    measure's `time_field`)"): created_date, order_date, received_date; for a rating the first
    day of its period (§9.4 "counted for the person's assignment on the first day of the
    rating's period"): a day itself, a month's, quarter's or year's first day."""
    t = row.get(COLLECTIONS[coll]["time"])
    if coll == "qualitative_ratings" and t is not None:
        try:
            return period_bounds(t)[0] if grain_of(t) != "week" else None
        except ValueError:
            return None
    return t


def attribute(staff, coll, row, by):
    """The group a row of `leads`, `orders`, `complaints` or `qualitative_ratings` counts for:
    the assignment of the row's staff field value in the row's office active on the row's day
    (row_day); otherwise unattributed (None)."""
    if coll == "ad_daily":
        # through the account's owner on the row's date, then that person's assignment that day
        who = staff.owner(row["office_id"], row.get("account_id"), row.get("date"))
        return group_of(staff.assignment(row["office_id"], who, row.get("date")), by)
    if coll == "tasks":
        return group_of(staff.month_assignment(row["office_id"], row.get("staff_id"),
                                               row["period"]), by)
    return group_of(staff.assignment(row["office_id"], row.get(PEOPLE_FIELD[coll]),
                                     row_day(coll, row)), by)


def group_sort_key(g):
    """Lines sorted by staff_id, position, department in byte order; unattributed last."""
    if g is None:
        return (1, ())
    return (0, tuple(x.encode("utf-8") for x in g))


def kpi_measures(x):
    """The measure ids a KPI (or an expression) reads, through the KPIs it refers to (a ref
    filter is part of the filtered measure's id)."""
    if isinstance(x, str):
        if x in MEASURES:
            return {x}
        if x in KPIS:
            return kpi_measures(KPIS[x]["expr"])
        return set()
    if x[0] == "office":
        return kpi_measures(x[1])
    if x[0] in ("growth", "growth_yoy", "attainment"):
        return kpi_measures(x[1])
    out = set()
    for a in x[1:]:
        if isinstance(a, (str, tuple)):
            out |= kpi_measures(a)
    return out


def measure_rows(e, mid, office, month):
    """The rows of the office dated in the month (by the measure's time field) that pass the
    measure's filter (and its lookup): the rows the measure reads."""
    f = MEASURES[mid]
    if isinstance(f, GMeasure):
        return f.source, f.rows(e, office, month)
    return f.source, e.rows(f.source, office, month, f.pred)


def people_engines(data, staff, by):
    """One engine per group (None = unattributed), each over the group's rows of `leads`,
    `orders`, `complaints` and `qualitative_ratings` only (the office's own ratings, without a
    subject, fall in the unattributed group, where no `staff_rating_*` measure reads them);
    `customers` stays whole (the lookup of converted_leads is over the whole repository); the
    other collections are read by no people KPI."""
    parts = {}
    for coll in PEOPLE_FIELD:
        for row in data[coll]:
            g = attribute(staff, coll, row, by)
            parts.setdefault(g, {c: [] for c in PEOPLE_FIELD})[coll].append(row)
    engines = {}
    for g, rows in parts.items():
        d = {c: [] for c in COLLECTIONS}
        d["customers"] = data["customers"]
        d.update(rows)
        engines[g] = Engine(d)
    return engines


def people_lines(e, staff, k, office, month, by):
    """The groups listed for KPI k, the office and the month: (a) every assignment of the office
    overlapping the month whose position is one of k's positions; (b) every group (the
    unattributed one included) into which a row of the office dated in the month falls that
    passes the filter of a measure k reads."""
    groups = {group_of(a, by) for a in staff.overlapping(office, month)
              if PEOPLE_KPIS[k] is None or a["position"] in PEOPLE_KPIS[k]}
    for mid in kpi_measures(k):
        coll, rows = measure_rows(e, mid, office, month)
        for row in rows:
            groups.add(attribute(staff, coll, row, by))
    return sorted(groups, key=group_sort_key)


# ---------------------------------------------------------------------------
# Scorecard branch_marketing_monthly (docs/kpis.md §6 and §8 example 4; SPEC §9.5)
# ---------------------------------------------------------------------------

SCORECARD = {
    "id": "branch_marketing_monthly",
    "items": [
        # kpi, weight, method, cap, floor, missing
        ("net_revenue", Decimal("0.30"), "ratio", Decimal("1.20"), Decimal("0"), "zero"),
        ("consultations", Decimal("0.20"), "ratio", Decimal("1.20"), Decimal("0"), "zero"),
        ("avg_cost_per_conversation", Decimal("0.20"), "reduction", Decimal("1.00"), Decimal("0"), "zero"),
        ("return_rate", Decimal("0.15"), "reduction", Decimal("1.20"), Decimal("0"), "zero"),
        ("collection_rate", Decimal("0.15"), "ratio", Decimal("1.00"), Decimal("0"), "zero"),
    ],
}
# The built-in scorecard's bands (inclusive lower bounds, docs/kpis.md §6); SPEC does not pin
# them, so compare.py only checks them with --bands.
BANDS = [("A", Decimal(100)), ("B", Decimal(90)), ("C", Decimal(80)), ("D", None)]
FAILURE_FLAGS = {"spend_without_conversations", "spend_without_clicks", "cost_without_customers"}


def find_target(targets, office, kpi, period):
    """SPEC §9.5: targets of scope `office`, the office, the KPI id, the period text; the
    highest `version` wins."""
    best = None
    for t in targets:
        if (t.get("scope") == "office" and t.get("office_id") == office
                and t.get("kpi_id") == kpi and t.get("period") == period):
            v = t.get("version") or 0
            if best is None or v > (best.get("version") or 0):
                best = t
    return best


def attainment(method, a, t, worst=None, best=None):
    """§5.2 step 3-4, one exact division rounded half-up to 4 places; None = undefined."""
    if method == "ratio":
        return None if t <= 0 else div_round(a, t, 4)
    if method == "reduction":
        return None if t <= 0 else div_round(2 * t - a, t, 4)
    if method == "absolute":
        return None if t <= 0 else div_round(t - abs(a - t), t, 4)
    if method == "range":
        return None if worst == best else div_round(a - worst, best - worst, 4)
    raise AssertionError(method)


def compute_scorecard(e, targets, office, month, kpi_cache):
    items, missing_target = [], False
    total_ws, total_w = Decimal(0), Decimal(0)
    for kpi, w, method, cap, floor, missing in SCORECARD["items"]:
        r, a = kpi_cache(kpi, office, month)
        t = find_target(targets, office, kpi, month)
        item = {"kpi": kpi, "weight": str(w), "actual": None if a is None else fmt(a, KPIS[kpi]["scale"]),
                "target": None, "attainment": None, "score": None, "note": None,
                "excluded": False}
        if t is None or t.get("target_value") is None:
            missing_target = True
            item["note"] = "missing_target"
            items.append(item)
            continue
        tv = t["target_value"]
        item["target"] = str(tv)
        failure = [f for f in r.flags if f in FAILURE_FLAGS]
        att = None
        if a is not None:
            att = attainment(method, a, tv, t.get("worst"), t.get("best"))
        if failure:
            s = Decimal(0)
            item["note"] = failure[0]
        elif att is None:
            if missing == "exclude":
                item["excluded"] = True
                item["note"] = r.reason or "undefined_attainment"
                items.append(item)
                continue
            s = Decimal(0)
            item["note"] = r.reason or "undefined_attainment"
        else:
            s = min(max(att, floor), cap)
        item["attainment"] = None if att is None else fmt(att, 4)
        item["score"] = fmt(s, 4)
        total_ws += w * s
        total_w += w
        items.append(item)
    res = {"scorecard": SCORECARD["id"], "office": office, "period": month, "items": items}
    if missing_target:
        res.update(total=None, undefined_reason="missing_target")
    elif total_w == 0:
        res.update(total=None, undefined_reason="no_items")
    else:
        total = div_round(100 * total_ws, total_w, 2)
        band = next(b for b, lo in BANDS if lo is None or total >= lo)
        res.update(total=fmt(total, 2), undefined_reason=None, band=band)
    res.setdefault("band", None)
    return res


# ---------------------------------------------------------------------------
# People and department scorecards (SPEC §9.5 "Whose target", `applies_to`, the built-in
# `online_sales_monthly`, "Bonus, hard indicators, quarters", "Ranking"; §9.6 `scorecard
# --rank --format json`, members of `outpost-scorecard/1` results)
# ---------------------------------------------------------------------------

# SPEC §9.5 "`targets.scope` ... `position` (`scope_key` a position; `office_id` an office, or head
# office's own id for every office)".  The fixtures' and testdata's head office is `hq`
# (run_outpost.py: `init --office hq --head`); --head-office changes it.
HEAD_OFFICE = "hq"


def _dec(x):
    return None if x is None else Decimal(str(x))


def sc_item(kpi, weight, method, cap=None, floor=None, missing="zero", hard=None):
    """A scorecard item: `hard` is (min_attainment, cap_total) or None."""
    return {"kpi": kpi, "weight": Decimal(weight), "method": method, "cap": _dec(cap),
            "floor": _dec(floor), "missing": missing, "hard": hard}


# SPEC §9.5: "`online_sales_monthly` (网络咨询与销售月度考核: the people in positions `consultant` and
# `sales`; `deal_amount` 0.40, `deal_count` 0.20, `lead_conversion_rate` 0.25, each `ratio` capped
# at 1.20, and `followup_rate` 0.15 `ratio` capped at 1.00; bands A ≥ 100, B ≥ 90, C ≥ 80, D)".
# Floor 0 and `missing: zero` as in the office scorecard (docs/kpis.md §6: zero is the default);
# D's lower bound 0 (totals are never below 0 with floor 0).
ONLINE_SALES_MONTHLY = {
    "id": "online_sales_monthly", "version": 1, "level": "position",
    "positions": ["consultant", "sales"], "departments": None,
    "period_grain": "month", "period_rule": "aggregate",
    "items": [sc_item("deal_amount", "0.40", "ratio", "1.20", "0"),
              sc_item("deal_count", "0.20", "ratio", "1.20", "0"),
              sc_item("lead_conversion_rate", "0.25", "ratio", "1.20", "0"),
              sc_item("followup_rate", "0.15", "ratio", "1.00", "0")],
    "bands": [("A", Decimal(100), None), ("B", Decimal(90), None), ("C", Decimal(80), None),
              ("D", Decimal(0), None)],
}
# SPEC §9.5: "`online_sales_quarterly` (the same people and items, `period_grain` quarter,
# `period_rule` `mean_of_months`)"
ONLINE_SALES_QUARTERLY = dict(ONLINE_SALES_MONTHLY, id="online_sales_quarterly",
                              period_grain="quarter", period_rule="mean_of_months")
BUILTIN_PEOPLE_SCORECARDS = {"online_sales_monthly": ONLINE_SALES_MONTHLY,
                             "online_sales_quarterly": ONLINE_SALES_QUARTERLY}


def parse_scorecard(j):
    """A scorecard of an `outpost-kpi-def/1` document (SPEC §9.3 `Scorecard`, §9.5 members).
    Not a validator: the binary refuses bad documents; here only what the score reads."""
    at = j.get("applies_to") or {"level": "office"}
    items = []
    for it in j["items"]:
        hard = it.get("hard")
        items.append(sc_item(it["kpi"], it["weight"], it["method"], it.get("cap"), it.get("floor"),
                             it.get("missing", "zero"),
                             None if hard is None else (Decimal(hard["min_attainment"]),
                                                        Decimal(hard["cap_total"]))))
    return {"id": j["id"], "version": j.get("version"), "level": at.get("level", "office"),
            "positions": at.get("positions"), "departments": at.get("departments"),
            "period_grain": j.get("period_grain"), "period_rule": j.get("period_rule", "aggregate"),
            "items": items,
            "bands": [(b["label"], Decimal(b["min"]), _dec(b.get("bonus"))) for b in j.get("bands", [])]}


def load_definitions(path):
    """{id: scorecard} of a definitions file: an `outpost-kpi-def/1` document, or the
    `outpost-kpi-definitions/1` answer of `outpost kpi definitions --format json` (its
    `document`).  Only the scorecards are read: the oracle's measures and KPIs are its own
    (SPEC §9.4), so the document must hold the built-in catalog's KPIs."""
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    if "document" in doc and "format" in doc and doc["format"] != "outpost-kpi-def/1":
        doc = doc["document"]
    out = {}
    for j in doc.get("scorecards", []):
        out[j["id"]] = parse_scorecard(j)
    return out


def builtin_differences(scorecards):
    """The built-in people scorecards of a definitions document that differ from the SPEC text
    (a cross-check of the binary's catalog against SPEC §9.5): list of ids."""
    bad = []
    for sid, mine in BUILTIN_PEOPLE_SCORECARDS.items():
        theirs = scorecards.get(sid)
        if theirs is None:
            continue
        for key in ("level", "positions", "period_grain", "period_rule", "items", "bands"):
            if theirs.get(key) != mine.get(key):
                bad.append("%s.%s" % (sid, key))
    return bad


class TargetIndex:
    """`targets` rows by (scope, scope_key, office_id, kpi_id, period): the highest `version`
    (the first row on a tie, docs/kpis.md §6)."""

    def __init__(self, targets):
        self.best = {}
        for t in targets:
            key = (t.get("scope"), t.get("scope_key"), t.get("office_id"), t.get("kpi_id"),
                   t.get("period"))
            old = self.best.get(key)
            if old is None or (t.get("version") or 0) > (old.get("version") or 0):
                self.best[key] = t

    def get(self, scope, key, office, kpi, period):
        return self.best.get((scope, key, office, kpi, period))


def person_target(tix, head, office, staff_id, position, kpi, period):
    """SPEC §9.5 "Whose target": "the person's own target in their office, else their
    position's target in their office, else their position's company-wide target (`office_id` =
    head office) ... Within one of these the highest `version` wins; a person never falls back
    to an office target".  Per item (targets are per KPI).  Returns (row, level) or (None,
    None).  A row without `target_value` is no target (docs/kpis.md §6), so the next level is
    asked (not in the data: unpinned)."""
    for level, (scope, key, off) in (("staff", ("staff", staff_id, office)),
                                     ("position", ("position", position, office)),
                                     ("company", ("position", position, head))):
        t = tix.get(scope, key, off, kpi, period)
        if t is not None and t.get("target_value") is not None:
            return t, level
    return None, None


def department_target(tix, head, office, department, kpi, period):
    """SPEC §9.5: "A department scorecard reads the department's target in the office, else
    company-wide"."""
    for level, off in (("department", office), ("company", head)):
        t = tix.get("department", department, off, kpi, period)
        if t is not None and t.get("target_value") is not None:
            return t, level
    return None, None


def score_line(sc, value_fn, target_fn):
    """One result of a scorecard for one line and one period of the scorecard's grain
    (`aggregate`: the period's own KPI values against the period's targets).  value_fn(kpi) ->
    (R, canonical), target_fn(kpi) -> target row or None.  SPEC §9.5 rule, as in
    compute_scorecard, plus the hard indicators: an item whose raw attainment is below
    `min_attainment`, or unknown (undefined actual or target), or whose failure flag holds, is
    listed in `hard_failures` (item order) and caps the total at `cap_total` (strictest wins);
    band and bonus follow the capped total."""
    items, hard_failures, caps = [], [], []
    missing_target = False
    total_ws, total_w = Decimal(0), Decimal(0)
    for it in sc["items"]:
        k = it["kpi"]
        r, a = value_fn(k)
        t = target_fn(k)
        item = {"kpi": k, "weight": str(it["weight"]),
                "actual": None if a is None else fmt(a, KPIS[k]["scale"]),
                "target": None, "attainment": None, "score": None, "note": None, "excluded": False}
        items.append(item)
        if t is None:
            # a missing target makes the result undefined (`missing_target`); it is not an
            # "undefined target" of the hard rule (SPEC §9.5 uses "undefined" for an item a
            # target <= 0 leaves undefined), so a hard item without target is not listed in
            # hard_failures -- unpinned; the binary does the same (README, "People scorecards")
            missing_target = True
            item["note"] = "missing_target"
            continue
        tv = t["target_value"]
        item["target"] = str(tv)
        failure = [f for f in r.flags if f in FAILURE_FLAGS]
        att = None
        if a is not None:
            att = attainment(it["method"], a, tv, t.get("worst"), t.get("best"))
        if it["hard"] is not None and (failure or att is None or att < it["hard"][0]):
            hard_failures.append(k)
            caps.append(it["hard"][1])
        item["attainment"] = None if att is None else fmt(att, 4)
        if failure:
            s = Decimal(0)
            item["note"] = failure[0]
        elif att is None:
            item["note"] = r.reason or "undefined_attainment"
            if it["missing"] == "exclude":
                item["excluded"] = True
                continue
            s = Decimal(0)
        else:
            s = att
            if it["floor"] is not None:
                s = max(s, it["floor"])
            if it["cap"] is not None:
                s = min(s, it["cap"])
        item["score"] = fmt(s, 4)
        total_ws += it["weight"] * s
        total_w += it["weight"]
    res = {"items": items, "hard_failures": hard_failures}
    if missing_target:
        total, reason = None, "missing_target"
    elif total_w == 0:
        total, reason = None, "all_items_excluded"
    else:
        total, reason = div_round(100 * total_ws, total_w, 2), None
        if caps:
            total = min(total, min(caps))
    res.update(banded(sc, total), undefined_reason=reason)
    return res


def banded(sc, total):
    """total (Decimal or None) -> {"total", "band", "bonus"}: the first band (in the document's
    order) whose inclusive lower bound the total reaches; its `bonus` (null when it has none)."""
    if total is None:
        return {"total": None, "band": None, "bonus": None}
    for label, lo, bonus in sc["bands"]:
        if total >= lo:
            return {"total": fmt(total, 2), "band": label, "bonus": None if bonus is None else str(bonus)}
    return {"total": fmt(total, 2), "band": None, "bonus": None}


class PeopleScorer:
    """Scores position and department scorecards (SPEC §9.5 `applies_to`) over a dataset."""

    def __init__(self, data, e, offices, head=HEAD_OFFICE):
        self.data, self.e, self.offices, self.head = data, e, offices, head
        self.staff = Staff(data["staff"], data["ad_accounts"])
        self.tix = TargetIndex(data["targets"])
        self.engines = {}
        self.values = {}
        self.line_cache = {}
        self.empty = Engine(dict({c: [] for c in COLLECTIONS}, customers=data["customers"]))

    def by_of(self, sc):
        return {"position": "staff", "department": "department"}[sc["level"]]

    def lines(self, sc, office, period):
        # what the lines depend on (not the id: two documents may reuse one)
        key = (sc["level"], tuple(sc["positions"] or ()), tuple(sc["departments"] or ()),
               tuple(it["kpi"] for it in sc["items"]), office, period)
        if key not in self.line_cache:
            self.line_cache[key] = self._lines(sc, office, period)
        return self.line_cache[key]

    def _lines(self, sc, office, period):
        """The lines a scorecard scores in an office and period: "one result per line of `kpi
        --by staff`" in its positions (position level), or each department's line of `kpi --by
        department` (all departments when not narrowed); never the unattributed line.  The
        lines of any of the items' KPIs (§9.6: assignments active on some day of the period
        whose position is among the KPI's positions, and groups with a row a measure counts)."""
        by = self.by_of(sc)
        out = set()
        for it in sc["items"]:
            for g in people_lines(self.e, self.staff, it["kpi"], office, period, by):
                if g is None:
                    continue
                if sc["level"] == "position" and g[1] not in sc["positions"]:
                    continue
                if sc["level"] == "department" and sc["departments"] and g[0] not in sc["departments"]:
                    continue
                out.add(g)
        return sorted(out, key=group_sort_key)

    def value(self, by, g, kpi, office, period):
        key = (by, g, kpi, office, period)
        if key not in self.values:
            if by not in self.engines:
                self.engines[by] = people_engines(self.data, self.staff, by)
            if is_quarter(period) and kpi not in PEOPLE_KPIS:
                raise AssertionError("quarter values are covered for the people KPIs only")
            ge = self.engines[by].get(g, self.empty)
            self.values[key] = compute_kpi(ge, kpi, office, period)
        return self.values[key]

    def target_fn(self, sc, office, g, period):
        if sc["level"] == "position":
            return lambda k: person_target(self.tix, self.head, office, g[0], g[1], k, period)[0]
        return lambda k: department_target(self.tix, self.head, office, g[0], k, period)[0]

    def score(self, sc, office, g, period):
        by = self.by_of(sc)
        return score_line(sc, lambda k: self.value(by, g, k, office, period),
                          self.target_fn(sc, office, g, period))

    def mean_of_months(self, sc, office, g, quarter):
        """SPEC §9.5 `period_rule` `mean_of_months`: each month of the period in which the line
        is a line is scored against its monthly targets; total = mean of those monthly totals,
        half-up to 2 places, undefined with the first such month's reason when any is; each
        item's score = mean of its monthly scores (4 places; null when a month has none, e.g.
        its target is missing that month -- unpinned, as the binary does),
        note `mean_of_months`, no actual, target or attainment; `hard_failures` = those of any
        month (item order), their caps already in the monthly totals."""
        months = [m for m in period_months(quarter) if g in self.lines(sc, office, m)]
        monthly = [self.score(sc, office, g, m) for m in months]
        reason = next((r["undefined_reason"] for r in monthly if r["total"] is None), None)
        items = []
        for i, it in enumerate(sc["items"]):
            scores = [Decimal(r["items"][i]["score"]) for r in monthly
                      if r["items"][i]["score"] is not None]
            if len(scores) < len(monthly):
                scores = []
            items.append({"kpi": it["kpi"], "weight": str(it["weight"]), "actual": None,
                          "target": None, "attainment": None,
                          "score": fmt(div_round(sum(scores, Decimal(0)), len(scores), 4), 4)
                          if scores else None,
                          "note": "mean_of_months", "excluded": False})
        failed = {k for r in monthly for k in r["hard_failures"]}
        res = {"items": items, "hard_failures": [it["kpi"] for it in sc["items"] if it["kpi"] in failed],
               "months_scored": months}
        if reason is not None or not monthly:
            total = None
            reason = reason or "no_months"
        else:
            total = div_round(sum((Decimal(r["total"]) for r in monthly), Decimal(0)), len(monthly), 2)
        res.update(banded(sc, total), undefined_reason=reason)
        return res

    def results(self, sc, period):
        """Every result of the scorecard for the period, ranked and in --rank order."""
        grain = "quarter" if is_quarter(period) else "month"
        if sc.get("period_grain") not in (None, grain):
            raise ValueError("scorecard %r scores %s periods; %s is a %s" % (
                sc["id"], sc["period_grain"], period, grain))
        out = []
        for o in self.offices:
            for g in self.lines(sc, o, period):
                if grain == "quarter" and sc["period_rule"] == "mean_of_months":
                    r = self.mean_of_months(sc, o, g, period)
                else:
                    r = self.score(sc, o, g, period)
                head = {"scorecard": sc["id"], "period": period, "office": o}
                if sc["level"] == "position":
                    head.update(staff=g[0], position=g[1], department=g[2])
                else:
                    head.update(department=g[0])
                head.update(r)
                out.append(head)
        return rank_results(out, sc["level"])


def rank_results(results, level):
    """SPEC §9.5 Ranking: by total, highest first; equal totals share a rank and the next
    skips (1, 1, 3); an undefined total has no rank (null).  People: `rank` within their
    position company-wide, `rank_in_office` among everyone the scorecard scores in the office;
    departments: within the same department company-wide and within their office.  Listed by
    position (or department), rank, staff id and office, a result without a rank after the
    ranked ones of its group."""
    group = "position" if level == "position" else "department"

    def assign(field, key):
        totals = {}
        for r in results:
            if r["total"] is not None:
                totals.setdefault(key(r), []).append(Decimal(r["total"]))
        for r in results:
            if r["total"] is None:
                r[field] = None
            else:
                t = Decimal(r["total"])
                r[field] = 1 + sum(1 for x in totals[key(r)] if x > t)
    assign("rank", lambda r: r[group])
    assign("rank_in_office", lambda r: r["office"])

    def order(r):
        return (r[group].encode("utf-8"), r["rank"] is None, r["rank"] or 0,
                (r.get("staff") or "").encode("utf-8"), r["office"].encode("utf-8"),
                (r.get("department") or "").encode("utf-8"))
    return sorted(results, key=order)


def to_grain(p, grain):
    """The period of grain `grain` that a presence mark p (a month, or a rating's quarter or
    year) falls in; None when p is coarser than the grain (a quarter's rating at month grain)."""
    g = grain_of(p)
    rank = {"month": 0, "quarter": 1, "year": 2}
    if rank[g] > rank[grain]:
        return None
    return period_of(period_months(p)[0], grain)


def measure_presence(e, mid):
    """(office, month or rating period) marks of the rows measure `mid` reads (its filter, its
    lookup), by the row's own date."""
    f = MEASURES[mid]
    out = set()
    if isinstance(f, RatingMeasure):
        for r in e.data["qualitative_ratings"]:
            t = r.get("period")
            if t is not None and f.pred(r) and grain_of(t) != "week":
                out.add((r["office_id"], t[:7] if grain_of(t) == "day" else t))
    elif isinstance(f, GMeasure):
        for (o, m), rs in e.gbucket(f).items():
            if any(f.pred(r) for r in rs):
                out.add((o, m))
    else:
        for (o, m), rs in e.buckets[f.source].items():
            if f.pred is None or any(f.pred(r) for r in rs):
                out.add((o, m))
    return out


def grid(e, kpis, grain, only_offices=None):
    """The offices and periods of the output (SPEC §9.6 "every office in the data by default,
    and every period ... from the first to the last date in the data of the offices shown"):
    the periods of `grain` holding a row that a measure reads, contiguous from the first to the
    last, and the offices holding one.  kpis None: a measure of the catalog (Engine.present,
    SPAN_FILTER; the people's ratings included); a list: the measures those KPIs read (observed:
    `outpost kpi --kpi leads` lists only the offices and months with leads; not pinned).
    Returns (offices, months, periods); `months` is the month span (at quarter/year grain the
    months of the periods)."""
    if kpis is None:
        marks = set(e.present) | set(e.present_coarse)
    else:
        marks = set()
        for k in kpis:
            for mid in kpi_measures(k):
                marks |= measure_presence(e, mid)
    placed = {}
    for o, p in marks:
        q = to_grain(p, grain)
        if q is not None:
            placed.setdefault(o, set()).add(q)
    offices = sorted(o for o in placed if only_offices is None or o in only_offices)
    ps = sorted(q for o in offices for q in placed[o])
    if not ps:
        return offices, [], []
    step = {"month": next_month, "quarter": lambda q: quarter_of(next_month(period_months(q)[-1])),
            "year": lambda y: str(int(y) + 1)}[grain]
    periods, p = [], ps[0]
    while p <= ps[-1]:
        periods.append(p)
        p = step(p)
    months = [m for q in periods for m in period_months(q)]
    return offices, months, periods


def people_scorecards_main(args, data, e, offices, months):
    scorecards = dict(BUILTIN_PEOPLE_SCORECARDS)
    if args.definitions:
        try:
            defined = load_definitions(args.definitions)
        except (OSError, ValueError, KeyError) as exc:
            print("error: %s: %s" % (args.definitions, exc), file=sys.stderr)
            return 65
        for bad in builtin_differences(defined):
            print("warning: %s: %s differs from SPEC §9.5's built-in" % (args.definitions, bad),
                  file=sys.stderr)
        scorecards.update(defined)
    ids = args.scorecard or ["online_sales_monthly"]
    scorer = PeopleScorer(data, e, offices, args.head_office)
    quarters = []
    for m in months:
        if quarter_of(m) not in quarters:
            quarters.append(quarter_of(m))
    results = []
    for sid in ids:
        sc = scorecards.get(sid)
        if sc is None:
            print("error: no scorecard %r" % sid, file=sys.stderr)
            return 64
        if sc["level"] not in ("position", "department"):
            print("error: scorecard %r applies to %s: not a people scorecard" % (sid, sc["level"]),
                  file=sys.stderr)
            return 64
        grain = sc.get("period_grain") or "month"
        if grain not in ("month", "quarter"):
            print("error: scorecard %r: grain %s not covered" % (sid, grain), file=sys.stderr)
            return 64
        periods = [p for p in (args.period or (months if grain == "month" else quarters))
                   if is_quarter(p) == (grain == "quarter")]
        if args.period and not periods:
            print("error: scorecard %r scores %s periods" % (sid, grain), file=sys.stderr)
            return 64
        for p in periods:
            results.extend(scorer.results(sc, p))
    out = {"format": "kpi-oracle/1", "grain": "month", "offices": offices, "months": months,
           "by": "people-scorecards", "kpis": [], "values": [], "scorecards": [],
           "head_office": args.head_office, "people_scorecards": results}
    if args.compact:
        json.dump(out, sys.stdout, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    else:
        json.dump(out, sys.stdout, sort_keys=True, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


# ---------------------------------------------------------------------------

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("data", help="dataset folder (one sub-folder per office)")
    ap.add_argument("--office", action="append", help="only this office (repeatable); the month "
                    "range is then taken from these offices' rows, like a branch repository")
    ap.add_argument("--kpi", action="append", help="only this KPI (repeatable)")
    ap.add_argument("--months", help="FROM:TO (YYYY-MM:YYYY-MM) instead of the data's span")
    ap.add_argument("--grain", default="month", metavar="G[,G]",
                    help="periods of the output (SPEC §9.2; `outpost kpi --grain G`): month "
                    "(default), quarter, year, or quarter,year (both grains' values in one "
                    "output, to compare with two `outpost kpi` files); quarter and year cover "
                    "only the office's ratings (admin_assessment ... content_quality) at office "
                    "level and the people KPIs (the nine and the staff_* ratings) with --by "
                    "staff|position|department")
    ap.add_argument("--no-scorecard", action="store_true")
    ap.add_argument("--by", choices=["channel", "staff", "position", "department"],
                    help="channel: break the ✓ KPIs down by channel (for "
                    "each KPI and office, one value per channel named by the office's rows the "
                    "KPI reads, after the filters; no office total; "
                    "with the by-channel-only KPIs traffic_share, channel_sales, channel_profit); "
                    "staff|position|department: the people breakdowns of the KPIs with "
                    "`positions` (rows attributed to `staff` assignments; one line per group, "
                    "the unattributed line last)")
    ap.add_argument("--staff", action="append", metavar="ID", help="only these people's lines "
                    "(repeatable; implies --by staff; no unattributed line; SPEC §9.6)")
    ap.add_argument("--branch", action="store_true", help="as a branch repository built by "
                    "import: without the head-office collections (targets, qualitative_ratings), "
                    "which a branch cannot import (SPEC §2.4, exit 77)")
    ap.add_argument("--people-scorecards", action="store_true", help="score the position and "
                    "department scorecards (SPEC §9.5 applies_to) instead of KPI values: the "
                    "built-in online_sales_monthly, or --scorecard ID of --definitions FILE; "
                    "output member people_scorecards (results ranked, in --rank order)")
    ap.add_argument("--definitions", metavar="FILE", help="an outpost-kpi-def/1 document (or the "
                    "JSON of `outpost kpi definitions`) whose scorecards --people-scorecards "
                    "reads; its KPIs must be the built-in catalog's (the oracle's are SPEC §9.4's)")
    ap.add_argument("--scorecard", action="append", metavar="ID", help="with --people-scorecards: "
                    "this scorecard (repeatable; default online_sales_monthly)")
    ap.add_argument("--period", action="append", metavar="P", help="with --people-scorecards: "
                    "score these periods (months or quarters; repeatable); default: every month "
                    "(quarter) of the grid, by the scorecard's period_grain")
    ap.add_argument("--head-office", default=HEAD_OFFICE, help="head office's own id, the "
                    "office_id of company-wide targets (default %(default)s)")
    ap.add_argument("--compact", action="store_true", help="one-line JSON")
    args = ap.parse_args(argv)

    warnings = []
    try:
        data = load_dataset(args.data, warnings)
    except DataError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 65
    for w in warnings:
        print("warning: %s" % w, file=sys.stderr)
    if args.branch:
        for coll, meta in COLLECTIONS.items():
            if meta.get("head"):
                data[coll] = []
    e = Engine(data)
    if args.staff:
        if args.by not in (None, "staff"):
            print("error: --staff goes with --by staff only", file=sys.stderr)
            return 64
        args.by = "staff"
        ids = {a["staff_id"] for a in data["staff"]    # a branch holds its own office's only
               if not (args.branch and args.office) or a["office_id"] in args.office}
        for sid in args.staff:
            if sid not in ids:
                print("error: no staff record names %r" % sid, file=sys.stderr)
                return 64
    people = args.by in PEOPLE_MEMBERS
    grains = args.grain.split(",")
    if (any(g not in ("month", "quarter", "year") for g in grains) or len(set(grains)) != len(grains)
            or ("month" in grains and len(grains) > 1)):
        print("error: --grain: month, quarter, year or quarter,year", file=sys.stderr)
        return 64
    coarse = grains != ["month"]
    if coarse and (args.by == "channel" or args.people_scorecards):
        print("error: --grain %s goes with office level or a people breakdown only" % args.grain,
              file=sys.stderr)
        return 64
    if people:
        kpis = args.kpi or [k for k in SPEC_ORDER if k in PEOPLE_KPIS]
    elif coarse:
        kpis = args.kpi or RATING_KPIS
    else:
        kpis = args.kpi or ([k for k in SPEC_ORDER if k not in BY_STAFF_ONLY]
                            if args.by == "channel" else DEFAULT_KPIS)
    for k in kpis:
        if k not in KPIS:
            print("error: KPI %r not covered by the oracle" % k, file=sys.stderr)
            return 64
        if k in BY_STAFF_ONLY and not people:
            # SPEC §9.6 "the people's ratings `staff_*`, which exist only in a people breakdown
            # (naming one without it exits 64)"
            print("error: KPI %r exists only in a people breakdown (--by staff|position|"
                  "department)" % k, file=sys.stderr)
            return 64
        if coarse and k not in (PEOPLE_KPIS if people else RATING_KPIS):
            print("error: KPI %r is not covered by the oracle at %s grain" % (k, args.grain),
                  file=sys.stderr)
            return 64
    if people:
        for k in kpis:
            if k not in PEOPLE_KPIS:
                print("warning: KPI %r has no people breakdown: no value" % k, file=sys.stderr)
        kpis = [k for k in SPEC_ORDER if k in kpis and k in PEOPLE_KPIS]
    if args.by is None:
        # SPEC §9.4: these "exist only in a channel breakdown"; asked for at office level they
        # give no value (the binary prints "No data for these offices and periods.", exit 0)
        for k in kpis:
            if k in BY_CHANNEL_ONLY:
                print("warning: KPI %r exists only with --by channel: no value" % k, file=sys.stderr)
        kpis = [k for k in kpis if k not in BY_CHANNEL_ONLY]
    # offices and periods: from the rows the output's KPIs read when they are narrowed (--kpi,
    # or the rating KPIs at quarter/year office level), else from every measure's rows
    narrowed = args.kpi or (coarse and not people) or None
    offices, months, periods = set(), [], []
    shown = {}           # period -> the offices of its grain's grid
    for g in grains:
        os_, ms, ps = grid(e, kpis if narrowed else None, g, args.office)
        offices |= set(os_)
        months = sorted(set(months) | set(ms))
        periods += ps
        shown.update((p, set(os_)) for p in ps)
    offices = sorted(offices)
    if args.months:
        a, b = args.months.split(":")
        months = periods = month_range(a, b)
        shown = {p: set(offices) for p in periods}
        if coarse:
            print("error: --months goes with month grain only", file=sys.stderr)
            return 64

    if args.people_scorecards:
        return people_scorecards_main(args, data, e, offices, months)

    cache = {}

    def kpi_cache(k, o, m):
        key = (k, o, m)
        if key not in cache:
            cache[key] = compute_kpi(e, k, o, m)
        return cache[key]

    def emit(values, k, o, m, r, canonical, channel=None, group=None):
        unit, scale = KPIS[k]["unit"], KPIS[k]["scale"]
        v = {"kpi": k, "office": o, "period": m, "unit": unit, "scale": scale,
             "value": None if canonical is None else fmt(canonical, scale),
             "undefined_reason": r.reason, "flags": r.flags}
        if channel is not None:
            v["channel"] = channel
        if people:
            # the group's members; the unattributed line has them all null
            for i, member in enumerate(PEOPLE_MEMBERS[args.by]):
                v[member] = None if group is None else group[i]
        if r.num is not None:
            # a side that is itself an unrounded fraction (clv_cac_ratio: clv, cac) is written
            # "n/d"; informational only (compare.py prints it, never compares it)
            def side(x):
                return "%s/%s" % (x[1], x[2]) if isinstance(x, tuple) else str(x)
            v["numerator"], v["denominator"] = side(r.num), side(r.den)
        values.append(v)

    values = []
    if args.by == "channel":
        # SPEC §9.3 `dimensions`: per KPI and office, the channels named by the office's rows
        # the KPI reads (kpi_channels), the same list for every month of the output
        engines = {}
        for k in kpis:
            if k not in BY_CHANNEL:
                continue
            for o in offices:
                channels = sorted(kpi_channels(e, k, o, months))
                for c in channels:
                    if c not in engines:
                        engines[c] = Engine(data, channel=c, office_engine=e)
                for m in months:
                    for c in channels:
                        r, canonical = compute_kpi(engines[c], k, o, m)
                        emit(values, k, o, m, r, canonical, c)
    elif people:
        staff = Staff(data["staff"], data["ad_accounts"])
        engines = people_engines(data, staff, args.by)
        empty = None
        for k in kpis:
            for o in offices:
                for m in periods:
                    if o not in shown[m]:
                        continue
                    for g in people_lines(e, staff, k, o, m, args.by):
                        if args.staff and (g is None or g[0] not in args.staff):
                            continue
                        ge = engines.get(g)
                        if ge is None:          # a group without any row anywhere
                            if empty is None:
                                empty = Engine(dict({c: [] for c in COLLECTIONS},
                                                    customers=data["customers"]))
                            ge = empty
                        r, canonical = compute_kpi(ge, k, o, m)
                        emit(values, k, o, m, r, canonical, group=g)
    else:
        for k in kpis:
            for o in offices:
                for m in periods:
                    if o not in shown[m]:
                        continue
                    r, canonical = kpi_cache(k, o, m)
                    emit(values, k, o, m, r, canonical)
    scorecards = []
    if not args.no_scorecard and args.by is None and not coarse:
        for o in offices:
            for m in months:
                scorecards.append(compute_scorecard(e, data["targets"], o, m, kpi_cache))
    # the KPIs this output covers (compare.py counts a KPI Outpost prints outside this list as
    # UNCOVERED); with --by channel only the ✓ ones, as channel rows
    covered = [k for k in kpis if args.by != "channel" or k in BY_CHANNEL]
    out = {"format": "kpi-oracle/1", "grain": args.grain, "offices": offices, "months": months,
           "periods": periods, "by": args.by, "kpis": covered, "values": values,
           "scorecards": scorecards}
    if args.compact:
        json.dump(out, sys.stdout, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    else:
        json.dump(out, sys.stdout, sort_keys=True, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
