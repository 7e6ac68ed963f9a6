"""The report pack (`make report YEAR=2024`, `python -m dashboards.report`): for the group and for each
institute, every figure of the dashboard's overview, institute and compare pages as PNG (print
resolution), SVG and PDF; the KPI table as an XLSX workbook (a sheet per domain) and as CSV; and one
combined PDF on A4 — cover, KPI table with YoY, the figures, the metrics' definitions, the data's
as-of and sources.

Everything is read through the dashboard's own code: the read layer (dashboards.views: MartStore over
the published marts, pinned to the version published when the pack starts, so a refresh publishing
meanwhile changes nothing half-way; the pages' questions), figures.py and dashboards.render (stamps, the
one shared renderer: a Chromium driven by Playwright that draws every figure and prints the combined
PDFs). What the pack holds is planned in plan.py; this module makes it. The combined PDFs are HTML
pages with the figures' SVG inline, so their text is text. A figure that fails is named and the rest is still made;
the result lists every failure (the CLI then exits non-zero)."""
from __future__ import annotations

import base64
import json
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import jinja2
import markupsafe
import pandas as pd

from dashboards.i18n import LANGS, fmt_number, fmt_rank, pick, t
from dashboards.render.browser import renderer
from dashboards.render.export import FIGURE_FORMATS, export_formats
from dashboards.render.pdf_text import fix_pdf_text_layer
from dashboards.render.stamp import EXPORT_FONT_FAMILY, stamp_figure
from dashboards.render.tables import export_table_csv, export_tables_xlsx
from dashboards.report.plan import GROUP, FigurePlan, FigureSpec, Unit
from dashboards.views import definitions
from dashboards.views import report as report_views
from dashboards.views.common import institute_names
from dashboards.views.quality import source_file_rows
from dashboards.views.store import MartStore, NotPublished
from dashboards.views.viewer import Viewer
from pipelines.config import Settings

PRINT_WIDTH_PX = 900  # figures are laid out at this width: 180 mm (A4 less margins) → 13 px text ≈ 7.4 pt
PNG_SCALE = 2.5  # 2250 px wide: 317 dpi across 180 mm
STAMP_PX = 100  # added to a figure's own height for the stamp's footer lines
HIDDEN = ("domain", "qualifier", "r3y_qualifier")  # KPI frame columns that are not a column of the table
FIGURE_WORKERS = 3  # threads preparing figures: one being laid out, one printed to PDF, one prepared
SCALES = {"png": PNG_SCALE, "svg": 1, "pdf": 1}
# the combined PDF's page, its footer and style sheet (Jinja2); beside the pack's code once it moves there
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

TEXT = {  # the pack's own words; the dashboard's are in dashboards/i18n.py
    "report_title": ("{year} 年度科研与服务指标报告", "Research and service KPIs {year}"),
    "kpi_table": ("主要指标", "Key indicators"),
    "kpi_table_note": ("{year} 年度，同比对 {prior} 年", "year {year}, year on year against {prior}"),
    "figures": ("图表", "Figures"),
    "sources": ("数据截至时间与来源", "Data as of and sources"),
    "contents": ("目录", "Contents"),
    "metric_unit": ("指标（单位）", "Metric (unit)"),
    "metric_id": ("指标代码", "Metric id"),
    "yoy_abs": ("同比增减", "YoY change"),
    "yoy_pct": ("同比（%）", "YoY (%)"),
    "r3y": ("近三年累计", "3-year total"),
    "cagr_3y": ("三年复合增长率（%）", "3-year CAGR (%)"),
    "per_100_staff": ("每百名职工", "Per 100 staff"),
    "rank": ("排名", "Rank"),
    "rank_n": ("参与排名机构数", "Institutes ranked"),
    "share_pct": ("占全部机构（%）", "Share of all (%)"),
    "target": ("目标", "Target"),
    "attainment_pct": ("完成率（%）", "Attainment (%)"),
    "institutes_reporting": ("报送机构数", "Institutes reporting"),
    "institute_mean": ("机构平均", "Institute average"),
    "note": ("备注", "Note"),
    "at_least": ("≥ 为下限（报送为“余”“多”）", "≥ is a lower bound (reported as 'more than')"),
    "dataset": ("数据集", "Dataset"),
    "rows_read": ("读取行数", "Rows read"),
    "rows_accepted": ("接收行数", "Rows accepted"),
    "rows_quarantined": ("隔离行数", "Rows quarantined"),
    "published": ("发布时间", "Published"),
    "code_version": ("代码版本", "Code version"),
    "generated": ("生成时间", "Generated"),
    "peer_group": ("同类机构", "Peer group"),
    "figure_failed": ("此图生成失败", "This figure could not be rendered"),
    "page": ("第 <span class=\"pageNumber\"></span> / <span class=\"totalPages\"></span> 页",
             "page <span class=\"pageNumber\"></span> of <span class=\"totalPages\"></span>"),
    "sources_note": ("本报告所用数字来自以下报送文件（经入库校验、质量门与 dbt 模型计算后发布）。",
                     "The figures in this report come from these submitted files (validated, gated and "
                     "computed by the dbt models before publishing)."),
    "projects": ("科研项目", "Research projects"),
    "ip": ("知识产权", "Intellectual property"),
    "standards": ("标准", "Standards"),
    "volunteer": ("志愿服务", "Volunteer service"),
}


def tr(key: str, lang: str, **values) -> str:
    zh, en = TEXT[key]
    return (en if lang == "en" else zh).format(**values)


# ---- what the pack made -------------------------------------------------------------------------


@dataclass
class Failure:
    unit: str
    item: str  # "trend-prj_initiated.png", "FJQI-2024-zh.pdf", …
    error: str

    def __str__(self) -> str:
        return f"{self.unit} {self.item}: {self.error}"


@dataclass
class PackResult:
    out_dir: Path
    year: int
    lang: str
    run_id: str
    files: list[Path] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    figures: int = 0
    seconds: float = 0.0


class ReportPack(FigurePlan):
    """`plan()` says what the pack holds, `run(units)` makes it. `build_pack()` does both."""

    def __init__(self, settings: Settings, year: int | None = None, institutes: list[str] | None = None,
                 lang: str = "zh", out_dir: Path | None = None, out=sys.stdout, metrics: list[str] | None = None):
        if lang not in LANGS:
            raise ValueError(f"language {lang!r}: expected one of {', '.join(LANGS)}")
        self.settings, self.lang, self.out = settings, lang, out
        self.viewer = Viewer.everyone()  # the pack is a document of the whole group's published figures
        self._pin = tempfile.TemporaryDirectory(prefix="touyan-report-")
        self.store = _pinned_store(settings.marts_dir, Path(self._pin.name))
        self.manifest = self.store.version(self.viewer).manifest
        years = self.store.years(self.viewer)
        self.year = int(year) if year is not None else years[-1]
        if self.year not in years:
            raise ValueError(f"year {self.year}: the published marts hold {years[0]}–{years[-1]}")
        self.years = years
        register = self.store.institutes(self.viewer)
        known = register["institute_id"].tolist()
        chosen = institutes or known
        unknown = [i for i in chosen if i not in known]
        if unknown:
            raise ValueError(f"unknown institute(s) {', '.join(unknown)}: expected ids among {', '.join(known)}")
        self.institutes = register[register["institute_id"].isin(chosen)]
        self.out_dir = out_dir or settings.reports_dir / str(self.year)
        self.metrics = self.store.metrics(self.viewer)
        unknown = [m for m in metrics or [] if m not in self.metrics["metric_id"].tolist()]
        if unknown:
            raise ValueError(f"unknown metric(s) {', '.join(unknown)}: expected ids among "
                             f"{', '.join(self.metrics['metric_id'])}")
        # the figures are drawn for these (the KPI table always lists every metric)
        self.headline = (self.metrics[self.metrics["metric_id"].isin(metrics)] if metrics
                         else self.metrics[self.metrics["is_headline"]])
        self.short_names = institute_names(self.viewer, self.store, lang)
        published = datetime.fromisoformat(self.manifest["published_at"]).astimezone()
        self.published = published.strftime("%Y-%m-%d %H:%M")

    # ---- the KPI table: one frame, written as XLSX, CSV and the combined PDF's table ------------

    def kpi_frame(self, unit: str) -> pd.DataFrame:
        """One row per metric of the catalog for the pack's year, numbers as numbers (percentages as
        percent, rounded to 0.1; per 100 staff and averages to 0.01; counts as published)."""
        if unit == GROUP:
            rows = report_views.group_year(self.viewer, self.store, self.year)
        else:
            rows = self.store.institute_metric_years(self.viewer, institute_id=unit, years=[self.year])
        rows = self.metrics.merge(rows.drop(columns=["domain"], errors="ignore"), on="metric_id", how="left")
        out = pd.DataFrame({
            "label": [f"{pick(m, 'name', self.lang)}（{pick(m, 'unit', self.lang)}）" if self.lang == "zh"
                      else f"{pick(m, 'name', self.lang)} ({pick(m, 'unit', self.lang)})" for _, m in rows.iterrows()],
            "metric_id": rows["metric_id"], "domain": rows["domain"],
            "prior": rows["prior_value"].map(_number), "value": rows["value"].map(_number),
            "yoy_abs": rows["yoy_abs"].map(_number), "yoy_pct": rows["yoy_pct"].map(_percent),
            "r3y": rows["r3y"].map(_number), "cagr_3y": rows["cagr_3y"].map(_percent),
            "per_100_staff": rows["per_100_staff"].map(lambda v: _number(v, 2)),
        })
        if unit == GROUP:
            out["institutes_reporting"] = rows["institutes_reporting"].map(_number)
            out["institute_mean"] = rows["institute_mean"].map(lambda v: _number(v, 2))
        else:
            out["rank"] = rows["group_rank"].map(_number)
            out["rank_n"] = rows["group_n"].map(_number)
            out["share_pct"] = rows["group_share"].map(_percent)
            out["target"] = rows["target"].map(_number)
            out["attainment_pct"] = rows["target_attainment"].map(_percent)
        notes = []
        for _, r in rows.iterrows():
            note = []
            if unit != GROUP and not _true(r.get("is_reported")):
                note.append(t("not_reported", self.lang))
            if r.get("qualifier") == "≥" or r.get("r3y_qualifier") == "≥":
                note.append(tr("at_least", self.lang))
            if _true(r.get("yoy_small_base")):
                note.append(t("small_base", self.lang))
            notes.append("；".join(note) if self.lang == "zh" else "; ".join(note))
        out["note"] = notes
        out["qualifier"] = rows["qualifier"].where(rows["qualifier"].notna(), "")
        out["r3y_qualifier"] = rows["r3y_qualifier"].where(rows["r3y_qualifier"].notna(), "")
        return out

    def kpi_sheets(self, frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """The frame per domain with headers in words (units in the row headers and the % columns)."""
        headers = {"label": tr("metric_unit", self.lang), "metric_id": tr("metric_id", self.lang),
                   "prior": str(self.year - 1), "value": str(self.year)}
        headers |= {key: tr(key, self.lang) for key in frame.columns if key not in headers and key not in HIDDEN}
        sheets = {}
        for domain, part in frame.groupby("domain", sort=False):
            sheets[tr(domain, self.lang)] = (part.drop(columns=list(HIDDEN))
                                             .rename(columns=headers).reset_index(drop=True))
        return sheets

    # ---- making it -------------------------------------------------------------------------------

    def run(self, units: list[Unit]) -> PackResult:
        started = time.perf_counter()
        result = PackResult(self.out_dir, self.year, self.lang, self.manifest["run_id"])
        jobs = [spec for u in units for spec in u.figures]
        result.figures = len(jobs)
        self._say(f"Report pack {self.year} ({self.lang}) → {self.out_dir} · marts run {self.manifest['run_id']} "
                  f"(published {self.published}) · {len(units)} units, {len(jobs)} figures × "
                  f"{len(FIGURE_FORMATS)} formats")
        progress = _Progress(len(jobs), self._say, started)
        svgs: dict[tuple[str, str], str | None] = {}
        browser = self._start_browser(result)
        pool = ThreadPoolExecutor(FIGURE_WORKERS, thread_name_prefix="touyan-report")
        try:
            futures = {(spec.unit, spec.name): pool.submit(self._figure_job, spec, result, progress)
                       for spec in (jobs if browser else [])}
            for unit in units:
                for spec in unit.figures + unit.shared:
                    future = futures.get((spec.unit, spec.name))
                    svgs[(spec.unit, spec.name)] = _result(future) if future else None
                self._tables(unit, result)
                if browser:
                    self._combined_pdf(unit, svgs, result)
        finally:  # interrupted (Ctrl+C): the figures not started yet are dropped, not made
            pool.shutdown(wait=True, cancel_futures=True)
        result.seconds = time.perf_counter() - started
        (self.out_dir / "pack.json").write_text(json.dumps({
            "year": self.year, "lang": self.lang, "run_id": result.run_id, "published_at": self.manifest["published_at"],
            "units": [u.id for u in units], "figures": result.figures, "seconds": round(result.seconds, 1),
            "files": sorted(str(p.relative_to(self.out_dir)) for p in result.files),
            "failures": [vars(f) for f in result.failures],
        }, ensure_ascii=False, indent=1), encoding="utf-8")
        return result

    def _start_browser(self, result: PackResult) -> bool:
        """The shared renderer started before the figures: when it cannot start, that is said once (the
        figures and combined PDFs are not made; the KPI tables are) instead of once per figure."""
        t0 = time.perf_counter()
        try:
            renderer(self.settings.browser_path)
        except Exception as e:  # noqa: BLE001
            self._fail(result, "-", "Chromium (no figures, no combined PDFs)", e)
            return False
        self._say(f"  ✓ Chromium ready ({time.perf_counter() - t0:.1f} s)")
        return True

    def _say(self, line: str) -> None:
        if self.out is not None:
            print(line, file=self.out, flush=True)

    def _figure_job(self, spec: FigureSpec, result: PackResult, progress: _Progress) -> str | None:
        """The figure in every format; returns its SVG (for the combined PDF), None if it failed."""
        folder = self.out_dir / spec.unit / "figures" / self.lang
        folder.mkdir(parents=True, exist_ok=True)
        svg, made, failed = None, [], []
        try:
            fig = spec.build()
            height = spec.height or _even((fig.layout.height or 400) + STAMP_PX)
            stamped = stamp_figure(fig, spec.stamp(fig), PRINT_WIDTH_PX)
        except Exception as e:  # noqa: BLE001 — named in the failures, the other figures go on
            failed = list(FIGURE_FORMATS)
            self._fail(result, spec.unit, f"{spec.name} (building the figure)", e)
        else:
            try:  # the three formats from one layout of the figure
                files = export_formats(stamped, SCALES, width=PRINT_WIDTH_PX, height=height)
            except Exception as e:  # noqa: BLE001 — not drawn at all (a bad figure, a timeout)
                files = dict.fromkeys(FIGURE_FORMATS, e)
            for fmt in FIGURE_FORMATS:
                data = files[fmt]
                if isinstance(data, Exception):
                    failed.append(fmt)
                    self._fail(result, spec.unit, f"{spec.name}.{fmt}", data)
                    continue
                path = folder / f"{spec.name}.{fmt}"
                _write(path, data)
                result.files.append(path)
                made.append(fmt)
                if fmt == "svg":
                    svg = data.decode("utf-8")
        progress.done(spec, made, failed)
        return svg

    def _fail(self, result: PackResult, unit: str, item: str, error: BaseException) -> None:
        failure = Failure(unit, item, f"{type(error).__name__}: {error}".strip())
        result.failures.append(failure)
        self._say(f"  ✗ {failure}")

    def _stem(self, unit: Unit) -> str:
        return f"{unit.id}-{self.year}-{self.lang}"

    def _tables(self, unit: Unit, result: PackResult) -> None:
        try:
            sheets = self.kpi_sheets(self.kpi_frame(unit.id))
            folder = self.out_dir / unit.id
            title = f"{unit.name} · {tr('kpi_table', self.lang)} · {self.year} · {t('as_of', self.lang)} " \
                    f"{self.published} ({t('run', self.lang)} {self.manifest['run_id']})"
            path = folder / f"{self._stem(unit)}-kpi.xlsx"
            _write(path, export_tables_xlsx(sheets, dict.fromkeys(sheets, title)))
            result.files.append(path)
            for domain, frame in zip(self.metrics["domain"].drop_duplicates(), sheets.values(), strict=True):
                path = folder / "csv" / f"{self._stem(unit)}-kpi-{domain}.csv"
                _write(path, export_table_csv(frame))
                result.files.append(path)
            self._say(f"  ✓ {unit.id} KPI tables: {len(sheets)} sheets ({', '.join(sheets)}) + {len(sheets)} CSV")
        except Exception as e:  # noqa: BLE001
            self._fail(result, unit.id, "KPI tables", e)

    def _combined_pdf(self, unit: Unit, svgs: dict, result: PackResult) -> None:
        path = self.out_dir / unit.id / f"{self._stem(unit)}.pdf"
        t0 = time.perf_counter()
        try:
            page = self.combined_html(unit, svgs)
            data = renderer().print_pdf(page, format="A4", print_background=True, prefer_css_page_size=True,
                                        display_header_footer=True, header_template="<span></span>",
                                        footer_template=self._page_footer(unit))
            _write(path, fix_pdf_text_layer(data))
            result.files.append(path)
            self._say(f"  ✓ {unit.id} combined PDF {path.name} ({len(data) // 1024} KiB, "
                      f"{time.perf_counter() - t0:.1f} s)")
        except Exception as e:  # noqa: BLE001
            self._fail(result, unit.id, path.name, e)

    # ---- the combined PDF as HTML: templates/combined.html.j2 filled with these values ------------------

    def combined_html(self, unit: Unit, svgs: dict) -> str:
        return TEMPLATES.get_template("combined.html.j2").render(
            self._page_values(unit), cover=self._cover(unit), kpi=self._kpi_section(unit, self.kpi_frame(unit.id)),
            figure_sections=self._figure_section(unit, svgs), definitions=self._definitions_section(),
            sources=self._sources_section(unit))

    def _page_values(self, unit: Unit) -> dict:
        """What the page and its footer both show, and the pack's words in its language (t: the
        dashboard's, tr: the pack's own)."""
        lang, m = self.lang, self.manifest
        return {"t": lambda key: t(key, lang), "tr": lambda key, **values: tr(key, lang, **values),
                "html_lang": "zh-CN" if lang == "zh" else "en", "font_family": EXPORT_FONT_FAMILY,
                "unit": unit, "is_group": unit.id == GROUP, "year": self.year, "published": self.published,
                "run_id": m["run_id"], "code_version": m.get("code_version", ""), "files": m["totals"]["files"]}

    def _cover(self, unit: Unit) -> dict:
        lang = self.lang
        other = "en" if lang == "zh" else "zh"
        if unit.id == GROUP:
            subtitle = pick(self.store.groups(self.viewer).set_index("group_id").loc["all"], "name", other)
            names = self.store.institutes(self.viewer)
            members = "、".join(pick(r, "name", lang) for _, r in names.iterrows()) if lang == "zh" else \
                ", ".join(pick(r, "name", lang) for _, r in names.iterrows())
            peer = {"members": members}
        else:
            row = self.institutes.set_index("institute_id").loc[unit.id]
            subtitle = pick(row, "name", other)
            peer = {"group": self._group_name("all"), "peer_group": self._group_name(row["peer_group_id"])}
        return {"subtitle": subtitle, "generated": f"{datetime.now().astimezone():%Y-%m-%d %H:%M}", **peer}

    def _kpi_section(self, unit: Unit, frame: pd.DataFrame) -> dict:
        """The KPI table's headers and, per domain, its rows as text (the notes under the group's table)."""
        columns = ["prior", "value", "yoy_abs", "yoy_pct", "r3y"]
        columns += (["cagr_3y", "institutes_reporting", "institute_mean", "per_100_staff"] if unit.id == GROUP
                    else ["per_100_staff", "rank", "share_pct", "attainment_pct"])
        headers = {"prior": str(self.year - 1), "value": str(self.year)} | {
            key: tr(key, self.lang) for key in columns if key not in ("prior", "value")}
        domains = [{"id": domain, "rows": [{"label": r["label"], "cells": [self._cell(r, c) for c in columns],
                                            "note": r["note"]} for _, r in part.iterrows()]}
                   for domain, part in frame.groupby("domain", sort=False)]
        notes = [] if unit.id != GROUP else list(dict.fromkeys(n for n in frame["note"] if n))
        return {"headers": [headers[c] for c in columns], "domains": domains, "notes": notes}

    def _cell(self, r: pd.Series, column: str) -> str:
        value = r[column]
        if column == "rank":
            return fmt_rank(value, r["rank_n"], self.lang)
        if column.endswith("_pct") or column == "cagr_3y":
            return "—" if _missing(value) else (f"{value:+.1f}%" if column in ("yoy_pct", "cagr_3y") else f"{value:.1f}%")
        if _missing(value):
            return "—"
        text = fmt_number(value, self.lang, 2 if column in ("per_100_staff", "institute_mean") else None)
        if column == "yoy_abs" and value > 0:
            text = "+" + text
        if (column == "value" and r["qualifier"] == "≥") or (column == "r3y" and r["r3y_qualifier"] == "≥"):
            text = "≥" + text
        return text

    def _figure_section(self, unit: Unit, svgs: dict) -> list[dict]:
        """The figures under their headings; a figure's svg is None when it failed."""
        order = {m: i for i, m in enumerate(self.headline["metric_id"])}
        specs = unit.figures + unit.shared
        if unit.id != GROUP:  # an institute: per metric its own figures, then where it stands among the others
            specs = sorted(specs, key=lambda s: order.get(s.name.rsplit("-", 1)[-1], len(order)))
        sections: list[dict] = []
        for spec in specs:
            if not sections or sections[-1]["heading"] != spec.section:
                sections.append({"heading": spec.section, "figures": []})
            svg = svgs.get((spec.unit, spec.name))
            sections[-1]["figures"].append({"name": spec.name, "svg": None if svg is None else _inline_svg(svg)})
        return sections

    def _definitions_section(self) -> dict:
        frame = definitions.definitions(self.viewer, self.store, {"lang": self.lang})
        return _table(frame)

    def _sources_section(self, unit: Unit) -> dict:
        lang, m = self.lang, self.manifest
        files = source_file_rows(self.viewer, self.store)
        if unit.id != GROUP:
            used = set(report_views.institute_source_files(self.viewer, self.store, unit.id)["source_file"])
            files = files[files["source_file"].isin(used) | files["dataset"].isin(["institutes", "staff", "targets"])]
        frame = pd.DataFrame({t("file", lang): files["source_file"], tr("dataset", lang): files["dataset"],
                              tr("rows_read", lang): files["rows_read"], tr("rows_accepted", lang): files["rows_accepted"],
                              tr("rows_quarantined", lang): files["rows_quarantined"],
                              "SHA-256": files["file_sha256"].str[:12]})
        return {"files": _table(frame), "quarantined": fmt_number(m["totals"]["quarantined"], lang)}

    def _page_footer(self, unit: Unit) -> str:
        return TEMPLATES.get_template("combined_footer.html.j2").render(self._page_values(unit))


def build_pack(settings: Settings, year: int | None = None, institutes: list[str] | None = None,
               lang: str = "zh", out_dir: Path | None = None, out=sys.stdout,
               metrics: list[str] | None = None) -> PackResult:
    pack = ReportPack(settings, year, institutes, lang, out_dir, out, metrics)
    return pack.run(pack.plan())


# ---- helpers ---------------------------------------------------------------------------------------


def _pinned_store(marts_dir: Path, pin_dir: Path) -> MartStore:
    """A MartStore on the version published now: `<pin_dir>/current` links to it, so a refresh that
    publishes while the pack is made does not mix two versions in one pack."""
    try:
        version = (marts_dir / "current").resolve(strict=True)
    except (FileNotFoundError, RuntimeError):
        raise NotPublished(f"nothing is published in {marts_dir} yet — run `make refresh`") from None
    (pin_dir / "current").symlink_to(version, target_is_directory=True)
    return MartStore(pin_dir)


class _Progress:
    """A line per figure: count, unit, name, the formats made (or failed) and the time since the pack
    started (several figures are in the works at once, so a figure's own time would mostly be waiting)."""

    def __init__(self, total: int, say: Callable[[str], None], started: float):
        self.total, self.say, self.started, self.count, self._lock = total, say, started, 0, threading.Lock()

    def done(self, spec: FigureSpec, made: list[str], failed: list[str]) -> None:
        with self._lock:
            self.count += 1
            mark = "✓" if not failed else "✗"
            self.say(f"  [{self.count:>{len(str(self.total))}}/{self.total}] {mark} {spec.unit:<6} {spec.name:<42} "
                     f"{' '.join(made):<12}{' FAILED ' + ' '.join(failed) if failed else ''}"
                     f" at {time.perf_counter() - self.started:.1f} s")


def _result(future: Future) -> str | None:
    try:
        return future.result()
    except Exception:  # noqa: BLE001 — the job records its own failures
        return None


def _write(path: Path, data: bytes) -> None:
    """Written beside and renamed into place: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_bytes(data)
    temp.replace(path)


def _even(px: float) -> int:
    return int(px) + int(px) % 2


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _true(value) -> bool:
    return not _missing(value) and bool(value)


def _number(value, decimals: int | None = None):
    """An int when whole, else a float (rounded to `decimals` if given); None when missing."""
    if _missing(value):
        return None
    value = float(value)
    if decimals is not None:
        value = round(value, decimals)
    return int(value) if value.is_integer() else value


def _percent(value):
    return None if _missing(value) else _number(float(value) * 100, 1)


# The templates, escaping every value in the HTML ones (the style sheet is CSS, left as it is). A missing
# value (None, NaN, NA) shows as nothing; an unknown name in a template is an error.
TEMPLATES = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
                               autoescape=jinja2.select_autoescape(["html.j2"]), undefined=jinja2.StrictUndefined,
                               finalize=lambda value: "" if _missing(value) else value,
                               trim_blocks=True, lstrip_blocks=True)


def _inline_svg(svg: str) -> markupsafe.Markup:
    """A figure's SVG as an inline element scaled to the column (its viewBox keeps the proportions). Markup:
    the pack's own renderer drew it, so the page takes it as it is."""
    if svg.startswith("<?xml"):
        svg = svg[svg.index("?>") + 2:]
    return markupsafe.Markup(
        svg.replace("<svg ", '<svg preserveAspectRatio="xMidYMid meet" ', 1) if "<svg " in svg
        else f'<img src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}">')


def _table(frame: pd.DataFrame) -> dict:
    """A frame for the template's table(): its headers and rows."""
    return {"columns": list(frame.columns), "rows": list(frame.itertuples(index=False))}
