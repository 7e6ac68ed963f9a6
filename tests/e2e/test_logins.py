"""The server mode as a user meets it: `python -m dashboards serve` (gunicorn, accounts required) over the
published demo, driven by Debian's headless Chromium — every address leads to the login page; each role
logs in and sees what it may (an institute its own institute only, a leader its province, the analyst
everything), is refused what it may not, and logs out; a wrong password is told in the page's language.
A screenshot of the login page goes to docs/screenshots/login.png."""
from __future__ import annotations

import re
from dataclasses import replace

import duckdb
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import serving
from tests.e2e.test_dashboard import SCREENSHOTS, Watched, free_port
from tests.logins import PASSWORD, with_accounts


def names_by_province(settings) -> tuple[set[str], set[str]]:
    """The Chinese names of the register's institutes in Zhejiang (province 33), and of the others."""
    with duckdb.connect() as con:
        rows = con.execute(f"select name_zh, province_code from "
                           f"'{settings.marts_dir / 'current' / 'dim_institutes.parquet'}'").fetchall()
    return {n for n, p in rows if p == "33"}, {n for n, p in rows if p != "33"}


@pytest.fixture(scope="module")
def served(published_demo, tmp_path_factory):
    """gunicorn over the published demo, with an account per role (tests/logins.py ROLES)."""
    settings, _ = published_demo
    accounts = tmp_path_factory.mktemp("accounts") / "app.db"
    with_accounts(replace(settings, accounts_file=accounts))
    with serving(replace(settings, accounts_file=accounts), free_port(), accounts.parent / "serve.log") as base:
        yield base


@pytest.fixture
def visitor(served, browser):
    watched = Watched(browser, served)
    yield watched
    watched.close()


def log_in(visitor: Watched, username: str, password: str = PASSWORD, path: str = "/"):
    page = visitor.page
    page.goto(visitor.base + path)
    expect(page.locator("#login-form")).to_be_visible()
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-submit")
    return page


def test_every_address_leads_to_the_login_and_a_wrong_password_is_told(visitor):
    page = visitor.page
    page.goto(visitor.base + "/compare?lang=en")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fcompare%3Flang%3Den"))
    assert page.locator("h1").inner_text() == "Touyan · Institute KPIs"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "login.png"))
    page.fill("#username", "analyst1")
    page.fill("#password", "not-the-password")
    page.click("#login-submit")
    expect(page.locator("#login-error")).to_contain_text("Wrong user name or password")
    assert visitor.errors == [] or all("401" in e for e in visitor.errors)  # the page itself answered 401


def test_the_analyst_sees_everything_and_logs_out(visitor):
    page = log_in(visitor, "analyst1", path="/compare?lang=en")
    expect(page).to_have_url(re.compile(r"/compare\?lang=en"))
    visitor.settle()
    assert "analyst1 · analyst" in page.locator("#signed-in").inner_text()
    assert page.locator("#nav-quality").count() == 1
    visitor.open("/")
    table = page.locator("[id*='\"table\":\"leaderboard\"'] table").inner_text()
    assert all(name in table for name in ("浙江省质科院", "福建省质检院"))
    page.click("#logout")
    expect(page).to_have_url(re.compile(r"/login"))
    page.goto(visitor.base + "/")
    expect(page.locator("#login-form")).to_be_visible()  # the session is over


def test_an_institute_sees_its_own_institute_only(visitor):
    page = log_in(visitor, "fjqi", path="/institute")
    visitor.settle()
    page.click("#institute-id")
    options = page.get_by_role("option").all_inner_texts()
    assert options == ["福建省产品质量检验研究院"]
    page.keyboard.press("Escape")
    visitor.open("/")
    text = page.locator("#page").inner_text()
    assert all(name not in text for name in ("浙江", "江苏", "福建省标准化", "福建省计量", "ZJQS", "JSQS"))
    visitor.open("/quality")
    assert page.locator("#not-allowed").count() == 0  # its own rejects and files
    assert visitor.errors == []


def test_a_province_leader_sees_its_province_and_not_the_quality_page(visitor, published_demo):
    zhejiang, outside = names_by_province(published_demo[0])
    page = log_in(visitor, "leader_zj", path="/institute?lang=zh")
    visitor.settle()
    page.click("#institute-id")
    options = set(page.get_by_role("option").all_inner_texts())
    assert options == zhejiang
    page.keyboard.press("Escape")
    assert page.locator("#nav-quality").count() == 0
    visitor.open("/quality")
    expect(page.locator("#not-allowed")).to_be_visible()
    visitor.open("/")
    text = page.locator("#page").inner_text()
    assert zhejiang and outside and not any(name in text for name in outside)
    assert visitor.errors == []
