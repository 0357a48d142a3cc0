-- outpost-bench kpi: every KPI of the built-in catalog (SPEC.md §9.4) for every office and
-- month, as GROUP BY office, month queries. Run by `outpost-bench phase kpi-sqlite-query` as
-- `sqlite3 -bail -csv -header DB < kpi.sql`; one row per office and month, one column per KPI,
-- in catalog order. The 54 KPIs written first are left unrounded (binary floating point); the
-- 23 added with R10 and the duration measures (content_shares ... delivery_days) are computed
-- on integers (money in cents, durations in nanoseconds) and rounded once, half-up (away from
-- zero), by integer division, then written as value / 10^scale. The benchmark compares every
-- column with `outpost kpi --format json` at each KPI's scale.
--
-- The catalog's rules, written out:
-- * a row falls in the month of its measure's time field (R7); the months are every month from
--   the first to the last one in the data, for every office in the data (a grid, like outpost);
-- * a sum or count over no rows is 0 (R3: the IIF(n IS NULL, 0, ...) and IIF(count = 0, 0, ...)
--   forms); a sum over rows that are all null is undefined (R2: SQL's SUM gives NULL);
-- * ratios divide sums over the whole month; a denominator <= 0 is undefined (R1, R4: NULL);
-- * last(...) per partition: the latest row of the month per platform / search engine, added up
--   (R8); growth compares with the previous month or the same month a year earlier, and a base
--   <= 0 is undefined;
-- * windows (R10): "12 months to period_end" = the months P-11 .. P, "to period_start" =
--   P-12 .. P-1 (at month grain whole calendar months); a row counts in every period whose window
--   holds it. Done by copying each (office, month, customer) row of confirmed orders to the 13
--   months k = 0 .. 12 after it (month index + k), and for the money windows by a window frame
--   over the grid (ROWS 11 PRECEDING: the grid has every month, so 12 rows are 12 months);
-- * lookups (customer.acquired_date, order.channel_id, order.order_date, order.status) join by
--   record id over every office's rows; a row whose key names no row is not counted (inner join);
-- * {"field","days"} filters: date(F, '+N days'), compared as ISO date text; NULL -> false;
-- * durations: exact nanoseconds between two RFC 3339 timestamps (unixepoch of the whole
--   seconds with the offset, plus the fraction's digits), a negative one makes the value
--   undefined; a timestamp's first ten characters (the office's local date) give its month;
-- * $period_days = the calendar days of the month (28 .. 31).
--
-- Rounding of the integer-computed KPIs: for n >= 0, d > 0, round_half_up(n / d) =
-- (2n + d) / (2d) in integer division; for a numerator that may be negative, the same on |n|
-- with the sign put back.

WITH RECURSIVE
cd AS (
  SELECT office_id AS office, substr(date, 1, 7) AS month, COUNT(*) AS n,
    SUM(impressions) AS impressions, SUM(clicks) AS clicks, SUM(visits) AS visits,
    SUM(page_views) AS page_views, SUM(consultations) AS consultations,
    SUM(consult_calls) AS consult_calls, SUM(registrations) AS registrations,
    SUM(downloads) AS downloads, SUM(subscriptions) AS subscriptions,
    SUM(emails_delivered) AS emails_delivered, SUM(email_unique_opens) AS email_unique_opens,
    SUM(email_unique_clicks) AS email_unique_clicks, SUM(spend) AS ad_spend,
    -- ctr: clicks and impressions where both are present
    IIF(COUNT(CASE WHEN impressions IS NOT NULL AND clicks IS NOT NULL THEN 1 END) = 0, 0,
      SUM(CASE WHEN impressions IS NOT NULL AND clicks IS NOT NULL THEN clicks END))
      AS ctr_clicks,
    IIF(COUNT(CASE WHEN impressions IS NOT NULL AND clicks IS NOT NULL THEN 1 END) = 0, 0,
      SUM(CASE WHEN impressions IS NOT NULL AND clicks IS NOT NULL THEN impressions END))
      AS ctr_impressions,
    -- paid channels
    IIF(COUNT(CASE WHEN channel_id IN ('sem', 'social') THEN 1 END) = 0, 0,
      SUM(CASE WHEN channel_id IN ('sem', 'social') THEN spend END)) AS paid_spend,
    IIF(COUNT(CASE WHEN channel_id IN ('sem', 'social') THEN 1 END) = 0, 0,
      SUM(CASE WHEN channel_id IN ('sem', 'social') THEN clicks END)) AS paid_clicks,
    IIF(COUNT(CASE WHEN channel_id IN ('sem', 'social') THEN 1 END) = 0, 0,
      SUM(CASE WHEN channel_id IN ('sem', 'social') THEN consultations END))
      AS paid_consultations,
    -- consultation rates: consultations where clicks (visits) are present
    IIF(COUNT(clicks) = 0, 0, SUM(CASE WHEN clicks IS NOT NULL THEN consultations END))
      AS consultations_with_clicks,
    IIF(COUNT(visits) = 0, 0, SUM(CASE WHEN visits IS NOT NULL THEN consultations END))
      AS consultations_with_visits,
    -- conversion rate: web channels
    IIF(COUNT(CASE WHEN channel_id IN ('seo', 'sem', 'social', 'email', 'direct') THEN 1 END)
      = 0, 0,
      SUM(CASE WHEN channel_id IN ('seo', 'sem', 'social', 'email', 'direct') THEN visits END))
      AS web_visits,
    -- social_impressions: impressions of channel social
    IIF(COUNT(CASE WHEN channel_id = 'social' THEN 1 END) = 0, 0,
      SUM(CASE WHEN channel_id = 'social' THEN impressions END)) AS social_impressions,
    SUM(CAST(ROUND(spend * 100) AS INTEGER)) AS ad_spend_cents
  FROM channel_daily GROUP BY office, month),
o AS (
  SELECT office_id AS office, substr(order_date, 1, 7) AS month,
    COUNT(CASE WHEN status = 'confirmed' THEN 1 END) AS deals,
    IIF(COUNT(CASE WHEN status = 'confirmed' THEN 1 END) = 0, 0,
      SUM(CASE WHEN status = 'confirmed' THEN amount END)) AS gross_amount,
    IIF(COUNT(CASE WHEN status = 'confirmed' THEN 1 END) = 0, 0,
      SUM(CASE WHEN status = 'confirmed' THEN quantity END)) AS units_ordered,
    IIF(COUNT(CASE WHEN status = 'confirmed' THEN 1 END) = 0, 0,
      SUM(CASE WHEN status = 'confirmed' THEN cogs END)) AS order_cogs,
    COUNT(DISTINCT CASE WHEN status = 'confirmed' THEN customer_id END) AS ordering_customers,
    COUNT(CASE WHEN status = 'confirmed'
      AND channel_id IN ('seo', 'sem', 'social', 'email', 'direct') THEN 1 END) AS web_deals,
    IIF(COUNT(CASE WHEN status = 'confirmed' THEN 1 END) = 0, 0,
      SUM(CASE WHEN status = 'confirmed' THEN CAST(ROUND(amount * 100) AS INTEGER) END))
      AS gross_cents,
    IIF(COUNT(CASE WHEN status = 'confirmed'
      AND channel_id IN ('seo', 'sem', 'social', 'email', 'direct') THEN 1 END) = 0, 0,
      SUM(CASE WHEN status = 'confirmed'
        AND channel_id IN ('seo', 'sem', 'social', 'email', 'direct')
        THEN CAST(ROUND(amount * 100) AS INTEGER) END)) AS gross_web_cents,
    COUNT(CASE WHEN status = 'confirmed' AND channel_id = 'email' THEN 1 END) AS email_deals,
    COUNT(DISTINCT CASE WHEN status = 'confirmed' THEN channel_id END) AS order_channels,
    COUNT(CASE WHEN status = 'confirmed' AND fulfilled_at IS NULL THEN 1 END)
      AS unfulfilled_order_count
  FROM orders GROUP BY office, month),
ro AS (
  -- repeat_order_count: confirmed orders dated after their customer's acquired_date
  SELECT o.office_id AS office, substr(o.order_date, 1, 7) AS month,
    COUNT(*) AS repeat_order_count
  FROM orders o JOIN customers c ON c.customer_id = o.customer_id
  WHERE o.status = 'confirmed' AND o.order_date > date(c.acquired_date, '+0 days')
  GROUP BY office, month),
oc AS (
  -- confirmed orders per office, month index (year * 12 + month - 1) and customer
  SELECT office_id AS office,
    CAST(substr(order_date, 1, 4) AS INTEGER) * 12 + CAST(substr(order_date, 6, 2) AS INTEGER) - 1
      AS mi,
    customer_id, COUNT(*) AS c
  FROM orders WHERE status = 'confirmed' AND customer_id IS NOT NULL
  GROUP BY office, mi, customer_id),
k(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM k WHERE k < 12),
cw AS (
  -- per office, period P (month index) and customer: ordered in P (k = 0), in the 12 months
  -- before P (k 1..12), in the 12 months ending with P (k 0..11) and how many orders there
  SELECT office, mi + k AS mi, customer_id, MAX(k = 0) AS in_p, MAX(k >= 1) AS in_before,
    MAX(k <= 11) AS in_12m, SUM(IIF(k <= 11, c, 0)) AS orders_12m
  FROM oc CROSS JOIN k GROUP BY office, mi + k, customer_id),
cwm AS (
  SELECT office, printf('%04d-%02d', mi / 12, mi % 12 + 1) AS month,
    SUM(in_12m) AS ordering_customers_12m, SUM(orders_12m >= 2) AS repeat_customers_12m,
    SUM(in_before) AS customers_before, SUM(in_p AND in_before) AS retained_customers
  FROM cw GROUP BY office, mi),
ts AS (
  -- timestamps as exact nanoseconds since the epoch: unixepoch() of the whole seconds with
  -- the offset, plus the fraction's digits (up to 9)
  SELECT office_id AS office, substr(fulfilled_at, 1, 7) AS f_month,
    substr(delivered_at, 1, 7) AS d_month,
    unixepoch(substr(fulfilled_at, 1, 19) || IIF(fulfilled_at LIKE '%Z', 'Z', substr(fulfilled_at, -6))) * 1000000000
      + IIF(substr(fulfilled_at, 20, 1) = '.', CAST(substr(substr(fulfilled_at, 21,
          length(fulfilled_at) - 20 - IIF(fulfilled_at LIKE '%Z', 1, 6)) || '000000000', 1, 9)
          AS INTEGER), 0)
    - (unixepoch(substr(placed_at, 1, 19) || IIF(placed_at LIKE '%Z', 'Z', substr(placed_at, -6))) * 1000000000
      + IIF(substr(placed_at, 20, 1) = '.', CAST(substr(substr(placed_at, 21,
          length(placed_at) - 20 - IIF(placed_at LIKE '%Z', 1, 6)) || '000000000', 1, 9)
          AS INTEGER), 0)) AS fulfilment_ns,
    unixepoch(substr(delivered_at, 1, 19) || IIF(delivered_at LIKE '%Z', 'Z', substr(delivered_at, -6))) * 1000000000
      + IIF(substr(delivered_at, 20, 1) = '.', CAST(substr(substr(delivered_at, 21,
          length(delivered_at) - 20 - IIF(delivered_at LIKE '%Z', 1, 6)) || '000000000', 1, 9)
          AS INTEGER), 0)
    - (unixepoch(substr(shipped_at, 1, 19) || IIF(shipped_at LIKE '%Z', 'Z', substr(shipped_at, -6))) * 1000000000
      + IIF(substr(shipped_at, 20, 1) = '.', CAST(substr(substr(shipped_at, 21,
          length(shipped_at) - 20 - IIF(shipped_at LIKE '%Z', 1, 6)) || '000000000', 1, 9)
          AS INTEGER), 0)) AS delivery_ns
  FROM orders WHERE fulfilled_at IS NOT NULL OR delivered_at IS NOT NULL),
fd AS (
  -- fulfilment_duration by the month of fulfilled_at (every status; a null side is skipped)
  SELECT office, f_month AS month, COUNT(fulfilment_ns) AS n,
    SUM(fulfilment_ns) AS total_ns, MIN(fulfilment_ns) AS min_ns
  FROM ts WHERE f_month IS NOT NULL GROUP BY office, month),
dd AS (
  -- delivery_duration by the month of delivered_at
  SELECT office, d_month AS month, COUNT(delivery_ns) AS n,
    SUM(delivery_ns) AS total_ns, MIN(delivery_ns) AS min_ns
  FROM ts WHERE d_month IS NOT NULL GROUP BY office, month),
r AS (
  SELECT office_id AS office, substr(return_date, 1, 7) AS month, COUNT(*) AS return_count,
    SUM(refund_amount) AS refund_amount, SUM(quantity) AS units_returned,
    SUM(cogs_reversed) AS cogs_reversed,
    SUM(CAST(ROUND(refund_amount * 100) AS INTEGER)) AS refund_cents
  FROM returns GROUP BY office, month),
rw AS (
  -- refund_amount_web: refunds by return date whose order's channel is web (any status)
  SELECT r.office_id AS office, substr(r.return_date, 1, 7) AS month,
    SUM(CAST(ROUND(r.refund_amount * 100) AS INTEGER)) AS refund_web_cents
  FROM returns r JOIN orders o ON o.order_id = r.order_id
  WHERE o.channel_id IN ('seo', 'sem', 'social', 'email', 'direct')
  GROUP BY office, month),
rc AS (
  -- cohort_return_count: returns of confirmed orders, in the month of the order's date
  SELECT r.office_id AS office, substr(o.order_date, 1, 7) AS month,
    COUNT(*) AS cohort_return_count
  FROM returns r JOIN orders o ON o.order_id = r.order_id
  WHERE o.status = 'confirmed'
  GROUP BY office, month),
cu AS (
  SELECT office_id AS office, substr(acquired_date, 1, 7) AS month,
    COUNT(*) AS new_customer_count
  FROM customers GROUP BY office, month),
l AS (
  SELECT office_id AS office, substr(created_date, 1, 7) AS month, COUNT(*) AS lead_count,
    COUNT(CASE WHEN has_need = 1 AND has_contact = 1 THEN 1 END) AS qualified_lead_count,
    COUNT(CASE WHEN first_followup_date <= date(created_date, '+1 day') THEN 1 END)
      AS followed_up_leads
  FROM leads GROUP BY office, month),
lc AS (
  -- converted_leads: the lead's customer acquired on day 0 .. 90 after the lead
  SELECT l.office_id AS office, substr(l.created_date, 1, 7) AS month,
    COUNT(*) AS converted_leads
  FROM leads l JOIN customers c ON c.customer_id = l.customer_id
  WHERE c.acquired_date >= date(l.created_date, '+0 days')
    AND c.acquired_date <= date(l.created_date, '+90 days')
  GROUP BY office, month),
co AS (
  SELECT office_id AS office, substr(received_date, 1, 7) AS month,
    COUNT(*) AS complaint_count,
    COUNT(CASE WHEN resolved_date <= date(received_date, '+7 days') THEN 1 END)
      AS complaints_resolved_in_sla
  FROM complaints GROUP BY office, month),
sv AS (
  SELECT office_id AS office, substr(response_date, 1, 7) AS month,
    COUNT(CASE WHEN survey_type = 'csat' AND score IS NOT NULL THEN 1 END) AS csat_responses,
    COUNT(CASE WHEN survey_type = 'csat' AND score >= 4 THEN 1 END) AS csat_satisfied,
    COUNT(CASE WHEN survey_type = 'brand_awareness' AND aware IS NOT NULL THEN 1 END)
      AS awareness_responses,
    COUNT(CASE WHEN survey_type = 'brand_awareness' AND aware = 1 THEN 1 END) AS aware_count,
    IIF(COUNT(CASE WHEN survey_type = 'csat' AND score IS NOT NULL AND max_score IS NOT NULL
      THEN 1 END) = 0, 0, SUM(CASE WHEN survey_type = 'csat' AND score IS NOT NULL
      AND max_score IS NOT NULL THEN score END)) AS csat_score_sum,
    IIF(COUNT(CASE WHEN survey_type = 'csat' AND score IS NOT NULL AND max_score IS NOT NULL
      THEN 1 END) = 0, 0, SUM(CASE WHEN survey_type = 'csat' AND score IS NOT NULL
      AND max_score IS NOT NULL THEN max_score END)) AS csat_max_sum,
    IIF(COUNT(CASE WHEN survey_type = 'brand_image' AND score IS NOT NULL
      AND max_score IS NOT NULL THEN 1 END) = 0, 0, SUM(CASE WHEN survey_type = 'brand_image'
      AND score IS NOT NULL AND max_score IS NOT NULL THEN score END)) AS brand_image_score_sum,
    IIF(COUNT(CASE WHEN survey_type = 'brand_image' AND score IS NOT NULL
      AND max_score IS NOT NULL THEN 1 END) = 0, 0, SUM(CASE WHEN survey_type = 'brand_image'
      AND score IS NOT NULL AND max_score IS NOT NULL THEN max_score END))
      AS brand_image_max_sum
  FROM survey_responses GROUP BY office, month),
so AS (
  SELECT office_id AS office, substr(date, 1, 7) AS month, COUNT(*) AS n,
    SUM(likes) AS social_likes, SUM(comments) AS social_comments, SUM(shares) AS social_shares,
    SUM(mentions) AS social_mentions, SUM(positive_mentions) AS social_positive_mentions,
    IIF(COUNT(CASE WHEN platform = 'blog' THEN 1 END) = 0, 0,
      SUM(CASE WHEN platform = 'blog' THEN comments END)) AS blog_comments
  FROM social_daily GROUP BY office, month),
fl AS (
  SELECT office, month, SUM(followers_total) AS followers_last FROM (
    SELECT office_id AS office, substr(date, 1, 7) AS month, followers_total,
      ROW_NUMBER() OVER (PARTITION BY office_id, substr(date, 1, 7), platform
        ORDER BY date DESC, followers_total DESC) AS latest
    FROM social_daily)
  WHERE latest = 1 GROUP BY office, month),
ix AS (
  SELECT office, month, SUM(indexed_pages) AS indexed_pages_last FROM (
    SELECT office_id AS office, substr(snapshot_date, 1, 7) AS month, indexed_pages,
      ROW_NUMBER() OVER (PARTITION BY office_id, substr(snapshot_date, 1, 7), search_engine
        ORDER BY snapshot_date DESC, indexed_pages DESC) AS latest
    FROM index_snapshots)
  WHERE latest = 1 GROUP BY office, month),
cs AS (
  SELECT office_id AS office, substr(month, 1, 7) AS month, SUM(amount) AS other_costs,
    SUM(CAST(ROUND(amount * 100) AS INTEGER)) AS other_costs_cents
  FROM costs GROUP BY office, month),
iv AS (
  SELECT office_id AS office, substr(due_date, 1, 7) AS month, SUM(amount) AS invoiced_due
  FROM invoices GROUP BY office, month),
pa AS (
  -- payments by their invoice's due month, paid by the end of that month
  SELECT p.office_id AS office, substr(i.due_date, 1, 7) AS month,
    SUM(p.amount) AS collected_on_due
  FROM payments p JOIN invoices i ON i.invoice_id = p.invoice_id
  WHERE p.payment_date <= date(i.due_date, 'start of month', '+1 month', '-1 day')
  GROUP BY office, month),
qr AS (
  SELECT office_id AS office, substr(period, 1, 7) AS month,
    AVG(CASE WHEN criterion_id = 'admin_assessment' THEN score END) AS admin_assessment,
    AVG(CASE WHEN criterion_id = 'team_building' THEN score END) AS team_building,
    AVG(CASE WHEN criterion_id = 'professional_skill' THEN score END) AS professional_skill,
    AVG(CASE WHEN criterion_id = 'dealer_management' THEN score END) AS dealer_management,
    AVG(CASE WHEN criterion_id = 'content_quality' THEN score END) AS content_quality
  FROM qualitative_ratings GROUP BY office, month),
seen AS (
  SELECT office, month FROM cd UNION SELECT office, month FROM o
  UNION SELECT office, month FROM r UNION SELECT office, month FROM cu
  UNION SELECT office, month FROM l UNION SELECT office, month FROM co
  UNION SELECT office, month FROM sv UNION SELECT office, month FROM so
  UNION SELECT office, month FROM ix UNION SELECT office, month FROM cs
  UNION SELECT office, month FROM iv UNION SELECT office, month FROM pa
  UNION SELECT office, month FROM qr UNION SELECT office, month FROM rc
  UNION SELECT office, month FROM fd UNION SELECT office, month FROM dd),
months(month) AS (
  SELECT MIN(month) FROM seen
  UNION ALL
  SELECT strftime('%Y-%m', month || '-01', '+1 month') FROM months
  WHERE month < (SELECT MAX(month) FROM seen)),
grid AS (
  SELECT office, months.month AS month FROM (SELECT DISTINCT office FROM seen) CROSS JOIN months),
m AS (
  SELECT g.office, g.month,
    IIF(cd.n IS NULL, 0, cd.impressions) AS impressions,
    IIF(cd.n IS NULL, 0, cd.clicks) AS clicks,
    IIF(cd.n IS NULL, 0, cd.visits) AS visits,
    IIF(cd.n IS NULL, 0, cd.page_views) AS page_views,
    IIF(cd.n IS NULL, 0, cd.consultations) AS consultations,
    IIF(cd.n IS NULL, 0, cd.consult_calls) AS consult_calls,
    IIF(cd.n IS NULL, 0, cd.registrations) AS registrations,
    IIF(cd.n IS NULL, 0, cd.downloads) AS downloads,
    IIF(cd.n IS NULL, 0, cd.subscriptions) AS subscriptions,
    IIF(cd.n IS NULL, 0, cd.emails_delivered) AS emails_delivered,
    IIF(cd.n IS NULL, 0, cd.email_unique_opens) AS email_unique_opens,
    IIF(cd.n IS NULL, 0, cd.email_unique_clicks) AS email_unique_clicks,
    IIF(cd.n IS NULL, 0, cd.ad_spend) AS ad_spend,
    IIF(cd.n IS NULL, 0, cd.ctr_clicks) AS ctr_clicks,
    IIF(cd.n IS NULL, 0, cd.ctr_impressions) AS ctr_impressions,
    IIF(cd.n IS NULL, 0, cd.paid_spend) AS paid_spend,
    IIF(cd.n IS NULL, 0, cd.paid_clicks) AS paid_clicks,
    IIF(cd.n IS NULL, 0, cd.paid_consultations) AS paid_consultations,
    IIF(cd.n IS NULL, 0, cd.consultations_with_clicks) AS consultations_with_clicks,
    IIF(cd.n IS NULL, 0, cd.consultations_with_visits) AS consultations_with_visits,
    IIF(cd.n IS NULL, 0, cd.web_visits) AS web_visits,
    COALESCE(o.deals, 0) AS deals,
    IIF(o.office IS NULL, 0, o.gross_amount) AS gross_amount,
    IIF(o.office IS NULL, 0, o.units_ordered) AS units_ordered,
    IIF(o.office IS NULL, 0, o.order_cogs) AS order_cogs,
    COALESCE(o.ordering_customers, 0) AS ordering_customers,
    COALESCE(o.web_deals, 0) AS web_deals,
    COALESCE(r.return_count, 0) AS return_count,
    IIF(r.office IS NULL, 0, r.refund_amount) AS refund_amount,
    IIF(r.office IS NULL, 0, r.units_returned) AS units_returned,
    IIF(r.office IS NULL, 0, r.cogs_reversed) AS cogs_reversed,
    COALESCE(cu.new_customer_count, 0) AS new_customer_count,
    COALESCE(l.lead_count, 0) AS lead_count,
    COALESCE(l.qualified_lead_count, 0) AS qualified_lead_count,
    COALESCE(co.complaint_count, 0) AS complaint_count,
    COALESCE(sv.csat_responses, 0) AS csat_responses,
    COALESCE(sv.csat_satisfied, 0) AS csat_satisfied,
    COALESCE(sv.awareness_responses, 0) AS awareness_responses,
    COALESCE(sv.aware_count, 0) AS aware_count,
    IIF(so.n IS NULL, 0, so.social_likes) AS social_likes,
    IIF(so.n IS NULL, 0, so.social_comments) AS social_comments,
    IIF(so.n IS NULL, 0, so.social_shares) AS social_shares,
    IIF(so.n IS NULL, 0, so.social_mentions) AS social_mentions,
    IIF(so.n IS NULL, 0, so.social_positive_mentions) AS social_positive_mentions,
    COALESCE(so.blog_comments, 0) AS blog_comments,
    fl.followers_last, ix.indexed_pages_last,
    IIF(cs.office IS NULL, 0, cs.other_costs) AS other_costs,
    IIF(iv.office IS NULL, 0, iv.invoiced_due) AS invoiced_due,
    IIF(pa.office IS NULL, 0, pa.collected_on_due) AS collected_on_due,
    qr.admin_assessment, qr.team_building, qr.professional_skill, qr.dealer_management,
    qr.content_quality,
    -- R10 and durations (integers)
    IIF(cd.n IS NULL, 0, cd.social_impressions) AS social_impressions,
    IIF(cd.n IS NULL, 0, cd.ad_spend_cents) AS ad_spend_cents,
    IIF(cs.office IS NULL, 0, cs.other_costs_cents) AS other_costs_cents,
    COALESCE(o.gross_cents, 0) AS gross_cents,
    COALESCE(o.gross_web_cents, 0) AS gross_web_cents,
    COALESCE(o.email_deals, 0) AS email_deals,
    COALESCE(o.order_channels, 0) AS order_channels,
    COALESCE(o.unfulfilled_order_count, 0) AS unfulfilled_order_count,
    IIF(r.office IS NULL, 0, r.refund_cents) AS refund_cents,
    IIF(rw.office IS NULL, 0, rw.refund_web_cents) AS refund_web_cents,
    COALESCE(rc.cohort_return_count, 0) AS cohort_return_count,
    COALESCE(ro.repeat_order_count, 0) AS repeat_order_count,
    COALESCE(cwm.ordering_customers_12m, 0) AS ordering_customers_12m,
    COALESCE(cwm.repeat_customers_12m, 0) AS repeat_customers_12m,
    COALESCE(cwm.customers_before, 0) AS customers_before,
    COALESCE(cwm.retained_customers, 0) AS retained_customers,
    COALESCE(l.followed_up_leads, 0) AS followed_up_leads,
    COALESCE(lc.converted_leads, 0) AS converted_leads,
    COALESCE(co.complaints_resolved_in_sla, 0) AS complaints_resolved_in_sla,
    COALESCE(sv.csat_score_sum, 0) AS csat_score_sum,
    COALESCE(sv.csat_max_sum, 0) AS csat_max_sum,
    COALESCE(sv.brand_image_score_sum, 0) AS brand_image_score_sum,
    COALESCE(sv.brand_image_max_sum, 0) AS brand_image_max_sum,
    COALESCE(fd.n, 0) AS fulfilment_n, fd.total_ns AS fulfilment_total_ns,
    fd.min_ns AS fulfilment_min_ns,
    COALESCE(dd.n, 0) AS delivery_n, dd.total_ns AS delivery_total_ns,
    dd.min_ns AS delivery_min_ns,
    CAST(strftime('%d', g.month || '-01', '+1 month', '-1 day') AS INTEGER) AS period_days
  FROM grid g
  LEFT JOIN cd ON cd.office = g.office AND cd.month = g.month
  LEFT JOIN o ON o.office = g.office AND o.month = g.month
  LEFT JOIN r ON r.office = g.office AND r.month = g.month
  LEFT JOIN cu ON cu.office = g.office AND cu.month = g.month
  LEFT JOIN l ON l.office = g.office AND l.month = g.month
  LEFT JOIN co ON co.office = g.office AND co.month = g.month
  LEFT JOIN sv ON sv.office = g.office AND sv.month = g.month
  LEFT JOIN so ON so.office = g.office AND so.month = g.month
  LEFT JOIN fl ON fl.office = g.office AND fl.month = g.month
  LEFT JOIN ix ON ix.office = g.office AND ix.month = g.month
  LEFT JOIN cs ON cs.office = g.office AND cs.month = g.month
  LEFT JOIN iv ON iv.office = g.office AND iv.month = g.month
  LEFT JOIN pa ON pa.office = g.office AND pa.month = g.month
  LEFT JOIN qr ON qr.office = g.office AND qr.month = g.month
  LEFT JOIN ro ON ro.office = g.office AND ro.month = g.month
  LEFT JOIN cwm ON cwm.office = g.office AND cwm.month = g.month
  LEFT JOIN rw ON rw.office = g.office AND rw.month = g.month
  LEFT JOIN rc ON rc.office = g.office AND rc.month = g.month
  LEFT JOIN lc ON lc.office = g.office AND lc.month = g.month
  LEFT JOIN fd ON fd.office = g.office AND fd.month = g.month
  LEFT JOIN dd ON dd.office = g.office AND dd.month = g.month),
d AS (
  -- the derived values the growth KPIs and other KPIs build on
  SELECT *,
    gross_amount - refund_amount AS net_revenue,
    ad_spend + other_costs AS total_cost,
    LAG(followers_last) OVER w AS followers_previous,
    LAG(gross_amount - refund_amount) OVER w AS net_revenue_previous,
    LAG(gross_amount - refund_amount, 12) OVER w AS net_revenue_last_year,
    ad_spend_cents + other_costs_cents AS total_cost_cents,
    LAG(ad_spend_cents + other_costs_cents) OVER w AS total_cost_cents_previous,
    LAG(aware_count) OVER w AS aware_count_previous,
    LAG(awareness_responses) OVER w AS awareness_responses_previous,
    social_likes + social_comments + social_shares + social_mentions AS social_interactions_n,
    SUM(gross_cents) OVER w12 AS gross_cents_12m,
    SUM(refund_cents) OVER w12 AS refund_cents_12m
  FROM m WINDOW w AS (PARTITION BY office ORDER BY month),
    w12 AS (PARTITION BY office ORDER BY month ROWS BETWEEN 11 PRECEDING AND CURRENT ROW))
SELECT office, month,
  page_views,
  visits,
  clicks,
  impressions,
  IIF(ctr_impressions > 0, 1.0 * ctr_clicks / ctr_impressions, NULL) AS ctr,
  IIF(paid_clicks > 0, 1.0 * paid_spend / paid_clicks, NULL) AS cpc,
  registrations,
  registrations + downloads + subscriptions AS micro_conversions,
  IIF(emails_delivered > 0, 1.0 * email_unique_opens / emails_delivered, NULL)
    AS email_open_rate,
  IIF(emails_delivered > 0, 1.0 * email_unique_clicks / emails_delivered, NULL)
    AS email_click_rate,
  IIF(social_mentions > 0, 1.0 * social_positive_mentions / social_mentions, NULL)
    AS positive_share,
  blog_comments,
  followers_last AS followers,
  followers_last - followers_previous AS follower_growth,
  social_likes + social_comments + social_shares + social_mentions AS social_interactions,
  indexed_pages_last AS indexed_pages,
  IIF(awareness_responses > 0, 1.0 * aware_count / awareness_responses, NULL)
    AS brand_awareness,
  consultations,
  consult_calls,
  IIF(clicks > 0, 1.0 * consultations_with_clicks / clicks, NULL) AS consultation_rate,
  IIF(visits > 0, 1.0 * consultations_with_visits / visits, NULL)
    AS consultation_rate_visits,
  IIF(paid_consultations > 0, 1.0 * paid_spend / paid_consultations, NULL)
    AS avg_cost_per_conversation,
  paid_spend AS ad_spend_paid,
  paid_consultations AS consultations_paid,
  lead_count AS leads,
  qualified_lead_count AS qualified_leads,
  IIF(lead_count > 0, 1.0 * qualified_lead_count / lead_count, NULL)
    AS lead_qualification_rate,
  deals AS deal_count,
  gross_amount AS deal_amount,
  refund_amount AS refunds,
  net_revenue,
  units_ordered - units_returned AS sales_volume,
  IIF(net_revenue_previous > 0, (net_revenue - net_revenue_previous) / net_revenue_previous,
    NULL) AS sales_growth_mom,
  IIF(net_revenue_last_year > 0,
    (net_revenue - net_revenue_last_year) / net_revenue_last_year, NULL) AS sales_growth_yoy,
  IIF(web_visits > 0, 1.0 * web_deals / web_visits, NULL) AS conversion_rate,
  IIF(deals > 0, 1.0 * gross_amount / deals, NULL) AS aov,
  new_customer_count AS new_customers,
  net_revenue - order_cogs + cogs_reversed AS sales_profit,
  total_cost,
  IIF(new_customer_count > 0, total_cost / new_customer_count, NULL) AS cac,
  IIF(total_cost > 0, net_revenue / total_cost, NULL) AS roas,
  IIF(total_cost > 0, (net_revenue - total_cost) / total_cost, NULL) AS roi,
  IIF(net_revenue > 0, total_cost / net_revenue, NULL) AS sales_cost_ratio,
  IIF(deals > 0, 1.0 * return_count / deals, NULL) AS return_rate,
  IIF(gross_amount > 0, refund_amount / gross_amount, NULL) AS return_rate_amount,
  IIF(deals > 0, 1.0 * complaint_count / deals, NULL) AS complaint_rate,
  IIF(csat_responses > 0, 1.0 * csat_satisfied / csat_responses, NULL) AS csat,
  IIF(invoiced_due > 0, collected_on_due / invoiced_due, NULL) AS collection_rate,
  IIF(ordering_customers > 0, 1.0 * deals / ordering_customers, NULL) AS purchase_frequency,
  -- R10 and durations: integer numerators and denominators, rounded once half-up
  social_shares AS content_shares,
  social_mentions AS brand_mentions,
  IIF(social_impressions > 0 AND social_interactions_n IS NOT NULL,
    ((2 * social_interactions_n * 10000 + social_impressions) / (2 * social_impressions))
      / 10000.0, NULL) AS social_engagement_rate,
  IIF(emails_delivered > 0,
    ((2 * email_deals * 10000 + emails_delivered) / (2 * emails_delivered)) / 10000.0, NULL)
    AS email_conversion_rate,
  IIF(awareness_responses > 0 AND awareness_responses_previous > 0,
    (CASE WHEN aware_count * awareness_responses_previous
                 - aware_count_previous * awareness_responses >= 0
      THEN (2 * (aware_count * awareness_responses_previous
                 - aware_count_previous * awareness_responses) * 10000
            + awareness_responses * awareness_responses_previous)
           / (2 * awareness_responses * awareness_responses_previous)
      ELSE -((2 * (aware_count_previous * awareness_responses
                   - aware_count * awareness_responses_previous) * 10000
              + awareness_responses * awareness_responses_previous)
             / (2 * awareness_responses * awareness_responses_previous)) END) / 10000.0,
    NULL) AS brand_awareness_lift,
  IIF(brand_image_max_sum > 0,
    ((2 * brand_image_score_sum * 10000 + brand_image_max_sum) / (2 * brand_image_max_sum))
      / 10000.0, NULL) AS brand_image_score,
  IIF(csat_max_sum > 0,
    ((2 * csat_score_sum * 10000 + csat_max_sum) / (2 * csat_max_sum)) / 10000.0, NULL)
    AS csat_mean,
  IIF(page_views IS NOT NULL,
    ((2 * page_views * 100 + period_days) / (2 * period_days)) / 100.0, NULL)
    AS avg_daily_page_views,
  (gross_web_cents - refund_web_cents) / 100.0 AS online_channel_revenue,
  order_channels AS active_channels,
  IIF(total_cost_cents_previous > 0 AND total_cost_cents IS NOT NULL,
    (CASE WHEN total_cost_cents >= total_cost_cents_previous
      THEN (2 * (total_cost_cents - total_cost_cents_previous) * 10000
            + total_cost_cents_previous) / (2 * total_cost_cents_previous)
      ELSE -((2 * (total_cost_cents_previous - total_cost_cents) * 10000
              + total_cost_cents_previous) / (2 * total_cost_cents_previous)) END) / 10000.0,
    NULL) AS cost_change,
  repeat_order_count AS repeat_orders,
  IIF(ordering_customers_12m > 0,
    ((2 * repeat_customers_12m * 10000 + ordering_customers_12m)
      / (2 * ordering_customers_12m)) / 10000.0, NULL) AS repeat_purchase_rate,
  IIF(customers_before > 0,
    ((2 * retained_customers * 10000 + customers_before) / (2 * customers_before)) / 10000.0,
    NULL) AS retention_rate,
  -- clv in cents = (gross - refunds)_12m [cents] / customers_12m x 3 x 0.30 = x 9 / (10 n)
  IIF(ordering_customers_12m > 0 AND gross_cents_12m IS NOT NULL
      AND refund_cents_12m IS NOT NULL,
    (CASE WHEN gross_cents_12m >= refund_cents_12m
      THEN (2 * (gross_cents_12m - refund_cents_12m) * 9 + 10 * ordering_customers_12m)
           / (20 * ordering_customers_12m)
      ELSE -((2 * (refund_cents_12m - gross_cents_12m) * 9 + 10 * ordering_customers_12m)
             / (20 * ordering_customers_12m)) END) / 100.0, NULL) AS clv,
  -- clv / cac x 100 = (gross - refunds)_12m x 90 x new customers / (customers_12m x cost) (cents)
  IIF(ordering_customers_12m > 0 AND new_customer_count > 0 AND total_cost_cents > 0
      AND gross_cents_12m IS NOT NULL AND refund_cents_12m IS NOT NULL,
    (CASE WHEN gross_cents_12m >= refund_cents_12m
      THEN (2 * (gross_cents_12m - refund_cents_12m) * 90 * new_customer_count
            + ordering_customers_12m * total_cost_cents)
           / (2 * ordering_customers_12m * total_cost_cents)
      ELSE -((2 * (refund_cents_12m - gross_cents_12m) * 90 * new_customer_count
              + ordering_customers_12m * total_cost_cents)
             / (2 * ordering_customers_12m * total_cost_cents)) END) / 100.0, NULL)
    AS clv_cac_ratio,
  IIF(lead_count > 0,
    ((2 * followed_up_leads * 10000 + lead_count) / (2 * lead_count)) / 10000.0, NULL)
    AS followup_rate,
  IIF(lead_count > 0,
    ((2 * converted_leads * 10000 + lead_count) / (2 * lead_count)) / 10000.0, NULL)
    AS lead_conversion_rate,
  IIF(complaint_count > 0,
    ((2 * complaints_resolved_in_sla * 10000 + complaint_count) / (2 * complaint_count))
      / 10000.0, NULL) AS resolution_rate,
  IIF(deals > 0, ((2 * cohort_return_count * 10000 + deals) / (2 * deals)) / 10000.0, NULL)
    AS return_rate_cohort,
  -- hours x 100 = ns / (n x 3600e9) x 100 = ns / (n x 36e9); days x 100 = ns / (n x 864e9)
  IIF(fulfilment_n > 0 AND fulfilment_min_ns >= 0,
    ((2 * fulfilment_total_ns + fulfilment_n * 36000000000)
      / (2 * fulfilment_n * 36000000000)) / 100.0, NULL) AS order_processing_hours,
  unfulfilled_order_count AS unfulfilled_orders,
  IIF(delivery_n > 0 AND delivery_min_ns >= 0,
    ((2 * delivery_total_ns + delivery_n * 864000000000)
      / (2 * delivery_n * 864000000000)) / 100.0, NULL) AS delivery_days,
  admin_assessment,
  team_building,
  professional_skill,
  dealer_management,
  content_quality
FROM d
ORDER BY office, month;
