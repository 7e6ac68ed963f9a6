"""The cross-year check at upload: this year's headline figure of a submission (Contract.figure, summed
by the check over its accepted rows) against last year's published figure of the same institute. A
change of more than `share` on a base of at least `min_base` is a warning, which the institute explains
before it submits (a figure that doubled is often a typo, sometimes a real year). A register submitted
whole (the units register) has no year of its own: its figure is compared with the published register's."""
from __future__ import annotations

from pipelines.contracts import CONTRACTS
from pipelines.submissions.check import CheckResult, Finding

CODE = "change_from_last_year"


def year_on_year(result: CheckResult, last_year: float | None, share: float, min_base: float) -> Finding | None:
    contract = CONTRACTS[result.dataset]
    if not contract.figure or result.refused or last_year is None or last_year < min_base:
        return None
    this_year = result.figure or 0.0
    change = (this_year - last_year) / last_year
    if abs(change) <= share:
        return None
    zh_name, en_name, _ = contract.figure
    if contract.whole_register:
        base_zh, base_en = f"已发布的名录（{_number(last_year)}）", f"the published register's {_number(last_year)}"
    else:
        base_zh = f"上一年度（{result.year - 1} 年，{_number(last_year)}）"
        base_en = f"last year's {_number(last_year)} ({result.year - 1})"
    return Finding(
        "warning", "", None, None, _number(this_year), CODE,
        f"{zh_name} {_number(this_year)}，比{base_zh}{'增加' if change > 0 else '减少'} {abs(change):.0%}，"
        f"超过 {share:.0%}：请说明原因",
        f"{en_name}: {_number(this_year)}, {abs(change):.0%} {'more' if change > 0 else 'less'} than {base_en}, "
        f"beyond {share:.0%}: please explain")


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
