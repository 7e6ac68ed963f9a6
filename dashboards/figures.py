"""Figures as pure functions: DataFrames and labels in, a plotly Figure out. No data access, no Dash.
The dashboard shows them, the exports render them, the report pack reuses them.

Each builder writes the figure's data and layout as plain dicts and makes the Figure once
(`_figure`): plotly's `update_layout` / `update_xaxes` / `make_subplots` validate the whole figure on
every call (15–30 ms even for a ten-point sparkline), a dict spec is checked once.

Over 400 lines because every figure the dashboard, the exports and the report pack draw is here, in one
house style (`_styled`); a figure in a module of its own would import that style from here all the same."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboards.i18n import fmt_number, fmt_pct, t

FONT = "Noto Sans CJK SC, Noto Sans CJK, Microsoft YaHei, PingFang SC, sans-serif"
COLORS = {"this": "#1f5fa8", "last": "#9bb7d9", "mean": "#d9822b", "target": "#2e8b57", "down": "#c0392b",
          "up": "#1f8a4c", "muted": "#8a8f98"}
X_STYLE = {"showgrid": False, "linecolor": "#ccc"}
Y_STYLE = {"gridcolor": "#eee", "zerolinecolor": "#ccc"}
LEFT, RIGHT = [0.0, 0.54], [0.64, 1.0]  # the trend's two subplots: 60 % / 40 % with a 10 % gap


def _figure(data: list[dict], layout: dict) -> go.Figure:
    return go.Figure({"data": data, "layout": layout})


def _merge(base: dict, extra: dict) -> dict:
    """`base` updated with `extra`, nested dicts merged (as update_layout does)."""
    out = dict(base)
    for key, value in extra.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _styled(data: list[dict], title: str = "", height: int = 380, axes: dict | None = None,
            **layout) -> go.Figure:
    """The house style. `axes`: per axis ("xaxis", "yaxis", "xaxis2"…) its own settings; every axis
    gets the style of its kind. `layout`: anything else, merged over the style."""
    axes = {"xaxis": {}, "yaxis": {}, **(axes or {})}
    style = {"title": {"text": title, "x": 0.01, "xanchor": "left"}, "height": height,
             "font": {"family": FONT, "size": 13}, "margin": {"l": 60, "r": 20, "t": 50 if title else 10, "b": 50},
             "plot_bgcolor": "white", "paper_bgcolor": "white",
             # legend on top: the bottom of an exported figure carries the stamp
             "legend": {"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
             "hoverlabel": {"font": {"family": FONT}}}
    for name, settings in axes.items():
        style[name] = {**(X_STYLE if name.startswith("x") else Y_STYLE), **settings}
    return _figure(data, _merge(style, layout))


def _values(column: pd.Series) -> np.ndarray:
    """A column as plotly takes it fastest: an array (numbers are sent base64-encoded; arrays are
    validated and copied whole, lists element by element)."""
    return column.to_numpy()


def _texts(texts: list) -> np.ndarray:
    return np.array(texts, dtype=object)


def empty(message: str) -> go.Figure:
    note = {"text": message, "showarrow": False, "font": {"size": 16, "color": COLORS["muted"]},
            "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}
    return _styled([], height=260, axes={"xaxis": {"visible": False}, "yaxis": {"visible": False}},
                   annotations=[note])


def sparkline(years: list[int], values: list[float | None]) -> go.Figure:
    """A metric's series as a small line, no axes (the report pack's; the dashboard's KPI cards draw
    the same with `sparkline_svg`)."""
    return _figure([{"type": "scatter", "x": list(years), "y": list(values), "mode": "lines+markers",
                     "line": {"color": COLORS["this"], "width": 2}, "marker": {"size": 4}, "hoverinfo": "x+y",
                     "connectgaps": False}],
                   {"height": 60, "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "showlegend": False,
                    "plot_bgcolor": "white", "paper_bgcolor": "white", "font": {"family": FONT},
                    "xaxis": {"visible": False}, "yaxis": {"visible": False}})


def sparkline_svg(years: list[int], values: list[float | None], height: int = 48) -> str:
    """The KPI card's sparkline as an SVG image (a data: URI), drawn like `sparkline`: the line in
    COLORS["this"] broken at a gap, a dot per year, no axes. It stretches to the card's width (the
    line and dots keep their pixel size: non-scaling strokes; a dot is a zero-length round-capped
    stroke). A card shows it as an <img>: no plotly.js on the first page, no figure to build."""
    width, pad = 100, 4
    points = [(x, v) for x, v in zip(years, values, strict=True) if v is not None and v == v]  # v == v: not NaN
    lines, dots = [], []
    if points:
        x0, x1 = min(years), max(years)
        lo, hi = min(v for _, v in points), max(v for _, v in points)

        def xy(x, v) -> str:
            px = pad / 2 + (width - pad) * ((x - x0) / (x1 - x0) if x1 > x0 else 0.5)
            py = height - pad - (height - 2 * pad) * ((v - lo) / (hi - lo) if hi > lo else 0.5)
            return f"{px:.2f} {py:.2f}"
        run: list[str] = []
        for x, v in zip(years, values, strict=True):
            if v is None or v != v:
                run = []
                continue
            lines.append(("L" if run else "M") + xy(x, v))
            run.append(xy(x, v))
            dots.append(f"M{xy(x, v)}h0")
    color = COLORS["this"].replace("#", "%23")
    svg = (f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' preserveAspectRatio='none'>"
           f"<path d='{''.join(lines)}' fill='none' stroke='{color}' stroke-width='2' stroke-linejoin='round' "
           f"vector-effect='non-scaling-stroke'/>"
           f"<path d='{''.join(dots)}' stroke='{color}' stroke-width='5' stroke-linecap='round' "
           f"vector-effect='non-scaling-stroke'/></svg>")
    return "data:image/svg+xml;utf8," + svg.replace(" ", "%20").replace("<", "%3C").replace(">", "%3E")


def trend(rows: pd.DataFrame, metric: dict, lang: str, institute_name: str) -> go.Figure:
    """One institute's (or unit's) metric over the years: counts (bars, target marks) beside per 100 staff
    (line) — the counts alone, full width, when there is no staff figure (a unit without its staff).
    `rows`: year, value, qualifier, per_100_staff, target (optional), group_mean (optional)."""
    if rows.empty or rows["value"].isna().all():
        return empty(t("no_data", lang))
    unit = metric["unit_zh" if lang == "zh" else "unit_en"]
    name = metric["name_zh" if lang == "zh" else "name_en"]
    years = _values(rows["year"])
    labels = _texts([("≥" if q == "≥" else "") + fmt_number(v, lang)
                     for v, q in zip(rows["value"], rows["qualifier"], strict=True)])
    left = {"xaxis": "x", "yaxis": "y"}
    data = [{"type": "bar", "x": years, "y": _values(rows["value"]), "name": name, "marker": {"color": COLORS["this"]},
             "text": labels, "textposition": "outside", "cliponaxis": False, "customdata": years,
             "hovertemplate": "%{x}: %{text}<extra></extra>", **left}]
    if "group_mean" in rows and rows["group_mean"].notna().any():
        data.append({"type": "scatter", "x": years, "y": _values(rows["group_mean"]), "name": t("group_mean", lang),
                     "mode": "lines", "line": {"color": COLORS["mean"], "dash": "dot"}, **left})
    if "target" in rows and rows["target"].notna().any():
        data.append({"type": "scatter", "x": years, "y": _values(rows["target"]), "name": t("target", lang),
                     "mode": "markers", **left,
                     "marker": {"symbol": "line-ew-open", "size": 26, "line": {"width": 3, "color": COLORS["target"]}}})
    count_title = f"{t('count', lang)}（{unit}）" if lang == "zh" else f"{t('count', lang)} ({unit})"
    panels = [(count_title, LEFT)]
    axes = {"xaxis": {"anchor": "y", "domain": LEFT, "dtick": 1}, "yaxis": {"anchor": "x", "domain": [0.0, 1.0]}}
    if rows["per_100_staff"].notna().any():
        data.append({"type": "scatter", "x": years, "y": _values(rows["per_100_staff"]),
                     "name": t("per_100_staff", lang), "mode": "lines+markers", "line": {"color": COLORS["mean"]},
                     "connectgaps": False, "xaxis": "x2", "yaxis": "y2"})
        panels.append((t("per_100_staff", lang), RIGHT))
        axes.update({"xaxis2": {"anchor": "y2", "domain": RIGHT, "dtick": 1},
                     "yaxis2": {"anchor": "x2", "domain": [0.0, 1.0]}})
    else:
        panels = [(count_title, [0.0, 1.0])]
        axes["xaxis"]["domain"] = [0.0, 1.0]
    # the subplots side by side, titled (as make_subplots lays them out)
    titles = [{"font": {"size": 16}, "showarrow": False, "text": text, "x": (lo + hi) / 2, "xanchor": "center", "xref": "paper",
               "y": 1.0, "yanchor": "bottom", "yref": "paper"}
              for text, (lo, hi) in panels]
    return _styled(data, f"{name} · {institute_name}", height=440, axes=axes, annotations=titles,
                   margin={"t": 95}, legend={"y": 1.12})  # legend clear of the subplot titles


def share(rows: pd.DataFrame, lang: str, column: str = "group_share", title: str | None = None) -> go.Figure:
    """A share over the years: an institute's of the group total (`group_share`, the default), or a
    unit's of its institute (`institute_share`). `rows`: year and the column."""
    if rows.empty or column not in rows or rows[column].isna().all():
        return empty(t("no_data", lang))
    data = [{"type": "scatter", "x": _values(rows["year"]), "y": _values(rows[column]), "mode": "lines+markers",
             "line": {"color": COLORS["this"]}, "connectgaps": False,
             "text": _texts([fmt_pct(v, lang, signed=False) for v in rows[column]]),
             "hovertemplate": "%{x}: %{text}<extra></extra>"}]
    return _styled(data, title or t("share", lang), height=300,
                   axes={"xaxis": {"dtick": 1}, "yaxis": {"tickformat": ".0%", "rangemode": "tozero"}})


PROFILE_COLORS = ("#1f5fa8", "#d9822b", "#2e8b57", "#7a4fa3", "#9bb7d9")


def profile(rows: pd.DataFrame, lang: str, name: str) -> go.Figure:
    """A unit's (or an institute's) output by year: one bar per series and year, grouped by year — awards,
    papers, IP, standards, specifications. `rows`: year, metric_id, name_zh, name_en, value, the series
    in the order to draw them."""
    rows = rows.dropna(subset=["value"])
    if rows.empty:
        return empty(t("no_data", lang))
    data = []
    for i, (_, part) in enumerate(rows.groupby("metric_id", sort=False)):
        label = part.iloc[0]["name_zh" if lang == "zh" else "name_en"]
        data.append({"type": "bar", "x": _values(part["year"]), "y": _values(part["value"]), "name": label,
                     "marker": {"color": PROFILE_COLORS[i % len(PROFILE_COLORS)]},
                     "hovertemplate": f"{label} %{{x}}: %{{y}}<extra></extra>"})
    return _styled(data, f"{t('profile', lang)} · {name}", height=420, barmode="group",
                   axes={"xaxis": {"dtick": 1}, "yaxis": {"rangemode": "tozero"}},
                   margin={"t": 80}, legend={"y": 1.04})


# the evaluation's tiers, best first (the rules' fixed set), and their colours
TIER_COLORS = {"advanced": "#1f8a4c", "good": "#1f5fa8", "pass": "#8a8f98", "improve": "#d9822b"}


def evaluation_ranking(rows: pd.DataFrame, lang: str, title: str, tier_names: dict[str, str],
                       chosen: str | None = None) -> go.Figure:
    """A group's evaluation: one horizontal bar per entity, best at the top, its length the score, its
    colour its tier (one legend entry per tier, in the tiers' order); the chosen entity's name in bold.
    `rows`: entity_id, short (the bar's label), score (Decimal or float), rank, n, tier, tier_order."""
    if rows.empty:
        return empty(t("no_data", lang))
    rows = rows.sort_values(["rank", "entity_id"])
    labels = [f"<b>{s}</b>" if e == chosen else str(s) for e, s in zip(rows["entity_id"], rows["short"], strict=True)]
    rows = rows.assign(label=labels, value=rows["score"].astype(float))
    data = []
    for tier, part in sorted(rows.groupby("tier", sort=False), key=lambda kv: kv[1]["tier_order"].min()):
        data.append({"type": "bar", "orientation": "h", "x": _values(part["value"]), "y": _values(part["label"]),
                     "name": tier_names.get(tier, str(tier)), "marker": {"color": TIER_COLORS.get(tier, COLORS["muted"])},
                     "text": _texts([fmt_number(v, lang, 2) for v in part["value"]]), "textposition": "outside",
                     "cliponaxis": False,
                     "customdata": _texts([f"{int(r)} / {int(n)}" for r, n in zip(part["rank"], part["n"], strict=True)]),
                     "hovertemplate": "%{y}: %{text} (%{customdata})<extra></extra>"})
    order = _values(rows["label"])
    return _styled(data, title, height=max(260, 90 + 26 * len(rows)),
                   axes={"yaxis": {"categoryorder": "array", "categoryarray": order, "autorange": "reversed"},
                         "xaxis": {"rangemode": "tozero", "title": {"text": t("evaluation_score", lang)}}},
                   margin={"l": 160, "t": 80}, legend={"y": 1.04})


def waterfall(rows: pd.DataFrame, lang: str, title: str) -> go.Figure:
    """One entity's score by rule: a step per item (its points: a metric's weighted sub-score, a bonus up,
    a deduction down), each starting where the one before ended, then the total from zero. One bar trace
    whose bars start at `base` (plotly's waterfall trace is not in the cartesian bundle the app serves).
    `rows`: label_zh, label_en, points (signed), in the rules' order."""
    if rows.empty:
        return empty(t("no_data", lang))
    labels = [str(v) for v in rows["label_zh" if lang == "zh" else "label_en"]]
    points = [float(p) for p in rows["points"]]
    total = float(sum(rows["points"]))  # the published decimals added exactly: the bar equals the published score
    bases = np.concatenate([[0.0], np.cumsum(points)[:-1]]).tolist()
    colors = [COLORS["down"] if p < 0 else COLORS["this"] for p in points] + [COLORS["up"]]
    data = [{"type": "bar", "x": _texts([*labels, t("evaluation_total", lang)]), "y": np.array([*points, total]),
             "base": np.array([*bases, 0.0]), "marker": {"color": _texts(colors)},
             "text": _texts([fmt_number(p, lang, 2) for p in [*points, total]]), "textposition": "outside",
             "cliponaxis": False, "hovertemplate": "%{x}: %{text}<extra></extra>"}]
    return _styled(data, title, height=440, showlegend=False,
                   axes={"yaxis": {"rangemode": "tozero", "title": {"text": t("evaluation_points", lang)}},
                         "xaxis": {"tickangle": -30, "automargin": True}},
                   margin={"t": 60, "b": 110})


def side_by_side(rows: pd.DataFrame, metric: dict, lang: str, year_a: int, year_b: int,
                 group_mean: float | None = None) -> go.Figure:
    """Institutes side by side, one year against another, with the group's average in year a (the
    published one, fct_group_metric_year.institute_mean: a viewer may see fewer institutes than it
    averages) as a reference line when given. `rows`: institute, value_a, value_b."""
    if rows.empty:
        return empty(t("no_data", lang))
    name = metric["name_zh" if lang == "zh" else "name_en"]
    rows = rows.sort_values("value_a", ascending=False, na_position="last")
    institutes = _values(rows["institute"])
    data = [{"type": "bar", "x": institutes, "y": _values(rows["value_b"]), "name": str(year_b),
             "marker": {"color": COLORS["last"]}},
            {"type": "bar", "x": institutes, "y": _values(rows["value_a"]), "name": str(year_a),
             "marker": {"color": COLORS["this"]}}]
    mean = group_mean
    extra = {}
    if mean is not None and pd.notna(mean):
        extra["shapes"] = [{"type": "line", "line": {"color": COLORS["mean"], "dash": "dot"},
                            "x0": 0, "x1": 1, "xref": "x domain", "y0": mean, "y1": mean, "yref": "y"}]
        extra["annotations"] = [{"text": f"{t('group_mean', lang)} {fmt_number(mean, lang)}", "showarrow": False,
                                 "x": 1, "xanchor": "right", "xref": "x domain", "y": mean, "yanchor": "bottom",
                                 "yref": "y"}]
    return _styled(data, f"{name} · {year_a} vs {year_b}", height=420, barmode="group", **extra)


def yoy_ranked(rows: pd.DataFrame, lang: str) -> go.Figure:
    """YoY % per institute, best first. `rows`: institute, yoy_pct, yoy_small_base."""
    rows = rows.dropna(subset=["yoy_pct"]).sort_values("yoy_pct")
    if rows.empty:
        return empty(t("no_data", lang))
    colors = np.where(rows["yoy_pct"].to_numpy() >= 0, COLORS["up"], COLORS["down"]).astype(object)
    text = _texts([fmt_pct(v, lang) + (f" ({t('small_base', lang)})" if small else "")
                   for v, small in zip(rows["yoy_pct"], rows["yoy_small_base"], strict=True)])
    data = [{"type": "bar", "x": _values(rows["yoy_pct"]), "y": _values(rows["institute"]), "orientation": "h",
             "marker": {"color": colors}, "text": text, "textposition": "auto",
             "hovertemplate": "%{y}: %{text}<extra></extra>"}]
    return _styled(data, t("yoy_ranked", lang), height=max(260, 60 + 36 * len(rows)),
                   axes={"xaxis": {"tickformat": "+.0%"}})


def rank_heatmap(rows: pd.DataFrame, lang: str) -> go.Figure:
    """Rank n / N per institute and year (1 = best). `rows`: institute, year, group_rank, group_n."""
    rows = rows.dropna(subset=["group_rank"])
    if rows.empty:
        return empty(t("no_data", lang))
    ranks = rows.pivot(index="institute", columns="year", values="group_rank")
    sizes = rows.pivot(index="institute", columns="year", values="group_n").reindex_like(ranks)
    text = _texts([[("" if r != r else f"{int(r)}/{int(n)}") for r, n in zip(rr, nn, strict=True)]  # r != r: NaN
                   for rr, nn in zip(ranks.to_numpy(dtype=float), sizes.to_numpy(dtype=float), strict=True)])
    data = [{"type": "heatmap", "z": ranks.to_numpy(dtype=float), "x": [str(c) for c in ranks.columns],
             "y": _values(ranks.index), "text": text, "texttemplate": "%{text}", "colorscale": "Blues_r",
             "showscale": False, "hovertemplate": "%{y} %{x}: %{text}<extra></extra>"}]
    return _styled(data, t("rank_heatmap", lang), height=max(260, 80 + 34 * len(ranks)),
                   axes={"yaxis": {"autorange": "reversed"}})


LEGIBLE_ROW_PX = 9  # a heatmap row under this in an image: its cell labels would be smudges
PLOT_MARGINS_PX = 200  # an exported figure's title, axis labels and stamp footer, roughly


def legible(figure: dict, height_px: int) -> dict:
    """`figure` (a figure dict: `Figure.to_dict()`) for an image `height_px` tall: a heatmap whose
    rows would be under LEGIBLE_ROW_PX loses its cell labels, the colours and axes stay (200 institutes
    in a 700 px image: 2.5 px a row — and plotly.js takes seconds to draw 4,000 labels nobody can read)."""
    def fits(trace: dict) -> bool:
        rows = trace.get("y")
        return not isinstance(rows, list | tuple | np.ndarray) or (height_px - PLOT_MARGINS_PX) / max(1, len(rows)) >= LEGIBLE_ROW_PX

    traces = figure.get("data") or []
    if all(trace.get("type") != "heatmap" or fits(trace) for trace in traces):
        return figure
    return {**figure, "data": [trace if trace.get("type") != "heatmap" or fits(trace)
                               else {k: v for k, v in trace.items() if k not in ("text", "texttemplate")}
                               for trace in traces]}


def count_vs_intensity(rows: pd.DataFrame, metric: dict, lang: str) -> go.Figure:
    """Size against performance: value (x) and value per 100 staff (y). `rows`: institute, value, per_100_staff."""
    rows = rows.dropna(subset=["value", "per_100_staff"])
    if rows.empty:
        return empty(t("no_data", lang))
    unit = metric["unit_zh" if lang == "zh" else "unit_en"]
    x, y = rows["value"].to_numpy(dtype=float), rows["per_100_staff"].to_numpy(dtype=float)
    names = [str(name) for name in rows["institute"].tolist()]
    x_range, y_range = _padded(x), _padded(y, 0.12)
    data = [{"type": "scatter", "x": x, "y": y, "mode": "markers+text", "text": _texts(names),
             "textposition": label_positions(x, y, names, x_range, y_range),
             "marker": {"size": 14, "color": COLORS["this"]}, "hovertemplate": "%{text}: %{x} / %{y:.2f}<extra></extra>"}]
    return _styled(data, t("count_vs_intensity", lang), height=420,
                   axes={"xaxis": {"title": {"text": f"{t('count', lang)} ({unit})"}, "range": x_range},
                         "yaxis": {"title": {"text": t("per_100_staff", lang)}, "range": y_range}})


# Label placement for count_vs_intensity, in pixels of a nominal plot area: the dashboard's half-width
# card (the smallest the figure is drawn at; exports are wider, where the same choice only has more room).
PLOT_PX = (520.0, 300.0)
MARKER_PX, LABEL_PX, GAP_PX = 7.0, 16.0, 3.0  # marker radius, label height, gap
CANDIDATES = ("top center", "bottom center", "middle right", "middle left")


def label_positions(x: np.ndarray, y: np.ndarray, texts: list[str], x_range: list[float],
                    y_range: list[float]) -> list[str]:
    """Where each point's label goes: above it, unless that would cover another label or point; then
    below, right or left, whichever is free (or overlaps least). Points are placed from the top down.
    The overlaps of a point's four candidate boxes with every box placed so far are one array operation:
    at 200 institutes a loop over box pairs took ~0.3 s per figure."""
    width, height = PLOT_PX
    px = (np.asarray(x, dtype=float) - x_range[0]) / ((x_range[1] - x_range[0]) or 1.0) * width
    py = (np.asarray(y, dtype=float) - y_range[0]) / ((y_range[1] - y_range[0]) or 1.0) * height
    n = len(px)
    taken = np.empty((2 * n, 4))  # the markers, then each label as it is placed
    taken[:n] = np.column_stack([px - MARKER_PX, py - MARKER_PX, px + MARKER_PX, py + MARKER_PX])
    placed = n
    plot = np.array([[0.0, 0.0, width, height]])
    positions = [""] * n
    for i in np.argsort(-py, kind="stable"):
        boxes = np.array([_label_box(px[i], py[i], _text_px(texts[i]), where) for where in CANDIDATES])
        others = np.delete(taken[:placed], i, axis=0)  # every box but the point's own marker
        areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        cost = _overlaps(boxes, others).sum(axis=1) + areas - _overlaps(boxes, plot)[:, 0]
        best = int(np.argmin(cost))  # the first of equal costs: the order of CANDIDATES
        positions[i] = CANDIDATES[best]
        taken[placed] = boxes[best]
        placed += 1
    return positions


def _text_px(text: str) -> float:
    return sum(13.0 if ord(ch) > 0x2E80 else 7.5 for ch in str(text))


def _label_box(cx: float, cy: float, w: float, where: str) -> tuple[float, float, float, float]:
    h, off = LABEL_PX, MARKER_PX + GAP_PX
    if where == "top center":
        return cx - w / 2, cy + off, cx + w / 2, cy + off + h
    if where == "bottom center":
        return cx - w / 2, cy - off - h, cx + w / 2, cy - off
    if where == "middle right":
        return cx + off, cy - h / 2, cx + off + w, cy + h / 2
    return cx - off - w, cy - h / 2, cx - off, cy + h / 2


def _overlaps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Area shared by each box of `a` with each box of `b` (boxes as rows x0, y0, x1, y1): len(a) × len(b)."""
    w = np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    h = np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    return np.clip(w, 0.0, None) * np.clip(h, 0.0, None)


def _padded(values: np.ndarray, top: float = 0.08) -> list[float]:
    """From zero (or below the smallest value) to above the largest, with room on both sides for a
    point's marker and label: a point at 0 is not cut in half at the axis."""
    low, high = min(0.0, float(values.min())), max(0.0, float(values.max()))
    span = (high - low) or 1.0
    return [low - 0.05 * span, high + top * span]


def peer_pair(rows: pd.DataFrame, metric_a: dict, metric_b: dict, lang: str) -> go.Figure:
    """Two metrics against the peer median: one dot per institute at (metric A's value / its peer median,
    metric B's), reference lines at 1.0 (the median), the quadrant above both medians top right.
    `rows`: institute, ratio_a, ratio_b (an institute without both is left out: a ratio is blank where
    the median is 0 or the viewer may not see its peer group's figures)."""
    rows = rows.dropna(subset=["ratio_a", "ratio_b"])
    if rows.empty:
        return empty(t("no_data", lang))
    name_a, name_b = (metric["name_zh" if lang == "zh" else "name_en"] for metric in (metric_a, metric_b))
    x, y = rows["ratio_a"].to_numpy(dtype=float), rows["ratio_b"].to_numpy(dtype=float)
    names = [str(name) for name in rows["institute"].tolist()]
    x_range, y_range = _padded(np.append(x, 1.0)), _padded(np.append(y, 1.0), 0.12)  # the median lines in view
    median = {"color": COLORS["mean"], "dash": "dot"}
    shapes = [{"type": "line", "line": median, "x0": 1, "x1": 1, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain"},
              {"type": "line", "line": median, "x0": 0, "x1": 1, "xref": "x domain", "y0": 1, "y1": 1, "yref": "y"}]
    data = [{"type": "scatter", "x": x, "y": y, "mode": "markers+text", "text": _texts(names),
             "textposition": label_positions(x, y, names, x_range, y_range),
             "marker": {"size": 14, "color": COLORS["this"]},
             "hovertemplate": f"%{{text}}<br>{name_a}: %{{x:.2f}}<br>{name_b}: %{{y:.2f}}<extra></extra>"}]
    axis = t("peer_axis", lang)
    return _styled(data, t("peer_pair", lang).format(a=name_a, b=name_b), height=440, shapes=shapes,
                   axes={"xaxis": {"title": {"text": axis.format(name=name_a)}, "range": x_range},
                         "yaxis": {"title": {"text": axis.format(name=name_b)}, "range": y_range}})


def quarantined_by_file(rows: pd.DataFrame, lang: str) -> go.Figure:
    """Quarantined rows per file, stacked by reason. `rows`: source_file, reason, rows."""
    if rows.empty:
        return empty(t("no_data", lang))
    data = [{"type": "bar", "y": _values(part["source_file"]), "x": _values(part["rows"]), "name": str(reason),
             "orientation": "h"} for reason, part in rows.groupby("reason", sort=True)]
    few = rows.groupby("source_file")["rows"].sum().max() <= 10
    return _styled(data, t("by_file_reason", lang), height=max(260, 90 + 34 * rows["source_file"].nunique()),
                   axes={"xaxis": {"rangemode": "tozero", "tickformat": "d", **({"dtick": 1} if few else {})}},
                   barmode="stack")
