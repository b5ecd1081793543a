"""Several workers behind a real proxy (issue 16, sticky routing), in Chromium: workers
started by ``python -m domsync serve --workers N``, run behind nginx and HAProxy with the
configuration that command wrote, serving examples/deploy/app.py.

A socket is dropped by stopping the proxy and starting it again on the same port: every
proxied connection is cut at once, as a proxy restart or a network failure cuts it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

import pytest
from conftest import start_proxied_workers
from services import DEPLOY, HOST, ROOT, spawn, accepts, free_port, start_haproxy, start_nginx
from websockets.asyncio.client import connect

WORKER_TEXT = re.compile(r"served by worker (w\d+)")


async def open_app(context, url: str):
    """A new page on the app, once its session has its page; its worker's id."""
    page = await context.new_page()
    await page.goto(url)
    await page.wait_for_function("() => window.domsync && domsync.status === 'open'")
    await page.locator("#worker").wait_for()
    return page, WORKER_TEXT.search(await page.locator("#worker").inner_text()).group(1)


def drop_connections(running) -> None:
    """Cut every connection through the proxy: stop it and start it again."""
    service = running.proxy
    service.stop()
    start = start_nginx if service.name == "nginx" else start_haproxy
    running.proxy = start(service.folder, (service.folder / ("domsync.conf" if service.name == "nginx"
                                                             else "haproxy.cfg")).read_text(), service.port)


async def click_add(page, times: int = 1) -> None:
    for _ in range(times):
        await page.locator("#add").click()


async def count_of(page) -> str:
    return await page.locator("#count").inner_text()


async def pages_on_every_worker(browser, running, count: int):
    """Pages (each in its own context) until every worker serves one: {id: (context, page)}."""
    found = {}
    opened = []
    for _ in range(8 * count):
        context = await browser.new_context()
        opened.append(context)
        page, worker = await open_app(context, running.url)
        if worker not in found:
            found[worker] = (context, page)
        if len(found) == count:
            break
    for context in opened:
        if all(context is not kept for kept, _ in found.values()):
            await context.close()
    return found


async def close_all(found) -> None:
    for context, _ in found.values():
        await context.close()


async def test_a_page_through_nginx_works_on_every_worker(browser, workers):
    found = await pages_on_every_worker(browser, workers, 3)
    try:
        assert sorted(found) == ["w1", "w2", "w3"]  # the first connections go to any worker
        for worker, (_, page) in found.items():
            await click_add(page, 2)
            await page.wait_for_function("() => document.getElementById('count').textContent === '2'")
    finally:
        await close_all(found)


async def test_a_large_download_goes_through_nginx_to_the_worker_that_holds_it(browser, workers):
    found = await pages_on_every_worker(browser, workers, 3)
    try:
        for worker, (_, page) in found.items():
            await click_add(page)
            await page.wait_for_function("() => document.getElementById('count').textContent === '1'")
            async with page.expect_download() as info:
                await page.locator("#report").click()
            download = await info.value
            assert await download.failure() is None  # another worker would answer 404
            assert f"worker={worker}" in download.url
            with open(await download.path()) as saved:
                assert saved.readline() == f"{worker} 1 0\n"
    finally:
        await close_all(found)


async def welcome_through(running, query: str) -> dict:
    """The welcome of a new session over a websocket through the proxy, opened with
    ``query``."""
    url = running.url.replace("http", "ws", 1) + f"ws?v=3&wire=json{query}"
    async with connect(url) as socket:
        await socket.send(json.dumps({"domsync": True, "type": "hello", "token": None, "batch": None}))
        return json.loads(await socket.recv())


async def check_routes_by_worker_id(running, ids: list[str]) -> None:
    for worker in ids * 3:
        assert (await welcome_through(running, f"&worker={worker}"))["worker"] == worker
    # One that names no worker, or one that does not exist, goes to any.
    assert (await welcome_through(running, ""))["worker"] in ids
    assert (await welcome_through(running, "&worker=w99"))["worker"] in ids


async def test_nginx_sends_a_request_that_names_a_worker_to_that_worker(workers):
    await check_routes_by_worker_id(workers, ["w1", "w2", "w3"])


async def check_resumes_on_its_worker(browser, running) -> None:
    """Pages on every worker; the proxy cuts their sockets three times, with clicks made
    while they are away: each comes back to its own session, nothing lost."""
    found = await pages_on_every_worker(browser, running, 2)
    sockets: dict[str, list[str]] = {worker: [] for worker in found}
    for worker, (_, page) in found.items():
        page.on("websocket", lambda socket, worker=worker: sockets[worker].append(socket.url))
    try:
        assert len(found) == 2
        for _, page in found.values():
            await click_add(page)
        for round in range(3):
            drop_connections(running)
            for _, page in found.values():
                await page.wait_for_function("() => domsync.status === 'open'")
                await click_add(page)
        for _, page in found.values():
            # A reload keeps the worker id with the token (sessionStorage), and resumes.
            await page.wait_for_function("() => document.getElementById('count').textContent === '4'")
            await page.reload()
            await page.wait_for_function("() => window.domsync && domsync.status === 'open'")
            await click_add(page)
        for worker, (_, page) in found.items():
            # A page sent to the other worker would have a fresh session: count 0, the
            # other worker's name, and a notice.
            await page.wait_for_function("() => document.getElementById('count').textContent === '5'")
            assert WORKER_TEXT.search(await page.locator("#worker").inner_text()).group(1) == worker
            assert await page.locator(".domsync-notification").count() == 0
            assert sockets[worker] and all(f"worker={worker}" in url for url in sockets[worker])
    finally:
        await close_all(found)


async def test_a_resume_goes_through_nginx_to_the_worker_that_holds_the_session(browser, workers):
    await check_resumes_on_its_worker(browser, workers)


@pytest.fixture(scope="module")
def haproxy_workers(request, tmp_path_factory):
    running = start_proxied_workers(request, tmp_path_factory.mktemp("haproxy"), 2, "haproxy")
    yield running
    running.stop()


async def test_haproxy_sends_a_request_that_names_a_worker_to_that_worker(haproxy_workers):
    await check_routes_by_worker_id(haproxy_workers, ["w1", "w2"])


async def test_a_page_through_haproxy_works_on_every_worker_and_resumes_on_its_own(browser, haproxy_workers):
    await check_resumes_on_its_worker(browser, haproxy_workers)


@pytest.mark.parametrize("proxy", ["nginx", "haproxy"])
async def test_killing_a_worker_sends_its_browsers_to_another_with_a_fresh_session_and_the_notice(
        browser, request, tmp_path, proxy):
    running = start_proxied_workers(request, tmp_path, 2, proxy)
    try:
        found = await pages_on_every_worker(browser, running, 2)
        try:
            (_, doomed_page), (_, other_page) = found["w1"], found["w2"]
            await click_add(doomed_page, 3)
            await click_add(other_page, 2)
            await doomed_page.wait_for_function("() => document.getElementById('count').textContent === '3'")
            sockets = []
            doomed_page.on("websocket", lambda socket: sockets.append(socket.url))
            running.workers.kill("w1")
            # The page reconnects, naming w1; the proxy sends it to w2, which never held
            # its session: a fresh one, with the notice, and w2's id from now on.
            notice = doomed_page.locator(".domsync-notification")
            await notice.wait_for()
            assert "The session expired; this is a new one" in await notice.inner_text()
            await doomed_page.wait_for_function(
                "() => document.getElementById('worker').textContent === 'served by worker w2'")
            assert await count_of(doomed_page) == "0"
            await click_add(doomed_page)
            await doomed_page.wait_for_function("() => document.getElementById('count').textContent === '1'")
            attempts = len(sockets)
            assert 1 <= attempts <= 4, sockets  # not an error loop
            assert all("worker=w1" in url for url in sockets)
            # It now names w2: a dropped socket resumes its new session there.
            drop_connections(running)
            await click_add(doomed_page)
            await doomed_page.wait_for_function("() => document.getElementById('count').textContent === '2'")
            assert "worker=w2" in sockets[-1]
            assert await doomed_page.locator(".domsync-notification").count() <= 1
            # The other worker's browser kept its session all along.
            await click_add(other_page)
            await other_page.wait_for_function("() => document.getElementById('count').textContent === '3'")
            assert await other_page.locator(".domsync-notification").count() == 0
            # Settled: no more connection attempts.
            before = len(sockets)
            await doomed_page.wait_for_timeout(1500)
            assert len(sockets) == before
        finally:
            await close_all(found)
    finally:
        running.stop()
        output = running.workers.supervisor.output()
        assert "worker w1" in output and "exited with status -9 and is not restarted" in output


async def test_one_uvicorn_per_worker_behind_nginx_routes_by_worker_id(browser, tmp_path):
    """The uvicorn recipe: one uvicorn per port, each with its DOMSYNC_WORKER_ID, and
    the configuration ``python -m domsync proxy-config`` prints."""
    pytest.importorskip("uvicorn")
    base, proxy_port = free_port(2), free_port()
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    servers = []
    try:
        for index in range(2):
            command = [sys.executable, "-m", "uvicorn", "asgi_app:app", "--host", HOST, "--port", str(base + index)]
            service = spawn(f"uvicorn{index + 1}", command, tmp_path, base + index, cwd=str(DEPLOY),
                             env=dict(environment, DOMSYNC_WORKER_ID=f"w{index + 1}"))
            servers.append(service)
            service.wait_ready(lambda port=base + index: accepts(port))
        recipe = subprocess.run([sys.executable, "-m", "domsync", "proxy-config", "nginx", "--workers", "2",
                                 "--port", str(base), "--proxy-port", str(proxy_port)], env=environment,
                                capture_output=True, text=True, check=True).stdout
        nginx = start_nginx(tmp_path / "nginx", recipe, proxy_port)
        try:
            running = type("Running", (), {"url": f"http://127.0.0.1:{proxy_port}/", "proxy": nginx})()
            await check_routes_by_worker_id(running, ["w1", "w2"])
            context = await browser.new_context()
            page, worker = await open_app(context, running.url)
            await click_add(page)
            drop_connections(running)
            await click_add(page)
            await page.wait_for_function("() => document.getElementById('count').textContent === '2'")
            assert await page.locator("#worker").inner_text() == f"served by worker {worker}"
            await context.close()
        finally:
            running.proxy.stop()
    finally:
        for service in servers:
            service.stop(signal.SIGINT)  # as Ctrl-C
    for service in servers:
        assert "Traceback" not in service.output(), service.output()


async def test_a_prerendered_page_connects_to_the_worker_that_rendered_it(browser, request, tmp_path):
    """prerender=True behind nginx: the worker that gets the page's request starts the
    session and renders the page (here the request names the worker, to have pages of
    both); the page's websocket names that worker (the boot block says which), so nginx
    sends it there and the page carries on with its session, rather than another
    worker starting a new one."""
    import asyncio

    (tmp_path / "prerender_app.py").write_text(
        f"import sys\nsys.path.insert(0, {str(DEPLOY)!r})\n"
        "from app import handler\nfrom domsync import DomsyncServer\n\n\n"
        "def server():\n    return DomsyncServer(handler, prerender=True)\n")
    running = start_proxied_workers(request, tmp_path, count=2, target="prerender_app:server", app_folder=tmp_path)
    try:
        for worker in ("w1", "w2", "w2", "w1"):
            context = await browser.new_context()
            try:
                page = await context.new_page()
                held = asyncio.get_running_loop().create_future()
                await page.route("**/domsync.*.js", holding_until(held))
                await page.goto(f"{running.url}?worker={worker}", wait_until="commit")
                await page.locator("#worker").wait_for()  # the page's own HTML: no client yet
                assert await page.locator("#worker").inner_text() == f"served by worker {worker}"
                held.set_result(None)
                await page.wait_for_function("() => window.domsync && domsync.status === 'open'")
                assert (await page.evaluate("() => domsync.socket.url")).count(f"worker={worker}") == 1
                await click_add(page)
                await page.wait_for_function("() => document.getElementById('count').textContent === '1'")
                assert await page.locator("#worker").inner_text() == f"served by worker {worker}"
            finally:
                await context.close()
    finally:
        running.stop()


def holding_until(future):
    """A route handler that lets a request through once ``future`` is done."""
    async def hold(route):
        await future
        await route.continue_()
    return hold
