#!/usr/bin/env python3
"""Bytes on the wire for the first load of a big page: domsync against a bare page.

How to run (from the repository root, with the project's venv)::

    .venv/bin/python bench/first_page.py                 # table on stdout (~10 s)
    .venv/bin/python bench/first_page.py --rounds 5
    .venv/bin/python bench/first_page.py --domsync /path/to/other/checkout   # another version
    .venv/bin/python bench/first_page.py --json > first_page.json
    .venv/bin/python bench/first_page.py --breakdown      # and where the time goes

The page is the 1,000 x 5 table of ``latency.py`` (b): a ``TableComponent`` with ids
``t.tr.r0001`` and ``t.td.r0001.c3`` and texts ``1.3``, plus a button.

domsync
    A ``DomsyncServer`` whose handler builds the table and flushes: the page, the
    client script and the first websocket batch, whose large appends go as markup
    (the ``HTML`` op, :mod:`domsync.encode_html`).
domsync-ops
    The same, with that batch as constructor calls (``E(...)``), as before protocol
    version 4 and as the JSON wire still sends it: the baseline, in the same run.
prerender
    The same handler on ``DomsyncServer(prerender=True)``: the page comes with the table
    in its HTML (:mod:`domsync.prerender`), and the client binds it and connects after
    the page is painted.
prerender-static
    The page that server served, captured once and served from memory like the bare
    page: what the prerendered page costs the browser, without the server's time (its
    websocket gets no welcome, so it has no "live ms").
bare
    A bare ``websockets`` server (``process_request``) whose page ships the same table
    as HTML, gzip-compressed (``Content-Encoding: gzip``, level 6, as a web server would
    serve it), and opens a websocket to the same server, as the floor of
    ``latency.py`` does.

Each load is a fresh Chromium context (an empty cache), pointed at a small asyncio TCP
proxy in front of the server, which counts every byte in each direction on every
connection: HTTP headers, bodies, websocket framing, after compression (gzip for HTTP
bodies, permessage-deflate for websocket messages, both negotiated as Chromium does).
That is "on the wire", assets included. The load is done when the page has all 5,000
cells: "load ms" is from ``page.goto`` to then, seen from Python (it includes the
``load`` event, which ``goto`` waits for, and Playwright's own round trips); "page ms"
is from the navigation's start to the start of the animation frame after the first one
with the whole table (so that one has been laid out and painted), seen in the page by
an animation-frame loop running from the page's start; "live ms" is from the
navigation's start until the table is painted, the page's session is on the line (the
``domsync:status`` event said "open"; the bare page's script is inline) and, for a
prerendered page, the client has bound it (its root is no longer ``inert``), whichever
comes last. The figures are the median over ``--rounds`` loads, taking the
servers in turn (in another order each round), and the ratios to bare.

The servers run in a process of their own (``--same-process``: in the benchmark's, as
before), as a deployment runs them: the browser's driver and its garbage are not theirs.

``--breakdown`` adds where the first batch's time goes, each part measured alone in the
same run: the server's encoding (best of 9) and the batch's bytes, raw and deflated as
permessage-deflate sends them; and in a fresh page each time (median of ``--rounds``),
the browser's cost of applying it, of compiling it alone (``new Function``, not run),
of the JSON wire's batch, and of parsing the bare page's table markup in a
``<template>`` (the parser's floor).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import statistics
import sys
import time
from http import HTTPStatus

ROWS, COLS = 1000, 5
ROOT_ID = "domsync_root_id"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions"]


def table_html() -> str:
    """The table as HTML, with the ids and texts TableComponent gives it."""
    cells = "".join(f'<th id="t.td.header.c{j}">c{j}</th>' for j in range(COLS))
    rows = [f'<tr id="t.tr.header">{cells}</tr>']
    for i in range(ROWS):
        r = f"r{i:04d}"
        rows.append(f'<tr id="t.tr.{r}">' + "".join(
            f'<td id="t.td.{r}.c{j}">{i}.{j}</td>' for j in range(COLS)) + "</tr>")
    return '<table id="t">' + "".join(rows) + "</table>"


BARE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>bare</title><link rel="icon" href="data:,"></head>
<body><div id="domsync_root_id"><button id="btn">change a cell</button>TABLE</div>
<script>
const ws = new WebSocket("ws://" + location.host + "/ws");
ws.onmessage = e => { new Function(e.data)(); };
document.getElementById("btn").addEventListener("click", () =>
  ws.send(JSON.stringify({domsync: true, event: "click", id: 1})));
</script></body></html>"""


# In the page from its start: each animation frame, is the table complete? The frame
# after the one that found it starts once that one is laid out and painted: "page ms".
WATCH_TABLE = """(() => {
  document.addEventListener('domsync:status', e => {
    if (e.detail.status === 'open' && !window.__open) window.__open = performance.now();
  });
  function tick() {
    const now = performance.now();
    if (window.__complete && !window.__painted) window.__painted = now;
    if (document.querySelectorAll('#t td').length === %d && !window.__complete) window.__complete = now;
    // A prerendered page is bound when its root is no longer inert.
    const root = document.getElementById('%s');
    if (window.__complete && root && !root.hasAttribute('inert') && !window.__bound) window.__bound = now;
    if (!window.__painted || !window.__bound) requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
})();""" % (ROWS * COLS, ROOT_ID)


class Proxy:
    """A TCP proxy that counts the bytes going each way."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.down = 0  # server -> browser
        self.up = 0  # browser -> server
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return

        async def pipe(source, sink, count_down: bool):
            try:
                while data := await source.read(65536):
                    if count_down:
                        self.down += len(data)
                    else:
                        self.up += len(data)
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(reader, up_writer, False), pipe(up_reader, writer, True))

    def reset(self) -> None:
        self.down = self.up = 0

    async def close(self) -> None:
        assert self.server is not None
        self.server.close()


async def start_domsync(markup: bool = True, prerender: bool = False):
    from domsync.components import TableComponent
    from domsync.domsync_server import DomsyncServer
    try:
        import domsync.encode_html as encode_html
    except ImportError:  # a version without markup: constructor calls only
        encode_html = None

    async def handler(server, client):
        doc = server.get_document(client)
        doc.getRootElement().appendChild(doc.createElement("button", id="btn", innerText="change a cell"))
        table = TableComponent(doc, ROOT_ID, [f"c{j}" for j in range(COLS)], id="t")
        for i in range(ROWS):
            table.addRow(f"r{i:04d}", [f"{i}.{j}" for j in range(COLS)])
        if markup or encode_html is None:
            await server.flush(client)
            return
        # The loads run one at a time, so the switch affects this page's batch only.
        least, encode_html.MIN_ELEMENTS = encode_html.MIN_ELEMENTS, 1 << 60
        try:
            await server.flush(client)
        finally:
            encode_html.MIN_ELEMENTS = least

    if prerender:
        try:
            server = DomsyncServer(handler, "127.0.0.1", 0, verbose=False, prerender=True)
        except TypeError:  # a version without prerender
            return None
    else:
        server = DomsyncServer(handler, "127.0.0.1", 0, verbose=False)
    await server.serve()
    return server.port, server.close


async def start_bare(html: str | None = None):
    """The bare page's server; or, with ``html``, a server of that page as it is (and of
    domsync's client script), from memory."""
    from websockets.asyncio.server import serve
    from websockets.datastructures import Headers
    from websockets.http11 import Response

    page = gzip.compress((html or BARE_PAGE.replace("TABLE", table_html())).encode(), compresslevel=6)
    script = b""
    if html is not None:
        from domsync.assets import client_js_gzip
        script = client_js_gzip()

    def process_request(connection, request):
        path = request.path.split("?")[0]
        if path == "/ws":
            return None
        headers = Headers()
        body = page
        headers["Content-Type"] = "text/html; charset=utf-8"
        if path.endswith(".js") and script:
            body = script
            headers["Content-Type"] = "text/javascript; charset=utf-8"
        headers["Content-Encoding"] = "gzip"
        headers["Content-Length"] = str(len(body))
        return Response(HTTPStatus.OK.value, "OK", headers, body)

    async def handler(ws):
        async for _ in ws:
            pass

    server = await serve(handler, "127.0.0.1", 0, process_request=process_request)

    async def close():
        server.close()
        await server.wait_closed()

    return server.sockets[0].getsockname()[1], close


async def load(browser, proxy: Proxy, live: bool = True) -> tuple[int, int, float, float, float]:
    """Bytes down and up for one cold load of the page, the time it took seen from
    Python, and in the page."""
    context = await browser.new_context()
    page = await context.new_page()
    await page.add_init_script(WATCH_TABLE)
    proxy.reset()
    started = time.perf_counter()
    await page.goto(f"http://127.0.0.1:{proxy.port}/")
    in_page = await page.wait_for_function("window.__painted", timeout=30000)
    elapsed = time.perf_counter() - started
    page_ms = await in_page.json_value()
    # Live: the table is painted and the page answers (a domsync page: its session is on
    # the line, which a prerendered page's is only after it has bound the page).
    live_ms = float("nan")
    if live:
        answer = await page.wait_for_function(
            "(window.__open || !window.domsync) && window.__bound"
            " && Math.max(window.__painted, window.__open || 0, window.__bound)", timeout=30000)
        live_ms = await answer.json_value()
    await asyncio.sleep(0.3)  # the last frames' bytes through the proxy
    down, up = proxy.down, proxy.up
    await context.close()
    return down, up, elapsed, page_ms, live_ms


async def start_servers() -> dict:
    """Every server, in this process: name -> (port, close)."""
    servers = {"domsync": await start_domsync(), "domsync-ops": await start_domsync(markup=False),
               "prerender": await start_domsync(prerender=True), "bare": await start_bare()}
    if servers["prerender"] is None:
        del servers["prerender"]
    else:
        servers["prerender-static"] = await start_bare(await prerendered_html(servers["prerender"][0]))
    return servers


async def prerendered_html(port: int) -> str:
    """The page the prerendering server serves a browser that opens it (one load)."""
    import urllib.request

    request = urllib.request.Request(f"http://127.0.0.1:{port}/",
                                     headers={"Sec-Fetch-Dest": "document", "Sec-Fetch-Site": "none"})
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, lambda: urllib.request.urlopen(request).read().decode())


async def serve_servers() -> None:
    """The child process: start the servers, print their ports (a line of JSON), serve
    until stdin closes."""
    servers = await start_servers()
    print(json.dumps({name: port for name, (port, _) in servers.items()}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for _, close in servers.values():
        await close()


async def start_servers_process(args) -> dict:
    """The servers in a process of their own, as a deployment runs them: the browser's
    driver, the proxy and their garbage are not the servers'. name -> (port, close)."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, os.path.abspath(__file__), "--serve", "--domsync", args.domsync,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert child.stdout is not None and child.stdin is not None
    ports = json.loads(await child.stdout.readline())

    async def close() -> None:
        if child.returncode is None:
            child.stdin.close()
            try:
                await asyncio.wait_for(child.wait(), 10)
            except asyncio.TimeoutError:
                child.kill()
                await child.wait()

    closes = iter([close] + [_nothing] * (len(ports) - 1))
    return {name: (port, next(closes)) for name, port in ports.items()}


async def _nothing() -> None:
    pass


async def run(args) -> dict:
    from playwright.async_api import async_playwright

    sys.path.insert(0, args.domsync)
    import domsync

    servers = await start_servers_process(args) if not args.same_process else await start_servers()
    proxies = {}
    for name, (port, _) in servers.items():
        proxies[name] = Proxy(port)
        await proxies[name].start()
    results: dict[str, list] = {name: [] for name in servers}
    results_breakdown = None
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS)
            try:
                if args.breakdown:
                    results_breakdown = await breakdown(browser, args.rounds)
                names = list(servers)
                for rnd in range(args.rounds):
                    for name in names[rnd % len(names):] + names[:rnd % len(names)]:
                        results[name].append(await load(browser, proxies[name], live=name != "prerender-static"))
            finally:
                await browser.close()
    finally:
        for proxy in proxies.values():
            await proxy.close()
        for _, close in servers.values():
            await close()
    summary = {name: {"down_bytes": statistics.median(r[0] for r in runs),
                      "up_bytes": statistics.median(r[1] for r in runs),
                      "load_ms": statistics.median(r[2] for r in runs) * 1000,
                      "page_ms": statistics.median(r[3] for r in runs),
                      "live_ms": statistics.median(r[4] for r in runs)}
               for name, runs in results.items()}
    bare = summary["bare"]
    summary["ratio_down"] = summary["domsync"]["down_bytes"] / bare["down_bytes"]
    for name in [name for name in ("domsync", "domsync-ops", "prerender", "prerender-static") if name in summary]:
        summary[name]["ratio_load"] = summary[name]["load_ms"] / bare["load_ms"]
        summary[name]["ratio_page"] = summary[name]["page_ms"] / bare["page_ms"]
        # The same ratio round by round (the loads of one round are seconds apart, so
        # they share the machine's load), then the median: steadier on a busy machine.
        summary[name]["ratio_page_paired"] = statistics.median(
            mine[3] / floor[3] for mine, floor in zip(results[name], results["bare"]))
    summary["load_average"] = os.getloadavg()
    if results_breakdown is not None:
        summary["breakdown"] = results_breakdown
    summary["domsync_from"] = os.path.dirname(domsync.__file__)
    return summary


async def breakdown(browser, rounds: int) -> dict:
    """Where the first batch's time goes: server encoding, bytes, browser apply."""
    import zlib

    from domsync import Document, encode_js, encode_json
    from domsync.assets import client_js_source
    from domsync.components import TableComponent
    try:
        import domsync.encode_html as encode_html
    except ImportError:
        encode_html = None

    doc = Document(ROOT_ID)
    doc.getRootElement().appendChild(doc.createElement("button", id="btn", innerText="change a cell"))
    table = TableComponent(doc, ROOT_ID, [f"c{j}" for j in range(COLS)], id="t")
    for i in range(ROWS):
        table.addRow(f"r{i:04d}", [f"{i}.{j}" for j in range(COLS)])
    ops = doc.take_ops()

    def best(fn, n=9):
        times = []
        for _ in range(n):
            started = time.perf_counter()
            result = fn()
            times.append(time.perf_counter() - started)
        return min(times) * 1000, result

    def deflated(text: str) -> int:
        compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -zlib.MAX_WBITS)
        return len(compressor.compress(text.encode()) + compressor.flush(zlib.Z_SYNC_FLUSH))

    batches = {}
    encode_ms = {}
    encode_ms["markup"], batches["markup"] = best(lambda: encode_js.encode(ops))
    if encode_html is not None:
        least, encode_html.MIN_ELEMENTS = encode_html.MIN_ELEMENTS, 1 << 60
        try:
            encode_ms["ops"], batches["ops"] = best(lambda: encode_js.encode(ops))
        finally:
            encode_html.MIN_ELEMENTS = least
    encode_ms["json"], batches["json"] = best(lambda: encode_json.encode(ops))
    markup = table_html()
    client = client_js_source().decode("utf-8")
    page_html = f"<!doctype html><html><body><div id='{ROOT_ID}'></div></body></html>"
    apply_js = """([kind, batch]) => {
        const t0 = performance.now();
        if (kind === 'compile') new Function('N','E','S','M','L','H','F','R','D','V','notify','download',
            'downloadUrl','openUrl','route','run','T','P', batch);
        else if (kind === 'parse') { const t = document.createElement('template'); t.innerHTML = batch;
            document.getElementById('%s').append(t.content); }
        else if (kind === 'json') domsync.applyOps(batch);
        else domsync.apply(batch);
        return performance.now() - t0;
    }""" % ROOT_ID
    kinds = [("apply markup", "js", batches["markup"]), ("apply ops", "js", batches.get("ops")),
             ("compile ops", "compile", batches.get("ops")), ("apply json", "json", batches["json"]),
             ("parse bare markup", "parse", markup)]
    kinds = [k for k in kinds if k[2] is not None]
    times: dict[str, list[float]] = {name: [] for name, _, _ in kinds}
    for rnd in range(rounds):
        for name, kind, batch in kinds[rnd % len(kinds):] + kinds[:rnd % len(kinds)]:
            context = await browser.new_context()
            page = await context.new_page()
            await page.set_content(page_html)
            await page.add_script_tag(content=client)
            times[name].append(await page.evaluate(apply_js, [kind, batch]))
            await context.close()
    return {
        "server_encode_ms": encode_ms,
        "bytes": {name: [len(batch.encode()), deflated(batch)] for name, batch in batches.items()},
        "browser_ms": {name: statistics.median(ts) for name, ts in times.items()},
    }


def _chromium() -> str:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/lib/chromium/chromium", "/usr/bin/chromium"):
        if candidate and os.path.exists(candidate):
            return candidate
    return "chromium"


def main() -> int:
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--domsync", default=here, help="the checkout whose domsync to measure")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--breakdown", action="store_true", help="also where the first batch's time goes")
    parser.add_argument("--same-process", action="store_true",
                        help="run the servers in this process, with the browser's driver (before: in a child)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        sys.path.insert(0, args.domsync)
        asyncio.run(serve_servers())
        return 0
    summary = asyncio.run(run(args))
    out = sys.stderr if args.json else sys.stdout
    print(f"first load of the {ROWS} x {COLS} table page, {args.rounds} loads each (median); "
          f"domsync from {summary['domsync_from']}; load average "
          + " ".join(f"{x:.2f}" for x in summary["load_average"]), file=out)
    print(f"{'':12} {'down KB':>9} {'up KB':>7} {'load ms':>8} {'page ms':>8} {'live ms':>8} {'/ bare':>12}",
          file=out)
    for name in [name for name in ("domsync", "domsync-ops", "prerender", "prerender-static", "bare")
                 if name in summary]:
        r = summary[name]
        ratios = f"{r['ratio_load']:.2f}x {r['ratio_page']:.2f}x" if "ratio_load" in r else ""
        print(f"{name:12} {r['down_bytes'] / 1024:9.1f} {r['up_bytes'] / 1024:7.1f} {r['load_ms']:8.0f} "
              f"{r['page_ms']:8.0f} {r['live_ms']:8.0f} {ratios:>12}", file=out)
    print(f"domsync / bare, bytes down: {summary['ratio_down']:.2f}x (target <= 2x); "
          f"load time: {summary['domsync']['ratio_load']:.2f}x (target <= 1.2x); page ms, median of "
          f"each round's ratio: {summary['domsync']['ratio_page_paired']:.2f}x "
          f"(domsync-ops {summary['domsync-ops']['ratio_page_paired']:.2f}x)", file=out)
    if "prerender" in summary:
        print(f"prerender=True / bare: load time {summary['prerender']['ratio_load']:.2f}x, page ms, median of "
              f"each round's ratio: {summary['prerender']['ratio_page_paired']:.2f}x (target <= 1.2x); "
              f"its page served from memory: {summary['prerender-static']['ratio_page_paired']:.2f}x", file=out)
    if "breakdown" in summary:
        b = summary["breakdown"]
        print("where the first batch's time goes (each part alone):", file=out)
        for name, ms in b["server_encode_ms"].items():
            raw, packed = b["bytes"][name]
            print(f"  server: encode {name:7} {ms:6.1f} ms   {raw / 1024:6.1f} KB, deflated {packed / 1024:5.1f} KB",
                  file=out)
        for name, ms in b["browser_ms"].items():
            print(f"  browser (fresh page): {name:18} {ms:6.1f} ms", file=out)
    if args.json:
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
