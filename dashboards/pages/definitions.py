"""指标说明 Definitions: every metric of the catalog, in the view's language."""
from __future__ import annotations

from dash import html

from dashboards.i18n import t
from dashboards.pages.common import state_store
from dashboards.pages.components import table, table_card
from dashboards.views.definitions import definitions
from dashboards.views.store import MartStore
from dashboards.views.viewer import Viewer

PATH = "/definitions"
PAGE = "definitions"


def layout(viewer: Viewer, store: MartStore, state: dict):
    lang = state["lang"]
    return html.Div([state_store(PAGE, {"lang": lang}),
                     table_card("definitions", lang, t("definitions", lang), table(definitions(viewer, store, state), lang))])


# name → builder(viewer, store, state): a table as the page shows it for a view state (the table downloads)
TABLES = {"definitions": definitions}


def register(app, store: MartStore) -> None:
    """Nothing to update: the page has no controls, and a new language renders it again."""
