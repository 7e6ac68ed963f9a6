"""The parsing pass marks a row with a problem by a one-byte status and keeps its cells; a second pass
over those rows alone names the problem. Held here to the one-pass description: checking every landed
row with the full query gives the same quarantined rows, reasons, messages and original cells."""
from __future__ import annotations

import zipfile
from datetime import date

import duckdb
import pytest

from pipelines.config import METRIC_CATALOG
from pipelines.contracts import CONTRACTS
from pipelines.errors import FileError
from pipelines.ingest import discover
from pipelines.ingest.landing import land_files, landing_view
from pipelines.ingest.load import PROVENANCE, create_issue_tables, load_dataset
from pipelines.ingest.sql_functions import register_functions
from pipelines.ingest.validate import FIRST_PROBLEM, STATUS_BLANK, STATUS_TOTAL, Compiled
from tests.conftest import write_csv, write_xlsx

VOL_HEADER = ["单位", "活动名称", "服务日期", "志愿者编号", "服务时长"]
STD_HEADER = ["单位", "标准编号", "标准名称", "起草角色", "制修订", "发布日期"]
ISSUE = "source_file, source_sheet, source_row, source_column, reason_code, message_zh, message_en, original_values"


def one_pass(data, dataset: str) -> list[tuple]:
    """The rejects of `dataset` as the full checks over every landed row describe them (no duplicates)."""
    con = duckdb.connect()
    register_functions(con)
    create_issue_tables(con, METRIC_CATALOG)
    files = discover(data.raw)
    load_dataset(con, CONTRACTS["institutes"], land_files(con, CONTRACTS["institutes"], files["institutes"], data.raw),
                 data.settings.id_salt, data.settings.today)
    contract = CONTRACTS[dataset]
    institutes = {k: (i, p) for k, i, p in con.execute("select * from institute_lookup").fetchall()}
    compiled = Compiled(contract, data.settings.id_salt, data.settings.today, institutes)
    landed = land_files(con, contract, files[dataset], data.raw)
    for _, read in landed:  # the same readers as the ingest (these files are plain: one record a line)
        for sheet in read.sheets:
            if sheet.stream:
                con.register(sheet.relation, sheet.stream.batches())
    provenance = landing_view(con, contract, landed)
    return con.execute(f"""
        select c.source_file, c.source_sheet, c.source_row, coalesce(h.header, c._problem.column), c._problem.code,
               replace(c._problem.zh, '{{header}}', coalesce(h.header, c._problem.column)),
               replace(c._problem.en, '{{header}}', coalesce(h.header, c._problem.column)), c._original
        from ({compiled.checked_query('landing', provenance)}) c
        left join headers h on h.source_file = c.source_file and h.source_sheet = c.source_sheet
                           and h.column_name = c._problem.column
        where c._problem is not null order by all
    """).fetchall()


def two_pass(data, dataset: str) -> list[tuple]:
    return data.query(f"select {ISSUE} from raw.rejects where dataset = ? and reason_code <> 'duplicate' order by all",
                      [dataset])


def test_every_kind_of_volunteer_problem_is_described_as_one_pass_would(data):
    rows = [VOL_HEADER,
            ["FJQI", "a", "2023-05-05", "V1", "2"],
            ["", "a", "2023-05-05", "V2", "2"],  # missing institute
            ["某研究所", "a", "2023-05-05", "V3", "2"],  # unknown institute
            ["FJQI", "", "2023-05-05", "V4", "2"],  # missing activity
            ["FJQI", "a", "五月五日", "V5", "2"],  # bad date
            ["FJQI", "a", "2030-01-01", "V6", "2"],  # future date
            ["FJQI", "a", "2023-05-05", "", "2"],  # missing volunteer
            ["FJQI", "a", "2023-05-05", "V7", ""],  # missing hours
            ["FJQI", "a", "2023-05-05", "V8", "两小时"],  # bad number
            ["FJQI", "a", "2023-05-05", "V9", "30"],  # out of range
            ["FJQI", 'say "hi" \\ \t 😀 ＡＢ', "2023-05-05", "V10", "99"],  # cells JSON must escape, kept as sent
            ["ＦＪＱＩ", " b ", "2023年5月6日", "110101199001011234", "２.５"],  # good after cleaning
            ["FJQI", "a", "2023-05-05", "V1", "3"],  # duplicate of row 2
            ["", "", "", "", ""],
            ["合计", "", "", "", "99"]]
    write_csv(data.raw / "volunteer_hours" / "v.csv", rows)
    write_xlsx(data.raw / "volunteer_hours" / "v.xlsx", [VOL_HEADER, ["FJSI", "x", date(2023, 1, 1), "V1", 40],
                                                         ["FJSI", "x", "not a date", "V1", 1]], sheet="志愿")
    data.ingest()
    expected = one_pass(data, "volunteer_hours")
    assert two_pass(data, "volunteer_hours") == expected
    assert len(expected) == 12
    assert data.query("select source_row, reason_code from raw.rejects where reason_code = 'duplicate'") == [(14, "duplicate")]
    assert 'say \\"hi\\" \\\\ \\t 😀 ＡＢ' in expected[9][-1]


def test_identifier_problems_from_python_checks_are_described_as_one_pass_would(data):
    rows = [STD_HEADER,
            ["FJSI", "GB/T 1.1—2020", "a", "参与", "修订", "2020-03-31"],
            ["FJSI", "Q/FJBZ 001-2020", "b", "主持", "制定", "2020-01-01"],  # unrecognised number
            ["FJSI", "DB33/T 100-2021", "c", "参与", "制定", "2022-01-01"],  # year mismatch
            ["FJSI", "DB35/T 1-2021", "d", "旁观", "制定", "2021-01-01"],  # unknown role
            ["FJSI", "", "e", "参与", "制定", "2021-01-01"]]  # missing number
    write_csv(data.raw / "standards" / "std.csv", rows)
    data.ingest()
    expected = one_pass(data, "standards")
    assert two_pass(data, "standards") == expected
    assert [r[2] for r in expected] == [3, 4, 5, 6]


def test_status_codes_name_the_problem_the_full_query_finds():
    """Each problem's status code is its place in the checks' order, after blank and total rows."""
    compiled = Compiled(CONTRACTS["volunteer_hours"], "salt", date(2025, 6, 30), {"fjqi": ("FJQI", "35")})
    con = duckdb.connect()
    register_functions(con)
    con.execute("""create table landing as select * from (values
        (1, 'FJQI', null, 'a', '2023-05-05', 'V1', '2'), (2, null, null, null, null, null, null),
        (3, '合计', null, null, null, null, '9'), (4, 'FJQI', null, 'a', '2030-01-01', 'V1', '2'),
        (5, 'XX', null, 'a', '2023-05-05', 'V1', '2'), (6, 'FJQI', null, 'a', '2023-05-05', 'V1', '99'))
        t(_ord, institute, unit, activity, date, volunteer_id, hours)""")
    provenance = ("'f' as source_file, '' as source_sheet, l._ord as source_row, 'h' as file_sha256, "
                  "null::varchar as _portal_institute, null::integer as _portal_year")
    status = dict(con.execute(f"select source_row, _status from ({compiled.status_query('landing', provenance, PROVENANCE)})").fetchall())
    codes = [code.strip("'") for _, code, *_ in compiled.problems]
    named = {row: codes[status[row] - FIRST_PROBLEM] for row in (4, 5, 6)}
    assert (status[1], status[2], status[3]) == (None, STATUS_BLANK, STATUS_TOTAL)
    assert named == {4: "future_date", 5: "unknown_institute", 6: "hours_out_of_range"}


def test_a_workbook_read_ahead_reports_its_sheets_and_errors_in_its_turn(data):
    """Workbooks are read on the prefetch thread; what that finds is reported as if read in turn."""
    import xlsxwriter

    path = data.raw / "volunteer_hours" / "two_sheets.xlsx"
    path.parent.mkdir(parents=True)
    book = xlsxwriter.Workbook(path)
    for name, hours in (("shown", 2), ("hidden", 3)):
        sheet = book.add_worksheet(name)
        for r, row in enumerate([VOL_HEADER, ["FJQI", "a", "2023-05-05", "V1", hours]]):
            sheet.write_row(r, 0, row)
    sheet.hide()
    book.close()
    data.ingest()
    assert data.query("select hours from raw.volunteer_hours") == [(2.0,)]
    assert data.log("volunteer_hours/two_sheets.xlsx")["notes"] == "hidden sheet hidden not read"

    damaged = data.raw / "ip_items" / "damaged.xlsx"  # names a workbook part, holds none
    damaged.parent.mkdir(parents=True)
    with zipfile.ZipFile(damaged, "w") as z:
        z.writestr("xl/workbook.xml", "not xml")
    with pytest.raises(FileError) as error:
        data.ingest()
    assert error.value.file == "ip_items/damaged.xlsx"
    assert "the workbook cannot be opened" in str(error.value)
