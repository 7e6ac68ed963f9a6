"""The units of an institute (its divisions 所, centres 中心, offices 室 and teams 班组: dim_units) and
their figures (fct_unit_metric_year): the unit control's options, a unit's series, the institute's units
side by side for a metric and year, the units under a unit (whose records count for it), and a unit's —
or the whole institute's — output profile. A viewer sees a unit iff it sees the unit's institute
(`MartStore.check_unit`); the store has cut the units' marts to the viewer's institutes."""
from __future__ import annotations

import pandas as pd

from dashboards.i18n import column, fmt_pct, fmt_rank, fmt_value, pick, t
from dashboards.views.store import MartStore
from dashboards.views.viewer import Viewer

WHOLE = "all"  # the unit control's value for the whole institute (the address then has no `unit`)
# the profile's series: awards, papers, IP (patents, software), standards and metrology specifications
PROFILE_METRICS = ("awd_total", "pap_total", "ip_total", "std_published", "std_metrology")


def institute_units(viewer: Viewer, store: MartStore, institute_id: str) -> pd.DataFrame:
    """dim_units' rows of the institute that are valid in some year of the data (that have rows in
    fct_unit_metric_year), parents before their children, siblings in the order of their paths."""
    store.check_institute(viewer, institute_id)

    def build() -> pd.DataFrame:
        units = store.units(viewer)
        units = units[units["institute_id"] == institute_id]
        code = dict(zip(units["unit_id"], units["unit_code"], strict=True))
        parent = dict(zip(units["unit_id"], units["parent_unit_id"], strict=True))

        def codes(unit: str) -> tuple:  # the codes from the top unit down: a tree's order, siblings by code
            chain: list[str] = []
            while isinstance(unit, str) and unit in code and code[unit] not in chain:
                chain.insert(0, code[unit])
                unit = parent[unit]
            return tuple(chain)
        with_rows = set(store.unit_metric_years(viewer, institute_id=institute_id).drop_duplicates("unit_id")["unit_id"])
        units = units[units["unit_id"].isin(with_rows)]
        return units.iloc[sorted(range(len(units)), key=lambda i: codes(units["unit_id"].iloc[i]))].reset_index(drop=True)
    return store.memo(viewer, ("institute_units", institute_id), build).copy(deep=False)


def unit_options(viewer: Viewer, store: MartStore, institute_id: str, lang: str) -> list[dict]:
    """The unit control's options: 全院 / Whole institute first, then each unit by its path, indented by
    its depth (searchable by its path, code and aliases too)."""
    def build() -> list[dict]:
        options = [{"label": t("whole_institute", lang), "value": WHOLE}]
        for r in institute_units(viewer, store, institute_id).to_dict("records"):
            aliases = r["aliases"] if isinstance(r["aliases"], str) else ""
            options.append({"label": "\u3000" * (int(r["depth"]) - 1) + pick(r, "path", lang), "value": r["unit_id"],
                            "search": " ".join([r["path_zh"], r["path_en"], r["unit_code"], aliases])})
        return options
    return store.memo(viewer, ("unit_options", institute_id, lang), build)


def unit_of(viewer: Viewer, store: MartStore, institute_id: str, unit_id: str | None) -> str | None:
    """`unit_id` when it is one of the institute's units the control offers; None (the whole
    institute) otherwise — a link naming a unit of another institute, or one out of the data, opens on the
    whole institute, as a link naming another institute opens on the viewer's own."""
    if not unit_id or unit_id == WHOLE:
        return None
    units = institute_units(viewer, store, institute_id)
    return unit_id if unit_id in set(units["unit_id"]) else None


def unit_path(viewer: Viewer, store: MartStore, unit_id: str, lang: str) -> str:
    """The unit's path name (先进制造计量研究中心 / 几何量计量室); Refused for a unit the viewer may not see."""
    store.check_unit(viewer, unit_id)
    paths = store.memo(viewer, ("unit_paths", lang),
                       lambda: dict(zip(store.units(viewer)["unit_id"], store.units(viewer)[column("path", lang)],
                                        strict=True)))
    return paths[unit_id]


def descendants(viewer: Viewer, store: MartStore, unit_id: str) -> list[str]:
    """The unit and every unit under it (the units whose records count for it), in path order."""
    store.check_unit(viewer, unit_id)

    def build() -> dict[str, list[str]]:
        units = store.units(viewer)
        parent = dict(zip(units["unit_id"], units["parent_unit_id"], strict=True))
        below: dict[str, list[str]] = {}
        for unit in units["unit_id"]:  # each unit counts for itself and every ancestor
            seen, up = set(), unit
            while isinstance(up, str) and up not in seen:  # a cycle cannot pass the ingest; guarded all the same
                seen.add(up)
                below.setdefault(up, []).append(unit)
                up = parent.get(up)
        return below
    return list(store.memo(viewer, "unit_descendants", build)[unit_id])


def unit_series(viewer: Viewer, store: MartStore, unit_id: str, metric_id: str) -> pd.DataFrame:
    """The unit's rows of the metric, by year (fct_unit_metric_year), with the columns the institute's
    series has that a unit has not (target, group_mean) empty."""
    store.check_unit(viewer, unit_id)
    rows = store.unit_metric_years(viewer, unit_id=unit_id, metric_id=metric_id)
    return rows.assign(target=float("nan"), target_attainment=float("nan")).sort_values("year").reset_index(drop=True)


def unit_rows(viewer: Viewer, store: MartStore, institute_id: str, metric_id: str, year: int, lang: str) -> pd.DataFrame:
    """The institute's units in a year for a metric, in the control's order: unit_id, depth, and as text
    the path name, type, value, YoY, rank among the institute's units of its level and share of the
    institute's value. Units not valid in the year are left out."""
    units = institute_units(viewer, store, institute_id)
    rows = store.unit_metric_years(viewer, institute_id=institute_id, metric_id=metric_id, years=[year])
    rows = units[["unit_id", "unit_type", column("path", lang)]].merge(
        rows.drop(columns=["unit_type"]), on="unit_id", how="inner")
    metric = store.metrics(viewer).set_index("metric_id").loc[metric_id]
    unit = metric[column("unit", lang)]
    types = unit_type_names(viewer, store, lang)
    return pd.DataFrame({
        "unit_id": rows["unit_id"], "depth": rows["depth"],
        t("unit_name", lang): rows[column("path", lang)],
        t("unit_type", lang): [types.get(c, c) for c in rows["unit_type"]],
        t("value", lang) + f" {year}": [fmt_value(v, q, unit, lang) if reported else t("not_reported", lang)
                                        for v, q, reported in zip(rows["value"], rows["qualifier"], rows["is_reported"],
                                                                  strict=True)],
        t("yoy", lang): [fmt_pct(v, lang) for v in rows["yoy_pct"]],
        t("rank_in_level", lang): [fmt_rank(r, n, lang) for r, n in zip(rows["level_rank"], rows["level_n"], strict=True)],
        t("share_of_institute", lang): [fmt_pct(v, lang, signed=False) for v in rows["institute_share"]],
    })


def unit_type_names(viewer: Viewer, store: MartStore, lang: str) -> dict[str, str]:
    """unit_type code → its name (所 / Division …) from dim_code_labels."""
    def build() -> dict[str, str]:
        labels = store.labels(viewer)
        labels = labels[labels["code_type"] == "unit_type"]
        return dict(zip(labels["code"], labels[column("name", lang)], strict=True))
    return store.memo(viewer, ("unit_type_names", lang), build)


def profile(viewer: Viewer, store: MartStore, institute_id: str, unit_id: str | None) -> pd.DataFrame:
    """Awards, papers, IP, standards and metrology specifications by year (PROFILE_METRICS) of the unit,
    or of the whole institute when `unit_id` is None: year, metric_id, name_zh, name_en, value, in the
    order of PROFILE_METRICS."""
    store.check_institute(viewer, institute_id)
    if unit_id is None:
        rows = store.institute_metric_years(viewer, institute_id=institute_id)
    else:
        store.check_unit(viewer, unit_id)
        rows = store.unit_metric_years(viewer, institute_id=institute_id, unit_id=unit_id)
    metrics = store.metrics(viewer)
    metrics = metrics[metrics["metric_id"].isin(PROFILE_METRICS)][["metric_id", "name_zh", "name_en"]]
    rows = rows.loc[rows["metric_id"].isin(PROFILE_METRICS), ["year", "metric_id", "value"]]
    rows = rows.merge(metrics, on="metric_id").assign(order=lambda f: f["metric_id"].map(PROFILE_METRICS.index))
    return rows.sort_values(["order", "year"]).drop(columns=["order"]).reset_index(drop=True)
