"""The yearbook (《考评风采录》, `make yearbook YEAR=2024`, `python -m dashboards.report --yearbook`, and the
server's download, dashboards/server/reports.py): per institute one A4 PDF of its annual evaluation — a
cover (institute, year, the rules version, the data's stamp), its own result among institutes (score, rank
n/N, tier, change), per group of its evaluated units (e.g. its 27 班组) the ranking, then a profile per
unit, best tier and score first: tier badge, score and rank, the three items that earned it the most
points with their values, its awards of the year, the standards it led that year.

Made the report pack's way: read through dashboards.views (yearbook.py there: the evaluation marts as
published, the viewer's access applied — an institute's user gets its own institute only), the page
from templates/ (yearbook.html.j2, with the combined PDF's style sheet and footer: the stamp on every
page), printed by the one shared renderer (dashboards.render.browser) and its text layer fixed as the
pack's. The scores are dbt's; nothing here computes one."""
from __future__ import annotations

import json
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from dashboards.i18n import LANGS, fmt_number, fmt_rank, pick
from dashboards.render.browser import renderer
from dashboards.render.pdf_text import fix_pdf_text_layer
from dashboards.report.kpi import missing
from dashboards.report.page import TEMPLATES, page_values
from dashboards.report.plan import Unit
from dashboards.report.text import tr
from dashboards.views import evaluation as evaluation_views
from dashboards.views import yearbook as views
from dashboards.views.quality import code_names
from dashboards.views.store import MartStore
from dashboards.views.viewer import Refused, Viewer
from pipelines.config import Settings


class NoEvaluation(ValueError):
    """The year has no published evaluation (no rules file for it, or a version published before the
    evaluation marts): the reason in Chinese and English."""

    def __init__(self, year: int, years: list[int]):
        listed = ", ".join(map(str, years)) or "—"
        self.message_zh = tr("no_evaluation", "zh", year=year, years=listed)
        self.message_en = tr("no_evaluation", "en", year=year, years=listed)
        super().__init__(self.message_en)


class Yearbook:
    """The yearbook of one year in one language as `viewer` sees the version `store` reads: `pdf(institute)`
    prints one institute's. The attributes are those page.page_values reads for the shared footer."""

    def __init__(self, store: MartStore, viewer: Viewer, year: int | None = None, lang: str = "zh"):
        if lang not in LANGS:
            raise ValueError(f"language {lang!r}: expected one of {', '.join(LANGS)}")
        self.store, self.viewer, self.lang = store, viewer, lang
        self.manifest = store.version(viewer).manifest
        years = sorted(evaluation_views.years(viewer, store))
        self.year = int(year) if year is not None else (years[-1] if years else None)
        if self.year not in years:
            raise NoEvaluation(year if year is not None else 0, years)
        published = datetime.fromisoformat(self.manifest["published_at"]).astimezone()
        self.published = published.strftime("%Y-%m-%d %H:%M")
        self.register = store.institutes(viewer).set_index("institute_id")

    def unit(self, institute_id: str) -> Unit:
        """The institute as the footer names it (Refused for one the viewer does not see)."""
        self.store.check_institute(self.viewer, institute_id)
        return Unit(institute_id, pick(self.register.loc[institute_id], "name", self.lang), [])

    def html(self, institute_id: str) -> str:
        unit = self.unit(institute_id)
        lang, year = self.lang, self.year
        units = views.unit_results(self.viewer, self.store, institute_id, year)
        other = "en" if lang == "zh" else "zh"
        return TEMPLATES.get_template("yearbook.html.j2").render(
            page_values(self, unit), subtitle=pick(self.register.loc[institute_id], "name", other),
            rules=", ".join(f"v{int(r['rules_version']):03d} ({r['rules_file']})"
                            for _, r in views.rules_versions(self.viewer, self.store, year).iterrows()) or "—",
            generated=f"{datetime.now().astimezone():%Y-%m-%d %H:%M}",
            own=self._own_result(institute_id), groups=self._unit_groups(units),
            profiles=self._profiles(institute_id, units))

    def footer(self, institute_id: str) -> str:
        return TEMPLATES.get_template("combined_footer.html.j2").render(page_values(self, self.unit(institute_id)))

    def pdf(self, institute_id: str) -> bytes:
        """The institute's yearbook printed on A4 by the shared renderer (started on first use)."""
        html, footer = self.html(institute_id), self.footer(institute_id)
        data = renderer().print_pdf(html, format="A4", print_background=True, prefer_css_page_size=True,
                                    display_header_footer=True, header_template="<span></span>",
                                    footer_template=footer)
        return fix_pdf_text_layer(data)

    # ---- the page's values ------------------------------------------------------------------------

    def _tiers(self) -> pd.Series:
        return code_names(self.viewer, self.store, views.TIER_CODES, self.lang)

    def _tier(self, code) -> dict:
        """A tier for its badge: code (the badge's colour) and label."""
        if missing(code):
            return {"code": "none", "label": "—"}
        return {"code": code, "label": self._tiers().get(code, code)}

    def _own_result(self, institute_id: str) -> dict | None:
        rows = views.institute_result(self.viewer, self.store, institute_id, self.year)
        if rows.empty:
            return None
        r = rows.iloc[0]
        group = tr("all_institutes", self.lang) if r["group_id"] == "all" else self._group_name(r["group_id"])
        return {"score": _score(r["score"]), "rank": _rank(r["rank"], r["n"], self.lang), "n": int(r["n"]),
                "tier": self._tier(r["tier"]), "change": _change(r["score_change"]),
                "prior_rank": _rank(r["prior_rank"], r["prior_n"], self.lang),
                "prior_tier": self._tier(r["prior_tier"])["label"], "group": group,
                "points": [_score(r["metric_points"]), _score(r["bonus_points"]), _score(r["deduction_points"])]}

    def _group_name(self, group_id: str) -> str:
        groups = self.store.groups(self.viewer).set_index("group_id")
        return pick(groups.loc[group_id], "name", self.lang) if group_id in groups.index else group_id

    def _unit_groups(self, units: pd.DataFrame) -> list[dict]:
        """Per ranking of the institute's units (one per unit type), its rows in rank order."""
        types = code_names(self.viewer, self.store, "unit_type", self.lang)
        groups = []
        for _, part in units.groupby("group_id", sort=True):
            unit_type = part["unit_type"].iloc[0]
            rows = [{"rank": _rank(r["rank"], r["n"], self.lang), "path": pick(r, "path", self.lang),
                     "tier": self._tier(r["tier"]), "score": _score(r["score"]), "change": _change(r["score_change"])}
                    for _, r in part.iterrows()]
            groups.append({"heading": tr("unit_group", self.lang, type=types.get(unit_type, unit_type), n=len(part)),
                           "rows": rows})
        return groups

    def _profiles(self, institute_id: str, units: pd.DataFrame) -> list[dict]:
        """A profile per evaluated unit, best tier first, then score, then the ranking's order."""
        lang, year = self.lang, self.year
        if units.empty:
            return []
        items = views.unit_top_items(self.viewer, self.store, institute_id, year)
        awards = views.unit_awards(self.viewer, self.store, institute_id, year)
        standards = views.unit_standards_led(self.viewer, self.store, institute_id, year)
        names = {kind: code_names(self.viewer, self.store, f"award_{kind}", lang) for kind in ("level", "grade", "role")}
        types = code_names(self.viewer, self.store, "unit_type", lang)

        def label(kind: str, code) -> str:
            return "" if missing(code) else names[kind].get(code, code)

        ordered = units.assign(_order=range(len(units))).sort_values(
            ["tier_order", "score", "_order"], ascending=[True, False, True], na_position="last")
        profiles = []
        for _, u in ordered.iterrows():
            mine = items[items["unit_id"] == u["unit_id"]]
            won = awards[awards["unit_id"] == u["unit_id"]]
            led = standards[standards["unit_id"] == u["unit_id"]]
            profiles.append({
                "name": pick(u, "name", lang), "path": pick(u, "path", lang),
                "type": types.get(u["unit_type"], u["unit_type"]), "tier": self._tier(u["tier"]),
                "score": _score(u["score"]), "rank": _rank(u["rank"], u["n"], lang),
                "change": _change(u["score_change"]),
                "items": [(pick(i, "label", lang), _value(i["value"]), _score(i["points"])) for _, i in mine.iterrows()],
                "awards": [(a["award_name"], label("level", a["level"]), label("grade", a["grade"]),
                            label("role", a["role"])) for _, a in won.iterrows()],
                "standards": [(s["std_no"], s["title"]) for _, s in led.iterrows()]})
        return profiles


# ---- the command line's run: every chosen institute's PDF into a folder ----------------------------------


@dataclass
class YearbookResult:
    out_dir: Path
    year: int
    lang: str
    run_id: str
    files: list[Path] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


def build_yearbook(settings: Settings, year: int | None = None, institutes: list[str] | None = None,
                   lang: str = "zh", out_dir: Path | None = None, out=sys.stdout,
                   viewer: Viewer | None = None) -> YearbookResult:
    """Each institute's yearbook (default: every institute the viewer sees) as
    `<out_dir>/<institute>-<year>-<lang>-yearbook.pdf`, out_dir defaulting to data/reports/<year>/yearbook/,
    from the version published when it starts (pinned as the pack's), a progress line per PDF. A PDF that
    fails is named in the result and the others are still made."""
    from dashboards.report.pack import _pinned_store, _write

    started = time.perf_counter()
    viewer = viewer or Viewer.everyone()
    with tempfile.TemporaryDirectory(prefix="touyan-yearbook-") as pin:
        store = _pinned_store(settings.marts_dir, Path(pin))
        book = Yearbook(store, viewer, year, lang)
        known = book.register.index.tolist()
        chosen = institutes or known
        unknown = [i for i in chosen if i not in known]
        if unknown and viewer.access_key is not None:
            raise Refused(f"无权为机构 {'、'.join(unknown)} 生成考评风采录。",
                          f"you may not make the yearbook of {', '.join(unknown)}.")
        if unknown:
            raise ValueError(f"unknown institute(s) {', '.join(unknown)}: expected ids among {', '.join(known)}")
        folder = out_dir or settings.reports_dir / str(book.year) / "yearbook"
        result = YearbookResult(folder, book.year, lang, book.manifest["run_id"])
        say = (lambda line: print(line, file=out, flush=True)) if out is not None else (lambda line: None)
        say(f"Yearbook {book.year} ({lang}) → {folder} · marts run {result.run_id} (published {book.published}) "
            f"· {len(chosen)} institutes")
        try:
            t0 = time.perf_counter()
            renderer(settings.browser_path)
            say(f"  ✓ Chromium ready ({time.perf_counter() - t0:.1f} s)")
        except Exception as e:  # noqa: BLE001 — said once, not once per institute
            result.failures.append(f"Chromium: {type(e).__name__}: {e}")
            say(f"  ✗ Chromium: {e}")
            return result
        for i, institute_id in enumerate(chosen, start=1):
            path = folder / f"{institute_id}-{book.year}-{lang}-yearbook.pdf"
            t0 = time.perf_counter()
            try:
                data = book.pdf(institute_id)
                _write(path, data)
            except Exception as e:  # noqa: BLE001 — named, the other institutes go on
                result.failures.append(f"{institute_id} {path.name}: {type(e).__name__}: {e}")
                say(f"  [{i}/{len(chosen)}] ✗ {institute_id} {path.name}: {e}")
                continue
            result.files.append(path)
            evaluated = len(views.unit_results(viewer, store, institute_id, book.year))
            say(f"  [{i}/{len(chosen)}] ✓ {institute_id:<6} {path.name} ({evaluated} units, {len(data) // 1024} KiB, "
                f"{time.perf_counter() - t0:.1f} s)")
        result.seconds = time.perf_counter() - started
        _write(folder / "yearbook.json", json.dumps({
            "year": book.year, "lang": lang, "run_id": result.run_id, "published_at": book.manifest["published_at"],
            "institutes": chosen, "seconds": round(result.seconds, 1),
            "files": sorted(p.name for p in result.files), "failures": result.failures,
        }, ensure_ascii=False, indent=1).encode("utf-8"))
    return result


def yearbook_pdf(store: MartStore, viewer: Viewer, year: int, institute_id: str, lang: str,
                 browser_path: str | None = None) -> bytes:
    """One institute's yearbook as the viewer sees it (the server's download; `browser_path`: Settings'):
    Refused for an institute it does not see, NoEvaluation for a year without published scores."""
    store.check_institute(viewer, institute_id)  # refused before anything else is asked
    book = Yearbook(store, viewer, year, lang)
    renderer(browser_path)
    return book.pdf(institute_id)


def _rank(rank, n, lang: str) -> str:
    """"3 / 27"; — where there is none (the year before, an entity not evaluated)."""
    return "—" if missing(rank) or missing(n) else fmt_rank(int(rank), int(n), lang)


def _score(value) -> str:
    return "—" if missing(value) else f"{float(value):,.2f}"


def _change(value) -> str:
    """A score's change on the year before, signed; — without one (not evaluated the year before)."""
    if missing(value):
        return "—"
    return f"{float(value):+,.2f}"


def _value(value) -> str:
    """An item's value: a count as it is, a rate (per 100 staff) to two decimals."""
    if missing(value):
        return "—"
    return fmt_number(float(value), decimals=0 if float(value).is_integer() else 2)
