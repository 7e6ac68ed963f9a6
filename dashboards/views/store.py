"""The store of the read layer: the published marts (`data/marts/current` → a version
folder of Parquet files), resolving `current` again on every call, so a refresh that publishes is seen
on the next interaction and one in progress is never seen half-way (the switch is one atomic rename;
versions are immutable).

Per published version it keeps a `Snapshot`: the manifest, a DuckDB connection with a view per mart
(for the large record marts and ad-hoc questions), and the small marts the pages ask about on every
interaction — the dimensions, fct_institute_metric_year, fct_group_metric_year, and the units' dim_units
and fct_unit_metric_year — read once into pandas and filtered in memory (a version published before
the units has none: empty frames). The current version's snapshot is kept: the first call that sees a new
`current` builds the new one and drops the old (a callback still holding it finishes on it). A viewer
reading a year's official release (`Viewer.release`, data/marts/releases.json: the versions prune keeps)
gets that version's snapshot, loaded on its first read and kept while it is a release.

What a viewer sees of a version is its `Cut` (the full one, or one built once per version and access:
the viewer's institutes, the aggregates dashboards.views.access lets it see), with the same fast
selections. The store's public reads take the viewer first, as every read of dashboards.views does; its
raw-SQL entry (`_frame`) and `snapshot()` are for the other modules of dashboards.views only, which apply
the viewer to what they ask.

Over 400 lines because the version's loading, the viewer's cut of it and the store's reads over the cut
are one mechanism: split, each part would reach into the others' private state."""
from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq

from dashboards.views.access import BENCHMARK_COLUMNS, restrict
from dashboards.views.viewer import EVERYONE, Refused, Viewer
from pipelines.config import RELEASES_FILE

RECENT_KEPT = 512  # rendered pages kept per published version (a few MB)
# the columns the pages read of the units' marts: an older version without them gets empty frames of these
UNIT_COLUMNS = {
    "dim_units": ["unit_id", "institute_id", "unit_code", "name_zh", "name_en", "aliases", "unit_type",
                  "parent_unit_id", "depth", "path_zh", "path_en", "valid_from", "valid_to"],
    "fct_unit_metric_year": ["institute_id", "unit_id", "parent_unit_id", "depth", "unit_type", "year", "metric_id",
                             "domain", "is_reported", "value", "qualifier", "prior_value", "yoy_abs", "yoy_pct",
                             "yoy_small_base", "r3y", "r3y_qualifier", "institute_value", "institute_share",
                             "level_rank", "level_n", "staff_total", "per_100_staff"],
}


class NotPublished(RuntimeError):
    pass


class NotReleased(NotPublished):
    """A release year with no official release (or whose version is gone): the reason in Chinese and English."""

    def __init__(self, year: int, message_zh: str, message_en: str):
        self.year, self.message_zh, self.message_en = year, message_zh, message_en
        super().__init__(message_en)


@dataclass(frozen=True)
class Version:
    """A published version: its folder and its manifest (run_id, published_at, totals, stage_seconds)."""

    path: Path
    manifest: dict

    @property
    def run_id(self) -> str:
        return self.manifest["run_id"]


class Snapshot:
    """One published version, loaded. Thread-safe; its frames are never modified (callers get
    shallow copies: pandas' copy-on-write keeps the snapshot's own frames intact)."""

    def __init__(self, path: Path):
        self.path = path
        self.manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        self.version = Version(path, self.manifest)
        self._con = duckdb.connect()
        files = {mart["mart"]: path / mart["file"] for mart in self.manifest["marts"]}
        for mart, file in files.items():
            self._con.execute(f"create view {mart} as select * from read_parquet('{file}')")
        self._lock = threading.RLock()  # a memoised value may be built from another (a viewer's cut)
        self._memo: dict = {}
        self._recent: OrderedDict = OrderedDict()
        read = self._read(files)
        self.institutes = read("dim_institutes", [("province_code", "ascending"), ("institute_id", "ascending")])
        self.metrics = read("dim_metrics", [("sort_order", "ascending")])
        self.groups = read("dim_groups", [("sort_order", "ascending"), ("group_id", "ascending")])
        self.labels = read("dim_code_labels")
        # rows ordered as the pages expect them (year, institute), each with the institute's names
        facts = read("fct_institute_metric_year", [("year", "ascending"), ("institute_id", "ascending"),
                                                   ("metric_id", "ascending")])
        names = self.institutes.set_index("institute_id")
        facts = facts.assign(institute_zh=facts["institute_id"].map(names["name_zh"]),
                             institute_en=facts["institute_id"].map(names["name_en"]),
                             # a version published before the peer benchmarks: blank, as for a hidden group
                             **{c: np.nan for c in BENCHMARK_COLUMNS if c not in facts})
        group_facts = read("fct_group_metric_year", [("year", "ascending"), ("metric_id", "ascending")])
        self.years = sorted(int(y) for y in facts["year"].unique())
        # the units (an institute's divisions, centres, offices, teams), in the register's order of paths
        units = read("dim_units", [("institute_id", "ascending"), ("path_zh", "ascending")], optional=True)
        unit_facts = read("fct_unit_metric_year", [("year", "ascending"), ("unit_id", "ascending"),
                                                   ("metric_id", "ascending")], optional=True)
        self.everything = Cut(self.institutes, self.groups, facts, group_facts, units, unit_facts)

    @property
    def run_id(self) -> str:
        return self.manifest["run_id"]

    @staticmethod
    def _read(files: dict[str, Path]) -> Callable[..., pd.DataFrame]:
        def read(mart: str, order: list[tuple[str, str]] | None = None, optional: bool = False) -> pd.DataFrame:
            if optional and mart not in files:  # a version published before the mart existed
                return pd.DataFrame(columns=UNIT_COLUMNS.get(mart, []))
            table = pq.read_table(files[mart])
            if order:
                table = table.take(pc.sort_indices(table, sort_keys=order))
            return table.to_pandas()
        return read

    def memo(self, key, build: Callable[[], object]):
        """A value derived from this version's data (option lists, name maps), built once."""
        with self._lock:
            if key not in self._memo:
                self._memo[key] = build()
            return self._memo[key]

    def _frame(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """A query over this version's marts (a view per mart), on a cursor of its own (thread-safe)."""
        cursor = self._con.cursor()
        try:
            return cursor.execute(sql, params or []).df()
        finally:
            cursor.close()

    def recent(self, key, build: Callable[[], object], size: int | None = None):
        """A value derived from this version that many requests ask for again (a page rendered for an
        address), kept among the `size` most recently used: bounded, since addresses are the clients' to
        choose. Built outside the lock — a render takes tens of milliseconds and must not hold up other
        threads; two requests for the same new key may then both build it."""
        with self._lock:
            if key in self._recent:
                self._recent.move_to_end(key)
                return self._recent[key]
        value = build()
        with self._lock:
            self._recent[key] = value
            self._recent.move_to_end(key)
            while len(self._recent) > (size or RECENT_KEPT):
                self._recent.popitem(last=False)
        return value

    def cut(self, viewer: Viewer) -> Cut:
        """What the viewer sees of this version, built once per access (dashboards.views.access)."""
        if viewer.access_key is None:
            return self.everything
        return self.memo((viewer.access_key, "cut"), lambda: self._restricted(viewer))

    def _restricted(self, viewer: Viewer) -> Cut:
        everything = self.everything
        in_scope = self.institutes[viewer.in_scope(self.institutes)]
        if in_scope.empty:
            raise Refused("您的范围内没有已发布的机构。", "no published institute is in your scope.")
        facts, group_facts = restrict(everything.institute_metric_years, everything.group_metric_years,
                                      set(in_scope["institute_id"]), viewer.min_group_others)
        groups = self.groups[self.groups["group_id"].isin(set(group_facts["group_id"]))]
        # a unit is seen with its institute: its figures (the institute's value and share, the rank among
        # the institute's units of its level) are the institute's own, no other institute's
        ids = list(in_scope["institute_id"])
        units = everything.units[everything.units["institute_id"].isin(ids)].reset_index(drop=True)
        unit_facts = everything.unit_metric_years[everything.unit_metric_years["institute_id"].isin(ids)]
        return Cut(in_scope.reset_index(drop=True), groups.reset_index(drop=True), facts, group_facts, units,
                   unit_facts.reset_index(drop=True))


class Cut:
    """Dimensions and facts as one access sees them (`Snapshot.everything` is full access's), each fact
    column the pages filter on factorised once (`_Codes`), so that a selection is integer comparisons."""

    def __init__(self, institutes: pd.DataFrame, groups: pd.DataFrame, facts: pd.DataFrame, group_facts: pd.DataFrame,
                 units: pd.DataFrame, unit_facts: pd.DataFrame):
        self.institutes, self.groups = institutes, groups
        self.institute_ids = frozenset(institutes["institute_id"])
        self.institute_metric_years, self.group_metric_years = facts, group_facts
        self._codes = {column: _Codes(facts[column]) for column in ("metric_id", "institute_id", "peer_group_id")}
        self._year_array = facts["year"].to_numpy()
        self._group_codes = {column: _Codes(group_facts[column]) for column in ("group_id", "metric_id")}
        self.units, self.unit_metric_years = units, unit_facts
        self.unit_ids = frozenset(units["unit_id"])
        self._unit_codes = {column: _Codes(unit_facts[column]) for column in ("institute_id", "unit_id", "metric_id")}
        self._unit_year_array = unit_facts["year"].to_numpy()

    def select_institute_metric_years(self, metric_id=None, institute_id=None, years=None,
                                      group_id="all") -> pd.DataFrame:
        mask = np.ones(len(self._year_array), dtype=bool)
        for column, value in (("metric_id", metric_id), ("institute_id", institute_id),
                              ("peer_group_id", None if group_id == "all" else group_id)):
            if value:
                mask &= self._codes[column].equals(value)
        if years:
            mask &= np.isin(self._year_array, list(years))
        return self.institute_metric_years[mask].reset_index(drop=True)

    def select_unit_metric_years(self, institute_id=None, unit_id=None, metric_id=None, years=None) -> pd.DataFrame:
        mask = np.ones(len(self._unit_year_array), dtype=bool)
        for column, value in (("institute_id", institute_id), ("unit_id", unit_id), ("metric_id", metric_id)):
            if value:
                mask &= self._unit_codes[column].equals(value)
        if years:
            mask &= np.isin(self._unit_year_array, list(years))
        return self.unit_metric_years[mask].reset_index(drop=True)

    def select_group_metric_years(self, group_id: str, metric_id: str | None = None) -> pd.DataFrame:
        mask = self._group_codes["group_id"].equals(group_id)
        if metric_id:
            mask &= self._group_codes["metric_id"].equals(metric_id)
        return self.group_metric_years[mask].reset_index(drop=True)


class _Codes:
    """A column factorised once, so that `column == value` is an integer comparison."""

    def __init__(self, column: pd.Series):
        codes, uniques = pd.factorize(column)
        self.codes, self.index = codes, {value: i for i, value in enumerate(uniques)}

    def equals(self, value) -> np.ndarray:
        return self.codes == self.index.get(value, -2)


class MartStore:
    """Thread-safe. `snapshot()` is the current version's; the reads every page needs come below (each
    page's own questions are in its module of dashboards.views)."""

    def __init__(self, marts_dir: Path, reports_dir: Path | None = None, rules_dir: Path | None = None):
        self.marts_dir = marts_dir
        self.reports_dir = reports_dir
        self.rules_dir = rules_dir  # the evaluation rules' saved versions (Settings.rules_dir): the evaluation page lists them
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self._released: dict[Path, Snapshot] = {}  # the official releases' versions read so far
        self._record: tuple[int, dict[int, dict]] = (-1, {})  # releases.json's mtime_ns and content

    def snapshot(self, release: int | None = None) -> Snapshot:
        """The current version, or the official release of the year `release` (a viewer's
        `Viewer.release`); for dashboards.views only. NotReleased for a year without an official release."""
        if release is not None:
            return self._release_snapshot(release)
        link = self.marts_dir / "current"
        try:
            path = link.resolve(strict=True)
        except (FileNotFoundError, RuntimeError):
            raise NotPublished(f"nothing is published in {self.marts_dir} yet — run `make refresh`") from None
        snapshot = self._snapshot
        if snapshot is not None and snapshot.path == path:
            return snapshot
        with self._lock:
            if self._snapshot is None or self._snapshot.path != path:
                self._snapshot = Snapshot(path)  # the previous one goes once no callback holds it
            return self._snapshot

    def releases(self, viewer: Viewer) -> dict[int, dict]:
        """The official releases: year → {run_id, by, at, note} (pipelines/refresh/releases.py writes
        them). Read again whenever the file changes: marking one needs no restart."""
        path = self.marts_dir / RELEASES_FILE
        try:
            stamp = path.stat().st_mtime_ns
        except FileNotFoundError:
            return {}
        if self._record[0] != stamp:
            record = json.loads(path.read_text(encoding="utf-8"))
            self._record = (stamp, {int(year): entry for year, entry in record.get("releases", {}).items()})
        return dict(self._record[1])

    def _release_snapshot(self, year: int) -> Snapshot:
        entry = self.releases(EVERYONE).get(year)
        if entry is None:
            raise NotReleased(year, f"{year} 年没有年报口径版本（请用 make release YEAR={year} 标记）。",
                              f"there is no official {year} release (an analyst marks one: make release YEAR={year}).")
        path = self.marts_dir / "versions" / entry["run_id"]
        if not (path / "manifest.json").is_file():
            raise NotReleased(year, f"{year} 年报口径版本 {entry['run_id']} 已不存在。",
                              f"the official {year} release, run {entry['run_id']}, is no longer on disk.")
        snapshot = self._released.get(path)
        if snapshot is not None:
            return snapshot
        with self._lock:
            if path not in self._released:
                kept = {self.marts_dir / "versions" / e["run_id"] for e in self.releases(EVERYONE).values()}
                self._released = {p: s for p, s in self._released.items() if p in kept}  # withdrawn ones go
                self._released[path] = Snapshot(path)
            return self._released[path]

    def _key(self, viewer: Viewer, key) -> tuple:
        """A memo key: the access, the release read and `key`. In the latest version, values that compare
        it with an official release (dashboards.views.overview.revisions) depend on the record too: its
        releases are part of the key, so marking one is seen on the next interaction."""
        record = tuple(sorted((year, e["run_id"]) for year, e in self.releases(viewer).items()))
        return (viewer.access_key, viewer.release, record, key)

    def watch(self, every_s: float, warm: Callable[[], object] | None = None) -> None:
        """Load each newly published version as soon as it appears (a daemon thread looking every
        `every_s`), so that the first interaction after a refresh does not wait for it. The current
        version is loaded before this returns, then `warm()` runs once (e.g. renders every page: the
        libraries' first-use costs). Requests still resolve `current` themselves: one that comes first
        loads the version, or waits for the load under way."""
        seen = None

        def check() -> None:
            nonlocal seen, warm
            try:
                snapshot = self.snapshot()
                if snapshot is not seen:
                    seen = snapshot
                    if warm is not None:
                        warm, first = None, warm
                        first()
            except Exception:  # nothing published yet, or a version pruned while loading: next time
                pass

        def loop() -> None:
            while True:
                time.sleep(every_s)
                check()

        check()
        threading.Thread(target=loop, name="marts-watch", daemon=True).start()

    def version(self, viewer: Viewer) -> Version:
        """The version the viewer reads (the current one, or its release's): `.path`, `.manifest`,
        `.run_id`. A viewer who is not full-access gets the
        manifest's list of source files cut to its institutes' (file names name institutes)."""
        snapshot = self.snapshot(viewer.release)
        if viewer.access_key is None:
            return snapshot.version
        return snapshot.memo((viewer.access_key, "version"), lambda: self._version_for(viewer, snapshot))

    def _version_for(self, viewer: Viewer, snapshot: Snapshot) -> Version:
        """The manifest as a restricted viewer sees it: its institutes' files, the totals over those (the
        version's totals count every institute's files and rejects), and not the gates' and dbt's
        records (their failures name rows)."""
        mine = set(self._institute_rows(viewer, "fct_source_files")["source_file"])
        files = [f for f in snapshot.manifest.get("source_files", []) if f.get("file") in mine]
        totals = {"files": len(files), **{key: sum(f.get(key, 0) for f in files)
                                          for key in ("rows_read", "accepted", "quarantined", "warnings")}}
        hidden = ("quality_gates", "dbt", "validation_seconds")
        manifest = {**{k: v for k, v in snapshot.manifest.items() if k not in hidden},
                    "source_files": files, "totals": totals}
        return Version(snapshot.path, manifest)

    def recent(self, viewer: Viewer, key, build: Callable[[], object]):
        """A value derived from the version `viewer` reads as it sees it, kept while often asked for
        (Snapshot.recent): a new version starts afresh."""
        return self.snapshot(viewer.release).recent(self._key(viewer, key), build)

    def memo(self, viewer: Viewer, key, build: Callable[[], object]):
        """A value derived from the data of the version `viewer` reads as it sees it (option lists, name maps),
        built once per version and access (viewers with the same access share it)."""
        return self.snapshot(viewer.release).memo(self._key(viewer, key), build)

    def _frame(self, viewer: Viewer, sql: str, params: list | None = None) -> pd.DataFrame:
        """A query over the marts of the version the viewer reads: for dashboards.views only, which apply
        the viewer to what they ask (`check_institute`, `Viewer.check_page`)."""
        return self.snapshot(viewer.release)._frame(sql, params)

    def check_institute(self, viewer: Viewer, institute_id: str) -> None:
        """Refused unless the viewer sees the institute in full: asked before reading its records, whatever
        the caller checked (a crafted request, a script)."""
        if institute_id not in self.snapshot(viewer.release).cut(viewer).institute_ids:
            raise Refused(f"无权查看机构 {institute_id!r} 的数据。", f"you may not see institute {institute_id!r}.")

    def check_unit(self, viewer: Viewer, unit_id: str) -> None:
        """Refused unless the unit is one of the viewer's institutes' (a crafted unit id of another
        institute, or one that does not exist)."""
        if unit_id not in self.snapshot(viewer.release).cut(viewer).unit_ids:
            raise Refused(f"无权查看单位 {unit_id!r} 的数据。", f"you may not see unit {unit_id!r}.")

    def _institute_rows(self, viewer: Viewer, mart: str, order: str = "") -> pd.DataFrame:
        """A mart's rows whose `institute_id` is one of the viewer's institutes (all of them for full
        access; a row without one is for full access only): for dashboards.views only."""
        if viewer.access_key is None:
            return self._frame(viewer, f"select * from {mart} {order}")
        snapshot = self.snapshot(viewer.release)
        if snapshot._frame(f"select 1 from (describe {mart}) where column_name = 'institute_id'").empty:
            return snapshot._frame(f"select * from {mart} where false")  # a version before the column
        ids = sorted(snapshot.cut(viewer).institute_ids)
        return snapshot._frame(f"select * from {mart} where list_contains(?, institute_id) {order}", [ids])

    # --- the reads every page needs --------------------------------------------------------------

    def institutes(self, viewer: Viewer) -> pd.DataFrame:
        """dim_institutes: the viewer's institutes."""
        return self.snapshot(viewer.release).cut(viewer).institutes.copy(deep=False)

    def metrics(self, viewer: Viewer) -> pd.DataFrame:
        return self.snapshot(viewer.release).metrics.copy(deep=False)

    def groups(self, viewer: Viewer) -> pd.DataFrame:
        """dim_groups: the groups of which the viewer sees at least one row."""
        return self.snapshot(viewer.release).cut(viewer).groups.copy(deep=False)

    def labels(self, viewer: Viewer) -> pd.DataFrame:
        return self.snapshot(viewer.release).labels.copy(deep=False)

    def years(self, viewer: Viewer) -> list[int]:
        return list(self.snapshot(viewer.release).years)

    def institute_metric_years(self, viewer: Viewer, metric_id: str | None = None, institute_id: str | None = None,
                               years: list[int] | None = None, group_id: str = "all") -> pd.DataFrame:
        """fct_institute_metric_year with the institute's names (institute_zh, institute_en), ordered by
        year and institute: the viewer's institutes, aggregates it may not see blank."""
        return self.snapshot(viewer.release).cut(viewer).select_institute_metric_years(metric_id, institute_id, years, group_id)

    def units(self, viewer: Viewer) -> pd.DataFrame:
        """dim_units: the units of the viewer's institutes."""
        return self.snapshot(viewer.release).cut(viewer).units.copy(deep=False)

    def unit_metric_years(self, viewer: Viewer, institute_id: str | None = None, unit_id: str | None = None,
                          metric_id: str | None = None, years: list[int] | None = None) -> pd.DataFrame:
        """fct_unit_metric_year: the rows of the viewer's institutes' units, ordered by year and unit."""
        return self.snapshot(viewer.release).cut(viewer).select_unit_metric_years(institute_id, unit_id, metric_id, years)

    def group_metric_years(self, viewer: Viewer, group_id: str = "all", metric_id: str | None = None) -> pd.DataFrame:
        """fct_group_metric_year: the rows the viewer may see."""
        return self.snapshot(viewer.release).cut(viewer).select_group_metric_years(group_id, metric_id)
