"""institutes: the register as a submission, one row per institute (a UTF-8 CSV with a BOM, the aliases
joined by each institute's own separator)."""

from __future__ import annotations

from pathlib import Path

from pipelines.demo.files import write_csv
from pipelines.demo.register import INSTITUTES


def write(raw_dir: Path) -> None:
    rows = [
        [i.id, i.name_zh, i.name_en, i.alias_sep.join(i.aliases), i.province, i.kind, i.founded]
        for i in INSTITUTES
    ]
    write_csv(
        raw_dir / "institutes" / "机构名录.csv",
        ["机构代码", "单位名称", "英文名称", "简称", "省份代码", "机构类型", "成立年份"],
        rows,
        "utf-8-sig",
    )
