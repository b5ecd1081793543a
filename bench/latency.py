#!/usr/bin/env python3
"""Latency and memory benchmark: domsync in a real browser against the bare minimum.

How to run (from the repository root, with the project's venv)::

    .venv/bin/python bench/latency.py                  # table on stdout (~20-30 s)
    .venv/bin/python bench/latency.py --clicks 800 --rounds 16
    .venv/bin/python bench/latency.py --json > lat.json  # JSON on stdout, table on stderr

Everything is measured in ONE run, on this machine, against a floor measured in the
same run, because absolute times on a shared 2-core machine mean little; the ratios are
what the targets are about.

The floor
    A bare ``websockets.asyncio.server`` (127.0.0.1, port 0) that also serves its own
    tiny page over HTTP through ``process_request``. The page has a button and an
    output element. A click sends a small JSON message over the websocket (shaped like
    domsync's event message); the server parses it and answers with ONE JavaScript
    statement, ``document.getElementById("out").textContent="<n>"``, which the page runs
    with ``new Function(...)()``. That is the least any "click -> server -> DOM" loop
    can do. The same server also serves ``/table``: the same page plus the 1,000 x 5
    table of (b), built by the page's own script, where the reply sets one cell's text
    (again one statement). That "floor + same table" is shown for diagnosis only: it
    is the browser's own cost of a table that size (the targets compare with the plain
    floor).

(a) click -> Python callback -> DOM, with domsync
    A ``DomsyncServer`` (127.0.0.1, port 0) whose handler makes a button and an output
    ``<span>``; the button's click callback sets the span's ``innerText`` to a counter.

(b) one cell of a 1,000 x 5 table
    A ``DomsyncServer`` whose handler builds a ``TableComponent`` of 1,000 rows x 5
    columns (5,000 cells) and a button; each click sets the text of one cell (a
    different row each time). The latency is observed on the whole ``<table>`` subtree.
    The bytes are the UTF-8 size of the websocket message the server sends for that
    click (recorded where the server writes the frame; Playwright's frame events are
    not used because they would load the event loop while timing). This is the
    payload before permessage-deflate, which both servers negotiate with Chromium.

Timing of (floor), (a) and (b) happens inside the page, as in
``../shared/BROWSER_TESTING.md``: ``t0 = performance.now()``, ``btn.click()`` (the DOM
method, not a Playwright click, which costs ~70 ms of its own), and a
``MutationObserver`` on the output (or the table) resolves with ``performance.now()``
when the server's reply has changed the DOM. This is "DOM updated", not "painted".
Every click waits for its answer before the next one; a click unanswered after 2 s
counts as missed. Playwright adds COOP/COEP headers to every page (the same for all
pages) so that they are cross-origin isolated and ``performance.now()`` ticks in 5 us
instead of 100 us (``--no-isolate`` turns that off; Chromium then needs no
``--disable-features=LocalNetworkAccessChecks``). The four pages (floor, floor + table,
a, b) are open in one headless Chromium (separate tabs, brought to the front before
each block) and served by the same Python process and event loop. The clicks are interleaved: ``--rounds`` rounds, in each round one block of
``--clicks / --rounds`` clicks (default 50) on each page, in an order that rotates
every round, after an untimed warm-up of 20 clicks per page. The table reports p50 and
p99 over all clicks of a page. For diagnosis the server side is timed too, with
``time.perf_counter`` around the processing of each message: for domsync from the frame
reaching the server core (``ServerCore._receive``) to the flush after the callback
(checks, parse, the session's step, callback, batch, send), for the floor the same
steps of its handler.

(a'') and (b'') under a strict Content-Security-Policy
    The same two pages served by ``DomsyncServer(strict_csp=True)``: the page comes
    with the strict header, batches are JSON ops applied by the client's fixed table
    of functions (no ``new Function``), and the rows compare them with the default
    mode measured in the same run (target: no slower than (a) and (b), within 5%).

The domsync servers are built with ``max_messages_per_second=1e6``: the default rate
limit (200 messages a second, bursts of 400) is meant for people and would drop some of
the benchmark's back-to-back clicks (over 1,000 a second here).

(c) server memory per connected client
    Two server processes, each a fresh subprocess of this script (``--mem-worker``),
    alternately, for ``--mem-rounds`` rounds:

    * domsync: a ``DomsyncServer`` whose handler builds a small form -- an ``<h1>``, a
      ``<label>``, an ``<input type=text>`` with an ``input`` listener, a ``<button>``
      with a ``click`` listener and a ``<p>`` for output -- and flushes it (the
      connection then stays open, idle, waiting for events);
    * bare: a ``websockets`` server whose handler sends each client the same JavaScript
      text that domsync sends for that form, then waits for messages.

    This process connects one client, disconnects it and waits (warm-up: lazy imports,
    first-connection allocations), reads the server's ``VmRSS`` from
    ``/proc/<pid>/status``, opens 200 Python websockets clients, 50 handshakes at a time (to
    ``ws://127.0.0.1:PORT/ws``, no ``Origin`` header, compression as the library
    negotiates it by default, as Chromium does), waits until each has received its
    first message, lets the server settle for 0.5 s, reads ``VmRSS`` again and reports
    the growth divided by 200, in KB (1 KB = 1024 bytes). Median over rounds.

Reference figures from the issue are printed below the table, labelled as reported
elsewhere: they were not measured here, on other machines, by other methods.

Everything stops by itself: bounded loops, a timeout per click, a timeout on the whole
run (``--timeout``), and server subprocesses killed in ``finally``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from http import HTTPStatus

from common import chromium_executable, run_report  # noqa: E402 (also puts the working tree on sys.path)

import websockets  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402
from websockets.asyncio.server import serve  # noqa: E402
from websockets.datastructures import Headers  # noqa: E402
from websockets.http11 import Response  # noqa: E402

import domsync  # noqa: E402
from domsync import Document  # noqa: E402
from domsync.components import TableComponent  # noqa: E402
from domsync.domsync_server import DomsyncServer  # noqa: E402

ROOT_ID = "domsync_root_id"
WARMUP_CLICKS = 20
CLICK_TIMEOUT_MS = 2000
TABLE_ROWS, TABLE_COLS = 1000, 5
MEM_CLIENTS = 200
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-extensions",
                 "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                 "--disable-backgrounding-occluded-windows"]
# Pages whose response Playwright fulfils (see isolate()) are otherwise refused websockets
# to 127.0.0.1: net::ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS.
ISOLATION_ARGS = ["--disable-features=LocalNetworkAccessChecks"]

# Reported in the issue for other libraries; NOT measured here.
REFERENCES = [
    ("NiceGUI", "(a) ~4x floor; (b) 40-180 ms per click; (c) 270-420 KB per client"),
    ("ReactPy", "(a) ~2x floor; (b) 297 ms and 248 KB per click; (c) 98 KB per client"),
]


def _response(body: bytes, content_type: str, status: HTTPStatus = HTTPStatus.OK) -> Response:
    headers = Headers()
    headers["Content-Type"] = content_type
    headers["Content-Length"] = str(len(body))
    headers["Cache-Control"] = "no-cache"
    return Response(status.value, status.phrase, headers, body)


def _percentile(values, q):
    """The q-th percentile (0..100) with linear interpolation; None if no values."""
    if not values:
        return None
    s = sorted(values)
    pos = (len(s) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


# ---------------------------------------------------------------------------
# The floor: a bare websockets server and its page.
# ---------------------------------------------------------------------------

FLOOR_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>floor</title></head>
<body>
<button id="btn">click</button> <span id="out">0</span>
<script>
BUILD
const ws = new WebSocket("ws://" + location.host + "WSPATH");
ws.onopen = () => { window.floorOpen = true; };
ws.onmessage = e => { new Function(e.data)(); };
document.getElementById("btn").addEventListener("click", () =>
  ws.send(JSON.stringify({domsync: true, event: "click", id: 1, value: null})));
</script>
</body></html>
"""

# The table floor's page builds the same table as (b) (same ids as TableComponent's).
FLOOR_TABLE_BUILD = f"""
(() => {{
  const t = document.createElement("table"); t.id = "t";
  const head = t.insertRow(); head.id = "t.tr.header";
  for (let j = 0; j < {TABLE_COLS}; j++) {{
    const th = document.createElement("th"); th.id = "t.td.header.c" + j; th.textContent = "c" + j;
    head.appendChild(th);
  }}
  for (let i = 0; i < {TABLE_ROWS}; i++) {{
    const r = "r" + String(i).padStart(4, "0"), tr = t.insertRow(); tr.id = "t.tr." + r;
    for (let j = 0; j < {TABLE_COLS}; j++) {{
      const td = tr.insertCell(); td.id = "t.td." + r + ".c" + j; td.textContent = i + "." + j;
    }}
  }}
  document.body.appendChild(t);
}})();
"""


class FloorServer:
    """The minimal click -> server -> DOM loop, on two pages: ``/`` (a button and an
    output; the reply sets the output's text) and ``/table`` (the same plus the 1,000 x 5
    table of (b), built by the page itself; the reply sets one cell's text, as (b)
    does). Each reply is ONE statement, run by the page with ``new Function``."""

    def __init__(self):
        self.server = None
        self.port = None
        self.server_times = {"plain": [], "table": []}  # seconds per message, parse to send
        self.reply_bytes = {"plain": [], "table": []}
        self.click_bytes: list[int] = []  # what the page sends for a click
        self._pages = {
            "/": FLOOR_PAGE.replace("BUILD", "").replace("WSPATH", "/ws").encode(),
            "/table": FLOOR_PAGE.replace("BUILD", FLOOR_TABLE_BUILD).replace("WSPATH", "/ws-table").encode(),
        }

    def _process_request(self, connection, request):
        path = request.path.split("?", 1)[0]
        if path in ("/ws", "/ws-table"):
            return None
        if path in self._pages:
            return _response(self._pages[path], "text/html; charset=utf-8")
        return _response(b"not found\n", "text/plain", HTTPStatus.NOT_FOUND)

    async def _handler(self, ws):
        kind = "table" if ws.request.path == "/ws-table" else "plain"
        times, sizes = self.server_times[kind], self.reply_bytes[kind]
        count = 0
        async for message in ws:
            t0 = time.perf_counter()
            self.click_bytes.append(len(message.encode()))
            data = json.loads(message)
            if data.get("event") != "click":
                continue
            count += 1
            if kind == "table":
                row = (count * 7919) % TABLE_ROWS
                reply = (f'document.getElementById("t.td.r{row:04d}.c3").textContent='
                         + json.dumps(f"clicked {count}"))
            else:
                reply = 'document.getElementById("out").textContent=' + json.dumps(str(count))
            await ws.send(reply)
            times.append(time.perf_counter() - t0)
            sizes.append(len(reply.encode()))

    async def start(self):
        self.server = await serve(self._handler, "127.0.0.1", 0, process_request=self._process_request)
        self.port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{self.port}/"

    async def close(self):
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


# ---------------------------------------------------------------------------
# The domsync servers of (a) and (b).
# ---------------------------------------------------------------------------


class TimedDomsyncServer(DomsyncServer):
    """A DomsyncServer that times the processing of each incoming message (diagnosis
    only: from the frame reaching the server core, through the session's checks and
    parse, the callback worker, the callback, the batch and its send). One client."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.server_times = []
        self.click_bytes = []  # what the page sends for a click
        self._t0 = None

    def _receive(self, client, frame):
        self._t0 = time.perf_counter()
        self.click_bytes.append(len(frame.encode()) if isinstance(frame, str) else len(frame))
        return super()._receive(client, frame)

    async def _safe_flush(self, client):
        await super()._safe_flush(client)
        if self._t0 is not None:
            self.server_times.append(time.perf_counter() - self._t0)
            self._t0 = None


def record_batches(client, sizes: list) -> None:
    """Record the UTF-8 size of every frame the server writes to ``client`` (one
    websocket message per batch), by wrapping its connection's ``write``."""
    connection = client._connection
    write = connection.write

    def recording(frame):
        sizes.append(len(frame.encode()))
        return write(frame)

    connection.write = recording


def make_click_handler():
    """(a): a button and an output span; a click sets the span's text to a counter."""

    async def handler(server, client):
        doc = server.get_document(client)
        button = doc.createElement("button", id="btn", innerText="click")
        out = doc.createElement("span", id="out", innerText="0")
        count = 0

        def on_click(event):
            nonlocal count
            count += 1
            out.innerText = str(count)

        button.addEventListener("click", on_click)
        doc.getRootElement().append(button, out)
        await server.flush(client)

    return handler


def make_table_handler(batch_sizes: list):
    """(b): a 1,000 x 5 TableComponent and a button; a click changes one cell."""
    columns = [f"c{j}" for j in range(TABLE_COLS)]

    async def handler(server, client):
        doc = server.get_document(client)
        root = doc.getRootElement()
        button = doc.createElement("button", id="btn", innerText="change a cell")
        root.appendChild(button)
        table = TableComponent(doc, ROOT_ID, columns, id="t")
        for i in range(TABLE_ROWS):
            table.addRow(f"r{i:04d}", [f"{i}.{j}" for j in range(TABLE_COLS)])
        count = 0

        def on_click(event):
            nonlocal count
            count += 1
            row = (count * 7919) % TABLE_ROWS  # a different row each time
            table.updateCell(f"r{row:04d}", "c3", f"clicked {count}")

        button.addEventListener("click", on_click)
        await server.flush(client)        # the first, big batch: not recorded
        record_batches(client, batch_sizes)  # from here on, one batch per click

    return handler


# ---------------------------------------------------------------------------
# In-page timing.
# ---------------------------------------------------------------------------

CLICK_LOOP_JS = """
async ([n, targetId, timeoutMs]) => {
  const btn = document.getElementById("btn"), target = document.getElementById(targetId);
  const times = [];
  let missed = 0;
  for (let i = 0; i < n; i++) {
    let mo, timer;
    const changed = new Promise(resolve => {
      mo = new MutationObserver(() => resolve(performance.now()));
      mo.observe(target, {childList: true, characterData: true, subtree: true});
    });
    const late = new Promise(resolve => { timer = setTimeout(() => resolve(null), timeoutMs); });
    const t0 = performance.now();
    btn.click();
    const t1 = await Promise.race([changed, late]);
    mo.disconnect();
    clearTimeout(timer);
    if (t1 === null) missed++; else times.push(t1 - t0);
  }
  return {times, missed};
}
"""


class Target:
    """One page under test and what was measured on it."""

    def __init__(self, name, page, target_id):
        self.name = name
        self.page = page
        self.target_id = target_id
        self.times_ms = []
        self.missed = 0

    async def clicks(self, n, record=True):
        await self.page.bring_to_front()
        result = await self.page.evaluate(CLICK_LOOP_JS, [n, self.target_id, CLICK_TIMEOUT_MS])
        if record:
            self.times_ms.extend(result["times"])
            self.missed += result["missed"]
        return result


async def isolate(route):
    """Serve every page and script with COOP/COEP headers, so the pages are
    cross-origin isolated and ``performance.now()`` has 5 us resolution instead of
    100 us (the floor is about 1 ms). Same for all three pages; websockets are not
    routed."""
    response = await route.fetch()
    headers = dict(response.headers)
    headers["cross-origin-opener-policy"] = "same-origin"
    headers["cross-origin-embedder-policy"] = "require-corp"
    await route.fulfill(response=response, headers=headers)


async def start_uvicorn(server):
    """uvicorn serving ``server.asgi()`` mounted at /live in Starlette, in this loop."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.routing import Mount

    web = uvicorn.Server(uvicorn.Config(Starlette(routes=[Mount("/live", app=server.asgi())]), host="127.0.0.1",
                                        port=0, log_level="warning", ws="websockets-sansio"))
    web.install_signal_handlers = lambda: None
    web.serving = asyncio.ensure_future(web.serve())
    while not web.started:
        await asyncio.sleep(0.01)
    return web


async def measure_latency(args, log):
    """Floor, (a) and (b), interleaved in one browser. Returns a dict of results."""
    from playwright.async_api import async_playwright

    floor = FloorServer()
    click_server = TimedDomsyncServer(make_click_handler(), "127.0.0.1", 0, verbose=False,
                                      title="bench click", max_messages_per_second=1e6)
    table_batches = []
    table_server = TimedDomsyncServer(make_table_handler(table_batches), "127.0.0.1", 0, verbose=False,
                                      title="bench table", max_messages_per_second=1e6)
    # (a) again, over ASGI: the same server mounted in Starlette, under uvicorn.
    asgi_server = TimedDomsyncServer(make_click_handler(), "127.0.0.1", 0, verbose=False,
                                     title="bench click asgi", max_messages_per_second=1e6)
    asgi_web = await start_uvicorn(asgi_server)
    # (a) and (b) again under a strict Content-Security-Policy: JSON ops, applied by a
    # fixed table of functions, styles through the CSSOM, nothing evaluated.
    strict_click_server = TimedDomsyncServer(make_click_handler(), "127.0.0.1", 0, verbose=False,
                                             title="bench click strict", max_messages_per_second=1e6, strict_csp=True)
    strict_table_batches: list = []
    strict_table_server = TimedDomsyncServer(make_table_handler(strict_table_batches), "127.0.0.1", 0, verbose=False,
                                             title="bench table strict", max_messages_per_second=1e6,
                                             strict_csp=True)
    floor_url = await floor.start()
    await click_server.serve()
    await table_server.serve()
    await strict_click_server.serve()
    await strict_table_server.serve()
    block = max(1, args.clicks // args.rounds)
    try:
        async with async_playwright() as pw:
            chromium_args = CHROMIUM_ARGS + ([] if args.no_isolate else ISOLATION_ARGS)
            browser = await pw.chromium.launch(executable_path=chromium_executable(), args=chromium_args)
            try:
                context = await browser.new_context()
                if not args.no_isolate:
                    await context.route("**/*", isolate)
                floor_page = await context.new_page()
                await floor_page.goto(floor_url)
                try:
                    await floor_page.wait_for_function("window.floorOpen === true", timeout=10000)
                except Exception:
                    raise RuntimeError("the floor page's websocket did not open in 10 s"
                                       + ("" if args.no_isolate else "; try --no-isolate")) from None
                floor_table_page = await context.new_page()
                await floor_table_page.goto(floor_url + "table")
                await floor_table_page.wait_for_function("window.floorOpen === true", timeout=10000)
                click_page = await context.new_page()
                await click_page.goto(click_server.url)
                await click_page.wait_for_function(
                    "domsync.status === 'open' && document.getElementById('out') !== null", timeout=10000)
                table_page = await context.new_page()
                await table_page.goto(table_server.url)
                await table_page.wait_for_function(
                    f"domsync.status === 'open' && document.querySelectorAll('#t td').length === "
                    f"{TABLE_ROWS * TABLE_COLS}", timeout=20000)
                asgi_page = await context.new_page()
                await asgi_page.goto(f"http://127.0.0.1:{asgi_web.servers[0].sockets[0].getsockname()[1]}/live/")
                await asgi_page.wait_for_function(
                    "domsync.status === 'open' && document.getElementById('out') !== null", timeout=10000)
                strict_click_page = await context.new_page()
                await strict_click_page.goto(strict_click_server.url)
                # Functions, not strings: Playwright evaluates a string with eval, which the
                # strict policy blocks.
                await strict_click_page.wait_for_function(
                    "() => domsync.strict && domsync.status === 'open' && document.getElementById('out') !== null",
                    timeout=10000)
                strict_table_page = await context.new_page()
                await strict_table_page.goto(strict_table_server.url)
                await strict_table_page.wait_for_function(
                    f"() => domsync.strict && domsync.status === 'open' && document.querySelectorAll('#t td').length === "
                    f"{TABLE_ROWS * TABLE_COLS}", timeout=20000)
                targets = [Target("floor", floor_page, "out"), Target("a", click_page, "out"),
                           Target("b", table_page, "t"), Target("floor_table", floor_table_page, "t"),
                           Target("a_asgi", asgi_page, "out"), Target("a_strict", strict_click_page, "out"),
                           Target("b_strict", strict_table_page, "t")]
                for t in targets:
                    await t.clicks(WARMUP_CLICKS, record=False)
                for times in (*floor.server_times.values(), click_server.server_times, table_server.server_times,
                              asgi_server.server_times, asgi_server.click_bytes,
                              strict_click_server.server_times, strict_table_server.server_times,
                              strict_table_batches,
                              *floor.reply_bytes.values(), table_batches, click_server.click_bytes, floor.click_bytes):
                    del times[:]
                started = time.perf_counter()
                for rnd in range(args.rounds):
                    shift = rnd % len(targets)
                    for t in targets[shift:] + targets[:shift]:
                        await t.clicks(block)
                    log(f"latency round {rnd + 1}/{args.rounds} done ({time.perf_counter() - started:.1f}s)")
                chromium_version = browser.version
                isolated = [await t.page.evaluate("() => crossOriginIsolated") for t in targets]
                errors = []
                for t in targets[1:3] + targets[5:]:
                    n_err = await t.page.evaluate("() => document.querySelectorAll('#domsync-status:not([hidden])').length")
                    if n_err:
                        errors.append(f"{t.name}: the page shows the connection indicator")
            finally:
                await browser.close()
    finally:
        await table_server.close()
        await click_server.close()
        await strict_click_server.close()
        await strict_table_server.close()
        asgi_web.should_exit = True
        await asgi_web.serving
        await floor.close()
    by_name = {t.name: t for t in targets}
    return {
        "chromium": chromium_version,
        "block": block,
        "times_ms": {name: t.times_ms for name, t in by_name.items()},
        "missed": {name: t.missed for name, t in by_name.items()},
        "server_us": {"floor": [s * 1e6 for s in floor.server_times["plain"]],
                      "a": [s * 1e6 for s in click_server.server_times],
                      "a_asgi": [s * 1e6 for s in asgi_server.server_times],
                      "b": [s * 1e6 for s in table_server.server_times],
                      "floor_table": [s * 1e6 for s in floor.server_times["table"]],
                      "a_strict": [s * 1e6 for s in strict_click_server.server_times],
                      "b_strict": [s * 1e6 for s in strict_table_server.server_times]},
        "bytes": {"floor": floor.reply_bytes["plain"], "b": table_batches, "b_strict": strict_table_batches,
                  "floor_table": floor.reply_bytes["table"]},
        "click_bytes": {"a": click_server.click_bytes, "floor": floor.click_bytes},
        "errors": errors,
        "cross_origin_isolated": all(isolated),
    }


# ---------------------------------------------------------------------------
# (c) memory: server subprocesses and 200 Python clients.
# ---------------------------------------------------------------------------


def build_small_form(doc: Document) -> None:
    """The page of (c): a small form with two listeners."""
    root = doc.getRootElement()
    title = doc.createElement("h1", innerText="Say hello")
    label = doc.createElement("label", innerText="Your name ", attributes={"for": "name"})
    name = doc.createElement("input", id="name", attributes={"type": "text", "placeholder": "name"})
    button = doc.createElement("button", id="go", innerText="Greet")
    output = doc.createElement("p", id="greeting")
    name.addEventListener("input", lambda event: None, "this.value")
    button.addEventListener("click", lambda event: setattr(output, "innerText", f"Hello, {name.value}!"))
    root.append(title, label, name, button, output)


def small_form_batch() -> str:
    doc = Document(ROOT_ID)
    build_small_form(doc)
    return doc.render_js_updates()


async def mem_worker(kind: str, lifetime: float) -> None:
    """Run one server (``kind`` 'domsync' or 'bare'), print its port, and serve until
    stdin is closed or ``lifetime`` seconds have passed."""
    if kind == "domsync":
        async def handler(server, client):
            build_small_form(server.get_document(client))
            await server.flush(client)

        server = DomsyncServer(handler, "127.0.0.1", 0, verbose=False)
        await server.serve()
        port, close = server.port, server.close
    elif kind == "asgi":  # the same server's ASGI app, under uvicorn alone
        async def handler(server, client):
            build_small_form(server.get_document(client))
            await server.flush(client)

        import uvicorn

        server = DomsyncServer(handler, "127.0.0.1", 0, verbose=False)
        web = uvicorn.Server(uvicorn.Config(server.asgi(), host="127.0.0.1", port=0, log_level="warning",
                                            ws="websockets-sansio"))
        web.install_signal_handlers = lambda: None
        serving = asyncio.ensure_future(web.serve())
        while not web.started:
            await asyncio.sleep(0.01)
        port = web.servers[0].sockets[0].getsockname()[1]

        async def close():
            web.should_exit = True
            await serving
    else:
        batch = small_form_batch()

        async def handler(ws):
            await ws.send(batch)
            async for _ in ws:
                pass

        bare = await serve(handler, "127.0.0.1", 0)
        port = bare.sockets[0].getsockname()[1]

        async def close():
            bare.close()
            await bare.wait_closed()
    gc.collect()
    print(f"PORT {port}", flush=True)
    loop = asyncio.get_running_loop()
    stdin_closed = loop.run_in_executor(None, sys.stdin.read)
    try:
        await asyncio.wait_for(stdin_closed, lifetime)
    except asyncio.TimeoutError:
        pass
    await close()


def vm_rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS line")


async def _open_client(url):
    ws = await connect(url, open_timeout=10)
    first = await asyncio.wait_for(ws.recv(), 10)
    return ws, len(first)


async def measure_memory_once(kind: str, n_clients: int) -> dict:
    proc = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--mem-worker", kind],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    clients = []
    try:
        line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 20)
        if not line.startswith("PORT "):
            raise RuntimeError(f"{kind} worker did not start: {line!r} {proc.stderr.read()[-2000:]}")
        url = f"ws://127.0.0.1:{int(line.split()[1])}/ws"
        ws, _ = await _open_client(url)  # warm-up
        await ws.close()
        await asyncio.sleep(0.5)
        before = vm_rss_kb(proc.pid)
        for start in range(0, n_clients, 50):  # 50 handshakes at a time (listen backlog is 100)
            opened = await asyncio.gather(*(_open_client(url) for _ in range(min(50, n_clients - start))))
            clients.extend(opened)
        await asyncio.sleep(0.5)
        after = vm_rss_kb(proc.pid)
        return {"rss_before_kb": before, "rss_after_kb": after, "clients": len(clients),
                "first_message_bytes": clients[0][1],
                "kb_per_client": (after - before) / len(clients)}
    finally:
        await asyncio.gather(*(ws.close() for ws, _ in clients), return_exceptions=True)
        try:
            proc.stdin.close()
            proc.wait(timeout=5)
        except (subprocess.TimeoutExpired, OSError):
            pass
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def measure_memory(args, log):
    runs = {"domsync": [], "bare": [], "asgi": []}
    for rnd in range(args.mem_rounds):
        order = ["bare", "domsync", "asgi"] if rnd % 2 == 0 else ["asgi", "domsync", "bare"]
        for kind in order:
            runs[kind].append(await measure_memory_once(kind, args.mem_clients))
        log(f"memory round {rnd + 1}/{args.mem_rounds} done: "
            + ", ".join(f"{k} {runs[k][-1]['kb_per_client']:.1f} KB/client" for k in ("domsync", "asgi", "bare")))
    return runs


# ---------------------------------------------------------------------------
# Report.
# ---------------------------------------------------------------------------


def _nproc():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count()


def _fmt(value, spec):
    return "n/a" if value is None else format(value, spec)


def build_rows(lat, mem):
    """Rows of (label, metric, domsync, floor, ratio, target, verdict) and a JSON list."""
    rows, report = [], []

    def add(label, metric, new, base, spec, target="", check=None, ratio=True):
        r = new / base if (ratio and new is not None and base) else None
        verdict = ""
        if check is not None and new is not None:
            verdict = "PASS" if check(new, r) else "FAIL"
        rows.append((label, metric, new if isinstance(new, str) else _fmt(new, spec),
                     base if isinstance(base, str) else _fmt(base, spec),
                     f"{r:.2f}x" if r is not None else "", target, verdict))
        report.append({"measurement": label, "metric": metric, "domsync": new, "floor": base,
                       "ratio": r, "target": target or None, "verdict": verdict or None})

    if lat:
        t, s, miss = lat["times_ms"], lat["server_us"], lat["missed"]

        def p(name, q, data=t):
            return _percentile(data[name], q)

        def timed(name):
            return f"{len(t[name])} ({miss[name]})"

        add("(a) click -> callback -> DOM", "p50 ms", p("a", 50), p("floor", 50), ".3f", "<=1.3x floor",
            lambda n, r: r is not None and r <= 1.3)
        add("", "p99 ms", p("a", 99), p("floor", 99), ".3f")
        add("", "server us/click p50", p("a", 50, s), p("floor", 50, s), ".0f")
        add("", "server us/click p99", p("a", 99, s), p("floor", 99, s), ".0f")
        add("", "clicks timed (missed)", timed("a"), timed("floor"), "", ratio=False)
        cb = lat.get("click_bytes", {})
        if cb.get("a") and cb.get("floor"):
            add("", "bytes a click sends (max)", max(cb["a"]), max(cb["floor"]), "d", "<=100 B",
                lambda n, r: n <= 100)
        if t.get("a_asgi"):
            add("(a') the same over ASGI", "p50 ms", p("a_asgi", 50), p("floor", 50), ".3f", "<=1.5x floor",
                lambda n, r: r is not None and r <= 1.5)
            add("  (uvicorn, Starlette mount)", "p99 ms", p("a_asgi", 99), p("floor", 99), ".3f")
            add("", "server us/click p50", p("a_asgi", 50, s), p("floor", 50, s), ".0f")
            add("", "clicks timed (missed)", timed("a_asgi"), timed("floor"), "", ratio=False)
        add("(b) 1000x5 table, 1 cell", "p50 ms", p("b", 50), p("floor", 50), ".3f", "<=2x floor",
            lambda n, r: r is not None and r <= 2)
        add("", "p99 ms", p("b", 99), p("floor", 99), ".3f")
        bb, fb = lat["bytes"]["b"], lat["bytes"]["floor"]
        add("", "bytes sent per click (max)", max(bb) if bb else None, max(fb) if fb else None, "d",
            "<=100 B", lambda n, r: n <= 100)
        add("", "server us/click p50", p("b", 50, s), p("floor", 50, s), ".0f")
        add("", "server us/click p99", p("b", 99, s), p("floor", 99, s), ".0f")
        add("", "clicks timed (missed)", timed("b"), timed("floor"), "", ratio=False)
        if t.get("a_strict"):
            add("(a'') (a) under strict CSP", "p50 ms", p("a_strict", 50), p("floor", 50), ".3f",
                "<=(a)", lambda n, r: n <= p("a", 50) * 1.05)
            add("  (JSON ops, no eval)", "p99 ms", p("a_strict", 99), p("floor", 99), ".3f")
            add("", "vs default mode (a) p50", p("a_strict", 50), p("a", 50), ".3f")
            add("", "server us/click p50", p("a_strict", 50, s), p("floor", 50, s), ".0f")
            add("", "clicks timed (missed)", timed("a_strict"), timed("floor"), "", ratio=False)
            add("(b'') (b) under strict CSP", "p50 ms", p("b_strict", 50), p("floor", 50), ".3f",
                "<=(b)", lambda n, r: n <= p("b", 50) * 1.05)
            add("", "p99 ms", p("b_strict", 99), p("floor", 99), ".3f")
            add("", "vs default mode (b) p50", p("b_strict", 50), p("b", 50), ".3f")
            sb = lat["bytes"]["b_strict"]
            add("", "bytes sent per click (max)", max(sb) if sb else None, max(bb) if bb else None, "d")
            add("", "clicks timed (missed)", timed("b_strict"), timed("floor"), "", ratio=False)
        add("  same, vs floor + same table", "p50 ms", p("b", 50), p("floor_table", 50), ".3f")
        add("", "p99 ms", p("b", 99), p("floor_table", 99), ".3f")
        add("", "bytes sent per click (max)", max(bb) if bb else None,
            max(lat["bytes"]["floor_table"]) if lat["bytes"]["floor_table"] else None, "d")
        add("", "clicks timed (missed)", timed("b"), timed("floor_table"), "", ratio=False)
    if mem:
        d = statistics.median(r["kb_per_client"] for r in mem["domsync"]) if mem["domsync"] else None
        b = statistics.median(r["kb_per_client"] for r in mem["bare"]) if mem["bare"] else None
        add(f"(c) {mem['domsync'][0]['clients']} idle clients, RSS", "KB per client", d, b, ".1f", "<=1.3x bare",
            lambda n, r: r is not None and r <= 1.3)
        add("", "first message bytes", mem["domsync"][0]["first_message_bytes"],
            mem["bare"][0]["first_message_bytes"], "d", ratio=False)
        if mem.get("asgi"):
            a = statistics.median(r["kb_per_client"] for r in mem["asgi"])
            add("(c') the same under uvicorn (ASGI)", "KB per client", a, b, ".1f")
            add("", "vs domsync's own server", a, d, ".1f")
    return rows, report


def print_table(rows, say):
    header = ("measurement", "metric", "domsync", "floor/bare", "ratio", "target", "met?")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    aligns = ["<", "<", ">", ">", ">", "<", "<"]

    def line(r):
        return "  ".join(f"{str(c):{a}{w}}" for c, a, w in zip(r, aligns, widths)).rstrip()

    say(line(header))
    say("  ".join("-" * w for w in widths))
    for r in rows:
        say(line(r))


async def run(args, log, say):
    say(f"domsync latency benchmark  ({time.strftime('%Y-%m-%d %H:%M:%S')})")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    say(f"machine: {platform.machine()}, nproc={_nproc()}, load average {load}")
    from importlib import metadata
    say(f"Python {platform.python_version()} ({sys.executable}), websockets {websockets.__version__}, "
        f"playwright {metadata.version('playwright')}, domsync {domsync.__version__} "
        f"({os.path.dirname(domsync.__file__)})")
    lat = mem = None
    errors = []
    if not args.skip_latency:
        lat = await measure_latency(args, log)
        errors += lat["errors"]
        say(f"Chromium {lat['chromium']} ({chromium_executable()}), headless")
        say("timer: performance.now() at 5 us (pages cross-origin isolated)" if lat["cross_origin_isolated"]
            else "timer: WARNING, pages not cross-origin isolated: performance.now() is coarsened to 100 us")
        say(f"latency: {args.rounds} rounds x {lat['block']} clicks per page "
            "(floor, floor + table, a, b, a over ASGI, a and b under strict CSP, interleaved), "
            f"after {WARMUP_CLICKS} warm-up clicks each")
    if not args.skip_memory:
        mem = await measure_memory(args, log)
        say(f"memory: {args.mem_clients} Python websockets clients, {args.mem_rounds} round(s) "
            f"(median); domsync page = small form (h1, label, input, button, p; 2 listeners)")
    say()
    rows, report = build_rows(lat, mem)
    print_table(rows, say)
    say()
    say("floor/bare = bare websockets server + new Function(): plain page for (a) and (b), the same")
    say("  1000x5 table built by the page for 'floor + same table' (diagnosis: the browser's share);")
    say("  for (c), a bare websockets server holding the same connections.")
    say("ratio = domsync / floor (lower is better). Times are in-page: btn.click() to the "
        "MutationObserver callback.")
    say()
    say("Reported elsewhere, NOT measured here (other machines, other methods):")
    for name, text in REFERENCES:
        say(f"  {name}: {text}")
    for e in errors:
        say(f"WARNING: {e}")
    if args.json:
        json.dump({
            "python": platform.python_version(),
            "websockets": websockets.__version__,
            "chromium": lat["chromium"] if lat else None,
            "nproc": _nproc(),
            "loadavg": os.getloadavg(),
            "rounds": args.rounds,
            "clicks": args.clicks,
            "rows": report,
            "latency_raw": lat,
            "memory_raw": mem,
            "references_not_measured_here": dict(REFERENCES),
        }, sys.stdout, indent=2)
        sys.stdout.write("\n")
    return 1 if args.strict and any(r["verdict"] == "FAIL" for r in report) else 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--clicks", type=int, default=400, help="timed clicks per page (default 400)")
    p.add_argument("--rounds", type=int, default=8,
                   help="interleaved rounds; each page gets clicks/rounds clicks per round (default 8)")
    p.add_argument("--mem-rounds", type=int, default=3, help="rounds of the memory measurement (default 3)")
    p.add_argument("--mem-clients", type=int, default=MEM_CLIENTS, help=argparse.SUPPRESS)
    p.add_argument("--json", action="store_true", help="print a JSON report on stdout (table goes to stderr)")
    p.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    p.add_argument("--no-isolate", action="store_true",
                   help="do not make the pages cross-origin isolated (performance.now() then ticks in 100 us)")
    p.add_argument("--skip-latency", action="store_true", help="skip the browser measurements (a, b)")
    p.add_argument("--skip-memory", action="store_true", help="skip the memory measurement (c)")
    p.add_argument("--timeout", type=float, default=300, help="give up after this many seconds (default 300)")
    p.add_argument("--mem-worker", choices=["domsync", "bare", "asgi"], help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.mem_worker:
        asyncio.run(mem_worker(args.mem_worker, lifetime=120))
        return 0
    if args.clicks < 1 or args.rounds < 1 or args.mem_rounds < 1:
        p.error("--clicks, --rounds and --mem-rounds must be at least 1")
    return run_report(args, run)


if __name__ == "__main__":
    sys.exit(main())
