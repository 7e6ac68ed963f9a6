"""Exports on the real renderer (Playwright + Debian's chromium, plotly.js loaded once in one page) and
real readers: PNG header, SVG as XML, the PDF's text layer through pdftotext and its page through
pdfinfo, CSV back through pandas, XLSX through openpyxl. The browser's failures are real ones too: a
render that runs out of time, a browser that cannot start."""
from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboards.render import browser, export
from dashboards.render import stamp as stamps
from dashboards.render.export import export_figure, export_formats
from dashboards.render.pdf_text import fix_pdf_text_layer
from dashboards.render.stamp import Stamp, stamp_figure, wrap
from dashboards.render.tables import export_table_csv, export_table_xlsx
from dashboards.render.watermark import Watermark, figure_annotations, watermark_for
from pipelines.config import PROJECT_ROOT

STAMP = Stamp(
    title="新立项项目数 · 福建省产品质量检验研究院",
    filters="年度 2024 · 对比组 全部机构",
    as_of="数据截至 2026-11-22 04:59 (run 20261122T045954Z)",
    source="来源: 31 个报送文件 · Touyan",
    definition="当年立项的科研项目个数，按项目编号去重；长期项目只计立项年。口径见指标目录 M-001",
)


def figure() -> go.Figure:
    fig = go.Figure(go.Bar(x=["2022年", "2023年", "2024年"], y=[12, 18, 22], name="福建省质检院"))
    fig.add_scatter(x=["2022年", "2023年", "2024年"], y=[10, 14, 16], name="对比组中位数")
    return fig.update_layout(yaxis_title="项目数（个）")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ---- figures -----------------------------------------------------------------------------------


def test_png_has_the_requested_pixel_size_and_leaves_the_figure_alone():
    fig = figure()
    before = fig.to_dict()
    data = export_figure(fig, "png", STAMP, width=600, height=400, scale=2)
    assert png_size(data) == (1200, 800)
    assert fig.to_dict() == before


def test_svg_is_xml_with_the_stamp_as_text():
    root = ET.fromstring(export_figure(figure(), "svg", STAMP, width=600, height=400))
    text = "".join(root.itertext())
    assert STAMP.title in text
    assert STAMP.as_of in text
    assert "Noto Sans CJK SC" in ET.tostring(root, encoding="unicode")


def test_pdf_text_layer_holds_the_chinese_stamp():
    if shutil.which("pdftotext") is None:
        pytest.fail("pdftotext missing: run scripts/system-deps.sh (Debian package poppler-utils)")
    data = export_figure(figure(), "pdf", STAMP, width=900, height=500)
    assert data.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()
    # The exact characters: 立 目 至 见 长 are drawn with radical glyphs (U+2F74 ⽴ ...) in Noto CJK,
    # and digits in a Latin-only run lost their text before the export font stack put Latin first.
    for line in (STAMP.title, STAMP.as_of, STAMP.definition):
        assert squeeze(line) in squeeze(text)
    assert not re.search("[\u2e80-\u2fdf]", text)
    assert "20" in text.split()  # a y-axis tick label: digits alone in their run


def test_exports_reuse_one_renderer():
    renderer = browser.renderer()
    starts, renders = browser.FigureRenderer.starts, renderer.renders
    fig = figure()
    for i in range(10):
        export_figure(fig, ("png", "svg")[i % 2], STAMP, width=500, height=300, scale=1)
    assert browser.renderer() is renderer
    assert browser.FigureRenderer.starts == starts
    assert renderer.renders == renders + 10


def test_exports_from_several_threads():
    starts = browser.FigureRenderer.starts
    with ThreadPoolExecutor(3) as pool:
        sizes = list(pool.map(lambda w: png_size(export_figure(figure(), "png", STAMP, w, 300, 1)), [400, 500, 600]))
    assert sizes == [(400, 300), (500, 300), (600, 300)]
    assert browser.FigureRenderer.starts == starts


def wait(seconds: float):
    """Polls for up to `seconds` (the caller stops it with any(): at the first True)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        yield
        time.sleep(0.1)
    yield


def pdf_page_size(data: bytes) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
    pages, size = re.search(r"^Pages:\s+(\d+)", info, re.M), re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    assert pages.group(1) == "1"
    return float(size.group(1)), float(size.group(2))


def test_several_formats_from_one_layout():
    renderer = browser.renderer()
    renders = renderer.renders
    files = export_formats(stamp_figure(figure(), STAMP, 900), {"png": 2.5, "svg": 1, "pdf": 1}, 900, 500)
    assert renderer.renders == renders + 1
    assert png_size(files["png"]) == (2250, 1250)
    svg = ET.fromstring(files["svg"])
    assert (svg.get("width"), svg.get("height")) == ("900", "500")
    assert STAMP.title in "".join(svg.itertext())
    # the PDF: one page the figure's size (900 x 500 px = 675 x 375 pt), the stamp as text
    assert pdf_page_size(files["pdf"]) == pytest.approx((675, 375), abs=1)
    text = subprocess.run(["pdftotext", "-", "-"], input=files["pdf"], capture_output=True, check=True).stdout.decode()
    assert squeeze(STAMP.title) in squeeze(text)


def test_scale_enlarges_svg_and_pdf_keeping_the_layout():
    files = export_formats(stamp_figure(figure(), STAMP, 600), {"svg": 2, "pdf": 2}, 600, 400)
    svg = ET.fromstring(files["svg"])
    assert (svg.get("width"), svg.get("height"), svg.get("viewBox")) == ("1200", "800", "0 0 600 400")
    assert pdf_page_size(files["pdf"]) == pytest.approx((900, 600), abs=1)


def test_a_render_out_of_time_reaches_the_caller_and_the_next_export_starts_a_fresh_browser(monkeypatch):
    first = browser.renderer()
    driver = first._driver_process().pid  # Playwright's node process; the browser is its child
    starts = browser.FigureRenderer.starts
    big = go.Figure(go.Heatmap(z=[[(i * j) % 17 for j in range(300)] for i in range(300)], text=[["x"] * 300] * 300,
                               texttemplate="%{text}"))
    monkeypatch.setattr(browser, "RENDER_TIMEOUT_S", 0.01)
    with pytest.raises(TimeoutError, match="fresh"):
        export_figure(big, "png", STAMP, 800, 600, 1)
    assert not first.alive()
    monkeypatch.undo()
    assert png_size(export_figure(figure(), "png", STAMP, 500, 300, 1)) == (500, 300)
    assert browser.renderer() is not first
    assert browser.FigureRenderer.starts == starts + 1
    assert any(not Path(f"/proc/{driver}").exists() for _ in wait(60))  # the stale browser was stopped


def test_a_browser_that_cannot_start_reaches_the_caller_and_the_next_export_tries_again(monkeypatch, tmp_path):
    browser.shutdown_renderer()
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'no display for you' >&2\nexit 3\n")
    fake.chmod(0o755)
    for _ in range(2):  # each export tries a fresh start, none waits forever
        with pytest.raises(Exception, match="no display for you|exit"):
            export_figure(figure(), "svg", STAMP, 500, 300, browser_path=str(fake))
    assert ET.fromstring(export_figure(figure(), "svg", STAMP, 500, 300)).get("width") == "1000"


def test_the_browser_stops_quietly_when_the_process_exits():
    script = ("from tests.unit.test_exports import figure, STAMP; from dashboards.render.export import export_figure; "
              "import sys; sys.stdout.write(str(len(export_figure(figure(), 'pdf', STAMP, 500, 300))))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 10_000
    assert done.stderr == ""


def test_unknown_format_is_refused_before_rendering():
    assert export.FIGURE_FORMATS == ("png", "svg", "pdf")
    with pytest.raises(ValueError, match="jpeg"):
        export_figure(figure(), "jpeg", STAMP)


def test_stamp_layout_escapes_text_and_makes_room_for_the_footer():
    stamp = Stamp(title="A <b>x</b> & y", filters="f", as_of="a", source="s")
    fig = stamp_figure(figure().update_layout(margin={"b": 50}), stamp, width=800)
    assert fig.layout.title.text == "A &lt;b&gt;x&lt;/b&gt; &amp; y"
    footer = next(a for a in fig.layout.annotations if a.name == "touyan-stamp")
    assert footer.text == "f<br>a<br>s"
    assert fig.layout.margin.b > 50 + 3 * stamps.FOOTER_LINE_PX


def test_wrap_breaks_between_cjk_characters_and_at_spaces():
    lines = wrap("口径见指标目录 M-001：run 20261122T045954Z", 20)
    assert all(stamps.display_width(line) <= 20 for line in lines)
    assert "20261122T045954Z" in lines
    assert "".join(lines).replace(" ", "") == "口径见指标目录M-001：run20261122T045954Z"


def test_pdf_fix_leaves_unknown_layouts_alone():
    assert fix_pdf_text_layer(b"%PDF-1.7 no classic xref") == b"%PDF-1.7 no classic xref"


# ---- tables ------------------------------------------------------------------------------------

TABLE = pd.DataFrame({
    "机构": ["福建省质检院", "=1+1", "+86 591", "@x", "-2", "\tTab"],
    "项目数": [12, 18, 22, 0, -2, 5],
    "占比": [0.25, 0.5, None, 1.0, -0.125, 0.0],
})


def test_csv_is_excel_safe_and_round_trips():
    data = export_table_csv(TABLE)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert list(back.columns) == ["机构", "项目数", "占比"]
    assert back["机构"].tolist() == ["福建省质检院", "'=1+1", "'+86 591", "'@x", "'-2", "'\tTab"]
    assert back["项目数"].tolist() == [12, 18, 22, 0, -2, 5]
    assert back["占比"].tolist()[:2] == [0.25, 0.5] and pd.isna(back["占比"][2])
    assert TABLE["机构"][1] == "=1+1"  # the caller's frame is untouched


def test_csv_neutralises_header_and_mixed_columns():
    df = pd.DataFrame({"=SUM(A1)": ["-x", 3], "n": [1, 2]})
    back = pd.read_csv(io.BytesIO(export_table_csv(df)), encoding="utf-8-sig")
    assert list(back.columns) == ["'=SUM(A1)", "n"]
    assert back.iloc[:, 0].tolist() == ["'-x", "3"]


def test_xlsx_keeps_strings_as_strings_and_numbers_as_numbers():
    df = TABLE.assign(日期=[date(2024, 1, 5)] * 6, 链接=["https://example.invalid/x"] * 6)
    workbook = openpyxl.load_workbook(io.BytesIO(export_table_xlsx(df, sheet="新立项/2024", title="新立项项目数")))
    assert workbook.sheetnames == ["新立项_2024"]
    sheet = workbook.active
    assert sheet["A1"].value == "新立项项目数"
    assert [c.value for c in sheet[2]] == ["机构", "项目数", "占比", "日期", "链接"]
    assert all(c.font.b for c in sheet[2])
    formula = sheet["A4"]
    assert (formula.value, formula.data_type) == ("=1+1", "s")
    assert (sheet["A7"].value, sheet["A7"].data_type) == ("-2", "s")
    assert [sheet.cell(r, 2).value for r in range(3, 9)] == [12, 18, 22, 0, -2, 5]
    assert all(sheet.cell(r, 2).data_type == "n" for r in range(3, 9))
    assert sheet["C5"].value is None and sheet["C3"].value == 0.25
    assert sheet["D3"].is_date
    assert sheet["E3"].hyperlink is None and sheet["E3"].data_type == "s"
    assert sheet.column_dimensions["A"].width >= 2 * len("福建省质检院")


def test_xlsx_without_title_starts_with_the_header():
    sheet = openpyxl.load_workbook(io.BytesIO(export_table_xlsx(TABLE))).active
    assert sheet.title == "data"
    assert sheet["A1"].value == "机构" and sheet["A2"].value == "福建省质检院"


# ---- the renderer reaches no address -----------------------------------------------------------


def test_the_renderer_fetches_nothing_a_figure_or_page_points_at():
    """Whatever it is handed, the renderer's Chromium makes no request: an image URL in a figure's layout
    (drawn as SVG, on the PNG's canvas, printed to PDF), and an image, stylesheet, script, frame and
    fetch in a page it prints. Each is refused in the browser; the canary on 127.0.0.1 hears nothing."""
    from tests.canary import Canary

    with Canary() as canary:
        fig = figure().update_layout(images=[{"source": f"{canary.url}/layout-image.png", "xref": "paper",
                                              "yref": "paper", "x": 0, "y": 1, "sizex": 0.2, "sizey": 0.2}])
        out = export_formats(stamp_figure(fig, STAMP), {"png": 1, "svg": 1, "pdf": 1})
        page = (f'<html><head><link rel="stylesheet" href="{canary.url}/style.css">'
                f'<script src="{canary.url}/script.js"></script></head><body>'
                f'<h1>报告 Report</h1><img src="{canary.url}/img.png"><iframe src="{canary.url}/frame"></iframe>'
                f'<script>fetch("{canary.url}/fetch").catch(() => null)</script></body></html>')
        pdf = browser.renderer().print_pdf(page, format="A4")
        assert canary.requests == []
    assert all(isinstance(data, bytes) for data in out.values()), out  # the figure is still drawn
    assert out["png"].startswith(b"\x89PNG") and pdf.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "报告Report" in squeeze(text)


# ---- the watermark of a logged-in user's export ------------------------------------------------

WATERMARK = Watermark("ana", datetime(2026, 12, 7, 9, 30).astimezone())


def test_the_watermark_is_who_and_when_and_none_without_a_user_or_when_off():
    assert WATERMARK.text == "ana · 2026-12-07 09:30"
    made = watermark_for("ana", True)
    assert made is not None and made.username == "ana" and made.at.tzinfo is not None
    assert abs((datetime.now().astimezone() - made.at).total_seconds()) < 60
    assert watermark_for(None, True) is None  # development mode: no user
    assert watermark_for("ana", False) is None  # TOUYAN_EXPORT_WATERMARK=off


def test_svg_and_pdf_carry_the_watermark_as_text_over_the_plot():
    svg = export_figure(figure(), "svg", STAMP, width=900, height=500, watermark=WATERMARK).decode()
    marks = [node for node in ET.fromstring(svg).iter() if (node.text or "") == WATERMARK.text]
    assert len(marks) == len(figure_annotations(WATERMARK, "x")) > 1  # repeated over the plot
    assert WATERMARK.text not in export_figure(figure(), "svg", STAMP, width=900, height=500).decode()
    pdf = export_figure(figure(), "pdf", STAMP, width=900, height=500, watermark=WATERMARK)
    # -raw: the text in the order drawn (the marks are turned; the layout mode would scatter their letters)
    text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert squeeze(WATERMARK.text) in squeeze(text)
    assert squeeze(STAMP.title) in squeeze(text)  # the stamp is still there, readable


def test_the_watermark_is_light():
    marks = stamp_figure(figure(), STAMP, 900, WATERMARK).layout.annotations
    watermarks = [m for m in marks if m.name == "touyan-watermark"]
    assert watermarks and all(m.textangle not in (0, None) for m in watermarks)
    alpha = float(re.fullmatch(r"rgba\(.*,\s*([\d.]+)\)", watermarks[0].font.color).group(1))
    assert 0 < alpha <= 0.25


def test_xlsx_carries_the_watermark_in_header_footer_and_properties():
    workbook = openpyxl.load_workbook(io.BytesIO(export_table_xlsx(TABLE, sheet="t", watermark=WATERMARK)))
    sheet = workbook.active
    assert sheet.oddHeader.center.text == WATERMARK.text and sheet.oddFooter.center.text == WATERMARK.text
    assert workbook.properties.creator == "ana" and WATERMARK.text in workbook.properties.description
    assert sheet["A2"].value == "福建省质检院"  # the data as without one
    plain = openpyxl.load_workbook(io.BytesIO(export_table_xlsx(TABLE, sheet="t")))
    assert plain.active.oddHeader.center.text is None and plain.properties.description is None
