"""The bundled demo: the shipped files are what the generator makes, every planted bad row is
quarantined with its reason and nothing else is, counts are conserved per file, and the
figures the institutes published (the README's demo table) can be recovered from the loaded rows."""
from __future__ import annotations

import filecmp

import pytest

from pipelines.config import PROJECT_ROOT, Settings
from pipelines.demo import DATASETS, generate
from pipelines.evaluation.store import latest
from pipelines.ingest import ingest
from tests.conftest import TODAY, DataDir

SHIPPED = Settings(data_dir=PROJECT_ROOT / "data")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo") / "data"
    data = DataDir.__new__(DataDir)
    data.settings = Settings(data_dir=root, id_salt="test-salt", today=TODAY)
    data.raw = data.settings.raw_dir
    planted = generate(data.raw, data.settings.rules_dir)
    result = ingest(data.settings, out=None)
    return data, planted, result


def differing_files(shipped, generated) -> list[str]:
    comparison = filecmp.dircmp(shipped, generated)
    differing = []

    def walk(c):
        differing.extend(c.left_only + c.right_only + c.diff_files)
        for sub in c.subdirs.values():
            walk(sub)

    walk(comparison)
    return differing


def test_shipped_demo_files_are_what_the_generator_makes(demo):
    data, _, _ = demo
    assert differing_files(SHIPPED.raw_dir, data.raw) == [], "run `make demo` and commit data/raw/"
    assert differing_files(SHIPPED.rules_dir, data.settings.rules_dir) == [], "run `make demo` and commit data/rules/"
    # each year is scored by its highest version: 2024's second (a weight changed) stands, not its first
    current = {year: v.version for year, v in latest(data.settings.rules_dir).items()}
    assert current[2024] == 2
    assert data.query("select year, max(rules_version) from raw.evaluation_scopes group by year order by year") \
        == sorted(current.items())


def test_every_planted_row_and_nothing_else_is_quarantined(demo):
    data, planted, _ = demo
    expected = sorted((p.dataset, f"{p.dataset}/{p.file_name}", p.source_row, p.reason_code) for p in planted)
    found = data.query("select dataset, source_file, source_row, reason_code from raw.rejects order by all")
    assert found == expected
    assert {p.reason_code for p in planted} >= {"unknown_institute", "patent_check_char", "std_number_unrecognised",
                                                 "duplicate", "hours_out_of_range", "future_date", "unknown_unit",
                                                 "bad_doi", "unknown_level"}
    assert {p.dataset for p in planted} >= {"awards", "papers"}


def test_every_dataset_has_files_and_the_planted_warnings_only_warn(demo):
    data, _, _ = demo
    assert {d for (d,) in data.query("select distinct dataset from raw.load_log")} == set(DATASETS)
    # a document number where an award's standard or patent would be: kept, with a warning
    assert data.query("select source_file, reason_code from raw.warnings where reason_code = 'unlinked_reference'") \
        == [("awards/ZJSI_awards.csv", "unlinked_reference")]
    assert data.query("select count(*) from raw.warnings where reason_code = 'unit_not_valid_in_year'") == [(0,)]


def test_rows_are_conserved_for_every_file(demo):
    data, _, result = demo
    assert len(result.files) == sum(1 for p in data.raw.rglob("*") if p.is_file())
    for stats in result.files:
        accepted = data.query(f"select count(*) from raw.{stats.dataset} where source_file = ?", [stats.source_file])
        rejected = data.query("select count(*) from raw.rejects where source_file = ?", [stats.source_file])
        assert stats.rows_read == stats.accepted + stats.rejected > 0
        assert (accepted[0][0], rejected[0][0]) == (stats.accepted, stats.rejected)


def test_the_fujian_total_row_is_checked_not_loaded(demo):
    data, _, _ = demo
    log = data.query("select total_rows from raw.load_log where source_file like 'project_counts/福建省质检院%'")
    assert log == [(1,)]
    assert data.query("select count(*) from raw.warnings where reason_code = 'total_mismatch'") == [(0,)]


def one(data, sql):
    return data.query(sql)[0][0]


def test_published_figures_fujian_quality_inspection_2019(demo):
    data, _, _ = demo
    where = "institute_id = 'FJQI' and year = 2019"
    assert one(data, f"select sum(count) from raw.project_counts where {where} and stage = 'initiated'") == 59
    assert one(data, f"select sum(count) from raw.project_counts where {where} and stage = 'initiated' "
                     "and level in ('national', 'provincial_ministerial')") == 2
    funders = data.query(f"select funder, sum(count) from raw.project_counts where {where} and stage = 'initiated' "
                         "and funder is not null group by funder order by funder")
    assert dict(funders) == {"市场监管总局": 1, "省科技厅": 2, "省市场监管局": 11}
    assert one(data, f"select sum(count) from raw.project_counts where {where} and stage = 'accepted'") == 32
    external = dict(data.query(f"select evaluation, sum(count) from raw.project_counts where {where} "
                               "and stage = 'accepted' and level <> 'internal' group by evaluation"))
    assert external == {"domestic_leading": 14, "domestic_advanced": 3}
    granted = dict(data.query("select ip_kind, count(*) from raw.ip_items where institute_id = 'FJQI' "
                              "and year(grant_date) = 2019 group by ip_kind"))
    assert (granted.get("invention"), granted.get("software")) == (2, 1)


def test_published_figures_fujian_standardization_to_2023(demo):
    data, _, _ = demo
    assert one(data, "select count(*) from raw.standards where institute_id = 'FJSI' and year(publish_date) <= 2023 "
                     "and std_level in ('national', 'industry', 'local')") == 213


# the rows of 浙江省质量科学研究院's 先进制造计量研究中心 and of the 室 inside it (parents are stored as codes)
CENTRE_CODE = "(select unit_code from raw.units where institute_id = 'ZJQS' and name_zh = '先进制造计量研究中心')"
CENTRE = (f"institute_id = 'ZJQS' and unit_code in (select unit_code from raw.units where institute_id = 'ZJQS' "
          f"and (unit_code = {CENTRE_CODE} or parent = {CENTRE_CODE}))")


@pytest.fixture(scope="module")
def centre(demo):
    data, _, _ = demo
    types = data.query(f"select unit_type, count(*) from raw.units where {CENTRE} group by all order by all")
    assert types == [("centre", 1), ("office", 2)]
    return data, CENTRE


def test_published_figures_zhejiang_quality_sciences(centre):
    data, where = centre
    ip = dict(data.query(f"select ip_kind, count(*) from raw.ip_items where {where} "
                         "and year(grant_date) between 2022 and 2024 group by ip_kind"))
    assert 20 <= ip["invention"] < 30 and 30 <= ip["utility"] < 40 and 40 <= ip["software"] < 50  # 20余/30余/40余
    assert sum(ip.values()) > 100
    everyone = one(data, "select count(*) from raw.ip_items where institute_id = 'ZJQS' "
                         "and year(grant_date) between 2022 and 2024")
    assert everyone > sum(ip.values())  # the other centres have items of their own
    specs = dict(data.query("select case when std_level = 'metrology_local' then 'local' else left(std_no, 3) end, "
                            f"count(*) from raw.standards where {where} and year(publish_date) <= 2024 "
                            "and std_level like 'metrology%' group by 1"))
    assert 10 <= specs["JJG"] < 20 and 50 <= specs["JJF"] < 60 and 10 <= specs["local"] < 20
    assert 70 <= sum(specs.values()) < 80


def test_published_figures_zhejiang_centre_awards_papers_projects(centre):
    data, where = centre
    since_2021 = dict(data.query(f"select level, count(*) from raw.awards where {where} and year between 2021 and 2024 "
                                 "group by level"))
    assert 20 <= sum(since_2021.values()) < 30 and 10 <= since_2021["provincial_ministerial"] < 20
    named = dict(data.query(f"select award_name, count(*) from raw.awards where {where} and year between 2021 and 2024 "
                            "and level = 'provincial_ministerial' group by award_name"))
    assert (named["浙江省科学技术进步奖"], named["市场监管总局科技奖"]) == (5, 1)
    assert data.query("select role, count(*) from raw.awards where institute_id = 'ZJQS' and year = 2023 "
                      "and award_name = '浙江省科学技术进步奖' group by role") == [("lead", 3)]
    society = data.query(f"select awarding_body, grade, role from raw.awards where {where} and year = 2024 "
                         "and level = 'society'")
    assert sorted((g, r) for b, g, r in society if b == "中国仪器仪表学会") == [
        ("second", "lead"), ("second", "main_participant"), ("third", "lead"), ("third", "main_participant")]
    assert sorted((b, g) for b, g, _ in society if b != "中国仪器仪表学会") == [("中国发明协会", "second"),
                                                                             ("中国商业联合会", "third")]
    assert data.query(f"select grade from raw.awards where {where} and year = 2024 "
                      "and award_name = '市场监管科研成果奖'") == [("third",)]
    papers = dict(data.query(f"select indexed in ('sci', 'ei'), count(*) from raw.papers where {where} "
                             "and year between 2022 and 2024 and indexed <> 'other' group by 1"))
    assert 20 <= papers[True] < 30 and 20 <= papers[False] < 30  # 20余 SCI/EI, 20余 core
    ongoing = dict(data.query(f"select level, sum(count) from raw.project_counts where {where} and year = 2024 "
                              "and stage = 'ongoing' group by level"))
    vertical = sum(ongoing[lv] for lv in ("national", "provincial_ministerial", "bureau", "city"))
    assert 70 <= vertical < 80 and ongoing["national"] + ongoing["provincial_ministerial"] == 25
    accepted = dict(data.query(f"select level, sum(count) from raw.project_counts where {where} and year = 2024 "
                               "and stage = 'accepted' group by level"))
    assert (accepted["national"], accepted["provincial_ministerial"]) == (4, 17)


def test_published_figures_fujian_laboratories_and_talent_titles(demo):
    data, _, _ = demo
    labs = data.query("select u.unit_code, p.unit_type from raw.units u join raw.units p on p.institute_id = "
                      "u.institute_id and p.unit_code = u.parent where u.institute_id = 'FJQI' and u.unit_type = 'team'")
    assert len(labs) == 27 and {t for _, t in labs} == {"division"}
    served = data.query("select count(distinct (unit_code, year(date))) from raw.volunteer_hours "
                        "where institute_id = 'FJQI' and unit_code in (select unit_code from raw.units "
                        "where institute_id = 'FJQI' and unit_type = 'team') and year(date) between 2015 and 2024")
    assert served == [(270,)]  # every laboratory, every year
    titles = dict(data.query("select title, count(*) from raw.talent_titles where institute_id = 'FJQI' group by 1"))
    assert (titles["首席专家"], titles["质检工匠"], titles["青年拔尖技术能手"]) == (4, 4, 30)
    assert data.query("select year, level from raw.talent_titles where institute_id = 'FJQI' "
                      "and title like '%百千万人才%'") == [(2021, "provincial_ministerial")]


def test_published_figures_fujian_standardization_projects_and_awards(demo):
    data, _, _ = demo
    assert one(data, "select sum(count) from raw.project_counts where institute_id = 'FJSI' and stage = 'accepted' "
                     "and level in ('national', 'provincial_ministerial')") == 171
    assert data.query("select count(*) from raw.awards where institute_id = 'FJSI' and level = 'bureau' "
                      "and award_name like '%科技兴检奖'") == [(4,)]
    assert one(data, "select count(*) from raw.awards where institute_id = 'FJSI' and level = 'bureau'") == 4
    won = dict(data.query("select a.award_name, count(distinct s.std_no) from raw.awards a join raw.standards s "
                          "on s.institute_id = a.institute_id and s.std_no = a.for_ref where a.institute_id = 'FJSI' "
                          "and year(s.publish_date) <= 2023 and s.std_level in ('national', 'industry', 'local') "
                          "group by 1"))
    assert won == {"福建省标准贡献奖": 13, "中国标准创新贡献奖": 1}
