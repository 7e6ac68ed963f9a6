"""Figures as files: PNG, SVG and PDF bytes of a figure with its stamp, drawn by the shared browser
(browser.py) from one layout per figure; the PDF's text layer fixed (pdf_text.py)."""
from __future__ import annotations

import plotly.graph_objects as go

from dashboards.render.browser import renderer
from dashboards.render.pdf_text import fix_pdf_text_layer
from dashboards.render.stamp import Stamp, stamp_figure
from dashboards.render.watermark import Watermark

FIGURE_FORMATS = ("png", "svg", "pdf")


def export_figure(fig: go.Figure, fmt: str, stamp: Stamp, width: int = 1200, height: int = 700,
                  scale: float = 2, browser_path: str | None = None, watermark: Watermark | None = None) -> bytes:
    """The figure with its stamp (and `watermark`, if any) as PNG, SVG or PDF bytes. The caller's figure
    is left unchanged. `browser_path`: see `renderer`."""
    return export_stamped(stamp_figure(fig, stamp, width, watermark), fmt, width, height, scale, browser_path)


def export_stamped(stamped: go.Figure, fmt: str, width: int = 1200, height: int = 700, scale: float = 2,
                   browser_path: str | None = None) -> bytes:
    """A figure already laid out by `stamp_figure` (with the same width) as PNG, SVG or PDF bytes."""
    data = export_formats(stamped, {fmt: scale}, width, height, browser_path)[fmt]
    if isinstance(data, Exception):
        raise data
    return data


def export_formats(stamped: go.Figure, scales: dict[str, float], width: int = 1200,
                   height: int = 700, browser_path: str | None = None) -> dict[str, bytes | Exception]:
    """A figure laid out by `stamp_figure` in several formats at once (format → scale; the report pack
    makes PNG, SVG and PDF of each figure), laid out once: per format its bytes, or the exception that
    format failed with. Raises when the figure cannot be drawn at all."""
    unknown = [fmt for fmt in scales if fmt not in FIGURE_FORMATS]
    if unknown:
        raise ValueError(f"format {unknown[0]!r}: expected one of {FIGURE_FORMATS}")
    out = renderer(browser_path).render(stamped, scales, width, height)
    return {fmt: fix_pdf_text_layer(data) if fmt == "pdf" and isinstance(data, bytes) else data
            for fmt, data in out.items()}
