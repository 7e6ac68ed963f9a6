"""The bundled demo: the shipped files are what the generator makes, every planted bad row is
quarantined with its reason and nothing else is, counts are conserved per file, and the
figures the institutes published (the README's demo table) can be recovered from the loaded rows."""
from __future__ import annotations

import filecmp

import pytest

from pipelines.config import PROJECT_ROOT, Settings
from pipelines.demo import generate
from pipelines.ingest import ingest
from tests.conftest import TODAY, DataDir

SHIPPED_RAW = PROJECT_ROOT / "data" / "raw"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo") / "data"
    planted = generate(root / "raw")
    data = DataDir.__new__(DataDir)
    data.settings = Settings(data_dir=root, id_salt="test-salt", today=TODAY)
    data.raw = data.settings.raw_dir
    result = ingest(data.settings, out=None)
    return data, planted, result


def test_shipped_demo_files_are_what_the_generator_makes(demo):
    data, _, _ = demo
    comparison = filecmp.dircmp(SHIPPED_RAW, data.raw)
    differing = []

    def walk(c):
        differing.extend(c.left_only + c.right_only + c.diff_files)
        for sub in c.subdirs.values():
            walk(sub)

    walk(comparison)
    assert differing == [], "run `make demo` and commit data/raw/"


def test_every_planted_row_and_nothing_else_is_quarantined(demo):
    data, planted, _ = demo
    expected = sorted((p.dataset, f"{p.dataset}/{p.file_name}", p.source_row, p.reason_code) for p in planted)
    found = data.query("select dataset, source_file, source_row, reason_code from raw.rejects order by all")
    assert found == expected
    assert {p.reason_code for p in planted} >= {"unknown_institute", "patent_check_char", "std_number_unrecognised",
                                                 "duplicate", "hours_out_of_range", "future_date"}


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


def test_published_figures_zhejiang_quality_sciences(demo):
    data, _, _ = demo
    ip = dict(data.query("select ip_kind, count(*) from raw.ip_items where institute_id = 'ZJQS' "
                         "and year(grant_date) between 2022 and 2024 group by ip_kind"))
    assert 20 <= ip["invention"] < 30 and 30 <= ip["utility"] < 40 and 40 <= ip["software"] < 50  # 20余/30余/40余
    assert sum(ip.values()) > 100
    specs = dict(data.query("select case when std_level = 'metrology_local' then 'local' else left(std_no, 3) end, "
                            "count(*) from raw.standards where institute_id = 'ZJQS' and year(publish_date) <= 2024 "
                            "and std_level like 'metrology%' group by 1"))
    assert 10 <= specs["JJG"] < 20 and 50 <= specs["JJF"] < 60 and 10 <= specs["local"] < 20
    assert 70 <= sum(specs.values()) < 80
