"""Workbooks as office workers make them: numbers a spreadsheet keeps as numbers (patent application
numbers, ID numbers) are read as they were typed, or quarantined when the spreadsheet lost their
digits; the demo saved by LibreOffice as .xlsx, .xls and .ods publishes what its CSVs publish."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from pipelines.config import Settings
from pipelines.identifiers import hash_person_id
from pipelines.validate import sql_str
from tests.conftest import TODAY

IP_HEADER = ["单位", "类型", "申请号", "名称", "申请日", "授权日", "法律状态"]
VOL_HEADER = ["单位", "活动名称", "服务日期", "志愿者编号", "服务时长"]


def write_cells(path: Path, rows: list[list]) -> Path:
    """A workbook whose numbers are number cells, as a spreadsheet keeps what looks like a number."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, float | int):
                sheet.write_number(r, c, value)
            elif value is not None:
                sheet.write_string(r, c, value)
    workbook.close()
    return path


def test_patent_numbers_kept_as_numbers_are_read_as_typed(data):
    rows = [IP_HEADER,
            ["福建省质检院", "实用新型", 201420563965.7, "一种热量表校准装置", "2014-12-29", "2015-11-21", "授权"],
            ["福建省质检院", "外观设计", 201930437330.0, "检测仪", "2019-09-05", "2020-07-16", "授权"],  # typed .0
            ["福建省质检院", "实用新型", 202020606193.6, "一种光通量检测装置", "2020-02-23", "2020-09-27", "授权"]]
    write_cells(data.raw / "ip_items" / "专利.xlsx", rows)
    data.ingest()
    assert data.query("select number from raw.ip_items order by source_row") == \
        [("201420563965.7",), ("201930437330.0",), ("202020606193.6",)]
    assert data.rejects("ip_items") == []


def test_an_id_number_kept_as_a_number_lost_its_digits_and_is_quarantined_saying_so(data):
    text_id, typed = "330106199001010368", 330106199001011234  # the text is a double exactly, kept as text
    rows = [VOL_HEADER,
            ["FJQI", "质量月进社区", "2023-05-05", text_id, 2],
            ["FJQI", "质量月进社区", "2023-05-05", float(typed), 3]]
    write_cells(data.raw / "volunteer_hours" / "志愿.xlsx", rows)
    data.ingest()
    assert data.query("select volunteer_id, hours from raw.volunteer_hours") == [(hash_person_id(text_id, "test-salt"), 2.0)]
    (row, column, reason, zh, en, cells), = data.query(
        "select source_row, source_column, reason_code, message_zh, message_en, original_values from raw.rejects")
    assert (row, column, reason) == (3, "志愿者编号", "number_lost_digits")
    assert "「3.30106E+17」" in zh and "文本" in zh
    assert "「3.30106E+17」" in en and "format the column as Text" in en
    assert json.loads(cells)["volunteer_id"] == "3.30106E+17"  # as Excel shows it, not a made-up number
    log = data.log("volunteer_hours/志愿.xlsx")
    assert (log["rows_read"], log["accepted"], log["rejected"]) == (2, 1, 1)


# ------------------------------------------------------------------------------------------------
# the demo through LibreOffice
# ------------------------------------------------------------------------------------------------

FORMATS = ("xlsx", "xls", "ods")
FILE_NAMED = r"\.(csv|xlsx|xls|ods)\b( 工作表 \S+| sheet \S+)?"
FILE_COLUMNS = {"file_sha256", "file_format", "file_bytes", "encoding", "sheets", "source_sheet"}


def save_as(csvs: list[Path], file_format: str, work: Path) -> None:
    """Each CSV opened in LibreOffice Calc and saved as `file_format` beside itself (the CSV removed), as an
    office worker would: comma-separated, UTF-8, types detected (long digit strings become numbers). One
    soffice run for all the files (it takes seconds to start), with a profile of its own so that runs in
    parallel do not share one, in a session of its own so that nothing it started outlives it."""
    soffice = shutil.which("soffice")
    assert soffice, ("LibreOffice is missing (soffice not on PATH): `make setup` installs it "
                     "(scripts/system-deps.sh, Debian package libreoffice-calc-nogui)")
    stage = Path(tempfile.mkdtemp(prefix=f"{file_format}-", dir=work))
    assert len({path.name for path in csvs}) == len(csvs)  # one folder: the sheets are named after the files
    for path in csvs:
        raw = path.read_bytes()
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:  # GBK: LibreOffice is told UTF-8 (76), as a person picks the encoding
            raw = raw.decode("gb18030").encode("utf-8")
        (stage / path.name).write_bytes(raw)
    command = [soffice, f"-env:UserInstallation={(stage / 'profile').as_uri()}", "--headless",
               "--convert-to", file_format, "--infilter=CSV:44,34,76,1", "--outdir", str(stage / "out"),
               *(str(stage / path.name) for path in csvs)]
    soffice_run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = soffice_run.communicate(timeout=600)
    finally:
        _end_session(soffice_run.pid)
    assert soffice_run.returncode == 0, f"soffice failed ({soffice_run.returncode}): {out!r} {err!r}"
    for path in csvs:
        converted = stage / "out" / f"{path.stem}.{file_format}"
        assert converted.is_file(), f"soffice did not write {converted.name}: {out!r} {err!r}"
        converted.replace(path.with_suffix(f".{file_format}"))
        path.unlink()


def _end_session(session: int) -> None:
    """Kill whatever is left of the process session `session` and wait until none of it runs."""
    try:
        os.killpg(session, 9)
    except ProcessLookupError:
        return
    while True:
        alive = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _session_of(p) == session]
        if not alive or all(_state(p) == "Z" for p in alive):
            return
        os.sched_yield()


def _session_of(proc: Path) -> int | None:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[3])
    except (OSError, IndexError, ValueError):
        return None


def _state(proc: Path) -> str:
    try:
        return (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "Z"


def published_rows(version: Path) -> dict[str, list[tuple]]:
    """Every mart's rows (sorted), without what tells one file from its copy: its hash, format, size and
    sheet; the file's name, in a message too, without its extension (and sheet)."""
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    con = duckdb.connect()
    marts = {}
    for mart in manifest["marts"]:
        path = version / mart["file"]
        names = [r[:2] for r in con.execute(f"describe select * from read_parquet('{path}')").fetchall()]
        kept = [f"regexp_replace(\"{n}\", {sql_str(FILE_NAMED)}, '', 'g')" if t == "VARCHAR" else f'"{n}"'
                for n, t in names if n not in FILE_COLUMNS]
        marts[mart["mart"]] = con.execute(f"select {', '.join(kept)} from read_parquet('{path}') order by all").fetchall()
    return marts


@pytest.mark.slow
def test_the_demo_saved_by_libreoffice_publishes_what_its_csvs_publish(published_demo, tmp_path):
    from pipelines.demo import generate
    from pipelines.refresh import refresh

    csv_settings, csv_run = published_demo
    root = tmp_path / "data"
    generate(root / "raw")
    csvs = sorted((root / "raw").rglob("*.csv"))
    for k, file_format in enumerate(FORMATS):  # each dataset gets files of two or three formats
        save_as(csvs[k::len(FORMATS)], file_format, tmp_path)
    assert not list((root / "raw").rglob("*.csv"))
    settings = Settings(data_dir=root, id_salt="test-salt", today=TODAY)
    run = refresh(settings, out=None)

    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        formats = dict(con.execute("select file_format, count(*) from raw.load_log group by all").fetchall())
    assert set(formats) == set(FORMATS) and sum(formats.values()) == len(csvs) + 5  # and the demo's 5 xlsx
    office, csv = published_rows(run.version), published_rows(csv_run.version)
    assert set(office) == set(csv)
    for mart in csv:
        assert office[mart] == csv[mart], mart
    assert run.ingest_totals == csv_run.ingest_totals
