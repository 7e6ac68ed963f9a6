"""One example row per dataset, shown on a template's instructions sheet (never on its data sheet, so
that a submitted template does not count it). Values as an office would type them; a test types each
into its template's data sheet and runs the real ingest, so an example the contract stops accepting
fails there. The institute column takes the template's institute (or the register's first)."""
from __future__ import annotations

from datetime import date

EXAMPLES: dict[str, dict[str, object]] = {
    "institutes": {"institute_id": "FJQI", "name_zh": "福建省产品质量检验研究院",
                   "name_en": "Fujian Institute of Product Quality Inspection", "aliases": "福建省质检院、福建质检院",
                   "province_code": "35", "institute_type": "质检院", "founded_year": 1958},
    "staff": {"year": 2024, "staff_total": 320, "tech_staff": 256, "party_members": 118},
    "project_counts": {"year": 2024, "level": "省部级", "funder": "省科技厅", "stage": "验收", "count": 2,
                       "evaluation": "国内领先"},
    "ip_items": {"ip_type": "发明", "number": "202310123456.6", "title": "一种电能表现场校验装置",
                 "app_date": date(2023, 3, 15), "grant_date": date(2024, 6, 18), "status": "授权"},
    "standards": {"std_no": "GB/T 12345-2024", "title": "电子计价秤检验规程", "role": "主持", "action": "制定",
                  "publish_date": date(2024, 3, 15), "effective_date": date(2024, 10, 1)},
    "volunteer_hours": {"activity": "质量月进社区", "date": date(2024, 9, 10), "volunteer_id": "V0001", "hours": 3.5},
    "targets": {"year": 2025, "metric_id": "prj_initiated", "target": 60},
}
