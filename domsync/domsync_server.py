"""DomsyncServer: one port serves the page, the client script and the websocket.

:class:`DomsyncServer` is the websockets transport of domsync: an asyncio server whose
connections (:mod:`domsync.ws_transport`) move bytes between sockets and the sessions.
What it answers over HTTP comes from :mod:`domsync.web`; the sessions, handlers and
delivery are :class:`~domsync.server_core.ServerCore`'s.

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
import errno
import logging
import os
import signal
import socket
from typing import Iterable, Mapping

from .backplane import RedisBackplane
from .asgi import AsgiApp
from .exceptions import ListenError, UsageError, WrongTypeError
from .handlers import LIFECYCLE_EVENTS, EventContext
from .logs import show_info_until_configured
from .server_core import ConnectionHandler, ServerCore
from .web import Site
from .ws_transport import Connection

__all__ = ["DomsyncServer", "EventContext", "LIFECYCLE_EVENTS"]

logger = logging.getLogger("domsync.server")


class DomsyncServer(ServerCore):
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
        session_retention: seconds a session outlives a connection that dropped
            without a goodbye (a network failure, a sleeping laptop), waiting for the
            browser to come back and resume it: the same client, document and running
            connection handler, with nothing lost. ``0`` ends a session with its
            connection, as domsync 0.1.2 did. See :doc:`/howto/resume`.
        reload_grace: seconds a session outlives a page that unloaded (a reload, a
            closed tab, a navigation away: the browser cannot tell which), so that a
            reload resumes it and a closed tab ends it soon.
        replay_buffer: bytes of batches kept per session for a browser that has not
            acknowledged them. A browser that missed more gets the whole page instead.
        reload_resumes: ``False`` makes a reload of the served page start a new
            session (network drops still resume), for pages that should start fresh.
        strict_csp: serve the page under a strict Content-Security-Policy
            (:func:`domsync.csp.strict_policy`: no ``eval``, no inline script or style,
            Trusted Types required) with a client that never evaluates code: batches
            travel as JSON ops applied by a fixed table of functions, on this server
            and on its :meth:`asgi` app alike. What would need code in the page
            (``run_js``, a ``js_value_getter`` that is not a path such as
            ``'this.value'``) raises :class:`~domsync.CspError` when called.
            ``None`` (the default) reads the environment: ``DOMSYNC_STRICT_CSP=1``
            turns it on for every server of a deployment. See :doc:`/howto/strict_csp`.
        csp_sources: more sources for the strict policy, by the names of
            :func:`domsync.csp.strict_policy`'s arguments, e.g.
            ``{"img_src": ["https://images.example.com"]}``.
        worker_id: this process's name when several serve one app behind a proxy:
            1 to 32 letters, digits, ``-`` or ``_``, not secret. Each welcome carries
            it, and the page puts ``worker=<id>`` in the URL of its later connections
            and downloads, so that the proxy sends them back to this process, which
            holds the session. ``None`` (the default) reads the environment variable
            ``DOMSYNC_WORKER_ID``; unset, the server runs alone and nothing changes.
            See :doc:`/howto/scale`.
        backplane: a Redis URL (``"redis://localhost:6379/0"``) or a
            :class:`~domsync.backplane.RedisBackplane`, to run the app on several
            processes: :meth:`broadcast` reaches the browsers of all of them,
            :meth:`count_clients` counts them all, and a ``shared`` document is owned
            by one process and replicated by the others (:meth:`ownership`). The same
            holds on the :meth:`asgi` app. Needs ``pip install 'domsync[redis]'``.
            ``None`` (the default) reads the environment variable ``DOMSYNC_BACKPLANE``
            (which ``python -m domsync serve --backplane`` sets for its workers). See
            :doc:`/howto/backplane`.
        prerender: serve the page with its first render in it: the session starts
            when the page is asked for, the handler runs until its first flush, and
            the page arrives with the root's contents as HTML, which the browser shows
            before any script runs; the client then binds it and connects to that
            session. A big first page shows sooner. A reload then starts a new session.
            Not with ``shared=True``. See :doc:`/howto/prerender`.

    A ``client`` is a :class:`~domsync.client.Client`: domsync's handle of one browser
    session, stable and hashable for as long as the session lasts, with ``id``,
    ``remote_address`` and ``request`` (the path and headers the browser opened its
    websocket with). A browser that reconnects within ``session_retention`` (or reloads
    within ``reload_grace``) resumes its session: the same client, the same document.
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
        session_retention: float = 300,
        reload_grace: float = 5,
        replay_buffer: int = 4 * 1024 * 1024,
        reload_resumes: bool = True,
        strict_csp: bool | None = None,
        csp_sources: Mapping[str, Iterable[str]] | None = None,
        worker_id: str | None = None,
        backplane: str | RedisBackplane | None = None,
        prerender: bool = False,
    ):
        if type(port) is not int or not 0 <= port <= 65535:
            raise WrongTypeError(f"port must be an int from 0 to 65535, not {port!r}")
        super().__init__(
            connection_handler, root_id=root_id, max_message_size=max_message_size,
            max_messages_per_second=max_messages_per_second, max_connections=max_connections,
            error_notifications=error_notifications, download_timeout=download_timeout,
            shared=shared, thread_safe=thread_safe, autoflush=autoflush,
            session_retention=session_retention, reload_grace=reload_grace, replay_buffer=replay_buffer,
            strict_csp=strict_csp, worker_id=worker_id, backplane=backplane, prerender=prerender,
        )
        self.host = host
        self.port = port
        self.verbose = verbose
        self.title = title
        self.head = head
        self.frame_ancestors = frame_ancestors
        self._site = Site(root_id, title, head, origins=origins, allowed_hosts=allowed_hosts,
                          bound_host=host, frame_ancestors=frame_ancestors, reload_resumes=reload_resumes,
                          strict_csp=self.strict_csp, csp_sources=csp_sources, prerender=prerender)
        self._server: asyncio.Server | None = None
        self._connections: set[Connection] = set()
        self._closed: asyncio.Event | None = None  # made in serve(), inside the loop
        self._asgi: AsgiApp | None = None
        self._asgi_serving = False  # the ASGI app has started
        self._memory_users = 0  # domsync.testing pages open on it without a socket
        self._closing = False  # close() is under way: sessions that lose their socket end

    @property
    def origins(self) -> frozenset[str]:
        """The extra ``Origin`` values allowed to open a websocket (normalised)."""
        return self._site.origins

    @property
    def allowed_hosts(self) -> frozenset[str] | None:
        """The host names the server answers to; None for the default."""
        return self._site.allowed_hosts

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
        self._site.bound_host = self.host
        self._closed = asyncio.Event()
        loop = asyncio.get_running_loop()
        try:
            self._server = await loop.create_server(lambda: Connection(self), host or None, self.port)
        except OSError as exc:
            raise _listen_error(exc, host, self.port) from None
        self.port = self._server.sockets[0].getsockname()[1]
        self._start()
        if self.verbose:
            show_info_until_configured()
            if self.worker_id is None:
                logger.info("domsync is serving %s - open it in a browser", self.url)
            else:  # browsers come through the proxy, which routes by this id
                logger.info("domsync worker %s is serving %s (open the proxy's address)", self.worker_id, self.url)

    async def close(self) -> None:
        """Stop the server: cancel handlers and callbacks, close every connection and
        stop listening."""
        server, self._server = self._server, None
        if server is None:
            return
        self._closing = True
        try:
            await self._close(server)
        finally:
            self._closing = False

    async def _close(self, server: asyncio.Server) -> None:
        # Accept no more connections, but let those just accepted be made first: asyncio
        # makes them a moment after accepting, and cannot once the server is closed
        # (their sockets would stay open). They close themselves, seeing it closing.
        loop = asyncio.get_running_loop()
        for sock in server.sockets:
            loop.remove_reader(sock.fileno())
        for _ in range(3):
            await asyncio.sleep(0)
        server.close()
        await self._stop()
        for connection in list(self._connections):
            connection.close()
        deadline = asyncio.get_running_loop().time() + 5
        while self._connections and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.02)
        if self._connections:
            # A browser that takes nothing would hold its closing handshake up forever.
            logger.warning("closing: cut off %d connection(s) that did not close", len(self._connections))
            for connection in list(self._connections):
                connection.abort()
        current = asyncio.current_task()
        waiting = [task for task in self._background if task is not current]
        if waiting:
            await asyncio.wait(waiting, timeout=5)
        await server.wait_closed()
        assert self._closed is not None
        self._closed.set()

    async def serve_forever(self) -> None:
        """Serve until :meth:`close` is called or the task is cancelled (Ctrl-C in
        :meth:`run`), then close."""
        if self._server is None:
            await self.serve()
        assert self._closed is not None
        try:
            await self._closed.wait()
        finally:
            await self.close()

    def run(self) -> None:
        """Serve until Ctrl-C or SIGTERM, from a plain script:
        ``DomsyncServer(handler).run()``.

        Either stops the server and returns without a traceback, logging "domsync
        stopped". If the server cannot listen (the port is taken), it prints one line
        that says so and what to do, and exits with status 1.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass  # no loop running: run() makes its own
        else:
            raise UsageError("run() starts an event loop of its own and blocks until Ctrl-C; inside asyncio (a "
                             "running loop) use `await server.serve_forever()`, or `await server.serve()`, which "
                             "returns once the server listens")
        try:
            self._run()
        except ListenError as exc:
            raise SystemExit(f"domsync: {exc.strerror}") from None

    def _run(self) -> None:
        """:meth:`run`, raising :class:`ListenError` (``python -m domsync`` words it
        for its command line)."""
        try:
            asyncio.run(self._run_until_stopped())
        except KeyboardInterrupt:
            pass
        logger.info("domsync stopped")

    async def _run_until_stopped(self) -> None:
        loop = asyncio.get_running_loop()
        previous = signal.getsignal(signal.SIGTERM)
        installed = False
        try:
            # SIGTERM (a service manager, docker stop, kill) stops it as Ctrl-C does.
            loop.add_signal_handler(signal.SIGTERM, lambda: loop.create_task(self.close()))
            installed = True
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # no signals here (Windows, or not the main thread): Ctrl-C still works
        try:
            await self.serve_forever()
        finally:
            if installed:
                loop.remove_signal_handler(signal.SIGTERM)
                if previous is not None:
                    signal.signal(signal.SIGTERM, previous)  # the program's own handler, back

    # ------------------------------------------------------------------ for the connections

    def asgi(self) -> AsgiApp:
        """This server as an ASGI 3 application, for Starlette, FastAPI or uvicorn:
        ``app.mount("/live", server.asgi())``, or ``uvicorn module:app`` with ``app =
        server.asgi()``.

        It serves the page, the client script, the websocket and one-time downloads
        relative to wherever it is mounted, with the same sessions, handlers, limits
        and checks as :meth:`serve` (which it does not need: don't call both). The first
        request starts it; it needs no lifespan hook from a parent app. See
        :doc:`/howto/asgi`.
        """
        if self._asgi is None:
            self._asgi = AsgiApp(self)
        return self._asgi

    def _running(self) -> bool:
        return not self._closing and (self._server is not None or self._asgi_serving or self._memory_users > 0)


def _listen_error(exc: OSError, host: str | None, port: int) -> ListenError:
    """The one-line error for a socket that cannot listen, with what to do."""
    where = f"{host or '*'}:{port}"
    if exc.errno == errno.EADDRINUSE:
        advice = ("another program (perhaps another domsync server) is using that port: stop it, or choose "
                  "another port, e.g. DomsyncServer(..., port=8889) (port=0 picks a free one)")
    elif exc.errno in (errno.EACCES, errno.EPERM):
        advice = "ports below 1024 need privileges: choose a port from 1024 up, e.g. 8888"
    else:
        advice = "check the host: 'localhost', '0.0.0.0' for every interface, or an address of this machine"
    if isinstance(exc, socket.gaierror) or not exc.errno:
        reason = (exc.strerror or str(exc)).lower()  # a name that does not resolve
    else:
        reason = os.strerror(exc.errno).lower()  # asyncio's strerror repeats the address
    error = ListenError(exc.errno, f"cannot listen on {where}: {reason}; {advice}")
    error.address, error.reason = where, reason
    return error
