"""Real services for the tests: Redis, nginx, HAProxy and domsync's own worker processes,
each started as the current user on free loopback ports, with its files in a temporary
folder, and stopped by its own pid. Nothing here touches a system-wide instance.

The fixtures in conftest.py use these; a test module may too, for services of its own
(a worker it kills, say).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "examples" / "deploy"
HOST = "127.0.0.1"


class ServiceError(RuntimeError):
    """Raised when a service does not start; the message has its output."""


def free_port(count: int = 1) -> int:
    """A port from which ``count`` consecutive loopback ports are free (now)."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind((HOST, 0))
            base = probe.getsockname()[1]
        if base + count <= 65535 and all(_free(port) for port in range(base, base + count)):
            return base
    raise ServiceError(f"found no {count} free consecutive ports")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def accepts(port: int, host: str = HOST) -> bool:
    """Whether something accepts TCP connections on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def require(program: str) -> str:
    """The path of a service's program; the message says how to get it if missing."""
    path = shutil.which(program) or shutil.which(program, path="/usr/sbin:/usr/local/sbin")
    if path is None:
        raise ServiceError(f"{program} is not installed: run scripts/test, which installs it (Debian's package)")
    return path


@dataclass
class Service:
    """A running service: its process, its folder, and the port it answers on."""

    name: str
    process: subprocess.Popen
    folder: Path
    port: int
    log: Path

    def output(self) -> str:
        """What it has written so far (stdout and stderr)."""
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_ready(self, ready, timeout: float = 20) -> None:
        """Wait until ``ready()`` is true; raise with its output if it exits first."""
        deadline = time.monotonic() + timeout
        while not ready():
            if self.process.poll() is not None:
                raise ServiceError(f"{self.name} exited with {self.process.returncode}:\n{self.output()}")
            if time.monotonic() > deadline:
                self.stop()
                raise ServiceError(f"{self.name} did not start within {timeout:g} s:\n{self.output()}")
            time.sleep(0.05)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        """Stop it by its pid (``sig``, then SIGKILL after ``timeout``); its status."""
        if self.process.poll() is None:
            try:
                self.process.send_signal(sig)
                self.process.wait(timeout)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def kill(self) -> None:
        """Kill it at once (SIGKILL), as a crash would."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def spawn(name: str, command: list[str], folder: Path, port: int, **options) -> Service:
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / f"{name}.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   **options)
    return Service(name, process, folder, port, log)


# ---------------------------------------------------------------------------- Redis

def start_redis(folder: Path, port: int | None = None) -> Service:
    """redis-server on a free loopback port, in memory only (no files kept)."""
    port = port or free_port()
    service = spawn("redis", [require("redis-server"), "--port", str(port), "--bind", HOST, "--save", "",
                               "--appendonly", "no", "--dir", str(folder), "--daemonize", "no",
                               "--protected-mode", "yes"], folder, port)
    service.wait_ready(lambda: _redis_ping(port))
    return service


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


# ---------------------------------------------------------------------------- nginx

NGINX_MAIN = """\
# The test's own nginx: foreground, its files in {folder}; the shipped recipe is included.
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log notice;
# A proxied websocket holds two connections: 8192 is 4,000 browsers (bench/scale.py).
worker_rlimit_nofile 16384;
events {{ worker_connections 8192; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/domsync.conf;
}}
"""


def start_nginx(folder: Path, recipe: str, port: int) -> Service:
    """nginx in the foreground with ``recipe`` (the ``http``-block configuration that
    ``python -m domsync serve --proxy-config nginx`` prints) included as it is."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "domsync.conf").write_text(recipe)
    main = folder / "nginx.conf"
    main.write_text(NGINX_MAIN.format(folder=folder))
    nginx = require("nginx")
    check = subprocess.run([nginx, "-t", "-p", str(folder), "-c", str(main), "-e", str(folder / "error.log")],
                           capture_output=True, text=True)
    if check.returncode != 0:
        raise ServiceError(f"nginx refused the configuration:\n{check.stderr}")
    service = spawn("nginx", [nginx, "-p", str(folder), "-c", str(main), "-e", str(folder / "error.log")],
                     folder, port)
    service.wait_ready(lambda: accepts(port))
    return service


# ---------------------------------------------------------------------------- HAProxy

def start_haproxy(folder: Path, config: str, port: int) -> Service:
    """HAProxy in the foreground with ``config`` (what ``--proxy-config haproxy`` prints)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "haproxy.cfg"
    path.write_text(config)
    haproxy = require("haproxy")
    check = subprocess.run([haproxy, "-c", "-f", str(path)], capture_output=True, text=True)
    if check.returncode != 0:
        raise ServiceError(f"HAProxy refused the configuration:\n{check.stdout}{check.stderr}")
    service = spawn("haproxy", [haproxy, "-db", "-f", str(path)], folder, port)
    service.wait_ready(lambda: accepts(port))
    return service


# ---------------------------------------------------------------------------- domsync workers

_SERVES = re.compile(r"domsync: worker (\S+) \(pid (\d+)\) serves http://[^:]+:(\d+)/")


@dataclass
class Workers:
    """Worker processes started by ``python -m domsync serve --workers N``, and the
    proxy configuration it wrote for them."""

    supervisor: Service
    ports: dict[str, int] = field(default_factory=dict)
    pids: dict[str, int] = field(default_factory=dict)
    proxy_config: str = ""

    def kill(self, worker_id: str) -> None:
        """Kill one worker at once (SIGKILL), as a crash would; the supervisor stays."""
        os.kill(self.pids[worker_id], signal.SIGKILL)
        deadline = time.monotonic() + 10
        while accepts(self.ports[worker_id]) and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> int:
        """Stop them all, as Ctrl-C does (SIGINT to the supervisor); its status."""
        return self.supervisor.stop(signal.SIGINT, timeout=30)


def start_workers(folder: Path, count: int, proxy: str, proxy_port: int, target: str = "app:handler",
                  extra: tuple[str, ...] = (), timeout: float = 60, app_folder: Path = DEPLOY) -> Workers:
    """``count`` workers of ``target`` (``module:attr``, the module found in
    ``app_folder``: by default examples/deploy/app.py's handler) through the command
    line, which writes the ``proxy`` ("nginx" or "haproxy") configuration for them."""
    base = free_port(count)
    config = folder / f"{proxy}.generated"
    command = [sys.executable, "-m", "domsync", "serve", target, "--workers", str(count), "--host", HOST,
               "--port", str(base), "--proxy-config", proxy, "--proxy-config-file", str(config),
               "--proxy-port", str(proxy_port), *extra]
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    environment.pop("DOMSYNC_WORKER_ID", None)
    supervisor = spawn("workers", command, folder, base, cwd=str(app_folder), env=environment)
    workers = Workers(supervisor)

    def ready() -> bool:
        for worker_id, pid, port in _SERVES.findall(supervisor.output()):
            workers.pids[worker_id], workers.ports[worker_id] = int(pid), int(port)
        return len(workers.pids) == count and config.exists() and "wrote" in supervisor.output()

    supervisor.wait_ready(ready, timeout)
    workers.proxy_config = config.read_text()
    return workers
