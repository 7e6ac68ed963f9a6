"""The check of a register submitted whole (the units register) against what is already published: a unit
that the institute's published rows name and that the new register no longer has would quarantine those
rows (unknown_unit) at the next refresh. The upload check cannot see the marts (the portal reads them
through dashboards/views and passes what it found here), so this is a warning beside its findings: the
institute explains it (the unit was merged, the rows will be resubmitted) or adds the unit back, closed
with its 撤销年份, which keeps the earlier years' rows."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pipelines.submissions.marks import Finding

CODE = "unit_in_use_missing"
NAMED = 10  # units named in the message; the rest counted


@dataclass(frozen=True)
class UnitInUse:
    unit_code: str
    name_zh: str
    rows: int  # published rows naming the unit, over every dataset


def missing_in_use(registered: dict[str, str], in_use: Iterable[UnitInUse]) -> Finding | None:
    """A warning naming the units in use that `registered` (code → name of the new register) has neither by
    code nor by name, with how many published rows use them; None when it has them all."""
    names = {name.strip() for name in registered.values() if name}
    gone = sorted((u for u in in_use if u.unit_code not in registered and u.name_zh.strip() not in names),
                  key=lambda u: (-u.rows, u.unit_code))
    if not gone:
        return None
    rows = sum(u.rows for u in gone)
    shown_zh = "、".join(f"{u.name_zh}（{u.unit_code}，{u.rows} 行）" for u in gone[:NAMED])
    shown_en = "; ".join(f"{u.name_zh} ({u.unit_code}, {u.rows} rows)" for u in gone[:NAMED])
    more_zh = f" 等 {len(gone)} 个部门" if len(gone) > NAMED else ""
    more_en = f" and {len(gone) - NAMED} more" if len(gone) > NAMED else ""
    return Finding(
        "warning", "", None, None, str(len(gone)), CODE,
        f"已发布的 {rows} 行数据使用的部门不在新名录中：{shown_zh}{more_zh}。下次更新时这些行将因部门不在名录中而不予接收；"
        "如部门已撤销，请保留它并填写撤销年份，或说明原因",
        f"{rows} published rows name units this register no longer has: {shown_en}{more_en}. At the next refresh "
        "those rows would be quarantined (unknown_unit); keep a closed unit with its valid_to year, or explain")
