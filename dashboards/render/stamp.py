"""The stamp printed on every exported figure — title on top; filters, data as-of, source and the
metric's definition as a footer — and a figure laid out with it (`stamp_figure`). `stamp(...)` writes the
stamp of a dashboard view (its state: filters in words, the published version's as-of) from the read
layer; the dashboard's downloads and the report pack both use it."""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

import plotly.graph_objects as go

from dashboards.i18n import pick, release_label, t
from dashboards.render.watermark import Watermark, figure_annotations
from dashboards.views.store import MartStore
from dashboards.views.viewer import Viewer

FONT_FAMILY = "Noto Sans CJK SC, Noto Sans CJK, Microsoft YaHei, PingFang SC, sans-serif"
# Latin letters and digits from a TrueType font, Chinese from Noto CJK: in Chromium's PDFs, digits
# in a run without Chinese ("2026", tick labels) set in Noto Sans CJK get no text at all ("run T Z").
# Liberation Sans comes with Debian's chromium (fonts-liberation); Arial is its match where an SVG is
# opened on Windows.
EXPORT_FONT_FAMILY = "Liberation Sans, Arial, " + FONT_FAMILY

TITLE_SIZE = 18
FOOTER_SIZE = 11
FOOTER_LINE_PX = 16
EDGE_PX = 12  # stamp text keeps this distance from the image's edges
GLYPH_EM = 0.6  # width of a narrow glyph in em; a wide (CJK) glyph counts double


@dataclass(frozen=True)
class Stamp:
    """Printed on every exported figure: the title on top, the other lines as a footer."""

    title: str  # e.g. "新立项项目数 · 福建省产品质量检验研究院"
    filters: str  # e.g. "年度 2024 · 对比组 全部机构"
    as_of: str  # e.g. "2024 年报口径 · 数据截至 2026-11-22 04:59 (批次 20261122T045954Z)" (or "最新 · …")
    source: str  # e.g. "来源: 31 个报送文件 · Touyan"
    definition: str = ""  # the metric's definition, one line

    def footer_lines(self) -> list[str]:
        return [line for line in (self.filters, self.as_of, self.source, self.definition) if line]


def stamp_figure(fig: go.Figure, stamp: Stamp, width: int = 1200, watermark: Watermark | None = None) -> go.Figure:
    """A copy of `fig` laid out for export: the stamp's title on top, its other lines in a footer
    under the plot (the bottom margin grows to hold it), CJK fonts; with a `watermark`, its marks over
    the plot (watermark.py)."""
    out = go.Figure(fig.to_dict(), _validate=False)  # a deep copy; `fig` was validated when it was built
    margin = out.layout.margin
    left = margin.l if margin.l is not None else 80
    right = margin.r if margin.r is not None else 80
    bottom = margin.b if margin.b is not None else 80
    text_units = (width - 2 * EDGE_PX) / (GLYPH_EM * TITLE_SIZE)
    title_lines = wrap(stamp.title, text_units)
    top = max(margin.t if margin.t is not None else 0, 48 + (TITLE_SIZE + 8) * len(title_lines))
    footer = [part for line in stamp.footer_lines()
              for part in wrap(line, (width - 2 * EDGE_PX) / (GLYPH_EM * FOOTER_SIZE))]
    footer_px = FOOTER_LINE_PX * len(footer) + EDGE_PX if footer else 0

    out.update_layout(
        font_family=EXPORT_FONT_FAMILY,
        margin={"l": left, "r": right, "t": top, "b": bottom + footer_px},
    )
    if title_lines:
        out.update_layout(title={
            "text": "<br>".join(html.escape(line, quote=False) for line in title_lines),
            "font": {"family": EXPORT_FONT_FAMILY, "size": TITLE_SIZE},
            "xref": "container", "x": EDGE_PX / width, "xanchor": "left",
            "yref": "container", "y": 1, "yanchor": "top", "pad": {"t": EDGE_PX + 4},
        })
    if footer:
        # Paper coordinates are the plot area's: shift in pixels to the image's bottom-left corner.
        out.add_annotation(
            name="touyan-stamp", text="<br>".join(html.escape(line, quote=False) for line in footer),
            xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="bottom", align="left",
            xshift=-(left - EDGE_PX), yshift=-(bottom + footer_px - EDGE_PX / 2), showarrow=False,
            font={"family": EXPORT_FONT_FAMILY, "size": FOOTER_SIZE, "color": "#555"},
        )
    for mark in figure_annotations(watermark, EXPORT_FONT_FAMILY) if watermark else ():
        out.add_annotation(mark)
    return out


def display_width(text: str) -> int:
    """Width in narrow-character units: CJK (wide, fullwidth) characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, units: float) -> list[str]:
    """`text` split into lines of at most `units` display width (plotly does not wrap text): between
    any two CJK characters, or at spaces; a Latin word longer than a line is cut."""
    lines, line = [], ""
    for token in re.findall(r"\s+|[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+|\S", text):
        if line.strip() and display_width(line + token.rstrip()) > units:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
        while display_width(line) > units:  # a single token wider than a line
            cut = next(i for i in range(1, len(line) + 1) if display_width(line[:i]) > units) - 1
            lines.append(line[:max(cut, 1)])
            line = line[max(cut, 1):]
    if line.strip():
        lines.append(line.rstrip())
    return lines



def stamp(viewer: Viewer, store: MartStore, state: dict, figure: dict) -> Stamp:
    """Title, filters, data as-of and source printed on an exported figure of a view (its state)."""
    lang = state["lang"]
    manifest = store.version(viewer).manifest
    title = ((figure.get("layout") or {}).get("title") or {}).get("text") or "Touyan"
    filters = describe_filters(viewer, store, state)
    definition = ""
    if state.get("metric"):
        metrics = store.metrics(viewer).set_index("metric_id")
        if state["metric"] in metrics.index:
            definition = metrics.loc[state["metric"], "description_en" if lang == "en" else "description_zh"]
    published = datetime.fromisoformat(manifest["published_at"]).astimezone().strftime("%Y-%m-%d %H:%M")
    return Stamp(title=title, filters=filters,
                 as_of=f"{release_label(viewer.release, lang)} · {t('as_of', lang)} {published} "
                       f"({t('run', lang)} {manifest['run_id']})",
                 source=f"{t('source', lang)}: {manifest['totals']['files']} {t('files', lang)} · Touyan",
                 definition=definition)


FILTER_LABELS = {"group": "group", "year": "year", "institute": "institute", "unit": "unit_control", "metric": "metric",
                 "metric_b": "metric_b", "year_a": "year_a", "year_b": "year_b", "record_year": "year"}


def describe_filters(viewer: Viewer, store: MartStore, state: dict) -> str:
    """The view's filters in words: 机构 福建省产品质量检验研究院 · 指标 新立项项目数 · 年度 2024."""
    lang = state["lang"]
    metrics = {r["metric_id"]: pick(r, "name", lang) for _, r in store.metrics(viewer).iterrows()}
    names = {
        "institute": {r["institute_id"]: pick(r, "name", lang) for _, r in store.institutes(viewer).iterrows()},
        "metric": metrics,
        "metric_b": metrics,
        "group": {r["group_id"]: pick(r, "name", lang) for _, r in store.groups(viewer).iterrows()},
        "unit": {"all": t("whole_institute", lang)}
        | {r["unit_id"]: pick(r, "path", lang) for _, r in store.units(viewer).iterrows()},
    }
    parts = [f"{t(FILTER_LABELS[key], lang)} {names.get(key, {}).get(value, value)}"
             for key, value in state.items() if key in FILTER_LABELS]
    return " · ".join(parts)
