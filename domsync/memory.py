"""An in-memory transport: the same sessions, handlers and delivery as
:class:`~domsync.DomsyncServer`, with no sockets, for tests.

:class:`MemoryServer` takes the arguments of :class:`~domsync.DomsyncServer` that are
not about the network. :meth:`MemoryServer.connect` opens a session as a browser's
websocket would, and returns the browser's end, a :class:`MemoryPeer`: the frames the
server sent (JavaScript batches, as on the websocket), and :meth:`MemoryPeer.send` for
messages the other way.

Example:
    .. code-block:: python

        server = MemoryServer(handler)
        page = await server.connect()
        await page.send({"domsync": True, "event": "click", "id": 3})
        frame = await page.next_frame()
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any, Callable, Iterable
from wsgiref.headers import Headers

from .client import Client, Request
from .exceptions import ClientGoneError
from .prerender import PrerenderedPage
from .server_core import ServerCore

__all__ = ["MemoryServer", "MemoryPeer", "connect_peer"]

_peers = itertools.count(1)


class MemoryPeer:
    """The browser's end of an in-memory session.

    Attributes:
        client: the session's :class:`~domsync.client.Client`, as the server's
            handlers see it.
        frames: every frame the server sent, in order.
        closed: whether the connection is closed.
        stalled: while True, the peer takes nothing: :meth:`drain` waits, as a
            browser that stopped reading makes the server wait.
    """

    def __init__(self, server: ServerCore, client: Client):
        self.server = server
        self.client = client
        self.frames: list[str] = []
        self.closed = False
        self.stalled = False
        self._arrived = asyncio.Event()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._read = 0

    def __repr__(self) -> str:
        return f"<MemoryPeer {self.client.id} frames={len(self.frames)}{' closed' if self.closed else ''}>"

    # ------------------------------------------------------------------ the browser's side

    async def send(self, message: Any) -> None:
        """Send a message to the server: a dict (sent as JSON), or a frame as it is
        (``str``, or ``bytes`` for a binary frame)."""
        if self.closed:
            raise ClientGoneError("this in-memory connection is closed")
        frame = json.dumps(message) if isinstance(message, dict) else message
        if self.client._connection is self:  # not a socket its session has left for another
            self.server._receive(self.client, frame)
        await asyncio.sleep(0)  # let the session's worker run

    async def next_frame(self, timeout: float = 5) -> str:
        """The next frame the server sent that this method has not returned yet.

        Raises:
            TimeoutError: if none arrives in time.
        """
        while self._read >= len(self.frames):
            self._arrived.clear()
            await asyncio.wait_for(self._arrived.wait(), timeout)
        frame = self.frames[self._read]
        self._read += 1
        return frame

    def stall(self, stalled: bool = True) -> None:
        """Stop taking frames (or start again)."""
        self.stalled = stalled
        if stalled:
            self._flowing.clear()
        else:
            self._flowing.set()

    async def close(self) -> None:
        """Close the connection as the browser would when its page unloads (a closed
        tab): a session that can be resumed is kept for the reload grace, any other
        ends."""
        if not self.closed:
            if self.client._connection is self and self.server.is_connected(self.client):
                session = self.server._hub.sessions[self.client]
                session.leaving = True
            await self._gone()

    async def drop(self) -> None:
        """Lose the connection without a goodbye, as a network failure does: a session
        that can be resumed goes offline, any other ends."""
        if not self.closed:
            await self._gone()

    async def _gone(self) -> None:
        self.closed = True
        self._flowing.set()
        self._forget()
        ending = self.server._lost(self.client, self)
        if ending is not None:
            await ending  # the disconnect handlers have run
        await asyncio.sleep(0)

    # ------------------------------------------------------------------ the server's side

    def write(self, frame: str) -> None:
        """The server's side: take a frame (ClientGoneError once closed)."""
        if self.closed:
            raise ClientGoneError("the in-memory connection is closed")
        self.frames.append(frame)
        self._arrived.set()

    async def drain(self) -> None:
        """The server's side: wait while the peer is stalled."""
        if self.closed:
            raise ClientGoneError("the in-memory connection is closed")
        await self._flowing.wait()
        if self.closed:
            raise ClientGoneError("the in-memory connection is closed")

    def abort(self) -> None:
        """The server's side: cut the connection."""
        if not self.closed:
            self.closed = True
            self._flowing.set()
            self._forget()
            self.server._lost(self.client, self)

    def _forget(self) -> None:
        """Leave the server's list of open peers: a closed one, kept with every frame
        it got, would grow the server's memory with each session that ever was."""
        peers = getattr(self.server, "peers", None)
        if peers is not None and self in peers:
            peers.remove(self)


class MemoryServer(ServerCore):
    """A domsync server whose browsers are :class:`MemoryPeer` objects in this
    process. It takes :class:`~domsync.DomsyncServer`'s arguments except the
    network's (host, port, origins, allowed hosts, page).
    """

    def __init__(self, connection_handler: Any = None, **options: Any):
        super().__init__(connection_handler, **options)
        self._started = False
        self._closing = False
        #: The peers whose connection is open.
        self.peers: list[MemoryPeer] = []

    async def connect(self, path: str = "/ws", headers: Iterable[tuple[str, str]] = (),
                      remote_address: Any = None) -> MemoryPeer:
        """Open a session, as a browser's websocket to ``path`` would.

        Args:
            path: the websocket's path and query (``/ws?route=shop`` for a page opened
                at ``#shop``).
            headers: the request's headers.
            remote_address: the address the client reports; ``("memory", n)`` by
                default.
        """
        if not self._started:
            self._started = True
            self._start()
        peer = await connect_peer(self, path, headers, remote_address)
        self.peers.append(peer)
        return peer

    async def load_page(self, path: str = "/", headers: Iterable[tuple[str, str]] = (),
                        remote_address: Any = None) -> PrerenderedPage | None:
        """Ask for the page, as a browser that loads it does: with ``prerender=True``
        its session starts, and this returns the first render that goes into the page
        (the root's markup and the boot block's JSON, with the session's token); None
        without ``prerender``, or when no session could start (the page then comes
        without one)."""
        if not self._started:
            self._started = True
            self._start()
        if not self.prerender:
            return None
        return await self._prerender(Request(path, Headers(list(headers))), remote_address or ("memory", 0))

    def _running(self) -> bool:
        return not self._closing

    async def close(self) -> None:
        """End every session and stop the handlers, callbacks and autoflush."""
        self._closing = True
        await self._stop()
        for peer in list(self.peers):
            await peer.close()
        if self._background:
            await asyncio.wait(list(self._background), timeout=5)
        self._started = False
        self._closing = False


async def connect_peer(server: ServerCore, path: str = "/ws", headers: Iterable[tuple[str, str]] = (),
                       remote_address: Any = None, peer_class: type[MemoryPeer] = MemoryPeer,
                       prepare: Callable[[MemoryPeer], None] | None = None) -> MemoryPeer:
    """Open an in-memory connection to any server (its transport started): what
    :meth:`MemoryServer.connect` does, for :mod:`domsync.testing`, which also drives a
    :class:`~domsync.DomsyncServer` this way. ``peer_class`` makes the browser's end,
    and ``prepare`` is called with it before the server sees it."""
    client = Client(Request(path, Headers(list(headers))), remote_address or ("memory", next(_peers)))
    peer = peer_class(server, client)
    if prepare is not None:
        prepare(peer)
    client._connection = peer
    server._open(client)
    await asyncio.sleep(0)  # let its handlers start
    return peer
