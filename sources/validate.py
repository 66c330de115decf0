"""Typing and validating a batch of landing records in SQL (an in-memory DuckDB, vectorised).

Every field of the contract becomes a typed column and, where it breaks the contract, a reason.
A record with any reason is rejected whole, keeping its raw text; the others go to the raw layer.
DuckDB is used here (not the warehouse file, a private in-memory connection) because it checks
JSON validity and JSON value types per record without a Python loop.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from sources.contract import ChildTable, Entity, Field

# Salesforce datetimes as its REST API, Bulk API and Data Loader write them: with or without
# milliseconds, and `Z`, `+0000` or `+00:00` as the offset. All mean an instant, stored in UTC.
SF_DATETIME_RE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-]\d\d:?\d\d)$"
_JSON_INT = "('BIGINT', 'UBIGINT')"
_QUOTE_CHARS = 80  # how much of an offending value a reason quotes


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sf_datetime(text: str) -> str:
    return (
        f"case when regexp_full_match({text}, {_q(SF_DATETIME_RE)}) "
        f"then timezone('UTC', try_cast({text} as timestamptz)) end"
    )


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
        "sf_datetime": f"case when {jtype} = 'VARCHAR' then {_sf_datetime(text)} end",
    }[f.type]
    present = f"coalesce({jtype}, 'NULL') <> 'NULL'"
    return value, present, f"({value}) is null"


def _paths(fields: tuple[Field, ...]) -> list[str]:
    out = []
    for f in fields:
        for path, guard, _ in f.json_sources:
            out += [path] if guard is None else [path, guard]
    return out


def _extract_all(fields: tuple[Field, ...], doc: str) -> str:
    """One parse of `doc`: the JSON values of every path of every field, as a list."""
    return f"json_extract({doc}, [{', '.join(_q(p) for p in _paths(fields))}])"


def _values_of(fields: tuple[Field, ...], values: str) -> list[str]:
    """Each field's JSON value out of the list made by `_extract_all`: the first of its paths that
    holds a non-null value (a field Stripe moved between API versions has several)."""
    out, i = [], 1
    for f in fields:
        if len(f.json_sources) == 1:
            out.append(f"{values}[{i}]")
            i += 1
            continue
        kept = []
        for _, guard, wanted in f.json_sources:
            x = f"{values}[{i}]"
            condition = f"coalesce(json_type({x}), 'NULL') <> 'NULL'"
            if guard is not None:
                condition += f" and json_extract_string({values}[{i + 1}], '$') = {_q(wanted)}"
            kept.append(f"case when {condition} then {x} end")
            i += 1 if guard is None else 2
        out.append(f"coalesce({', '.join(kept)})")
    return out


def _csv_field(f: Field) -> tuple[str, str, str]:
    col = _ident(f.name)
    value = {
        "string": col,
        "integer": f"try_cast({col} as bigint)",
        # NaN and Infinity parse as doubles but are no amounts or rates: a type error
        "number": f"case when isfinite(try_cast({col} as double)) then try_cast({col} as double) end",
        "boolean": f"case when lower({col}) in ('true', 'false') then lower({col}) = 'true' end",
        "sf_datetime": _sf_datetime(col),
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


def _quoted(expr: str) -> str:
    """A value as a reason quotes it: JSON text (strings in double quotes), cut if long."""
    return (
        f"case when length({expr}) > {_QUOTE_CHARS} "
        f"then left({expr}, {_QUOTE_CHARS}) || '…' else {expr} end"
    )


def _rule_reasons(f: Field, name: str, value: str, found: str) -> list[str]:
    """Reasons for the record-level rules of one field (checked only on a well-typed value)."""
    out = []
    if f.pattern:
        label = f.pattern_label or f"matching {f.pattern}"
        out.append(
            f"case when {value} is not null and not regexp_full_match({value}, {_q(f.pattern)}) "
            f"then {_q(name + ': ')} || {found} || {_q(' is not ' + label)} end"
        )
    if f.allowed:
        listed = ", ".join(_q(a) for a in f.allowed)
        out.append(
            f"case when {value} is not null and {value} not in ({listed}) "
            f"then {_q(name + ': ')} || {found} || {_q(' is not one of ' + ', '.join(f.allowed))} end"
        )
    for bound, op, words in ((f.minimum, "<", "below"), (f.maximum, ">", "above")):
        if bound is not None:
            shown = f"{bound:g}"
            out.append(
                f"case when {value} {op} {shown} "
                f"then {_q(name + ': ')} || {found} || {_q(f' is {words} {shown}')} end"
            )
    return out


def _checks(
    fields: tuple[Field, ...],
    entity: Entity | None,
    fmt: str,
    values: str = "v",
    prefix: str = "",
    rules: tuple[tuple[str, str], ...] = (),
) -> tuple[list[str], list[str]]:
    """Select expressions of the typed columns, and one reason expression per failed check.

    For JSON, `values` names the list made by `_extract_all`. `rules` are record-level rules
    across fields, `{name}` standing for the typed value of field `name`.
    """
    columns, reasons, typed = [], [], {}
    value_exprs = _values_of(fields, values) if fmt == "jsonl" else [None] * len(fields)
    for f, value_of in zip(fields, value_exprs, strict=True):
        value, present, bad = _json_field(f, value_of) if fmt == "jsonl" else _csv_field(f)
        typed[f.name] = f"({value})"
        columns.append(f"{value} as {_ident(f.raw_column)}")
        name = prefix + f.name
        found = (
            _quoted(f"{value_of}::varchar")
            if fmt == "jsonl"
            else _quoted(f"'\"' || {_ident(f.name)} || '\"'")
        )
        reasons.append(
            f"case when {present} and {bad} then "
            f"{_q(name + ': expected ' + _EXPECTED[f.type] + ', found ')} || {found} end"
        )
        reasons += _rule_reasons(f, name, f"({value})", found)
        if f.required:
            exempt = (
                f" and not coalesce({entity.required_unless}, false)"
                if entity is not None and entity.required_unless and f.name not in entity.key
                else ""
            )
            reasons.append(f"case when not ({present}){exempt} then {_q('missing ' + name)} end")
    for condition, reason in rules:
        reasons.append(f"case when {condition.format(**typed)} then {reason.format(**typed)} end")
    return columns, reasons


def validate_jsonl(con: duckdb.DuckDBPyConnection, entity: Entity, batch: pa.Table) -> pa.Table:
    """Typed records of a JSONL batch with a `_reason` column (null when the record is valid)."""
    columns, reasons = _checks(entity.fields, entity, "jsonl", rules=entity.rules)
    child = entity.child
    con.register("batch", batch)
    documents = (
        "select line_no, raw, case when json_valid(raw) and json_type(raw) = 'OBJECT' "
        "then raw::json end as j from batch"
    )
    sql = f"""
        with parsed as materialized (
            select *, {_extract_all(entity.fields, "j")} as v from ({documents})
        ),
        {_child_reasons_cte(child) if child else "children as (select null)"}
        select line_no, raw,
            case when j is null then 'malformed JSON: not a JSON object'
                 else nullif(concat_ws('; ', {", ".join(reasons)},
                                       {"children.reason" if child else "null"}), '') end
                as _reason,
            {", ".join(columns)}
        from parsed
        {"left join children using (line_no)" if child else ""}
        order by line_no
    """
    try:
        return _arrow(con.sql(sql))
    finally:
        con.unregister("batch")


def _child_reasons_cte(child: ChildTable) -> str:
    """`children`: per parent record, the reasons of its bad elements (or of a missing array)."""
    _, reasons = _checks(
        child.fields, None, "jsonl", values="lv", prefix=f"{child.array}[].", rules=child.rules
    )
    return f"""
        exploded as (
            select line_no, {_extract_all(child.fields, "l")} as lv
            from (
                select line_no, unnest(json_extract(j, {_q(child.json_path + "[*]")})) as l
                from parsed where json_type(j, {_q(child.json_path)}) = 'ARRAY'
            )
        ),
        children as (
            select line_no,
                nullif(string_agg(distinct nullif(concat_ws('; ', {", ".join(reasons)}), ''), '; '),
                       '') as reason
            from exploded group by line_no
            union all
            select line_no, {_q(child.array + ": expected an array")} from parsed
            where j is not null and coalesce(json_type(j, {_q(child.json_path)}), 'NULL') <> 'ARRAY'
        )"""


def child_rows(con: duckdb.DuckDBPyConnection, child: ChildTable, parents: pa.Table) -> pa.Table:
    """Flatten the child records of valid parents: one row per element of the child array."""
    columns, _ = _checks(child.fields, None, "jsonl", values="lv")
    parent_key, parent_column = _ident(child.parent_key), _ident(child.parent_column)
    index = _ident(child.index_column)
    con.register("parents", parents)
    try:
        return _arrow(
            con.sql(f"""
            with documents as (
                select line_no, {parent_key} as {parent_column},
                    json_extract(raw, {_q(child.json_path + "[*]")}) as elements
                from parents
            ),
            exploded as (
                select line_no, {parent_column}, {index},
                    {_extract_all(child.fields, f"elements[{index}]")} as lv
                from (select *, generate_subscripts(elements, 1) as {index} from documents)
            )
            select line_no, {parent_column}, {index}, {", ".join(columns)}
            from exploded order by line_no, {index}
        """)
        )
    finally:
        con.unregister("parents")


def validate_csv(con: duckdb.DuckDBPyConnection, entity: Entity, batch: pa.Table) -> pa.Table:
    """Typed records of a CSV batch with a `_reason`; `raw` becomes the row as a JSON object."""
    columns, reasons = _checks(entity.fields, entity, "csv", rules=entity.rules)
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
    # One thread: the entities are ingested in parallel threads already, and a landing file's
    # batch is small enough that splitting each query across threads costs more than it saves.
    con.execute("set threads = 1")
    return con
