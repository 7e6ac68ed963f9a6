"""Submission templates (pipelines/templates/) against the real ingest: the headers it recognises, the
dropdowns list what the contract accepts, identifiers formatted as text; a template filled with the demo's
rows by openpyxl, as an office worker would, is read whole (the instructions and example not counted); a
value typed over a dropdown is still quarantined, naming the column; LibreOffice's copy reads the same."""
from __future__ import annotations

import csv
import re
import shutil
import subprocess
import unicodedata
from datetime import date
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest

from pipelines.config import METRIC_CATALOG
from pipelines.contracts import CONTRACTS
from pipelines.demo import generate
from pipelines.identifiers import patent_check_char
from pipelines.ingest.headers import find_header
from pipelines.templates import INSTRUCTIONS, UnknownInstitute, write_all, write_template
from tests.conftest import REGISTER, write_csv
from tests.integration.test_office_files import _end_session

DATASETS = list(CONTRACTS)
TEXT_KINDS = {"text", "code", "institute", "enum", "ip_number", "std_number", "person_id", "unit", "reference", "doi"}
ROWS_PER_DATASET = 30


# ------------------------------------------------------------------------------------------------
# what a template says
# ------------------------------------------------------------------------------------------------

def open_template(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(BytesIO(content))


def dropdowns(book: openpyxl.Workbook) -> dict[str, tuple[list[str], str]]:
    """Per column letter of the data sheet, the items of its list validation (an inline list or a range of
    another sheet, resolved) and its error style."""
    sheet, found = book.worksheets[0], {}
    for validation in sheet.data_validations.dataValidation:
        if validation.type != "list":
            continue
        formula = validation.formula1
        if formula.startswith('"'):
            items = formula.strip('"').split(",")
        else:
            name, cells = formula.rsplit("!", 1)
            items = [c.value for row in book[name.strip("'")][cells.replace("$", "")] for c in row]
        letter = re.match(r"[A-Z]+", str(validation.sqref)).group()
        found[letter] = (items, validation.errorStyle or "stop")
    return found


def accepted_once_per_code(labels: list[str], values: dict[str, str]) -> bool:
    """Every label a spelling the contract accepts, and the labels name each of its codes exactly once."""
    codes = [values.get(label) for label in labels]
    return None not in codes and sorted(codes) == sorted(set(values.values()))


@pytest.mark.parametrize("dataset", DATASETS)
def test_a_template_has_the_contracts_headers_dropdowns_and_formats(data, dataset):
    contract = CONTRACTS[dataset]
    generic, own = open_template(write_template(dataset, data.settings)), \
        open_template(write_template(dataset, data.settings, institute="FJSI"))
    names = {row[0]: row[1] for row in REGISTER[1:]}
    for book in (generic, own):
        sheet = book.worksheets[0]
        assert sheet.title == contract.title_zh and book.sheetnames[1] == INSTRUCTIONS
        header = [c.value for c in sheet[1]]
        assert header == [c.aliases[0] for c in contract.columns]
        _, matched, ignored = find_header([header], contract, "template")  # as the ingest finds it
        assert sorted(matched.values()) == sorted(c.name for c in contract.columns) and ignored == []
        lists = dropdowns(book)
        for position, column in enumerate(contract.columns):
            letter = openpyxl.utils.get_column_letter(position + 1)
            number_format = sheet.column_dimensions[letter].number_format
            if column.kind in TEXT_KINDS:
                assert number_format == "@", (column.name, number_format)
            else:
                assert number_format == {"date": "yyyy-mm-dd"}.get(column.kind, "0" if column.kind in ("count", "year")
                                                                    else "General"), column.name
            assert f"({column.name})" in sheet[f"{letter}1"].comment.text  # its English name in the note
            if column.kind == "enum":
                items, style = lists[letter]
                assert accepted_once_per_code(items, column.values) and style == "stop", (column.name, items)
            elif column.name == "metric_id":
                with open(METRIC_CATALOG, encoding="utf-8") as f:
                    assert lists[letter] == ([row["metric_id"] for row in csv.DictReader(f)], "stop")
            elif column.kind == "institute" and book is generic:
                assert lists[letter] == (list(names.values()), "warning")  # a code or short name is accepted too
            elif column.kind == "institute":
                assert lists[letter] == (["福建省标准化研究院"], "stop")
                assert sheet[f"{letter}2"].value == "福建省标准化研究院"  # filled in
            elif not (book is own and column.name == "institute_id"):  # the register's own key: below
                assert letter not in lists, column.name
    if dataset == "institutes":
        assert own.worksheets[0]["A2"].value == "FJSI" and dropdowns(own)["A"] == (["FJSI"], "stop")
    assert generic.worksheets[0].max_row == 1  # nothing below the header of a template for everyone


def test_the_unit_column_lists_the_institutes_own_units_in_its_template(data):
    """A template for an institute offers its units (and no other institute's) in the unit column, as a
    warning (a code or short name is accepted too); a template for everyone leaves the unit to be typed.
    The units register's template says it is the institute's whole register."""
    write_csv(data.raw / "units" / "units.csv", [["单位", "部门代码", "部门名称", "类型", "上级部门", "撤销年份"],
                                                 ["FJQI", "A01", "化学所", "所", "", ""],
                                                 ["FJQI", "A11", "化学实验室, 一组", "班组", "A01", ""],
                                                 ["FJQI", "A02", "旧所", "所", "", "2020"],
                                                 ["FJSI", "B01", "标准化所", "所", "", ""]])
    letter = openpyxl.utils.get_column_letter([c.name for c in CONTRACTS["awards"].columns].index("unit") + 1)
    own = dropdowns(open_template(write_template("awards", data.settings, institute="FJQI")))
    assert own[letter] == (["化学所", "化学实验室, 一组", "旧所"], "warning")  # a comma: listed in a range
    assert letter not in dropdowns(open_template(write_template("awards", data.settings)))
    assert dropdowns(open_template(write_template("awards", data.settings, institute="ZJQS"))).get(letter) is None
    notes = [str(c.value) for row in open_template(write_template("units", data.settings))[INSTRUCTIONS].iter_rows()
             for c in row if c.value]
    assert any("完整的内设机构名录" in n and "whole register" in n for n in notes)


def test_an_institute_not_in_the_register_gets_no_template(data):
    with pytest.raises(UnknownInstitute, match="NOPE"):
        write_template("staff", data.settings, institute="NOPE")


def test_make_templates_writes_every_dataset_and_an_institutes_folder(data, tmp_path):
    assert [p.name for p in write_all(data.settings)] == [f"{d}.xlsx" for d in DATASETS]
    written = write_all(data.settings, tmp_path / "out", institute="zjqs")  # ids compared case-insensitively
    assert {p.parent for p in written} == {tmp_path / "out" / "ZJQS"} and all(p.stat().st_size for p in written)
    assert sorted(data.settings.templates_dir.iterdir()) == sorted(data.settings.templates_dir / f"{d}.xlsx"
                                                                   for d in DATASETS)


# ------------------------------------------------------------------------------------------------
# filled in and submitted
# ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, set[tuple[str, str, int]]]:
    raw = tmp_path_factory.mktemp("demo") / "raw"
    planted = {(p.dataset, p.file_name, p.source_row) for p in generate(raw)}
    return raw, planted


def demo_rows(demo, dataset: str) -> list[dict[str, str]]:
    """The first rows of the dataset's first demo CSV (by contract column), without the rows planted for
    quarantine and without a 合计 row."""
    raw, planted = demo
    path = sorted((raw / dataset).glob("*.csv"))[0]
    content = path.read_bytes()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("gb18030")
    lines = list(csv.reader(text.splitlines()))
    _, matched, _ = find_header(lines[:1], CONTRACTS[dataset], path.name)
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if (dataset, path.name, number) in planted or any("合计" in cell for cell in line):
            continue
        rows.append({name: line[pos] for pos, name in matched.items() if pos < len(line) and line[pos] != ""})
    return rows[:ROWS_PER_DATASET]


def as_typed(dataset: str, row: dict[str, str]) -> dict[str, object]:
    """A demo row as a person fills the template: a dropdown's label for a code, numbers as numbers, ISO
    dates as dates; anything else as the demo wrote it."""
    typed: dict[str, object] = {}
    contract = CONTRACTS[dataset]
    for name, value in row.items():
        column = contract.column(name)
        if column.kind == "enum":
            code = column.values[value]
            value = next(label for label, c in column.values.items() if c == code)  # the dropdown's label
        elif column.kind in ("count", "year") and value.isascii() and value.isdigit():
            value = int(value)
        elif column.kind == "decimal" and re.fullmatch(r"[0-9]+(\.[0-9]+)?", value):
            value = float(value)
        elif column.kind == "date" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            value = date.fromisoformat(value)
        typed[name] = value
    return typed


def fill(content: bytes, dataset: str, rows: list[dict[str, object]], path: Path) -> Path:
    """The data sheet filled from its second row with openpyxl, by header, saved as `path`."""
    book = open_template(content)
    sheet = book.worksheets[0]
    positions = {c.name: position for position, c in enumerate(CONTRACTS[dataset].columns, start=1)}
    for r, row in enumerate(rows, start=2):
        for name, value in row.items():
            sheet.cell(r, positions[name], value)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def register_of(data, demo) -> None:
    """The demo's institute and units registers in place of the fixtures' smaller one."""
    shutil.rmtree(data.raw / "institutes")
    shutil.copytree(demo[0] / "institutes", data.raw / "institutes")
    shutil.copytree(demo[0] / "units", data.raw / "units")


def resolves_to(text: str, institute_id: str, demo) -> bool:
    """Whether the demo's register names `institute_id` by `text` (its id, name or a short name)."""
    fold = lambda s: unicodedata.normalize("NFKC", s).strip().casefold()  # noqa: E731
    with open(demo[0] / "institutes" / "机构名录.csv", encoding="utf-8-sig") as f:
        entry = next(r for r in csv.DictReader(f) if r["机构代码"] == institute_id)
    names = {entry["机构代码"], entry["单位名称"], *re.split(r"[、;；,，]", entry["简称"])}
    return fold(text) in {fold(n) for n in names if n}


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("for_institute", [False, True], ids=["everyone", "institute"])
def test_a_template_filled_with_the_demos_rows_is_read_whole(data, demo, dataset, for_institute):
    register_of(data, demo)
    rows = demo_rows(demo, dataset)
    institute = None
    if for_institute:  # its own rows, with the one name the template allows
        key = "institute_id" if dataset == "institutes" else "institute"
        first = rows[0][key]
        institute = next(r[0] for r in REGISTER_IDS(demo) if resolves_to(first, r[0], demo))
        rows = [r for r in rows if resolves_to(r[key], institute, demo)]
        name = next(n for i, n in REGISTER_IDS(demo) if i == institute)
        rows = [{**r, key: institute if dataset == "institutes" else name} for r in rows]
    content = write_template(dataset, data.settings, institute=institute)
    if dataset in ("institutes", "units"):
        shutil.rmtree(data.raw / dataset)  # the template is the register
    fill(content, dataset, [as_typed(dataset, r) for r in rows], data.raw / dataset / "报送.xlsx")
    data.ingest()
    log = data.log(f"{dataset}/报送.xlsx")
    assert len(rows) >= 1
    assert (log["rows_read"], log["accepted"], log["rejected"]) == (len(rows), len(rows), 0)
    assert data.rejects(dataset) == []
    assert log["sheets"] == CONTRACTS[dataset].title_zh  # the instructions are not a data sheet
    [(loaded,)] = data.query(f"select count(*) from raw.{dataset}")
    assert loaded == len(rows)


def REGISTER_IDS(demo) -> list[tuple[str, str]]:  # noqa: N802
    with open(demo[0] / "institutes" / "机构名录.csv", encoding="utf-8-sig") as f:
        return [(r["机构代码"], r["单位名称"]) for r in csv.DictReader(f)]


def example_of(content: bytes, dataset: str) -> dict[str, object]:
    """The example row of the instructions sheet, by column: the row below the 【示例】 headers."""
    sheet = open_template(content)[INSTRUCTIONS]
    rows = list(sheet.iter_rows(values_only=True))
    at = next(i for i, row in enumerate(rows) if str(row[0]).startswith("【示例】"))
    names = [c.name for c in CONTRACTS[dataset].columns]
    return {name: value.date() if hasattr(value, "date") else value
            for name, value in zip(names, rows[at + 1], strict=False) if value is not None}


@pytest.mark.parametrize("dataset", DATASETS)
def test_the_example_row_typed_into_the_data_sheet_is_accepted(data, dataset):
    content = write_template(dataset, data.settings)
    example = example_of(content, dataset)
    assert set(example) >= {c.name for c in CONTRACTS[dataset].required}
    if dataset == "institutes":
        shutil.rmtree(data.raw / "institutes")
    fill(content, dataset, [example], data.raw / dataset / "示例.xlsx")
    data.ingest()
    assert data.rejects(dataset) == []
    log = data.log(f"{dataset}/示例.xlsx")
    assert (log["rows_read"], log["accepted"]) == (1, 1)


ENUMS = [(d, c.name) for d, contract in CONTRACTS.items() for c in contract.columns if c.kind == "enum"]


@pytest.mark.parametrize(("dataset", "column"), ENUMS)
def test_a_value_typed_over_a_dropdown_is_quarantined_naming_the_column(data, dataset, column):
    content = write_template(dataset, data.settings, institute="FJQI")
    example = example_of(content, dataset)
    header = CONTRACTS[dataset].column(column).aliases[0]
    if dataset == "institutes":
        shutil.rmtree(data.raw / "institutes")
        rows = [example, {**example, "institute_id": "FJXX", "name_zh": "福建省某研究院", "aliases": None,
                          column: "不在列表中"}]
    else:
        second = {**example, column: "不在列表中"}
        if dataset == "ip_items":
            second["number"] = "202310123457." + patent_check_char("202310123457")  # another key
        elif dataset in ("project_counts", "standards"):
            second["funder" if dataset == "project_counts" else "std_no"] = \
                "省市场监管局" if dataset == "project_counts" else "GB/T 12346-2024"
        rows = [example, second]
    fill(content, dataset, rows, data.raw / dataset / "报送.xlsx")
    data.ingest()
    assert [r[1:3] for r in data.rejects(dataset)] == [(3, header)]
    [(message,)] = data.query("select message_zh from raw.rejects")
    assert "不在列表中" in message


# ------------------------------------------------------------------------------------------------
# through LibreOffice
# ------------------------------------------------------------------------------------------------

def resave_with_libreoffice(path: Path, work: Path) -> None:
    """`path` opened in LibreOffice Calc and saved again as .xlsx in its place (one soffice run in a
    session and profile of its own; see test_office_files.save_as)."""
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice is missing (soffice not on PATH): `make setup` installs it"
    out = work / "lo-out"
    command = [soffice, f"-env:UserInstallation={(work / 'lo-profile').as_uri()}", "--headless",
               "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(path)]
    run = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        stdout, stderr = run.communicate(timeout=300)
    finally:
        _end_session(run.pid)
    assert run.returncode == 0 and (out / path.name).is_file(), f"soffice failed: {stdout!r} {stderr!r}"
    (out / path.name).replace(path)


@pytest.mark.slow
def test_a_template_saved_by_libreoffice_is_read_the_same(data, demo, tmp_path):
    register_of(data, demo)
    filled = {}
    for dataset in ("project_counts", "ip_items", "volunteer_hours"):
        rows = [as_typed(dataset, r) for r in demo_rows(demo, dataset)]
        filled[dataset] = len(rows)
        path = fill(write_template(dataset, data.settings), dataset, rows, data.raw / dataset / "报送.xlsx")
        resave_with_libreoffice(path, tmp_path)
        book = openpyxl.load_workbook(path)
        assert book.sheetnames == [CONTRACTS[dataset].title_zh, INSTRUCTIONS]
        assert dropdowns(book)  # the dropdowns survive
    data.ingest()
    for dataset, count in filled.items():
        log = data.log(f"{dataset}/报送.xlsx")
        assert (log["rows_read"], log["accepted"], log["rejected"]) == (count, count, 0), dataset
        assert data.rejects(dataset) == []


def test_a_template_prints_on_a4_landscape_every_column_on_one_page_width(data, tmp_path):
    for path in write_all(data.settings, tmp_path / "out"):
        sheet = openpyxl.load_workbook(path).worksheets[0]
        assert sheet.page_setup.orientation == "landscape" and str(sheet.page_setup.paperSize) == "9", path.name
        # one page wide (1 is the file format's default, which xlsxwriter leaves out), as many pages long as needed
        assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth in (None, 1, "1"), path.name
        assert str(sheet.page_setup.fitToHeight) == "0", path.name
        assert sheet.print_title_rows.replace("$", "") == "1:1", path.name  # the header row on every page


def test_rows_typed_below_the_prefilled_name_leave_that_row_blank(data):
    """An office that types its rows from row 3 leaves row 2 with only the institute's name filled in: a
    row that names only its institute is blank, not a row missing every value."""
    content = write_template("project_counts", data.settings, institute="FJQI")
    example = example_of(content, "project_counts")
    book = open_template(content)
    sheet = book.worksheets[0]
    assert sheet.cell(2, 1).value == "福建省产品质量检验研究院"
    positions = {c.name: p for p, c in enumerate(CONTRACTS["project_counts"].columns, start=1)}
    for r, stage in ((3, "立项"), (4, "在研")):
        for name, value in {**example, "stage": stage}.items():
            sheet.cell(r, positions[name], value)
    path = data.raw / "project_counts" / "从第三行填写.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    data.ingest()
    log = data.log("project_counts/从第三行填写.xlsx")
    assert (log["rows_read"], log["accepted"], log["rejected"], log["blank_rows"]) == (2, 2, 0, 1)
