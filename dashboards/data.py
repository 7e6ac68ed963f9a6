"""The only module that reads data. It reads the published marts (`data/marts/current` → a version
folder of Parquet files), resolving `current` again on every call, so a refresh that publishes is seen
on the next interaction and one in progress is never seen half-way (the switch is one atomic rename;
versions are immutable).

Per published version it keeps a `Snapshot`: the manifest, a DuckDB connection with a view per mart
(for the large record marts and ad-hoc questions), and the small marts the pages ask about on every
interaction — the dimensions, fct_institute_metric_year, fct_group_metric_year — read once into pandas
and filtered in memory. Only the current version's snapshot is kept: the first call that sees a new
`current` builds the new one and drops the old (a callback still holding it finishes on it)."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipelines.config import LAST_RUN_FILE


class NotPublished(RuntimeError):
    pass


class Snapshot:
    """One published version, loaded. Thread-safe; its frames are never modified (callers get
    shallow copies: pandas' copy-on-write keeps the snapshot's own frames intact)."""

    def __init__(self, path: Path):
        self.path = path
        self.manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        self.con = duckdb.connect()
        files = {mart["mart"]: path / mart["file"] for mart in self.manifest["marts"]}
        for mart, file in files.items():
            self.con.execute(f"create view {mart} as select * from read_parquet('{file}')")
        self._lock = threading.Lock()
        self._memo: dict = {}
        read = self._read(files)
        self.institutes = read("dim_institutes", [("province_code", "ascending"), ("institute_id", "ascending")])
        self.metrics = read("dim_metrics", [("sort_order", "ascending")])
        self.groups = read("dim_groups", [("sort_order", "ascending"), ("group_id", "ascending")])
        self.labels = read("dim_code_labels")
        # rows ordered as the pages expect them (year, institute), each with the institute's names
        facts = read("fct_institute_metric_year", [("year", "ascending"), ("institute_id", "ascending"),
                                                   ("metric_id", "ascending")])
        names = self.institutes.set_index("institute_id")
        self.institute_metric_years = facts.assign(institute_zh=facts["institute_id"].map(names["name_zh"]),
                                                   institute_en=facts["institute_id"].map(names["name_en"]))
        self.group_metric_years = read("fct_group_metric_year", [("year", "ascending"), ("metric_id", "ascending")])
        self.years = sorted(int(y) for y in self.institute_metric_years["year"].unique())
        self._codes = {column: _Codes(self.institute_metric_years[column])
                       for column in ("metric_id", "institute_id", "peer_group_id")}
        self._year_array = self.institute_metric_years["year"].to_numpy()
        self._group_codes = {column: _Codes(self.group_metric_years[column]) for column in ("group_id", "metric_id")}

    @property
    def run_id(self) -> str:
        return self.manifest["run_id"]

    @staticmethod
    def _read(files: dict[str, Path]) -> Callable[..., pd.DataFrame]:
        def read(mart: str, order: list[tuple[str, str]] | None = None) -> pd.DataFrame:
            table = pq.read_table(files[mart])
            if order:
                table = table.take(pc.sort_indices(table, sort_keys=order))
            return table.to_pandas()
        return read

    def memo(self, key, build: Callable[[], object]):
        """A value derived from this version's data (option lists, name maps), built once."""
        with self._lock:
            if key not in self._memo:
                self._memo[key] = build()
            return self._memo[key]

    def select_institute_metric_years(self, metric_id=None, institute_id=None, years=None,
                                      group_id="all") -> pd.DataFrame:
        mask = np.ones(len(self._year_array), dtype=bool)
        for column, value in (("metric_id", metric_id), ("institute_id", institute_id),
                              ("peer_group_id", None if group_id == "all" else group_id)):
            if value:
                mask &= self._codes[column].equals(value)
        if years:
            mask &= np.isin(self._year_array, list(years))
        return self.institute_metric_years[mask].reset_index(drop=True)

    def select_group_metric_years(self, group_id: str, metric_id: str | None = None) -> pd.DataFrame:
        mask = self._group_codes["group_id"].equals(group_id)
        if metric_id:
            mask &= self._group_codes["metric_id"].equals(metric_id)
        return self.group_metric_years[mask].reset_index(drop=True)


class _Codes:
    """A column factorised once, so that `column == value` is an integer comparison."""

    def __init__(self, column: pd.Series):
        codes, uniques = pd.factorize(column)
        self.codes, self.index = codes, {value: i for i, value in enumerate(uniques)}

    def equals(self, value) -> np.ndarray:
        return self.codes == self.index.get(value, -2)


class MartStore:
    """Thread-safe. `snapshot()` is the current version's; the questions the pages ask come below."""

    def __init__(self, marts_dir: Path, reports_dir: Path | None = None):
        self.marts_dir = marts_dir
        self.reports_dir = reports_dir
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None

    def snapshot(self) -> Snapshot:
        link = self.marts_dir / "current"
        try:
            path = link.resolve(strict=True)
        except (FileNotFoundError, RuntimeError):
            raise NotPublished(f"nothing is published in {self.marts_dir} yet — run `make refresh`") from None
        snapshot = self._snapshot
        if snapshot is not None and snapshot.path == path:
            return snapshot
        with self._lock:
            if self._snapshot is None or self._snapshot.path != path:
                self._snapshot = Snapshot(path)  # the previous one goes once no callback holds it
            return self._snapshot

    def watch(self, every_s: float, warm: Callable[[], object] | None = None) -> None:
        """Load each newly published version as soon as it appears (a daemon thread looking every
        `every_s`), so that the first interaction after a refresh does not wait for it. The current
        version is loaded before this returns, then `warm()` runs once (e.g. renders every page: the
        libraries' first-use costs). Requests still resolve `current` themselves: one that comes first
        loads the version, or waits for the load under way."""
        seen = None

        def check() -> None:
            nonlocal seen, warm
            try:
                snapshot = self.snapshot()
                if snapshot is not seen:
                    seen = snapshot
                    if warm is not None:
                        warm, first = None, warm
                        first()
            except Exception:  # nothing published yet, or a version pruned while loading: next time
                pass

        def loop() -> None:
            while True:
                time.sleep(every_s)
                check()

        check()
        threading.Thread(target=loop, name="marts-watch", daemon=True).start()

    def version(self) -> Snapshot:
        """The current version: `.path`, `.manifest`."""
        return self.snapshot()

    def memo(self, key, build: Callable[[], object]):
        return self.snapshot().memo(key, build)

    def frame(self, sql: str, params: list | None = None) -> pd.DataFrame:
        cursor = self.snapshot().con.cursor()
        try:
            return cursor.execute(sql, params or []).df()
        finally:
            cursor.close()

    # --- the questions the pages ask -------------------------------------------------------------

    def institutes(self) -> pd.DataFrame:
        return self.snapshot().institutes.copy(deep=False)

    def metrics(self) -> pd.DataFrame:
        return self.snapshot().metrics.copy(deep=False)

    def groups(self) -> pd.DataFrame:
        return self.snapshot().groups.copy(deep=False)

    def labels(self) -> pd.DataFrame:
        return self.snapshot().labels.copy(deep=False)

    def years(self) -> list[int]:
        return list(self.snapshot().years)

    def institute_metric_years(self, metric_id: str | None = None, institute_id: str | None = None,
                               years: list[int] | None = None, group_id: str = "all") -> pd.DataFrame:
        """fct_institute_metric_year with the institute's names (institute_zh, institute_en), ordered by
        year and institute."""
        return self.snapshot().select_institute_metric_years(metric_id, institute_id, years, group_id)

    def group_metric_years(self, group_id: str = "all", metric_id: str | None = None) -> pd.DataFrame:
        return self.snapshot().select_group_metric_years(group_id, metric_id)

    def records(self, metric_id: str, institute_id: str, year: int, limit: int | None = None) -> pd.DataFrame:
        """The rows behind one figure, with the file and row each came from, in file order; the first
        `limit` of them if given (the page shows 500; a 1e7-row volunteer mart has 335,440 behind one
        figure, and fetching them all to show 500 took most of a second)."""
        return self._records("select * exclude (metric_ids, file_sha256)", metric_id, institute_id, year,
                             "order by source_file, source_sheet, source_row" + (f" limit {int(limit)}" if limit else ""))

    def record_count(self, metric_id: str, institute_id: str, year: int) -> int:
        counted = self._records("select count(*) as n", metric_id, institute_id, year)
        return int(counted["n"].iloc[0]) if not counted.empty else 0

    def _records(self, select: str, metric_id: str, institute_id: str, year: int, rest: str = "") -> pd.DataFrame:
        snapshot = self.snapshot()
        mart = snapshot.metrics.loc[snapshot.metrics["metric_id"] == metric_id, "record_mart"]
        if mart.empty:
            return pd.DataFrame()
        cursor = snapshot.con.cursor()
        try:
            return cursor.execute(f"""{select} from {mart.iloc[0]}
                                      where institute_id = ? and year = ?
                                        and list_contains(string_split(metric_ids, ','), ?)
                                      {rest}""", [institute_id, year, metric_id]).df()
        finally:
            cursor.close()

    def last_refresh(self) -> dict | None:
        """The latest refresh's outcome as the refresh recorded it (status, started_at, finished_at, and
        for a failure stage, stage_title, what, details, action); None when there is no record."""
        if self.reports_dir is None:
            return None
        try:
            record = json.loads((self.reports_dir / LAST_RUN_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) else None

    def quarantined(self) -> pd.DataFrame:
        return self.frame("select * from fct_quarantined_rows order by source_file, source_row")

    def source_files(self) -> pd.DataFrame:
        return self.frame("select * from fct_source_files order by source_file")
