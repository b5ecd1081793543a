"""examples/cluster_board.py run as its users run it: ``python -m domsync serve
cluster_board:make_server --workers 2 --backplane redis://...`` behind nginx, with the
configuration that command wrote, and Chromium pages on each worker. The module has a
Redis of its own, which a test stops and starts again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conftest import start_proxied_workers
from services import start_redis

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory):
    folder = tmp_path_factory.mktemp("redis-board")
    holder = {"service": start_redis(folder)}
    yield holder
    holder["service"].kill()


@pytest.fixture(scope="module")
def redis_url(own_redis):
    """The workers' backplane (start_proxied_workers asks for this fixture): this module's Redis."""
    return f"redis://127.0.0.1:{own_redis['service'].port}/0"


@pytest.fixture(scope="module")
def board(request, tmp_path_factory, own_redis):
    running = start_proxied_workers(request, tmp_path_factory.mktemp("board"), count=2,
                                    target="cluster_board:make_server", app_folder=EXAMPLES)
    yield running
    running.stop()


async def worker_of(page) -> str:
    """The worker that holds the page's session, as the client keeps it."""
    return await page.evaluate("""() => {
        for (let i = 0; i < sessionStorage.length; i++) {
            const key = sessionStorage.key(i);
            if (key.startsWith('domsync:')) return JSON.parse(sessionStorage.getItem(key)).worker;
        }
        return null;
    }""")


async def open_board(context, url: str):
    page = await context.new_page()
    await page.goto(url)
    await page.wait_for_function("() => window.domsync && domsync.status === 'open' && "
                                 "document.getElementById('count') !== null")
    await page.evaluate("""() => {
        window.announced = [];
        document.addEventListener('domsync:announce', e => window.announced.push(e.detail.note));
    }""")
    return page, await worker_of(page)


async def pages_on_both_workers(browser, url: str):
    """A page (each in its own context) on each worker: {worker id: page}."""
    found = {}
    for _ in range(16):
        context = await browser.new_context()
        page, worker = await open_board(context, url)
        if worker in found or worker is None:
            await context.close()
            continue
        found[worker] = page
        if len(found) == 2:
            return found
    raise AssertionError(f"the proxy sent every page to {list(found)}")


async def text_is(page, selector: str, text: str, timeout: float = 10_000) -> None:
    await page.wait_for_function("([selector, text]) => document.querySelector(selector).textContent === text",
                                 arg=[selector, text], timeout=timeout)


async def close(pages) -> None:
    for page in pages:
        await page.context.close()


async def owner_of(page) -> str:
    """The worker that owns the page, as the page's status line says."""
    await page.wait_for_function("() => document.getElementById('owner').textContent.startsWith('Page owned by')",
                                 timeout=10_000)
    return (await page.locator("#owner").inner_text()).rsplit(" ", 1)[-1]


async def current_count(page) -> int:
    return int(await page.locator("#count").inner_text())


async def test_a_click_typing_and_an_announcement_on_one_worker_show_on_the_other(browser, board):
    pages = await pages_on_both_workers(browser, board.url)
    one, two = pages["w1"], pages["w2"]
    try:
        start = await current_count(one)
        await one.locator("#add").click()
        await text_is(two, "#count", str(start + 1))
        await two.locator("#add").click()
        await text_is(one, "#count", str(start + 2))
        await two.locator("#note").fill("from w2")
        await one.wait_for_function("() => document.getElementById('note').value === 'from w2'")
        await one.locator("#announce").click()
        for page in (one, two):
            await page.wait_for_function("() => window.announced.length === 1")
            assert await page.evaluate("() => window.announced") == ["from w2"]
        # both browsers are counted, across the two processes
        await one.wait_for_function("() => / [2-9]$/.test(document.getElementById('viewers').textContent)",
                                    timeout=10_000)
        # and the two pages are one (the status line changes every second: look again)
        root = "() => document.getElementById('domsync_root_id').innerHTML"
        for _ in range(50):
            if await one.evaluate(root) == await two.evaluate(root):
                break
            await asyncio.sleep(0.1)
        else:
            assert await one.evaluate(root) == await two.evaluate(root)
    finally:
        await close(pages.values())


async def test_redis_going_away_and_back(browser, board, own_redis):
    pages = await pages_on_both_workers(browser, board.url)
    try:
        owner = await owner_of(pages["w1"])
        owner_page, other_page = pages[owner], pages["w2" if owner == "w1" else "w1"]
        start = await current_count(owner_page)
        service = own_redis["service"]
        service.kill()
        # the owner's browser is served as before, and told that Redis is away
        await owner_page.locator("#add").click()
        await text_is(owner_page, "#count", str(start + 1))
        await owner_page.wait_for_function(
            "() => document.getElementById('viewers').textContent.includes('Redis is away')", timeout=15_000)
        # an announcement reaches this worker's browser at once, the other's later
        await owner_page.locator("#announce").click()
        await owner_page.wait_for_function("() => window.announced.length === 1")
        await asyncio.sleep(1)
        assert await other_page.evaluate("() => window.announced") == []
        own_redis["service"] = start_redis(service.folder, service.port)
        await other_page.wait_for_function("() => window.announced.length === 1", timeout=20_000)
        # and the page is one again: the other's click reaches the owner, and everyone
        try:
            await text_is(other_page, "#count", str(start + 1), timeout=20_000)
        except Exception:
            raise AssertionError(board.workers.supervisor.output())
        await other_page.locator("#add").click()
        for page in pages.values():
            await text_is(page, "#count", str(start + 2))
        log = board.workers.supervisor.output()
        for worker in ("w1", "w2"):
            assert log.count(f"backplane {worker}: cannot reach Redis") == 1, log
            assert f"backplane {worker}: Redis is back" in log, log
    finally:
        await close(pages.values())


async def test_killing_the_owner_worker_hands_the_page_to_the_other(browser, board):
    # Last in the module: it leaves one worker.
    pages = await pages_on_both_workers(browser, board.url)
    try:
        owner = await owner_of(pages["w1"])
        survivor = "w2" if owner == "w1" else "w1"
        page = pages[survivor]
        start = await current_count(page)
        for _ in range(3):
            await page.locator("#add").click()
        await text_is(page, "#count", str(start + 3))
        board.workers.kill(owner)  # no goodbye: its lease runs out
        await text_is(page, "#owner", f"Page owned by {survivor}", timeout=15_000)
        await text_is(page, "#count", str(start + 3))  # the page as it was
        await page.locator("#add").click()  # its listener is on the new owner's page
        await text_is(page, "#count", str(start + 4))
        # the dead worker's browser comes back through nginx to the survivor, with a
        # fresh session on the same page
        orphan = pages[owner]
        await orphan.wait_for_function(
            f"() => domsync.status === 'open' && JSON.stringify(sessionStorage).includes('{survivor}')",
            timeout=20_000)
        await text_is(orphan, "#count", str(start + 4))
    finally:
        await close(pages.values())
