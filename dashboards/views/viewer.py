"""Who is asking. Every public read function of dashboards.views takes a Viewer first, so that what a
person may see is decided in the read layer, once, and never left to a page remembering to filter.

A viewer has a role (dashboards.accounts.ROLES):
- `admin`, `analyst`, and a `leader` of scope "all": every published row and column (full access; the
  admin's other powers, users and the audit, are the server's);
- a `leader` of scope "province:NN" or "group:<peer_group_id>": the institutes of that province or peer
  group in full; the others are absent;
- `institute`: its own institute in full; the others are absent.
Those who are not full-access see a group's aggregate only where it cannot be undone (at least
`min_group_others` other reporting institutes, or none: dashboards.views.access). The store applies all
this (`MartStore`); the data-quality reads apply `may_see_page("quality")` and the institute's own rows.

A viewer also says which published version it reads: `release` None is the latest (`current`), a year is
that year's official release (年报口径, data/marts/releases.json). What decides what it sees of a version
is the access alone; the store keys what it keeps by version (a Snapshot each) and by release
(`MartStore._key`), so viewers of different releases never share a memoised value.

A Viewer is frozen (hashable): values built for one are memoised per access (`access_key`), the username
aside, so that two people with the same access share them."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np

from dashboards.accounts import ROLES

if TYPE_CHECKING:
    import pandas as pd

    from dashboards.accounts.store import Account

FULL_SCOPE = "all"
# the pages each role may open (the PAGE constants of dashboards/pages/*.py); an institute's quality page
# shows its own rejects and files only; the evaluation page shows each role what dashboards.views.evaluation allows
PAGES = {
    "admin": frozenset({"overview", "institute", "compare", "evaluation", "quality", "definitions"}),
    "analyst": frozenset({"overview", "institute", "compare", "evaluation", "quality", "definitions"}),
    "leader": frozenset({"overview", "institute", "compare", "evaluation", "definitions"}),
    "institute": frozenset({"overview", "institute", "compare", "evaluation", "quality", "definitions"}),
}


class Refused(PermissionError):
    """A read the viewer may not make (another institute's records, a page of another role); the server
    answers 403. The reason in Chinese and English."""

    def __init__(self, message_zh: str, message_en: str):
        self.message_zh, self.message_en = message_zh, message_en
        super().__init__(message_en)

    def render(self) -> str:
        return f"无权访问：{self.message_zh}\nrefused: {self.message_en}"


@dataclass(frozen=True)
class Viewer:
    role: str = "analyst"
    institute_id: str | None = None  # role "institute" only
    scope: str | None = None  # role "leader" only: "all" | "province:NN" | "group:<peer_group_id>"
    min_group_others: int = 3  # k: Settings.min_group_others
    release: int | None = None  # the reporting year of the official release read; None: the latest version
    username: str = field(default="", compare=False)  # shown and audited; not part of the access

    def __post_init__(self) -> None:
        # a viewer that would silently see everything for want of a field is refused here, not later
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}: one of {', '.join(ROLES)}")
        if (self.role == "institute") != bool(self.institute_id):
            raise ValueError("an institute id goes with the institute role, and only with it")
        if (self.role == "leader") != bool(self.scope):
            raise ValueError("a scope goes with the leader role, and only with it")
        if self.scope and self.scope != FULL_SCOPE and self.scope.split(":", 1)[0] not in ("province", "group"):
            raise ValueError(f"invalid scope {self.scope!r}: all, province:NN or group:<peer group id>")
        if self.min_group_others < 1:
            raise ValueError("min_group_others must be at least 1")

    @classmethod
    def everyone(cls) -> Viewer:
        """Full access (scripts, tests, the development mode's local analyst)."""
        return EVERYONE

    @classmethod
    def for_account(cls, account: Account, min_group_others: int) -> Viewer:
        return cls(role=account.role, institute_id=account.institute_id or None, scope=account.scope or None,
                   min_group_others=min_group_others, username=account.username)

    def reading(self, release: int | None) -> Viewer:
        """The same person reading another version: `release` a year's official release, None the latest."""
        return replace(self, release=release)

    @property
    def full_access(self) -> bool:
        return self.role in ("admin", "analyst") or (self.role == "leader" and self.scope == FULL_SCOPE)

    @property
    def access_key(self) -> tuple | None:
        """What decides what the viewer sees: None for full access (admin, analyst and a leader of the
        whole system share their memoised values), else the role, institute, scope and k."""
        return None if self.full_access else (self.role, self.institute_id, self.scope, self.min_group_others)

    @property
    def may_see_gate_reports(self) -> bool:
        """The quality gates' reports (served under /reports/) hold every institute's rows: only a viewer
        with full access to the quality page sees them."""
        return self.full_access and self.may_see_page("quality")

    def may_see_page(self, page: str) -> bool:
        return page in PAGES[self.role]

    def check_page(self, page: str) -> None:
        if not self.may_see_page(page):
            raise Refused(f"“{page}”页面不对您的角色开放。", f"the {page} page is not open to your role.")

    def in_scope(self, institutes: pd.DataFrame) -> np.ndarray:
        """Which rows of dim_institutes (institute_id, province_code, peer_group_id) the viewer sees in full."""
        ids = institutes["institute_id"].to_numpy()
        if self.full_access:
            return np.ones(len(ids), dtype=bool)
        if self.role == "institute":
            return ids == self.institute_id
        kind, value = self.scope.split(":", 1)
        column = "province_code" if kind == "province" else "peer_group_id"
        return (institutes[column].astype("string") == value).fillna(False).to_numpy(dtype=bool)


EVERYONE = Viewer()
