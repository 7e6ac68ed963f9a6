"""Fixtures: a data folder in tmp_path with an institute register, writers for the shapes real
submissions come in (CSV in several encodings, xlsx with title rows), and a real ingest run."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from datetime import date
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from pipelines.config import Settings
from pipelines.ingest import ingest

# Refreshes started as commands (the CLI tests, the dashboard's) start and end their own dbt and GX
# workers, as by default, even in a shell that opted in to resident ones: kept 15 min after each test,
# they would pile up. tests/unit/test_resident.py and the kill test opt in, in folders of their own.
os.environ["TOUYAN_WORKER_IDLE"] = "0"

TODAY = date(2025, 6, 30)
REGISTER = [
    ["机构代码", "单位名称", "英文名称", "简称", "省份代码", "机构类型", "成立年份"],
    ["FJQI", "福建省产品质量检验研究院", "Fujian Institute of Product Quality Inspection", "福建省质检院、福建质检院", "35", "质检院", "1958"],
    ["FJSI", "福建省标准化研究院", "Fujian Institute of Standardization", "福建省标准化院", "35", "标准化院", "1984"],
    ["ZJQS", "浙江省质量科学研究院", "Zhejiang Institute of Quality Sciences", "浙江省质科院", "33", "质科院", "1979"],
]


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list], sheet: str = "Sheet1", start_row: int = 0) -> Path:
    """Rows written from `start_row` (0-based); cells may be str, numbers, dates or None."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(path)
    worksheet = workbook.add_worksheet(sheet)
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows, start=start_row):
        for c, value in enumerate(row):
            if isinstance(value, date):
                worksheet.write_datetime(r, c, value, date_format)
            elif value is not None:
                worksheet.write(r, c, value)
    workbook.close()
    return path


class DataDir:
    def __init__(self, root: Path):
        self.settings = Settings(data_dir=root, id_salt="test-salt", today=TODAY)
        self.raw = self.settings.raw_dir
        write_csv(self.raw / "institutes" / "register.csv", REGISTER, "utf-8-sig")

    def ingest(self):
        return ingest(self.settings, out=None)

    def query(self, sql: str, params=None) -> list[tuple]:
        with duckdb.connect(str(self.settings.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    def rejects(self, dataset: str) -> list[tuple]:
        """(source_file, source_row, source_column, reason_code) of each quarantined row."""
        return self.query("select source_file, source_row, source_column, reason_code from raw.rejects "
                          "where dataset = ? order by source_file, source_row", [dataset])

    def log(self, source_file: str) -> dict:
        cur = self.query("select * from raw.load_log where source_file = ?", [source_file])
        names = [r[0] for r in self.query("select column_name from (describe raw.load_log)")]
        return dict(zip(names, cur[0], strict=True))


def body_rows(table) -> list[list[str]]:
    """The cells of a table rendered by dashboards.pages.components.table, row by row."""
    _, body = table.children
    return [[cell["props"]["children"] for cell in row["props"]["children"]] for row in body["props"]["children"]]


def published_content(version: Path) -> dict[str, str]:
    """Per mart of a published version, what must be the same when the data is: the file's hash for a
    mart in a fixed row order, and a hash of its sorted rows for one dbt wrote in scan order."""
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    con = duckdb.connect()
    return {m["mart"]: m["sha256"] if m["fixed_order"] else hashlib.sha256(repr(con.execute(
                f"select * from read_parquet('{version / m['file']}') order by all").fetchall()).encode()).hexdigest()
            for m in manifest["marts"]}


@pytest.fixture
def data(tmp_path) -> DataDir:
    return DataDir(tmp_path / "data")


@pytest.fixture(scope="session")
def published_demo(tmp_path_factory):
    """The bundled demo generated into a temporary data folder and refreshed end to end (real ingest,
    gates, dbt, publish). Shared by the tests that read the published marts and the browser tests."""
    from pipelines.demo import generate
    from pipelines.refresh import refresh

    root = tmp_path_factory.mktemp("published") / "data"
    settings = Settings(data_dir=root, id_salt="test-salt", today=TODAY)
    generate(settings.raw_dir, settings.rules_dir)
    return settings, refresh(settings, out=None)
