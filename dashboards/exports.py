"""Downloads from the dashboard (and the report pack): figures as PNG / SVG / PDF with a stamp saying
what, which filters, as of when and from where; tables as CSV and XLSX that Excel opens without
running anything. Pure functions, plus one shared headless Chromium for the figures.

Figures are drawn by plotly.js in Debian's Chromium, driven by Playwright: one page keeps plotly.js
(the cartesian bundle the dashboard serves) loaded and lays out each figure with `Plotly.toImage`
(SVG; the PNG is that SVG on a canvas, the PDF that SVG printed, so its text stays text). Starting
the browser costs ~3 s, so it is started lazily, once per process, and reused by every export; Dash
callbacks run on several threads, so starting, using and stopping it is guarded by locks. A start-up error or a render timeout reaches the caller,
and the next export starts a fresh browser.
"""
from __future__ import annotations

import asyncio
import atexit
import base64
import contextlib
import html
import io
import math
import os
import re
import shutil
import threading
import unicodedata
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io
import xlsxwriter

from pipelines.cell_safety import excel_safe

FIGURE_FORMATS = ("png", "svg", "pdf")
FONT_FAMILY = "Noto Sans CJK SC, Noto Sans CJK, Microsoft YaHei, PingFang SC, sans-serif"
# Latin letters and digits from a TrueType font, Chinese from Noto CJK: in Chromium's PDFs, digits
# in a run without Chinese ("2026", tick labels) set in Noto Sans CJK get no text at all ("run T Z").
# Liberation Sans comes with Debian's chromium (fonts-liberation); Arial is its match where an SVG is
# opened on Windows.
EXPORT_FONT_FAMILY = "Liberation Sans, Arial, " + FONT_FAMILY
# plotly.js's cartesian bundle, vendored for the dashboard (scripts/vendor-assets.sh: the plotly
# package's version, every trace type the figures draw): 1.4 MiB for the browser to parse instead of
# the full bundle's 4.6, which took ~3.6 s of the renderer's ~5 s start.
PLOTLY_JS = Path(__file__).parent / "assets" / "plotly-cartesian.min.js"

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]

START_TIMEOUT_S = 60
RENDER_TIMEOUT_S = 60
PRINT_TIMEOUT_S = 180  # a whole combined report

TITLE_SIZE = 18
FOOTER_SIZE = 11
FOOTER_LINE_PX = 16
EDGE_PX = 12  # stamp text keeps this distance from the image's edges
GLYPH_EM = 0.6  # width of a narrow glyph in em; a wide (CJK) glyph counts double


@dataclass(frozen=True)
class Stamp:
    """Printed on every exported figure: the title on top, the other lines as a footer."""

    title: str  # e.g. "新立项项目数 · 福建省产品质量检验研究院"
    filters: str  # e.g. "年度 2024 · 对比组 全部机构"
    as_of: str  # e.g. "数据截至 2026-11-22 04:59 (run 20261122T045954Z)"
    source: str  # e.g. "来源: 31 个报送文件 · Touyan"
    definition: str = ""  # the metric's definition, one line

    def footer_lines(self) -> list[str]:
        return [line for line in (self.filters, self.as_of, self.source, self.definition) if line]


# ---- figures -----------------------------------------------------------------------------------


def export_figure(fig: go.Figure, fmt: str, stamp: Stamp, width: int = 1200, height: int = 700,
                  scale: float = 2) -> bytes:
    """The figure with its stamp as PNG, SVG or PDF bytes. The caller's figure is left unchanged."""
    return export_stamped(stamp_figure(fig, stamp, width), fmt, width, height, scale)


def export_stamped(stamped: go.Figure, fmt: str, width: int = 1200, height: int = 700, scale: float = 2) -> bytes:
    """A figure already laid out by `stamp_figure` (with the same width) as PNG, SVG or PDF bytes."""
    data = export_formats(stamped, {fmt: scale}, width, height)[fmt]
    if isinstance(data, Exception):
        raise data
    return data


def export_formats(stamped: go.Figure, scales: dict[str, float], width: int = 1200,
                   height: int = 700) -> dict[str, bytes | Exception]:
    """A figure laid out by `stamp_figure` in several formats at once (format → scale; the report pack
    makes PNG, SVG and PDF of each figure), laid out once: per format its bytes, or the exception that
    format failed with. Raises when the figure cannot be drawn at all."""
    unknown = [fmt for fmt in scales if fmt not in FIGURE_FORMATS]
    if unknown:
        raise ValueError(f"format {unknown[0]!r}: expected one of {FIGURE_FORMATS}")
    out = renderer().render(stamped, scales, width, height)
    return {fmt: fix_pdf_text_layer(data) if fmt == "pdf" and isinstance(data, bytes) else data
            for fmt, data in out.items()}


def stamp_figure(fig: go.Figure, stamp: Stamp, width: int = 1200) -> go.Figure:
    """A copy of `fig` laid out for export: the stamp's title on top, its other lines in a footer
    under the plot (the bottom margin grows to hold it), CJK fonts."""
    out = go.Figure(fig.to_dict(), _validate=False)  # a deep copy; `fig` was validated when it was built
    margin = out.layout.margin
    left = margin.l if margin.l is not None else 80
    right = margin.r if margin.r is not None else 80
    bottom = margin.b if margin.b is not None else 80
    text_units = (width - 2 * EDGE_PX) / (GLYPH_EM * TITLE_SIZE)
    title_lines = wrap(stamp.title, text_units)
    top = max(margin.t if margin.t is not None else 0, 48 + (TITLE_SIZE + 8) * len(title_lines))
    footer = [part for line in stamp.footer_lines()
              for part in wrap(line, (width - 2 * EDGE_PX) / (GLYPH_EM * FOOTER_SIZE))]
    footer_px = FOOTER_LINE_PX * len(footer) + EDGE_PX if footer else 0

    out.update_layout(
        font_family=EXPORT_FONT_FAMILY,
        margin={"l": left, "r": right, "t": top, "b": bottom + footer_px},
    )
    if title_lines:
        out.update_layout(title={
            "text": "<br>".join(html.escape(line, quote=False) for line in title_lines),
            "font": {"family": EXPORT_FONT_FAMILY, "size": TITLE_SIZE},
            "xref": "container", "x": EDGE_PX / width, "xanchor": "left",
            "yref": "container", "y": 1, "yanchor": "top", "pad": {"t": EDGE_PX + 4},
        })
    if footer:
        # Paper coordinates are the plot area's: shift in pixels to the image's bottom-left corner.
        out.add_annotation(
            name="touyan-stamp", text="<br>".join(html.escape(line, quote=False) for line in footer),
            xref="paper", yref="paper", x=0, y=0, xanchor="left", yanchor="bottom", align="left",
            xshift=-(left - EDGE_PX), yshift=-(bottom + footer_px - EDGE_PX / 2), showarrow=False,
            font={"family": EXPORT_FONT_FAMILY, "size": FOOTER_SIZE, "color": "#555"},
        )
    return out


def display_width(text: str) -> int:
    """Width in narrow-character units: CJK (wide, fullwidth) characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, units: float) -> list[str]:
    """`text` split into lines of at most `units` display width (plotly does not wrap text): between
    any two CJK characters, or at spaces; a Latin word longer than a line is cut."""
    lines, line = [], ""
    for token in re.findall(r"\s+|[^\s\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+|\S", text):
        if line.strip() and display_width(line + token.rstrip()) > units:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
        while display_width(line) > units:  # a single token wider than a line
            cut = next(i for i in range(1, len(line) + 1) if display_width(line[:i]) > units) - 1
            lines.append(line[:max(cut, 1)])
            line = line[max(cut, 1):]
    if line.strip():
        lines.append(line.rstrip())
    return lines


# ---- PDF text layer ----------------------------------------------------------------------------
# Noto CJK draws many ideographs with the glyph of a look-alike radical (立 and KANGXI RADICAL STAND
# U+2F74 share one glyph). Chromium's PDF maps each glyph back to the lowest code point that uses it,
# so copying or searching "新立项项目数" in the PDF fails: the text layer holds "新⽴项项⽬数". The
# ToUnicode maps are rewritten to the ideographs: Kangxi radicals by NFKC, CJK Radicals Supplement
# (and ⼾, whose NFKC is 戶 while the glyph is 户) by the pairs that share a glyph in Noto Sans CJK SC.
_SUPPLEMENT = ("⺂乛⺃乚⺅亻⺇𠘨⺉刂⺋㔾⺍𭕄⺏尣⺐尢⺒巳⺓幺⺔彑⺕彐⺖忄⺘扌⺙攵⺛旡⺞歺⺠民⺡氵⺣灬⺤爫⺦丬⺨犭"
               "⺩𤣩⺭礻⺮𥫗⺯糹⺰纟⺱罓⺳㓁⺹耂⺺肀⺽𦥑⺾艹⻂衤⻅见⻆角⻇𧢲⻈讠⻉贝⻊𧾷⻋车⻌辶⻐钅⻑長⻒镸⻓长⻔门"
               "⻕𨸏⻖阝⻘青⻙韦⻚页⻛风⻜飞⻝食⻞𩙿⻟飠⻠饣⻡𩠐⻢马⻣骨⻤鬼⻥鱼⻦鸟⻧卤⻨麦⻩黄⻪黾⻫斉⻬齐⻮齿⻯竜⻰龙"
               "⻱龜⻲亀⼾户")
RADICAL_TO_IDEOGRAPH = {
    **{cp: unicodedata.normalize("NFKC", chr(cp)) for cp in range(0x2F00, 0x2FD6)},
    **{ord(radical): ideograph for radical, ideograph in zip(_SUPPLEMENT[::2], _SUPPLEMENT[1::2], strict=True)},
}
_TO_UNICODE_REF = re.compile(rb"/ToUnicode (\d+) 0 R")
_CMAP_BLOCK = re.compile(rb"(\d+) begin(bfchar|bfrange)(.*?)end\2", re.S)
_BFCHAR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>")
_BFRANGE = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])")
_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_XREF_SUBSECTION = re.compile(rb"(\d+) (\d+)[ \t]*\r?\n")
_TRAILER = re.compile(rb"\s*trailer\s*<<((?:[^<>]|<[0-9A-Fa-f]*>)*)>>")
_STREAM_OBJECT = re.compile(rb"(\d+) 0 obj\s*<<([^<>]*)>>\s*stream\r?\n")
_FLATE_STREAM = re.compile(rb"\s*(?:/Filter\s*/FlateDecode\s*)?/Length (\d+)\s*(?:/Filter\s*/FlateDecode\s*)?")


def fix_pdf_text_layer(pdf: bytes) -> bytes:
    """`pdf` with its ToUnicode maps pointing at ideographs instead of radicals, as an incremental
    update (the original bytes stay as they are). A file laid out otherwise than Chromium's (no
    classic cross-reference table, indirect lengths, other filters) is returned unchanged."""
    xref = _read_xref(pdf)
    if xref is None:
        return pdf
    offsets, trailer, xref_at = xref
    updates = {}
    for number in sorted({int(n) for n in _TO_UNICODE_REF.findall(pdf)}):
        obj = _STREAM_OBJECT.match(pdf, offsets.get(number, len(pdf)))
        length = obj and int(obj.group(1)) == number and _FLATE_STREAM.fullmatch(obj.group(2))
        if not length:
            return pdf
        raw = pdf[obj.end():obj.end() + int(length.group(1))]
        try:
            cmap = zlib.decompress(raw) if b"FlateDecode" in obj.group(2) else raw
        except zlib.error:
            return pdf
        fixed = _fix_cmap(cmap)
        if fixed != cmap:
            updates[number] = fixed
    if not updates:
        return pdf

    out = bytearray(pdf if pdf.endswith(b"\n") else pdf + b"\n")
    new_offsets = {}
    for number, cmap in updates.items():
        body = zlib.compress(cmap)
        new_offsets[number] = len(out)
        out += b"%d 0 obj\n<</Filter /FlateDecode /Length %d>>\nstream\n" % (number, len(body))
        out += body + b"\nendstream\nendobj\n"
    new_xref_at = len(out)
    out += b"xref\n" + b"".join(b"%d 1\n%010d 00000 n \n" % (n, new_offsets[n]) for n in sorted(new_offsets))
    kept = re.sub(rb"/Prev\s+\d+", b"", trailer).strip()
    out += b"trailer\n<<%s\n/Prev %d>>\nstartxref\n%d\n%%%%EOF\n" % (kept, xref_at, new_xref_at)
    return bytes(out)


def _read_xref(pdf: bytes) -> tuple[dict[int, int], bytes, int] | None:
    """Offsets of the objects in use, the newest trailer dictionary and the offset of the newest
    cross-reference table; None unless every section is a classic table."""
    end = _STARTXREF.search(pdf, max(0, len(pdf) - 64))
    if end is None:
        return None
    offsets: dict[int, int] = {}
    newest_trailer = None
    position: int | None = int(end.group(1))
    seen = set()
    while position is not None and position not in seen:
        seen.add(position)
        if not pdf.startswith(b"xref", position):
            return None
        position += 4
        while pdf[position:position + 1] in (b"\r", b"\n", b" "):
            position += 1
        while section := _XREF_SUBSECTION.match(pdf, position):
            first, count = int(section.group(1)), int(section.group(2))
            entries = pdf[section.end():section.end() + 20 * count]
            for i in range(count):
                entry = entries[20 * i:20 * i + 20]
                if entry[17:18] == b"n":
                    offsets.setdefault(first + i, int(entry[:10]))
            position = section.end() + 20 * count
        trailer = _TRAILER.match(pdf, position)
        if trailer is None:
            return None
        newest_trailer = newest_trailer or trailer.group(1)
        previous = re.search(rb"/Prev\s+(\d+)", trailer.group(1))
        position = int(previous.group(1)) if previous else None
    return offsets, newest_trailer, int(end.group(1))


def _fix_cmap(cmap: bytes) -> bytes:
    """The CMap with radical targets replaced; unchanged bytes when there is nothing to replace."""
    blocks = list(_CMAP_BLOCK.finditer(cmap))
    if not blocks:
        return cmap
    mapping: dict[bytes, str] = {}
    for block in blocks:
        if block.group(2) == b"bfchar":
            for code, target in _BFCHAR.findall(block.group(3)):
                mapping[code] = _utf16(target)
            continue
        for low, high, target in _BFRANGE.findall(block.group(3)):
            width, first, last = len(low), int(low, 16), int(high, 16)
            targets = re.findall(rb"<([0-9A-Fa-f]*)>", target)
            for i in range(last - first + 1):
                code = b"%0*X" % (width, first + i)
                if target.startswith(b"["):
                    mapping[code] = _utf16(targets[i]) if i < len(targets) else ""
                else:
                    units = bytearray(bytes.fromhex(targets[0].decode()))
                    units[-2:] = (int.from_bytes(units[-2:], "big") + i).to_bytes(2, "big")
                    mapping[code] = units.decode("utf-16-be", errors="surrogatepass")
    fixed = {code: text.translate(RADICAL_TO_IDEOGRAPH) for code, text in mapping.items()}
    if fixed == mapping:
        return cmap
    items = sorted(fixed.items(), key=lambda item: int(item[0], 16))
    body = b"".join(
        b"%d beginbfchar\n" % len(chunk)
        + b"".join(b"<%s> <%s>\n" % (code, text.encode("utf-16-be", errors="surrogatepass").hex().upper().encode())
                   for code, text in chunk)
        + b"endbfchar\n"
        for chunk in (items[i:i + 100] for i in range(0, len(items), 100))
    )
    return cmap[:blocks[0].start()] + body + cmap[blocks[-1].end():].lstrip(b"\n")


def _utf16(hex_text: bytes) -> str:
    return bytes.fromhex(hex_text.decode()).decode("utf-16-be", errors="surrogatepass")


class FigureRenderer:
    """One headless Chromium (Playwright, driven from an event loop on its own thread) holding a page
    with plotly.js loaded once, where each figure is laid out with `Plotly.toImage`, one at a time, and
    a page printing figures' SVG to PDF. Also prints HTML pages to PDF (the report pack's combined
    PDFs), each on a page of its own."""

    starts = 0  # browsers started in this process (the export tests assert it stays at one)

    def __init__(self, browser_path: str | None = None):
        self.browser_path = browser_path or find_browser()
        self.pid = os.getpid()
        self.renders = 0
        self.broken = False
        self._manager = self._playwright = self._browser = self._context = self._draw_page = self._pdf_page = None
        self._render_lock, self._print_lock = threading.Lock(), threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._loop.set_exception_handler(_quiet_when_closed)
        self._thread = threading.Thread(target=self._loop.run_forever, name="touyan-renderer", daemon=True)
        self._thread.start()
        try:
            self._run(self._open(), START_TIMEOUT_S)
        except BaseException:
            self.close(graceful=False)
            raise
        FigureRenderer.starts += 1

    async def _open(self) -> None:
        from playwright.async_api import async_playwright

        self._manager = async_playwright()
        self._playwright = await self._manager.start()
        self._browser = await self._playwright.chromium.launch(
            executable_path=self.browser_path, args=BROWSER_ARGS, timeout=START_TIMEOUT_S * 1000)
        # Nothing the renderer draws or prints needs the network: its pages are written in place, plotly.js
        # is added from the file, the report pack's images are data: URIs. So every request its pages
        # make is refused before it leaves the browser — whatever a figure or page it is handed points at
        # (an image URL in a figure's layout, a stylesheet, a script), it reaches no address.
        self._context = await self._browser.new_context(service_workers="block")
        await self._context.route("**/*", _refuse)
        await self._context.route_web_socket("**/*", _refuse_web_socket)
        self._draw_page, self._pdf_page = [await self._context.new_page() for _ in range(2)]
        for page in (self._draw_page, self._pdf_page):
            page.on("crash", self._crashed)
            await page.set_content(RENDER_PAGE)
        # plotly.js from the installed plotly package, sent to the page once: never fetched from a
        # CDN, which intranets cannot reach. No MathJax.
        await self._draw_page.add_script_tag(path=PLOTLY_JS)

    def _crashed(self, _page) -> None:
        self.broken = True

    def _run(self, coroutine, timeout: float):
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def alive(self) -> bool:
        return (not self.broken and self.pid == os.getpid() and self._thread.is_alive()
                and self._browser is not None and self._browser.is_connected())

    def render(self, fig: go.Figure, scales: dict[str, float], width: int, height: int) -> dict[str, bytes | Exception]:
        """The figure in each format of `scales` (format → scale), from one layout of the figure: the
        bytes, or the exception that format failed with. Raises when the figure cannot be drawn at all
        (bad figure, timeout, browser gone). The PDF is printed on a second page, so one thread's PDF
        is printed while the next figure is laid out."""
        figure = plotly.io.to_json(fig, validate=False)
        drawn = self._call(self._draw(figure, width, height, scales.get("png")), RENDER_TIMEOUT_S, self._render_lock)
        out: dict[str, bytes | Exception] = {}
        for fmt, scale in scales.items():
            svg = drawn["svg"] if scale == 1 else _scale_svg(drawn["svg"], width, height, scale)
            if fmt == "svg":
                out[fmt] = svg.encode("utf-8")
            elif fmt == "png":
                out[fmt] = (base64.b64decode(drawn["png"]) if drawn.get("png") is not None
                            else RuntimeError(f"PNG: {drawn.get('png_error') or 'not drawn'}"))
            else:  # pdf: the SVG inline on a page of its size, printed: text stays text
                try:
                    out[fmt] = self._call(self._print_svg(svg, width * scale, height * scale), RENDER_TIMEOUT_S,
                                          self._print_lock)
                except Exception as e:  # noqa: BLE001 — this format failed, the others are made
                    out[fmt] = e
        return out

    def print_pdf(self, page_html: str, **options) -> bytes:
        """`page_html` printed to PDF by the same browser on a page of its own (Playwright `page.pdf`
        options); several may print at once, and alongside figure renders."""
        return self._call(self._print_html(page_html, options), PRINT_TIMEOUT_S)

    def _call(self, coroutine, timeout: float, lock: threading.Lock | None = None):
        """Run `coroutine` on the browser's loop (holding `lock`); a timeout marks the browser broken."""
        with lock or contextlib.nullcontext():
            try:
                return self._run(coroutine, timeout)
            except TimeoutError:
                self.broken = True  # a hung page: the next export starts a fresh browser
                raise TimeoutError(f"the browser did not answer within {timeout} s "
                                   "(the next export starts a fresh one)") from None

    async def _draw(self, figure: str, width: int, height: int, png_scale: float | None) -> dict:
        drawn = await self._draw_page.evaluate(RENDER_JS, {"figure": figure, "width": width, "height": height,
                                                           "png": png_scale})
        self.renders += 1  # on the loop's thread: one at a time
        return drawn

    async def _print_svg(self, svg: str, width: float, height: float) -> bytes:
        page = self._pdf_page
        await page.evaluate(SHOW_SVG_JS, {"svg": svg, "width": width, "height": height})
        try:
            return await page.pdf(width=f"{width}px", height=f"{height}px", print_background=True,
                                  margin=dict.fromkeys(("top", "right", "bottom", "left"), "0"),
                                  page_ranges="1", prefer_css_page_size=True)
        finally:
            await page.evaluate(SHOW_SVG_JS, {"svg": "", "width": 0, "height": 0})

    async def _print_html(self, page_html: str, options: dict) -> bytes:
        page = await self._context.new_page()
        try:
            await page.set_content(page_html, wait_until="load")
            return await page.pdf(**options)
        finally:
            await page.close()

    def close(self, graceful: bool = True) -> None:
        """Close the browser and the Playwright driver (killed when they do not close within a few
        seconds), then the loop."""
        if self.pid != os.getpid():  # a forked child: the browser and the loop thread are the parent's
            return
        try:
            if self._thread.is_alive():
                self._run(self._close(), 15 if graceful else 5)
        except Exception:  # noqa: BLE001 — a hung or dead browser: its driver is killed below
            process = self._driver_process()
            if process is not None and process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()  # the browser exits when its driver's pipe closes
        finally:
            self._stop_loop()

    def _driver_process(self):
        """The Playwright driver (node) this renderer started, from Playwright's internals; None if they
        change (the driver then still ends with this process, when its pipe closes)."""
        transport = getattr(getattr(self._manager, "_client", None), "_transport", None)
        return getattr(transport, "_proc", None)

    async def _close(self) -> None:
        if self._browser is not None:
            with contextlib.suppress(Exception):  # already gone
                await self._browser.close()
        if self._playwright is not None:
            await self._playwright.stop()

    def _stop_loop(self) -> None:
        if self._thread.is_alive():
            with contextlib.suppress(Exception):
                self._run(_cancel_other_tasks(), 5)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
        if not self._thread.is_alive():
            self._loop.close()


async def _refuse(route) -> None:
    """A request of a renderer's page: data: and blob: URLs are the page's own content; anything else
    would go to the network, and is refused."""
    if route.request.url.startswith(("data:", "blob:")):
        await route.continue_()
    else:
        await route.abort("blockedbyclient")


async def _refuse_web_socket(web_socket) -> None:
    """A WebSocket of a renderer's page: never connected to its server, closed."""
    await web_socket.close()


def _scale_svg(svg: str, width: int, height: int, scale: float) -> str:
    """Plotly's SVG drawn `scale` times its size (as `Plotly.toImage` does for format svg): the root's
    width and height multiplied, its viewBox kept."""
    head, rest = svg.split(">", 1)
    head = re.sub(r'\swidth="[^"]*"', f' width="{width * scale:g}"', head, count=1)
    head = re.sub(r'\sheight="[^"]*"', f' height="{height * scale:g}"', head, count=1)
    if "viewBox" not in head:
        head += f' viewBox="0 0 {width} {height}"'
    return head + ">" + rest


# The page the figures are drawn in: plotly.js is added once; a figure is laid out by `Plotly.toImage`
# as SVG, the PNG is that SVG drawn on a canvas (what `Plotly.toImage` does for PNG, without laying the
# figure out a second time), the PDF is that SVG shown alone on a page of its size and printed.
RENDER_PAGE = ('<!doctype html><html><head><meta charset="utf-8"><style id="page-size"></style>'
               "<style>html, body { margin: 0; padding: 0; } #figure svg { display: block; }</style></head>"
               '<body><div id="figure"></div></body></html>')
RENDER_JS = """async ({figure, width, height, png}) => {
    const fig = JSON.parse(figure);
    const svg = await Plotly.toImage({data: fig.data || [], layout: fig.layout || {}, config: fig.config || {}},
                                     {format: "svg", width, height, imageDataOnly: true});
    const out = {svg};
    if (png) {
        try {
            const url = await Plotly.Snapshot.svgToImg({svg, format: "png", width, height, scale: png,
                                                        canvas: document.createElement("canvas"), promise: true});
            out.png = url.slice(url.indexOf(",") + 1);
        } catch (e) {
            out.png_error = (e && e.message) || "the SVG could not be drawn on a canvas";
        }
    }
    return out;
}"""
SHOW_SVG_JS = """({svg, width, height}) => {
    document.getElementById("page-size").textContent =
        svg ? `@page { size: ${width}px ${height}px; margin: 0; } html, body { overflow: hidden; }` : "";
    document.getElementById("figure").innerHTML = svg;
}"""


def _quiet_when_closed(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    """The loop's handler of errors nobody awaited: Playwright's "connection closed" when the browser or
    its driver is gone (killed with the terminal's Ctrl+C, crashed) is not printed; the next export
    starts a fresh browser, and the export that was running reports the error to its caller."""
    if "closed" not in str(context.get("exception", "")).lower():
        loop.default_exception_handler(context)


async def _cancel_other_tasks() -> None:
    tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def find_browser() -> str:
    """BROWSER_PATH if set, else Debian's chromium on PATH."""
    for candidate in (os.environ.get("BROWSER_PATH"), shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate:
            return candidate
    raise RuntimeError("No Chromium for figure export: run scripts/system-deps.sh (Debian package "
                       "`chromium`) or set BROWSER_PATH")


_renderer: FigureRenderer | None = None
_renderer_lock = threading.Lock()


def renderer() -> FigureRenderer:
    """The process's shared renderer, started on first use (and again if its browser died)."""
    global _renderer
    with _renderer_lock:
        if _renderer is not None and not _renderer.alive():
            stale, _renderer = _renderer, None
            with contextlib.suppress(Exception):  # its browser is gone already; start a new one
                stale.close(graceful=False)
        if _renderer is None:
            _renderer = FigureRenderer()
        return _renderer


def shutdown_renderer() -> None:
    """Stop the shared browser (registered with atexit; safe to call more than once)."""
    global _renderer
    with _renderer_lock:
        stale, _renderer = _renderer, None
    if stale is not None:
        stale.close()


atexit.register(shutdown_renderer)


# ---- tables ------------------------------------------------------------------------------------


def export_table_csv(df: pd.DataFrame) -> bytes:
    """UTF-8 with a BOM (Excel then reads the Chinese right); text cells Excel would run as a formula
    get a leading apostrophe; numbers are written as numbers. The index is not written."""
    safe = df.rename(columns=excel_safe)
    for i in range(safe.shape[1]):
        column = safe.iloc[:, i]
        if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column)):
            safe.isetitem(i, column.map(excel_safe))
    return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def export_table_xlsx(df: pd.DataFrame, sheet: str = "data", title: str | None = None) -> bytes:
    """One sheet: an optional title row, a bold header, the rows. Text is always a text cell (never a
    formula or a link), numbers are number cells, dates are date cells. The index is not written."""
    return export_tables_xlsx({sheet: df}, {sheet: title} if title else None)


def export_tables_xlsx(sheets: dict[str, pd.DataFrame], titles: dict[str, str] | None = None) -> bytes:
    """One workbook, a sheet per frame (in order), each written as `export_table_xlsx` writes its one."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False, "nan_inf_to_errors": True, "remove_timezone": True,
    })
    formats = {
        "title": workbook.add_format({"bold": True, "font_size": 13}),
        "header": workbook.add_format({"bold": True, "bg_color": "#F0F2F4", "bottom": 1}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
    }
    for sheet, df in sheets.items():
        _write_sheet(workbook.add_worksheet(sheet_name(sheet)), df, (titles or {}).get(sheet), formats)
    workbook.close()
    return buffer.getvalue()


def _write_sheet(worksheet, df: pd.DataFrame, title: str | None, formats: dict) -> None:
    header_row = 0
    if title:
        worksheet.write_string(0, 0, title, formats["title"])
        header_row = 1
    for c, name in enumerate(df.columns):
        worksheet.write_string(header_row, c, str(name), formats["header"])
        values = df.iloc[:, c].tolist()
        for r, value in enumerate(values, start=header_row + 1):
            _write_cell(worksheet, r, c, value, formats)
        sample = [str(name)] + [_cell_text(v) for v in values[:2000]]
        worksheet.set_column(c, c, min(max(display_width(s) for s in sample) + 2, 60))
    if len(df.columns):
        worksheet.freeze_panes(header_row + 1, 0)
        worksheet.autofilter(header_row, 0, header_row + len(df), len(df.columns) - 1)


def sheet_name(name: str) -> str:
    """A name Excel accepts: no []:*?/\\, not starting or ending with ', at most 31 characters."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("'")[:31]
    return cleaned or "data"


def _is_missing(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def _write_cell(worksheet, row: int, col: int, value: object, formats: dict) -> None:
    if _is_missing(value):
        return
    if isinstance(value, bool):
        worksheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        worksheet.write_number(row, col, value)
    elif isinstance(value, Decimal):
        worksheet.write_number(row, col, float(value))
    elif isinstance(value, datetime):
        worksheet.write_datetime(row, col, value, formats["datetime"])
    elif isinstance(value, date):
        worksheet.write_datetime(row, col, value, formats["date"])
    else:
        worksheet.write_string(row, col, str(value))


def _cell_text(value: object) -> str:
    if _is_missing(value):
        return ""
    if isinstance(value, datetime):
        return "yyyy-mm-dd hh:mm:ss"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
