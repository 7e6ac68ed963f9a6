"""The analyst's and leader's side of online submission (dashboards/server/review.py), in server mode
through the Flask test client, logged in through the real form: review (accept writes the portal file,
a return needs a reason, only analysts decide), the tracker as each role sees it, the missing ones as
XLSX, and "refresh now" running a real refresh beside the server, one at a time, leaving nothing behind.
A units register accepted is the institute's register at the next refresh: a unit renamed or added shows
in dim_units, rows naming a unit it dropped are quarantined."""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import time
from dataclasses import replace

import duckdb
import openpyxl
import pandas as pd
import pytest

from dashboards.accounts.store import AccountStore
from dashboards.accounts.submissions import SubmissionStore
from dashboards.server.app import create_app
from pipelines.contracts import CONTRACTS
from pipelines.demo import generate
from pipelines.lock import write_lock
from pipelines.submissions.check import SUBMITTED, check_submission
from tests.conftest import write_csv
from tests.logins import ROLES, csrf_token, logged_in, server_app

HEADER = ["单位", "年度", "项目级别", "阶段", "数量"]


@pytest.fixture(scope="module")
def world(published_demo, tmp_path_factory):
    """A copy of the published demo's data folder (review writes into its raw folder), the app in server
    mode over it, and two submissions of FJQI's project counts sent for review (2024, 2023)."""
    source, _ = published_demo
    root = tmp_path_factory.mktemp("review") / "data"
    shutil.copytree(source.data_dir, root, symlinks=True)
    settings = replace(source, data_dir=root, secret_key="test-key")
    app = server_app(settings)
    with AccountStore(settings) as accounts:
        fjqi = accounts.get("fjqi")
    sent = {}
    with SubmissionStore(settings) as submissions:
        for year in (2024, 2023):
            path = write_csv(root / "uploads" / f"{year}.csv", [HEADER, ["FJQI", str(year), "国家级", "立项", "6"]])
            sid = submissions.begin(fjqi, "project_counts", year, path.name)
            result = check_submission(settings, "project_counts", "FJQI", year, path)
            draft = submissions.finish(sid, path, ".csv", result, None)
            sent[year] = submissions.submit(draft.id, fjqi, {}).id
    register = pd.read_parquet(root / "marts" / "current" / "dim_institutes.parquet")
    return app, settings, sent, register


def post_review(web, submission_id: int, token: str, decision: str, comment: str = ""):
    return web.post(f"/review/{submission_id}", data={"decision": decision, "comment": comment, "csrf_token": token})


def review_token(web) -> str:
    return csrf_token(web.get("/review").get_data(as_text=True))  # its "refresh now" form's


def test_the_analyst_sees_what_waits_first_and_accepts_it(world):
    app, settings, sent, _ = world
    web = logged_in(app, "analyst1")
    page = web.get("/review?lang=en").get_data(as_text=True)
    assert f'id="submission-{sent[2024]}" data-status="submitted"' in page
    assert f'href="/submit/{sent[2024]}?lang=en"' in page and "2 waiting for review" in page
    response = post_review(web, sent[2024], review_token(web), "accept")
    assert response.status_code == 303 and response.headers["Location"] == f"/submit/{sent[2024]}?lang=zh"
    portal = settings.raw_dir / "project_counts" / "portal" / "FJQI" / "2024.csv"
    assert portal.exists() and "FJQI,2024" in portal.read_text(encoding="utf-8")
    again = post_review(web, sent[2024], review_token(web), "accept")  # no longer waiting
    assert again.status_code == 409 and "this step is not possible now" in again.get_data(as_text=True)


def test_a_return_without_a_reason_is_refused_then_made_with_one(world):
    app, _, sent, _ = world
    web = logged_in(app, "admin1")
    sid = sent[2023]
    refused = post_review(web, sid, review_token(web), "return", "   ")
    assert refused.status_code == 400 and "退回时请写明原因" in refused.get_data(as_text=True)
    assert "say why" in refused.get_data(as_text=True)
    assert post_review(web, sid, review_token(web), "maybe").status_code == 400
    assert post_review(web, sid, "not-a-token", "return", "数量有误").status_code == 400
    assert post_review(web, sid, review_token(web), "return", "数量有误").status_code == 303
    with SubmissionStore(world[1]) as submissions:
        record = submissions.get(sid)
    assert (record.status, record.review_comment) == ("returned", "数量有误")


@pytest.mark.parametrize("username", [u for u, (role, *_rest) in ROLES.items() if role not in ("analyst", "admin")])
def test_only_analysts_review(world, username):
    app, _, sent, _ = world
    web = logged_in(app, username)
    token = "refused before its token is looked at"
    for path in ("/review", "/review/refresh"):
        assert web.get(path).status_code == 403, path
    assert post_review(web, sent[2023], token, "accept").status_code == 403
    assert web.post("/review/refresh", data={"csrf_token": token}).status_code == 403


def cells(page: str) -> dict[str, dict[str, str]]:
    """The tracker's table: institute → dataset → status."""
    found: dict[str, dict[str, str]] = {}
    for institute, row in re.findall(r'<tr id="tracker-([A-Z0-9]+)">(.*?)</tr>', page, re.S):
        found[institute] = dict(re.findall(r'data-dataset="([a-z_]+)" data-status="([a-z_]+)"', row))
    return found


def by_file(settings, year: int) -> set[tuple[str, str]]:
    """(institute, dataset) with published rows of `year` from e-mailed files, read from the marts here."""
    marts = settings.marts_dir / "current"
    found = set()
    with duckdb.connect() as con:
        for dataset, mart in (("project_counts", "fct_project_counts"), ("ip_items", "fct_ip_items"),
                              ("standards", "fct_standards"), ("volunteer_hours", "fct_volunteer_records"),
                              ("awards", "fct_awards"), ("papers", "fct_papers"), ("talent_titles", "fct_talent_titles")):
            found |= {(i, dataset) for (i,) in con.execute(
                f"select distinct institute_id from '{marts / mart}.parquet' where year = ? "
                "and source_file not like '%/portal/%'", [year]).fetchall()}
        found |= {(i, "staff") for (i,) in con.execute(
            f"select distinct institute_id from '{marts}/fct_institute_metric_year.parquet' where year = ? "
            "and staff_total is not null", [year]).fetchall()}
        # the units register has no year: the institutes whose register came in an e-mailed file
        found |= {(i, "units") for (i,) in con.execute(
            f"select distinct institute_id from '{marts}/fct_source_files.parquet' where dataset = 'units' "
            "and source_file not like '%/portal/%' and rows_accepted > 0 and institute_id is not null").fetchall()}
    return found


def test_the_tracker_shows_every_register_institute_to_an_analyst(world):
    app, settings, sent, register = world
    web = logged_in(app, "analyst1")
    page = web.get("/tracker?lang=en").get_data(as_text=True)
    grid = cells(page)
    assert set(grid) == set(register["institute_id"])
    assert all(set(row) == set(SUBMITTED) for row in grid.values())
    with SubmissionStore(settings) as submissions:
        tracked = submissions.tracked()
    sent_by_file = by_file(settings, 2024)
    assert len(sent_by_file) > 10  # the demo's e-mailed files
    for dataset in ("awards", "papers", "talent_titles", "units"):  # the new columns, sent by file in the demo
        assert grid["FJQI"][dataset] == "by_file" and f'data-dataset="{dataset}"' in page, dataset
    assert CONTRACTS["units"].title_zh in logged_in(app, "analyst1").get("/tracker").get_data(as_text=True)
    expected = {(i, d): tracked[(i, d, 2024)].status if (i, d, 2024) in tracked
                else "by_file" if (i, d) in sent_by_file else "missing" for i in grid for d in SUBMITTED}
    assert {(i, d): s for i, row in grid.items() for d, s in row.items()} == expected
    counts = dict(re.findall(r'data-status="([a-z_]+)" data-count="(\d+)"', page))
    assert {s: int(n) for s, n in counts.items()} == {s: list(expected.values()).count(s)
                                                      for s in ("missing", "by_file", "submitted", "returned", "accepted")}
    days = int(re.search(r'data-days-left="(-?\d+)"', page).group(1))
    assert days == (settings.deadline(2024) - settings.today).days
    assert ("overdue by" in page) == (days < 0)
    earlier = cells(web.get("/tracker?year=2023").get_data(as_text=True))
    assert set(earlier) == set(register["institute_id"])
    assert web.get("/tracker?year=abc").status_code == 400


def test_a_leader_sees_its_scope_and_an_institute_its_own_row(world):
    app, _, _, register = world
    zj = cells(logged_in(app, "leader_zj").get("/tracker").get_data(as_text=True))
    assert set(zj) == set(register.loc[register["province_code"] == "33", "institute_id"]) and zj
    leader_page = logged_in(app, "leader_all").get("/tracker").get_data(as_text=True)
    assert 'href="/submit/' not in leader_page  # read-only
    own = cells(logged_in(app, "fjqi").get("/tracker").get_data(as_text=True))
    assert list(own) == ["FJQI"]


def missing_listed(web, year: int) -> tuple[list[tuple], set[tuple[str, str]]]:
    response = web.get(f"/tracker/missing.xlsx?year={year}")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == ("机构代码", "机构", "数据集", "年度", "截止日期", "剩余天数", "状态")
    assert "analyst1" in sheet.oddHeader.center.text  # the watermark
    return rows[2:], {(r[0], r[2]) for r in rows[2:]}


def test_the_missing_ones_as_xlsx(world):
    """Not sent online and not sent by file (returned ones too) are missing: for 2024 every institute sent
    its files by e-mail (the demo), so none; for 2025 every one of them but a units register sent by file."""
    app, settings, _, register = world
    web = logged_in(app, "analyst1")
    with SubmissionStore(settings) as submissions:
        tracked = submissions.tracked()
    titles = {d: c.title_zh for d, c in CONTRACTS.items()}
    for year in (2024, 2025):
        rows, listed = missing_listed(web, year)
        sent_by_file = by_file(settings, year)
        expected = {(i, titles[d]) for i in register["institute_id"] for d in SUBMITTED
                    if ((i, d, year) not in tracked and (i, d) not in sent_by_file)
                    or ((i, d, year) in tracked and tracked[(i, d, year)].status == "returned")}
        assert listed == expected
        assert {r[5] for r in rows} <= {(settings.deadline(year) - settings.today).days}
    # 2025: every one of them but the units registers, which have no year: one sent by file stands
    registers = {i for i, d in by_file(settings, 2025) if d == "units"}
    assert registers and len(missing_listed(web, 2025)[1]) == len(register) * len(SUBMITTED) - len(registers)
    with AccountStore(settings) as accounts:
        exports = [json.loads(e.detail) for e in accounts.audit_events() if e.event == "export"]
    assert any(e.get("what") == "tracker_missing" and e.get("format") == "xlsx" for e in exports)


def test_refresh_now_runs_a_real_refresh_one_at_a_time(tmp_path, published_demo):
    source, _ = published_demo
    root = tmp_path / "data"
    generate(root / "raw")
    settings = replace(source, data_dir=root, secret_key="test-key", worker_idle_seconds=0)
    app = server_app(settings)
    web = logged_in(app, "analyst1")
    token = review_token(web)
    record = settings.reports_dir / "portal-refresh.json"
    try:
        assert 'data-state="idle"' in web.get("/review/refresh").get_data(as_text=True)
        assert web.post("/review/refresh", data={"csrf_token": token}).status_code == 303
        running = web.get("/review/refresh").get_data(as_text=True)
        assert 'data-state="running"' in running and 'http-equiv="refresh" content="2"' in running
        assert 'id="refresh-start"' not in running
        admin = logged_in(app, "admin1")
        again = admin.post("/review/refresh?lang=en", data={"csrf_token": review_token(admin)})
        assert again.status_code == 409 and "A refresh is running" in again.get_data(as_text=True)
        deadline = time.monotonic() + 240
        while 'data-state="running"' in (page := web.get("/review/refresh").get_data(as_text=True)):
            assert time.monotonic() < deadline, page[-2000:]
            time.sleep(1)
        assert 'data-state="finished"' in page and "Published" in page, page[-3000:]
        assert (settings.marts_dir / "current").exists()
        # the refresh's whole process group is gone (a worker it ended is reaped by init in a moment)
        group, gone_by = json.loads(record.read_text())["pid"], time.monotonic() + 10
        while _group_alive(group):
            assert time.monotonic() < gone_by, f"process group {group} still there"
            time.sleep(0.2)
    finally:  # a failed test leaves no refresh running behind it
        if record.exists():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(json.loads(record.read_text())["pid"], signal.SIGTERM)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_refresh_from_the_command_line_holds_the_start_back(world):
    app, settings, _, _ = world
    web = logged_in(app, "analyst1")
    token = review_token(web)
    with write_lock(settings.data_dir, "refresh"):
        page = web.get("/review/refresh").get_data(as_text=True)
        assert 'id="refresh-other"' in page and f"pid {os.getpid()}, refresh" in page
        assert web.post("/review/refresh", data={"csrf_token": token}).status_code == 409
    assert 'id="refresh-other"' not in web.get("/review/refresh").get_data(as_text=True)
    assert not (settings.reports_dir / "portal-refresh.json").exists()  # nothing was started


@pytest.mark.parametrize("username, shown, hidden", [
    ("analyst1", {"portal-review", "portal-tracker"}, {"portal-submit"}),
    ("leader_zj", {"portal-tracker"}, {"portal-review", "portal-submit"}),
    ("fjqi", {"portal-submit", "portal-tracker"}, {"portal-review"}),
])
def test_the_account_area_links_each_role_to_its_pages(world, username, shown, hidden):
    web = logged_in(world[0], username)
    layout = json.dumps(web.get("/_dash-layout", headers={"Referer": "http://localhost/"}).json)
    assert all(f'"id": "{i}"' in layout for i in shown) and not any(f'"id": "{i}"' in layout for i in hidden)
    with AccountStore(world[1]) as accounts:
        before = len(accounts.audit_events())
    assert web.get("/tracker").status_code == 200
    with AccountStore(world[1]) as accounts:
        [viewed] = [json.loads(e.detail) for e in accounts.audit_events()[before:] if e.event == "page_view"]
    assert viewed["page"] == "/tracker"


def test_development_mode_has_no_review_pages(world):
    _, settings, _, _ = world
    web = create_app(settings, dev=True).server.test_client()
    for path in ("/review", "/tracker", "/tracker/missing.xlsx"):
        assert "_dash-renderer" in web.get(path).get_data(as_text=True), path  # the dashboard's page
    assert web.post("/review/refresh").status_code in (404, 405)
    layout = json.dumps(web.get("/_dash-layout", headers={"Referer": "http://localhost/"}).json)
    assert "portal-tracker" not in layout


def test_an_accepted_units_register_is_the_institutes_register_at_the_next_refresh(published_demo, tmp_path):
    """FJQI sends its whole register with one unit renamed (its old name kept as an alias, as the check asks),
    one added and 家具实验室 (D2-02) left out; the
    analyst accepts it; the next refresh (a real one) publishes the register as sent — the e-mailed
    register's FJQI rows set aside — and quarantines the rows naming the unit left out (unknown_unit), as
    many as the upload's warning said."""
    from pipelines.refresh import refresh

    source, _ = published_demo
    root = tmp_path / "data"
    shutil.copytree(source.data_dir, root, symlinks=True)
    settings = replace(source, data_dir=root, secret_key="test-key")
    app = server_app(settings)
    marts = root / "marts" / "current"
    with duckdb.connect() as con:
        register = con.execute(
            "select unit_code, if(unit_code = 'D1', '电子电器与信息技术检测所', name_zh), unit_type, "
            "if(unit_code = 'D1', concat_ws('、', aliases, name_zh), aliases), "
            f"split_part(parent_unit_id, ':', 2), valid_from, valid_to from '{marts}/dim_units.parquet' "
            "where institute_id = 'FJQI' and unit_code <> 'D2-02' order by unit_code").fetchall()
        [(before,)] = con.execute(f"select count(*) from '{marts}/fct_quarantined_rows.parquet'").fetchall()
    register.append(("D9", "新能源检测所", "division", None, "", 2025, None))
    path = write_csv(root / "uploads" / "units.csv", [["单位", "部门代码", "部门名称", "类型", "简称", "上级部门", "设立年份",
                                                      "撤销年份"],
                                                     *[["FJQI", *("" if v is None else v for v in row)] for row in register]])
    with AccountStore(settings) as accounts:
        fjqi = accounts.get("fjqi")
    with SubmissionStore(settings) as submissions:
        sid = submissions.begin(fjqi, "units", 2025, path.name)
        result = check_submission(settings, "units", "FJQI", 2025, path)
        assert (result.errors, result.accepted) == ([], len(register))
        submissions.submit(submissions.finish(sid, path, ".csv", result, None).id, fjqi, {})
    web = logged_in(app, "analyst1")
    assert post_review(web, sid, review_token(web), "accept").status_code == 303
    assert (settings.raw_dir / "units" / "portal" / "FJQI" / "2025.csv").is_file()
    run = refresh(settings, out=None)
    with duckdb.connect() as con:
        published = con.execute(f"select unit_code, name_zh from '{run.version}/dim_units.parquet' "
                                "where institute_id = 'FJQI' order by unit_code").fetchall()
        quarantined = con.execute(f"select dataset, count(*) from '{run.version}/fct_quarantined_rows.parquet' "
                                  "where reason_code = 'unknown_unit' and institute_id = 'FJQI' group by all").fetchall()
        [(after,)] = con.execute(f"select count(*) from '{run.version}/fct_quarantined_rows.parquet'").fetchall()
        [notes] = con.execute(f"select notes from '{run.version}/fct_source_files.parquet' "
                              "where source_file like 'units/福建省质检院%'").fetchone()
    assert published == sorted((code, name) for code, name, *_ in register)
    assert ("D1", "电子电器与信息技术检测所") in published and ("D9", "新能源检测所") in published
    from tests.integration.test_portal_upload import rows_naming
    # the published rows naming the unit left out are quarantined now (a row quarantined before for another
    # reason may now be so for this one: the count of quarantined rows grew by the published ones)
    used = rows_naming(source, "FJQI:D2-02")
    assert after - before == used and sum(n for _, n in quarantined) >= used > 0
    assert rows_naming(settings, "FJQI:D2-02") == 0  # the new version: no published row names it
    assert "register" in notes
