"""The institute's submission pages (dashboards/server/portal.py), in server mode through the real login
form: an upload is checked in the background and its report shown in Chinese, row and column; the size
limit, the one check at a time, the CSRF token, names that are not paths; an institute sees its own
submissions only and leaders none; a warning needs an explanation before the draft is sent. And last
year's published figure the cross-year check compares with is the figure the check computes over the
same institute-year's file. The new datasets: an awards file naming an unknown unit and a reference
that is no number, a papers file with a bad DOI, marked in the annotated copy; a units register that
drops a unit the published rows name is warned about, naming the unit and its rows."""
from __future__ import annotations

import csv
import io
import re
import shutil
import time
from dataclasses import replace

import duckdb
import openpyxl
import pytest

from dashboards.accounts.store import AccountStore
from dashboards.accounts.submissions import SubmissionStore
from dashboards.views.store import MartStore
from dashboards.views.submissions import last_year_figure
from dashboards.views.viewer import Viewer
from pipelines.submissions.check import check_submission
from tests.integration.test_portal_folder import DEMO_FILES
from tests.logins import ROLES, csrf_token, logged_in, server_app

HEADER = "单位,年度,项目级别,阶段,数量\n"
TIMEOUT_S = 30


@pytest.fixture
def portal(published_demo, tmp_path):
    """The app over the published demo (its marts and registers copied into a data folder of the test's
    own) with the accounts of every role and a second institute's; uploads of at most 200 kB."""
    published, _ = published_demo
    settings = replace(published, data_dir=tmp_path / "data", secret_key="test-key", upload_max_bytes=200_000)
    shutil.copytree(published.marts_dir, settings.marts_dir, symlinks=True)
    for register in ("institutes", "units"):
        shutil.copytree(published.raw_dir / register, settings.raw_dir / register)
    return server_app(settings, {**ROLES, "fjsi": ("institute", "FJSI", None)}), settings


def upload(web, body: bytes, name: str = "项目.csv", dataset: str = "project_counts", year: str = "2024",
           token: str | None = None):
    if token is None:
        token = csrf_token(web.get("/submit").get_data(as_text=True))
    return web.post("/submit/upload", data={"csrf_token": token, "dataset": dataset, "year": year,
                                            "file": (io.BytesIO(body), name)}, content_type="multipart/form-data")


def submission_id(response) -> int:
    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    return int(re.search(r"/submit/(\d+)", response.headers["Location"]).group(1))


def checked(settings, sid: int):
    """The submission once its check (a thread of the app's) is done."""
    with SubmissionStore(settings) as store:
        deadline = time.monotonic() + TIMEOUT_S
        while (record := store.get(sid)).status == "checking":
            assert time.monotonic() < deadline, "the check did not finish"
            time.sleep(0.05)
        return record


def test_an_upload_is_checked_and_its_report_shown_in_chinese(portal):
    app, settings = portal
    web = logged_in(app, "fjqi")
    # FJQI published 2023 with tens of projects: 2024's single 2 is a change beyond the share (a warning);
    # the row of 2023 is an error (this submission is 2024's)
    body = (HEADER + "FJQI,2024,国家级,立项,2\nFJQI,2023,国家级,立项,1\n").encode()
    sid = submission_id(upload(web, body))
    page = web.get(f"/submit/{sid}").get_data(as_text=True)
    assert "检查中" in page or "检查结果" in page  # answered at once, while or after the thread checks
    record = checked(settings, sid)
    assert (record.status, record.rows_read, record.rows_accepted, record.errors, record.warnings) == ("draft", 2, 1, 1, 1)
    assert record.last_year_figure and record.last_year_figure >= 10
    page = web.get(f"/submit/{sid}").get_data(as_text=True)
    rows = re.findall(r'<tr class="(error|warning)-row"><td class="kind">(.*?)</td><td>(.*?)</td><td>(.*?)</td>'
                      r'<td>(.*?)</td>', page)
    assert rows[0] == ("error", "错误", "", "3", "年度")  # errors first: row 3 (the header is row 1), column 年度
    assert rows[1][:2] == ("warning", "警告") and rows[1][3] == "整个文件"
    assert "上一年度" in page and "2023" in page  # the cross-year warning names last year's figure
    assert "有错误的文件不能提交" in page and 'id="portal-send"' not in page
    assert web.get(f"/submit/{sid}/annotated.xlsx").status_code == 200
    with AccountStore(settings) as accounts:
        events = [(e.event, e.detail) for e in accounts.audit_events()]
    assert any(e == "submission_upload" for e, _ in events)
    assert any(e == "export" and "annotated" in d for e, d in events)


def test_the_annotated_copy_marks_the_cells(portal):
    app, settings = portal
    web = logged_in(app, "fjqi")
    sid = submission_id(upload(web, (HEADER + "FJQI,2023,国家级,立项,1\n").encode()))
    checked(settings, sid)
    response = web.get(f"/submit/{sid}/annotated.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    cell = book.worksheets[0]["B2"]
    assert cell.comment is not None and "2024" in cell.comment.text


def test_a_warning_needs_an_explanation_before_the_draft_is_sent(portal):
    app, settings = portal
    web = logged_in(app, "fjqi")
    sid = submission_id(upload(web, (HEADER + "FJQI,2024,国家级,立项,2\n").encode()))
    assert checked(settings, sid).warnings == 1
    page = web.get(f"/submit/{sid}").get_data(as_text=True)
    token = csrf_token(page)
    [field] = re.findall(r'name="(explain_\d+)"', page)
    refused = web.post(f"/submit/{sid}/send", data={"csrf_token": token, field: "  "})
    assert refused.status_code == 409 and "没有说明" in refused.get_data(as_text=True)
    sent = web.post(f"/submit/{sid}/send", data={"csrf_token": token, field: "今年只报送了一个项目"})
    assert sent.status_code == 303
    with SubmissionStore(settings) as store:
        record = store.get(sid)
    assert record.status == "submitted" and list(record.explanations.values()) == ["今年只报送了一个项目"]
    # the analyst sees it with the review form; the institute no longer has a Send button
    analyst = logged_in(app, "analyst1").get(f"/submit/{sid}").get_data(as_text=True)
    assert 'id="portal-review-form"' in analyst and 'name="decision"' in analyst and "今年只报送了一个项目" in analyst
    assert 'id="portal-send"' not in web.get(f"/submit/{sid}").get_data(as_text=True)


@pytest.mark.parametrize("size", [210_000, 600_000])  # refused while streamed; refused before it is read
def test_a_file_over_the_limit_is_refused(portal, size):
    app, settings = portal
    web = logged_in(app, "fjqi")
    response = upload(web, HEADER.encode() + b"F" * size)
    assert response.status_code == 413
    assert "文件太大" in response.get_data(as_text=True) and "0.2 MB" in response.get_data(as_text=True)
    with SubmissionStore(settings) as store:
        assert store.list() == []
    assert not any(p.is_file() for p in settings.submissions_dir.rglob("*"))


def test_a_second_upload_while_one_is_checked_is_told(portal):
    app, settings = portal
    with AccountStore(settings) as accounts, SubmissionStore(settings) as store:
        first = store.begin(accounts.get("fjqi"), "project_counts", 2024, "a.csv")  # as if still being checked
    web = logged_in(app, "fjqi")
    response = upload(web, (HEADER + "FJQI,2024,国家级,立项,2\n").encode())
    assert response.status_code == 409 and "正在检查中" in response.get_data(as_text=True)
    with SubmissionStore(settings) as store:
        assert [r.id for r in store.list()] == [first]
    assert not any(p.is_file() for p in settings.submissions_dir.rglob("*"))  # the refused bytes not kept


def test_another_institutes_submission_and_leaders_are_refused(portal):
    app, settings = portal
    sid = submission_id(upload(logged_in(app, "fjqi"), (HEADER + "FJQI,2024,国家级,立项,20\n").encode()))
    checked(settings, sid)
    other = logged_in(app, "fjsi")
    for path in (f"/submit/{sid}", f"/submit/{sid}/annotated.xlsx"):
        assert other.get(path).status_code == 403
    assert other.post(f"/submit/{sid}/send", data={"csrf_token": csrf_token(other.get("/submit").get_data(as_text=True))}
                      ).status_code == 403
    leader = logged_in(app, "leader_all")
    for path in ("/submit", f"/submit/{sid}", "/submit/template/project_counts.xlsx"):
        assert leader.get(path).status_code == 403
    assert logged_in(app, "analyst1").get("/submit").headers["Location"].startswith("/review")
    assert logged_in(app, "admin1").get(f"/submit/{sid}").status_code == 200


def test_a_post_without_its_csrf_token_is_refused(portal):
    app, settings = portal
    web = logged_in(app, "fjqi")
    assert upload(web, (HEADER + "FJQI,2024,国家级,立项,2\n").encode(), token="").status_code == 400
    sid = submission_id(upload(web, (HEADER + "FJQI,2024,国家级,立项,20\n").encode()))
    checked(settings, sid)
    assert web.post(f"/submit/{sid}/send", data={}).status_code == 400
    with SubmissionStore(settings) as store:
        assert [(r.id, r.status) for r in store.list()] == [(sid, "draft")]


@pytest.mark.parametrize("name", ["../../etc/passwd", "..\\..\\x\x00\x1b[31m.csv", "a\tb\u202egpj.csv"])
def test_a_file_name_is_never_a_path(portal, name):
    app, settings = portal
    web = logged_in(app, "fjqi")
    sid = submission_id(upload(web, (HEADER + "FJQI,2024,国家级,立项,20\n").encode(), name=name))
    record = checked(settings, sid)
    assert record.status == "draft"
    assert record.original_name and not any(c in record.original_name for c in "/\\\x00\x1b\t\u202e")
    kept = (settings.submissions_dir / record.stored_name).resolve()
    assert kept.is_relative_to(settings.submissions_dir.resolve()) and kept.name == f"v{record.version}.csv"
    assert not (settings.data_dir.parent / "etc").exists()
    page = web.get(f"/submit/{sid}").get_data(as_text=True)
    assert record.original_name in page


def test_the_template_has_the_institutes_name(portal):
    app, _ = portal
    response = logged_in(app, "fjqi").get("/submit/template/project_counts.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert any("福建省" in str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows(max_row=5)
               for cell in row if cell.value)
    assert logged_in(app, "fjqi").get("/submit/template/institutes.xlsx").status_code == 404


@pytest.mark.parametrize(("dataset", "name", "institute", "year"), DEMO_FILES, ids=[f[1] for f in DEMO_FILES])
def test_last_years_published_figure_is_the_checks_figure(published_demo, dataset, name, institute, year):
    settings, _ = published_demo
    result = check_submission(settings, dataset, institute, year, settings.raw_dir / dataset / name)
    published = last_year_figure(MartStore(settings.marts_dir), Viewer(role="institute", institute_id=institute),
                                 dataset, institute, year + 1)
    assert result.figure and published == result.figure


def test_no_id_number_is_kept_from_an_upload(portal):
    """A volunteer file with resident ID numbers as volunteer ids (as offices send them): what is kept under
    data/submissions/, and written to the portal folder once accepted, holds person keys, never the numbers;
    the page says how many were replaced; the check's verdicts are those of the file as sent."""
    from pipelines.id_numbers import find_id_numbers

    app, settings = portal
    web = logged_in(app, "fjqi")
    ids = ["330106197707077899", "11010519491231002X", "110105491231002"]  # the last: a 15-digit legacy number
    body = ("单位,活动名称,服务日期,身份证号,服务时长\n" + "".join(
        f"FJQI,质量开放日,2024-05-0{k + 1},{number},2\n" for k, number in enumerate(ids))).encode("gb18030")
    sid = submission_id(upload(web, body, name="志愿服务.csv", dataset="volunteer_hours"))
    record = checked(settings, sid)
    assert (record.status, record.rows_accepted, record.errors, record.ids_replaced) == ("draft", 3, 0, 3)
    kept = settings.submissions_dir / record.stored_name
    text = kept.read_bytes().decode("utf-8-sig")
    assert find_id_numbers(text) == [] and text.count("pid_") == 3
    assert not [p for p in settings.submissions_dir.rglob("*") if p.is_file() and find_id_numbers(
        p.read_bytes().decode("utf-8", errors="replace"))]  # nothing else kept holds one either (the incoming copy is gone)
    page = web.get(f"/submit/{sid}").get_data(as_text=True)
    assert 'id="portal-ids-replaced"' in page and "3 个身份证号已替换为人员标识" in page


def test_what_a_file_says_is_shown_as_text_never_as_markup(portal):
    """A hostile cell or file name reaches the report page escaped: no tag of the file's becomes the page's."""
    app, settings = portal
    web = logged_in(app, "fjqi")
    hostile = '<img src=x onerror=alert(1)>'
    body = (HEADER + f'FJQI,2024,"{hostile}",立项,2\n').encode()
    sid = submission_id(upload(web, body, name=f'{hostile}.csv'))
    assert checked(settings, sid).errors == 1
    page = web.get(f"/submit/{sid}").get_data(as_text=True)
    assert hostile not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.mark.parametrize(("dataset", "year"), [("institutes", "2024"), ("targets", "2024"), ("project_counts", "2031"),
                                               ("project_counts", "20x4"), ("../raw", "2024")])
def test_a_crafted_dataset_or_year_is_refused_and_nothing_kept(portal, dataset, year):
    app, settings = portal
    web = logged_in(app, "fjqi")
    response = upload(web, (HEADER + "FJQI,2024,国家级,立项,2\n").encode(), dataset=dataset, year=year)
    assert response.status_code == 400
    with SubmissionStore(settings) as store:
        assert store.list() == []
    assert not [p for p in settings.submissions_dir.rglob("*") if p.is_file()]


def test_a_file_of_many_problems_lists_the_first_and_says_where_the_rest_are(portal):
    from dashboards.server.portal import FINDINGS_SHOWN

    app, settings = portal
    web = logged_in(app, "fjqi")
    body = (HEADER + "".join(f"FJQI,2023,国家级,立项,{k}\n" for k in range(FINDINGS_SHOWN + 20))).encode()
    sid = submission_id(upload(web, body))
    assert checked(settings, sid).errors == FINDINGS_SHOWN + 20
    page = web.get(f"/submit/{sid}").get_data(as_text=True)
    assert page.count('<tr class="error-row">') == FINDINGS_SHOWN
    with SubmissionStore(settings) as store:
        total = len(store.findings(sid))  # the errors, and the cross-year warning
    assert total > FINDINGS_SHOWN + 19 and f"此处列出前 {FINDINGS_SHOWN} 条（共 {total} 条）" in page


AWARDS = "单位,部门,奖项名称,奖励级别,获奖等级,完成单位角色,获奖年度,获奖成果,成果编号\n"


def findings_of(settings, sid: int) -> list[tuple]:
    with SubmissionStore(settings) as store:
        return [(f.severity, f.row, f.header, f.value, f.code) for f in store.findings(sid)]


def comment(book, cell: str) -> str:
    found = book.worksheets[0][cell].comment
    return found.text if found else ""


def test_an_awards_upload_with_an_unknown_unit_and_a_reference_that_is_no_number(portal):
    app, settings = portal
    web = logged_in(app, "fjqi")
    body = (AWARDS + "FJQI,电子电器检测所,福建省科学技术进步奖,省部级,二等奖,牵头,2024,某检验规程,GB/T 12345-2024\n"
            "FJQI,不存在的所,福建省科学技术进步奖,省部级,三等奖,牵头,2024,另一成果,\n"
            "FJQI,D1,市场监管科研成果奖,厅局级,三等奖,参与,2024,某方法,检测报告第12号\n").encode()
    sid = submission_id(upload(web, body, name="奖励.csv", dataset="awards"))
    record = checked(settings, sid)
    assert (record.status, record.rows_read, record.rows_accepted, record.errors) == ("draft", 3, 2, 1)
    found = findings_of(settings, sid)
    assert ("error", 3, "部门", "不存在的所", "unknown_unit") in found
    assert ("warning", 4, "成果编号", "检测报告第12号", "unlinked_reference") in found
    page = web.get(f"/submit/{sid}").get_data(as_text=True)
    assert "不存在的所" in page and "内设机构名录" in page
    book = openpyxl.load_workbook(io.BytesIO(web.get(f"/submit/{sid}/annotated.xlsx").data))
    assert "内设机构名录" in comment(book, "B3") and "检测报告第12号" in book.worksheets[0]["I4"].value
    assert comment(book, "I4") and not comment(book, "B2")


def test_a_papers_upload_with_a_bad_doi(portal):
    app, settings = portal
    web = logged_in(app, "fjqi")
    body = ("单位,部门,论文题目,期刊名称,收录类别,发表年度,第一作者,DOI\n"
            "FJQI,家具实验室,一种检测方法,检验检疫学刊,北大核心,2024,王某,10.1234/abc.2024.01\n"
            "FJQI,家具实验室,另一种检测方法,检验检疫学刊,北大核心,2024,李某,doi 不详\n").encode()
    sid = submission_id(upload(web, body, name="论文.csv", dataset="papers"))
    record = checked(settings, sid)
    assert (record.rows_read, record.rows_accepted, record.errors) == (2, 1, 1)
    assert [f[1:] for f in findings_of(settings, sid) if f[0] == "error"] == [(3, "DOI", "doi 不详", "bad_doi")]


def published_units(settings, institute: str) -> list[tuple]:
    """The institute's published units: code, names, aliases, type, parent code, valid from, valid to."""
    with duckdb.connect() as con:
        return con.execute(
            "select unit_code, name_zh, name_en, aliases, unit_type, split_part(parent_unit_id, ':', 2), valid_from, "
            "valid_to "
            f"from '{settings.marts_dir / 'current' / 'dim_units.parquet'}' where institute_id = ? order by unit_code",
            [institute]).fetchall()


def rows_naming(settings, unit_id: str) -> int:
    """Published rows naming `unit_id`, read from the marts here: the record marts' and a staff row per year."""
    marts = settings.marts_dir / "current"
    with duckdb.connect() as con:
        records = sum(con.execute(f"select count(*) from '{marts / mart}.parquet' where unit_id = ?", [unit_id]).fetchone()[0]
                      for mart in ("fct_project_counts", "fct_ip_items", "fct_standards", "fct_volunteer_records",
                                   "fct_awards", "fct_papers", "fct_talent_titles"))
        [(staff,)] = con.execute(f"select count(distinct year) from '{marts}/fct_unit_metric_year.parquet' "
                                 "where unit_id = ? and staff_total is not null", [unit_id]).fetchall()
    return records + staff


def units_file(rows: list[tuple]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([["单位", "部门代码", "部门名称", "英文名称", "简称", "类型", "上级部门", "设立年份", "撤销年份"],
                               *[["FJQI", *("" if v is None else v for v in row)] for row in rows]])
    return out.getvalue().encode()


def test_a_units_register_without_a_unit_in_use_is_warned_about(portal):
    """FJQI sends its whole register without 家具实验室 (D2-02), which its published rows name: a warning
    naming the unit and how many rows use it; the register's figure is its number of units, against the
    published register's. Its template offers the unit types to choose from."""
    app, settings = portal
    web = logged_in(app, "fjqi")
    register = published_units(settings, "FJQI")
    kept = [row for row in register if row[0] != "D2-02"]
    used = rows_naming(settings, "FJQI:D2-02")
    assert used > 0
    sid = submission_id(upload(web, units_file(kept), name="内设机构.csv", dataset="units"))
    record = checked(settings, sid)
    assert (record.errors, record.rows_accepted, record.figure, record.last_year_figure) == \
        (0, len(kept), len(kept), len(register))
    with SubmissionStore(settings) as store:
        [warning] = [f for f in store.findings(sid) if f.code == "unit_in_use_missing"]
    assert warning.row is None and "家具实验室（D2-02" in warning.zh and f"{used} 行" in warning.zh
    assert f"{used} published rows" in warning.en
    page = web.get(f"/submit/{sid}").get_data(as_text=True)
    assert "家具实验室" in page and 'name="explain_' in page  # to be explained before it is sent
    # the whole register again: nothing to warn about; with a unit renamed, its old name not kept as an alias,
    # rows naming it by the old name would be quarantined: said, naming the old name
    again = submission_id(upload(web, units_file(register), name="内设机构.csv", dataset="units"))
    assert checked(settings, again).warnings == 0
    renamed = [(c, "电子电器与信息技术检测所" if c == "D1" else n, *rest) for c, n, *rest in register]
    third = submission_id(upload(web, units_file(renamed), name="内设机构.csv", dataset="units"))
    assert checked(settings, third).warnings == 1
    with SubmissionStore(settings) as store:
        [text] = [f.zh for f in store.findings(third)]
    assert f"D1（原称 电子电器检测所，{rows_naming(settings, 'FJQI:D1')} 行" in text
    template = openpyxl.load_workbook(io.BytesIO(web.get("/submit/template/units.xlsx").data))
    assert template.worksheets[0]["A2"].value == "福建省产品质量检验研究院"
    assert any(v.type == "list" and "班组" in str(v.formula1) for v in template.worksheets[0].data_validations.dataValidation)
