"""A TCP proxy that can cut, refuse, stall and delay connections: a faulty network
between a browser and a server, in the test's own event loop.

    proxy = await FaultyNetwork.start(server.port)
    page.goto(proxy.url)          # the browser talks to the server through it
    await proxy.cut()             # every connection drops at once (no goodbye)
    proxy.down = True             # new connections are refused while down
    proxy.stall(True)             # nothing moves, in either direction
    proxy.delay = 0.05            # 50 ms more each way
    proxy.strip_prefix = b"/app"  # a reverse proxy that serves the app under /app
"""

from __future__ import annotations

import asyncio
import contextlib
import re


class FaultyNetwork:
    """A proxy from ``127.0.0.1:<port>`` to ``127.0.0.1:<target>``.

    Attributes:
        down: while True, new connections are closed at once, as an unreachable server.
        delay: seconds added to every chunk, each way.
        connections: how many connections it has carried.
    """

    def __init__(self, target: int):
        self.target = target
        self.down = False
        self.delay = 0.0
        self.strip_prefix = b""
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._pairs: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter]] = set()
        self._flowing = asyncio.Event()
        self._flowing.set()
        self._tasks: set[asyncio.Task] = set()

    @classmethod
    async def start(cls, target: int) -> "FaultyNetwork":
        proxy = cls(target)
        proxy._server = await asyncio.start_server(proxy._accept, "127.0.0.1", 0)
        return proxy

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def cut(self) -> None:
        """Drop every open connection at once, both ends, with no closing handshake."""
        for browser, server in list(self._pairs):
            for writer in (browser, server):
                writer.transport.abort()
        self._pairs.clear()
        await asyncio.sleep(0)

    async def outage(self, seconds: float) -> None:
        """Cut every connection, and refuse new ones for ``seconds``."""
        self.down = True
        await self.cut()
        await asyncio.sleep(seconds)
        self.down = False

    def stall(self, stalled: bool = True) -> None:
        """Stop moving bytes (the sockets stay open, and fill up), or start again."""
        if stalled:
            self._flowing.clear()
        else:
            self._flowing.set()

    async def close(self) -> None:
        await self.cut()
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=2)

    async def _accept(self, browser_reader: asyncio.StreamReader, browser: asyncio.StreamWriter) -> None:
        if self.down:
            browser.transport.abort()
            return
        try:
            server_reader, server = await asyncio.open_connection("127.0.0.1", self.target)
        except OSError:
            browser.transport.abort()
            return
        self.connections += 1
        pair = (browser, server)
        self._pairs.add(pair)
        for reader, writer, upstream in ((browser_reader, server, True), (server_reader, browser, False)):
            task = asyncio.ensure_future(self._pipe(reader, writer, pair, upstream))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, pair, upstream: bool) -> None:
        try:
            while True:
                await self._flowing.wait()
                data = await reader.read(65536)
                if not data:
                    break
                if upstream and self.strip_prefix:
                    # A request line for <prefix>/x goes on as /x (Chromium writes each
                    # request's head in one piece).
                    data = re.sub(rb"(^|\r\n)([A-Z]+) " + re.escape(self.strip_prefix) + rb"(/| )",
                                  rb"\1\2 /", data) if data[:1].isupper() else data
                if self.delay:
                    await asyncio.sleep(self.delay)
                await self._flowing.wait()
                if pair not in self._pairs:
                    return  # cut meanwhile: the bytes are lost, as on a dead link
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            # One side ended: so does the other (as the far end's close would travel).
            if pair in self._pairs:
                self._pairs.discard(pair)
                for end in pair:
                    with contextlib.suppress(Exception):
                        end.close()
