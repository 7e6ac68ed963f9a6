"""数据质量 Data quality: a warning when the latest refresh failed (when, where, why: the data shown is
the last published version), quarantined rows by file and reason, the rows themselves, the last
published run's stages and timings, the source files, and the quality gates' reports."""
from __future__ import annotations

import json
from datetime import datetime

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboards import figures
from dashboards.components import figure_card, table, table_card
from dashboards.data import MartStore, NotPublished
from dashboards.i18n import column, fmt_number, t
from dashboards.pages.common import state_store
from pipelines.config import REPORT_FILE

PATH = "/quality"
PAGE = "quality"


def layout(store: MartStore, state: dict):
    lang = state["lang"]
    banner = refresh_failed(store, lang)
    try:
        manifest = store.version().manifest
    except NotPublished:
        return html.Div([banner, dbc.Alert(t("not_published", lang), color="warning")])
    stages = manifest.get("stage_seconds", {})
    rows = store.quarantined()
    return html.Div([
        state_store(PAGE, {"lang": lang}),
        banner,
        figure_card("quarantined_by_file", lang, quarantined_by_file(store, state, rows)),
        table_card("quarantined", lang, t("quarantined", lang).capitalize(),  # the key also reads inline: "6 quarantined rows"
                   table(quarantined(store, state, rows), lang)),
        html.H5(t("last_run", lang), className="mt-4"),
        table(pd.DataFrame({t("stage", lang): list(stages), t("seconds", lang): [fmt_number(v, lang, 2) for v in stages.values()]}), lang),
        html.P([t("gx_report", lang), ": ",
                html.A("raw", href=gate_report("raw"), target="_blank"), " · ",
                html.A("marts", href=gate_report("marts"), target="_blank")], className="mt-2"),
        table_card("source_files", lang, t("files", lang), table(source_files(store, state), lang)),
    ])


def gate_report(gate: str) -> str:
    return f"/reports/quality/{gate}/{REPORT_FILE}"


def refresh_failed(store: MartStore, lang: str):
    """When the latest refresh failed (the refresh's record, newer than the version published): when,
    at which stage, what failed and what to do, and that the pages show the last published version.
    None otherwise."""
    record = store.last_refresh()
    if not record or record.get("status") != "failed":
        return None
    try:
        manifest = store.version().manifest
    except NotPublished:
        manifest = None
    failed_at = _local(record.get("finished_at"))
    if failed_at is None or (manifest and failed_at <= _local(manifest["published_at"])):
        return None
    when = failed_at.strftime("%Y-%m-%d %H:%M")
    stage = f" · {t('stage', lang)} {record.get('stage')}: {record.get('stage_title')}" if record.get("stage") else ""
    shown = (f"{t('shown_published', lang)}: {t('run', lang)} {manifest['run_id']}, {t('published_at', lang)} "
             f"{_local(manifest['published_at']).strftime('%Y-%m-%d %H:%M')}." if manifest else
             f"{t('nothing_shown', lang)}.")
    report = ([" (", html.A(t("gx_report", lang), href=gate_report(record["stage"].removeprefix("gate_")),
                            target="_blank"), ")"] if str(record.get("stage")).startswith("gate_") else [])
    details = [str(line) for line in record.get("details") or []]
    return dbc.Alert([
        html.Strong(f"{t('refresh_failed', lang)} · {when}{stage}"),
        html.Div([str(record.get("what", "")), *report]),
        html.Pre("\n".join(details), className="small mb-1 mt-1 refresh-details") if details else None,
        html.Div(f"{t('what_to_do', lang)}: {record.get('action', '')}", className="small"),
        html.Div(shown, className="mt-1 fw-bold"),
    ], color="danger", id="refresh-failed", className="mt-2")


def _local(stamp) -> datetime | None:
    """An ISO time with its zone (as the refresh writes them) in the server's zone; None if it is not one."""
    try:
        return datetime.fromisoformat(stamp).astimezone()
    except (TypeError, ValueError):
        return None


def quarantined_by_file(store: MartStore, state: dict, rows: pd.DataFrame | None = None):
    """The figure of quarantined rows per file and reason."""
    lang = state["lang"]
    rows = store.quarantined() if rows is None else rows
    counts = rows.assign(reason=reason_names(store, rows["reason_code"], lang)).groupby(
        ["source_file", "reason"]).size().reset_index(name="rows")
    return figures.quarantined_by_file(counts, lang)


def code_names(store: MartStore, code_type: str, lang: str) -> pd.Series:
    """The names in the language of one type of code (dim_code_labels), indexed by code."""
    labels = store.labels()
    return labels[labels["code_type"] == code_type].set_index("code")[column("name", lang)]


def reason_names(store: MartStore, codes: pd.Series, lang: str) -> pd.Series:
    """Each reason code's short name in the language (code_type 'reason'); a code without one is shown
    as itself."""
    return codes.map(code_names(store, "reason", lang)).fillna(codes)


def original_cells(store: MartStore, rows: pd.DataFrame, lang: str) -> pd.Series:
    """Each quarantined row's cells as submitted (`original_values`, JSON keyed by the contract's column
    names) as "name: value" pairs, each column named in the language — in Chinese by the contract's first
    header (code_type 'column', code '<dataset>.<column>'). A cell left empty shows as such; a column
    without a name keeps its key. A row without cells (an alias used by two institutes) shows none."""
    names = code_names(store, "column", lang).to_dict()
    colon, separator, blank = (": ", "; ", "(empty)") if lang == "en" else ("：", "；", "（空）")

    def pairs(dataset: str, text) -> str | None:
        if pd.isna(text):
            return None
        return separator.join(f"{names.get(f'{dataset}.{key}', key)}{colon}{blank if value is None else value}"
                              for key, value in json.loads(text).items())

    return pd.Series([pairs(d, o) for d, o in zip(rows["dataset"], rows["original_values"], strict=True)],
                     index=rows.index, dtype=object)


def quarantined(store: MartStore, state: dict, rows: pd.DataFrame | None = None) -> pd.DataFrame:
    lang = state["lang"]
    rows = store.quarantined() if rows is None else rows
    return pd.DataFrame({t("file", lang): rows["source_file"], t("row", lang): rows["source_row"],
                         t("column", lang): rows["source_column"], t("reason_code", lang): rows["reason_code"],
                         t("reason", lang): rows["message_en" if lang == "en" else "message_zh"],
                         t("original", lang): original_cells(store, rows, lang)})


def source_files(store: MartStore, state: dict) -> pd.DataFrame:
    return store.source_files()[["source_file", "dataset", "file_format", "encoding", "rows_read", "rows_accepted",
                                 "rows_quarantined", "warnings", "file_sha256"]]


TABLES = {"quarantined": quarantined, "source_files": source_files}
FIGURES = {"quarantined_by_file": quarantined_by_file}


def register(app, store: MartStore) -> None:
    """Nothing to update: the page has no controls, and a new language renders it again."""
