"""Online submission as its users meet it, in Debian's headless Chromium against `python -m dashboards serve`
over a copy of the published demo: an institute user downloads its template, fills it (openpyxl, as a
person would) with an error, uploads it and sees the error in Chinese, downloads the annotated copy, fixes
the file, explains the warning and sends it; the analyst returns it with a comment; the institute sends
it again with one row removed; the analyst accepts it and refreshes from the page; the dashboard shows
the new rows (without the removed one) and the tracker shows the submission accepted. Screenshots of the
institute's page, the check report and the tracker go to docs/screenshots/."""
from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import serving
from tests.e2e.test_dashboard import SCREENSHOTS, Watched, free_port
from tests.logins import PASSWORD, with_accounts

REFRESH_TIMEOUT_MS = 240_000
ROWS = [  # level, funder, stage, count — the third has a level no contract knows (an error)
    ("国家级", "甲基金", "立项", 3),
    ("省部级", "乙基金", "在研", 2),
    ("世界级", "丙基金", "立项", 1),
]


@pytest.fixture(scope="module")
def served(published_demo, tmp_path_factory):
    """gunicorn over a data folder of its own (the demo's files and published marts, copied: this test
    submits and refreshes), with an institute account of FJQI and an analyst."""
    published, _ = published_demo
    root = tmp_path_factory.mktemp("submission-flow")
    settings = replace(published, data_dir=root / "data", accounts_file=None)
    shutil.copytree(published.raw_dir, settings.raw_dir)
    shutil.copytree(published.marts_dir, settings.marts_dir, symlinks=True)
    with_accounts(settings, {"fjqi": ("institute", "FJQI", None), "analyst1": ("analyst", None, None)})
    with serving(settings, free_port(), root / "serve.log") as base:
        yield base, settings


def logged_in(browser, base: str, username: str, path: str) -> Watched:
    visitor = Watched(browser, base)
    page = visitor.page
    page.goto(base + path)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    return visitor


def fill(template: Path, rows, path: Path) -> Path:
    """The template's data sheet filled from its second row (where the institute's name already is), by
    header, as a person pasting into it would (no dropdown stops a paste)."""
    book = openpyxl.load_workbook(template)
    sheet = book.worksheets[0]
    at = {cell.value: cell.column for cell in sheet[1]}
    for r, (level, funder, stage, count) in enumerate(rows, start=2):
        sheet.cell(r, at["单位"], "福建省产品质量检验研究院")
        sheet.cell(r, at["年度"], 2024)
        sheet.cell(r, at["项目级别"], level)
        sheet.cell(r, at["下达单位"], funder)
        sheet.cell(r, at["阶段"], stage)
        sheet.cell(r, at["数量"], count)
    book.save(path)
    return path


def upload(visitor: Watched, path: Path) -> int:
    page = visitor.page
    page.goto(visitor.base + "/submit?year=2024")
    page.select_option("#upload-dataset", "project_counts")
    page.select_option("#upload-year", "2024")
    page.set_input_files("#upload-file", str(path))
    page.click("#upload-submit")
    expect(page).to_have_url(re.compile(r"/submit/\d+"))
    expect(page.locator("#portal-status")).not_to_contain_text("检查中", timeout=60_000)  # the check's page refreshes itself
    return int(re.search(r"/submit/(\d+)", page.url).group(1))


def send_with_explanation(visitor: Watched) -> None:
    page = visitor.page
    expect(page.locator("tr.warning-row")).not_to_have_count(0)
    page.fill("#explain-file", "2024 年新立项项目减少：重点项目集中在下一年度申报。")
    page.click("#portal-send")
    expect(page.locator("#portal-status")).to_contain_text("已提交")


def review(analyst: Watched, submission: int, decision: str, comment: str = "") -> None:
    page = analyst.page
    page.goto(analyst.base + "/review")
    page.click(f"#submission-{submission} a")
    expect(page).to_have_url(re.compile(rf"/submit/{submission}"))
    page.check(f"input[name=decision][value={decision}]")
    if comment:
        page.fill("textarea[name=comment]", comment)
    page.click("#portal-review-submit")
    expect(page.locator("#portal-status")).to_contain_text("已接收" if decision == "accept" else "已退回")


def test_an_institute_submits_the_analyst_returns_accepts_and_refreshes(served, browser, tmp_path):
    base, settings = served
    institute = logged_in(browser, base, "fjqi", "/submit")
    page = institute.page
    expect(page.locator("#portal-upload-form")).to_be_visible()
    with page.expect_download() as download:
        page.click("#template-project_counts")
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    assert openpyxl.load_workbook(template).worksheets[0].cell(2, 1).value == "福建省产品质量检验研究院"

    # 1. with an error: told in Chinese, with its row and column, and marked in the annotated copy
    first = upload(institute, fill(template, ROWS, tmp_path / "科研项目2024.xlsx"))
    error = page.locator("tr.error-row").first
    expect(error).to_contain_text("不是可识别的取值")
    assert re.search(r"\b4\b", error.inner_text()) and "项目级别" in error.inner_text()
    assert page.locator("#portal-send").count() == 0  # errors block it
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "submission-check.png"), full_page=True)
    with page.expect_download() as download:
        page.click("#portal-annotated")
    download.value.save_as(tmp_path / "annotated.xlsx")
    assert download.value.suggested_filename.endswith("-annotated.xlsx")
    annotated = openpyxl.load_workbook(tmp_path / "annotated.xlsx")
    headers = {cell.value: cell.column for cell in annotated.worksheets[0][1]}
    level = annotated.worksheets[0].cell(4, headers["项目级别"])  # the template's columns, the unit among them
    assert level.value == "世界级" and "不是可识别的取值" in level.comment.text

    # 2. fixed: the warning (far fewer projects than last year) explained, sent; the analyst returns it
    fixed = [ROWS[0], ROWS[1], ("国家级", "丙基金", "立项", 1)]
    second = upload(institute, fill(template, fixed, tmp_path / "科研项目2024-改.xlsx"))
    assert page.locator("tr.error-row").count() == 0
    send_with_explanation(institute)
    analyst = logged_in(browser, base, "analyst1", "/review")
    review(analyst, second, "return", "乙基金项目请核实后删除")
    page.goto(base + "/submit?year=2024")
    expect(page.locator("#portal-submissions")).to_contain_text("乙基金项目请核实后删除")

    # 3. sent again without the 乙基金 row; accepted; refreshed from the page
    third = upload(institute, fill(template, [fixed[0], fixed[2]], tmp_path / "科研项目2024-再改.xlsx"))
    send_with_explanation(institute)
    review(analyst, third, "accept")
    assert (settings.raw_dir / "project_counts" / "portal" / "FJQI" / "2024.xlsx").exists()
    refresh = analyst.page
    refresh.goto(base + "/review/refresh")
    refresh.click("#refresh-start")
    expect(refresh.locator("#refresh-state")).to_have_attribute("data-state", "finished", timeout=REFRESH_TIMEOUT_MS)

    # 4. the dashboard shows the accepted rows and not the removed one; the tracker says accepted
    dashboard = institute.open("/institute?institute=FJQI&metric=prj_initiated&record_year=2024")
    table = dashboard.locator("[id*='\"table\":\"records\"'] table")
    expect(table).to_contain_text("portal/FJQI/2024.xlsx")
    assert "甲基金" in table.inner_text() and "乙基金" not in table.inner_text()
    tracker = analyst.open("/tracker?year=2024")
    cell = tracker.locator("#tracker-FJQI td[data-dataset=project_counts]")
    expect(cell).to_have_attribute("data-status", "accepted")
    tracker.screenshot(path=str(SCREENSHOTS / "submission-tracker.png"), full_page=True)
    institute.open("/submit?year=2024")
    expect(institute.page.locator("#portal-submissions")).to_contain_text("已接收")
    expect(institute.page.locator("#portal-submissions")).to_contain_text("乙基金项目请核实后删除")  # v2's reason stays
    institute.page.screenshot(path=str(SCREENSHOTS / "submission-portal.png"), full_page=True)
    assert first < second < third
    assert institute.errors == [] and analyst.errors == []
    institute.close()
    analyst.close()
