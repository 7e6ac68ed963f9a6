"""Land every year's current rules version as the raw tables dbt scores from. SCAFFOLD."""
from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.evaluation.rules import TABLES, parse_rules


def load_rules(con: duckdb.DuckDBPyConnection, rules_dir: Path, data_dir: Path) -> None:
    rows: dict[str, list[dict]] = {name: [] for name in TABLES}
    if rules_dir.is_dir():
        for year_dir in sorted(p for p in rules_dir.iterdir() if p.is_dir() and p.name.isdigit()):
            versions = sorted(year_dir.glob("v[0-9][0-9][0-9].yaml"))
            if not versions:
                continue
            path = versions[-1]
            parsed = parse_rules(path.read_text(encoding="utf-8"), path.relative_to(data_dir).as_posix())
            for scope in parsed["evaluation_scopes"]:
                scope["rules_version"] = int(path.stem[1:])
            for name, found in parsed.items():
                rows[name] += found
    for name, columns in TABLES.items():
        con.execute(f"create or replace table raw.{name} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
        if rows[name]:
            placeholders = ", ".join("?" for _ in columns)
            con.executemany(f"insert into raw.{name} values ({placeholders})",
                            [[row.get(c) for c in columns] for row in rows[name]])
