"""The watermark on an export made by a logged-in user: who made it and when ("ana · 2026-12-07 09:30"),
as intranet systems here are expected to carry, so that a figure or workbook passed on says whose it
was. Light enough to leave the data legible: repeated across a figure's plot area, diagonal and
translucent (`figure_annotations`, drawn by stamp.stamp_figure); in a workbook's page header and footer
and its document properties (tables.export_tables_xlsx). A CSV has no place for one that its readers
would not take for data, so it carries none.

Plain values only: the caller says who (the dashboard's downloads from the request's account, the
report pack from the user it is run for), and whether watermarks are wanted (Settings.export_watermark);
development mode has no user, so no watermark."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# the figure's marks: a grid of COLUMNS × ROWS over the plot area, each turned ANGLE degrees, in a grey
# that shows on white and on the bars without hiding either
COLUMNS, ROWS = 3, 3
ANGLE = -24
FONT_SIZE = 18
COLOR = "rgba(90, 90, 90, 0.16)"
XLSX_COLOR = "999999"  # the header and footer's grey (Excel's &K code: RRGGBB)


@dataclass(frozen=True)
class Watermark:
    username: str
    at: datetime  # when the export was made, in the server's time zone

    @property
    def text(self) -> str:
        return f"{self.username} · {self.at.strftime('%Y-%m-%d %H:%M')}"


def watermark_for(username: str | None, enabled: bool, at: datetime | None = None) -> Watermark | None:
    """The watermark of an export made by `username` (at `at`, default now), or None when watermarks
    are off (Settings.export_watermark) or there is no user (development mode). The report pack run
    `--as USER` calls this with that user."""
    if not enabled or not username:
        return None
    return Watermark(username, (at or datetime.now()).astimezone())


def figure_annotations(watermark: Watermark, font_family: str) -> list[dict]:
    """Plotly annotations repeating the watermark over the plot area (paper coordinates), the rows
    staggered so that a crop of any part of the plot keeps at least one whole mark."""
    marks = []
    for row in range(ROWS):
        for column in range(COLUMNS):
            x = (column + 0.5 + (0.15 if row % 2 else -0.15)) / COLUMNS
            marks.append({
                "name": "touyan-watermark", "text": watermark.text, "showarrow": False,
                "xref": "paper", "yref": "paper", "x": x, "y": (row + 0.5) / ROWS,
                "xanchor": "center", "yanchor": "middle", "textangle": ANGLE,
                "font": {"family": font_family, "size": FONT_SIZE, "color": COLOR},
            })
    return marks


def xlsx_header_footer(watermark: Watermark) -> str:
    """A sheet's page header or footer (xlsxwriter's set_header / set_footer): the text, centred, small,
    grey. '&' is Excel's control character: doubled to print as itself."""
    return f"&C&8&K{XLSX_COLOR}{watermark.text.replace('&', '&&')}"


def xlsx_properties(watermark: Watermark) -> dict:
    """The workbook's document properties (xlsxwriter's set_properties): its author is the user, its
    comment the watermark."""
    return {"author": watermark.username, "comments": f"导出 / exported: {watermark.text}"}
