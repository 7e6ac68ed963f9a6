"""No way around the roles: every server-side callback of the app (enumerated from it: a new callback
without a rule, or without a request builder here, fails) is called as each role, logged in through the
real login form, with every institute of the register, every group, several metrics and years, every
table and figure download and every page address — and every answer (JSON, CSV, XLSX, SVG) is scanned
for what the role may not see: another institute's id, Chinese or English name, alias, one of its
units' ids, names and aliases, or one of its distinctive values. The institute page's unit callbacks
are called with every unit of the register, each with its own institute and with another one (a crafted
pairing). The page layout and the gate reports are requested the same way."""
from __future__ import annotations

import base64
import io
import json
import re
import zipfile
from dataclasses import replace
from urllib.parse import urlencode

import duckdb
import pytest

from dashboards.server.app import create_app
from tests.callbacks import (
    BUILDERS,
    EVALUATION_UNIT_WEIGHTS,
    address_bar,
    compare,
    compare_peers,
    evaluation,
    figure_download,
    institute_figures,
    institute_records,
    institute_units,
    overview,
    route,
    rules_save,
    table_download,
    what_if,
)
from tests.logins import ROLES, logged_in, with_accounts

PAGES = ("/", "/institute", "/compare", "/evaluation", "/quality", "/definitions")
METRICS = ("prj_initiated", "ip_total", "vol_hours", "std_published")
YEARS = (2024, 2019)
TABLES = ("leaderboard", "records", "units", "definitions", "quarantined", "source_files", "peer_benchmarks")
FIGURES = ("trend", "share", "profile", "side_by_side", "yoy_ranked", "count_vs_intensity", "rank_heatmap",
           "quarantined_by_file", "peer_pair")
UNIT_METRIC = "awd_total"


@pytest.fixture(scope="module")
def world(published_demo, tmp_path_factory):
    """The app in server mode over the published demo with an account per role, and the register."""
    settings, _ = published_demo
    settings = replace(settings, accounts_file=tmp_path_factory.mktemp("roles") / "app.db", secret_key="test-key",
                       trusted_proxies=())
    app = create_app(with_accounts(settings))
    current = settings.marts_dir / "current"
    with duckdb.connect() as con:  # its own: the module's default connection is other tests' too
        def read(mart: str):
            return con.execute(f"select * from '{current}/{mart}.parquet'").df()
        institutes, facts = read("dim_institutes"), read("fct_institute_metric_year")
        groups, group_facts = read("dim_groups")["group_id"].tolist(), read("fct_group_metric_year")
        units = read("dim_units")
    return app, institutes, facts, groups, group_facts, units


def sampled(units):
    """The units the requests name: each institute's first unit of each depth (a 所 or 中心, a 室 or 班组
    inside it). Every unit's names are still scanned for (`forbidden`); the rule a request meets does not
    depend on which unit of a depth it names, and requests for all ~50 demo units cost minutes."""
    return units.sort_values("unit_id").groupby(["institute_id", "depth"]).head(1)


def in_scope(institutes, role: str, institute_id: str | None, scope: str | None) -> set[str]:
    if role == "institute":
        return {institute_id}
    if role == "leader" and scope != "all":
        kind, _, value = scope.partition(":")
        column = "province_code" if kind == "province" else "peer_group_id"
        return set(institutes.loc[institutes[column] == value, "institute_id"])
    return set(institutes["institute_id"])


def forbidden(institutes, facts, groups, visible: set[str], units=None) -> set[str]:
    """What of the institutes out of scope must never appear: ids, names, aliases, their units' ids,
    names and aliases, and their values that are distinctive enough to recognise (a fraction with four or
    more digits, or a large number with one decimal) and that no visible institute shares."""
    words = set()
    others = institutes[~institutes["institute_id"].isin(visible)].to_dict("records")
    if units is not None:
        others += units[~units["institute_id"].isin(visible)].rename(columns={"institute_id": "of"}).rename(
            columns={"unit_id": "institute_id"}).to_dict("records")
    for row in others:
        words |= {row["institute_id"], row["name_zh"], row["name_en"]}
        aliases = row["aliases"] if isinstance(row["aliases"], str) else ""
        words |= {a.strip() for a in re.split("[;；、]", aliases) if len(a.strip()) >= 4}

    def distinctive(frame) -> set[str]:
        out = set()
        for value in frame[["value", "per_100_staff"]].to_numpy().ravel():
            if value != value or value is None:  # NaN
                continue
            text = repr(float(value))
            if len(text.split(".")[1]) >= 4:
                out.add(text)
            if value >= 1000 and value != int(value):
                out.add(f"{value:,.1f}")
        return out

    hidden = facts[~facts["institute_id"].isin(visible)]
    seen = facts[facts["institute_id"].isin(visible)]
    # a ratio an out-of-scope institute shares with a group's (2.456… = 7 of 285 staff = 140 of 5,700)
    # is not its value
    shared = distinctive(groups.assign(per_100_staff=groups["per_100_staff"]))
    return words | (distinctive(hidden) - distinctive(seen) - shared)


NUMBER = re.compile(r"-?[0-9][0-9,]*\.[0-9]+")


def leaks(never: set[str], text: str) -> list[str]:
    """The words of `never` in `text`: names and ids anywhere in it; a distinctive number (thousands of
    them for a role that sees one institute) where a number of the text is written so — one pass over
    the text for all the numbers, where a substring search per number cost minutes over the requests."""
    numbers = {w for w in never if NUMBER.fullmatch(w)}
    found = {w for w in never - numbers if w in text}
    found |= numbers & set(NUMBER.findall(text))
    return sorted(found)


def answer_text(response) -> str:
    """Everything a response carries, as text: its JSON, and a download's file decoded (CSV, SVG; XLSX's
    shared strings and sheets)."""
    text = response.get_data(as_text=True)
    if not response.is_json:
        return text
    # without the axes' ranges: padded from the visible values, they can equal anything (2.19… × 1.12 is
    # another institute's 2.456…)
    parts = [re.sub(r'"range": ?\[[^\]]*\]', "", json.dumps(response.json, ensure_ascii=False))]
    for output in (response.json.get("response") or {}).values():
        for value in output.values():
            if isinstance(value, dict) and value.get("base64") and "content" in value:
                data = base64.b64decode(value["content"])
                if data[:2] == b"PK":
                    with zipfile.ZipFile(io.BytesIO(data)) as book:
                        parts += [book.read(n).decode("utf-8", "replace") for n in book.namelist() if n.endswith(".xml")]
                else:
                    text = data.decode("utf-8-sig", "replace")
                    # an SVG: its text, not the drawing's coordinates ("translate(1011.0,255.5)")
                    parts.append(re.sub(r"<[^>]+>", " ", text) if "<svg" in text[:500] else text)
    return "\n".join(parts)


def assert_echoes_the_request(response, body: dict, label: str) -> None:
    """A 400 names the value the request sent that no control offers, and nothing else."""
    assert set(response.json) == {"error"}, label
    match = re.fullmatch(r"unknown (\w+): (.+)", response.json["error"])
    assert match, (label, response.json)
    sent = json.dumps(body, ensure_ascii=False)
    assert match.group(2).strip("'") in sent, (label, response.json)


def requests_for(institute_ids, groups, units=None) -> list[tuple[str, dict]]:
    """(label, body) of every callback with values the pages offer to somebody, and some no page offers."""
    out = []
    for unit, own in ([] if units is None else zip(units["unit_id"], units["institute_id"], strict=True)):
        other = "ZJQS" if own == "FJQI" else "FJQI"  # a unit sent with an institute it is not of
        for institute in (own, other):
            values = {"institute": institute, "unit": unit, "metric": UNIT_METRIC, "record_year": 2024}
            out += [(f"unit figures {institute} {unit}", institute_figures(values)),
                    (f"unit records {institute} {unit}", institute_records(values))]
        search = "?" + urlencode({"institute": own, "unit": unit, "metric": UNIT_METRIC, "record_year": 2024})
        for table, fmt in (("units", "xlsx"), ("records", "csv")):
            body = table_download({"table": table, "fmt": fmt})
            body["state"][0]["value"] = search
            out.append((f"unit table {table}.{fmt} {unit}", body))
        out.append((f"address bar {own} {unit}", address_bar({"institute": own, "unit": unit})))
        for unit_type in ("team", "centre"):  # the evaluation's units' rankings: <institute>:<unit type>
            values = {"scope": "unit", "group": f"{own}:{unit_type}", "entity": unit}
            out += [(f"evaluation {unit_type} {unit}", evaluation(values)),
                    (f"what-if {unit_type} {unit}", what_if({**values, "weights": EVALUATION_UNIT_WEIGHTS}))]
    for institute in institute_ids:
        out.append((f"institute units {institute}", institute_units({"institute": institute})))
        for metric in METRICS:
            values = {"institute": institute, "metric": metric, "record_year": 2024}
            out += [(f"institute figures {institute} {metric}", institute_figures(values)),
                    (f"institute records {institute} {metric}", institute_records(values))]
        out.append((f"address bar {institute}", address_bar({"institute": institute})))
        out += [(f"evaluation {institute}", evaluation({"entity": institute})),
                (f"what-if {institute}", what_if({"entity": institute}))]
        for path in PAGES:
            out.append((f"route {path} {institute}", route({"path": path, "search": "?" + urlencode({"institute": institute})})))
        search = "?" + urlencode({"institute": institute, "metric": "vol_hours", "record_year": 2024})
        for table in TABLES:
            for fmt in ("csv", "xlsx"):
                body = table_download({"table": table, "fmt": fmt})
                body["state"][0]["value"] = search
                out.append((f"table {table}.{fmt} {institute}", body))
    out.append(("rules save", rules_save({})))  # without the page's CSRF token: never saves
    for group in (*groups, "all"):
        for year in YEARS:
            out.append((f"overview {group} {year}", overview({"group": group, "year": year})))
            for metric in METRICS:
                values = {"group": group, "year_a": year, "metric": metric, "metric_b": METRICS[0]}
                out += [(f"compare {group} {year} {metric}", compare(values)),
                        (f"compare peers {group} {year} {metric}", compare_peers(values))]
    return out


def test_every_server_side_callback_has_a_rule_and_a_builder_here(world):
    app = world[0]
    server_side = {output for output, callback in app.callback_map.items() if "callback" in callback}
    assert server_side == set(BUILDERS), "a callback without a request builder in tests/callbacks.py"
    assert server_side <= set(app.callback_rules), "a callback without a rule (create_app's `registered`)"


@pytest.mark.parametrize("username", list(ROLES))
def test_no_answer_to_any_request_shows_a_role_what_it_may_not_see(world, username):
    app, institutes, facts, groups, group_facts, units = world
    role, institute_id, scope = ROLES[username]
    visible = in_scope(institutes, role, institute_id, scope)
    never = forbidden(institutes, facts, group_facts, visible, units)
    web = logged_in(app, username)
    statuses = {}
    asked = sampled(units)
    for label, body in requests_for(sorted(institutes["institute_id"]), groups, asked):
        response = web.post("/_dash-update-component", json=body)
        statuses[label] = response.status_code
        assert response.status_code in (200, 204, 400, 403), (label, response.status_code)
        if response.status_code == 400:  # says only which of the values sent is not offered
            assert_echoes_the_request(response, body, label)
            continue
        text = answer_text(response)
        leaked = leaks(never, text)
        assert not leaked, (label, leaked[:5])
    # what the role may see is answered; another institute's figures are not
    for institute in sorted(institutes["institute_id"]):
        label = f"institute figures {institute} prj_initiated"
        assert (statuses[label] == 200) == (institute in visible), (label, statuses[label])
    # the evaluation: an institute's own row and what-if, no other's; the save is an administrator's (and
    # refused without the page's CSRF token)
    for institute in sorted(institutes["institute_id"]):
        for what in ("evaluation", "what-if"):
            assert (statuses[f"{what} {institute}"] == 200) == (institute in visible), (what, institute)
    assert statuses["rules save"] == (400 if role == "admin" else 403)
    quality = statuses["table quarantined.csv " + sorted(visible)[0]]
    assert (quality == 200) == (role != "leader"), quality
    # a unit is answered with its own institute when the role sees that, and never with another institute
    for unit, own in zip(asked["unit_id"], asked["institute_id"], strict=True):
        for what in ("figures", "records"):
            assert (statuses[f"unit {what} {own} {unit}"] == 200) == (own in visible), (what, unit)
            other = "ZJQS" if own == "FJQI" else "FJQI"
            assert statuses[f"unit {what} {other} {unit}"] in (400, 403), (what, unit, other)
        assert (statuses[f"unit table units.xlsx {unit}"] == 200) == (own in visible), unit
    # the page layout for every address (a unit's too, with its institute or with another), and the gate reports
    addresses = [(path, {"institute": institute}) for path in PAGES for institute in sorted(institutes["institute_id"])]
    addresses += [("/institute", {"institute": institute, "unit": unit}) for unit in units.drop_duplicates("institute_id")["unit_id"]
                  for institute in sorted(institutes["institute_id"])]
    for path, query in addresses:
        layout = web.get("/_dash-layout", headers={"Referer": f"http://localhost{path}?{urlencode(query)}"})
        assert layout.status_code == 200
        leaked = leaks(never, answer_text(layout))
        assert not leaked, (path, query, leaked[:5])
    report = web.get("/reports/quality/raw/report.html")
    assert report.status_code == (200 if role in ("admin", "analyst") else 403)


def viewer_sees(role: str, figure: str) -> bool:
    return figure != "quarantined_by_file" or role != "leader"


@pytest.mark.parametrize("username", ["fjqi", "leader_zj"])
def test_figure_downloads_draw_only_what_the_role_may_see(world, username):
    """Every figure as SVG (the text a PNG or PDF draws), for every institute's address."""
    app, institutes, facts, _, group_facts, units = world
    role, institute_id, scope = ROLES[username]
    visible = in_scope(institutes, role, institute_id, scope)
    never = forbidden(institutes, facts, group_facts, visible, units)
    web = logged_in(app, username)
    for figure in FIGURES:
        for institute, unit in (("FJQI", None), ("ZJQS", None), ("ZJQS", "ZJQS:ZX01"), ("FJQI", "FJQI:D1-01")):
            search = "?" + urlencode({"institute": institute, "metric": "prj_initiated", **({"unit": unit} if unit else {})})
            body = figure_download({"figure": figure, "search": search})
            response = web.post("/_dash-update-component", json=body)
            assert response.status_code in (200, 400, 403), (figure, institute, response.status_code)
            if response.status_code == 400:
                assert_echoes_the_request(response, body, figure)
                continue
            assert (response.status_code == 200) == (institute in visible and viewer_sees(role, figure)), \
                (figure, institute, response.status_code)
            leaked = leaks(never, answer_text(response))
            assert not leaked, (figure, institute, leaked[:5])
