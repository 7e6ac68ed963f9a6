"""The yearbook (《考评风采录》) from the refreshed demo, with the real renderer and poppler: FJQI's and ZJQS's
PDFs embed their fonts (Noto Sans CJK), name every evaluated unit with its tier label and rank as published,
the institute's own result as published; an institute without evaluated units says so; the CLI refuses a
year without scores; an institute's user downloads its own yearbook and is refused another's (403).

Expected values are read here from the published Parquet with DuckDB, never copied from a PDF. One
institute per PDF test: each print is about a second."""
from __future__ import annotations

import re
import subprocess
from dataclasses import replace

import duckdb
import pytest

from dashboards.report.__main__ import main
from dashboards.report.text import tr
from dashboards.report.yearbook import Yearbook, build_yearbook
from dashboards.views import yearbook as views
from dashboards.views.store import MartStore
from dashboards.views.viewer import EVERYONE, Refused, Viewer
from tests.logins import logged_in, server_app, with_accounts

YEAR = 2024
SQUEEZE = re.compile(r"\s+")


@pytest.fixture(scope="module")
def marts(published_demo):
    """A DuckDB connection with a view per published mart."""
    settings, _ = published_demo
    current = (settings.marts_dir / "current").resolve()
    con = duckdb.connect()
    for path in current.glob("*.parquet"):
        con.execute(f"create view {path.stem} as select * from read_parquet('{path}')")
    return con


def pdf_text(path, *options: str) -> str:
    return subprocess.run(["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=True).stdout


def evaluated_units(con, institute_id: str) -> list[tuple]:
    """(name_zh, path_zh, tier label zh, rank, n) of the institute's evaluated units in the year, from the marts."""
    return con.execute(f"""
        select u.name_zh, u.path_zh, l.name_zh, s.rank, s.n
        from fct_evaluation_scores s join dim_units u on u.unit_id = s.unit_id
        join dim_code_labels l on l.code_type = '{views.TIER_CODES}' and l.code = s.tier
        where s.scope = 'unit' and s.institute_id = ? and s.year = ?
        order by s.group_id, s.rank""", [institute_id, YEAR]).fetchall()


def make(settings, tmp_path, institute_id: str, lang: str = "zh"):
    result = build_yearbook(settings, YEAR, [institute_id], lang, tmp_path, out=None)
    assert not result.failures, result.failures
    [path] = result.files
    assert path.name == f"{institute_id}-{YEAR}-{lang}-yearbook.pdf"
    return path


def assert_fonts_embedded(path) -> None:
    """pdffonts lists fonts, each embedded with a Unicode map; Chromium embeds Noto Sans CJK (a CFF font)
    as Type 3 fonts, which pdffonts cannot name, so their descriptors' names are read from the file."""
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in fonts.splitlines()[2:] if line.strip()]
    assert rows, fonts
    assert all(row[-5] == "yes" and row[-3] == "yes" for row in rows), fonts  # emb, uni
    names = set(re.findall(rb"/FontName\s*/[A-Z]{6}\+([A-Za-z0-9-]+)", path.read_bytes()))
    assert any(name.startswith(b"NotoSansCJK") for name in names), names


def test_fjqi_yearbook_names_every_evaluated_unit_with_its_tier_and_rank(published_demo, marts, tmp_path):
    settings, _ = published_demo
    path = make(settings, tmp_path, "FJQI")
    assert_fonts_embedded(path)
    units = evaluated_units(marts, "FJQI")
    assert len(units) >= 20  # the demo's laboratories (班组)
    layout = pdf_text(path, "-layout")
    for name, unit_path, tier, rank, n in units:
        # its row in the ranking: rank n/N, the unit with its path, its tier
        assert any(f"{rank} / {n}" in line and unit_path in line and tier in line for line in layout.splitlines()), name
        # its profile: the name with its tier badge
        assert any(line.strip().startswith(name) and tier in line for line in layout.splitlines()), name
    # the institute's own result among institutes, as published
    score, rank, n = marts.execute("select score, rank, n from fct_evaluation_scores where scope = 'institute' "
                                   "and entity_id = 'FJQI' and year = ?", [YEAR]).fetchone()
    squeezed = SQUEEZE.sub("", layout)
    assert SQUEEZE.sub("", tr("yearbook_title", "zh", year=YEAR)) in squeezed
    assert f"得分{float(score):,.2f}" in squeezed and f"排名{rank}/{n}" in squeezed
    # the profiles, best tier first: the first profile is a unit of the best tier present
    best = min(marts.execute("select tier_order from fct_evaluation_scores where scope = 'unit' and "
                             "institute_id = 'FJQI' and year = ?", [YEAR]).fetchall())[0]
    first = layout.split(tr("profiles_note", "zh")[:10], 1)[1]
    first_name = next(name for name, *_ in sorted(units, key=lambda u: first.find(u[0]) if u[0] in first else 10**9))
    order = marts.execute("select s.tier_order from fct_evaluation_scores s join dim_units u on u.unit_id = s.unit_id "
                          "where s.scope = 'unit' and s.year = ? and u.name_zh = ? and u.institute_id = 'FJQI'",
                          [YEAR, first_name]).fetchone()[0]
    assert order == best


def test_zjqs_yearbook_holds_its_centres_awards_and_standards_led(published_demo, marts, tmp_path):
    settings, _ = published_demo
    path = make(settings, tmp_path, "ZJQS")
    assert_fonts_embedded(path)
    layout = pdf_text(path, "-layout")
    squeezed = SQUEEZE.sub("", pdf_text(path, "-raw"))
    for name, _, tier, _, _ in evaluated_units(marts, "ZJQS"):
        assert any(line.strip().startswith(name) and tier in line for line in layout.splitlines()), name
    # a centre's awards of the year include its offices'; the standards it led that year, each by number
    awards = marts.execute("""
        select a.award_name from fct_awards a join dim_units u on u.unit_id = a.unit_id
        where a.institute_id = 'ZJQS' and a.year = ? and u.unit_type in ('centre', 'office')""", [YEAR]).fetchall()
    assert awards and all(SQUEEZE.sub("", a) in squeezed for (a,) in awards)
    led = marts.execute("""select std_no from fct_standards where institute_id = 'ZJQS' and year = ?
                           and role = 'lead' and unit_id is not null""", [YEAR]).fetchall()
    assert all(SQUEEZE.sub("", s) in squeezed for (s,) in led)


def test_an_institute_without_evaluated_units_gets_its_result_and_says_so(published_demo, marts):
    settings, _ = published_demo
    institute_id = marts.execute("""select institute_id from dim_institutes where institute_id not in
        (select institute_id from fct_evaluation_scores where scope = 'unit' and year = ?)
        order by institute_id limit 1""", [YEAR]).fetchone()[0]
    book = Yearbook(MartStore(settings.marts_dir), EVERYONE, YEAR)
    html = book.html(institute_id)
    assert tr("no_units", "zh", year=YEAR) in html and tr("profiles", "zh") not in html
    rank = marts.execute("select rank, n from fct_evaluation_scores where scope = 'institute' and entity_id = ? "
                         "and year = ?", [institute_id, YEAR]).fetchone()
    assert rank is None or f"{rank[0]} / {rank[1]}" in html


def test_an_institute_viewer_reads_its_own_rows_only(published_demo):
    settings, _ = published_demo
    store, fjqi = MartStore(settings.marts_dir), Viewer(role="institute", institute_id="FJQI")
    assert set(views.institute_result(fjqi, store, "FJQI", YEAR)["entity_id"]) == {"FJQI"}
    assert set(views.unit_results(fjqi, store, "FJQI", YEAR)["institute_id"]) == {"FJQI"}
    for read in (views.institute_result, views.unit_results, views.unit_top_items, views.unit_awards,
                 views.unit_standards_led):
        with pytest.raises(Refused):
            read(fjqi, store, "ZJQS", YEAR)


@pytest.fixture(scope="module")
def with_users(published_demo, tmp_path_factory):
    """The published demo's settings with an accounts database of tests.logins' accounts (fjqi: FJQI's user)."""
    settings, _ = published_demo
    return with_accounts(replace(settings, accounts_file=tmp_path_factory.mktemp("yearbook") / "app.db",
                                 secret_key="test-key"))


def test_the_cli_refuses_a_year_without_scores_and_another_institute_for_a_user(with_users, capsys, monkeypatch,
                                                                                tmp_path):
    monkeypatch.setenv("TOUYAN_DATA_DIR", str(with_users.data_dir))
    monkeypatch.setenv("TOUYAN_ACCOUNTS_DB", str(with_users.accounts_db))
    assert main(["--yearbook", "--year", "1999", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "1999 年没有已发布的考评结果" in err and "no evaluation results are published for 1999" in err
    assert main(["--yearbook", "--as", "fjqi", "--institutes", "ZJQS", "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "无权为机构 ZJQS 生成考评风采录" in err and "you may not make the yearbook of ZJQS" in err
    assert not (tmp_path / "out").exists()


def test_an_institute_user_downloads_its_own_yearbook_only(with_users):
    app = server_app(with_users)
    web = logged_in(app, "fjqi")
    prefix = app.config.requests_pathname_prefix
    refused = web.get(f"{prefix}{views.yearbook_path(YEAR, 'ZJQS', 'zh')}")
    assert refused.status_code == 403
    own = web.get(f"{prefix}{views.yearbook_path(YEAR, 'FJQI', 'zh')}")
    assert own.status_code == 200 and own.mimetype == "application/pdf" and own.data.startswith(b"%PDF-")
    assert "FJQI-2024-zh-yearbook.pdf" in own.headers["Content-Disposition"]
