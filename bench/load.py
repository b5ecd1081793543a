"""Load: one domsync server process, many clients in other processes, over real websockets.

Scenarios (issue 16, item 1):

- **A, ticker**: every session's handler sets a counter's text 10 times a second on a
  fixed schedule (a tick that is already late is skipped, as a ticker shows the current
  value), and flushes.
- **B, chat**: every client sends a named message every 5 s (random phase); the
  server's ``@server.on_event`` handler :meth:`~domsync.DomsyncServer.broadcast`\\ s it
  to every client.
- **C, idle**: every session holds a 500-element page (100 rows of a ``div`` with a
  class and four ``span`` children with text) and nothing happens.

Each is run against domsync and against a **floor**: a bare ``websockets`` server whose
handlers send the same statements (the JSON wire's frames, made with json.dumps of
the same ops) and raw ``websockets`` clients, in the same run.

What is measured:

- delivery latency p50 / p99 / max, from the server's change (a ``time.monotonic()``
  stamp carried in the data: the counter's text, the chat message's payload) to the
  moment the client applied the batch (the test client's mirror has applied it;
  ``CLOCK_MONOTONIC`` is one clock for every process of the machine);
- delivered: updates received in the window / updates due (sessions x 10 Hz x
  seconds for A; messages broadcast x receivers for B);
- server CPU (``/proc/<pid>/stat``, utime + stime over the window, 100% = one core),
  the clients' CPU likewise, and the server's RSS per session (``VmRSS`` with the
  sessions minus ``VmRSS`` before any);
- errors (warnings the server logged, errors the clients saw) and disconnections.

The domsync clients are :func:`domsync.testing.connect` pages (``?wire=json``, the
whole protocol: hello, acknowledgements, a mirror of the page); the latency is read by
a sink on the tab's ``_subscribers`` (called synchronously when a batch was applied,
so no task per client is added for measuring). ``--lite`` uses raw websockets clients
that speak just enough of the protocol (hello, acks) for the domsync side too, for
runs of 10,000 sessions.

The server side is :func:`start_servers`: one process (``--serve``), which prints its
port. ``--url ws://host:port/`` points the clients at a server that is already running
(another script's workers, a proxy); ``--server-pid`` (repeatable) names the processes
whose CPU and RSS to read then.

Modes (``--mode``):

- ``run``: one run of ``--scenario`` with ``--sessions`` (comma-separated: several
  runs) for each of ``--sides`` in turn: ``floor``, ``domsync``, ``domsync:old-deflate``
  and ``domsync:old-broadcast`` (this tree with one path switched back), or
  ``domsync@PATH`` (the domsync of another tree, e.g. an older commit extracted with
  ``git archive``).
- ``search``: scenario A, N doubled from ``--start`` until a side stops delivering >= 99%
  with p99 <= 50 ms, then bisected, for each side.
- ``rounds``: ``--rounds`` rounds of ``--sessions`` clients joining (scenario A page,
  ticking for 2 s) and leaving; after each, the server's RSS, its Python heap
  (tracemalloc, with ``--tracemalloc``), its live objects, and RSS after ``malloc_trim``.
- ``broadcast``: scenario B on the floor, on ``domsync:old-broadcast`` (the message
  queued and encoded per session) and on ``domsync`` (encoded once), in turn.

Every run also reports the server loop's largest lag, its slowest flush, skipped ticks,
each GC generation's collections and largest pause (wall and CPU), and the server's CPU
per delivered update, the figure that stays put when the machine is busy.

Run from the repository root::

    .venv/bin/python bench/load.py --mode run --scenario A --sessions 1000 --duration 60
    .venv/bin/python bench/load.py --mode search
    .venv/bin/python bench/load.py --mode run --scenario C --sessions 10000 --lite
    .venv/bin/python bench/load.py --mode rounds --sessions 1000 --rounds 10
    .venv/bin/python bench/load.py --mode broadcast --sessions 200 --duration 20
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import gc
import json
import logging
import os
import random
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import common  # noqa: E402,F401  (puts the working tree on the import path)

if os.environ.get("LOAD_BENCH_REPO"):  # a server of another tree (a side named domsync@PATH)
    sys.path.insert(0, os.environ["LOAD_BENCH_REPO"])

TICK = 0.1  # scenario A: 10 Hz
CHAT_EVERY = 5.0  # scenario B: one message per client every 5 s
ROWS, SPANS = 100, 4  # scenario C: 100 x (1 + 4) = 500 elements
STAMP = "T|"
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ====================================================================== server side

def build_page(document, root) -> None:
    """Scenario C's page: 500 elements, each with a class or a text."""
    for i in range(ROWS):
        row = document.createElement("div")
        row.setAttribute("class", "row")
        for j in range(SPANS):
            span = document.createElement("span")
            span.innerText = f"cell {i}.{j}"
            row.appendChild(span)
        root.appendChild(row)


class _Counting(logging.Handler):
    """Counts the server's warnings and errors (what the bench reports as errors)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.count = 0
        self.first: list[str] = []

    def emit(self, record):
        self.count += 1
        if len(self.first) < 5:
            self.first.append(record.getMessage()[:300])


def _old_broadcast(self, op, targets):
    """``Hub.broadcast`` before encode-once (for ``--old-broadcast``): the op queued in
    each session's document, and each session's batch encoded on its own."""
    sessions = [self.sessions[client] for client in targets if client in self.sessions]
    for session in sessions:
        self.documents.queue(session, op)
    return self.documents.flush(sessions, self.sessions.values(), self.downloads)


async def ticks(stats: dict):
    """The ticker's schedule, the same for both sides: the number of each tick, 10 times
    a second from a random phase. A ticker shows the current value, so ticks that are
    already late are skipped (and counted in ``stats["skipped"]``)."""
    loop = asyncio.get_running_loop()
    due = loop.time() + random.random() * TICK
    i = 0
    while True:
        wait = due - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        late = loop.time() - due
        if late >= TICK:
            missed = int(late / TICK)
            stats["skipped"] += missed
            due += missed * TICK
            i += missed
        i += 1
        yield i
        due += TICK


def domsync_server(scenario: str, options: dict):
    """A DomsyncServer running scenario ``scenario`` (not started)."""
    from domsync.domsync_server import DomsyncServer
    from domsync.hub import Hub

    if options.get("old_broadcast"):
        Hub.broadcast = _old_broadcast
    if options.get("old_deflate"):
        # The websockets library's default: context takeover, every message compressed.
        from websockets.extensions.permessage_deflate import enable_server_permessage_deflate
        from domsync import ws_transport
        ws_transport._DeflateFactory = lambda: enable_server_permessage_deflate(None)[0]  # type: ignore
    stats = options["stats"]

    async def handler(server, client):
        document = server.get_document(client)
        root = document.getRootElement()
        if scenario == "C":
            build_page(document, root)
            await server.flush(client)
            return
        if scenario == "B":
            log = document.createElement("div")
            root.appendChild(log)
            await server.flush(client)
            return
        counter = document.createElement("div")
        root.appendChild(counter)
        counter.innerText = "0"
        await server.flush(client)
        loop = asyncio.get_running_loop()
        async for i in ticks(stats):
            counter.innerText = f"{STAMP}{i}|{time.monotonic():.6f}"
            flushing = loop.time()
            await server.flush(client)
            took = loop.time() - flushing
            if took > stats["flush_max"]:
                stats["flush_max"] = took
            stats["ticks"] += 1

    server = DomsyncServer(handler, "127.0.0.1", 0, max_connections=100_000,
                           max_messages_per_second=1000)

    @server.on_event("chat")
    async def chat(event):
        stats["broadcasts"] += 1
        stats["receivers"] += len(server._hub.sessions)
        await server.broadcast("chat", {"sent": event.payload.get("sent"), "ts": round(time.monotonic(), 6)})

    return server


def _frame_template():
    """The ops a domsync counter update records, as the floor sends them."""
    from domsync.document import Document
    document = Document("domsync_root_id")
    counter = document.createElement("div")
    document.getRootElement().appendChild(counter)
    document.take_ops()
    counter.innerText = "X"
    return [list(op) for op in document.take_ops()]


async def floor_server(scenario: str, options: dict):
    """A bare websockets server sending what domsync sends, as plainly as possible."""
    from websockets.asyncio.server import broadcast, serve
    from domsync import encode_json
    from domsync.document import Document
    from domsync.protocol import MESSAGE  # noqa: F401

    stats = options["stats"]
    template = _frame_template()
    page = Document("domsync_root_id")
    build_page(page, page.getRootElement())
    page_frame = "1 0\n" + encode_json.encode(page.snapshot_ops())
    connections = set()
    compression = None if options.get("no_compression") else "deflate"

    async def handler(ws):
        connections.add(ws)
        try:
            if scenario == "C":
                await ws.send(page_frame)
                await ws.wait_closed()
            elif scenario == "B":
                await ws.send("1 0\n[]")
                number = 1
                async for message in ws:
                    payload = json.loads(message)
                    stats["broadcasts"] += 1
                    stats["receivers"] += len(connections)
                    number += 1
                    op = ["message", "chat", {"sent": payload.get("sent"), "ts": round(time.monotonic(), 6)}]
                    broadcast(connections, f"{number} 0\n" + json.dumps([op], separators=(",", ":")))
            else:
                async for i in ticks(stats):
                    ops = [op[:-1] + [f"{STAMP}{i}|{time.monotonic():.6f}"] for op in template]
                    await ws.send(f"{i} 0\n" + json.dumps(ops, separators=(",", ":")))
                    stats["ticks"] += 1
        except Exception:
            pass
        finally:
            connections.discard(ws)

    return await serve(handler, "127.0.0.1", 0, compression=compression, max_queue=None)


def server_process(args) -> None:
    """``--serve domsync|floor``: run one server until stdin closes. Prints ``READY
    <port>``; answers ``stats``, ``trim``, ``gc`` lines on stdin with one JSON line."""
    if args.tracemalloc:
        import tracemalloc
        tracemalloc.start()
    counting = _Counting()
    logging.getLogger().addHandler(counting)
    logging.getLogger().setLevel(logging.WARNING)
    stats = {"ticks": 0, "skipped": 0, "broadcasts": 0, "receivers": 0, "flush_max": 0.0, "lag_max": 0.0,
             "lags_over_50ms": 0}

    gc_started = [0.0, 0.0]

    def gc_callback(phase, info):
        """Each collection's pause (wall and CPU seconds), by generation."""
        if phase == "start":
            gc_started[0], gc_started[1] = time.perf_counter(), time.process_time()
            return
        wall = time.perf_counter() - gc_started[0]
        cpu = time.process_time() - gc_started[1]
        generation = info["generation"]
        stats[f"gc{generation}_count"] = stats.get(f"gc{generation}_count", 0) + 1
        stats[f"gc{generation}_cpu_total"] = stats.get(f"gc{generation}_cpu_total", 0.0) + cpu
        stats[f"gc{generation}_wall_max"] = max(stats.get(f"gc{generation}_wall_max", 0.0), wall)
        stats[f"gc{generation}_cpu_max"] = max(stats.get(f"gc{generation}_cpu_max", 0.0), cpu)
    gc.callbacks.append(gc_callback)

    async def lag_monitor():
        """How late the loop wakes a 10 ms sleep: what delays every session at once."""
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.01)
            lag = loop.time() - before - 0.01
            stats["lag_max"] = max(stats["lag_max"], lag)
            if lag > 0.05:
                stats["lags_over_50ms"] += 1
    options = {"stats": stats, "old_broadcast": args.old_broadcast, "old_deflate": args.old_deflate,
               "no_compression": args.no_compression}

    async def main():
        loop = asyncio.get_running_loop()
        commands: asyncio.Queue = asyncio.Queue()

        def read():
            for line in sys.stdin:
                loop.call_soon_threadsafe(commands.put_nowait, line.strip())
            loop.call_soon_threadsafe(commands.put_nowait, None)
        threading.Thread(target=read, daemon=True).start()
        monitor = asyncio.create_task(lag_monitor())  # noqa: F841
        if args.serve == "domsync":
            server = domsync_server(args.scenario, options)
            await server.serve()
            port = server.port
            sessions = lambda: len(server._hub.sessions)  # noqa: E731
        else:
            server = await floor_server(args.scenario, options)
            port = server.sockets[0].getsockname()[1]
            sessions = lambda: len(server.connections)  # noqa: E731
        print(f"READY {port}", flush=True)
        marked = None
        while (command := await commands.get()) is not None:
            answer: dict = {}
            if command == "gc":
                answer["collected"] = gc.collect()
            elif command == "trim":
                gc.collect()
                answer["rss_before_kb"] = rss_kb(os.getpid())
                answer["trimmed"] = ctypes.CDLL("libc.so.6").malloc_trim(0)
                answer["rss_after_kb"] = rss_kb(os.getpid())
            elif command == "reset":
                stats.update(flush_max=0.0, lag_max=0.0, lags_over_50ms=0)
                for key in [key for key in stats if key.startswith("gc")]:
                    del stats[key]
            elif command == "stats":
                answer.update(stats, sessions=sessions(), warnings=counting.count, first_warnings=counting.first,
                              rss_kb=rss_kb(os.getpid()))
                if args.mode == "rounds":  # not with sessions: a list of every object blocks the loop
                    answer["objects"] = len(gc.get_objects())
                if args.tracemalloc:
                    import tracemalloc
                    answer["traced_kb"] = tracemalloc.get_traced_memory()[0] // 1024
            elif command == "mark" and args.tracemalloc:
                import tracemalloc
                marked = tracemalloc.take_snapshot()
            elif command == "diff" and args.tracemalloc:
                import tracemalloc
                answer["top"] = [str(s) for s in tracemalloc.take_snapshot().compare_to(marked, "lineno")[:15]]
            elif command == "top" and args.tracemalloc:
                import tracemalloc
                snap = tracemalloc.take_snapshot()
                answer["top"] = [str(s) for s in snap.statistics("filename")[:12]]
                answer["top"] += [str(s) for s in snap.statistics("lineno")[:12]]
            print(json.dumps(answer), flush=True)
        closing = server.close()
        if asyncio.iscoroutine(closing):
            await closing

    if args.profile:
        import cProfile
        import pstats
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            asyncio.run(main())
        finally:
            profiler.disable()
            pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
        return
    asyncio.run(main())


# ====================================================================== clients

@dataclass
class ClientStats:
    latencies: list = field(default_factory=list)  # seconds
    received: int = 0  # updates stamped within the window
    connect_failures: int = 0
    disconnections: int = 0
    errors: int = 0
    sent: int = 0


class _Sink:
    """Stands in for a tab's subscriber queue: called as each batch is applied."""

    __slots__ = ("on_item",)

    def __init__(self, on_item):
        self.on_item = on_item

    def put_nowait(self, item):
        self.on_item(item)


def _stamps(ops):
    for op in ops:
        for value in op:
            if isinstance(value, str) and value.startswith(STAMP):
                yield float(value.rsplit("|", 1)[1])


class Window:
    """The measuring window (monotonic seconds), set by the orchestrator's ``go``."""

    def __init__(self):
        self.start = float("inf")
        self.end = float("inf")

    def __contains__(self, stamp: float) -> bool:
        return self.start <= stamp < self.end


async def domsync_client(url, scenario, window, stats):
    """One :func:`domsync.testing.connect` page, measured."""
    from domsync.testing import connect

    page = await connect(url, timeout=60_000)
    tab = page._tab

    def on_item(item):
        now = time.monotonic()
        if item.kind == "batch" and scenario == "A":
            for stamp in _stamps(item.data):
                if stamp in window:
                    stats.received += 1
                    stats.latencies.append(now - stamp)
        elif item.kind == "message" and scenario == "B":
            stamp = item.data[1].get("ts")
            if stamp in window:
                stats.received += 1
                stats.latencies.append(now - stamp)

    def on_state(state):
        if state == "offline":
            stats.disconnections += 1

    tab._subscribers.append(_Sink(on_item))
    tab._state_subscribers.append(_Sink(on_state))
    return page


async def raw_client(url, scenario, window, stats, speaks_domsync):
    """A raw websockets client: for the floor, or (``--lite``) a minimal domsync client
    (hello, acks: what the server needs to keep the session)."""
    from websockets.asyncio.client import connect

    if speaks_domsync:
        from domsync.protocol import PROTOCOL_VERSION
        url = url.replace("http", "ws", 1).rstrip("/") + f"/ws?v={PROTOCOL_VERSION}&wire=json"
    socket = await connect(url, max_size=None, open_timeout=60)
    if speaks_domsync:
        await socket.send(json.dumps({"domsync": True, "type": "hello", "token": None, "batch": None}))

    async def read():
        applied = 0
        acked = time.monotonic()
        try:
            async for frame in socket:
                now = time.monotonic()
                head, _, body = frame.partition("\n")
                if not body:
                    continue  # a control frame (welcome, confirmation)
                ops = json.loads(body)
                applied = int(head.split(" ", 1)[0])
                if scenario == "A":
                    for stamp in _stamps(ops):
                        if stamp in window:
                            stats.received += 1
                            stats.latencies.append(now - stamp)
                elif scenario == "B":
                    for op in ops:
                        if isinstance(op[-1], dict) and op[-1].get("ts") in window:
                            stats.received += 1
                            stats.latencies.append(now - op[-1]["ts"])
                if speaks_domsync and (now - acked > 2 or applied == 1):  # the page at once, as the
                    # browser's ack loop would within 2 s (the server keeps a batch until then)
                    acked = now
                    await socket.send(json.dumps({"domsync": True, "type": "ack", "a": applied}))
        except Exception:
            pass
        stats.disconnections += 1

    reader = asyncio.create_task(read())
    return socket, reader


async def client_process(args) -> None:
    """``--client``: ``--sessions`` clients of one kind; prints ``CONNECTED ok failed``,
    then follows stdin: ``go <start> <end>`` (the window), ``report``, ``close``."""
    from domsync.exceptions import ClientGoneError  # noqa: F401

    logging.basicConfig(level=logging.ERROR)
    stats = ClientStats()
    window = Window()
    loop = asyncio.get_running_loop()
    lite = args.client == "floor" or args.lite
    gate = asyncio.Semaphore(args.connect_concurrency)
    clients: list = []

    async def one():
        async with gate:
            try:
                if lite:
                    clients.append(await raw_client(args.url, args.scenario, window, stats,
                                                    speaks_domsync=args.client == "domsync"))
                else:
                    clients.append(await domsync_client(args.url, args.scenario, window, stats))
            except Exception as exc:
                stats.connect_failures += 1
                if stats.connect_failures <= 3:
                    print(f"connect failed: {exc!r}", file=sys.stderr, flush=True)

    await asyncio.gather(*(one() for _ in range(args.sessions)))
    print(f"CONNECTED {len(clients)} {stats.connect_failures}", flush=True)

    chatting: list[asyncio.Task] = []

    async def chat(client):
        await asyncio.sleep(random.random() * CHAT_EVERY)
        while True:
            payload = {"sent": round(time.monotonic(), 6)}
            if lite:
                await client[0].send(json.dumps(payload))  # the floor's
            else:
                client._tab.send_named("chat", payload)
            stats.sent += 1
            await asyncio.sleep(CHAT_EVERY)

    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).decode().strip():
        command, *rest = line.split()
        if command == "go":
            window.start, window.end = float(rest[0]), float(rest[1])
            if args.scenario == "B":
                chatting = [asyncio.create_task(chat(client)) for client in clients]
        elif command == "report":
            for task in chatting:
                task.cancel()
            if not lite:
                stats.errors += sum(len(page._tab.errors) for page in clients)
            print(json.dumps({"latencies_us": [round(x * 1e6) for x in stats.latencies],
                              "received": stats.received, "connect_failures": stats.connect_failures,
                              "disconnections": stats.disconnections, "errors": stats.errors,
                              "sent": stats.sent}), flush=True)
        elif command == "close":
            if lite:
                for socket, task in clients:
                    task.cancel()
                    await socket.close()
            else:
                await asyncio.gather(*(page.context.close() for page in clients), return_exceptions=True)
            print("CLOSED", flush=True)
            break


# ====================================================================== orchestrator

def rss_kb(pid: int) -> int:
    """A process's resident set, in KB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """A process's user + system CPU seconds so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def percentile(values, q):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q / 100 * len(values)))]


class ServerProcess:
    """A server started by :func:`start_servers`, or one already running (``--url``)."""

    def __init__(self, url: str, pids: list[int], proc: subprocess.Popen | None = None):
        self.url = url
        self.pids = pids
        self.proc = proc

    def ask(self, command: str) -> dict:
        """A ``stats``/``trim``/``gc`` answer ({} for a server not started here)."""
        if self.proc is None:
            return {}
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def rss_kb(self) -> int:
        return sum(rss_kb(pid) for pid in self.pids)

    def cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.pids)

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            self.proc.stdin.close()  # type: ignore[union-attr]
            self.proc.wait(timeout=10)
        except (subprocess.TimeoutExpired, OSError):
            self.proc.kill()
            self.proc.wait()


def start_servers(side: str, scenario: str, args) -> ServerProcess:
    """Start the server side of a run: one process of ``side`` (``floor``, ``domsync``,
    or ``domsync:old-broadcast`` / ``domsync:old-deflate`` for the paths before this
    work; ``domsync@PATH`` imports domsync from the tree at PATH, e.g. an older commit
    extracted with ``git archive``). With ``--url`` (domsync only), the clients go to a server already running,
    and ``--server-pid`` names its processes. Swap this function to start several
    workers behind a proxy."""
    base, *flags = side.split(":")
    base, _, tree = base.partition("@")
    if args.url and base == "domsync":
        return ServerProcess(args.url, list(args.server_pid or []))
    env = dict(os.environ, LOAD_BENCH_REPO=os.path.abspath(tree)) if tree else None
    command = [sys.executable, os.path.abspath(__file__), "--serve", base, "--scenario", scenario,
               "--mode", args.mode]
    command += [f"--{flag}" for flag in flags]
    if args.tracemalloc:
        command.append("--tracemalloc")
    if args.old_deflate and base == "domsync":
        command.append("--old-deflate")
    if args.no_compression:
        command.append("--no-compression")
    if args.profile:
        command.append("--profile")
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("READY"):
        proc.kill()
        raise RuntimeError(f"the {side} server did not start: {line!r}")
    port = int(line.split()[1])
    return ServerProcess(f"http://127.0.0.1:{port}/" if base == "domsync" else f"ws://127.0.0.1:{port}/",
                         [proc.pid], proc)


class Clients:
    """The client processes of one run."""

    def __init__(self, side: str, scenario: str, url: str, sessions: int, args):
        self.procs = []
        count = max(1, min(args.client_procs, sessions))
        share = [sessions // count + (1 if i < sessions % count else 0) for i in range(count)]
        for n in share:
            command = [sys.executable, os.path.abspath(__file__), "--client", side, "--url", url,
                       "--scenario", scenario, "--sessions", str(n),
                       "--connect-concurrency", str(args.connect_concurrency)]
            if args.lite:
                command.append("--lite")
            self.procs.append(subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True))

    def _all(self, command: str | None, until=None) -> list[str]:
        answers = []
        for proc in self.procs:
            if command is not None:
                proc.stdin.write(command + "\n")
                proc.stdin.flush()
        for proc in self.procs:
            line = proc.stdout.readline()
            while until is not None and line and not line.startswith(until):
                line = proc.stdout.readline()
            answers.append(line)
        return answers

    def connected(self) -> tuple[int, int]:
        ok = failed = 0
        for line in self._all(None, "CONNECTED"):
            parts = line.split()
            if len(parts) < 3:
                failed += 1
                continue
            ok += int(parts[1])
            failed += int(parts[2])
        return ok, failed

    def go(self, start: float, end: float) -> None:
        for proc in self.procs:
            proc.stdin.write(f"go {start} {end}\n")
            proc.stdin.flush()

    def report(self) -> dict:
        merged = {"latencies_us": [], "received": 0, "connect_failures": 0, "disconnections": 0, "errors": 0,
                  "sent": 0}
        for line in self._all("report"):
            data = json.loads(line)
            merged["latencies_us"] += data["latencies_us"]
            for key in ("received", "connect_failures", "disconnections", "errors", "sent"):
                merged[key] += data[key]
        return merged

    def close(self) -> None:
        self._all("close", "CLOSED")
        for proc in self.procs:
            try:
                proc.stdin.close()
                proc.wait(timeout=30)
            except (subprocess.TimeoutExpired, OSError):
                proc.kill()
                proc.wait()

    def cpu(self) -> float:
        return sum(cpu_seconds(proc.pid) for proc in self.procs)

    def rss_kb(self) -> int:
        return sum(rss_kb(proc.pid) for proc in self.procs)

    def kill(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def one_run(side: str, scenario: str, sessions: int, args, log) -> dict:
    """One run: server, clients, settle, the window, the report."""
    server = start_servers(side, scenario, args)
    clients = None
    try:
        time.sleep(0.3)
        rss_start = server.rss_kb()
        started = time.monotonic()
        clients = Clients(side.split(":")[0].split("@")[0], scenario, server.url, sessions, args)
        ok, failed = clients.connected()
        connect_s = time.monotonic() - started
        time.sleep(args.settle)
        if scenario == "C":
            server.ask("gc")
        server.ask("reset")
        before = server.ask("stats")
        start = time.monotonic()
        end = start + args.duration
        cpu0, ccpu0 = server.cpu(), clients.cpu()
        clients.go(start, end)
        time.sleep(args.duration)
        cpu1, ccpu1 = server.cpu(), clients.cpu()
        rss = server.rss_kb()
        clients_rss = clients.rss_kb()
        time.sleep(args.grace)  # what was sent in the window lands
        after = server.ask("stats")
        if args.tracemalloc:
            for line in server.ask("top").get("top", []):
                log("    " + line)
        report = clients.report()
        lat = report.pop("latencies_us")
        if scenario == "A":
            due = ok * args.duration / TICK
        elif scenario == "B":
            # Every message sent in the window, to everyone (the sender too).
            due = report["sent"] * ok
        else:
            due = 0
        result = {
            "side": side, "scenario": scenario, "sessions": sessions, "connected": ok, "connect_failed": failed,
            "connect_s": round(connect_s, 1), "duration_s": args.duration,
            "p50_ms": percentile(lat, 50) / 1000, "p99_ms": percentile(lat, 99) / 1000,
            "max_ms": max(lat) / 1000 if lat else float("nan"), "received": report["received"], "due": due,
            "delivered": report["received"] / due if due else float("nan"),
            "server_cpu": (cpu1 - cpu0) / args.duration, "clients_cpu": (ccpu1 - ccpu0) / args.duration,
            "rss_start_mb": rss_start / 1024, "rss_mb": rss / 1024,
            "rss_per_session_kb": (rss - rss_start) / max(ok, 1),
            "client_rss_per_session_kb": clients_rss / max(ok, 1),
            "server_warnings": after.get("warnings", 0) - before.get("warnings", 0) if after else None,
            "first_warnings": after.get("first_warnings", []) if after else [],
            "client_errors": report["errors"], "disconnections": report["disconnections"],
            "skipped_ticks": after.get("skipped", 0) - before.get("skipped", 0) if after else None,
            "load": os.getloadavg()[0],
            "loop_lag_max_ms": after.get("lag_max", 0) * 1000, "lags_over_50ms": after.get("lags_over_50ms"),
            "flush_max_ms": after.get("flush_max", 0) * 1000,
            "gc": {key: round(value * 1000, 2) if isinstance(value, float) else value
                   for key, value in after.items() if key.startswith("gc")},
        }
        if scenario == "A" and report["received"]:
            result["server_cpu_us_per_update"] = (cpu1 - cpu0) / report["received"] * 1e6
        elif scenario == "B" and report["received"]:
            result["server_cpu_us_per_delivery"] = (cpu1 - cpu0) / report["received"] * 1e6
        clients.close()
        clients = None
        return result
    finally:
        if clients is not None:
            clients.kill()
        server.stop()


def show(result: dict, say) -> None:
    r = result
    say(f"  {r['side']:22} {r['scenario']} N={r['connected']:>5}/{r['sessions']:<5} "
        f"p50 {r['p50_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  max {r['max_ms']:7.1f} ms  "
        f"delivered {r['delivered'] * 100:6.2f}%  server CPU {r['server_cpu'] * 100:5.1f}%  "
        f"clients CPU {r['clients_cpu'] * 100:5.1f}% ({r['client_rss_per_session_kb']:.0f} KB/client)  RSS {r['rss_mb']:7.1f} MB "
        f"({r['rss_per_session_kb']:6.1f} KB/session)  warnings {r['server_warnings']}  "
        f"errors {r['client_errors']}  disconnections {r['disconnections']}  "
        f"skipped ticks {r['skipped_ticks']}  connect {r['connect_s']} s  load {r['load']:.2f}")
    say(f"           server loop lag max {r['loop_lag_max_ms']:.1f} ms, lags > 50 ms: {r['lags_over_50ms']}, "
        f"flush max {r['flush_max_ms']:.1f} ms")
    if r.get("gc"):
        say(f"           gc (ms): {r['gc']}")
    for key in ("server_cpu_us_per_update", "server_cpu_us_per_delivery"):
        if key in r:
            say(f"           server CPU per {key.rsplit('_', 1)[1]}: {r[key]:.1f} us")
    if r.get("first_warnings"):
        say(f"           first warnings: {r['first_warnings'][:2]}")


def passes(result: dict) -> bool:
    """Scenario A's bar: >= 99% of the updates delivered, p99 <= 50 ms, all connected."""
    return result["delivered"] >= 0.99 and result["p99_ms"] <= 50 and result["connect_failed"] == 0


def search(side: str, args, log, say, results) -> int:
    """The largest N (scenario A) that passes, doubling from --start then bisecting."""
    good, bad = 0, None
    n = args.start
    while bad is None and n <= args.max_sessions:
        result = one_run(side, "A", n, args, log)
        results.append(result)
        show(result, say)
        if passes(result):
            good, n = n, n * 2
        else:
            bad = n
    if bad is None:
        return good
    while bad - good > max(args.resolution, good // 20):
        n = (good + bad) // 2 // 10 * 10
        if n <= good:
            break
        result = one_run(side, "A", n, args, log)
        results.append(result)
        show(result, say)
        if passes(result):
            good = n
        else:
            bad = n
    return good


def rounds(side: str, args, log, say, results) -> None:
    """Sessions joining and leaving, ``--rounds`` times: what the server keeps."""
    server = start_servers(side, "A", args)
    try:
        time.sleep(0.5)
        server.ask("gc")
        server.ask("mark")
        start = server.ask("stats")
        say(f"  start: RSS {start['rss_kb'] / 1024:.1f} MB, objects {start['objects']}"
            + (f", traced {start['traced_kb'] / 1024:.1f} MB" if "traced_kb" in start else ""))
        results.append({"round": 0, **start})
        for number in range(1, args.rounds + 1):
            clients = Clients("domsync", "A", server.url, int(args.sessions), args)
            try:
                ok, failed = clients.connected()
                time.sleep(2)
                peak = server.rss_kb()
                clients.close()
            finally:
                clients.kill()
            deadline = time.monotonic() + 30
            while (stats := server.ask("stats"))["sessions"] and time.monotonic() < deadline:
                time.sleep(0.5)
            server.ask("gc")
            stats = server.ask("stats")
            trim = server.ask("trim") if args.trim else {}
            row = {"round": number, "connected": ok, "failed": failed, "peak_kb": peak, **stats, **trim}
            results.append(row)
            say(f"  round {number:2}: {time.strftime('%H:%M:%S')} {ok} joined ({failed} failed), peak RSS {peak / 1024:.1f} MB; all left: "
                f"sessions {stats['sessions']}, RSS {stats['rss_kb'] / 1024:.1f} MB, objects {stats['objects']}"
                + (f", traced {stats['traced_kb'] / 1024:.1f} MB" if "traced_kb" in stats else "")
                + (f", after malloc_trim {trim['rss_after_kb'] / 1024:.1f} MB" if trim else "")
                + f", load {os.getloadavg()[0]:.2f}")
        if args.tracemalloc:
            say("  Python allocations since the start, the largest differences:")
            for line in server.ask("diff").get("top", []):
                say("    " + line)
    finally:
        server.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("run", "search", "rounds", "broadcast"), default="run")
    parser.add_argument("--scenario", choices=("A", "B", "C"), default="A")
    parser.add_argument("--sessions", default="200", help="sessions (comma-separated for several runs)")
    parser.add_argument("--duration", type=float, default=10, help="seconds measured")
    parser.add_argument("--settle", type=float, default=2, help="seconds between connecting and measuring")
    parser.add_argument("--grace", type=float, default=1, help="seconds after the window for late updates")
    parser.add_argument("--sides", default="floor,domsync", help="floor, domsync, domsync:old-deflate, "
                        "domsync:old-broadcast, comma-separated (run alternately)")
    parser.add_argument("--client-procs", type=int, default=3, help="client processes")
    parser.add_argument("--connect-concurrency", type=int, default=20, help="connections opened at once, "
                        "per client process")
    parser.add_argument("--lite", action="store_true", help="raw websockets clients for domsync too")
    parser.add_argument("--url", help="the domsync side's clients go to this running server (or proxy)")
    parser.add_argument("--server-pid", type=int, action="append", help="its processes (CPU, RSS)")
    parser.add_argument("--no-compression", action="store_true", help="the floor without permessage-deflate")
    parser.add_argument("--old-deflate", action="store_true", help="the domsync server with the websockets "
                        "library's permessage-deflate defaults (before: context takeover, every message)")
    parser.add_argument("--start", type=int, default=250, help="search: the first N")
    parser.add_argument("--max-sessions", type=int, default=8000, help="search: the largest N tried")
    parser.add_argument("--resolution", type=int, default=50, help="search: stop bisecting within this")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--trim", action="store_true", help="rounds: malloc_trim(0) after each")
    parser.add_argument("--tracemalloc", action="store_true", help="the server traces Python allocations")
    parser.add_argument("--profile", action="store_true", help="the server runs under cProfile (to stderr)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each side, alternated")
    parser.add_argument("--json", action="store_true", help="results as JSON on stdout")
    # internal
    parser.add_argument("--serve", choices=("domsync", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--client", choices=("domsync", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--old-broadcast", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.serve:
        server_process(args)
        return 0
    if args.client:
        args.sessions = int(args.sessions)
        asyncio.run(client_process(args))
        return 0

    out = sys.stderr if args.json else sys.stdout

    def say(msg=""):
        print(msg, file=out, flush=True)

    log = say
    results: list = []
    sides = [side.strip() for side in args.sides.split(",") if side.strip()]  # e.g. domsync:old-deflate
    say(f"load.py --mode {args.mode}: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    if args.mode == "run":
        for n in [int(x) for x in args.sessions.split(",")]:
            for _ in range(args.repeat):
                for side in sides:
                    result = one_run(side, args.scenario, n, args, log)
                    results.append(result)
                    show(result, say)
    elif args.mode == "broadcast":
        # Scenario B, with the broadcast path before encode-once run alongside.
        for n in [int(x) for x in args.sessions.split(",")]:
            for _ in range(args.repeat):
                for side in ("floor", "domsync:old-broadcast", "domsync"):
                    if side.split(":")[0] in sides:
                        result = one_run(side, "B", n, args, log)
                        results.append(result)
                        show(result, say)
    elif args.mode == "search":
        found = {}
        for side in sides:
            found[side] = search(side, args, log, say, results)
            say(f"  {side}: largest N passing (>= 99% delivered, p99 <= 50 ms): {found[side]}")
        if found.get("floor"):
            say(f"  domsync / floor: {found.get('domsync', 0) / found['floor']:.2f}x")
        results.append({"search": found})
    elif args.mode == "rounds":
        for side in sides:
            say(f"  {side}:")
            rounds(side, args, log, say, results)
    if args.json:
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
