"""The same test in real Chromium: serve the app on a free port and open it in a
Playwright page.

:func:`launch` starts a headless Chromium (Debian's ``/usr/bin/chromium`` when present,
else Playwright's own); :func:`chromium_page` serves an app with
:class:`~domsync.DomsyncServer` on ``127.0.0.1`` and a free port, opens it in a new
browser context, and waits until the page is connected and shows its first page. The
pytest plugin's ``domsync_chromium_page`` fixture is built from these.
"""

from __future__ import annotations

import os
import shutil
from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Iterable

from ..asgi import AsgiApp
from ..domsync_server import DomsyncServer
from ..exceptions import UsageError

__all__ = ["launch", "chromium_page", "chromium_executable", "serve_app", "check_policy", "WATCH_POLICY"]

#: Flags that make Chromium start fast and stay quiet on a test machine.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_executable() -> str | None:
    """Chromium to run: ``$CHROMIUM_PATH``, else Debian's, else None (Playwright's
    own download)."""
    if os.environ.get("CHROMIUM_PATH"):
        return os.environ["CHROMIUM_PATH"]
    for candidate in ("/usr/lib/chromium/chromium", "/usr/bin/chromium"):
        if os.path.exists(candidate):
            return candidate
    return shutil.which("chromium")


@asynccontextmanager
async def launch() -> AsyncIterator[Any]:
    """A headless Chromium (a Playwright ``Browser``), closed at the end."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_executable(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


@asynccontextmanager
async def serve_app(app: Any) -> AsyncIterator[DomsyncServer]:
    """Serve ``app`` (a connection handler, or a :class:`~domsync.DomsyncServer`
    that is not serving, or its ``asgi()`` app) on ``127.0.0.1`` and a free port."""
    if isinstance(app, AsgiApp):
        app = app.server
    restore: tuple[str, int] | None = None
    if isinstance(app, DomsyncServer):
        if app._running():
            raise UsageError("this DomsyncServer is already serving: open its url in the page yourself")
        server, restore = app, (app.host, app.port)
        server.host, server.port = "127.0.0.1", 0
    elif callable(app):
        server = DomsyncServer(app, "127.0.0.1", 0, verbose=False)
    else:
        raise UsageError(f"cannot serve {type(app).__name__}: give a connection handler or a DomsyncServer")
    await server.serve()
    try:
        yield server
    finally:
        await server.close()
        if restore is not None:
            server.host, server.port = restore


@asynccontextmanager
async def chromium_page(browser: Any, app: Any, route: str = "", timeout: float = 5000) -> AsyncIterator[Any]:
    """A Playwright page in a new context of ``browser``, showing ``app`` served by
    :func:`serve_app`, once it is connected (welcomed: its first batch may still be on
    the way, as with :func:`domsync.testing.open`). The context's ``base_url`` is the
    server's, so ``page.goto("#route")`` works as in the test client. A page that broke
    its Content-Security-Policy fails the test when the block ends (:func:`check_policy`)."""
    async with serve_app(app) as server:
        context = await browser.new_context(base_url=server.url)
        try:
            await context.add_init_script(WATCH_POLICY)
            page = await context.new_page()
            console: list[str] = []
            page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
            page.set_default_timeout(timeout)
            url = server.url + (f"#{route.removeprefix('#')}" if route else "")
            await page.goto(url)
            # Connected: the server has welcomed the session.
            await page.wait_for_function("() => window.domsync && domsync.status === 'open'")
            yield page
            await check_policy(page, console)
        finally:
            await context.close()


#: An init script that records the page's Content-Security-Policy and Trusted Types
#: violations (the securitypolicyviolation event) in ``window.__domsync_violations``.
WATCH_POLICY = """(() => {
  window.__domsync_violations = [];
  document.addEventListener("securitypolicyviolation", function (e) {
    window.__domsync_violations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") +
      (e.sample ? ": " + e.sample : ""));
  });
})();"""


def _is_policy_error(text: str) -> bool:
    return "Content Security Policy" in text or "requires 'Trusted" in text


async def check_policy(page: Any, console: Iterable[str] = ()) -> None:
    """Raise AssertionError if ``page`` (watched by :data:`WATCH_POLICY`) reported a
    Content-Security-Policy or Trusted Types violation, or its console an error about
    one (``console``: the texts of the page's console errors; others are ignored): a
    domsync page never breaks its own policy (see :doc:`/howto/strict_csp`)."""
    if page.is_closed():
        return
    found = await page.evaluate("() => window.__domsync_violations || []") + [
        text for text in console if _is_policy_error(text)]
    if found:
        raise AssertionError("the page broke its Content-Security-Policy:\n  " + "\n  ".join(found))
