"""domsync as an ASGI 3 application, to mount in Starlette or FastAPI, or to serve with
uvicorn: :meth:`DomsyncServer.asgi() <domsync.DomsyncServer.asgi>`.

It serves, relative to wherever it is mounted (the ASGI ``root_path``), what the
websockets transport serves on its own port: the page, the client script, the websocket
and one-time downloads, with the same Host, Origin and capacity checks. It drives the
server's own sessions, so handlers, events, binding, messages, actions, shared
documents, autoflush and resume behave the same on both transports.

No lifespan hook is needed: the first request starts what the server needs (the
autoflush loop); a lifespan ``shutdown`` (uvicorn serving this app alone) stops it, and
otherwise it stops with the event loop. No framework is imported; it runs on asyncio
ASGI servers (uvicorn, Hypercorn's asyncio worker).

Unlike domsync's own transport, an ASGI app cannot cut a TCP connection: to cut off a
browser it sends a websocket close, and the ASGI server's own keepalive notices a dead
connection (uvicorn pings every 20 s; Hypercorn only with ``websocket_ping_interval``).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections import deque
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterator, MutableMapping
from wsgiref.headers import Headers

from .client import Client, Request
from .downloads import answer_download, log_download
from .exceptions import ClientGoneError
from .protocol import DOWNLOAD_PATH, WEBSOCKET_PATH
from .web import HttpResponse

if TYPE_CHECKING:  # pragma: no cover
    from .domsync_server import DomsyncServer

__all__ = ["AsgiApp", "AsgiConnection"]

logger = logging.getLogger("domsync.server")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

# Characters queued for a websocket before writers wait in drain() (as ws_transport).
_QUEUE_HIGH, _QUEUE_LOW = 32 * 1024, 8 * 1024
#: A download whose reader takes nothing for this many seconds is cut off.
IDLE_TIMEOUT = 60
# Headers the ASGI server owns (hop-by-hop).
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding"}


class AsgiConnection:
    """A browser's websocket under ASGI, as a session sees it: ``write`` queues a
    frame at once, a task of its own hands the frames to the ASGI server's ``send`` in
    order, ``drain`` waits while too much is queued, ``abort`` closes."""

    def __init__(self, send: Send, track: Callable[[asyncio.Future], None] = lambda task: None):
        self._send = send
        self._track = track
        self._frames: deque[str] = deque()
        self._queued = 0
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        self.closed = False
        self.client: Client | None = None
        self._pump = asyncio.ensure_future(self._run())

    def write(self, frame: str) -> None:
        """Queue a text frame.

        Raises:
            ClientGoneError: if the websocket is closed.
        """
        if self.closed:
            raise ClientGoneError("the browser's connection is closed")
        self._frames.append(frame)
        self._queued += len(frame)
        if self._queued > _QUEUE_HIGH:
            self._room.clear()
        self._wake.set()

    async def drain(self) -> None:
        """Wait while more than the high mark is queued.

        Raises:
            ClientGoneError: if the websocket closes meanwhile.
        """
        if not self._room.is_set():
            await self._room.wait()
        if self.closed:
            raise ClientGoneError("the browser's connection is closed")

    def abort(self) -> None:
        """Close the websocket (ASGI has no way to cut the TCP connection itself)."""
        if self.closed:
            return
        self._gone()
        self._pump.cancel()
        self._track(asyncio.ensure_future(self._close()))

    def _gone(self) -> None:
        self.closed = True
        self._frames.clear()
        self._room.set()  # drain() raises now

    async def _close(self) -> None:
        try:
            await asyncio.wait_for(self._send({"type": "websocket.close", "code": 1011}), 2)
        except Exception:  # already closed, or the server gave up on it
            pass

    async def _run(self) -> None:
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self._frames:
                    frame = self._frames.popleft()
                    await self._send({"type": "websocket.send", "text": frame})
                    self._queued -= len(frame)
                    if self._queued <= _QUEUE_LOW:
                        self._room.set()
        except asyncio.CancelledError:
            raise
        except Exception:  # the ASGI server says the socket is gone
            self._gone()


class AsgiApp:
    """The ASGI application of a :class:`~domsync.DomsyncServer`; see
    :meth:`DomsyncServer.asgi() <domsync.DomsyncServer.asgi>`."""

    def __init__(self, server: "DomsyncServer"):
        self.server = server
        self._started = False
        self._loop: asyncio.AbstractEventLoop | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one ASGI connection: ``lifespan``, ``http`` or ``websocket``."""
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
            return
        self._start()
        path = route_path(scope)
        headers = Headers([(name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]])
        if kind == "http" and path == "" and scope.get("root_path"):
            # Mounted at /live, asked for /live: the page's relative URLs need /live/.
            query = scope.get("query_string", b"").decode("latin-1")
            location = scope["root_path"].rstrip("/") + "/" + ("?" + query if query else "")
            await respond(send, HttpResponse(HTTPStatus.TEMPORARY_REDIRECT, [("Location", location)]))
            return
        origin = headers.get_all("Origin") if "Origin" in headers else None
        refusal = self.server._site.check(path, headers.get_all("Host"), origin,
                                          sessions=self.server._online_count(),
                                          max_connections=self.server.max_connections,
                                          bound_host=arrived_on(scope))
        if kind == "websocket":
            if refusal is not None or path != "/" + WEBSOCKET_PATH:
                await receive()  # websocket.connect
                await send({"type": "websocket.close", "code": 1008})  # before accepting: a 403
                return
            await self._websocket(scope, receive, send, headers)
            return
        if kind != "http":
            return
        method = scope["method"]
        if refusal is not None:
            await respond(send, refusal, method)
        elif path.startswith("/" + DOWNLOAD_PATH):
            await self._download(receive, send, method, path[len(DOWNLOAD_PATH) + 1:])
        elif self.server.prerender and method == "GET" and self.server._site.is_page(path) \
                and self.server._site.navigates(headers):
            # Its head at once (the browser commits the navigation meanwhile), the rest once
            # the handlers' first flush is rendered.
            query = scope.get("query_string", b"").decode("latin-1")
            stream = self.server._site.page_stream(headers.get("Host"), headers.get("Accept-Encoding", ""))
            await send_head(send, stream.response)
            await send({"type": "http.response.body", "body": stream.start(), "more_body": True})
            page = None
            try:
                page = await self.server._prerender(Request(path + ("?" + query if query else ""), headers),
                                                    tuple(scope["client"]) if scope.get("client") else None)
            except Exception:  # a bug of ours: the page still goes out
                logger.exception("could not serve the page with its first render: served without")
            await send({"type": "http.response.body", "body": stream.finish(page)})
        else:
            await respond(send, self.server._site.respond(method, path, headers.get("Accept-Encoding", ""),
                                                          headers.get("If-None-Match"), headers.get("Host")), method)

    def _start(self) -> None:
        """The first request starts the server's background work (no lifespan needed),
        and so does the first in a new event loop (a second test client, say)."""
        loop = asyncio.get_running_loop()
        if not self._started or self._loop is not loop:
            self._started = True
            self._loop = loop
            self.server._asgi_serving = True
            self.server._start()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self._start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def close(self) -> None:
        """Stop: end every session (their disconnect handlers run), cancel handlers,
        callbacks and autoflush. A parent app that runs lifespans of its own can call
        this at shutdown; without it, everything stops with the event loop."""
        if not self._started:
            return
        self._started = False
        self.server._asgi_serving = False
        await self.server._stop()
        for client in self.server.get_clients():
            await self.server._end_session(client)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send, headers: Headers) -> None:
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        if self.server._online_count() >= self.server.max_connections:
            # Checked again: others may have connected while this one was on its way.
            logger.warning("refused a websocket: max_connections (%d) reached", self.server.max_connections)
            await send({"type": "websocket.close", "code": 1013})
            return
        await send({"type": "websocket.accept"})
        query = scope.get("query_string", b"").decode("latin-1")
        path = "/" + WEBSOCKET_PATH + ("?" + query if query else "")
        connection = AsgiConnection(send, self.server._track)
        client = Client(Request(path, headers), tuple(scope["client"]) if scope.get("client") else None)
        client._connection = connection
        connection.client = client
        server = self.server
        server._open(client)
        try:
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message["type"] != "websocket.receive":
                    continue
                frame = message.get("text")
                if frame is None:
                    frame = message.get("bytes") or b""
                current = connection.client
                if not connection.closed and current is not None and current._connection is connection:
                    server._receive(current, frame)
        finally:
            connection._gone()
            connection._pump.cancel()
            if connection.client is not None:
                server._lost(connection.client, connection)

    async def _download(self, receive: Receive, send: Send, method: str, token: str) -> None:
        head, chunks, download = answer_download(self.server._downloads, method, token)
        if chunks is None or download is None:
            await respond(send, head, method)
            return
        await send_head(send, head)
        size = int(head.header("Content-Length") or 0)
        # An ASGI server's send() after the browser left returns quietly: watch for the
        # disconnect, so as not to read the rest of the file for nobody.
        gone = asyncio.ensure_future(_disconnect(receive))
        try:
            sent = await stream(send, chunks, size, gone, self.server._downloads)
        finally:
            gone.cancel()
        log_download(download, sent, size)


def arrived_on(scope: Scope) -> str:
    """The address a request came in on, for the Host check: ``"localhost"`` for a
    loopback address (IPv4-mapped too), a unix socket, or none known (as strict as
    loopback: names other than the loopback ones need ``allowed_hosts``)."""
    server = scope.get("server")
    if not server or server[1] is None:
        return "localhost"
    try:
        address = ipaddress.ip_address(str(server[0]).split("%")[0])
    except ValueError:
        return "localhost"
    mapped = getattr(address, "ipv4_mapped", None)
    return "localhost" if (mapped or address).is_loopback else str(address)


def route_path(scope: Scope) -> str:
    """The request's path below where the app is mounted (``root_path``), whether the
    ASGI server left the mount in ``path`` (as Starlette's ``Mount`` and uvicorn's
    ``--root-path`` do) or not."""
    path: str = scope["path"]
    root = scope.get("root_path", "").rstrip("/")
    if root and (path == root or path.startswith(root + "/")):
        return path[len(root):]
    return path


async def send_head(send: Send, response: HttpResponse) -> None:
    """Send a response's status and headers (not those the ASGI server owns)."""
    await send({"type": "http.response.start", "status": int(response.status),
                "headers": [(name.lower().encode("latin-1"), value.encode("latin-1"))
                            for name, value in response.headers if name.lower() not in _HOP_BY_HOP]})


async def respond(send: Send, response: HttpResponse, method: str = "GET") -> None:
    """Send a whole plain response (no body for HEAD)."""
    await send_head(send, response)
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else response.body})


async def _disconnect(receive: Receive) -> None:
    """Return once the ASGI server says the HTTP client has gone."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def stream(send: Send, chunks: Iterator[bytes | memoryview], size: int,
                 gone: asyncio.Future | None = None, downloads: Any = None) -> int:
    """Send a download's body in chunks: the ASGI server's ``send`` waits while the
    browser is slow. It stops, leaving the response incomplete (the ASGI server then
    drops the connection, so the browser never takes a short file for a whole one),
    when ``gone`` is done (the browser left), when the server stops (``downloads``
    closed), when the reader takes nothing for IDLE_TIMEOUT seconds, or when the file
    ends early. Returns how many bytes went out."""
    sent = 0
    try:
        while not (gone is not None and gone.done()) and not (downloads is not None and downloads.closed):
            chunk = await asyncio.to_thread(next, chunks, None)  # may touch the disk
            if chunk is None:
                break
            async with asyncio.timeout(IDLE_TIMEOUT):
                await send({"type": "http.response.body", "body": bytes(chunk), "more_body": True})
            sent += len(chunk)
        else:
            return sent  # the browser left, or the server stops
        if sent == size:
            await send({"type": "http.response.body", "body": b""})
    except TimeoutError:
        logger.warning("cut off a download: its reader took nothing for %d s", IDLE_TIMEOUT)
    except OSError as exc:  # a disk error: the browser gets an incomplete download
        logger.error("a download failed after %d of %d bytes: %s", sent, size, exc)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return sent
