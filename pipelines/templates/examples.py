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
    "units": {"unit_code": "C01", "name_zh": "先进制造计量研究中心", "name_en": "Advanced Manufacturing Metrology Centre",
              "aliases": "先进制造中心", "unit_type": "中心", "valid_from": 2015},
    "staff": {"year": 2024, "staff_total": 320, "tech_staff": 256, "party_members": 118},
    "project_counts": {"year": 2024, "level": "省部级", "funder": "省科技厅", "stage": "验收", "count": 2,
                       "evaluation": "国内领先"},
    "ip_items": {"ip_type": "发明", "number": "202310123456.6", "title": "一种电能表现场校验装置",
                 "app_date": date(2023, 3, 15), "grant_date": date(2024, 6, 18), "status": "授权"},
    "standards": {"std_no": "GB/T 12345-2024", "title": "电子计价秤检验规程", "role": "主持", "action": "制定",
                  "publish_date": date(2024, 3, 15), "effective_date": date(2024, 10, 1)},
    "volunteer_hours": {"activity": "质量月进社区", "date": date(2024, 9, 10), "volunteer_id": "V0001", "hours": 3.5},
    "awards": {"award_name": "浙江省科学技术进步奖", "awarding_body": "浙江省人民政府", "level": "省部级", "grade": "二等奖",
               "role": "牵头", "year": 2024, "for_title": "电子计价秤检验规程", "for_ref": "GB/T 12345-2024"},
    "papers": {"title": "基于激光跟踪仪的大尺寸坐标测量不确定度评定", "journal": "计量学报", "indexed": "北大核心",
               "year": 2024, "first_author": "王某", "doi": "10.3969/j.issn.1000-1158.2024.01.01"},
    "talent_titles": {"person": "E0123", "title": "首席专家", "conferred_by": "本院", "level": "院级", "year": 2024},
    "targets": {"year": 2025, "metric_id": "prj_initiated", "target": 60},
}
