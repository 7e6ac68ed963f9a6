"""The units register (内设机构名录) and the unit column of the other datasets, through the real ingest: a
unit is named by its code, name or alias (full-width or not) within the row's institute and stored as its
unit_code; a unit of no register — or of another institute's — quarantines the row with a message that
says where to add it; parents resolve by code or name, unknown and cyclic ones are quarantined."""
from __future__ import annotations

import json

from pipelines.submissions.check import check_submission
from tests.conftest import write_csv, write_xlsx

UNITS_HEADER = ["单位", "部门代码", "部门名称", "英文名称", "简称", "类型", "上级部门", "设立年份", "撤销年份"]
UNITS = [
    ["浙江省质科院", "C01", "先进制造计量研究中心", "Advanced Manufacturing Metrology Centre", "先进制造中心", "中心",
     None, "2015", None],
    ["ZJQS", "C01-1", "几何量计量室", None, "几何室", "室", "先进制造中心", "2018", None],  # parent by alias
    ["ZJQS", "C01-2", "力学计量室", None, None, "检测室", "C01", "2016", "2020"],  # by code; closed in 2020
    ["ZJQS", "C01-1-A", "三坐标测量班组", None, None, "班组", "几何量计量室", None, None],  # by name, third level
    ["FJQI", "D1", "电器检测所", None, None, "所", None, None, None],
    ["FJQI", "L01", "电器安全实验室", "Electrical Safety Lab", "电器室、安规室", "实验室", "Ｄ１", "2015", None],
    ["FJQI", "X9", "材料实验室", None, None, "实验室", "无此所", None, None],  # unknown parent
    ["FJQI", "L02", "电器二室", None, "电器室", "室", "D1", None, None],  # alias of L01 in the same institute
    ["ZJQS", "Z1", "电器室", None, None, "室", None, None, None],  # another institute's alias: no conflict
    ["FJQI", "A", "甲所", None, None, "所", "B", None, None],  # A → B → A: a cycle
    ["FJQI", "B", "乙所", None, None, "所", "甲所", None, None],
    ["FJQI", "E", "丙室", None, None, "室", "A", None, None],  # under a unit of the cycle
    ["FJQI", "S", "自指室", None, None, "室", "S", None, None],  # itself by code (the contract's rule)
    ["FJQI", "T", "自名室", None, "自名", "室", "自名", None, None],  # itself by its alias
    ["FJQI", "U", "未知类型", None, None, "部门组合", None, None, None],  # unknown unit type
    ["FJQI", "V", "颠倒室", None, None, "室", None, "2020", "2018"],  # valid_to before valid_from
]
VOL_HEADER = ["单位", "部门", "活动名称", "服务日期", "志愿者编号", "服务时长"]


def write_units(data, rows=UNITS) -> None:
    """The register as an office keeps it: a workbook with a title row above the headers."""
    write_xlsx(data.raw / "units" / "内设机构名录.xlsx", [["各单位内设机构名录（2024年）"], UNITS_HEADER, *rows])


def test_the_register_resolves_parents_by_code_name_or_alias_and_quarantines_what_cannot_be_a_tree(data):
    write_units(data)
    data.ingest()
    loaded = data.query("select institute_id::varchar, unit_code, unit_type, parent, valid_from, valid_to "
                        "from raw.units order by all")
    assert loaded == [
        ("FJQI", "D1", "division", None, None, None),
        ("FJQI", "L01", "team", "D1", 2015, None),
        ("ZJQS", "C01", "centre", None, 2015, None),
        ("ZJQS", "C01-1", "office", "C01", 2018, None),
        ("ZJQS", "C01-1-A", "team", "C01-1", None, None),
        ("ZJQS", "C01-2", "office", "C01", 2016, 2020),
        ("ZJQS", "Z1", "office", None, None, None),
    ]
    file = "units/内设机构名录.xlsx"
    assert data.rejects("units") == [
        (file, 9, "上级部门", "unknown_parent"),  # X9: 无此所
        (file, 10, "简称", "alias_conflict"),  # L02 repeats L01's 电器室
        (file, 12, "上级部门", "unit_own_parent"),  # A and B, each other's parent
        (file, 13, "上级部门", "unit_own_parent"),
        (file, 14, "上级部门", "unknown_parent"),  # E: its parent A was quarantined
        (file, 15, "上级部门", "unit_own_parent"),  # S names its own code
        (file, 16, "上级部门", "unit_own_parent"),  # T names its own alias
        (file, 17, "类型", "unknown_unit_type"),
        (file, 18, "撤销年份", "unit_valid_range"),
    ]
    messages = dict(data.query("select source_row, message_zh || ' | ' || message_en from raw.rejects "
                               "where dataset = 'units'"))
    assert "无此所" in messages[9] and "FJQI" in messages[9]
    assert "电器室" in messages[10] and "L01" in messages[10]
    assert "甲所" not in messages[12] and "'A'" in messages[12] and "cycle" in messages[12]
    log = data.log(file)
    assert (log["rows_read"], log["accepted"], log["rejected"]) == (16, 7, 9)


def test_a_unit_cell_names_a_unit_of_the_rows_institute_by_code_name_alias_or_full_width(data):
    write_units(data)
    rows = [VOL_HEADER,
            ["FJQI", "L01", "a", "2023-05-05", "V1", "2"],
            ["福建省质检院", "电器安全实验室", "b", "2023-05-05", "V1", "2"],
            ["FJQI", "安规室", "c", "2023-05-05", "V1", "2"],
            ["FJQI", "ｌ０１", "d", "2023-05-05", "V1", "2"],  # full-width, lower case
            ["FJQI", " Electrical  Safety Lab ", "e", "2023-05-05", "V1", "2"],  # English name, spaces
            ["FJQI", "", "f", "2023-05-05", "V1", "2"],  # the institute only
            ["FJQI", "不存在的室", "g", "2023-05-05", "V1", "2"],
            ["FJQI", "几何室", "h", "2023-05-05", "V1", "2"],  # a unit of ZJQS, not of FJQI
            ["ZJQS", "几何室", "i", "2023-05-05", "V1", "2"],
            ["ZJQS", "电器室", "j", "2023-05-05", "V1", "2"],  # ZJQS's own 电器室, not FJQI's alias
            ["合计", "", "", "", "", "20"]]
    write_csv(data.raw / "volunteer_hours" / "志愿服务.csv", rows, "gbk")
    data.ingest()
    loaded = data.query("select activity, institute_id::varchar, unit_code from raw.volunteer_hours order by activity")
    assert loaded == [("a", "FJQI", "L01"), ("b", "FJQI", "L01"), ("c", "FJQI", "L01"), ("d", "FJQI", "L01"),
                      ("e", "FJQI", "L01"), ("f", "FJQI", None), ("i", "ZJQS", "C01-1"), ("j", "ZJQS", "Z1")]
    file = "volunteer_hours/志愿服务.csv"
    assert data.rejects("volunteer_hours") == [(file, 8, "部门", "unknown_unit"), (file, 9, "部门", "unknown_unit")]
    zh, en, original = data.query("select message_zh, message_en, original_values from raw.rejects "
                                  "where dataset = 'volunteer_hours' and source_row = 9")[0]
    assert "几何室" in zh and "FJQI" in zh and "内设机构名录" in zh
    assert "'几何室'" in en and "FJQI" in en and "units register" in en
    assert json.loads(original)["unit"] == "几何室"
    log = data.log(file)
    assert (log["rows_read"], log["accepted"], log["rejected"], log["total_rows"]) == (10, 8, 2, 1)


def test_a_unit_outside_its_years_is_a_warning_and_a_file_without_the_column_costs_nothing(data):
    write_units(data)
    write_csv(data.raw / "volunteer_hours" / "with_unit.csv", [
        VOL_HEADER,
        ["ZJQS", "力学计量室", "a", "2019-05-05", "V1", "2"],
        ["ZJQS", "力学计量室", "b", "2023-05-05", "V1", "2"],  # closed in 2020
        ["ZJQS", "几何室", "c", "2016-05-05", "V1", "2"]],  # set up in 2018
        "utf-8-sig")
    write_csv(data.raw / "volunteer_hours" / "without.csv", [
        ["单位", "活动名称", "服务日期", "志愿者编号", "服务时长"],
        ["FJQI", "x", "2023-05-05", "V1", "2"],
        ["FJQI", "y", "2023-05-05", "V1", "99"]])
    data.ingest()
    warned = data.query("select source_file, source_row, source_column, reason_code, message_zh from raw.warnings "
                        "where reason_code = 'unit_not_valid_in_year' order by source_row")
    assert [w[:4] for w in warned] == [("volunteer_hours/with_unit.csv", 3, "部门", "unit_not_valid_in_year"),
                                       ("volunteer_hours/with_unit.csv", 4, "部门", "unit_not_valid_in_year")]
    assert "C01-2" in warned[0][4] and "2023-05-05" in warned[0][4]
    assert data.query("select count(*) from raw.volunteer_hours where unit_code is not null") == [(3,)]
    assert data.query("select activity, unit_code from raw.volunteer_hours where source_file = 'volunteer_hours/without.csv'") \
        == [("x", None)]
    # a quarantined row of a file without the column does not show an empty unit cell
    (original,) = data.query("select original_values from raw.rejects where dataset = 'volunteer_hours'")[0]
    assert "unit" not in json.loads(original)


def test_without_a_units_register_every_unit_is_unknown_and_the_rest_loads(data):
    write_csv(data.raw / "staff" / "staff.csv", [["单位", "部门", "年度", "职工总数", "专业技术人员", "党员人数"],
                                                 ["FJQI", None, "2023", "500", "300", "100"],
                                                 ["FJQI", "L01", "2023", "50", "30", "10"]])
    data.ingest()
    assert data.query("select institute_id::varchar, unit_code, staff_total from raw.staff") == [("FJQI", None, 500)]
    assert data.rejects("staff") == [("staff/staff.csv", 3, "部门", "unknown_unit")]
    assert data.query("select count(*) from raw.units") == [(0,)]


def test_the_upload_check_knows_the_units_register(data, tmp_path):
    write_units(data)
    upload = write_csv(tmp_path / "upload.csv", [VOL_HEADER,
                                                 ["FJQI", "电器室", "a", "2023-05-05", "V1", "2"],
                                                 ["FJQI", "几何室", "b", "2023-05-05", "V1", "2"]])
    result = check_submission(data.settings, "volunteer_hours", "FJQI", 2023, upload)
    assert (result.rows_read, result.accepted) == (2, 1)
    assert [(f.row, f.header, f.value, f.code) for f in result.errors] == [(3, "部门", "几何室", "unknown_unit")]
