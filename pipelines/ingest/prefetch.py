"""Reading ahead: the digests of a run's files and the sheets of its workbooks, on a background thread
while the files before them are loaded."""
from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pyarrow as pa

from pipelines.ingest.files import file_digest
from pipelines.ingest.workbook_limits import WorkbookLimits
from pipelines.ingest.workbook_reader import read_workbook


class Prefetch:
    """What can be read of a run's files before their turn, on a background thread from the start, in
    file order: every file's digest, and the sheets of every workbook. Hashing a 600 MB CSV takes most
    of a second and reading a 2e5-row workbook over half of one; the single-threaded work before their
    turn (opening the warehouse, the smaller datasets) leaves a core free for it. File reading, hashing
    and fastexcel release the GIL. `digest` and `workbook` wait for a file's result (or compute one not
    asked for); an error is raised there, when the file's turn comes, as if it were read then."""

    def __init__(self, paths: list[Path], limits: WorkbookLimits | None = None):
        threading.Thread(target=_import_pandas, name="import-pandas", daemon=True).start()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prefetch")
        self._read = partial(read_workbook, limits=limits or WorkbookLimits())
        self._digests = {path: self._pool.submit(file_digest, path) for path in paths}
        self._workbooks = {path: self._pool.submit(self._read, path) for path in paths
                           if _looks_like_workbook(path)}

    def digest(self, path: Path) -> tuple[str, int, int, bool]:
        future = self._digests.get(path)
        return future.result() if future else file_digest(path)

    def workbook(self, path: Path) -> list[tuple[str, str, pa.RecordBatch | None]] | Exception:
        future = self._workbooks.get(path)
        return future.result() if future else self._read(path)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _import_pandas() -> None:
    """DuckDB's Python API imports pandas (0.3-0.4 s) the first time it is handed a Python object — an
    Arrow stream, a query parameter — although the ingest uses no pandas. Imported here, on a thread of
    its own at the start, the import overlaps opening the warehouse instead of following it."""
    with contextlib.suppress(ImportError):
        import pandas  # noqa: F401


def _looks_like_workbook(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(8).startswith((b"PK", b"\xd0\xcf\x11\xe0"))
    except OSError:
        return False
