"""Password hashes: argon2-cffi's PasswordHasher with its defaults (argon2id; its parameters follow the
library's recommendation, and check_needs_rehash tells when a stored hash was made with weaker ones).
A password is never stored, logged or shown; only its hash leaves this module."""
from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from dashboards.accounts.errors import AccountError

MIN_LENGTH = 10
_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(stored_hash: str, password: str) -> tuple[bool, str | None]:
    """(matches, a new hash to store instead, or None). A new hash when the stored one was made with
    other parameters than today's defaults: the password is at hand only now, at a login."""
    try:
        _HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):  # a wrong password, or a hash that is not argon2's
        return False, None
    return True, _HASHER.hash(password) if _HASHER.check_needs_rehash(stored_hash) else None


@functools.cache
def decoy_hash() -> str:
    """Checked against when a login names no account: the answer then takes as long as for a real one."""
    return _HASHER.hash("not the password of any account")


def check_policy(username: str, password: str) -> None:
    """At least MIN_LENGTH characters, and not the username (in any case)."""
    if len(password) < MIN_LENGTH:
        raise AccountError(f"密码太短：至少 {MIN_LENGTH} 个字符。",
                           f"the password is too short: at least {MIN_LENGTH} characters.")
    if password.strip().casefold() == username.casefold():
        raise AccountError("密码不能与用户名相同。", "the password must not be the username.")
