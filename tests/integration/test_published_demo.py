"""The bundled demo, refreshed end to end: the figures the institutes published (the README's demo table) read back
from the published Parquet — not from the warehouse — plus the manifest, idempotency, the dbt unit
tests and dbt docs."""
from __future__ import annotations

import hashlib
import json
import shutil

import duckdb
import pytest
import yaml

from pipelines.config import Settings
from pipelines.refresh import refresh, transform
from pipelines.refresh.transform import run_dbt
from tests.conftest import published_content


@pytest.fixture(scope="module")
def demo(published_demo):
    settings, result = published_demo
    con = duckdb.connect()
    for mart in result.manifest["marts"]:
        con.execute(f"create view {mart['mart']} as select * from read_parquet('{result.version / mart['file']}')")
    return settings, result, con


def value(con, sql: str, params=()):
    return con.execute(sql, list(params)).fetchone()[0]


def metric(con, institute: str, year: int, metric_id: str, column: str = "value"):
    return value(con, f"select {column} from fct_institute_metric_year where institute_id = ? and year = ? "
                      "and metric_id = ?", (institute, year, metric_id))


def test_fujian_quality_inspection_2019(demo):
    _, _, con = demo
    assert metric(con, "FJQI", 2019, "prj_initiated") == 59
    assert metric(con, "FJQI", 2019, "prj_initiated_prov_plus") == 2
    funders = dict(con.execute("select funder, sum(project_count) from fct_project_counts where institute_id = 'FJQI' "
                               "and year = 2019 and stage = 'initiated' and funder is not null group by funder"
                               ).fetchall())
    assert funders == {"市场监管总局": 1, "省科技厅": 2, "省市场监管局": 11}
    assert metric(con, "FJQI", 2019, "prj_accepted") == 32
    external = dict(con.execute("select evaluation, sum(project_count) from fct_project_counts "
                                "where institute_id = 'FJQI' and year = 2019 and stage = 'accepted' "
                                "and level <> 'internal' group by evaluation").fetchall())
    assert external == {"domestic_leading": 14, "domestic_advanced": 3}
    assert (metric(con, "FJQI", 2019, "ip_invention_granted"), metric(con, "FJQI", 2019, "ip_software")) == (2, 1)


def test_fujian_standardization_national_industry_local_to_2023(demo):
    _, _, con = demo
    drafted = value(con, "select sum(value) from fct_institute_metric_year where institute_id = 'FJSI' "
                         "and year <= 2023 and metric_id in ('std_national', 'std_industry', 'std_local')")
    assert drafted == 213


def test_fujian_quality_inspection_laboratories_serve_every_year(demo):
    _, _, con = demo
    labs = con.execute("select l.unit_id, l.depth, p.unit_type, l.valid_from, l.valid_to from dim_units l "
                       "join dim_units p on p.unit_id = l.parent_unit_id "
                       "where l.institute_id = 'FJQI' and l.unit_type = 'team'").fetchall()
    assert len(labs) == 27
    assert all(depth == 2 and parent == "division" and (start or 0) <= 2015 and (end or 9999) >= 2024
               for _, depth, parent, start, end in labs)
    served = con.execute("select unit_id, count(*) from fct_unit_metric_year where institute_id = 'FJQI' "
                         "and unit_type = 'team' and metric_id = 'vol_person_times' and year between 2015 and 2024 "
                         "and value > 0 group by unit_id").fetchall()
    assert len(served) == 27 and {n for _, n in served} == {10}  # records in every year, not only register rows


def test_fujian_quality_inspection_talent_titles(demo):
    _, _, con = demo
    titles = dict(con.execute("select title, count(*) from fct_talent_titles where institute_id = 'FJQI' "
                              "group by title").fetchall())
    assert (titles["首席专家"], titles["质检工匠"], titles["青年拔尖技术能手"]) == (4, 4, 30)
    assert con.execute("select year, level from fct_talent_titles where institute_id = 'FJQI' "
                       "and title like '%百千万人才%'").fetchall() == [(2021, "provincial_ministerial")]
    assert metric(con, "FJQI", 2021, "tal_prov_ministerial") == 1


def test_fujian_standardization_projects_accepted(demo):
    _, _, con = demo
    accepted = value(con, "select sum(project_count) from fct_project_counts where institute_id = 'FJSI' "
                          "and stage = 'accepted' and level in ('national', 'provincial_ministerial')")
    assert accepted == 171


def test_fujian_standardization_bureau_awards(demo):
    _, _, con = demo
    names = con.execute("select award_name from fct_awards where institute_id = 'FJSI' and level = 'bureau'").fetchall()
    assert len(names) == 4 and all(name.endswith("科技兴检奖") for (name,) in names)
    assert value(con, "select sum(value) from fct_institute_metric_year where institute_id = 'FJSI' "
                      "and metric_id = 'awd_bureau'") == 4


def test_fujian_standardization_standards_with_awards(demo):
    _, _, con = demo
    where = ("institute_id = 'FJSI' and year <= 2023 and std_level in ('national', 'industry', 'local') "
             "and award_count > 0")
    provincial = value(con, f"select count(*) from fct_standards where {where} and award_names like '%福建省标准贡献奖%'")
    national = value(con, f"select count(*) from fct_standards where {where} and award_names like '%中国标准创新贡献奖%'")
    assert (provincial, national) == (13, 1)
    linked = con.execute("select award_name, level, is_linked from fct_awards where institute_id = 'FJSI' "
                         "and award_name in ('福建省标准贡献奖', '中国标准创新贡献奖')").fetchall()
    assert len(linked) == 14 and all(is_linked for *_, is_linked in linked)
    assert {(name, level) for name, level, _ in linked} == {("福建省标准贡献奖", "provincial_ministerial"),
                                                          ("中国标准创新贡献奖", "national")}


@pytest.fixture(scope="module")
def centre(demo):
    """浙江省质量科学研究院's 先进制造计量研究中心: its unit id, and the ids of it and the 室 inside it."""
    _, _, con = demo
    (unit_id, unit_type), = con.execute("select unit_id, unit_type from dim_units where institute_id = 'ZJQS' "
                                        "and name_zh = '先进制造计量研究中心'").fetchall()
    assert unit_type == "centre"
    offices = con.execute("select unit_id, unit_type, depth, path_zh from dim_units where parent_unit_id = ?",
                          [unit_id]).fetchall()
    assert len(offices) == 2 and all(t == "office" and d == 2 and p.startswith("先进制造计量研究中心 / ")
                                     for _, t, d, p in offices)
    return con, unit_id, [unit_id, *(o for o, *_ in offices)]


def unit_metric(con, unit_id: str, metric_id: str, years: tuple[int, int]):
    return value(con, "select sum(value) from fct_unit_metric_year where unit_id = ? and metric_id = ? "
                      "and year between ? and ?", (unit_id, metric_id, *years))


def test_zhejiang_centre_ip_2022_to_2024(centre):
    con, unit_id, _ = centre
    r3y = {m: value(con, "select r3y from fct_unit_metric_year where unit_id = ? and year = 2024 and metric_id = ?",
                    (unit_id, m)) for m in ("ip_invention_granted", "ip_utility_granted", "ip_software")}
    assert 20 <= r3y["ip_invention_granted"] < 30  # 20余
    assert 30 <= r3y["ip_utility_granted"] < 40  # 30余
    assert 40 <= r3y["ip_software"] < 50  # 40余
    assert sum(r3y.values()) > 100
    for m, centre_r3y in r3y.items():  # the institute's other centres have patents of their own
        assert metric(con, "ZJQS", 2024, m, "r3y") > centre_r3y


def test_zhejiang_centre_metrology_specifications_to_2024(centre):
    con, unit_id, ids = centre
    total = unit_metric(con, unit_id, "std_metrology", (2015, 2024))
    assert 70 <= total < 80  # 70余
    kinds = dict(con.execute("select case when std_level = 'metrology_local' then 'local' else left(std_no, 3) end, "
                             "count(*) from fct_standards where unit_id in (select unnest(?)) and year <= 2024 "
                             "and std_level like 'metrology%' group by 1", [ids]).fetchall())
    assert 10 <= kinds["JJG"] < 20 and 50 <= kinds["JJF"] < 60 and 10 <= kinds["local"] < 20
    assert value(con, "select sum(value) from fct_institute_metric_year where institute_id = 'ZJQS' "
                      "and year <= 2024 and metric_id = 'std_metrology'") > total


def test_zhejiang_centre_awards_2021_to_2024(centre):
    con, unit_id, ids = centre
    assert 20 <= unit_metric(con, unit_id, "awd_total", (2021, 2024)) < 30  # 20余
    assert 10 <= unit_metric(con, unit_id, "awd_prov_ministerial", (2021, 2024)) < 20  # 10余
    named = dict(con.execute("select award_name, count(*) from fct_awards where unit_id in (select unnest(?)) "
                             "and year between 2021 and 2024 and level = 'provincial_ministerial' group by 1",
                             [ids]).fetchall())
    assert (named["浙江省科学技术进步奖"], named["市场监管总局科技奖"]) == (5, 1)


def test_zhejiang_centre_awards_2023_all_led(centre):
    con, _, ids = centre
    roles = con.execute("select role from fct_awards where unit_id in (select unnest(?)) and year = 2023 "
                        "and award_name = '浙江省科学技术进步奖'", [ids]).fetchall()
    assert roles == [("lead",)] * 3
    assert value(con, "select count(*) from fct_awards where institute_id = 'ZJQS' and year = 2023 "
                      "and award_name = '浙江省科学技术进步奖'") == 3


def test_zhejiang_centre_awards_2024(centre):
    con, _, ids = centre
    rows = con.execute("select awarding_body, award_name, level, grade, role from fct_awards "
                       "where unit_id in (select unnest(?)) and year = 2024", [ids]).fetchall()
    instruments = sorted((grade, role) for body, _, level, grade, role in rows
                         if body == "中国仪器仪表学会" and level == "society")
    assert instruments == [("second", "lead"), ("second", "main_participant"), ("third", "lead"),
                           ("third", "main_participant")]
    assert [g for body, _, _, g, _ in rows if body == "中国商业联合会"] == ["third"]
    assert [g for _, name, _, g, _ in rows if name == "市场监管科研成果奖"] == ["third"]
    assert [g for body, name, _, g, _ in rows if body == "中国发明协会" and "发明创业奖" in name] == ["second"]


def test_zhejiang_centre_papers_2022_to_2024(centre):
    con, unit_id, _ = centre
    assert 20 <= unit_metric(con, unit_id, "pap_sci_ei", (2022, 2024)) < 30  # 20余
    assert 20 <= unit_metric(con, unit_id, "pap_core", (2022, 2024)) < 30  # 20余


def test_zhejiang_centre_projects_2024(centre):
    con, unit_id, ids = centre
    by_level = dict(con.execute("select stage || ':' || level, sum(project_count) from fct_project_counts "
                                "where unit_id in (select unnest(?)) and year = 2024 group by 1", [ids]).fetchall())
    ongoing = sum(by_level.get(f"ongoing:{lv}", 0) for lv in ("national", "provincial_ministerial", "bureau", "city"))
    assert 70 <= ongoing < 80  # 70余
    assert by_level["ongoing:national"] + by_level["ongoing:provincial_ministerial"] == 25
    assert (by_level["accepted:national"], by_level["accepted:provincial_ministerial"]) == (4, 17)
    assert 20 <= by_level["accepted:national"] + by_level["accepted:provincial_ministerial"] < 30  # 20余


def test_manifest_names_every_source_file_and_what_was_built(demo):
    settings, result, _ = demo
    manifest = json.loads((result.version / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run_id"] == result.run_id == result.version.name  # (later tests refresh this folder again)
    files = manifest["source_files"]
    assert len(files) == sum(1 for p in settings.raw_dir.rglob("*") if p.is_file())
    assert all(len(f["sha256"]) == 64 and f["rows_read"] == f["accepted"] + f["quarantined"] for f in files)
    assert manifest["totals"]["quarantined"] == 9  # the rows the demo plants
    assert manifest["dbt"]["models"] >= 20 and manifest["dbt"]["data_tests"] >= 50
    assert set(manifest["stage_seconds"]) == {"ingest", "gate_raw", "dbt_build", "gate_marts"}  # before publishing
    # a gate's validation is part of its stage time (which also counts any wait for GX's import)
    assert set(manifest["validation_seconds"]) == {"gate_raw", "gate_marts"}
    assert all(0 < manifest["validation_seconds"][g] <= manifest["stage_seconds"][g] for g in ("gate_raw", "gate_marts"))
    assert {m["mart"] for m in manifest["marts"]} >= {"dim_institutes", "dim_metrics", "fct_institute_metric_year",
                                                      "fct_group_metric_year", "fct_volunteer_records"}


def test_the_same_files_publish_the_same_marts(demo):
    settings, result, _ = demo
    again = refresh(settings, out=None)
    assert again.run_id != result.run_id
    assert published_content(again.version) == published_content(result.version)
    # Byte for byte, except the record mart dbt writes itself, in scan order (pipelines/refresh/publish.py).
    assert {m["mart"] for m in again.manifest["marts"] if not m["fixed_order"]} == {"fct_volunteer_records"}
    # That file is dbt's own, linked in; dbt's next write replaced the file it links to instead of
    # writing into it, so the earlier version still holds the file its manifest describes.
    written = settings.data_dir / "dbt" / "exports" / "fct_volunteer_records.parquet"
    assert (again.version / "fct_volunteer_records.parquet").stat().st_ino == written.stat().st_ino
    for mart in result.manifest["marts"]:
        assert hashlib.sha256((result.version / mart["file"]).read_bytes()).hexdigest() == mart["sha256"]


def test_dbt_unit_tests_pass_and_docs_generate(demo):
    settings, _, _ = demo
    unit = run_dbt(settings, "test", "--select", "test_type:unit")
    defined = sum(len((yaml.safe_load(f.read_text(encoding="utf-8")) or {}).get("unit_tests", []))
                  for f in transform.DBT_PROJECT.rglob("*.yml"))
    assert defined >= 8
    assert unit.success and unit.counts.get("unit_test", 0) == defined, [f.render() for f in unit.failures]
    docs = run_dbt(settings, "docs generate")
    assert docs.success, docs.error
    catalog = json.loads((settings.data_dir / "dbt" / "target" / "catalog.json").read_text())
    assert "model.touyan.fct_institute_metric_year" in catalog["nodes"]


def test_a_record_file_dbt_writes_keeps_its_enforced_contract(demo, tmp_path, monkeypatch):
    """The parquet_file materialization is this project's own: it must refuse a model whose columns do
    not match its contract, as dbt's table and view materializations do, before writing the file."""
    settings, _, _ = demo
    project = tmp_path / "dbt_project"
    shutil.copytree(transform.DBT_PROJECT, project, ignore=shutil.ignore_patterns("target", "logs"))
    models = project / "models" / "marts" / "_marts__models.yml"
    text = models.read_text(encoding="utf-8")
    start = text.index("- name: year", text.index("- name: fct_volunteer_records"))
    models.write_text(text[:start] + text[start:].replace("data_type: integer", "data_type: bigint", 1),
                      encoding="utf-8")
    copy = Settings(data_dir=tmp_path / "data", id_salt=settings.id_salt, today=settings.today)
    copy.data_dir.mkdir()
    shutil.copyfile(settings.warehouse, copy.warehouse)
    monkeypatch.setattr(transform, "DBT_PROJECT", project)
    outcome = run_dbt(copy, "build", "--select", "fct_volunteer_records")
    assert not outcome.success
    assert "year" in outcome.failures[0].message and "data type mismatch" in outcome.failures[0].message
    assert not list(transform.export_dir(copy).iterdir())  # nothing written


def test_dbt_builds_after_the_project_folder_moves(demo, tmp_path, monkeypatch):
    """dbt's saved parse keeps the project's absolute paths (seeds are loaded from them). A data folder
    parsed by the project in another folder — the Touyan folder moved or renamed — still builds."""
    settings, _, _ = demo
    copy = Settings(data_dir=tmp_path / "data", id_salt=settings.id_salt, today=settings.today)
    copy.data_dir.mkdir()
    shutil.copyfile(settings.warehouse, copy.warehouse)
    before_move = tmp_path / "before" / "dbt_project"
    shutil.copytree(transform.DBT_PROJECT, before_move, ignore=shutil.ignore_patterns("target", "logs"))
    monkeypatch.setattr(transform, "DBT_PROJECT", before_move)
    assert run_dbt(copy, "build", "--select", "metric_catalog").success
    assert (copy.data_dir / "dbt" / "target" / "partial_parse.msgpack").exists()
    after_move = tmp_path / "after" / "dbt_project"
    (tmp_path / "after").mkdir()
    before_move.rename(after_move)
    monkeypatch.setattr(transform, "DBT_PROJECT", after_move)
    outcome = run_dbt(copy, "build", "--select", "metric_catalog")
    assert outcome.success, [f.render() for f in outcome.failures]
    assert outcome.counts["seed"] == 1


def test_columns_stored_as_enums_are_published_as_text(demo):
    """The volunteer records' provenance reaches the parquet_file model as the ENUMs the ingest stored
    (landing.text_type); the model's contract says string (VARCHAR on DuckDB), and the published file has
    text columns."""
    settings, result, con = demo
    provenance = ("source_file", "source_sheet", "file_sha256")
    warehouse = duckdb.connect(str(settings.warehouse), read_only=True)
    staged = dict(warehouse.execute("select column_name, data_type from information_schema.columns "
                                    "where table_name = 'stg_raw__volunteer_hours'").fetchall())
    warehouse.close()
    assert all(staged[c].startswith("ENUM(") for c in provenance), staged
    published = dict(con.execute("select column_name, column_type from (describe fct_volunteer_records)").fetchall())
    assert [published[c] for c in provenance] == ["VARCHAR"] * 3
    files = {f for (f,) in con.execute("select distinct source_file from fct_volunteer_records").fetchall()}
    assert files == {f["file"] for f in result.manifest["source_files"] if f["dataset"] == "volunteer_hours"}
