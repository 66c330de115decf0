"""Unknown fields at every level of a JSON record, counted.

The contract's field paths form a tree of known keys (an invoice: `lines`, `lines.data[]`,
`lines.data[].price.recurring`, ...). Every object on that tree is looked into, and any key the
contract does not name is reported with the number of times it appeared, as `lines.data[].pricing`
for a key under each element of an array. Objects whose keys are the sender's own (`free_form`,
Stripe `metadata`) and keys under an unknown key are not looked into: the unknown key itself is
what is reported. Each document is parsed once per level of arrays (one multi-path extraction).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from sources.contract import Entity, Field

ARRAY = "[]"


@dataclass
class _Node:
    children: dict[str, _Node] = field(default_factory=dict)
    free_form: bool = False


def _segments(path: str) -> list[str]:
    """`$.lines.data[*].price` -> ['lines', 'data', '[]', 'price']."""
    out = []
    for part in path.removeprefix("$.").split("."):
        if part.endswith("[*]"):
            out += [part[:-3], ARRAY]
        else:
            out.append(part)
    return out


def known_tree(entity: Entity) -> _Node:
    root = _Node()
    fields: list[tuple[str, Field]] = [("$", f) for f in entity.fields]
    if entity.child:  # its elements' fields are known too
        fields += [(entity.child.json_path + "[*]", f) for f in entity.child.fields]
    for prefix, f in fields:
        for path, guard, _ in f.json_sources:
            for p, is_value in ((path, True), (guard, False)):
                if p is None:
                    continue
                node = root
                segments = _segments(prefix + p[1:])
                for segment in segments:
                    node = node.children.setdefault(segment, _Node())
                if is_value and f.free_form:
                    node.free_form = True
    for key in entity.envelope:
        root.children.setdefault(key, _Node(free_form=True))
    return root


def _containers(node: _Node, path: list[str]) -> list[tuple[list[str], _Node]]:
    """Every object on the known tree that is looked into, with its path."""
    if node.free_form or not node.children:
        return []
    out = [(path, node)]
    for key, child in node.children.items():
        out += _containers(child, [*path, key])
    return out


def _label(path: list[str], key: str) -> str:
    return ".".join([*path, key]).replace("." + ARRAY, ARRAY)


def count_unknown(con: duckdb.DuckDBPyConnection, entity: Entity, batch: pa.Table) -> Counter:
    """How often each unknown field occurs in a batch of JSON records (`raw` column)."""
    tree = known_tree(entity)
    containers = [(p, n) for p, n in _containers(tree, []) if p.count(ARRAY) <= 1]
    plain = [(p, n) for p, n in containers if ARRAY not in p]
    nested = [(p, n) for p, n in containers if ARRAY in p]
    arrays = sorted({tuple(p[: p.index(ARRAY)]) for p, _ in nested})

    def json_path(segments) -> str:
        return "$" + "".join(f".{s}" for s in segments)

    # one extraction per record: each plain object, and each array whose elements are looked into
    top_paths = [json_path(p) for p, _ in plain] + [json_path(a) for a in arrays]
    ordered = list(plain)  # the container behind each `c` of the query, in order
    parts = [
        f"select {i} as c, unnest(json_keys(v[{i + 1}])) as k from top "
        f"where json_type(v[{i + 1}]) = 'OBJECT'"
        for i in range(len(plain))
    ]
    element_ctes = []
    for a_i, array in enumerate(arrays):
        inner = [(p, n) for p, n in nested if tuple(p[: p.index(ARRAY)]) == array]
        sub_paths = ", ".join(repr(json_path(p[p.index(ARRAY) + 1 :])) for p, _ in inner)
        slot = len(plain) + a_i + 1
        element_ctes.append(
            f"elements_{a_i} as (select json_extract(e, [{sub_paths}]) as v from ("
            f"select unnest(json_extract(v[{slot}], '$[*]')) as e from top "
            f"where json_type(v[{slot}]) = 'ARRAY'))"
        )
        for j, container in enumerate(inner, start=1):
            parts.append(
                f"select {len(ordered)} as c, unnest(json_keys(v[{j}])) as k from elements_{a_i} "
                f"where json_type(v[{j}]) = 'OBJECT'"
            )
            ordered.append(container)
    sql = f"""
        with top as materialized (
            select json_extract(raw::json, [{", ".join(repr(p) for p in top_paths)}]) as v
            from unknown_batch where json_valid(raw) and json_type(raw) = 'OBJECT'
        ){"".join(", " + c for c in element_ctes)}
        select c, k, count(*) from ({" union all ".join(parts)}) group by c, k
    """
    con.register("unknown_batch", batch)
    try:
        rows = con.sql(sql).fetchall()
    finally:
        con.unregister("unknown_batch")
    counts: Counter = Counter()
    for c, key, n in rows:
        path, node = ordered[c]
        if key not in node.children:
            counts[_label(path, key)] += n
    return counts
