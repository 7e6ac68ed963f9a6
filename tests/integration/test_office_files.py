"""Workbooks as office workers make them: numbers a spreadsheet keeps as numbers (patent application
numbers, ID numbers) are read as they were typed, or quarantined when the spreadsheet lost their
digits; the demo saved by LibreOffice as .xlsx, .xls and .ods publishes what its CSVs publish."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
from functools import partial
from pathlib import Path

import duckdb
import pytest
import xlsxwriter

from pipelines.config import PROJECT_ROOT, Settings
from pipelines.errors import FileError
from pipelines.id_numbers import hash_person_id
from pipelines.ingest.sql_functions import sql_str
from pipelines.ingest.workbook_reader import read_workbook
from tests.conftest import TODAY

IP_HEADER = ["单位", "类型", "申请号", "名称", "申请日", "授权日", "法律状态"]
VOL_HEADER = ["单位", "活动名称", "服务日期", "志愿者编号", "服务时长"]


def write_cells(path: Path, rows: list[list], top: int = 0, left: int = 0) -> Path:
    """A workbook whose numbers are number cells, as a spreadsheet keeps what looks like a number; the
    table's top left cell at row `top`, column `left` (0-based)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet()
    for r, row in enumerate(rows, start=top):
        for c, value in enumerate(row, start=left):
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
    write_cells(data.raw / "volunteer_hours" / "志愿.xlsx", rows, top=2, left=2)  # from C3, as a form may be
    data.ingest()
    assert data.query("select volunteer_id, hours from raw.volunteer_hours") == [(hash_person_id(text_id, "test-salt"), 2.0)]
    (row, column, reason, zh, en, cells), = data.query(
        "select source_row, source_column, reason_code, message_zh, message_en, original_values from raw.rejects")
    assert (row, column, reason) == (5, "志愿者编号", "number_lost_digits")
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
    generate(root / "raw", root / "rules" / "evaluation")  # the rules too: the marts compared include the scores
    csvs = sorted((root / "raw").rglob("*.csv"))
    workbooks = len(list((root / "raw").rglob("*.xlsx")))  # the demo's own
    # every dataset the institutes submit, the new ones and the units register among them, goes through
    # LibreOffice (one soffice run per format for all of them)
    converted = {path.parent.name for path in csvs}
    assert converted >= {"project_counts", "ip_items", "standards", "volunteer_hours", "staff", "awards", "papers",
                         "talent_titles", "units"}, converted
    for k, file_format in enumerate(FORMATS):  # each dataset gets files of two or three formats
        save_as(csvs[k::len(FORMATS)], file_format, tmp_path)
    assert not list((root / "raw").rglob("*.csv"))
    settings = Settings(data_dir=root, id_salt="test-salt", today=TODAY)
    run = refresh(settings, out=None)

    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        formats = dict(con.execute("select file_format, count(*) from raw.load_log group by all").fetchall())
        by_dataset = dict(con.execute("select dataset, count(distinct file_format) from raw.load_log "
                                  f"where file_format in {FORMATS} group by all").fetchall())
    assert all(by_dataset.get(d, 0) >= 2 for d in ("awards", "papers", "talent_titles", "units")), by_dataset
    assert set(formats) == set(FORMATS) and sum(formats.values()) == len(csvs) + workbooks
    office, csv = published_rows(run.version), published_rows(csv_run.version)
    assert set(office) == set(csv)
    for mart in csv:
        assert office[mart] == csv[mart], mart
    assert run.ingest_totals == csv_run.ingest_totals


# ------------------------------------------------------------------------------------------------
# workbooks too large to read
# ------------------------------------------------------------------------------------------------

def write_zip_workbook(path: Path, sheet_xml: str) -> Path:
    """A minimal xlsx around one sheet's XML, compressed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    main, rels = "http://schemas.openxmlformats.org/spreadsheetml/2006/main", \
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/xl/workbook.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                   '<Override PartName="/xl/worksheets/sheet1.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
        z.writestr("_rels/.rels", f'<Relationships xmlns="{package}"><Relationship Id="rId1" '
                   f'Type="{rels}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<workbook xmlns="{main}" xmlns:r="{rels}"><sheets>'
                   '<sheet name="志愿服务" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{package}"><Relationship Id="rId1" '
                   f'Type="{rels}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{main}">'
                   f"{sheet_xml}</worksheet>")
    return path


def inline_row(r: int, cells: list[str]) -> str:
    return f'<row r="{r}">' + "".join(f'<c r="{chr(65 + i)}{r}" t="inlineStr"><is><t>{v}</t></is></c>'
                                     for i, v in enumerate(cells)) + "</row>"


def zip_bomb(path: Path, inflated_mb: int) -> Path:
    """A workbook of a few hundred KB whose sheet inflates to `inflated_mb` MB: mostly one long comment
    before the cells, which calamine holds whole as it reads past it (what fills the sheet does not
    matter, its size does)."""
    rows = inline_row(1, VOL_HEADER) + inline_row(2, ["FJQI", "质量月进社区", "2023-05-05", "V1", "2"])
    return write_zip_workbook(path, f'<dimension ref="A1:E2"/><!--{" " * (inflated_mb * 10**6)}-->'
                                    f"<sheetData>{rows}</sheetData>")


PEAK_OF_READING = """
import sys
from pathlib import Path
from pipelines.ingest.workbook_limits import WorkbookLimits
from pipelines.ingest.workbook_reader import read_workbook
result = read_workbook(Path(sys.argv[1]), WorkbookLimits(inflated_bytes=int(sys.argv[2])))
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(type(result).__name__, peak * 1024)
"""


def peak_of_reading(path: Path, limit: int) -> tuple[str, int]:
    """What read_workbook returns for `path` under an inflated-size `limit`, and the peak memory of the
    process that read it (a process of its own: its peak is its own)."""
    run = subprocess.run([sys.executable, "-c", PEAK_OF_READING, str(path), str(limit)], capture_output=True,
                         text=True, cwd=PROJECT_ROOT, check=True)
    kind, peak = run.stdout.split()
    return kind, int(peak)


def test_a_zip_bomb_is_refused_before_it_is_inflated(data, tmp_path):
    bomb = zip_bomb(data.raw / "volunteer_hours" / "台账.xlsx", 200)
    assert bomb.stat().st_size < 1_000_000
    data.settings = dataclasses.replace(data.settings, max_workbook_inflated_bytes=50_000_000)
    with pytest.raises(FileError) as error:
        data.ingest()
    assert error.value.file == "volunteer_hours/台账.xlsx"
    assert "inflates to 200.0 MB" in error.value.problem_en and "limit of 50.0 MB" in error.value.problem_en
    assert "解压后有 200.0 MB" in error.value.problem_zh and "上限 50.0 MB" in error.value.problem_zh
    assert "TOUYAN_MAX_WORKBOOK_INFLATED" in error.value.action_en
    # refused without inflating: the reading that refuses it stays far below what reading it costs
    refused, refused_peak = peak_of_reading(bomb, 50_000_000)
    read, read_peak = peak_of_reading(bomb, 10**9)
    assert (refused, read) == ("WorkbookTooLarge", "list")
    assert read_peak > refused_peak + 150_000_000


SHEET_BEYOND_EVERY_LIMIT = """
import sys
from pipelines.config import Settings
from pipelines.errors import FileError
from pipelines.ingest import ingest
from pathlib import Path
try:
    ingest(Settings(data_dir=Path(sys.argv[1])), out=None)
except FileError as e:
    print(e.render())
    sys.exit(2)
"""


def far_cell_xlsx(path: Path, declared: bool) -> Path:
    """A sheet holding A1 and XFD1048576, with its <dimension> or without one (its cells then say it)."""
    cells = (inline_row(1, VOL_HEADER)
             + '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>')
    dimension = '<dimension ref="A1:XFD1048576"/>' if declared else ""
    return write_zip_workbook(path, f"{dimension}<sheetData>{cells}</sheetData>")


def far_dimension_xls(path: Path) -> Path:
    """An xls whose DIMENSIONS record declares 1,048,576 rows × 16,384 columns (calamine reserves that on
    opening the file)."""
    import xlwt

    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("志愿服务")
    for c, text in enumerate(VOL_HEADER):
        sheet.write(0, c, text)
    workbook.save(str(path))
    raw = bytearray(path.read_bytes())
    at = raw.index(bytes.fromhex("00020e00") + struct.pack("<IIHHH", 0, 1, 0, 5, 0))  # DIMENSIONS: 1 row, 5 columns
    struct.pack_into("<IIHHH", raw, at + 4, 0, 1_048_576, 0, 16_384, 0)
    path.write_bytes(raw)
    return path


def repeated_ods(path: Path) -> Path:
    """An ods whose one row of a value is repeated over every column and row of a sheet."""
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    header = "".join(f'<table:table-cell office:value-type="string"><text:p>{t}</text:p></table:table-cell>'
                     for t in VOL_HEADER)
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}><office:body>'
               f'<office:spreadsheet><table:table table:name="志愿服务"><table:table-row>{header}</table:table-row>'
               '<table:table-row table:number-rows-repeated="1048575"><table:table-cell office:value-type="float" '
               'office:value="1" table:number-columns-repeated="16384"/></table:table-row>'
               "</table:table></office:spreadsheet></office:body></office:document-content>")
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        z.writestr("content.xml", content)
    return path


@pytest.mark.parametrize(("name", "make", "spans"), [
    ("far.xlsx", partial(far_cell_xlsx, declared=True), "A1:XFD1048576"),
    ("undeclared.xlsx", partial(far_cell_xlsx, declared=False), "A1:XFD1048576"),
    ("far.xls", far_dimension_xls, "A1:XFD1048576"),
    ("repeated.ods", repeated_ods, "A1:XFD1048576"),
])
def test_a_sheet_reaching_far_is_refused_naming_its_extent_and_the_limit(data, name, make, spans):
    """Read by calamine, each of these aborts the process asking for hundreds of GB (or fails after
    taking several): the ingest runs in a process of its own so that an abort cannot end the tests."""
    path = make(data.raw / "volunteer_hours" / name)
    assert path.stat().st_size < 20_000
    run = subprocess.run([sys.executable, "-c", SHEET_BEYOND_EVERY_LIMIT, str(data.settings.data_dir)],
                         capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)
    assert run.returncode == 2, (run.returncode, run.stderr[-2000:])
    assert f"volunteer_hours/{name}" in run.stdout
    assert f"sheet '志愿服务' spans {spans}, 1,048,576 rows × 16,384 columns" in run.stdout
    assert "over the limit of 10,000,000" in run.stdout and "超过上限 10,000,000 个" in run.stdout


def test_an_office_worker_s_workbooks_are_within_the_limits(tmp_path):
    """The limits refuse none of what a spreadsheet writes for a sheet of data, blank rows and columns
    it keeps formatted included."""
    from pipelines.ingest.workbook_limits import WorkbookLimits, check_workbook

    limits = WorkbookLimits(cells=5 * 3, inflated_bytes=10**6)
    rows = [VOL_HEADER[:3], ["FJQI", "质量月进社区", "2023-05-05"], ["FJQI", "世界标准日", "2023-10-14"]]
    path = tmp_path / "v.xlsx"
    workbook = xlsxwriter.Workbook(path)
    sheet = workbook.add_worksheet()
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, row)
    sheet.set_column(0, 16383, 12)  # every column formatted: no cells
    workbook.close()
    check_workbook(path, limits)
    assert read_workbook(path, limits)[0][2].num_rows == 3
