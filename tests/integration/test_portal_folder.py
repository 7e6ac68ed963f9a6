"""The portal folder (data/raw/<dataset>/portal/<institute>/<year>.<ext>) and the upload check.

A portal file is the whole of its institute-year: the refresh sets aside that institute-year's rows in
the drop-folder files and says so; a resubmission without a row removes the row; a row of another
institute or year in it is quarantined. The units register is submitted whole: an institute's latest
portal file is its register, its rows elsewhere set aside. The upload check runs the ingest's own code on the file as if it
stood there: on the demo's files and messy variants of them it gives the refresh's verdicts, row by row."""
from __future__ import annotations

import io
import shutil

import duckdb
import pytest

from pipelines.config import PROJECT_ROOT, Settings
from pipelines.contracts import CONTRACTS
from pipelines.errors import FileError
from pipelines.ingest import ingest
from pipelines.ingest.portal import portal_path
from pipelines.submissions.check import check_submission
from pipelines.submissions.register_use import UnitInUse
from tests.conftest import TODAY, DataDir, write_csv, write_xlsx

PROJECTS = ["单位", "年度", "项目级别", "阶段", "数量"]
DEMO_RAW = PROJECT_ROOT / "data" / "raw"


def projects(data: DataDir, rel: str, rows: list[list]):
    return write_csv(data.raw / "project_counts" / rel, [PROJECTS, *rows])


def loaded(data: DataDir, institute: str, year: int) -> list[tuple]:
    return data.query("select source_file, level, stage, count from raw.project_counts "
                      "where institute_id = ? and year = ? order by all", [institute, year])


def test_a_portal_file_is_the_whole_of_its_institute_year(data):
    projects(data, "emailed.csv", [["FJQI", "2023", "国家级", "立项", "3"], ["FJQI", "2024", "国家级", "立项", "5"],
                                   ["FJQI", "2024", "省级", "在研", "2"], ["FJSI", "2024", "国家级", "立项", "9"]])
    projects(data, "portal/FJQI/2024.csv", [["福建省质检院", "2024", "国家级", "立项", "6"]])
    out = io.StringIO()
    result = ingest(data.settings, out=out)
    # FJQI 2024 from the portal file alone: the e-mailed 5 and 2 are not counted beside it
    assert loaded(data, "FJQI", 2024) == [("project_counts/portal/FJQI/2024.csv", "national", "initiated", 6)]
    assert loaded(data, "FJQI", 2023) == [("project_counts/emailed.csv", "national", "initiated", 3)]
    assert loaded(data, "FJSI", 2024) == [("project_counts/emailed.csv", "national", "initiated", 9)]
    emailed = next(f for f in result.files if f.source_file == "project_counts/emailed.csv")
    assert (emailed.rows_read, emailed.accepted, emailed.rejected) == (2, 2, 0)
    assert emailed.superseded == ["2 rows of FJQI 2024: project_counts/portal/FJQI/2024.csv"]
    assert "set aside 2 rows of FJQI 2024: project_counts/portal/FJQI/2024.csv" in out.getvalue()
    assert "portal submission" in data.log("project_counts/emailed.csv")["notes"]
    assert data.rejects("project_counts") == []


def test_a_resubmission_without_a_row_removes_it(data):
    portal = projects(data, "portal/FJQI/2024.csv", [["FJQI", "2024", "国家级", "立项", "6"],
                                                     ["FJQI", "2024", "省级", "在研", "2"]])
    data.ingest()
    assert len(loaded(data, "FJQI", 2024)) == 2
    write_csv(portal, [PROJECTS, ["FJQI", "2024", "国家级", "立项", "6"]])
    data.ingest()
    assert [row[1:] for row in loaded(data, "FJQI", 2024)] == [("national", "initiated", 6)]


def test_a_portal_file_holds_its_own_institute_and_year_only(data):
    projects(data, "portal/FJQI/2024.csv", [["FJQI", "2024", "国家级", "立项", "6"], ["FJQI", "2023", "国家级", "立项", "1"],
                                            ["FJSI", "2024", "国家级", "立项", "1"]])
    data.ingest()
    assert data.rejects("project_counts") == [("project_counts/portal/FJQI/2024.csv", 3, "年度", "not_this_year"),
                                              ("project_counts/portal/FJQI/2024.csv", 4, "单位", "not_this_institute")]
    [(zh, en)] = data.query("select message_zh, message_en from raw.rejects where reason_code = 'not_this_year'")
    assert "2023" in zh and "2024" in zh and "submission for 2024" in en


@pytest.mark.parametrize("name", ["portal/FJQI/2024 (2).csv", "portal/FJQI.csv", "portal/FJQI/24.csv"])
def test_a_file_the_portal_did_not_name_is_refused(data, name):
    projects(data, name, [["FJQI", "2024", "国家级", "立项", "6"]])
    with pytest.raises(FileError) as error:
        data.ingest()
    assert error.value.file == f"project_counts/{name}" and "portal" in error.value.problem_en


def test_two_portal_files_of_one_institute_year_are_refused(data):
    projects(data, "portal/FJQI/2024.csv", [["FJQI", "2024", "国家级", "立项", "6"]])
    write_xlsx(data.raw / "project_counts" / "portal/FJQI/2024.xlsx", [PROJECTS, ["FJQI", "2024", "国家级", "立项", "6"]])
    with pytest.raises(FileError) as error:
        data.ingest()
    assert "same institute and year" in error.value.problem_en


# --- the upload check gives the refresh's verdicts -------------------------------------------------------

def with_demo_registers(settings: Settings) -> Settings:
    """The demo's institute and units registers in the settings' raw folder."""
    for register in ("institutes", "units"):
        shutil.copytree(DEMO_RAW / register, settings.raw_dir / register)
    return settings


def verdicts_of_the_refresh(tmp_path, dataset: str, institute: str, year: int, source) -> tuple:
    """The refresh's verdicts on `source` standing as the portal file of (institute, dataset, year), in a
    data folder with the demo's registers and nothing else."""
    settings = with_demo_registers(Settings(data_dir=tmp_path / "refresh", id_salt="test-salt", today=TODAY))
    rel = portal_path(dataset, institute, year, source.suffix)
    (settings.raw_dir / rel).parent.mkdir(parents=True)
    shutil.copy(source, settings.raw_dir / rel)
    [stats] = [f for f in ingest(settings, out=None).files if f.source_file == rel]
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        issues = con.execute("select 'error', source_sheet, source_row, source_column, reason_code, message_en from raw.rejects "
                             "where source_file = $1 union all select 'warning', source_sheet, source_row, source_column, "
                             "reason_code, message_en from raw.warnings where source_file = $1 order by all", [rel]).fetchall()
    return stats.rows_read, stats.accepted, issues


def verdicts_of_the_check(tmp_path, dataset: str, institute: str, year: int, source) -> tuple:
    settings = with_demo_registers(Settings(data_dir=tmp_path / "check", id_salt="test-salt", today=TODAY))
    result = check_submission(settings, dataset, institute, year, source)
    issues = sorted((f.severity, f.sheet, f.row, f.header, f.code, f.en) for f in result.findings)
    return result.rows_read, result.accepted, issues


DEMO_FILES = [  # (dataset, file, institute, year)
    ("project_counts", "福建省质检院科研项目统计2015-2024.xlsx", "FJQI", 2019),
    ("project_counts", "福建省标准化研究院科研项目统计.csv", "FJSI", 2023),
    ("ip_items", "福建省质检院知识产权清单2015-2024.xlsx", "FJQI", 2021),
    ("ip_items", "浙江省质科院知识产权汇总.csv", "ZJQS", 2024),
    ("standards", "福建省标准化院标准起草清单2015-2024.xlsx", "FJSI", 2020),
    ("standards", "浙江省质科院标准与计量技术规范.xlsx", "ZJQS", 2023),
    ("volunteer_hours", "福建省质检院志愿服务台账2015-2024.csv", "FJQI", 2023),
    ("volunteer_hours", "浙江省质科院志愿服务时长统计.xlsx", "ZJQS", 2022),
    ("staff", "各单位职工人数.csv", "FJMI", 2024),
    ("awards", "浙江省质科院科技奖励.xlsx", "ZJQS", 2024),
    ("awards", "福建省质检院科技奖励汇总.csv", "FJQI", 2021),
    ("papers", "浙江省质科院论文清单2015-2024.xlsx", "ZJQS", 2023),
    ("talent_titles", "福建省质检院人才称号获得情况.xlsx", "FJQI", 2021),
    ("units", "浙江省质科院内设机构.xlsx", "ZJQS", 2024),  # the register of one institute: checked alone
]


@pytest.mark.parametrize(("dataset", "name", "institute", "year"), DEMO_FILES, ids=[f[1] for f in DEMO_FILES])
def test_the_check_gives_the_refreshs_verdicts_on_the_demo_files(tmp_path, dataset, name, institute, year):
    source = DEMO_RAW / dataset / name
    refresh = verdicts_of_the_refresh(tmp_path, dataset, institute, year, source)
    check = verdicts_of_the_check(tmp_path, dataset, institute, year, source)
    assert check[:2] == refresh[:2] and check[1] > 0
    assert [(s, sheet, row, header, code, en) for s, sheet, row, header, code, en in check[2]] == \
        [(s, sheet, row, header, code, en) for s, sheet, row, header, code, en in refresh[2]]


MESSY = [
    # GBK, a title row, full-width digits, "20余", a 合计 row, a blank line, an unknown level, another year
    ("gbk.csv", "gb18030", [["福建省质检院科研项目统计（2024年）"], PROJECTS,
                            ["福建省质检院", "２０２４", "国家级", "立项", "20余"],
                            ["FJQI", "2024年", "省级", "在研", "3项"], [],
                            ["FJQI", "2024", "世界级", "立项", "1"], ["FJQI", "2023", "国家级", "立项", "1"],
                            ["合计", "", "", "", "25"]]),
    ("bom.csv", "utf-8-sig", [PROJECTS, ["福建质检院", "2024", "国家级", "验收", "2"], ["FJQI", "2024", "国家级", "验收", "2"],
                              ["FJQI", "2024", "国家级", "", "x"]]),
]


@pytest.mark.parametrize(("name", "encoding", "rows"), MESSY, ids=[m[0] for m in MESSY])
def test_the_check_gives_the_refreshs_verdicts_on_messy_files(tmp_path, name, encoding, rows):
    source = write_csv(tmp_path / "files" / name, rows, encoding)
    refresh = verdicts_of_the_refresh(tmp_path, "project_counts", "FJQI", 2024, source)
    check = verdicts_of_the_check(tmp_path, "project_counts", "FJQI", 2024, source)
    assert check[:2] == refresh[:2]
    assert [i[:5] for i in check[2]] == [(s, sheet, row, header, code) for s, sheet, row, header, code, _ in refresh[2]]
    assert {i[4] for i in check[2]} == {"gbk.csv": {"unknown_level", "not_this_year"},
                                        "bom.csv": {"duplicate", "missing_value"}}[name]


def test_a_messy_workbook_with_a_title_row(tmp_path):
    source = write_xlsx(tmp_path / "files" / "projects.xlsx",
                        [["福建省质检院 2024 年科研项目"], PROJECTS, ["FJQI", 2024, "国家级", "立项", 4],
                         ["FJQI", 2024, "国家级", "立项", 4], ["FJQI", 2031, "国家级", "立项", 1]], sheet="项目")
    refresh = verdicts_of_the_refresh(tmp_path, "project_counts", "FJQI", 2024, source)
    check = verdicts_of_the_check(tmp_path, "project_counts", "FJQI", 2024, source)
    assert check[:2] == refresh[:2] == (3, 1)
    # a duplicate is named by the key's last column, here one the file has no header for
    assert [i[:5] for i in check[2]] == [("error", "项目", 4, "evaluation", "duplicate"), ("error", "项目", 5, "年度", "future_year")]


def test_a_file_the_refresh_would_refuse_is_refused_by_the_check(tmp_path):
    source = write_csv(tmp_path / "files" / "x.csv", [["甲", "乙"], ["1", "2"]])
    settings = Settings(data_dir=tmp_path / "check", id_salt="test-salt", today=TODAY)
    shutil.copytree(DEMO_RAW / "institutes", settings.raw_dir / "institutes")
    result = check_submission(settings, "project_counts", "FJQI", 2024, source)
    assert result.refused and result.accepted == 0
    [finding] = result.errors
    assert finding.code == "file_refused" and finding.row is None and "年度" in finding.zh


def test_the_submitted_datasets_are_those_with_a_reporting_year():
    from pipelines.submissions.check import SUBMITTED
    assert set(SUBMITTED) == {"project_counts", "ip_items", "standards", "volunteer_hours", "staff", "awards", "papers",
                              "talent_titles", "units"}
    assert all(CONTRACTS[d].figure for d in SUBMITTED)


def test_a_record_submitted_again_in_a_later_year_is_that_years(data):
    """A patent filed in 2023 (in the 2023 submission) and granted in 2024 (listed again by the 2024
    submission): the later state counts, the earlier row is set aside rather than the later one being
    quarantined as its duplicate."""
    header = ["单位", "类型", "申请号", "名称", "申请日", "授权日", "法律状态"]
    number = "CN2013115537397"
    write_csv(data.raw / "ip_items" / "portal" / "FJQI" / "2023.csv",
              [header, ["FJQI", "发明", number, "一种方法", "2023-03-01", "", "申请"]])
    write_csv(data.raw / "ip_items" / "portal" / "FJQI" / "2024.csv",
              [header, ["FJQI", "发明", number, "一种方法", "2023-03-01", "2024-06-01", "授权"]])
    result = data.ingest()
    assert data.query("select source_file, status from raw.ip_items") == [("ip_items/portal/FJQI/2024.csv", "granted")]
    assert data.rejects("ip_items") == []
    earlier = next(f for f in result.files if f.source_file == "ip_items/portal/FJQI/2023.csv")
    assert (earlier.rows_read, earlier.superseded) == (0, ["1 rows submitted again in ip_items/portal/FJQI/2024.csv"])


def test_the_check_refuses_a_workbook_over_the_refreshs_limits(tmp_path):
    source = write_xlsx(tmp_path / "files" / "big.xlsx", [PROJECTS, *[["FJQI", 2024, "国家级", "立项", k] for k in range(50)]])
    settings = Settings(data_dir=tmp_path / "check", id_salt="test-salt", today=TODAY, max_workbook_cells=100)
    shutil.copytree(DEMO_RAW / "institutes", settings.raw_dir / "institutes")
    result = check_submission(settings, "project_counts", "FJQI", 2024, source)
    assert result.refused and result.accepted == 0
    assert "limit" in result.errors[0].en


# --- the units register, submitted whole ---------------------------------------------------------------

UNITS = ["单位", "部门代码", "部门名称", "类型", "上级部门", "设立年份", "撤销年份"]


def units(data: DataDir, rel: str, rows: list[list]):
    return write_csv(data.raw / "units" / rel, [UNITS, *rows])


def test_an_institutes_latest_register_is_its_whole_register(data):
    """FJQI's 2024 register from the portal replaces its rows in the e-mailed register and in its own 2023
    submission (a unit renamed, one added, one dropped); FJSI's e-mailed rows stay; a row of another
    institute in FJQI's file is quarantined, and no row of a register is out of its year."""
    units(data, "emailed.csv", [["FJQI", "A01", "化学所", "所", "", "2015", ""],
                                ["FJQI", "A02", "机械所", "所", "", "2015", ""],
                                ["FJSI", "B01", "标准化所", "所", "", "", ""]])
    units(data, "portal/FJQI/2023.csv", [["FJQI", "A01", "化学所", "所", "", "2015", ""],
                                         ["FJQI", "A02", "机械所", "所", "", "2015", ""],
                                         ["FJQI", "A09", "旧实验室", "班组", "A02", "2015", ""]])
    units(data, "portal/FJQI/2024.csv", [["FJQI", "A01", "化学检测所", "所", "", "2015", ""],
                                         ["FJQI", "A03", "电子所", "所", "", "2024", ""],
                                         ["FJQI", "A31", "电子实验室", "班组", "电子所", "2024", ""],
                                         ["FJSI", "B02", "他院的所", "所", "", "", ""]])
    projects(data, "emailed.csv", [["FJQI", "2024", "国家级", "立项", "3"]])
    write_csv(data.raw / "project_counts" / "by_unit.csv",
              [[*PROJECTS, "部门"], ["FJQI", "2023", "国家级", "立项", "1", "机械所"],
               ["FJQI", "2024", "国家级", "立项", "1", "电子实验室"]])
    out = io.StringIO()
    result = ingest(data.settings, out=out)
    assert data.query("select cast(institute_id as varchar), unit_code, name_zh, parent, source_file from raw.units "
                      "order by all") == [
        ("FJQI", "A01", "化学检测所", None, "units/portal/FJQI/2024.csv"),
        ("FJQI", "A03", "电子所", None, "units/portal/FJQI/2024.csv"),
        ("FJQI", "A31", "电子实验室", "A03", "units/portal/FJQI/2024.csv"),
        ("FJSI", "B01", "标准化所", None, "units/emailed.csv")]
    stats = {f.source_file: f for f in result.files if f.dataset == "units"}
    assert stats["units/emailed.csv"].superseded == ["2 rows of FJQI: units/portal/FJQI/2024.csv"]
    assert (stats["units/portal/FJQI/2023.csv"].rows_read, stats["units/portal/FJQI/2023.csv"].superseded) == \
        (0, ["3 rows of FJQI: units/portal/FJQI/2024.csv"])
    assert "set aside 3 rows of FJQI: units/portal/FJQI/2024.csv" in out.getvalue()
    assert "whole of that institute's register" in data.log("units/emailed.csv")["notes"]
    assert data.rejects("units") == [("units/portal/FJQI/2024.csv", 5, "单位", "not_this_institute")]
    # the unit the new register dropped quarantines the row naming it; the one it added resolves
    assert data.rejects("project_counts") == [("project_counts/by_unit.csv", 2, "部门", "unknown_unit")]
    assert data.query("select unit_code from raw.project_counts where unit_code is not null") == [("A31",)]


def test_a_units_submission_is_checked_alone_and_against_a_later_accepted_register(data):
    """The check of a units register gives its own verdicts (not the registers' on disk), the units it
    registers for the cross-use check, and refuses a register older than the institute's accepted one."""
    units(data, "emailed.csv", [["FJQI", "A01", "化学所", "所", "", "", ""], ["FJQI", "A01", "重复", "所", "", "", ""]])
    upload = units(data, "../upload.csv", [["FJQI", "A01", "化学所", "所", "", "2015", "2010"],
                                           ["FJQI", "A02", "机械所", "所", "不存在的所", "2015", ""],
                                           ["FJQI", "A03", "电子所", "所", "", "2015", ""],
                                           ["福建省标准化院", "B01", "标准化所", "所", "", "", ""]])
    result = check_submission(data.settings, "units", "FJQI", 2024, upload)
    assert [(f.severity, f.row, f.header, f.code) for f in result.findings] == [
        ("error", 2, "撤销年份", "unit_valid_range"), ("error", 3, "上级部门", "unknown_parent"),
        ("error", 5, "单位", "not_this_institute")]
    assert (result.rows_read, result.accepted, result.figure) == (4, 1, 1.0)
    # against the units the published rows name: A01 and A02 are quarantined here, so gone; A03 is kept
    in_use = [UnitInUse("A01", "化学所", None, "化学室", 5), UnitInUse("A02", "机械所", None, None, 2),
              UnitInUse("A03", "电子所", None, None, 7)]
    [finding] = [f for f in check_submission(data.settings, "units", "FJQI", 2024, upload, in_use=in_use).findings
                 if f.code == "unit_in_use_missing"]
    assert "7 published rows" in finding.en and "化学所 (A01, 5 rows); 机械所 (A02, 2 rows)" in finding.en
    units(data, "portal/FJQI/2025.csv", [["FJQI", "A01", "化学所", "所", "", "", ""]])
    older = check_submission(data.settings, "units", "FJQI", 2024, upload)
    [refusal] = older.findings
    assert older.refused and refusal.code == "register_superseded" and "2025" in refusal.en
    assert not check_submission(data.settings, "units", "FJQI", 2025, upload).refused


def test_the_check_of_a_row_resolves_its_unit_in_the_accepted_register_not_yet_refreshed(data):
    """A units register accepted (the portal file written) but not yet read by a refresh: the upload check
    of another dataset resolves units against it, not against the e-mailed register it replaces."""
    units(data, "emailed.csv", [["FJQI", "A01", "化学所", "所", "", "", ""]])
    units(data, "portal/FJQI/2024.csv", [["FJQI", "A02", "机械所", "所", "", "", ""]])
    upload = write_csv(data.raw / ".." / "upload.csv", [[*PROJECTS, "部门"], ["FJQI", "2024", "国家级", "立项", "1", "化学所"],
                                                        ["FJQI", "2024", "省级", "立项", "1", "机械所"]])
    result = check_submission(data.settings, "project_counts", "FJQI", 2024, upload)
    assert [(f.row, f.header, f.code) for f in result.errors] == [(2, "部门", "unknown_unit")]
    assert "FJQI" in result.errors[0].zh and "units register" in result.errors[0].en
