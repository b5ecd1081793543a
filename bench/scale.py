"""Scenario A (load.py's ticker) on several worker processes behind nginx with the Redis
backplane, against one process, in one run (issue 16, item 7).

The workers are load.py's own domsync server (``load.py --serve domsync``), each with
its worker id and the backplane from the environment (``DOMSYNC_WORKER_ID``,
``DOMSYNC_BACKPLANE``), behind nginx with the configuration
:func:`domsync.proxy_config.proxy_config` writes (the one ``python -m domsync serve
--proxy-config nginx`` writes); Debian's redis-server and nginx, on free loopback ports
(tests/services.py). The clients are load.py's, through nginx, as a browser's page
comes: a first connection that names no worker goes to the worker with the fewest
connections.

For each side it searches the largest number of sessions at 10 Hz that still gets
>= 99% of the updates with p99 <= 50 ms (load.py's bar), and reports the server CPU per
update of each side, from which it projects, labelled as a projection, how many
sessions a machine with more cores would hold.

    .venv/bin/python bench/scale.py                    # search, 4 workers
    .venv/bin/python bench/scale.py --sessions 500,1000,2000 --workers 4
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent))

import load  # noqa: E402
from services import free_port, start_nginx, start_redis  # noqa: E402

from domsync.proxy_config import Worker, proxy_config  # noqa: E402


class Cluster(load.ServerProcess):
    """Workers of load.py's domsync server behind nginx, with Redis."""

    def __init__(self, count: int):
        self.folder = Path(tempfile.mkdtemp(prefix="domsync-scale-"))
        self.redis = start_redis(self.folder / "redis")
        url = f"redis://127.0.0.1:{self.redis.port}/0"
        self.workers: list[subprocess.Popen] = []
        ports = []
        for number in range(1, count + 1):
            environment = dict(os.environ, DOMSYNC_BACKPLANE=url, DOMSYNC_WORKER_ID=f"w{number}")
            proc = subprocess.Popen([sys.executable, str(HERE / "load.py"), "--serve", "domsync", "--scenario", "A",
                                     "--mode", "run"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                    env=environment)
            line = proc.stdout.readline()  # type: ignore[union-attr]
            if not line.startswith("READY"):
                raise RuntimeError(f"worker w{number} did not start: {line!r}")
            self.workers.append(proc)
            ports.append(int(line.split()[1]))
        port = free_port()
        config = proxy_config("nginx", [Worker(f"w{n + 1}", f"127.0.0.1:{p}") for n, p in enumerate(ports)],
                              str(port))
        self.nginx = start_nginx(self.folder / "nginx", config, port)
        super().__init__(f"http://127.0.0.1:{port}/", [proc.pid for proc in self.workers])

    def ask(self, command: str) -> dict:
        """Every worker's answer, merged: counts added, maxima the largest."""
        merged: dict = {}
        for proc in self.workers:
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(command + "\n")
            proc.stdin.flush()
            answer = load.json.loads(proc.stdout.readline())
            for key, value in answer.items():
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    merged.setdefault(key, value)
                elif "max" in key:
                    merged[key] = max(merged.get(key, value), value)
                else:
                    merged[key] = merged.get(key, 0) + value
        return merged

    def stop(self) -> None:
        for proc in self.workers:
            try:
                proc.stdin.close()  # type: ignore[union-attr]
                proc.wait(timeout=10)
            except (subprocess.TimeoutExpired, OSError):
                proc.kill()
                proc.wait()
        self.nginx.stop()
        self.redis.kill()


_start_one = load.start_servers


def start_servers(side: str, scenario: str, args) -> load.ServerProcess:
    """``domsync:workersN``: N workers behind nginx with Redis; anything else as load.py."""
    flags = side.split(":")[1:]
    workers = [flag for flag in flags if flag.startswith("workers")]
    if workers:
        return Cluster(int(workers[0][len("workers"):]))
    return _start_one(side, scenario, args)


load.start_servers = start_servers  # one_run and search start their servers through it


_run_one = load.one_run
RESULTS: list[dict] = []


def one_run(side: str, scenario: str, sessions: int, args, log) -> dict:
    result = _run_one(side, scenario, sessions, args, log)
    RESULTS.append(result)
    return result


load.one_run = one_run


def main() -> int:
    parser = load.argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--sessions", help="fixed runs (comma-separated) instead of a search")
    options, rest = parser.parse_known_args()
    sides = ["domsync", f"domsync:workers{options.workers}"]
    print(f"domsync scale benchmark ({time.strftime('%Y-%m-%d %H:%M:%S')}): scenario A (10 Hz ticker), one "
          f"process vs {options.workers} workers behind nginx with Redis; bar: >= 99% delivered, p99 <= 50 ms",
          flush=True)
    mode = ["--mode", "run", "--sessions", options.sessions] if options.sessions else ["--mode", "search"]
    load.main([*mode, "--scenario", "A", "--sides", ",".join(sides), "--start", "500", *rest])
    print()
    best: dict[str, int] = {}
    for side in sides:
        passing = [r for r in RESULTS if r["side"] == side and load.passes(r)]
        best[side] = max((r["connected"] for r in passing), default=0)
        costs = [r["server_cpu_us_per_update"] for r in passing if r.get("server_cpu_us_per_update")]
        cost = min(costs) if costs else None
        print(f"{side:22} largest N that passes: {best[side]:6}   server CPU per update: "
              f"{'-' if cost is None else f'{cost:.1f} us'} (all its processes)")
    one, many = best[sides[0]], best[sides[1]]
    if one:
        print(f"{options.workers} workers / one process, sessions held on this machine: {many / one:.2f}x")
    costs = [r["server_cpu_us_per_update"] for r in RESULTS
             if r["side"] == sides[1] and load.passes(r) and r.get("server_cpu_us_per_update")]
    if costs:
        cost = min(costs)
        per_core = 1e6 / (cost * 10)  # 10 updates a second per session; 1e6 us of CPU a second per core
        print(f"PROJECTION (not measured): at {cost:.1f} us of server CPU per update (a worker's share of the "
              f"backplane included), one core serves about {per_core:,.0f} sessions at 10 Hz if nothing else "
              f"runs on it; a 16-core machine with 14 workers (2 cores left to nginx and Redis) about "
              f"{per_core * 14:,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
