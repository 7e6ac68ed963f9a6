"""The combined PDF's page as HTML: templates/combined.html.j2 (and its footer, combined_footer.html.j2)
filled with a unit's values — cover, KPI table with YoY, an institute's units and honours of the year
(units.py), the figures' SVG inline (so the PDF's text is text), the metrics' definitions, the data's
as-of and sources. The functions take the ReportPack for
what it pinned and chose (store, viewer, year, language, manifest, institutes, metrics); pack.py prints
the page to PDF."""
from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import markupsafe
import pandas as pd

from dashboards.i18n import fmt_number, fmt_rank, pick, t
from dashboards.render.stamp import EXPORT_FONT_FAMILY
from dashboards.report.kpi import kpi_frame, missing
from dashboards.report.plan import GROUP, Unit
from dashboards.report.text import tr
from dashboards.report.units import units_section
from dashboards.views import definitions
from dashboards.views import report as report_views

if TYPE_CHECKING:
    from dashboards.report.pack import ReportPack

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

# The templates, escaping every value in the HTML ones (the style sheet is CSS, left as it is). A missing
# value (None, NaN, NA) shows as nothing; an unknown name in a template is an error.
TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
                               autoescape=jinja2.select_autoescape(["html.j2"]), undefined=jinja2.StrictUndefined,
                               finalize=lambda value: "" if missing(value) else value,
                               trim_blocks=True, lstrip_blocks=True)


def combined_html(pack: ReportPack, unit: Unit, svgs: dict) -> str:
    """The unit's page; `svgs` maps (unit, figure name) to the figure's SVG, None when it failed."""
    frame = kpi_frame(pack.viewer, pack.store, pack.metrics, unit.id, pack.year, pack.lang)
    units = None if unit.id == GROUP else units_section(pack, unit.id)
    # the sections in order, numbered (an institute without units or honours has no units section)
    keys = ["kpi", *(["units"] if units else []), "figures", "definitions", "sources"]
    return TEMPLATES.get_template("combined.html.j2").render(
        page_values(pack, unit), cover=_cover(pack, unit), kpi=_kpi_section(pack, unit, frame), units=units,
        figure_sections=_figure_section(pack, unit, svgs), definitions=_definitions_section(pack),
        sources=_sources_section(pack, unit), number={key: i for i, key in enumerate(keys, start=1)})


def page_footer(pack: ReportPack, unit: Unit) -> str:
    """Chromium's footer template for every page of the unit's PDF."""
    return TEMPLATES.get_template("combined_footer.html.j2").render(page_values(pack, unit))


def page_values(pack: ReportPack, unit: Unit) -> dict:
    """What the page and its footer both show, and the pack's words in its language (t: the
    dashboard's, tr: the pack's own)."""
    lang, m = pack.lang, pack.manifest
    return {"t": lambda key: t(key, lang), "tr": lambda key, **values: tr(key, lang, **values),
            "html_lang": "zh-CN" if lang == "zh" else "en", "font_family": EXPORT_FONT_FAMILY,
            "unit": unit, "is_group": unit.id == GROUP, "year": pack.year, "published": pack.published,
            "run_id": m["run_id"], "code_version": m.get("code_version", ""), "files": m["totals"]["files"]}


def _cover(pack: ReportPack, unit: Unit) -> dict:
    lang = pack.lang
    other = "en" if lang == "zh" else "zh"
    if unit.id == GROUP:
        subtitle = pick(pack.store.groups(pack.viewer).set_index("group_id").loc["all"], "name", other)
        names = pack.store.institutes(pack.viewer)
        members = "、".join(pick(r, "name", lang) for _, r in names.iterrows()) if lang == "zh" else \
            ", ".join(pick(r, "name", lang) for _, r in names.iterrows())
        peer = {"members": members}
    else:
        row = pack.institutes.set_index("institute_id").loc[unit.id]
        subtitle = pick(row, "name", other)
        peer = {"group": pack.group_name("all"), "peer_group": pack.group_name(row["peer_group_id"])}
    return {"subtitle": subtitle, "generated": f"{datetime.now().astimezone():%Y-%m-%d %H:%M}", **peer}


def _kpi_section(pack: ReportPack, unit: Unit, frame: pd.DataFrame) -> dict:
    """The KPI table's headers and, per domain, its rows as text (the notes under the group's table)."""
    columns = ["prior", "value", "yoy_abs", "yoy_pct", "r3y"]
    columns += (["cagr_3y", "institutes_reporting", "institute_mean", "per_100_staff"] if unit.id == GROUP
                else ["per_100_staff", "rank", "share_pct", "attainment_pct"])
    headers = {"prior": str(pack.year - 1), "value": str(pack.year)} | {
        key: tr(key, pack.lang) for key in columns if key not in ("prior", "value")}
    domains = [{"id": domain, "rows": [{"label": r["label"], "cells": [_cell(r, c, pack.lang) for c in columns],
                                        "note": r["note"]} for _, r in part.iterrows()]}
               for domain, part in frame.groupby("domain", sort=False)]
    notes = [] if unit.id != GROUP else list(dict.fromkeys(n for n in frame["note"] if n))
    return {"headers": [headers[c] for c in columns], "domains": domains, "notes": notes}


def _cell(r: pd.Series, column: str, lang: str) -> str:
    value = r[column]
    if column == "rank":
        return fmt_rank(value, r["rank_n"], lang)
    if column.endswith("_pct") or column == "cagr_3y":
        return "—" if missing(value) else (f"{value:+.1f}%" if column in ("yoy_pct", "cagr_3y") else f"{value:.1f}%")
    if missing(value):
        return "—"
    text = fmt_number(value, lang, 2 if column in ("per_100_staff", "institute_mean") else None)
    if column == "yoy_abs" and value > 0:
        text = "+" + text
    if (column == "value" and r["qualifier"] == "≥") or (column == "r3y" and r["r3y_qualifier"] == "≥"):
        text = "≥" + text
    return text


def _figure_section(pack: ReportPack, unit: Unit, svgs: dict) -> list[dict]:
    """The figures under their headings; a figure's svg is None when it failed."""
    order = {m: i for i, m in enumerate(pack.headline["metric_id"])}
    specs = unit.figures + unit.shared
    if unit.id != GROUP:  # an institute: per metric its own figures, then where it stands among the others
        specs = sorted(specs, key=lambda s: order.get(s.name.rsplit("-", 1)[-1], len(order)))
    sections: list[dict] = []
    for spec in specs:
        if not sections or sections[-1]["heading"] != spec.section:
            sections.append({"heading": spec.section, "figures": []})
        svg = svgs.get((spec.unit, spec.name))
        sections[-1]["figures"].append({"name": spec.name, "svg": None if svg is None else inline_svg(svg)})
    return sections


def _definitions_section(pack: ReportPack) -> dict:
    frame = definitions.definitions(pack.viewer, pack.store, {"lang": pack.lang})
    return table(frame)


def _sources_section(pack: ReportPack, unit: Unit) -> dict:
    lang, m = pack.lang, pack.manifest
    files = report_views.source_files(pack.viewer, pack.store)
    if unit.id != GROUP:
        used = set(report_views.institute_source_files(pack.viewer, pack.store, unit.id)["source_file"])
        files = files[files["source_file"].isin(used)
                      | files["dataset"].isin(["institutes", "units", "staff", "targets"])]
    frame = pd.DataFrame({t("file", lang): files["source_file"], tr("dataset", lang): files["dataset"],
                          tr("rows_read", lang): files["rows_read"], tr("rows_accepted", lang): files["rows_accepted"],
                          tr("rows_quarantined", lang): files["rows_quarantined"],
                          "SHA-256": files["file_sha256"].str[:12]})
    return {"files": table(frame), "quarantined": fmt_number(m["totals"]["quarantined"], lang)}


def inline_svg(svg: str) -> markupsafe.Markup:
    """A figure's SVG as an inline element scaled to the column (its viewBox keeps the proportions). Markup:
    the pack's own renderer drew it, so the page takes it as it is."""
    if svg.startswith("<?xml"):
        svg = svg[svg.index("?>") + 2:]
    return markupsafe.Markup(
        svg.replace("<svg ", '<svg preserveAspectRatio="xMidYMid meet" ', 1) if "<svg " in svg
        else f'<img src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}">')


def table(frame: pd.DataFrame) -> dict:
    """A frame for the template's table(): its headers and rows."""
    return {"columns": list(frame.columns), "rows": list(frame.itertuples(index=False))}
