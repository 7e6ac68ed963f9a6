"""Two publishes of the marts compared, mart by mart: the check that the Spark engine computes what the
DuckDB engine does (tests/spark/test_engines_agree.py). A green dbt build is not that check — some
differences between engines pass every dbt test (an order ignored by a string aggregate, a decimal
exponent, an average rounded to fewer places) — so the published files themselves are compared.

What must agree, for each mart: the columns (names, order, Arrow types); the rows (as many, the same
keys); every value — text, integers, decimals, dates, booleans exactly, doubles within a relative
1e-12 (what two correct evaluations of the same formula may differ by: `pow` in Java and in libm differ
by an ulp), NaN only with NaN and null only with null. Row order is not compared: the dashboard's read
layer sorts what it shows, and `fct_volunteer_records` is published in scan order on either engine.

A mart's key is the one its dbt tests declare (`declared_keys`: a `unique` test on a column or on an
expression of columns, or `unique_combination_of_columns`); a mart without one (the record marts) is
keyed by its provenance (file, sheet, row), else by all its columns that are not doubles. Rows that
share a key (several warnings on one source row) are paired in sorted order. Each difference is one line
naming the mart, the key, the column and both values."""
from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from pipelines.refresh.publish import PROVENANCE_ORDER

REL_TOLERANCE = 1e-12
SHOWN = 3  # examples of each kind of difference per mart and column; the rest are counted
Names = tuple[str, str]


def compare_published(left: Path, right: Path, keys: dict[str, Sequence[str]],
                      names: Names = ("duckdb", "spark")) -> list[str]:
    """The differences between two published version folders (data/marts/current of each data folder):
    their manifests, then every mart. Empty when they agree."""
    manifests = [json.loads((side / "manifest.json").read_text(encoding="utf-8")) for side in (left, right)]
    problems = compare_manifests(*manifests, names=names)
    marts = [{path.stem for path in side.glob("*.parquet")} for side in (left, right)]
    problems += _one_sided("marts published", marts[0], marts[1], names)
    for mart in sorted(marts[0] & marts[1]):
        problems += compare_tables(mart, pq.read_table(left / f"{mart}.parquet"),
                                   pq.read_table(right / f"{mart}.parquet"), keys.get(mart), names)
    return problems


def compare_manifests(left: dict, right: dict, names: Names = ("duckdb", "spark")) -> list[str]:
    """The same source files (path, dataset, hash) read to the same counts, the same totals, the same
    datasets emptied, the same marts with as many rows. Times, run ids, tools and engines may differ."""
    problems = []
    files = [{entry["file"]: entry for entry in side.get("source_files", [])} for side in (left, right)]
    problems += _one_sided("source files", set(files[0]), set(files[1]), names)
    for path in sorted(set(files[0]) & set(files[1])):
        a, b = files[0][path], files[1][path]
        for field in sorted(set(a) | set(b)):
            if a.get(field) != b.get(field):
                problems.append(f"manifest source file {path} {field}: {names[0]}={a.get(field)!r}, "
                                f"{names[1]}={b.get(field)!r}")
    for field in ("totals", "emptied_datasets"):
        if left.get(field) != right.get(field):
            problems.append(f"manifest {field}: {names[0]}={left.get(field)!r}, {names[1]}={right.get(field)!r}")
    rows = [{m["mart"]: m["rows"] for m in side.get("marts", [])} for side in (left, right)]
    problems += _one_sided("manifest marts", set(rows[0]), set(rows[1]), names)
    for mart in sorted(set(rows[0]) & set(rows[1])):
        if rows[0][mart] != rows[1][mart]:
            problems.append(f"manifest {mart} rows: {names[0]}={rows[0][mart]}, {names[1]}={rows[1][mart]}")
    return problems


def compare_tables(mart: str, left: pa.Table, right: pa.Table, key: Sequence[str] | None = None,
                   names: Names = ("duckdb", "spark"), rel_tolerance: float = REL_TOLERANCE) -> list[str]:
    """The differences between two versions of one mart (see the module's docstring)."""
    a, b = names
    types = [{f.name: f.type for f in side.schema} for side in (left, right)]
    problems = _one_sided(f"{mart}: columns", set(types[0]), set(types[1]), names)
    columns = [c for c in types[0] if c in types[1]]
    if not problems and list(types[0]) != list(types[1]):
        problems.append(f"{mart}: columns in another order: {a} {list(types[0])}, {b} {list(types[1])}")
    problems += [f"{mart}.{c}: type {types[0][c]} on {a}, {types[1][c]} on {b}"
                 for c in columns if types[0][c] != types[1][c]]
    if left.num_rows != right.num_rows:
        problems.append(f"{mart}: {left.num_rows} rows on {a}, {right.num_rows} on {b}")
    doubles = {c for c in columns if pa.types.is_floating(types[0][c]) or pa.types.is_floating(types[1][c])}
    key = list(key) if key else default_key(columns, doubles)
    if missing := [c for c in key if c not in columns]:
        return [*problems, f"{mart}: key column(s) {missing} not on both sides"]
    values = [c for c in columns if c not in key]
    groups = [_groups(side.select(columns).to_pylist(), key) for side in (left, right)]
    for index, (mine, theirs) in enumerate((groups, groups[::-1])):
        only = sorted((k for k in mine if k not in theirs), key=_sortable)
        for k in only[:SHOWN]:
            problems.append(f"{mart} [{_key_text(key, k)}]: {len(mine[k])} row(s) only on {names[index]}")
        if len(only) > SHOWN:
            problems.append(f"{mart}: … and {len(only) - SHOWN} more key(s) only on {names[index]}")
    differing: dict[str, list[str]] = defaultdict(list)
    for k in sorted((k for k in groups[0] if k in groups[1]), key=_sortable):
        mine, theirs = groups[0][k], groups[1][k]
        if len(mine) != len(theirs):
            problems.append(f"{mart} [{_key_text(key, k)}]: {len(mine)} row(s) on {a}, {len(theirs)} on {b}")
            continue
        order = [*(c for c in values if c not in doubles), *(c for c in values if c in doubles)]
        pairs = zip(*(sorted(rows, key=lambda r: _sortable(tuple(r[c] for c in order))) for rows in (mine, theirs)),
                    strict=True)
        for row, other in pairs:
            for c in values:
                if not same(row[c], other[c], c in doubles, rel_tolerance):
                    differing[c].append(f"{mart} [{_key_text(key, k)}] {c}: {a}={row[c]!r}, {b}={other[c]!r}")
    for c in values:  # in the mart's column order
        found = differing.get(c, [])
        problems += found[:SHOWN] + ([f"{mart}.{c}: … and {len(found) - SHOWN} more row(s) differ"]
                                     if len(found) > SHOWN else [])
    return problems


def same(left, right, double: bool, rel_tolerance: float = REL_TOLERANCE) -> bool:
    """Whether two values of a column agree: doubles within `rel_tolerance` of the larger magnitude (NaN
    only with NaN, an infinity only with itself), anything else exactly; null only with null."""
    if left is None or right is None:
        return left is None and right is None
    if not double:
        return left == right
    left, right = float(left), float(right)
    if math.isnan(left) or math.isnan(right):
        return math.isnan(left) and math.isnan(right)
    if math.isinf(left) or math.isinf(right):
        return left == right
    return abs(left - right) <= rel_tolerance * max(abs(left), abs(right))


def default_key(columns: Sequence[str], doubles: set[str]) -> list[str]:
    """A mart without a declared key: its provenance if it has one, else every column but the doubles."""
    if set(PROVENANCE_ORDER) <= set(columns):
        return list(PROVENANCE_ORDER)
    return [c for c in columns if c not in doubles]


def declared_keys(models_dir: Path) -> dict[str, list[str]]:
    """Each mart's key as its dbt tests declare it, from the YAML of `models_dir` (dbt_project/models/marts):
    the columns of a model-level `unique` test's expression (whatever casts or concatenation it is written
    with: the names in it that are the model's columns) or of `unique_combination_of_columns`, else a
    column with a `unique` test. Marts without one are left out."""
    keys = {}
    for path in sorted(models_dir.glob("*.yml")):
        for model in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("models", []):
            columns = [c["name"] for c in model.get("columns", [])]
            found = [key for test in _tests(model) if (key := _test_key(test, columns))]
            found += [[c["name"]] for c in model.get("columns", []) if any(_test_name(t) == "unique" for t in _tests(c))]
            if found:
                keys[model["name"]] = found[0]
    return keys


def _tests(node: dict) -> list:
    return list(node.get("data_tests") or node.get("tests") or [])


def _test_name(test) -> str:
    name = test if isinstance(test, str) else next(iter(test))
    return name.rsplit(".", 1)[-1]  # dbt_utils.unique_combination_of_columns


def _test_key(test, columns: list[str]) -> list[str] | None:
    if isinstance(test, str):
        return None
    name, body = next(iter(test.items()))
    body = body or {}
    arguments = {**body, **(body.get("arguments") or {})}
    if _test_name(test) == "unique_combination_of_columns":
        return list(arguments.get("combination_of_columns") or []) or None
    if _test_name(test) == "unique" and arguments.get("column_name"):
        named = re.findall(r"[A-Za-z_]\w*", arguments["column_name"])
        return [c for c in dict.fromkeys(named) if c in columns] or None
    return None


def _groups(rows: list[dict], key: list[str]) -> dict[tuple, list[dict]]:
    found: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        found[tuple(row[c] for c in key)].append(row)
    return found


def _sortable(values: tuple) -> tuple:
    """An order on tuples of any values, None and NaN included (for stable messages and row pairing)."""
    def one(v):
        if v is None:
            return (2, "", 0)
        if isinstance(v, float) and math.isnan(v):
            return (1, "", 0)
        if isinstance(v, dict | list):
            return (0, type(v).__name__, repr(v))
        return (0, type(v).__name__, v)
    return tuple(one(v) for v in values)


def _key_text(key: list[str], values: tuple) -> str:
    return ", ".join(f"{c}={v!r}" for c, v in zip(key, values, strict=True)) or "all rows"


def _one_sided(what: str, left: set, right: set, names: Names) -> list[str]:
    return [f"{what} only on {name}: {sorted(only)}" for name, only in ((names[0], left - right), (names[1], right - left))
            if only]
