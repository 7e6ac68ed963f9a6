"""What a rules file may name: the metric catalog's metrics (their names are a metric item's default
labels) and the codes of the code_labels seed — award levels, grades and roles, what an award is for,
unit types.

Read from the seeds, not from pipelines.contracts: the import layers put the evaluation beside the
contracts (siblings do not import each other), and the seeds are what dbt joins the rules to. That the
seed's award and unit codes are the contracts' is a test (tests/unit/test_evaluation_rules.py)."""
from __future__ import annotations

import csv
from functools import cache

from pipelines.config import CODE_LABELS, METRIC_CATALOG

# the code_labels code_type of each code list a rules file may use
AWARD_LEVEL, AWARD_GRADE, AWARD_ROLE, AWARD_FOR, UNIT_TYPE = (
    "award_level", "award_grade", "award_role", "award_for_kind", "unit_type")


@cache
def metrics() -> dict[str, tuple[str, str]]:
    """metric_id → (name_zh, name_en), in catalog order."""
    with open(METRIC_CATALOG, encoding="utf-8-sig", newline="") as f:
        return {row["metric_id"]: (row["name_zh"], row["name_en"]) for row in csv.DictReader(f)}


@cache
def codes(code_type: str) -> tuple[str, ...]:
    """The codes of one code_type, in the seed's order."""
    with open(CODE_LABELS, encoding="utf-8-sig", newline="") as f:
        return tuple(row["code"] for row in csv.DictReader(f) if row["code_type"] == code_type)
