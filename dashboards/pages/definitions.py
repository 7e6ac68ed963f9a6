"""指标说明 Definitions: every metric of the catalog, in the view's language."""
from __future__ import annotations

import pandas as pd
from dash import html

from dashboards.components import table, table_card
from dashboards.data import MartStore
from dashboards.i18n import pick, t
from dashboards.pages.common import state_store

PATH = "/definitions"
PAGE = "definitions"


def layout(store: MartStore, state: dict):
    lang = state["lang"]
    return html.Div([state_store(PAGE, {"lang": lang}),
                     table_card("definitions", lang, t("definitions", lang), table(definitions(store, state), lang))])


def definitions(store: MartStore, state: dict) -> pd.DataFrame:
    lang = state["lang"]
    return pd.DataFrame([{t("metric", lang): pick(m, "name", lang), "id": m["metric_id"],
                          t("unit", lang): pick(m, "unit", lang), t("definition", lang): pick(m, "description", lang),
                          t("direction", lang): t(m["direction"], lang)}
                         for _, m in store.metrics().iterrows()])


TABLES = {"definitions": definitions}


def register(app, store: MartStore) -> None:
    """Nothing to update: the page has no controls, and a new language renders it again."""
