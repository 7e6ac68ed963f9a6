"""The report pack on the refreshed demo, with the real renderer and printer (Playwright + Debian's
chromium): every file it writes is opened by a real reader — PNG header, SVG as XML, PDFs through poppler (pdfinfo, pdftotext), XLSX through openpyxl, CSV through pandas — and
its numbers are compared with the published Parquet read here directly with DuckDB.

Two institutes and two metrics' figures keep it short (the whole pack is `bench/report.py`)."""
from __future__ import annotations

import io
import json
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import replace

import duckdb
import openpyxl
import pandas as pd
import pytest

from dashboards.render import browser
from dashboards.report.__main__ import main
from dashboards.report.pack import ReportPack, _pinned_store
from dashboards.report.plan import GROUP, FigureSpec
from dashboards.report.units import units_section
from dashboards.views.viewer import EVERYONE

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils (pdftotext, pdfinfo) missing")

YEAR = 2024
INSTITUTES = ["FJQI", "JSQS"]
METRICS = ["prj_initiated", "vol_hours"]  # vol_hours: fractional values, and JSQS sent none for 2020
SHEETS = ["科研项目", "知识产权", "标准", "志愿服务", "科技奖励", "论文", "人才称号"]  # a sheet per domain
DOMAINS = ["projects", "ip", "standards", "volunteer", "awards", "papers", "talent"]
NAMES = {"FJQI": "福建省产品质量检验研究院", "JSQS": "江苏省质量和标准化研究院", GROUP: "全部机构"}
SQUEEZE = re.compile(r"\s+")


@pytest.fixture(scope="module")
def pack(published_demo, tmp_path_factory):
    """The pack, with one figure that cannot be built added to FJQI's: it must be named, not stop the rest."""
    settings, _ = published_demo
    out_dir = tmp_path_factory.mktemp("report") / str(YEAR)
    starts = browser.FigureRenderer.starts
    log = io.StringIO()
    report = ReportPack(settings, YEAR, INSTITUTES, "zh", out_dir, out=log, metrics=METRICS)
    units = report.plan()
    fjqi = next(u for u in units if u.id == "FJQI")
    fjqi.figures.append(FigureSpec("FJQI", "broken-figure", fjqi.figures[0].section,
                                   build=lambda: 1 / 0, stamp=fjqi.figures[0].stamp))
    result = report.run(units)
    con = duckdb.connect()
    for mart in report.manifest["marts"]:
        con.execute(f"create view {mart['mart']} as select * from read_parquet('{report.store.version(EVERYONE).path / mart['file']}')")
    return report, units, result, con, log.getvalue(), browser.FigureRenderer.starts - starts


def pdf_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def pdf_text(path, *options: str) -> str:
    return subprocess.run(["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=True).stdout


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def figure_specs(units):
    return [s for u in units for s in u.figures if s.name != "broken-figure"]


# ---- the files ------------------------------------------------------------------------------------


def test_the_failing_figure_is_named_and_everything_else_is_made(pack):
    report, units, result, _, log, browsers = pack
    assert [(f.unit, f.item) for f in result.failures] == [("FJQI", "broken-figure (building the figure)")]
    assert "ZeroDivisionError" in result.failures[0].error
    assert "✗ FJQI broken-figure" in log  # said while running, not only at the end
    assert not list(report.out_dir.rglob("broken-figure.*"))
    summary = json.loads((report.out_dir / "pack.json").read_text(encoding="utf-8"))
    assert summary["failures"] == [{"unit": "FJQI", "item": "broken-figure (building the figure)",
                                    "error": result.failures[0].error}]
    assert summary["run_id"] == report.manifest["run_id"]
    assert browsers <= 1  # one renderer for every figure (none if an earlier test started it)
    # group: 1 overview + 4 compare figures per metric; each institute: trend and share per metric
    assert result.figures == len(METRICS) * (5 + 2 * len(INSTITUTES)) + 1
    assert re.search(rf"\[\s*{result.figures}/{result.figures}\]", log)


def test_every_figure_as_png_svg_and_pdf(pack):
    report, units, _, _, _, _ = pack
    specs = figure_specs(units)
    assert {s.unit for s in specs} == {GROUP, *INSTITUTES}
    for spec in specs:
        folder = report.out_dir / spec.unit / "figures" / "zh"
        svg = ET.parse(folder / f"{spec.name}.svg").getroot()
        assert svg.tag == "{http://www.w3.org/2000/svg}svg"
        width, height = int(svg.get("width")), int(svg.get("height"))
        assert width == 900, spec.name
        # print resolution: 2250 px across the 180 mm of an A4 page's text width is 317 dpi
        assert png_size((folder / f"{spec.name}.png").read_bytes()) == (2250, int(height * 2.5)), spec.name
        assert pdf_pages(folder / f"{spec.name}.pdf") == 1, spec.name
        # the stamp: definition, years, peer group, as-of (run id) and source, in the SVG's text
        text = "".join(svg.itertext())
        assert report.manifest["run_id"] in text and "来源" in text and "对比组全部机构" in SQUEEZE.sub("", text), spec.name
    trend = ET.parse(report.out_dir / "FJQI/figures/zh/trend-prj_initiated.svg").getroot()
    text = SQUEEZE.sub("", "".join(trend.itertext()))
    assert "年度2015–2024" in text and "当年新立项的科研项目数（各级别合计）" in text


def test_figure_pdfs_carry_chinese_text(pack):
    report, _, _, _, _, _ = pack
    text = SQUEEZE.sub("", pdf_text(report.out_dir / "FJQI/figures/zh/trend-prj_initiated.pdf"))
    assert "新立项项目数·福建省产品质量检验研究院" in text
    assert "数据截至" in text and report.manifest["run_id"] in text
    assert not re.search("[\u2e80-\u2fdf]", text)  # ideographs, not the look-alike radicals


def sheet_rows(path, sheet):
    rows = list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))
    return rows[0][0], rows[1], rows[2:]


def test_kpi_workbooks_have_a_sheet_per_domain_with_the_marts_numbers(pack):
    report, _, _, con, _, _ = pack
    for unit in [GROUP, *INSTITUTES]:
        path = report.out_dir / unit / f"{unit}-{YEAR}-zh-kpi.xlsx"
        book = openpyxl.load_workbook(path)
        assert book.sheetnames == SHEETS
        seen = []
        for sheet in SHEETS:
            for row in book[sheet].iter_rows():
                assert all(cell.data_type != "f" for cell in row)  # no formulas
            title, header, rows = sheet_rows(path, sheet)
            assert NAMES[unit] in title and report.manifest["run_id"] in title
            assert header[:4] == ("指标（单位）", "指标代码", str(YEAR - 1), str(YEAR))
            for row in rows:
                record = dict(zip(header, row, strict=True))
                seen.append(record["指标代码"])
                expected = expected_kpi(con, unit, record["指标代码"])
                got = {k: record[k] for k in expected}
                assert got == pytest.approx(expected, nan_ok=True), (unit, record["指标代码"])
                assert all(isinstance(v, int | float) for v in got.values() if v is not None)
        assert seen == con.execute("select metric_id from dim_metrics order by sort_order").df()["metric_id"].tolist()


def expected_kpi(con, unit: str, metric_id: str) -> dict:
    """The workbook's numbers for one metric, straight from the Parquet: percentages ×100 to 0.1, per 100
    staff and averages to 0.01, counts as they are."""
    def pct(v):
        return None if v is None or v != v else round(v * 100, 1)

    def num(v, digits=None):
        return None if v is None or v != v else (round(v, digits) if digits else v)

    if unit == GROUP:
        r = con.execute("select * from fct_group_metric_year where group_id = 'all' and year = ? and metric_id = ?",
                        [YEAR, metric_id]).df().iloc[0]
        return {str(YEAR): num(r["value"]), str(YEAR - 1): num(r["prior_value"]), "同比增减": num(r["yoy_abs"]),
                "同比（%）": pct(r["yoy_pct"]), "近三年累计": num(r["r3y"]), "三年复合增长率（%）": pct(r["cagr_3y"]),
                "报送机构数": num(r["institutes_reporting"]), "机构平均": num(r["institute_mean"], 2),
                "每百名职工": num(r["per_100_staff"], 2)}
    r = con.execute("select * from fct_institute_metric_year where institute_id = ? and year = ? and metric_id = ?",
                    [unit, YEAR, metric_id]).df().iloc[0]
    return {str(YEAR): num(r["value"]), str(YEAR - 1): num(r["prior_value"]), "同比增减": num(r["yoy_abs"]),
            "同比（%）": pct(r["yoy_pct"]), "近三年累计": num(r["r3y"]), "三年复合增长率（%）": pct(r["cagr_3y"]),
            "每百名职工": num(r["per_100_staff"], 2), "排名": num(r["group_rank"]), "参与排名机构数": num(r["group_n"]),
            "占全部机构（%）": pct(r["group_share"]), "目标": num(r["target"]), "完成率（%）": pct(r["target_attainment"])}


def test_kpi_csv_files_are_the_workbook_sheets_in_utf8_with_bom(pack):
    report, _, _, _, _, _ = pack
    for unit in [GROUP, *INSTITUTES]:
        xlsx = report.out_dir / unit / f"{unit}-{YEAR}-zh-kpi.xlsx"
        for sheet, domain in zip(SHEETS, DOMAINS, strict=True):
            data = (report.out_dir / unit / "csv" / f"{unit}-{YEAR}-zh-kpi-{domain}.csv").read_bytes()
            assert data.startswith(b"\xef\xbb\xbf")
            csv = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype={"备注": str})
            _, header, rows = sheet_rows(xlsx, sheet)
            book = pd.DataFrame(rows, columns=header)
            assert list(csv.columns) == list(header)
            numbers = [c for c in header if c not in ("指标（单位）", "指标代码", "备注")]
            assert csv[numbers].astype(float).equals(book[numbers].astype(float)), (unit, sheet)
            assert csv["指标代码"].tolist() == book["指标代码"].tolist()


# ---- the combined PDFs ----------------------------------------------------------------------------


def test_combined_pdfs_are_a4_with_cover_sections_and_every_figure(pack):
    report, units, _, _, _, _ = pack
    for unit in units:
        path = report.out_dir / unit.id / f"{unit.id}-{YEAR}-zh.pdf"
        pages = pdf_text(path).split("\f")[:-1]
        figures = len(unit.figures) + len(unit.shared)
        # cover, KPI table, figures (on paper 60–110 mm tall: one to three a page), definitions, sources —
        # each section starting a page
        assert pdf_pages(path) == len(pages)
        assert 4 + (figures + 2) // 3 <= len(pages) <= 6 + figures, unit.id
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"Page size:\s+594\.9\d? x 841\.9\d? pts \(A4\)", info)
        cover, kpi = (SQUEEZE.sub("", p) for p in pages[:2])
        assert NAMES[unit.id] in cover and f"{YEAR}年度" in cover and report.manifest["run_id"] in cover
        assert "1主要指标" in kpi
        squeezed = [SQUEEZE.sub("", p) for p in pages]
        # an institute with units or honours in the year has its units section second (test_report_units.py)
        n = 3 if unit.id == GROUP or units_section(report, unit.id) is None else 4
        # the definitions (34 metrics: several pages) and then the sources close the pack
        definitions = next(i for i, page in enumerate(squeezed) if f"{n}指标说明" in page)
        sources = next(i for i, page in enumerate(squeezed) if f"{n + 1}数据截至时间与来源" in page)
        assert definitions < sources and sources >= len(squeezed) - 2, (unit.id, definitions, sources)
        for i, page in enumerate(squeezed, start=1):  # every page carries the as-of and the page number
            assert f"数据截至{SQUEEZE.sub('', report.published)}" in page and f"第{i}/{len(pages)}页" in page, (unit.id, i)
        body = "".join(squeezed)
        assert not re.search("[\u2e80-\u2fdf]", body)
        assert body.count("当年新立项的科研项目数（各级别合计）") >= 2  # a figure's stamp and the definitions
    fjqi = SQUEEZE.sub("", pdf_text(report.out_dir / "FJQI" / f"FJQI-{YEAR}-zh.pdf"))
    assert "此图生成失败:broken-figure" in fjqi
    for title in ("新立项项目数·福建省产品质量检验研究院", "占比·志愿服务时长·福建省产品质量检验研究院",
                  f"新立项项目数·{YEAR}vs{YEAR - 1}", f"历年排名·志愿服务时长·2015–{YEAR}"):
        assert title in fjqi


NUMBER = re.compile(r"^[≥+-]?[\d,]+(\.\d+)?%?$")


def parse_cells(line: str, label: str) -> list[float | None]:
    rest = re.sub(r"(\d+)\s*/\s*(\d+)", r"\1 \2", line.split(label, 1)[1])
    cells = []
    for token in rest.split():
        if token == "—":
            cells.append(None)
        elif NUMBER.match(token):
            cells.append(float(token.strip("≥+%").replace(",", "")))
        else:
            break  # the note column
    return cells


def test_combined_pdf_kpi_table_equals_the_published_marts(pack):
    report, _, _, con, _, _ = pack
    metrics = con.execute("select metric_id, name_zh, unit_zh from dim_metrics order by sort_order").fetchall()
    for unit in [GROUP, *INSTITUTES]:
        text = pdf_text(report.out_dir / unit / f"{unit}-{YEAR}-zh.pdf", "-layout", "-f", "2", "-l", "3")
        for metric_id, name, unit_zh in metrics:
            label = f"{name}（{unit_zh}）"
            line = next(line for line in text.splitlines() if label in line)
            e = expected_kpi(con, unit, metric_id)
            if unit == GROUP:
                columns = [(str(YEAR - 1), 1), (str(YEAR), 1), ("同比增减", 1), ("同比（%）", 0.1), ("近三年累计", 1),
                           ("三年复合增长率（%）", 0.1), ("报送机构数", 1), ("机构平均", 0.01), ("每百名职工", 0.01)]
            else:
                columns = [(str(YEAR - 1), 1), (str(YEAR), 1), ("同比增减", 1), ("同比（%）", 0.1), ("近三年累计", 1),
                           ("每百名职工", 0.01), ("排名", 1), ("参与排名机构数", 1), ("占全部机构（%）", 0.1),
                           ("完成率（%）", 0.1)]
            cells = parse_cells(line, label)
            assert len(cells) == len(columns), (unit, label, line)
            for (column, step), shown in zip(columns, cells, strict=True):
                if e[column] is None:
                    assert shown is None, (unit, label, column)
                else:  # equal to what the printed precision shows (counts whole, fractional to 0.1)
                    tolerance = step / 2 if step < 1 else (0.05 if e[column] % 1 else 0)
                    assert shown == pytest.approx(e[column], abs=tolerance + 1e-9), (unit, label, column, line)


def test_without_a_browser_the_tables_are_made_and_the_browser_is_named_once(published_demo, tmp_path):
    settings, _ = published_demo
    browser.shutdown_renderer()
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 3\n")
    fake.chmod(0o755)
    log = io.StringIO()
    report = ReportPack(replace(settings, browser_path=str(fake)), YEAR, ["FJQI"], "zh", tmp_path / "out", out=log, metrics=METRICS[:1])
    result = report.run(report.plan())
    assert [(f.unit, f.item) for f in result.failures] == [("-", "Chromium (no figures, no combined PDFs)")]
    assert log.getvalue().count("✗") == 1
    assert sorted(p.suffix for p in result.files) == [".csv"] * 2 * len(SHEETS) + [".xlsx"] * 2
    browser.shutdown_renderer()


def test_the_pack_reads_the_version_published_when_it_started(published_demo, tmp_path):
    settings, _ = published_demo
    marts, pin = tmp_path / "marts", tmp_path / "pin"
    marts.mkdir()
    pin.mkdir()
    version = (settings.marts_dir / "current").resolve()
    (marts / "current").symlink_to(version, target_is_directory=True)
    store = _pinned_store(marts, pin)
    (marts / "current").unlink()  # a refresh switches `current` (here: away to nothing at all)
    assert store.version(EVERYONE).path == version and store.years(EVERYONE)[-1] == YEAR


def test_cli_refuses_a_year_or_institute_not_in_the_marts(published_demo, monkeypatch, capsys):
    settings, _ = published_demo
    monkeypatch.setenv("TOUYAN_DATA_DIR", str(settings.data_dir))
    assert main(["--year", "1990"]) == 2
    assert "year 1990" in capsys.readouterr().err
    assert main(["--institutes", "FJQI,NOPE"]) == 2
    assert "unknown institute(s) NOPE" in capsys.readouterr().err
