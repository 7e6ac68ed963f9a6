"""The compare page's peer benchmarks, their pure parts: the two-metric figure, the note with its
caveat, the words in both languages, metric B in the URL state."""
from __future__ import annotations

import string

import pandas as pd
import pytest

from dashboards import figures
from dashboards.i18n import TEXT, t
from dashboards.pages.compare import peer_note
from dashboards.pages.state import build, parse
from dashboards.views.compare import SMALL_PEER_GROUP, smallest_peer_group

METRIC_A = {"metric_id": "prj_initiated", "name_zh": "新立项项目数", "name_en": "Projects initiated"}
METRIC_B = {"metric_id": "ip_total", "name_zh": "知识产权总数", "name_en": "IP total"}
# the words the section uses (dashboards/i18n.py, its "peer benchmarks" block)
PEER_KEYS = ("peer_benchmarks", "metric_b", "peer_group", "peer_median", "peer_ratio", "peer_percentile", "peer_n",
             "peer_about", "peer_small", "peer_hidden", "peer_pair", "peer_axis")


def pair_rows(**columns) -> pd.DataFrame:
    return pd.DataFrame({"institute": ["甲院", "乙院", "丙院"], "ratio_a": [1.5, 0.5, None],
                         "ratio_b": [0.8, 2.0, 1.0], **columns})


def test_the_pair_is_a_dot_per_institute_with_both_ratios_and_lines_at_the_median():
    figure = figures.peer_pair(pair_rows(), METRIC_A, METRIC_B, "zh")
    dots = figure.data[0]
    assert list(dots.text) == ["甲院", "乙院"]  # 丙院 has no ratio of metric A: no dot at a made-up place
    assert list(dots.x) == [1.5, 0.5] and list(dots.y) == [0.8, 2.0]
    lines = figure.layout.shapes
    assert {(s.x0, s.x1, s.xref) for s in lines if s.xref == "x"} == {(1, 1, "x")}
    assert {(s.y0, s.y1, s.yref) for s in lines if s.yref == "y"} == {(1, 1, "y")}
    assert "新立项项目数" in dots.hovertemplate and "知识产权总数" in dots.hovertemplate and "%{text}" in dots.hovertemplate
    assert figure.layout.xaxis.title.text == "新立项项目数 ÷ 同类中位数"
    assert figure.layout.yaxis.title.text == "知识产权总数 ÷ 同类中位数"
    x_range, y_range = figure.layout.xaxis.range, figure.layout.yaxis.range
    assert x_range[0] < 0.5 and x_range[1] > 1.5 and y_range[0] < 0.8 and y_range[1] > 2.0


def test_the_median_lines_stay_in_view_when_every_ratio_is_below_one():
    rows = pd.DataFrame({"institute": ["甲院"], "ratio_a": [0.2], "ratio_b": [0.3]})
    figure = figures.peer_pair(rows, METRIC_A, METRIC_B, "en")
    assert figure.layout.xaxis.range[1] > 1 and figure.layout.yaxis.range[1] > 1
    assert figure.layout.title.text == "Projects initiated and IP total against the peer median"


def test_no_ratio_to_draw_says_so_in_the_language():
    rows = pair_rows(ratio_b=[None, None, None])
    assert figures.peer_pair(rows, METRIC_A, METRIC_B, "en").layout.annotations[0].text == t("no_data", "en")
    assert figures.peer_pair(rows.iloc[:0], METRIC_A, METRIC_B, "zh").layout.annotations[0].text == t("no_data", "zh")


def year_rows(percentiles, peers, values=None) -> pd.DataFrame:
    return pd.DataFrame({"peer_percentile": percentiles, "peer_n": peers,
                         "value": values if values is not None else [1.0] * len(peers)})


def note_texts(rows: pd.DataFrame, lang: str = "zh") -> list[str]:
    return [line.children for line in peer_note(rows, METRIC_A, 2024, lang)]


def test_the_note_warns_of_coarse_percentiles_under_ten_peers_naming_the_fewest():
    rows = year_rows([25.0, 75.0, 50.0, None], [2.0, 2.0, 12.0, None])
    assert smallest_peer_group(rows) == 2
    texts = note_texts(rows)
    assert texts[0].startswith("2024 年 · 指标 A：新立项项目数")
    assert texts[1:] == ["同类仅 2 家，百分位仅供参考"]
    assert note_texts(rows, "en")[1:] == ["Only 2 peers: percentiles are coarse"]


def test_no_caveat_from_ten_peers_on():
    rows = year_rows([5.0, 95.0], [SMALL_PEER_GROUP, SMALL_PEER_GROUP + 3])
    assert len(note_texts(rows)) == 1


def test_where_the_access_rule_blanks_every_benchmark_the_note_says_so_and_names_no_count():
    blank = year_rows([None], [None])
    texts = note_texts(blank, "en")
    assert texts[1:] == [t("peer_hidden", "en")] and not any(ch.isdigit() for ch in texts[1])
    nothing = year_rows([None], [None], values=[None])  # not reported: nothing was hidden
    assert len(note_texts(nothing)) == 1


def test_the_sections_words_are_in_both_languages_with_the_same_placeholders():
    fields = string.Formatter()
    for key in PEER_KEYS:
        zh, en = TEXT[key]
        assert zh and en and zh != en, key
        assert {f[1] for f in fields.parse(zh) if f[1]} == {f[1] for f in fields.parse(en) if f[1]}, key


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_metric_b_is_kept_in_the_address(lang):
    state = {"lang": lang, "metric": "prj_initiated", "metric_b": "ip_total", "year_a": 2024, "group": "all"}
    address = build(state)
    assert "metric_b=ip_total" in address and parse(address) == state
