"""The accounts store and its command line (`python -m dashboards users …`), on a data folder of the
test's own: the database made from empty by the migrations, passwords kept only as argon2 hashes, and
every refusal said in Chinese and English with exit code 2."""
import io
import json
import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from argon2 import PasswordHasher

from dashboards.__main__ import main
from dashboards.accounts import passwords
from dashboards.accounts.models import Base
from dashboards.accounts.store import AccountStore, engine_for, upgrade
from pipelines.config import Settings

PASSWORD = "correct horse battery"


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("TOUYAN_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TOUYAN_ACCOUNTS_DB", raising=False)
    return Settings.from_env()


def users(monkeypatch, *args, password=PASSWORD):
    """`python -m dashboards users …`, the password on standard input."""
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return main(["users", *args])


def rows(settings, sql):
    with sqlite3.connect(settings.accounts_db) as con:
        return con.execute(sql).fetchall()


def test_the_database_is_beside_the_data_unless_set(tmp_path, monkeypatch):
    assert Settings(tmp_path).accounts_db == tmp_path / "app.db"
    monkeypatch.setenv("TOUYAN_ACCOUNTS_DB", str(tmp_path / "elsewhere" / "accounts.db"))
    assert Settings.from_env().accounts_db == tmp_path / "elsewhere" / "accounts.db"


def test_add_list_disable_reset(settings, monkeypatch, capsys):
    assert users(monkeypatch, "add", "Wang", "--role", "analyst", "--name", "王小明", "--password-stdin") == 0
    assert users(monkeypatch, "add", "fjqi", "--role", "institute", "--institute", "FJQI", "--password-stdin") == 0
    assert users(monkeypatch, "add", "lead", "--role", "leader", "--scope", "province:35", "--password-stdin") == 0
    capsys.readouterr()
    assert main(["users", "list"]) == 0
    listed = capsys.readouterr().out
    assert "王小明" in listed and "FJQI" in listed and "province:35" in listed
    assert "argon2" not in listed and PASSWORD not in listed

    assert main(["users", "disable", "WANG"]) == 0  # found in any case
    assert rows(settings, "select username, disabled from users where username = 'Wang'") == [("Wang", 1)]

    old_hash = rows(settings, "select password_hash from users where username = 'lead'")[0][0]
    assert users(monkeypatch, "reset-password", "lead", "--password-stdin", password="another long one") == 0
    with AccountStore(settings) as store:
        assert store.check_password("lead", "another long one")
        assert not store.check_password("lead", PASSWORD)
    assert rows(settings, "select password_hash from users where username = 'lead'")[0][0] != old_hash

    events = rows(settings, "select username, event, detail, client_address from audit_events order by id")
    assert [(u, e) for u, e, _, _ in events] == [("Wang", "user_added"), ("fjqi", "user_added"), ("lead", "user_added"),
                                                 ("Wang", "user_disabled"), ("lead", "password_reset")]
    assert json.loads(events[1][2]) == {"role": "institute", "institute_id": "FJQI", "scope": None}
    assert {address for *_, address in events} == {"command line"}
    assert not any(PASSWORD in str(event) for event in events)


def test_the_password_is_asked_twice_without_stdin(settings, monkeypatch, capsys):
    answers = iter([PASSWORD, PASSWORD + "!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert main(["users", "add", "wang", "--role", "analyst"]) == 2
    assert "the two passwords differ" in capsys.readouterr().err
    answers = iter([PASSWORD, PASSWORD])
    assert main(["users", "add", "wang", "--role", "analyst"]) == 0


def test_the_stored_hash_is_argon2_and_verifies(settings, monkeypatch):
    users(monkeypatch, "add", "wang", "--role", "analyst", "--password-stdin")
    [(stored,)] = rows(settings, "select password_hash from users")
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)
    assert not PasswordHasher().check_needs_rehash(stored)
    with AccountStore(settings) as store:
        assert store.check_password("wang", PASSWORD)
        assert store.check_password("WANG", PASSWORD)
        assert not store.check_password("wang", PASSWORD.upper())
        assert not store.check_password("nobody", PASSWORD)


def test_a_hash_made_with_weaker_parameters_is_replaced_at_the_next_check(settings, monkeypatch):
    users(monkeypatch, "add", "wang", "--role", "analyst", "--password-stdin")
    weak = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    with sqlite3.connect(settings.accounts_db) as con:
        con.execute("update users set password_hash = ?", (weak,))
    with AccountStore(settings) as store:
        assert store.check_password("wang", PASSWORD)
    [(stored,)] = rows(settings, "select password_hash from users")
    assert stored != weak and not PasswordHasher().check_needs_rehash(stored)


@pytest.mark.parametrize(("args", "zh", "en"), [
    (["add", "WANG", "--role", "analyst"], "已存在", "already exists"),
    (["add", "fj", "--role", "institute"], "机构代码", "needs its institute id"),
    (["add", "fj", "--role", "boss"], "未知角色", "unknown role 'boss'"),
    (["add", "lead", "--role", "leader"], "范围", "needs its scope"),
    (["add", "lead", "--role", "leader", "--scope", "county:1"], "范围", "invalid scope"),
    (["add", "an", "--role", "analyst", "--institute", "FJQI"], "机构代码", "only an institute account"),
    (["add", "王", "--role", "analyst"], "用户名", "invalid username"),
    (["disable", "nobody"], "没有用户", "no user 'nobody'"),
    (["reset-password", "nobody"], "没有用户", "no user 'nobody'"),
])
def test_refusals_are_said_in_both_languages(settings, monkeypatch, capsys, args, zh, en):
    users(monkeypatch, "add", "wang", "--role", "analyst", "--password-stdin")
    capsys.readouterr()
    stdin = [] if args[0] == "disable" else ["--password-stdin"]
    assert users(monkeypatch, *args, *stdin) == 2
    err = capsys.readouterr().err
    assert zh in err and en in err
    assert rows(settings, "select count(*) from users") == [(1,)]
    assert rows(settings, "select count(*) from audit_events") == [(1,)]  # only the first add


@pytest.mark.parametrize(("password", "en"), [("short", "too short"), ("Wang.Admin", "must not be the username")])
def test_a_weak_password_is_refused(settings, monkeypatch, capsys, password, en):
    assert users(monkeypatch, "add", "wang.admin", "--role", "admin", "--password-stdin", password=password) == 2
    assert en in capsys.readouterr().err
    assert rows(settings, "select count(*) from users") == [(0,)]


def test_the_database_refuses_a_row_the_store_would(settings):
    upgrade(settings)
    with sqlite3.connect(settings.accounts_db) as con, pytest.raises(sqlite3.IntegrityError):
        con.execute("insert into users (username, display_name, role, password_hash, disabled, failed_logins, "
                    "created_at, password_changed_at) values ('x', '', 'institute', 'h', 0, 0, '', '')")


def test_migrations_make_the_schema_from_empty_and_run_again_harmlessly(settings):
    upgrade(settings)
    upgrade(settings)  # idempotent
    assert rows(settings, "select version_num from alembic_version") == [("0003",)]
    assert rows(settings, "pragma journal_mode") == [("wal",)]
    engine = engine_for(settings.accounts_db)
    try:
        with engine.connect() as con:
            # the migrations make what the models describe
            assert compare_metadata(MigrationContext.configure(con), Base.metadata) == []
            assert con.exec_driver_sql("pragma foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_the_password_policy():
    passwords.check_policy("wang", "ten chars!")
    with pytest.raises(Exception, match="too short"):
        passwords.check_policy("wang", "nine char")


def test_what_can_be_refused_is_refused_before_the_password_is_asked(settings, monkeypatch, capsys):
    """An unknown role or a taken name is said at once: the password prompt is never reached (here it
    would fail: standard input is empty and not a terminal)."""
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["users", "add", "wang", "--role", "boss"]) == 2
    assert users(monkeypatch, "add", "wang", "--role", "analyst", "--password-stdin") == 0
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["users", "add", "WANG", "--role", "analyst"]) == 2
    err = capsys.readouterr().err
    assert "boss" in err and "WANG" in err and "Traceback" not in err


@pytest.mark.filterwarnings("ignore::getpass.GetPassWarning")  # no terminal: said, and expected here
def test_no_password_at_the_prompt_changes_nothing(settings, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # no terminal: getpass reads standard input, finds its end
    assert main(["users", "add", "wang", "--role", "analyst"]) == 2
    assert "nothing changed" in capsys.readouterr().err
    assert rows(settings, "select count(*) from users") == [(0,)]


def test_the_database_is_readable_by_its_owner_only(settings, monkeypatch):
    assert users(monkeypatch, "add", "wang", "--role", "analyst", "--password-stdin") == 0
    assert settings.accounts_db.stat().st_mode & 0o077 == 0
