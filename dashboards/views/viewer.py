"""Who is asking (interim: the roles helper replaces this with the read layer's rules)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Viewer:
    role: str = "analyst"
    institute_id: str | None = None
    scope: str | None = None
    min_group_others: int = 3
    username: str = field(default="", compare=False)

    @classmethod
    def everyone(cls) -> Viewer:
        return EVERYONE

    @classmethod
    def for_account(cls, account, min_group_others: int) -> Viewer:
        return cls(account.role, account.institute_id, account.scope, min_group_others, account.username)

    def may_see_page(self, page: str) -> bool:
        return page != "quality" or self.role in ("admin", "analyst", "institute")


EVERYONE = Viewer()
