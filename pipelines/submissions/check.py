"""The upload check: one submitted file, for one institute, dataset and year, run through the ingest's own
code (landing.py, validate.py, load.py) as if it stood where the portal would put it
(data/raw/<dataset>/portal/<institute>/<year>.<ext>, portal.py) — so the verdicts are the refresh's by
construction: a row the refresh would quarantine is an error here, a file it would refuse is refused here,
and its warnings are the refresh's warnings. The registers are loaded first from data/raw/institutes/ and
data/raw/units/ as the refresh loads them — an institute's units from its latest accepted register (the
portal file, before any refresh has read it) — except the dataset's own: a register submitted whole
(Contract.whole_register) is checked alone, as the refresh sets the institute's other rows aside. Such a
submission older than the institute's accepted register would be set aside in turn: refused. Nothing is written but a scratch folder and an in-memory database, both gone afterwards."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.config import METRIC_CATALOG, Settings
from pipelines.contracts import CONTRACTS
from pipelines.errors import FileError
from pipelines.ingest.files import sniff_format
from pipelines.ingest.landing import land_files
from pipelines.ingest.load import create_issue_tables, load_dataset
from pipelines.ingest.portal import latest, portal_file, portal_path
from pipelines.ingest.prefetch import Prefetch
from pipelines.ingest.run import dataset_files
from pipelines.ingest.sql_functions import register_functions
from pipelines.ingest.workbook_limits import WorkbookLimits
from pipelines.submissions.marks import Finding
from pipelines.submissions.register_use import UnitInUse, missing_in_use

SUBMITTED = tuple(name for name, contract in CONTRACTS.items() if contract.submitted)
SUFFIXES = {"csv": ".csv", "xlsx": ".xlsx", "xls": ".xls", "ods": ".ods"}
REGISTERS = ("institutes", "units")  # loaded before the file, in this order (a unit names its institute)


@dataclass
class CheckResult:
    dataset: str
    institute_id: str
    year: int
    file_format: str | None = None
    encoding: str | None = None
    header_rows: dict[str, int] = field(default_factory=dict)  # sheet → 1-based header row
    rows_read: int = 0
    accepted: int = 0
    findings: list[Finding] = field(default_factory=list)
    # the dataset's headline figure over the accepted rows (Contract.figure), for the cross-year check
    figure: float | None = None
    seconds: float = 0.0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def rows_with_errors(self) -> int:
        return len({(f.sheet, f.row) for f in self.errors if f.row is not None})

    @property
    def refused(self) -> bool:
        """The whole file cannot be read: nothing in it counts."""
        return any(f.row is None for f in self.errors)

    @property
    def suffix(self) -> str:
        return SUFFIXES.get(self.file_format or "", "")


def check_submission(settings: Settings, dataset: str, institute_id: str, year: int, path: Path,
                     on_stage: Callable[[str], None] | None = None,
                     in_use: list[UnitInUse] | None = None) -> CheckResult:
    """The verdicts of the refresh on `path` as the portal file of (institute_id, dataset, year). `in_use`: for a
    register submitted whole, the units the institute's published rows name (register_use.py)."""
    started = time.perf_counter()
    contract = CONTRACTS[dataset]
    assert contract.submitted, f"{dataset} is not submitted through the portal"
    result = CheckResult(dataset, institute_id, year)
    say = on_stage or (lambda stage: None)
    scratch = Path(tempfile.mkdtemp(prefix="touyan-check-"))
    con = duckdb.connect(config={"threads": "2"})
    try:
        raw = scratch / "raw"
        try:
            result.file_format = sniff_format(path, path.name)
        except FileError as e:
            result.findings.append(_refusal(e))
            return result
        rel = portal_path(dataset, institute_id, year, result.suffix)
        (raw / rel).parent.mkdir(parents=True)
        os.symlink(path.resolve(), raw / rel)
        register_functions(con)
        create_issue_tables(con, METRIC_CATALOG)
        say("register")
        for name in (r for r in REGISTERS if r != dataset):
            register = CONTRACTS[name]
            load_dataset(con, register, land_files(con, register, dataset_files(settings.raw_dir, name),
                                                   settings.raw_dir), settings.id_salt, settings.today)
        newer = _newer_register(settings, contract, institute_id, year)
        if newer:
            result.findings.append(newer)
            return result
        say("read")
        # the workbook limits of the refresh (a bomb is refused before it is opened), read as it reads them
        prefetched = Prefetch([raw / rel], WorkbookLimits(settings.max_workbook_cells,
                                                          settings.max_workbook_inflated_bytes))
        try:
            [(_, read)] = land_files(con, contract, [raw / rel], raw, prefetched=prefetched)
        except FileError as e:
            result.findings.append(_refusal(e))
            return result
        finally:
            prefetched.close()
        result.encoding = read.encoding
        result.header_rows = {sheet.sheet: sheet.header_row for sheet in read.sheets}
        say("check")
        [stats] = load_dataset(con, contract, [(rel, read)], settings.id_salt, settings.today)
        result.rows_read, result.accepted = stats.rows_read, stats.accepted
        columns = {(sheet.sheet, header): name for sheet in read.sheets for name, header in sheet.headers.items()}
        result.findings = _findings(con, contract, columns)
        if contract.figure:
            [(figure,)] = con.execute(f"select {contract.figure[2]} from raw.{dataset}").fetchall()
            result.figure = None if figure is None else float(figure)
        if contract.whole_register and in_use:
            dropped = missing_in_use(con, dataset, institute_id, in_use)
            if dropped:
                result.findings.append(dropped)
        return result
    finally:
        con.close()
        shutil.rmtree(scratch, ignore_errors=True)
        result.seconds = time.perf_counter() - started


def _newer_register(settings: Settings, contract, institute_id: str, year: int) -> Finding | None:
    """A register submitted whole for `year` when the institute's accepted one is of a later year: the
    refresh would set this one aside, so it is refused, saying which is current."""
    if not contract.whole_register:
        return None
    rels = [p.relative_to(settings.raw_dir).as_posix() for p in dataset_files(settings.raw_dir, contract.dataset)]
    try:
        current = latest(rels).get(institute_id)
    except FileError:
        return None  # a misnamed file of the portal folder: the refresh's to refuse
    if current is None or portal_file(current).year <= year:
        return None
    later = portal_file(current).year
    return Finding("error", "", None, None, None, "register_superseded",
                   f"本单位已有 {later} 年报送并通过的{contract.title_zh}，它才是现行名录：{year} 年的这一份不会被采用。"
                   f"请在 {later} 年或之后的年度下报送完整的名录",
                   f"the institute's accepted {contract.dataset} register of {later} is its current one: this one of "
                   f"{year} would not be used. Submit the whole register for {later} or a later year")


def _refusal(e: FileError) -> Finding:
    return Finding("error", "", None, None, None, "file_refused",
                   f"{e.problem_zh}。{e.action_zh}", f"{e.problem_en}. {e.action_en}")


def _findings(con: duckdb.DuckDBPyConnection, contract, columns: dict[tuple[str, str], str]) -> list[Finding]:
    """Quarantined rows (errors) and warnings of the checked file, in row order, each with the cell it is
    about: a quarantined row's cell as submitted, a warning's cell as loaded (raw.<dataset> keeps the
    parsed value, the institute as its id)."""
    loaded = {name for (name,) in con.execute(f"select column_name from (describe raw.{contract.dataset})").fetchall()}
    renamed = {c.name: "institute_id" if c.kind == "institute" else "unit_code" for c in contract.columns
               if c.kind in ("institute", "unit")}  # stored under the name of what they resolve to
    found = []
    for severity, table in (("error", "rejects"), ("warning", "warnings")):
        # the file's own: not the registers' (loaded first, their problems are the refresh's to report)
        rows = con.execute(f"select source_sheet, source_row, source_column, reason_code, message_zh, message_en, "
                           f"original_values from raw.{table} where dataset = ? order by source_sheet, source_row",
                           [contract.dataset]).fetchall()
        values: dict[tuple[str, int, str], object] = {}
        if severity == "warning":
            for (sheet, header), column in columns.items():
                name = renamed.get(column, column)
                if name in loaded:
                    values.update(((sheet, row, header), value) for row, value in con.execute(
                        f'select d.source_row, cast(d."{name}" as varchar) from raw.{contract.dataset} d '
                        f"where cast(d.source_sheet as varchar) = ? and d.source_row in "
                        f"(select source_row from raw.warnings where source_sheet = ? and source_column = ?)",
                        [sheet, sheet, header]).fetchall())
        for sheet, row, header, code, zh, en, original in rows:
            column = columns.get((sheet, header), header)
            value = json.loads(original).get(column) if original else values.get((sheet, row, header))
            found.append(Finding(severity, sheet, row, header, None if value is None else str(value), code, zh, en))
    return found
