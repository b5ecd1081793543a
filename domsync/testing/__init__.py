"""Test a domsync app without a browser, with Playwright's API.

:func:`open` opens a page on an app in memory: the real server, sessions and protocol,
with a Python stand-in for the browser client (its events, edit numbers, acks and
resumes) and a mirror of the page that applies every batch as the browser does.
:func:`connect` does the same over a real websocket, on a running server.

Example:
    .. code-block:: python

        from domsync.testing import expect, open

        async def test_add(handler):
            async with open(handler) as page:
                await page.get_by_placeholder("What needs doing?").fill("milk")
                await page.get_by_role("button", name="Add").click()
                await expect(page.get_by_role("listitem")).to_have_count(1)

The names and meanings follow Playwright's Python API, so the same test runs in
Chromium (see :doc:`/howto/testing`). What it cannot see: layout, style sheets and page
script (``run_js`` is recorded, not run).
"""

from .assertions import LocatorAssertions, PageAssertions, expect
from .context import BrowserContext, connect, open
from ..exceptions import ActionTimeoutError, NotEmulatedError, StrictModeError
from .locator import DEFAULT_TIMEOUT, Locator, Page, Popup
from .tab import CLOSED, CONNECTING, OFFLINE, ONLINE, Download, Notification, Received

__all__ = [
    "open", "connect", "expect", "Page", "Locator", "BrowserContext", "LocatorAssertions", "PageAssertions",
    "Download", "Notification", "Popup", "Received", "NotEmulatedError", "StrictModeError",
    "ActionTimeoutError", "DEFAULT_TIMEOUT", "CONNECTING", "ONLINE", "OFFLINE", "CLOSED",
]
