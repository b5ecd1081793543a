"""How fast a page is current again after the network comes back, and what a session
costs while it waits for its browser.

    .venv/bin/python bench/resume.py                 # 100 cycles, 200 sessions
    .venv/bin/python bench/resume.py --cycles 20 --sessions 50

(1) Resume time, in headless Chromium. A page shows a counter that the server updates
    20 times a second. Between the page and the server sits a TCP proxy (the test
    suite's ``tests/faulty_network.py``). Each cycle cuts every connection and refuses
    new ones for a random 0.2-1.5 s, then lets them through again: t0. The page is
    current when it shows the value the model had at t0 (or a later one): t1. Reported:
    p50, p99 and max of t1 - t0 over the cycles, and how many resumes replayed batches
    or needed the whole page. Most of it is the browser's retry delay: it retries
    after 100, 200, 400, then every 500 ms.

(2) Memory per session, with websockets clients that speak the resume protocol, in a
    process of their own (no browser). Each session shows a 50-element page. ``tracemalloc`` measures what the
    server holds per session while the clients are connected, then again once every
    client has gone without a goodbye (the sessions wait for them, within
    ``session_retention``), after a garbage collection.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import statistics
import sys
import tracemalloc

from common import REPO, chromium_executable, run_report

sys.path.insert(0, os.path.join(REPO, "tests"))

from faulty_network import FaultyNetwork  # noqa: E402

from domsync.domsync_server import DomsyncServer  # noqa: E402


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def measure_resume(args, log) -> dict:
    from playwright.async_api import async_playwright

    state = {"n": 0}

    async def ticker(server, client):
        doc = server.get_document(client)
        count = doc.createElement("span", id="count", innerText="0")
        doc.getRootElement().appendChild(count)
        await server.flush(client)
        while server.is_connected(client):
            await asyncio.sleep(0.05)
            state["n"] += 1
            count.innerText = str(state["n"])
            await server.flush(client)

    proxy = await FaultyNetwork.start(0)
    server = DomsyncServer(ticker, "127.0.0.1", 0, verbose=False, origins=[proxy.origin])
    await server.serve()
    proxy.target = server.port
    rng = random.Random(args.seed)
    times = []
    replays = snapshots = 0
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=chromium_executable(),
                                               args=["--no-sandbox", "--disable-gpu"])
            page = await browser.new_page()
            await page.goto(proxy.url)
            await page.wait_for_selector("#count")
            for cycle in range(args.cycles):
                # A mark on the element: still there after a replay, gone with a new page.
                await page.evaluate("() => { document.getElementById('count').__mark = 1; }")
                await proxy.outage(rng.uniform(0.2, 1.5))
                loop = asyncio.get_running_loop()
                t0, wanted = loop.time(), state["n"]
                await page.wait_for_function(
                    "n => { const el = document.getElementById('count'); return el && +el.textContent >= n; }",
                    arg=wanted, polling="raf", timeout=30_000)
                times.append(loop.time() - t0)
                same_node = await page.evaluate("document.getElementById('count').__mark === 1")
                replays += same_node
                snapshots += not same_node
                if (cycle + 1) % 10 == 0:
                    log(f"  {cycle + 1} cycles, p50 so far {statistics.median(times) * 1000:.0f} ms")
            await browser.close()
    finally:
        await proxy.close()
        await server.close()
    return {"cycles": len(times), "p50_ms": statistics.median(times) * 1000,
            "p99_ms": percentile(times, 0.99) * 1000, "max_ms": max(times) * 1000,
            "replayed": replays, "whole_page": snapshots}


# The browsers of (2): websockets clients in a process of their own, so that only the
# server's memory is traced. They connect, say hello, acknowledge the first batch, print
# "ready", and on a line from stdin drop their connections without a goodbye.
CLIENTS = r"""
import asyncio, json, sys
from websockets.asyncio.client import connect

async def main(port, count):
    sockets = []
    for _ in range(count):
        ws = await connect(f"ws://127.0.0.1:{port}/ws?v=3&route=", max_size=None)
        await ws.send(json.dumps({"domsync": True, "type": "hello", "token": None, "batch": None}))
        await ws.recv()  # the welcome
        number = int((await ws.recv()).split(" ", 1)[0])
        await ws.send(json.dumps({"domsync": True, "type": "ack", "a": number}))
        sockets.append(ws)
    print("ready", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    for ws in sockets:
        ws.transport.abort()
    print("gone", flush=True)
    await asyncio.sleep(0.5)

asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
"""


async def measure_memory(args, log) -> dict:
    async def page(server, client):
        doc = server.get_document(client)
        root = doc.getRootElement()
        for i in range(50):
            root.appendChild(doc.createElement("div", innerText=f"item {i}"))
        await server.flush(client)

    server = DomsyncServer(page, "127.0.0.1", 0, verbose=False, max_connections=args.sessions + 10)
    await server.serve()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        clients = await asyncio.create_subprocess_exec(
            sys.executable, "-c", CLIENTS, str(server.port), str(args.sessions),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
        assert (await clients.stdout.readline()).strip() == b"ready"
        await asyncio.sleep(0.3)
        gc.collect()
        connected = tracemalloc.get_traced_memory()[0]
        clients.stdin.write(b"go\n")
        await clients.stdin.drain()
        assert (await clients.stdout.readline()).strip() == b"gone"
        for _ in range(100):
            await asyncio.sleep(0.02)
            if server._online_count() == 0:
                break
        gc.collect()
        waiting = tracemalloc.get_traced_memory()[0]
        assert len(server.get_clients()) == args.sessions and server._online_count() == 0
        await clients.wait()
    finally:
        tracemalloc.stop()
        await server.close()
    return {"sessions": args.sessions, "connected_kb": (connected - before) / args.sessions / 1024,
            "waiting_kb": (waiting - before) / args.sessions / 1024}


async def run(args, log, say) -> int:
    log(f"(1) resume time over {args.cycles} cycles...")
    resume = await measure_resume(args, log)
    log(f"(2) memory of {args.sessions} sessions...")
    memory = await measure_memory(args, log)
    say("(1) network back -> page current (headless Chromium, cut + refused for 0.2-1.5 s)")
    say(f"    cycles {resume['cycles']}: p50 {resume['p50_ms']:.0f} ms, p99 {resume['p99_ms']:.0f} ms, "
        f"max {resume['max_ms']:.0f} ms  (target p99 <= 1000 ms)")
    say(f"    replayed from the log: {resume['replayed']}, needed the whole page: {resume['whole_page']}")
    say(f"(2) server memory per session ({memory['sessions']} sessions, 50-element page, tracemalloc)")
    say(f"    connected: {memory['connected_kb']:.1f} KB   waiting for its browser: "
        f"{memory['waiting_kb']:.1f} KB   ratio {memory['waiting_kb'] / memory['connected_kb']:.2f}")
    if args.json:
        print(json.dumps({"resume": resume, "memory": memory}, indent=2))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=100)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--timeout", type=float, default=900)
    return run_report(parser.parse_args(), run)


if __name__ == "__main__":
    sys.exit(main())
