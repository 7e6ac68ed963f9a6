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


def test_zhejiang_quality_sciences_ip_2022_to_2024(demo):
    _, _, con = demo
    r3y = {m: metric(con, "ZJQS", 2024, m, "r3y") for m in ("ip_invention_granted", "ip_utility_granted", "ip_software")}
    assert 20 <= r3y["ip_invention_granted"] < 30  # 20余
    assert 30 <= r3y["ip_utility_granted"] < 40  # 30余
    assert 40 <= r3y["ip_software"] < 50  # 40余
    assert sum(r3y.values()) > 100


def test_zhejiang_quality_sciences_metrology_specifications_to_2024(demo):
    _, _, con = demo
    total = value(con, "select sum(value) from fct_institute_metric_year where institute_id = 'ZJQS' "
                       "and year <= 2024 and metric_id = 'std_metrology'")
    assert 70 <= total < 80  # 70余
    kinds = dict(con.execute("select case when std_level = 'metrology_local' then 'local' else left(std_no, 3) end, "
                             "count(*) from fct_standards where institute_id = 'ZJQS' and year <= 2024 "
                             "and std_level like 'metrology%' group by 1").fetchall())
    assert 10 <= kinds["JJG"] < 20 and 50 <= kinds["JJF"] < 60 and 10 <= kinds["local"] < 20


def test_manifest_names_every_source_file_and_what_was_built(demo):
    settings, result, _ = demo
    manifest = json.loads((result.version / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run_id"] == result.run_id == result.version.name  # (later tests refresh this folder again)
    files = manifest["source_files"]
    assert len(files) == sum(1 for p in settings.raw_dir.rglob("*") if p.is_file())
    assert all(len(f["sha256"]) == 64 and f["rows_read"] == f["accepted"] + f["quarantined"] for f in files)
    assert manifest["totals"]["quarantined"] == 6
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
    (landing.text_type); the model's contract says varchar, and the published file has text columns."""
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
