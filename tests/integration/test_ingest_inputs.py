"""Each kind of messy or bad input ends as the intended value, quarantine reason or file-level
error, and for every file rows read = accepted + quarantined."""
from __future__ import annotations

import csv
import io
import json
import threading
import zipfile
from datetime import date

import pytest

from pipelines.cell_safety import excel_safe
from pipelines.errors import FileError
from pipelines.id_numbers import hash_person_id
from pipelines.ingest.issue_report import ISSUE_REPORT_HEADERS
from tests.conftest import write_csv, write_xlsx

VOL_HEADER = ["单位", "活动名称", "服务日期", "志愿者编号", "服务时长"]


def test_gbk_csv_with_chinese_dates_full_width_digits_and_total_row(data):
    rows = [VOL_HEADER,
            ["福建省质检院", "质量月进社区", "2023年5月5日", "FJQI-V001", "２.５"],
            ["福建省产品质量检验研究院", "质量月进社区", "2023/5/5", "FJQI-V002", "3小时"],
            ["FJQI", "世界标准日", "20231014", "FJQI-V001", "4"],
            ["合计", "", "", "", "9.5"]]
    write_csv(data.raw / "volunteer_hours" / "志愿服务.csv", rows, "gbk")
    data.ingest()
    loaded = data.query("select institute_id, activity, date, volunteer_id, hours, source_row "
                        "from raw.volunteer_hours order by source_row")
    assert loaded == [
        ("FJQI", "质量月进社区", date(2023, 5, 5), "FJQI-V001", 2.5, 2),
        ("FJQI", "质量月进社区", date(2023, 5, 5), "FJQI-V002", 3.0, 3),
        ("FJQI", "世界标准日", date(2023, 10, 14), "FJQI-V001", 4.0, 4),
    ]
    log = data.log("volunteer_hours/志愿服务.csv")
    assert (log["encoding"], log["rows_read"], log["accepted"], log["rejected"], log["total_rows"]) == \
        ("gb18030", 3, 3, 0, 1)
    assert data.query("select count(*) from raw.warnings") == [(0,)]  # the total matches the rows


def test_total_row_that_disagrees_is_a_warning_not_data(data):
    rows = [VOL_HEADER, ["FJQI", "a", "2023-05-05", "V1", "2"], ["FJQI", "b", "2023-05-06", "V1", "3"],
            ["总计", None, None, None, "6"]]
    write_csv(data.raw / "volunteer_hours" / "v.csv", rows)
    data.ingest()
    assert data.query("select count(*) from raw.volunteer_hours") == [(2,)]
    warnings = data.query("select source_row, source_column, reason_code, message_en from raw.warnings")
    assert warnings == [(4, "服务时长", "total_mismatch", "total row gives 6.0 for 服务时长 but the rows above sum to 5.0")]


def test_utf8_bom_csv_with_english_headers_and_excel_serial_dates(data):
    rows = [["Institute", "Activity", "Date", "Volunteer ID", "Hours"],
            ["ZJQS", "Metrology day", "45051", "Z1", "1.5"]]
    write_csv(data.raw / "volunteer_hours" / "zj.csv", rows, "utf-8-sig")
    data.ingest()
    assert data.query("select institute_id, date, hours from raw.volunteer_hours") == [("ZJQS", date(2023, 5, 5), 1.5)]
    assert data.log("volunteer_hours/zj.csv")["encoding"] == "utf-8 BOM"


def test_xlsx_with_title_rows_keeps_excel_row_numbers(data):
    rows = [["福建省产品质量检验研究院志愿服务台账（2023年）"], [],
            VOL_HEADER,
            ["福建省质检院", "质量月", date(2023, 9, 1), "V1", 2],
            ["福建省质检院", "质量月", date(2023, 9, 1), "V2", "30"]]
    write_xlsx(data.raw / "volunteer_hours" / "台账.xlsx", rows, sheet="2023年", start_row=1)
    data.ingest()
    assert data.query("select date, hours, source_sheet, source_row from raw.volunteer_hours") == \
        [(date(2023, 9, 1), 2.0, "2023年", 5)]
    assert data.rejects("volunteer_hours") == [("volunteer_hours/台账.xlsx", 6, "服务时长", "hours_out_of_range")]
    assert data.log("volunteer_hours/台账.xlsx")["header_rows"] == "4"
    # the quarantined row's cells as the analyst sees them in Excel: the date without a time of day
    (original,) = data.query("select original_values from raw.rejects")[0]
    assert json.loads(original) == {"institute": "福建省质检院", "activity": "质量月", "date": "2023-09-01",
                                    "volunteer_id": "V2", "hours": "30"}


def test_xls_is_read(data):
    xlwt = pytest.importorskip("xlwt")  # dev dependency, always installed by `make test`
    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("人数")
    for r, row in enumerate([["单位", "年度", "职工总数"], ["福建省质检院", 2023, 412]]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    (data.raw / "staff").mkdir(parents=True)
    workbook.save(str(data.raw / "staff" / "人数.xls"))
    data.ingest()
    assert data.query("select institute_id, year, staff_total, source_row from raw.staff") == [("FJQI", 2023, 412, 2)]


@pytest.mark.parametrize(("cells", "reason", "column"), [
    (["某某检测所", "a", "2023-05-05", "V1", "2"], "unknown_institute", "单位"),
    (["FJQI", "a", "2025-07-01", "V1", "2"], "future_date", "服务日期"),
    (["FJQI", "a", "2023年13月5日", "V1", "2"], "bad_date", "服务日期"),
    (["FJQI", "a", "2023-05-05", "V1", "0"], "hours_out_of_range", "服务时长"),
    (["FJQI", "a", "2023-05-05", "V1", "-1"], "hours_out_of_range", "服务时长"),
    (["FJQI", "a", "2023-05-05", "V1", "24.5"], "hours_out_of_range", "服务时长"),
    (["FJQI", "a", "2023-05-05", "V1", "两小时"], "bad_number", "服务时长"),
    (["FJQI", "", "2023-05-05", "V1", "2"], "missing_value", "活动名称"),
])
def test_row_rules_quarantine_with_reason(data, cells, reason, column):
    write_csv(data.raw / "volunteer_hours" / "v.csv", [VOL_HEADER, ["FJQI", "ok", "2023-05-05", "V9", "2"], cells])
    data.ingest()
    assert data.rejects("volunteer_hours") == [("volunteer_hours/v.csv", 3, column, reason)]
    log = data.log("volunteer_hours/v.csv")
    assert (log["rows_read"], log["accepted"], log["rejected"]) == (2, 1, 1)
    message = data.query("select message_zh, message_en, original_values from raw.rejects")[0]
    assert all(message), "every quarantined row carries a Chinese and English message and its original values"


def test_hours_between_12_and_24_are_kept_with_a_warning(data):
    write_csv(data.raw / "volunteer_hours" / "v.csv", [VOL_HEADER, ["FJQI", "a", "2023-05-05", "V1", "13"]])
    data.ingest()
    assert data.query("select hours from raw.volunteer_hours") == [(13.0,)]
    assert data.query("select reason_code from raw.warnings") == [("hours_over_12",)]


def test_duplicates_keep_the_first_and_name_it_across_files(data):
    write_csv(data.raw / "volunteer_hours" / "a.csv", [VOL_HEADER, ["FJQI", "a", "2023-05-05", "V1", "2"]])
    write_csv(data.raw / "volunteer_hours" / "b.csv", [VOL_HEADER, ["福建省质检院", "a", "2023年5月5日", "V1", "3"]])
    data.ingest()
    assert data.query("select source_file, hours from raw.volunteer_hours") == [("volunteer_hours/a.csv", 2.0)]
    assert data.rejects("volunteer_hours") == [("volunteer_hours/b.csv", 2, "服务日期", "duplicate")]
    message, original = data.query("select message_zh, original_values from raw.rejects")[0]
    assert "volunteer_hours/a.csv" in message and '"hours":3.0' in original  # the duplicate's own values


def test_id_numbers_are_hashed_and_never_stored(data):
    id_number = "11010519491231002X"  # synthetic, valid check digit
    write_csv(data.raw / "volunteer_hours" / "v.csv", [VOL_HEADER, ["FJQI", "a", "2023-05-05", id_number, "2"],
                                                       ["FJQI", "b", "2023-05-05", id_number.lower(), "99"]])
    data.ingest()
    expected = hash_person_id(id_number, "test-salt")
    assert data.query("select volunteer_id from raw.volunteer_hours") == [(expected,)]
    everything = str(data.query("select * from raw.rejects")) + str(data.query("select * from raw.volunteer_hours"))
    assert id_number not in everything and id_number.lower() not in everything


def test_a_nul_character_in_a_cell_quarantines_its_row_and_reaches_no_export(data):
    rows = [VOL_HEADER, ["FJQI", "a\x00b", "2023-05-05", "V1", "2"], ["FJQI", "c", "2023-05-05", "V2\x00", "2"],
            ["FJQI", "d", "2023-05-05", "V3", "2"]]
    write_csv(data.raw / "volunteer_hours" / "v.csv", rows)
    result = data.ingest()
    assert data.query("select activity from raw.volunteer_hours") == [("d",)]
    assert data.rejects("volunteer_hours") == [("volunteer_hours/v.csv", 2, "活动名称", "control_character"),
                                               ("volunteer_hours/v.csv", 3, "志愿者编号", "control_character")]
    message, original = data.query("select message_en, original_values from raw.rejects order by source_row")[0]
    assert message == ("column '活动名称' holds a NUL character (U+0000): the file may be damaged or badly exported; "
                       "check the original and send it again")
    assert json.loads(original)["activity"] == "a\x00b"  # kept as sent, escaped in the JSON text
    log = data.log("volunteer_hours/v.csv")
    assert (log["rows_read"], log["accepted"], log["rejected"]) == (3, 1, 2)
    assert b"\x00" not in result.rejects_report.read_bytes() and b"\\u0000" in result.rejects_report.read_bytes()


def test_an_id_number_in_a_file_name_is_masked_and_names_stay_apart(data):
    """The file name is the provenance of every row: an ID number in it is masked wherever it is stored or
    shown; two names that masking makes alike stay apart."""
    first, second = "11010519491231002X", "11010519500118002X"  # same first and last four characters
    write_csv(data.raw / "volunteer_hours" / f"张三{first}.csv", [VOL_HEADER, ["FJQI", "a", "2023-05-05", "V1", "2"]])
    write_csv(data.raw / "volunteer_hours" / f"张三{second}.csv", [VOL_HEADER, ["FJQI", "b", "2023-05-05", "V1", "99"]])
    data.ingest()
    shown = ["volunteer_hours/张三1101**********002X.csv", "volunteer_hours/张三1101**********002X (2).csv"]
    assert [f for (f,) in data.query("select source_file from raw.load_log where dataset = 'volunteer_hours' order by 1")] \
        == sorted(shown)
    assert data.query("select source_file from raw.volunteer_hours") == [(shown[0],)]
    assert data.rejects("volunteer_hours") == [(shown[1], 2, "服务时长", "hours_out_of_range")]


@pytest.mark.parametrize("name, sheet", [("misc/张三11010519491231002X.csv", None),
                                         ("volunteer_hours/名单.xlsx", "张三11010519491231002X")])
def test_an_id_number_in_a_file_or_sheet_name_is_masked_in_a_file_error(data, name, sheet):
    """A file outside the dataset folders, or a sheet with no header the dataset knows: the error names the
    file and the sheet with the ID number masked."""
    if sheet:
        write_xlsx(data.raw / name, [["姓名", "电话"], ["张三", "123"]], sheet=sheet)
    else:
        write_csv(data.raw / name, [VOL_HEADER, ["FJQI", "a", "2023-05-05", "V1", "2"]])
    with pytest.raises(FileError) as error:
        data.ingest()
    shown = f"{error.value}\n{error.value.render()}"
    assert "1101**********002X" in shown and "11010519491231002X" not in shown


def test_project_counts_qualifiers_full_width_and_unknown_level(data):
    header = ["单位", "年度", "项目级别", "下达单位", "阶段", "数量", "验收结论"]
    rows = [["福建省科研项目统计表"], header,
            ["福建省质检院", "２０１９", "省部级", "省科技厅", "立项", "１２", ""],
            ["福建省质检院", "2019年", "院级", "", "在研", "20余", ""],
            ["福建省质检院", 2019, "横向", "", "验收", "超过5项", "国内领先"],
            ["福建省质检院", 2019, "乡级", "", "立项", "1", ""],
            ["福建省质检院", 2019, "市级", "", "立项", "2.5", ""],
            ["福建省质检院", 2031, "市级", "", "立项", "2", ""],
            ["合计", None, None, None, None, 40.5, None]]
    write_xlsx(data.raw / "project_counts" / "项目.xlsx", rows)
    data.ingest()
    assert data.query("select year, level, funder, stage, count, qualifier, evaluation from raw.project_counts "
                      "order by source_row") == [
        (2019, "provincial_ministerial", "省科技厅", "initiated", 12, None, None),
        (2019, "internal", None, "ongoing", 20, "≥", None),
        (2019, "commissioned", None, "accepted", 5, "≥", "domestic_leading"),
    ]
    assert [r[1:] for r in data.rejects("project_counts")] == [
        (6, "项目级别", "unknown_level"), (7, "数量", "not_integer"), (8, "年度", "future_year")]
    log = data.log("project_counts/项目.xlsx")
    assert (log["rows_read"], log["accepted"], log["rejected"], log["total_rows"]) == (6, 3, 3, 1)


IP_HEADER = ["单位", "类型", "申请号", "名称", "申请日", "授权日", "法律状态"]


def test_ip_items_check_characters_dates_and_co_ownership(data):
    rows = [IP_HEADER,
            ["FJQI", "发明", "ZL201911044411.X", "一种检测装置", "2019-05-05", "2021-03-02", "授权"],
            ["FJQI", "发明", "202010123456.7", "一种测量方法", "2020-01-02", "", "申请"],
            ["FJQI", "实用新型", "201720123456.6", "一种夹具", "2017-06-01", "2018-01-01", "授权"],
            ["FJQI", "发明", "201720123456.6", "重复但类型不符", "2017-06-01", "2018-01-01", "授权"],
            ["FJQI", "软件著作权", "2019SR0123456", "管理系统V1.0", "2019-01-01", "2018-12-01", "登记"],
            ["FJQI", "软件著作权", "2020SR0000001", "平台V2.0", "2020-01-01", "", "登记"],
            ["FJSI", "发明", "CN201911044411X", "一种检测装置", "2019-05-05", "2021-03-02", "授权"]]
    write_csv(data.raw / "ip_items" / "ip.csv", rows)
    data.ingest()
    assert data.query("select institute_id, number, ip_kind, filing_year from raw.ip_items order by source_row") == [
        ("FJQI", "201911044411.X", "invention", 2019), ("FJQI", "201720123456.6", "utility", 2017),
        ("FJSI", "201911044411.X", "invention", 2019)]
    assert [r[1:] for r in data.rejects("ip_items")] == [
        (3, "申请号", "patent_check_char"), (5, "申请号", "ip_type_mismatch"),
        (6, "授权日", "grant_before_application"), (7, "授权日", "granted_without_grant_date")]
    assert "2" in data.query("select message_zh from raw.rejects where reason_code = 'patent_check_char'")[0][0]
    assert data.query("select source_row, reason_code from raw.warnings order by source_row") == \
        [(2, "co_owned"), (8, "co_owned")]


STD_HEADER = ["单位", "标准编号", "标准名称", "起草角色", "制修订", "发布日期"]


def test_standards_level_from_number_and_unparseable_numbers(data):
    rows = [STD_HEADER,
            ["FJSI", "GB/T 1.1—2020", "标准化工作导则", "参与", "修订", "2020-03-31"],
            ["FJSI", "DB35/T 2091-2022", "地方标准", "主持", "制定", "2022-12-01"],
            ["FJSI", "T/CAS 290-2017", "团体标准", "主持", "制定", "2017-08-01"],
            ["ZJQS", "JJF（浙）1234－2020", "校准规范", "主持", "制定", "2020-06-01"],
            ["FJSI", "Q/FJBZ 001-2020", "企业标准", "主持", "制定", "2020-01-01"],
            ["FJSI", "DB33/T 100-2021", "浙江地标", "参与", "制定", "2022-01-01"],
            ["FJSI", "DB33/T 101-2021", "浙江地标", "参与", "制定", "2021-01-01"]]
    write_csv(data.raw / "standards" / "std.csv", rows)
    data.ingest()
    assert data.query("select institute_id, std_no, std_level, std_province_code, std_year, role from raw.standards "
                      "order by source_row") == [
        ("FJSI", "GB/T 1.1-2020", "national", None, 2020, "participant"),
        ("FJSI", "DB35/T 2091-2022", "local", "35", 2022, "lead"),
        ("FJSI", "T/CAS 290-2017", "group", None, 2017, "lead"),
        ("ZJQS", "JJF(浙) 1234-2020", "metrology_local", "33", 2020, "lead"),
        ("FJSI", "DB33/T 101-2021", "local", "33", 2021, "participant")]
    assert [r[1:] for r in data.rejects("standards")] == [
        (6, "标准编号", "std_number_unrecognised"), (7, "发布日期", "std_year_mismatch")]
    assert data.query("select source_row, reason_code from raw.warnings") == [(8, "other_province_local_std")]


def test_csv_with_blank_lines_and_quoted_line_breaks_keeps_true_row_numbers(data):
    path = data.raw / "volunteer_hours" / "v.csv"
    path.parent.mkdir(parents=True)
    path.write_text("单位,活动名称,服务日期,志愿者编号,服务时长\n"
                    "FJQI,a,2023-05-05,V1,2\n\n"
                    'FJQI,"两行的\n活动",2023-05-06,V1,2\n'
                    "FJQI,c,2023-05-07,V1,99\n", encoding="utf-8")
    data.ingest()
    assert data.query("select source_row from raw.volunteer_hours order by source_row") == [(2,), (4,)]
    assert data.rejects("volunteer_hours") == [("volunteer_hours/v.csv", 6, "服务时长", "hours_out_of_range")]


def test_header_only_file_loads_nothing_and_says_so(data):
    write_csv(data.raw / "volunteer_hours" / "empty.csv", [VOL_HEADER])
    data.ingest()
    log = data.log("volunteer_hours/empty.csv")
    assert (log["rows_read"], log["accepted"], log["rejected"]) == (0, 0, 0)
    assert "no data rows" in log["notes"]


def test_alias_used_by_two_institutes_quarantines_the_later_one(data):
    write_csv(data.raw / "institutes" / "register.csv", [
        ["机构代码", "单位名称", "简称", "省份代码", "机构类型"],
        ["FJQI", "福建省产品质量检验研究院", "质检院", "35", "质检院"],
        ["ZJQI", "浙江省产品质量安全科学研究院", "质检院", "33", "质检院"]])
    data.ingest()
    assert data.query("select institute_id from raw.institutes") == [("FJQI",)]
    assert data.rejects("institutes") == [("institutes/register.csv", 3, "简称", "alias_conflict")]


def _previous_warehouse(data):
    write_csv(data.raw / "volunteer_hours" / "ok.csv", [VOL_HEADER, ["FJQI", "a", "2023-05-05", "V1", "2"]])
    data.ingest()
    return data.settings.warehouse.read_bytes()


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("volunteer_hours/empty.csv", b"", "empty"),
    ("volunteer_hours/broken.xlsx", b"PK\x03\x04 this is not a real zip", "not an Excel workbook"),
    ("volunteer_hours/report.xlsx", docx_bytes(), "Word document"),
    ("volunteer_hours/renamed.xlsx", "单位,活动名称\nFJQI,a\n".encode(), "content is not an Excel workbook"),
    ("volunteer_hours/no_hours.csv", "单位,活动名称,服务日期,志愿者编号\nFJQI,a,2023-05-05,V1\n".encode(),
     "missing required column(s) hours"),
    ("volunteer_hours/latin1.csv", "单位,活动名称,服务日期,志愿者编号,服务时长\n".encode() + b"\xff\xfe\xfa\xfb,x\n",
     "encoding"),
    ("misc/notes.csv", b"a,b\n1,2\n", "not in a known dataset folder"),
    ("stray.csv", b"a,b\n1,2\n", "not in a known dataset folder"),
])
def test_unreadable_files_stop_the_run_and_keep_the_previous_warehouse(data, name, content, expected):
    before = _previous_warehouse(data)
    (data.raw / name).parent.mkdir(parents=True, exist_ok=True)
    (data.raw / name).write_bytes(content)
    with pytest.raises(FileError) as error:
        data.ingest()
    assert expected in str(error.value)
    assert error.value.file == name
    assert data.settings.warehouse.read_bytes() == before


def test_a_new_ingest_replaces_the_warehouse_and_deletes_the_old_file(data):
    before = _previous_warehouse(data)
    write_csv(data.raw / "volunteer_hours" / "more.csv", [VOL_HEADER, ["FJQI", "b", "2023-05-06", "V2", "3"]])
    data.ingest()
    for thread in threading.enumerate():  # the old file is deleted beside the next stage (ingest._swap_in)
        if thread.name == "delete-old-warehouse":
            thread.join()
    assert data.settings.warehouse.read_bytes() != before
    assert data.query("select count(*) from raw.volunteer_hours") == [(2,)]
    assert sorted(p.name for p in data.settings.warehouse.parent.glob(data.settings.warehouse.name + "*")) == \
        [data.settings.warehouse.name]


def test_same_files_give_identical_tables(data):
    write_csv(data.raw / "volunteer_hours" / "v.csv", [VOL_HEADER, ["FJQI", "a", "2023-05-05", "V1", "2"],
                                                       ["FJQI", "a", "2023-05-05", "V1", "2"]])
    data.ingest()
    tables = ["raw.institutes", "raw.volunteer_hours", "raw.rejects", "raw.warnings", "raw.load_log"]
    first = {t: data.query(f"select * from {t} order by all") for t in tables}
    data.ingest()
    assert {t: data.query(f"select * from {t} order by all") for t in tables} == first


def test_large_file_rows_keep_their_own_row_numbers(data):
    """Many Arrow batches, both threads, rows written in any order: each row still carries the line
    it came from (row i of the file holds volunteer V<i>)."""
    path = data.raw / "volunteer_hours" / "big.csv"
    path.parent.mkdir(parents=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write("institute,activity,date,volunteer_id,hours\n")
        f.writelines(f"FJQI,a{i % 97},2023-05-{i % 28 + 1:02d},V{i},{i % 8 + 1}\n" for i in range(300_000))
    data.ingest()
    rows = [r[0] for r in data.query("select source_row from raw.volunteer_hours order by source_row")]
    assert rows == list(range(2, 300_002))
    assert data.query("select count(*) from raw.volunteer_hours where volunteer_id <> 'V' || (source_row - 2)") == [(0,)]


def test_rejects_report_opens_in_excel_without_running_formulas(data):
    write_csv(data.raw / "volunteer_hours" / "v.csv",
              [VOL_HEADER, ["FJQI", '=HYPERLINK("http://x","点我")', "2023-05-05", "V1", "99"],
               ["=1+1", "a", "2023-05-05", "V1", "2"]])
    result = data.ingest()
    raw = result.rejects_report.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel reads the Chinese correctly
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert len(rows) == 3 and rows[0][0] == "数据集 dataset"
    assert {row[5] for row in rows[1:]} == {"hours_out_of_range", "unknown_institute"}
    assert not any(cell[:1] in ("=", "+", "-", "@", "\t", "\r") for row in rows for cell in row)


def test_issue_reports_hold_every_issue_cell_for_cell_in_file_order(data):
    # a file sent twice: every row of the copy is quarantined as a duplicate, each with its own report line
    rows = [VOL_HEADER, ["FJQI", "+86 热线", "2023-05-05", "@V1", "2"], ["FJQI", "=A1", "2023-05-06", "V2", "99"],
            ["FJQI", "-", "2023-05-07", "V3", "3"], ["总计", None, None, None, "6"]]
    write_csv(data.raw / "volunteer_hours" / "a.csv", rows)
    write_csv(data.raw / "volunteer_hours" / "b.csv", rows)
    result = data.ingest()
    columns = ", ".join(ISSUE_REPORT_HEADERS)
    for table, report in (("rejects", result.rejects_report), ("warnings", result.warnings_report)):
        lines = list(csv.reader(io.StringIO(report.read_bytes().decode("utf-8-sig"), newline="")))
        assert lines[0] == list(ISSUE_REPORT_HEADERS.values())
        expected = [["" if v is None else str(excel_safe(v)) for v in row]
                    for row in data.query(f"select {columns} from raw.{table}")]
        assert sorted(lines[1:]) == sorted(expected) and expected
        keys = [(r[0], r[1], r[2], int(r[3])) for r in lines[1:]]
        assert keys == sorted(keys)
    rejects = data.query("select source_file, source_row, reason_code from raw.rejects order by all")
    assert rejects == [("volunteer_hours/a.csv", 3, "hours_out_of_range"),
                       ("volunteer_hours/b.csv", 2, "duplicate"), ("volunteer_hours/b.csv", 3, "hours_out_of_range"),
                       ("volunteer_hours/b.csv", 4, "duplicate")]


@pytest.mark.parametrize(("value", "written"), [
    ("=1+1", "'=1+1"), ("+86 591", "'+86 591"), ("-3", "'-3"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("福建省质检院", "福建省质检院"), ("2019", "2019"), (42, 42), (None, None),
])
def test_excel_safe_neutralises_what_excel_would_run(value, written):
    assert excel_safe(value) == written


def test_an_ingest_after_a_failed_one_in_the_same_process_runs(data):
    # The failed ingest's error (and so its frame) is kept, as a caller showing it would keep it.
    bad = write_csv(data.raw / "volunteer_hours" / "bad.csv", [["单位", "活动名称"], ["FJQI", "a"]])
    with pytest.raises(FileError) as failed:
        data.ingest()
    bad.unlink()
    write_csv(data.raw / "volunteer_hours" / "good.csv", [VOL_HEADER, ["FJQI", "b", "2023-05-06", "V2", "3"]])
    data.ingest()
    assert failed.value.file == "volunteer_hours/bad.csv"
    assert data.query("select count(*) from raw.volunteer_hours") == [(1,)]
