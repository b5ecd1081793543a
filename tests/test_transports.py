"""One suite of feature scenarios, run over each transport: domsync's own websockets
server and the ASGI app mounted in Starlette under uvicorn, in Chromium; and the
in-memory transport, with no browser and no socket. A scenario gets a server made by
the transport and the URL of its page (``None`` in memory), and must behave the same
on all three.

In memory, a :class:`MemoryTab` plays the browser at the protocol's level: it sends the
messages the browser client sends (hello, events with their form state and edit
numbers, syncs, named messages, routes), and checks the batches it gets: they are the
very JavaScript a browser would run, so the checks look for the statements the
browser's page would apply. (A browserless client with a page of its own, and
Playwright's API, is another issue's.)"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
from pathlib import Path

import pytest
from conftest import eventually
from faulty_network import FaultyNetwork
from test_hostile_browser import HOSTILE

from test_resume_sessions import Tab

from domsync import encode_js, pack_bytes
from domsync.document import Document
from domsync.downloads import answer_download
from domsync.domsync_server import DomsyncServer
from domsync.encoding import js_string
from domsync.memory import MemoryServer

TRANSPORTS = ["websockets", "asgi", "memory"]


class MemoryTab(Tab):
    """The browser's end of an in-memory session, as the browser client would act."""

    @classmethod
    async def opened(cls, server: MemoryServer, route: str = "") -> "MemoryTab":
        """A tab with a new session and its first page."""
        tab = cls(server, route=route)
        await tab.start()
        return tab

    async def until(self, text: str, timeout: float = 5) -> str:
        """Read batches until one holds ``text``; returns it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            batch = await self.read(max(0.01, deadline - loop.time()))
            if text in batch:
                return batch

    def element(self, element_id: str):
        return self.server.get_document(self.peer.client).getElementById(element_id)

    async def click(self, element_id: str) -> None:
        await self.send({"domsync": True, "event": "click", "id": self.element(element_id)._key,
                         "detail": {"kind": "mouse"}})

    async def type(self, element_id: str, text: str, event: str = "input") -> None:
        """Type one key at a time, as the client sends it: the event, with the
        control's state and its edit number, for a control listening to ``event``; a
        sync message otherwise."""
        el = self.element(element_id)
        listens = event in ((el._props or {}).get("on") or {})
        value = el.value or ""
        for seq, char in enumerate(text, start=1):
            value += char
            if listens:
                await self.send({"domsync": True, "event": event, "id": el._key, "value": value,
                                 "state": {"value": value}, "seq": seq, "origin": "memory"})
            else:
                await self.send({"domsync": True, "type": "sync", "id": el._key, "state": {"value": value},
                                 "seq": seq, "origin": "memory"})


@pytest.fixture(params=TRANSPORTS)
async def serve(request):
    """``serve(handler, **options)`` -> (server, url of its page), on the transport of
    the test's parameter; the page is reached through a faulty network (a TCP proxy)."""
    started = []

    async def start(handler=None, **options):
        if request.param == "memory":
            server = MemoryServer(handler, **{k: v for k, v in options.items() if k not in ("verbose", "origins")})
            started.append((None, server.close))
            return server, None, None
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
        if proxy is not None:
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
    if url is None:
        tab = await MemoryTab.opened(server)
        for n in range(1, 6):
            await tab.click("b")
            await tab.until(f'textContent="{n}"')
        return
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
    if url is None:
        tab = await MemoryTab.opened(server)
        await tab.type("entry", "keep every key")  # all sent before the first answer
        entry = tab.element("entry")
        await eventually(lambda: entry.value == "KEEP EVERY KEY")
        # Every answer says which edit it answers: the page keeps a newer keystroke.
        answer = await tab.until('"KEEP EVERY KEY"')
        assert f'V({entry._key},"value","KEEP EVERY KEY",14' in answer
        return
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

    if url is None:
        tab = await MemoryTab.opened(server)
        await tab.send({"domsync": True, "type": "message", "name": "ping", "payload": {"n": 1, "list": [1, 2]}})
        expected = encode_js.encode([Document._message_op(
            "pong", {"got": {"n": 1, "list": [1, 2]}, "quote": "</script>\"'`${x}"})])
        await tab.until(expected.strip())
        return
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
    if url is None:
        tab = await MemoryTab.opened(server)
        await tab.click("get")
        batch = await tab.until("downloadUrl(")
        token = batch.split("downloadUrl(", 1)[1].split('"')[1]
        head, chunks, _ = answer_download(server._downloads, "GET", token)  # what GET <token> answers
        assert head.status == 200 and 'filename="thirty.bin"' in (head.header("Content-Disposition") or "")
        assert hashlib.sha256(b"".join(bytes(chunk) for chunk in chunks)).digest() == hashlib.sha256(data).digest()
        assert answer_download(server._downloads, "GET", token)[0].status == 404  # once
        return
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
    if url is None:
        tab = await MemoryTab.opened(server, route="start")
        assert server.get_document(tab.peer.client).page == "start"
        await tab.click("go")
        await tab.until(f"route({js_string('shop/item=4%2F2')}")
        await tab.send({"domsync": True, "type": "route", "hash": "start", "seq": 1})  # back
        await eventually(lambda: seen == [("start", {})])
        return
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
    if url is None:
        tab = await MemoryTab.opened(server)
        page_batch = tab.batches[0][1]
        assert all(js_string(value) in page_batch for value in values)  # every one as a string literal
        hostile = "</script><img src=x onerror=alert(1)>"
        echo = tab.element("echo")
        await tab.send({"domsync": True, "event": "input", "id": echo._key, "value": hostile})
        await eventually(lambda: got and got[-1] == hostile)
        return
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
    if url is None:
        tab = await MemoryTab.opened(server)
        await tab.click("domsync_root_id.button")
        await tab.until('"off"')
        await tab.send({"domsync": True, "event": "input", "id": tab.element("domsync_root_id.textinput")._key,
                        "value": "typed", "state": {"value": "typed"}, "seq": 1})
        await tab.until('"typed"')
        return
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
    if url is None:
        first_tab, second_tab = await MemoryTab.opened(server), await MemoryTab.opened(server)
        await first_tab.click("b")
        await second_tab.until('"pressed"')
        status.innerText = "changed with no flush"  # autoflush sends it to both
        for tab in (first_tab, second_tab):
            await tab.until('"changed with no flush"')
        return
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
    if url is None:
        tab = await MemoryTab.opened(server)
        with caplog.at_level("WARNING", "domsync.server"):
            await tab.peer.send('{"domsync": true, "type": "message", "name": "note", "payload": "'
                                + "y" * 5000 + '"}')
        assert "max_message_size is 1000" in caplog.text
        assert tab.welcomes[0]["max"] == 1000  # the browser client does not send such a message
        await tab.send({"domsync": True, "type": "message", "name": "note", "payload": "small"})
        await eventually(lambda: seen == ["small"])
        return
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
