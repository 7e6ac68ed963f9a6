"""One writer at a time per data folder. Every command that writes the data folder — refresh, ingest (the
warehouse), demo (data/raw/), docs (dbt's catalog opens the warehouse) — takes this lock; a second one
refuses at once (or waits, if asked) with a message naming the command that holds it. The lock is an
flock: it goes away with its process, so a killed command never leaves a stale lock behind. Readers (the
dashboard, the report pack) read the published marts, which a writer switches atomically: they take no lock."""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path


class DataFolderBusy(RuntimeError):
    pass


@contextmanager
def write_lock(data_dir: Path, command: str, wait: bool = False):
    """Held while `command` (python -m pipelines <command>) writes `data_dir`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / ".refresh.lock"
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise DataFolderBusy(
                f"Another Touyan command is writing to {data_dir} ({holder}). Wait for it to finish, or run "
                f"`python -m pipelines {command} --wait` to queue behind it. The published marts stay as they are.\n"
                f"另一个命令正在写入该数据文件夹（{holder}），请等待其完成，或加 --wait 排队。"
                f"已发布的数据不受影响。") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, {command}, started {time.strftime('%Y-%m-%d %H:%M:%S')}")
        handle.flush()
        yield  # the flock is released when the file closes, or when the process dies


def holder(data_dir: Path) -> str | None:
    """Who writes `data_dir` now (the holder's line: pid, command, start), or None when no command does.
    Probed with a non-blocking lock released at once: a command starting in that very instant is refused
    as if it had met another writer (it says so, and exits 75)."""
    path = data_dir / ".refresh.lock"
    if not path.exists():
        return None
    with open(path) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return handle.read().strip() or "another process"
        return None  # the flock is released when the file closes
