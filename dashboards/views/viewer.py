"""Who is asking. Every public read function of dashboards.views takes a Viewer first, so that what a
person may see is decided in the read layer, once, and never left to a page remembering to filter.

Today there is one viewer, everyone: every published row and column (`Viewer.everyone()`, `EVERYONE`).
Roles arrive with a later issue; their rules — which institutes' rows a viewer sees, which columns
(the records' person-level columns, say) — will live on this class, and the store and the queries will
apply them. A Viewer is frozen (hashable): values built for one are memoised per viewer
(`MartStore.memo`)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Viewer:
    name: str = "everyone"

    @classmethod
    def everyone(cls) -> Viewer:
        """Every published row and column (the dashboard has no roles yet)."""
        return EVERYONE


EVERYONE = Viewer()
