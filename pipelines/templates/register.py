"""The institutes a template offers: the register in data/raw/institutes/, read by the ingest's own
readers and checked by its contract — the register the next refresh resolves institute names against,
so a template never offers a name that refresh would not know (and works before any refresh has
published dim_institutes). Rows the register's contract quarantines are not offered."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from pipelines.config import METRIC_CATALOG, Settings
from pipelines.contracts import CONTRACTS
from pipelines.ingest import discover
from pipelines.ingest.landing import land_files
from pipelines.ingest.load import create_issue_tables, load_dataset
from pipelines.ingest.sql_functions import register_functions


@dataclass(frozen=True)
class Institute:
    institute_id: str
    name_zh: str


def read_register(settings: Settings) -> list[Institute]:
    """The accepted rows of the register, in register order; none when data/raw/institutes/ is empty.
    A register file that cannot be read raises the ingest's FileError."""
    raw_dir: Path = settings.raw_dir
    if not (raw_dir / "institutes").is_dir():
        return []
    paths = discover(raw_dir)["institutes"]
    if not paths:
        return []
    contract = CONTRACTS["institutes"]
    with duckdb.connect() as con:
        register_functions(con)
        create_issue_tables(con, METRIC_CATALOG)
        load_dataset(con, contract, land_files(con, contract, paths, raw_dir), settings.id_salt, settings.today)
        rows = con.execute("select institute_id, name_zh from raw.institutes order by source_file, source_row").fetchall()
    return [Institute(str(i), n) for i, n in rows]
