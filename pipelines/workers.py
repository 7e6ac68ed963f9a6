"""Warm worker processes for the refresh: each starts at the beginning of a run, imports its heavy
modules (dbt ~3 CPU-s, Great Expectations ~5 CPU-s) while the main process ingests, then runs the
calls it is sent. Separate processes, not threads: imports and dbt's Jinja are Python bytecode, which
holds the GIL, so on a thread they slowed the ingest instead of using the second core.

A worker dies with the process that started it (Linux parent-death signal), so a refresh killed with
SIGKILL never leaves a dbt still writing to the warehouse that the next run replaces.
"""
from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import resource
import signal
import time
import traceback
from dataclasses import dataclass


class WorkerError(RuntimeError):
    """A call failed in the worker (the worker's traceback is the message) or the worker died."""


@dataclass
class Reply:
    value: object
    cpu_seconds: float
    wall_seconds: float


class Worker:
    def __init__(self, name: str, *imports: str, nice: int = 0):
        context = multiprocessing.get_context("spawn")
        self.name = name
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, os.getpid(), imports, nice), name=name, daemon=True)
        self._process.start()
        child.close()
        self._pending = False

    def submit(self, function: str, *args) -> None:
        """Start `module:function(*args)` in the worker; `result()` waits for it."""
        assert not self._pending, f"{self.name}: one call at a time"
        try:
            self._conn.send((function, args))
        except OSError as e:
            raise WorkerError(f"the {self.name} worker process ended unexpectedly "
                              f"(exit code {self._process.exitcode})") from e
        self._pending = True

    def result(self) -> Reply:
        self._pending = False
        try:
            status, value, cpu, wall = self._conn.recv()
        except (EOFError, OSError) as e:
            raise WorkerError(f"the {self.name} worker process ended unexpectedly "
                              f"(exit code {self._process.exitcode})") from e
        if status == "error":
            raise WorkerError(value)
        return Reply(value, cpu, wall)

    @property
    def connection(self):
        """For multiprocessing.connection.wait: readable when the call's reply (or the end) is there."""
        return self._conn

    def call(self, function: str, *args) -> Reply:
        self.submit(function, *args)
        return self.result()

    def close(self, kill: bool = False) -> None:
        """An idle worker reads the closed pipe and exits; a busy one (kill=True, or after 5 s) is killed."""
        with contextlib.suppress(OSError):
            self._conn.close()
        if not kill:
            self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
        self._process.join()


@contextlib.contextmanager
def workers(**specs: tuple[tuple[str, ...], int]):
    """`with workers(dbt=(("dbt.cli.main",), 0), gx=((...), 5)) as w:` — w["dbt"], w["gx"]: each worker's
    imports and nice value; closed on exit, killed when the block raises."""
    started = {name: Worker(name, *imports, nice=nice) for name, (imports, nice) in specs.items()}
    failed = True
    try:
        yield started
        failed = False
    finally:
        for worker in started.values():
            worker.close(kill=failed)  # after a failure nothing a worker is still doing is wanted


def _serve(conn, parent: int, imports: tuple[str, ...], nice: int) -> None:
    _die_with_parent(parent)
    os.nice(nice)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which closes the pipe
    for target in imports:  # failures surface when a call needs the module
        with contextlib.suppress(Exception):
            _resolve(target)() if ":" in target else importlib.import_module(target)
    while True:
        try:
            function, args = conn.recv()
        except (EOFError, OSError):
            return
        start, started = _cpu_seconds(), time.perf_counter()
        try:
            status, value = "ok", _resolve(function)(*args)
        except BaseException:  # noqa: BLE001 — everything goes back to the caller, as text
            status, value = "error", traceback.format_exc()
        try:
            conn.send((status, value, round(_cpu_seconds() - start, 3), round(time.perf_counter() - started, 3)))
        except Exception:  # an unpicklable result: say so rather than leave the caller waiting
            conn.send(("error", traceback.format_exc(), 0.0, 0.0))


def _resolve(target: str):
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


def _die_with_parent(parent: int) -> None:
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
