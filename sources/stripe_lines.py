"""Completing Stripe invoice lines from other billing deliveries, at ingestion.

Since API version 2025-03-31 a line carries only its price's id, not the price, and Stripe embeds
at most a page of an invoice's lines (`lines.has_more`). Before validating invoices, ingestion
reads from the raw layer (already ingested: the invoices asset depends on these entities):
- the recurring interval of every known price, from `billing/prices` and from the prices
  embedded in subscriptions' items (a Stripe price never changes its interval);
- the latest version of each delivered `billing/invoice_lines` line item.
An invoice with a recurring line whose interval stays unknown, or whose lines stay incomplete, is
rejected whole with that reason: counted as one-off lines its revenue would silently leave MRR.

Which invoice files used this context is recorded beside the manifest (RawStore.write_contexts),
so that they are validated again whenever the known prices or the delivered line items change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from sources.contract import ChildTable, Entity
from sources.validate import child_rows

SUBSCRIPTION_LINE_TYPES = ("subscription", "subscription_item_details")
_SQL_TYPES = {"integer": "bigint", "boolean": "boolean"}


def _parquet(raw_dir: Path, table: str) -> str | None:
    folder = raw_dir / table
    if not folder.is_dir() or not any(folder.glob("*.parquet")):
        return None
    return f"read_parquet('{(folder / '*.parquet').as_posix().replace(chr(39), chr(39) * 2)}')"


@dataclass(frozen=True)
class StripeLineCompletion:
    """The invoices' completion (Entity.completion): from the entities it reads, ingested first."""

    subscriptions: Entity  # their items embed prices
    prices: Entity
    line_items: Entity  # the lines Stripe did not embed
    lines: ChildTable  # the invoices' flattened lines

    @property
    def needs(self) -> tuple[Entity, ...]:
        return (self.subscriptions, self.prices, self.line_items)

    def load_context(self, con: duckdb.DuckDBPyConnection, raw_dir: Path) -> str:
        return load_context(con, raw_dir, self)

    def complete(
        self, con: duckdb.DuckDBPyConnection, typed: pa.Table
    ) -> tuple[pa.Table, pa.Table, bool]:
        return complete(con, typed, self.lines)


def load_context(
    con: duckdb.DuckDBPyConnection, raw_dir: Path, inputs: StripeLineCompletion
) -> str:
    """Create `known_prices` and `delivered_lines` in `con`; return a fingerprint of both."""
    latest = "_delivery_date desc, _source_file desc, _source_line desc"
    prices = _parquet(raw_dir, inputs.prices.table)
    subscriptions = _parquet(raw_dir, inputs.subscriptions.table)
    sources = []
    if prices:
        sources.append(f"""
            select id as price_id, recurring_interval, recurring_interval_count, 1 as source_rank,
                _delivery_date, _source_file, _source_line
            from {prices}""")
    if subscriptions:
        sources.append(f"""
            select json_extract_string(item, '$.price.id') as price_id,
                json_extract_string(item, '$.price.recurring.interval') as recurring_interval,
                try_cast(json_extract_string(item, '$.price.recurring.interval_count') as bigint)
                    as recurring_interval_count,
                2 as source_rank, _delivery_date, _source_file, _source_line
            from (
                select unnest(json_extract(items::json, '$.data[*]')) as item,
                    _delivery_date, _source_file, _source_line
                from {subscriptions}
            )""")
    union = " union all ".join(sources) or (
        "select null::varchar as price_id, null::varchar as recurring_interval, "
        "null::bigint as recurring_interval_count, 0 as source_rank, null::date as _delivery_date, "
        "null::varchar as _source_file, null::bigint as _source_line where false"
    )
    # billing/prices first (it is the price itself), then the latest delivery
    order = f"source_rank, {latest}"
    con.execute(f"""
        create or replace temp table known_prices as
        select price_id, recurring_interval, recurring_interval_count from ({union})
        where price_id is not null
        qualify row_number() over (partition by price_id order by {order}) = 1
    """)
    items = _parquet(raw_dir, inputs.line_items.table)
    columns = ", ".join(f'"{f.raw_column}"' for f in inputs.lines.fields)
    source = items or (
        "(select null::varchar as invoice, "
        + ", ".join(
            f'null::{_SQL_TYPES.get(f.type, "varchar")} as "{f.raw_column}"'
            for f in inputs.lines.fields
        )
        + ", null::date as _delivery_date, null::varchar as _source_file, "
        "null::bigint as _source_line where false)"
    )
    con.execute(f"""
        create or replace temp table delivered_lines as
        select invoice, {columns}, _delivery_date, _source_file, _source_line from {source}
        qualify row_number() over (partition by id order by {latest}) = 1
    """)
    return con.sql("""
        select md5(
            coalesce((select string_agg(concat_ws('|', price_id, recurring_interval,
                recurring_interval_count), ',' order by price_id) from known_prices), '')
            || '#' ||
            coalesce((select string_agg(concat_ws('|', invoice, id, _source_file, _source_line),
                ',' order by _source_file, _source_line) from delivered_lines), '')
        )
    """).fetchone()[0]


def complete(
    con: duckdb.DuckDBPyConnection, typed: pa.Table, invoice_lines: ChildTable
) -> tuple[pa.Table, pa.Table, bool]:
    """Complete the lines of a batch of typed invoices.

    Returns the invoices with `_reason` set on those now rejected, the flattened lines of the
    invoices that stay valid, and whether any invoice needed `load_context`'s tables.
    """
    valid = typed.filter(pc.is_null(typed["_reason"]))
    embedded = child_rows(con, invoice_lines, valid)
    line_columns = [f.raw_column for f in invoice_lines.fields]
    con.register("batch_invoices", valid)
    con.register("embedded_lines", embedded)
    columns = ", ".join(f'"{c}"' for c in line_columns)
    try:
        con.execute(f"""
            create or replace temp table completed_lines as
            with added as (
                select i.line_no, i.id as invoice_id,
                    coalesce((select max(e.line_index) from embedded_lines e
                              where e.line_no = i.line_no), 0)
                    + row_number() over (partition by i.line_no
                        order by d._delivery_date, d._source_file, d._source_line) as line_index,
                    {", ".join(f'd."{c}"' for c in line_columns)}
                from batch_invoices i
                join delivered_lines d on d.invoice = i.id
                where i.lines_has_more and not exists (
                    select 1 from embedded_lines e where e.line_no = i.line_no and e.id = d.id)
            ),
            all_lines as (
                select line_no, invoice_id, line_index, {columns}, false as delivered
                from embedded_lines
                union all
                select line_no, invoice_id, line_index, {columns}, true as delivered from added
            )
            select a.* replace (
                    coalesce(a.recurring, case when p.recurring_interval is not null then
                        json_object('interval', p.recurring_interval,
                                    'interval_count', p.recurring_interval_count)::varchar end)
                        as recurring,
                    coalesce(a.recurring_interval, p.recurring_interval) as recurring_interval,
                    coalesce(a.recurring_interval_count, p.recurring_interval_count)
                        as recurring_interval_count
                ),
                a.recurring is null and a.price_id is not null as looked_up,
                p.price_id is not null as price_known
            from all_lines a
            left join known_prices p on a.recurring is null and p.price_id = a.price_id
        """)
        types = ", ".join(f"'{t}'" for t in SUBSCRIPTION_LINE_TYPES)
        line_id = "coalesce('\"' || id || '\"', '#' || line_index)"
        reasons = con.sql(f"""
            with line_reasons as (
                select line_no, 'line ' || {line_id} || ': ' || case
                    when price_id is null then 'a subscription line without a price'
                    when not price_known then 'price "' || price_id || '" has no known '
                        || 'recurring interval (in no subscription''s items, not in billing/prices)'
                    else 'price "' || price_id || '" is not recurring'
                    end as reason
                from completed_lines
                where recurring_interval is null and line_type in ({types})
                union all
                select line_no, 'line ' || {line_id} || ': price "' || price_id || '" recurs every '
                    || recurring_interval_count || ' ' || recurring_interval
                    || ', not a number of months or years'
                from completed_lines
                where looked_up and recurring_interval not in ('month', 'year')
                union all
                select i.line_no, 'lines.has_more is true and billing/invoice_lines holds none of '
                    || 'the remaining lines of ' || i.id || ': the invoice is incomplete'
                from batch_invoices i
                where i.lines_has_more and not exists (
                    select 1 from completed_lines c where c.line_no = i.line_no and c.delivered)
            )
            select line_no, string_agg(reason, '; ' order by reason) as reason
            from line_reasons group by line_no
        """).fetchall()
        used = (
            con.sql("""
            select (select count(*) from batch_invoices where lines_has_more)
                 + (select count(*) from completed_lines where looked_up)
        """).fetchone()[0]
            > 0
        )
        late = dict(reasons)
        lines = con.sql(
            f"""
            select line_no, invoice_id, line_index, {columns} from completed_lines
            where line_no not in (select unnest(?::bigint[]))
            order by line_no, line_index
        """,
            params=[list(late)],
        ).arrow()
        lines = lines.read_all() if isinstance(lines, pa.RecordBatchReader) else lines
    finally:
        con.unregister("batch_invoices")
        con.unregister("embedded_lines")
    if late:
        numbers = typed["line_no"].to_pylist()
        current = typed["_reason"].to_pylist()
        updated = [late.get(n, r) for n, r in zip(numbers, current, strict=True)]
        typed = typed.set_column(
            typed.schema.get_field_index("_reason"), "_reason", pa.array(updated, pa.string())
        )
    return typed, lines, used
