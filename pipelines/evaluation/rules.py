"""A rules file → rows of the raw tables raw.evaluation_scopes, raw.evaluation_rules and
raw.evaluation_tiers (their columns: TABLES). SCAFFOLD: no checks yet."""
from __future__ import annotations

import yaml

SCOPES = {"institutes": "institute", "units": "unit"}
# column name → DuckDB type, in table order
TABLES = {
    "evaluation_scopes": {
        "year": "integer", "scope": "varchar", "group_by": "varchar", "unit_types": "varchar",
        "title_zh": "varchar", "title_en": "varchar", "rules_file": "varchar", "rules_version": "integer",
        "rules_sha256": "varchar", "saved_at": "varchar", "saved_by": "varchar",
    },
    "evaluation_rules": {
        "year": "integer", "scope": "varchar", "item_id": "varchar", "item_kind": "varchar",
        "sort_order": "integer", "label_zh": "varchar", "label_en": "varchar", "metric_id": "varchar",
        "method": "varchar", "basis": "varchar", "weight": "decimal(9,4)", "target": "double",
        "cap": "double", "points": "decimal(9,4)", "award_levels": "varchar", "award_grades": "varchar",
        "award_roles": "varchar", "award_for": "varchar", "source_line": "integer",
    },
    "evaluation_tiers": {
        "year": "integer", "scope": "varchar", "tier": "varchar", "tier_order": "integer",
        "tier_by": "varchar", "min_score": "decimal(9,4)", "top_share": "decimal(9,4)", "source_line": "integer",
    },
}


def parse_rules(text: str, file: str) -> dict[str, list[dict]]:
    doc = yaml.safe_load(text)
    year = int(doc["year"])
    out: dict[str, list[dict]] = {name: [] for name in TABLES}
    for key, scope in SCOPES.items():
        part = doc.get(key)
        if not part:
            continue
        out["evaluation_scopes"].append({
            "year": year, "scope": scope, "group_by": part.get("group", "all") if scope == "institute" else None,
            "unit_types": ",".join(part.get("unit_types", [])) or None,
            "title_zh": doc.get("title_zh"), "title_en": doc.get("title_en"), "rules_file": file})
        order = 0
        for kind, items in (("metric", part.get("metrics", [])), ("bonus", part.get("bonuses", [])),
                            ("deduction", part.get("deductions", []))):
            for item in items:
                order += 1
                out["evaluation_rules"].append({
                    "year": year, "scope": scope, "item_id": item.get("id") or item["metric"], "item_kind": kind,
                    "sort_order": order, "label_zh": item.get("label_zh"), "label_en": item.get("label_en"),
                    "metric_id": item.get("metric"), "method": item.get("method") or item.get("kind"),
                    "basis": item.get("basis", "value") if kind == "metric" else None,
                    "weight": item.get("weight"), "target": item.get("target"), "cap": item.get("cap"),
                    "points": item.get("points"),
                    "award_levels": ",".join(item.get("level", [])) or None,
                    "award_grades": ",".join(item.get("grade", [])) or None,
                    "award_roles": ",".join(item.get("role", [])) or None, "award_for": item.get("for")})
        tiers = part.get("tiers", {})
        for i, level in enumerate(tiers.get("levels", []), start=1):
            out["evaluation_tiers"].append({
                "year": year, "scope": scope, "tier": level["tier"], "tier_order": i, "tier_by": tiers["by"],
                "min_score": level.get("min"), "top_share": level.get("top")})
    return out
