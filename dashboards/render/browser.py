"""The one shared headless Chromium that draws figures and prints pages to PDF (the dashboard's
downloads, the report pack).

Figures are drawn by plotly.js in Debian's Chromium, driven by Playwright: one page keeps plotly.js
(the cartesian bundle the dashboard serves) loaded and lays out each figure with `Plotly.toImage`
(SVG; the PNG is that SVG on a canvas, the PDF that SVG printed, so its text stays text). Starting
the browser costs ~3 s, so it is started lazily, once per process, and reused by every export; Dash
callbacks run on several threads, so starting, using and stopping it is guarded by locks. A start-up
error or a render timeout reaches the caller, and the next export starts a fresh browser. Which
browser: Settings.browser_path (BROWSER_PATH), passed down by the caller, else `chromium` on PATH.
"""
from __future__ import annotations

import asyncio
import atexit
import base64
import contextlib
import os
import re
import shutil
import threading
from pathlib import Path

import plotly.graph_objects as go
import plotly.io

# plotly.js's cartesian bundle, vendored for the dashboard (scripts/vendor-assets.sh: the plotly
# package's version, every trace type the figures draw): 1.4 MiB for the browser to parse instead of
# the full bundle's 4.6, which took ~3.6 s of the renderer's ~5 s start.
PLOTLY_JS = Path(__file__).resolve().parent.parent / "assets" / "plotly-cartesian.min.js"

BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run"]

START_TIMEOUT_S = 60
RENDER_TIMEOUT_S = 60
PRINT_TIMEOUT_S = 180  # a whole combined report


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


def find_browser(browser_path: str | None = None) -> str:
    """`browser_path` if given (Settings.browser_path: BROWSER_PATH), else Debian's chromium on PATH."""
    for candidate in (browser_path, shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate:
            return candidate
    raise RuntimeError("No Chromium for figure export: run scripts/system-deps.sh (Debian package "
                       "`chromium`) or set BROWSER_PATH")


_renderer: FigureRenderer | None = None
_renderer_lock = threading.Lock()


def renderer(browser_path: str | None = None) -> FigureRenderer:
    """The process's shared renderer, started on first use (and again if its browser died), with
    `browser_path` (else chromium on PATH). Given a browser other than the running one's, that one is
    stopped and the asked one started; None takes the running one, whichever it is."""
    global _renderer
    with _renderer_lock:
        if _renderer is not None and (not _renderer.alive()
                                      or (browser_path is not None and _renderer.browser_path != browser_path)):
            stale, _renderer = _renderer, None
            with contextlib.suppress(Exception):  # its browser is gone already; start a new one
                stale.close(graceful=False)
        if _renderer is None:
            _renderer = FigureRenderer(browser_path)
        return _renderer


def shutdown_renderer() -> None:
    """Stop the shared browser (registered with atexit; safe to call more than once)."""
    global _renderer
    with _renderer_lock:
        stale, _renderer = _renderer, None
    if stale is not None:
        stale.close()


atexit.register(shutdown_renderer)
