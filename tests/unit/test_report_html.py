"""The combined PDF's page and footer as the templates make them, without marts or a browser: every value
escaped exactly once (an institute named with & and <), the figures' SVG taken as it is, a missing value
shown as nothing, and the page's words in both languages."""
from __future__ import annotations

import pandas as pd
import pytest

from dashboards.report.pack import ReportPack
from dashboards.report.page import TEMPLATES, inline_svg, page_footer, page_values, table
from dashboards.report.plan import GROUP, Unit

NAME = 'A & B <Lab> "Q"'  # an institute name with every character HTML gives a meaning
ESCAPED = "A &amp; B &lt;Lab&gt; &#34;Q&#34;"
SVG = '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><text>1 &lt; 2</text></svg>'


def pack(lang: str) -> ReportPack:
    """A pack with only what the page's values need (no marts: __init__ would open them)."""
    pack = object.__new__(ReportPack)
    pack.lang, pack.year, pack.published = lang, 2024, "2024-12-31 08:00"
    pack.manifest = {"run_id": "run<1>", "code_version": "abc&1", "totals": {"files": 3, "quarantined": 0}}
    return pack


UNITS = {"heading": "内设机构与年度荣誉", "units": {"headers": ["奖 <项>"], "rows": [
    {"name": NAME, "depth": 2, "type": "室", "cells": ["8 (+2)"]}]},
    "awards": {"columns": ["奖项"], "rows": [(NAME,)], "count": 1}, "titles": None}


def page(lang: str = "zh", unit_id: str = "FJQI", units: dict | None = None) -> str:
    """The page; `units` the units section's values (none: an institute without units or honours)."""
    report, unit = pack(lang), Unit(unit_id, NAME, [])
    frame = pd.DataFrame({"列 <a>": ["x & y", None], "n": [1, float("nan")]})
    keys = ["kpi", *(["units"] if units else []), "figures", "definitions", "sources"]
    return TEMPLATES.get_template("combined.html.j2").render(
        page_values(report, unit), units=units, number={k: i for i, k in enumerate(keys, 1)},
        cover={"generated": "2025-01-01 00:00", "subtitle": f"{NAME} (en)", "members": NAME,
               "group": "G & H", "peer_group": "P <1>"},
        kpi={"headers": ["2023", "2024"], "notes": ["≥ 'more than'"],
             "domains": [{"id": "projects", "rows": [{"label": "L & M", "cells": ["1", "≥2"], "note": "n<"}]}]},
        figure_sections=[{"heading": "H & I", "figures": [{"name": "trend-a&b", "svg": inline_svg(SVG)},
                                                          {"name": "share-<x>", "svg": None}]}],
        definitions=table(frame), sources={"files": table(frame), "quarantined": "0"})


def test_values_are_escaped_once():
    html = page()
    assert NAME not in html and "&amp;amp;" not in html and "&amp;lt;" not in html
    assert f"<h1>{ESCAPED}</h1>" in html and f"<title>{ESCAPED} 2024</title>" in html
    assert f"<td>{ESCAPED}</td>" not in html  # an institute's cover names its group, not the members
    assert "<td>G &amp; H</td>" in html and "<td>P &lt;1&gt;</td>" in html and "<td>abc&amp;1</td>" in html
    assert '<td class="label">L &amp; M</td><td class="num">1</td><td class="num">≥2</td><td class="note">n&lt;</td>' in html
    assert "<h3>H &amp; I</h3>" in html and '<figure data-name="trend-a&amp;b">' in html
    assert "此图生成失败: share-&lt;x&gt;</figure>" in html
    assert "<th>列 &lt;a&gt;</th>" in html and "<td>x &amp; y</td>" in html


def test_the_units_section_is_escaped_indented_and_numbered():
    html = page(units=UNITS)
    assert "<h2>2 内设机构与年度荣誉</h2>" in html and "<li>内设机构与年度荣誉</li>" in html
    assert f'<tr class="depth-2"><td class="label">{ESCAPED}</td><td class="type">室</td><td class="num">8 (+2)</td>' in html
    assert "<th>奖 &lt;项&gt;</th>" in html and f"<td>{ESCAPED}</td>" in html
    assert "获得的人才称号" not in html  # no talent titles: no table
    assert "<h2>3 图表</h2>" in html and "<h2>5 数据截至时间与来源</h2>" in html
    assert "内设机构与年度荣誉" not in page() and "<h2>2 图表</h2>" in page()


def test_svg_is_inline_as_drawn():
    html = page()
    assert '<svg preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">' \
           "<text>1 &lt; 2</text></svg>" in html
    assert "<?xml" not in html


def test_missing_values_show_as_nothing():
    html = page()
    assert "None" not in html and "nan" not in html
    assert "<tr><td></td><td></td></tr>" in html


def test_group_and_institute_differ_where_they_should():
    group, institute = page(unit_id=GROUP), page()
    assert f"<td>{ESCAPED}</td>" in group and "G &amp; H" not in group  # the members, no peer group
    assert '<th>备注</th>' in institute and '<th>备注</th>' not in group
    assert '<td class="note">' not in group and "<p class=\"small\">≥ &#39;more than&#39;</p>" in group
    assert '<td colspan="4">科研项目</td>' in group and '<td colspan="4">科研项目</td>' in institute


@pytest.mark.parametrize(("lang", "words"), [
    ("zh", ["2024 年度科研与服务指标报告", "1 主要指标", "2 图表", "4 数据截至时间与来源", "生成时间"]),
    ("en", ["Research and service KPIs 2024", "1 Key indicators", "2 Figures", "4 Data as of and sources",
            "Generated", '<html lang="en">']),
])
def test_page_words_in_the_language(lang, words):
    html = page(lang)
    assert all(w in html for w in words), [w for w in words if w not in html]


def test_footer_escapes_the_name_and_keeps_chromium_page_spans():
    footer = page_footer(pack("zh"), Unit("FJQI", NAME, []))
    assert f"头雁 Touyan · {ESCAPED} · 2024 · " in footer and "(批次 run&lt;1&gt;)" in footer
    assert '第 <span class="pageNumber"></span> / <span class="totalPages"></span> 页' in footer
    assert footer.startswith('<div style="font-family: Liberation Sans, Arial,')
