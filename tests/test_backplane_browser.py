"""examples/cluster_board.py run as its users run it: two processes of the app on two
ports, one Redis, a Chromium page on each. Behind a proxy: test_scale_*.py."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest
import pytest_asyncio

from redis_service import RedisService, free_port

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "cluster_board.py"


class Worker:
    """One process of the example."""

    def __init__(self, name: str, redis_url: str):
        self.name = name
        self.redis_url = redis_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.process: asyncio.subprocess.Process | None = None
        self.log = b""

    async def start(self) -> None:
        environment = dict(os.environ, DOMSYNC_WORKER_ID=self.name, PYTHONUNBUFFERED="1",
                           PYTHONPATH=str(EXAMPLE.parent.parent))
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, str(EXAMPLE), "--host", "127.0.0.1", "--port", str(self.port),
            "--backplane", self.redis_url, env=environment,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        assert self.process.stdout is not None
        async with asyncio.timeout(20):
            while True:
                line = await self.process.stdout.readline()
                self.log += line
                if not line:
                    raise AssertionError(f"worker {self.name} ended: {self.log.decode()}")
                if line.startswith(b"serving "):
                    break
        asyncio.ensure_future(self._drain())

    async def _drain(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        while line := await self.process.stdout.readline():
            self.log += line

    def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            try:
                async with asyncio.timeout(10):
                    await self.process.wait()
            except TimeoutError:
                self.kill()
                await self.process.wait()


@pytest.fixture
def redis_server(tmp_path):
    service = RedisService(tmp_path)
    service.start()
    yield service
    service.stop()


@pytest_asyncio.fixture
async def workers(redis_server):
    started = [Worker("w1", redis_server.url), Worker("w2", redis_server.url)]
    try:
        for worker in started:
            await worker.start()
        yield started
    finally:
        for worker in started:
            await worker.stop()


async def open_page(context, worker: Worker):
    page = await context.new_page()
    await page.goto(worker.url)
    await page.wait_for_selector("#count")
    await page.evaluate("""() => {
        window.announced = [];
        document.addEventListener('domsync:announce', e => window.announced.push(e.detail.note));
    }""")
    return page


async def owner_text(page) -> str:
    return await page.locator("#owner").inner_text()


async def test_a_click_and_typing_on_one_process_show_on_the_other(context, workers):
    one, two = await open_page(context, workers[0]), await open_page(context, workers[1])
    await one.locator("#add").click()
    await one.wait_for_function("() => document.getElementById('count').textContent === '1'")
    await two.wait_for_function("() => document.getElementById('count').textContent === '1'")
    await two.locator("#add").click()
    await one.wait_for_function("() => document.getElementById('count').textContent === '2'")
    await two.locator("#note").fill("from two")
    await one.wait_for_function("() => document.getElementById('note').value === 'from two'")
    # both pages name the same owner, and count both browsers
    await one.wait_for_function("() => document.getElementById('viewers').textContent.endsWith(': 2')",
                                timeout=10_000)
    assert await owner_text(one) == await owner_text(two)
    await one.locator("#announce").click()
    for page in (one, two):
        await page.wait_for_function("() => window.announced.length === 1")
        assert await page.evaluate("() => window.announced") == ["from two"]
    assert await one.locator("#" + "count").inner_html() == await two.locator("#count").inner_html()
    assert await one.evaluate("() => document.getElementById('domsync_root_id').innerHTML") == \
        await two.evaluate("() => document.getElementById('domsync_root_id').innerHTML")


async def test_killing_the_owner_process_hands_the_page_to_the_other(context, workers):
    pages = [await open_page(context, worker) for worker in workers]
    await pages[0].wait_for_function("() => document.getElementById('owner').textContent !== ''")
    owner_name = (await owner_text(pages[0])).rsplit(" ", 1)[-1]
    index = [worker.name for worker in workers].index(owner_name)
    survivor, survivor_page = workers[1 - index], pages[1 - index]
    for _ in range(3):
        await survivor_page.locator("#add").click()
    await survivor_page.wait_for_function("() => document.getElementById('count').textContent === '3'")
    workers[index].kill()  # no goodbye: the lease runs out
    await survivor_page.wait_for_function(
        f"() => document.getElementById('owner').textContent === 'Page owned by {survivor.name}'", timeout=15_000)
    await survivor_page.wait_for_function("() => document.getElementById('count').textContent === '3'")
    await survivor_page.locator("#add").click()  # its listener is on the new owner's page
    await survivor_page.wait_for_function("() => document.getElementById('count').textContent === '4'")


async def test_redis_going_away_and_back(context, workers, redis_server):
    pages = [await open_page(context, worker) for worker in workers]
    await pages[0].wait_for_function("() => document.getElementById('owner').textContent !== ''")
    owner_name = (await owner_text(pages[0])).rsplit(" ", 1)[-1]
    index = [worker.name for worker in workers].index(owner_name)
    owner_page, other_page = pages[index], pages[1 - index]
    redis_server.stop()
    # the owner's own browsers are served as before
    await owner_page.locator("#add").click()
    await owner_page.wait_for_function("() => document.getElementById('count').textContent === '1'")
    await owner_page.wait_for_function(
        "() => document.getElementById('viewers').textContent.includes('Redis is away')", timeout=10_000)
    # an announcement reaches this process's browser at once, the other's later
    await owner_page.locator("#announce").click()
    await owner_page.wait_for_function("() => window.announced.length === 1")
    await asyncio.sleep(1)
    assert await other_page.evaluate("() => window.announced") == []
    redis_server.start()
    await other_page.wait_for_function("() => window.announced.length === 1", timeout=20_000)
    # and the page is one again: a click on the other process's page reaches the owner
    await other_page.wait_for_function("() => document.getElementById('count').textContent === '1'",
                                       timeout=20_000)
    await other_page.locator("#add").click()
    for page in pages:
        await page.wait_for_function("() => document.getElementById('count').textContent === '2'",
                                     timeout=10_000)
    for worker in workers:
        assert b"cannot reach Redis" in worker.log and b"Redis is back" in worker.log
        assert worker.log.count(b"cannot reach Redis") == 1, worker.log.decode()
