"""A stored upload keeps no ID number (pipelines/submissions/sanitize.py): volunteer files with ID numbers
typed every way — as CSV (GBK; UTF-8 with a BOM), as a workbook written with openpyxl as a person would
(numbers, formulas, comments, a hidden sheet, a sheet named with one), as .xls and .ods — are copied with
none left in any cell or byte, and the real ingest of the copy accepts the same rows with the same person
keys and values, and gives the same rejects and warnings, as the ingest of the original. Synthetic
numbers only."""
from __future__ import annotations

import codecs
import csv
import io
import zipfile
from datetime import date
from pathlib import Path

import fastexcel
import openpyxl
import pytest
import xlsxwriter
from openpyxl.comments import Comment

from pipelines.id_numbers import find_id_numbers, hash_person_id, id_check_char
from pipelines.ingest.files import sniff_format
from pipelines.submissions.sanitize import without_id_numbers
from tests.conftest import DataDir, write_csv, write_xlsx
from tests.integration.test_office_files import save_as

SALT = "test-salt"  # DataDir's
HEADER = ["单位", "活动名称", "服务日期", "身份证号", "服务时长"]
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def person(region: str, born: date, sequence: int) -> str:
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + id_check_char(body)


def ending_in_x(region: str, born: date) -> str:
    return next(n for n in (person(region, born, k) for k in range(1, 1000)) if n.endswith("X"))


def spaced(number: str) -> str:
    return f"{number[:6]} {number[6:14]} {number[14:]}"


def legacy(number: str) -> str:
    return number[:6] + number[8:17]


ID = {place: person("330106", date(1970 + k, 1 + k % 12, 1 + k), k) for k, place in enumerate(
    ["plain", "spaces", "full_width", "prefix", "apostrophe", "note", "warned", "hours", "date", "institute",
     "legacy", "sheet", "hidden", "comment", "formula", "number", "long_number"])}
ID["lower_x"] = ending_in_x("350102", date(1985, 3, 4))
ID["legacy"] = person("370102", date(1962, 10, 11), 7)  # a legacy number is of someone born in the 1900s


def volunteer_rows() -> list[list]:
    """One row per way an ID number is typed into a text cell, and rows where one must quarantine the row
    (a number, date or institute column) or warn (13 hours); the cells as text."""
    return [HEADER,
            ["福建省质检院", "义务检定", "2023-05-05", ID["plain"], "2"],
            ["福建省质检院", "义务检定", "2023-05-06", ID["lower_x"].lower(), "2"],
            ["福建省质检院", "义务检定", "2023-05-07", spaced(ID["spaces"]), "2"],
            ["福建省质检院", "义务检定", "2023-05-08", ID["full_width"].translate(FULL_WIDTH), "2"],
            ["福建省质检院", "义务检定", "2023-05-09", legacy(ID["legacy"]), "2"],
            ["福建省质检院", "义务检定", "2023-05-10", "身份证：" + ID["prefix"], "2"],
            ["福建省质检院", "义务检定", "2023-05-11", "'" + ID["apostrophe"], "2"],
            ["福建省质检院", f"陪同 {spaced(ID['note'])} 参加义务检定（联系人 {ID['plain']}）", "2023-05-12", "FJQI-V1", "2"],
            ["福建省质检院", f"夜间值守（{ID['warned']}）", "2023-05-13", ID["warned"], "13"],  # a warning
            ["福建省质检院", "义务检定", "2023-05-14", "FJQI-V2", ID["hours"]],  # quarantined: id_number
            ["福建省质检院", "义务检定", ID["date"], "FJQI-V3", "2"],
            [ID["institute"], "义务检定", "2023-05-15", "FJQI-V4", "2"],
            ["福建省质检院", "义务检定", "2023-05-16", "FJQI-V5", "30"],  # quarantined: no ID number
            ["福建省质检院", "义务检定", "2023-05-17", ID["plain"], "3"]]  # the same person again


def ingested(root: Path, files: dict[str, bytes]) -> dict[str, list]:
    """What the real ingest makes of `files` (paths under data/raw/): the accepted volunteer rows (but the
    file's name and hash), the rejects and warnings by place and code, and each file's counts."""
    data = DataDir(root / "data")
    for rel, content in files.items():
        (data.raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (data.raw / rel).write_bytes(content)
    data.ingest()
    issue = "select source_sheet, source_row, source_column, reason_code from raw.{} where dataset = 'volunteer_hours' order by all"
    return {
        "accepted": data.query("select * exclude (source_file, file_sha256, unit_code) from raw.volunteer_hours order by all"),
        "rejects": data.query(issue.format("rejects")),
        "warnings": data.query(issue.format("warnings")),
        "counts": data.query("select sheets, header_rows, rows_read, accepted, rejected, warnings, blank_rows "
                             "from raw.load_log where dataset = 'volunteer_hours' order by source_file"),
    }


def ids_in_bytes(data: bytes, suffix: str) -> list:
    """The ID numbers in a kept file's bytes: a CSV's text, every part of a workbook decoded."""
    if suffix == ".csv":
        return find_id_numbers(data.decode("utf-8-sig"))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return [(name, found) for name in z.namelist() for found in find_id_numbers(z.read(name).decode("utf-8", "replace"))]


def ids_in_cells(data: bytes, tmp_path: Path, suffix: str) -> list:
    """The ID numbers in the cells of a kept file, every sheet (hidden ones too) and its name."""
    if suffix == ".csv":
        return [found for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
                for cell in row for found in find_id_numbers(cell)]
    path = tmp_path / f"kept{suffix}"
    path.write_bytes(data)
    book = fastexcel.read_excel(path)
    found = [f for name in book.sheet_names for f in find_id_numbers(name)]
    for index in range(len(book.sheet_names)):
        for row in book.load_sheet(index, header_row=None, dtypes="string").to_arrow().to_pylist():
            found += [f for cell in row.values() if cell for f in find_id_numbers(cell)]
    return found


def kept(path: Path) -> tuple[bytes, str]:
    sanitized = without_id_numbers(path, sniff_format(path, path.name), SALT)
    assert sanitized is not None and sanitized.replaced > 0
    return sanitized.data, sanitized.suffix


def assert_kept_without_ids_and_ingested_alike(original: Path, rel: str, tmp_path: Path) -> dict:
    data, suffix = kept(original)
    assert ids_in_bytes(data, suffix) == []
    assert ids_in_cells(data, tmp_path, suffix) == []
    before = ingested(tmp_path / "original", {rel: original.read_bytes()})
    after = ingested(tmp_path / "kept", {str(Path(rel).with_suffix(suffix)): data})
    # a sheet's name is masked with "＊" in the copy (a sheet name cannot hold "*"), with "*" by the ingest
    assert {k: [tuple(v.replace("＊", "*") if isinstance(v, str) else v for v in row) for row in rows]
            for k, rows in after.items()} == before
    return before


def assert_the_ingest_read_them(result: dict) -> None:
    """The rows of volunteer_rows as the ingest takes them: every typed ID number keyed, the bad rows out."""
    keys = {row[3] for row in result["accepted"]}
    for place in ("plain", "lower_x", "spaces", "full_width", "legacy", "prefix", "apostrophe", "warned"):
        assert hash_person_id(ID[place], SALT) in keys, place
    activities = [row[1] for row in result["accepted"]]
    assert f"陪同 {hash_person_id(ID['note'], SALT)} 参加义务检定（联系人 {hash_person_id(ID['plain'], SALT)}）" in activities
    assert [(column, code) for _, _, column, code in result["rejects"]][:4] == \
        [("服务时长", "id_number"), ("服务日期", "id_number"), ("单位", "id_number"), ("服务时长", "hours_out_of_range")]
    assert [(column, code) for _, _, column, code in result["warnings"]] == \
        [("活动名称", "id_number_hashed"), ("服务时长", "hours_over_12"), ("活动名称", "id_number_hashed")]


@pytest.mark.parametrize(("encoding", "delimiter"), [("gbk", ","), ("utf-8-sig", "\t")])
def test_a_volunteer_csv_is_kept_without_id_numbers_and_ingested_alike(tmp_path, encoding, delimiter):
    rows = volunteer_rows()
    rows[1][1] = "义务\n检定"  # a quoted line break: the rows after it keep their numbers
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    original = tmp_path / "志愿者.csv"
    original.write_bytes(buffer.getvalue().encode(encoding))
    sanitized = without_id_numbers(original, "csv", SALT)
    data, suffix = sanitized.data, sanitized.suffix
    assert sanitized.replaced == sum(len(find_id_numbers(cell)) for row in rows for cell in row)
    assert suffix == ".csv" and data.startswith(codecs.BOM_UTF8)
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == delimiter.join(HEADER) and text.endswith("\r\n")  # same delimiter, same lines
    result = assert_kept_without_ids_and_ingested_alike(original, "volunteer_hours/志愿者.csv", tmp_path)
    assert_the_ingest_read_them(result)


def person_workbook(path: Path) -> Path:
    """A volunteer workbook as a person makes one in a spreadsheet: dates as dates, hours as numbers, a
    15-digit ID number typed as a number, a sheet named after someone, a comment, a formula, a hidden
    sheet with a list of names and numbers."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = f"志愿者{ID['sheet']}"
    for r, row in enumerate(volunteer_rows(), start=1):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(r, c)
            if r > 1 and c == 3 and value[:4].isdigit() and len(value) == 10:
                cell.value, cell.number_format = date.fromisoformat(value), "yyyy-mm-dd"
            elif r > 1 and c == 5 and value.isdigit() and len(value) <= 3:
                cell.value = int(value)
            else:
                cell.value = value
    sheet.append(["福建省质检院", "义务检定", date(2023, 5, 18), int(legacy(ID["number"])), 2])
    # 18 digits as a number: openpyxl writes them whole, a spreadsheet reads 3.30106E+17 (number_lost_digits)
    sheet.append(["福建省质检院", "义务检定", date(2023, 5, 19), int(ID["long_number"]), 2])
    for row in (16, 17):
        sheet[f"C{row}"].number_format = "yyyy-mm-dd"
    sheet.column_dimensions["B"].width = 40
    sheet["D1"].comment = Comment(f"例：{ID['comment']}", "填表人")
    sheet["G1"] = f'="{ID["formula"]}"'
    hidden = book.create_sheet("名单")
    hidden.append(["姓名", "身份证号"])
    hidden.append(["张三", ID["hidden"]])
    hidden.sheet_state = "hidden"
    book.save(path)
    return path


def test_a_person_workbook_is_kept_as_it_was_without_id_numbers_and_ingested_alike(tmp_path):
    original = person_workbook(tmp_path / "志愿者.xlsx")
    result = assert_kept_without_ids_and_ingested_alike(original, "volunteer_hours/志愿者.xlsx", tmp_path)
    assert_the_ingest_read_them(result)
    assert hash_person_id(ID["number"], SALT) in {row[3] for row in result["accepted"]}  # typed as a number
    assert [(row, code) for _, row, _, code in result["rejects"][4:]] == [(17, "number_lost_digits")]

    data, suffix = kept(original)
    copy = tmp_path / "copy.xlsx"
    copy.write_bytes(data)
    before, after = openpyxl.load_workbook(original), openpyxl.load_workbook(copy)
    assert suffix == ".xlsx" and [s.sheet_state for s in after] == [s.sheet_state for s in before]
    old, new = before.worksheets[0], after.worksheets[0]
    assert new.title == f"志愿者{ID['sheet'][:4]}{'＊' * 10}{ID['sheet'][-4:]}"  # masked
    assert new.column_dimensions["B"].width == 40 and new["C2"].number_format == "yyyy-mm-dd"
    assert new["D2"].value == hash_person_id(ID["plain"], SALT)
    assert new["D16"].value == hash_person_id(ID["number"], SALT)  # a number that was an ID number: text now
    assert ID["comment"] not in new["D1"].comment.text and new["D1"].comment.text.startswith("例：")
    assert new["G1"].value.startswith('="') and ID["formula"] not in new["G1"].value  # still a formula
    assert after["名单"]["B2"].value == hash_person_id(ID["hidden"], SALT)
    cells = [(c.coordinate, c.value) for row in old.iter_rows() for c in row]
    assert [(at, new[at].value) for at, value in cells if not find_id_numbers(str(value))] == \
        [(at, value) for at, value in cells if not find_id_numbers(str(value))]  # the rest as it was
    assert sum(1 for _, value in cells if find_id_numbers(str(value))) > 15


def test_a_workbook_of_shared_and_rich_strings_is_kept_without_id_numbers_and_ingested_alike(tmp_path):
    """As Excel writes a workbook: every text once in the shared strings (xlsxwriter too), and a note typed
    with part of it in bold (a rich string: its runs are one cell's text, the ID number across two)."""
    original = write_xlsx(tmp_path / "志愿者.xlsx", volunteer_rows())
    book = xlsxwriter.Workbook(tmp_path / "rich.xlsx")
    sheet = book.add_worksheet("志愿者")
    for r, row in enumerate(volunteer_rows()):
        sheet.write_row(r, 0, row)
    note = ID["note"]
    sheet.write_rich_string(8, 1, "陪同 ", book.add_format({"bold": True}), note[:9], note[9:] + " 参加义务检定")
    book.close()
    with zipfile.ZipFile(tmp_path / "rich.xlsx") as z:
        assert "<r>" in z.read("xl/sharedStrings.xml").decode() and "inlineStr" not in z.read("xl/worksheets/sheet1.xml").decode()
    for path in (original, tmp_path / "rich.xlsx"):
        (work := tmp_path / path.stem).mkdir()
        result = assert_kept_without_ids_and_ingested_alike(path, f"volunteer_hours/{path.name}", work)
        keys = {row[3] for row in result["accepted"]}
        assert {hash_person_id(ID[place], SALT) for place in ("plain", "lower_x", "spaces", "legacy", "prefix")} <= keys
    assert f"陪同 {hash_person_id(note, SALT)} 参加义务检定" in [row[1] for row in result["accepted"]]


def test_an_xls_is_kept_as_an_xlsx_of_its_cells_without_id_numbers_and_ingested_alike(tmp_path):
    import xlwt  # dev dependency, installed by `make test`

    book = xlwt.Workbook()
    sheet = book.add_sheet("志愿者")
    for r, row in enumerate(volunteer_rows()):
        for c, value in enumerate(row):
            sheet.write(r, c, float(value) if r and c == 4 and value.isdigit() else value)
    sheet.write(len(volunteer_rows()), 0, "福建省质检院")
    for c, value in enumerate(["义务检定", "2023-05-18", float(legacy(ID["number"])), 2.0], start=1):
        sheet.write(len(volunteer_rows()), c, value)
    hidden = book.add_sheet("名单")
    hidden.write(0, 0, ID["hidden"])
    hidden.visibility = 1
    original = tmp_path / "志愿者.xls"
    book.save(str(original))
    result = assert_kept_without_ids_and_ingested_alike(original, "volunteer_hours/志愿者.xls", tmp_path)
    assert_the_ingest_read_them(result)
    assert hash_person_id(ID["number"], SALT) in {row[3] for row in result["accepted"]}
    data, _ = kept(original)
    (tmp_path / "copy.xlsx").write_bytes(data)
    assert [s.sheet_state for s in openpyxl.load_workbook(tmp_path / "copy.xlsx")] == ["visible", "hidden"]


@pytest.mark.slow
def test_an_ods_is_kept_as_an_xlsx_without_id_numbers_and_ingested_alike(tmp_path):
    original = write_csv(tmp_path / "ods" / "志愿者.csv", volunteer_rows())
    save_as([original], "ods", tmp_path)  # LibreOffice, as a person saves one (long digit strings as numbers)
    original = original.with_suffix(".ods")
    result = assert_kept_without_ids_and_ingested_alike(original, "volunteer_hours/志愿者.ods", tmp_path)
    # LibreOffice keeps 18 digits as a number (their last digits lost: quarantined alike), 15 whole
    keys = {row[3] for row in result["accepted"]}
    assert {hash_person_id(ID[place], SALT) for place in ("legacy", "spaces", "full_width", "prefix")} <= keys
    assert "number_lost_digits" in {code for *_, code in result["rejects"]}


def test_a_file_without_id_numbers_is_kept_as_it_is(tmp_path):
    rows = [HEADER, ["福建省质检院", "义务检定 2023-05-05 至 2023-05-06", "2023-05-05", "FJQI-V1", "2"],
            ["福建省质检院", "电话 0591-87654321-1234", "2023-05-05", "FJQI-V2", "2"]]
    csv_path = write_csv(tmp_path / "none.csv", rows, "gbk")
    assert without_id_numbers(csv_path, "csv", SALT) is None
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(tmp_path / "none.xlsx")
    assert without_id_numbers(tmp_path / "none.xlsx", "xlsx", SALT) is None
