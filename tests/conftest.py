"""Shared fixtures: one headless Chromium per test session, a fresh context per test.

Browser tests load a blank page that has the root element and an inline copy of
``client_js/domsync.js`` (inline, so it does not try to connect to a server), then apply
rendered batches with ``domsync.apply`` and read the DOM back. Messages the client would
send to the server are captured in ``window.__sent``, and ``domsync:error`` events in
``window.__errors``.
"""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path

import pytest
import pytest_asyncio

from domsync.assets import client_js_source

ROOT_ID = "domsync_root_id"
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load_example(name: str):
    """A fresh copy of ``examples/<name>.py`` as a module (examples keep state at
    module level, such as a server, so each test loads its own)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def doc(request):
    """A fresh Document whose root id is the test module's ``ROOT`` (or the default)."""
    from domsync import Document

    return Document(getattr(request.module, "ROOT", ROOT_ID))


@pytest.fixture
def root(doc):
    """The root element of ``doc``."""
    return doc.getRootElement()


async def eventually(predicate, timeout: float = 10.0) -> None:
    """Wait until ``predicate()`` is true; servers under test run in this same loop."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


@pytest_asyncio.fixture(scope="session")
async def browser():
    """One Chromium for the whole session (launching costs about a second): Debian's,
    found and launched as domsync.testing does for its own fixtures."""
    from domsync.testing.chromium import chromium_executable, launch

    if chromium_executable() is None:
        pytest.fail("Chromium is not installed: run the README's test command, which installs it")
    async with launch() as browser:
        yield browser


@pytest.fixture(scope="session")
def domsync_browser(browser):
    """The plugin's Chromium (domsync.testing's domsync_chromium_page) is the suite's."""
    return browser


@pytest_asyncio.fixture
async def context(browser):
    """A fresh browser context (cookies, storage) for each test."""
    context = await browser.new_context()
    yield context
    await context.close()


class ClientPage:
    """A page running the domsync client without a server."""

    def __init__(self, page, root_id: str = ROOT_ID):
        self.page = page
        self.root_id = root_id

    async def apply(self, batch: str, allow_errors: bool = False) -> None:
        """Apply one rendered batch; fail the test if the client reports an error."""
        await self.page.evaluate("batch => domsync.apply(batch)", batch)
        if not allow_errors:
            errors = await self.errors()
            assert errors == [], f"the client reported errors: {errors}\nbatch:\n{batch[:2000]}"

    async def apply_ops(self, batch: str, allow_errors: bool = False) -> None:
        """Apply one batch of the JSON wire with ``domsync.applyOps`` (no code runs)."""
        await self.page.evaluate("batch => domsync.applyOps(batch)", batch)
        if not allow_errors:
            errors = await self.errors()
            assert errors == [], f"the client reported errors: {errors}\nbatch:\n{batch[:2000]}"

    async def inner_html(self) -> str:
        """The browser's innerHTML of the root element."""
        return await self.page.evaluate("id => document.getElementById(id).innerHTML", self.root_id)

    async def errors(self) -> list:
        return await self.page.evaluate("() => window.__errors")

    async def sent(self) -> list:
        """Messages the client tried to send to the server, and forget them."""
        return await self.page.evaluate("() => window.__sent.splice(0)")

    async def sync(self, document) -> str:
        """Apply the document's pending updates and return the browser's innerHTML."""
        batch = document.render_js_updates()
        if batch:
            await self.apply(batch)
        return await self.inner_html()


def page_html(root_id: str = ROOT_ID) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>domsync test</title></head>"
        f"<body><div id='{root_id}'></div></body></html>"
    )


async def open_client_page(context, root_id: str = ROOT_ID) -> ClientPage:
    """A new page in ``context`` with the root element and the client, not connected."""
    page = await context.new_page()
    await page.set_content(page_html(root_id))
    await page.add_script_tag(content=client_js_source().decode("utf-8"))
    await page.evaluate(WATCH_CLIENT)
    return ClientPage(page, root_id)


#: What a ClientPage records: the errors the client reports, the messages it would
#: send (instead of sending them), and whether injected code ran (window.__ran).
WATCH_CLIENT = """() => {
    window.__errors = [];
    window.__sent = [];
    window.__ran = [];
    document.addEventListener('domsync:error', e => window.__errors.push(e.detail.message));
    domsync.transmit = msg => window.__sent.push(msg);
}"""


@pytest_asyncio.fixture
async def client_page(context):
    """A :class:`ClientPage` in a fresh context."""
    client = await open_client_page(context)
    yield client
    await client.page.close()


# ---------------------------------------------------------------------------- real services
# Redis, nginx and domsync's worker processes (tests/services.py), on free loopback ports.

@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """A redis-server of the test session's own (tests/services.py's Service: stop it
    and start_redis(folder, port) again to test an outage)."""
    from services import start_redis

    service = start_redis(tmp_path_factory.mktemp("redis"))
    yield service
    service.stop()


@pytest.fixture(scope="session")
def redis_url(redis_server):
    """The URL of the session's redis-server, ``redis://127.0.0.1:<port>/0``."""
    return f"redis://127.0.0.1:{redis_server.port}/0"


class ProxiedWorkers:
    """Workers of examples/deploy/app.py behind a proxy: :attr:`url` is the proxy's page."""

    def __init__(self, workers, proxy, port: int):
        self.workers = workers
        self.proxy = proxy
        self.url = f"http://127.0.0.1:{port}/"

    def stop(self) -> None:
        self.proxy.stop()
        status = self.workers.stop()
        output = self.workers.supervisor.output()
        assert status == 0, output
        assert "Traceback" not in output, output


def start_proxied_workers(request, folder, count: int = 3, proxy: str = "nginx", target: str = "app:handler",
                          app_folder=None) -> ProxiedWorkers:
    """``count`` workers of ``target`` (by default examples/deploy/app.py's handler; a
    module of ``app_folder`` otherwise) through ``python -m domsync serve`` behind
    ``proxy`` ("nginx" or "haproxy"), run with the configuration the command wrote;
    with the Redis backplane (the session's redis_url) when this domsync has one."""
    import inspect

    from services import free_port, start_haproxy, start_nginx, start_workers

    from domsync import DomsyncServer

    extra: tuple[str, ...] = ()
    if "backplane" in inspect.signature(DomsyncServer).parameters:
        extra = ("--backplane", request.getfixturevalue("redis_url"))
    port = free_port()
    options = {} if app_folder is None else {"app_folder": app_folder}
    workers = start_workers(folder, count, proxy, port, target, extra=extra, **options)
    try:
        start = start_nginx if proxy == "nginx" else start_haproxy
        service = start(folder / proxy, workers.proxy_config, port)
    except BaseException:
        workers.stop()
        raise
    return ProxiedWorkers(workers, service, port)


@pytest.fixture(scope="module")
def workers(request, tmp_path_factory):
    """Three workers of examples/deploy/app.py (``app:handler``), started by ``python -m
    domsync serve --workers 3``, behind nginx with the configuration it wrote."""
    running = start_proxied_workers(request, tmp_path_factory.mktemp("workers"))
    yield running
    running.stop()
