"""The submissions' record and files (dashboards/accounts/submissions.py): one check at a time per
institute-dataset-year, drafts that errors block and unexplained warnings hold back, review that writes the
accepted version where the refresh reads it (and only then), and the audit trail of each step."""
from __future__ import annotations

import shutil
import time

import pytest

from dashboards.accounts.store import AccountStore
from dashboards.accounts.submissions import FILE_EXPLANATION, SubmissionError, SubmissionStore
from pipelines.config import PROJECT_ROOT
from pipelines.ingest import ingest
from pipelines.submissions.check import check_submission
from tests.conftest import write_csv, write_xlsx

HEADER = ["单位", "年度", "项目级别", "阶段", "数量"]
PASSWORD = "a long enough passphrase 42"


@pytest.fixture
def store(data):
    shutil.rmtree(data.raw / "institutes")
    shutil.copytree(PROJECT_ROOT / "data" / "raw" / "institutes", data.raw / "institutes")
    with AccountStore(data.settings) as accounts:
        accounts.add("fjqi", PASSWORD, "institute", institute_id="FJQI")
        accounts.add("ana", PASSWORD, "analyst")
        users = {name: accounts.get(name) for name in ("fjqi", "ana")}
    with SubmissionStore(data.settings) as submissions:
        yield submissions, users, data


def upload(submissions, users, data, rows, name="p.csv"):
    source = write_csv(data.settings.data_dir / "uploads" / name, [HEADER, *rows])
    sid = submissions.begin(users["fjqi"], "project_counts", 2024, name)
    result = check_submission(data.settings, "project_counts", "FJQI", 2024, source)
    return submissions.finish(sid, source, ".csv", result, None)


def test_a_clean_file_goes_from_upload_to_the_portal_folder(store):
    submissions, users, data = store
    draft = upload(submissions, users, data, [["FJQI", "2024", "国家级", "立项", "6"]])
    assert (draft.status, draft.version, draft.rows_accepted, draft.errors) == ("draft", 1, 1, 0)
    assert (submissions.folder / draft.stored_name).exists()
    portal = data.raw / "project_counts" / "portal" / "FJQI" / "2024.csv"
    sent = submissions.submit(draft.id, users["fjqi"], {})
    assert sent.status == "submitted" and not portal.exists()  # not read by a refresh before it is accepted
    accepted = submissions.review(sent.id, users["ana"], accept=True)
    assert accepted.status == "accepted" and portal.read_bytes() == submissions.stored_file(accepted).read_bytes()
    [stats] = [f for f in ingest(data.settings, out=None).files if f.source_file == "project_counts/portal/FJQI/2024.csv"]
    assert stats.accepted == 1
    assert submissions.tracked()[("FJQI", "project_counts", 2024)].status == "accepted"


def test_errors_block_and_warnings_wait_for_an_explanation(store):
    submissions, users, data = store
    bad = upload(submissions, users, data, [["FJQI", "2023", "国家级", "立项", "6"]])
    assert bad.errors == 1
    with pytest.raises(SubmissionError, match="errors"):
        submissions.submit(bad.id, users["fjqi"], {FILE_EXPLANATION: "please"})
    good = upload(submissions, users, data, [["FJQI", "2024", "国家级", "立项", "6"]])
    assert submissions.get(bad.id).status == "replaced" and good.version == 2


def test_one_check_at_a_time_per_institute_dataset_year(store):
    submissions, users, _ = store
    first = submissions.begin(users["fjqi"], "project_counts", 2024, "a.csv")
    with pytest.raises(SubmissionError, match="being checked"):
        submissions.begin(users["fjqi"], "project_counts", 2024, "b.csv")
    submissions.begin(users["fjqi"], "project_counts", 2023, "c.csv")  # another year is another slot
    submissions.fail(first)
    assert submissions.begin(users["fjqi"], "project_counts", 2024, "d.csv") > first


def test_a_return_needs_a_reason_and_only_an_analyst_reviews(store):
    submissions, users, data = store
    sent = submissions.submit(upload(submissions, users, data, [["FJQI", "2024", "国家级", "立项", "6"]]).id,
                              users["fjqi"], {})
    with pytest.raises(SubmissionError):
        submissions.review(sent.id, users["fjqi"], accept=True)
    with pytest.raises(SubmissionError, match="say why"):
        submissions.review(sent.id, users["ana"], accept=False)
    returned = submissions.review(sent.id, users["ana"], accept=False, comment="数量有误")
    assert (returned.status, returned.review_comment) == ("returned", "数量有误")
    with AccountStore(data.settings) as accounts:
        events = [e.event for e in accounts.audit_events()]
    assert [e for e in events if e.startswith("submission_")] == ["submission_upload", "submission_submit",
                                                                  "submission_return"]


def test_an_acceptance_during_a_refresh_is_written_when_it_ends(store):
    """The portal folder is not changed under a running refresh: the accepted file is written once the data
    folder's lock is free, by a thread that waits for it."""
    from pipelines.lock import write_lock

    submissions, users, data = store
    sent = submissions.submit(upload(submissions, users, data, [["FJQI", "2024", "国家级", "立项", "6"]]).id,
                              users["fjqi"], {})
    portal = data.raw / "project_counts" / "portal" / "FJQI" / "2024.csv"
    with write_lock(data.settings.data_dir, "refresh"):
        accepted = submissions.review(sent.id, users["ana"], accept=True)
        assert accepted.status == "accepted" and not portal.exists() and not submissions.in_portal(accepted)
    for _ in range(100):
        if submissions.in_portal(accepted):
            break
        time.sleep(0.05)
    assert portal.read_bytes() == submissions.stored_file(accepted).read_bytes()


def test_the_check_report_keeps_each_sheets_header_row(store):
    """The annotated copy finds a finding's column by its header in the kept file: where that header is
    is kept with the findings."""
    submissions, users, data = store
    source = write_xlsx(data.settings.data_dir / "uploads" / "p.xlsx",
                        [["福建省质检院 2024 年科研项目"], HEADER, ["FJQI", 2024, "国家级", "立项", 4],
                         ["FJQI", 2023, "国家级", "立项", 1]], sheet="项目")
    sid = submissions.begin(users["fjqi"], "project_counts", 2024, "p.xlsx")
    result = check_submission(data.settings, "project_counts", "FJQI", 2024, source)
    draft = submissions.finish(sid, source, ".xlsx", result, None)
    assert submissions.header_rows(draft.id) == {"项目": 2}
    assert [(f.sheet, f.row, f.header, f.code) for f in submissions.findings(draft.id)] == \
        [("项目", 4, "年度", "not_this_year")]
