"""One browser's session, sans I/O: frames in; frames out, plus the callbacks to run.

A :class:`Session` holds one document (its own, or one that several sessions share),
numbers the batches it sends, and handles every message the browser sends: events,
form syncs, routes, named messages and errors. It does no I/O and knows nothing of
sockets, asyncio or websockets, in the manner of the websockets library's
``protocol.py``: the caller feeds it what arrives and runs what it returns.

- :meth:`Session.receive` checks a frame from the browser (rate, type, size, JSON,
  shape) and queues the message, or logs why it was dropped.
- :meth:`Session.next_step` handles the next queued message: it writes what the
  browser sent into the document and returns a :class:`Step`, the application code to
  run for it (:class:`Call`), in order. Call it again once that code has run.
- :meth:`Session.frame` makes the frame that carries a batch, and counts it.

Bad input from the browser is never raised: it is logged on the ``domsync.server``
logger, naming the client, and dropped.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from . import encode_js, encode_json
from .client import Client
from .document import Document
from .handlers import EventContext, Handlers
from .logs import brief
from .protocol import ACK, BYE, ERROR, EVENT, HELLO, NAMED, ROUTE_REPORT, SYNC
from .resume import ReplayLog, Retention, batch_frame, confirm_frame

__all__ = ["Session", "Step", "Call", "Limits", "RateLimit", "Wire", "JS_WIRE", "JSON_WIRE", "WIRES"]

logger = logging.getLogger("domsync.server")

#: A browser whose batch failed gets the page rebuilt this many times at most (in case
#: the failure is the page's own doing, which a rebuild would not cure).
MAX_RESYNCS = 3


@dataclass(frozen=True)
class Limits:
    """What one browser may send.

    Attributes:
        max_message_size: messages larger than this many bytes are dropped.
        max_messages_per_second: the steady rate; bursts may reach twice as many.
        inbox: messages waiting for their callbacks; more are dropped.
    """

    max_message_size: int = 64 * 1024
    max_messages_per_second: float = 200
    inbox: int = 256


class RateLimit:
    """A token bucket: ``rate`` messages a second, bursts of up to ``2 * rate``."""

    __slots__ = ("rate", "tokens", "stamp", "dropped", "reported", "clock")

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic):
        self.rate = rate
        self.tokens = 2 * rate
        self.clock = clock
        self.stamp = clock()
        self.dropped = 0
        self.reported = -1.0

    def allow(self) -> bool:
        """Take a token; False (and one more dropped) if there is none."""
        now = self.clock()
        self.tokens = min(2 * self.rate, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        self.dropped += 1
        return False


@dataclass(frozen=True)
class Wire:
    """How a session's batches are written: JavaScript statements (the browser client's
    default) or a JSON list of ops (``?wire=json``: :mod:`domsync.testing`'s client,
    and any client that must not evaluate code).

    Attributes:
        name: ``"js"`` or ``"json"``, as the client asks for it.
        encode: ops -> the batch's text, ``""`` for no ops.
    """

    name: str
    encode: Callable[[Sequence[tuple]], str]

    def join(self, first: str, second: str) -> str:
        """Two encoded batches as one (either may be ``""``)."""
        if not first or not second:
            return first or second
        if self.name == "json":  # "[a,b]" + "[c]" -> "[a,b,c]"
            return first[:-1] + "," + second[1:]
        return first + second  # statements follow statements


JS_WIRE = Wire("js", encode_js.encode)
JSON_WIRE = Wire("json", lambda ops: encode_json.encode(ops) if ops else "")
#: The wires a client may ask for with ``?wire=``.
WIRES = {wire.name: wire for wire in (JS_WIRE, JSON_WIRE)}


@dataclass(frozen=True)
class Call:
    """Application code to run for a session: ``function(*args)``, sync or async.

    Attributes:
        function: the callback or handler.
        args: its arguments.
        what: what it is, for log lines ("event callback for 'click'").
        message: the browser's message it answers, for the ``error`` handlers.
    """

    function: Callable[..., Any]
    args: tuple
    what: str
    message: dict | None = None


@dataclass
class Step:
    """What to do for one message from the browser, once it is written into the
    document: run ``calls`` in order, then flush (if ``flush``); or, if ``resync``,
    rebuild the browser's page from the document."""

    calls: list[Call] = field(default_factory=list)
    flush: bool = True
    resync: bool = False


#: The message types a replica's session hands to the owner of the shared document:
#: events (no type, or "event"), form state, named messages, route reports (the shared
#: document's route is the last browser's, as in one process).
_FORWARDED = frozenset({None, EVENT, SYNC, NAMED, ROUTE_REPORT})


class Session:
    """One browser's session: its document, its batches, its messages.

    Args:
        client: the session's handle.
        document: its document (with ``shared``, the one every session shows).
        handlers: the application's registered handlers.
        limits: what the browser may send.
        shared: whether the document is shared with other sessions: form state one
            browser sends then changes what the others show, so it is flushed.
        retention: with the resume protocol, how long the session outlives its socket
            and what it keeps meanwhile; ``None`` for a browser that does not speak it
            (its frames are bare JavaScript, and the session ends with its socket).
        clock: seconds, for the rate limit and the replay log's ages (injected by tests).
        wire: how its batches are written (:data:`JS_WIRE` unless the client asked for
            JSON).
    """

    def __init__(self, client: Client, document: Document, handlers: Handlers,
                 limits: Limits = Limits(), *, shared: bool = False, retention: Retention | None = None,
                 clock: Callable[[], float] = time.monotonic, wire: Wire = JS_WIRE):
        self.client = client
        self.wire = wire
        self.document = document
        self.handlers = handlers
        self.limits = limits
        self.shared = shared
        self.clock = clock
        #: The number of the last batch sent.
        self.batches = 0
        #: The resume protocol's settings, or None (the browser does not speak it).
        self.retention = retention
        #: The batches the browser has not acknowledged (with the resume protocol).
        self.log = ReplayLog(retention) if retention is not None else None
        #: The token a returning browser presents; the one before it stays good until
        #: the browser shows it has the new one (a welcome lost with its socket).
        self.token: str | None = None
        self.previous_token: str | None = None
        #: The number ("q") of the last message received from the browser.
        self.received = 0
        #: Whether a socket is on the line now.
        self.online = True
        #: Whether the page said goodbye (it unloaded): its socket's loss is final
        #: unless it returns within the reload grace.
        self.leaving = False
        #: Whether the page said it will not come back: its session ends with its socket.
        self.final = False
        #: Whether the browser has ever sent anything after its welcome (so it knows
        #: its token). One that never did cannot come back for the session: it is
        #: kept only for the reload grace.
        self.confirmed = False
        #: The last ``received`` a frame told the browser (it lets go of messages up to it).
        self.confirmed_in = 0
        #: Control frames to send now (the transport's core takes them after receive).
        self.control: list[str] = []
        #: Whether the browser has a page: with a shared document it gets the whole
        #: page first, then the batches everyone gets.
        self.has_page = not shared
        #: Actions for this browser only, sent with its next batch (shared documents).
        self.private: list[tuple] = []
        self._inbox: deque[dict] = deque()
        self._rate = RateLimit(limits.max_messages_per_second, clock)
        #: How many times the page was rebuilt after a failed batch, on this connection.
        self.resyncs = 0
        #: While the server renders the session's first page into the HTML page it
        #: serves (``DomsyncServer(prerender=True)``): flushes send nothing, the page
        #: will hold it all.
        self.prerendering = False
        #: A prerendered session whose page has not connected yet: its first
        #: websocket is its start, not a return (no ``online`` handlers), and pins
        #: its origin.
        self.prerendered = False
        #: The ``Origin`` of the page that opened the session: a token presented
        #: from another origin does not resume it.
        self.origin: str | None = client.request.headers.get("Origin")
        #: For a shared document that another process owns (a backplane replica): takes
        #: the browser's events, form edits and named messages to the owner, and returns
        #: True if it did (False: this process owns the document now; handle them here).
        self.forward: Callable[[Client, dict], bool] | None = None

    def __repr__(self) -> str:
        return f"<Session {self.client.id} batches={self.batches} waiting={len(self._inbox)}>"

    # ------------------------------------------------------------------ outgoing

    def frame(self, batch: str) -> str:
        """The frame that carries an encoded batch, counted as sent (``""`` for an
        empty batch, which is not counted). The caller encodes the ops, once for every
        session that shows the same document. With the resume protocol the frame is
        numbered, and kept until the browser acknowledges it."""
        if not batch:
            return batch
        self.batches += 1
        log = self.log
        if log is None:
            return batch
        frame = batch_frame(self.batches, self.received, batch)
        self.confirmed_in = self.received
        log.add(self.batches, frame, self.clock())
        return frame

    def given_in_page(self) -> int:
        """Count the batch that the page served with the session carries (see
        :mod:`domsync.prerender`): the next frame is the one after it. Returns its
        number."""
        self.batches += 1
        if self.log is not None:
            self.log.given(self.batches)
        return self.batches

    def restart_log(self) -> None:
        """The browser is about to get the whole page: the batches before it need no
        replay."""
        if self.log is not None:
            self.log.clear()

    # ------------------------------------------------------------------ incoming

    def receive(self, frame: str | bytes) -> bool:
        """Check a frame from the browser and queue its message.

        Returns:
            True if a message was queued (then call :meth:`next_step`); False if the
            frame was logged and dropped.
        """
        client = self.client
        limit = self._rate
        if not limit.allow():
            if limit.clock() - limit.reported > 1 or limit.reported < 0:
                logger.warning("client %s sends too many messages: dropped %d so far",
                               client.address, limit.dropped)
                limit.reported = limit.clock()
            return False
        if not isinstance(frame, str):
            logger.warning("dropped a binary message of %d bytes from %s", len(frame), client.address)
            return False
        size_limit = self.limits.max_message_size
        # len() counts characters; only a long message can be too many bytes.
        if len(frame) > size_limit and len(frame.encode("utf-8", "surrogatepass")) > size_limit:
            logger.warning("dropped a message of %d bytes from %s (max_message_size is %d)",
                           len(frame.encode("utf-8", "surrogatepass")), client.address, size_limit)
            return False
        try:
            data = json.loads(frame)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            logger.warning("dropped a message from %s that is not JSON: %s", client.address, brief(frame))
            return False
        if not isinstance(data, dict) or data.get("domsync") is not True:
            logger.warning("dropped a message from %s that is not a domsync message: %s",
                           client.address, brief(frame))
            return False
        number = self._resume_fields(data) if self.log is not None else None
        if number is False:
            return False
        if len(self._inbox) >= self.limits.inbox:
            logger.warning("dropped a message from %s: its callbacks are %d messages behind",
                           client.address, len(self._inbox))
            return False
        self._inbox.append(data)
        if number is not None:
            self.received = number  # only now: a message dropped above is sent again
        return True

    def _resume_fields(self, data: dict) -> int | bool | None:
        """Read what the resume protocol adds to a message: the acknowledgement, and
        the message's number ``q``. Returns False if the message needs nothing more (an
        ack, a goodbye), or is one the session already has, or comes after one that was
        dropped (the browser sends both again); else its number (None if it has none).

        Messages are taken strictly in order: a message dropped here (too many, too
        big, a full inbox) does not count as received, so the browser, which keeps
        every message until the server confirms it, sends it again, and every message
        is handled once."""
        assert self.log is not None
        self.confirmed = True  # anything after the welcome: the browser holds its token
        self.log.ack(data.get("a"))
        kind = data.get("type")
        if kind == BYE:
            # A page that will not come back (it starts afresh when reloaded) says so.
            self.leaving = True
            self.final = data.get("final") is True
            return False
        self.leaving = False  # still here after all (back from the back-forward cache)
        if kind == ACK:
            if self.received > self.confirmed_in:
                self.control.append(confirm_frame(self.received))
                self.confirmed_in = self.received
            return False
        if kind == HELLO:
            logger.warning("dropped a second hello from %s", self.client.address)
            return False
        number = data.get("q")
        if type(number) is not int:
            return None
        if number <= self.received:
            logger.debug("dropped message %d from %s: it arrived before", number, self.client.address)
            return False
        if number != self.received + 1:
            logger.debug("dropped message %d from %s: message %d has not arrived (it is sent again)",
                         number, self.client.address, self.received + 1)
            return False
        return number

    @property
    def waiting(self) -> int:
        """How many messages wait for :meth:`next_step`."""
        return len(self._inbox)

    def next_step(self) -> Step | None:
        """Handle the next queued message: write what the browser sent into the
        document, and return what to run for it (None if nothing is queued).

        The caller holds the document's lock (a shared or thread-safe document) while
        this runs, and runs the returned calls, in order, before the next step.
        """
        if not self._inbox:
            return None
        data = self._inbox.popleft()
        kind = data.get("type")
        document = self.document
        if self.forward is not None and kind in _FORWARDED and self.forward(self.client, data):
            return Step(flush=False)
        if kind == SYNC:
            document.handle_sync(data)
            return Step(flush=self.shared)  # with a shared document, the others see the edit
        if kind == ROUTE_REPORT:
            if not document.handle_route(data):
                return Step()
            page, route_vars = document.page, dict(document.route_vars)
            return Step([Call(handler, (self.client, page, route_vars), "route handler", data)
                         for handler in self.handlers.lifecycle["route"]])
        if kind == NAMED:
            return Step(self._named_message(data))
        if kind == ERROR:
            return Step(flush=False, resync=self._client_error(data))
        prepared = document._prepare_event(data)
        if prepared is None:
            return Step()
        callback, event = prepared
        event.client = self.client
        return Step([Call(callback, (event,), f"event callback for {brief(data.get('event'))}", data)])

    def _named_message(self, data: dict) -> list[Call]:
        name = data.get("name")
        handlers = self.handlers.messages.get(name) if type(name) is str else None
        if not handlers:
            logger.warning("dropped a message from %s named %s: no @server.on_event handler for it",
                           self.client.address, brief(name))
            return []
        assert type(name) is str  # there are handlers for it
        context = EventContext(name, data.get("payload"), self.client, self.document)
        return [Call(handler, (context,), f"handler of message {brief(name)}", data) for handler in handlers]

    def _client_error(self, data: dict) -> bool:
        """Log an error the browser reported. True if the page must be rebuilt: after
        a failed batch it no longer matches the document (at most MAX_RESYNCS times)."""
        source = data.get("source")
        logger.warning("client %s reported an error in %s: %s", self.client.address, brief(source),
                       brief(data.get("message"), 500))
        if source != "batch" or self.resyncs >= MAX_RESYNCS:
            return False
        self.resyncs += 1
        return True
