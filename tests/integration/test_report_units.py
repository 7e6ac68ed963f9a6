"""The report pack's issue-23 contents on the refreshed demo, with the real renderer and poppler: the
headline metrics' cards on the group's KPI page (awards, papers and talent titles among them), and an
institute's units section — its units with their figures of the year, nested ones after their parent,
its awards and talent titles of the year — in Chinese and English, numbers compared with the published
Parquet read here with DuckDB. Fonts are embedded; an institute's user gets its own units only
(test_report_as_user.py).

To keep it short the packs draw few figures: the group's headline cards and one metric's figures of
ZJQS (the planned figures are checked in full)."""
from __future__ import annotations

import io
import re
import subprocess

import duckdb
import pytest

from dashboards.report.pack import ReportPack
from dashboards.report.plan import COMPARE_FIGURES, FEW_RECORDS_FIGURES, GROUP
from dashboards.report.units import UNIT_METRICS
from dashboards.views import report as report_views
from dashboards.views.viewer import EVERYONE, Refused, Viewer

YEAR = 2024
NEW_HEADLINE = ["awd_total", "pap_total", "tal_total"]
SQUEEZE = re.compile(r"\s+")


def run(settings, out_dir, lang="zh", institutes=("ZJQS", "FJQI")):
    """The default pack (the headline metrics) for the institutes, drawing only the group's KPI cards
    and each institute's awards figures; the plan as made."""
    report = ReportPack(settings, YEAR, list(institutes), lang, out_dir, out=io.StringIO())
    planned = report.plan()
    units = report.plan()
    for unit in units:
        unit.shared = []
        unit.figures = [s for s in unit.figures if s.name.startswith("overview-") or s.name.endswith("-awd_total")]
    result = report.run(units)
    assert not result.failures
    return report, planned


@pytest.fixture(scope="module")
def packs(published_demo, tmp_path_factory):
    settings, _ = published_demo
    zh = run(settings, tmp_path_factory.mktemp("units-zh") / str(YEAR))
    en = run(settings, tmp_path_factory.mktemp("units-en") / str(YEAR), "en", ("ZJQS",))
    con = duckdb.connect()
    for mart in zh[0].manifest["marts"]:
        path = zh[0].store.version(EVERYONE).path / mart["file"]
        con.execute(f"create view {mart['mart']} as select * from read_parquet('{path}')")
    return zh, en, con


def pdf_text(path, *options: str) -> str:
    return subprocess.run(["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=True).stdout


def section(path, heading: str, mode: str = "-layout") -> str:
    """The text of the pages from the one whose top heading is `heading` up to the next numbered one
    (-layout: a table's row on a line, a cell wrapped over lines is split; -raw: each cell's text whole)."""
    found, out = False, []
    texts = pdf_text(path, mode).split("\f")[:-1]
    for i, page in enumerate(pdf_text(path, "-layout").split("\f")[:-1]):  # a page's first line: its heading
        first = next((line.strip() for line in page.splitlines() if line.strip()), "")
        if re.match(r"^\d+ ", first):
            found = first.split(" ", 1)[1] == heading
        if found:
            out.append(texts[i])
    assert out, f"no section {heading!r} in {path.name}"
    return "\n".join(out)


def one(con, sql: str, params: list) -> float:
    return con.execute(sql, params).fetchone()[0]


def centre(con, year=YEAR) -> dict:
    """The ZJQS centre's unit id and names, its awards of the year and their change, from the marts."""
    unit_id, zh, en = con.execute("select unit_id, name_zh, name_en from dim_units where institute_id = 'ZJQS' "
                                  "and name_zh = '先进制造计量研究中心'").fetchone()
    value, change = con.execute("select value, yoy_abs from fct_unit_metric_year where unit_id = ? and year = ? "
                                "and metric_id = 'awd_total'", [unit_id, year]).fetchone()
    records = one(con, "select count(*) from fct_awards where year = ? and (unit_id = ? or unit_id in "
                       "(select unit_id from dim_units where parent_unit_id = ?))", [year, unit_id, unit_id])
    return {"unit_id": unit_id, "zh": zh, "en": en, "awards": int(value), "change": change, "records": records}


def test_the_new_headline_metrics_are_drawn_with_fewer_compare_figures(packs):
    (report, planned), _, _ = packs
    assert set(NEW_HEADLINE) <= set(report.headline["metric_id"])
    group = next(u for u in planned if u.id == GROUP)
    names = {s.name for s in group.figures}
    for metric_id in report.headline["metric_id"]:
        assert f"overview-{metric_id}" in names
        drawn = FEW_RECORDS_FIGURES if metric_id in NEW_HEADLINE else COMPARE_FIGURES
        assert {n for n in names if n.startswith("compare-") and n.endswith(f"-{metric_id}")} == \
            {f"compare-{kind}-{metric_id}" for kind in drawn}, metric_id
    zjqs = next(u for u in planned if u.id == "ZJQS")
    assert {s.name for s in zjqs.figures} == {f"{kind}-{m}" for m in report.headline["metric_id"]
                                              for kind in ("trend", "share")}


def test_the_group_kpi_cards_show_the_new_headline_metrics_with_the_marts_values(packs):
    (report, _), _, con = packs
    text = SQUEEZE.sub("", pdf_text(report.out_dir / GROUP / f"{GROUP}-{YEAR}-zh.pdf"))
    for metric_id in NEW_HEADLINE:
        name, unit = con.execute("select name_zh, unit_zh from dim_metrics where metric_id = ?", [metric_id]).fetchone()
        value = one(con, "select value from fct_group_metric_year where group_id = 'all' and year = ? "
                         "and metric_id = ?", [YEAR, metric_id])
        assert f"{name}·全部机构·{YEAR}:{int(value):,}{unit}" in text, metric_id


def test_zjqs_units_section_holds_the_centre_its_awards_and_its_rooms(packs):
    (report, _), _, con = packs
    path = report.out_dir / "ZJQS" / f"ZJQS-{YEAR}-zh.pdf"
    text = section(path, "内设机构与年度荣誉")
    c = centre(con)
    assert c["awards"] == c["records"] >= 4  # the unit mart's figure is the centre's records and its rooms'
    line = next(line for line in text.splitlines() if c["zh"] in line and "中心" in line.split(c["zh"], 1)[1])
    cells = re.findall(r"(≥?[\d,]+) \(([+-]?[\d,]+|0|—)\)", line)
    assert len(cells) == len(UNIT_METRICS)
    assert cells[UNIT_METRICS.index("awd_total")] == (str(c["awards"]), "0" if c["change"] == 0 else f"{c['change']:+.0f}")
    # the centre's rooms follow it, indented, before the next centre
    order = [line.strip().split(" ")[0] for line in text.splitlines() if re.search(r"\(([+-]?\d+|—)\)", line)]
    rooms = con.execute("select name_zh from dim_units where parent_unit_id = ? order by unit_code",
                        [c["unit_id"]]).df()["name_zh"].tolist()
    assert order[order.index(c["zh"]) + 1:order.index(c["zh"]) + 1 + len(rooms)] == rooms
    # the institute's awards and talent titles of the year, every one
    awards = one(con, "select count(*) from fct_awards where institute_id = 'ZJQS' and year = ?", [YEAR])
    titles = one(con, "select count(*) from fct_talent_titles where institute_id = 'ZJQS' and year = ?", [YEAR])
    squeezed = SQUEEZE.sub("", text)
    assert f"{YEAR}年获得的科技奖励（{awards}项）" in squeezed and f"{YEAR}年获得的人才称号（{titles}人次）" in squeezed
    assert squeezed.count("中国仪器仪表学会科学技术奖") == 4
    for row in con.execute("select award_name, for_title from fct_awards where institute_id = 'ZJQS' and year = ?",
                           [YEAR]).fetchall():
        assert SQUEEZE.sub("", row[1]) in squeezed, row


def test_fjqi_units_section_nests_its_laboratories(packs):
    (report, _), _, con = packs
    text = section(report.out_dir / "FJQI" / f"FJQI-{YEAR}-zh.pdf", "内设机构与年度荣誉")
    units = con.execute("select name_zh, depth from dim_units where institute_id = 'FJQI'").fetchall()
    for name, depth in units:
        line = next(line for line in text.splitlines() if line.strip().startswith(name + " "))
        indent = len(line) - len(line.lstrip())
        assert (indent > 1) == (depth > 1), (name, line)  # a laboratory indented under its division
    assert sum(1 for _, depth in units if depth == 2) == 27


def test_the_english_pack_names_the_centre_in_english(packs):
    _, (report, _), con = packs
    path = report.out_dir / "ZJQS" / f"ZJQS-{YEAR}-en.pdf"
    text = section(path, "Units and honours of the year")
    c = centre(con)
    squeezed = SQUEEZE.sub("", section(path, "Units and honours of the year", "-raw"))
    assert SQUEEZE.sub("", c["en"]) in squeezed and f"Awardsreceivedin{YEAR}" in squeezed
    # the codes' labels in English (award names and what for stay as the institute wrote them)
    assert "Society" in squeezed and "Lead" in squeezed and "Mainparticipant" in squeezed
    assert not any(word in squeezed for word in ("学会协会", "牵头", "为主参与", "内设机构", "中心"))
    line = next(line for line in text.splitlines() if line.strip().startswith(c["en"][:24]))
    assert re.search(rf"\s{c['awards']} \(", line), line


def test_the_combined_pdfs_embed_every_font(packs):
    (report, _), (en, _), _ = packs
    for path in [*report.out_dir.glob("*/*-zh.pdf"), *en.out_dir.glob("*/*-en.pdf")]:
        fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
        assert rows, path
        # the columns from the right: object id (2), uni, sub, emb
        assert all(row[-5] == "yes" for row in rows), (path, fonts)


def test_a_user_reads_its_own_institute_s_units_only(published_demo):
    settings, _ = published_demo
    report = ReportPack(settings, YEAR, ["ZJQS"], out=None)
    fjqi = Viewer(role="institute", institute_id="FJQI")
    assert not report_views.unit_year(fjqi, report.store, "FJQI", YEAR, list(UNIT_METRICS)).empty
    for read in (lambda: report_views.unit_year(fjqi, report.store, "ZJQS", YEAR, list(UNIT_METRICS)),
                 lambda: report_views.awards_of_year(fjqi, report.store, "ZJQS", YEAR),
                 lambda: report_views.talent_titles_of_year(fjqi, report.store, "ZJQS", YEAR)):
        with pytest.raises(Refused):
            read()
