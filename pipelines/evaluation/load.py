"""Land every year's current rules version (its highest: store.latest) as the raw tables dbt scores
from. Called by the ingest only — not by the portal's upload check nor the templates, which use the
ingest's other functions — so a rules file with an error stops a refresh at its ingest stage (a
RulesError is a FileError: the refresh names the file and line and publishes nothing) and nothing else.

A year with no folder or no version has no evaluation: the tables are empty for it."""
from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb

from pipelines.evaluation.rules import TABLES, parse_rules
from pipelines.evaluation.store import VERSION_NAME, latest, year_dirs
from pipelines.evaluation.yaml_nodes import RulesError, decode

RULES_SUFFIX = re.compile(r".*\.ya?ml", re.IGNORECASE)


def load_rules(con: duckdb.DuckDBPyConnection, rules_dir: Path, data_dir: Path) -> None:
    rows: dict[str, list[dict]] = {name: [] for name in TABLES}
    _stray_files(rules_dir, data_dir)
    for version in latest(rules_dir).values():  # in year order
        file = _shown(version.path, data_dir)
        parsed = parse_rules(decode(version.path.read_bytes(), file), file)
        for scope in parsed.scopes:
            scope.update(rules_version=version.version, rules_sha256=version.sha256,
                         saved_at=version.saved_at, saved_by=version.saved_by)
        for name, found in parsed.tables().items():
            rows[name] += found
    for name, columns in TABLES.items():
        con.execute(f"create or replace table raw.{name} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
        if rows[name]:  # one statement: executemany runs one per row (~130 ms for the demo's ~60 rows, not ~5)
            placeholders = ", ".join(["(" + ", ".join("?" for _ in columns) + ")"] * len(rows[name]))
            con.execute(f"insert into raw.{name} values {placeholders}",
                        [row.get(c) for row in rows[name] for c in columns])


def _stray_files(rules_dir: Path, data_dir: Path) -> None:
    """A YAML file in a year's folder that is not named v<NNN>.yaml would be silently left out (a
    rules.yaml copied in by hand, a v2.yaml): an error instead, naming the file."""
    for year_dir in year_dirs(rules_dir):
        for name in sorted(os.listdir(year_dir)):
            if RULES_SUFFIX.fullmatch(name) and not VERSION_NAME.fullmatch(name):
                raise RulesError(_shown(year_dir / name, data_dir), 1, "规则文件应命名为 v001.yaml、v002.yaml……（刷新按编号最大的版本计分）",
                                 "a rules file is named v001.yaml, v002.yaml, … (a refresh scores by the highest)")


def _shown(path: Path, data_dir: Path) -> str:
    """A rules file as rules_file and the messages name it: relative to the data folder."""
    return path.relative_to(data_dir).as_posix() if path.is_relative_to(data_dir) else path.as_posix()
