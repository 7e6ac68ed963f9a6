"""Roles in the one read layer, on the published demo: every public read function of dashboards.views
(enumerated from the modules, so a new one without a case here fails) called as an institute (FJQI), a
province's leader (33), a peer group's leader (standardization) and an analyst, each answer rendered to
text and scanned for any out-of-scope institute's id, names and aliases, and for the numbers of the
groups hidden from that viewer. A crafted institute is refused; an analyst reads what everyone reads.

The quality marts get `institute_id` from the pipeline; on a version without it, the fixture adds it
from the record marts (a file's institute), so that the institute's own rejects and files are tested."""
from __future__ import annotations

import inspect
import json
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboards.views import access, common, compare, definitions, institute, overview, quality, report, units
from dashboards.views.store import MartStore, Version
from dashboards.views.viewer import EVERYONE, Refused, Viewer

MODULES = (common, compare, definitions, institute, overview, quality, report, units)
VIEWERS = {
    "institute FJQI": Viewer("institute", institute_id="FJQI", username="fjqi"),
    "leader province:33": Viewer("leader", scope="province:33", username="zj"),
    "leader group:standardization": Viewer("leader", scope="group:standardization", username="std"),
    "analyst": Viewer("analyst", username="ana"),
}
QUALITY_MARTS = ("fct_quarantined_rows", "fct_row_warnings", "fct_source_files")


@pytest.fixture(scope="module")
def store(published_demo, tmp_path_factory) -> MartStore:
    settings, _ = published_demo
    source = (settings.marts_dir / "current").resolve()
    marts = tmp_path_factory.mktemp("roles") / "marts"
    version = marts / "versions" / source.name
    shutil.copytree(source, version)
    (marts / "current").symlink_to(Path("versions") / source.name, target_is_directory=True)
    con = duckdb.connect()
    files = " union ".join(f"select distinct source_file, institute_id from '{version}/{m}.parquet'"
                           for m in ("fct_project_counts", "fct_ip_items", "fct_standards", "fct_volunteer_records"))
    for mart in QUALITY_MARTS:
        path = version / f"{mart}.parquet"
        if "institute_id" not in con.execute(f"select * from '{path}' limit 0").df().columns:
            con.execute(f"copy (select m.*, f.institute_id from '{path}' m left join ({files}) f using (source_file)) "
                        f"to '{path}.new' (format parquet)")
            Path(f"{path}.new").replace(path)
    return MartStore(marts, settings.reports_dir)


def public_reads() -> set[str]:
    """Every public function of the read layer's modules, and MartStore method, whose first parameter is
    the viewer."""
    names = {f"{m.__name__.rsplit('.', 1)[1]}.{n}" for m in MODULES for n, f in inspect.getmembers(m, inspect.isfunction)
             if f.__module__ == m.__name__ and not n.startswith("_")
             and next(iter(inspect.signature(f).parameters), None) == "viewer"}
    names |= {f"store.{n}" for n, f in inspect.getmembers(MartStore, inspect.isfunction) if not n.startswith("_")
              and list(inspect.signature(f).parameters)[1:2] == ["viewer"]}
    return names


def cases(store: MartStore, viewer: Viewer) -> dict:
    """name → a call of that read as the viewer, with a valid state for it (its own institute, groups)."""
    year = store.years(viewer)[-1]
    own = store.institutes(viewer)["institute_id"].iloc[0]
    state = {"lang": "zh", "institute": own, "year": year}
    groups = ["all", "inspection", "metrology_quality", "standardization"]  # the viewer's and crafted ones
    d = compare.defaults(viewer, store, {})
    seen_units = store.units(viewer)
    unit, of = seen_units["unit_id"].iloc[0], seen_units["institute_id"].iloc[0]  # a unit the viewer sees
    unit_state = {"lang": "en", "institute": of, "unit": unit, "metric": "awd_total", "record_year": year}

    def q() -> pd.DataFrame:
        return quality.quarantined_rows(viewer, store)

    return {
        "common.choices": lambda: common.choices(viewer, store),
        "common.metric_meta": lambda: common.metric_meta(viewer, store, "vol_hours"),
        "common.metric_options": lambda: common.metric_options(viewer, store, "en"),
        "common.institute_options": lambda: [common.institute_options(viewer, store, lang) for lang in ("zh", "en")],
        "common.group_options": lambda: common.group_options(viewer, store, "en"),
        "common.year_options": lambda: common.year_options(viewer, store),
        "common.institute_names": lambda: [common.institute_names(viewer, store, lang) for lang in ("zh", "en")],
        "common.institute_name": lambda: [common.institute_name(viewer, store, own, lang) for lang in ("zh", "en")],
        "compare.defaults": lambda: d,
        "compare.frames": lambda: [compare.frames(viewer, store, {**d, "group": g}, "zh") for g in groups],
        "compare.group_mean": lambda: [compare.group_mean(viewer, store, {**d, "group": g}) for g in groups],
        "compare.benchmark_pair": lambda: [compare.benchmark_pair(viewer, store, {**d, "group": g},
                                                                  compare.frames(viewer, store, {**d, "group": g}, "zh")[1])
                                           for g in groups],
        "compare.benchmark_rows": lambda: [compare.benchmark_rows(viewer, store,
                                                                  compare.frames(viewer, store, {**d, "group": g}, lang)[1], lang)
                                           for g in groups for lang in ("zh", "en")],
        "compare.benchmark_table": lambda: [compare.benchmark_table(viewer, store, {**d, "group": g, "lang": "en"})
                                            for g in groups],
        "definitions.definitions": lambda: definitions.definitions(viewer, store, state),
        "institute.defaults": lambda: institute.defaults(viewer, store, state),
        "institute.series": lambda: [institute.series(viewer, store, own, m) for m in ("vol_hours", "ip_total")],
        "institute.records": lambda: institute.records(viewer, store, {**state, "metric": "std_published"}),
        "institute.record_rows": lambda: institute.record_rows(viewer, store, "vol_hours", own, year, 50),
        "institute.record_count": lambda: institute.record_count(viewer, store, "vol_hours", own, year),
        "overview.defaults": lambda: overview.defaults(viewer, store, state),
        "overview.kpi_card_data": lambda: [overview.kpi_card_data(viewer, store, year, g, "en") for g in groups],
        "overview.revisions": lambda: [overview.revisions(viewer, store, year, g) for g in groups],
        "overview.leaderboard": lambda: [overview.leaderboard(viewer, store, {**state, "group": g}) for g in groups],
        "quality.last_refresh": lambda: quality.last_refresh(viewer, store),
        "quality.refresh_failure": lambda: quality.refresh_failure(viewer, store),
        "quality.quarantined_rows": q,
        "quality.row_warnings": lambda: quality.row_warnings(viewer, store),
        "quality.source_file_rows": lambda: quality.source_file_rows(viewer, store),
        "quality.quarantined_counts": lambda: quality.quarantined_counts(viewer, store, state),
        "quality.code_names": lambda: quality.code_names(viewer, store, "reason", "zh"),
        "quality.reason_names": lambda: quality.reason_names(viewer, store, q()["reason_code"], "en"),
        "quality.original_cells": lambda: quality.original_cells(viewer, store, q(), "zh"),
        "quality.quarantined": lambda: quality.quarantined(viewer, store, state),
        "quality.source_files": lambda: quality.source_files(viewer, store, state),
        "report.group_year": lambda: report.group_year(viewer, store, year),
        "report.source_files": lambda: report.source_files(viewer, store),
        "report.institute_source_files": lambda: report.institute_source_files(viewer, store, own),
        "report.unit_year": lambda: report.unit_year(viewer, store, own, year, ["awd_total", "pap_total"]),
        "report.awards_of_year": lambda: report.awards_of_year(viewer, store, own, year),
        "report.talent_titles_of_year": lambda: report.talent_titles_of_year(viewer, store, own, year),
        "store.version": lambda: store.version(viewer),
        "store.releases": lambda: store.releases(viewer),
        "store.memo": lambda: store.memo(viewer, "test", lambda: store.institutes(viewer)),
        "store.recent": lambda: store.recent(viewer, "test", lambda: store.institutes(viewer)),
        "store.check_institute": lambda: store.check_institute(viewer, own),
        "store.institutes": lambda: store.institutes(viewer),
        "store.metrics": lambda: store.metrics(viewer),
        "store.groups": lambda: store.groups(viewer),
        "store.labels": lambda: store.labels(viewer),
        "store.years": lambda: store.years(viewer),
        "store.institute_metric_years": lambda: [store.institute_metric_years(viewer, group_id=g) for g in groups],
        "store.units": lambda: store.units(viewer),
        "store.unit_metric_years": lambda: store.unit_metric_years(viewer),
        "store.check_unit": lambda: store.check_unit(viewer, unit),
        "units.institute_units": lambda: units.institute_units(viewer, store, of),
        "units.unit_options": lambda: [units.unit_options(viewer, store, of, lang) for lang in ("zh", "en")],
        "units.unit_of": lambda: units.unit_of(viewer, store, of, unit),
        "units.unit_path": lambda: [units.unit_path(viewer, store, unit, lang) for lang in ("zh", "en")],
        "units.descendants": lambda: units.descendants(viewer, store, unit),
        "units.unit_series": lambda: units.unit_series(viewer, store, unit, "pap_total"),
        "units.unit_rows": lambda: units.unit_rows(viewer, store, of, "awd_total", year, "zh"),
        "units.unit_type_names": lambda: units.unit_type_names(viewer, store, "en"),
        "units.profile": lambda: [units.profile(viewer, store, of, u) for u in (None, unit)],
        "institute.units_table": lambda: institute.units_table(viewer, store, unit_state),
        "institute.records_of_a_unit": lambda: institute.records(viewer, store, unit_state),
        "store.group_metric_years": lambda: [store.group_metric_years(viewer, g) for g in groups],
    }


def render(value) -> str:
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.to_csv()
    if isinstance(value, dict):
        return "\n".join(f"{k}: {render(v)}" for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return "\n".join(render(v) for v in value)
    if isinstance(value, Version):
        return json.dumps(value.manifest, ensure_ascii=False)
    return str(value)


def frames(value) -> list[pd.DataFrame]:
    if isinstance(value, pd.DataFrame):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [f for v in value for f in frames(v)]
    return []


def forbidden_words(store: MartStore, viewer: Viewer) -> set[str]:
    everyone = store.institutes(EVERYONE)
    others = everyone[~everyone["institute_id"].isin(store.institutes(viewer)["institute_id"])]
    words = set(others["institute_id"]) | set(others["name_zh"]) | set(others["name_en"])
    for aliases in others["aliases"].dropna():
        words |= {a.strip() for a in aliases.replace(";", "、").split("、") if a.strip()}
    # and their units: ids, names, paths, aliases
    hidden = store.units(EVERYONE)
    hidden = hidden[hidden["institute_id"].isin(set(others["institute_id"]))]
    words |= set(hidden["unit_id"]) | set(hidden["name_zh"]) | set(hidden["name_en"])
    for aliases in hidden["aliases"].dropna():
        words |= {a.strip() for a in re.split("[;；、]", aliases) if len(a.strip()) >= 3}
    return words


def hidden_numbers(store: MartStore, viewer: Viewer) -> dict[tuple, set[float]]:
    """Per (year, metric), the numbers the viewer may not see — the out-of-scope institutes' values, the
    hidden groups' totals and means, the in-scope institutes' shares of a hidden group — less any number
    it may see at the same (year, metric) anyway (worked out here from everyone's facts, not from the
    viewer's reads under test; which groups are hidden is the rule's, tested on its own)."""
    if viewer.access_key is None:
        return {}
    facts, groups = store.institute_metric_years(EVERYONE), store.snapshot().everything.group_metric_years
    mine = set(store.institutes(viewer)["institute_id"])
    shown = access.visible_groups(facts, mine, viewer.min_group_others)
    visible = set(shown.loc[shown["visible"], access.KEYS].itertuples(index=False, name=None))
    numbers: dict[tuple, set[float]] = {}
    allowed: dict[tuple, set[float]] = {}

    def add(to: dict, key: tuple, values) -> None:
        to.setdefault((int(key[0]), key[1]), set()).update(v for v in values if isinstance(v, float))

    for r in groups.to_dict("records"):
        seen = (r["group_id"], r["year"], r["metric_id"]) in visible
        add(allowed if seen else numbers, (r["year"], r["metric_id"]),
            [r["value"], r["institute_mean"], r["per_100_staff"]] if not seen else r.values())
    for r in facts.to_dict("records"):
        key = (r["year"], r["metric_id"])
        if r["institute_id"] not in mine:
            add(numbers, key, [r["value"], r["per_100_staff"], r["target"], r["target_attainment"]])
            continue
        aggregates = {"all": access.GROUP_COLUMNS, r["peer_group_id"]: access.PEER_COLUMNS}
        add(allowed, key, [v for c, v in r.items() if c not in access.GROUP_COLUMNS + access.PEER_COLUMNS])
        for group, columns in aggregates.items():
            add(allowed if (group, r["year"], r["metric_id"]) in visible else numbers, key, [r[c] for c in columns])
    return {key: {v for v in values if pd.notna(v) and v != 0 and v not in allowed.get(key, set())}
            for key, values in numbers.items()}


def test_every_public_read_has_a_case(store):
    assert set(cases(store, EVERYONE)) - {"institute.records_of_a_unit"} == public_reads()


@pytest.mark.parametrize("name", list(VIEWERS))
def test_a_viewer_reads_nothing_of_an_institute_out_of_its_scope(store, name):
    viewer = VIEWERS[name]
    words, numbers = forbidden_words(store, viewer), hidden_numbers(store, viewer)
    refused = []
    for read, call in cases(store, viewer).items():
        try:
            value = call()
        except Refused:
            refused.append(read)
            continue
        text = render(value)
        assert not [w for w in words if w in text], (read, [w for w in words if w in text])
        # a unit's figures are its institute's own (a unit value may equal another institute's by chance)
        for frame in ([] if read.startswith(("units.", "store.unit", "store.check_unit")) else frames(value)):
            if {"year", "metric_id"} <= set(frame.columns):
                for r in frame.to_dict("records"):
                    leaked = numbers.get((r["year"], r["metric_id"]), set()) & {v for v in r.values() if isinstance(v, float)}
                    assert not leaked, (read, r)
    expected = sorted(r for r in public_reads() if r.startswith("quality.")
                      and r not in ("quality.code_names",)) if viewer.role == "leader" else []
    assert sorted(refused) == expected


def test_an_institute_sees_its_own_rows_in_full_and_no_group_with_fewer_than_k_others(store):
    viewer = VIEWERS["institute FJQI"]
    rows = store.institute_metric_years(viewer)
    everyone = store.institute_metric_years(EVERYONE)
    own = everyone[everyone["institute_id"] == "FJQI"].reset_index(drop=True)
    pd.testing.assert_frame_equal(rows.drop(columns=list(access.PEER_COLUMNS)), own.drop(columns=list(access.PEER_COLUMNS)))
    assert rows[list(access.PEER_COLUMNS)].isna().all(axis=None)  # inspection: FJQI and one other
    assert store.group_metric_years(viewer, "inspection").empty
    assert "inspection" not in common.choices(viewer, store)["group"]
    assert common.choices(viewer, store)["institute"] == {"FJQI"}
    assert set(quality.quarantined_rows(viewer, store)["institute_id"]) == {"FJQI"}  # not FJSI's reject
    assert set(quality.source_file_rows(viewer, store)["institute_id"]) == {"FJQI"}
    assert len(institute.record_rows(viewer, store, "vol_hours", "FJQI", store.years(viewer)[-1])) > 0


def test_a_province_leader_sees_its_institutes_and_the_whole_group_but_no_peer_group(store):
    viewer = VIEWERS["leader province:33"]
    assert common.choices(viewer, store)["institute"] == {"ZJQI", "ZJQS", "ZJSI"}
    assert common.choices(viewer, store)["group"] == {"all"}  # each peer group has 1 or 2 others
    rows = store.institute_metric_years(viewer)
    assert rows["group_total"].notna().any() and rows[list(access.PEER_COLUMNS)].isna().all(axis=None)
    assert store.version(viewer).manifest["source_files"]  # its institutes' files
    assert all(f["file"] in set(quality.source_file_rows(EVERYONE, store).query("institute_id in ['ZJQI','ZJQS','ZJSI']")["source_file"])
               for f in store.version(viewer).manifest["source_files"])


@pytest.mark.parametrize("name", [n for n in VIEWERS if n != "analyst"])
def test_a_crafted_institute_is_refused(store, name):
    viewer, year = VIEWERS[name], store.years(EVERYONE)[-1]
    other = next(i for i in store.institutes(EVERYONE)["institute_id"] if i not in set(store.institutes(viewer)["institute_id"]))
    # a page opened at an address naming another institute opens on the viewer's own (a copied link)
    visible = set(store.institutes(viewer)["institute_id"])
    assert institute.defaults(viewer, store, {"institute": other})["institute"] in visible
    records = institute.records(viewer, store, {"institute": other, "metric": "vol_hours", "record_year": year})
    assert set(records["institute_id"]) <= visible
    for call in (lambda: institute.record_rows(viewer, store, "vol_hours", other, year),
                 lambda: institute.record_count(viewer, store, "vol_hours", other, year),
                 lambda: institute.series(viewer, store, other, "vol_hours"),
                 lambda: common.institute_name(viewer, store, other, "zh"),
                 lambda: report.institute_source_files(viewer, store, other),
                 lambda: report.unit_year(viewer, store, other, year, ["awd_total"]),
                 lambda: report.awards_of_year(viewer, store, other, year),
                 lambda: report.talent_titles_of_year(viewer, store, other, year),
                 lambda: store.check_institute(viewer, other)):
        with pytest.raises(Refused):
            call()


def test_an_analyst_reads_what_everyone_reads(store):
    analyst = VIEWERS["analyst"]
    ours, theirs = cases(store, analyst), cases(store, EVERYONE)
    for read in ours:
        assert render(ours[read]()) == render(theirs[read]()), read


def test_pages_each_role_may_open():
    assert [p for p in ("overview", "institute", "compare", "quality", "definitions")
            if not VIEWERS["leader province:33"].may_see_page(p)] == ["quality"]
    assert all(VIEWERS["institute FJQI"].may_see_page(p) for p in ("overview", "quality"))
    with pytest.raises(ValueError):
        Viewer("institute")  # an institute viewer without its institute would see everything


def test_a_restricted_viewer_s_manifest_counts_its_own_files_only(store):
    everyone = store.version(EVERYONE).manifest
    for name, viewer in VIEWERS.items():
        if viewer.access_key is None:
            continue
        manifest = store.version(viewer).manifest
        files = manifest["source_files"]
        assert manifest["totals"]["files"] == len(files) < everyone["totals"]["files"], name
        assert manifest["totals"]["quarantined"] == sum(f["quarantined"] for f in files), name
        assert "quality_gates" not in manifest and "dbt" not in manifest, name


def test_the_compare_page_s_average_is_the_group_s_not_the_viewer_s_institutes(store):
    """An institute sees itself alone on the compare page; the reference line is still the group's
    published average where the group may be shown to it — never the mean of what it sees."""
    d = {"metric": "prj_initiated", "year_a": store.years(EVERYONE)[-1], "group": "all"}
    published = compare.group_mean(EVERYONE, store, d)
    own = store.institute_metric_years(VIEWERS["institute FJQI"], metric_id="prj_initiated", years=[d["year_a"]])
    assert compare.group_mean(VIEWERS["institute FJQI"], store, d) == published != own["value"].iloc[0]
    hidden = {**d, "group": "inspection"}  # FJQI's peer group: one other institute
    assert compare.group_mean(VIEWERS["institute FJQI"], store, hidden) is None
