"""The institutes a template offers, and each institute's units: the registers in data/raw/institutes/ and
data/raw/units/ (an institute's latest accepted units register from the portal folder among them), read by
the ingest's own readers and checked by their contracts — the registers the next refresh resolves institute
and unit names against, so a template never offers a name that refresh would not know (and works before
any refresh has published dim_institutes). Rows the registers' contracts quarantine are not offered."""
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
    units: tuple[str, ...] = ()  # its units' Chinese names, in register order (closed ones too)


def read_register(settings: Settings) -> list[Institute]:
    """The accepted rows of the register, in register order, each with its units; none when
    data/raw/institutes/ is empty. A register file that cannot be read raises the ingest's FileError."""
    raw_dir: Path = settings.raw_dir
    if not (raw_dir / "institutes").is_dir():
        return []
    paths = discover(raw_dir)
    if not paths["institutes"]:
        return []
    with duckdb.connect() as con:
        register_functions(con)
        create_issue_tables(con, METRIC_CATALOG)
        for name in ("institutes", "units"):  # a unit names its institute
            contract = CONTRACTS[name]
            load_dataset(con, contract, land_files(con, contract, paths[name], raw_dir), settings.id_salt,
                         settings.today)
        rows = con.execute("select institute_id, name_zh from raw.institutes order by source_file, source_row").fetchall()
        units: dict[str, list[str]] = {}
        for institute_id, name in con.execute("select cast(institute_id as varchar), name_zh from raw.units "
                                              "order by source_file, source_sheet, source_row").fetchall():
            units.setdefault(institute_id, []).append(name)
    return [Institute(str(i), n, tuple(units.get(str(i), ()))) for i, n in rows]
