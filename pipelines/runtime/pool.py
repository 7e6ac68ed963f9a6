"""The refresh's pool of worker processes: for each, a resident one (pipelines/runtime/resident.py) when
the caller opted in and one is free, otherwise one of the refresh's own (pipelines/runtime/workers.py).
Here, above both, so that neither imports the other's user: resident builds on workers, never the
reverse."""
from __future__ import annotations

import contextlib
from pathlib import Path

from pipelines.runtime.resident import attach
from pipelines.runtime.workers import Worker


@contextlib.contextmanager
def workers(idle_seconds: int = 0, runtime_dir: Path | None = None, **specs: tuple[tuple[str, ...], int]):
    """`with workers(dbt=(("dbt.cli.main",), 0), gx=((...), 5)) as w:` — w["dbt"], w["gx"]: each worker's
    imports and nice value; closed on exit, killed when the block raises. With `idle_seconds` > 0 and a
    `runtime_dir` (Settings.worker_idle_seconds and .runtime_dir: opt-in) each is a resident worker,
    reused if one is waiting there, kept that long after."""
    started: dict[str, Worker] = {}
    failed = True
    resident = idle_seconds > 0 and runtime_dir is not None
    try:
        for name, (imports, nice) in specs.items():
            started[name] = ((resident and attach(name, imports, nice, idle_seconds, runtime_dir))
                             or Worker(name, *imports, nice=nice))
        yield started
        failed = False
    finally:
        for worker in started.values():
            worker.close(kill=failed)  # after a failure nothing a worker is still doing is wanted
