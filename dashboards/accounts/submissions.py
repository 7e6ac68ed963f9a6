"""Online submissions in the app database: each uploaded version's record (models.Submission), its kept
file under data/submissions/ and its findings beside it, and the steps of its life — begin (the one
upload of an institute-dataset-year being checked), finish (checked: a draft), submit (with the
explanations its warnings need), review (accepted: its file becomes the portal file the refresh reads,
data/raw/<dataset>/portal/<institute>/<year>.<ext>; or returned with a comment). Every step writes its
audit event in the same transaction. The refresh never opens this database: what it reads is the portal
file."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dashboards.accounts.errors import AccountError
from dashboards.accounts.models import Submission, now
from dashboards.accounts.store import Account, _audit, _upgrade, engine_for
from pipelines.config import Settings
from pipelines.ingest.files import file_digest
from pipelines.ingest.portal import portal_path
from pipelines.lock import DataFolderBusy, write_lock
from pipelines.submissions.check import SUBMITTED, SUFFIXES, CheckResult, Finding

STALE_CHECK = timedelta(minutes=15)  # a check still "checking" after this died with its process
TRACKED = ("submitted", "returned", "accepted")  # the statuses the tracker shows (a draft is not sent yet)
FILE_EXPLANATION = "file"  # the key of an explanation given once for the whole file


class SubmissionError(AccountError):
    """A submission step refused, with the reason in Chinese and English."""


class NoSuchSubmission(SubmissionError):
    """No submission has the id asked for."""


@dataclass(frozen=True)
class SubmissionRecord:
    id: int
    institute_id: str
    dataset: str
    year: int
    version: int
    status: str
    uploaded_by: str
    uploaded_at: datetime
    original_name: str
    stored_name: str | None
    sha256: str | None
    size: int | None
    file_format: str | None
    ids_replaced: int
    rows_read: int
    rows_accepted: int
    errors: int
    warnings: int
    figure: float | None
    last_year_figure: float | None
    check_seconds: float | None
    explanations: dict[str, str]
    submitted_at: datetime | None
    reviewed_by: str | None
    reviewed_at: datetime | None
    review_comment: str | None

    @classmethod
    def of(cls, row: Submission) -> SubmissionRecord:
        values = {f.name: getattr(row, f.name) for f in dataclasses.fields(cls)}
        values["explanations"] = json.loads(row.explanations or "{}")
        return cls(**values)

    @property
    def triple(self) -> tuple[str, str, int]:
        return self.institute_id, self.dataset, self.year


class SubmissionStore:
    """The submissions of one app database and data folder. Opening it upgrades the schema."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.folder = settings.submissions_dir
        self.engine = engine_for(settings.accounts_db)
        _upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> SubmissionStore:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    # --- the institute's steps -------------------------------------------------------------------------

    def begin(self, account: Account, dataset: str, year: int, original_name: str, client: str | None = None) -> int:
        """A new version of (account's institute, dataset, year), being checked. Refused while another
        upload of the same is being checked (one wins, the other is told)."""
        if account.role != "institute" or not account.institute_id:
            raise SubmissionError("只有机构用户可以报送。", "only an institute account submits.")
        if dataset not in SUBMITTED:
            raise SubmissionError(f"数据集 {dataset!r} 不能在线报送。", f"dataset {dataset!r} is not submitted online.")
        if not 1990 <= year <= self.settings.current().today.year:
            raise SubmissionError(f"报送年度 {year} 无效。", f"{year} is not a reporting year that can be submitted.")
        triple = (account.institute_id, dataset, year)
        with Session(self.engine) as session, session.begin():
            # a check that has been running this long died with its process: it holds the slot no more
            session.execute(update(Submission).where(*_is(triple), Submission.status == "checking",
                                                     Submission.uploaded_at < now() - STALE_CHECK).values(status="failed"))
            version = (session.scalar(select(func.max(Submission.version)).where(*_is(triple))) or 0) + 1
            row = Submission(institute_id=triple[0], dataset=dataset, year=year, version=version, status="checking",
                             uploaded_by=account.username, original_name=original_name[:255])
            session.add(row)
            try:
                session.flush()
            except IntegrityError:
                raise SubmissionError("同一单位、数据集和年度的另一个文件正在检查中，请稍后再上传。",
                                      "another file of the same institute, dataset and year is being checked; "
                                      "upload again in a moment.") from None
            _audit(session, account.username, "submission_upload", client, submission=row.id, dataset=dataset,
                   year=year, institute_id=triple[0], version=version)
            return row.id

    def finish(self, submission_id: int, kept: Path, suffix: str, result: CheckResult,
               last_year_figure: float | None, ids_replaced: int = 0) -> SubmissionRecord:
        """The checked version: `kept` (the file to keep, no ID number in it) moved under data/submissions/,
        its findings written beside it; a draft now. Earlier drafts and returned versions of the same
        institute-dataset-year are replaced by it."""
        with Session(self.engine) as session, session.begin():
            row = self._row(session, submission_id, "checking")
            stem = f"{row.institute_id}/{row.dataset}/{row.year}/v{row.version}"
            target = self.folder / f"{stem}{suffix}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(kept, target)
            os.chmod(target, 0o600)
            findings = self.folder / f"{stem}.findings.json"
            findings.write_text(json.dumps({"header_rows": result.header_rows,
                                            "findings": [dataclasses.asdict(f) for f in result.findings]},
                                           ensure_ascii=False))
            session.execute(update(Submission).where(*_is(_triple(row)), Submission.status.in_(("draft", "returned")))
                            .values(status="replaced"))
            row.status, row.stored_name, row.sha256 = "draft", f"{stem}{suffix}", file_digest(target)[0]
            row.size, row.file_format, row.ids_replaced = target.stat().st_size, result.file_format, ids_replaced
            row.rows_read, row.rows_accepted = result.rows_read, result.accepted
            row.errors, row.warnings = len(result.errors), len(result.warnings)
            row.figure, row.last_year_figure, row.check_seconds = result.figure, last_year_figure, result.seconds
            return SubmissionRecord.of(row)

    def fail(self, submission_id: int) -> None:
        """The check broke (not the file's fault): the slot is freed, the version kept as failed."""
        with Session(self.engine) as session, session.begin():
            self._row(session, submission_id, "checking").status = "failed"

    def submit(self, submission_id: int, account: Account, explanations: dict[str, str],
               client: str | None = None) -> SubmissionRecord:
        """A draft sent for review: only without errors, and with every warning explained — each on its
        own (the finding's index) or all at once (FILE_EXPLANATION)."""
        with Session(self.engine) as session, session.begin():
            row = self._row(session, submission_id, "draft")
            if account.role != "institute" or account.institute_id != row.institute_id:
                raise SubmissionError("只能提交本单位的报送。", "only the institute's own account submits it.")
            if row.errors:
                raise SubmissionError(f"文件还有 {row.errors} 处错误，改正后重新上传才能提交。",
                                      f"the file still has {row.errors} errors: correct them and upload it again.")
            given = {str(k): v.strip() for k, v in explanations.items() if v and v.strip()}
            warnings = [i for i, f in enumerate(self._findings(row)) if f.severity == "warning"]
            missing = [i for i in warnings if str(i) not in given] if FILE_EXPLANATION not in given else []
            if missing:
                raise SubmissionError(f"还有 {len(missing)} 条警告没有说明：请逐条说明，或填写一条对整个文件的说明。",
                                      f"{len(missing)} warnings are not explained: explain each, or the file as a whole.")
            session.execute(update(Submission).where(*_is(_triple(row)), Submission.status == "submitted")
                            .values(status="replaced"))
            row.status, row.submitted_at = "submitted", now()
            row.explanations = json.dumps({k: v[:2000] for k, v in given.items()}, ensure_ascii=False)
            _audit(session, account.username, "submission_submit", client, submission=row.id)
            return SubmissionRecord.of(row)

    # --- the analyst's steps ---------------------------------------------------------------------------

    def review(self, submission_id: int, account: Account, accept: bool, comment: str = "",
               client: str | None = None) -> SubmissionRecord:
        """Accepted: the file becomes the portal file of its institute-year (written whole, then renamed
        into place; a portal file of another format for the same is removed); the version accepted
        before it is replaced. Returned: with a comment saying why (required)."""
        if account.role not in ("analyst", "admin"):
            raise SubmissionError("只有分析人员可以审核。", "only an analyst reviews submissions.")
        comment = (comment or "").strip()[:2000]
        if not accept and not comment:
            raise SubmissionError("退回时请写明原因。", "say why when returning a submission.")
        with Session(self.engine) as session, session.begin():
            row = self._row(session, submission_id, "submitted")
            if accept:
                session.execute(update(Submission).where(*_is(_triple(row)), Submission.status == "accepted")
                                .values(status="replaced"))
            row.status = "accepted" if accept else "returned"
            row.reviewed_by, row.reviewed_at, row.review_comment = account.username, now(), comment or None
            _audit(session, account.username, "submission_accept" if accept else "submission_return", client,
                   submission=row.id, comment=comment)
            record = SubmissionRecord.of(row)
        if accept:
            self.write_portal()
        return record

    def write_portal(self, wait: bool = False) -> bool:
        """Make the portal folder hold exactly the accepted version of every institute-dataset-year, under the
        data folder's lock, as any writer of data/ does. While a refresh holds the lock the files are not
        changed under it: a thread waits for it and writes them then (the answer to the analyst says so);
        the server also calls this when it starts, for an acceptance whose thread died with its process.
        Returns whether the files were written now."""
        try:
            with write_lock(self.settings.data_dir, "portal (accepted submissions)", wait=wait):
                for record in self.tracked().values():
                    if record.status == "accepted" and not self.in_portal(record):
                        self._publish(record)
            return True
        except DataFolderBusy:
            threading.Thread(target=self.write_portal, kwargs={"wait": True}, name="portal-after-refresh",
                             daemon=True).start()
            return False

    def in_portal(self, record: SubmissionRecord) -> bool:
        """Whether the portal folder holds this version's file (its bytes, by hash)."""
        path = self._portal_file(record)
        return path.exists() and file_digest(path)[0] == record.sha256

    def _portal_file(self, record: SubmissionRecord) -> Path:
        suffix = Path(record.stored_name).suffix
        return self.settings.raw_dir / portal_path(record.dataset, record.institute_id, record.year, suffix)

    def _publish(self, record: SubmissionRecord) -> None:
        target = self._portal_file(record)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.tmp")  # a dot file: the refresh ignores it
        shutil.copyfile(self.folder / record.stored_name, partial)
        os.replace(partial, target)
        for other in set(SUFFIXES.values()) - {target.suffix}:
            target.with_suffix(other).unlink(missing_ok=True)

    # --- reading ---------------------------------------------------------------------------------------

    def get(self, submission_id: int) -> SubmissionRecord:
        with Session(self.engine) as session:
            return SubmissionRecord.of(self._row(session, submission_id))

    def findings(self, submission_id: int) -> list[Finding]:
        with Session(self.engine) as session:
            return self._findings(self._row(session, submission_id))

    def header_rows(self, submission_id: int) -> dict[str, int]:
        """Sheet ("" for a CSV) → the 1-based header row the check found in the kept file."""
        with Session(self.engine) as session:
            return self._report(self._row(session, submission_id)).get("header_rows", {})

    def stored_file(self, record: SubmissionRecord) -> Path:
        return self.folder / record.stored_name

    def list(self, institute_ids: set[str] | None = None, status: str | None = None, dataset: str | None = None,
             year: int | None = None, limit: int = 500) -> list[SubmissionRecord]:
        """Versions, newest first; `institute_ids` None: every institute's."""
        query = select(Submission).order_by(Submission.uploaded_at.desc(), Submission.id.desc()).limit(limit)
        if institute_ids is not None:
            query = query.where(Submission.institute_id.in_(sorted(institute_ids)))
        for column, value in ((Submission.status, status), (Submission.dataset, dataset), (Submission.year, year)):
            if value is not None:
                query = query.where(column == value)
        with Session(self.engine) as session:
            return [SubmissionRecord.of(r) for r in session.scalars(query)]

    def tracked(self, institute_ids: set[str] | None = None) -> dict[tuple[str, str, int], SubmissionRecord]:
        """(institute, dataset, year) → its latest version that was sent (submitted, returned or accepted)."""
        found: dict[tuple[str, str, int], SubmissionRecord] = {}
        query = select(Submission).where(Submission.status.in_(TRACKED)).order_by(Submission.version)
        if institute_ids is not None:
            query = query.where(Submission.institute_id.in_(sorted(institute_ids)))
        with Session(self.engine) as session:
            for row in session.scalars(query):
                found[_triple(row)] = SubmissionRecord.of(row)
        return found

    def _findings(self, row: Submission) -> list[Finding]:
        return [Finding(**f) for f in self._report(row).get("findings", [])]

    def _report(self, row: Submission) -> dict:
        if not row.stored_name:
            return {}
        path = self.folder / (row.stored_name.rsplit(".", 1)[0] + ".findings.json")
        return json.loads(path.read_text()) if path.exists() else {}

    @staticmethod
    def _row(session: Session, submission_id: int, status: str | None = None) -> Submission:
        row = session.get(Submission, submission_id)
        if row is None:
            raise NoSuchSubmission(f"没有编号为 {submission_id} 的报送。", f"no submission {submission_id}.")
        if status is not None and row.status != status:
            raise SubmissionError(f"该报送的状态是「{row.status}」，不能进行此操作。",
                                  f"the submission is {row.status}: this step is not possible now.")
        return row


def _is(triple: tuple[str, str, int]):
    return (Submission.institute_id == triple[0], Submission.dataset == triple[1], Submission.year == triple[2])


def _triple(row: Submission) -> tuple[str, str, int]:
    return row.institute_id, row.dataset, row.year
