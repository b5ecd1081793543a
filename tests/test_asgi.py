"""The ASGI app's pure parts and its answers to plain ASGI calls, with no ASGI server:
paths under a mount, the address a request came in on, the Host check, redirects."""

from __future__ import annotations

import pytest

from domsync.asgi import arrived_on, route_path
from domsync.domsync_server import DomsyncServer


@pytest.mark.parametrize("path, root, expected", [
    ("/live/ws", "/live", "/ws"),
    ("/live", "/live", ""),
    ("/live/", "/live/", "/"),  # a root_path given with its trailing slash
    ("/ws", "/live", "/ws"),  # an ASGI server that strips the mount from path itself
    ("/lively/ws", "/live", "/lively/ws"),
    ("/ws", "", "/ws"),
])
def test_route_path(path, root, expected):
    assert route_path({"path": path, "root_path": root}) == expected


@pytest.mark.parametrize("server, expected", [
    (("127.0.0.1", 8000), "localhost"),
    (("::1", 8000), "localhost"),
    (("::ffff:127.0.0.1", 8000), "localhost"),  # uvicorn --host :: over IPv4 loopback
    (("/run/app.sock", None), "localhost"),  # a unix socket: as strict as loopback
    (None, "localhost"),  # not known: as strict as loopback
    (("not an address", 80), "localhost"),
    (("10.0.0.5", 8000), "10.0.0.5"),
    (("2001:db8::1", 443), "2001:db8::1"),
])
def test_the_address_a_request_came_in_on(server, expected):
    assert arrived_on({"server": server}) == expected


async def call(app, scope: dict) -> tuple[int, dict, bytes]:
    """One plain HTTP request through the ASGI app; returns status, headers, body."""
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app({"type": "http", "method": "GET", "query_string": b"", "root_path": "", **scope}, receive, send)
    headers = {name.decode(): value.decode() for name, value in sent[0]["headers"]}
    return sent[0]["status"], headers, b"".join(m.get("body", b"") for m in sent[1:])


@pytest.mark.parametrize("server, status", [
    (("127.0.0.1", 8000), 403), (("::ffff:127.0.0.1", 8000), 403), (("/run/app.sock", None), 403),
    (None, 403), (("10.0.0.5", 8000), 200),
])
async def test_a_host_that_is_not_loopback_needs_allowed_hosts_on_a_loopback_address(server, status):
    app = DomsyncServer(verbose=False).asgi()
    scope = {"path": "/", "headers": [(b"host", b"evil.example")], "server": server}
    assert (await call(app, scope))[0] == status
    allowed = DomsyncServer(verbose=False, allowed_hosts=["evil.example"]).asgi()
    assert (await call(allowed, scope))[0] == 200
    await app.close()
    await allowed.close()


async def test_the_mount_point_redirects_to_its_slash_keeping_the_query():
    app = DomsyncServer(verbose=False).asgi()
    status, headers, _ = await call(app, {"path": "/live", "root_path": "/live", "query_string": b"x=1",
                                          "headers": [(b"host", b"localhost")], "server": ("127.0.0.1", 80)})
    assert status == 307 and headers["location"] == "/live/?x=1"
    status, _, body = await call(app, {"path": "/live/", "root_path": "/live", "headers": [(b"host", b"localhost")],
                                       "server": ("127.0.0.1", 80)})
    assert status == 200 and b'<script src="domsync.' in body
    await app.close()
