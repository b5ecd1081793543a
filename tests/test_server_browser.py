"""DomsyncServer with real Chromium: the page, the clock, clicks, typing, isolation."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import weakref

import pytest
from conftest import eventually, load_example
import websockets
from websockets.asyncio.client import connect

from domsync import ClientGoneError
from domsync.domsync_server import DomsyncServer






@pytest.fixture
async def start_server():
    servers = []

    async def start(handler, **options) -> DomsyncServer:
        options.setdefault("verbose", False)
        server = DomsyncServer(handler, "127.0.0.1", 0, **options)
        await server.serve()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.close()


async def test_the_page_loads_and_the_clock_ticks(start_server, context):
    clock = load_example("clock")
    server = await start_server(clock.connection_handler, title="clock test")
    page = await context.new_page()
    await page.goto(server.url)
    assert await page.title() == "clock test"
    first = await page.text_content("#clock", timeout=5000)
    assert first.startswith("The current time is: ")
    await page.wait_for_function(
        "first => document.getElementById('clock').textContent !== first", arg=first, timeout=5000)
    assert await page.evaluate("domsync.status") == "open"
    assert await page.evaluate("document.getElementById('domsync-status') === null "
                               "|| document.getElementById('domsync-status').hidden")


async def test_a_click_runs_the_python_callback_and_the_page_updates(start_server, context):
    clicks = []

    async def handler(server, client):
        doc = server.get_document(client)
        button = doc.createElement("button", id="go", innerText="clicked 0 times")

        async def on_click(event):  # a coroutine callback, awaited by the server
            clicks.append(event["id"])
            button.innerText = f"clicked {len(clicks)} times"

        button.addEventListener("click", on_click)
        doc.getRootElement().appendChild(button)
        await server.flush(client)

    server = await start_server(handler)
    page = await context.new_page()
    await page.goto(server.url)
    for n in (1, 2, 3):
        await page.click("#go")
        await page.wait_for_function(f"document.getElementById('go').textContent === 'clicked {n} times'")
    assert clicks == ["go", "go", "go"]


async def test_typing_in_an_input_updates_the_model_value(start_server, context):
    seen = {}

    async def handler(server, client):
        doc = server.get_document(client)
        box = doc.createElement("input", id="box", attributes={"type": "text"})
        echo = doc.createElement("p", id="echo")
        box.addEventListener("input", lambda event: setattr(echo, "innerText", box.value))
        doc.getRootElement().append(box, echo)
        seen["box"] = box
        await server.flush(client)

    server = await start_server(handler)
    page = await context.new_page()
    await page.goto(server.url)
    await page.type("#box", "hello <b>&", delay=5)
    await page.wait_for_function("document.getElementById('echo').textContent === 'hello <b>&'")
    assert seen["box"].value == "hello <b>&"
    assert await page.inner_html("#echo") == "hello &lt;b&gt;&amp;"


async def test_the_todo_example_adds_ticks_and_deletes(start_server, context):
    todo = load_example("todo")
    server = await start_server(todo.connection_handler, head=todo.STYLE)
    page = await context.new_page()
    await page.goto(server.url)
    for text in ("milk", "eggs"):
        await page.fill("#new-item", text)
        await page.press("#new-item", "Enter")
        await page.wait_for_function(f"document.querySelectorAll('#items li').length >= {1 if text == 'milk' else 2}")
    await page.wait_for_function("document.getElementById('count').textContent === '2 of 2 left'")
    assert await page.input_value("#new-item") == ""
    await page.check("#items li:nth-child(1) input[type=checkbox]")
    await page.wait_for_function("document.getElementById('count').textContent === '1 of 2 left'")
    assert await page.get_attribute("#items li:nth-child(1)", "class") == "done"
    await page.click("#items li:nth-child(2) button.delete")
    await page.wait_for_function("document.getElementById('count').textContent === '0 of 1 left'")
    assert await page.eval_on_selector_all("#items li span", "spans => spans.map(s => s.textContent)") == ["milk"]


async def test_the_actions_example_does_each_action(context):
    actions = load_example("actions")
    server = actions.create_server(host="127.0.0.1", port=0, verbose=False)
    await server.serve()
    try:
        page = await context.new_page()
        await page.goto(server.url + "#about")
        assert await page.text_content("#content") == "domsync keeps the DOM in Python."
        for kind in ("error", "warning", "info", "success"):
            await page.click(f"#notify-{kind}")
            await page.locator(f".domsync-notification-{kind}").wait_for()
        for button, name, size in (("#download-small", "hello.txt", 23), ("#download-large", "large.bin", 5 << 20)):
            async with page.expect_download() as info:
                await page.click(button)
            download = await info.value
            assert download.suggested_filename == name
            assert os.path.getsize(await download.path()) == size
        async with context.expect_page() as opened:
            await page.click("#open-url")
        assert (await opened.value).url.startswith(("https://www.python.org", "chrome-error:", "about:blank"))
        await page.click("#page-help")
        await page.wait_for_function("location.hash === '#help'")
        await page.click("#sort-price")
        await page.wait_for_function("location.hash === '#help/sort=price'")
        await page.go_back()
        await page.wait_for_function("document.getElementById('route').textContent === "
                                     "\"page='help' route_vars={}\"")
        await page.click("#run-js")
        await page.wait_for_function("document.title === 'Changed by run_js'")
    finally:
        await server.close()


async def test_two_browsers_get_independent_documents(start_server, context, browser):
    async def handler(server, client):
        doc = server.get_document(client)
        counter = doc.createElement("button", id="count", innerText="0")
        counter.addEventListener("click", lambda e: setattr(counter, "innerText", str(int(counter.innerText) + 1)))
        doc.getRootElement().appendChild(counter)

    server = await start_server(handler)
    other_context = await browser.new_context()
    try:
        first, second = await context.new_page(), await other_context.new_page()
        await first.goto(server.url)
        await second.goto(server.url)
        await first.wait_for_selector("#count")
        await second.wait_for_selector("#count")
        await first.click("#count")
        await first.click("#count")
        await first.wait_for_function("document.getElementById('count').textContent === '2'")
        assert await second.text_content("#count") == "0"
        documents = [server.get_document(c) for c in server.get_clients()]
        assert len(documents) == 2 and documents[0] is not documents[1]
    finally:
        await other_context.close()


async def test_a_closed_tab_ends_its_session_after_the_reload_grace_and_the_document_is_freed(start_server, context):
    clients = []
    stopped = asyncio.Event()

    async def handler(server, client):
        clients.append(client)
        try:
            while True:  # a 0.1.2-style loop: it is cancelled when the browser leaves
                await server.flush(client)
                await asyncio.sleep(0.05)
        finally:
            stopped.set()

    server = await start_server(handler)
    page = await context.new_page()
    await page.goto(server.url)
    await eventually(lambda: len(clients) == 1)
    client = clients[0]
    document = weakref.ref(server.get_document(client))
    await page.close()
    await eventually(lambda: not server.is_connected(client))
    assert server.get_clients() == []
    await asyncio.wait_for(stopped.wait(), 5)
    with pytest.raises(ClientGoneError):
        await server.flush(client)
    with pytest.raises(ClientGoneError):
        server.get_document(client)
    gc.collect()
    assert document() is None


async def test_a_failing_handler_or_callback_is_logged_and_isolated(start_server, context, browser, caplog):
    calls = []

    async def handler(server, client):
        doc = server.get_document(client)
        boom = doc.createElement("button", id="boom", innerText="boom")
        fine = doc.createElement("button", id="fine", innerText="0")

        def explode(event):
            raise RuntimeError("callback exploded")

        boom.addEventListener("click", explode)
        fine.addEventListener("click", lambda e: setattr(fine, "innerText", str(int(fine.innerText) + 1)))
        doc.getRootElement().append(boom, fine)
        calls.append(client)
        if len(calls) == 1:
            raise ValueError("handler exploded")  # after building: the page still works

    server = await start_server(handler)
    caplog.set_level(logging.INFO, logger="domsync")
    first = await context.new_page()
    await first.goto(server.url)
    await first.wait_for_selector("#boom")
    await first.click("#boom")
    await first.click("#fine")
    await first.wait_for_function("document.getElementById('fine').textContent === '1'")
    other_context = await browser.new_context()
    try:
        second = await other_context.new_page()
        await second.goto(server.url)
        await second.click("#fine")
        await second.wait_for_function("document.getElementById('fine').textContent === '1'")
    finally:
        await other_context.close()
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert any("handler exploded" in (r.exc_text or "") for r in errors)
    assert any("callback exploded" in (r.exc_text or "") for r in errors)
    await eventually(lambda: len(server.get_clients()) == 1)  # the first page is still on


async def test_a_cross_origin_page_cannot_open_a_session(start_server, context):
    opened = []

    async def handler(server, client):
        opened.append(client)

    target = await start_server(handler)
    elsewhere = await start_server(handler)  # another port: another origin
    page = await context.new_page()
    await page.goto(elsewhere.url)
    await eventually(lambda: len(opened) == 1)
    result = await page.evaluate("""url => new Promise(resolve => {
        const ws = new WebSocket(url);
        ws.onopen = () => resolve("open");
        ws.onclose = () => resolve("refused");
    })""", target.url.replace("http", "ws") + "ws")
    assert result == "refused"
    assert len(opened) == 1
    with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
        async with connect(target.url.replace("http", "ws") + "ws", origin="http://evil.example"):
            pass
    assert refused.value.response.status_code == 403


async def test_a_page_elsewhere_can_be_allowed_with_origins(start_server, context):
    allowed = await start_server(lambda s, c: None, origins=["http://evil.example"])
    async with connect(allowed.url.replace("http", "ws") + "ws", origin="http://evil.example") as ws:
        assert 'R("domsync_root_id")' in await asyncio.wait_for(ws.recv(), 5)


async def test_bad_messages_are_dropped_and_the_session_goes_on(start_server, caplog):
    clicks = []

    async def handler(server, client):
        doc = server.get_document(client)
        button = doc.createElement("button", id="btn", innerText="0")

        def on_click(event):
            clicks.append(event["value"])
            button.innerText = str(len(clicks))

        button.addEventListener("click", on_click)
        doc.getRootElement().appendChild(button)

    server = await start_server(handler, max_message_size=1000)
    caplog.set_level(logging.WARNING, logger="domsync")
    async with connect(server.url.replace("http", "ws") + "ws") as ws:
        first = await asyncio.wait_for(ws.recv(), 5)
        assert "E(" in first and '"btn"' in first
        junk = [
            b"\x00\x01binary",
            "not json",
            "[1, 2, 3]",
            json.dumps({"hello": "world"}),
            json.dumps({"domsync": True, "event": "click", "id": 999999, "value": None}),
            json.dumps({"domsync": True, "event": "nope", "id": "btn", "value": None}),
            json.dumps({"domsync": True, "event": 5, "id": "btn"}),
            json.dumps({"domsync": True, "event": "click", "id": {"x": 1}}),
            json.dumps({"domsync": True, "event": "click", "id": "btn", "value": "x" * 5000}),
        ]
        for message in junk:
            await ws.send(message)
        await ws.send(json.dumps({"domsync": True, "event": "click", "id": "btn", "value": "ok"}))
        reply = await asyncio.wait_for(ws.recv(), 5)
        assert reply == f'N({server.get_document(server.get_clients()[0]).getElementById("btn")._key}).textContent="1";\n'
    assert clicks == ["ok"]
    text = caplog.text
    for expected in ("binary", "not JSON", "not a domsync message", "unknown or removed",
                     "does not listen", "'event' is not a string", "'id' is not",
                     "max_message_size"):
        assert expected in text, expected


async def test_a_flood_is_cut_down_and_logged(start_server, caplog):
    clicks = []

    async def handler(server, client):
        doc = server.get_document(client)
        button = doc.createElement("button", id="btn")
        button.addEventListener("click", lambda event: clicks.append(1))
        doc.getRootElement().appendChild(button)

    server = await start_server(handler, max_messages_per_second=50)
    caplog.set_level(logging.WARNING, logger="domsync")
    async with connect(server.url.replace("http", "ws") + "ws") as ws:
        await asyncio.wait_for(ws.recv(), 5)
        message = json.dumps({"domsync": True, "event": "click", "id": "btn", "value": None})
        for _ in range(1000):
            await ws.send(message)
        await eventually(lambda: "too many messages" in caplog.text)
    assert 90 <= len(clicks) < 1000  # the burst (100) and a little refill got through


async def test_head_and_unknown_paths(start_server):
    server = await start_server(lambda s, c: None)

    async def request(method: str, path: str) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        await writer.drain()
        data = await reader.read()
        writer.close()
        return data

    head = await request("HEAD", "/")
    assert head.startswith(b"HTTP/1.1 200 OK") and head.endswith(b"\r\n\r\n")
    assert b"Content-Type: text/html" in head
    script = await request("GET", "/domsync.js")
    assert b"text/javascript" in script and b"domsync.apply" in script
    assert (await request("GET", "/missing")).startswith(b"HTTP/1.1 404")


async def test_a_page_of_ones_own_can_embed_the_client(start_server, context):
    from domsync.page import client_snippet

    async def handler(server, client):
        doc = server.get_document(client)
        doc.getRootElement().appendChild(doc.createElement("p", id="hi", innerText="embedded"))

    server = await start_server(handler)
    page = await context.new_page()
    # A page from the same origin that is not the server's own page.
    await page.goto(server.url + "missing")
    await page.set_content("<h1>my app</h1>" + client_snippet(server.url))
    await page.wait_for_selector("#hi")
    assert await page.text_content("#hi") == "embedded"


async def test_a_dropped_connection_shows_an_indicator_and_reconnects(context):
    async def handler(server, client):
        doc = server.get_document(client)
        doc.getRootElement().appendChild(doc.createElement("p", id="gen", innerText=str(id(server))))

    first = DomsyncServer(handler, "127.0.0.1", 0, verbose=False)
    await first.serve()
    port = first.port
    page = await context.new_page()
    await page.goto(first.url)
    await page.wait_for_selector("#gen")
    await first.close()
    await page.wait_for_function("domsync.status !== 'open'")
    indicator = page.locator("#domsync-status")
    await indicator.wait_for(state="visible")
    assert await indicator.get_attribute("role") == "status"
    assert "connect" in await indicator.text_content()
    second = DomsyncServer(handler, "127.0.0.1", port, verbose=False)
    await second.serve()
    try:
        await page.wait_for_function(
            "want => document.getElementById('gen') && document.getElementById('gen').textContent === want",
            arg=str(id(second)), timeout=15000)
        await indicator.wait_for(state="hidden")
        assert await page.evaluate("domsync.status") == "open"
    finally:
        await second.close()


async def test_errors_in_the_browser_reach_the_server_log(start_server, context, caplog):
    async def handler(server, client):
        doc = server.get_document(client)
        button = doc.createElement("button", id="b", innerText="b")
        button.addEventListener("click", lambda e: None, js_value_getter="this.(")
        doc.getRootElement().appendChild(button)

    server = await start_server(handler)
    caplog.set_level(logging.WARNING, logger="domsync")
    page = await context.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    await page.goto(server.url)
    await page.wait_for_selector("#b")
    await eventually(lambda: "reported an error in 'js_value_getter'" in caplog.text)
    assert any("domsync" in text for text in errors)


async def test_junk_from_the_page_does_not_break_its_session(start_server, context, caplog):
    async def handler(server, client):
        doc = server.get_document(client)
        button = doc.createElement("button", id="b", innerText="0")
        button.addEventListener("click", lambda e: setattr(button, "innerText", str(int(button.innerText) + 1)))
        doc.getRootElement().appendChild(button)

    server = await start_server(handler)
    caplog.set_level(logging.WARNING, logger="domsync")
    page = await context.new_page()
    await page.goto(server.url)
    await page.wait_for_selector("#b")
    assert await page.evaluate("typeof ws_send") == "function"
    await page.evaluate("""() => {
        const ws = domsync.socket;
        ws.send(new Uint8Array([1, 2, 3]));
        ws.send("not json");
        ws.send("[".repeat(20000) + "]".repeat(20000));  // RecursionError in json.loads
        ws.send(JSON.stringify({domsync: true, event: "click", id: 424242}));
        ws.send(JSON.stringify({domsync: true, event: "click", id: "b", value: "x".repeat(100000)}));
        ws_send({domsync: true, event: "click", id: "b", value: null});  // the 0.1.2 way
    }""")
    await page.wait_for_function("document.getElementById('b').textContent === '1'")
    await page.click("#b")
    await page.wait_for_function("document.getElementById('b').textContent === '2'")
    assert await page.evaluate("domsync.status") == "open"
    for expected in ("binary", "not JSON", "unknown or removed", "max_message_size"):
        assert expected in caplog.text


async def test_a_slow_callback_does_not_hide_a_disconnect(start_server, context):
    clients, slow_started = [], asyncio.Event()

    async def handler(server, client):
        doc = server.get_document(client)
        button = doc.createElement("button", id="slow", innerText="slow")

        async def slow(event):
            slow_started.set()
            await asyncio.sleep(60)

        button.addEventListener("click", slow)
        doc.getRootElement().appendChild(button)
        clients.append(client)

    server = await start_server(handler)
    page = await context.new_page()
    await page.goto(server.url)
    await page.click("#slow")
    await asyncio.wait_for(slow_started.wait(), 5)
    await page.close()
    # Seen long before the 60 s callback could end (the bounds are loose for busy machines).
    await eventually(lambda: not server.is_connected(clients[0]), timeout=10)
    started = asyncio.get_running_loop().time()
    await server.close()  # nothing left waiting on the callback
    assert asyncio.get_running_loop().time() - started < 10


async def test_close_returns_while_a_callback_is_running_and_serve_forever_ends(context):
    slow_started = asyncio.Event()

    async def handler(server, client):
        doc = server.get_document(client)
        button = doc.createElement("button", id="slow", innerText="slow")

        async def slow(event):
            slow_started.set()
            await asyncio.Event().wait()  # never returns

        button.addEventListener("click", slow)
        doc.getRootElement().appendChild(button)

    server = DomsyncServer(handler, "127.0.0.1", 0, verbose=False)
    forever = asyncio.create_task(server.serve_forever())
    await eventually(lambda: server._server is not None)
    page = await context.new_page()
    await page.goto(server.url)
    await page.click("#slow")
    await asyncio.wait_for(slow_started.wait(), 5)
    await asyncio.wait_for(server.close(), 8)
    await asyncio.wait_for(forever, 5)


async def test_events_from_before_a_reconnect_never_reach_the_new_session(context):
    calls = []
    generation = {"n": 0}

    async def handler(server, client):
        generation["n"] += 1
        label = "safe" if generation["n"] == 1 else "danger"
        doc = server.get_document(client)
        button = doc.createElement("button", id="b", innerText=label)
        button.addEventListener("click", lambda e: calls.append(label))
        doc.getRootElement().appendChild(button)

    first = DomsyncServer(handler, "127.0.0.1", 0, verbose=False)
    await first.serve()
    page = await context.new_page()
    await page.goto(first.url)
    await page.wait_for_selector("#b")
    port = first.port
    await first.close()
    await page.wait_for_function("domsync.status !== 'open'")
    await page.click("#b")  # the old session's button, while disconnected
    second = DomsyncServer(handler, "127.0.0.1", port, verbose=False)
    await second.serve()
    try:
        await page.wait_for_function("document.getElementById('b').textContent === 'danger'", timeout=15000)
        await asyncio.sleep(0.2)
        assert calls == []
    finally:
        await second.close()


async def test_connecting_again_replaces_the_old_connection(start_server, context):
    server = await start_server(lambda s, c: None)
    page = await context.new_page()
    await page.goto(server.url)
    await eventually(lambda: len(server.get_clients()) == 1)
    await page.wait_for_function("domsync.status === 'open'")  # welcomed: it knows its session
    await page.evaluate("domsync.connect()")
    await page.wait_for_function("domsync.status === 'open'")
    await asyncio.sleep(0.3)
    await eventually(lambda: len(server.get_clients()) == 1)


async def test_a_callback_that_lets_a_cancellation_escape_is_logged_and_the_session_goes_on(
        start_server, context, caplog):
    async def handler(server, client):
        doc = server.get_document(client)
        bad = doc.createElement("button", id="bad", innerText="bad")
        good = doc.createElement("button", id="good", innerText="0")

        async def cancelled_elsewhere(event):
            future = asyncio.get_running_loop().create_future()
            future.cancel()
            await future

        bad.addEventListener("click", cancelled_elsewhere)
        good.addEventListener("click", lambda e: setattr(good, "innerText", "1"))
        doc.getRootElement().append(bad, good)

    server = await start_server(handler)
    caplog.set_level(logging.INFO, logger="domsync")
    page = await context.new_page()
    await page.goto(server.url)
    await page.click("#bad")
    await page.click("#good")
    await page.wait_for_function("document.getElementById('good').textContent === '1'")
    assert "cancelled from elsewhere" in caplog.text


async def test_a_page_that_got_out_of_step_is_rebuilt_from_the_model(start_server, context, caplog):
    async def handler(server, client):
        doc = server.get_document(client)
        doc.getRootElement().appendChild(doc.createElement("p", id="p", innerText="model"))

    server = await start_server(handler)
    page = await context.new_page()
    await page.goto(server.url)
    await page.wait_for_selector("#p")
    await page.evaluate("""() => {
        document.getElementById('domsync_root_id').replaceChildren();  // someone broke it
        ws_send({domsync: true, type: 'error', source: 'batch', message: 'boom'});
    }""")
    await page.wait_for_selector("#p")
    assert await page.text_content("#p") == "model"


async def test_the_page_refuses_foreign_frames_and_foreign_host_names(start_server):
    server = await start_server(lambda s, c: None)

    async def request(path: str, host: str, extra: str = "", method: str = "GET") -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{extra}\r\n".encode())
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), 5)
        writer.close()
        return data

    page = await request("/", f"127.0.0.1:{server.port}")
    assert b"Content-Security-Policy: frame-ancestors 'self'" in page
    assert b"X-Frame-Options: SAMEORIGIN" in page
    # DNS rebinding: a foreign name that resolves here is refused, page and socket alike.
    assert (await request("/", f"evil.example:{server.port}")).startswith(b"HTTP/1.1 403")
    upgrade = ("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")
    rebound = await request("/ws", f"evil.example:{server.port}",
                            upgrade + f"Origin: http://evil.example:{server.port}\r\n")
    assert rebound.startswith(b"HTTP/1.1 403")
    twice = await request("/ws", f"127.0.0.1:{server.port}",
                          upgrade + "Origin: http://a.example\r\nOrigin: http://127.0.0.1\r\n")
    assert twice.startswith(b"HTTP/1.1 403")
    post = await request("/", f"127.0.0.1:{server.port}", method="POST")
    assert post.startswith(b"HTTP/1.1 405") and b"Allow: GET, HEAD" in post
    assert b'<link rel="icon" href="data:,">' in page  # no favicon request, no 404 noise


async def test_connections_beyond_the_limit_are_refused(start_server):
    server = await start_server(lambda s, c: None, max_connections=2)
    url = server.url.replace("http", "ws") + "ws"
    async with connect(url), connect(url):
        await eventually(lambda: len(server.get_clients()) == 2)
        with pytest.raises(websockets.exceptions.InvalidStatus) as refused:
            async with connect(url):
                pass
        assert refused.value.response.status_code == 503


def test_origins_must_be_a_list_and_are_normalized():
    from domsync import WrongTypeError

    with pytest.raises(WrongTypeError):
        DomsyncServer(lambda s, c: None, origins="https://example.com")
    server = DomsyncServer(lambda s, c: None, origins=["HTTPS://Example.com:443/"])
    assert server._site.origin_allowed("https://example.com", "localhost:8888")


async def test_the_client_script_is_fetched_once_compressed_then_taken_from_the_cache(start_server, context):
    from domsync.assets import client_js_name, client_js_source

    async def handler(server, client):
        doc = server.get_document(client)
        doc.getRootElement().appendChild(doc.createElement("p", id="p", innerText="ready"))

    server = await start_server(handler)
    answered = []
    respond = server._site.respond

    def counting(method, path, *args):
        response = respond(method, path, *args)
        answered.append((path, response.header("Content-Encoding"), len(response.body)))
        return response

    server._site.respond = counting
    page = await context.new_page()
    for visit in range(3):  # the first visit, another page load, a reload
        if visit < 2:
            await page.goto(server.url + ("?again" if visit else ""))
        else:
            await page.reload()
        await page.wait_for_selector("#p")
    scripts = [entry for entry in answered if entry[0] == "/" + client_js_name()]
    pages = [entry for entry in answered if entry[0] == "/"]
    assert len(pages) == 3  # the page itself is revalidated every time
    assert len(scripts) == 1, scripts  # the versioned script, once
    (_, encoding, size), = scripts
    assert encoding == "gzip" and size < len(client_js_source()) / 3  # compressed, to a third at most


async def test_a_page_on_the_json_wire_works_and_runs_no_batch_as_code(start_server, context):
    """data-domsync-wire="json": the batches are ops applied by a fixed table. The
    to-do list works as on the JavaScript wire; a shared page mixes both wires."""
    todo = load_example("todo")
    server = await start_server(todo.connection_handler)
    page = await context.new_page()
    await page.goto(server.url + "missing")
    snippet = client_snippet_with(server.url, 'data-domsync-wire="json"')
    await page.set_content(snippet)
    await page.wait_for_selector("#new-item")
    for text in ("milk", "eggs"):
        await page.fill("#new-item", text)
        await page.click("#add")
    await page.wait_for_function("document.querySelectorAll('#items li').length === 2")
    await page.click("#items li:first-child input[type=checkbox]")
    await page.wait_for_function("document.getElementById('count').textContent === '1 of 2 left'")
    (client,) = server.get_clients()
    assert server._hub.sessions[client].wire.name == "json"
    assert await page.evaluate("domsync.wire") == "json"


def client_snippet_with(url: str, attributes: str) -> str:
    from domsync.page import client_snippet

    return client_snippet(url).replace("<script ", f"<script {attributes} " if attributes else "<script ")


async def test_a_shared_page_sends_each_browser_its_own_wire(start_server, context):
    server = await start_server(None, shared=True)
    doc = server.document
    count = doc.createElement("button", id="count", innerText="0")
    count.addEventListener("click", lambda event: setattr(count, "innerText", str(int(count.innerText) + 1)))
    doc.getRootElement().appendChild(count)
    pages = []
    for attributes in ("", 'data-domsync-wire="json"'):
        page = await context.new_page()
        await page.goto(server.url + "missing")
        await page.set_content(client_snippet_with(server.url, attributes))
        await page.wait_for_selector("#count")
        pages.append(page)
    await pages[0].click("#count")
    await pages[1].click("#count")
    for page in pages:
        await page.wait_for_function("document.getElementById('count').textContent === '2'")
    assert sorted(session.wire.name for session in server._hub.sessions.values()) == ["js", "json"]
