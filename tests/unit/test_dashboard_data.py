"""The dashboard's MartStore: per published version it reads the small marts once and filters them in
memory; a new publish is served from the next call on, only the current version is kept, and what it
hands out cannot change what it keeps."""
from __future__ import annotations

import gc
import json
import os
import time
import weakref
from pathlib import Path

import duckdb
import pytest

from dashboards.views.common import institute_names
from dashboards.views.store import MartStore, NotPublished
from dashboards.views.viewer import EVERYONE

MARTS = {
    "dim_institutes": """select * from (values ('35', 'FJQI', '福建省质检院', 'Fujian QI', '闽质检'),
                                              ('33', 'ZJQS', '浙江省质科院', 'Zhejiang QS', null),
                                              ('33', 'ZJSI', '浙江省标准院', 'Zhejiang SI', null))
                         t(province_code, institute_id, name_zh, name_en, aliases)""",
    "dim_metrics": """select * from (values ('prj', 1, '项目', 'Projects'), ('ip', 2, '知识产权', 'IP'))
                      t(metric_id, sort_order, name_zh, name_en)""",
    "dim_groups": """select * from (values ('all', 0, '全部', 'All'), ('peer', 1, '同类', 'Peers'))
                     t(group_id, sort_order, name_zh, name_en)""",
    "dim_code_labels": "select 'x' as code, '甲' as label_zh, 'X' as label_en",
    "fct_institute_metric_year": """select i.institute_id, y.year::integer as year, m.metric_id,
                                           case when i.institute_id = 'FJQI' then 'peer' else 'other' end as peer_group_id,
                                           (y.year - 2000) * 10 + m.n + i.n as value
                                    from (values ('FJQI', 1), ('ZJQS', 2), ('ZJSI', 3)) i(institute_id, n),
                                         (values ('prj', 100), ('ip', 200)) m(metric_id, n),
                                         (select unnest(range(2020, {last} + 1)) as year) y""",
    "fct_group_metric_year": """select g.group_id, y.year::integer as year, m.metric_id, y.year * 1.0 as value
                                from (values ('all'), ('peer')) g(group_id), (values ('prj'), ('ip')) m(metric_id),
                                     (select unnest(range(2020, {last} + 1)) as year) y""",
}


def publish(marts: Path, run_id: str, last_year: int, institute_zh: str = "福建省质检院") -> Path:
    """A version folder with the marts the store reads, then `current` switched to it (as publish does)."""
    version = marts / "versions" / run_id
    version.mkdir(parents=True)
    con = duckdb.connect()
    entries = []
    for mart, sql in MARTS.items():
        sql = sql.format(last=last_year).replace("福建省质检院", institute_zh)
        con.execute(f"copy ({sql}) to '{version / (mart + '.parquet')}' (format parquet)")
        entries.append({"mart": mart, "file": mart + ".parquet"})
    (version / "manifest.json").write_text(json.dumps({"run_id": run_id, "marts": entries}), encoding="utf-8")
    incoming = marts / ".current-incoming"
    os.symlink(Path("versions") / run_id, incoming)
    os.replace(incoming, marts / "current")
    return version


@pytest.fixture
def marts(tmp_path) -> Path:
    return tmp_path / "marts"


def test_nothing_published_says_so(marts):
    marts.mkdir()
    with pytest.raises(NotPublished):
        MartStore(marts).years(EVERYONE)


def test_filters_in_memory_give_what_the_query_gave(marts):
    version = publish(marts, "r1", 2023)
    store = MartStore(marts)
    con = duckdb.connect()
    sql = f"""select f.*, i.name_zh as institute_zh, i.name_en as institute_en
              from '{version}/fct_institute_metric_year.parquet' f join '{version}/dim_institutes.parquet' i
              using (institute_id) where {{}} order by f.year, f.institute_id, f.metric_id"""
    cases = [({}, "true"), ({"metric_id": "ip"}, "metric_id = 'ip'"),
             ({"metric_id": "prj", "institute_id": "ZJQS"}, "metric_id = 'prj' and institute_id = 'ZJQS'"),
             ({"years": [2021, 2023]}, "year in (2021, 2023)"),
             ({"years": [2022], "group_id": "peer"}, "year = 2022 and peer_group_id = 'peer'"),
             ({"metric_id": "nope"}, "false")]
    for filters, where in cases:
        got = store.institute_metric_years(EVERYONE, **filters)
        want = con.execute(sql.format(where)).df()
        assert got[["institute_id", "year", "metric_id", "value", "institute_zh"]].values.tolist() == \
            want[["institute_id", "year", "metric_id", "value", "institute_zh"]].values.tolist(), filters
    assert store.years(EVERYONE) == [2020, 2021, 2022, 2023]
    assert store.group_metric_years(EVERYONE, "peer", "ip")["year"].tolist() == [2020, 2021, 2022, 2023]
    assert store.institutes(EVERYONE)["institute_id"].tolist() == ["ZJQS", "ZJSI", "FJQI"]  # province, then id


def test_a_new_publish_is_served_on_the_next_call_and_the_old_version_is_let_go(marts):
    publish(marts, "r1", 2023)
    store = MartStore(marts)
    assert store.version(EVERYONE).run_id == "r1" and store.years(EVERYONE)[-1] == 2023
    assert institute_names(EVERYONE, store, "zh")["FJQI"] == "闽质检"
    old = weakref.ref(store.snapshot())
    publish(marts, "r2", 2024, institute_zh="福建省质检院（新）")
    assert store.version(EVERYONE).run_id == "r2" and store.years(EVERYONE)[-1] == 2024
    assert store.institute_metric_years(EVERYONE, years=[2024], metric_id="ip")["institute_zh"].tolist() == \
        ["福建省质检院（新）", "浙江省质科院", "浙江省标准院"]
    gc.collect()
    assert old() is None  # only the current version's data is kept


def test_what_the_store_hands_out_does_not_change_what_it_keeps(marts):
    publish(marts, "r1", 2022)
    store = MartStore(marts)
    rows = store.institute_metric_years(EVERYONE)
    rows["value"] = -1.0
    rows.loc[0, "institute_id"] = "XXXX"
    metrics = store.metrics(EVERYONE)
    metrics["name_zh"] = "changed"
    names = institute_names(EVERYONE, store, "en")
    names["FJQI"] = "changed"
    assert (store.institute_metric_years(EVERYONE)["value"] > 0).all()
    assert "XXXX" not in store.institute_metric_years(EVERYONE)["institute_id"].tolist()
    assert store.metrics(EVERYONE)["name_zh"].tolist() == ["项目", "知识产权"]
    assert institute_names(EVERYONE, store, "en")["FJQI"] == "FJQI"


def test_the_watcher_loads_a_new_version_before_it_is_asked_for(marts):
    publish(marts, "r1", 2022)
    store = MartStore(marts)
    warmed = []
    store.watch(0.05, warm=lambda: warmed.append(store.version(EVERYONE).run_id))
    assert warmed == ["r1"] and store._snapshot.run_id == "r1"  # loaded and warmed before it returns
    publish(marts, "r2", 2023)
    deadline = time.monotonic() + 60  # a bound for a failing test only: the loop ends when it loads
    while store._snapshot.run_id != "r2" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store._snapshot.run_id == "r2" and warmed == ["r1"]  # loaded without a request; warmed once


def test_rendered_pages_are_kept_per_version_and_access_and_bounded(marts, monkeypatch):
    from dashboards.views import store as store_module
    from dashboards.views.viewer import EVERYONE, Viewer

    monkeypatch.setattr(store_module, "RECENT_KEPT", 3)
    publish(marts, "run1", 2024)
    store = MartStore(marts)
    built = []

    def recent(viewer, key):
        return store.recent(viewer, key, lambda: built.append(key) or object())

    first = recent(EVERYONE, "a")
    assert recent(Viewer(role="analyst", username="another"), "a") is first  # the same access: shared
    assert recent(Viewer(role="institute", institute_id="FJQI"), "a") is not first  # another: its own
    recent(EVERYONE, "b")
    recent(EVERYONE, "a")  # "a" used last: the oldest goes first
    recent(EVERYONE, "c")
    assert built == ["a", "a", "b", "c"] and recent(EVERYONE, "a") is first
    publish(marts, "run2", 2024)  # a new version: nothing kept from the old one
    assert recent(EVERYONE, "a") is not first and built[-1] == "a"
