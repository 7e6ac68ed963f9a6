"""The rules store: every version kept and listed with who saved it, a save checked before anything is
written and never overwriting (two saves at once get two numbers), a weight edit that keeps the file's
comments and layout."""
from __future__ import annotations

import hashlib
import json
import os
import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from pipelines.demo import evaluation_rules
from pipelines.evaluation.rules import RulesError, parse_rules
from pipelines.evaluation.store import latest, read_version, save_version, versions, with_weights
from tests.unit.test_evaluation_rules import BASE, edited, line_of


@pytest.fixture
def rules_dir(tmp_path):
    folder = tmp_path / "data" / "rules" / "evaluation"
    evaluation_rules.write(folder)
    return folder


def files(folder) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_versions_are_listed_oldest_first_with_their_sidecars(rules_dir):
    listed = versions(rules_dir)
    assert [(v.year, v.version) for v in listed] == sorted((v.year, v.version) for v in listed)
    assert [v.version for v in versions(rules_dir, 2024)] == [1, 2]
    second = versions(rules_dir, 2024)[1]
    sidecar = json.loads((rules_dir / "2024" / "v002.json").read_text(encoding="utf-8"))
    assert (second.saved_by, second.saved_at, second.note_zh, second.note_en) == \
        (sidecar["saved_by"], sidecar["saved_at"], sidecar["note_zh"], sidecar["note_en"])
    assert second.sha256 == hashlib.sha256((rules_dir / "2024" / "v002.yaml").read_bytes()).hexdigest()
    assert read_version(rules_dir, 2024, 2) == (rules_dir / "2024" / "v002.yaml").read_text(encoding="utf-8")
    assert {year: v.version for year, v in latest(rules_dir).items()} == \
        {year: max(v.version for v in listed if v.year == year) for year in {v.year for v in listed}}


def test_a_version_without_a_sidecar_was_saved_when_its_file_was_written(rules_dir):
    (rules_dir / "2023" / "v001.json").unlink()
    os.utime(rules_dir / "2023" / "v001.yaml", (1_700_000_000, 1_700_000_000))
    version = versions(rules_dir, 2023)[0]
    assert version.saved_at == datetime.fromtimestamp(1_700_000_000, UTC).isoformat(timespec="seconds")
    assert version.saved_by is None


def test_no_folder_no_versions(tmp_path):
    assert versions(tmp_path / "nowhere") == [] and latest(tmp_path / "nowhere") == {}
    (tmp_path / "empty" / "2025").mkdir(parents=True)
    assert latest(tmp_path / "empty") == {}


def test_a_save_takes_the_next_number_with_its_sidecar_and_changes_nothing_else(rules_dir):
    before = files(rules_dir)
    text = edited("weight: 25", "weight: 30", text=edited("weight: 15", "weight: 10"))
    saved = save_version(rules_dir, 2024, text, "admin", "论文权重调回 10", "papers back to 10")
    assert (saved.year, saved.version, saved.saved_by, saved.note_en) == (2024, 3, "admin", "papers back to 10")
    assert saved.path == rules_dir / "2024" / "v003.yaml" and saved.path.read_text(encoding="utf-8") == text
    assert datetime.fromisoformat(saved.saved_at).tzinfo is not None
    after = files(rules_dir)
    assert {k: v for k, v in after.items() if k in before} == before
    assert set(after) - set(before) == {"2024/v003.yaml", "2024/v003.json"}
    assert latest(rules_dir)[2024] == saved


def test_a_save_of_rules_with_an_error_writes_nothing(rules_dir):
    before = files(rules_dir)
    bad = edited("metric: std_led", "metric: std_lde")
    with pytest.raises(RulesError) as raised:
        save_version(rules_dir, 2024, bad, "admin")
    assert raised.value.line == line_of(bad, "std_lde") and "rules/evaluation/2024/" in str(raised.value)
    with pytest.raises(RulesError) as raised:  # the rules of 2024 saved as 2025's
        save_version(rules_dir, 2025, BASE, "admin")
    assert raised.value.line == line_of(BASE, "year: 2024") and "folder of 2025" in raised.value.problem_en
    assert files(rules_dir) == before


def test_a_save_never_takes_a_number_already_claimed(rules_dir):
    # another save has claimed v003 (its sidecar is there, its rules file not yet); a v004 was copied in
    # by hand without a sidecar: the save gets v005, and neither is touched
    (rules_dir / "2024" / "v003.json").write_text('{"saved_by": "other"}', encoding="utf-8")
    (rules_dir / "2024" / "v004.yaml").write_text(BASE, encoding="utf-8")
    before = files(rules_dir)
    saved = save_version(rules_dir, 2024, BASE, "admin")
    assert saved.version == 5
    after = files(rules_dir)
    assert {k: after[k] for k in before} == before
    assert set(after) - set(before) == {"2024/v005.yaml", "2024/v005.json"}


def test_saves_at_the_same_time_each_get_their_own_number(rules_dir):
    count = 8
    start = threading.Barrier(count)
    saved, failed = [], []

    def save(n):
        start.wait()
        try:
            saved.append(save_version(rules_dir, 2024, BASE, f"user{n}", f"第 {n} 次", f"save {n}"))
        except Exception as e:  # noqa: BLE001 - any failure is the test's
            failed.append(e)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failed == []
    assert sorted(v.version for v in saved) == list(range(3, 3 + count))
    listed = {v.version: v.saved_by for v in versions(rules_dir, 2024)}
    assert {listed[v.version] for v in saved} == {f"user{n}" for n in range(count)}  # each with its own sidecar
    assert not [p for p in (rules_dir / "2024").iterdir() if p.suffix == ".tmp"]


def test_with_weights_changes_only_the_numbers_on_the_weight_lines():
    text = with_weights(BASE, {("institute", "projects"): Decimal("20"), ("institute", "papers"): Decimal("20.00")})
    changed = [(a, b) for a, b in zip(BASE.splitlines(), text.splitlines(), strict=True) if a != b]
    assert changed == [("      weight: 25", "      weight: 20"), ("      weight: 15", "      weight: 20")]
    weights = parse_rules(text, "x.yaml").weights
    assert (weights["institute", "projects"], weights["institute", "papers"]) == (20, 20)
    assert weights["unit", "projects"] == parse_rules(BASE, "x.yaml").weights["unit", "projects"]


def test_with_weights_keeps_comments_and_windows_line_ends():
    windows = edited("      weight: 20\n", "      weight: 20   # 与立项同等重要\n").replace("\n", "\r\n")
    text = with_weights(windows, {("institute", "inventions"): Decimal("17.5"), ("institute", "talent"): Decimal("12.5")})
    assert "      weight: 17.5   # 与立项同等重要\r\n" in text
    assert text.count("\r\n") == windows.count("\r\n") == windows.count("\n")
    changed = [(a, b) for a, b in zip(windows.split("\r\n"), text.split("\r\n"), strict=True) if a != b]
    assert changed == [("      weight: 20   # 与立项同等重要", "      weight: 17.5   # 与立项同等重要"),
                       ("      weight: 10", "      weight: 12.5")]


def test_with_weights_in_a_file_saved_with_a_byte_order_mark():
    text = with_weights("\ufeff" + BASE, {("unit", "papers"): Decimal("10"), ("unit", "awards"): Decimal("15")})
    assert text == "\ufeff" + edited("target: 3\n      weight: 15", "target: 3\n      weight: 10",
                                     text=edited("metric: awd_total\n      method: rank_points\n      weight: 10",
                                                 "metric: awd_total\n      method: rank_points\n      weight: 15"))


def test_with_weights_checks_the_result():
    with pytest.raises(RulesError) as raised:
        with_weights(BASE, {("unit", "papers"): Decimal("25")})
    assert raised.value.line == line_of(BASE, "  metrics:", 2) and "add up to 110, not 100" in raised.value.problem_en
    with pytest.raises(RulesError) as raised:
        with_weights(BASE, {("institute", "projects"): Decimal("24.999"), ("institute", "papers"): Decimal("15.001")})
    assert "more than 2 decimals" in raised.value.problem_en
    with pytest.raises(KeyError, match="no metric item 'national_award'"):  # a bonus has points, not a weight
        with_weights(BASE, {("institute", "national_award"): Decimal("5")})


def test_a_sidecar_that_cannot_be_read_is_an_error_naming_its_line(rules_dir):
    (rules_dir / "2024" / "v002.json").write_text('{"saved_by": "admin",\n "saved_at": }', encoding="utf-8")
    with pytest.raises(RulesError) as raised:
        latest(rules_dir)
    assert raised.value.line == 2 and "rules/evaluation/2024/v002.json" in str(raised.value)
    (rules_dir / "2024" / "v002.json").write_text('{"saved_by": 7}', encoding="utf-8")
    with pytest.raises(RulesError, match="a sidecar holds only"):
        latest(rules_dir)
