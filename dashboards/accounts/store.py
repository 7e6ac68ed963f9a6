"""The accounts database: opening it (SQLite in WAL mode, foreign keys on, brought to the latest schema
by the migrations), and the operations on accounts, each of which writes its audit event in the same
transaction: an account is never changed without its trace.

WAL: the server's processes read accounts (every request checks its session's account) while an admin
adds one; readers and the one writer do not wait for each other."""
from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, Row, create_engine, event, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dashboards.accounts import ROLES, passwords
from dashboards.accounts.errors import AccountError
from dashboards.accounts.models import AuditEvent, User, now
from pipelines.config import Settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# ASCII only: the database compares usernames without case (COLLATE NOCASE), which folds ASCII letters
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
INSTITUTE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
SCOPE = re.compile(r"all|province:\d{2}|group:[A-Za-z0-9_-]{1,64}")


def engine_for(path: Path) -> Engine:
    path.parent.mkdir(parents=True, exist_ok=True)
    # readable by this account only: it holds password hashes and the audit trail (SQLite gives its -wal and
    # -shm files the database file's permissions)
    path.touch(mode=0o600, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("pragma journal_mode = wal")  # kept in the file; asked again on each connection anyway
        cursor.execute("pragma foreign_keys = on")  # per connection: SQLite's default is off
        cursor.execute("pragma busy_timeout = 5000")  # a writer waits for another rather than failing
        cursor.close()

    return engine


def upgrade(settings: Settings) -> None:
    """The database at Settings.accounts_db, created if missing, brought to the latest migration.
    Running it again does nothing."""
    engine = engine_for(settings.accounts_db)
    try:
        _upgrade(engine)
    finally:
        engine.dispose()


def _upgrade(engine: Engine) -> None:
    config = Config()  # no alembic.ini: the one setting is where the migrations are
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection  # migrations/env.py runs on this connection
        command.upgrade(config, "head")


@dataclass(frozen=True)
class LockoutPolicy:
    """Wrong passwords in a row that lock an account, and for how long (Settings.lockout_failures,
    lockout_minutes)."""
    failures: int = 5
    minutes: int = 15


@dataclass(frozen=True)
class Account:
    """An account as shown (users list) and as the app will use it: no password hash."""
    username: str
    display_name: str
    role: str
    institute_id: str | None
    scope: str | None
    disabled: bool
    failed_logins: int
    locked_until: object
    created_at: object
    password_changed_at: object

    @classmethod
    def of(cls, user: User) -> Account:
        return cls(user.username, user.display_name, user.role, user.institute_id, user.scope, user.disabled,
                   user.failed_logins, user.locked_until, user.created_at, user.password_changed_at)


@dataclass(frozen=True)
class AuditFilter:
    """Which audit events (the audit log page's filters): each field given narrows them. Times are UTC,
    as stored."""
    username: str | None = None  # exactly as recorded (a failed login records the name as typed)
    event: str | None = None
    since: datetime | None = None  # from, inclusive
    until: datetime | None = None  # before, exclusive

    def where(self, query):
        if self.username is not None:
            query = query.where(AuditEvent.username == self.username)
        if self.event is not None:
            query = query.where(AuditEvent.event == self.event)
        if self.since is not None:
            query = query.where(AuditEvent.at >= self.since)
        if self.until is not None:
            query = query.where(AuditEvent.at < self.until)
        return query


STREAM_BATCH = 1000  # events fetched at a time by `each_audit_event`


class AccountStore:
    """The accounts of one database. Opening it upgrades its schema."""

    def __init__(self, settings: Settings):
        self.engine = engine_for(settings.accounts_db)
        _upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> AccountStore:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def add(self, username: str, password: str, role: str, *, display_name: str = "",
            institute_id: str | None = None, scope: str | None = None, client: str | None = None) -> Account:
        check_account(username, role, institute_id, scope)
        passwords.check_policy(username, password)
        user = User(username=username, display_name=display_name, role=role, institute_id=institute_id,
                    scope=scope, password_hash=passwords.hash_password(password))
        with Session(self.engine) as session, session.begin():
            if self._find(session, username) is not None:
                raise _duplicate(username)
            session.add(user)
            _audit(session, username, "user_added", client, role=role, institute_id=institute_id, scope=scope)
            try:
                session.flush()
            except IntegrityError:  # added by another process since the look-up above
                raise _duplicate(username) from None
            return Account.of(user)

    def refuse_existing(self, username: str) -> None:
        """An AccountError if the username is taken (in any case): said before a password is asked for."""
        with Session(self.engine) as session:
            if self._find(session, username) is not None:
                raise _duplicate(username)

    def list(self) -> list[Account]:
        with Session(self.engine) as session:
            return [Account.of(u) for u in session.scalars(select(User).order_by(User.username))]

    def get(self, username: str) -> Account:
        with Session(self.engine) as session:
            return Account.of(self._existing(session, username))

    def disable(self, username: str, client: str | None = None) -> None:
        with Session(self.engine) as session, session.begin():
            user = self._existing(session, username)
            user.disabled = True
            _audit(session, user.username, "user_disabled", client)

    def reset_password(self, username: str, password: str, client: str | None = None) -> None:
        """A new password; the failed logins counted so far and a lockout they caused are cleared."""
        with Session(self.engine) as session, session.begin():
            user = self._existing(session, username)
            passwords.check_policy(user.username, password)
            user.password_hash = passwords.hash_password(password)
            user.password_changed_at, user.failed_logins, user.locked_until = now(), 0, None
            _audit(session, user.username, "password_reset", client)

    def check_password(self, username: str, password: str) -> bool:
        """Whether the password is the account's; a hash made with older parameters is replaced. Only the
        password: whether the account may log in (disabled, locked) and the audit of the attempt are
        `log_in`'s."""
        with Session(self.engine) as session, session.begin():
            user = self._find(session, username)
            if user is None:
                return False
            matches, new_hash = passwords.verify(user.password_hash, password)
            if new_hash:
                user.password_hash = new_hash
            return matches

    def log_in(self, username: str, password: str, client: str | None, policy: LockoutPolicy) -> Account | None:
        """The account when `password` is its password and it may log in now; else None. Every attempt is
        audited (login / login_failed with the reason: unknown_user, disabled, locked, wrong_password).
        `policy.failures` wrong passwords in a row lock the account for `policy.minutes` (a lockout is
        lifted by its time or a password reset); a success clears the count. The password is checked
        even for an unknown, disabled or locked account, so that the answer takes as long either way."""
        with Session(self.engine) as session, session.begin():
            user = self._find(session, username) if USERNAME.fullmatch(username or "") else None
            matches, new_hash = passwords.verify(user.password_hash if user else passwords.decoy_hash(), password)
            at = now()
            reason = ("unknown_user" if user is None else "disabled" if user.disabled
                      else "locked" if user.locked_until and user.locked_until > at
                      else None if matches else "wrong_password")
            if reason is None:
                if new_hash:
                    user.password_hash = new_hash
                user.failed_logins, user.locked_until = 0, None
                _audit(session, user.username, "login", client)
                return Account.of(user)
            detail = {"reason": reason}
            if reason == "wrong_password":
                user.failed_logins += 1
                if user.failed_logins >= policy.failures:
                    user.locked_until = at + timedelta(minutes=policy.minutes)
                    detail["locked_until"] = user.locked_until.isoformat(timespec="seconds")
            # the name as typed (cut short): a failed login may name an account that does not exist
            _audit(session, user.username if user else (username or "")[:64], "login_failed", client, **detail)
            return None

    def active(self, username: str) -> Account | None:
        """The account if it exists and is not disabled (each request's check of its session)."""
        with Session(self.engine) as session:
            user = self._find(session, username)
            return Account.of(user) if user is not None and not user.disabled else None

    def has_accounts(self) -> bool:
        with Session(self.engine) as session:
            return session.scalars(select(User.id).limit(1)).first() is not None

    def record_event(self, username: str | None, event_name: str, client: str | None = None, **detail) -> None:
        """One audit event (a login, a page view, an export, a report run for a user), `detail` as JSON."""
        with Session(self.engine) as session, session.begin():
            _audit(session, username, event_name, client, **detail)

    def audit_events(self, where: AuditFilter | None = None, offset: int = 0, limit: int | None = None,
                     newest_first: bool = False) -> list[AuditEvent]:
        """The events `where` selects, oldest first (or newest first), from `offset`, at most `limit`."""
        query = self._audit_query(where, newest_first).offset(offset).limit(limit)
        with Session(self.engine, expire_on_commit=False) as session:
            events = list(session.scalars(query))
            session.expunge_all()
            return events

    def count_audit_events(self, where: AuditFilter | None = None) -> int:
        query = (where or AuditFilter()).where(select(func.count()).select_from(AuditEvent))
        with Session(self.engine) as session:
            return session.scalar(query)

    def each_audit_event(self, where: AuditFilter | None = None) -> Iterator[Row]:
        """The events `where` selects, newest first, as rows (at, username, event, detail, client_address:
        no ORM objects, 10× faster), read STREAM_BATCH at a time from one snapshot of the database: an
        export of the whole trail is never held in memory at once."""
        columns = (AuditEvent.at, AuditEvent.username, AuditEvent.event, AuditEvent.detail, AuditEvent.client_address)
        query = (where or AuditFilter()).where(select(*columns)).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        with Session(self.engine) as session:
            yield from session.execute(query.execution_options(yield_per=STREAM_BATCH))

    def audit_event_names(self) -> list[str]:
        """The names of the events recorded so far (the audit log's choice of event): one look-up in the
        event index per name, not a read of the whole trail."""
        query = text("with recursive names(name) as (select min(event) from audit_events union all "
                     "select (select min(event) from audit_events where event > name) from names where name is not null) "
                     "select name from names where name is not null")
        with Session(self.engine) as session:
            return list(session.scalars(query))

    def last_logins(self) -> dict[str, datetime]:
        """username → the time (UTC) of the account's latest successful login."""
        query = select(AuditEvent.username, func.max(AuditEvent.at)).where(AuditEvent.event == "login") \
            .group_by(AuditEvent.username)
        with Session(self.engine) as session:
            return {username: at for username, at in session.execute(query)}

    @staticmethod
    def _audit_query(where: AuditFilter | None, newest_first: bool):
        order = (AuditEvent.at.desc(), AuditEvent.id.desc()) if newest_first else (AuditEvent.at, AuditEvent.id)
        return (where or AuditFilter()).where(select(AuditEvent)).order_by(*order)

    @staticmethod
    def _find(session: Session, username: str) -> User | None:
        return session.scalars(select(User).where(User.username == username)).one_or_none()

    def _existing(self, session: Session, username: str) -> User:
        user = self._find(session, username)
        if user is None:
            raise AccountError(f"没有用户 {username!r}。", f"no user {username!r}.")
        return user


def check_account(username: str, role: str, institute_id: str | None, scope: str | None) -> None:
    if not USERNAME.fullmatch(username):
        raise AccountError(f"用户名 {username!r} 无效：只能用英文字母、数字和 . _ @ -，以字母或数字开头，最多 64 个字符。",
                           f"invalid username {username!r}: ASCII letters, digits and . _ @ - only, "
                           "starting with a letter or digit, at most 64 characters.")
    if role not in ROLES:
        raise AccountError(f"未知角色 {role!r}：应为 {'、'.join(ROLES)} 之一。",
                           f"unknown role {role!r}: one of {', '.join(ROLES)}.")
    if role == "institute" and not institute_id:
        raise AccountError("机构用户必须指定机构代码（--institute）。",
                           "an institute account needs its institute id (--institute).")
    if role != "institute" and institute_id:
        raise AccountError("只有机构用户才绑定机构代码。", "only an institute account is bound to an institute id.")
    if institute_id and not INSTITUTE_ID.fullmatch(institute_id):
        raise AccountError(f"机构代码 {institute_id!r} 无效。", f"invalid institute id {institute_id!r}.")
    if role == "leader" and not scope:
        raise AccountError("领导用户必须指定范围（--scope all、province:35 或 group:<id>）。",
                           "a leader account needs its scope (--scope all, province:35 or group:<id>).")
    if role != "leader" and scope:
        raise AccountError("只有领导用户才有范围（--scope）。", "only a leader account has a scope (--scope).")
    if scope and not SCOPE.fullmatch(scope):
        raise AccountError(f"范围 {scope!r} 无效：应为 all、province:<两位省份代码> 或 group:<同类组代码>。",
                           f"invalid scope {scope!r}: all, province:<two-digit province code> or group:<peer group id>.")


def _duplicate(username: str) -> AccountError:
    return AccountError(f"用户名 {username!r} 已存在（不区分大小写）。",
                        f"username {username!r} already exists (case-insensitive).")


def _audit(session: Session, username: str | None, event_name: str, client: str | None, **detail) -> None:
    session.add(AuditEvent(username=username, event=event_name, client_address=client,
                           detail=json.dumps(detail, ensure_ascii=False, sort_keys=True)))
