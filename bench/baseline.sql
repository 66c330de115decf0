-- Baseline: every KPI of docs/kpis.md in one hand-written DuckDB
-- script, straight over the landing files of docs/sources.md. No Dagster, no dbt, no GX, no raw layer:
-- the engine's limit for this work. bench/baseline.py runs it statement by statement (a statement
-- ends with `;` at the end of a line) after
--   SET VARIABLE landing = '<landing dir>'     and registering
--   to_e164(varchar) -> varchar                 the project's sources.phones.to_e164 (phonenumbers)
-- The result is the table `kpis(month, kpi, value, numerator, denominator)`.
--
-- Bad input is skipped the way ingestion rejects it (docs/sources.md "Bad input"): a line that is not a
-- JSON object (read_json ... ignore_errors yields an all-null row, whose null key rejects it), a
-- required field missing, or any contract field of the wrong JSON type / unparseable text. A
-- rejected version takes no part: the latest *valid* version of a record wins. Differences to
-- ingestion: a CSV with a missing or duplicated required column is not rejected as a whole file
-- here, its rows fail the required-field checks instead (same effect on the KPIs); rejects are
-- not kept anywhere (nothing to audit) and the 5 % rejection / missing FX-rate gates do not run.

SET TimeZone = 'UTC';

-- ---------------------------------------------------------------- helpers: the contract's types
-- A JSON field (read as type JSON; SQL null when the key is absent) is "present" unless absent or
-- JSON null; a present field must have its contract type.
CREATE OR REPLACE MACRO j_present(v) AS (v IS NOT NULL AND json_type(v) <> 'NULL');
CREATE OR REPLACE MACRO j_string(v) AS (NOT j_present(v) OR json_type(v) = 'VARCHAR');
CREATE OR REPLACE MACRO j_int(v) AS (NOT j_present(v) OR (json_type(v) IN ('BIGINT', 'UBIGINT')
    AND try_cast(v::varchar AS bigint) IS NOT NULL));
CREATE OR REPLACE MACRO j_bool(v) AS (NOT j_present(v) OR json_type(v) = 'BOOLEAN');
CREATE OR REPLACE MACRO j_object(v) AS (NOT j_present(v) OR json_type(v) = 'OBJECT');
CREATE OR REPLACE MACRO j_sf_datetime(v) AS (NOT j_present(v) OR (json_type(v) = 'VARCHAR'
    AND try_strptime(v ->> '$', '%Y-%m-%dT%H:%M:%S.%g%z') IS NOT NULL));
-- CSV text (empty = null): integer, number, ISO 8601 with an offset, YYYY-MM.
CREATE OR REPLACE MACRO c_int(v) AS (v IS NULL OR try_cast(v AS bigint) IS NOT NULL);
CREATE OR REPLACE MACRO c_number(v) AS (v IS NULL OR try_cast(v AS double) IS NOT NULL);
CREATE OR REPLACE MACRO c_iso(v) AS (v IS NULL OR (regexp_matches(v, '(Z|[+-]\d\d:?\d\d)$')
    AND try_cast(v AS timestamptz) IS NOT NULL));
CREATE OR REPLACE MACRO c_utc(v) AS (timezone('UTC', v::timestamptz));
CREATE OR REPLACE MACRO unix_utc(v) AS (timezone('UTC', to_timestamp(v)));
CREATE OR REPLACE MACRO delivery_of(f) AS (regexp_extract(f, '/(\d{4}-\d\d-\d\d)/[^/]+$', 1)::date);
CREATE OR REPLACE MACRO norm_email(v) AS (CASE
    WHEN length(lower(trim(v))) - length(replace(lower(trim(v)), '@', '')) = 1
     AND contains(split_part(lower(trim(v)), '@', 2), '.') THEN lower(trim(v)) END);

-- ---------------------------------------------------------------- as-of date
-- The latest delivery date of any readable landing file (docs/sources.md layout).
CREATE OR REPLACE TABLE as_of AS
SELECT max(delivery_of(file)) AS as_of_date
FROM glob(getvariable('landing') || '/*/*/*/*')
WHERE regexp_matches(file, '/(crm|billing)/[a-z_]+/\d{4}-\d\d-\d\d/[^/]+\.jsonl(\.gz)?$')
   OR regexp_matches(file, '/(call_center|finance)/[a-z_]+/\d{4}-\d\d-\d\d/[^/]+\.csv(\.gz)?$');

-- ---------------------------------------------------------------- JSON lines
-- One JSON object per physical line (docs/sources.md): the files are read as lines of text and each
-- line is parsed on its own. (DuckDB's read_json would carry on a truncated object into the next
-- line, losing a valid record after every truncated one.) `line_order` is the line's position in
-- the read (file name order, then line order): the tie-break inside one delivery. Each entity's
-- parsed fields are materialised once (`*_parsed`) before they are checked: checked straight from
-- the macro, the optimiser would re-run the parse for every reference to a field.
CREATE OR REPLACE MACRO jsonl(entity, spec) AS TABLE
SELECT * FROM (
    SELECT delivery_of(filename) AS delivery, filename, ordinality AS line_order, line,
           -- nested CASE: parse only valid JSON, transform only objects
           CASE WHEN json_valid(line) THEN
               CASE WHEN json_type(line) = 'OBJECT' THEN json_transform(line, spec) END END AS j
    FROM read_csv(getvariable('landing') || '/' || entity || '/*/*.jsonl*',
        columns = {'line': 'VARCHAR'}, header = false, delim = chr(1), quote = '', escape = '',
        auto_detect = false, max_line_size = 4000000, filename = true) WITH ORDINALITY
)
WHERE j IS NOT NULL;

-- ---------------------------------------------------------------- CRM: accounts, contacts
CREATE OR REPLACE TEMP TABLE accounts_parsed AS
SELECT delivery, filename, line_order, unnest(j)
FROM jsonl('crm/accounts', '{"Id": "JSON", "Name": "JSON", "Type": "JSON", "Industry": "JSON",
        "BillingCountry": "JSON", "CreatedDate": "JSON", "LastModifiedDate": "JSON",
        "IsDeleted": "JSON"}');

CREATE OR REPLACE TABLE accounts AS
WITH src AS (SELECT * FROM accounts_parsed),
valid AS (
    SELECT * FROM src
    WHERE j_present(Id) AND j_string(Id) AND j_present(Name) AND j_string(Name)
      AND j_string(Type) AND j_string(Industry) AND j_string(BillingCountry)
      AND j_present(CreatedDate) AND j_sf_datetime(CreatedDate)
      AND j_present(LastModifiedDate) AND j_sf_datetime(LastModifiedDate)
      AND j_present(IsDeleted) AND j_bool(IsDeleted)
)
SELECT Id ->> '$' AS account_id,
       left(Id ->> '$', 15) AS account_id15,
       strptime(CreatedDate ->> '$', '%Y-%m-%dT%H:%M:%S.%g%z') AS created_at,
       (IsDeleted ->> '$') = 'true' AS is_deleted
FROM valid
QUALIFY row_number() OVER (PARTITION BY Id ->> '$'
                           ORDER BY delivery DESC, filename DESC, line_order DESC) = 1;

-- Accounts that exist: live; one per 15-character id (earliest created, then smallest Id).
CREATE OR REPLACE TABLE live_accounts AS
SELECT 'crm:' || account_id15 AS customer_id, account_id, account_id15, created_at
FROM accounts WHERE NOT is_deleted
QUALIFY row_number() OVER (PARTITION BY account_id15 ORDER BY created_at, account_id) = 1;

CREATE OR REPLACE TEMP TABLE contacts_parsed AS
SELECT delivery, filename, line_order, unnest(j)
FROM jsonl('crm/contacts', '{"Id": "JSON", "AccountId": "JSON", "FirstName": "JSON",
        "LastName": "JSON", "Email": "JSON", "Phone": "JSON", "CreatedDate": "JSON",
        "LastModifiedDate": "JSON", "IsDeleted": "JSON"}');

CREATE OR REPLACE TABLE contacts AS
WITH src AS (SELECT * FROM contacts_parsed),
valid AS (
    SELECT * FROM src
    WHERE j_present(Id) AND j_string(Id) AND j_string(AccountId) AND j_string(FirstName)
      AND j_string(LastName) AND j_string(Email) AND j_string(Phone)
      AND j_present(CreatedDate) AND j_sf_datetime(CreatedDate)
      AND j_present(LastModifiedDate) AND j_sf_datetime(LastModifiedDate)
      AND j_present(IsDeleted) AND j_bool(IsDeleted)
)
SELECT Id ->> '$' AS contact_id,
       left(AccountId ->> '$', 15) AS account_id15,
       norm_email(Email ->> '$') AS email,
       Phone ->> '$' AS phone_raw,
       (IsDeleted ->> '$') = 'true' AS is_deleted
FROM valid
QUALIFY row_number() OVER (PARTITION BY Id ->> '$'
                           ORDER BY delivery DESC, filename DESC, line_order DESC) = 1;

-- ---------------------------------------------------------------- billing: customers, invoices
CREATE OR REPLACE TEMP TABLE billing_customers_parsed AS
SELECT delivery, filename, line_order, unnest(j)
FROM jsonl('billing/customers', '{"id": "JSON", "object": "JSON", "email": "JSON",
        "name": "JSON", "phone": "JSON", "created": "JSON", "currency": "JSON",
        "delinquent": "JSON", "metadata": "JSON", "deleted": "JSON"}');

CREATE OR REPLACE TABLE billing_customers AS
WITH src AS (SELECT * FROM billing_customers_parsed),
valid AS (
    SELECT * FROM src
    WHERE j_present(id) AND j_string(id) AND j_string(object) AND j_string(email)
      AND j_string(name) AND j_string(phone) AND j_int(created) AND j_string(currency)
      AND j_bool(delinquent) AND j_object(metadata)
      AND j_string(json_extract(metadata, '$.crm_account_id')) AND j_bool(deleted)
      -- a deleted stub {"id", "object", "deleted": true} needs only its id
      AND (j_present(created) OR coalesce((deleted ->> '$') = 'true', false))
)
SELECT id ->> '$' AS billing_customer_id,
       left(json_extract_string(metadata, '$.crm_account_id'), 15) AS crm_account_id15,
       norm_email(email ->> '$') AS email,
       phone ->> '$' AS phone_raw,
       unix_utc((created ->> '$')::bigint) AS created_at,
       coalesce((deleted ->> '$') = 'true', false) AS is_deleted
FROM valid
QUALIFY row_number() OVER (PARTITION BY id ->> '$'
                           ORDER BY delivery DESC, filename DESC, line_order DESC) = 1;

-- Every invoice version whose header keeps the contract; then the elements of its lines.data.
CREATE OR REPLACE TEMP TABLE invoices_parsed AS
SELECT delivery, filename, line_order, unnest(j),
       json_type(line, '$.lines') AS lines_type, json_type(line, '$.lines.data') AS data_type
FROM jsonl('billing/invoices', '{"id": "JSON", "customer": "JSON", "subscription": "JSON",
    "status": "JSON", "currency": "JSON", "created": "JSON", "due_date": "JSON",
    "amount_due": "JSON", "amount_paid": "JSON", "amount_remaining": "JSON",
    "status_transitions": {"paid_at": "JSON"}}');

CREATE OR REPLACE TABLE invoice_versions AS
SELECT delivery, filename, line_order, id ->> '$' AS invoice_id,
       customer ->> '$' AS billing_customer_id, status ->> '$' AS status,
       lower(currency ->> '$') AS currency, unix_utc((due_date ->> '$')::bigint) AS due_at
FROM invoices_parsed
WHERE j_present(id) AND j_string(id) AND j_present(customer) AND j_string(customer)
  AND j_string(subscription) AND j_present(status) AND j_string(status)
  AND j_present(currency) AND j_string(currency) AND j_present(created) AND j_int(created)
  AND j_int(due_date) AND j_present(amount_due) AND j_int(amount_due)
  AND j_present(amount_paid) AND j_int(amount_paid)
  AND j_present(amount_remaining) AND j_int(amount_remaining)
  AND j_int(status_transitions.paid_at)
  AND lines_type = 'OBJECT' AND data_type = 'ARRAY';

-- (a second pass over the same lines, for the elements of lines.data)
CREATE OR REPLACE TABLE invoice_version_lines AS
SELECT line_order, unnest(json_transform(l, '{"id": "JSON", "amount": "JSON", "currency": "JSON",
           "period": {"start": "JSON", "end": "JSON"}, "proration": "JSON", "quantity": "JSON",
           "price": {"recurring": "JSON"}}'))
FROM (SELECT line_order, unnest(json_extract(line, '$.lines.data[*]')) AS l
      FROM jsonl('billing/invoices', '{"id": "JSON"}')
      WHERE line_order IN (SELECT line_order FROM invoice_versions));

-- The latest valid version of each invoice: a version with a line that breaks the contract is
-- rejected whole.
CREATE OR REPLACE TABLE invoices AS
WITH bad AS (
    SELECT DISTINCT line_order FROM invoice_version_lines
    WHERE NOT (j_string(id) AND j_present(amount) AND j_int(amount) AND j_string(currency)
        AND j_present(period.start) AND j_int(period.start)
        AND j_present(period."end") AND j_int(period."end")
        AND j_bool(proration) AND j_int(quantity) AND j_object(price.recurring)
        AND j_string(json_extract(price.recurring, '$.interval'))
        AND j_int(json_extract(price.recurring, '$.interval_count')))
)
SELECT line_order, invoice_id, billing_customer_id, status, currency, due_at
FROM invoice_versions
WHERE line_order NOT IN (SELECT line_order FROM bad)
QUALIFY row_number() OVER (PARTITION BY invoice_id
                           ORDER BY delivery DESC, filename DESC, line_order DESC) = 1;

-- ---------------------------------------------------------------- call center, finance (CSV)
CREATE OR REPLACE TABLE calls AS
WITH src AS (
    SELECT *, delivery_of(filename) AS delivery
    FROM read_csv(getvariable('landing') || '/call_center/calls/*/*.csv*',
        header = true, all_varchar = true, union_by_name = true, filename = true,
        ignore_errors = true, delim = ',', quote = '"', escape = '"') WITH ORDINALITY
),
typed AS (
    SELECT nullif(call_id, '') AS call_id, nullif(direction, '') AS direction,
           nullif(caller_number, '') AS caller_number, nullif(customer_ref, '') AS customer_ref,
           nullif(queue, '') AS queue, nullif(started_at, '') AS started_at,
           nullif(answered_at, '') AS answered_at, nullif(ended_at, '') AS ended_at,
           nullif(wrap_seconds, '') AS wrap_seconds, nullif(disposition, '') AS disposition,
           delivery, filename, ordinality AS line_order
    FROM src
),
valid AS (
    SELECT * FROM typed
    WHERE call_id IS NOT NULL AND direction IS NOT NULL AND queue IS NOT NULL
      AND disposition IS NOT NULL AND started_at IS NOT NULL AND ended_at IS NOT NULL
      AND c_iso(started_at) AND c_iso(answered_at) AND c_iso(ended_at) AND c_int(wrap_seconds)
)
SELECT call_id, direction, caller_number, nullif(trim(customer_ref), '') AS customer_ref,
       disposition, c_utc(started_at) AS started_at, c_utc(answered_at) AS answered_at,
       c_utc(ended_at) AS ended_at, coalesce(wrap_seconds::bigint, 0) AS wrap_seconds
FROM valid
QUALIFY row_number() OVER (PARTITION BY call_id
                           ORDER BY delivery DESC, filename DESC, line_order DESC) = 1;

CREATE OR REPLACE TABLE surveys AS
WITH src AS (
    SELECT *, delivery_of(filename) AS delivery
    FROM read_csv(getvariable('landing') || '/call_center/surveys/*/*.csv*',
        header = true, all_varchar = true, union_by_name = true, filename = true,
        ignore_errors = true, delim = ',', quote = '"', escape = '"') WITH ORDINALITY
),
typed AS (
    SELECT nullif(survey_id, '') AS survey_id, nullif(call_id, '') AS call_id,
           nullif(responded_at, '') AS responded_at, nullif(csat, '') AS csat,
           nullif(nps, '') AS nps, nullif(effort, '') AS effort, delivery, filename,
           ordinality AS line_order
    FROM src
),
valid AS (
    SELECT * FROM typed
    WHERE survey_id IS NOT NULL AND call_id IS NOT NULL AND responded_at IS NOT NULL
      AND c_iso(responded_at) AND c_int(csat) AND c_int(nps) AND c_int(effort)
)
SELECT survey_id, call_id, c_utc(responded_at) AS responded_at,
       csat::bigint AS csat, nps::bigint AS nps, effort::bigint AS effort
FROM valid
QUALIFY row_number() OVER (PARTITION BY survey_id
                           ORDER BY delivery DESC, filename DESC, line_order DESC) = 1;

CREATE OR REPLACE TABLE fx_rates AS
WITH src AS (
    SELECT *, delivery_of(filename) AS delivery, ordinality AS line_order
    FROM read_csv(getvariable('landing') || '/finance/fx_rates/*/*.csv*',
        header = true, all_varchar = true, union_by_name = true, filename = true,
        ignore_errors = true, delim = ',', quote = '"', escape = '"') WITH ORDINALITY
),
valid AS (
    SELECT * FROM src
    WHERE nullif(month, '') IS NOT NULL AND regexp_matches(month, '^\d{4}-\d\d$')
      AND try_strptime(month, '%Y-%m') IS NOT NULL
      AND nullif(currency, '') IS NOT NULL
      AND nullif(usd_per_unit, '') IS NOT NULL AND c_number(usd_per_unit)
)
SELECT strptime(month, '%Y-%m')::date AS rate_month, lower(currency) AS currency,
       usd_per_unit::double AS usd_per_unit
FROM valid
QUALIFY row_number() OVER (PARTITION BY month, lower(currency)
                           ORDER BY delivery DESC, filename DESC, line_order DESC) = 1;

-- ---------------------------------------------------------------- phones (E.164, once per value)
CREATE OR REPLACE TABLE phones AS
SELECT raw, to_e164(raw) AS e164
FROM (SELECT phone_raw AS raw FROM contacts WHERE phone_raw IS NOT NULL
      UNION SELECT phone_raw FROM billing_customers WHERE phone_raw IS NOT NULL
      UNION SELECT caller_number FROM calls WHERE caller_number IS NOT NULL);

-- ---------------------------------------------------------------- identity resolution
-- Contact points of the contacts taking part (live contact of a live account), each resolved to
-- the account with the most matching contacts, then the earliest created, then the smallest Id.
CREATE OR REPLACE TABLE contact_points AS
WITH taking_part AS (
    SELECT c.email, p.e164 AS phone, a.customer_id, a.account_id, a.created_at
    FROM contacts c
    JOIN live_accounts a ON c.account_id15 = a.account_id15
    LEFT JOIN phones p ON c.phone_raw = p.raw
    WHERE NOT c.is_deleted
),
points AS (
    SELECT 'email' AS kind, email AS point, customer_id, account_id, created_at
    FROM taking_part WHERE email IS NOT NULL
    UNION ALL
    SELECT 'phone', phone, customer_id, account_id, created_at
    FROM taking_part WHERE phone IS NOT NULL
),
candidates AS (
    SELECT kind, point, customer_id, account_id, created_at, count(*) AS contacts
    FROM points GROUP BY ALL
)
SELECT kind, point, customer_id FROM candidates
QUALIFY row_number() OVER (PARTITION BY kind, point
                           ORDER BY contacts DESC, created_at, account_id) = 1;

-- Live delivered billing customers, linked by crm_id, email, phone, else billing_only.
CREATE OR REPLACE TABLE billing_links AS
SELECT b.billing_customer_id, b.created_at, p.e164 AS phone,
       coalesce(a.customer_id, e.customer_id, ph.customer_id,
                'billing:' || b.billing_customer_id) AS customer_id
FROM billing_customers b
LEFT JOIN phones p ON b.phone_raw = p.raw
LEFT JOIN live_accounts a ON b.crm_account_id15 = a.account_id15
LEFT JOIN contact_points e ON e.kind = 'email' AND e.point = b.email
LEFT JOIN contact_points ph ON ph.kind = 'phone' AND ph.point = p.e164
WHERE NOT b.is_deleted;

-- The customer of every invoice: its billing customer's, or billing_only on its own id.
CREATE OR REPLACE TABLE invoice_customers AS
SELECT i.line_order, i.invoice_id, i.status, i.currency, i.due_at,
       coalesce(l.customer_id, 'billing:' || i.billing_customer_id) AS customer_id
FROM invoices i LEFT JOIN billing_links l USING (billing_customer_id);

-- Calls: ivr, phone_crm, phone_billing (the billing customer created first, then smallest id).
CREATE OR REPLACE TABLE linked_calls AS
WITH billing_phones AS (
    SELECT phone, customer_id FROM billing_links WHERE phone IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY phone ORDER BY created_at, billing_customer_id) = 1
)
SELECT c.call_id, c.direction, c.disposition, c.started_at, c.answered_at, c.ended_at,
       c.wrap_seconds,
       CASE WHEN c.direction IN ('inbound', 'outbound')
            THEN coalesce(ivr.customer_id, crm.customer_id, bill.customer_id) END AS customer_id
FROM calls c
LEFT JOIN phones p ON c.caller_number = p.raw
LEFT JOIN billing_links ivr ON c.customer_ref = ivr.billing_customer_id
LEFT JOIN contact_points crm ON crm.kind = 'phone' AND crm.point = p.e164
LEFT JOIN billing_phones bill ON bill.phone = p.e164;

-- ---------------------------------------------------------------- reported months
CREATE OR REPLACE TABLE counting_lines AS
SELECT ic.customer_id, ic.currency,
       (l.amount ->> '$')::bigint AS amount_minor,
       date_trunc('month', unix_utc((l.period.start ->> '$')::bigint))::date AS start_month,
       (json_extract(l.price.recurring, '$.interval_count') ->> '$')::bigint
         * CASE json_extract_string(l.price.recurring, '$.interval')
               WHEN 'month' THEN 1 WHEN 'year' THEN 12 END AS k
FROM invoice_customers ic
JOIN invoice_version_lines l USING (line_order)
WHERE ic.status IN ('open', 'paid')
  AND json_type(l.price.recurring) = 'OBJECT'
  AND NOT coalesce((l.proration ->> '$') = 'true', false);

CREATE OR REPLACE TABLE months AS
WITH bounds AS (
    SELECT least((SELECT min(start_month) FROM counting_lines),
                 (SELECT min(date_trunc('month', started_at)) FROM calls)::date,
                 (SELECT min(date_trunc('month', responded_at)) FROM surveys)::date) AS first_month,
           (date_trunc('month', as_of_date) - INTERVAL 1 MONTH)::date AS last_month
    FROM as_of
)
SELECT m::date AS month, m::date = first_month AS is_first,
       (m + INTERVAL 1 MONTH)::timestamp AS month_end
FROM bounds, generate_series(first_month::timestamp, last_month::timestamp, INTERVAL 1 MONTH) AS g(m);

-- ---------------------------------------------------------------- revenue: MRR(c, M)
CREATE OR REPLACE TABLE mrr AS
WITH covered AS (
    SELECT l.customer_id, l.currency,
           (l.start_month + to_months(i::int))::date AS month,
           l.amount_minor / 100.0 / l.k AS monthly_amount
    FROM counting_lines l, unnest(range(l.k)) AS r(i)
)
SELECT customer_id, month,
       sum(monthly_amount * CASE WHEN covered.currency = 'usd' THEN 1 ELSE fx.usd_per_unit END) AS mrr
FROM covered
LEFT JOIN fx_rates fx ON fx.rate_month = covered.month AND fx.currency = covered.currency
GROUP BY ALL;

-- Every customer with revenue x every reported month; MRR of a month before the data is 0.
-- "Active" is MRR > 0; sums of doubles that cancel on paper leave ~1e-13 of dust, so > 1e-9.
CREATE OR REPLACE TABLE customer_months AS
WITH grid AS (
    SELECT c.customer_id, m.month, m.is_first, m.month_end, coalesce(x.mrr, 0) AS mrr
    FROM (SELECT DISTINCT customer_id FROM mrr) c
    CROSS JOIN months m
    LEFT JOIN mrr x ON x.customer_id = c.customer_id AND x.month = m.month
),
lagged AS (
    SELECT *, mrr > 1e-9 AS active,
           coalesce(lag(mrr) OVER w, 0) AS prev_mrr,
           coalesce(lag(mrr, 3) OVER w, 0) AS mrr_3_ago
    FROM grid WINDOW w AS (PARTITION BY customer_id ORDER BY month)
)
SELECT *, prev_mrr > 1e-9 AS prev_active,
       coalesce(bool_or(active) OVER (PARTITION BY customer_id ORDER BY month
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) AS active_before
FROM lagged;

CREATE OR REPLACE TABLE revenue_monthly AS
SELECT month, any_value(is_first) AS is_first,
       count(*) FILTER (active) AS active,
       count(*) FILTER (active AND NOT active_before) AS new,
       count(*) FILTER (active AND NOT prev_active AND active_before) AS reactivated,
       count(*) FILTER (prev_active AND NOT active) AS churned,
       count(*) FILTER (prev_active) AS prev_active,
       coalesce(sum(mrr) FILTER (active), 0) AS mrr,
       coalesce(sum(mrr) FILTER (active AND NOT active_before), 0) AS new_mrr,
       coalesce(sum(mrr) FILTER (active AND NOT prev_active AND active_before), 0) AS reactivation_mrr,
       coalesce(sum(greatest(0, mrr - prev_mrr)) FILTER (active AND prev_active), 0) AS expansion_mrr,
       coalesce(sum(greatest(0, prev_mrr - mrr)) FILTER (active AND prev_active), 0) AS contraction_mrr,
       coalesce(sum(prev_mrr) FILTER (prev_active AND NOT active), 0) AS churned_mrr,
       coalesce(sum(mrr) FILTER (prev_active), 0) AS retained_mrr,
       coalesce(sum(least(mrr, prev_mrr)) FILTER (prev_active), 0) AS gross_retained_mrr,
       coalesce(sum(prev_mrr) FILTER (prev_active), 0) AS prev_mrr
FROM customer_months GROUP BY month;

-- ---------------------------------------------------------------- service
CREATE OR REPLACE TABLE service_calls AS
SELECT *, date_trunc('month', started_at)::date AS month,
       direction = 'inbound' AS inbound,
       answered_at IS NOT NULL AS answered,
       epoch(answered_at - started_at) AS wait_s,
       epoch(ended_at - answered_at) + wrap_seconds AS handle_s,
       answered_at IS NULL AND epoch(ended_at - started_at) < 5 AS short_abandon
FROM linked_calls;

CREATE OR REPLACE TABLE service_monthly AS
WITH repeats AS (   -- answered inbound calls of a customer followed within 7 days by another
    SELECT DISTINCT j.call_id
    FROM service_calls j
    JOIN service_calls r ON r.customer_id = j.customer_id AND r.call_id <> j.call_id
     AND r.started_at > j.ended_at AND r.started_at <= j.ended_at + INTERVAL 7 DAY
    WHERE j.inbound AND j.answered AND j.customer_id IS NOT NULL
      AND r.inbound AND NOT r.short_abandon
),
judged AS (
    SELECT s.*, s.inbound AND s.answered AND s.customer_id IS NOT NULL AS fcr_eligible,
           s.disposition = 'resolved' AND r.call_id IS NULL AS no_repeat
    FROM service_calls s LEFT JOIN repeats r USING (call_id)
    WHERE s.inbound
)
SELECT month,
       count(*) FILTER (NOT short_abandon) AS offered,
       count(*) FILTER (answered) AS answered,
       count(*) FILTER (answered AND wait_s <= 20) AS within_20s,
       coalesce(sum(wait_s) FILTER (answered), 0) AS wait_total,
       coalesce(sum(handle_s) FILTER (answered), 0) AS handle_total,
       count(*) FILTER (fcr_eligible) AS fcr_eligible,
       count(*) FILTER (fcr_eligible AND no_repeat) AS fcr
FROM judged GROUP BY month;

-- ---------------------------------------------------------------- experience
CREATE OR REPLACE TABLE linked_surveys AS
SELECT s.*, c.customer_id, date_trunc('month', s.responded_at)::date AS month
FROM surveys s LEFT JOIN linked_calls c USING (call_id);

CREATE OR REPLACE TABLE experience_monthly AS
SELECT month,
       count(*) FILTER (csat IN (4, 5)) AS satisfied, count(csat) AS csat_n,
       count(*) FILTER (nps >= 9) - count(*) FILTER (nps <= 6) AS net_promoters, count(nps) AS nps_n,
       coalesce(sum(effort), 0) AS effort_total, count(effort) AS effort_n
FROM linked_surveys GROUP BY month;

-- ---------------------------------------------------------------- health (active customers only:
-- the two health KPIs count active customers with a score below 50)
CREATE OR REPLACE TABLE at_risk_monthly AS
WITH active AS (
    SELECT customer_id, month, month_end, mrr, mrr_3_ago FROM customer_months WHERE active
),
overdue AS (
    SELECT DISTINCT a.customer_id, a.month
    FROM active a JOIN invoice_customers i ON i.customer_id = a.customer_id
    WHERE i.status = 'open' AND i.due_at < a.month_end
),
experience AS (
    SELECT a.customer_id, a.month
    FROM active a JOIN linked_surveys s ON s.customer_id = a.customer_id
     AND s.responded_at >= a.month_end - INTERVAL 90 DAY AND s.responded_at < a.month_end
    GROUP BY ALL HAVING avg(s.csat) < 3.5 OR min(s.nps) <= 6
),
calls AS (
    SELECT a.customer_id, a.month,
           count(*) FILTER (c.inbound AND NOT c.short_abandon) >= 3 AS frequent,
           bool_or(c.disposition = 'escalated') AS escalated
    FROM active a JOIN service_calls c ON c.customer_id = a.customer_id
     AND c.started_at >= a.month_end - INTERVAL 30 DAY AND c.started_at < a.month_end
    GROUP BY ALL
),
scored AS (
    SELECT a.*, 100
        - CASE WHEN o.customer_id IS NOT NULL THEN 30 ELSE 0 END
        - CASE WHEN e.customer_id IS NOT NULL THEN 20 ELSE 0 END
        - CASE WHEN coalesce(c.frequent, false) THEN 15 ELSE 0 END
        - CASE WHEN coalesce(c.escalated, false) THEN 15 ELSE 0 END
        - CASE WHEN a.mrr < a.mrr_3_ago - 1e-9 THEN 20 ELSE 0 END AS score
    FROM active a
    LEFT JOIN overdue o USING (customer_id, month)
    LEFT JOIN experience e USING (customer_id, month)
    LEFT JOIN calls c USING (customer_id, month)
)
SELECT month, count(*) AS at_risk, sum(mrr) AS at_risk_mrr
FROM scored WHERE score < 50 GROUP BY month;

-- ---------------------------------------------------------------- the KPIs, long shape
CREATE OR REPLACE TABLE kpis AS
WITH m AS (
    SELECT months.month, months.is_first,
           coalesce(r.active, 0) AS active, coalesce(r.new, 0) AS new,
           coalesce(r.reactivated, 0) AS reactivated, coalesce(r.churned, 0) AS churned,
           coalesce(r.prev_active, 0) AS prev_active, coalesce(r.mrr, 0) AS mrr,
           coalesce(r.new_mrr, 0) AS new_mrr, coalesce(r.reactivation_mrr, 0) AS reactivation_mrr,
           coalesce(r.expansion_mrr, 0) AS expansion_mrr,
           coalesce(r.contraction_mrr, 0) AS contraction_mrr,
           coalesce(r.churned_mrr, 0) AS churned_mrr, coalesce(r.retained_mrr, 0) AS retained_mrr,
           coalesce(r.gross_retained_mrr, 0) AS gross_retained_mrr,
           coalesce(r.prev_mrr, 0) AS prev_mrr,
           coalesce(s.offered, 0) AS offered, coalesce(s.answered, 0) AS answered,
           coalesce(s.within_20s, 0) AS within_20s, coalesce(s.wait_total, 0) AS wait_total,
           coalesce(s.handle_total, 0) AS handle_total,
           coalesce(s.fcr_eligible, 0) AS fcr_eligible, coalesce(s.fcr, 0) AS fcr,
           coalesce(e.satisfied, 0) AS satisfied, coalesce(e.csat_n, 0) AS csat_n,
           coalesce(e.net_promoters, 0) AS net_promoters, coalesce(e.nps_n, 0) AS nps_n,
           coalesce(e.effort_total, 0) AS effort_total, coalesce(e.effort_n, 0) AS effort_n,
           coalesce(h.at_risk, 0) AS at_risk, coalesce(h.at_risk_mrr, 0) AS at_risk_mrr
    FROM months
    LEFT JOIN revenue_monthly r USING (month)
    LEFT JOIN service_monthly s USING (month)
    LEFT JOIN experience_monthly e USING (month)
    LEFT JOIN at_risk_monthly h USING (month)
),
-- (kpi, value for counts and sums | numerator, denominator for ratios, means, nps), and whether
-- it is null in the first reported month
defs AS (
    SELECT month, is_first, unnest([
        {kpi: 'active_customers', v: active::double, n: NULL::double, d: NULL::double, first_null: false},
        {kpi: 'new_customers', v: new, n: NULL, d: NULL, first_null: false},
        {kpi: 'reactivated_customers', v: reactivated, n: NULL, d: NULL, first_null: true},
        {kpi: 'churned_customers', v: churned, n: NULL, d: NULL, first_null: true},
        {kpi: 'logo_churn_rate', v: NULL, n: churned, d: prev_active, first_null: true},
        {kpi: 'mrr_usd', v: mrr, n: NULL, d: NULL, first_null: false},
        {kpi: 'arr_usd', v: 12 * mrr, n: NULL, d: NULL, first_null: false},
        {kpi: 'arpa_usd', v: NULL, n: mrr, d: active, first_null: false},
        {kpi: 'new_mrr_usd', v: new_mrr, n: NULL, d: NULL, first_null: false},
        {kpi: 'reactivation_mrr_usd', v: reactivation_mrr, n: NULL, d: NULL, first_null: true},
        {kpi: 'expansion_mrr_usd', v: expansion_mrr, n: NULL, d: NULL, first_null: true},
        {kpi: 'contraction_mrr_usd', v: contraction_mrr, n: NULL, d: NULL, first_null: true},
        {kpi: 'churned_mrr_usd', v: churned_mrr, n: NULL, d: NULL, first_null: true},
        {kpi: 'nrr', v: NULL, n: retained_mrr, d: prev_mrr, first_null: true},
        {kpi: 'grr', v: NULL, n: gross_retained_mrr, d: prev_mrr, first_null: true},
        {kpi: 'calls_offered', v: offered, n: NULL, d: NULL, first_null: false},
        {kpi: 'calls_answered', v: answered, n: NULL, d: NULL, first_null: false},
        {kpi: 'abandonment_rate', v: NULL, n: offered - answered, d: offered, first_null: false},
        {kpi: 'service_level_20s', v: NULL, n: within_20s, d: offered, first_null: false},
        {kpi: 'asa_seconds', v: NULL, n: wait_total, d: answered, first_null: false},
        {kpi: 'aht_seconds', v: NULL, n: handle_total, d: answered, first_null: false},
        {kpi: 'fcr_rate', v: NULL, n: fcr, d: fcr_eligible, first_null: false},
        {kpi: 'csat', v: NULL, n: satisfied, d: csat_n, first_null: false},
        {kpi: 'nps', v: NULL, n: net_promoters, d: nps_n, first_null: false},
        {kpi: 'ces', v: NULL, n: effort_total, d: effort_n, first_null: false},
        {kpi: 'at_risk_customers', v: at_risk, n: NULL, d: NULL, first_null: false},
        {kpi: 'revenue_at_risk_usd', v: at_risk_mrr, n: NULL, d: NULL, first_null: false}
    ]) AS k
    FROM m
)
SELECT month, k.kpi AS kpi,
       CASE WHEN is_first AND k.first_null THEN NULL
            WHEN k.d IS NULL THEN k.v
            WHEN k.d <> 0 THEN (CASE WHEN k.kpi = 'nps' THEN 100 ELSE 1 END) * k.n / k.d END AS value,
       CASE WHEN NOT (is_first AND k.first_null) THEN k.n END AS numerator,
       CASE WHEN NOT (is_first AND k.first_null) THEN k.d END AS denominator
FROM defs
ORDER BY month, kpi;
