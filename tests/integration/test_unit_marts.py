"""Units inside an institute, end to end: a small made-up units register and records naming its units,
refreshed for real (ingest, gates, dbt, publish), and the published unit figures checked against what a
person counts by hand from the rows below.

ZJQS (浙江省质量科学研究院) in this fixture:

    计量中心 M (centre, depth 1)
        几何量室 M1 (office, depth 2)
        力学室 M2 (office, depth 2, from 2022; its parent given by name)
    化学所 C (division, depth 1)

FJQI has a unit of the same code M: a unit is its institute's, and its records never reach ZJQS:M.
"""
from __future__ import annotations

import duckdb
import pytest

from pipelines.refresh import refresh
from tests.conftest import DataDir, write_csv, write_xlsx

UNITS = [
    ["institute", "unit_code", "name_zh", "name_en", "unit_type", "parent", "valid_from"],
    ["ZJQS", "M", "计量中心", "Metrology Centre", "中心", None, None],
    ["ZJQS", "M1", "几何量室", "Geometry Office", "室", "M", None],
    ["ZJQS", "M2", "力学室", None, "室", "计量中心", 2022],
    ["ZJQS", "C", "化学所", "Chemistry Division", "所", None, None],
    ["FJQI", "M", "检测中心", None, "中心", None, None],
]
S1, S2, S3 = "GB/T 30001-2023", "GB/T 30002-2023", "GB/T 30003-2023"
STANDARDS = [  # (unit, number, publish date)
    ("M1", S1, "2023-03-01"), ("M", S2, "2023-05-01"), (None, S3, "2023-06-01"),
]
P1, P2 = "201811038044.8", "201710601862.3"
PATENTS = [("M1", P1, "2023-04-01"), ("C", P2, "2023-08-01")]
# (institute, unit, name, level, grade, role, year, for_ref)
AWARDS = [
    ("ZJQS", "几何量室", "浙江省科学技术进步奖", "省部级", "二等奖", "牵头", 2023, S1),  # a room's, for its standard
    ("ZJQS", "M2", "中国仪器仪表学会科学技术奖", "学会", "三等奖", "为主参与", 2023, None),
    ("ZJQS", "M", "市场监管总局科技奖", "省部级", "一等奖", "牵头", 2023, P1),  # the centre's own, for a patent
    ("ZJQS", "C", "科技兴检奖", "厅局级", "三等奖", "参与", 2024, None),
    ("ZJQS", None, "浙江省标准贡献奖", "省部级", None, "牵头", 2023, "GB/T 39999-2020"),  # not a standard of ZJQS
    ("FJQI", "M", "福建省科学技术进步奖", "省部级", "三等奖", "牵头", 2023, None),
]
# (unit, title, indexed, year)
PAPERS = [
    ("M1", "论文一", "SCI", 2023), ("M2", "论文二", "EI", 2023), ("M", "论文三", "北大核心", 2023),
    ("C", "论文四", "SCI", 2023), (None, "论文五", "其他", 2023), ("M1", "论文六", "核心", 2024),
]
TALENT = [("M1", "张三", "首席专家", "院级", 2023), ("M2", "李四", "省级百千万人才", "省级", 2023)]
# (unit, volunteer, date, hours)
VOLUNTEERS = [
    ("M1", "V1", "2023-03-05", 2), ("M1", "V1", "2023-04-05", 3), ("M2", "V1", "2023-05-05", 1.5),
    ("M2", "V2", "2023-05-05", 2), ("C", "V3", "2023-06-05", 4), (None, "V4", "2023-07-05", 1),
]


def write_fixture(data: DataDir) -> None:
    write_xlsx(data.raw / "units" / "内设机构.xlsx", [["浙江省质科院、福建省质检院内设机构名录"], [], *UNITS])
    write_csv(data.raw / "staff" / "staff.csv", [
        ["institute", "unit", "year", "staff_total"],
        ["ZJQS", None, 2021, 110],
        ["ZJQS", "M", 2023, 60], ["ZJQS", "C", 2023, 40], ["ZJQS", "M1", 2023, 25],  # units only: 60 + 40
        ["ZJQS", None, 2024, 120], ["ZJQS", "M", 2024, 70],  # the institute's own row: 120
    ])
    write_csv(data.raw / "project_counts" / "projects.csv", [
        ["institute", "unit", "year", "level", "stage", "count"],
        ["ZJQS", None, 2021, "市级", "在研", 7],
        ["ZJQS", "M1", 2023, "省部级", "在研", 5], ["ZJQS", "M", 2023, "国家级", "在研", 3],
        ["ZJQS", None, 2023, "市级", "在研", 10],
    ])
    write_csv(data.raw / "standards" / "standards.csv",
              [["institute", "unit", "std_no", "title", "role", "publish_date"]]
              + [["ZJQS", u, n, f"标准 {n}", "主持", d] for u, n, d in STANDARDS])
    write_csv(data.raw / "ip_items" / "ip.csv",
              [["institute", "unit", "ip_type", "number", "title", "app_date", "grant_date", "status"]]
              + [["ZJQS", u, "发明", n, f"专利 {n}", "2019-03-01", d, "授权"] for u, n, d in PATENTS])
    write_xlsx(data.raw / "awards" / "科技奖励.xlsx",
               [["科技奖励汇总"], ["单位", "部门", "奖项名称", "奖励级别", "获奖等级", "完成单位角色", "获奖年度", "成果编号"],
                *[list(a) for a in AWARDS]])
    write_csv(data.raw / "papers" / "papers.csv",
              [["institute", "unit", "title", "journal", "indexed", "year"]]
              + [["ZJQS", u, t, "计量学报", i, y] for u, t, i, y in PAPERS])
    write_csv(data.raw / "talent_titles" / "talent.csv",
              [["institute", "unit", "person", "title", "level", "year"]]
              + [["ZJQS", u, p, t, lv, y] for u, p, t, lv, y in TALENT])
    write_csv(data.raw / "volunteer_hours" / "volunteers.csv",
              [["institute", "unit", "activity", "date", "volunteer_id", "hours"]]
              + [["ZJQS", u, "计量宣传", d, v, h] for u, v, d, h in VOLUNTEERS])


@pytest.fixture(scope="module")
def marts(tmp_path_factory):
    data = DataDir(tmp_path_factory.mktemp("units") / "data")
    write_fixture(data)
    result = refresh(data.settings, out=None)
    assert data.query("select count(*) from raw.rejects") == [(0,)]  # every fixture row is loaded
    con = duckdb.connect()
    for mart in ("dim_units", "fct_unit_metric_year", "fct_institute_metric_year", "fct_awards", "fct_standards",
                 "fct_ip_items", "fct_papers", "fct_volunteer_records"):
        con.execute(f"create view {mart} as select * from read_parquet('{result.version / (mart + '.parquet')}')")
    return con


def unit(con, unit_id: str, year: int, metric: str) -> dict | None:
    cursor = con.execute("select * from fct_unit_metric_year where unit_id = ? and year = ? and metric_id = ?",
                         [unit_id, year, metric])
    row = cursor.fetchone()
    return None if row is None else dict(zip([d[0] for d in cursor.description], row, strict=True))


def institute(con, year: int, metric: str) -> dict:
    cursor = con.execute("select * from fct_institute_metric_year where institute_id = 'ZJQS' and year = ? "
                         "and metric_id = ?", [year, metric])
    return dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))


def test_the_register_gives_each_unit_its_depth_parent_and_path(marts):
    rows = marts.execute("select unit_id, parent_unit_id, depth, unit_type, path_zh, path_en, valid_from "
                         "from dim_units order by unit_id").fetchall()
    assert rows == [
        ("FJQI:M", None, 1, "centre", "检测中心", "检测中心", None),
        ("ZJQS:C", None, 1, "division", "化学所", "Chemistry Division", None),
        ("ZJQS:M", None, 1, "centre", "计量中心", "Metrology Centre", None),
        ("ZJQS:M1", "ZJQS:M", 2, "office", "计量中心 / 几何量室", "Metrology Centre / Geometry Office", None),
        ("ZJQS:M2", "ZJQS:M", 2, "office", "计量中心 / 力学室", "Metrology Centre / 力学室", 2022),
    ]


def test_a_room_inside_the_centre_rolls_up_once(marts):
    # awards of 2023: M1 one, M2 one, M itself one (3 for the centre, not 3 + 2), C none; the institute
    # also has one without a unit (4); FJQI's unit M is FJQI's
    assert [unit(marts, u, 2023, "awd_total")["value"] for u in ("ZJQS:M", "ZJQS:M1", "ZJQS:M2", "ZJQS:C")] == [
        3.0, 1.0, 1.0, 0.0]
    assert institute(marts, 2023, "awd_total")["value"] == 4.0
    assert unit(marts, "FJQI:M", 2023, "awd_total")["value"] == 1.0
    # by level and grade: the province's two (M1's second prize, M's first prize) are the centre's
    assert unit(marts, "ZJQS:M", 2023, "awd_prov_ministerial")["value"] == 2.0
    assert unit(marts, "ZJQS:M", 2023, "awd_first_plus")["value"] == 1.0
    assert unit(marts, "ZJQS:M", 2023, "awd_led")["value"] == 2.0
    assert unit(marts, "ZJQS:C", 2024, "awd_bureau")["value"] == 1.0
    # projects ongoing 2023: M1 5 + M 3 = 8 for the centre; 18 with the institute's own 10
    assert (unit(marts, "ZJQS:M", 2023, "prj_ongoing")["value"], institute(marts, 2023, "prj_ongoing")["value"]) == (
        8.0, 18.0)
    # papers 2023: SCI/EI — M1's and M2's for the centre (M's own is core), C's one; 3 for the institute
    assert unit(marts, "ZJQS:M", 2023, "pap_sci_ei")["value"] == 2.0
    assert unit(marts, "ZJQS:M", 2023, "pap_total")["value"] == 3.0
    assert institute(marts, 2023, "pap_sci_ei")["value"] == 3.0
    # standards and patents of 2023
    assert unit(marts, "ZJQS:M", 2023, "std_published")["value"] == 2.0
    assert unit(marts, "ZJQS:M", 2023, "ip_invention_granted")["value"] == 1.0
    assert unit(marts, "ZJQS:M", 2023, "tal_total")["value"] == 2.0


def test_a_volunteer_of_two_rooms_is_one_volunteer_of_the_centre(marts):
    # V1 served with M1 twice and M2 once, V2 with M2: the centre has 2 volunteers, 4 times, 8.5 hours
    centre = {m: unit(marts, "ZJQS:M", 2023, m)["value"] for m in ("vol_volunteers", "vol_person_times", "vol_hours")}
    assert centre == {"vol_volunteers": 2.0, "vol_person_times": 4.0, "vol_hours": 8.5}
    assert unit(marts, "ZJQS:M2", 2023, "vol_volunteers")["value"] == 2.0
    assert unit(marts, "ZJQS:M1", 2023, "vol_volunteers")["value"] == 1.0
    assert institute(marts, 2023, "vol_volunteers")["value"] == 4.0
    units = marts.execute("select unit_id, count(*) from fct_volunteer_records group by all order by all").fetchall()
    assert units == [("ZJQS:C", 1), ("ZJQS:M1", 2), ("ZJQS:M2", 2), (None, 1)]  # the records keep their unit


def test_ranks_and_shares_are_among_the_units_of_one_depth(marts):
    centre, division = unit(marts, "ZJQS:M", 2023, "awd_total"), unit(marts, "ZJQS:C", 2023, "awd_total")
    assert (centre["level_rank"], centre["level_n"], division["level_rank"], division["level_n"]) == (1, 2, 2, 2)
    assert (centre["institute_value"], centre["institute_share"]) == (4.0, 0.75)
    m1, m2 = unit(marts, "ZJQS:M1", 2023, "awd_total"), unit(marts, "ZJQS:M2", 2023, "awd_total")
    assert (m1["level_rank"], m2["level_rank"], m1["level_n"]) == (1, 1, 2)  # tied, ranked among the rooms only
    assert m1["institute_share"] == 0.25
    papers = {u: unit(marts, u, 2023, "pap_total") for u in ("ZJQS:M", "ZJQS:C")}
    assert {u: (r["level_rank"], r["institute_share"]) for u, r in papers.items()} == {
        "ZJQS:M": (1, 0.6), "ZJQS:C": (2, 0.2)}


def test_a_unit_has_rows_only_from_the_year_it_exists(marts):
    span = marts.execute("select min(year), max(year) from fct_institute_metric_year "
                         "where institute_id = 'ZJQS'").fetchone()
    assert span == (2021, 2024)
    years = marts.execute("select unit_id, min(year), max(year), count(distinct metric_id) from fct_unit_metric_year "
                          "where institute_id = 'ZJQS' group by all order by all").fetchall()
    catalog = marts.execute("select count(distinct metric_id) from fct_institute_metric_year").fetchone()[0]
    assert years == [("ZJQS:C", 2021, 2024, catalog), ("ZJQS:M", 2021, 2024, catalog),
                     ("ZJQS:M1", 2021, 2024, catalog), ("ZJQS:M2", 2022, 2024, catalog)]
    first = unit(marts, "ZJQS:M2", 2022, "awd_total")
    assert (first["value"], first["prior_value"]) == (0.0, None)
    # projects are yearly figures: 2022 has none at all, so it is a gap for the institute and its units
    gap = unit(marts, "ZJQS:M", 2022, "prj_ongoing")
    assert (gap["is_reported"], gap["value"], gap["level_rank"]) == (False, None, None)


def test_the_institutes_staff_is_its_own_row_or_its_top_units(marts):
    staff = dict(marts.execute("select year, staff_total from fct_institute_metric_year where institute_id = 'ZJQS' "
                               "and metric_id = 'awd_total' order by year").fetchall())
    assert staff == {2021: 110, 2022: None, 2023: 100, 2024: 120}  # 2023: M 60 + C 40, M1 inside M not added
    centre = unit(marts, "ZJQS:M", 2023, "pap_total")
    assert (centre["staff_total"], centre["per_100_staff"]) == (60, 5.0)


def test_awards_link_to_the_standard_or_patent_they_were_for(marts):
    linked = dict(marts.execute("select award_name, is_linked from fct_awards where institute_id = 'ZJQS'").fetchall())
    assert linked == {"浙江省科学技术进步奖": True, "市场监管总局科技奖": True, "中国仪器仪表学会科学技术奖": False,
                      "科技兴检奖": False, "浙江省标准贡献奖": False}
    standards = marts.execute("select std_no, unit_id, award_count, award_names from fct_standards "
                              "order by std_no").fetchall()
    assert standards == [(S1, "ZJQS:M1", 1, "浙江省科学技术进步奖"), (S2, "ZJQS:M", 0, None), (S3, None, 0, None)]
    patents = marts.execute("select ip_number, unit_id, award_count, award_names from fct_ip_items "
                            "order by ip_number").fetchall()
    assert patents == [(P2, "ZJQS:C", 0, None), (P1, "ZJQS:M1", 1, "市场监管总局科技奖")]
    units = dict(marts.execute("select award_name, unit_id from fct_awards where institute_id = 'ZJQS'").fetchall())
    assert units["浙江省科学技术进步奖"] == "ZJQS:M1"  # named by the unit's name in the file
    assert units["浙江省标准贡献奖"] is None
