"""The annotated copy of an uploaded file (pipelines/submissions/annotate.py), with the findings the real
ingest gives for the file: an .xlsx made with openpyxl as an office worker makes one comes back as their
own workbook, each bad cell filled and commented, everything else as it was, and a check report sheet; a
copy sent back is marked afresh; a CSV (GBK, UTF-8 with a BOM), or a workbook LibreOffice saved as .ods
or .xls, comes back as an .xlsx of the same cell texts, marked alike; nothing from the file or the
findings becomes a formula."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from pipelines.ingest.files import sniff_format
from pipelines.ingest.workbook_reader import read_workbook
from pipelines.submissions.annotate import REPORT_SHEET, Finding, annotated_copy
from pipelines.submissions.marks import FILLS, REPORT_COLUMNS
from tests.conftest import write_csv
from tests.integration.test_office_files import save_as, write_cells

HEADER = ["单位", "活动名称", "服务日期", "志愿者编号", "服务时长"]
SHEET = "志愿服务"
FORMULA_LIKE = ["=1+1", "@SUM(A1)", '=HYPERLINK("http://example.com","点此")', "+1", "-1"]


def ingest_findings(data) -> list[Finding]:
    """The ingest's quarantined rows as the upload check reports them: errors on the cell it names."""
    return [Finding("error", sheet or "", row, column, None, code, zh, en) for sheet, row, column, code, zh, en in
            data.query("select source_sheet, source_row, source_column, reason_code, message_zh, message_en "
                       "from raw.rejects order by source_row")]


def fill_of(cell) -> str | None:
    fill = cell.fill
    return str(fill.fgColor.rgb)[-6:] if fill.fill_type == "solid" else None


def report_of(book: openpyxl.Workbook) -> list[tuple]:
    sheet = book[REPORT_SHEET]
    rows = [tuple(c.value for c in row) for row in sheet.iter_rows()]
    assert rows[0] == tuple(title for title, _ in REPORT_COLUMNS)
    return rows[1:]


def formulas_in(content: bytes, sheet_xml: str | None = None) -> list[str]:
    """The formulas in the copy's sheets (or in one sheet part)."""
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        parts = [sheet_xml] if sheet_xml else [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        return [f for part in parts for f in re.findall(r"<f[ >].*?</f>", z.read(part).decode())]


# ------------------------------------------------------------------------------------------------
# an .xlsx: the worker's own workbook
# ------------------------------------------------------------------------------------------------

def worker_workbook(path: Path) -> Path:
    """A volunteer-hour return as a person types it: a merged title row, the header in row 2, dates as
    dates and hours as numbers with formats of their own, a wider column, a comment of their own, a
    dropdown, a count beside the title; row 4 has a bad date, row 5 too many hours, row 6 an unknown unit."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = SHEET
    ws["A1"] = "2024 年志愿服务台账"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:E1")
    ws["G1"] = "=COUNTA(A3:A6)"
    ws.append(HEADER)
    for row in (["FJQI", "质量月进社区", date(2024, 5, 5), "V1", 2],
                ["FJQI", "质量月进社区", "2024-13-45", "V2", 3],
                ["FJQI", "标准化进校园", date(2024, 6, 1), "V3", 30],
                ["XXXX", "质量月进社区", date(2024, 5, 5), "V4", 3.5]):
        ws.append(row)
    for r in range(3, 7):
        ws.cell(r, 3).number_format = "yyyy-mm-dd"
        ws.cell(r, 5).number_format = "0.0"
    ws.column_dimensions["B"].width = 24
    ws["B3"].comment = Comment("活动由团委组织", "张三")
    units = DataValidation(type="list", formula1='"FJQI,FJSI,ZJQS"')
    ws.add_data_validation(units)
    units.add("A3:A100")
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def test_an_xlsx_comes_back_as_the_workers_own_workbook_with_each_finding_marked(data):
    path = worker_workbook(data.raw / "volunteer_hours" / "台账.xlsx")
    data.ingest()
    found = ingest_findings(data)
    assert [(f.row, f.header, f.code) for f in found] == \
        [(4, "服务日期", "bad_date"), (5, "服务时长", "hours_out_of_range"), (6, "单位", "unknown_institute")]
    second = Finding("warning", SHEET, 5, "服务时长", "30", "hours_high", "服务时长超过 12 小时", "more than 12 hours")
    whole_row = Finding("warning", SHEET, 3, None, None, "other_year", "该行属于另一年度", "the row counts for another year")
    column = Finding("error", SHEET, None, "志愿者编号", None, "column_note", "志愿者编号列有问题", "a column problem")
    whole_file = Finding("error", "", None, None, None, "file_note", "文件有问题", "a problem with the file")
    findings = [*found, second, whole_row, column, whole_file]

    content = annotated_copy(path, sniff_format(path, path.name), findings, {SHEET: 2})
    book, before = openpyxl.load_workbook(io.BytesIO(content)), openpyxl.load_workbook(path)
    assert book.sheetnames == [SHEET, REPORT_SHEET]
    ws, was = book[SHEET], before[SHEET]
    planted = {"C4": "2024-13-45", "E5": 30, "A6": "XXXX"}
    for f, (ref, value) in zip(found, planted.items(), strict=True):  # the ingest's rows, under its headers
        assert ws[ref].value == value and fill_of(ws[ref]) == FILLS["error"]
        assert ws[ref].comment.text.startswith(f"错误：{f.zh}\n{f.en}")
    e5 = ws["E5"].comment.text  # two findings on one cell: one comment, the error first
    assert e5.index(found[1].zh) < e5.index("警告：服务时长超过 12 小时\nmore than 12 hours")
    assert ws["E5"].number_format == "0.0" and ws["C4"].number_format == "yyyy-mm-dd"
    assert [fill_of(ws.cell(3, c)) for c in range(1, 6)] == [FILLS["warning"]] * 5  # the whole row
    assert "警告：该行属于另一年度" in ws["A3"].comment.text
    assert (ws["B3"].comment.text, ws["B3"].comment.author) == ("活动由团委组织", "张三")  # theirs, untouched
    assert fill_of(ws["D2"]) == FILLS["error"] and "志愿者编号列有问题" in ws["D2"].comment.text  # a column's
    assert "文件有问题" in ws["A2"].comment.text  # the file's: the first sheet's header
    marked = {"C4", "E5", "A6", "D2", "A2", *(f"{c}3" for c in "ABCDE")}
    for row in was.iter_rows():
        for cell in row:
            copy = ws[cell.coordinate]
            assert (copy.value, copy.number_format) == (cell.value, cell.number_format), cell.coordinate
            if cell.coordinate not in marked:
                assert fill_of(copy) is None and (copy.comment is None) == (cell.comment is None), cell.coordinate
    assert ws["C3"].value == datetime(2024, 5, 5) and ws["G1"].value == "=COUNTA(A3:A6)"  # kept as written
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:E1"] and ws["A1"].font.bold
    assert ws.column_dimensions["B"].width == 24
    assert [str(v.sqref) for v in ws.data_validations.dataValidation] == ["A3:A100"]

    report = report_of(book)  # errors then warnings, in sheet and row order
    assert [(r[0], r[1], r[2], r[3]) for r in report] == [
        ("错误 error", None, None, None), ("错误 error", SHEET, None, "志愿者编号"),
        ("错误 error", SHEET, 4, "服务日期"), ("错误 error", SHEET, 5, "服务时长"), ("错误 error", SHEET, 6, "单位"),
        ("警告 warning", SHEET, 3, None), ("警告 warning", SHEET, 5, "服务时长")]
    assert sorted((r[5], r[6], r[7]) for r in report) == sorted((f.zh, f.en, f.code) for f in findings)
    sheet = book[REPORT_SHEET]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:H{len(findings) + 1}"
    assert sheet.column_dimensions["F"].width > 20 and sheet.column_dimensions["G"].width > 20


def test_a_copy_sent_back_is_marked_afresh(data, tmp_path):
    path = worker_workbook(data.raw / "volunteer_hours" / "台账.xlsx")
    data.ingest()
    first = annotated_copy(path, "xlsx", [*ingest_findings(data), Finding(
        "warning", SHEET, 3, None, None, "other_year", "该行属于另一年度", "the row counts for another year")], {SHEET: 2})
    sent_back = tmp_path / "改过.xlsx"
    sent_back.write_bytes(first)
    still = Finding("error", SHEET, 4, "服务日期", "2024-13-45", "bad_date", "日期无效", "not a date")
    book = openpyxl.load_workbook(io.BytesIO(annotated_copy(sent_back, "xlsx", [still], {SHEET: 2})))
    assert book.sheetnames == [SHEET, REPORT_SHEET]
    ws = book[SHEET]
    marked = {c.coordinate for row in ws.iter_rows() for c in row if fill_of(c)}
    commented = {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row if c.comment}
    assert marked == {"C4"}
    assert commented == {"C4": "错误：日期无效\nnot a date", "B3": "活动由团委组织"}
    assert [r[5] for r in report_of(book)] == ["日期无效"]


# ------------------------------------------------------------------------------------------------
# a CSV, a workbook LibreOffice saved, a large workbook: an .xlsx of the cells as text
# ------------------------------------------------------------------------------------------------

CSV_ROWS = [HEADER,
            ["FJQI", "质量月进社区", "2024-05-05", "V1", "2"],
            ["FJQI", "质量月\n进社区", "2024-05-06", "V2", "3"],  # a quoted line break: lines 3 and 4
            ["FJQI", "=1+1", "2024-13-45", "V3", "2"],  # line 5
            ["FJQI", "标准化进校园", "2024-06-01", "V4", "30"],
            ["XXXX", "质量月进社区", "2024-05-05", "V5", "3.5"]]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_a_csv_comes_back_as_an_xlsx_of_the_same_cell_texts_marked(data, encoding):
    path = write_csv(data.raw / "volunteer_hours" / "台账.csv", CSV_ROWS, encoding)
    data.ingest()
    found = ingest_findings(data)
    assert [(f.row, f.header) for f in found] == [(5, "服务日期"), (6, "服务时长"), (7, "单位")]
    content = annotated_copy(path, sniff_format(path, path.name), found, {"": 1})
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["台账", REPORT_SHEET]
    ws = book["台账"]
    cells = {(r, c): v for row in ws.iter_rows() for r, c, v in ((x.row, x.column, x.value) for x in row) if v}
    expected, line = {}, 1
    for record in CSV_ROWS:  # each record on the line it starts on, as the ingest numbers rows
        expected |= {(line, c): v for c, v in enumerate(record, start=1)}
        line += 1 + sum(v.count("\n") for v in record)
    assert cells == expected
    assert all(ws.cell(r, c).data_type == "s" for r, c in cells)  # text, "=1+1" too
    for f, ref in zip(found, ["C5", "E6", "A7"], strict=True):
        assert fill_of(ws[ref]) == FILLS["error"] and ws[ref].comment.text == f"错误：{f.zh}\n{f.en}"
    assert {c.coordinate for row in ws.iter_rows() for c in row if fill_of(c)} == {"C5", "E6", "A7"}
    assert [(r[1], r[2], r[3]) for r in report_of(book)] == [("台账", 5, "服务日期"), ("台账", 6, "服务时长"),
                                                            ("台账", 7, "单位")]
    assert ws.freeze_panes == "A2"
    assert formulas_in(content) == []


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_values_like_formulas_stay_text_in_the_report(data, file_format):
    path = (worker_workbook(data.raw / "t.xlsx") if file_format == "xlsx"
            else write_csv(data.raw / "t.csv", CSV_ROWS))
    sheet = SHEET if file_format == "xlsx" else ""
    findings = [Finding("error", sheet, 4 + i, "活动名称", value, "bad_text", f"值为「{value}」", value)
                for i, value in enumerate(FORMULA_LIKE)]
    content = annotated_copy(path, file_format, findings, {sheet: 2 if file_format == "xlsx" else 1})
    book = openpyxl.load_workbook(io.BytesIO(content))
    report = book[REPORT_SHEET]
    assert [(c.value, c.data_type) for c in report["E"][1:]] == [(v, "s") for v in FORMULA_LIKE]
    assert [(c.value, c.data_type) for c in report["G"][1:]] == [(v, "s") for v in FORMULA_LIKE]
    assert formulas_in(content, f"xl/worksheets/sheet{len(book.sheetnames)}.xml") == []


@pytest.mark.slow
@pytest.mark.parametrize("file_format", ["ods", "xls"])
def test_a_workbook_libreoffice_saved_comes_back_as_an_xlsx_of_the_same_cell_texts(data, tmp_path, file_format):
    csv_path = write_csv(data.raw / "volunteer_hours" / "台账.csv", [r for r in CSV_ROWS if "=1+1" not in r])
    save_as([csv_path], file_format, tmp_path)
    path = csv_path.with_suffix(f".{file_format}")
    assert sniff_format(path, path.name) == file_format
    data.ingest()
    found = ingest_findings(data)
    assert [(f.sheet, f.header) for f in found] == [("台账", "服务时长"), ("台账", "单位")]
    book = openpyxl.load_workbook(io.BytesIO(annotated_copy(path, file_format, found, {"台账": 1})))
    assert book.sheetnames == ["台账", REPORT_SHEET]
    ws = book["台账"]
    [(_, _, batch)] = read_workbook(path)
    read = [[v for v in row.values()] for row in batch.to_pylist()]
    assert [[c.value for c in row] for row in ws.iter_rows(max_col=len(read[0]))] == read
    for f in found:
        column = HEADER.index(f.header) + 1
        cell = ws.cell(f.row, column)
        assert cell.value == read[f.row - 1][column - 1] and fill_of(cell) == FILLS["error"]
        assert f.zh in cell.comment.text
    assert ws.cell(found[0].row, 5).value == "30"  # a number as typed


def test_an_xlsx_too_large_for_openpyxl_is_copied_as_text_its_columns_in_place(data):
    rows = [HEADER, ["FJQI", "质量月进社区", "2024-05-05", "V1", 2], ["FJQI", "质量月进社区", "2024-05-05", "V2", 99]]
    path = write_cells(data.raw / "volunteer_hours" / "表.xlsx", rows, top=2, left=2)  # from C3, as a form may be
    data.ingest()
    found = ingest_findings(data)
    assert [(f.row, f.header) for f in found] == [(5, "服务时长")]
    book = openpyxl.load_workbook(io.BytesIO(annotated_copy(path, "xlsx", found, {"Sheet1": 3}, own_workbook_cells=10)))
    ws = book["Sheet1"]
    assert [c.value for c in ws[3]] == [None, None, *HEADER]
    assert ws["G5"].value == "99" and fill_of(ws["G5"]) == FILLS["error"] and found[0].zh in ws["G5"].comment.text
    assert [r[2:4] for r in report_of(book)] == [(5, "服务时长")]


def test_a_csv_with_undecodable_bytes_and_control_characters_still_comes_back(data):
    path = data.raw / "t.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\r\n".join(",".join(r) for r in [HEADER, ["FJQI", "活动\x07", "2024-05-05", "V1", "2"]])
    path.write_bytes(text.encode("gb18030") + b"\r\nFJQI,\xff\xfe,2024-05-05,V2,2\r\n")
    found = Finding("error", "", 3, "活动名称", "\xff", "bad_bytes", "无法解码\x01", "undecodable")
    ws = openpyxl.load_workbook(io.BytesIO(annotated_copy(path, "csv", [found], {"": 1})))["t"]
    assert ws["B2"].value == "活动\ufffd" and "\ufffd" in ws["B3"].value and fill_of(ws["B3"]) == FILLS["error"]
    assert ws["B3"].comment.text == "错误：无法解码\ufffd\nundecodable"
    assert [c.value for c in ws[3]] == ["FJQI", ws["B3"].value, "2024-05-05", "V2", "2"]
