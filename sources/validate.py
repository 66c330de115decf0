"""Typing and validating a batch of landing records in SQL (an in-memory DuckDB, vectorised).

Every field of the contract becomes a typed column and, where it breaks the contract, a reason.
A record with any reason is rejected whole, keeping its raw text; the others go to the raw layer.
DuckDB is used here (not the warehouse file, a private in-memory connection) because it checks
JSON validity and JSON value types per record without a Python loop.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from sources.billing import INVOICE_LINE_FIELDS, INVOICES
from sources.contract import Entity, Field

SF_DATETIME = "%Y-%m-%dT%H:%M:%S.%g%z"
_JSON_INT = "('BIGINT', 'UBIGINT')"


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _json_field(f: Field, value_of: str) -> tuple[str, str, str]:
    """(value expression, present condition, type error condition) of a JSON field.

    `value_of` is the field's JSON value, already extracted: each document is parsed once (one
    multi-path `json_extract`) and the checks then read small values, not the whole document.
    """
    jtype = f"json_type({value_of})"
    text = f"json_extract_string({value_of}, '$')"
    value = {
        "string": f"case when {jtype} = 'VARCHAR' then {text} end",
        "integer": f"case when {jtype} in {_JSON_INT} then try_cast({text} as bigint) end",
        "boolean": f"case when {jtype} = 'BOOLEAN' then {text} = 'true' end",
        "number": f"case when {jtype} in ('BIGINT', 'UBIGINT', 'DOUBLE') then {text}::double end",
        "object": f"case when {jtype} = 'OBJECT' then {value_of}::varchar end",
        "sf_datetime": f"case when {jtype} = 'VARCHAR' then "
        f"timezone('UTC', try_strptime({text}, '{SF_DATETIME}')) end",
    }[f.type]
    present = f"coalesce({jtype}, 'NULL') <> 'NULL'"
    return value, present, f"({value}) is null"


def _extract_all(fields: tuple[Field, ...], doc: str) -> str:
    """One parse of `doc`: the JSON values of every field, as a list in field order."""
    return f"json_extract({doc}, [{', '.join(_q(f.json_path) for f in fields)}])"


def _csv_field(f: Field) -> tuple[str, str, str]:
    col = _ident(f.name)
    value = {
        "string": col,
        "integer": f"try_cast({col} as bigint)",
        # NaN and Infinity parse as doubles but are no amounts or rates: a type error
        "number": f"case when isfinite(try_cast({col} as double)) then try_cast({col} as double) end",
        "iso_datetime": f"case when regexp_matches({col}, '(Z|[+-]\\d\\d:?\\d\\d)$') "
        f"then timezone('UTC', try_cast({col} as timestamptz)) end",
        "year_month": f"case when regexp_matches({col}, '^\\d{{4}}-\\d\\d$') "
        f"then try_strptime({col}, '%Y-%m')::date end",
    }[f.type]
    return value, f"{col} is not null", f"({value}) is null"


_EXPECTED = {
    "string": "a string",
    "integer": "an integer",
    "boolean": "a boolean",
    "number": "a finite number",
    "object": "an object",
    "sf_datetime": "a Salesforce datetime (2024-01-05T10:22:11.000+0000)",
    "iso_datetime": "an ISO 8601 datetime with offset",
    "year_month": "a month YYYY-MM",
}


def _checks(
    fields: tuple[Field, ...], entity: Entity | None, fmt: str, values: str = "v", prefix: str = ""
) -> tuple[list[str], list[str]]:
    """Select expressions of the typed columns, and one reason expression per failed check.

    For JSON, `values` names the list made by `_extract_all` (the i-th field is `values[i]`).
    """
    columns, reasons = [], []
    for i, f in enumerate(fields, start=1):
        value_of = f"{values}[{i}]"
        value, present, bad = _json_field(f, value_of) if fmt == "jsonl" else _csv_field(f)
        columns.append(f"{value} as {_ident(f.raw_column)}")
        name = prefix + f.name
        found = (
            f"coalesce(json_type({value_of}), '?')"
            if fmt == "jsonl"
            else f"'\"' || {_ident(f.name)} || '\"'"
        )
        reasons.append(
            f"case when {present} and {bad} then "
            f"{_q(name + ': expected ' + _EXPECTED[f.type] + ', found ')} || {found} end"
        )
        if f.required:
            exempt = (
                f" and not coalesce({entity.required_unless}, false)"
                if entity is not None and entity.required_unless and f.name not in entity.key
                else ""
            )
            reasons.append(f"case when not ({present}){exempt} then {_q('missing ' + name)} end")
    return columns, reasons


def validate_jsonl(con: duckdb.DuckDBPyConnection, entity: Entity, batch: pa.Table) -> pa.Table:
    """Typed records of a JSONL batch with a `_reason` column (null when the record is valid)."""
    columns, reasons = _checks(entity.fields, entity, "jsonl")
    line_reason = "null"
    if entity is INVOICES:
        line_reason = "lines.reason"
    con.register("batch", batch)
    documents = (
        "select line_no, raw, case when json_valid(raw) and json_type(raw) = 'OBJECT' "
        "then raw::json end as j from batch"
    )
    sql = f"""
        with parsed as materialized (
            select *, {_extract_all(entity.fields, "j")} as v from ({documents})
        ),
        {_invoice_line_reasons_cte() if entity is INVOICES else "lines as (select null)"}
        select line_no, raw,
            case when j is null then 'malformed JSON: not a JSON object'
                 else nullif(concat_ws('; ', {", ".join(reasons)}, {line_reason}), '') end
                as _reason,
            {", ".join(columns)}
        from parsed
        {"left join lines using (line_no)" if entity is INVOICES else ""}
        order by line_no
    """
    try:
        return _arrow(con.sql(sql))
    finally:
        con.unregister("batch")


def _invoice_line_reasons_cte() -> str:
    _, reasons = _checks(INVOICE_LINE_FIELDS, None, "jsonl", values="lv", prefix="lines.data[].")
    return f"""
        exploded as (
            select line_no, {_extract_all(INVOICE_LINE_FIELDS, "l")} as lv
            from (
                select line_no, unnest(json_extract(j, '$.lines.data[*]')) as l
                from parsed where json_type(j, '$.lines.data') = 'ARRAY'
            )
        ),
        lines as (
            select line_no,
                nullif(string_agg(distinct nullif(concat_ws('; ', {", ".join(reasons)}), ''), '; '),
                       '') as reason
            from exploded group by line_no
            union all
            select line_no, 'lines.data: expected an array' from parsed
            where j is not null and coalesce(json_type(j, '$.lines.data'), 'NULL') <> 'ARRAY'
        )"""


def invoice_lines(con: duckdb.DuckDBPyConnection, invoices: pa.Table) -> pa.Table:
    """Flatten the lines of valid invoices: one row per element of `lines.data`."""
    columns, _ = _checks(INVOICE_LINE_FIELDS, None, "jsonl", values="lv")
    con.register("invoices", invoices)
    try:
        return _arrow(
            con.sql(f"""
            with documents as (
                select line_no, id as invoice_id, json_extract(raw, '$.lines.data[*]') as ls
                from invoices
            ),
            exploded as (
                select line_no, invoice_id, line_index,
                    {_extract_all(INVOICE_LINE_FIELDS, "ls[line_index]")} as lv
                from (select *, generate_subscripts(ls, 1) as line_index from documents)
            )
            select line_no, invoice_id, line_index, {", ".join(columns)}
            from exploded order by line_no, line_index
        """)
        )
    finally:
        con.unregister("invoices")


def validate_csv(con: duckdb.DuckDBPyConnection, entity: Entity, batch: pa.Table) -> pa.Table:
    """Typed records of a CSV batch with a `_reason`; `raw` becomes the row as a JSON object."""
    columns, reasons = _checks(entity.fields, entity, "csv")
    row_json = (
        "json_object(" + ", ".join(f"{_q(f.name)}, {_ident(f.name)}" for f in entity.fields) + ")"
    )
    con.register("batch", batch)
    try:
        return _arrow(
            con.sql(f"""
            select line_no, {row_json}::varchar as raw,
                nullif(concat_ws('; ', {", ".join(reasons)}), '') as _reason,
                {", ".join(columns)}
            from batch order by line_no
        """)
        )
    finally:
        con.unregister("batch")


def _arrow(relation: duckdb.DuckDBPyRelation) -> pa.Table:
    result = relation.arrow()
    return result.read_all() if isinstance(result, pa.RecordBatchReader) else result


def connect() -> duckdb.DuckDBPyConnection:
    """A private in-memory engine for validation, in UTC so offsets convert predictably."""
    con = duckdb.connect(":memory:")
    con.execute("set TimeZone = 'UTC'")
    return con
