"""The definitions page's question (also the report pack's definitions section): every metric of the
catalog in the view's language."""
from __future__ import annotations

import pandas as pd

from dashboards.i18n import pick, t, t_or
from dashboards.views.store import MartStore
from dashboards.views.viewer import Viewer


def definitions(viewer: Viewer, store: MartStore, state: dict) -> pd.DataFrame:
    lang = state["lang"]
    return pd.DataFrame([{t("domain", lang): t_or(f"domain_{m['domain']}", lang, m["domain"]),
                          t("metric", lang): pick(m, "name", lang), "id": m["metric_id"],
                          t("unit", lang): pick(m, "unit", lang), t("definition", lang): pick(m, "description", lang),
                          t("direction", lang): t(m["direction"], lang)}
                         for _, m in store.metrics(viewer).iterrows()])
