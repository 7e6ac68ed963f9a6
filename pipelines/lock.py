"""One refresh at a time per data folder. A second refresh refuses at once (or waits, if asked) with a
message naming the one that holds the lock. The lock is an flock: it goes away with its process, so a
killed refresh never leaves a stale lock behind."""
from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path


class RefreshBusy(RuntimeError):
    pass


@contextmanager
def refresh_lock(data_dir: Path, wait: bool = False):
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / ".refresh.lock"
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise RefreshBusy(
                f"Another refresh is running on {data_dir} ({holder}). Wait for it to finish, or run "
                f"`python -m pipelines refresh --wait` to queue behind it. The published marts stay as they are.\n"
                f"另一个刷新正在运行（{holder}），请等待其完成，或使用 --wait 排队。已发布的数据不受影响。") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}")
        handle.flush()
        yield  # the flock is released when the file closes, or when the process dies
