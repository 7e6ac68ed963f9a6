"""An institute's units section of the combined PDF: the units valid in the report's year, nested ones
indented under their parent, each with its headline figures of the year and their change on the year
before (fct_unit_metric_year: a record of a 室 counts for its 中心 too); then the institute's honours of
the year — its awards (name, level, grade, role, what for, which unit) and its talent titles by level.
Read through dashboards.views.report with the pack's viewer, so a user's pack holds its own institute's
units only. page.py puts the section between the KPI table and the figures."""
from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from dashboards.i18n import fmt_number, pick
from dashboards.report.kpi import missing
from dashboards.report.text import tr
from dashboards.views import report as report_views
from dashboards.views.quality import code_names

if TYPE_CHECKING:
    from dashboards.report.pack import ReportPack

# The unit table's columns: the figures a unit's year is told by in the institutes' own reports —
# awards, papers, patents and software (IP total), standards published, talent titles.
UNIT_METRICS = ("awd_total", "pap_total", "ip_total", "std_published", "tal_total")


def units_section(pack: ReportPack, institute_id: str) -> dict | None:
    """The section's values for the template; None when the institute has neither units in the year nor
    an award or talent title (then the PDF has no such section)."""
    lang, year = pack.lang, pack.year
    units = report_views.unit_year(pack.viewer, pack.store, institute_id, year, list(UNIT_METRICS))
    awards = report_views.awards_of_year(pack.viewer, pack.store, institute_id, year)
    titles = report_views.talent_titles_of_year(pack.viewer, pack.store, institute_id, year)
    if units.empty and awards.empty and titles.empty:
        return None
    return {"heading": tr("units_heading" if not units.empty else "honours_heading", lang),
            "units": None if units.empty else _unit_table(pack, units),
            "awards": None if awards.empty else _awards_table(pack, awards),
            "titles": None if titles.empty else _titles_table(pack, titles)}


def _unit_table(pack: ReportPack, rows: pd.DataFrame) -> dict:
    """Headers (a metric's name and unit) and a row per unit: its name, depth (the template indents by
    it), type, and per metric the year's figure with the change in brackets, "8 (+3)"."""
    lang = pack.lang
    catalog = pack.metrics.set_index("metric_id")
    metrics = [m for m in UNIT_METRICS if m in catalog.index]
    types = code_names(pack.viewer, pack.store, "unit_type", lang)
    table = []
    for _, part in rows.groupby("unit_id", sort=False):  # in the rows' (tree) order
        part = part.set_index("metric_id")
        first = part.iloc[0]
        cells = []
        for metric_id in metrics:
            r = part.loc[metric_id] if metric_id in part.index else None
            cells.append("—" if r is None else f"{_value(r)} ({_change(r)})")
        table.append({"name": pick(first, "name", lang), "depth": int(first["depth"]),
                      "type": types.get(first["unit_type"], first["unit_type"]), "cells": cells})
    headers = [f"{pick(catalog.loc[m], 'name', lang)}（{pick(catalog.loc[m], 'unit', lang)}）" if lang == "zh"
               else f"{pick(catalog.loc[m], 'name', lang)} ({pick(catalog.loc[m], 'unit', lang)})" for m in metrics]
    return {"headers": headers, "rows": table}


def _value(r: pd.Series) -> str:
    text = fmt_number(r["value"])
    return "≥" + text if r["qualifier"] == "≥" and text != "—" else text


def _change(r: pd.Series) -> str:
    """The change on the year before, signed; — when the unit has no figure for it (new that year)."""
    if missing(r["yoy_abs"]):
        return "—"
    return ("+" if r["yoy_abs"] > 0 else "") + fmt_number(r["yoy_abs"])


def _awards_table(pack: ReportPack, awards: pd.DataFrame) -> dict:
    lang = pack.lang
    names = {kind: code_names(pack.viewer, pack.store, f"award_{kind}", lang) for kind in ("level", "grade", "role")}

    def label(kind: str, code) -> str:
        return "" if missing(code) else names[kind].get(code, code)

    rows = [(r["award_name"], label("level", r["level"]), label("grade", r["grade"]), label("role", r["role"]),
             "" if missing(r["for_title"]) else r["for_title"],
             tr("whole_institute", lang) if missing(r[f"unit_{lang}"]) else r[f"unit_{lang}"])
            for _, r in awards.iterrows()]
    columns = [tr(key, lang) for key in ("award", "award_level", "award_grade", "award_role", "award_for", "unit")]
    return {"columns": columns, "rows": rows, "count": len(rows)}


def _titles_table(pack: ReportPack, titles: pd.DataFrame) -> dict:
    lang = pack.lang
    levels = code_names(pack.viewer, pack.store, "talent_level", lang)
    rows = [(levels.get(r["level"], r["level"]), r["title"], "" if missing(r["conferred_by"]) else r["conferred_by"],
             fmt_number(r["people"])) for _, r in titles.iterrows()]
    columns = [tr(key, lang) for key in ("talent_level", "talent_title", "conferred_by", "people")]
    return {"columns": columns, "rows": rows, "count": int(titles["people"].sum())}
