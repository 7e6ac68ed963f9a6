"""Resident workers: kept for the next refresh, never shared by two at once, gone when the refresh that
uses them goes, when idle too long, or when asked; replaced when they died or the code changed."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from pipelines.config import PROJECT_ROOT, Settings
from pipelines.runtime.pool import workers
from pipelines.runtime.resident import stop_all
from tests.unit.test_workers import _alive, held_import, nice_recorder, release, senders

IDLE = 60


@pytest.fixture
def run_dir(tmp_path):
    """The resident workers' folder of a test; passing it (and an idle time) to workers() opts in."""
    folder = tmp_path / "run"
    yield folder
    stop_all(folder)
    for pid_file in folder.glob("*.pid"):  # any left busy by a failed test
        _kill(int(pid_file.read_text()))


def pid_of(run_dir, **spec) -> tuple[int, object]:
    with workers(IDLE, run_dir, **spec) as pool:
        (worker,) = pool.values()
        return worker.call("os:getpid").value, worker


def wait_until(condition, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_resident_workers_are_opt_in(run_dir, monkeypatch):
    monkeypatch.delenv("TOUYAN_WORKER_IDLE", raising=False)
    settings = Settings.from_env()
    assert settings.worker_idle_seconds == 0
    with workers(settings.worker_idle_seconds, run_dir, w=(("json",), 0)) as pool:
        pid = pool["w"].call("os:getpid").value
        assert not pool["w"].resident
    assert wait_until(lambda: not _alive(pid))  # no process is left behind
    assert not run_dir.exists() or not any(run_dir.iterdir())


def test_the_next_refresh_gets_the_same_warm_worker(run_dir):
    first, worker = pid_of(run_dir, w=(("json",), 0))
    assert worker.resident and not worker.warm and first != os.getpid()
    second, worker = pid_of(run_dir, w=(("json",), 0))
    assert second == first and worker.warm
    assert _alive(first)  # still there for the next one


def test_a_runtime_folder_too_deep_for_a_socket_address_still_keeps_its_workers(tmp_path):
    deep = tmp_path / ("a-long-folder-name-" * 6) / "run"  # the socket's path is far over 107 bytes
    assert len(os.fsencode(deep)) > 130
    try:
        first, _ = pid_of(deep, w=(("json",), 0))
        second, worker = pid_of(deep, w=(("json",), 0))
        assert second == first and worker.warm
    finally:
        stop_all(deep)


def test_a_resident_worker_imports_niced_and_serves_at_normal_priority(run_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    base = os.getpriority(os.PRIO_PROCESS, 0)
    with workers(IDLE, run_dir, w=((nice_recorder(tmp_path),), 7)) as pool:
        assert pool["w"].resident
        assert pool["w"].call("nice_recorder:seen").value == base + 7
        assert pool["w"].call("os:getpriority", os.PRIO_PROCESS, 0).value == base


def test_closing_during_a_large_call_stops_its_writer_and_keeps_the_worker(run_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    spec = {"w": ((held_import(tmp_path),), 0)}
    with workers(IDLE, run_dir, **spec) as pool:
        pool["w"].submit("builtins:len", "年" * 2_000_000)  # more than the socket's buffer, sent mid-import
        assert senders() == ["send-to-w"]
    assert senders() == []
    release(tmp_path)
    pid, worker = pid_of(run_dir, **spec)  # the worker dropped the half-sent call and serves the next refresh
    assert worker.warm and _alive(pid)


def test_a_worker_in_use_is_not_shared(run_dir):
    with workers(IDLE, run_dir, w=(("json",), 0)) as pool:
        busy = pool["w"].call("os:getpid").value
        other, worker = pid_of(run_dir, w=(("json",), 0))
        assert other != busy and not worker.resident  # a short-lived worker of its own
        assert not _alive(other)


def test_a_changed_environment_gets_a_new_worker(run_dir, monkeypatch):
    first, _ = pid_of(run_dir, w=(("json",), 0))
    monkeypatch.setenv("TOUYAN_SOMETHING", "else")
    second, worker = pid_of(run_dir, w=(("json",), 0))
    assert second != first and not worker.warm


def test_a_worker_that_died_is_replaced(run_dir):
    first, _ = pid_of(run_dir, w=(("json",), 0))
    _kill(first)
    assert (run_dir / next(p.name for p in run_dir.glob("w-*.sock"))).exists()  # its socket is left behind
    second, worker = pid_of(run_dir, w=(("json",), 0))
    assert second != first and worker.resident and not worker.warm


def mark_and_sleep(path: str) -> None:
    """A call that says when it has started (the caller's submit() returns before the call is sent)."""
    open(path, "w").close()
    time.sleep(60)


def test_a_caller_that_fails_during_a_call_ends_the_worker(run_dir, tmp_path):
    started = tmp_path / "started"
    with pytest.raises(RuntimeError, match="a stage failed"), workers(IDLE, run_dir, w=((), 0)) as pool:
        pid = pool["w"].call("os:getpid").value
        pool["w"].submit("tests.unit.test_resident:mark_and_sleep", str(started))
        assert wait_until(started.exists, 30)
        raise RuntimeError("a stage failed")
    assert wait_until(lambda: not _alive(pid))


def test_a_caller_killed_during_a_call_ends_the_worker(run_dir, tmp_path):
    started = tmp_path / "started"
    caller = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import pathlib, sys
        from pipelines.runtime.pool import workers
        with workers({IDLE}, pathlib.Path({str(run_dir)!r}), w=((), 0)) as pool:
            print(pool["w"].call("os:getpid").value, flush=True)
            pool["w"].submit("tests.unit.test_resident:mark_and_sleep", {str(started)!r})
            sys.stdin.read()
    """)], cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    pid = int(caller.stdout.readline())
    assert wait_until(started.exists, 30)
    caller.send_signal(signal.SIGKILL)
    caller.wait(timeout=10)
    assert wait_until(lambda: not _alive(pid))


def test_an_idle_worker_leaves_and_takes_its_socket_along(run_dir):
    with workers(1, run_dir, w=((), 0)) as pool:
        pid = pool["w"].call("os:getpid").value
    assert _alive(pid)
    assert wait_until(lambda: not _alive(pid))
    assert not list(run_dir.glob("w-*.sock"))


def test_stop_workers_ends_the_idle_ones_only(run_dir):
    idle, _ = pid_of(run_dir, w=(("json",), 0))
    with workers(IDLE, run_dir, v=((), 0)) as pool:
        busy = pool["v"].call("os:getpid").value
        assert stop_all(run_dir) == [idle]
        assert wait_until(lambda: not _alive(idle)) and _alive(busy)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    wait_until(lambda: not _alive(pid))
