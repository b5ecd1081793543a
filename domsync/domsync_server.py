"""DomsyncServer: one port serves the page, the client script and the websocket.

The server moves bytes and nothing else. Each browser connection gets its own
:class:`~domsync.Document`; ``flush`` sends the document's rendered updates as one
websocket text frame; event messages from the browser are checked and handed to
:meth:`Document.handle_event`, and the callback's changes are flushed automatically.

Built on the websockets library's asyncio API (``websockets.asyncio.server``).

Logging
-------

Everything goes to the ``domsync.server`` logger:

- INFO: the URL to open (when ``verbose``), connections and disconnections;
- WARNING: messages dropped because they were binary, too big, too many, not JSON, or
  not a domsync message; errors the browser reported while applying a batch;
- ERROR (with traceback): exceptions raised by a connection handler or an event
  callback.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import json
import logging
import time
from http import HTTPStatus
from typing import Any, Awaitable, Callable, Iterable

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from .client import client_js_source
from .document import Document
from .exceptions import ClientGoneError, WrongTypeError
from .page import render_page

__all__ = ["DomsyncServer"]

logger = logging.getLogger("domsync.server")

ConnectionHandler = Callable[["DomsyncServer", ServerConnection], Awaitable[Any]]

WEBSOCKET_PATH = "/ws"


class _RateLimit:
    """A token bucket: ``rate`` messages a second, bursts of up to ``2 * rate``."""

    __slots__ = ("rate", "tokens", "stamp", "dropped", "reported")

    def __init__(self, rate: float):
        self.rate = rate
        self.tokens = 2 * rate
        self.stamp = time.monotonic()
        self.dropped = 0
        self.reported = 0.0

    def allow(self) -> bool:
        now = time.monotonic()
        self.tokens = min(2 * self.rate, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        self.dropped += 1
        return False


class DomsyncServer:
    """Serves the page and the client, and keeps one :class:`~domsync.Document` per
    connected browser.

    Args:
        connection_handler: ``async def handler(server, client)`` (a plain function
            works too), run as a task for each new connection. It builds the client's document and flushes. The
            connection stays open for events after it returns; if the browser goes
            away first, the task is cancelled.
        host: the interface to listen on (``"localhost"``, ``"0.0.0.0"``...). With
            ``port=0``, ``"localhost"`` binds ``127.0.0.1`` only.
        port: the TCP port; ``0`` picks a free one, readable as :attr:`port` after
            :meth:`serve`.
        verbose: log the URL to open at INFO level, and if logging is not configured
            at all, print domsync's INFO messages to stderr.
        root_id: the id of the page element the documents render into.
        title: the page's title.
        head: extra markup for the page's ``<head>`` (stylesheets, fonts...).
        origins: more ``Origin`` values allowed to open a websocket, e.g.
            ``["https://example.com"]``, for pages served elsewhere that embed the
            client. The server's own page (same host and port) is always allowed;
            clients that send no ``Origin`` (not browsers) are allowed.
        max_message_size: incoming messages larger than this many bytes are logged
            and dropped. Messages over 16 times this close the connection.
        max_messages_per_second: a browser may send this many messages a second, in
            bursts of twice as many; the rest are logged and dropped.

    A ``client`` is the websockets ``ServerConnection`` of one browser connection: a
    stable, hashable object for as long as the connection lasts. It has
    ``remote_address`` and ``request`` (with the handshake's headers). A browser that
    reconnects is a new client with a new document.
    """

    def __init__(
        self,
        connection_handler: ConnectionHandler,
        host: str = "localhost",
        port: int = 8888,
        verbose: bool = True,
        root_id: str = "domsync_root_id",
        *,
        title: str = "domsync",
        head: str = "",
        origins: Iterable[str] | None = None,
        max_message_size: int = 64 * 1024,
        max_messages_per_second: float = 200,
    ):
        if connection_handler is not None and not callable(connection_handler):
            raise WrongTypeError("connection_handler must be an async function (server, client)")
        if type(port) is not int or not 0 <= port <= 65535:
            raise WrongTypeError(f"port must be an int from 0 to 65535, not {port!r}")
        Document(root_id)  # checks root_id
        self.connection_handler = connection_handler
        self.host = host
        self.port = port
        self.verbose = verbose
        self.root_id = root_id
        self.title = title
        self.head = head
        self.origins = frozenset(origins or ())
        self.max_message_size = max_message_size
        self.max_messages_per_second = max_messages_per_second
        self._clients: dict[ServerConnection, Document] = {}
        self._handler_tasks: dict[ServerConnection, asyncio.Task] = {}
        self._server: Server | None = None
        self._page = render_page(root_id, title, head).encode()

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        """The page's URL, e.g. ``http://localhost:8888/`` (the bound port after
        :meth:`serve`)."""
        host = self.host or "localhost"
        if host in ("0.0.0.0", "::"):
            host = "localhost"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/"

    async def serve(self) -> None:
        """Start listening. Returns once the server is ready; it runs in the
        background until :meth:`close`."""
        if self._server is not None:
            raise RuntimeError("this DomsyncServer is already serving")
        host = self.host
        if self.port == 0 and host in (None, "", "localhost"):
            host = self.host = "127.0.0.1"  # one socket, so one port
        self._server = await serve(
            self._handle_connection,
            host,
            self.port,
            process_request=self._process_request,
            max_size=16 * self.max_message_size,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        if self.verbose:
            _ensure_visible_logging()
            logger.info("domsync is serving %s - open it in a browser", self.url)

    async def close(self) -> None:
        """Stop the server: close every connection and stop listening."""
        server, self._server = self._server, None
        if server is None:
            return
        for task in list(self._handler_tasks.values()):
            task.cancel()
        server.close()
        await server.wait_closed()

    async def serve_forever(self) -> None:
        """Serve until cancelled (Ctrl-C in :meth:`run`), then close."""
        if self._server is None:
            await self.serve()
        try:
            await asyncio.Future()
        finally:
            await self.close()

    def run(self) -> None:
        """Serve until Ctrl-C, from a plain script: ``DomsyncServer(handler).run()``.

        Ctrl-C stops the server and returns without a traceback.
        """
        try:
            asyncio.run(self.serve_forever())
        except KeyboardInterrupt:
            logger.info("domsync stopped")

    # ------------------------------------------------------------------ clients

    def get_clients(self) -> list[ServerConnection]:
        """The connected clients."""
        return list(self._clients)

    def is_connected(self, client: ServerConnection) -> bool:
        """True while ``client`` is connected; False as soon as it is gone."""
        return client in self._clients

    def get_document(self, client: ServerConnection) -> Document:
        """The document of ``client``.

        Raises:
            ClientGoneError: if the client has disconnected.
        """
        try:
            return self._clients[client]
        except KeyError:
            raise ClientGoneError("this client has disconnected; check server.is_connected(client)") from None

    async def flush(self, client: ServerConnection) -> None:
        """Send ``client`` its document's updates since the last flush, as one frame.

        Raises:
            ClientGoneError: if the client has disconnected (the updates are dropped
                with it).
        """
        document = self.get_document(client)
        batch = document.render_js_updates()
        if not batch:
            return
        try:
            await client.send(batch)
        except ConnectionClosed:
            raise ClientGoneError("the client disconnected while updates were sent to it") from None

    # ------------------------------------------------------------------ HTTP

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        if path == WEBSOCKET_PATH:
            origin = request.headers.get("Origin")
            if origin is not None and not self._origin_allowed(origin, request.headers.get("Host")):
                logger.warning("refused a websocket from origin %.100r (allow it with origins=[...])", origin)
                return _response(HTTPStatus.FORBIDDEN, b"origin not allowed\n", "text/plain; charset=utf-8")
            return None  # go on with the websocket handshake
        if request.method not in ("GET", "HEAD"):
            return _response(HTTPStatus.METHOD_NOT_ALLOWED, b"", "text/plain; charset=utf-8")
        if path in ("/", "/index.html"):
            response = _response(HTTPStatus.OK, self._page, "text/html; charset=utf-8")
        elif path == "/domsync.js":
            response = _response(HTTPStatus.OK, client_js_source(), "text/javascript; charset=utf-8")
        else:
            response = _response(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")
        if request.method == "HEAD":
            response = dataclasses.replace(response, body=b"")
        return response

    def _origin_allowed(self, origin: str, host: str | None) -> bool:
        if origin in self.origins:
            return True
        return host is not None and origin in (f"http://{host}", f"https://{host}")

    # ------------------------------------------------------------------ websocket

    async def _handle_connection(self, client: ServerConnection) -> None:
        document = Document(self.root_id)
        self._clients[client] = document
        logger.info("client connected from %s", _address(client))
        if self.connection_handler is not None:
            self._handler_tasks[client] = asyncio.create_task(self._run_handler(client))
        limit = _RateLimit(self.max_messages_per_second)
        try:
            async for message in client:
                await self._on_message(client, document, message, limit)
        except ConnectionClosed:
            pass
        finally:
            # Gone: is_connected turns False now, and the document is let go.
            self._clients.pop(client, None)
            task = self._handler_tasks.pop(client, None)
            if task is not None and not task.done():
                task.cancel()
            logger.info("client %s disconnected", _address(client))

    async def _run_handler(self, client: ServerConnection) -> None:
        try:
            result = self.connection_handler(self, client)
            if inspect.isawaitable(result):
                await result
            if self.is_connected(client):
                await self.flush(client)
        except asyncio.CancelledError:
            raise
        except ClientGoneError:
            logger.debug("connection handler stopped: client %s is gone", _address(client))
        except Exception:
            logger.exception("connection handler failed for client %s", _address(client))
            if self.is_connected(client):
                await self._safe_flush(client)
        finally:
            if self._handler_tasks.get(client) is asyncio.current_task():
                del self._handler_tasks[client]

    async def _safe_flush(self, client: ServerConnection) -> None:
        try:
            await self.flush(client)
        except ClientGoneError:
            pass

    async def _on_message(self, client: ServerConnection, document: Document, message: str | bytes,
                          limit: _RateLimit) -> None:
        if not limit.allow():
            now = time.monotonic()
            if now - limit.reported > 1:
                logger.warning("client %s sends too many messages: dropped %d so far",
                               _address(client), limit.dropped)
                limit.reported = now
            return
        if not isinstance(message, str):
            logger.warning("dropped a binary message of %d bytes from %s", len(message), _address(client))
            return
        if len(message) > self.max_message_size and len(message.encode()) > self.max_message_size:
            logger.warning("dropped a message of %d bytes from %s (max_message_size is %d)",
                           len(message.encode()), _address(client), self.max_message_size)
            return
        try:
            data = json.loads(message)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            logger.warning("dropped a message from %s that is not JSON: %.100r", _address(client), message)
            return
        if not isinstance(data, dict) or data.get("domsync") is not True:
            logger.warning("dropped a message from %s that is not a domsync message: %.100r",
                           _address(client), message)
            return
        if data.get("type") == "error":
            logger.warning("client %s reported an error in %s: %.500s", _address(client),
                           str(data.get("source"))[:40], data.get("message"))
            return
        try:
            result = document.handle_event(data)
            if inspect.isawaitable(result):
                await result
        except Exception:
            logger.exception("event callback failed for %r from client %s", data.get("event"), _address(client))
        if self.is_connected(client):
            await self._safe_flush(client)


def _response(status: HTTPStatus, body: bytes, content_type: str) -> Response:
    headers = Headers()
    headers["Content-Type"] = content_type
    headers["Content-Length"] = str(len(body))
    headers["Cache-Control"] = "no-cache"
    headers["X-Content-Type-Options"] = "nosniff"
    return Response(status.value, status.phrase, headers, body)


def _address(client: ServerConnection) -> str:
    try:
        address = client.remote_address
    except Exception:  # pragma: no cover - a transport already torn down
        return "?"
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return str(address)


def _ensure_visible_logging() -> None:
    """With verbose=True and no logging set up at all, show domsync's INFO lines."""
    package_logger = logging.getLogger("domsync")
    if logging.getLogger().handlers or package_logger.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s", "%H:%M:%S"))
    package_logger.addHandler(handler)
    if package_logger.level == logging.NOTSET:
        package_logger.setLevel(logging.INFO)
