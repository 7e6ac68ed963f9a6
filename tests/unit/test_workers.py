"""The refresh's worker processes: replies, errors as text the caller can show, and no orphans."""
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from pipelines.config import PROJECT_ROOT
from pipelines.runtime.pool import workers
from pipelines.runtime.workers import Worker, WorkerError


def test_a_call_returns_its_value_and_the_worker_is_warm():
    with workers(w=(("json",), 0)) as pool:
        reply = pool["w"].call("json:dumps", {"年份": 2024})
        assert reply.value == '{"\\u5e74\\u4efd": 2024}'
        assert reply.cpu_seconds >= 0 and reply.wall_seconds >= 0
        assert pool["w"].call("os:getpid").value != os.getpid()


def test_an_error_comes_back_with_the_workers_traceback():
    with workers(w=((), 0)) as pool:
        with pytest.raises(WorkerError, match=r"(?s)Traceback.*JSONDecodeError"):
            pool["w"].call("json:loads", "{not json")
        assert pool["w"].call("math:sqrt", 16.0).value == 4.0  # still serving after an error


def test_submitting_a_large_call_does_not_wait_for_the_workers_imports(tmp_path, monkeypatch):
    # The worker's import waits (up to 20 s) for a file the test writes only after submit() returned:
    # if submit blocked until the worker read the call, the import would time out and say so.
    (tmp_path / "held_start.py").write_text(textwrap.dedent(f"""
        import pathlib, time
        deadline = time.monotonic() + 20
        while not pathlib.Path({str(tmp_path / "go")!r}).exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        released = pathlib.Path({str(tmp_path / "go")!r}).exists()

        def was_released():
            return released
    """))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    with workers(w=(("held_start",), 0)) as pool:
        payload = "年" * 2_000_000  # ~6 MB pickled, far over a pipe's 64 KiB buffer
        pool["w"].submit("builtins:len", payload)
        (tmp_path / "go").touch()
        assert pool["w"].result().value == len(payload)
        assert pool["w"].call("held_start:was_released").value is True


def held_import(folder) -> str:
    """A module whose import lasts until `release(folder)` (a worker busy importing reads no call), and
    then leaves a file `imported`; returns its name (on PYTHONPATH). Held by the test, not for a time: on
    a loaded machine a fixed time may pass before the test has done what it wanted done mid-import."""
    (folder / "held_import.py").write_text(textwrap.dedent(f"""
        import pathlib, time
        deadline = time.monotonic() + 300  # only if the test never releases it
        while not pathlib.Path({str(folder / "release")!r}).exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        pathlib.Path({str(folder / "imported")!r}).touch()
    """))
    return "held_import"


def release(folder) -> None:
    (folder / "release").touch()


def senders() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("send-to-")]


@pytest.mark.parametrize("kill", [True, False])
def test_closing_waits_for_the_call_being_written(tmp_path, monkeypatch, kill):
    # A call larger than the pipe's buffer, to a worker that does not read it yet: its thread is blocked
    # in the write when the worker is closed. It must be stopped and gone before close() returns — a
    # descriptor closed under it is reused by the next pipe or file opened, and the rest of the call went
    # there (a flaky test once read a pickled call from another process's stdout).
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    worker = Worker("w", held_import(tmp_path))
    try:
        worker.submit("builtins:len", "年" * 2_000_000)
        assert senders() == ["send-to-w"]
        worker.close(kill=kill)
        assert senders() == []
        # close() did not wait for the import to end (it never would: the test holds it): the worker was
        # stopped mid-import
        assert worker._process.poll() is not None and not (tmp_path / "imported").exists()
    finally:
        release(tmp_path)


def nice_recorder(folder) -> str:
    """A module that records the nice value it was imported at; returns its name (on PYTHONPATH)."""
    (folder / "nice_recorder.py").write_text(textwrap.dedent("""
        import os
        at_import = os.getpriority(os.PRIO_PROCESS, 0)  # on Linux: this thread's

        def seen():
            return at_import
    """))
    return "nice_recorder"


def test_only_the_imports_are_niced_the_calls_run_at_normal_priority(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    base = os.getpriority(os.PRIO_PROCESS, 0)
    with workers(w=((nice_recorder(tmp_path),), 7)) as pool:
        assert pool["w"].call("nice_recorder:seen").value == base + 7
        assert pool["w"].call("os:getpriority", os.PRIO_PROCESS, 0).value == base


def test_a_worker_that_dies_is_reported_not_waited_for():
    worker = Worker("w")
    try:
        pid = worker.call("os:getpid").value
        os.kill(pid, signal.SIGKILL)
        with pytest.raises(WorkerError, match="ended unexpectedly"):
            worker.call("os:getpid")
    finally:
        worker.close()


def test_workers_are_killed_when_the_block_fails():
    with pytest.raises(RuntimeError, match="a stage failed"), workers(w=((), 0)) as pool:
        pid = pool["w"].call("os:getpid").value
        pool["w"].submit("time:sleep", 60)
        raise RuntimeError("a stage failed")
    assert not _alive(pid)


def test_a_worker_dies_with_a_parent_killed_by_sigkill():
    parent = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sys
        from pipelines.runtime.workers import Worker
        worker = Worker("w")
        print(worker.call("os:getpid").value, flush=True)
        worker.submit("time:sleep", 60)
        sys.stdin.read()
    """)], cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    pid = int(parent.stdout.readline())
    assert _alive(pid)
    parent.send_signal(signal.SIGKILL)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False
