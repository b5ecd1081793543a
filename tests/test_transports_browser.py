"""One suite of feature scenarios, run in Chromium over each transport: domsync's own
websockets server, and the ASGI app mounted in Starlette under uvicorn. A scenario gets
a server made by the transport and the URL of its page, and must behave the same on
both. (The in-memory transport runs the same sessions in test_memory.py and
test_resume_sessions.py, with no browser.)"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
from pathlib import Path

import pytest
from conftest import eventually
from faulty_network import FaultyNetwork
from test_hostile_browser import HOSTILE

from domsync import pack_bytes
from domsync.domsync_server import DomsyncServer

TRANSPORTS = ["websockets", "asgi"]


@pytest.fixture(params=TRANSPORTS)
async def serve(request):
    """``serve(handler, **options)`` -> (server, url of its page), on the transport of
    the test's parameter; the page is reached through a faulty network (a TCP proxy)."""
    started = []

    async def start(handler=None, **options):
        proxy = await FaultyNetwork.start(0)
        options.setdefault("verbose", False)
        options.setdefault("origins", [proxy.origin])
        server = DomsyncServer(handler, "127.0.0.1", 0, **options)
        if request.param == "websockets":
            await server.serve()
            proxy.target = server.port
            url = proxy.url
            stop = server.close
        else:
            from test_asgi_browser import Uvicorn, starlette_app

            web = Uvicorn(starlette_app(server.asgi()))
            await web.__aenter__()
            proxy.target = web.port
            url = proxy.url + "live/"

            async def stop():
                await web.__aexit__(None, None, None)
                await server.asgi().close()
        started.append((proxy, stop))
        return server, url, proxy

    yield start
    for proxy, stop in started:
        await proxy.close()
        await stop()


async def test_a_click_round_trip(serve, context):
    async def handler(server, client):
        doc = server.get_document(client)
        button = doc.createElement("button", id="b", innerText="0")
        button.addEventListener("click", lambda event: setattr(button, "innerText", str(int(button.innerText) + 1)))
        doc.getRootElement().appendChild(button)
        await server.flush(client)

    server, url, _ = await serve(handler)
    page = await context.new_page()
    await page.goto(url)
    for n in range(1, 6):
        await page.click("#b")
        await page.wait_for_function(f"document.getElementById('b').textContent === '{n}'")


async def test_binding_loses_no_keystroke_under_latency(serve, context):
    async def handler(server, client):
        doc = server.get_document(client)
        entry = doc.createElement("input", id="entry")

        async def shout(event):
            await asyncio.sleep(0.03)  # a slow server: answers come back after newer keys
            entry.value = entry.value.upper()

        entry.addEventListener("input", shout)
        doc.getRootElement().appendChild(entry)
        await server.flush(client)

    server, url, proxy = await serve(handler)
    proxy.delay = 0.02
    page = await context.new_page()
    await page.goto(url)
    await page.locator("#entry").press_sequentially("keep every key", delay=5)
    (client,) = server.get_clients()
    entry = server.get_document(client).getElementById("entry")
    await eventually(lambda: entry.value == "KEEP EVERY KEY")
    await page.wait_for_function("document.getElementById('entry').value === 'KEEP EVERY KEY'")


async def test_named_messages_both_ways(serve, context):
    server, url, _ = await serve()

    @server.on("connect")
    async def connect(client):
        server.get_document(client).getRootElement().appendChild(
            server.get_document(client).createElement("p", id="ready", innerText="ready"))

    @server.on_event("ping")
    async def ping(context_):
        await server.send(context_.client, "pong", {"got": context_.payload, "quote": "</script>\"'`${x}"})

    page = await context.new_page()
    await page.goto(url)
    await page.wait_for_selector("#ready")
    reply = await page.evaluate("""() => new Promise(resolve => {
        document.addEventListener('domsync:pong', e => resolve(e.detail), {once: true});
        domsync.send('ping', {n: 1, list: [1, 2]});
    })""")
    assert reply == {"got": {"n": 1, "list": [1, 2]}, "quote": "</script>\"'`${x}"}


async def test_a_30_mb_download(serve, context):
    data = bytes(range(256)) * (30 * 1024 * 1024 // 256)

    async def handler(server, client):
        doc = server.get_document(client)
        button = doc.createElement("button", id="get", innerText="download")
        button.addEventListener("click", lambda event: doc.file_download(pack_bytes(data), "thirty.bin"))
        doc.getRootElement().appendChild(button)
        await server.flush(client)

    server, url, _ = await serve(handler)
    page = await context.new_page()
    await page.goto(url)
    async with page.expect_download() as info:
        await page.click("#get")
    download = await info.value
    assert download.suggested_filename == "thirty.bin"
    assert hashlib.sha256((await download.path()).read_bytes()).digest() == hashlib.sha256(data).digest()


async def test_routes_both_ways(serve, context):
    seen = []

    async def handler(server, client):
        doc = server.get_document(client)
        go = doc.createElement("button", id="go", innerText="go")
        go.addEventListener("click", lambda event: (doc.set_page("shop"), doc.set_route_vars({"item": "4/2"})))
        doc.getRootElement().appendChild(go)
        await server.flush(client)

    server, url, _ = await serve(handler)
    server.on("route")(lambda client, page, route_vars: seen.append((page, route_vars)))
    page = await context.new_page()
    await page.goto(url + "#start")
    await page.wait_for_selector("#go")
    (client,) = server.get_clients()
    assert server.get_document(client).page == "start"
    await page.click("#go")
    await page.wait_for_function("location.hash === '#shop/item=4%2F2'")
    await page.go_back()
    await eventually(lambda: seen == [("start", {})])


async def test_hostile_input_is_data(serve, context):
    values = list(HOSTILE.values())
    got = []

    async def handler(server, client):
        doc = server.get_document(client)
        for i, value in enumerate(values):
            doc.getRootElement().appendChild(doc.createElement("p", id=f"p{i}", innerText=value,
                                                               attributes={"title": value}))
        echo = doc.createElement("input", id="echo")
        echo.addEventListener("input", lambda event: got.append(event["value"]), "this.value")
        doc.getRootElement().appendChild(echo)
        await server.flush(client)

    server, url, _ = await serve(handler)
    page = await context.new_page()
    await page.goto(url)
    await page.wait_for_selector("#echo")
    shown = await page.evaluate("n => Array.from({length: n}, (_, i) => {"
                                " const p = document.getElementById('p' + i); return [p.textContent, p.title]; })",
                                len(values))
    assert shown == [[value, value] for value in values]
    await page.fill("#echo", "</script><img src=x onerror=alert(1)>")  # and the way back
    await eventually(lambda: got and got[-1] == "</script><img src=x onerror=alert(1)>")
    assert await page.evaluate("document.querySelectorAll('img').length") == 0


async def test_the_0_1_2_input_components_example(serve, context):
    path = Path(__file__).resolve().parent / "compat_0_1_2" / "example_input_components.py"
    spec = importlib.util.spec_from_file_location("example_input_components_transports", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)

    async def connection_handler(server, client):  # the example's own handler, as it is written
        doc = server.get_document(client)
        example.ExampleInputsComponent(doc, doc.getRootId())
        await server.flush(client)

    server, url, _ = await serve(connection_handler)
    page = await context.new_page()
    await page.goto(url)
    button = page.locator("[id='domsync_root_id.button']")
    await button.click()
    await page.wait_for_function("document.getElementById('domsync_root_id.button').textContent === 'off'")
    await page.locator("[id='domsync_root_id.textinput']").fill("typed")
    await page.wait_for_function("document.body.innerText.includes('typed')")


async def test_a_shared_document_with_autoflush(serve, context):
    server, url, _ = await serve(shared=True, autoflush=0.02)
    doc = server.document
    status = doc.createElement("p", id="status", innerText="start")
    button = doc.createElement("button", id="b", innerText="press")
    button.addEventListener("click", lambda event: setattr(status, "innerText", "pressed"))
    doc.getRootElement().append(status, button)
    first, second = await context.new_page(), await context.new_page()
    for page in (first, second):
        await page.goto(url)
        await page.wait_for_selector("#status")
    await first.click("#b")
    await second.wait_for_function("document.getElementById('status').textContent === 'pressed'")
    status.innerText = "changed with no flush"  # autoflush sends it to both
    for page in (first, second):
        await page.wait_for_function("document.getElementById('status').textContent === 'changed with no flush'")


async def test_the_message_limits_apply(serve, context, caplog):
    seen = []
    server, url, _ = await serve(max_message_size=1000)

    @server.on("connect")
    def connect(client):
        server.get_document(client).getRootElement().appendChild(
            server.get_document(client).createElement("p", id="ready", innerText="ready"))

    server.on_event("note")(lambda context_: seen.append(context_.payload))
    page = await context.new_page()
    await page.goto(url)
    await page.wait_for_selector("#ready")
    await page.evaluate("window.__errors = []; document.addEventListener('domsync:error', "
                        "e => window.__errors.push(e.detail.source))")
    with caplog.at_level("WARNING", "domsync.server"):
        # The page knows the limit (its welcome says), and does not send what the
        # server would drop; it reports it, and the session goes on.
        await page.evaluate("domsync.send('note', 'x'.repeat(5000))")
        await page.evaluate("domsync.send('note', 'small')")
        await eventually(lambda: seen == ["small"])
        assert await page.evaluate("window.__errors") == ["send"]
        await eventually(lambda: "reported an error in 'send'" in caplog.text)
    # A client of its own that sends too much anyway is dropped with a log line.
    from websockets.asyncio.client import connect

    ws_url = url.replace("http", "ws") + "ws"
    with caplog.at_level("WARNING", "domsync.server"):
        async with connect(ws_url) as ws:
            await ws.recv()
            await ws.send('{"domsync": true, "type": "message", "name": "note", "payload": "' + "y" * 5000 + '"}')
            await eventually(lambda: "max_message_size is 1000" in caplog.text)
    assert seen == ["small"]
