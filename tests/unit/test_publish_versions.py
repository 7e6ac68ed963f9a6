"""The versions kept after a publish are the newest three published ones. A version folder renamed into
place by a run killed before the switch was never published: it is not counted, and it goes."""
import subprocess
import sys

import duckdb
import pytest

from pipelines.config import PROJECT_ROOT
from pipelines.refresh.publish import current_version, publish

# A publish in a process of its own that is killed (SIGKILL) at the switch of `current`: just before it,
# or just after it, as `kill -9` could.
KILLED = """
import os, signal, sys
from pathlib import Path
import duckdb
from pipelines.refresh.publish import publish
marts, run_id, when = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
replace = os.replace
def switch(source, target):
    if Path(target).name == "current" and when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    replace(source, target)
    if Path(target).name == "current":
        os.kill(os.getpid(), signal.SIGKILL)
os.replace = switch
con = duckdb.connect()
con.execute("create schema marts")
con.execute("create table marts.dim_things as select 1 as n")
publish(con, marts, {"run_id": run_id})
"""


def run(n: int) -> str:
    return f"20250101T0000{n:02d}000000Z"


def publish_in_process(marts, n: int) -> None:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(f"create table marts.dim_things as select {n} as n")
    publish(con, marts, {"run_id": run(n)})


def publish_killed(marts, n: int, when: str) -> None:
    killed = subprocess.run([sys.executable, "-c", KILLED, str(marts), run(n), when], cwd=PROJECT_ROOT)
    assert killed.returncode == -9


def kept(marts) -> list[str]:
    return sorted(p.name for p in (marts / "versions").iterdir())


def test_a_version_never_switched_to_is_not_kept_in_place_of_a_published_one(tmp_path):
    marts = tmp_path / "marts"
    for n in (1, 2, 3):
        publish_in_process(marts, n)
    publish_killed(marts, 4, "before")
    assert kept(marts) == [run(1), run(2), run(3), run(4)]  # renamed into place, never switched to
    assert current_version(marts).name == run(3)
    publish_in_process(marts, 5)
    assert current_version(marts).name == run(5)
    assert kept(marts) == [run(2), run(3), run(5)]  # three published versions; the orphan is gone


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_publish_killed_at_the_switch_leaves_three_published_versions_after_the_next(tmp_path, when):
    marts = tmp_path / "marts"
    for n in (1, 2):
        publish_in_process(marts, n)
    publish_killed(marts, 3, when)
    assert current_version(marts).name == (run(3) if when == "after" else run(2))
    for n in (4, 5):
        publish_in_process(marts, n)
    # killed after the switch, version 3 was published (readers may have it open): kept as one of three
    assert kept(marts) == ([run(3), run(4), run(5)] if when == "after" else [run(2), run(4), run(5)])
    assert [p.name for p in (marts / "versions").glob("*/.*")] == []  # no marker left in a published one
