"""``python -m domsync serve``: one app, in one process or in several worker processes.

``serve module:attr`` imports ``attr`` from ``module`` (found from the current folder),
which is either a connection handler, ``async def handler(server, client)``, served by
a :class:`~domsync.DomsyncServer` made here, or a function of no arguments that returns
a configured :class:`~domsync.DomsyncServer` (for apps that set things up when they
start, a shared document say), or such a server itself.

With ``--workers N`` (N > 1) this process is a supervisor: it starts N workers, each
``python -m domsync serve`` on its own port (``--port``, ``--port`` + 1, ...) with its
worker id (``w1``, ``w2``, ...) in ``DOMSYNC_WORKER_ID``, waits until each listens,
says where, and prints or writes the proxy configuration for them
(:mod:`domsync.proxy_config`). A worker that exits is said so, with what it means for
its browsers; it is started again only with ``--restart``. Ctrl-C (or SIGTERM) stops
them all. See :doc:`/howto/scale`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import logging
import os
import select
import signal
import subprocess
import sys
import time
from typing import Any, Sequence

from .exceptions import ListenError, UsageError
from .proxy_config import PROXY_KINDS, Worker, proxy_config
from .resume import WORKER_ID_VARIABLE
from .server_core import BACKPLANE_VARIABLE

__all__ = ["serve_main", "proxy_config_main", "load_server", "BACKPLANE_VARIABLE"]

#: How a worker tells its supervisor that it listens: a pipe's file descriptor, to which
#: it writes one byte. (A port that accepts connections might be another program's.)
READY_FD_VARIABLE = "_DOMSYNC_READY_FD"
#: Seconds a worker has to start listening.
START_TIMEOUT = 30
#: Seconds workers have to stop after Ctrl-C before they are killed.
STOP_TIMEOUT = 10

PROG = "python -m domsync serve"


def parser() -> argparse.ArgumentParser:
    """The ``serve`` command's arguments."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Serve a domsync app: one process, or several worker processes behind a proxy that sends "
                    "each browser back to the worker holding its session.",
    )
    parser.add_argument("target", metavar="module:attr",
                        help="a connection handler, async def handler(server, client); or a function of no "
                             "arguments that returns a configured DomsyncServer (or such a server)")
    parser.add_argument("--workers", type=int, default=1,
                        help="how many worker processes (default 1: this process serves)")
    parser.add_argument("--host", default="localhost",
                        help="the interface the workers listen on (default: localhost)")
    parser.add_argument("--port", type=int, default=8888,
                        help="the port of the first worker; the others take the next ones (default: 8888)")
    parser.add_argument("--backplane", metavar="URL",
                        help="the Redis backplane, redis://host:port/db, for broadcasts and shared documents "
                             "across workers")
    parser.add_argument("--allowed-host", action="append", metavar="NAME", dest="allowed_hosts",
                        help="a host name the browsers use to reach the app (the proxy's), repeatable; by "
                             "default workers on a loopback interface answer to localhost only")
    parser.add_argument("--proxy-config", choices=PROXY_KINDS,
                        help="print the proxy configuration for the workers (or write it: --proxy-config-file)")
    parser.add_argument("--proxy-config-file", metavar="FILE", help="write the proxy configuration there")
    parser.add_argument("--proxy-port", default="8000",
                        help="the port (or address:port) the proxy configuration listens on (default: 8000)")
    parser.add_argument("--restart", action="store_true",
                        help="start a worker that exits again (its sessions are lost all the same)")
    return parser


def serve_main(argv: Sequence[str]) -> int:
    """Run ``python -m domsync serve`` with ``argv`` (after ``serve``); the exit status."""
    options = parser().parse_args(argv)
    if options.workers < 1:
        parser().error(f"--workers must be 1 or more, not {options.workers}")
    if not 0 <= options.port <= 65535 - (options.workers - 1) or (options.workers > 1 and options.port == 0):
        parser().error(f"--port must leave room for {options.workers} ports below 65536 (and not be 0 with "
                       f"several workers: the proxy needs to know them), not {options.port}")
    if options.proxy_config_file and not options.proxy_config:
        parser().error("--proxy-config-file needs --proxy-config nginx or haproxy")
    if options.workers > 1:
        if os.name != "posix":
            print(f"{PROG}: --workers needs Linux or macOS (pipes and process groups); here, start one "
                  f"'{PROG} {options.target}' per port, each with its own {WORKER_ID_VARIABLE}", file=sys.stderr)
            return 2
        return Supervisor(options, argv).run()
    try:
        server = load_server(options.target, options.host, options.port, options.backplane, options.allowed_hosts)
    except UsageError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    if options.proxy_config:
        ids = server.worker_id or "w1"
        _emit(options, [Worker(ids, f"{_reach(options.host)}:{options.port}")])
    ready = os.environ.pop(READY_FD_VARIABLE, None)
    try:
        _run_worker(server, int(ready) if ready else None)
    except ListenError as exc:
        print(f"{PROG}: cannot listen on {exc.address}: {exc.reason}; choose another with --port or --host",
              file=sys.stderr)
        return 1
    return 0


def proxy_config_main(argv: Sequence[str]) -> int:
    """Run ``python -m domsync proxy-config`` with ``argv``: print the proxy
    configuration for workers started otherwise (one uvicorn per port, say)."""
    parser = argparse.ArgumentParser(
        prog="python -m domsync proxy-config",
        description="Print the nginx or HAProxy configuration for domsync workers w1, w2, ... listening on "
                    "consecutive ports (as python -m domsync serve --workers N starts them; or started otherwise, "
                    "each with its DOMSYNC_WORKER_ID).",
    )
    parser.add_argument("kind", choices=PROXY_KINDS)
    parser.add_argument("--workers", type=int, required=True, help="how many workers")
    parser.add_argument("--host", default="127.0.0.1", help="where the proxy reaches them (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, required=True, help="the first worker's port")
    parser.add_argument("--proxy-port", default="8000", help="the port (or address:port) the proxy listens on")
    options = parser.parse_args(argv)
    if options.workers < 1 or not 1 <= options.port <= 65536 - options.workers:
        parser.error("--workers must be 1 or more, and their ports from --port on below 65536")
    workers = [Worker(f"w{index + 1}", f"{_reach(options.host)}:{options.port + index}")
               for index in range(options.workers)]
    print(proxy_config(options.kind, workers, options.proxy_port), end="")
    return 0


def _run_worker(server: Any, ready: int | None) -> None:
    """``server.run()``, telling the supervisor (through the ``ready`` file descriptor)
    once it listens."""

    async def run() -> None:
        await server.serve()
        if ready is not None:
            os.write(ready, b"1")
            os.close(ready)
        await server._run_until_stopped()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
    logging.getLogger("domsync.server").info("domsync stopped")


def load_server(target: str, host: str, port: int, backplane: str | None = None,
                allowed_hosts: Sequence[str] | None = None) -> Any:
    """The :class:`~domsync.DomsyncServer` that ``module:attr`` names, listening on
    ``host`` and ``port``.

    Raises:
        UsageError: if ``target`` does not name a handler, a server factory or a server.
    """
    from .domsync_server import DomsyncServer

    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise UsageError(f"name the app as module:attr, e.g. app:handler, not {target!r}")
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())  # the app's module is found from the current folder, as with -m
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name.split(".")[0] and exc.name != module_name:
            raise  # the app's own import failed: its traceback says why
        raise UsageError(f"no module {module_name!r} here ({os.getcwd()}): run from the app's folder, or "
                         f"set PYTHONPATH") from None
    try:
        value = getattr(module, attr)
    except AttributeError:
        raise UsageError(f"module {module_name!r} has no {attr!r}") from None
    if backplane is not None:
        os.environ[BACKPLANE_VARIABLE] = backplane  # for a factory to pass on
    if isinstance(value, DomsyncServer):
        server = value
    elif callable(value) and _required_positional(value) == 2:
        options: dict[str, Any] = {"allowed_hosts": allowed_hosts}
        if backplane is not None:
            if "backplane" not in inspect.signature(DomsyncServer).parameters:
                raise UsageError("--backplane: this version of domsync has no Redis backplane")
            options["backplane"] = backplane
        server = DomsyncServer(value, host, port, **options)
    elif callable(value) and _required_positional(value) == 0:
        server = value()
        if not isinstance(server, DomsyncServer):
            raise UsageError(f"{target} returned {type(server).__name__}, not a DomsyncServer: a function of no "
                             f"arguments must return a configured DomsyncServer")
    else:
        raise UsageError(f"{target} is neither a connection handler, async def handler(server, client), nor a "
                         f"function of no arguments that returns a DomsyncServer")
    if backplane is not None and getattr(server, "backplane", None) is None:
        raise UsageError(f"--backplane was given, but the server of {target} has no backplane: make it with "
                         f"DomsyncServer(..., backplane=os.environ.get({BACKPLANE_VARIABLE!r})) in a function "
                         f"of no arguments (the command sets {BACKPLANE_VARIABLE} before it calls it, and a "
                         f"server that is not given a backplane reads it)")
    # The command line says where: a factory's own host and port give way.
    server.host, server.port = host, port
    return server


def _required_positional(function: Any) -> int | None:
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return None
    return sum(1 for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
               and p.default is p.empty)


def _reach(host: str) -> str:
    """The address a proxy on this machine reaches a worker listening on ``host`` at."""
    if host in ("", "0.0.0.0", "localhost"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _emit(options: argparse.Namespace, workers: list[Worker]) -> None:
    text = proxy_config(options.proxy_config, workers, options.proxy_port)
    if options.proxy_config_file:
        with open(options.proxy_config_file, "w", encoding="utf-8") as file:
            file.write(text)
        print(f"domsync: wrote the {options.proxy_config} configuration to {options.proxy_config_file}", flush=True)
    else:
        print(text, end="", flush=True)


class Supervisor:
    """Starts the workers, watches them, and stops them all on Ctrl-C."""

    def __init__(self, options: argparse.Namespace, argv: Sequence[str]):
        self.options = options
        self.ids = [f"w{index + 1}" for index in range(options.workers)]
        self.ports = {worker_id: options.port + index for index, worker_id in enumerate(self.ids)}
        self.processes: dict[str, subprocess.Popen] = {}
        #: The read ends of the workers' ready pipes, until each says it listens.
        self.ready: dict[str, int] = {}

    def command(self, worker_id: str) -> list[str]:
        """The command line of one worker: ``serve`` again, with one worker, on its port."""
        options = self.options
        command = [sys.executable, "-m", "domsync", "serve", options.target, "--workers", "1",
                   "--host", options.host, "--port", str(self.ports[worker_id])]
        if options.backplane:
            command += ["--backplane", options.backplane]
        for name in options.allowed_hosts or ():
            command += ["--allowed-host", name]
        return command

    def start(self, worker_id: str) -> subprocess.Popen:
        """Start one worker, with its id and the write end of its ready pipe."""
        read, write = os.pipe()
        environment = dict(os.environ, **{WORKER_ID_VARIABLE: worker_id, READY_FD_VARIABLE: str(write)})
        try:
            # Its own process group: Ctrl-C reaches the supervisor, which stops each
            # worker once (a second SIGINT would interrupt a worker's own shutdown).
            process = subprocess.Popen(self.command(worker_id), env=environment, process_group=0,
                                       pass_fds=(write,), preexec_fn=_die_with_parent)
        except BaseException:
            os.close(read)
            raise
        finally:
            os.close(write)
        self.processes[worker_id] = process
        self.ready[worker_id] = read
        return process

    def run(self) -> int:
        """Start the workers, watch them until Ctrl-C or SIGTERM, stop them; the exit
        status."""
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            for worker_id in self.ids:
                self.start(worker_id)
            if not self.wait_listening(self.ids):
                return 1
            options = self.options
            print(f"domsync: {len(self.ids)} workers serve {options.target}; put them behind a proxy that sends "
                  f"worker=<id> requests to that worker (--proxy-config nginx|haproxy). Ctrl-C stops them all.",
                  flush=True)
            if options.proxy_config:
                _emit(options, [Worker(worker_id, f"{_reach(options.host)}:{self.ports[worker_id]}")
                                for worker_id in self.ids])
            return self.watch()
        except KeyboardInterrupt:
            return 0
        finally:
            self.stop()
            signal.signal(signal.SIGTERM, previous)

    def wait_listening(self, ids: list[str]) -> bool:
        """Wait until each worker accepts connections; False (said why) if one exits
        or takes too long."""
        deadline = time.monotonic() + START_TIMEOUT
        waiting = {self.ready[worker_id]: worker_id for worker_id in ids}
        try:
            while waiting:
                readable, _, _ = select.select(list(waiting), [], [], max(0.0, deadline - time.monotonic()))
                if not readable:
                    print(f"domsync: worker(s) {', '.join(waiting.values())} did not listen within "
                          f"{START_TIMEOUT} s; stopping", file=sys.stderr, flush=True)
                    return False
                for fd in readable:
                    worker_id = waiting.pop(fd)
                    process = self.processes[worker_id]
                    if not os.read(fd, 1):  # closed without a word: it exited
                        status = process.wait()
                        print(f"domsync: worker {worker_id} exited with status {status} before it served (its "
                              f"error is above); stopping the others", file=sys.stderr, flush=True)
                        return False
                    print(f"domsync: worker {worker_id} (pid {process.pid}) serves "
                          f"http://{_reach(self.options.host)}:{self.ports[worker_id]}/", flush=True)
            return True
        finally:
            for worker_id in ids:
                if worker_id in self.ready:
                    os.close(self.ready.pop(worker_id))

    def watch(self) -> int:
        """Until Ctrl-C: say so when a worker exits, and start it again with --restart.
        Returns 1 once every worker has exited."""
        while True:
            time.sleep(0.2)
            for worker_id, process in list(self.processes.items()):
                if process.poll() is None:
                    continue
                del self.processes[worker_id]
                consequence = ("its sessions are lost: its browsers reconnect through the proxy to another worker "
                               "and get a fresh session, with a notice")
                if self.options.restart:
                    print(f"domsync: worker {worker_id} (pid {process.pid}) exited with status "
                          f"{process.returncode}; {consequence}. Starting it again.", file=sys.stderr, flush=True)
                    self.start(worker_id)
                    if not self.wait_listening([worker_id]):
                        self.processes.pop(worker_id, None)
                else:
                    print(f"domsync: worker {worker_id} (pid {process.pid}, port {self.ports[worker_id]}) exited "
                          f"with status {process.returncode} and is not restarted (--restart would); "
                          f"{consequence}. {len(self.processes)} of {len(self.ids)} workers serve.",
                          file=sys.stderr, flush=True)
            if not self.processes:
                print("domsync: every worker has exited", file=sys.stderr, flush=True)
                return 1

    def stop(self) -> None:
        """Stop every worker as Ctrl-C would; kill those that take too long."""
        running = [process for process in self.processes.values() if process.poll() is None]
        for process in running:
            try:
                process.send_signal(signal.SIGINT)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in running:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"domsync: worker pid {process.pid} did not stop within {STOP_TIMEOUT} s: killed",
                      file=sys.stderr, flush=True)
                process.kill()
                process.wait()
        self.processes.clear()


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the workers as Ctrl-C does


def _die_with_parent() -> None:
    """In the worker, before it runs: on Linux, get SIGTERM if the supervisor dies
    (killed, so unable to stop its workers), rather than serve on, orphaned."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
