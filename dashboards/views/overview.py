"""The overview page's questions: the headline KPIs of a scope and year (also the report pack's
overview figures), the figures revised since the year's official release, and the leaderboard of
institutes × headline metrics."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dashboards.i18n import fmt_pct, fmt_rank, fmt_value, pick, t
from dashboards.views.common import institute_names
from dashboards.views.store import MartStore
from dashboards.views.viewer import Viewer


def defaults(viewer: Viewer, store: MartStore, state: dict) -> dict:
    years = store.years(viewer)
    return {"year": state.get("year") if state.get("year") in years else years[-1], "group": state.get("group", "all")}


def kpi_card_data(viewer: Viewer, store: MartStore, year: int, group_id: str, lang: str) -> list[dict]:
    """What each headline KPI card shows, as data (the overview's cards, the report pack's overview
    figures): the metric, its series over the years, the year's row, the value and YoY in words, the target."""
    metrics = store.metrics(viewer)
    headline = metrics[metrics["is_headline"]]
    series = store.group_metric_years(viewer, group_id)
    by_metric = dict(iter(series.sort_values(["metric_id", "year"]).groupby("metric_id", sort=False)))
    targets = _targets(store.institute_metric_years(viewer, years=[year], group_id=group_id))
    revised = revisions(viewer, store, year, group_id)
    cards = []
    for _, m in headline.iterrows():
        rows = by_metric.get(m["metric_id"], series.iloc[:0])
        now = rows[rows["year"] == year]
        unit = pick(m, "unit", lang)
        if now.empty:
            value_text, delta = "—", ""
        else:
            r = now.iloc[0]
            value_text = fmt_value(r["value"], r["qualifier"], unit, lang)
            delta = f"{t('yoy', lang)} {fmt_value(r['yoy_abs'], None, '', lang) if pd.notna(r['yoy_abs']) else '—'}" \
                    f" ({fmt_pct(r['yoy_pct'], lang)})" + (f" · {t('small_base', lang)}" if r["yoy_small_base"] else "")
        target_text, ratio = None, None
        if m["metric_id"] in targets.index:
            tr = targets.loc[m["metric_id"]]
            ratio = tr["value_with_target"] / tr["target"] if tr["target"] else None
            target_text = (f"{t('target', lang)} {fmt_value(tr['target'], None, unit, lang)} · "
                           f"{t('attainment', lang)} {fmt_pct(ratio, lang, signed=False)}")
        change = revised.get(m["metric_id"])
        revised_text = t("revised_detail", lang).format(
            official=fmt_value(change[0], None, unit, lang), latest=fmt_value(change[1], None, unit, lang)) \
            if change else None
        cards.append({"metric": m, "rows": rows, "now": now, "value_text": value_text, "delta": delta,
                      "target_text": target_text, "ratio": ratio, "revised_text": revised_text})
    return cards


def revisions(viewer: Viewer, store: MartStore, year: int, group_id: str) -> dict[str, tuple[float | None, float | None]]:
    """metric_id → (official value, latest value) of the group's figures for `year` that the latest
    version publishes otherwise than the year's official release (none when the year has no release or
    the release is the latest version): two published numbers compared, whichever version the viewer
    reads. A figure one of them lacks counts as revised (None on that side)."""
    entry = store.releases(viewer).get(year)
    latest, official = viewer.reading(None), viewer.reading(year)
    if entry is None or entry["run_id"] == store.version(latest).run_id:
        return {}

    def build() -> dict:
        def values(reader: Viewer) -> dict:
            rows = store.group_metric_years(reader, group_id)
            rows = rows[rows["year"] == year]
            return dict(zip(rows["metric_id"].tolist(), rows["value"].tolist(), strict=True))
        before, after = values(official), values(latest)
        changed = {}
        for metric_id in sorted(set(before) | set(after)):
            a, b = _number(before.get(metric_id)), _number(after.get(metric_id))
            # the last bits of a sum of doubles may follow the order the warehouse added them in
            if (a is None) != (b is None) or (a is not None and not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)):
                changed[metric_id] = (a, b)
        return changed
    return store.memo(latest, ("revisions", year, group_id), build)


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _targets(rows: pd.DataFrame) -> pd.DataFrame:
    """Per metric, the sum of the targets set for the year and the sum of the values of the institutes
    that have one (sums over nothing stay empty, as in SQL)."""
    with_target = rows.loc[rows["target"].notna(), ["metric_id", "target", "value"]]
    return with_target.groupby("metric_id").sum(min_count=1).rename(columns={"value": "value_with_target"})


def leaderboard(viewer: Viewer, store: MartStore, state: dict) -> pd.DataFrame:
    """Institutes × headline metrics: the year's value and rank n / N of each, one row per institute
    (in the facts' order). Each cell formatted once and put in place by position."""
    lang = state["lang"]
    d = defaults(viewer, store, state)
    metrics = store.metrics(viewer)
    headline = metrics[metrics["is_headline"]]
    rows = store.institute_metric_years(viewer, years=[d["year"]], group_id=d["group"])
    rows = rows[rows["metric_id"].isin(headline["metric_id"])]
    if rows.empty:
        return pd.DataFrame()
    rank_col, n_col = ("group_rank", "group_n") if d["group"] == "all" else ("peer_rank", "peer_n")
    not_reported = t("not_reported", lang)
    # .tolist() first: iterating an Arrow-backed column calls back into pandas per element (~3× slower)
    values = [fmt_value(v, q, "", lang) if reported else not_reported
              for v, q, reported in zip(rows["value"].tolist(), rows["qualifier"].tolist(),
                                        rows["is_reported"].tolist(), strict=True)]
    ranks = [fmt_rank(r, n, lang) for r, n in zip(rows[rank_col].tolist(), rows[n_col].tolist(), strict=True)]
    # one row per institute (in the rows' order), one column per headline metric that has rows
    row_of, institutes = pd.factorize(rows["institute_id"])
    with_rows = set(rows["metric_id"].tolist())  # once, not per metric
    present = [m for m in headline.to_dict("records") if m["metric_id"] in with_rows]
    column_of = rows["metric_id"].map({m["metric_id"]: i for i, m in enumerate(present)}).to_numpy()
    value_cells = np.full((len(institutes), len(present)), None, dtype=object)
    rank_cells = value_cells.copy()
    value_cells[row_of, column_of] = values
    rank_cells[row_of, column_of] = ranks
    names = institute_names(viewer, store, lang)
    columns = {t("institute", lang): [names.get(i, i) for i in institutes]}
    for i, m in enumerate(present):
        label = pick(m, "name", lang)
        columns[label] = value_cells[:, i]
        columns[f"{label} {t('rank', lang)}"] = rank_cells[:, i]
    return pd.DataFrame(columns)
