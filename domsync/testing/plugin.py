"""The pytest plugin of :mod:`domsync.testing` (installed with ``domsync[testing]``).

Fixtures:

- ``domsync_app``: **yours to define**: return the connection handler, the
  :class:`~domsync.DomsyncServer` or its ``asgi()`` app to test.
- ``domsync_page``: a browserless :class:`~domsync.testing.Page` on it (with
  ``--domsync-browser=chromium``: a real Chromium page instead, so a whole suite can be
  run both ways).
- ``domsync_browserless_page``: always browserless.
- ``domsync_chromium_page``: a Playwright page in Chromium on it, served on a free port.
- ``domsync_browser``: the one Chromium of the test session (override it to share
  your own).

Chromium fixtures need pytest-asyncio's session-scoped loop (Playwright's browser lives
in one loop): ``asyncio_default_fixture_loop_scope = "session"`` and
``asyncio_default_test_loop_scope = "session"`` in the pytest configuration.
"""

from __future__ import annotations

from typing import Any, AsyncIterator

import pytest

from ..exceptions import UsageError
from .context import open

try:
    import pytest_asyncio
except ImportError:  # domsync is installed without its testing extra: pytest must still start
    pytest_asyncio = None  # type: ignore[assignment]

__all__ = ["domsync_app", "domsync_page", "domsync_browserless_page", "domsync_chromium_page", "domsync_browser"]


def pytest_addoption(parser: Any) -> None:
    group = parser.getgroup("domsync")
    group.addoption("--domsync-browser", choices=("none", "chromium"), default="none",
                    help="domsync_page: browserless (none, the default) or a real Chromium page")


@pytest.fixture
def domsync_app() -> Any:
    """The app the page fixtures open: define this fixture in your tests."""
    raise UsageError("define a fixture named domsync_app that returns your connection handler or "
                     "DomsyncServer: @pytest.fixture, then def domsync_app(): return connection_handler")


def _missing(*args: Any, **kwargs: Any) -> Any:
    raise UsageError("domsync's page fixtures need pytest-asyncio: pip install 'domsync[testing]'")


def _async_fixture(**options: Any) -> Any:
    """pytest-asyncio's fixture decorator, or one that makes the fixture say what to
    install."""
    if pytest_asyncio is not None:
        return pytest_asyncio.fixture(**options)
    return lambda function: pytest.fixture(scope=options.get("scope", "function"), name=function.__name__)(_missing)


@_async_fixture(scope="session", loop_scope="session")
async def domsync_browser() -> AsyncIterator[Any]:
    """One headless Chromium for the test session."""
    from .chromium import launch

    async with launch() as browser:
        yield browser


@_async_fixture()
async def domsync_chromium_page(domsync_browser: Any, domsync_app: Any) -> AsyncIterator[Any]:
    """A Playwright page in Chromium, on ``domsync_app`` served on a free port."""
    from .chromium import chromium_page

    async with chromium_page(domsync_browser, domsync_app) as page:
        yield page


@_async_fixture()
async def domsync_browserless_page(domsync_app: Any) -> AsyncIterator[Any]:
    """A browserless page on ``domsync_app``, whatever ``--domsync-browser`` says."""
    async with open(domsync_app) as page:
        yield page


@pytest.fixture
def domsync_page(request: Any) -> Any:
    """A browserless page on ``domsync_app`` (Chromium with ``--domsync-browser=chromium``)."""
    chromium = request.config.getoption("--domsync-browser", "none") == "chromium"
    return request.getfixturevalue("domsync_chromium_page" if chromium else "domsync_browserless_page")
