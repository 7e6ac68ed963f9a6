"""The report pack (`make report YEAR=2024`, `python -m dashboards.report`): for the group and for each
institute, every figure of the dashboard's overview, institute and compare pages as PNG (print
resolution), SVG and PDF; the KPI table as an XLSX workbook (a sheet per domain) and as CSV; and one
combined PDF on A4 — cover, KPI table with YoY, an institute's units and honours of the year, the
figures, the metrics' definitions, the data's as-of and sources.

Everything is read through the dashboard's own code: the read layer (dashboards.views: MartStore over
the published marts, pinned to the version published when the pack starts, so a refresh publishing
meanwhile changes nothing half-way; the pages' questions), figures.py and dashboards.render (stamps, the
one shared renderer: a Chromium driven by Playwright that draws every figure and prints the combined
PDFs). What the pack holds is planned in plan.py; kpi.py makes the KPI table's frame, units.py the
units section's tables, page.py the combined PDF's page (HTML from templates/, the figures' SVG
inline, so the PDF's text is text) and text.py holds the pack's own words. This module makes the pack: the figures in a few threads, then per
unit its tables and combined PDF, with a progress line per file. A figure that fails is named and the
rest is still made; the result lists every failure (the CLI then exits non-zero)."""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from dashboards.i18n import LANGS, t
from dashboards.render.browser import renderer
from dashboards.render.export import FIGURE_FORMATS, export_formats
from dashboards.render.pdf_text import fix_pdf_text_layer
from dashboards.render.stamp import stamp_figure
from dashboards.render.tables import export_table_csv, export_tables_xlsx
from dashboards.render.watermark import watermark_for
from dashboards.report.kpi import kpi_frame, kpi_sheets
from dashboards.report.page import combined_html, page_footer
from dashboards.report.plan import FigurePlan, FigureSpec, Unit
from dashboards.report.text import tr
from dashboards.views.common import institute_names
from dashboards.views.store import MartStore, NotPublished
from dashboards.views.viewer import Refused, Viewer
from pipelines.config import RELEASES_FILE, Settings

PRINT_WIDTH_PX = 900  # figures are laid out at this width: 180 mm (A4 less margins) → 13 px text ≈ 7.4 pt
PNG_SCALE = 2.5  # 2250 px wide: 317 dpi across 180 mm
STAMP_PX = 100  # added to a figure's own height for the stamp's footer lines
FIGURE_WORKERS = 3  # threads preparing figures: one being laid out, one printed to PDF, one prepared
SCALES = {"png": PNG_SCALE, "svg": 1, "pdf": 1}


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
    """`plan()` says what the pack holds, `run(units)` makes it. `build_pack()` does both. Its attributes
    (pinned store, viewer, year, language, manifest, chosen institutes and metrics) are what plan.py and
    page.py read."""

    def __init__(self, settings: Settings, year: int | None = None, institutes: list[str] | None = None,
                 lang: str = "zh", out_dir: Path | None = None, out=sys.stdout, metrics: list[str] | None = None,
                 viewer: Viewer | None = None):
        if lang not in LANGS:
            raise ValueError(f"language {lang!r}: expected one of {', '.join(LANGS)}")
        self.settings, self.lang, self.out = settings, lang, out
        # everyone: the whole group's published figures; a user's (--as): what that user may see
        self.viewer = viewer or Viewer.everyone()
        # a pack made for a user carries their name and the time on its figures and workbooks
        self.watermark = watermark_for(self.viewer.username or None, settings.export_watermark) if viewer else None
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
        if unknown and self.viewer.access_key is not None:  # not "unknown": the viewer may not know
            raise Refused(f"无权为机构 {'、'.join(unknown)} 生成报告。",
                          f"you may not make the report of {', '.join(unknown)}.")
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
            stamped = stamp_figure(fig, spec.stamp(fig), PRINT_WIDTH_PX, self.watermark)
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
            table = kpi_frame(self.viewer, self.store, self.metrics, unit.id, self.year, self.lang)
            sheets = kpi_sheets(table, self.year, self.lang)
            folder = self.out_dir / unit.id
            title = f"{unit.name} · {tr('kpi_table', self.lang)} · {self.year} · {t('as_of', self.lang)} " \
                    f"{self.published} ({t('run', self.lang)} {self.manifest['run_id']})"
            path = folder / f"{self._stem(unit)}-kpi.xlsx"
            _write(path, export_tables_xlsx(sheets, dict.fromkeys(sheets, title), self.watermark))
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
            html = combined_html(self, unit, svgs)
            data = renderer().print_pdf(html, format="A4", print_background=True, prefer_css_page_size=True,
                                        display_header_footer=True, header_template="<span></span>",
                                        footer_template=page_footer(self, unit))
            _write(path, fix_pdf_text_layer(data))
            result.files.append(path)
            self._say(f"  ✓ {unit.id} combined PDF {path.name} ({len(data) // 1024} KiB, "
                      f"{time.perf_counter() - t0:.1f} s)")
        except Exception as e:  # noqa: BLE001
            self._fail(result, unit.id, path.name, e)


def build_pack(settings: Settings, year: int | None = None, institutes: list[str] | None = None,
               lang: str = "zh", out_dir: Path | None = None, out=sys.stdout,
               metrics: list[str] | None = None, viewer: Viewer | None = None) -> PackResult:
    pack = ReportPack(settings, year, institutes, lang, out_dir, out, metrics, viewer)
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
    # the official releases as they are now, each version linked: a pack of one (--release) is pinned too
    record = marts_dir / RELEASES_FILE
    if record.is_file():
        shutil.copyfile(record, pin_dir / RELEASES_FILE)
        (pin_dir / "versions").mkdir()
        for entry in json.loads(record.read_text(encoding="utf-8")).get("releases", {}).values():
            released = marts_dir / "versions" / entry["run_id"]
            if released.is_dir():
                (pin_dir / "versions" / entry["run_id"]).symlink_to(released.resolve(), target_is_directory=True)
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
