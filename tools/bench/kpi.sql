-- outpost-bench kpi: every KPI of the built-in catalog (SPEC.md §9.4) for every office and
-- month, as GROUP BY office, month queries. Run by `outpost-bench phase kpi-sqlite-query` as
-- `sqlite3 -bail -csv -header DB < kpi.sql`; one row per office and month, one column per KPI,
-- in catalog order. Values are left unrounded (binary floating point); the benchmark compares
-- them with `outpost kpi --format json` at each KPI's scale.
--
-- The catalog's rules, written out:
-- * a row falls in the month of its measure's time field (R7); the months are every month from
--   the first to the last one in the data, for every office in the data (a grid, like outpost);
-- * a sum or count over no rows is 0 (R3: the IIF(n IS NULL, 0, ...) and IIF(count = 0, 0, ...)
--   forms); a sum over rows that are all null is undefined (R2: SQL's SUM gives NULL);
-- * ratios divide sums over the whole month; a denominator <= 0 is undefined (R1, R4: NULL);
-- * last(...) per partition: the latest row of the month per platform / search engine, added up
--   (R8); growth compares with the previous month or the same month a year earlier, and a base
--   <= 0 is undefined.

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
      AS web_visits
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
      AND channel_id IN ('seo', 'sem', 'social', 'email', 'direct') THEN 1 END) AS web_deals
  FROM orders GROUP BY office, month),
r AS (
  SELECT office_id AS office, substr(return_date, 1, 7) AS month, COUNT(*) AS return_count,
    SUM(refund_amount) AS refund_amount, SUM(quantity) AS units_returned,
    SUM(cogs_reversed) AS cogs_reversed
  FROM returns GROUP BY office, month),
cu AS (
  SELECT office_id AS office, substr(acquired_date, 1, 7) AS month,
    COUNT(*) AS new_customer_count
  FROM customers GROUP BY office, month),
l AS (
  SELECT office_id AS office, substr(created_date, 1, 7) AS month, COUNT(*) AS lead_count,
    COUNT(CASE WHEN has_need = 1 AND has_contact = 1 THEN 1 END) AS qualified_lead_count
  FROM leads GROUP BY office, month),
co AS (
  SELECT office_id AS office, substr(received_date, 1, 7) AS month,
    COUNT(*) AS complaint_count
  FROM complaints GROUP BY office, month),
sv AS (
  SELECT office_id AS office, substr(response_date, 1, 7) AS month,
    COUNT(CASE WHEN survey_type = 'csat' AND score IS NOT NULL THEN 1 END) AS csat_responses,
    COUNT(CASE WHEN survey_type = 'csat' AND score >= 4 THEN 1 END) AS csat_satisfied,
    COUNT(CASE WHEN survey_type = 'brand_awareness' AND aware IS NOT NULL THEN 1 END)
      AS awareness_responses,
    COUNT(CASE WHEN survey_type = 'brand_awareness' AND aware = 1 THEN 1 END) AS aware_count
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
  SELECT office_id AS office, substr(month, 1, 7) AS month, SUM(amount) AS other_costs
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
  UNION SELECT office, month FROM qr),
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
    qr.content_quality
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
  LEFT JOIN qr ON qr.office = g.office AND qr.month = g.month),
d AS (
  -- the derived values the growth KPIs and other KPIs build on
  SELECT *,
    gross_amount - refund_amount AS net_revenue,
    ad_spend + other_costs AS total_cost,
    LAG(followers_last) OVER w AS followers_previous,
    LAG(gross_amount - refund_amount) OVER w AS net_revenue_previous,
    LAG(gross_amount - refund_amount, 12) OVER w AS net_revenue_last_year
  FROM m WINDOW w AS (PARTITION BY office ORDER BY month))
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
  admin_assessment,
  team_building,
  professional_skill,
  dealer_management,
  content_quality
FROM d
ORDER BY office, month;
