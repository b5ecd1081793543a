"""domsync as an ASGI app, in Chromium: mounted in Starlette and FastAPI under uvicorn
(both of uvicorn's websockets implementations), standalone, and behind a proxy's
root_path."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest
from conftest import eventually
from faulty_network import FaultyNetwork
from test_hostile_browser import HOSTILE

from domsync.domsync_server import DomsyncServer

uvicorn = pytest.importorskip("uvicorn")
starlette_applications = pytest.importorskip("starlette.applications")
from starlette.responses import JSONResponse  # noqa: E402
from starlette.routing import Mount, Route  # noqa: E402

# uvicorn's "websockets" implementation is deprecated (by uvicorn, and the legacy API it
# uses by websockets): tested still, since deployments use it, with its warnings expected.
WS_IMPLEMENTATIONS = ["websockets-sansio", pytest.param("websockets", marks=[
    pytest.mark.filterwarnings("ignore:websockets.legacy is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:The `websockets` implementation is deprecated"),
    pytest.mark.filterwarnings("ignore:remove second argument of ws_handler:DeprecationWarning"),
])]


class Uvicorn:
    """uvicorn serving ``app`` in this event loop, on a free port."""

    def __init__(self, app, ws: str = "websockets-sansio", **options):
        self.config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", ws=ws,
                                     lifespan="auto", **options)
        self.server = uvicorn.Server(self.config)
        self.task: asyncio.Task | None = None

    async def __aenter__(self) -> "Uvicorn":
        self.server.install_signal_handlers = lambda: None  # the test runner keeps Ctrl-C
        self.task = asyncio.ensure_future(self.server.serve())
        await eventually(lambda: self.server.started or self.task.done())
        assert self.server.started, "uvicorn did not start"
        return self

    @property
    def port(self) -> int:
        return self.server.servers[0].sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aexit__(self, *exc) -> None:
        self.server.should_exit = True
        await asyncio.wait_for(self.task, 10)


def counter_server(**options) -> DomsyncServer:
    async def handler(server, client):
        doc = server.get_document(client)
        button = doc.createElement("button", id="b", innerText="0")
        name = doc.createElement("input", id="name")  # two-way binding
        button.addEventListener("click", lambda event: setattr(button, "innerText", str(int(button.innerText) + 1)))
        doc.getRootElement().append(button, name)
        await server.flush(client)

    return DomsyncServer(handler, verbose=False, **options)


def starlette_app(live) -> object:
    async def api(request):
        return JSONResponse({"ok": True})

    return starlette_applications.Starlette(routes=[Route("/api", api), Mount("/live", app=live)])


@pytest.mark.parametrize("ws", WS_IMPLEMENTATIONS)
async def test_mounted_in_starlette_a_click_round_trip_binding_and_the_apps_own_routes(context, ws):
    server = counter_server()
    async with Uvicorn(starlette_app(server.asgi()), ws=ws) as web:
        page = await context.new_page()
        response = await page.goto(web.url + "/live")  # redirected to /live/
        assert response.url == web.url + "/live/"
        for n in range(1, 4):
            await page.click("#b")
            await page.wait_for_function(f"document.getElementById('b').textContent === '{n}'")
        (client,) = server.get_clients()
        await page.locator("#name").press_sequentially("typed at speed")
        name = server.get_document(client).getElementById("name")
        await eventually(lambda: name.value == "typed at speed")
        assert await (await page.request.get(web.url + "/api")).json() == {"ok": True}
        assert (await page.request.get(web.url + "/live/nothing")).status == 404
    await server.asgi().close()


async def test_a_prerendered_page_mounted_in_starlette(context):
    """prerender=True on the ASGI app: the page's HTML holds the first render (seen
    before any script, in the raw response), and the page then works over uvicorn."""
    server = counter_server(prerender=True)
    async with Uvicorn(starlette_app(server.asgi())) as web:
        page = await context.new_page()
        raw = await page.request.get(web.url + "/live/", headers={"Sec-Fetch-Dest": "document",
                                                                  "Sec-Fetch-Site": "none"})
        assert "<button id='b'>0</button><input id='name'>" in await raw.text()
        assert raw.headers["cache-control"] == "no-store"
        assert "Sec-Fetch-Dest" in raw.headers["vary"]
        await page.goto(web.url + "/live/")
        await page.wait_for_function("() => window.domsync && domsync.status === 'open'")
        await page.click("#b")
        await page.wait_for_function("document.getElementById('b').textContent === '1'")
        assert len(server.get_clients()) == 2  # the raw request's session waits for its socket
    await server.asgi().close()


async def test_mounted_in_fastapi_next_to_the_apps_own_routes(context):
    fastapi = pytest.importorskip("fastapi")
    server = counter_server()
    app = fastapi.FastAPI()

    @app.get("/api/status")
    def status():
        return {"status": "fine"}

    app.mount("/live", server.asgi())
    async with Uvicorn(app) as web:
        page = await context.new_page()
        await page.goto(web.url + "/live/")
        await page.click("#b")
        await page.wait_for_function("document.getElementById('b').textContent === '1'")
        assert await (await page.request.get(web.url + "/api/status")).json() == {"status": "fine"}
        assert (await page.request.get(web.url + "/docs")).status == 200  # FastAPI's own pages too
    await server.asgi().close()


async def test_hostile_strings_arrive_as_data_over_asgi(context):
    values = list(HOSTILE.values())

    async def handler(server, client):
        doc = server.get_document(client)
        for i, value in enumerate(values):
            doc.getRootElement().appendChild(doc.createElement("p", id=f"p{i}", innerText=value,
                                                               attributes={"title": value}))
        await server.flush(client)

    server = DomsyncServer(handler, verbose=False)
    async with Uvicorn(server.asgi()) as web:  # standalone: uvicorn runs its lifespan
        page = await context.new_page()
        await page.goto(web.url + "/")
        await page.wait_for_selector(f"#p{len(values) - 1}")
        got = await page.evaluate("n => Array.from({length: n}, (_, i) => {"
                                  " const p = document.getElementById('p' + i); return [p.textContent, p.title]; })",
                                  len(values))
        assert got == [[value, value] for value in values]
        assert await page.evaluate("window.__pwned === undefined")


async def test_behind_a_proxy_that_serves_it_under_a_prefix_with_root_path(context):
    server = counter_server()
    # The proxy serves the app at /app/ and strips /app before passing requests on;
    # uvicorn --root-path /app tells the app.
    async with Uvicorn(server.asgi(), root_path="/app") as web:
        proxy = await FaultyNetwork.start(web.port)
        proxy.strip_prefix = b"/app"
        try:
            page = await context.new_page()
            await page.goto(proxy.url + "app/")
            assert await page.evaluate("new URL(domsync.socket.url).pathname") == "/app/ws"
            await page.click("#b")
            await page.wait_for_function("document.getElementById('b').textContent === '1'")
        finally:
            await proxy.close()


async def test_a_session_resumes_over_asgi(context):
    server = counter_server()
    async with Uvicorn(server.asgi()) as web:
        proxy = await FaultyNetwork.start(web.port)
        try:
            page = await context.new_page()
            await page.goto(proxy.url)
            await page.click("#b")
            await page.wait_for_function("document.getElementById('b').textContent === '1'")
            (client,) = server.get_clients()
            await proxy.outage(0.3)
            await page.wait_for_function("domsync.status === 'open'", timeout=10_000)
            await page.click("#b")
            await page.wait_for_function("document.getElementById('b').textContent === '2'")
            assert server.get_clients() == [client]
        finally:
            await proxy.close()


async def test_origin_host_and_capacity_checks_apply_over_asgi(context, caplog):
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    server = counter_server(max_connections=1)
    async with Uvicorn(server.asgi()) as web:
        ws_url = f"ws://127.0.0.1:{web.port}/ws"
        with caplog.at_level(logging.WARNING, "domsync.server"):
            with pytest.raises(InvalidStatus):
                async with connect(ws_url, origin="http://evil.example"):
                    pass
            with pytest.raises(InvalidStatus):
                async with connect(ws_url, additional_headers={"Host": "evil.example"}):
                    pass
        assert "refused a websocket from origin" in caplog.text
        response = await context.request.get(web.url + "/", headers={"Host": "evil.example"})
        assert response.status == 403
        async with connect(ws_url):
            await eventually(lambda: len(server.get_clients()) == 1)
            with pytest.raises(InvalidStatus):
                async with connect(ws_url):
                    pass


async def test_the_fastapi_example_under_uvicorn_stops_cleanly_on_ctrl_c(context):
    """``uvicorn examples.fastapi_app:app``, a browser on the dashboard, then SIGINT: a
    clean exit, and no warning or error in the log."""
    import os
    import signal
    import socket
    import sys
    from pathlib import Path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    repo = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(repo), os.environ.get("PYTHONPATH", "")]),
           "PYTHONWARNINGS": "default"}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "uvicorn", "examples.fastapi_app:app", "--host", "127.0.0.1", "--port", str(port),
        "--ws", "websockets-sansio", cwd=repo, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        log = b""
        while b"Application startup complete" not in log:
            log += await asyncio.wait_for(process.stderr.readline(), 20)
        page = await context.new_page()
        await page.goto(f"http://127.0.0.1:{port}/live/")
        await page.wait_for_function("document.getElementById('uptime_s') && "
                                     "document.getElementById('dashboard_viewers').textContent === '1'")
        stats = await (await page.request.get(f"http://127.0.0.1:{port}/api/stats")).json()
        assert stats["dashboard_viewers"] == 1 and stats["api_calls"] == 1
        first = await page.text_content("#uptime_s")
        await page.wait_for_function(f"document.getElementById('uptime_s').textContent !== {first!r}")
        process.send_signal(signal.SIGINT)
        _, rest = await asyncio.wait_for(process.communicate(), 20)
        log += rest
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = log.decode(errors="replace")
    assert process.returncode == 0, text
    assert "Finished server process" in text, text
    for bad in ("Traceback", "ERROR", "Task was destroyed", "was never awaited", "Warning"):
        assert bad not in text, text


async def test_the_own_page_example_carries_the_mount_path(context):
    from test_server_browser import load_example

    example = load_example("fastapi_own_page")
    async with Uvicorn(example.app) as web:
        page = await context.new_page()
        await page.goto(web.url + "/")
        assert await page.text_content("h1") == "My own page"
        await page.locator("#name").press_sequentially("Ada")
        await page.wait_for_function("document.getElementById('hello').textContent === 'Hello, Ada!'")
    await example.live.asgi().close()


async def test_mounted_in_starlette_under_hypercorn(context):
    pytest.importorskip("hypercorn")
    import socket

    from hypercorn.asyncio import serve as hypercorn_serve
    from hypercorn.config import Config

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = counter_server()
    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.accesslog = None
    stop = asyncio.Event()
    task = asyncio.ensure_future(hypercorn_serve(starlette_app(server.asgi()), config, shutdown_trigger=stop.wait))
    try:
        page = await context.new_page()
        for _ in range(100):  # until it listens
            try:
                await page.goto(f"http://127.0.0.1:{port}/live/")
                break
            except Exception:
                await asyncio.sleep(0.05)
        for n in range(1, 4):
            await page.click("#b")
            await page.wait_for_function(f"document.getElementById('b').textContent === '{n}'")
        (client,) = server.get_clients()
        await page.locator("#name").press_sequentially("hyper")
        await eventually(lambda: server.get_document(client).getElementById("name").value == "hyper")
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)
        await server.asgi().close()


@contextlib.asynccontextmanager
async def requesting_a_large_download(tmp_path):
    """A session under uvicorn that sent a 64 MB download, and a raw HTTP connection
    that has just asked for it: yields its (reader, writer)."""
    from websockets.asyncio.client import connect

    from domsync import pack_file

    path = tmp_path / "big.bin"
    path.write_bytes(b"z" * (64 * 1024 * 1024))
    tokens = []

    async def handler(server, client):
        server.get_document(client).file_download(pack_file(str(path)), "big.bin")
        await server.flush(client)
        tokens.extend(server._downloads._pending)

    server = DomsyncServer(handler, verbose=False)
    async with Uvicorn(server.asgi()) as web:
        async with connect(f"ws://127.0.0.1:{web.port}/ws"):
            await eventually(lambda: tokens)
            reader, writer = await asyncio.open_connection("127.0.0.1", web.port)
            writer.write(f"GET /_domsync/download/{tokens[0]} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            try:
                yield reader, writer
            finally:
                writer.transport.abort()


async def test_a_download_stops_reading_its_file_when_the_browser_leaves(tmp_path, caplog):
    with caplog.at_level("INFO", "domsync.server"):
        async with requesting_a_large_download(tmp_path) as (reader, writer):
            await reader.readexactly(1024 * 1024)  # a little of it, then the browser goes
            writer.transport.abort()
            await eventually(lambda: "stopped after" in caplog.text or "sent the download" in caplog.text)
    assert "stopped after" in caplog.text


async def test_a_download_whose_reader_stops_reading_is_cut_off(tmp_path, caplog, monkeypatch):
    from domsync import asgi

    monkeypatch.setattr(asgi, "IDLE_TIMEOUT", 0.5)
    with caplog.at_level("INFO", "domsync.server"):
        async with requesting_a_large_download(tmp_path):
            # ...and read nothing: uvicorn's send() waits, and the app gives up.
            await eventually(lambda: "cut off a download" in caplog.text)
    assert "stopped after" in caplog.text
