"""The data-quality page's questions: whether the latest refresh failed after the version shown, the
quarantined rows (with their reasons and cells named in the language), the source files. The
definitions page and the report pack use the source files too.

Who sees what: analysts and admins everything; an institute only the rows and files whose `institute_id`
is its own (null: analysts only), and of the record of the latest refresh when and where it failed, not
its details (which name files); a leader, even of the whole system, nothing (Refused: the page is not
theirs)."""
from __future__ import annotations

import json
from datetime import datetime

import pandas as pd

from dashboards.i18n import column, t
from dashboards.views.store import MartStore, NotPublished
from dashboards.views.viewer import Viewer
from pipelines.config import LAST_RUN_FILE


def last_refresh(viewer: Viewer, store: MartStore) -> dict | None:
    """The latest refresh's outcome as the refresh recorded it (status, started_at, finished_at, and
    for a failure stage, stage_title, what, details, action); None when there is no record."""
    viewer.check_page("quality")
    if store.reports_dir is None:
        return None
    try:
        record = json.loads((store.reports_dir / LAST_RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict):
        return None
    return record if viewer.access_key is None else {k: record[k] for k in SAFE_RECORD_KEYS if k in record}


# the refresh record's keys a viewer who is not full-access gets: when and where it failed, not the
# details (file names and rows, which name institutes) nor the action addressed to the operator
SAFE_RECORD_KEYS = ("status", "started_at", "finished_at", "run_id", "stage", "stage_title")


def refresh_failure(viewer: Viewer, store: MartStore) -> dict | None:
    """When the latest refresh failed after the version published (the refresh's record is newer): the
    record, when it failed and the version still shown — {"record", "failed_at", "manifest" (None when
    nothing is published), "published_at"}, the times in the server's zone. None otherwise."""
    record = last_refresh(viewer, store)
    if not record or record.get("status") != "failed":
        return None
    try:
        manifest = store.version(viewer).manifest
    except NotPublished:
        manifest = None
    failed_at = local_time(record.get("finished_at"))
    published_at = local_time(manifest["published_at"]) if manifest else None
    if failed_at is None or (manifest and failed_at <= published_at):
        return None
    return {"record": record, "failed_at": failed_at, "manifest": manifest, "published_at": published_at}


def local_time(stamp) -> datetime | None:
    """An ISO time with its zone (as the refresh writes them) in the server's zone; None if it is not one."""
    try:
        return datetime.fromisoformat(stamp).astimezone()
    except (TypeError, ValueError):
        return None


def quarantined_rows(viewer: Viewer, store: MartStore) -> pd.DataFrame:
    """fct_quarantined_rows in file and row order (the viewer's)."""
    return _rows(viewer, store, "fct_quarantined_rows", "order by source_file, source_row")


def row_warnings(viewer: Viewer, store: MartStore) -> pd.DataFrame:
    """fct_row_warnings in file and row order (the viewer's)."""
    return _rows(viewer, store, "fct_row_warnings", "order by source_file, source_row")


def source_file_rows(viewer: Viewer, store: MartStore) -> pd.DataFrame:
    """fct_source_files in file order (the viewer's)."""
    return _rows(viewer, store, "fct_source_files", "order by source_file")


def _rows(viewer: Viewer, store: MartStore, mart: str, order: str) -> pd.DataFrame:
    viewer.check_page("quality")  # a leader: Refused
    return store._institute_rows(viewer, mart, order)


def quarantined_counts(viewer: Viewer, store: MartStore, state: dict, rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Quarantined rows per file and reason (the reason named in the language): the figure's frame."""
    lang = state["lang"]
    rows = quarantined_rows(viewer, store) if rows is None else rows
    return rows.assign(reason=reason_names(viewer, store, rows["reason_code"], lang)).groupby(
        ["source_file", "reason"]).size().reset_index(name="rows")


def code_names(viewer: Viewer, store: MartStore, code_type: str, lang: str) -> pd.Series:
    """The names in the language of one type of code (dim_code_labels), indexed by code."""
    labels = store.labels(viewer)
    return labels[labels["code_type"] == code_type].set_index("code")[column("name", lang)]


def reason_names(viewer: Viewer, store: MartStore, codes: pd.Series, lang: str) -> pd.Series:
    """Each reason code's short name in the language (code_type 'reason'); a code without one is shown
    as itself."""
    return codes.map(code_names(viewer, store, "reason", lang)).fillna(codes)


def original_cells(viewer: Viewer, store: MartStore, rows: pd.DataFrame, lang: str) -> pd.Series:
    """Each quarantined row's cells as submitted (`original_values`, JSON keyed by the contract's column
    names) as "name: value" pairs, each column named in the language — in Chinese by the contract's first
    header (code_type 'column', code '<dataset>.<column>'). A cell left empty shows as such; a column
    without a name keeps its key. A row without cells (an alias used by two institutes) shows none."""
    names = code_names(viewer, store, "column", lang).to_dict()
    colon, separator, blank = (": ", "; ", "(empty)") if lang == "en" else ("：", "；", "（空）")

    def pairs(dataset: str, text) -> str | None:
        if pd.isna(text):
            return None
        return separator.join(f"{names.get(f'{dataset}.{key}', key)}{colon}{blank if value is None else value}"
                              for key, value in json.loads(text).items())

    return pd.Series([pairs(d, o) for d, o in zip(rows["dataset"], rows["original_values"], strict=True)],
                     index=rows.index, dtype=object)


def quarantined(viewer: Viewer, store: MartStore, state: dict, rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """The quarantined rows as the page's table shows them (and its download)."""
    lang = state["lang"]
    rows = quarantined_rows(viewer, store) if rows is None else rows
    return pd.DataFrame({t("file", lang): rows["source_file"], t("row", lang): rows["source_row"],
                         t("column", lang): rows["source_column"], t("reason_code", lang): rows["reason_code"],
                         t("reason", lang): rows["message_en" if lang == "en" else "message_zh"],
                         t("original", lang): original_cells(viewer, store, rows, lang)})


def source_files(viewer: Viewer, store: MartStore, state: dict) -> pd.DataFrame:
    """The source files as the page's table shows them (and its download)."""
    return source_file_rows(viewer, store)[["source_file", "dataset", "file_format", "encoding", "rows_read",
                                            "rows_accepted", "rows_quarantined", "warnings", "file_sha256"]]
