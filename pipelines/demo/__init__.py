"""The bundled demo dataset: a deterministic generator of institute submissions for 2015–2024.

``generate(raw_dir)`` clears and rewrites ``raw_dir/<dataset>/`` for the datasets in DATASETS (institutes,
units, staff, project_counts, ip_items, standards, volunteer_hours, awards, papers, talent_titles, targets)
and returns the rows it planted for quarantine. The output depends on nothing but the code: a fixed seed
(20241231) and fixed dates, so two runs give byte-identical files.

What is published and what is synthetic
---------------------------------------
Published (reproduced exactly by the demo records; the table in the README, "The demo dataset"):

* 福建省产品质量检验研究院, 2019: 59 projects initiated (省部级 2 — 市场监管总局 1 and 省科技厅 1;
  厅局级 12 — 省科技厅 1 and 省市场监管局 11; 市级 5; 院级 30; 横向 10) and 32 projects accepted
  (17 external ones, 14 rated 国内领先 and 3 国内先进, plus 15 internal ones rated 通过);
  2 invention patents granted and 1 software copyright registered in 2019. Its 27 laboratories (班组,
  each inside one of its six 所) all serve as volunteers every year; its talent titles to date:
  首席专家 4, 质检工匠 4, 青年拔尖技术能手 30, and one 省级百千万人才 in 2021.
* 福建省标准化研究院: 213 national + industry + local standards drafted, publish years 2015–2023, of
  which 13 won the provincial 福建省标准贡献奖 and 1 the national 中国标准创新贡献奖 (the awards name the
  standards' numbers); 171 national and provincial projects completed (2015–2024); 4 厅局级 科技兴检奖.
* 浙江省质量科学研究院, its 先进制造计量研究中心 (a unit with two 室 inside it): 23 inventions, 34 utility
  models and 45 software copyrights granted / registered in 2022–2024 (published as 20余 / 30余 / 40余,
  total > 100); metrology specifications drafted to 2024: JJG 12, JJF 52, local JJF(浙) / JJG(浙) 11
  (published as 10余 / 50余 / 10余, 70余); 23 awards in 2021–2024 (20余), 11 of them provincial/ministerial
  (10余) — among them 5 浙江省科学技术进步奖 (the 3 of 2023 all led) and 1 市场监管总局科技奖 — and in 2024
  4 awards of the 中国仪器仪表学会 (led: a 2nd and a 3rd prize; main participant: a 2nd and a 3rd), a 中国
  商业联合会 3rd prize, a 市场监管科研成果奖 3rd prize and a 中国发明协会 发明创业奖 2nd prize; 24 SCI/EI and
  23 core-journal papers in 2022–2024 (20余 each); in 2024, 72 vertical projects ongoing (70余), 25 of them
  provincial/ministerial or above, and 21 such projects accepted (4 national, 17 provincial/ministerial).
  The institute's other centres have patents, specifications, awards and papers of their own.

Synthetic: everything else — the peer institutes' figures, all other years, every individual record
(patent and software numbers, titles, standard numbers, volunteer ids, dates, hours, award and paper
titles, DOIs, people's names), the units and their names (the registers of four institutes; the others
have none, so their rows carry no unit), staff sizes, targets. Patent numbers carry valid check
characters, standard numbers are well-formed, and the resident ID numbers used as volunteer ids by
浙江省质量科学研究院 and as people by 浙江省产品质量安全科学研究院's talent titles are made up (Hangzhou
districts, random birth dates, valid check digit) and belong to no real person. Founding years are
plausible, not researched. Peers have plausible magnitudes with mild growth and noise, so that charts
look alive.

The files have the shapes real submissions have: GBK CSV with dates like 2023年5月5日, Excel with a
merged title row, short names, full-width digits, "20余", a trailing 合计 row, English headers, several
dash forms in standard numbers, units named by code, name or short name, levels and grades in several
spellings ("一等奖" / "一等"). A few rows are planted to be quarantined (an unknown institute, a bad
patent check character, an enterprise standard number, hours out of range, a duplicate, a future date, a
unit not in the register, a DOI that is not one, an award level that is not one); ``generate`` returns
them with the row number a person sees in Excel or a text editor. Also planted, but only as warnings and
so not returned: a patent co-owned by two institutes, volunteer records of 12–24 hours, and an award
naming a document number where its standard or patent would be.

Layout: one module per dataset, like pipelines.contracts, each with ``write()`` (the files the
institutes submit, in their own shapes) and, where records are drawn, ``records()`` (what they did,
drawn or as published; targets are derived from the other datasets' records). ``register`` holds the
institutes and their figures, ``units`` the units registers and how a cell names a unit, ``draws`` the
seeded random streams (and made-up names and ID numbers), ``files`` the CSV and workbook writers every
dataset shares.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from pipelines.demo import (
    awards,
    evaluation_rules,
    institutes,
    ip_items,
    papers,
    project_counts,
    staff,
    standards,
    talent_titles,
    targets,
    units,
    volunteer_hours,
)
from pipelines.demo.files import PlantedIssue
from pipelines.errors import FileError

DATASETS = (
    "institutes",
    "units",
    "staff",
    "project_counts",
    "ip_items",
    "standards",
    "volunteer_hours",
    "awards",
    "papers",
    "talent_titles",
    "targets",
)


def generate(raw_dir: Path, rules_dir: Path | None = None) -> list[PlantedIssue]:
    """(Re)write the whole demo into raw_dir — and the demo's evaluation rules into rules_dir, when
    given (settings.rules_dir: evaluation_rules.py) — and return the rows planted for quarantine.

    Only the dataset folders (DATASETS) under raw_dir are cleared; nothing else is touched. A dataset folder
    that is a link (to a shared drive's folder, say) holds real submissions: then nothing is written."""
    raw_dir = Path(raw_dir)
    if linked := [name for name in DATASETS if (raw_dir / name).is_symlink()]:
        raise FileError(f"{linked[0]}/", "数据集文件夹是链接（指向他处的真实报送文件），演示数据不会覆盖它",
                        "the dataset folder is a link (to real submissions elsewhere): the demo does not write over it",
                        "演示请使用另一个数据文件夹（TOUYAN_DATA_DIR），或先删除该链接",
                        "for the demo use another data folder (TOUYAN_DATA_DIR), or remove the link first")
    for name in DATASETS:
        folder = raw_dir / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)

    heads = staff.records()
    projects = project_counts.records()
    ips = ip_items.records()
    standard_rows = standards.records()
    services = volunteer_hours.records()
    award_rows = awards.records(standard_rows, ips)
    paper_rows = papers.records()
    titles = talent_titles.records()

    planted: list[PlantedIssue] = []
    institutes.write(raw_dir)
    units.write(raw_dir)
    staff.write(raw_dir, heads)
    planted += project_counts.write(raw_dir, projects)
    planted += ip_items.write(raw_dir, ips)
    planted += standards.write(raw_dir, standard_rows)
    planted += volunteer_hours.write(raw_dir, services)
    planted += awards.write(raw_dir, award_rows)
    planted += papers.write(raw_dir, paper_rows)
    talent_titles.write(raw_dir, titles)
    targets.write(raw_dir, projects, ips, standard_rows, services)
    if rules_dir is not None:
        evaluation_rules.write(Path(rules_dir))
    return planted
