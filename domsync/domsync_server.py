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
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.protocol import State

from . import encode_js
from .client import client_js_source
from .document import Document
from .downloads import DOWNLOAD_PATH, Downloads
from .exceptions import ClientGoneError, InvalidNameError, UsageError, WrongTypeError
from .threadsafe import LockedDocument, run_locked
from .logs import brief
from .names import check_arguments, check_event_name
from .page import render_page

__all__ = ["DomsyncServer", "EventContext", "LIFECYCLE_EVENTS"]

logger = logging.getLogger("domsync.server")

ConnectionHandler = Callable[["DomsyncServer", ServerConnection], Awaitable[Any]]

WEBSOCKET_PATH = "/ws"
#: Seconds a connection has to complete its opening handshake.
OPEN_TIMEOUT = 10
#: Seconds a browser may take nothing the server sends it before it is cut off (by
#: broadcasts, shared documents and autoflush, which must not wait for one browser).
SEND_TIMEOUT = 10


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
            works too), run as a task for each new connection, after the
            ``connect`` handlers registered with :meth:`on`. Optional when handlers
            are registered with :meth:`on`. It builds the client's document and flushes. The
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
        max_connections: websocket connections beyond this many are refused (503).
        allowed_hosts: host names the server answers to (the ``Host`` header), which
            defends against DNS rebinding. By default, a server bound to a loopback
            address answers to ``localhost``, ``127.0.0.1`` and ``::1`` only, and one
            bound to another address answers to any name.
        error_notifications: when a handler or callback of a client raises, show that
            client an error notification (a generic one: the details go to the log).
        frame_ancestors: who may show the page in a frame (the CSP
            ``frame-ancestors`` value): ``"'self'"`` by default, so that other sites
            cannot overlay it to trick clicks; ``"*"`` allows anyone.
        download_timeout: seconds the one-time URL of a large
            :meth:`~domsync.Document.file_download` stays valid after it was sent.
        shared: one document for every browser (:attr:`document`) instead of one per
            client: each browser shows the same page, a browser that joins late gets
            the whole page and then the same updates as the others, and the changes of
            any callback reach every browser. See :doc:`/howto/repl`.
        thread_safe: make the documents :class:`~domsync.threadsafe.LockedDocument`,
            so that other threads (a REPL's, a worker's) may change them while the
            server runs; callbacks then hold the document's lock between awaits.
        autoflush: every this many seconds, send the changes nobody flushed (changes
            made from another thread, or from code that does not call :meth:`flush`).
            ``None`` (the default) sends only on :meth:`flush` and after callbacks.

    A ``client`` is the websockets ``ServerConnection`` of one browser connection: a
    stable, hashable object for as long as the connection lasts. It has
    ``remote_address`` and ``request`` (with the handshake's headers). A browser that
    reconnects is a new client with a new document.
    """

    def __init__(
        self,
        connection_handler: ConnectionHandler | None = None,
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
        max_connections: int = 1000,
        allowed_hosts: Iterable[str] | None = None,
        frame_ancestors: str = "'self'",
        error_notifications: bool = True,
        download_timeout: float = 120,
        shared: bool = False,
        thread_safe: bool = False,
        autoflush: float | None = None,
    ):
        if connection_handler is not None and not callable(connection_handler):
            raise WrongTypeError("connection_handler must be an async function (server, client)")
        if type(port) is not int or not 0 <= port <= 65535:
            raise WrongTypeError(f"port must be an int from 0 to 65535, not {port!r}")
        if autoflush is not None and not _positive(autoflush):
            raise WrongTypeError(f"autoflush must be a number of seconds above 0, or None, not {autoflush!r}")
        if not _positive(download_timeout):
            raise WrongTypeError(f"download_timeout must be a number of seconds above 0, not {download_timeout!r}")
        self._document_class = LockedDocument if thread_safe else Document
        self._shared = self._document_class(root_id) if shared else None  # also checks root_id
        if shared:
            self._shared._echo_state = True
        else:
            Document(root_id)  # checks root_id
        self.autoflush = autoflush
        self.connection_handler = connection_handler
        self.host = host
        self.port = port
        self.verbose = verbose
        self.root_id = root_id
        self.title = title
        self.head = head
        self.origins = frozenset(_normalize_origin(origin) for origin in _strings(origins, "origins"))
        self.allowed_hosts = None if allowed_hosts is None else frozenset(
            host.lower().strip("[]") for host in _strings(allowed_hosts, "allowed_hosts"))
        self.max_message_size = max_message_size
        self.max_messages_per_second = max_messages_per_second
        self.max_connections = max_connections
        self.frame_ancestors = frame_ancestors
        self.error_notifications = error_notifications
        self._clients: dict[ServerConnection, Document] = {}
        # Per client: the connection handler task and the task that runs event callbacks.
        self._tasks: dict[ServerConnection, list[asyncio.Task]] = {}
        self._server: Server | None = None
        # Lifecycle handlers registered with on(), and named-message handlers registered
        # with on_event(): per instance, in registration order.
        self._lifecycle: dict[str, list[Callable]] = {name: [] for name in LIFECYCLE_EVENTS}
        self._message_handlers: dict[str, list[Callable]] = {}
        self._closed: asyncio.Event | None = None  # made in serve(), inside the loop
        self._downloads = Downloads(download_timeout)
        # Shared mode: the clients that have the page, and the statements for one
        # client only (server.send, error notifications) that go with its next batch.
        self._receivers: set[ServerConnection] = set()
        self._private: dict[ServerConnection, list[str]] = {}
        self._autoflush_task: asyncio.Task | None = None
        self._page = render_page(root_id, title, head).encode()

    # ------------------------------------------------------------------ decorators

    def on(self, event: str) -> Callable[[Callable], Callable]:
        """Register a lifecycle handler: ``@server.on("connect")``.

        - ``connect``: ``handler(client)``, when a browser connects, before
          ``connection_handler``;
        - ``disconnect``: ``handler(client)``, once it has gone (``is_connected`` is
          already False);
        - ``error``: ``handler(client, exception, event)``, when a handler or callback
          of that client raised; ``event`` is the event message being handled, or
          ``None``;
        - ``route``: ``handler(client, page, route_vars)``, when the route in the
          browser's URL hash changed there: back or forward buttons, a link to a
          hash, a hash typed in. The document's ``page`` and ``route_vars`` are
          already updated. (Routes the app sets with ``set_page`` and
          ``set_route_vars`` do not fire it.)

        Handlers may be plain functions or coroutines. Several handlers for one event
        run in the order they were registered; one that raises is logged (and reported
        to the ``error`` handlers) and the others still run. The decorator returns the
        function unchanged. Registrations belong to this server only.

        Raises:
            InvalidNameError: for an event other than these four.
            WrongTypeError: if the handler is not callable or cannot be called with
                the event's arguments.
        """
        if event not in LIFECYCLE_EVENTS:
            raise InvalidNameError(
                f"unknown lifecycle event {event!r}; use one of {', '.join(map(repr, LIFECYCLE_EVENTS))}"
            )

        def register(handler: Callable) -> Callable:
            check_arguments(handler, LIFECYCLE_EVENTS[event], f"a {event!r} handler")
            self._lifecycle[event].append(handler)
            return handler

        return register

    def on_event(self, name: str) -> Callable[[Callable], Callable]:
        """Register a handler for the named messages page script sends with
        ``domsync.send(name, payload)``: ``@server.on_event("chat")``.

        The handler is called with an :class:`EventContext` (``event_name``,
        ``payload``, ``client``, ``document``); it may be a plain function or a
        coroutine, and the server flushes after it. Several handlers for one name run
        in registration order. A message whose name has no handler is logged and
        dropped.

        Raises:
            InvalidNameError: if ``name`` is not a valid event name.
            WrongTypeError: if the handler cannot be called with one argument.
        """
        check_event_name(name)

        def register(handler: Callable) -> Callable:
            check_arguments(handler, 1, f"the handler of message {name!r}")
            self._message_handlers.setdefault(name, []).append(handler)
            return handler

        return register

    async def send(self, client: ServerConnection, name: str, payload: Any = None) -> None:
        """Send a named message to one client's page script, after the DOM changes
        made before it: the page gets a ``domsync:<name>`` ``CustomEvent`` on
        ``document`` with ``payload`` as its ``detail``. Flushes.

        Raises:
            ClientGoneError: if the client has disconnected.
            InvalidNameError, WrongTypeError: for a bad name or a payload JSON cannot
                carry (see :meth:`Document.send_message`).
        """
        if self._shared is None:
            self.get_document(client).send_message(name, payload)
        else:  # for this client only, not for the document everyone shares
            self.get_document(client)
            self._queue_for(client, Document._message_op(name, payload))
        await self.flush(client)

    async def broadcast(self, name: str, payload: Any = None,
                        exclude: ServerConnection | Iterable[ServerConnection] | None = None) -> None:
        """:meth:`send` the same message to every connected client, except ``exclude``
        (one client or several). Clients that leave meanwhile are skipped, and one that
        takes nothing for 10 s is disconnected rather than waited for."""
        check_event_name(name)
        skip = set() if exclude is None else ({exclude} if isinstance(exclude, ServerConnection) else set(exclude))
        targets = [client for client in self.get_clients() if client not in skip]
        op = Document._message_op(name, payload)  # a bad payload raises here
        for client in targets:
            if self._shared is None:
                document = self.get_document(client)
                with document._lock:
                    document._record_action(op)
            else:
                self._queue_for(client, op)
        if self._shared is not None:
            await self._flush_shared()  # one batch for all
        else:  # concurrently, and bounded: a browser that stops reading delays no one
            await asyncio.gather(*(self._deliver_updates(client) for client in targets))

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
        if self.port == 0 and host == "localhost":
            host = self.host = "127.0.0.1"  # one socket (not IPv4 and IPv6), so one port
        self._closed = asyncio.Event()
        self._server = await serve(
            self._handle_connection,
            host,
            self.port,
            process_request=self._process_request,
            max_size=16 * self.max_message_size,
            max_queue=4,
            # A browser that does not answer the closing handshake within 2 s is cut
            # off, so close() and Ctrl-C stay quick on a busy machine.
            close_timeout=2,
            # The opening deadline is _Connection's: a download may take longer.
            open_timeout=None,
            create_connection=_Connection,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        if self.autoflush is not None:
            self._autoflush_task = asyncio.create_task(self._autoflush_loop())
        if self.verbose:
            _ensure_visible_logging()
            logger.info("domsync is serving %s - open it in a browser", self.url)

    async def close(self) -> None:
        """Stop the server: cancel handlers and callbacks, close every connection and
        stop listening."""
        server, self._server = self._server, None
        if server is None:
            return
        current = asyncio.current_task()  # close() called by a handler: not cancelled
        tasks = [task for tasks in self._tasks.values() for task in tasks if task is not current]
        if self._autoflush_task is not None:
            tasks.append(self._autoflush_task)
            self._autoflush_task = None
        for task in tasks:
            task.cancel()
        self._downloads.close()
        if tasks:
            await asyncio.wait(tasks, timeout=5)
        server.close()
        try:
            # A browser that takes nothing would hold its closing handshake up forever.
            await asyncio.wait_for(server.wait_closed(), timeout=5)
        except asyncio.TimeoutError:
            stuck = set(self._clients) | set(getattr(server, "all_connections", ()))
            logger.warning("closing: cut off %d connection(s) that did not close", len(stuck))
            for connection in stuck:
                connection.transport.abort()
            await asyncio.wait_for(server.wait_closed(), timeout=5)
        self._closed.set()

    async def serve_forever(self) -> None:
        """Serve until :meth:`close` is called or the task is cancelled (Ctrl-C in
        :meth:`run`), then close."""
        if self._server is None:
            await self.serve()
        try:
            await self._closed.wait()
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

    @property
    def document(self) -> Document:
        """The document every browser shares, with ``shared=True``.

        Raises:
            UsageError: if the server was made without ``shared=True``.
        """
        if self._shared is None:
            raise UsageError("this server gives each client its own document: use "
                             "server.get_document(client), or DomsyncServer(shared=True)")
        return self._shared

    def get_document(self, client: ServerConnection) -> Document:
        """The document of ``client`` (with ``shared=True``, the one they all share).

        Raises:
            ClientGoneError: if the client has disconnected.
        """
        try:
            return self._clients[client]
        except KeyError:
            raise ClientGoneError("this client has disconnected; check server.is_connected(client)") from None

    async def flush(self, client: ServerConnection | None = None) -> None:
        """Send ``client`` its document's updates since the last flush, as one frame.
        With ``shared=True``, or without ``client``, send every browser its updates.

        Raises:
            ClientGoneError: if ``client`` has disconnected (the updates are dropped
                with it).
        """
        if self._shared is not None:
            if client is not None:
                self.get_document(client)
            await self._flush_shared()
            return
        if client is None:
            await asyncio.gather(*(self._safe_flush(client) for client in self.get_clients()))
            return
        document = self.get_document(client)
        with document._lock:
            batch = document.render_js_updates()
            downloads = document._take_downloads()
        if not batch:
            return
        try:
            await self._send_batch(client, batch, downloads)
        except ConnectionClosed:
            raise ClientGoneError("the client disconnected while updates were sent to it") from None

    async def _send_batch(self, client: ServerConnection, batch: str, downloads: dict) -> None:
        """Send a batch; first make the one-time URLs of the large downloads in it valid."""
        if downloads:
            self._downloads.add([client], downloads)
        await client.send(batch)

    # ------------------------------------------------------------------ shared mode

    def _queue_for(self, client: ServerConnection, op: tuple) -> None:
        """Shared mode: a statement for one client only, sent with its next batch (or
        after its page, if it has none yet)."""
        if self.is_connected(client):
            self._private.setdefault(client, []).append(encode_js.encode_op(op) + ";\n")

    async def _flush_shared(self, joining: ServerConnection | None = None) -> None:
        """Send the shared document's updates to every client that has the page, and
        the whole page to ``joining`` (a new client, or one whose page failed), which
        gets the updates after that.

        Rendering and handing the batches out is one step, with no await: batches leave
        in the order they were rendered, nothing is missed or sent twice, and a caller
        cancelled meanwhile (its client left) cannot take the others' batch with it.
        """
        document = self._shared
        with document._lock:
            batch = document.render_js_updates()
            downloads = document._take_downloads()
            page = document.render_js_full() if joining is not None else ""
        texts = {client: batch for client in self._receivers if client is not joining}
        if downloads and texts:
            self._downloads.add(list(texts), downloads)
        if joining is not None and self.is_connected(joining):
            texts[joining] = page
            self._receivers.add(joining)
        for client, private in self._private.items():
            if client in texts:
                texts[client] += "".join(private)
                private.clear()
        deliveries = [asyncio.ensure_future(self._deliver(client, text)) for client, text in texts.items() if text]
        if deliveries:
            await asyncio.shield(asyncio.gather(*deliveries))

    async def _deliver(self, client: ServerConnection, text: str) -> None:
        """Send a batch to one client. One that takes nothing for 10 s is cut off, so
        that it holds up no one (it reconnects, and starts afresh)."""
        try:
            await asyncio.wait_for(client.send(text), timeout=SEND_TIMEOUT)
        except ConnectionClosed:
            pass
        except asyncio.TimeoutError:
            logger.warning("client %s took no update for %d s: disconnected it", _address(client), SEND_TIMEOUT)
            client.transport.abort()

    async def _autoflush_loop(self) -> None:
        """Send what nobody flushed: changes from other threads, or from code that does
        not call flush(). Checking is cheap, and batches what came in meanwhile."""
        while True:
            await asyncio.sleep(self.autoflush)
            try:
                if self._shared is not None:
                    if self._shared.has_updates():
                        await self._flush_shared()
                    continue
                await asyncio.gather(*(self._deliver_updates(client) for client, document
                                        in list(self._clients.items()) if document.has_updates()))
            except Exception:  # never let one bad batch stop the loop
                logger.exception("autoflush failed")

    # ------------------------------------------------------------------ HTTP

    async def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        host = _single_header(request.headers, "Host")
        if host is None or not self._host_allowed(host):
            logger.warning("refused a request for host %.100r (allow it with allowed_hosts=[...])", host)
            return _response(HTTPStatus.FORBIDDEN, b"host not allowed\n", "text/plain; charset=utf-8")
        path = request.path.split("?", 1)[0]
        if path == WEBSOCKET_PATH:
            origin = _single_header(request.headers, "Origin")
            if "Origin" in request.headers and (origin is None or not self._origin_allowed(origin, host)):
                logger.warning("refused a websocket from origin %.100r (allow it with origins=[...])", origin)
                return _response(HTTPStatus.FORBIDDEN, b"origin not allowed\n", "text/plain; charset=utf-8")
            if len(self._clients) >= self.max_connections:
                logger.warning("refused a websocket: max_connections (%d) reached", self.max_connections)
                return _response(HTTPStatus.SERVICE_UNAVAILABLE, b"too many connections\n",
                                 "text/plain; charset=utf-8")
            return None  # go on with the websocket handshake
        method = getattr(request, "method", "GET")
        if method not in ("GET", "HEAD"):
            response = _response(HTTPStatus.METHOD_NOT_ALLOWED, b"", "text/plain; charset=utf-8")
            response.headers["Allow"] = "GET, HEAD"
            return response
        if path.startswith(DOWNLOAD_PATH):
            return await self._downloads.respond(connection, path[len(DOWNLOAD_PATH):], method)
        if path in ("/", "/index.html"):
            response = _response(HTTPStatus.OK, self._page, "text/html; charset=utf-8")
            response.headers["Content-Security-Policy"] = f"frame-ancestors {self.frame_ancestors}"
            if self.frame_ancestors == "'self'":
                response.headers["X-Frame-Options"] = "SAMEORIGIN"
        elif path == "/domsync.js":
            response = _response(HTTPStatus.OK, client_js_source(), "text/javascript; charset=utf-8")
        else:
            response = _response(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8")
        if method == "HEAD":
            response = dataclasses.replace(response, body=b"")
        return response


    def _host_allowed(self, host: str) -> bool:
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        name = name.lower().strip("[]")
        allowed = self.allowed_hosts
        if allowed is None:
            if self.host not in _LOOPBACK_NAMES:
                return True  # bound to a public interface: any name may lead here
            allowed = _LOOPBACK_NAMES
        return name in allowed

    def _origin_allowed(self, origin: str, host: str) -> bool:
        origin = _normalize_origin(origin)
        if origin in self.origins:
            return True
        return origin in (_normalize_origin(f"http://{host}"), _normalize_origin(f"https://{host}"))

    # ------------------------------------------------------------------ websocket

    async def _handle_connection(self, client: ServerConnection) -> None:
        """Receive messages until the browser goes away. Callbacks run in a worker task
        of their own, in order, so that a slow callback never hides a disconnect."""
        if self._shared is None:
            document = self._document_class(self.root_id)
            route = parse_qs(urlsplit(client.request.path).query).get("route")
            if route:  # the page's route when it connected, for the connect handlers
                document.handle_route({"hash": route[0]})
        else:
            document = self._shared
        self._clients[client] = document
        logger.info("client connected from %s", _address(client))
        tasks = self._tasks[client] = []
        if self._shared is not None or self.connection_handler is not None or self._lifecycle["connect"]:
            tasks.append(asyncio.create_task(self._run_handler(client)))
        inbox: asyncio.Queue | None = None  # and its worker: made at the first message
        limit = _RateLimit(self.max_messages_per_second)
        try:
            async for message in client:
                data = self._check_message(client, message, limit)
                if data is None:
                    continue
                if inbox is None:
                    inbox = asyncio.Queue(maxsize=256)
                    tasks.append(asyncio.create_task(self._run_callbacks(client, document, inbox)))
                try:
                    inbox.put_nowait(data)
                except asyncio.QueueFull:
                    logger.warning("dropped a message from %s: its callbacks are %d messages behind",
                                   _address(client), inbox.qsize())
        except ConnectionClosed:
            pass
        finally:
            # Gone: is_connected turns False now, the tasks stop, the document is let go.
            self._clients.pop(client, None)
            self._receivers.discard(client)
            self._private.pop(client, None)
            for task in self._tasks.pop(client, ()):
                task.cancel()
            self._downloads.drop_client(client)
            logger.info("client %s disconnected", _address(client))
            for handler in self._lifecycle["disconnect"]:
                await self._call_safely(client, "disconnect handler", None, handler, client)
            if self._shared is not None and self._lifecycle["disconnect"] and self._server is not None:
                await self._flush_shared()  # what the handlers changed, for those still here

    async def _run_handler(self, client: ServerConnection) -> None:
        """The connect handlers, then connection_handler, then a flush. In shared mode
        the browser first gets the page as it is."""
        if self._shared is not None:
            await self._flush_shared(joining=client)
        for handler in self._lifecycle["connect"]:
            if not await self._call_safely(client, "connect handler", None, handler, client):
                return
        if self.connection_handler is not None:
            if not await self._call_safely(client, "connection handler", None,
                                           self.connection_handler, self, client):
                return
        await self._safe_flush(client)

    async def _call_safely(self, client: ServerConnection, what: str, event: dict | None,
                           function: Callable, *args: Any) -> bool:
        """Call (and await) application code; log what it raises, with the traceback,
        and tell the error handlers. Returns False if the client is gone."""
        try:
            await self._invoke(client, function, *args)
        except ClientGoneError as exc:
            if not self.is_connected(client):
                logger.debug("%s stopped: client %s is gone", what, _address(client))
                return False
            # Another client went away (say, a handler sent to it): an ordinary error.
            logger.exception("%s failed for client %s", what, _address(client))
            await self._report_error(client, exc, event)
        except asyncio.CancelledError as exc:
            if _being_cancelled():
                raise
            logger.error("%s of client %s was cancelled from elsewhere", what, _address(client))
            await self._report_error(client, exc, event)
        except Exception as exc:
            logger.exception("%s failed for client %s", what, _address(client))
            await self._report_error(client, exc, event)
        return True

    async def _invoke(self, client: ServerConnection, function: Callable, *args: Any) -> None:
        """Call application code, and await it if it is a coroutine, holding the
        document's lock while it runs (between its awaits): one step for other threads
        (see threadsafe.py)."""
        document = self._clients.get(client, self._shared)  # the shared one outlives clients
        lock = document._lock if document is not None else _NO_LOCK
        with lock:
            result = function(*args)
        if inspect.isawaitable(result):
            await (result if lock is _NO_LOCK else run_locked(result, lock))

    async def _report_error(self, client: ServerConnection, exc: BaseException, event: dict | None) -> None:
        if self.error_notifications and self.is_connected(client):
            what = f"the {event.get('event') or event.get('name') or event.get('type')} event" if event else "this page"
            title, message = "Something went wrong", f"The server failed while handling {what}; it was logged."
            if self._shared is None:
                self._clients[client].add_notification("error", title, message)
            else:  # for this client only
                self._queue_for(client, Document._notification_op("error", title, message))
        for handler in self._lifecycle["error"]:
            try:
                await self._invoke(client, handler, client, exc, event)
            except asyncio.CancelledError:
                if _being_cancelled():
                    raise
            except Exception:
                logger.exception("error handler failed for client %s", _address(client))

    async def _run_callbacks(self, client: ServerConnection, document: Document, inbox: asyncio.Queue) -> None:
        resyncs = 0
        while True:
            data = await inbox.get()
            kind = data.get("type")
            if kind == "error":
                if await self._on_client_error(client, document, data, resyncs):
                    resyncs += 1
                continue
            if kind == "sync":
                document.handle_sync(data)
                if self._shared is not None:
                    await self._flush_shared()  # the other browsers see the edit
                continue
            if kind == "route":
                if not await self._on_route(client, document, data):
                    return
                await self._safe_flush(client)
                continue
            if kind == "message":
                if not await self._on_named_message(client, document, data):
                    return
                await self._safe_flush(client)
                continue
            what = f"event callback for {brief(data.get('event'))}"
            if not await self._call_safely(client, what, data, document.handle_event, data):
                return
            await self._safe_flush(client)

    async def _on_named_message(self, client: ServerConnection, document: Document, data: dict) -> bool:
        """Run the on_event handlers of a named message. False if the client is gone."""
        name = data.get("name")
        handlers = self._message_handlers.get(name) if type(name) is str else None
        if not handlers:
            logger.warning("dropped a message from %s named %s: no @server.on_event handler for it",
                           _address(client), brief(name))
            return True
        context = EventContext(name, data.get("payload"), client, document)
        for handler in handlers:
            if not await self._call_safely(client, f"handler of message {brief(name)}", data, handler, context):
                return False
        return True

    async def _on_route(self, client: ServerConnection, document: Document, data: dict) -> bool:
        """Take the browser's new route; if it changed, run the route handlers. False
        if the client is gone."""
        hash_ = data.get("hash")
        if not isinstance(hash_, str) or not hash_.isascii():
            logger.warning("dropped a route message from %s: the hash must be an ASCII string, not %s",
                           _address(client), brief(hash_))
            return True
        if not document.handle_route(data):
            return True
        for handler in self._lifecycle["route"]:
            if not await self._call_safely(client, "route handler", data, handler,
                                           client, document.page, dict(document.route_vars)):
                return False
        return True

    async def _on_client_error(self, client: ServerConnection, document: Document, data: dict,
                               resyncs: int) -> bool:
        """Log an error the browser reported. After a failed batch the page no longer
        matches the document: rebuild it from the model (three times at most, in case
        the failure is the page's own). Returns True if it rebuilt the page."""
        source = data.get("source")
        logger.warning("client %s reported an error in %s: %s", _address(client), brief(source),
                       brief(data.get("message"), 500))
        if source != "batch" or resyncs >= 3 or not self.is_connected(client):
            return False
        if self._shared is not None:
            # Everyone else's page is fine: give this one the page, then the updates.
            await self._flush_shared(joining=client)
            logger.info("rebuilt the page of client %s from the shared document", _address(client))
            return True
        with document._lock:
            actions = encode_js.encode(document._take_actions())  # messages and notifications still to deliver
            document.render_js_updates()  # pending changes are in the snapshot too
            page = document.render_js_full()
            downloads = document._take_downloads()
        try:
            await self._send_batch(client, page + actions, downloads)
        except ConnectionClosed:
            return False
        logger.info("rebuilt the page of client %s from its document", _address(client))
        return True

    async def _deliver_updates(self, client: ServerConnection) -> None:
        """Flush one client, cutting it off if it takes nothing for a while (autoflush:
        one stuck browser must not hold up the others)."""
        try:
            await asyncio.wait_for(self._safe_flush(client), timeout=SEND_TIMEOUT)
        except asyncio.TimeoutError:
            logger.warning("client %s took no update for %d s: disconnected it", _address(client), SEND_TIMEOUT)
            client.transport.abort()

    async def _safe_flush(self, client: ServerConnection) -> None:
        if self.is_connected(client):
            try:
                await self.flush(client)
            except ClientGoneError:
                pass

    def _check_message(self, client: ServerConnection, message: str | bytes, limit: _RateLimit) -> dict | None:
        """The message as a dict if it is a well-formed domsync message; otherwise log
        why and return None."""
        if not limit.allow():
            now = time.monotonic()
            if now - limit.reported > 1:
                logger.warning("client %s sends too many messages: dropped %d so far",
                               _address(client), limit.dropped)
                limit.reported = now
            return None
        if not isinstance(message, str):
            logger.warning("dropped a binary message of %d bytes from %s", len(message), _address(client))
            return None
        # len() counts characters; only a long message can be too many bytes.
        if len(message) > self.max_message_size and len(message.encode()) > self.max_message_size:
            logger.warning("dropped a message of %d bytes from %s (max_message_size is %d)",
                           len(message.encode()), _address(client), self.max_message_size)
            return None
        try:
            data = json.loads(message)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            logger.warning("dropped a message from %s that is not JSON: %s", _address(client), brief(message))
            return None
        if not isinstance(data, dict) or data.get("domsync") is not True:
            logger.warning("dropped a message from %s that is not a domsync message: %s",
                           _address(client), brief(message))
            return None
        return data


@dataclasses.dataclass(frozen=True)
class EventContext:
    """What an :meth:`DomsyncServer.on_event` handler gets.

    Attributes:
        event_name: the message's name.
        payload: its payload, as JSON decoded it (``None`` if it had none). It comes
            from the browser: check it before use.
        client: the client that sent it.
        document: that client's document.
    """

    event_name: str
    payload: Any
    client: ServerConnection
    document: Document


#: The lifecycle events of :meth:`DomsyncServer.on`, with how many arguments their
#: handlers get.
LIFECYCLE_EVENTS = {"connect": 1, "disconnect": 1, "error": 3, "route": 3}

_NO_LOCK = Document._lock  # the lock of a document that is not thread-safe: none


class _Connection(ServerConnection):
    """websockets' connection, with the opening handshake's deadline kept here rather
    than by ``serve(open_timeout=...)``, which would also cut off a large download
    answered from ``process_request``."""

    downloading = False  # the request was for a download: see data_received
    _tail = b""  # the last bytes fed before the request's end was seen

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.loop.call_later(OPEN_TIMEOUT, self._opening_deadline)

    def data_received(self, data: bytes) -> None:
        # After a download's request, whatever the browser sends is not websocket data
        # (websockets would take it for frames and end the connection): it is ignored.
        # So the request is fed on its own, up to its blank line, then looked at.
        if self.downloading:
            return
        if self.request is not None:
            super().data_received(data)
            return
        seen = self._tail + data
        end = seen.find(b"\r\n\r\n")
        if end == -1:
            self._tail = seen[-3:]
            super().data_received(data)
            return
        cut = end + 4 - len(self._tail)
        super().data_received(data[:cut])
        if self.request is not None and self.protocol.state is State.CONNECTING \
                and self.request.path.startswith(DOWNLOAD_PATH):
            self.downloading = True
        elif cut < len(data):
            super().data_received(data[cut:])

    def eof_received(self) -> bool | None:
        if self.downloading:
            return True  # a half-close does not end the download: keep writing
        return super().eof_received()

    def _opening_deadline(self) -> None:
        # A download may take longer than any handshake should: no deadline for it.
        if self.protocol.state is State.CONNECTING and not self.downloading:
            self.transport.abort()




def _positive(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _being_cancelled() -> bool:
    """True if the current task itself is being cancelled (not a CancelledError that a
    callback let escape from something else it awaited)."""
    cancelling = getattr(asyncio.current_task(), "cancelling", None)
    return cancelling is None or cancelling() > 0


_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _strings(values: Iterable[str] | None, what: str) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        raise WrongTypeError(f"{what} must be a list of strings, e.g. [{values!r}], not a string")
    values = list(values)
    for value in values:
        if not isinstance(value, str):
            raise WrongTypeError(f"{what} must hold strings, not {type(value).__name__}")
    return values


def _normalize_origin(origin: str) -> str:
    """``HTTPS://Example.com:443/`` -> ``https://example.com``, as browsers send it."""
    origin = origin.strip().rstrip("/").lower()
    scheme, sep, rest = origin.partition("://")
    if sep and rest.endswith(":" + _DEFAULT_PORTS.get(scheme, "-")):
        rest = rest[: rest.rfind(":")]
    return f"{scheme}{sep}{rest}"


def _single_header(headers: Headers, name: str) -> str | None:
    values = headers.get_all(name)
    return values[0] if len(values) == 1 else None


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
