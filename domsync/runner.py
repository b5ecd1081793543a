"""Running the application's code for a server, whatever the transport: the handlers it
registers (``on``, ``on_event``), the connection handler and lifecycle handlers of each
session, and its event callbacks, one at a time and in order, in a worker task of the
session's own, holding the document's lock between awaits. What application code
raises is logged, reported to the ``error`` handlers and never stops the server.

:class:`AppRunner` is a part of :class:`~domsync.server_core.ServerCore`.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from typing import TYPE_CHECKING, Any, Callable

from .client import Client
from .document import Document
from .exceptions import ClientGoneError
from .handlers import Handlers
from .session import Call, Session
from .threadsafe import run_locked

if TYPE_CHECKING:  # pragma: no cover
    from .hub import Frames, Hub

__all__ = ["AppRunner"]

logger = logging.getLogger("domsync.server")

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


class AppRunner:
    """The part of :class:`~domsync.server_core.ServerCore` that runs application code."""

    # The server's own state and what its other part does, declared for type checkers.
    _handlers: Handlers
    _tasks: dict[Client, _Tasks]
    _background: set[asyncio.Future]
    connection_handler: Callable[..., Any] | None
    if TYPE_CHECKING:  # pragma: no cover
        _hub: Hub

        def is_connected(self, client: Client) -> bool: ...
        async def flush(self, client: Client | None = None) -> None: ...
        async def _deliver(self, frames: Frames) -> None: ...

    # ------------------------------------------------------------------ decorators

    def on(self, event: str) -> Callable[[Callable], Callable]:
        """Register a lifecycle handler: ``@server.on("connect")``.

        - ``connect``: ``handler(client)``, when a browser connects, before
          ``connection_handler``;
        - ``disconnect``: ``handler(client)``, once the session has ended
          (``is_connected`` is already False): the page was closed or left and did not
          come back within ``reload_grace``, or the connection dropped and the browser
          did not come back within ``session_retention``;
        - ``offline``: ``handler(client)``, when the browser's connection dropped but
          the session is kept for it to come back (``is_online`` is False);
        - ``online``: ``handler(client)``, when it came back and resumed the session;
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
            InvalidNameError: for an event other than these six.
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

    def _run_lifecycle(self, client: Client, event: str) -> None:
        """Run the handlers of a lifecycle event in a task (from code that cannot wait),
        then flush what they changed."""
        handlers = self._handlers.lifecycle[event]
        if handlers:
            async def run() -> None:
                for handler in handlers:
                    if not await self._call_safely(client, Call(handler, (client,), f"{event} handler")):
                        return
                await self._safe_flush(client)
            self._track(asyncio.ensure_future(run()))

    def _track(self, task: asyncio.Future) -> None:
        """Keep a task until it ends (asyncio keeps only weak references), so that
        close() can wait for it."""
        self._background.add(task)
        task.add_done_callback(self._background.discard)

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
        bind = getattr(call.args[0], "_bind_flush", None) if call.args else None
        if bind is not None:  # an event or a message: `await event.flush()` sends progress
            bind(lambda: self.flush(client))
        try:
            await self._invoke(client, call.function, *call.args)
        except ClientGoneError as exc:
            if call.what == "disconnect handler" and exc.client is client:
                logger.warning("disconnect handler %s for client %s used the client after its session ended "
                               "(%s): a disconnect handler can no longer get or flush its document; keep what "
                               "it needs from the connect handler", _name(call.function), client.address, exc)
                return False
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
        started = time.monotonic()
        with lock:
            result = function(*args)
        blocked = time.monotonic() - started
        if blocked > BLOCKING_WARNING:
            self._warn_blocking(f"{_name(function)} for client {client.address}", blocked)
        if inspect.isawaitable(result):
            await (result if lock is _NO_LOCK else run_locked(result, lock))

    #: When a blocked loop was last reported (time.monotonic), so it is reported once.
    _blocking_reported = -1e9

    def _warn_blocking(self, what: str, seconds: float) -> None:
        self._blocking_reported = time.monotonic()
        logger.warning("%s blocked the server for %.1f s: every page of every user waited (no events, no "
                       "updates). Wait with await (asyncio.sleep, an async HTTP client), or run blocking work "
                       "with `await asyncio.to_thread(function, ...)`", what, seconds)

    async def _report_error(self, client: Client, exc: BaseException, message: dict | None) -> None:
        for call in self._hub.failed(client, exc, message):
            try:
                await self._invoke(client, call.function, *call.args)
            except asyncio.CancelledError:
                if _being_cancelled():
                    raise
            except Exception:
                logger.exception("error handler failed for client %s", client.address)


#: Seconds application code may hold the event loop before the server says so.
BLOCKING_WARNING = 0.5


def _name(function: Callable) -> str:
    return repr(getattr(function, "__qualname__", None) or function)


def _being_cancelled() -> bool:
    """True if the current task itself is being cancelled (not a CancelledError that a
    callback let escape from something else it awaited)."""
    cancelling = getattr(asyncio.current_task(), "cancelling", None)
    return cancelling is None or cancelling() > 0

