"""Warm worker processes for the refresh: each starts at the beginning of a run, imports its heavy
modules (dbt ~3 CPU-s, Great Expectations ~5 CPU-s) while the main process ingests, then runs the
calls it is sent. Separate processes, not threads: imports and dbt's Jinja are Python bytecode, which
holds the GIL, so on a thread they slowed the ingest instead of using the second core.

A worker is `python -m pipelines.runtime.workers`, started with two pipes (not multiprocessing's spawn, which
re-runs the caller's main script: a script calling `refresh()` without a main guard would recurse).
Calls and replies are pickled. A worker dies with the process that started it (Linux parent-death
signal), so a refresh killed with SIGKILL never leaves a dbt still writing to the warehouse that the
next run replaces.

This module knows nothing of resident workers: pipelines/runtime/resident.py builds on it, and
pipelines/runtime/pool.py chooses between the two (so that no two of these modules import each other).
"""
from __future__ import annotations

import array
import contextlib
import fcntl
import importlib
import os
import resource
import select
import signal
import socket
import subprocess
import sys
import termios
import threading
import time
import traceback
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from pipelines.config import worker_environment


class WorkerError(RuntimeError):
    """A call failed in the worker (the worker's traceback is the message) or the worker died."""


@dataclass
class Reply:
    value: object
    cpu_seconds: float
    wall_seconds: float


class Worker:
    """A worker process for this refresh alone (started here, dies with this process), or a resident
    one (pipelines/runtime/resident.py) attached through a socket: the same calls either way."""

    def __init__(self, name: str, *imports: str, nice: int = 0):
        self.name = name
        from_child, to_parent = os.pipe()
        from_parent, to_child = os.pipe()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.runtime.workers", str(from_parent), str(to_parent), str(os.getpid()),
             str(nice), *imports], pass_fds=(from_parent, to_parent), env=worker_environment(),
            stdin=subprocess.DEVNULL)
        os.close(from_parent)
        os.close(to_parent)
        self._replies, self._calls = Connection(from_child, writable=False), Connection(to_child, readable=False)
        self._pending = False
        self._release = self._sender = None
        self.resident = self.warm = False

    @classmethod
    def attached(cls, name: str, calls: Connection, replies: Connection, release, warm: bool, log: Path) -> Worker:
        """A worker over connections to a resident process (`warm`: one that served a refresh before;
        `log`: where its output goes); `release()` runs when it is closed."""
        worker = cls.__new__(cls)
        worker.name, worker._process, worker._pending, worker.resident, worker.warm = name, None, False, True, warm
        worker._calls, worker._replies, worker._release, worker._log = calls, replies, release, log
        worker._sender = None  # the thread writing the current call (submit)
        return worker

    def submit(self, function: str, *args) -> None:
        """Start `module:function(*args)` in the worker; `result()` waits for it. Returns at once: the
        call is written on a thread, because a call larger than the pipe's buffer (the gate's frames)
        would otherwise block the caller until the worker has finished its imports and reads it."""
        assert not self._pending, f"{self.name}: one call at a time"
        self._pending = True
        self._sender = threading.Thread(target=self._send, args=((function, args),), daemon=True,
                                        name=f"send-to-{self.name}")
        self._sender.start()

    def _send(self, call: tuple) -> None:
        with contextlib.suppress(OSError):  # the worker ended: result() reads the end and says so
            self._calls.send(call)

    def finish(self, timeout_s: float) -> bool:
        """Wait up to `timeout_s` for the pending call to end, its reply discarded; whether it ended."""
        if not self._pending or not self._replies.poll(timeout_s):
            return not self._pending
        with contextlib.suppress(WorkerError):
            self.result()
        return True

    def result(self) -> Reply:
        self._pending = False
        try:
            status, value, cpu, wall = self._replies.recv()
        except (EOFError, OSError) as e:
            raise self._ended() from e
        if status == "error":
            raise WorkerError(value)
        return Reply(value, cpu, wall)

    @property
    def connection(self) -> Connection:
        """For multiprocessing.connection.wait: readable when the call's reply (or the end) is there."""
        return self._replies

    def call(self, function: str, *args) -> Reply:
        self.submit(function, *args)
        return self.result()

    def close(self, kill: bool = False) -> None:
        """An idle worker reads the closed pipe and exits; a busy one (kill=True, or after 5 s) is killed."""
        self._stop_sending()
        for connection in (self._calls, self._replies):
            with contextlib.suppress(OSError):
                connection.close()
        if self._process is None:  # resident: a call it is still running ends it (serve_calls)
            if self._release is not None:
                self._release()
                self._release = None
            return
        if not kill:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=5)
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()

    def _stop_sending(self) -> None:
        """A call still being written when the worker is closed (a refresh failing while the gate's frames
        go out, or before the thread sending a call has run) is not wanted: the worker is stopped from
        reading — killed, or its socket shut — so that the write fails, and the thread is waited for. Only
        then are the descriptors closed: the number of a closed one is given to the next file or pipe
        opened, and the thread would have written the rest of the call into that."""
        sender = self._sender
        if sender is None or not sender.is_alive():
            return
        sender.join(0.05)  # a small call fits the pipe's buffer: its thread is done at once
        if sender.is_alive():
            if self._process is not None:
                self._process.kill()
            else:
                with contextlib.suppress(OSError), socket.socket(fileno=os.dup(self._calls.fileno())) as sock:
                    sock.shutdown(socket.SHUT_RDWR)
            sender.join()

    def _ended(self) -> WorkerError:
        if self._process is None:
            return WorkerError(f"the {self.name} worker process ended unexpectedly (its output: {self._log})")
        code = None
        with contextlib.suppress(subprocess.TimeoutExpired):
            code = self._process.wait(timeout=2)
        return WorkerError(f"the {self.name} worker process ended unexpectedly (exit code {code})")


def serve(calls: Connection, replies: Connection, parent: int, nice: int, imports: list[str]) -> None:
    _die_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the parent, which closes the pipes
    prepare(imports, nice)
    serve_calls(calls, replies)


def prepare(imports: list[str], nice: int = 0) -> None:
    """Import `imports` (a module, or `module:function` to call) at `nice`; the calls that follow run at
    the process's own priority. Only the import yields to the refresh's critical path (Linux gives each
    thread its own nice value): the raw gate itself, ~0.6 CPU-s, runs beside dbt at equal priority, so
    its verdict — which stops the build when it fails — comes without waiting for dbt to leave a core
    (at 1e6 rows, the raw gate took ~1.4–1.8 s niced and ~0.9–1.2 s not, with no change to the
    refresh's time: docs/benchmarks-history.md)."""
    def run() -> None:
        if nice:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
        for target in imports:  # failures surface when a call needs the module
            with contextlib.suppress(Exception):
                _resolve(target)() if ":" in target else importlib.import_module(target)

    if not nice:
        run()
        return
    importer = threading.Thread(target=run, name="niced-imports")
    importer.start()
    importer.join()


def serve_calls(calls: Connection, replies: Connection) -> None:
    """Run calls until the caller closes its end. A caller that goes away while a call runs (a refresh
    killed, or one that failed and closed its workers) wants nothing more from it: the process ends
    there, rather than, say, a dbt build writing on into a warehouse the next refresh replaces."""
    while True:
        try:
            function, args = calls.recv()
        except (EOFError, OSError):
            return
        start, started = _cpu_seconds(), time.perf_counter()
        try:
            with _exit_if_caller_leaves(calls):
                status, value = "ok", _resolve(function)(*args)
        except BaseException:  # noqa: BLE001 — everything goes back to the caller, as text
            status, value = "error", traceback.format_exc()
        try:
            replies.send((status, value, round(_cpu_seconds() - start, 3), round(time.perf_counter() - started, 3)))
        except Exception:  # an unpicklable result: say so rather than leave the caller waiting
            replies.send(("error", traceback.format_exc(), 0.0, 0.0))


@contextlib.contextmanager
def _exit_if_caller_leaves(calls: Connection):
    """While a call runs the caller sends nothing, so its end becoming readable with no bytes to read
    means it closed (or died)."""
    done = threading.Event()

    def watch():
        while not done.is_set():
            readable, _, _ = select.select([calls.fileno()], [], [], 0.5)
            if readable and not done.is_set() and _bytes_waiting(calls.fileno()) == 0:
                os._exit(1)

    watcher = threading.Thread(target=watch, daemon=True, name="caller-watch")
    watcher.start()
    try:
        yield
    finally:
        done.set()


def _bytes_waiting(fd: int) -> int:
    buffer = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, buffer)
    return buffer[0]


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


if __name__ == "__main__":
    serve(Connection(int(sys.argv[1]), writable=False), Connection(int(sys.argv[2]), readable=False),
          int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:])
    sys.stdout.flush()
    sys.stderr.flush()
    # Done: skip interpreter shutdown (joining library threads, atexit handlers of dbt and GX), which
    # the refresh would otherwise wait for.
    os._exit(0)
