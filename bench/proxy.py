"""What a sticky proxy in front of the workers costs a connection, and how long the
workers take to start.

    .venv/bin/python bench/proxy.py                  # 300 connections per path
    .venv/bin/python bench/proxy.py --rounds 100

It starts ``python -m domsync serve app:handler --workers 4`` (examples/deploy/app.py),
then nginx and HAProxy in front of it with the configurations the command writes (the
test suite's helpers, tests/services.py, run them as the current user on free loopback
ports). Then, with a websockets client in this process, in interleaved rounds:

(1) new session: open a websocket, say hello, and wait for the welcome and the first
    page (3 elements), then close. Straight to worker w1 (the baseline), and through
    each proxy, which picks the worker with the fewest connections.
(2) resume: open a websocket with ``worker=w1`` and the session's token, say hello, and
    wait for the welcome (resumed, nothing to replay), then drop the socket. Straight to
    w1, and through each proxy, which must route it to w1 (checked: the benchmark stops
    if a resume fails).

Reported: the workers' start (launch to all four listening), and p50 and p99 of each
path with its ratio to the baseline's p50.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent))

from services import free_port, start_haproxy, start_nginx, start_workers  # noqa: E402

from domsync.proxy_config import Worker, haproxy_config  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

HELLO = {"domsync": True, "type": "hello"}


async def new_session(base: str) -> str:
    async with connect(f"{base}ws?v=3&wire=json") as socket:
        await socket.send(json.dumps({**HELLO, "token": None, "batch": None}))
        welcome = json.loads(await socket.recv())
        await socket.recv()  # the page
        return welcome["token"]


async def resume(base: str, token: str) -> str:
    async with connect(f"{base}ws?v=3&wire=json&worker=w1") as socket:
        await socket.send(json.dumps({**HELLO, "token": token, "batch": None}))
        welcome = json.loads(await socket.recv())
        if not welcome["resumed"] or welcome.get("worker") != "w1":
            raise SystemExit(f"the resume through {base} was not routed to w1: {welcome}")
        await socket.recv()  # the page again (batch None: a reload's hello)
        return welcome["token"]


def summary(times: list[float], baseline: float) -> str:
    times = sorted(times)
    p50 = statistics.median(times)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return f"p50 {p50 * 1000:6.2f} ms   p99 {p99 * 1000:6.2f} ms   {p50 / baseline:5.2f}x"


async def measure(paths: dict[str, str], rounds: int) -> dict[str, dict[str, list[float]]]:
    results: dict[str, dict[str, list[float]]] = {"new session": {}, "resume": {}}
    tokens: dict[str, str] = {}
    for name, base in paths.items():
        tokens[name] = await new_session(paths["direct to w1"])  # sessions on w1, resumed via each path
        await new_session(base)  # warm
    for _ in range(rounds):
        for name, base in paths.items():
            start = time.perf_counter()
            await new_session(base)
            results["new session"].setdefault(name, []).append(time.perf_counter() - start)
            start = time.perf_counter()
            tokens[name] = await resume(base, tokens[name])
            results["resume"].setdefault(name, []).append(time.perf_counter() - start)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="domsync-bench-proxy-") as folder:
        root = Path(folder)
        nginx_port, haproxy_port = free_port(), free_port()
        start = time.perf_counter()
        workers = start_workers(root / "workers", 4, "nginx", nginx_port)
        started = time.perf_counter() - start
        # The same workers in HAProxy: what --proxy-config haproxy would have written.
        haproxy_text = haproxy_config([Worker(worker, f"127.0.0.1:{port}") for worker, port in
                                       sorted(workers.ports.items())], f"127.0.0.1:{haproxy_port}")
        services = []
        try:
            services.append(start_nginx(root / "nginx", workers.proxy_config, nginx_port))
            services.append(start_haproxy(root / "haproxy", haproxy_text, haproxy_port))
            paths = {"direct to w1": f"ws://127.0.0.1:{workers.ports['w1']}/",
                     "through nginx": f"ws://127.0.0.1:{nginx_port}/",
                     "through HAProxy": f"ws://127.0.0.1:{haproxy_port}/"}
            results = asyncio.run(measure(paths, args.rounds))
        finally:
            for service in services:
                service.stop()
            workers.stop()
    print(f"domsync workers behind a sticky proxy ({args.rounds} connections per path; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end)")
    print(f"(0) python -m domsync serve --workers 4: all four listening {started:.2f} s after launch")
    for number, (kind, paths_times) in enumerate(results.items(), 1):
        baseline = statistics.median(paths_times["direct to w1"])
        print(f"({number}) {kind}: websocket, hello, welcome, {'page' if kind == 'new session' else 'page again'}")
        for name, times in paths_times.items():
            print(f"    {name:16} {summary(times, baseline)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
