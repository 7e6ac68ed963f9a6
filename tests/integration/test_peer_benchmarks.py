"""The peer benchmarks on the published demo: dbt's peer_median / peer_ratio / peer_percentile are the
median and mid-rank of the peer group's published values (worked out again here from the values), the
compare page reads them as published for full access, and an institute whose peer group has fewer than
`min_group_others` other reporting institutes sees none of them — through the read layer and through the
page's callback as a logged-in institute user."""
from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from dashboards.i18n import fmt_number, t
from dashboards.server.app import create_app
from dashboards.views import compare
from dashboards.views.access import BENCHMARK_COLUMNS
from dashboards.views.store import MartStore
from dashboards.views.viewer import EVERYONE, Viewer
from tests.callbacks import compare_peers
from tests.logins import logged_in, with_accounts

METRIC_A, METRIC_B = "prj_initiated", "ip_total"


@pytest.fixture(scope="module")
def published(published_demo):
    settings, _ = published_demo
    current = settings.marts_dir / "current"
    with duckdb.connect() as con:
        facts = con.execute(f"select * from '{current}/fct_institute_metric_year.parquet'").df()
        metrics = con.execute(f"select metric_id, direction from '{current}/dim_metrics.parquet'").df()
    return settings, facts, metrics


def test_the_benchmarks_are_the_median_and_mid_rank_of_the_peer_groups_reported_values(published):
    _, facts, metrics = published
    facts = facts.merge(metrics, on="metric_id")
    reported = facts[facts["value"].notna()]
    assert len(reported) > 100 and reported["peer_n"].max() >= 3  # groups of two and three in the demo
    checked = 0
    for _, group in reported.groupby(["peer_group_id", "year", "metric_id"]):
        values = group["value"].to_numpy(dtype=float)
        median = float(pd.Series(values).median())
        better = -values if group["direction"].iloc[0] == "lower_is_better" else values
        for row, key in zip(group.to_dict("records"), better, strict=True):
            below, equal = int((better < key).sum()), int((better == key).sum())
            assert math.isclose(row["peer_median"], median), row
            assert math.isclose(row["peer_percentile"], 100 * (below + 0.5 * equal) / len(values)), row
            if median == 0:
                assert pd.isna(row["peer_ratio"]), row
            else:
                assert math.isclose(row["peer_ratio"], row["value"] / median), row
            checked += 1
    assert checked == len(reported)
    unreported = facts[facts["value"].isna()]
    assert unreported["peer_ratio"].isna().all() and unreported["peer_percentile"].isna().all()


def test_full_access_reads_the_published_benchmarks(published):
    settings, facts, _ = published
    store = MartStore(settings.marts_dir)
    d = compare.defaults(EVERYONE, store, {"metric": METRIC_A, "metric_b": METRIC_B, "year_a": 2024})
    _, this_year = compare.frames(EVERYONE, store, d, "en")
    published_year = facts[facts["year"] == 2024].set_index(["institute_id", "metric_id"])
    for row in this_year.to_dict("records"):
        mart = published_year.loc[(row["institute_id"], METRIC_A)]
        for column in BENCHMARK_COLUMNS:
            assert row[column] == mart[column], (row["institute_id"], column)
    pair = compare.benchmark_pair(EVERYONE, store, d, this_year)
    assert len(pair) == len(this_year) == facts["institute_id"].nunique()
    for institute_id, ratio_a, ratio_b in zip(this_year["institute_id"], pair["ratio_a"], pair["ratio_b"], strict=True):
        assert ratio_a == published_year.loc[(institute_id, METRIC_A), "peer_ratio"]
        assert ratio_b == published_year.loc[(institute_id, METRIC_B), "peer_ratio"]
    table = compare.benchmark_table(EVERYONE, store, {**d, "lang": "en"})
    medians = dict(zip(table[t("institute", "en")], table[t("peer_median", "en")], strict=True))
    percentiles = dict(zip(table[t("institute", "en")], table[t("peer_percentile", "en")], strict=True))
    for institute_id in this_year["institute_id"]:  # the English short name is the id
        mart = published_year.loc[(institute_id, METRIC_A)]
        assert medians[institute_id] == fmt_number(mart["peer_median"], "en")
        assert percentiles[institute_id] == fmt_number(mart["peer_percentile"], "en", 1)
    shown = table[t("peer_percentile", "en")].map(float).tolist()
    assert shown == sorted(shown, reverse=True)  # best first


def test_an_institute_of_a_small_peer_group_sees_no_benchmark_and_with_k_1_sees_them_as_published(published):
    settings, facts, _ = published
    store = MartStore(settings.marts_dir)
    own = facts[facts["institute_id"] == "FJQI"].reset_index(drop=True)
    others = facts[(facts["peer_group_id"] == own["peer_group_id"].iloc[0]) & (facts["institute_id"] != "FJQI")]
    assert 0 < others["institute_id"].nunique() < 3  # inspection: FJQI and fewer than k = 3 others
    strict, loose = Viewer("institute", institute_id="FJQI"), Viewer("institute", institute_id="FJQI", min_group_others=1)
    assert strict.min_group_others == 3
    hidden = store.institute_metric_years(strict)
    assert len(hidden) == len(own) and hidden[list(BENCHMARK_COLUMNS)].isna().all(axis=None)
    assert own[list(BENCHMARK_COLUMNS)].notna().any(axis=None)  # there was something to hide
    d = compare.defaults(strict, store, {"metric": METRIC_A, "metric_b": METRIC_B, "year_a": 2024})
    _, this_year = compare.frames(strict, store, d, "zh")
    assert compare.benchmark_pair(strict, store, d, this_year)[["ratio_a", "ratio_b"]].isna().all(axis=None)
    table = compare.benchmark_table(strict, store, {**d, "lang": "zh"})
    assert len(table) == 1 and set(table.iloc[0][[t(c, "zh") for c in BENCHMARK_COLUMNS]]) == {"—"}

    seen = store.institute_metric_years(loose)  # one other reporting peer is enough for k = 1
    pd.testing.assert_frame_equal(seen[list(BENCHMARK_COLUMNS)], own.sort_values(["year", "metric_id"]).reset_index(
        drop=True)[list(BENCHMARK_COLUMNS)], check_dtype=False)


def test_a_leader_of_the_whole_peer_group_sees_its_benchmarks_as_published(published):
    settings, facts, _ = published
    store = MartStore(settings.marts_dir)
    rows = store.institute_metric_years(Viewer("leader", scope="group:standardization"), years=[2024])
    mart = facts[(facts["peer_group_id"] == "standardization") & (facts["year"] == 2024)]
    mart = mart.sort_values(["institute_id", "metric_id"]).reset_index(drop=True)
    assert len(rows) == len(mart) and rows[list(BENCHMARK_COLUMNS)].notna().any(axis=None)
    pd.testing.assert_frame_equal(rows.sort_values(["institute_id", "metric_id"]).reset_index(drop=True)[
        list(BENCHMARK_COLUMNS)], mart[list(BENCHMARK_COLUMNS)], check_dtype=False)


def test_the_compare_callback_answers_an_institute_user_without_benchmarks_and_says_why(published, tmp_path):
    settings, facts, _ = published
    app = create_app(with_accounts(replace(settings, accounts_file=tmp_path / "app.db", secret_key="test-key",
                                           trusted_proxies=())))
    web = logged_in(app, "fjqi")
    response = web.post("/_dash-update-component", json=compare_peers({"metric": METRIC_A, "metric_b": METRIC_B}))
    assert response.status_code == 200
    answer = response.json["response"]
    note = json.dumps(answer["compare-peer-note"], ensure_ascii=False)
    assert t("peer_hidden", "zh") in note and "同类仅" not in note
    pair = answer[json.dumps({"figure": "peer_pair", "type": "figure"}, separators=(",", ":"))]["figure"]
    assert pair["data"] == []  # no dot: no ratio to place it by
    table = json.dumps(answer[json.dumps({"table": "peer_benchmarks", "type": "table"}, separators=(",", ":"))],
                       ensure_ascii=False)
    fjqi = facts[(facts["institute_id"] == "FJQI") & (facts["year"] == 2024) & (facts["metric_id"] == METRIC_A)].iloc[0]
    assert fmt_number(fjqi["value"], "zh") in table and fmt_number(fjqi["peer_median"], "zh") not in table

    analyst = logged_in(app, "analyst1")
    response = analyst.post("/_dash-update-component", json=compare_peers({"metric": METRIC_A, "metric_b": METRIC_B}))
    note = json.dumps(response.json["response"]["compare-peer-note"], ensure_ascii=False)
    fewest = int(facts.loc[(facts["year"] == 2024) & (facts["metric_id"] == METRIC_A) & facts["value"].notna(),
                           "peer_n"].min())
    assert t("peer_small", "zh").format(n=fewest) in note


def test_a_version_published_before_the_benchmarks_is_read_with_them_blank(published, tmp_path):
    settings, _, _ = published
    source = (settings.marts_dir / "current").resolve()
    marts = tmp_path / "marts"
    version = marts / "versions" / source.name
    version.mkdir(parents=True)
    for file in source.iterdir():
        (version / file.name).symlink_to(file)
    facts = version / "fct_institute_metric_year.parquet"
    facts.unlink()
    with duckdb.connect() as con:
        con.execute(f"copy (select * exclude ({', '.join(BENCHMARK_COLUMNS)}) from "
                    f"'{source}/fct_institute_metric_year.parquet') to '{facts}' (format parquet)")
    (marts / "current").symlink_to(Path("versions") / source.name, target_is_directory=True)
    store = MartStore(marts)
    for viewer in (EVERYONE, Viewer("institute", institute_id="FJQI")):
        rows = store.institute_metric_years(viewer)
        assert len(rows) and rows[list(BENCHMARK_COLUMNS)].isna().all(axis=None)
