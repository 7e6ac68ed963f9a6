"""The official releases (年报口径): the record (data/marts/releases.json) written by `python -m pipelines
release`, its refusals, and prune keeping every released version however many refreshes follow."""
import json
import subprocess
import sys

import pytest

from pipelines.config import PROJECT_ROOT
from pipelines.refresh.publish import KEEP_VERSIONS, current_version, read_releases
from pipelines.refresh.releases import ReleaseError, mark, remove
from tests.unit.test_publish_versions import kept, publish_in_process, run


def cli(marts, *args: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "TOUYAN_DATA_DIR": str(marts.parent), "TOUYAN_WORKER_IDLE": "0"}
    return subprocess.run([sys.executable, "-m", "pipelines", "release", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True)


def test_a_released_version_survives_five_later_publishes(tmp_path):
    marts = tmp_path / "marts"
    for n in (1, 2):
        publish_in_process(marts, n)
    mark(marts, 2024, None, "analyst", "annual report")
    for n in range(3, 8):
        publish_in_process(marts, n)
    assert current_version(marts).name == run(7)
    # the newest three, and the release, though five versions came after it
    assert kept(marts) == [run(2), run(5), run(6), run(7)]
    assert (marts / "versions" / run(2) / "manifest.json").is_file()
    remove(marts, 2024)
    publish_in_process(marts, 8)
    assert kept(marts) == [run(n) for n in range(9 - KEEP_VERSIONS, 9)]  # withdrawn: pruned like any other


def test_the_record_names_the_version_who_when_and_why_and_a_later_mark_replaces_the_year(tmp_path):
    marts = tmp_path / "marts"
    for n in (1, 2):
        publish_in_process(marts, n)
    mark(marts, 2024, run(1), "wang", "first")
    mark(marts, 2023, None, "li")
    mark(marts, 2024, run(2), "wang", "corrected")
    releases = read_releases(marts)
    assert sorted(releases) == [2023, 2024]
    assert releases[2024]["run_id"] == run(2) and releases[2024]["note"] == "corrected"
    assert releases[2023] == {**releases[2023], "run_id": run(2), "by": "li"} and releases[2023]["at"]
    assert list(marts.glob(".releases*")) == []  # the temporary file was renamed into place
    assert json.loads((marts / "releases.json").read_text(encoding="utf-8"))["releases"]["2024"]["run_id"] == run(2)


@pytest.mark.parametrize("run_id", ["20990101T000000000000Z", "../versions", ".incoming-x"])
def test_a_run_that_is_not_a_published_version_is_refused(tmp_path, run_id):
    marts = tmp_path / "marts"
    publish_in_process(marts, 1)
    with pytest.raises(ReleaseError) as refused:
        mark(marts, 2024, run_id, "analyst")
    assert "不是已发布的版本" in refused.value.message_zh and "not a published version" in refused.value.message_en
    assert read_releases(marts) == {}


def test_nothing_published_nothing_to_release(tmp_path):
    with pytest.raises(ReleaseError, match="nothing is published"):
        mark(tmp_path / "marts", 2024, None, "analyst")


def test_the_command_marks_lists_refuses_and_removes(tmp_path):
    marts = tmp_path / "data" / "marts"
    for n in (1, 2):
        publish_in_process(marts, n)
    marked = cli(marts, "--year", "2024", "--run", run(1), "--note", "年报")
    assert marked.returncode == 0, marked.stderr
    assert read_releases(marts)[2024]["run_id"] == run(1)
    listed = cli(marts, "--list")
    assert listed.returncode == 0 and f"2024  run {run(1)}" in listed.stdout and "年报" in listed.stdout
    bad = cli(marts, "--year", "2023", "--run", "nope")
    assert bad.returncode == 2 and "不是已发布的版本" in bad.stderr and "not a published version" in bad.stderr
    assert 2023 not in read_releases(marts)
    assert cli(marts, "--remove", "--year", "2024").returncode == 0
    assert read_releases(marts) == {}
    again = cli(marts, "--remove", "--year", "2024")
    assert again.returncode == 2 and "no official release for 2024" in again.stderr
