"""Every reason code the ingest can give a row (quarantine or warning) has a short name in Chinese and
English (seed code_labels, code_type 'reason'), and the data-quality page names reasons by them."""
from __future__ import annotations

import csv
import re

from dashboards.data import MartStore
from dashboards.pages.quality import reason_names
from pipelines.config import PROJECT_ROOT
from pipelines.contracts import CONTRACTS
from pipelines.validate import Compiled
from tests.conftest import TODAY


def ingest_reason_codes() -> set[str]:
    codes = set()
    for contract in CONTRACTS.values():  # the checks each contract compiles to, and its rules
        compiled = Compiled(contract, "salt", TODAY)
        codes |= {code.strip("'") for _, code, *_ in compiled.problems if code.startswith("'")}
        codes |= {rule.code for rule in contract.rules}
    # the codes of the identifier parsers (patent, software and standard numbers, ID numbers) and of the
    # load's own checks (an alias of two institutes, a duplicate, a total row that disagrees)
    source = (PROJECT_ROOT / "pipelines" / "identifiers.py").read_text(encoding="utf-8")
    codes |= set(re.findall(r'IdentifierError\(\s*"([a-z_0-9]+)"', source))
    source = (PROJECT_ROOT / "pipelines" / "load.py").read_text(encoding="utf-8")
    codes |= set(re.findall(r"file_sha256, '([a-z_]+)'", source)) | set(re.findall(r"^\s*'([a-z_]+)',$", source, re.M))
    return codes


def reason_labels() -> dict[str, tuple[str, str]]:
    with open(PROJECT_ROOT / "dbt_project" / "seeds" / "code_labels.csv", encoding="utf-8") as f:
        return {r["code"]: (r["name_zh"], r["name_en"]) for r in csv.DictReader(f) if r["code_type"] == "reason"}


def test_every_reason_code_has_a_name_in_both_languages_and_no_name_is_left_over():
    codes, labels = ingest_reason_codes(), reason_labels()
    assert {"duplicate", "alias_conflict", "total_mismatch", "patent_check_char", "unknown_institute",
            "hours_out_of_range", "unknown_level"} <= codes  # the scan finds each kind of source
    assert codes == set(labels)
    assert all(re.search(r"[\u4e00-\u9fff]", zh) and en.isascii() for zh, en in labels.values())


def test_the_quality_page_names_the_demos_reasons_in_the_language(published_demo):
    settings, _ = published_demo
    store = MartStore(settings.marts_dir)
    codes = store.quarantined()["reason_code"]
    labels = reason_labels()
    assert len(set(codes)) >= 5
    assert list(reason_names(store, codes, "zh")) == [labels[c][0] for c in codes]
    assert list(reason_names(store, codes, "en")) == [labels[c][1] for c in codes]
