"""What a template says about each column of a contract: its header (the contract's first alias, a
header the ingest recognises), its English name, the cell format, the labels its dropdown lists and the
rule, in Chinese and English. Derived from the contract alone, so a template follows every change of it;
the English column names are the dashboard's (the code_labels seed)."""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache

from pipelines.config import CODE_LABELS, METRIC_CATALOG
from pipelines.contracts import Column, Contract, Rule

TEXT, INTEGER, DECIMAL, DATE = "@", "0", "General", "yyyy-mm-dd"

# Per kind: the cell format, and the rule in Chinese and English. Identifiers are text: a spreadsheet
# keeps a long digit string typed into a number cell as a double (an ID number loses its last digits).
KINDS: dict[str, tuple[str, str, str]] = {
    "text": (TEXT, "文本", "text"),
    "code": (TEXT, "代码，按文本填写", "a code, typed as text"),
    "count": (INTEGER, "不小于 0 的整数", "a whole number, 0 or more"),
    "decimal": (DECIMAL, "数字，可带单位（如「3.5小时」）", "a number; a unit (小时, h) may follow it"),
    "year": (INTEGER, "四位年份，如 2024", "a four-digit year, e.g. 2024"),
    "date": (DATE, "日期，如 2024-03-15 或 2024年3月15日", "a date, e.g. 2024-03-15"),
    "institute": (TEXT, "单位全称、机构代码或机构名录中登记的简称",
                  "the institute's full name, its code or a short name in the institute register"),
    "enum": (TEXT, "从下拉列表中选择", "chosen from the dropdown list"),
    "ip_number": (TEXT, "专利申请号（12 位数字 + 校验位，如 202310123456.6）或软件著作权登记号（如 2023SR0123456），"
                        "须与类型一致；按文本填写",
                  "a patent application number (12 digits + check character, e.g. 202310123456.6) or a software "
                  "copyright registration number (e.g. 2023SR0123456), matching the type; typed as text"),
    "std_number": (TEXT, "标准编号，如 GB/T 12345-2024、DB35/T 1234-2024（四位年份）",
                   "a standard number, e.g. GB/T 12345-2024 or DB35/T 1234-2024 (four-digit year)"),
    "unit": (TEXT, "本单位内设机构（所、中心、室、班组）的部门代码、名称或内设机构名录中登记的简称；空着表示只计入本单位",
             "a unit of the institute (所, 中心, 室, 班组): its code, name or a short name in the units register; "
             "empty counts for the institute only"),
    "reference": (TEXT, "获奖成果的标准编号（如 GB/T 12345-2024）、专利申请号或软件著作权登记号；按文本填写",
                  "the standard number (e.g. GB/T 12345-2024), patent application number or software registration "
                  "number of what the award was for; typed as text"),
    "doi": (TEXT, "DOI，如 10.1000/xyz123（可带 https://doi.org/ 前缀）", "a DOI, e.g. 10.1000/xyz123 (a https://doi.org/ "
            "prefix may precede it)"),
    "person_id": (TEXT, "志愿者编号；填身份证号也可，系统只保存其加密摘要，不保存号码本身；按文本填写",
                  "a volunteer code; an ID number is accepted, and only a salted hash of it is kept; typed as text"),
}


@dataclass(frozen=True)
class TemplateColumn:
    column: Column
    header: str  # the contract's first alias: what the data sheet is headed with
    name_en: str
    number_format: str
    rule_zh: str
    rule_en: str
    labels: tuple[str, ...] = ()  # a dropdown's items, when the contract enumerates the column's values


def template_columns(contract: Contract) -> list[TemplateColumn]:
    return [_describe(contract, c) for c in contract.columns]


def dropdown_labels(column: Column) -> tuple[str, ...]:
    """One label per code, the first spelling the contract lists for it (its Chinese one: what an office
    types), in the contract's order."""
    first: dict[str, str] = {}
    for label, code in (column.values or {}).items():
        first.setdefault(code, label)
    return tuple(first.values())


@cache
def metric_ids() -> tuple[str, ...]:
    """The metric catalog's ids: the values a targets row's metric may take (rule unknown_metric)."""
    with open(METRIC_CATALOG, encoding="utf-8-sig", newline="") as f:
        return tuple(row["metric_id"] for row in csv.DictReader(f))


@cache
def _english_names() -> dict[str, str]:
    with open(CODE_LABELS, encoding="utf-8-sig", newline="") as f:
        return {row["code"]: row["name_en"] for row in csv.DictReader(f) if row["code_type"] == "column"}


def _describe(contract: Contract, c: Column) -> TemplateColumn:
    number_format, zh, en = KINDS[c.kind]
    labels = dropdown_labels(c)
    if c.kind == "enum":
        zh += "：" + "、".join(labels)
        en += ": " + ", ".join(f"{label} ({c.values[label]})" for label in labels)
    if c.name == "metric_id" and contract.dataset == "targets":
        labels = metric_ids()
        zh, en = "从下拉列表中选择指标代码（见指标目录）", "a metric id from the dropdown list (the metric catalog)"
    if c.qualifier:
        zh += "；不确切时可写「20余」「超过20」（按 ≥20 计）"
        en += "; when not exact, 20余 or 超过20 (read as ≥ 20)"
    if c.not_future:
        zh += "；不得晚于今天" if c.kind == "date" else "；不得晚于今年"
        en += "; not later than today" if c.kind == "date" else "; not later than this year"
    zh = ("必填。" if c.required else "选填。") + zh + "。"
    en = ("Required. " if c.required else "Optional. ") + en[0].upper() + en[1:] + "."
    name_en = _english_names().get(f"{contract.dataset}.{c.name}", c.name)
    return TemplateColumn(c, c.aliases[0], name_en, number_format, zh, en, labels)


def key_text(contract: Contract) -> tuple[str, str]:
    """The contract's key, as the instructions state it."""
    headers = [contract.column(name).aliases[0] for name in contract.key]
    names = [_english_names().get(f"{contract.dataset}.{name}", name) for name in contract.key]
    return (f"同一「{'＋'.join(headers)}」只填一行：重复的行只接收第一行，其余不予接收。",
            f"One row per {' + '.join(names)}: of repeated rows only the first is accepted, the others are quarantined.")


def rule_text(contract: Contract, rule: Rule) -> tuple[str, str, str, str]:
    """(severity zh, severity en, message zh, message en) with each {column} of the message written as the
    column's header (zh) or English name (en)."""
    def names(message: str, english: bool) -> str:
        def name(match: re.Match) -> str:
            column = next((c for c in contract.columns if c.name == match[1]), None)
            if column is None:
                return f"〈{match[1]}〉"
            return f"<{_english_names().get(f'{contract.dataset}.{column.name}', column.name)}>" if english \
                else f"〈{column.aliases[0]}〉"
        return re.sub(r"\{(\w+)\}", name, message)

    zh_sev, en_sev = ("错误：该行不予接收", "error: the row is quarantined") if rule.severity == "R" \
        else ("警告：该行接收，请核实", "warning: the row is kept; please check")
    return zh_sev, en_sev, names(rule.message_zh, False), names(rule.message_en, True)
