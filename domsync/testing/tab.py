"""The browser client (``client_js/domsync.js``) in Python: one tab's connection, its
session protocol, and the page the batches build.

A :class:`Tab` speaks the resume protocol as the browser client does: a hello
with the session's token and the last batch applied, numbered batches applied once and
in order, every message numbered (``q``) and kept until the server confirms it, acks,
goodbyes, and the whole dance again after a drop. It asks for the JSON wire
(``?wire=json``), so batches are ops it applies to a :class:`~domsync.mirror.Mirror`,
which applies them as the browser does.

How frames travel is a :class:`Link`: in memory (:class:`MemoryLink`, the server's
in-memory transport) or over a real websocket (:class:`WebSocketLink`). A
:class:`Delay` between the two adds latency in both directions.
"""

from __future__ import annotations

import asyncio
import json
import logging
import base64
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Protocol
from urllib.parse import urlencode, urlsplit, urlunsplit

from ..downloads import answer_download
from ..exceptions import ClientGoneError
from ..memory import MemoryPeer, connect_peer
from ..mirror import Mirror, MirrorError
from ..protocol import (
    ACK, BYE, DOWNLOAD, DOWNLOAD_PATH, DOWNLOAD_URL, ERROR, HELLO, MESSAGE, NOTIFY, OPEN_URL,
    PROTOCOL_VERSION, RESET, ROUTE, ROUTE_REPORT, RUN_JS, WEBSOCKET_PATH, WORKER_PARAMETER,
)

__all__ = ["Tab", "Link", "MemoryLink", "WebSocketLink", "Received", "Notification", "Download",
           "CONNECTING", "ONLINE", "OFFLINE", "CLOSED"]

logger = logging.getLogger("domsync.testing")

#: Connection states, as :meth:`Tab.connection_states` reports them.
CONNECTING, ONLINE, OFFLINE, CLOSED = "connecting", "online", "offline", "closed"

#: The browser client's retry delays after a drop, in seconds.
RETRY_DELAYS = (0.1, 0.2, 0.4, 0.5)
#: An idle tab acknowledges new batches this often (seconds), as the browser does.
ACK_INTERVAL = 2.0
#: At most this many unconfirmed messages are kept.
MAX_PENDING = 1000


@dataclass(frozen=True)
class Notification:
    """A notification the server showed (``document.add_notification``)."""

    type: str
    title: str
    message: str


@dataclass
class Download:
    """A file the server sent, with its bytes (a large one is fetched from its
    one-time URL first, as the browser does). Its attributes and methods follow
    Playwright's ``Download``."""

    suggested_filename: str
    mime_type: str
    data: bytes
    _path: str | None = field(default=None, repr=False)

    async def path(self) -> str:
        """A temporary file with the bytes (written on first call)."""
        if self._path is None:
            import tempfile

            handle, self._path = tempfile.mkstemp(prefix="domsync-download-")
            with open(handle, "wb") as file:
                file.write(self.data)
        return self._path

    async def save_as(self, path: Any) -> None:
        """Write the bytes to ``path``."""
        with open(path, "wb") as file:
            file.write(self.data)


@dataclass(frozen=True)
class Received:
    """One thing the server sent, as :meth:`Tab.received` reports it.

    Attributes:
        kind: ``"batch"`` (``data`` is the list of ops, ``number`` its number),
            ``"message"`` (``data`` is ``(name, payload)``), ``"notification"``,
            ``"download"``, ``"open_url"``, ``"route"``, ``"run_js"`` (the code,
            recorded, never run) or ``"welcome"`` (the control frame, a dict).
        data: what it carried.
        number: the batch's number (0 for what is not a batch).
    """

    kind: str
    data: Any
    number: int = 0


_ACTION_KINDS = {MESSAGE: "message", NOTIFY: "notification", OPEN_URL: "open_url", ROUTE: "route",
                 RUN_JS: "run_js"}


class Link(Protocol):
    """How a tab's frames travel: one connection, opened by :meth:`Tab.connect`."""

    async def open(self, path: str, tab: "Tab") -> None:
        """Connect to the websocket at ``path`` (path and query); frames go to
        ``tab._frame_arrived`` and the end of the connection to ``tab._link_lost``."""

    async def send(self, text: str) -> None:
        """Send a frame (dropped if the connection has gone)."""

    async def drop(self) -> None:
        """Lose the connection without a goodbye, as a network failure does."""

    async def close(self) -> None:
        """Close the connection cleanly."""

    async def fetch(self, token: str, worker: str | None = None) -> bytes:
        """The bytes of a large download, from its one-time URL (with ``worker``, the
        URL names the worker process that holds the session, as the page's does)."""

    def can_reconnect(self) -> bool:
        """Whether there is a server to reconnect to."""


class _TabPeer(MemoryPeer):
    """The tab's end of an in-memory connection: frames go straight to the link."""

    link: "MemoryLink"

    def write(self, frame: str) -> None:
        if self.closed:
            raise ClientGoneError("the in-memory connection is closed")
        self.link._deliver(self, frame)

    def abort(self) -> None:
        if not self.closed:
            super().abort()
            self.link._server_closed(self)

    async def _gone(self) -> None:
        await super()._gone()
        self.link._server_closed(self)  # a MemoryServer closing (the tab's own closes are not its peer's)


class MemoryLink:
    """A tab's connection over the server's in-memory transport (no sockets)."""

    def __init__(self, server: Any, headers: list[tuple[str, str]] | None = None):
        self.server = server
        self.headers = headers if headers is not None else [("Origin", "http://testserver"),
                                                            ("User-Agent", "domsync.testing")]
        self.peer: _TabPeer | None = None
        self.tab: Tab | None = None

    async def open(self, path: str, tab: "Tab") -> None:
        self.tab = tab
        peer = await connect_peer(self.server, path, self.headers, peer_class=_TabPeer, prepare=self._prepare)
        if peer.closed:
            raise ConnectionError("the server refused the connection")

    def _prepare(self, peer: MemoryPeer) -> None:
        assert isinstance(peer, _TabPeer)
        peer.link = self
        self.peer = peer
        peers = getattr(self.server, "peers", None)
        if isinstance(peers, list):
            peers.append(peer)  # a MemoryServer closes the connections it knows

    def _deliver(self, peer: _TabPeer, frame: str) -> None:
        if peer is self.peer and self.tab is not None:
            self.tab._frame_arrived(frame)

    def _server_closed(self, peer: _TabPeer) -> None:
        if peer is self.peer and self.tab is not None:
            self.peer = None
            self.tab._link_lost(self)

    async def send(self, text: str) -> None:
        peer = self.peer
        if peer is not None and not peer.closed:
            await peer.send(text)

    async def drop(self) -> None:
        peer, self.peer = self.peer, None
        if peer is not None:
            await peer.drop()

    async def close(self) -> None:
        peer, self.peer = self.peer, None
        if peer is not None:
            await peer.close()

    async def fetch(self, token: str, worker: str | None = None) -> bytes:
        response, chunks, _ = answer_download(self.server._downloads, "GET", token)
        if chunks is None:
            raise ConnectionError(f"the download was refused: {response.status} {response.body!r:.100}")
        return b"".join(bytes(chunk) for chunk in chunks)

    def can_reconnect(self) -> bool:
        return bool(self.server._running()) and getattr(self.server, "_started", True)


class WebSocketLink:
    """A tab's connection to a running server over a real websocket (the websockets
    library's asyncio client)."""

    def __init__(self, url: str, headers: dict[str, str] | None = None):
        parts = urlsplit(url)
        scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
        #: The page's URL, without its query and hash.
        self.page_url = urlunsplit((parts.scheme.replace("ws", "http", 1) if parts.scheme.startswith("ws")
                                    else parts.scheme, parts.netloc, parts.path or "/", "", ""))
        directory = (parts.path or "/").rsplit("/", 1)[0] + "/"
        self.base = urlunsplit((scheme, parts.netloc, directory, "", ""))
        self.headers = headers or {}
        self.socket: Any = None
        self.reader: asyncio.Task | None = None
        self.tab: Tab | None = None
        self.closing = False

    async def open(self, path: str, tab: "Tab") -> None:
        from websockets.asyncio.client import connect

        self.tab = tab
        self.closing = False
        url = self.base + path.lstrip("/")
        self.socket = socket = await connect(url, additional_headers=self.headers, max_size=None,
                                             open_timeout=10)
        self.reader = asyncio.create_task(self._read(socket))

    async def _read(self, socket: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for frame in socket:
                if socket is self.socket and self.tab is not None and isinstance(frame, str):
                    self.tab._frame_arrived(frame)
        except ConnectionClosed:
            pass
        if socket is self.socket and self.tab is not None and not self.closing:
            self.socket = None
            self.tab._link_lost(self)

    async def send(self, text: str) -> None:
        from websockets.exceptions import ConnectionClosed

        socket = self.socket
        if socket is not None:
            try:
                await socket.send(text)
            except ConnectionClosed:
                pass

    async def drop(self) -> None:
        socket, self.socket = self.socket, None
        self.closing = True
        if socket is not None:
            socket.transport.abort()
        await self._stop_reader()

    async def close(self) -> None:
        socket, self.socket = self.socket, None
        self.closing = True
        if socket is not None:
            await socket.close()
        await self._stop_reader()

    async def _stop_reader(self) -> None:
        reader, self.reader = self.reader, None
        if reader is not None and reader is not asyncio.current_task():
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)

    async def fetch(self, token: str, worker: str | None = None) -> bytes:
        base = self.base.replace("ws", "http", 1)
        url = base + DOWNLOAD_PATH + token
        if worker is not None:
            url += "?" + urlencode({WORKER_PARAMETER: worker})

        def get() -> bytes:
            with urllib.request.urlopen(url, timeout=60) as response:
                return bytes(response.read())

        return await asyncio.to_thread(get)

    def can_reconnect(self) -> bool:
        return True


class Tab:
    """One browser tab, in Python: its connection, its session and its page.

    Args:
        link: how its frames travel.
        root_id: the id of the page's root element (the server's ``root_id``).
        route: the URL hash the page is opened at (without ``#``).
        latency: seconds added to every frame, each way.
    """

    def __init__(self, link: Link, root_id: str = "domsync_root_id", route: str = "", latency: float = 0):
        self.link = link
        self.mirror = Mirror(root_id)
        self.mirror.route = route
        self.latency = latency
        #: The connection's state: connecting, online, offline or closed.
        self.state = CLOSED
        self.token: str | None = None
        #: The worker process that holds the session, as its welcome named it (``None``
        #: when the server runs alone); it goes into every later URL, as in the browser.
        self.worker: str | None = None
        self.applied = 0
        self.has_page = False
        self.sent_q = 0
        self.acked_batch = 0
        self.pending: list[dict] = []  # {"q", "message", "sent"}
        self.welcomed = False
        self.ack_now = False
        self.max_message = float("inf")
        #: Take the root id from the first page the server sends (a live server's page
        #: says which it is; :func:`~domsync.testing.connect` does not know it).
        self.adopt_root = False
        #: Whether the user took the tab offline (no reconnecting until online again).
        self.offline = False
        self.closed = False
        #: Errors the page reported to the server (what the browser's console shows).
        self.errors: list[str] = []
        self.notifications: list[Notification] = []
        self.downloads: list[Download] = []
        self._change = asyncio.Event()
        self._subscribers: list[asyncio.Queue] = []
        self._state_subscribers: list[asyncio.Queue] = []
        self._tasks: set[asyncio.Future] = set()
        self._incoming: asyncio.Queue | None = None
        #: Counts connections: what was queued for one is dropped once it is gone.
        self._generation = 0
        #: Frames to send, in order, each with when it may leave and its connection.
        self._outbox: deque[tuple[float, int, str]] = deque()
        self._outbox_changed = asyncio.Event()
        self._sender: asyncio.Task | None = None
        #: Applied batches, and the last that set a route (the browser client's
        #: ``batches`` and ``route.batch``: routes in one batch make one history entry).
        self._batches = 0
        self._route_batch = -1
        #: The element that has the focus (the page's, kept here: a rebuilt page puts it
        #: back on the element with the same key, as the browser client does).
        self.focused: Any = None
        self._attempts = 0
        self._timer: asyncio.Task | None = None
        self._sent_route = route
        #: The routes of the tab's history (its hash entries), and where it is in them.
        self.history = [route]
        self.history_index = 0
        self._reported_route = route

    def __repr__(self) -> str:
        return f"<Tab {self.state} batches={self.applied} pending={len(self.pending)}>"

    # ------------------------------------------------------------------ connection

    async def connect(self) -> None:
        """Open the connection and say hello; returns once welcomed (or raises)."""
        self._set_state(CONNECTING)
        self.welcomed = False
        self._sent_route = self.mirror.route
        self._generation += 1
        parameters = {"v": PROTOCOL_VERSION, "route": self.mirror.route, "wire": "json"}
        if self.worker is not None:
            parameters[WORKER_PARAMETER] = self.worker  # for the proxy: back to the session's worker
        query = urlencode(parameters)
        await self.link.open(f"/{WEBSOCKET_PATH}?{query}", self)
        self._attempts = 0
        self._send_control({"type": HELLO, "token": self.token, "batch": self.applied if self.has_page else None})
        if self._timer is None:
            self._timer = self._spawn(self._ack_loop())

    async def wait_online(self, timeout: float, page: bool = True) -> None:
        """Wait until the tab is welcomed (and, with ``page``, has its page)."""
        try:
            async with asyncio.timeout(timeout):
                while not (self.welcomed and (self.has_page or not page)):
                    await self.changed()
        except TimeoutError:
            raise TimeoutError(f"the page was not {'shown' if page else 'welcomed'} within {timeout:g} s "
                               f"(the tab is {self.state})") from None

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            for queue in self._state_subscribers:
                queue.put_nowait(state)
            self._notify()

    def _link_lost(self, link: Link) -> None:
        """The connection ended without us (the server cut it, or the network)."""
        self.welcomed = False
        self._generation += 1
        if self.closed:
            return
        self._set_state(OFFLINE)
        if not self.offline and link.can_reconnect():
            self._spawn(self._reconnect())

    async def _reconnect(self) -> None:
        while not (self.closed or self.offline or self.welcomed) and self.link.can_reconnect():
            delay = RETRY_DELAYS[min(self._attempts, len(RETRY_DELAYS) - 1)]
            self._attempts += 1
            await asyncio.sleep(delay)
            if self.closed or self.offline or self.state != OFFLINE:
                return
            try:
                await self.connect()
                return
            except (OSError, ConnectionError, asyncio.TimeoutError) as exc:
                logger.debug("reconnecting failed: %s", exc)
                self._set_state(OFFLINE)
            except Exception as exc:  # the websockets client's handshake errors
                logger.debug("reconnecting failed: %r", exc)
                self._set_state(OFFLINE)

    async def go_offline(self) -> None:
        """Lose the connection, as a network failure does, and stay offline."""
        self.offline = True
        self.welcomed = False
        self._generation += 1
        await self.link.drop()
        self._set_state(OFFLINE)
        await asyncio.sleep(0)

    async def go_online(self) -> None:
        """Come back (the tab reconnects and resumes its session)."""
        self.offline = False
        if self.state in (OFFLINE, CLOSED) and not self.closed:
            await self.connect()

    async def leave(self, final: bool = False) -> None:
        """The page unloads (a reload, a closed tab): say goodbye and close. ``final``:
        the page will not come back (its session can end now), as a page whose reload
        starts afresh says."""
        if self.welcomed:
            self._send_control({"type": BYE, "a": self.applied, **({"final": True} if final else {})})
            await self._drain_outbox()
        self.welcomed = False
        self._generation += 1
        await self.link.close()

    async def reload(self) -> None:
        """Reload the page, as the browser client does: goodbye, then a new page that
        presents the session's token and sends again what the server has not
        confirmed; the server sends the whole page."""
        await self.leave()
        edits, route_seq, route = dict(self.mirror.edits), self.mirror.route_seq, self.mirror.route
        self.mirror = Mirror(self.mirror.root_id)
        self.mirror.edits, self.mirror.route_seq, self.mirror.route = edits, route_seq, route
        self.mirror.new_session = False
        self.applied = self.acked_batch = 0
        self.has_page = False
        self.focused = None
        for entry in self.pending:
            entry["sent"] = 0
        await self.connect()

    async def close(self, final: bool = False) -> None:
        """Close the tab: goodbye, and no reconnecting. As in the browser, the server
        keeps the session for its reload grace (the page may be reloading), unless
        ``final``."""
        if self.closed:
            return
        await self.leave(final=final)
        self.closed = True
        self._set_state(CLOSED)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for queue in self._subscribers:
            queue.put_nowait(None)
        for queue in self._state_subscribers:
            queue.put_nowait(None)

    def _spawn(self, coroutine: Any) -> asyncio.Task:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # ------------------------------------------------------------------ waiting

    def _notify(self) -> None:
        change, self._change = self._change, asyncio.Event()
        change.set()

    async def changed(self) -> None:
        """Wait for the next change: a frame applied, a state changed."""
        await self._change.wait()

    async def received(self) -> AsyncIterator[Received]:
        """Everything the server sends from now on (batches, then each action in
        them), until the tab closes."""
        queue: asyncio.Queue = asyncio.Queue()
        self._subscribers.append(queue)
        try:
            while (item := await queue.get()) is not None:
                yield item
        finally:
            self._subscribers.remove(queue)

    async def connection_states(self) -> AsyncIterator[str]:
        """The connection's state now, then each change (connecting, online, offline,
        closed), until the tab closes."""
        queue: asyncio.Queue = asyncio.Queue()
        queue.put_nowait(self.state)
        self._state_subscribers.append(queue)
        try:
            while (state := await queue.get()) is not None:
                yield state
                if state == CLOSED and self.closed:
                    return
        finally:
            self._state_subscribers.remove(queue)

    def _publish(self, item: Received) -> None:
        for queue in self._subscribers:
            queue.put_nowait(item)

    # ------------------------------------------------------------------ frames in

    def _frame_arrived(self, frame: str) -> None:
        if self.latency <= 0 and (self._incoming is None or self._incoming.empty()):
            self._handle_frame(frame)
            return
        if self._incoming is None:
            self._incoming = asyncio.Queue()
            self._spawn(self._delayed_frames(self._incoming))
        self._incoming.put_nowait((asyncio.get_running_loop().time() + self.latency, self._generation, frame))

    async def _delayed_frames(self, queue: asyncio.Queue) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due, generation, frame = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if generation == self._generation:  # not a frame of a connection since gone
                self._handle_frame(frame)

    def _handle_frame(self, frame: str) -> None:
        if frame.startswith("{"):
            try:
                control = json.loads(frame)
            except ValueError:
                control = None
            if isinstance(control, dict) and isinstance(control.get("in"), int) and "welcome" not in control:
                self._confirmed(control["in"])
                return
            if isinstance(control, dict) and control.get("welcome") is True:
                self._welcome(control)
                return
        self._batch(frame)

    def _welcome(self, w: dict) -> None:
        if not w.get("resumed"):
            if self.token is not None or self.has_page:
                self.pending.clear()
                self.sent_q = 0
            self.applied = self.acked_batch = 0
            self.has_page = False
            self.mirror.new_session = True
            self.mirror.route_seq = 0
            self._reported_route = self._sent_route
            self._route_batch = self._batches + 1  # a route in the first batch replaces the entry
            if w.get("expired"):
                self._notification("info", "The session expired; this is a new one", "")
        self.token = w.get("token")
        self.worker = w["worker"] if isinstance(w.get("worker"), str) else None
        received = w.get("in", 0)
        if isinstance(w.get("max"), int) and w["max"] != self.max_message:
            self.max_message = w["max"]
            # Queued before the server said its limit: those it would drop go now, and
            # the rest are numbered again, so that the server finds no gap.
            kept = [entry for entry in self.pending if entry["q"] <= received or not self._too_big(entry["message"])]
            if len(kept) != len(self.pending):
                logger.error("a queued message over the server's max_message_size was not sent")
                q = received
                for entry in kept:
                    if entry["q"] > received:
                        q += 1
                        entry["q"] = entry["message"]["q"] = q
                self.pending[:] = kept
                self.sent_q = q
        self.welcomed = True
        self.ack_now = True
        self.sent_q = max(self.sent_q, received)
        self._confirmed(received)
        self._publish(Received("welcome", w))
        self._set_state(ONLINE)
        for entry in self.pending:
            self._send_entry(entry)
        if not w.get("resumed") and self.mirror.route != self._sent_route:
            self._reported_route = self.mirror.route
            self.report_route()

    def _batch(self, frame: str) -> None:
        head, _, body = frame.partition("\n")
        number_text, _, received_text = head.partition(" ")
        try:
            number, received = int(number_text), int(received_text)
            ops = json.loads(body)
        except ValueError:
            logger.error("the server sent a frame the test client cannot read: %.200r", frame)
            return
        self._confirmed(received)
        if self.has_page and number <= self.applied:
            return  # applied before: never twice
        follows = self.has_page and number == self.applied + 1
        resets = any(op[0] == RESET for op in ops)
        rebuilt = not self.mirror.new_session
        self._batches += 1
        focused = next((key for key, el in self.mirror._nodes.items() if el is self.focused), None) \
            if resets and self.focused is not None else None
        if self.adopt_root and resets and ops[0][0] == RESET and ops[0][1] != self.mirror.root_id:
            self.mirror.root_id = ops[0][1]
            self.mirror.root._attrs["id"] = ops[0][1]
        try:
            self.mirror.apply(ops)
        except MirrorError as exc:
            self.report_error(str(exc), "batch")
        self.applied = number
        self.has_page = True
        if resets:
            self.focused = self.mirror.node(focused) if rebuilt and focused is not None else None
            if rebuilt:
                self._restore_user_state()
        self._publish(Received("batch", ops, number))
        for op in ops:
            self._action(op)
        if self.ack_now:
            self.ack_now = False
            self._send_control({"type": ACK, "a": self.applied})
            self.acked_batch = self.applied
        if not follows and not resets:
            self.report_error(f"missed the batches before batch {number}", "batch")
        self._notify()

    def _restore_user_state(self) -> None:
        """After the page was rebuilt within the session, put back the form state of
        the messages the server has not confirmed yet, as the browser client does."""
        for entry in self.pending:
            message = entry["message"]
            el = self.mirror.node(message["id"]) if type(message.get("id")) is int else None
            state = message.get("state")
            if el is None or not isinstance(state, dict):
                continue
            if isinstance(state.get("value"), str):
                el.value = state["value"]
            if isinstance(state.get("checked"), bool):
                el.checked = state["checked"]

    def _action(self, op: list) -> None:
        code = op[0]
        if code == NOTIFY:
            self._notification(op[1], op[2], op[3])
        elif code == DOWNLOAD:
            download = Download(op[1], op[2], base64.b64decode(op[3]))
            self.downloads.append(download)
            self._publish(Received("download", download))
        elif code == DOWNLOAD_URL:
            self._spawn(self._fetch(op[1], op[2], op[3]))
        elif code == ROUTE:
            if self.mirror.route == op[1]:  # not dropped as an answer to an older report
                self._reported_route = op[1]
                if self.history[self.history_index] != op[1]:
                    # A new history entry, or the current one replaced when the server
                    # answers a report, or for a second route in one batch.
                    if op[3] or self._route_batch == self._batches:
                        self.history[self.history_index] = op[1]
                    else:
                        self._push(op[1])
                    self._route_batch = self._batches
            self._publish(Received("route", op[1]))
        elif code in _ACTION_KINDS:
            data = (op[1], op[2]) if code == MESSAGE else op[1]
            self._publish(Received(_ACTION_KINDS[code], data))

    def _notification(self, kind: str, title: str, message: str) -> None:
        note = Notification(kind, title, message)
        self.notifications.append(note)
        self._publish(Received("notification", note))
        self._notify()

    async def _fetch(self, token: str, name: str, mime: str) -> None:
        try:
            data = await self.link.fetch(token, self.worker)
        except Exception as exc:
            self.report_error(f"the download {name!r} failed: {exc}", "download")
            return
        download = Download(name, mime, data)
        self.downloads.append(download)
        self._publish(Received("download", download))
        self._notify()

    def _confirmed(self, received: int) -> None:
        while self.pending and self.pending[0]["q"] <= received:
            self.pending.pop(0)

    async def _ack_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(ACK_INTERVAL)
            if not self.welcomed:
                continue
            now = loop.time()
            oldest = self.pending[0]["sent"] if self.pending else 0
            if oldest and now - oldest > 2 * ACK_INTERVAL:
                for entry in self.pending:
                    self._send_entry(entry)
            elif self.applied > self.acked_batch or (oldest and now - oldest > ACK_INTERVAL):
                self._send_control({"type": ACK, "a": self.applied})
                self.acked_batch = self.applied

    # ------------------------------------------------------------------ messages out

    def transmit(self, message: dict) -> None:
        """Send a message as the browser client's ``domsync.transmit`` does: numbered,
        kept until the server confirms it, sent now if online (else on resume)."""
        online = self.welcomed
        last = self.pending[-1] if self.pending else None
        if (not online and last is not None and not last["sent"] and message.get("type") == "sync"
                and last["message"].get("type") == "sync" and last["message"].get("id") == message.get("id")):
            last["message"] = {**message, "q": last["q"], "a": self.applied}  # offline typing: the newest
            return
        if len(self.pending) >= MAX_PENDING:
            logger.warning("%d messages wait for the server; dropped a new one", MAX_PENDING)
            return
        msg = {**message, "q": self.sent_q + 1, "a": self.applied}
        if self._too_big(msg):
            self.report_error(f"a message over the server's max_message_size ({self.max_message} bytes) "
                              f"was not sent", "send")
            return
        self.sent_q += 1
        entry = {"q": self.sent_q, "message": msg, "sent": 0}
        self.pending.append(entry)
        if online:
            self._send_entry(entry)

    def _too_big(self, message: dict) -> bool:
        """Over the server's limit, in UTF-8 bytes (with room for a newer ``a``)."""
        text = json.dumps(message, ensure_ascii=False, separators=(",", ":"))
        return len(text.encode("utf-8", "surrogatepass")) > self.max_message - 32

    def _send_entry(self, entry: dict) -> None:
        entry["message"]["a"] = self.applied
        entry["sent"] = asyncio.get_running_loop().time()
        self.acked_batch = self.applied
        self._send(json.dumps(entry["message"], ensure_ascii=False, separators=(",", ":")))

    def _send_control(self, message: dict) -> None:
        self._send(json.dumps({"domsync": True, **message}, separators=(",", ":")))

    def _send(self, text: str) -> None:
        """Queue a frame for this connection: frames leave one at a time, in order,
        each ``latency`` after it was queued, as on one websocket."""
        self._outbox.append((asyncio.get_running_loop().time() + self.latency, self._generation, text))
        self._outbox_changed.set()
        if self._sender is None or self._sender.done():
            self._sender = self._spawn(self._send_loop())

    async def _send_loop(self) -> None:
        loop = asyncio.get_running_loop()
        outbox = self._outbox
        while True:
            while not outbox:
                self._outbox_changed.clear()
                await self._outbox_changed.wait()
            due, generation, text = outbox[0]
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if generation == self._generation:  # else its connection is gone (it was kept in pending)
                await self.link.send(text)
            outbox.popleft()  # only now: _drain_outbox waits for the send itself
            if not outbox:
                self._outbox_changed.set()

    async def _drain_outbox(self) -> None:
        """Wait until every queued frame has left."""
        while self._outbox:
            self._outbox_changed.clear()
            await self._outbox_changed.wait()

    def report_error(self, message: str, source: str) -> None:
        """Report an error to the server, as the browser client does (``type: error``)."""
        self.errors.append(message)
        logger.warning("the page reported an error in %s: %s", source, message)
        self.transmit({"domsync": True, "type": ERROR, "source": source, "message": message[:2000],
                       "batch": self.applied})

    def report_route(self) -> None:
        """Tell the server the URL hash changed (``route`` message)."""
        self.mirror.route_seq += 1
        self.transmit({"domsync": True, "type": ROUTE_REPORT, "hash": self.mirror.route,
                       "seq": self.mirror.route_seq})

    def _push(self, route: str) -> None:
        del self.history[self.history_index + 1:]
        self.history.append(route)
        self.history_index += 1

    def navigate(self, route: str) -> None:
        """The user went to ``#route`` (a link, the address bar): a new history entry,
        reported to the server."""
        if route != self.mirror.route:
            self._push(route)
            self._show(route)

    def go_back(self) -> None:
        """The back button, within the page's routes."""
        if self.history_index > 0:
            self.history_index -= 1
            self._show(self.history[self.history_index])

    def go_forward(self) -> None:
        """The forward button."""
        if self.history_index < len(self.history) - 1:
            self.history_index += 1
            self._show(self.history[self.history_index])

    def _show(self, route: str) -> None:
        self.mirror.route = route
        if route != self._reported_route:  # the browser client's reportRoute
            self._reported_route = route
            self.report_route()
        self._notify()

    def send_named(self, name: str, payload: Any = None) -> None:
        """Page script's ``domsync.send(name, payload)``."""
        self.transmit({"domsync": True, "type": "message", "name": name, "payload": payload})

