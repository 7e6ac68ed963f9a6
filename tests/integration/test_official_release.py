"""An official release (年报口径) read beside the latest version: the demo published and released for 2024,
one institute's 2024 projects then withdrawn from its file and refreshed again. The store reads either
version, the overview's cards mark the revised figure with both values, and a request for `?release=2024`
serves the released numbers with a stamp that says so."""
from __future__ import annotations

import base64
import json

import pytest

from dashboards.i18n import fmt_value
from dashboards.server.app import create_app
from dashboards.views import overview
from dashboards.views.store import MartStore, NotReleased
from dashboards.views.viewer import EVERYONE
from pipelines.config import Settings
from pipelines.refresh.releases import mark
from tests.callbacks import dependency, download
from tests.conftest import TODAY

CHANGED = "浙江省标准化研究院科研项目统计.csv"  # one institute's project counts, a demo file
METRIC = "prj_initiated"


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    from pipelines.demo import generate
    from pipelines.refresh import refresh

    root = tmp_path_factory.mktemp("released") / "data"
    generate(root / "raw")
    settings = Settings(data_dir=root, id_salt="test-salt", today=TODAY)
    first = refresh(settings, out=None)
    mark(settings.marts_dir, 2024, None, "analyst", "annual report")
    path = settings.raw_dir / "project_counts" / CHANGED
    raw = path.read_bytes()
    encoding = "utf-8-sig" if raw.startswith(b"\xef\xbb\xbf") else "utf-8"
    lines = raw.decode(encoding).splitlines(keepends=True)
    kept = [line for line in lines if not (",2024," in line and ",立项," in line)]
    assert len(kept) < len(lines)  # the file had 2024 projects initiated: they are withdrawn
    path.write_bytes("".join(kept).encode(encoding))
    second = refresh(settings, out=None)
    return settings, first.run_id, second.run_id


def group_value(store, viewer, year=2024):
    rows = store.group_metric_years(viewer, "all", METRIC)
    return float(rows.loc[rows["year"] == year, "value"].iloc[0])


def test_the_store_reads_the_latest_version_or_the_release(released):
    settings, first, second = released
    store = MartStore(settings.marts_dir)
    official = EVERYONE.reading(2024)
    assert first != second
    assert store.version(EVERYONE).run_id == second and store.version(official).run_id == first
    assert group_value(store, official) > group_value(store, EVERYONE)  # the withdrawn projects
    assert group_value(store, official, 2023) == group_value(store, EVERYONE, 2023)
    with pytest.raises(NotReleased) as refused:
        store.version(EVERYONE.reading(2023))
    assert "2023 年没有年报口径版本" in refused.value.message_zh and "no official 2023 release" in refused.value.message_en


def test_a_revised_figure_is_marked_with_both_values_on_either_view(released):
    settings, _, _ = released
    store = MartStore(settings.marts_dir)
    official, latest = group_value(store, EVERYONE.reading(2024)), group_value(store, EVERYONE)
    revised = overview.revisions(EVERYONE, store, 2024, "all")
    assert revised[METRIC] == (official, latest)
    assert overview.revisions(EVERYONE, store, 2023, "all") == {}  # no release for 2023
    for viewer in (EVERYONE, EVERYONE.reading(2024)):
        cards = {c["metric"]["metric_id"]: c for c in overview.kpi_card_data(viewer, store, 2024, "all", "en")}
        unit = cards[METRIC]["metric"]["unit_en"]
        assert cards[METRIC]["revised_text"] == \
            f"official {fmt_value(official, None, unit, 'en')} → latest {fmt_value(latest, None, unit, 'en')}"
        assert [m for m, c in cards.items() if c["revised_text"]] == list(revised)  # the others are not marked


@pytest.fixture(scope="module")
def web(released):
    settings, _, _ = released
    return create_app(settings, dev=True).server.test_client()


def layout_text(web, query: str) -> str:
    response = web.get("/_dash-layout", headers={"Referer": f"http://localhost/{query}"})
    assert response.status_code == 200
    return json.dumps(response.json, ensure_ascii=False)


def test_release_2024_in_the_address_serves_the_released_numbers(released, web):
    settings, first, second = released
    store = MartStore(settings.marts_dir)
    official, latest = group_value(store, EVERYONE.reading(2024)), group_value(store, EVERYONE)
    shown_official, shown_latest = fmt_value(official, None, "项", "zh"), fmt_value(latest, None, "项", "zh")
    released_page = layout_text(web, "?release=2024")
    assert "2024 年报口径 · 数据截至" in released_page and f"批次 {first}" in released_page
    assert f'"children": "{shown_official}"' in released_page  # the card's value is the official one
    assert f"年报口径 {shown_official} → 最新 {shown_latest}" in released_page
    latest_page = layout_text(web, "")
    assert "最新 · 数据截至" in latest_page and f"批次 {second}" in latest_page
    assert f'"children": "{shown_latest}"' in latest_page and "已修订" in latest_page
    assert '"href": "?lang=zh&release=2024"' in latest_page  # the choice of version, as a link
    unknown = layout_text(web, "?release=2019")
    assert "2019 年没有年报口径版本" in unknown


def test_an_export_of_the_official_view_is_stamped_with_the_release_and_its_run(released, web):
    _, first, second = released
    address = "?institute=FJQI&metric=prj_initiated&release=2024"
    request = download("figure", "trend", "svg", ("png", "svg", "pdf"), [dependency("url", "search", address)])
    answered = web.post("/_dash-update-component", json=request,
                        headers={"Referer": f"http://localhost/institute{address}"})
    assert answered.status_code == 200, answered.get_data(as_text=True)[:500]
    (file,) = [output["data"] for output in answered.json["response"].values()]
    svg = base64.b64decode(file["content"]).decode()
    assert "2024 年报口径" in svg and first in svg and second not in svg
    latest = download("figure", "trend", "svg", ("png", "svg", "pdf"),
                      [dependency("url", "search", "?institute=FJQI&metric=prj_initiated")])
    answered = web.post("/_dash-update-component", json=latest,
                        headers={"Referer": "http://localhost/institute?institute=FJQI&metric=prj_initiated"})
    (file,) = [output["data"] for output in answered.json["response"].values()]
    svg = base64.b64decode(file["content"]).decode()
    assert "最新" in svg and second in svg and first not in svg


def test_the_report_pack_reads_the_release_when_asked(released, monkeypatch, tmp_path):
    """`python -m dashboards.report --release 2024` makes the pack from the official version: its KPI table
    has the released figure, the latest version's pack the revised one."""
    from dashboards.report.__main__ import main

    settings, _, _ = released
    monkeypatch.setenv("TOUYAN_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TOUYAN_TODAY", TODAY.isoformat())
    tables = {}
    for label, extra in (("official", ["--release", "2024"]), ("latest", [])):
        out = tmp_path / label
        assert main(["--year", "2024", "--institutes", "ZJSI", "--metrics", METRIC, "--out", str(out), *extra]) == 0
        tables[label] = {unit: (out / unit / "csv" / f"{unit}-2024-zh-kpi-projects.csv").read_text(encoding="utf-8-sig")
                         for unit in ("group", "ZJSI")}
    # ZJSI's 2024 initiated projects were withdrawn after the release: both its table and the group's differ
    assert all(tables["official"][unit] != tables["latest"][unit] for unit in ("group", "ZJSI"))
    assert main(["--release", "2023", "--out", str(tmp_path / "none")]) == 2  # no 2023 release: said, exit 2
