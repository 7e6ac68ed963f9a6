"""`python -m dashboards users add | list | disable | reset-password`: accounts managed from the host's
shell (the first admin has no other way in). dashboards/__main__.py adds these commands to its parser
and calls `run`. A refused operation prints its reason in Chinese and English and exits with 2."""
from __future__ import annotations

import argparse
import getpass
import sys
import unicodedata
from typing import TYPE_CHECKING, TextIO

from dashboards.accounts import ROLES
from dashboards.accounts.errors import AccountError
from pipelines.config import Settings

if TYPE_CHECKING:
    from dashboards.accounts.store import Account

CLIENT = "command line"  # the audit event's client address: not a network client


def add_parser(sub: argparse._SubParsersAction) -> None:
    users = sub.add_parser("users", help="manage the dashboard's accounts (SQLite at TOUYAN_ACCOUNTS_DB)")
    actions = users.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add an account (the password is asked twice)")
    add.add_argument("username")
    # not argparse's choices: an unknown role gets the bilingual message and exit code 2 like the rest
    add.add_argument("--role", required=True, help=f"one of {', '.join(ROLES)}")
    add.add_argument("--institute", help="the institute id an institute account is bound to (role institute)")
    add.add_argument("--scope", help="what a leader sees: all, province:<code> or group:<peer group id>")
    add.add_argument("--name", default="", help="the display name")
    _password_stdin(add)
    actions.add_parser("list", help="the accounts, without their password hashes")
    disable = actions.add_parser("disable", help="refuse the account's logins from now on")
    disable.add_argument("username")
    reset = actions.add_parser("reset-password", help="set a new password (and clear a lockout)")
    reset.add_argument("username")
    _password_stdin(reset)


def _password_stdin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the password from the first line of standard input (for scripts)")


def run(args: argparse.Namespace, settings: Settings, out: TextIO | None = None) -> int:
    out = out or sys.stdout  # looked up now, not when this module was imported (a test captures it)
    # imported here: serving the app (python -m dashboards) builds this parser but needs no database
    from dashboards.accounts.store import AccountStore, check_account

    try:
        with AccountStore(settings) as store:
            if args.action == "add":
                # what can be refused without the password is refused before it is asked for
                check_account(args.username, args.role, args.institute, args.scope)
                store.refuse_existing(args.username)
                password = read_password(args.password_stdin)
                account = store.add(args.username, password, args.role, display_name=args.name,
                                    institute_id=args.institute, scope=args.scope, client=CLIENT)
                print(f"已添加用户 / added user {account.username} ({account.role})", file=out)
            elif args.action == "list":
                print(table(store.list()), file=out)
            elif args.action == "disable":
                store.disable(args.username, client=CLIENT)
                print(f"已停用用户 / disabled user {args.username}", file=out)
            elif args.action == "reset-password":
                store.get(args.username)  # an unknown user is said before the password is asked
                store.reset_password(args.username, read_password(args.password_stdin), client=CLIENT)
                print(f"已重置密码 / password reset for {args.username}", file=out)
    except AccountError as e:
        print(e.render(), file=sys.stderr)
        return 2
    except (EOFError, KeyboardInterrupt):  # no terminal to ask on, or Ctrl-C at the prompt: nothing changed
        print("\n已取消，未做任何更改 / cancelled, nothing changed (no password given; for scripts: --password-stdin)",
              file=sys.stderr)
        return 2
    return 0


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("密码 / password: ")
    if getpass.getpass("再次输入 / again: ") != first:
        raise AccountError("两次输入的密码不一致。", "the two passwords differ.")
    return first


HEADERS = ("username", "name", "role", "institute", "scope", "disabled", "failed", "locked until",
           "created (UTC)", "password changed (UTC)")


def table(accounts: list[Account]) -> str:
    rows = [HEADERS] + [(a.username, a.display_name, a.role, a.institute_id or "", a.scope or "",
                         "yes" if a.disabled else "", str(a.failed_logins), _time(a.locked_until),
                         _time(a.created_at), _time(a.password_changed_at)) for a in accounts]
    widths = [max(_width(row[i]) for row in rows) for i in range(len(HEADERS))]
    return "\n".join("  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)).rstrip()
                     for row in rows)


def _time(at) -> str:
    return at.strftime("%Y-%m-%d %H:%M") if at else ""


def _width(text: str) -> int:
    """Terminal columns: a Chinese character takes two, so that display names keep the columns straight."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
