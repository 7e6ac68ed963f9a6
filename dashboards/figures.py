"""Figures as pure functions: DataFrames and labels in, a plotly Figure out. No data access, no Dash.
The dashboard shows them, the exports render them, the report pack will reuse them."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboards.i18n import fmt_number, fmt_pct, t

FONT = "Noto Sans CJK SC, Noto Sans CJK, Microsoft YaHei, PingFang SC, sans-serif"
COLORS = {"this": "#1f5fa8", "last": "#9bb7d9", "mean": "#d9822b", "target": "#2e8b57", "down": "#c0392b",
          "up": "#1f8a4c", "muted": "#8a8f98"}


def _styled(fig: go.Figure, title: str = "", height: int = 380) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0.01, "xanchor": "left"}, height=height,
                      font={"family": FONT, "size": 13}, margin={"l": 60, "r": 20, "t": 50 if title else 10, "b": 50},
                      plot_bgcolor="white", paper_bgcolor="white",
                      # legend on top: the bottom of an exported figure carries the stamp
                      legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
                      hoverlabel={"font": {"family": FONT}})
    fig.update_xaxes(showgrid=False, linecolor="#ccc")
    fig.update_yaxes(gridcolor="#eee", zerolinecolor="#ccc")
    return fig


def empty(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, font={"size": 16, "color": COLORS["muted"]},
                       xref="paper", yref="paper", x=0.5, y=0.5)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _styled(fig, height=260)


def sparkline(years: list[int], values: list[float | None]) -> go.Figure:
    fig = go.Figure(go.Scatter(x=years, y=values, mode="lines+markers", line={"color": COLORS["this"], "width": 2},
                               marker={"size": 4}, hoverinfo="x+y", connectgaps=False))
    fig.update_layout(height=60, margin={"l": 0, "r": 0, "t": 0, "b": 0}, showlegend=False,
                      plot_bgcolor="white", paper_bgcolor="white", font={"family": FONT})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def trend(rows: pd.DataFrame, metric: dict, lang: str, institute_name: str) -> go.Figure:
    """One institute's metric over the years: counts (bars, target marks) beside per 100 staff (line).
    `rows`: year, value, qualifier, per_100_staff, target, group_mean (optional)."""
    if rows.empty or rows["value"].isna().all():
        return empty(t("no_data", lang))
    unit = metric["unit_zh" if lang == "zh" else "unit_en"]
    name = metric["name_zh" if lang == "zh" else "name_en"]
    fig = make_subplots(rows=1, cols=2, column_widths=[0.6, 0.4], horizontal_spacing=0.1,
                        subplot_titles=(f"{t('count', lang)}（{unit}）" if lang == "zh" else f"{t('count', lang)} ({unit})",
                                        t("per_100_staff", lang)))
    labels = [("≥" if q == "≥" else "") + fmt_number(v, lang) for v, q in zip(rows["value"], rows["qualifier"], strict=True)]
    fig.add_bar(x=rows["year"], y=rows["value"], name=name, marker_color=COLORS["this"], text=labels,
                textposition="outside", cliponaxis=False, row=1, col=1,
                customdata=rows["year"], hovertemplate="%{x}: %{text}<extra></extra>")
    if "group_mean" in rows and rows["group_mean"].notna().any():
        fig.add_scatter(x=rows["year"], y=rows["group_mean"], name=t("group_mean", lang), mode="lines",
                        line={"color": COLORS["mean"], "dash": "dot"}, row=1, col=1)
    if rows["target"].notna().any():
        fig.add_scatter(x=rows["year"], y=rows["target"], name=t("target", lang), mode="markers",
                        marker={"symbol": "line-ew-open", "size": 26, "line": {"width": 3, "color": COLORS["target"]}},
                        row=1, col=1)
    fig.add_scatter(x=rows["year"], y=rows["per_100_staff"], name=t("per_100_staff", lang), mode="lines+markers",
                    line={"color": COLORS["mean"]}, connectgaps=False, row=1, col=2)
    fig.update_xaxes(dtick=1)
    fig = _styled(fig, f"{name} · {institute_name}", height=440)
    return fig.update_layout(margin={"t": 95}, legend={"y": 1.12})  # legend clear of the subplot titles


def share(rows: pd.DataFrame, lang: str) -> go.Figure:
    """An institute's share of the group total over the years. `rows`: year, group_share."""
    if rows.empty or rows["group_share"].isna().all():
        return empty(t("no_data", lang))
    fig = go.Figure(go.Scatter(x=rows["year"], y=rows["group_share"], mode="lines+markers",
                               line={"color": COLORS["this"]}, connectgaps=False,
                               text=[fmt_pct(v, lang, signed=False) for v in rows["group_share"]],
                               hovertemplate="%{x}: %{text}<extra></extra>"))
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    fig.update_xaxes(dtick=1)
    return _styled(fig, t("share", lang), height=300)


def side_by_side(rows: pd.DataFrame, metric: dict, lang: str, year_a: int, year_b: int) -> go.Figure:
    """Institutes side by side, one year against another, with the group average as a reference line.
    `rows`: institute, value_a, value_b."""
    if rows.empty:
        return empty(t("no_data", lang))
    name = metric["name_zh" if lang == "zh" else "name_en"]
    rows = rows.sort_values("value_a", ascending=False, na_position="last")
    fig = go.Figure()
    fig.add_bar(x=rows["institute"], y=rows["value_b"], name=str(year_b), marker_color=COLORS["last"])
    fig.add_bar(x=rows["institute"], y=rows["value_a"], name=str(year_a), marker_color=COLORS["this"])
    mean = rows["value_a"].mean()
    if pd.notna(mean):
        fig.add_hline(y=mean, line={"color": COLORS["mean"], "dash": "dot"},
                      annotation_text=f"{t('group_mean', lang)} {fmt_number(mean, lang)}",
                      annotation_position="top right")
    fig.update_layout(barmode="group")
    return _styled(fig, f"{name} · {year_a} vs {year_b}", height=420)


def yoy_ranked(rows: pd.DataFrame, lang: str) -> go.Figure:
    """YoY % per institute, best first. `rows`: institute, yoy_pct, yoy_small_base."""
    rows = rows.dropna(subset=["yoy_pct"]).sort_values("yoy_pct")
    if rows.empty:
        return empty(t("no_data", lang))
    colors = [COLORS["up"] if v >= 0 else COLORS["down"] for v in rows["yoy_pct"]]
    text = [fmt_pct(v, lang) + (f" ({t('small_base', lang)})" if small else "")
            for v, small in zip(rows["yoy_pct"], rows["yoy_small_base"], strict=True)]
    fig = go.Figure(go.Bar(x=rows["yoy_pct"], y=rows["institute"], orientation="h", marker_color=colors, text=text,
                           textposition="auto", hovertemplate="%{y}: %{text}<extra></extra>"))
    fig.update_xaxes(tickformat="+.0%")
    return _styled(fig, t("yoy_ranked", lang), height=max(260, 60 + 36 * len(rows)))


def rank_heatmap(rows: pd.DataFrame, lang: str) -> go.Figure:
    """Rank n / N per institute and year (1 = best). `rows`: institute, year, group_rank, group_n."""
    rows = rows.dropna(subset=["group_rank"])
    if rows.empty:
        return empty(t("no_data", lang))
    ranks = rows.pivot(index="institute", columns="year", values="group_rank")
    sizes = rows.pivot(index="institute", columns="year", values="group_n").reindex_like(ranks)
    text = [[("" if pd.isna(r) else f"{int(r)}/{int(n)}") for r, n in zip(rr, nn, strict=True)]
            for rr, nn in zip(ranks.values, sizes.values, strict=True)]
    fig = go.Figure(go.Heatmap(z=ranks.values, x=[str(c) for c in ranks.columns], y=list(ranks.index), text=text,
                               texttemplate="%{text}", colorscale="Blues_r", showscale=False,
                               hovertemplate="%{y} %{x}: %{text}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return _styled(fig, t("rank_heatmap", lang), height=max(260, 80 + 34 * len(ranks)))


def count_vs_intensity(rows: pd.DataFrame, metric: dict, lang: str) -> go.Figure:
    """Size against performance: value (x) and value per 100 staff (y). `rows`: institute, value, per_100_staff."""
    rows = rows.dropna(subset=["value", "per_100_staff"])
    if rows.empty:
        return empty(t("no_data", lang))
    unit = metric["unit_zh" if lang == "zh" else "unit_en"]
    fig = go.Figure(go.Scatter(x=rows["value"], y=rows["per_100_staff"], mode="markers+text", text=rows["institute"],
                               textposition="top center", marker={"size": 14, "color": COLORS["this"]},
                               hovertemplate="%{text}: %{x} / %{y:.2f}<extra></extra>"))
    fig.update_xaxes(title=f"{t('count', lang)} ({unit})", rangemode="tozero")
    fig.update_yaxes(title=t("per_100_staff", lang), rangemode="tozero")
    return _styled(fig, t("count_vs_intensity", lang), height=420)


def quarantined_by_file(rows: pd.DataFrame, lang: str) -> go.Figure:
    """Quarantined rows per file, stacked by reason. `rows`: source_file, reason, rows."""
    if rows.empty:
        return empty(t("no_data", lang))
    fig = go.Figure()
    for reason, part in rows.groupby("reason", sort=True):
        fig.add_bar(y=part["source_file"], x=part["rows"], name=str(reason), orientation="h")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(rangemode="tozero", tickformat="d", dtick=1 if rows.groupby("source_file")["rows"].sum().max() <= 10 else None)
    return _styled(fig, t("by_file_reason", lang), height=max(260, 90 + 34 * rows["source_file"].nunique()))
