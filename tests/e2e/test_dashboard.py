"""The dashboard served on localhost and driven by Debian's headless Chromium (Playwright with
executable_path; no browser download): pages load without console errors, controls change the
figures, the language switch relabels, downloads are valid files, a copied URL restores the view,
the app keeps answering while a refresh publishes, and the browser asks nothing of any other host.
Screenshots of every page at 1440×900 go to docs/screenshots/."""
from __future__ import annotations

import csv
import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from pipelines.config import PROJECT_ROOT
from pipelines.refresh import refresh

SCREENSHOTS = PROJECT_ROOT / "docs" / "screenshots"
PAGES = {"overview": "/", "institute": "/institute", "compare": "/compare", "evaluation": "/evaluation",
         "quality": "/quality", "definitions": "/definitions"}
FULL_PAGE = {"compare"}  # its screenshot shows the peer benchmarks, below the fold


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(published_demo):
    settings, _ = published_demo
    port = free_port()
    env = {**os.environ, "TOUYAN_DATA_DIR": str(settings.data_dir), "TOUYAN_TODAY": settings.today.isoformat(),
           "TOUYAN_ID_SALT": settings.id_salt}
    log = settings.data_dir.parent / "dashboard.log"
    process = subprocess.Popen([sys.executable, "-m", "dashboards", "--port", str(port)], cwd=PROJECT_ROOT, env=env,
                               stdout=log.open("w"), stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # a bound for a dashboard that never starts; a busy machine is slow
    while True:
        try:
            urllib.request.urlopen(base, timeout=5)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("the dashboard did not start: " + log.read_text())
            time.sleep(0.2)
    yield base, settings
    process.terminate()
    process.wait(timeout=10)


class Watched:
    """A page with its console errors and every URL it requested."""

    def __init__(self, browser, base: str):
        self.context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
        self.page: Page = self.context.new_page()
        self.page.set_default_timeout(60_000)  # the machine may be busy (a refresh, other tests)
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.base = base

    def open(self, path: str) -> Page:
        self.page.goto(self.base + path)
        self.settle()
        return self.page

    def settle(self) -> None:
        self.page.wait_for_load_state("networkidle")
        # locator waits, not wait_for_function: that evaluates its expression as a string, which the
        # app's Content-Security-Policy (no 'unsafe-eval') refuses
        expect(self.page.locator('._dash-loading, [data-dash-is-loading="true"]')).to_have_count(0, timeout=60_000)

    def choose(self, dropdown_id: str, option_text: str) -> None:
        # a dropdown just used stays focused and ignores the next click: click plain text elsewhere first
        self.page.locator("#asof").click(position={"x": 2, "y": 2})
        self.page.click(f"#{dropdown_id}")
        self.page.get_by_role("option", name=option_text, exact=True).click()
        self.settle()

    def close(self):
        self.context.close()


@pytest.fixture
def watched(server, browser):
    base, _ = server
    watched = Watched(browser, base)
    yield watched
    watched.close()


def wait_for_query(page: Page, *parts: str) -> None:
    """The address bar follows the controls one callback later; wait for it rather than sleep."""
    expect(page).to_have_url(re.compile("".join(f"(?=.*[?&]{re.escape(part)}(&|$))" for part in parts)),
                             timeout=60_000)  # the machine may be busy


def expect_title(page: Page, name: str, text: str | re.Pattern) -> None:
    """The figure's title becomes `text`: a control's callback may still be on its way when the page looks
    idle (a busy machine), so wait for it rather than read it once."""
    expect(page.locator(f"[id*='\"figure\":\"{name}\"'] .gtitle").first).to_have_text(text, timeout=60_000)


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_loads_without_console_errors(watched, name):
    page = watched.open(PAGES[name])
    assert page.locator("#page").inner_text().strip()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=name in FULL_PAGE)
    assert watched.errors == []


def test_changing_institute_metric_and_year_changes_the_figures(watched):
    page = watched.open("/institute?institute=FJQI&metric=prj_initiated")
    expect_title(page, "trend", "新立项项目数 · 福建省产品质量检验研究院")
    watched.choose("institute-id", "浙江省质量科学研究院")
    expect_title(page, "trend", "新立项项目数 · 浙江省质量科学研究院")
    watched.choose("institute-metric", "志愿服务时长")
    expect_title(page, "trend", "志愿服务时长 · 浙江省质量科学研究院")
    wait_for_query(page, "institute=ZJQS", "metric=vol_hours")
    watched.choose("institute-record-year", "2019")
    table = page.locator("[id*='\"table\":\"records\"'] table")
    assert "volunteer_hours/" in table.inner_text() and "2019-" in table.inner_text()
    compare = watched.open("/compare?metric=prj_initiated&year_a=2024&year_b=2023")
    expect_title(compare, "side_by_side", "新立项项目数 · 2024 vs 2023")
    watched.choose("compare-year-a", "2019")
    expect_title(compare, "side_by_side", "新立项项目数 · 2019 vs 2023")
    assert watched.errors == []


def test_the_peer_benchmarks_follow_metric_b_and_say_the_percentiles_are_coarse(watched):
    page = watched.open("/compare?metric=prj_initiated&metric_b=ip_total&year_a=2024&year_b=2023")
    expect(page.locator("#peer-benchmarks")).to_have_text("同类对标")
    expect_title(page, "peer_pair", "新立项项目数 与 知识产权总量：与同类中位数之比")
    dots = page.locator("[id*='\"figure\":\"peer_pair\"'] .scatterlayer .point")
    expect(dots.first).to_be_visible()
    expect(page.locator(".peer-caveat")).to_contain_text("百分位仅供参考")  # the demo's peer groups: 2 or 3
    table = page.locator("[id*='\"table\":\"peer_benchmarks\"'] table")
    assert "同类中位数" in table.inner_text() and "同类百分位" in table.inner_text()
    assert table.locator("tbody tr").count() == 7  # every institute of the whole group
    with page.expect_download() as png:
        page.click("[id*='\"figure\":\"peer_pair\"'][id*='\"fmt\":\"png\"']")
    data = Path(png.value.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert png.value.suggested_filename.startswith("touyan-peer_pair-prj_initiated-ip_total-2024")
    with page.expect_download() as download:
        page.click("[id*='\"table\":\"peer_benchmarks\"'][id*='\"fmt\":\"csv\"']")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_bytes().decode("utf-8-sig"))))
    assert rows[0][:4] == ["机构", "同类组", "数值", "同类中位数"] and len(rows) == 8
    watched.choose("compare-metric-b", "志愿服务时长")
    expect_title(page, "peer_pair", "新立项项目数 与 志愿服务时长：与同类中位数之比")
    wait_for_query(page, "metric_b=vol_hours")
    watched.choose("compare-group", "标准化类")
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(page.locator(".peer-caveat")).to_have_text("同类仅 3 家，百分位仅供参考")
    assert watched.errors == []


def test_the_language_switch_changes_the_labels(watched):
    page = watched.open("/compare?metric=ip_total")
    assert page.locator("#nav-overview").inner_text() == "总览"
    page.click("#lang-toggle")
    expect(page.locator("#nav-overview")).to_have_text("Overview", timeout=60_000)  # the machine may be busy
    watched.settle()
    expect_title(page, "side_by_side", re.compile(r"^IP total · "))
    wait_for_query(page, "lang=en")
    assert watched.errors == []


def test_a_copied_url_restores_the_view(watched, browser, server):
    page = watched.open("/institute?institute=FJSI&metric=std_published")
    watched.choose("institute-record-year", "2020")
    wait_for_query(page, "record_year=2020")
    copied = page.url
    other = Watched(browser, server[0])
    try:
        restored = other.page
        restored.goto(copied)
        other.settle()
        expect_title(restored, "trend", "发布标准数 · 福建省标准化研究院")
        assert restored.locator("#institute-record-year").inner_text().strip() == "2020"
        assert restored.url == copied
    finally:
        other.close()


def test_png_and_csv_downloads_are_valid_files(watched, tmp_path):
    page = watched.open("/institute?institute=FJQI&metric=prj_initiated")
    with page.expect_download() as png:
        page.click("[id*='\"figure\":\"trend\"'][id*='\"fmt\":\"png\"']")
    data = Path(png.value.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    with page.expect_download() as table:
        page.click("[id*='\"table\":\"records\"'][id*='\"fmt\":\"csv\"']")
    text = Path(table.value.path()).read_bytes()
    assert text.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert rows[0][:2] == ["institute_id", "year"] and len(rows) > 1
    assert all(row[rows[0].index("source_file")].startswith("project_counts/") for row in rows[1:])
    assert watched.errors == []


def test_the_app_keeps_answering_while_a_refresh_publishes(watched, server):
    _, settings = server
    page = watched.open("/compare?metric=prj_initiated&year_a=2024&year_b=2023")
    before = page.locator("#asof").inner_text()
    done = threading.Event()
    outcome = {}

    def run():
        try:
            outcome["result"] = refresh(settings, out=None)
        finally:
            done.set()

    # Every pick differs from the one before it (and the first from the opened 2024), so every pick is an
    # interaction the app must answer — however long the refresh takes, the closing pick included.
    years = ["2023", "2022", "2021", "2024"]

    def pick(turn: int) -> None:
        year = years[turn % len(years)]
        watched.choose("compare-year-a", year)
        expect_title(page, "side_by_side", f"新立项项目数 · {year} vs 2023")

    threading.Thread(target=run, daemon=True).start()
    turns = 0
    while not done.is_set() or turns < 4:
        pick(turns)
        turns += 1
    assert "result" in outcome
    pick(turns)  # the next interaction after the publish sees the new version
    after = page.locator("#asof").inner_text()
    assert outcome["result"].run_id in after and after != before
    assert watched.errors == []


def test_the_browser_requests_nothing_from_other_hosts(watched, server):
    for path in PAGES.values():
        watched.open(path)
    for gate in ("raw", "marts"):  # the quality gates' reports, linked from the quality page
        report = watched.open(f"/reports/quality/{gate}/report.html")
        assert report.locator("h1").inner_text() == f"质量校验报告 Quality gate report · {gate}"
        assert "通过 PASSED" in report.locator("p").first.inner_text() and report.locator("section").count() > 3
    foreign = [url for url in watched.requests if not url.startswith(server[0])]
    assert watched.requests and foreign == []
    assert watched.errors == []


def test_the_quality_page_links_the_gate_reports_and_warns_of_no_failed_refresh(watched, server):
    _, settings = server
    assert json.loads((settings.reports_dir / "last_run.json").read_text(encoding="utf-8"))["status"] == "published"
    page = watched.open("/quality?lang=en")
    assert page.locator("#refresh-failed").count() == 0
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="marts", exact=True).click()
    report = opened.value
    report.wait_for_load_state()
    assert report.locator("h1").inner_text() == "质量校验报告 Quality gate report · marts"
    assert watched.errors == []


def test_on_a_phone_the_navigation_folds_under_a_button(server, browser):
    base, _ = server
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(base + "/")
        page.wait_for_load_state("networkidle")
        expect(page.locator("#nav-toggler")).to_be_visible()
        expect(page.locator("#nav-compare")).to_be_hidden()
        page.click("#nav-toggler")
        expect(page.locator("#nav-compare")).to_be_visible()
        expect(page.locator("#nav-collapse")).to_have_class(re.compile(r"\bshow\b"))  # opened, not opening
        page.screenshot(path=str(SCREENSHOTS / "phone.png"))
        page.click("#nav-compare")
        expect(page).to_have_url(re.compile(r"/compare"))
    finally:
        context.close()


def test_a_leader_opens_a_unit_sees_its_profile_and_exports_it(watched, tmp_path):
    """浙江省质量科学研究院 → 先进制造计量研究中心 from the units table: its figures, profile and records
    (the centre's and its offices'), in Chinese and English; the profile as PNG, the units as XLSX."""
    import openpyxl

    centre_zh, centre_en = "先进制造计量研究中心", "Advanced Manufacturing Metrology Research Centre"
    page = watched.open("/institute?institute=ZJQS&metric=awd_total")
    expect_title(page, "profile", "成果概况 · 浙江省质量科学研究院")
    page.locator("[id*='\"table\":\"units\"']").get_by_role("link", name=centre_zh, exact=True).click()
    watched.settle()
    wait_for_query(page, "institute=ZJQS", "unit=ZJQS%3AZX01")
    expect_title(page, "profile", f"成果概况 · 浙江省质量科学研究院 / {centre_zh}")
    expect_title(page, "trend", f"科技奖励数 · 浙江省质量科学研究院 / {centre_zh}")
    assert centre_zh in page.locator("#institute-unit").inner_text()
    assert "同级排名" in page.locator("#institute-summary").inner_text()
    records = page.locator("[id*='\"table\":\"records\"'] table").inner_text()
    assert "awards/" in records and "ZJQS:ZX01-" in records  # the centre's offices' records count for it
    page.screenshot(path=str(SCREENSHOTS / "unit.png"), full_page=True)  # the profile and tables below the fold

    page.click("#lang-toggle")
    expect(page.locator("#nav-overview")).to_have_text("Overview", timeout=60_000)
    watched.settle()
    expect_title(page, "profile", f"Output profile · Zhejiang Institute of Quality Sciences / {centre_en}")
    wait_for_query(page, "lang=en", "unit=ZJQS%3AZX01")

    with page.expect_download() as png:
        page.click("[id*='\"figure\":\"profile\"'][id*='\"fmt\":\"png\"']")
    data = Path(png.value.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert png.value.suggested_filename.startswith("touyan-profile-ZJQS-ZX01")
    with page.expect_download() as xlsx:
        page.click("[id*='\"table\":\"units\"'][id*='\"fmt\":\"xlsx\"']")
    book = openpyxl.load_workbook(io.BytesIO(Path(xlsx.value.path()).read_bytes()), read_only=True)
    rows = [row for row in book.worksheets[0].iter_rows(values_only=True)]
    assert rows[0][0] == "Unit" and any(row[0] == centre_en for row in rows[1:])
    assert watched.errors == []


def test_the_unit_control_follows_the_institute(watched):
    """Another institute: its units, the whole institute chosen; a unit picked narrows the figures."""
    page = watched.open("/institute?institute=FJQI&unit=FJQI%3AD1&metric=awd_total")
    assert "电子电器检测所" in page.locator("#institute-unit").inner_text()
    watched.choose("institute-id", "浙江省质量科学研究院")
    expect(page.locator("#institute-unit")).to_contain_text("全院", timeout=60_000)
    expect_title(page, "trend", "科技奖励数 · 浙江省质量科学研究院")
    watched.choose("institute-unit", "先进制造计量研究中心")
    expect_title(page, "trend", "科技奖励数 · 浙江省质量科学研究院 / 先进制造计量研究中心")
    wait_for_query(page, "institute=ZJQS", "unit=ZJQS%3AZX01")
    assert watched.errors == []


def ranking_names(page: Page) -> list[str]:
    """The what-if table's names, top to bottom."""
    return page.locator("#what-if-table tbody tr td:nth-child(3)").all_inner_texts()


def weight_fields(page: Page) -> list[tuple[str, str]]:
    """(item, value) of each what-if input, in the page's order (the item from the input's Dash id)."""
    fields = page.locator("[id*='\"type\":\"what-if-weight\"']").all()
    return [(json.loads(f.get_attribute("id"))["item"], f.input_value()) for f in fields]


def set_weight(page: Page, item: str, value: str) -> None:
    """Type a what-if weight and leave the field (the input sends its value on Enter or blur)."""
    field = page.locator(f"[id*='\"type\":\"what-if-weight\"'][id*='\"item\":\"{item}\"']")
    field.fill(value)
    field.press("Enter")


def test_the_evaluation_page_draws_the_waterfall_and_the_what_if_reranks(watched):
    """FJQI's teams in 2024: the ranking and a team's waterfall by rule; one rule's weight moved to another
    re-ranks the teams, the published scores unchanged beside them."""
    page = watched.open("/evaluation?year=2024&scope=unit&group=FJQI%3Ateam")
    expect_title(page, "evaluation_waterfall", re.compile(r"^得分构成 · .+ · 2024$"))
    bars = page.locator("[id*='\"figure\":\"evaluation_waterfall\"'] .trace.bars .point")
    expect(bars.first).to_be_visible()
    assert bars.count() >= 4  # a step per rule and the total
    expect_title(page, "evaluation_ranking", re.compile(r"^考评排名 · .*班组.* · 2024$"))
    ranks = page.locator("#evaluation-ranking-table tbody tr td:first-child").all_inner_texts()
    assert len(ranks) > 10 and ranks[0].startswith("1 / ")
    before = ranking_names(page)
    (first, a), (second, b) = weight_fields(page)[:2]
    set_weight(page, first, "0")  # the first rule's weight moved to the second: still 100 in all
    set_weight(page, second, str(int(float(a)) + int(float(b))))
    expect(page.locator("#what-if-total")).to_have_text("100.00", timeout=60_000)
    watched.settle()
    after = ranking_names(page)
    assert sorted(after) == sorted(before) and after != before
    moved = page.locator("#what-if-table tbody tr td:nth-child(2)").all_inner_texts()
    assert any(m.startswith(("↑", "↓")) for m in moved)
    page.screenshot(path=str(SCREENSHOTS / "evaluation.png"), full_page=True)
    # the yearbook of the institute in view, downloaded from its link
    link = page.locator("#evaluation-yearbook")
    expect(link).to_contain_text("2024 年度考评风采录")
    pdf = page.request.get(urllib.parse.urljoin(page.url, link.get_attribute("href")), timeout=120_000)
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    assert watched.errors == []


def test_an_admin_saves_the_what_if_weights_as_a_new_version(published_demo, browser, tmp_path):
    """In a copy of the published demo served with accounts: the administrator moves five points from one
    rule to another and saves — v003 is written beside v001 and v002 with the new weights, its note and
    who saved it, the save is in the audit trail, and the published scores are as they were."""
    import shutil
    from dataclasses import replace

    from dashboards.accounts.store import AccountStore
    from tests.e2e.conftest import serving
    from tests.logins import PASSWORD, with_accounts

    settings, _ = published_demo
    data = tmp_path / "data"
    for folder in ("marts", "rules"):
        shutil.copytree(settings.data_dir / folder, data / folder, symlinks=True)
    copy = with_accounts(replace(settings, data_dir=data, accounts_file=tmp_path / "app.db"), {"admin1": ("admin", None, None)})
    year_dir = copy.rules_dir / "2024"
    before = sorted(p.name for p in year_dir.iterdir())
    with serving(copy, free_port(), tmp_path / "serve.log") as base:
        visitor = Watched(browser, base)
        try:
            page = visitor.page
            page.goto(base + "/evaluation?year=2024&scope=institute")
            page.fill("#username", "admin1")
            page.fill("#password", PASSWORD)
            page.click("#login-submit")
            visitor.settle()
            (first, a), (second, b) = weight_fields(page)[:2]
            set_weight(page, first, str(int(float(a)) - 5))
            set_weight(page, second, str(int(float(b)) + 5))
            expect(page.locator("#what-if-total")).to_have_text("100.00", timeout=60_000)
            page.fill("#rules-save-note-zh", "测试：移 5 分")
            page.click("#rules-save")
            expect(page.locator("#rules-save-result")).to_have_text("v003 已保存：下次刷新后生效。", timeout=60_000)
            assert visitor.errors == []
        finally:
            visitor.close()
    assert sorted(p.name for p in year_dir.iterdir()) == sorted([*before, "v003.yaml", "v003.json"])
    saved = (year_dir / "v003.yaml").read_text(encoding="utf-8")
    previous = (year_dir / "v002.yaml").read_text(encoding="utf-8")
    changed = [(old, new) for old, new in zip(previous.splitlines(), saved.splitlines(), strict=True) if old != new]
    assert [new.split("#")[0].strip() for _, new in changed] == [f"weight: {int(float(a)) - 5}", f"weight: {int(float(b)) + 5}"]
    sidecar = json.loads((year_dir / "v003.json").read_text(encoding="utf-8"))
    assert sidecar["saved_by"] == "admin1" and sidecar["note_zh"] == "测试：移 5 分"
    with AccountStore(copy) as accounts:
        events = [e for e in accounts.audit_events() if e.event == "rules_saved"]
    assert len(events) == 1 and events[0].username == "admin1" and json.loads(events[0].detail)["version"] == 3
