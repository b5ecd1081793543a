"""The asyncio side of a domsync server, shared by every transport.

:class:`ServerCore` runs what the sans-I/O layers ask for: sessions that start, go
offline, resume and end; the delivery of the frames the hub makes, with a deadline for
browsers that stop reading; and, through its part :class:`~domsync.runner.AppRunner`,
the application's handlers and callbacks. It is the
public API of :class:`~domsync.DomsyncServer` (``flush``, ``send``, ``broadcast``,
``on``, ...), apart from listening, which is the transport's.

A transport subclasses it and moves bytes: for each browser's socket it makes a
*connection* with ``write(frame)`` (queue a text frame at once, in order;
:class:`~domsync.ClientGoneError` if closed), ``async drain()`` (wait until the socket
took it), optionally ``must_drain`` (False when ``drain`` would neither wait nor raise,
which spares the server a deadline per flush), ``abort()`` and a ``client`` attribute, a :class:`~domsync.client.Client`
whose ``_connection`` it is; then it calls :meth:`ServerCore._open` with that client,
:meth:`ServerCore._receive` with ``connection.client`` for each frame, and
:meth:`ServerCore._lost` once the socket is gone. When a browser resumes a session,
the core sets ``connection.client`` to the session's own client.

Sessions outlive their sockets (see :mod:`domsync.resume`): a browser that speaks the
resume protocol sends a hello first; a socket that drops leaves its session *offline*
(``is_connected`` stays True, flushes go to the replay log) until the browser comes
back, or the retention ends it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import warnings
from typing import Any, Awaitable, Callable, Iterable

from .client import Client, Request
from .document import Document
from .downloads import Downloads
from .exceptions import ClientGoneError, DomsyncWarning, UsageError, WrongTypeError
from .handlers import Handlers
from .hub import Frames, Hub, OwnDocuments, speaks, wire_of
from .names import check_arguments
from .resume import Retention, parse_hello, welcome_frame, worker_id_from
from .prerender import PrerenderedPage, prerendered_page
from .session import JS_WIRE, JSON_WIRE, Call, Limits, Session
from .runner import BLOCKING_WARNING, AppRunner, _Tasks
from .shared import SharedDocument
from .backplane import RedisBackplane
from .replica import ReplicatedDocument
from .threadsafe import LockedDocument

__all__ = ["ServerCore", "SEND_TIMEOUT"]

logger = logging.getLogger("domsync.server")

#: The environment variable that turns ``strict_csp`` on for servers that leave it unset
#: (``DOMSYNC_STRICT_CSP=1``): every server of a deployment, and its tests.
STRICT_CSP_VARIABLE = "DOMSYNC_STRICT_CSP"

#: The environment variable a server reads when ``backplane`` is not given: the Redis URL
#: of every server of a deployment (``python -m domsync serve --backplane`` sets it for
#: its workers, so a server factory needs no code for it).
BACKPLANE_VARIABLE = "DOMSYNC_BACKPLANE"

ConnectionHandler = Callable[[Any, Client], Awaitable[Any]]

#: Seconds a browser may take nothing the server sends it before it is cut off (by
#: broadcasts, shared documents and autoflush, which must not wait for one browser).
SEND_TIMEOUT = 10
#: Seconds a browser that speaks the resume protocol has to send its hello.
HELLO_TIMEOUT = 10
#: Seconds a document's changes may wait unsent before the server says so (once per
#: session): the blank page of a forgotten flush.
UNSENT_WARNING_AFTER = 3.0
#: Seconds a prerendered page waits for its handlers' first flush (or their end): a
#: handler that awaits longer before flushing has its page rendered as it is then, and
#: its later changes come over the socket.
PRERENDER_WAIT = 1.0
#: Seconds a prerendered session waits for its page's socket (the page loads the client
#: script first); a page that never connects (a closed tab) ends it then. At most a
#: quarter of max_connections wait so; past that, pages come without a first render.
PRERENDER_SOCKET_WAIT = 15.0
#: Seconds between the watch's looks at the loop: a block longer than about this plus
#: BLOCKING_WARNING is always seen.
WATCH_TICK = 0.1


class ServerCore(AppRunner):
    """Sessions, handlers and delivery, whatever the transport. See
    :class:`~domsync.DomsyncServer` for the arguments."""

    def __init__(
        self,
        connection_handler: ConnectionHandler | None = None,
        *,
        root_id: str = "domsync_root_id",
        max_message_size: int = 64 * 1024,
        max_messages_per_second: float = 200,
        max_connections: int = 1000,
        error_notifications: bool = True,
        download_timeout: float = 120,
        shared: bool = False,
        thread_safe: bool = False,
        autoflush: float | None = None,
        session_retention: float = 300,
        reload_grace: float = 5,
        replay_buffer: int = 4 * 1024 * 1024,
        strict_csp: bool | None = None,
        worker_id: str | None = None,
        backplane: str | RedisBackplane | None = None,
        prerender: bool = False,
    ):
        #: This process's name among several workers behind a proxy (``None``: it runs
        #: alone). Its welcomes carry it; see :doc:`/howto/scale`.
        self.worker_id = worker_id_from(worker_id)
        if strict_csp is None:
            strict_csp = os.environ.get(STRICT_CSP_VARIABLE, "").strip() not in ("", "0")
        if type(strict_csp) is not bool:
            raise WrongTypeError(f"strict_csp must be True or False, not {strict_csp!r}")
        for name, value in (("session_retention", session_retention), ("reload_grace", reload_grace)):
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise WrongTypeError(f"{name} must be a number of seconds, 0 or more, not {value!r}")
        if type(replay_buffer) is not int or replay_buffer < 0:
            raise WrongTypeError(f"replay_buffer must be a number of bytes, 0 or more, not {replay_buffer!r}")
        if connection_handler is not None:
            if not callable(connection_handler):
                raise WrongTypeError("connection_handler must be an async function (server, client)")
            check_arguments(connection_handler, 2, "the connection handler (server, client)")
        if autoflush is not None and not _positive(autoflush):
            raise WrongTypeError(f"autoflush must be a number of seconds above 0, or None, not {autoflush!r}")
        if autoflush is not None and autoflush > 10:
            warnings.warn(f"autoflush={autoflush!r} sends unsent changes every {autoflush:g} seconds; it is in "
                          f"seconds, not milliseconds (autoflush=0.1 is ten times a second)", DomsyncWarning,
                          stacklevel=3)
        if not _positive(download_timeout):
            raise WrongTypeError(f"download_timeout must be a number of seconds above 0, not {download_timeout!r}")
        if type(prerender) is not bool:
            raise WrongTypeError(f"prerender must be True or False, not {prerender!r}")
        if prerender and shared:
            raise UsageError("prerender=True renders each browser's own document into the page it loads; a "
                             "shared document's page comes over the socket: leave prerender out with shared=True")
        if prerender and session_retention <= 0:
            raise UsageError("prerender=True needs sessions that wait for their page's socket: give a "
                             "session_retention above 0")
        #: Whether the page comes with its session's first render (see :mod:`domsync.prerender`).
        self.prerender = prerender
        self._document_class: type[Document] = LockedDocument if thread_safe else Document
        Document(root_id)  # checks root_id
        if backplane is None:
            backplane = os.environ.get(BACKPLANE_VARIABLE, "").strip() or None
        if isinstance(backplane, str):
            backplane = RedisBackplane(backplane, worker=self.worker_id)
        elif backplane is not None and not isinstance(backplane, RedisBackplane):
            raise WrongTypeError(f"backplane must be a Redis URL ('redis://host:6379/0') or a RedisBackplane, "
                                 f"not {backplane!r}")
        #: The Redis backplane that connects this server to the app's other processes
        #: (see :mod:`domsync.backplane`), or None.
        self.backplane: RedisBackplane | None = backplane
        documents: SharedDocument | OwnDocuments
        if shared:
            document = self._document_class(root_id)
            documents = SharedDocument(document) if backplane is None else ReplicatedDocument(document)
            documents.document.strict_csp = strict_csp
        else:
            documents = OwnDocuments(root_id, self._document_class, strict_csp)
        #: Whether pages run under a strict Content-Security-Policy (see :mod:`domsync.csp`).
        self.strict_csp = strict_csp
        self._handlers = Handlers()
        self._hub = Hub(documents, self._handlers, Limits(max_message_size, max_messages_per_second),
                        Downloads(download_timeout), error_notifications=error_notifications)
        self.connection_handler = connection_handler
        self.root_id = root_id
        self.autoflush = autoflush
        self.max_message_size = max_message_size
        self.max_messages_per_second = max_messages_per_second
        self.max_connections = max_connections
        self._tasks: dict[Client, _Tasks] = {}
        self._autoflush_task: asyncio.Task | None = None
        #: What the resume protocol keeps, and for how long.
        self.retention = Retention(session_retention, min(reload_grace, session_retention), replay_buffer)
        #: Connections that have not said hello yet -> their deadline.
        self._hellos: dict[Client, asyncio.TimerHandle] = {}
        #: Offline sessions -> the timer that ends them.
        self._expiry: dict[Client, asyncio.TimerHandle] = {}
        #: Sessions whose first page is being rendered into the page -> resolved at their
        #: first flush.
        self._prerendering: dict[Client, asyncio.Future] = {}
        #: Prerendered sessions whose page has not connected yet -> the timer that ends
        #: them (a pool of their own: they never push out a session whose browser is
        #: coming back).
        self._unclaimed: dict[Client, asyncio.TimerHandle] = {}
        # Tasks started from callbacks: disconnect handlers, drains, downloads.
        self._background: set[asyncio.Future] = set()
        #: The event loop the server runs in (set when it starts).
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsent_task: asyncio.Task | None = None
        #: Sessions whose changes wait unsent -> since when; those already warned about.
        self._unsent_since: dict[Client, tuple[float, int]] = {}
        self._unsent_warned: set[Client] = set()

    @property
    def error_notifications(self) -> bool:
        """Whether a browser whose handler or callback raised sees an error notification."""
        return self._hub.error_notifications

    @error_notifications.setter
    def error_notifications(self, on: bool) -> None:
        self._hub.error_notifications = on

    @property
    def _downloads(self) -> Downloads:
        return self._hub.downloads

    # ------------------------------------------------------------------ clients

    def get_clients(self) -> list[Client]:
        """The clients whose sessions are alive (online or not)."""
        return list(self._hub.sessions)

    def is_connected(self, client: Client) -> bool:
        """True while ``client``'s session is alive, including while its browser is
        briefly away (see :meth:`is_online`); False as soon as the session has ended."""
        try:
            return client in self._hub.sessions
        except TypeError:  # not hashable: not a client
            return False

    def is_online(self, client: Client) -> bool:
        """True while ``client``'s browser is on the line now; False while its session
        waits for it to come back (and once the session has ended)."""
        try:
            session = self._hub.sessions.get(client)
        except TypeError:
            return False
        return session is not None and session.online

    @property
    def document(self) -> Document:
        """The document every browser shares, with ``shared=True``.

        Raises:
            UsageError: if the server was made without ``shared=True``.
        """
        return self._hub.shared_document()

    def get_document(self, client: Client) -> Document:
        """The document of ``client`` (with ``shared=True``, the one they all share).

        Raises:
            ClientGoneError: if the client has disconnected.
        """
        return self._hub.document_of(client)

    # ------------------------------------------------------------------ sending

    async def flush(self, client: Client | None = None) -> None:
        """Send ``client`` its document's updates since the last flush, as one frame.
        With ``shared=True``, or without ``client``, send every browser its updates.

        While the browser is away (:meth:`is_online` is False) the updates are kept
        for it, and sent when it comes back: this neither raises nor waits.

        Raises:
            ClientGoneError: if ``client``'s session has ended (the updates are dropped
                with it).
        """
        self._check_loop("flush")
        if client is not None:
            self._hub.session(client)  # ClientGoneError for a client that has gone
            if client in self._prerendering:
                self._first_flush(client)  # its changes go into the page
                return
        else:
            self._first_flush(None)
        frames = self._hub.flush(client)
        if client is None or self._hub.documents.shared:
            await self._deliver(frames)
            return
        for session, frame in frames:
            connection = session.client._connection
            if connection is None:
                continue  # offline: the replay log has it
            try:
                connection.write(frame)
            except ClientGoneError:
                if session.log is None:
                    raise ClientGoneError("the client disconnected while updates were sent to it") from None
                continue  # the socket is going: the browser gets it when it resumes
            if not await self._drain(session.client, connection) and session.log is None:
                raise ClientGoneError("the client disconnected while updates were sent to it")

    def _check_loop(self, what: str) -> None:
        """Raise if called from another event loop than the server's (another thread's
        asyncio.run): its frames would be written from the wrong thread."""
        loop = self._loop
        if loop is not None and asyncio.get_running_loop() is not loop and not loop.is_closed():
            raise UsageError(
                f"server.{what}() was awaited in another event loop than the server's (asyncio.run in another "
                f"thread?): updates sent so half-work. From another thread use "
                f"asyncio.run_coroutine_threadsafe(server.{what}(...), loop) with the server's loop, or "
                f"DomsyncServer(thread_safe=True, autoflush=0.1), which sends changes by itself, or "
                f"serve_in_background()")

    async def send(self, client: Client, name: str, payload: Any = None) -> None:
        """Send a named message to one client's page script, after the DOM changes
        made before it: the page gets a ``domsync:<name>`` ``CustomEvent`` on
        ``document`` with ``payload`` as its ``detail``. Flushes.

        Raises:
            ClientGoneError: if the client has disconnected.
            InvalidNameError, WrongTypeError: for a bad name or a payload JSON cannot
                carry (see :meth:`Document.send_message`).
        """
        self._check_loop("send")
        op = Document._message_op(name, payload)  # a bad name or payload raises here
        self._hub.queue(client, op)
        await self.flush(client)

    async def broadcast(self, name: str, payload: Any = None,
                        exclude: Client | Iterable[Client] | None = None) -> None:
        """:meth:`send` the same message to every connected client, except ``exclude``
        (one client or several). Clients that leave meanwhile are skipped, and one that
        takes nothing for 10 s is disconnected rather than waited for."""
        self._check_loop("broadcast")
        op = Document._message_op(name, payload)  # a bad name or payload raises here
        skip = set() if exclude is None else ({exclude} if isinstance(exclude, Client) else set(exclude))
        if self.backplane is not None:
            self.backplane.publish(op)  # the other processes' browsers (in order, once)
        await self._deliver(self._hub.broadcast(op, [c for c in self.get_clients() if c not in skip]))

    async def count_clients(self) -> int:
        """How many sessions the app has, in every process: with a backplane, the sum
        of what each process wrote in Redis lately (within a few seconds) plus this
        process's own; without one, ``len(server.get_clients())``.
        ``server.get_clients()`` is always this process's alone.

        Raises:
            redis.exceptions.ConnectionError: if the backplane cannot reach Redis.
        """
        if self.backplane is None:
            return len(self.get_clients())
        return await self.backplane.count_clients()

    @property
    def owns_document(self) -> bool:
        """Whether the changes this process makes to the shared document reach the
        browsers: True without a backplane; with one, True in the one process that
        owns the document now (see :meth:`ownership`)."""
        if self.backplane is None or not self._hub.documents.shared:
            return True
        return self.backplane.owns_document

    async def ownership(self) -> None:
        """Return once this process owns the shared document: at once without a
        backplane; with one, in the process that holds the lease, and in another one
        when that process is gone (it takes the page over as its replica had it). Put
        the code that changes the shared document after it::

            await server.serve()
            await server.ownership()
            await update(server)   # one process at a time runs this

        The page survives a takeover; the Python state of the process that died, and the
        listeners it added after it started, do not: listen on elements the page is
        built with at start (every process builds it), or add them again after this.

        Raises:
            UsageError: if this server has no shared document.
        """
        if not self._hub.documents.shared:
            raise UsageError("ownership() is for a shared document (DomsyncServer(shared=True)); each client's "
                             "own document is always this process's")
        if self.backplane is not None:
            await self.backplane.ownership()

    async def _deliver(self, frames: Frames) -> None:
        """Send frames to several browsers at once: each is queued on its socket at
        once (so frames leave in the order they were made), then each socket is given
        SEND_TIMEOUT seconds to take it; a browser that does not is cut off, so that it
        holds up no one (it reconnects, and starts afresh)."""
        waiting = [self._drain(client, connection) for client, connection in self._write(frames)]
        if waiting:
            # Shielded: a caller cancelled meanwhile (its client left) must not cancel
            # the others' delivery.
            await asyncio.shield(asyncio.gather(*waiting))

    def _write(self, frames: Frames) -> list[tuple[Client, Any]]:
        """Queue each frame on its session's socket, at once and in order (a session
        whose browser is away has it in its replay log). Returns the sockets written to."""
        written = []
        for session, frame in frames:
            connection = session.client._connection
            if connection is None:
                continue
            try:
                connection.write(frame)
            except ClientGoneError:
                continue
            written.append((session.client, connection))
        return written

    async def _drain(self, client: Client, connection: Any) -> bool:
        """Wait until ``connection`` took what was written to it; cut it off if it
        takes nothing for SEND_TIMEOUT seconds. False if it is gone."""
        if getattr(connection, "must_drain", True) is False:
            # Nothing to wait for (the usual case): no deadline to set and cancel. Each
            # is a timer in the loop's heap, and a cancelled one stays there for a
            # while: at 10,000 flushes a second they made most of the heap.
            return True
        try:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
            # cancellation that arrives as the drain finishes (the task would go on).
            async with asyncio.timeout(SEND_TIMEOUT):
                await connection.drain()
            return True
        except ClientGoneError:
            return False
        except asyncio.TimeoutError:
            logger.warning("client %s took no update for %d s: disconnected it", client.address, SEND_TIMEOUT)
            connection.abort()
            self._lost(client, connection)  # now, not when the transport gets round to it
            return False

    async def _autoflush_loop(self) -> None:
        """Send what nobody flushed: changes from other threads, or from code that does
        not call flush(). Checking is cheap, and batches what came in meanwhile."""
        assert self.autoflush is not None
        while True:
            await asyncio.sleep(self.autoflush)
            for first in self._prerendering.values():
                if not first.done():
                    first.set_result(None)  # autoflush would send it: its page is rendered now
            try:
                await self._deliver(self._hub.pending())
            except Exception:  # never let one bad batch stop the loop
                logger.exception("autoflush failed")

    async def _watch(self) -> None:
        """Say what would otherwise pass in silence: a loop that application code
        blocked (its callback not named: an ``async`` one, or code of its own), and,
        without autoflush, a document whose changes have waited unsent for
        UNSENT_WARNING_AFTER seconds (once per session): a page that stays blank or
        stale because nothing flushes it."""
        loop = asyncio.get_running_loop()
        tick = WATCH_TICK
        next_check = loop.time()
        while True:
            before = time.monotonic()
            await asyncio.sleep(tick)
            lag = time.monotonic() - before - tick
            if lag > BLOCKING_WARNING and time.monotonic() - self._blocking_reported > lag + tick:
                self._warn_blocking("application code (a callback, a handler or a task of its own)", lag)
            now = loop.time()
            if self.autoflush is not None or now < next_check:
                continue
            next_check = now + UNSENT_WARNING_AFTER / 3
            sessions = self._hub.sessions
            waiting = {session.client for session in self._hub.documents.has_updates(sessions.values())}
            since = self._unsent_since
            for client in list(since):
                # Sent since (a flush took its changes), or nothing waiting: count afresh.
                if client not in waiting or client not in sessions or sessions[client].batches != since[client][1]:
                    del since[client]
            shared = self._hub.documents.shared
            for client in waiting:
                first = since.setdefault(client, (now, sessions[client].batches))[0]
                if shared and self._unsent_warned:
                    continue  # one document: one warning
                if now - first >= UNSENT_WARNING_AFTER and client not in self._unsent_warned:
                    self._unsent_warned.add(client)
                    self._warn_unsent(client, now - first)
            self._unsent_warned &= set(self._hub.sessions)

    def _warn_unsent(self, client: Client, waited: float) -> None:
        whose = "the shared document" if self._hub.documents.shared else f"the document of client {client.address}"
        logger.warning(
            "%s has changes that were not sent for %.0f s, so the browser does not show them. Likely causes: "
            "no `await server.flush(client)` after the change (flush(...) without await does nothing: Python "
            "warns 'coroutine ... was never awaited'); or changes made outside callbacks with no autoflush "
            "(DomsyncServer(..., autoflush=0.1) sends them by itself); or a callback that is still running "
            "(its changes go when it returns: `await event.flush()` shows progress).", whose, waited)

    # ------------------------------------------------------------------ for transports

    def _start(self) -> None:
        """The transport has started listening."""
        self._loop = asyncio.get_running_loop()
        shared = getattr(self._hub.documents, "document", None)
        if shared is not None:
            shared._bind_to_this_thread()  # from now on, changed from the loop's thread only (unless locked)
        self._downloads.closed = False
        running = self._autoflush_task
        if self.autoflush is not None and (running is None or running.done()):  # one loop, if started twice
            self._autoflush_task = asyncio.create_task(self._autoflush_loop())
        watching = self._unsent_task
        if watching is None or watching.done():
            self._unsent_task = asyncio.create_task(self._watch())
        if self.backplane is not None and not self.backplane.started:
            self.backplane.start(self)

    def _open(self, client: Client) -> None:
        """A browser's socket is open: start its session and its handlers; or, if the
        browser speaks the resume protocol, wait for its hello."""
        if wire_of(client) is None:
            logger.warning("client %s asked for an unknown wire (?wire= is js or json): closed its connection",
                           client.address)
            client._connection.abort()
            return
        if self.strict_csp and wire_of(client) is not JSON_WIRE:
            logger.warning("client %s asked for JavaScript batches, which a server with strict_csp=True never "
                           "sends: load domsync.js with data-domsync-strict (the server's own page does); "
                           "closed its connection", client.address)
            client._connection.abort()
            return
        version = speaks(client)
        if version is not None and version >= 2:
            connection = client._connection
            self._hellos[client] = asyncio.get_running_loop().call_later(HELLO_TIMEOUT, connection.abort)
            return
        self._start_session(client, None)

    def _start_session(self, client: Client, retention: Retention | None, expired: bool = False) -> None:
        """Start a new session, and its handlers; with ``retention`` (the browser
        speaks the resume protocol), welcome it first."""
        session = self._hub.open(client, retention)
        if self.backplane is not None and self._hub.documents.shared:
            session.forward = self.backplane._forward  # while another process owns the document
        if retention is not None:
            try:
                client._connection.write(welcome_frame(session.token, False, expired, 0, self.max_message_size,
                                                       self.worker_id))
            except ClientGoneError:
                self._hub.close(client)  # the socket closed at once: no session after all
                return
        logger.info("client connected from %s", client.address)
        tasks = self._tasks[client] = _Tasks()
        if self._hub.documents.shared or self.connection_handler is not None \
                or self._handlers.lifecycle["connect"]:
            tasks.handler = asyncio.create_task(self._run_handler(client))
        elif expired:
            self._send_now(self._hub.flush(client))  # the new, empty page replaces the old one

    async def _prerender(self, request: Request, remote_address: Any) -> PrerenderedPage | None:
        """Start the session of a browser that asks for the page, run its handlers
        until their first flush (or their end, or :data:`PRERENDER_WAIT`), and return
        that first page, for the page served; None if no session could start (the
        page then comes without it, and the session starts over the socket)."""
        if not self._running() or self._online_count() >= self.max_connections \
                or len(self._unclaimed) >= max(1, self.max_connections // 4):
            # Full; or many pages' sessions wait for their sockets (pages asked for and
            # never opened): the page comes without a first render, and costs nothing.
            return None
        client = Client(request, remote_address)
        try:
            session = self._hub.open(client, self.retention)
            session.wire = JSON_WIRE if self.strict_csp else JS_WIRE
            session.online = False
            session.prerendering = True
            session.document._hold_back()  # what the handler builds goes into the page, not into ops
            logger.info("client %s asked for the page: its session starts", client.address)
            first = self._prerendering[client] = asyncio.get_running_loop().create_future()
            tasks = self._tasks[client] = _Tasks()
            if self.connection_handler is not None or self._handlers.lifecycle["connect"]:
                tasks.handler = asyncio.create_task(self._run_handler(client))
                await asyncio.wait([first, tasks.handler], timeout=PRERENDER_WAIT,
                                   return_when=asyncio.FIRST_COMPLETED)
            self._prerendering.pop(client, None)
            if client not in self._hub.sessions:
                return None  # a handler ended it
            ops = self._hub.prerender(client)
            page = prerendered_page(ops, session.token, session.batches, self.worker_id,
                                    markup=not self.strict_csp)
        except BaseException as exc:
            # Cancelled (the request was, or the server stops), or a bug of ours: the
            # session ends, and a page still to be served goes out without its first
            # render (its socket starts a session as usual).
            self._prerendering.pop(client, None)
            if not isinstance(exc, Exception):
                self._finish(client)
                raise
            logger.exception("could not render the page of client %s: it is served without its first render",
                             client.address)
            self._finish(client)
            return None
        # The session waits for the page's socket (its first: see _resume).
        self._unclaimed[client] = asyncio.get_running_loop().call_later(
            min(PRERENDER_SOCKET_WAIT, self.retention.seconds), self._unclaimed_expired, client)
        return page

    def _unclaimed_expired(self, client: Client) -> None:
        """A prerendered page's socket never came: its session ends."""
        if self._unclaimed.pop(client, None) is not None:
            logger.info("the page of client %s never connected: its session ended", client.address)
            self._finish(client)

    def _first_flush(self, client: Client | None) -> None:
        """A flush by the handlers of a session being prerendered (of ``client``, or
        of everyone): its page can be rendered. Flushes from other tasks (another
        session's callback looping over every client) do not cut its first render
        short."""
        if not self._prerendering:
            return
        current = asyncio.current_task()
        for waiting, first in self._prerendering.items():
            if (client is None or waiting is client) and not first.done():
                tasks = self._tasks.get(waiting)
                if tasks is not None and tasks.handler is current:
                    first.set_result(None)

    def _hello(self, provisional: Client, frame: str | bytes) -> None:
        """The first frame of a browser that speaks the resume protocol: resume the
        session it names, or start a new one."""
        hello = parse_hello(frame)
        if hello is None:
            logger.warning("client %s sent no hello first: closed its connection", provisional.address)
            provisional._connection.abort()
            return
        retention = self.retention
        session = self._hub.resumable(hello, provisional) if retention.seconds > 0 else None
        if session is None:
            if self._online_count() >= self.max_connections:
                logger.warning("refused client %s: max_connections (%d) reached", provisional.address,
                               self.max_connections)
                provisional._connection.abort()
                return
            self._start_session(provisional, retention, expired=hello.token is not None and retention.seconds > 0)
        else:
            assert hello.token is not None
            self._resume(session, provisional, hello.batch, hello.token)

    def _resume(self, session: Session, provisional: Client, batch: int | None, presented: str) -> None:
        """Put a returning browser's connection on its session: the same client,
        document and handlers. It gets a new token, then what it missed."""
        client = session.client
        connection = provisional._connection
        old = client._connection
        token = self._hub.rekey(session, presented)
        try:
            connection.write(welcome_frame(token, True, False, session.received, self.max_message_size,
                                           self.worker_id))
        except ClientGoneError:
            return  # this socket closed at once: the session stays as it was
        session.confirmed_in = session.received
        wire = wire_of(provisional)
        if wire is not None and wire is not session.wire:
            # The logged batches are in the other wire: it gets the whole page in its own.
            session.wire, batch = wire, None
        if batch is not None:
            assert session.log is not None
            session.log.ack(batch)  # the browser has those
        session.resyncs = 0  # a page rebuilt after a failed batch: three times per connection
        for waiting in (self._expiry, self._unclaimed):
            timer = waiting.pop(client, None)
            if timer is not None:
                timer.cancel()
        client._connection = connection
        connection.client = client
        client.remote_address = provisional.remote_address
        was_online, session.online, session.leaving = session.online, True, False
        if old is not None and old is not connection:
            old.abort()  # a socket that died without the server noticing yet
        self._send_now(self._hub.rejoin(session, batch))
        if session.prerendered:
            session.prerendered = False  # its page's first socket: it starts, it does not return
            logger.info("client %s connected from %s (its page came with its first render)", client.id,
                        client.address)
            return
        logger.info("client %s resumed its session from %s", client.id, client.address)
        if not was_online:
            self._run_lifecycle(client, "online")

    def _send_now(self, frames: Frames) -> None:
        """Queue frames at once, from code that cannot wait; the sockets drain in a
        task (with the usual cut-off)."""
        written = self._write(frames)
        if written:
            self._track(asyncio.ensure_future(asyncio.gather(
                *(self._drain(client, connection) for client, connection in written))))

    def _receive(self, client: Client, frame: str | bytes) -> None:
        """A frame arrived from ``client``'s browser."""
        session = self._hub.sessions.get(client)
        if session is None:
            timer = self._hellos.pop(client, None)
            if timer is not None:
                timer.cancel()
                self._hello(client, frame)
            return
        if session.previous_token is not None:
            self._hub.forget_previous(session)  # anything after the welcome confirms the new token
        queued = session.receive(frame)
        if session.control:
            frames, session.control = session.control, []
            self._send_now([(session, control) for control in frames])
        if not queued:
            return
        tasks = self._tasks[client]
        if tasks.worker is None:
            tasks.worker = asyncio.create_task(self._run_callbacks(client, session, tasks.wake))
        tasks.wake.set()

    def _lost(self, client: Client, connection: Any) -> asyncio.Future | None:
        """``connection``, ``client``'s socket, is gone. A session that can be resumed
        goes offline (for ``reload_grace`` after a goodbye, else ``session_retention``);
        any other ends, in the task returned."""
        timer = self._hellos.pop(client, None)
        if timer is not None:
            timer.cancel()  # it never said hello: it had no session
            return None
        if client._connection is not connection:
            return None  # a socket the session has already left for a new one
        session = self._hub.sessions.get(client)
        if session is None:
            return None
        client._connection = None
        retention = self.retention
        if session.log is None or retention.seconds <= 0 or session.final or not self._running():
            return self._finish(client)
        session.online = False
        if len(self._expiry) >= self.max_connections:
            # Sessions waiting for their browsers are bounded too: the longest-waiting goes.
            oldest = next(iter(self._expiry))
            logger.warning("%d sessions wait for their browsers: ended the oldest, of client %s",
                           len(self._expiry), oldest.address)
            self._finish(oldest)
        wait = retention.reload_grace if session.leaving or not session.confirmed else retention.seconds
        logger.info("client %s went offline; its session is kept for %g s", client.address, wait)
        self._expiry[client] = asyncio.get_running_loop().call_later(wait, self._expire, client)
        self._run_lifecycle(client, "offline")
        return None

    def _expire(self, client: Client) -> None:
        self._expiry.pop(client, None)
        self._finish(client)

    def _online_count(self) -> int:
        """How many sockets are on the line: sessions' and those yet to say hello."""
        return len(self._hub.sessions) - len(self._expiry) - len(self._unclaimed) + len(self._hellos)

    async def _end_session(self, client: Client) -> None:
        """End ``client``'s session, and wait for its disconnect handlers."""
        ending = self._finish(client)
        if ending is not None:
            await ending

    def _finish(self, client: Client) -> asyncio.Future | None:
        """End ``client``'s session now: is_connected turns False, no hello can resume
        it, its socket (if any) closes and its tasks stop. The disconnect handlers run
        in the task returned (None if the session had already ended)."""
        for waiting in (self._expiry, self._unclaimed):
            timer = waiting.pop(client, None)
            if timer is not None:
                timer.cancel()
        if self._hub.close(client) is None:
            return None
        connection, client._connection = client._connection, None
        if connection is not None:
            connection.abort()
        for task in self._tasks.pop(client, _Tasks()).all():
            task.cancel()
        if not self._tasks:
            self._tasks = {}  # the table sized for the crowd that has left goes with it
        logger.info("client %s disconnected", client.address)
        ending = asyncio.ensure_future(self._disconnected(client))
        self._track(ending)
        return ending

    async def _disconnected(self, client: Client) -> None:
        """Run the disconnect handlers of a session that ended."""
        for handler in self._handlers.lifecycle["disconnect"]:
            await self._call_safely(client, Call(handler, (client,), "disconnect handler"))
        if self._hub.documents.shared and self._handlers.lifecycle["disconnect"] and self._running():
            await self._deliver(self._hub.flush())  # what the handlers changed, for those still here

    def _running(self) -> bool:
        """Whether the transport still serves (overridden by transports)."""
        return True

    async def _stop(self) -> None:
        """Cancel every handler, callback worker and the autoflush loop, and expire the
        downloads (the server stops)."""
        current = asyncio.current_task()  # close() called by a handler: not cancelled
        tasks = [task for running in self._tasks.values() for task in running.all() if task is not current]
        for attribute in ("_autoflush_task", "_unsent_task"):  # the watch is the second
            task = getattr(self, attribute)
            if task is not None:
                tasks.append(task)
                setattr(self, attribute, None)
        for task in tasks:
            task.cancel()
        for timer in self._hellos.values():
            timer.cancel()
        self._hellos.clear()
        shared = getattr(self._hub.documents, "document", None)
        if shared is not None:
            shared._unbind()  # nothing serves it now: any thread may change it
        self._downloads.close()
        if self.backplane is not None:
            await self.backplane.stop()
        if tasks:
            await asyncio.wait(tasks, timeout=5)
        for client in [*self._expiry, *self._unclaimed]:  # sessions waiting for their browsers end now
            await self._end_session(client)

def _positive(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0
