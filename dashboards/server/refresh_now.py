"""The portal's "refresh now": `python -m pipelines refresh` started by an analyst from the browser, as the
command line would run it (the server's interpreter and environment, the server's data folder), its
output in data/reports/portal-refresh.log and its record (who, when, pid, exit code) in
data/reports/portal-refresh.json — files, because the server's worker processes share nothing else.

One refresh at a time: a start is refused while this record's process is alive or another command holds
the data folder's lock (pipelines/lock.py). The request never waits for the refresh: the process starts
in its own session (process group) with nothing of the server's but its environment, and ends by itself
when the refresh ends (a batch command leaves nothing behind); a thread of the worker that started it
reaps it and writes its exit code. Should that worker be gone by then, the code is unknown and the record
says "ended" (the log says how). The dashboard keeps serving meanwhile: the publish is one atomic switch."""
from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipelines.config import PROJECT_ROOT, Settings, command_environment
from pipelines.lock import holder

LOG_NAME = "portal-refresh.log"
RECORD_NAME = "portal-refresh.json"
TAIL_LINES = 40
TAIL_BYTES = 16_000  # the log's end read for the tail: a refresh's lines are short


@dataclass(frozen=True)
class RefreshStatus:
    state: str  # "idle" (never started here), "running", "finished" (exit 0), "failed", "ended" (code unknown)
    started_by: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    exit_code: int | None = None
    pid: int | None = None
    tail: tuple[str, ...] = ()
    other: str | None = None  # another command holding the data folder (a refresh from the command line)


class RefreshNow:
    """The refresh started from the portal for one data folder."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.folder = settings.reports_dir
        self.log, self.record = self.folder / LOG_NAME, self.folder / RECORD_NAME

    def start(self, username: str) -> RefreshStatus | None:
        """Start a refresh for `username`; None if started, else the status that refused it (running)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        # two presses at once (in two workers): one at a time past this point
        with open(self.folder / ".portal-refresh.start", "a") as gate:
            fcntl.flock(gate, fcntl.LOCK_EX)
            current = self.status()
            if current.state == "running" or current.other:
                return current
            with open(self.log, "wb") as log:
                process = subprocess.Popen(
                    [sys.executable, "-m", "pipelines", "refresh"], cwd=PROJECT_ROOT,
                    env=command_environment(self.settings), stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, start_new_session=True, close_fds=True)
            self._write({"pid": process.pid, "started_by": username, "started_at": _now(), "exit_code": None,
                         "finished_at": None})
        threading.Thread(target=self._reap, args=(process,), name="portal-refresh", daemon=True).start()
        return None

    def _reap(self, process: subprocess.Popen) -> None:
        code = process.wait()
        record = self._read()
        if record.get("pid") == process.pid:
            self._write(record | {"exit_code": code, "finished_at": _now()})

    def status(self) -> RefreshStatus:
        record = self._read()
        other = holder(self.settings.data_dir)
        if not record:
            return RefreshStatus("idle", other=other)
        pid, code = record.get("pid"), record.get("exit_code")
        if code is not None:
            state = "finished" if code == 0 else "failed"
        else:
            state = "running" if _alive(pid) else "ended"
        if state == "running" and other and f"pid {pid}," in other:
            other = None  # the lock is this refresh's own
        return RefreshStatus(state, record.get("started_by"), record.get("started_at"), record.get("finished_at"),
                             code, pid, self._tail(), other)

    def _tail(self) -> tuple[str, ...]:
        try:
            with open(self.log, "rb") as log:
                log.seek(max(0, log.seek(0, os.SEEK_END) - TAIL_BYTES))
                text = log.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return ()
        return tuple(text.splitlines()[-TAIL_LINES:])

    def _read(self) -> dict:
        try:
            return json.loads(self.record.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return {}

    def _write(self, record: dict) -> None:
        partial = self.record.with_name(f".{self.record.name}.tmp")
        partial.write_text(json.dumps(record), encoding="utf-8")
        partial.replace(self.record)


def _alive(pid: int | None) -> bool:
    """The refresh's process is still there: alive, not a zombie, and a `pipelines refresh` (not another
    process given the same pid since)."""
    if not pid:
        return False
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return status.rsplit(")", 1)[1].split()[0] != "Z" and b"pipelines" in command and b"refresh" in command


def _now() -> str:
    return datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
