#!/usr/bin/env python3
"""Large file downloads: domsync's streamed one-time URLs against a bare websockets server.

How to run (from the repository root, with the project's venv)::

    .venv/bin/python bench/download.py                    # table on stdout (~15-30 s)
    .venv/bin/python bench/download.py --size-mb 20 --rounds 5
    .venv/bin/python bench/download.py --json > dl.json   # JSON on stdout, table on stderr

Everything is measured in ONE run, on this machine, against a baseline measured in the
same run; the ratios domsync / baseline are what matter (absolute times on a shared
2-core machine mean little). 1 MB = 1,048,576 bytes everywhere (``--size-mb`` too).

What is downloaded
    This process writes ``--size-mb`` (default 100) MB of ``os.urandom`` to a file in a
    temporary directory (removed at the end) and computes its sha256. All three variants
    send exactly these bytes; the file is in the page cache when it is read.

The three variants, each served by its OWN fresh subprocess of this script
(``--worker``), so that the peak RSS of each is its own
    (1) ``domsync pack_file``: a ``DomsyncServer`` (127.0.0.1, port 0) whose page has a
        button; its click callback calls
        ``document.file_download(pack_file(path), "big.bin")`` (one ``PackedFile`` made
        at start-up, so the file is read from disk at each download, in chunks).
    (2) ``domsync pack_bytes``: the same, with ``pack_bytes(data)``, ``data`` being the
        file's bytes, read into memory at start-up (before the memory baseline below).
    (3) ``baseline``: what one writes with websockets alone. A bare
        ``websockets.asyncio.server.serve`` whose ``process_request`` serves a page
        holding ``<a id="dl" href="/big.bin" download="big.bin">``, and answers
        ``/big.bin`` with a ``websockets.http11.Response`` whose body is the whole file,
        as ``bytes`` already in memory (read at start-up), with ``Content-Length`` and
        ``Content-Disposition: attachment``.

    Over 256 KiB, domsync's ``file_download`` sends the page a ``downloadUrl`` action;
    the page clicks a hidden ``<a download>`` to ``/_domsync/download/<token>`` and the
    server streams the file in 256 KiB chunks from inside ``process_request``, with
    flow control (``domsync/downloads.py``). websockets' ``Response`` instead is
    serialized in one piece (``status line + headers + body``: a copy of the body) and
    handed to the transport at once.

The browser
    One headless Chromium (``/usr/lib/chromium/chromium``, or ``CHROMIUM_PATH``) driven
    by Playwright from this process, with one browser context (and one page) per
    variant; downloads are accepted and saved by Chromium in Playwright's temporary
    directory.

Time (timed rounds)
    ``--rounds`` rounds (default 3); in each round one download per variant, in an order
    that rotates every round. One download is timed with ``time.perf_counter`` in this
    process, from just before ``page.click("#dl")`` (the Playwright click, which has a
    fixed cost of its own, tens of ms, the same for all variants) to the end of
    ``download = await info.value; await download.path()`` (``page.expect_download``),
    i.e. until Chromium has the whole file on disk. For domsync that includes the click
    event's trip over the websocket, the callback, the flush and the page's own click
    on the download link; for the baseline, the link is clicked directly. Reported:
    median, min and max over the rounds, and the throughput ``size / median``. No
    warm-up download from the servers; but each page first saves a file made by the
    page itself from a ``blob:`` URL (as large as the benchmark's on the first page,
    1 KB on the others), so that Chromium's own first-download costs fall on no
    variant. (The very first download from a server in a run is still often 100-300 ms
    slower, whichever variant it is: the rotation and the median absorb it; it shows
    in "max".)

    For diagnosis, each server also times its side, from the download's HTTP request
    reaching ``process_request`` to the whole response being in the socket. domsync:
    around ``DomsyncServer._respond_download``, which streams, closes the connection
    and waits for the close (immediate once the last byte is in the socket). Baseline:
    from ``process_request`` to the moment websockets has handed the whole response to
    the socket and sent its EOF (the transport's write buffer is empty and
    ``protocol.eof_sent``, polled every 2 ms); its connection itself then stays open
    until Chromium closes it or websockets' 10 s close timeout, which is not counted.

Verification
    After every download (timed or not): ``download.failure()`` is None, the saved
    file's size and sha256 equal the source's; then the saved file is deleted. Each
    server's log (domsync's, websockets', asyncio's) is collected: warnings and errors
    are printed below the table, and so are domsync's "sent the download" lines that
    do not report the full size.

Memory
    * Peak RSS growth: in each worker, once its page is open and connected (data made,
      server listening, websocket open), just before the first download, ``gc.collect()``
      then ``5`` is written to ``/proc/self/clear_refs``, which resets the kernel's RSS
      high-water mark to the current RSS, and ``resource.getrusage(RUSAGE_SELF).ru_maxrss``
      is read (the level before). After all timed rounds ``ru_maxrss`` is read again; the
      growth is the difference: the most the server's RSS rose above its level before,
      during any of its downloads. (The server runs in a fork of the worker, see
      ``run_worker``: a freshly started process would report the parent's peak in
      ``ru_maxrss``.) ``VmRSS``/``VmHWM`` of ``/proc/self/status`` are read
      alongside as a cross-check (a warning is printed if ``ru_maxrss`` and ``VmHWM``
      disagree). If ``clear_refs`` cannot be written, the growth is over the earlier
      peak and a note says so.
    * tracemalloc peak: after the timed rounds (and after the RSS reading), one more
      download per variant, not timed for the table, with ``tracemalloc.start()`` in the
      server just before the click and ``tracemalloc.get_traced_memory()[1]`` once the
      server has closed the download's connection: the peak of Python allocations made
      during that download (the source data, allocated before, is not counted).

The table shows each variant's figures and the ratios domsync / baseline (lower is
better for every figure; < 1 means domsync uses less time or memory).

Everything stops by itself: timeouts on each download (60 s) and on the whole run
(``--timeout``), and the worker subprocesses are killed in ``finally``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import hashlib
import json
import logging
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from http import HTTPStatus

from common import chromium_executable, run_report  # noqa: E402 (also puts the working tree on sys.path)

import websockets  # noqa: E402
from websockets.asyncio.server import serve  # noqa: E402
from websockets.datastructures import Headers  # noqa: E402
from websockets.http11 import Response  # noqa: E402

import domsync  # noqa: E402
from domsync import DomsyncServer, pack_bytes, pack_file  # noqa: E402

MB = 1024 * 1024
FILE_NAME = "big.bin"
DOWNLOAD_TIMEOUT_MS = 60000
VARIANTS = ["file", "bytes", "baseline"]
LABELS = {"file": "domsync pack_file", "bytes": "domsync pack_bytes", "baseline": "websockets Response"}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-extensions",
                 "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
                 "--disable-backgrounding-occluded-windows"]


# ---------------------------------------------------------------------------
# Worker side: one server per process.
# ---------------------------------------------------------------------------


def proc_status_kb() -> dict:
    """VmRSS and VmHWM of this process, in KB."""
    found = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                found[line.split(":")[0]] = int(line.split()[1])
    return found


def memory_now() -> dict:
    status = proc_status_kb()
    return {"maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "vmrss_kb": status.get("VmRSS"), "vmhwm_kb": status.get("VmHWM")}


def reset_peak() -> bool:
    """Reset the RSS high-water mark to the current RSS (Linux >= 4.0)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class ListHandler(logging.Handler):
    """Keeps the log records of the worker, to hand them to the parent."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        try:
            message = record.getMessage()
        except Exception as exc:  # pragma: no cover - a broken log call
            message = f"{record.msg!r} (unformattable: {exc})"
        if record.exc_info and record.exc_info[0] is not None:
            message += " | " + repr(record.exc_info[1])
        self.records.append({"logger": record.name, "level": record.levelname, "message": message})


class Served:
    """What the worker's server did: one entry per GET of the file."""

    def __init__(self):
        self.server_s = []  # request in process_request -> all bytes sent

    def timed(self, t0):
        self.server_s.append(time.perf_counter() - t0)


class TimedDomsyncServer(DomsyncServer):
    """A DomsyncServer that times each GET of a one-time download URL: from the request
    to the end of ``_respond_download`` (the file streamed, the connection closed)."""

    served: Served

    async def _respond_download(self, connection, token, method):
        t0 = time.perf_counter()
        try:
            return await super()._respond_download(connection, token, method)
        finally:
            if method == "GET":
                self.served.timed(t0)


BASELINE_PAGE = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>baseline download</title></head>
<body><a id="dl" href="/big.bin" download="big.bin">download</a></body></html>
"""


def _html(body: bytes) -> Response:
    headers = Headers()
    headers["Content-Type"] = "text/html; charset=utf-8"
    headers["Content-Length"] = str(len(body))
    headers["Cache-Control"] = "no-cache"
    return Response(HTTPStatus.OK.value, HTTPStatus.OK.phrase, headers, body)


async def start_baseline(data: bytes, served: Served):
    """The baseline: websockets alone, the whole file in one Response."""
    tasks = set()

    async def wait_sent(connection, t0):
        # websockets writes the serialized response, then half-closes (EOF) once the
        # transport's buffer is empty; it closes the connection itself only when the
        # browser does, or after its 10 s close timeout, so that is not waited for.
        transport = connection.transport
        while not (connection.protocol.eof_sent and transport.get_write_buffer_size() == 0):
            if transport.is_closing() and connection.protocol.eof_sent:
                break
            await asyncio.sleep(0.002)
        served.timed(t0)

    def process_request(connection, request):
        path = request.path.split("?", 1)[0]
        if path == "/ws":
            return None
        if path == "/":
            return _html(BASELINE_PAGE)
        if path == "/" + FILE_NAME:
            t0 = time.perf_counter()
            task = asyncio.create_task(wait_sent(connection, t0))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            headers = Headers()
            headers["Content-Type"] = "application/octet-stream"
            headers["Content-Length"] = str(len(data))
            headers["Content-Disposition"] = f'attachment; filename="{FILE_NAME}"'
            headers["Cache-Control"] = "no-store"
            return Response(HTTPStatus.OK.value, HTTPStatus.OK.phrase, headers, data)
        body = b"not found\n"
        headers = Headers()
        headers["Content-Type"] = "text/plain"
        headers["Content-Length"] = str(len(body))
        return Response(HTTPStatus.NOT_FOUND.value, HTTPStatus.NOT_FOUND.phrase, headers, body)

    async def handler(ws):
        async for _ in ws:
            pass

    server = await serve(handler, "127.0.0.1", 0, process_request=process_request)
    port = server.sockets[0].getsockname()[1]

    async def close():
        server.close()
        await server.wait_closed()

    return f"http://127.0.0.1:{port}/", close


async def start_domsync(payload, served: Served):
    """Variants (1) and (2): a button whose click callback calls file_download."""

    async def handler(server, client):
        doc = server.get_document(client)
        button = doc.createElement("button", id="dl", innerText="download")
        button.addEventListener("click", lambda event: doc.file_download(payload, FILE_NAME))
        doc.getRootElement().appendChild(button)
        await server.flush(client)

    server = TimedDomsyncServer(handler, "127.0.0.1", 0, verbose=False, title="bench download")
    server.served = served
    await server.serve()
    return server.url, server.close


async def worker(variant: str, path: str) -> None:
    """Serve one variant; answer the parent's commands, one JSON line each, on stdout."""
    records = ListHandler()
    root = logging.getLogger()
    root.addHandler(records)
    root.setLevel(logging.WARNING)
    logging.getLogger("domsync").setLevel(logging.INFO)
    served = Served()
    if variant == "file":
        payload = pack_file(path)
        url, close = await start_domsync(payload, served)
    else:
        with open(path, "rb") as f:
            data = f.read()
        if variant == "bytes":
            url, close = await start_domsync(pack_bytes(data), served)
        else:
            url, close = await start_baseline(data, served)
    gc.collect()

    def answer(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    answer({"url": url, "pid": os.getpid()})
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            command, *rest = line.decode().split()
            if command == "reset":
                gc.collect()
                answer({"reset": reset_peak(), **memory_now()})
            elif command == "mem":
                answer(memory_now())
            elif command == "done":  # wait until the server has finished n downloads
                n = int(rest[0])
                deadline = time.monotonic() + 20
                while len(served.server_s) < n and time.monotonic() < deadline:
                    await asyncio.sleep(0.01)
                answer({"served": len(served.server_s),
                        "server_s": served.server_s[n - 1] if len(served.server_s) >= n else None})
            elif command == "trace_start":
                gc.collect()
                tracemalloc.start()
                answer({})
            elif command == "trace_stop":
                current, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                answer({"peak": peak, "current": current})
            elif command == "logs":
                answer({"records": records.records})
            elif command == "quit":
                break
            else:
                answer({"error": f"unknown command {command!r}"})
    finally:
        await close()
    answer({"bye": True})


def run_worker(variant: str, source: str) -> int:
    """Run :func:`worker` in a fork of this process, and wait for it.

    A process started by ``subprocess`` inherits, in ``ru_maxrss``, the peak RSS of the
    process that started it (the kernel keeps the larger of the two across ``exec``, and
    ``/proc/self/clear_refs`` does not reset that part): a worker started by this
    benchmark's parent would report at least the parent's peak. A forked child has a
    fresh record, that ``clear_refs`` resets to the current RSS."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            asyncio.run(worker(variant, source))
            code = 0
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


# ---------------------------------------------------------------------------
# Parent side: the browser, the timing, the report.
# ---------------------------------------------------------------------------


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(MB), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_source(path: str, size: int) -> str:
    """Write ``size`` random bytes to ``path``, in chunks; return their sha256."""
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        left = size
        while left:
            chunk = os.urandom(min(4 * MB, left))
            digest.update(chunk)
            f.write(chunk)
            left -= len(chunk)
    return digest.hexdigest()


class Worker:
    """One server subprocess and the browser page that downloads from it."""

    def __init__(self, variant: str, source: str, stderr_path: str):
        self.variant = variant
        self.source = source
        self.stderr_path = stderr_path
        self.proc = None
        self.server_pid = None
        self.url = None
        self.page = None
        self.context = None
        self.downloads = 0  # GETs of the file so far
        self.times_s = []
        self.server_s = []
        self.checks = []  # one dict per download
        self.memory = {}
        self.trace = None

    async def start(self):
        self._stderr = open(self.stderr_path, "wb")
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, os.path.abspath(__file__), "--worker", self.variant, "--source", self.source,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=self._stderr)
        hello = await self._read(60)
        self.url = hello["url"]
        self.server_pid = hello["pid"]  # the worker's fork, which runs the server

    async def _read(self, timeout=30):
        line = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not line:
            raise RuntimeError(f"the {self.variant} worker exited; its stderr:\n{self.stderr_tail()}")
        return json.loads(line)

    async def ask(self, command: str, timeout=30) -> dict:
        self.proc.stdin.write(command.encode() + b"\n")
        await self.proc.stdin.drain()
        return await self._read(timeout)

    def stderr_tail(self, n=4000) -> str:
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode(errors="replace")[-n:]
        except OSError:
            return ""

    async def stop(self):
        if self.proc is None:
            return
        if self.proc.returncode is None:
            try:
                await self.ask("quit", timeout=10)
                await asyncio.wait_for(self.proc.wait(), 10)
            except (asyncio.TimeoutError, RuntimeError, ConnectionError, json.JSONDecodeError):
                pass
        if self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
            if self.server_pid is not None:  # its fork, which its waitpid no longer reaps
                try:
                    os.kill(self.server_pid, 9)
                except ProcessLookupError:
                    pass
        self.server_pid = None
        self._stderr.close()


async def warm_up_downloads(page, size: int) -> None:
    """One download made by the page itself, of ``size`` zero bytes from a ``blob:``
    URL (the server is not involved), so that first-download costs fall on no variant."""
    async with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as info:
        await page.evaluate("""size => {
            const a = document.createElement("a");
            a.href = URL.createObjectURL(new Blob([new Uint8Array(size)]));
            a.download = "warm-up.bin";
            document.body.appendChild(a);
            a.click();
            a.remove();
        }""", size)
    download = await info.value
    await download.path()
    await download.delete()


async def download_once(w: Worker, expected_sha: str, size: int) -> dict:
    """Click, wait for the saved file, check it, delete it. Returns timing and checks."""
    page = w.page
    async with page.expect_download(timeout=DOWNLOAD_TIMEOUT_MS) as info:
        t0 = time.perf_counter()
        await page.click("#dl")
    download = await info.value
    saved = await download.path()
    elapsed = time.perf_counter() - t0
    failure = await download.failure()
    saved_size = os.path.getsize(saved) if saved and os.path.exists(saved) else None
    digest = await asyncio.to_thread(sha256_file, saved) if saved_size == size else None
    await download.delete()
    w.downloads += 1
    served = await w.ask(f"done {w.downloads}")
    url = download.url
    if "/_domsync/download/" in url:
        url = url.split("/_domsync/download/")[0] + "/_domsync/download/<token>"
    check = {"failure": failure, "size": saved_size, "sha256_ok": digest == expected_sha,
             "suggested_filename": download.suggested_filename, "url": url}
    check["ok"] = failure is None and saved_size == size and digest == expected_sha
    return {"seconds": elapsed, "server_seconds": served["server_s"], "check": check}


async def measure(args, log) -> dict:
    from playwright.async_api import async_playwright

    size = args.size_mb * MB
    tmp = tempfile.mkdtemp(prefix="domsync-bench-download-")
    workers = []
    try:
        source = os.path.join(tmp, "source.bin")
        t = time.perf_counter()
        expected = await asyncio.to_thread(write_source, source, size)
        log(f"wrote {args.size_mb} MB of random bytes to {source} in {time.perf_counter() - t:.1f}s")
        workers = [Worker(v, source, os.path.join(tmp, f"worker-{v}.stderr")) for v in VARIANTS]
        for w in workers:
            await w.start()
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
            try:
                for w in workers:
                    w.context = await browser.new_context(accept_downloads=True)
                    w.page = await w.context.new_page()
                    await w.page.goto(w.url)
                    await w.page.wait_for_selector("#dl", timeout=15000)
                    if w.variant != "baseline":
                        await w.page.wait_for_function("domsync.status === 'open'", timeout=15000)
                    # The first page saves a file as large as the benchmark's, the others 1 KB.
                    await warm_up_downloads(w.page, size if w is workers[0] else 1024)
                # The level before the first download, in each server.
                for w in workers:
                    w.memory["before"] = await w.ask("reset")
                started = time.perf_counter()
                for rnd in range(args.rounds):
                    shift = rnd % len(workers)
                    for w in workers[shift:] + workers[:shift]:
                        r = await download_once(w, expected, size)
                        w.times_s.append(r["seconds"])
                        w.server_s.append(r["server_seconds"])
                        w.checks.append(r["check"])
                    log(f"round {rnd + 1}/{args.rounds} ({time.perf_counter() - started:.1f}s): " + ", ".join(
                        f"{w.variant} {w.times_s[-1] * 1000:.0f} ms{'' if w.checks[-1]['ok'] else ' BAD'}"
                        for w in workers))
                for w in workers:
                    w.memory["after"] = await w.ask("mem")
                # tracemalloc: one more download each, not in the timed figures.
                for w in workers:
                    await w.ask("trace_start")
                    r = await download_once(w, expected, size)
                    trace = await w.ask("trace_stop")
                    w.checks.append(r["check"])
                    w.trace = {"peak": trace["peak"], "seconds": r["seconds"],
                               "server_seconds": r["server_seconds"]}
                log("tracemalloc round done: " + ", ".join(
                    f"{w.variant} {w.trace['peak'] / MB:.2f} MB" for w in workers))
                chromium_version = browser.version
                for w in workers:
                    await w.context.close()
            finally:
                await browser.close()
        logs = {}
        for w in workers:
            logs[w.variant] = (await w.ask("logs"))["records"]
        for w in workers:
            await w.stop()
        stderr = {w.variant: w.stderr_tail() for w in workers}
    finally:
        for w in workers:
            await w.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "chromium": chromium_version,
        "size_bytes": size,
        "sha256": expected,
        "variants": {w.variant: {"label": LABELS[w.variant], "times_s": w.times_s, "server_s": w.server_s,
                                 "memory": w.memory, "tracemalloc": w.trace, "checks": w.checks,
                                 "log": logs[w.variant], "stderr": stderr[w.variant]}
                     for w in workers},
    }


# ---------------------------------------------------------------------------
# Report.
# ---------------------------------------------------------------------------


def _nproc():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count()


def summarize(result) -> dict:
    """Per variant: the figures of the table."""
    size_mb = result["size_bytes"] / MB
    out = {}
    for name, v in result["variants"].items():
        times = v["times_s"]
        med = statistics.median(times)
        server = [s for s in v["server_s"] if s is not None]
        before, after = v["memory"]["before"], v["memory"]["after"]
        out[name] = {
            "median_ms": med * 1000,
            "min_ms": min(times) * 1000,
            "max_ms": max(times) * 1000,
            "throughput_mb_s": size_mb / med,
            "server_median_ms": statistics.median(server) * 1000 if server else None,
            "rss_before_mb": before["vmrss_kb"] / 1024,
            "peak_rss_growth_mb": (after["maxrss_kb"] - before["maxrss_kb"]) / 1024,
            "peak_hwm_growth_mb": (after["vmhwm_kb"] - before["vmhwm_kb"]) / 1024,
            "tracemalloc_peak_mb": v["tracemalloc"]["peak"] / MB,
            "tracemalloc_round_ms": v["tracemalloc"]["seconds"] * 1000,
            "verified": f"{sum(c['ok'] for c in v['checks'])}/{len(v['checks'])}",
            "peak_was_reset": before.get("reset", False),
        }
    return out


def build_rows(summary):
    f, b, base = summary["file"], summary["bytes"], summary["baseline"]

    def ratio(x, y):
        return f"{x / y:.2f}x" if (x is not None and y) else ""

    def row(label, key, spec, with_ratio=True):
        vals = [s[key] for s in (f, b, base)]
        cells = ["n/a" if x is None else (x if isinstance(x, str) else format(x, spec)) for x in vals]
        ratios = [ratio(vals[0], vals[2]), ratio(vals[1], vals[2])] if with_ratio else ["", ""]
        return (label, *cells, *ratios)

    return [
        row("click -> download saved, median ms", "median_ms", ".0f"),
        ("  min .. max ms", *(f"{s['min_ms']:.0f} .. {s['max_ms']:.0f}" for s in (f, b, base)), "", ""),
        row("throughput MB/s (size / median)", "throughput_mb_s", ".0f", with_ratio=False),
        row("server: request -> all sent, median ms", "server_median_ms", ".0f"),
        row("server RSS before 1st download, MB", "rss_before_mb", ".1f", with_ratio=False),
        row("peak RSS growth (ru_maxrss), MB", "peak_rss_growth_mb", ".1f"),
        row("tracemalloc peak, 1 download, MB", "tracemalloc_peak_mb", ".2f"),
        row("  (that download's time, ms)", "tracemalloc_round_ms", ".0f", with_ratio=False),
        row("downloads verified (sha256)", "verified", "", with_ratio=False),
    ]


def print_table(rows, say):
    header = ("", "pack_file", "pack_bytes", "baseline", "file/base", "bytes/base")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    aligns = ["<", ">", ">", ">", ">", ">"]

    def line(r):
        return "  ".join(f"{str(c):{a}{w}}" for c, a, w in zip(r, aligns, widths)).rstrip()

    say(line(header))
    say("  ".join("-" * w for w in widths))
    for r in rows:
        say(line(r))


def problems(result, summary) -> list[str]:
    """Everything that looks wrong: failed checks, warnings and errors in the logs,
    domsync downloads that did not send the full size, memory readings that disagree."""
    found = []
    size = result["size_bytes"]
    for name, v in result["variants"].items():
        for i, c in enumerate(v["checks"]):
            if not c["ok"]:
                found.append(f"{name}: download {i + 1}: failure={c['failure']!r}, size={c['size']} "
                             f"(expected {size}), sha256 ok={c['sha256_ok']}")
        for rec in v["log"]:
            msg = rec["message"]
            if rec["level"] in ("WARNING", "ERROR", "CRITICAL"):
                found.append(f"{name}: log {rec['logger']} {rec['level']}: {msg[:300]}")
            elif rec["logger"].startswith("domsync") and msg.startswith("sent the download") \
                    and not msg.endswith(f"({size} bytes)"):
                found.append(f"{name}: log {rec['logger']}: {msg[:300]}")
        if name != "baseline":
            sent = sum(1 for rec in v["log"] if rec["message"].startswith("sent the download"))
            if sent != len(v["checks"]):
                found.append(f"{name}: domsync logged {sent} 'sent the download' lines for "
                             f"{len(v['checks'])} downloads")
        if v["stderr"].strip():
            found.append(f"{name}: worker stderr: {v['stderr'].strip()[-600:]}")
        s = summary[name]
        if not s["peak_was_reset"]:
            found.append(f"{name}: /proc/self/clear_refs could not be written: the RSS growth is "
                         f"above the peak before the first download, not above the level then")
        if abs(s["peak_rss_growth_mb"] - s["peak_hwm_growth_mb"]) > 1:
            found.append(f"{name}: ru_maxrss growth {s['peak_rss_growth_mb']:.1f} MB but VmHWM growth "
                         f"{s['peak_hwm_growth_mb']:.1f} MB")
    return found


async def run(args, log, say):
    from importlib import metadata

    say(f"domsync download benchmark  ({time.strftime('%Y-%m-%d %H:%M:%S')})")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    say(f"machine: {platform.machine()}, nproc={_nproc()}, load average {load}")
    say(f"Python {platform.python_version()} ({sys.executable}), websockets {websockets.__version__}, "
        f"playwright {metadata.version('playwright')}, domsync {domsync.__version__} "
        f"({os.path.dirname(domsync.__file__)})")
    result = await measure(args, log)
    say(f"Chromium {result['chromium']} ({chromium_executable()}), headless")
    say(f"file: {args.size_mb} MB of random bytes (1 MB = 1,048,576 bytes); {args.rounds} timed round(s), "
        f"variants interleaved in rotating order, one server subprocess per variant; "
        f"then 1 tracemalloc round each")
    say()
    summary = summarize(result)
    rows = build_rows(summary)
    print_table(rows, say)
    say()
    say("pack_file / pack_bytes = domsync DomsyncServer, Document.file_download(pack_file(path) / "
        "pack_bytes(data)),")
    say("  streamed from /_domsync/download/<token>; baseline = bare websockets server, process_request")
    say("  returns Response(200, ..., body=<the whole file as bytes>), fetched through <a download>.")
    say("Time: Playwright click -> download.path() returned (Chromium has the whole file). RSS growth:")
    say("  ru_maxrss after the timed rounds minus the level just before the first download (peak reset")
    say("  with /proc/self/clear_refs). ratio = domsync / baseline (lower is better).")
    found = problems(result, summary)
    for p in found:
        say(f"PROBLEM: {p}")
    if not found:
        say("No problem seen: every download verified, no warning or error in the servers' logs.")
    if args.json:
        json.dump({
            "python": platform.python_version(),
            "websockets": websockets.__version__,
            "chromium": result["chromium"],
            "nproc": _nproc(),
            "loadavg": os.getloadavg(),
            "size_mb": args.size_mb,
            "rounds": args.rounds,
            "summary": summary,
            "problems": found,
            "raw": result,
        }, sys.stdout, indent=2)
        sys.stdout.write("\n")
    return 1 if found else 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size-mb", type=int, default=100, help="file size in MB of 1,048,576 bytes (default 100)")
    p.add_argument("--rounds", type=int, default=3, help="timed rounds, one download per variant each (default 3)")
    p.add_argument("--json", action="store_true", help="print a JSON report on stdout (table goes to stderr)")
    p.add_argument("--timeout", type=float, default=240, help="give up after this many seconds (default 240)")
    p.add_argument("--worker", choices=VARIANTS, help=argparse.SUPPRESS)
    p.add_argument("--source", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        return run_worker(args.worker, args.source)
    if args.size_mb < 1 or args.rounds < 1:
        p.error("--size-mb and --rounds must be at least 1")
    return run_report(args, run)


if __name__ == "__main__":
    sys.exit(main())
