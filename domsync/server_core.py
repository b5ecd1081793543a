"""The asyncio side of a domsync server, shared by every transport.

:class:`ServerCore` runs what the sans-I/O layers ask for: the connection handler and
the ``connect``/``disconnect`` handlers of each session, its callbacks (in order, in a
worker task of their own, holding the document's lock between awaits), and the delivery
of the frames the hub makes, with a deadline for browsers that stop reading. It is the
public API of :class:`~domsync.DomsyncServer` (``flush``, ``send``, ``broadcast``,
``on``, ...), apart from listening, which is the transport's.

A transport subclasses it and moves bytes: for each browser it makes a
:class:`~domsync.client.Client` whose ``_connection`` has ``write(frame)`` (queue a
text frame at once, in order; :class:`~domsync.ClientGoneError` if closed), ``async
drain()`` (wait until the socket took it) and ``abort()``; then it calls
:meth:`ServerCore._open`, :meth:`ServerCore._receive` for each frame, and
:meth:`ServerCore._end_session` once the socket is gone.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any, Awaitable, Callable, Iterable

from .client import Client
from .document import Document
from .downloads import Downloads
from .exceptions import ClientGoneError, WrongTypeError
from .handlers import Handlers
from .hub import Frames, Hub, OwnDocuments
from .session import Call, Limits, Session
from .shared import SharedDocument
from .threadsafe import LockedDocument, run_locked

__all__ = ["ServerCore", "SEND_TIMEOUT"]

logger = logging.getLogger("domsync.server")

ConnectionHandler = Callable[[Any, Client], Awaitable[Any]]

#: Seconds a browser may take nothing the server sends it before it is cut off (by
#: broadcasts, shared documents and autoflush, which must not wait for one browser).
SEND_TIMEOUT = 10

_NO_LOCK = Document._lock  # the lock of a document that is not thread-safe: none


class _Tasks:
    """The tasks of one session: its handlers, and the worker that runs its callbacks
    (made when its first message arrives)."""

    __slots__ = ("handler", "worker", "wake")

    def __init__(self) -> None:
        self.handler: asyncio.Task | None = None
        self.worker: asyncio.Task | None = None
        self.wake = asyncio.Event()

    def all(self) -> list[asyncio.Task]:
        return [task for task in (self.handler, self.worker) if task is not None]


class ServerCore:
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
    ):
        if connection_handler is not None and not callable(connection_handler):
            raise WrongTypeError("connection_handler must be an async function (server, client)")
        if autoflush is not None and not _positive(autoflush):
            raise WrongTypeError(f"autoflush must be a number of seconds above 0, or None, not {autoflush!r}")
        if not _positive(download_timeout):
            raise WrongTypeError(f"download_timeout must be a number of seconds above 0, not {download_timeout!r}")
        self._document_class: type[Document] = LockedDocument if thread_safe else Document
        Document(root_id)  # checks root_id
        documents = SharedDocument(self._document_class(root_id)) if shared else OwnDocuments(
            root_id, self._document_class)
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
        return self._handlers.on(event)

    def on_event(self, name: str) -> Callable[[Callable], Callable]:
        """Register a handler for the named messages page script sends with
        ``domsync.send(name, payload)``: ``@server.on_event("chat")``.

        The handler is called with an :class:`~domsync.handlers.EventContext`
        (``event_name``, ``payload``, ``client``, ``document``); it may be a plain
        function or a coroutine, and the server flushes after it. Several handlers for
        one name run in registration order. A message whose name has no handler is
        logged and dropped.

        Raises:
            InvalidNameError: if ``name`` is not a valid event name.
            WrongTypeError: if the handler cannot be called with one argument.
        """
        return self._handlers.on_event(name)

    # ------------------------------------------------------------------ clients

    def get_clients(self) -> list[Client]:
        """The connected clients."""
        return list(self._hub.sessions)

    def is_connected(self, client: Client) -> bool:
        """True while ``client`` is connected; False as soon as it is gone."""
        try:
            return client in self._hub.sessions
        except TypeError:  # not hashable: not a client
            return False

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

        Raises:
            ClientGoneError: if ``client`` has disconnected (the updates are dropped
                with it).
        """
        if client is not None:
            self._hub.session(client)  # ClientGoneError for a client that has gone
        frames = self._hub.flush(client)
        if client is None or self._hub.documents.shared:
            await self._deliver(frames)
            return
        for session, frame in frames:
            try:
                connection = session.client._connection
                connection.write(frame)
                await connection.drain()
            except ClientGoneError:
                raise ClientGoneError("the client disconnected while updates were sent to it") from None

    async def send(self, client: Client, name: str, payload: Any = None) -> None:
        """Send a named message to one client's page script, after the DOM changes
        made before it: the page gets a ``domsync:<name>`` ``CustomEvent`` on
        ``document`` with ``payload`` as its ``detail``. Flushes.

        Raises:
            ClientGoneError: if the client has disconnected.
            InvalidNameError, WrongTypeError: for a bad name or a payload JSON cannot
                carry (see :meth:`Document.send_message`).
        """
        op = Document._message_op(name, payload)  # a bad name or payload raises here
        self._hub.queue(client, op)
        await self.flush(client)

    async def broadcast(self, name: str, payload: Any = None,
                        exclude: Client | Iterable[Client] | None = None) -> None:
        """:meth:`send` the same message to every connected client, except ``exclude``
        (one client or several). Clients that leave meanwhile are skipped, and one that
        takes nothing for 10 s is disconnected rather than waited for."""
        op = Document._message_op(name, payload)  # a bad name or payload raises here
        skip = set() if exclude is None else ({exclude} if isinstance(exclude, Client) else set(exclude))
        await self._deliver(self._hub.broadcast(op, [c for c in self.get_clients() if c not in skip]))

    async def _deliver(self, frames: Frames) -> None:
        """Send frames to several browsers at once: each is queued on its socket at
        once (so frames leave in the order they were made), then each socket is given
        SEND_TIMEOUT seconds to take it; a browser that does not is cut off, so that it
        holds up no one (it reconnects, and starts afresh)."""
        waiting = []
        for session, frame in frames:
            connection = session.client._connection
            try:
                connection.write(frame)
            except ClientGoneError:
                continue
            waiting.append(self._drain(session.client))
        if waiting:
            # Shielded: a caller cancelled meanwhile (its client left) must not cancel
            # the others' delivery.
            await asyncio.shield(asyncio.gather(*waiting))

    async def _drain(self, client: Client) -> None:
        try:
            await asyncio.wait_for(client._connection.drain(), timeout=SEND_TIMEOUT)
        except ClientGoneError:
            pass
        except asyncio.TimeoutError:
            logger.warning("client %s took no update for %d s: disconnected it", client.address, SEND_TIMEOUT)
            client._connection.abort()

    async def _autoflush_loop(self) -> None:
        """Send what nobody flushed: changes from other threads, or from code that does
        not call flush(). Checking is cheap, and batches what came in meanwhile."""
        assert self.autoflush is not None
        while True:
            await asyncio.sleep(self.autoflush)
            try:
                await self._deliver(self._hub.pending())
            except Exception:  # never let one bad batch stop the loop
                logger.exception("autoflush failed")

    # ------------------------------------------------------------------ for transports

    def _start(self) -> None:
        """The transport has started listening."""
        self._downloads.closed = False
        if self.autoflush is not None:
            self._autoflush_task = asyncio.create_task(self._autoflush_loop())

    def _open(self, client: Client) -> Session:
        """A browser's socket is open: start its session, and its handlers."""
        session = self._hub.open(client)
        logger.info("client connected from %s", client.address)
        tasks = self._tasks[client] = _Tasks()
        if self._hub.documents.shared or self.connection_handler is not None \
                or self._handlers.lifecycle["connect"]:
            tasks.handler = asyncio.create_task(self._run_handler(client))
        return session

    def _receive(self, client: Client, frame: str | bytes) -> None:
        """A frame arrived from ``client``'s browser."""
        session = self._hub.sessions.get(client)
        if session is None or not session.receive(frame):
            return
        tasks = self._tasks[client]
        if tasks.worker is None:
            tasks.worker = asyncio.create_task(self._run_callbacks(client, session, tasks.wake))
        tasks.wake.set()

    async def _end_session(self, client: Client) -> None:
        """``client``'s socket is gone: is_connected turns False now, its tasks stop,
        and the disconnect handlers run."""
        if self._hub.close(client) is None:
            return
        for task in self._tasks.pop(client, _Tasks()).all():
            task.cancel()
        logger.info("client %s disconnected", client.address)
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
        if self._autoflush_task is not None:
            tasks.append(self._autoflush_task)
            self._autoflush_task = None
        for task in tasks:
            task.cancel()
        self._downloads.close()
        if tasks:
            await asyncio.wait(tasks, timeout=5)

    # ------------------------------------------------------------------ running application code

    async def _run_handler(self, client: Client) -> None:
        """The connect handlers, then connection_handler, then a flush. With a shared
        document the browser first gets the page as it is."""
        if self._hub.documents.shared:
            await self._deliver(self._hub.join(client))
        for handler in self._handlers.lifecycle["connect"]:
            if not await self._call_safely(client, Call(handler, (client,), "connect handler")):
                return
        if self.connection_handler is not None:
            call = Call(self.connection_handler, (self, client), "connection handler")
            if not await self._call_safely(client, call):
                return
        await self._safe_flush(client)

    async def _run_callbacks(self, client: Client, session: Session, wake: asyncio.Event) -> None:
        """The session's worker: handle its messages one at a time, in order; each
        message's callbacks run to the end (awaits included) before the next one."""
        document = session.document
        while True:
            with document._lock:
                step = session.next_step()
            if step is None:
                wake.clear()
                await wake.wait()
                continue
            if step.resync:
                if self.is_connected(client):
                    await self._deliver(self._hub.join(client))
                    logger.info("rebuilt the page of client %s from its document", client.address)
                continue
            for call in step.calls:
                if not await self._call_safely(client, call):
                    return
            if step.flush:
                await self._safe_flush(client)

    async def _safe_flush(self, client: Client) -> None:
        if self.is_connected(client):
            try:
                await self.flush(client)
            except ClientGoneError:
                pass

    async def _call_safely(self, client: Client, call: Call) -> bool:
        """Call (and await) application code; log what it raises, with the traceback,
        and tell the error handlers. Returns False if the client is gone."""
        try:
            await self._invoke(client, call.function, *call.args)
        except ClientGoneError as exc:
            if not self.is_connected(client):
                logger.debug("%s stopped: client %s is gone", call.what, client.address)
                return False
            # Another client went away (say, a handler sent to it): an ordinary error.
            logger.exception("%s failed for client %s", call.what, client.address)
            await self._report_error(client, exc, call.message)
        except asyncio.CancelledError as exc:
            if _being_cancelled():
                raise
            logger.error("%s of client %s was cancelled from elsewhere", call.what, client.address)
            await self._report_error(client, exc, call.message)
        except Exception as exc:
            logger.exception("%s failed for client %s", call.what, client.address)
            await self._report_error(client, exc, call.message)
        return True

    async def _invoke(self, client: Client, function: Callable, *args: Any) -> None:
        """Call application code, and await it if it is a coroutine, holding the
        document's lock while it runs (between its awaits): one step for other threads
        (see threadsafe.py)."""
        session = self._hub.sessions.get(client)
        documents = self._hub.documents
        # The shared document outlives its clients (a disconnect handler may change it).
        document = session.document if session is not None else getattr(documents, "document", None)
        lock = document._lock if document is not None else _NO_LOCK
        with lock:
            result = function(*args)
        if inspect.isawaitable(result):
            await (result if lock is _NO_LOCK else run_locked(result, lock))

    async def _report_error(self, client: Client, exc: BaseException, message: dict | None) -> None:
        for call in self._hub.failed(client, exc, message):
            try:
                await self._invoke(client, call.function, *call.args)
            except asyncio.CancelledError:
                if _being_cancelled():
                    raise
            except Exception:
                logger.exception("error handler failed for client %s", client.address)


def _positive(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def _being_cancelled() -> bool:
    """True if the current task itself is being cancelled (not a CancelledError that a
    callback let escape from something else it awaited)."""
    cancelling = getattr(asyncio.current_task(), "cancelling", None)
    return cancelling is None or cancelling() > 0

