"""A refresh that fails at any stage leaves the published marts byte-identical and says what failed;
so does one that would empty a published dataset (a folder gone missing), unless allowed; a dataset
folder that is a link is published; a second refresh, or any command that writes, refuses while one
runs; a refresh killed at any point leaves a complete version."""
from __future__ import annotations

import hashlib
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.config import PROJECT_ROOT
from pipelines.lock import write_lock
from pipelines.refresh import STAGE_TITLES, StageFailed, failure_summary, refresh
from pipelines.refresh.publish import read_manifest
from pipelines.runtime.resident import stop_all
from tests.conftest import TODAY, DataDir, published_content, write_csv
from tests.integration.test_refresh_arithmetic import PATENTS, write_submission


def snapshot(marts_dir: Path) -> dict[str, str]:
    """Every file and link under data/marts/ with its content hash (links by their target)."""
    state = {}
    for path in sorted(marts_dir.rglob("*")):
        rel = str(path.relative_to(marts_dir))
        if path.is_symlink():
            state[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            state[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return state


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    data = DataDir(tmp_path_factory.mktemp("failures") / "data")
    write_submission(data)
    started = time.perf_counter()
    refresh(data.settings, out=None)
    data.refresh_seconds = time.perf_counter() - started
    return data


@pytest.fixture
def pristine(data):
    """The test may break the submission; it is restored afterwards."""
    saved = data.settings.data_dir.parent / "raw-saved"
    shutil.copytree(data.raw, saved)
    yield data
    shutil.rmtree(data.raw)
    shutil.move(saved, data.raw)


def failing_refresh(data: DataDir) -> StageFailed:
    before = snapshot(data.settings.marts_dir)
    with pytest.raises(StageFailed) as failed:
        refresh(data.settings, out=None)
    assert snapshot(data.settings.marts_dir) == before
    return failed.value


def test_a_failing_expectation_stops_before_publishing(pristine):
    staff = pristine.raw / "staff" / "staff.csv"
    staff.write_text(staff.read_text().replace("FJSI,2024,80", "FJSI,2024,800"))
    error = failing_refresh(pristine)
    assert error.stage == "gate_raw"
    text = str(error)
    assert "raw.staff_year_on_year" in text and "expect_column_values_to_be_between" in text
    assert "'institute_id': 'FJSI'" in text and "'year': 2024" in text and "'staff_total': 800" in text
    docs = pristine.settings.reports_dir / "quality" / "raw"
    assert f"Quality report (readable offline): {docs / 'report.html'}" in text  # the page that loads nothing
    assert (docs / "index.html").is_file()
    # The failing check's second validation (with the rows' locations) replaced its first in the docs.
    assert len(list((docs / "validations" / "raw" / "staff_year_on_year").rglob("*.html"))) == 1
    report = (docs / "report.html").read_text(encoding="utf-8")  # the page the dashboard serves
    assert "raw.staff_year_on_year" in report and "<td>FJSI</td><td>2024</td>" in report
    shown = the_dashboard_says_the_refresh_failed(pristine, "gate_raw")
    assert "Quality gate reports (Great Expectations)" in shown  # a link to the failing gate's report


def test_a_failing_dbt_test_stops_before_publishing(pristine):
    ip = pristine.raw / "ip_items" / "ip.csv"
    lines = ip.read_text().splitlines()
    lines[-1] = lines[-1].replace("2021-06-01", "2022-06-01")  # ZJQS's copy of the co-owned patent disagrees
    ip.write_text("\r\n".join(lines) + "\r\n")
    error = failing_refresh(pristine)
    assert error.stage == "dbt_build"
    assert "assert_co_owned_ip_items_agree" in str(error)


def test_a_file_that_cannot_be_read_stops_before_anything_runs(pristine):
    (pristine.raw / "standards").mkdir()
    (pristine.raw / "standards" / "标准.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    error = failing_refresh(pristine)
    assert error.stage == "ingest"
    assert "standards/标准.xlsx" in str(error)
    assert "standards/标准.xlsx" in the_dashboard_says_the_refresh_failed(pristine, "ingest")


def test_a_file_error_keeps_the_workers_for_the_run_after_the_fix(pristine, tmp_path):
    resident = {"TOUYAN_WORKER_IDLE": "60", "TOUYAN_RUNTIME_DIR": str(tmp_path / "run")}
    bad = pristine.raw / "standards" / "标准.xlsx"
    bad.parent.mkdir()
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    try:
        failed = cli(pristine, env_extra=resident)
        _, err = failed.communicate(timeout=300)
        assert failed.returncode == 2 and "standards/标准.xlsx" in err
        bad.unlink()  # the analyst removes the file
        fixed = cli(pristine, env_extra=resident)
        out, err = fixed.communicate(timeout=300)
    finally:
        stop_all(tmp_path / "run")
    assert fixed.returncode == 0, err[-3000:]
    assert "workers: kept from the previous refresh" in out


def cli(data: DataDir, *args: str, command: str = "refresh", env_extra: dict | None = None, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "TOUYAN_DATA_DIR": str(data.settings.data_dir), "TOUYAN_TODAY": TODAY.isoformat(),
           "TOUYAN_ID_SALT": data.settings.id_salt, **(env_extra or {})}
    return subprocess.Popen([sys.executable, "-m", "pipelines", command, *args], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)


def test_the_command_exits_non_zero_with_a_one_screen_summary(pristine):
    write_csv(pristine.raw / "staff" / "staff.csv", [["institute", "staff_total"], ["FJQI", 10]])  # no year column
    before = snapshot(pristine.settings.marts_dir)
    process = cli(pristine)
    _, err = process.communicate(timeout=300)
    assert process.returncode == 2
    assert "REFRESH FAILED at stage 'ingest'" in err and "staff/staff.csv" in err
    assert "The published marts are unchanged" in err and "已发布的数据保持不变" in err and len(err.splitlines()) < 40
    assert snapshot(pristine.settings.marts_dir) == before


def files_of(manifest: dict, dataset: str) -> list[tuple[str, int]]:
    return [(f["file"], f["accepted"]) for f in manifest["source_files"] if f["dataset"] == dataset]


@pytest.mark.parametrize("how", ["folder gone", "every row quarantined"])
def test_a_dataset_emptied_since_the_published_version_stops_before_publishing(pristine, how):
    published = read_manifest(pristine.settings.marts_dir)
    [(_, rows)] = files_of(published, "ip_items")
    ip = pristine.raw / "ip_items"
    if how == "folder gone":  # as when data/raw/ip_items is a link to a shared drive that is not mounted
        shutil.rmtree(ip)
    else:
        write_csv(ip / "ip.csv", [["institute", "ip_type", "number", "title", "status"],
                                  ["NOSUCH", "发明", "ZL1", "x", "授权"]])  # an institute not in the register
    error = failing_refresh(pristine)
    assert error.stage == "ingest"
    text = str(error)
    why = "no files in data/raw/ip_items/" if how == "folder gone" else "1 file(s), every row quarantined"
    assert f"ip_items: {rows:,} rows in the published version {published['run_id']}, none now ({why})" in text
    assert f"ip_items：已发布版本中有 {rows:,} 行，本次为 0 行" in text
    assert "python -m pipelines refresh --allow-empty ip_items" in text and "staff" not in text


def test_a_dataset_withdrawn_on_purpose_is_published_empty_when_allowed(pristine):
    shutil.rmtree(pristine.raw / "ip_items")
    stopped = cli(pristine)
    _, err = stopped.communicate(timeout=300)
    assert stopped.returncode == 2 and "REFRESH FAILED at stage 'ingest'" in err
    assert "published dataset(s) would be emptied" in err and "已发布的数据保持不变" in err
    allowed = cli(pristine, "--allow-empty", "ip_items")
    _, err = allowed.communicate(timeout=300)
    assert allowed.returncode == 0, err[-3000:]
    published = read_manifest(pristine.settings.marts_dir)
    assert files_of(published, "ip_items") == [] and published["emptied_datasets"] == ["ip_items"]


def test_a_dataset_folder_that_is_a_link_is_published_and_the_output_says_so(pristine, tmp_path):
    shared = tmp_path / "shared" / "知识产权"
    shared.parent.mkdir()
    shutil.move(pristine.raw / "ip_items", shared)
    os.symlink(shared, pristine.raw / "ip_items")
    out = io.StringIO()
    result = refresh(pristine.settings, out=out)
    assert f"ip_items/ is a link to {shared}: its files are read" in out.getvalue()
    assert files_of(result.manifest, "ip_items") == [("ip_items/ip.csv", len(PATENTS))]
    assert result.manifest["emptied_datasets"] == []


def test_a_failure_before_anything_was_published_says_so_where_it_would_be(tmp_path):
    data = DataDir(tmp_path / "data")
    summary = failure_summary(StageFailed("ingest", "a file cannot be read", ["  x.csv"], "Fix it."), data.settings)
    assert f"Nothing has been published yet ({data.settings.marts_dir / 'current'} does not exist)" in summary
    assert "尚无已发布的数据" in summary and "保持不变" not in summary


def test_a_second_refresh_refuses_while_one_runs(data):
    with write_lock(data.settings.data_dir, "refresh"):
        process = cli(data)
        _, err = process.communicate(timeout=120)
    assert process.returncode == 75
    assert "Another Touyan command is writing" in err and f"pid {os.getpid()}, refresh, started" in err


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` but the lock's (which names its holder) with its content hash."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != ".refresh.lock"}


@pytest.mark.parametrize("command", ["ingest", "demo", "docs"])
def test_every_command_that_writes_refuses_while_a_refresh_runs(data, command):
    """ingest rebuilds the warehouse that the refresh is reading, demo rewrites data/raw/ under it, and
    dbt's docs open the warehouse for its catalog: each waits its turn or says whose turn it is."""
    before = tree(data.settings.data_dir)
    assert "warehouse.duckdb" in before and "raw/staff/staff.csv" in before
    with write_lock(data.settings.data_dir, "refresh"):
        process = cli(data, command=command)
        _, err = process.communicate(timeout=120)
    assert process.returncode == 75, err[-3000:]
    assert "Traceback" not in err
    assert f"Another Touyan command is writing to {data.settings.data_dir} (pid {os.getpid()}, refresh, started" in err
    assert f"`python -m pipelines {command} --wait`" in err and "另一个命令正在写入" in err
    assert tree(data.settings.data_dir) == before  # the warehouse, data/raw/, dbt's output: as they were


def run_id(out: str) -> str:
    return out.split("(run ", 1)[1].split(")", 1)[0]


def assert_complete(marts_dir: Path) -> str:
    version = (marts_dir / "current").resolve()
    manifest = json.loads((version / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run_id"] == version.name
    con = duckdb.connect()
    for mart in manifest["marts"]:
        path = version / mart["file"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == mart["sha256"]
        assert con.execute(f"select count(*) from read_parquet('{path}')").fetchone()[0] == mart["rows"]
    return version.name


def test_a_refresh_killed_at_any_point_leaves_a_complete_published_version(data, tmp_path):
    # With resident workers, as `make refresh` runs: a worker in the middle of a call for the killed
    # refresh must end rather than go on writing (short-lived workers die with their parent, as
    # tests/unit/test_workers.py checks).
    resident = {"TOUYAN_WORKER_IDLE": "60", "TOUYAN_RUNTIME_DIR": str(tmp_path / "run")}
    marts = data.settings.marts_dir
    assert_complete(marts)
    full = data.refresh_seconds + 1.5  # a refresh in a new process also starts Python
    rng = random.Random(20261122)
    for attempt in range(4):
        process = cli(data, env_extra=resident)
        time.sleep(rng.uniform(0.2, full))
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        assert_complete(marts), f"kill {attempt}"
    final = cli(data, env_extra=resident)
    out, err = final.communicate(timeout=300)
    again = cli(data, env_extra=resident)  # with the workers the final refresh left: the same marts
    out_again, err_again = again.communicate(timeout=300)
    stop_all(tmp_path / "run")
    assert final.returncode == 0, err[-3000:]
    assert again.returncode == 0 and "workers: kept from the previous refresh" in out_again, out_again + err_again[-3000:]
    assert published_content(marts / "versions" / run_id(out)) == published_content((marts / "current").resolve())
    assert "Warning" not in err, err[-3000:]  # e.g. the resource tracker's "leaked semaphore" on exit
    newest = assert_complete(marts)
    versions = sorted(p.name for p in (marts / "versions").iterdir())
    assert newest == versions[-1] and len(versions) <= 3  # pruned, and no half-written leftovers


def the_dashboard_says_the_refresh_failed(data: DataDir, stage: str) -> str:
    """The refresh that just failed is recorded (data/reports/last_run.json), and the dashboard's quality
    page, over the same data folder, warns of it: when, at which stage, what failed, and that the data
    shown is the last published version. Returns the warning's text (English)."""
    from dashboards.server.app import create_app

    record = json.loads((data.settings.reports_dir / "last_run.json").read_text(encoding="utf-8"))
    assert record["status"] == "failed" and record["stage"] == stage and record["what"] and record["action"]
    published = json.loads((data.settings.marts_dir / "current" / "manifest.json").read_text(encoding="utf-8"))
    app = create_app(data.settings, dev=True)
    layout = app.server.test_client().get("/_dash-layout", headers={"Referer": "http://127.0.0.1/quality?lang=en"})
    banner = find_component(layout.json, "refresh-failed")
    assert banner is not None, "no warning on the quality page"
    text = " ".join(texts(banner))
    failed_at = datetime.fromisoformat(record["finished_at"]).astimezone().strftime("%Y-%m-%d %H:%M")
    assert f"The latest refresh failed · {failed_at} · Stage {stage}: {STAGE_TITLES[stage]}" in text
    assert record["what"] in text and record["action"] in text
    assert f"The data shown is still the last published version: run {published['run_id']}" in text
    return text


def find_component(node, component_id: str):
    if isinstance(node, dict):
        if node.get("props", {}).get("id") == component_id:
            return node
        node = list(node.values())
    if isinstance(node, list):
        return next((found for child in node if (found := find_component(child, component_id)) is not None), None)
    return None


def texts(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [text for key, value in node.items() if key not in ("type", "namespace", "id", "className", "href",
                                                                     "color", "target")
                for text in texts(value)]
    if isinstance(node, list):
        return [text for child in node for text in texts(child)]
    return []
