"""Every reason code the ingest can give a row (quarantine or warning) has a short name in Chinese and
English (seed code_labels, code_type 'reason'), and so has every column of every contract (code_type
'column'); the data-quality page names reasons and a quarantined row's cells by them."""
from __future__ import annotations

import csv
import re

from dashboards.views.quality import original_cells, quarantined_rows, reason_names
from dashboards.views.store import MartStore
from dashboards.views.viewer import EVERYONE
from pipelines.config import PROJECT_ROOT
from pipelines.contracts import CONTRACTS
from pipelines.ingest.validate import Compiled
from tests.conftest import TODAY


def ingest_reason_codes() -> set[str]:
    codes = set()
    for contract in CONTRACTS.values():  # the checks each contract compiles to, and its rules
        compiled = Compiled(contract, "salt", TODAY)
        codes |= {code.strip("'") for _, code, *_ in compiled.problems if code.startswith("'")}
        codes |= {rule.code for rule in compiled.rules}  # the contract's and the compiled warnings
    # the codes of the identifier parsers (patent, software and standard numbers, ID numbers) and of the
    # load's own checks (an alias of two institutes, a duplicate, a total row that disagrees, a unit's parent)
    for module in ("identifiers.py", "id_numbers.py"):
        source = (PROJECT_ROOT / "pipelines" / module).read_text(encoding="utf-8")
        codes |= set(re.findall(r'IdentifierError\(\s*"([a-z_0-9]+)"', source))
    source = "".join((PROJECT_ROOT / "pipelines" / "ingest" / module).read_text(encoding="utf-8")
                     for module in ("load.py", "registers.py"))
    codes |= set(re.findall(r"file_sha256, '([a-z_]+)'", source)) | set(re.findall(r"^\s*'([a-z_]+)',$", source, re.M))
    return codes


def seeded_labels(code_type: str) -> dict[str, tuple[str, str]]:
    with open(PROJECT_ROOT / "dbt_project" / "seeds" / "code_labels.csv", encoding="utf-8") as f:
        return {r["code"]: (r["name_zh"], r["name_en"]) for r in csv.DictReader(f) if r["code_type"] == code_type}


def reason_labels() -> dict[str, tuple[str, str]]:
    return seeded_labels("reason")


def test_every_reason_code_has_a_name_in_both_languages_and_no_name_is_left_over():
    codes, labels = ingest_reason_codes(), reason_labels()
    assert {"duplicate", "alias_conflict", "total_mismatch", "patent_check_char", "unknown_institute",
            "hours_out_of_range", "unknown_level"} <= codes  # the scan finds each kind of source
    assert codes == set(labels)
    assert all(re.search(r"[\u4e00-\u9fff]", zh) and en.isascii() for zh, en in labels.values())


def test_the_quality_page_names_the_demos_reasons_in_the_language(published_demo):
    settings, _ = published_demo
    store = MartStore(settings.marts_dir)
    codes = quarantined_rows(EVERYONE, store)["reason_code"]
    labels = reason_labels()
    assert len(set(codes)) >= 5
    assert list(reason_names(EVERYONE, store, codes, "zh")) == [labels[c][0] for c in codes]
    assert list(reason_names(EVERYONE, store, codes, "en")) == [labels[c][1] for c in codes]


def test_every_contract_column_has_a_name_in_both_languages_the_chinese_one_its_first_header():
    labels = seeded_labels("column")
    columns = {f"{name}.{col.name}": col for name, contract in CONTRACTS.items() for col in contract.columns}
    assert set(labels) == set(columns)
    assert all(labels[code][0] == col.aliases[0] for code, col in columns.items())
    assert all(en.isascii() and en for _, en in labels.values())


def test_the_quality_page_shows_a_quarantined_rows_cells_by_name(published_demo):
    settings, _ = published_demo
    store = MartStore(settings.marts_dir)
    rows = quarantined_rows(EVERYONE, store).set_index("source_file", drop=False)
    patent = "ip_items/福建省质检院知识产权清单2015-2024.xlsx"
    zh, en = original_cells(EVERYONE, store, rows, "zh"), original_cells(EVERYONE, store, rows, "en")
    assert zh[patent] == ("单位：福建省产品质量检验研究院；类型：发明；申请号：202010123456.7；名称：一种电线电缆绝缘层厚度检测装置；"
                          "申请日：2020-03-18；授权日：2022-06-14；法律状态：授权")
    assert en[patent].startswith("Institute: 福建省产品质量检验研究院; Type: 发明; Number: 202010123456.7; ")
    assert "Filed: 2020-03-18; Granted: 2022-06-14" in en[patent]
    project = "project_counts/福建省质检院科研项目统计2015-2024.xlsx"
    assert "下达单位：（空）" in zh[project] and "Funder: (empty)" in en[project]
