"""Canary: ID numbers planted in every dataset of the demo — in accepted, quarantined and warned rows,
in free text, in number, date and code columns, in a file name and a sheet name, typed every way —
are found nowhere under the data folder after a real refresh: not in the warehouse, the marts, the
reports, the quality gates' Data Docs, dbt's files and logs, nor in what the refresh prints. Files are
searched byte for byte, and the warehouse's tables and the marts are also read (DuckDB and Parquet may
compress text). The demo's own volunteer ID numbers are looked for as well. Synthetic numbers only."""
from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path

import duckdb
import fastexcel
import pytest

from pipelines.config import Settings
from pipelines.demo import generate
from pipelines.id_numbers import find_id_numbers, hash_person_id, id_check_char, mask_id
from pipelines.identifiers import patent_check_char
from pipelines.refresh import refresh
from tests.conftest import TODAY, write_csv, write_xlsx

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def person(region: str, born: date, sequence: int) -> str:
    body = f"{region}{born:%Y%m%d}{sequence:03d}"
    return body + id_check_char(body)


def legacy(number: str) -> str:
    return number[:6] + number[8:17]


def spaced(number: str) -> str:
    return f"{number[:6]} {number[6:14]} {number[14:]}"


# One number per place, so that a leak names its place.
IDS = {place: person(region, born, k) for k, (place, region, born) in enumerate([
    ("file", "350102", date(1980, 1, 2)), ("sheet", "350203", date(1981, 2, 3)),
    ("plain", "330106", date(1977, 7, 7)), ("apostrophe", "330102", date(1978, 3, 4)),
    ("tab", "320102", date(1979, 4, 5)), ("cr", "310115", date(1982, 5, 6)),
    ("spaces", "110105", date(1983, 6, 7)), ("dashes", "440305", date(1984, 7, 8)),
    ("prefix_id", "510104", date(1985, 8, 9)), ("prefix_zh", "420106", date(1986, 9, 10)),
    ("legacy", "370102", date(1962, 10, 11)), ("full_width", "610113", date(1987, 11, 12)),
    ("activity", "350102", date(1990, 12, 13)), ("warned", "350102", date(1991, 1, 14)),
    ("quarantined", "350102", date(1992, 2, 15)), ("hours", "350102", date(1993, 3, 16)),
    ("date", "350102", date(1994, 4, 17)), ("institute", "350102", date(1995, 5, 18)),
    ("xlsx", "350102", date(1996, 6, 19)), ("staff_total", "330106", date(1970, 1, 1)),
    ("funder", "330106", date(1971, 2, 2)), ("project_count", "330106", date(1972, 3, 3)),
    ("ip_title", "330106", date(1973, 4, 4)), ("ip_number", "330106", date(1974, 5, 5)),
    ("std_title", "330106", date(1975, 6, 6)), ("metric_id", "330106", date(1976, 7, 7)),
    ("target", "330106", date(1988, 8, 8)), ("register_name", "330106", date(1989, 9, 9)),
    ("register_alias", "330106", date(1968, 10, 10)),
], start=1)}


def plant(raw: Path) -> None:
    ids = IDS
    header = ["单位", "活动名称", "服务日期", "志愿者编号", "服务时长"]
    write_csv(raw / "volunteer_hours" / f"志愿者{ids['file']}台账.csv", [header,
        ["福建省质检院", "义务检定", "2023-05-05", ids["plain"], "2"],
        ["福建省质检院", "义务检定", "2023-05-06", "'" + ids["apostrophe"], "2"],
        ["福建省质检院", "义务检定", "2023-05-07", ids["tab"] + "\t", "2"],
        ["福建省质检院", "义务检定", "2023-05-08", ids["cr"] + "\r", "2"],
        ["福建省质检院", "义务检定", "2023-05-09", spaced(ids["spaces"]), "2"],
        ["福建省质检院", "义务检定", "2023-05-10", spaced(ids["dashes"]).replace(" ", "-"), "2"],
        ["福建省质检院", "义务检定", "2023-05-11", "ID:" + ids["prefix_id"], "2"],
        ["福建省质检院", "义务检定", "2023-05-12", "身份证：" + ids["prefix_zh"], "2"],
        ["福建省质检院", "义务检定", "2023-05-13", legacy(ids["legacy"]), "2"],
        ["福建省质检院", "义务检定", "2023-05-14", ids["full_width"].translate(FULL_WIDTH), "2"],
        ["福建省质检院", f"陪同 {spaced(ids['activity'])} 参加义务检定", "2023-05-15", "FJQI-V9001", "2"],
        ["福建省质检院", f"夜间值守（{ids['warned']}）", "2023-05-16", ids["warned"], "13"],  # a warning
        ["福建省质检院", f"值守 {ids['quarantined']}", "2023-05-17", ids["quarantined"], "30"],  # out of range
        ["福建省质检院", "义务检定", "2023-05-18", "FJQI-V9002", ids["hours"]],
        ["福建省质检院", "义务检定", ids["date"], "FJQI-V9003", "2"],
        [ids["institute"], "义务检定", "2023-05-19", "FJQI-V9004", "2"],
    ])
    write_xlsx(raw / "volunteer_hours" / "志愿者台账.xlsx", [header,
        ["福建省质检院", "义务检定", date(2023, 6, 1), ids["xlsx"], 2],
        ["福建省质检院", "义务检定", date(2023, 6, 2), "FJQI-V9005", 2]], sheet=f"志愿者{ids['sheet']}")
    write_csv(raw / "staff" / "补报.csv", [["单位", "年度", "职工总数"], ["福建省质检院", "2014", ids["staff_total"]]])
    write_csv(raw / "project_counts" / "补报.csv", [["单位", "年度", "项目级别", "下达单位", "阶段", "数量"],
        ["福建省质检院", "2014", "市级", f"市科技局（联系人身份证 {ids['funder']}）", "立项", "1"],
        ["福建省质检院", "2014", "院级", "", "立项", ids["project_count"]]])
    patent = f"202310{ids['ip_title'][-6:]}"
    write_csv(raw / "ip_items" / "补报.csv", [["单位", "类型", "申请号", "名称", "申请日", "授权日", "法律状态"],
        ["福建省质检院", "发明", f"{patent}.{patent_check_char(patent)}", f"一种检测装置（发明人 {ids['ip_title']}）",
         "2023-03-01", "", "申请"],
        ["福建省质检院", "发明", ids["ip_number"], "一种测量方法", "2023-03-02", "", "申请"]])
    write_csv(raw / "standards" / "补报.csv", [["单位", "标准编号", "标准名称", "起草角色", "发布日期"],
        ["福建省标准化院", "DB35/T 9999-2023", f"志愿服务规范（起草人 {ids['std_title']}）", "主持", "2023-06-01"]])
    write_csv(raw / "targets" / "补报.csv", [["单位", "年度", "指标代码", "目标值"],
        ["福建省质检院", "2024", ids["metric_id"], "1"], ["福建省质检院", "2024", "prj_initiated", ids["target"]]])
    write_csv(raw / "institutes" / "补报.csv", [["机构代码", "单位名称", "简称", "省份代码", "机构类型"],
        ["TEST", f"测试院{ids['register_name']}", f"测试{ids['register_alias']}", "3X", "质检院"]])


def file_text(path: Path) -> str:
    """A CSV's text, or a workbook's cells as text."""
    if path.suffix == ".xlsx":
        book = fastexcel.read_excel(path)
        return "\n".join(str(book.load_sheet(name, header_row=None).to_arrow().to_pylist()) for name in book.sheet_names)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return path.read_text(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError(f"{path}: neither UTF-8 nor GB18030")


def typed_forms(raw: Path) -> set[str]:
    """Every ID number in the files under raw (the demo's and the planted ones), in the forms to look
    for: its 18 characters, its 15-digit legacy form, as typed (with its spaces, dashes, full width)."""
    forms = set()
    for number in IDS.values():
        forms |= {number, legacy(number), spaced(number), spaced(number).replace(" ", "-"), number.translate(FULL_WIDTH)}
    for path in raw.rglob("*.*"):
        for start, end, digits, number in find_id_numbers(text := file_text(path)):
            forms |= {text[start:end], digits, number, legacy(number)}
    return {form for form in forms if len(form) >= 15}


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    root = tmp_path_factory.mktemp("canary") / "data"
    generate(root / "raw")
    plant(root / "raw")
    settings = Settings(data_dir=root, id_salt="test-salt", today=TODAY)
    printed = io.StringIO()
    result = refresh(settings, out=printed)
    return settings, result, printed.getvalue()


def test_no_id_number_is_anywhere_under_the_data_folder(planted):
    settings, result, printed = planted
    forms = typed_forms(settings.raw_dir)
    assert len([f for f in forms if len(f) == 18 and f.isascii()]) > 30  # the demo's own and the planted ones
    pattern = re.compile(b"|".join(re.escape(form.encode("utf-8")) for form in sorted(forms)))
    found = []
    searched = 0
    for path in sorted(settings.data_dir.rglob("*")):
        if path.is_file() and settings.raw_dir not in path.parents:
            searched += 1
            found += [(path.relative_to(settings.data_dir).as_posix(), m.group().decode())
                      for m in pattern.finditer(path.read_bytes())]
    found += [("printed", m.group().decode()) for m in pattern.finditer(printed.encode("utf-8"))]
    assert searched > 50  # warehouse, marts, reports, Data Docs, dbt's logs and files
    assert found == []


def test_no_id_number_is_in_a_table_of_the_warehouse_or_a_mart(planted):
    settings, result, _ = planted
    forms = typed_forms(settings.raw_dir)
    tables = []
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        for schema, table in con.execute("select table_schema, table_name from information_schema.tables").fetchall():
            tables.append((f"{schema}.{table}", con.execute(f'select * from "{schema}"."{table}"').fetchall()))
    con = duckdb.connect()
    for mart in result.manifest["marts"]:
        tables.append((mart["mart"], con.execute(f"select * from read_parquet('{result.version / mart['file']}')").fetchall()))
    assert sum(len(rows) for _, rows in tables) > 10_000
    pattern = re.compile("|".join(re.escape(form) for form in sorted(forms)))
    assert [(name, m.group()) for name, rows in tables for m in pattern.finditer("\n".join(map(str, rows)))] == []


def test_the_planted_rows_are_hashed_quarantined_or_warned_as_they_should_be(planted):
    settings, _, _ = planted
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        def rows(sql):
            return con.execute(sql).fetchall()

        shown_file = f"volunteer_hours/志愿者{mask_id(IDS['file'])}台账.csv"
        accepted = dict(rows(f"select date, volunteer_id from raw.volunteer_hours where source_file = '{shown_file}'"))
        typed_any_way = ["plain", "apostrophe", "tab", "cr", "spaces", "dashes", "prefix_id", "prefix_zh", "legacy",
                         "full_width"]
        assert [accepted[date(2023, 5, 5 + k)] for k in range(10)] == \
            [hash_person_id(IDS[place], "test-salt") for place in typed_any_way]
        key = hash_person_id(IDS["activity"], "test-salt")
        assert rows("select activity from raw.volunteer_hours where volunteer_id = 'FJQI-V9001'") == \
            [(f"陪同 {key} 参加义务检定",)]
        assert rows("select sheets from raw.load_log where source_file = 'volunteer_hours/志愿者台账.xlsx'") == \
            [(f"志愿者{mask_id(IDS['sheet'])}",)]

        rejects = rows("select split_part(source_file, '/', 1), reason_code, message_zh, original_values from raw.rejects")
        for dataset, place in [("volunteer_hours", "hours"), ("volunteer_hours", "date"), ("volunteer_hours", "institute"),
                               ("staff", "staff_total"), ("project_counts", "project_count"), ("ip_items", "ip_number"),
                               ("targets", "target")]:
            assert [(d, code) for d, code, message, original in rejects
                    if mask_id(IDS[place]) in message and mask_id(IDS[place]) in original] == [(dataset, "id_number")]
        [original] = [json.loads(o) for d, code, _, o in rejects if code == "hours_out_of_range" and "值守" in o]
        assert original["volunteer_id"] == hash_person_id(IDS["quarantined"], "test-salt")
        assert original["activity"] == f"值守 {mask_id(IDS['quarantined'])}"
        [original] = [json.loads(o) for d, code, _, o in rejects if code == "unknown_metric" and "*" in o]
        assert original == {"institute": "福建省质检院", "year": "2024", "metric_id": mask_id(IDS["metric_id"]),
                            "target": "1"}
        [original] = [json.loads(o) for d, code, _, o in rejects if d == "institutes"]
        assert (original["name_zh"], original["aliases"]) == \
            (f"测试院{mask_id(IDS['register_name'])}", f"测试{mask_id(IDS['register_alias'])}")

        warned = rows(f"select split_part(source_file, '/', 1), reason_code, source_row from raw.warnings "
                      f"where reason_code = 'id_number_hashed' or source_file = '{shown_file}' order by all")
        assert warned == [("ip_items", "id_number_hashed", 2), ("project_counts", "id_number_hashed", 2),
                          ("standards", "id_number_hashed", 2), ("volunteer_hours", "hours_over_12", 13),
                          ("volunteer_hours", "id_number_hashed", 12), ("volunteer_hours", "id_number_hashed", 13)]
