"""数据质量 Data quality: a warning when the latest refresh failed (when, where, why: the data shown is
the last published version), quarantined rows by file and reason, the rows themselves, the last
published run's stages and timings, the source files, and the quality gates' reports."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import get_relative_path, html

from dashboards import figures
from dashboards.i18n import fmt_number, t
from dashboards.pages.common import state_store
from dashboards.pages.components import figure_card, table, table_card
from dashboards.views import quality as views
from dashboards.views.store import MartStore, NotPublished
from dashboards.views.viewer import Viewer
from pipelines.config import REPORT_FILE

PATH = "/quality"
# rendered afresh each time, not kept per published version: it shows the latest refresh's record, which
# a failed refresh changes without publishing a version
CACHED = False
PAGE = "quality"


def layout(viewer: Viewer, store: MartStore, state: dict):
    lang = state["lang"]
    banner = refresh_failed(viewer, store, lang)
    try:
        manifest = store.version(viewer).manifest
    except NotPublished:
        return html.Div([banner, dbc.Alert(t("not_published", lang), color="warning")])
    stages = manifest.get("stage_seconds", {})
    rows = views.quarantined_rows(viewer, store)
    return html.Div([
        state_store(PAGE, {"lang": lang}),
        banner,
        figure_card("quarantined_by_file", lang, quarantined_by_file(viewer, store, state, rows)),
        table_card("quarantined", lang, t("quarantined", lang).capitalize(),  # the key also reads inline: "6 quarantined rows"
                   table(views.quarantined(viewer, store, state, rows), lang)),
        html.H5(t("last_run", lang), className="mt-4"),
        table(pd.DataFrame({t("stage", lang): list(stages), t("seconds", lang): [fmt_number(v, lang, 2) for v in stages.values()]}), lang),
        html.P([t("gx_report", lang), ": ",
                html.A("raw", href=gate_report("raw"), target="_blank"), " · ",
                html.A("marts", href=gate_report("marts"), target="_blank")], className="mt-2")
        if viewer.may_see_gate_reports else None,
        table_card("source_files", lang, t("files", lang), table(views.source_files(viewer, store, state), lang)),
    ])


def gate_report(gate: str) -> str:
    return get_relative_path(f"/reports/quality/{gate}/{REPORT_FILE}")


def refresh_failed(viewer: Viewer, store: MartStore, lang: str):
    """When the latest refresh failed (the refresh's record, newer than the version published): when,
    at which stage, what failed and what to do, and that the pages show the last published version.
    None otherwise."""
    failure = views.refresh_failure(viewer, store)
    if failure is None:
        return None
    record, manifest = failure["record"], failure["manifest"]
    when = failure["failed_at"].strftime("%Y-%m-%d %H:%M")
    stage = f" · {t('stage', lang)} {record.get('stage')}: {record.get('stage_title')}" if record.get("stage") else ""
    shown = (f"{t('shown_published', lang)}: {t('run', lang)} {manifest['run_id']}, {t('published_at', lang)} "
             f"{failure['published_at'].strftime('%Y-%m-%d %H:%M')}." if manifest else
             f"{t('nothing_shown', lang)}.")
    report = ([" (", html.A(t("gx_report", lang), href=gate_report(record["stage"].removeprefix("gate_")),
                            target="_blank"), ")"] if str(record.get("stage")).startswith("gate_") and viewer.may_see_gate_reports else [])
    details = [str(line) for line in record.get("details") or []]
    return dbc.Alert([
        html.Strong(f"{t('refresh_failed', lang)} · {when}{stage}"),
        html.Div([str(record.get("what", "")), *report]),
        html.Pre("\n".join(details), className="small mb-1 mt-1 refresh-details") if details else None,
        html.Div(f"{t('what_to_do', lang)}: {record.get('action', '')}", className="small"),
        html.Div(shown, className="mt-1 fw-bold"),
    ], color="danger", id="refresh-failed", className="mt-2")


def quarantined_by_file(viewer: Viewer, store: MartStore, state: dict, rows: pd.DataFrame | None = None):
    """The figure of quarantined rows per file and reason."""
    return figures.quarantined_by_file(views.quarantined_counts(viewer, store, state, rows), state["lang"])


# name → builder(viewer, store, state): a table as the page shows it / a figure as the page draws it for a
# view state (the downloads)
TABLES = {"quarantined": views.quarantined, "source_files": views.source_files}
FIGURES = {"quarantined_by_file": quarantined_by_file}


def register(app, store: MartStore) -> None:
    """Nothing to update: the page has no controls, and a new language renders it again."""
