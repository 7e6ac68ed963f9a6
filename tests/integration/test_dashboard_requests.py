"""Crafted callback requests against the dashboard over the published demo: a value no control of the
page offers (an institute, metric, year, group or language that is not published) is answered 400 with
a short message and logged, by every callback; a figure is exported as the server draws it for the
page's state, never from a figure the browser sends, so no request made of the app reaches another
address (a canary on 127.0.0.1 hears nothing)."""
from __future__ import annotations

import base64
import logging

import pytest

from dashboards.server.app import create_app
from tests.callbacks import (
    FIGURE,
    address_bar,
    compare,
    compare_peers,
    dependency,
    download,
    institute_figures,
    institute_records,
    overview,
    pick_year,
    table_download,
)
from tests.canary import Canary


@pytest.fixture(scope="module")
def app(published_demo):
    settings, _ = published_demo
    return create_app(settings, dev=True)


# each callback of the pages, and the values no control of the demo's pages offers
CALLBACKS = {
    "overview": (overview, {"year": 1900, "group": "nope", "lang": "xx", "page": "2"}),
    "institute figures": (institute_figures, {"institute": "NOPE", "metric": "nope", "record_year": 1900,
                                              "lang": "fr"}),
    "institute records": (institute_records, {"institute": "NOPE", "metric": "nope", "record_year": 2099,
                                              "lang": "xx"}),
    "pick a year on the trend": (pick_year, {"record_year": 1900}),
    "compare": (compare, {"metric": "nope", "metric_b": "nope", "year_a": 1900, "year_b": "2023", "group": "nope",
                          "lang": "xx"}),
    "compare peers": (compare_peers, {"metric": "nope", "metric_b": "nope", "year_a": 1900, "year_b": "2023",
                                      "group": "nope", "lang": "xx"}),
    "address bar": (address_bar, {"institute": "NOPE", "metric": ["prj_initiated"], "record_year": 1900,
                                  "lang": "xx"}),
    "table download": (table_download, {"table": "nope", "fmt": "exe"}),
}
BAD = [(name, key, value) for name, (_, bad) in CALLBACKS.items() for key, value in bad.items()]


@pytest.mark.parametrize("name", list(CALLBACKS))
def test_every_callback_answers_the_values_its_page_offers(app, name):
    build, _ = CALLBACKS[name]
    response = app.server.test_client().post("/_dash-update-component", json=build({}))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]


@pytest.mark.parametrize(("name", "key", "value"), BAD, ids=[f"{n}-{k}" for n, k, _ in BAD])
def test_a_value_no_control_offers_is_answered_400_and_logged(app, caplog, name, key, value):
    build, _ = CALLBACKS[name]
    with caplog.at_level(logging.WARNING, logger="touyan.dashboard"):
        response = app.server.test_client().post("/_dash-update-component", json=build({key: value}))
    assert response.status_code == 400
    message = response.json["error"]
    assert message == f"unknown {key}: {value!r}"
    assert [r.getMessage() for r in caplog.records] == [
        f"refused a request from 127.0.0.1 to /_dash-update-component: {message}"]


def test_a_figure_download_draws_the_servers_figure_and_the_browsers_reaches_no_address(app):
    """The download used to take the figure the browser holds and hand it to the renderer: a figure
    whose layout.images points at an address made the server's Chromium fetch it. A request shaped like
    that one is refused now, and the one the page sends carries no figure: the export is the figure the
    server draws for the address's state."""
    web = app.server.test_client()
    address = "?institute=FJQI&metric=prj_initiated"
    with Canary() as canary:
        crafted = {"data": [{"type": "bar", "x": ["a"], "y": [1]}],
                   "layout": {"title": {"text": "CRAFTED"},
                              "images": [{"source": f"{canary.url}/canary.png", "xref": "paper", "yref": "paper",
                                          "x": 0, "y": 1, "sizex": 1, "sizey": 1}]}}
        sent_figure = download("figure", "trend", "svg", ("png", "svg", "pdf"),
                               [dependency(FIGURE("trend"), "figure", crafted), dependency("url", "search", address),
                                dependency("url", "pathname", "/institute")])
        refused = web.post("/_dash-update-component", json=sent_figure)
        page_sends = download("figure", "trend", "svg", ("png", "svg", "pdf"), [dependency("url", "search", address)])
        answered = web.post("/_dash-update-component", json=page_sends)
        assert canary.requests == []
    assert refused.status_code == 400
    assert answered.status_code == 200, answered.get_data(as_text=True)[:500]
    (file,) = [output["data"] for output in answered.json["response"].values()]
    svg = base64.b64decode(file["content"]).decode()
    assert file["filename"] == "touyan-trend-FJQI-prj_initiated.svg"
    assert "新立项项目数 · 福建省产品质量检验研究院" in svg  # the server's figure for the address's state
    assert "CRAFTED" not in svg and "<image" not in svg and "127.0.0.1" not in svg


@pytest.mark.parametrize(("figure", "fmt"), [("nope", "svg"), ("trend", "html"), ("trend", None)])
def test_a_figure_download_of_a_figure_or_format_no_button_offers_is_answered_400(app, figure, fmt):
    body = download("figure", figure, fmt or "svg", ("png", "svg", "pdf"), [dependency("url", "search", "")])
    if fmt is None:
        body["changedPropIds"] = []
    response = app.server.test_client().post("/_dash-update-component", json=body)
    assert response.status_code == 400 and response.json["error"].startswith("unknown ")


def test_of_the_reports_only_the_gates_static_pages_are_served(app, published_demo):
    """The quality gates' reports are served, with the app's headers; GX's Data Docs beside them (which
    load scripts from CDNs) and anything else of the reports folder are not."""
    settings, _ = published_demo
    web = app.server.test_client()
    for gate in ("raw", "marts"):
        page = web.get(f"/reports/quality/{gate}/report.html")
        assert page.status_code == 200 and page.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert "<script" not in page.get_data(as_text=True)
        assert (settings.reports_dir / "quality" / gate / "index.html").is_file()  # GX's, on disk
    assert web.get("/reports/quality/ingest/report.html").status_code == 404
    reports = settings.reports_dir
    # (an unknown address gets the app's page, as any address does: never the file)
    for path, file in (("/reports/quality/raw/index.html", reports / "quality" / "raw" / "index.html"),
                       ("/reports/quality/raw/static/styles/data_docs_default_styles.css",
                        reports / "quality" / "raw" / "static" / "styles" / "data_docs_default_styles.css"),
                       ("/reports/last_run.json", reports / "last_run.json"),
                       ("/reports/quality/raw/..%2F..%2Flast_run.json", reports / "last_run.json"),
                       ("/reports/ingest/rejects.csv", reports / "ingest" / "rejects.csv")):
        answer = web.get(path)
        assert file.read_bytes().strip() not in answer.get_data(), path
