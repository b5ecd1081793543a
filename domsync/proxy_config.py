"""Proxy configurations for several domsync workers: nginx and HAProxy, sticky by
worker id. Plain text from plain data; ``python -m domsync serve --proxy-config``
prints them, ``examples/deploy/`` ships them for four workers, and the tests run the
same text in real nginx and HAProxy.

A page's first requests (the page, the client script, a first websocket) name no
worker and may go to any; once a session has started, its welcome names the worker
that holds it, and the page puts ``worker=<id>`` in the query of its later websocket
and download URLs. The proxy routes on that parameter.

Why not ``hash $arg_worker consistent`` (nginx) or ``balance url_param worker``
(HAProxy)? A hash sends every request with the same id to the same upstream, but not
to the worker whose id it is: the session made on worker ``w1`` has its reconnects
hashed to whichever upstream ``"w1"`` hashes to. So both recipes name each worker
explicitly: nginx maps the id to an upstream of its own, which lists that worker
first and the others as ``backup`` (a worker that is gone sends its browsers to
another, where they get a fresh session); HAProxy uses ``use-server`` for the id,
which it ignores for a server that is down. Requests that name no worker go to the
worker with the fewest connections: each session holds one websocket open, so that
spreads the sessions, where round robin can send every page's websocket (its third
request, after the page and the script) to the same worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from .protocol import WORKER_PARAMETER
from .resume import worker_id_from

__all__ = ["Worker", "nginx_config", "haproxy_config", "PROXY_KINDS", "proxy_config"]

#: Seconds an idle websocket may stay open through the proxy. domsync's page says
#: nothing while nothing happens; a proxy that cuts it sooner makes it reconnect (and
#: resume: nothing is lost, but it is wasted work).
IDLE_TIMEOUT = 3600


@dataclass(frozen=True)
class Worker:
    """One worker process as the proxy sees it.

    Attributes:
        id: its worker id (``DOMSYNC_WORKER_ID``), as its welcomes give it.
        address: where the proxy reaches it, ``host:port``.
    """

    id: str
    address: str


def nginx_config(workers: Sequence[Worker], listen: str = "8000", server_name: str = "_") -> str:
    """An nginx configuration for the ``http`` block (a file in ``conf.d/``): a
    server on ``listen`` that sends ``worker=<id>`` requests to that worker (or, if it
    is down, to another) and any other request to the worker with the fewest connections."""
    _check(workers)
    lines = [
        "# domsync behind nginx: sticky by worker id (python -m domsync serve --proxy-config nginx).",
        "# A request whose query names a worker goes to that worker, which holds the session;",
        "# if it is down, to another (a fresh session). Any other request goes to any worker.",
        "",
        "map $http_upgrade $domsync_connection {",
        "    default upgrade;",
        "    ''      close;",
        "}",
        "",
        f"map $arg_{WORKER_PARAMETER} $domsync_upstream {{",
        "    default domsync_any;",
        *(f"    {worker.id} domsync_{worker.id};" for worker in workers),
        "}",
        "",
        "# Least connections: a websocket is a long connection, so new sessions go to the",
        "# worker with the fewest (round robin would send every page's websocket, its third",
        "# request after the page and the script, to the same worker).",
        "upstream domsync_any {",
        "    least_conn;",
        *(f"    server {worker.address};" for worker in workers),
        "}",
    ]
    for worker in workers:
        lines += ["", f"upstream domsync_{worker.id} {{", f"    server {worker.address};"]
        lines += [f"    server {other.address} backup;" for other in workers if other is not worker]
        lines.append("}")
    lines += [
        "",
        "server {",
        f"    listen {listen};",
        f"    server_name {server_name};",
        "",
        "    location / {",
        "        proxy_pass http://$domsync_upstream;",
        "        proxy_http_version 1.1;",
        "        proxy_set_header Upgrade $http_upgrade;",
        "        proxy_set_header Connection $domsync_connection;",
        "        # The workers check Host (and the websocket's Origin against it).",
        "        proxy_set_header Host $http_host;",
        "        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "        proxy_set_header X-Forwarded-Proto $scheme;",
        "        # Idle websockets stay open; large downloads stream as they come.",
        f"        proxy_read_timeout {IDLE_TIMEOUT}s;",
        f"        proxy_send_timeout {IDLE_TIMEOUT}s;",
        "        proxy_buffering off;",
        "        # A worker that refuses or fails to connect: the next (its backups).",
        "        proxy_next_upstream error timeout;",
        "        proxy_connect_timeout 2s;",
        "    }",
        "}",
    ]
    return "\n".join(lines) + "\n"


def haproxy_config(workers: Sequence[Worker], bind: str = "*:8000") -> str:
    """A whole HAProxy configuration: a frontend on ``bind`` whose backend sends
    ``worker=<id>`` requests to that worker while it is up, and the others to the
    worker with the fewest connections."""
    _check(workers)
    lines = [
        "# domsync behind HAProxy: sticky by worker id (python -m domsync serve --proxy-config haproxy).",
        "# A request whose query names a worker goes to that worker, which holds the session,",
        "# while its health check passes; any other request (and one whose worker is down) goes",
        "# to the worker with the fewest connections.",
        "",
        "defaults",
        "    mode http",
        "    option http-server-close",
        "    timeout connect 2s",
        "    timeout http-request 10s",
        "    timeout client 60s",
        "    timeout server 60s",
        "    # Idle websockets stay open (after the upgrade, this timeout applies).",
        f"    timeout tunnel {IDLE_TIMEOUT}s",
        "    # A worker that refuses the connection: retry on another.",
        "    retries 2",
        "    option redispatch 1",
        "",
        "frontend domsync",
        f"    bind {bind}",
        "    option forwardfor",
        "    default_backend domsync_workers",
        "",
        "backend domsync_workers",
        "    # Least connections: websockets are long, and this spreads the sessions.",
        "    balance leastconn",
        *(f"    use-server {worker.id} if {{ urlp({WORKER_PARAMETER}) -m str {worker.id} }}" for worker in workers),
        *(f"    server {worker.id} {worker.address} check inter 1s fall 2 rise 1" for worker in workers),
    ]
    return "\n".join(lines) + "\n"


#: The kinds of :func:`proxy_config`.
PROXY_KINDS = ("nginx", "haproxy")


def proxy_config(kind: str, workers: Sequence[Worker], listen: str = "8000") -> str:
    """:func:`nginx_config` or :func:`haproxy_config` (``kind``), listening on
    ``listen`` (a port, or ``address:port``)."""
    if kind == "nginx":
        return nginx_config(workers, listen)
    if kind == "haproxy":
        return haproxy_config(workers, listen if ":" in listen else f"*:{listen}")
    raise ValueError(f"the proxy is one of {', '.join(PROXY_KINDS)}, not {kind!r}")


def _check(workers: Sequence[Worker]) -> None:
    if not workers:
        raise ValueError("a proxy configuration needs at least one worker")
    for worker in workers:
        worker_id_from(worker.id)  # it goes into the configuration unquoted
    if len({worker.id for worker in workers}) != len(workers):
        raise ValueError("the workers' ids must differ")
