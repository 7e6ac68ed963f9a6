"""The callback requests the dashboard's pages send, built as Dash's renderer builds them: one builder
per server-side callback, each taking the values to send (the demo's defaults for those not given).
`BUILDERS` maps each callback (its output, as in app.callback_map) to its builder."""
from __future__ import annotations

import hashlib
import json


def dependency(component, prop: str, value=None) -> dict:
    return {"id": component, "property": prop, "value": value}


def prop_id(component, prop: str) -> str:
    name = json.dumps(component, sort_keys=True, separators=(",", ":")) if isinstance(component, dict) else component
    return f"{name}.{prop}"


def outputs_of(output: str):
    """The outputs Dash's renderer sends with a callback named `output` (as dash's split_callback_id)."""
    if output.startswith(".."):
        return [outputs_of(one) for one in output[2:-2].split("...")]
    component, prop = output.rsplit(".", 1)
    return {"id": json.loads(component) if component.startswith("{") else component, "property": prop}


def request(output: str, inputs: list, state: list, outputs=None, changed: str | None = None) -> dict:
    first = inputs[0][0] if isinstance(inputs[0], list) else inputs[0]
    return {"output": output, "outputs": outputs if outputs is not None else outputs_of(output),
            "inputs": inputs, "state": state, "changedPropIds": [changed or prop_id(first["id"], first["property"])]}


def duplicate(prop: str, inputs: list) -> str:
    """A property written by more than one callback (allow_duplicate), as Dash names it: suffixed with a
    hash of the callback's inputs (dash._utils.create_callback_id)."""
    names = ".".join(prop_id(i["id"], i["property"]) for i in inputs)
    return f"{prop}@{hashlib.sha256(names.encode('utf-8')).hexdigest()}"


def multi(*outputs: tuple) -> str:
    return "".join(f"..{prop_id(component, prop)}." for component, prop in outputs) + "."


FIGURE = lambda name: {"type": "figure", "figure": name}  # noqa: E731
PAGE_STATE = lambda page: {"type": "page-state", "page": page}  # noqa: E731
COMPARE_FIGURES = ("side_by_side", "yoy_ranked", "count_vs_intensity", "rank_heatmap", "peer_pair")


def overview(v: dict) -> dict:
    return request(multi(("overview-cards", "children"), ({"type": "table", "table": "leaderboard"}, "children"),
                         (PAGE_STATE("overview"), "data"), ("leaderboard-pager", "max_value"),
                         ("leaderboard-pager", "active_page"), ("leaderboard-pager", "style")),
                   [dependency("overview-year", "value", v.get("year", 2024)),
                    dependency("overview-group", "value", v.get("group", "all")),
                    dependency("leaderboard-pager", "active_page", v.get("page", 1))],
                   [dependency("lang", "data", v.get("lang", "zh"))])


def institute_controls(v: dict) -> tuple[list, list]:
    return ([dependency("institute-id", "value", v.get("institute", "FJQI")),
             dependency("institute-unit", "value", v.get("unit", "all")),
             dependency("institute-metric", "value", v.get("metric", "prj_initiated")),
             dependency("institute-record-year", "value", v.get("record_year", 2024))],
            [dependency("lang", "data", v.get("lang", "zh"))])


def institute_figures(v: dict) -> dict:
    return request(multi((FIGURE("trend"), "figure"), (FIGURE("share"), "figure"), ("institute-summary", "children"),
                         (FIGURE("profile"), "figure")),
                   *institute_controls(v))


def institute_records(v: dict) -> dict:
    return request(multi(({"type": "table", "table": "records"}, "children"), ({"type": "table", "table": "units"}, "children"),
                         (PAGE_STATE("institute"), "data")),
                   *institute_controls(v))


def institute_units(v: dict) -> dict:
    """The unit control's options and value for another institute."""
    return request(multi(("institute-unit", "options"), ("institute-unit", "value")),
                   [dependency("institute-id", "value", v.get("institute", "FJQI"))],
                   [dependency("lang", "data", v.get("lang", "zh"))])


def pick_year(v: dict) -> dict:
    return request("institute-record-year.value",
                   [dependency(FIGURE("trend"), "clickData", {"points": [{"x": v.get("record_year", 2020)}]})], [])


def compare(v: dict) -> dict:
    return request(multi(*[(FIGURE(name), "figure") for name in COMPARE_FIGURES[:-1]], (PAGE_STATE("compare"), "data")),
                   [dependency("compare-metric", "value", v.get("metric", "prj_initiated")),
                    dependency("compare-year-a", "value", v.get("year_a", 2024)),
                    dependency("compare-year-b", "value", v.get("year_b", 2023)),
                    dependency("compare-group", "value", v.get("group", "all"))],
                   [dependency("compare-metric-b", "value", v.get("metric_b", "ip_total")),
                    dependency("lang", "data", v.get("lang", "zh"))])


def compare_peers(v: dict) -> dict:
    """The compare page's peer benchmarks: metric B's figure, the table and its note (and the URL state,
    a duplicate output of the page's other callback)."""
    inputs = [dependency("compare-metric", "value", v.get("metric", "prj_initiated")),
              dependency("compare-metric-b", "value", v.get("metric_b", "ip_total")),
              dependency("compare-year-a", "value", v.get("year_a", 2024)),
              dependency("compare-group", "value", v.get("group", "all"))]
    return request(multi((FIGURE("peer_pair"), "figure"), ({"type": "table", "table": "peer_benchmarks"}, "children"),
                         ("compare-peer-note", "children"), (PAGE_STATE("compare"), duplicate("data", inputs))),
                   inputs, [dependency("compare-year-b", "value", v.get("year_b", 2023)),
                            dependency("lang", "data", v.get("lang", "zh"))])


def address_bar(v: dict) -> dict:
    page_state = {"lang": "zh", "institute": v.get("institute", "FJQI"), "metric": v.get("metric", "prj_initiated"),
                  "record_year": v.get("record_year", 2024), **({"unit": v["unit"]} if v.get("unit") else {})}
    return request(multi(("url", "search"), ("asof", "children")),
                   [[dependency(PAGE_STATE("institute"), "data", page_state)], dependency("lang-toggle", "n_clicks", 0)],
                   [dependency("url", "search", "?institute=FJQI"), dependency("lang", "data", v.get("lang", "zh"))])


def download(kind: str, name: str, fmt: str, formats: tuple, state: list) -> dict:
    button = lambda f: {"type": f"{kind}-download", kind: name, "fmt": f}  # noqa: E731
    return request(f'{{"{kind}":["MATCH"],"type":"{kind}-file"}}.data',
                   [[dependency(button(f), "n_clicks", 1 if f == fmt or fmt not in formats else None) for f in formats]], state,
                   outputs={"id": {"type": f"{kind}-file", kind: name}, "property": "data"},
                   changed=prop_id(button(fmt), "n_clicks"))


def table_download(v: dict) -> dict:
    return download("table", v.get("table", "definitions"), v.get("fmt", "csv"), ("csv", "xlsx"),
                    [dependency("url", "search", "?lang=en")])


def route(v: dict) -> dict:
    """The router: the page and language the address asks for."""
    outputs = [("page", "children"), ("nav", "children"), ("brand", "children"), ("lang-toggle", "children"),
               ("lang", "data"), ("rendered", "data")]
    path, search = v.get("path", "/"), v.get("search", "")
    return request(multi(*outputs), [dependency("wanted", "data", {"page": "x", "lang": "zh"})],
                   [dependency("url", "pathname", path), dependency("url", "search", search)])


def figure_download(v: dict) -> dict:
    return download("figure", v.get("figure", "trend"), v.get("fmt", "svg"), ("png", "svg", "pdf"),
                    [dependency("url", "search", v.get("search", "?institute=FJQI&metric=prj_initiated"))])


EVALUATION_WEIGHTS = {"projects": 25, "inventions": 20, "standards_led": 20, "papers": 15, "volunteering": 10,
                      "talent": 10}  # the demo's 2024 institutes' rules
EVALUATION_UNIT_WEIGHTS = {"projects": 20, "ip": 20, "standards": 20, "papers": 15, "volunteering": 15,
                           "awards": 10}  # and its units'


def evaluation_controls(v: dict) -> list:
    return [dependency("evaluation-year", "value", v.get("year", 2024)),
            dependency("evaluation-scope", "value", v.get("scope", "institute")),
            dependency("evaluation-group", "value", v.get("group", "all")),
            dependency("evaluation-entity", "value", v.get("entity", "FJQI"))]


def evaluation(v: dict) -> dict:
    return request(multi(("evaluation-group", "options"), ("evaluation-group", "value"), ("evaluation-entity", "options"),
                         ("evaluation-entity", "value"), ("evaluation-body", "children"), (PAGE_STATE("evaluation"), "data")),
                   evaluation_controls(v), [dependency("lang", "data", v.get("lang", "zh"))])


def _weights(v: dict) -> tuple[list, list]:
    weights = v.get("weights", EVALUATION_WEIGHTS)
    ids = [{"type": "what-if-weight", "item": item} for item in weights]
    return ([dependency(i, "value", w) for i, w in zip(ids, weights.values(), strict=True)],
            [dependency(i, "id", i) for i in ids])


def what_if(v: dict) -> dict:
    values, ids = _weights(v)
    return request(multi(("what-if-result", "children"), ("what-if-sum", "children")), [values],
                   [ids, *evaluation_controls(v)[:4], dependency("lang", "data", v.get("lang", "zh"))],
                   changed=prop_id(values[0]["id"], "value") if values else None)


def rules_save(v: dict) -> dict:
    """The administrator's save (server mode): the what-if's weights, the year and scope, the notes and the
    page's CSRF token (`csrf`)."""
    values, ids = _weights(v)
    controls = evaluation_controls(v)
    return request("rules-save-message.children", [dependency("rules-save", "n_clicks", v.get("clicks", 1))],
                   [values, ids, controls[0], controls[1], dependency("rules-save-note-zh", "value", v.get("note_zh", "测试")),
                    dependency("rules-save-note-en", "value", v.get("note_en")),
                    dependency("rules-save-csrf", "value", v.get("csrf", "")), dependency("lang", "data", v.get("lang", "zh"))])


BUILDERS = {builder({})["output"]: builder for builder in (
    route, address_bar, overview, institute_figures, pick_year, institute_records, institute_units, compare, compare_peers,
    figure_download, table_download, evaluation, what_if, rules_save)}
