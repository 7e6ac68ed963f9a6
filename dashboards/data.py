"""The only module that reads data. It reads the published marts (`data/marts/current` → a version
folder of Parquet files) through an in-memory DuckDB, resolving `current` again on every call, so a
refresh that publishes is seen on the next interaction and one in progress is never seen half-way
(the switch is one atomic rename; versions are immutable)."""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd


class NotPublished(RuntimeError):
    pass


@dataclass(frozen=True)
class Version:
    path: Path
    manifest: dict

    @property
    def run_id(self) -> str:
        return self.manifest["run_id"]


class MartStore:
    """Thread-safe: one DuckDB connection per published version, a cursor per query."""

    def __init__(self, marts_dir: Path):
        self.marts_dir = marts_dir
        self._lock = threading.Lock()
        self._open: tuple[Path, duckdb.DuckDBPyConnection, Version] | None = None

    def version(self) -> Version:
        return self._connection()[1]

    def _connection(self) -> tuple[duckdb.DuckDBPyConnection, Version]:
        link = self.marts_dir / "current"
        try:
            path = link.resolve(strict=True)
        except (FileNotFoundError, RuntimeError):
            raise NotPublished(f"nothing is published in {self.marts_dir} yet — run `make refresh`") from None
        with self._lock:
            if self._open is None or self._open[0] != path:
                manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
                con = duckdb.connect()
                for mart in manifest["marts"]:
                    con.execute(f"create view {mart['mart']} as select * from read_parquet('{path / mart['file']}')")
                # the previous version's connection is not closed: a callback may still be reading it
                self._open = (path, con, Version(path, manifest))
            return self._open[1].cursor(), self._open[2]

    def frame(self, sql: str, params: list | None = None) -> pd.DataFrame:
        cursor, _ = self._connection()
        try:
            return cursor.execute(sql, params or []).df()
        finally:
            cursor.close()

    # --- the questions the pages ask -------------------------------------------------------------

    def institutes(self) -> pd.DataFrame:
        return self.frame("select * from dim_institutes order by province_code, institute_id")

    def metrics(self) -> pd.DataFrame:
        return self.frame("select * from dim_metrics order by sort_order")

    def groups(self) -> pd.DataFrame:
        return self.frame("select * from dim_groups order by sort_order, group_id")

    def labels(self) -> pd.DataFrame:
        return self.frame("select * from dim_code_labels")

    def years(self) -> list[int]:
        return [int(y) for y in self.frame("select distinct year from fct_institute_metric_year order by year")["year"]]

    def institute_metric_years(self, metric_id: str | None = None, institute_id: str | None = None,
                               years: list[int] | None = None, group_id: str = "all") -> pd.DataFrame:
        where, params = ["true"], []
        if metric_id:
            where.append("f.metric_id = ?")
            params.append(metric_id)
        if institute_id:
            where.append("f.institute_id = ?")
            params.append(institute_id)
        if years:
            where.append(f"f.year in ({', '.join('?' * len(years))})")
            params += list(years)
        if group_id and group_id != "all":
            where.append("f.peer_group_id = ?")
            params.append(group_id)
        return self.frame(f"""select f.*, i.name_zh as institute_zh, i.name_en as institute_en
                              from fct_institute_metric_year f join dim_institutes i using (institute_id)
                              where {' and '.join(where)} order by f.year, f.institute_id""", params)

    def group_metric_years(self, group_id: str = "all", metric_id: str | None = None) -> pd.DataFrame:
        sql = "select * from fct_group_metric_year where group_id = ?"
        params = [group_id]
        if metric_id:
            sql += " and metric_id = ?"
            params.append(metric_id)
        return self.frame(sql + " order by year, metric_id", params)

    def records(self, metric_id: str, institute_id: str, year: int) -> pd.DataFrame:
        """The rows behind one figure, with the file and row each came from."""
        mart = self.frame("select record_mart from dim_metrics where metric_id = ?", [metric_id])["record_mart"]
        if mart.empty:
            return pd.DataFrame()
        return self.frame(f"""select * exclude (metric_ids, file_sha256) from {mart.iloc[0]}
                              where institute_id = ? and year = ?
                                and list_contains(string_split(metric_ids, ','), ?)
                              order by source_file, source_row""", [institute_id, year, metric_id])

    def quarantined(self) -> pd.DataFrame:
        return self.frame("select * from fct_quarantined_rows order by source_file, source_row")

    def source_files(self) -> pd.DataFrame:
        return self.frame("select * from fct_source_files order by source_file")
