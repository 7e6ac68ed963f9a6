"""The dashboard's pure parts: figure builders, number formats, URL state."""
from __future__ import annotations

import math

import dash_bootstrap_components as dbc
import pandas as pd
import pytest

from dashboards import figures
from dashboards.i18n import fmt_pct, fmt_rank, fmt_value, t
from dashboards.pages.components import table
from dashboards.pages.state import build, parse
from tests.conftest import body_rows

METRIC = {"metric_id": "prj_initiated", "name_zh": "新立项项目数", "name_en": "Projects initiated",
          "unit_zh": "项", "unit_en": "projects"}


def trend_rows(values):
    years = list(range(2020, 2020 + len(values)))
    return pd.DataFrame({"year": years, "value": values, "qualifier": [None] * len(values),
                         "per_100_staff": [None if v is None else v / 2 for v in values],
                         "target": [None] * (len(values) - 1) + [20.0], "group_mean": [10.0] * len(values)})


def test_trend_keeps_a_gap_as_a_gap_and_marks_the_target():
    fig = figures.trend(trend_rows([10.0, None, 12.0]), METRIC, "zh", "福建省质检院")
    bars, mean, target, intensity = fig.data
    assert bars.y[0] == 10.0 and math.isnan(bars.y[1]) and bars.y[2] == 12.0  # a gap, not a 0
    assert list(bars.text) == ["10", "—", "12"]
    assert (mean.name, target.name, intensity.name) == ("组内平均", "目标", "每百名职工")
    assert list(target.y)[-1] == 20.0
    assert fig.layout.title.text == "新立项项目数 · 福建省质检院"


def test_trend_of_nothing_says_so_in_the_language():
    fig = figures.trend(trend_rows([None, None]), METRIC, "en", "FJQI")
    assert fig.layout.annotations[0].text == "No data"


def test_at_least_values_keep_their_sign_on_the_bars():
    rows = trend_rows([20.0, 30.0])
    rows["qualifier"] = ["≥", None]
    assert list(figures.trend(rows, METRIC, "zh", "x").data[0].text) == ["≥20", "30"]


def test_yoy_ranked_orders_best_first_and_flags_a_small_base():
    rows = pd.DataFrame({"institute": ["A", "B", "C", "D"], "yoy_pct": [0.1, -0.2, 0.5, None],
                         "yoy_small_base": [False, False, True, False]})
    bar = figures.yoy_ranked(rows, "zh").data[0]
    assert list(bar.y) == ["B", "A", "C"]  # plotly draws the last one on top: C, the best, is at the top
    assert bar.text[-1] == "+50.0% (基数较小)"


def test_rank_heatmap_shows_n_of_N():
    rows = pd.DataFrame({"institute": ["A", "B", "A", "B"], "year": [2023, 2023, 2024, 2024],
                         "group_rank": [1, 2, 2, 1], "group_n": [2, 2, 2, 2]})
    heat = figures.rank_heatmap(rows, "en").data[0]
    assert [list(row) for row in heat.text] == [["1/2", "2/2"], ["2/2", "1/2"]]


def test_side_by_side_draws_the_group_average_it_is_given():
    rows = pd.DataFrame({"institute": ["A", "B"], "value_a": [10.0, 30.0], "value_b": [5.0, 6.0]})
    fig = figures.side_by_side(rows, METRIC, "zh", 2024, 2023, group_mean=25.0)  # a group larger than A and B
    assert [bar.name for bar in fig.data] == ["2023", "2024"]
    assert fig.layout.shapes[0].y0 == 25.0 and "组内平均 25" in fig.layout.annotations[0].text
    hidden = figures.side_by_side(rows, METRIC, "zh", 2024, 2023, group_mean=None)  # not the viewer's to see
    assert not hidden.layout.shapes and not hidden.layout.annotations


def test_count_vs_intensity_labels_each_institute():
    rows = pd.DataFrame({"institute": ["A", "B"], "value": [10.0, 30.0], "per_100_staff": [5.0, 2.0]})
    point = figures.count_vs_intensity(rows, METRIC, "en").data[0]
    assert list(point.text) == ["A", "B"] and list(point.y) == [5.0, 2.0]


def test_count_vs_intensity_keeps_labels_apart_and_a_point_at_zero_inside():
    # the demo's crowded corner (prj_initiated 2024) plus a point at 0
    names = ["浙江省标准院", "福建省标准化院", "江苏省质标院", "浙江省质安院", "福建省计量院", "浙江省质科院", "D"]
    rows = pd.DataFrame({"institute": names, "value": [47.0, 43.0, 53.0, 46.0, 44.0, 101.0, 0.0],
                         "per_100_staff": [23.8, 23.2, 19.9, 15.0, 12.0, 17.0, 1.0]})
    figure = figures.count_vs_intensity(rows, METRIC, "en")
    x_range, y_range = list(figure.layout.xaxis.range), list(figure.layout.yaxis.range)
    assert x_range[0] < 0 < 101 < x_range[1] and y_range[0] < 0  # D is not cut at the axes
    positions = list(figure.data[0].textposition)
    assert positions[6] == "top center"  # alone: above, as usual
    width, height = figures.PLOT_PX
    scale = lambda v, r, size: (v - r[0]) / (r[1] - r[0]) * size  # noqa: E731
    boxes = [figures._label_box(scale(x, x_range, width), scale(y, y_range, height), figures._text_px(n), p)
             for x, y, n, p in zip(rows["value"], rows["per_100_staff"], names, positions, strict=True)]
    def overlap(a, b):
        return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))

    overlapping = [(a, b) for a in range(len(boxes)) for b in range(a + 1, len(boxes)) if overlap(boxes[a], boxes[b]) > 0]
    assert overlapping == []
    assert all(b[0] >= 0 and b[2] <= width and b[1] >= 0 and b[3] <= height for b in boxes)  # none cut off


@pytest.mark.parametrize(("value", "qualifier", "unit", "lang", "text"), [
    (59.0, None, "项", "zh", "59项"), (20.0, "≥", "件", "zh", "≥20件"), (1234.5, None, "hours", "en", "1,234.5 hours"),
    (None, None, "项", "zh", "—"), (math.nan, None, "项", "zh", "—")])
def test_values_are_formatted_with_qualifier_and_unit(value, qualifier, unit, lang, text):
    assert fmt_value(value, qualifier, unit, lang) == text


def test_percentages_and_ranks():
    assert (fmt_pct(0.156863), fmt_pct(-0.6), fmt_pct(None)) == ("+15.7%", "-60.0%", "—")
    assert (fmt_rank(2, 7), fmt_rank(None, 7)) == ("2 / 7", "—")
    assert (t("overview", "zh"), t("overview", "en")) == ("总览", "Overview")


def test_url_state_round_trips_and_forgives_bad_values():
    state = {"lang": "en", "institute": "FJQI", "metric": "vol_hours", "year": 2024}
    assert parse(build(state)) == state
    assert parse("?lang=fr&year=abc&unknown=1&metric=ip_total") == {"lang": "zh", "metric": "ip_total"}
    assert parse(None) == {"lang": "zh"}


def test_an_exported_heatmap_keeps_its_cell_labels_only_where_they_can_be_read():
    def heatmap(rows: int) -> dict:
        return {"data": [{"type": "heatmap", "y": [f"I{i}" for i in range(rows)], "z": [[1]] * rows,
                          "text": [["1/2"]] * rows, "texttemplate": "%{text}"}, {"type": "bar", "text": ["x"]}],
                "layout": {"title": {"text": "t"}}}
    few, many = heatmap(20), heatmap(200)
    assert figures.legible(few, 700) is few
    printable = figures.legible(many, 700)
    assert "text" not in printable["data"][0] and "texttemplate" not in printable["data"][0]
    assert printable["data"][0]["z"] == many["data"][0]["z"] and printable["data"][1] == many["data"][1]
    assert "text" in many["data"][0]  # the browser's figure is left as it is
    assert figures.legible(many, 7000)["data"][0]["texttemplate"] == "%{text}"


def test_a_kpi_sparkline_breaks_at_a_gap_and_marks_each_year():
    from urllib.parse import unquote

    svg = unquote(figures.sparkline_svg([2020, 2021, 2022, 2023], [1.0, None, 3.0, 5.0]))
    assert svg.startswith("data:image/svg+xml;utf8,<svg")
    line = svg.split("d='")[1].split("'")[0]
    dots = svg.split("d='")[2].split("'")[0]
    assert line.count("M") == 2 and line.count("L") == 1  # 2020 alone, then 2022–2023
    assert dots.count("h0") == 3
    assert "href" not in svg and "url(" not in svg  # draws nothing from elsewhere
    assert unquote(figures.sparkline_svg([2020], [None])).count("h0") == 0


def test_a_table_longer_than_it_shows_says_how_many_rows_there_are():
    frame = pd.DataFrame({"source_row": range(2, 1502)})  # 1,500 records behind one figure
    shown = table(frame, "en", max_rows=500)
    rows = body_rows(shown.children[0])
    assert len(rows) == 500 and rows[-1][0] == "501"
    assert shown.children[1].children == "The first 500 of 1,500 rows; download CSV or XLSX for all of them."
    assert table(frame, "zh", max_rows=500).children[1].children == "显示前 500 行，共 1,500 行；下载 CSV 或 XLSX 可得全部。"
    whole = table(frame.head(500), "en", max_rows=500)
    assert isinstance(whole, dbc.Table)  # all shown: no note


def test_a_table_shows_dates_as_dates_and_times_when_they_have_one():
    frame = pd.DataFrame({"service_date": pd.to_datetime(["2020-10-12", None]),
                          "loaded_at": pd.to_datetime(["2020-10-12 08:30:00", "2020-10-13 00:00:00"])})
    assert body_rows(table(frame, "zh")) == [["2020-10-12", "2020-10-12 08:30:00"], ["", "2020-10-13 00:00:00"]]


def test_a_unit_s_trend_without_staff_is_the_counts_alone_full_width():
    rows = trend_rows([3.0, 5.0]).drop(columns=["target"]).assign(per_100_staff=float("nan"))
    fig = figures.trend(rows, METRIC, "zh", "浙江省质科院 / 先进制造计量研究中心")
    assert [trace.type for trace in fig.data if trace.name != "组内平均"] == ["bar"]
    assert list(fig.layout.xaxis.domain) == [0.0, 1.0] and "xaxis2" not in fig.to_dict()["layout"]
    assert [a.text for a in fig.layout.annotations] == ["数量（项）"]


def test_a_unit_s_share_is_of_its_institute():
    rows = pd.DataFrame({"year": [2023, 2024], "institute_share": [0.25, 0.5]})
    fig = figures.share(rows, "en", column="institute_share", title=t("share_of_institute", "en"))
    assert fig.layout.title.text == "Share of the institute" and list(fig.data[0].text) == ["25.0%", "50.0%"]


def test_the_profile_draws_a_series_per_metric_in_the_order_given():
    rows = pd.DataFrame({"year": [2023, 2024, 2023, 2024], "metric_id": ["awd_total", "awd_total", "pap_total", "pap_total"],
                         "name_zh": ["科技奖励数", "科技奖励数", "发表论文数", "发表论文数"],
                         "name_en": ["Awards", "Awards", "Papers", "Papers"], "value": [6.0, 8.0, None, 19.0]})
    fig = figures.profile(rows, "en", "ZJQS / Centre")
    assert [trace.name for trace in fig.data] == ["Awards", "Papers"]
    assert list(fig.data[1].x) == [2024] and list(fig.data[1].y) == [19.0]  # an empty year is no bar of 0
    assert fig.layout.title.text == "Output profile · ZJQS / Centre" and fig.layout.barmode == "group"
    assert figures.profile(rows.iloc[:0], "zh", "x").layout.annotations[0].text == "暂无数据"
