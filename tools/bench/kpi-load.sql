-- outpost-bench kpi: loads the generated CSV files into a fresh SQLite database.
-- Run by `outpost-bench phase kpi-sqlite-load` as `sqlite3 -bail DB < kpi-load.sql` in the folder
-- holding the CSV files (one per collection, a header line, columns in the schema's order: the
-- id column first, then the fields). Types follow the schemas: counts and booleans (1/0) INTEGER,
-- money and scores REAL, the rest TEXT. `.import` stores an empty cell as '' (not NULL), so the
-- nullable columns are turned into NULLs afterwards: that is part of the load time.

CREATE TABLE channel_daily (
  office_id TEXT, channel_id TEXT, date TEXT, impressions INTEGER, clicks INTEGER,
  visits INTEGER, page_views INTEGER, engaged_visits INTEGER, consultations INTEGER,
  consult_calls INTEGER, registrations INTEGER, downloads INTEGER, subscriptions INTEGER,
  spend REAL, emails_sent INTEGER, emails_delivered INTEGER, email_unique_opens INTEGER,
  email_unique_clicks INTEGER);
CREATE TABLE social_daily (
  office_id TEXT, platform TEXT, date TEXT, followers_total INTEGER, likes INTEGER,
  comments INTEGER, shares INTEGER, mentions INTEGER, positive_mentions INTEGER,
  negative_mentions INTEGER);
CREATE TABLE index_snapshots (
  office_id TEXT, search_engine TEXT, snapshot_date TEXT, indexed_pages INTEGER);
CREATE TABLE leads (
  lead_id TEXT, office_id TEXT, channel_id TEXT, campaign_id TEXT, created_date TEXT,
  source_type TEXT, has_need INTEGER, has_contact INTEGER, assigned_to TEXT,
  first_followup_date TEXT, status TEXT, customer_id TEXT);
CREATE TABLE customers (
  customer_id TEXT, office_id TEXT, acquired_date TEXT, acquisition_channel_id TEXT,
  acquisition_campaign_id TEXT, lead_id TEXT, kind TEXT, district TEXT);
CREATE TABLE orders (
  order_id TEXT, office_id TEXT, customer_id TEXT, channel_id TEXT, campaign_id TEXT,
  order_date TEXT, quantity INTEGER, amount REAL, cogs REAL, status TEXT, placed_at TEXT,
  fulfilled_at TEXT, shipped_at TEXT, delivered_at TEXT);
CREATE TABLE returns (
  return_id TEXT, office_id TEXT, order_id TEXT, return_date TEXT, quantity INTEGER,
  refund_amount REAL, cogs_reversed REAL, reason_code TEXT);
CREATE TABLE invoices (
  invoice_id TEXT, office_id TEXT, order_id TEXT, customer_id TEXT, issue_date TEXT,
  due_date TEXT, amount REAL);
CREATE TABLE payments (
  payment_id TEXT, office_id TEXT, invoice_id TEXT, payment_date TEXT, amount REAL);
CREATE TABLE complaints (
  complaint_id TEXT, office_id TEXT, customer_id TEXT, order_id TEXT, received_date TEXT,
  channel TEXT, category TEXT, resolved_date TEXT, status TEXT);
CREATE TABLE survey_responses (
  response_id TEXT, office_id TEXT, customer_id TEXT, response_date TEXT, survey_type TEXT,
  score INTEGER, max_score INTEGER, aware INTEGER);
CREATE TABLE costs (
  office_id TEXT, channel_id TEXT, month TEXT, cost_type TEXT, amount REAL);
CREATE TABLE qualitative_ratings (
  rating_id TEXT, office_id TEXT, subject TEXT, criterion_id TEXT, period TEXT, score REAL,
  rater TEXT);

.import --csv --skip 1 channel_daily.csv channel_daily
.import --csv --skip 1 social_daily.csv social_daily
.import --csv --skip 1 index_snapshots.csv index_snapshots
.import --csv --skip 1 leads.csv leads
.import --csv --skip 1 customers.csv customers
.import --csv --skip 1 orders.csv orders
.import --csv --skip 1 returns.csv returns
.import --csv --skip 1 invoices.csv invoices
.import --csv --skip 1 payments.csv payments
.import --csv --skip 1 complaints.csv complaints
.import --csv --skip 1 survey_responses.csv survey_responses
.import --csv --skip 1 costs.csv costs
.import --csv --skip 1 qualitative_ratings.csv qualitative_ratings

BEGIN;
UPDATE channel_daily SET
  impressions = NULLIF(impressions, ''), clicks = NULLIF(clicks, ''),
  visits = NULLIF(visits, ''), page_views = NULLIF(page_views, ''),
  engaged_visits = NULLIF(engaged_visits, ''), registrations = NULLIF(registrations, ''),
  downloads = NULLIF(downloads, ''), subscriptions = NULLIF(subscriptions, ''),
  emails_sent = NULLIF(emails_sent, ''), emails_delivered = NULLIF(emails_delivered, ''),
  email_unique_opens = NULLIF(email_unique_opens, ''),
  email_unique_clicks = NULLIF(email_unique_clicks, '');
UPDATE social_daily SET
  likes = NULLIF(likes, ''), comments = NULLIF(comments, ''), shares = NULLIF(shares, ''),
  mentions = NULLIF(mentions, ''), positive_mentions = NULLIF(positive_mentions, ''),
  negative_mentions = NULLIF(negative_mentions, '');
UPDATE leads SET
  campaign_id = NULLIF(campaign_id, ''), assigned_to = NULLIF(assigned_to, ''),
  first_followup_date = NULLIF(first_followup_date, ''), customer_id = NULLIF(customer_id, '');
UPDATE customers SET
  acquisition_campaign_id = NULLIF(acquisition_campaign_id, ''),
  lead_id = NULLIF(lead_id, ''), district = NULLIF(district, '');
UPDATE orders SET
  campaign_id = NULLIF(campaign_id, ''), cogs = NULLIF(cogs, ''),
  placed_at = NULLIF(placed_at, ''), fulfilled_at = NULLIF(fulfilled_at, ''),
  shipped_at = NULLIF(shipped_at, ''), delivered_at = NULLIF(delivered_at, '');
UPDATE returns SET reason_code = NULLIF(reason_code, '');
UPDATE invoices SET order_id = NULLIF(order_id, '');
UPDATE complaints SET
  customer_id = NULLIF(customer_id, ''), order_id = NULLIF(order_id, ''),
  resolved_date = NULLIF(resolved_date, '');
UPDATE survey_responses SET
  customer_id = NULLIF(customer_id, ''), score = NULLIF(score, ''),
  max_score = NULLIF(max_score, ''), aware = NULLIF(aware, '');
UPDATE qualitative_ratings SET subject = NULLIF(subject, '');
COMMIT;

SELECT 'loaded', (SELECT COUNT(*) FROM channel_daily) + (SELECT COUNT(*) FROM social_daily)
  + (SELECT COUNT(*) FROM index_snapshots) + (SELECT COUNT(*) FROM leads)
  + (SELECT COUNT(*) FROM customers) + (SELECT COUNT(*) FROM orders)
  + (SELECT COUNT(*) FROM returns) + (SELECT COUNT(*) FROM invoices)
  + (SELECT COUNT(*) FROM payments) + (SELECT COUNT(*) FROM complaints)
  + (SELECT COUNT(*) FROM survey_responses) + (SELECT COUNT(*) FROM costs)
  + (SELECT COUNT(*) FROM qualitative_ratings);
