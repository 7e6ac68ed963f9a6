"""The tables: `users`, `audit_events` and `submissions`. The rules a row must keep are CHECK constraints in the database
as well as checks in the store (store.py), so that a row written by another tool cannot hold a role the
read layer does not know, or an institute account bound to no institute."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Boolean, CheckConstraint, DateTime, Float, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def now() -> datetime:
    """UTC, without its zone: SQLite stores no zone, and every time in this database is UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role in ('admin', 'analyst', 'leader', 'institute')", name="role_known"),
        # an institute account sees one institute: it must name it, and no other role is bound to one
        CheckConstraint("(role = 'institute') = (institute_id is not null)", name="institute_iff_role"),
        # a leader sees a scope ('all', 'province:35', 'group:<id>'); other roles have none
        CheckConstraint("(role = 'leader') = (scope is not null)", name="scope_iff_leader"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # NOCASE: 'Wang' and 'wang' are one account (unique, and found either way). Usernames are ASCII
    # (store.py), the letters NOCASE folds.
    username: Mapped[str] = mapped_column(String(64, collation="NOCASE"), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16))
    institute_id: Mapped[str | None] = mapped_column(String(64))
    scope: Mapped[str | None] = mapped_column(String(100))
    # argon2's encoded hash ($argon2id$v=19$m=…,t=…,p=…$salt$hash): the parameters travel with it
    password_hash: Mapped[str] = mapped_column(Text)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    password_changed_at: Mapped[datetime] = mapped_column(DateTime, default=now)


class AuditEvent(Base):
    """One thing done: a login or its failure, an account added or disabled, later a page view or an
    export. `username` is text, not a key to users: a failed login names an account that may not exist,
    and the trail outlives an account."""
    __tablename__ = "audit_events"
    # the audit log's filter by event, each account's latest login, the events' names (migration 0002)
    __table_args__ = (Index("ix_audit_events_event_username_at", "event", "username", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=now, index=True)
    username: Mapped[str | None] = mapped_column(String(64), index=True)
    event: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    client_address: Mapped[str | None] = mapped_column(String(64))


SUBMISSION_STATUSES = ("checking", "failed", "draft", "submitted", "returned", "accepted", "replaced")


class Submission(Base):
    """One uploaded version of one institute's file for one dataset and reporting year. Its life:
    checking (the upload check running) → draft (checked; errors block it, warnings wait for their
    explanations) → submitted → returned (with the analyst's comment) or accepted (its file is then the
    portal file the refresh reads); a later accepted version makes the earlier one `replaced`, as does a
    new upload a draft or a returned one. `failed`: the check itself broke (not the file's fault).
    The file is kept under data/submissions/ (`stored_name`), with no ID number in it, and its findings
    beside it as JSON."""
    __tablename__ = "submissions"
    __table_args__ = (
        CheckConstraint(f"status in {SUBMISSION_STATUSES}", name="status_known"),
        Index("ix_submissions_triple", "institute_id", "dataset", "year", "version", unique=True),
        # one upload of an institute-dataset-year checked at a time: a second one is told, not queued
        Index("ix_submissions_one_checking", "institute_id", "dataset", "year", unique=True,
              sqlite_where=text("status = 'checking'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    institute_id: Mapped[str] = mapped_column(String(64))
    dataset: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime, default=now)
    original_name: Mapped[str] = mapped_column(String(255), default="")  # shown only, never a path
    stored_name: Mapped[str | None] = mapped_column(String(255))  # relative to data/submissions/
    sha256: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    file_format: Mapped[str | None] = mapped_column(String(8))
    ids_replaced: Mapped[int] = mapped_column(Integer, default=0)
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_accepted: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    figure: Mapped[float | None] = mapped_column(Float)
    last_year_figure: Mapped[float | None] = mapped_column(Float)
    check_seconds: Mapped[float | None] = mapped_column(Float)
    explanations: Mapped[str] = mapped_column(Text, default="{}")  # JSON: finding index or "file" → text
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    reviewed_by: Mapped[str | None] = mapped_column(String(64))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    review_comment: Mapped[str | None] = mapped_column(Text)
