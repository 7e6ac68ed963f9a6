"""What the report pack holds: per unit (the group, each institute) the figures it draws, each with how
to build it and its stamp — the dashboard's own frames (dashboards.views), figure builders
(dashboards.figures) and stamps (dashboards.render.stamp), so the pack shows what the pages show.
`FigurePlan` is the part of ReportPack (pack.py) that makes the plan, from the pack's year, language,
chosen institutes and metrics and its pinned store."""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import pandas as pd
import plotly.graph_objects as go

from dashboards import figures
from dashboards.i18n import pick, t
from dashboards.render.stamp import Stamp, stamp
from dashboards.views import compare, institute, overview

GROUP = "group"  # the unit (folder) of the whole group's pack
SPARKLINE_HEIGHT = 300
# The compare page's figures the group section draws per metric. Awards, papers and talent titles are
# counts of a few records per institute and year: their YoY ranking is mostly "small base" bars and
# their count against per-100-staff intensity says little, so they get this year against last by
# institute and the ranks over the years only (and the group section stays ~20 pages, not ~25).
COMPARE_FIGURES = ("side_by_side", "yoy_ranked", "count_vs_intensity", "rank_heatmap")
FEW_RECORDS_DOMAINS = frozenset({"awards", "papers", "talent"})
FEW_RECORDS_FIGURES = ("side_by_side", "rank_heatmap")


@dataclass
class FigureSpec:
    """One figure of the pack: how to build it (a page's frame → a figures.py builder) and its stamp."""

    unit: str  # GROUP or an institute id: the folder its files go to
    name: str  # file stem, e.g. "trend-prj_initiated"
    section: str  # heading it is listed under in the combined PDF (the metric's name, or the page's)
    build: Callable[[], go.Figure]
    stamp: Callable[[go.Figure], Stamp]
    height: int | None = None  # None: the figure's own height plus room for the stamp


@dataclass
class Unit:
    """The group, or one institute: its figures, its KPI table and its combined PDF."""

    id: str
    name: str
    figures: list[FigureSpec]
    shared: list[FigureSpec] = field(default_factory=list)  # other units' figures its combined PDF shows


class FigurePlan:
    """`plan()`: the units and their figures. Mixed into ReportPack, whose attributes it reads: viewer,
    store, lang, year, years, headline (the metrics drawn), institutes (the chosen ones' rows).
    `group_name` is also the combined PDF's cover's (page.py)."""

    def plan(self) -> list[Unit]:
        """The group's unit, then each institute's; an institute's user gets its own institute's only
        (its group pages would compare it with itself)."""
        units, shared = [], []
        if self.viewer.role != "institute":
            group = Unit(GROUP, self.group_name("all"), self._overview_figures() + self._compare_figures())
            units, shared = [group], [f for f in group.figures if f.name.startswith("compare-")]
        for _, row in self.institutes.iterrows():
            units.append(Unit(row["institute_id"], pick(row, "name", self.lang), self._institute_figures(row),
                              shared=shared))
        return units

    def _state(self, **state) -> dict:
        return {"lang": self.lang, **state}

    def _span(self) -> str:
        return f"{self.years[0]}–{self.year}"

    def _stamp(self, state: dict, title: str | None = None) -> Callable[[go.Figure], Stamp]:
        def make(fig: go.Figure) -> Stamp:
            made = stamp(self.viewer, self.store, state, fig.to_dict())
            return replace(made, title=title) if title else made
        return make

    def _overview_figures(self) -> list[FigureSpec]:
        cards = {c["metric"]["metric_id"]: c for c in overview.kpi_card_data(self.viewer, self.store, self.year, "all", self.lang)
                 if c["metric"]["metric_id"] in set(self.headline["metric_id"])}
        specs = []
        for metric_id, card in cards.items():
            name = pick(card["metric"], "name", self.lang)
            value = f"{self.year}: {card['value_text']}" + (f" · {card['delta']}" if card["delta"] else "")
            specs.append(FigureSpec(
                GROUP, f"overview-{metric_id}", t("overview", self.lang),
                build=lambda c=card: figures.sparkline(c["rows"]["year"].tolist(), c["rows"]["value"].tolist()),
                stamp=self._stamp(self._state(group="all", metric=metric_id, year=self._span()),
                                  f"{name} · {self.group_name('all')} · {value}"),
                height=SPARKLINE_HEIGHT))
        return specs

    def _compare_figures(self) -> list[FigureSpec]:
        specs = []
        year_a, year_b = self.year, self.year - 1 if self.year - 1 in self.years else self.year
        for _, m in self.headline.iterrows():
            metric_id, name = m["metric_id"], pick(m, "name", self.lang)
            d = {"metric": metric_id, "year_a": year_a, "year_b": year_b, "group": "all"}
            meta = {"metric_id": metric_id, **m.to_dict()}
            frames = _Once(lambda d=d: compare.frames(self.viewer, self.store, d, self.lang))
            pair_state = self._state(group="all", metric=metric_id, year_a=year_a, year_b=year_b)
            year_state = self._state(group="all", metric=metric_id, year=year_a)
            span_state = self._state(group="all", metric=metric_id, year=self._span())
            drawn = FEW_RECORDS_FIGURES if m["domain"] in FEW_RECORDS_DOMAINS else COMPARE_FIGURES
            specs += [spec for spec in [
                FigureSpec(GROUP, f"compare-side_by_side-{metric_id}", name,
                           build=lambda f=frames, meta=meta, d=d: figures.side_by_side(
                               compare.pair(f()[0], year_a, year_b), meta, self.lang, year_a, year_b,
                               compare.group_mean(self.viewer, self.store, d)),
                           stamp=self._stamp(pair_state)),
                FigureSpec(GROUP, f"compare-yoy_ranked-{metric_id}", name,
                           build=lambda f=frames: figures.yoy_ranked(f()[1], self.lang),
                           stamp=self._stamp(year_state, f"{t('yoy_ranked', self.lang)} · {name} · {year_a}")),
                FigureSpec(GROUP, f"compare-count_vs_intensity-{metric_id}", name,
                           build=lambda f=frames, meta=meta: figures.count_vs_intensity(f()[1], meta, self.lang),
                           stamp=self._stamp(year_state, f"{t('count_vs_intensity', self.lang)} · {name} · {year_a}")),
                FigureSpec(GROUP, f"compare-rank_heatmap-{metric_id}", name,
                           build=lambda f=frames: figures.rank_heatmap(f()[0], self.lang),
                           stamp=self._stamp(span_state, f"{t('rank_heatmap', self.lang)} · {name} · {self._span()}")),
            ] if spec.name.split("-")[1] in drawn]
        return specs

    def _institute_figures(self, row: pd.Series) -> list[FigureSpec]:
        institute_id, full_name = row["institute_id"], pick(row, "name", self.lang)
        specs = []
        for _, m in self.headline.iterrows():
            metric_id, name = m["metric_id"], pick(m, "name", self.lang)
            meta = {"metric_id": metric_id, **m.to_dict()}
            rows = _Once(lambda metric_id=metric_id: institute.series(self.viewer, self.store, institute_id, metric_id))
            state = self._state(institute=institute_id, metric=metric_id, year=self._span(), group="all")
            specs += [
                FigureSpec(institute_id, f"trend-{metric_id}", name,
                           build=lambda r=rows, meta=meta: figures.trend(r(), meta, self.lang, full_name),
                           stamp=self._stamp(state)),
                FigureSpec(institute_id, f"share-{metric_id}", name,
                           build=lambda r=rows: figures.share(r(), self.lang),
                           stamp=self._stamp(state, f"{t('share', self.lang)} · {name} · {full_name}")),
            ]
        return specs

    def group_name(self, group_id: str) -> str:
        groups = self.store.groups(self.viewer).set_index("group_id")
        return pick(groups.loc[group_id], "name", self.lang) if group_id in groups.index else group_id


class _Once:
    """A frame built on first use and shared by the figures drawn from it (thread-safe)."""

    def __init__(self, make: Callable[[], object]):
        self._make, self._lock, self._value = make, threading.Lock(), None

    def __call__(self):
        with self._lock:
            if self._value is None:
                self._value = self._make()
            return self._value
