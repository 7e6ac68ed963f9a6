"""The report pack's KPI table: one frame per unit (the group, or one institute) with a row per metric of the
catalog, numbers kept as numbers so the XLSX cells can be summed; the same frame is written as XLSX and
CSV (`kpi_sheets`, one sheet per domain) and shown as text in the combined PDF (page.py)."""
from __future__ import annotations

import pandas as pd

from dashboards.i18n import pick, t
from dashboards.report.plan import GROUP
from dashboards.report.text import tr
from dashboards.views import report as report_views
from dashboards.views.store import MartStore
from dashboards.views.viewer import Viewer

HIDDEN = ("domain", "qualifier", "r3y_qualifier")  # KPI frame columns that are not a column of the table


def kpi_frame(viewer: Viewer, store: MartStore, metrics: pd.DataFrame, unit: str, year: int,
              lang: str) -> pd.DataFrame:
    """One row per metric of the catalog (`metrics`) for the year, numbers as numbers (percentages as
    percent, rounded to 0.1; per 100 staff and averages to 0.01; counts as published)."""
    if unit == GROUP:
        rows = report_views.group_year(viewer, store, year)
    else:
        rows = store.institute_metric_years(viewer, institute_id=unit, years=[year])
    rows = metrics.merge(rows.drop(columns=["domain"], errors="ignore"), on="metric_id", how="left")
    out = pd.DataFrame({
        "label": [f"{pick(m, 'name', lang)}（{pick(m, 'unit', lang)}）" if lang == "zh"
                  else f"{pick(m, 'name', lang)} ({pick(m, 'unit', lang)})" for _, m in rows.iterrows()],
        "metric_id": rows["metric_id"], "domain": rows["domain"],
        "prior": rows["prior_value"].map(_number), "value": rows["value"].map(_number),
        "yoy_abs": rows["yoy_abs"].map(_number), "yoy_pct": rows["yoy_pct"].map(_percent),
        "r3y": rows["r3y"].map(_number), "cagr_3y": rows["cagr_3y"].map(_percent),
        "per_100_staff": rows["per_100_staff"].map(lambda v: _number(v, 2)),
    })
    if unit == GROUP:
        out["institutes_reporting"] = rows["institutes_reporting"].map(_number)
        out["institute_mean"] = rows["institute_mean"].map(lambda v: _number(v, 2))
    else:
        out["rank"] = rows["group_rank"].map(_number)
        out["rank_n"] = rows["group_n"].map(_number)
        out["share_pct"] = rows["group_share"].map(_percent)
        out["target"] = rows["target"].map(_number)
        out["attainment_pct"] = rows["target_attainment"].map(_percent)
    notes = []
    for _, r in rows.iterrows():
        note = []
        if unit != GROUP and not _true(r.get("is_reported")):
            note.append(t("not_reported", lang))
        if r.get("qualifier") == "≥" or r.get("r3y_qualifier") == "≥":
            note.append(tr("at_least", lang))
        if _true(r.get("yoy_small_base")):
            note.append(t("small_base", lang))
        notes.append("；".join(note) if lang == "zh" else "; ".join(note))
    out["note"] = notes
    out["qualifier"] = rows["qualifier"].where(rows["qualifier"].notna(), "")
    out["r3y_qualifier"] = rows["r3y_qualifier"].where(rows["r3y_qualifier"].notna(), "")
    return out


def kpi_sheets(frame: pd.DataFrame, year: int, lang: str) -> dict[str, pd.DataFrame]:
    """The frame per domain with headers in words (units in the row headers and the % columns)."""
    headers = {"label": tr("metric_unit", lang), "metric_id": tr("metric_id", lang),
               "prior": str(year - 1), "value": str(year)}
    headers |= {key: tr(key, lang) for key in frame.columns if key not in headers and key not in HIDDEN}
    sheets = {}
    for domain, part in frame.groupby("domain", sort=False):
        sheets[tr(domain, lang)] = (part.drop(columns=list(HIDDEN))
                                    .rename(columns=headers).reset_index(drop=True))
    return sheets


def missing(value) -> bool:
    """None, NA or NaN: the frame's and the marts' ways of saying there is no number."""
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _true(value) -> bool:
    return not missing(value) and bool(value)


def _number(value, decimals: int | None = None):
    """An int when whole, else a float (rounded to `decimals` if given); None when missing."""
    if missing(value):
        return None
    value = float(value)
    if decimals is not None:
        value = round(value, decimals)
    return int(value) if value.is_integer() else value


def _percent(value):
    return None if missing(value) else _number(float(value) * 100, 1)
