"""Opening pages: :func:`open` (in memory, on a server object) and :func:`connect`
(over a real websocket, on a running server), and the :class:`BrowserContext` that
holds the pages of one server."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Generator
from urllib.parse import urlsplit

from ..asgi import AsgiApp
from ..exceptions import UsageError, WrongTypeError
from ..memory import MemoryServer
from ..server_core import ServerCore
from .locator import DEFAULT_TIMEOUT, Page
from .tab import Link, MemoryLink, Tab, WebSocketLink

__all__ = ["open", "connect", "BrowserContext"]


class BrowserContext:
    """The pages a test opened on one server, as Playwright's ``BrowserContext`` holds
    a browser's: :meth:`new_page` opens another tab (a session of its own), and
    :meth:`close` closes them all (and stops a server the context made).

    Attributes:
        server: the server the pages talk to (in memory), or None for :func:`connect`.
        pages: the open pages.
    """

    def __init__(self, server: ServerCore | None, make_link: Callable[[], Link], *, latency: float = 0,
                 timeout: float = DEFAULT_TIMEOUT, base_url: str = "http://testserver/",
                 on_close: Callable[[], Awaitable[None]] | None = None):
        self.server = server
        self.pages: list[Page] = []
        self._make_link = make_link
        self._latency = latency
        self._timeout = timeout
        self._base_url = base_url
        self._on_close = on_close
        self._closed = False

    def __repr__(self) -> str:
        return f"<BrowserContext pages={len(self.pages)}>"

    async def new_page(self, route: str = "") -> Page:
        """Open a new tab at ``route`` (``"shop"`` or ``"#shop"``). It returns once
        the server has welcomed the session, as Playwright's ``goto`` returns once the
        page has loaded: the first batch may still be on its way (what the app builds
        before its first flush), so wait for the page with ``expect``."""
        if self._closed:
            raise UsageError("this browser context is closed")
        root_id = self.server.root_id if self.server is not None else None
        tab = Tab(self._make_link(), root_id or "domsync_root_id", route.removeprefix("#"), self._latency)
        tab.adopt_root = root_id is None
        page = Page(tab, self, self._base_url)
        page.set_default_timeout(self._timeout)
        await tab.connect()
        self.pages.append(page)
        await tab.wait_online(self._timeout / 1000, page=False)
        return page

    async def close(self) -> None:
        """Close every page (their sessions end), then what the context started."""
        if self._closed:
            return
        self._closed = True
        try:
            for page in list(self.pages):
                await page.close(final=True)  # the browser is gone: its sessions end now
        finally:
            if self._on_close is not None:
                await self._on_close()


class _Opening:
    """What :func:`open` and :func:`connect` return: ``async with ... as page`` (the
    context closes at the end), or ``page = await ...`` (close ``page.context``
    yourself)."""

    def __init__(self, context: Callable[[], BrowserContext], route: str):
        self._make = context
        self._route = route
        self._page: Page | None = None

    async def _open(self) -> Page:
        context = self._make()
        try:
            return await context.new_page(self._route)
        except BaseException:
            await context.close()
            raise

    def __await__(self) -> Generator[Any, None, Page]:
        return self._open().__await__()

    async def __aenter__(self) -> Page:
        self._page = await self._open()
        return self._page

    async def __aexit__(self, *exc: object) -> None:
        if self._page is not None:
            await self._page.context.close()


def open(app: Any, route: str = "", *, latency: float = 0, timeout: float = DEFAULT_TIMEOUT,
         **server_options: Any) -> _Opening:
    """Open a page on an app, in memory: no browser, no sockets.

    Args:
        app: a connection handler (``async def handler(server, client)``; the
            ``server_options`` go to the :class:`~domsync.memory.MemoryServer` made
            for it), a :class:`~domsync.DomsyncServer` (serving or not: its handlers,
            shared document and sessions are the ones the page uses), its
            ``asgi()`` app, or a :class:`~domsync.memory.MemoryServer`.
        route: the route the page is opened at (``"#shop"``).
        latency: seconds added to every frame, each way.
        timeout: milliseconds actions and expectations wait by default.

    Returns:
        ``async with open(app) as page:``, or ``page = await open(app)`` (then close
        ``page.context``). More pages on the same server: ``await
        page.context.new_page()``.
    """
    if isinstance(app, str):
        raise UsageError("open() takes an app or a server; for a URL of a running server use "
                         "domsync.testing.connect(url)")
    if isinstance(app, AsgiApp):
        app = app.server
    if isinstance(app, ServerCore):
        if server_options:
            raise UsageError(f"open(server) takes no server options ({', '.join(server_options)}): give them "
                             f"to the server itself")
        server = app
    elif callable(app):
        server = MemoryServer(app, **server_options)
    else:
        raise WrongTypeError(f"open() takes a connection handler or a server, not {type(app).__name__}")
    owned = server is not app

    def make() -> BrowserContext:
        started = _attach(server)

        async def release() -> None:
            await _detach(server, started, owned)
        return BrowserContext(server, lambda: MemoryLink(server), latency=latency, timeout=timeout,
                              on_close=release)
    return _Opening(make, route)


def connect(url: str, *, latency: float = 0, timeout: float = DEFAULT_TIMEOUT,
            headers: dict[str, str] | None = None) -> _Opening:
    """Open a live session on a running server over a real websocket (the websockets
    library's client), with the same page API as :func:`open`: for load tests,
    monitoring and scripted checks of a deployed app.

    Args:
        url: the page's URL (``http://host:8888/``, or where the app is mounted;
            ``#route`` opens that route).
        latency: seconds added to every frame, each way.
        timeout: milliseconds actions and expectations wait by default.
        headers: extra headers for the websocket's handshake (for example ``Origin``
            when the server checks it).

    The page reconnects by itself after a drop, as the browser client does; its
    :meth:`~domsync.testing.Page.connection_states` and
    :meth:`~domsync.testing.Page.received` streams report what happens.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss"):
        raise UsageError(f"connect() takes the page's http(s) URL, not {url!r}")
    page_url = url.split("#", 1)[0]

    def make() -> BrowserContext:
        return BrowserContext(None, lambda: WebSocketLink(page_url, headers), latency=latency, timeout=timeout,
                              base_url=page_url)
    return _Opening(make, parts.fragment)


def _attach(server: ServerCore) -> bool:
    """Make ``server`` take in-memory pages; True if it was started for them."""
    if isinstance(server, MemoryServer):
        if not server._started:
            server._started = True
            server._start()
            return True
        return False
    if hasattr(server, "_memory_users"):
        started = not server._running()
        server._memory_users += 1
        if started:
            server._start()
        return started
    raise WrongTypeError(f"{type(server).__name__} cannot take in-memory pages")


async def _detach(server: ServerCore, started: bool, owned: bool) -> None:
    if isinstance(server, MemoryServer):
        if owned or started:
            await server.close()
        return
    server._memory_users -= 1  # type: ignore[attr-defined]
    if started and not server._running():
        await server._stop()

