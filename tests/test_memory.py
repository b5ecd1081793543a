"""The whole server (sessions, hub, handlers, delivery) over the in-memory transport:
no sockets, no browser. Frames are the JavaScript batches a browser would get."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from conftest import eventually

from domsync import ClientGoneError, Document, UsageError, encode_json, server_core
from domsync.client import Client
from domsync.memory import MemoryServer
from domsync.mirror import Mirror
from domsync.protocol import PROTOCOL_VERSION


def click(el) -> dict:
    return {"domsync": True, "event": "click", "id": el._key, "detail": {"kind": "mouse"}}


@pytest.fixture
async def servers():
    made = []

    def make(*args, **kwargs) -> MemoryServer:
        server = MemoryServer(*args, **kwargs)
        made.append(server)
        return server

    yield make
    for server in made:
        await server.close()


async def test_a_click_runs_its_callback_and_the_change_comes_back_as_the_next_batch(servers):
    buttons = {}

    async def handler(server, client):
        doc = server.get_document(client)
        button = buttons[client] = doc.createElement("button", id="b", innerText="0")
        button.addEventListener("click", lambda event: setattr(button, "innerText", str(int(button.innerText) + 1)))
        doc.getRootElement().appendChild(button)
        await server.flush(client)

    server = servers(handler)
    page = await server.connect()
    first = await page.next_frame()
    assert first.startswith('R("domsync_root_id");') and '"b"' in first
    button = buttons[page.client]
    await page.send(click(button))
    assert await page.next_frame() == f'N({button._key}).textContent="1";\n'
    session = server._hub.session(page.client)
    assert session.batches == 2 and page.frames == [first, f'N({button._key}).textContent="1";\n']


async def test_the_client_is_domsyncs_own_hashable_handle(servers):
    seen = []
    server = servers()
    server.on("connect")(seen.append)
    page = await server.connect(path="/ws?route=x", headers=[("User-Agent", "test")], remote_address=("10.0.0.1", 5))
    await eventually(lambda: seen)
    (client,) = seen
    assert isinstance(client, Client) and client is page.client and {client: 1}[client] == 1
    assert client.request.path == "/ws?route=x" and client.request.headers["user-agent"] == "test"
    assert client.remote_address == ("10.0.0.1", 5) and client.id.startswith("c")
    assert server.get_clients() == [client] and server.is_connected(client)


async def test_form_state_syncs_into_the_model_without_a_reply(servers):
    boxes = {}

    def build(client):
        doc = server.get_document(client)
        boxes[client] = doc.createElement("input", id="box")
        doc.getRootElement().appendChild(boxes[client])

    server = servers()
    server.on("connect")(build)
    page = await server.connect()
    await page.next_frame()
    box = boxes[page.client]
    await page.send({"domsync": True, "type": "sync", "id": box._key, "state": {"value": "typed"}, "seq": 1})
    await eventually(lambda: box.value == "typed")
    await asyncio.sleep(0.05)
    assert len(page.frames) == 1  # nothing to send back: the browser has it


async def test_routes_reach_the_connect_handler_and_the_route_handlers(servers):
    seen = []
    server = servers()

    @server.on("connect")
    def connected(client):
        doc = server.get_document(client)
        seen.append(("connect", doc.page, dict(doc.route_vars)))

    @server.on("route")
    def routed(client, page, route_vars):
        seen.append(("route", page, route_vars))
        server.get_document(client).set_route_vars({"seen": "yes"})

    page = await server.connect(path="/ws?route=shop%2Fitem%3D1")
    await page.send({"domsync": True, "type": "route", "hash": "cart", "seq": 1})
    await eventually(lambda: len(seen) == 2)
    assert seen == [("connect", "shop", {"item": "1"}), ("route", "cart", {})]
    await page.next_frame()  # the page, from the connect handler's flush
    frame = await page.next_frame()
    assert frame == 'route("cart/seen=yes",1,1);\n'  # answers report 1, replacing its history entry


async def test_send_and_broadcast_reach_the_right_pages_as_messages(servers):
    server = servers()
    a, b, c = (await server.connect(), await server.connect(), await server.connect())
    await server.send(a.client, "hello", {"to": "a", "__proto__": {"polluted": True}})
    # No handler has flushed yet: the first batch starts the page, then the message.
    assert await a.next_frame() == 'R("domsync_root_id");\nD("hello",{["to"]:"a",["__proto__"]:{["polluted"]:true}});\n'
    await server.broadcast("news", [1, 2.5, None], exclude=b.client)
    assert await a.next_frame() == 'D("news",[1,2.5,null]);\n'
    assert (await c.next_frame()).endswith('D("news",[1,2.5,null]);\n')
    assert b.frames == []  # excluded
    with pytest.raises(Exception):
        await server.send(a.client, "bad", {1: 2})  # a payload JSON cannot carry raises at once


async def test_a_handler_that_raises_is_logged_reported_and_shown_to_its_page(servers, caplog):
    errors = []

    async def handler(server, client):
        raise RuntimeError("handler broke")

    server = servers(handler)
    server.on("error")(lambda client, exc, event: errors.append((client, str(exc), event)))
    with caplog.at_level(logging.ERROR, logger="domsync"):
        page = await server.connect()
        frame = await page.next_frame()
    assert 'notify("error","Something went wrong","The server failed while handling this page; it was logged.")' in frame
    assert errors == [(page.client, "handler broke", None)]
    assert "connection handler failed" in caplog.text and "handler broke" in caplog.text


async def test_a_batch_the_page_could_not_apply_rebuilds_the_page_with_the_actions_still_due(servers):
    docs = {}

    def build(client):
        doc = docs[client] = server.get_document(client)
        doc.getRootElement().appendChild(doc.createElement("p", id="p", innerText="before"))

    server = servers()
    server.on("connect")(build)
    page = await server.connect()
    await page.next_frame()
    doc = docs[page.client]
    doc.getElementById("p").innerText = "after"
    doc.add_notification("info", "still due")
    await page.send({"domsync": True, "type": "error", "source": "batch", "message": "boom"})
    frame = await page.next_frame()
    assert frame.startswith('R("domsync_root_id");') and '"after"' in frame
    assert frame.endswith('notify("info","still due","");\n')


async def test_a_shared_document_gives_a_late_page_the_page_then_the_same_batches(servers):
    server = servers(shared=True)
    doc = server.document
    box = doc.createElement("input", id="box")
    doc.getRootElement().appendChild(box)
    a = await server.connect()
    await a.next_frame()
    box.value = "server"
    await server.flush()
    assert await a.next_frame() == f'N({box._key}).value="server";\n'
    b = await server.connect()
    snapshot = await b.next_frame()
    mirror = Mirror("domsync_root_id")
    mirror.apply(json.loads(encode_json.encode(doc.snapshot_ops())))
    assert snapshot.startswith('R("domsync_root_id")') and '"value":"server"' in snapshot
    # An edit in one page reaches the other, with the editor's edit number and origin.
    await a.send({"domsync": True, "type": "sync", "id": box._key, "state": {"value": "typed"}, "seq": 1,
                  "origin": "page-a"})
    assert await b.next_frame() == f'V({box._key},"value","typed",1,"page-a");\n'
    assert box.value == "typed"


async def test_a_page_that_stops_reading_is_cut_off_and_holds_up_no_one(servers, monkeypatch, caplog):
    monkeypatch.setattr(server_core, "SEND_TIMEOUT", 0.2)
    server = servers(shared=True, autoflush=0.01)
    counter = server.document.createElement("p", innerText="0")
    server.document.getRootElement().appendChild(counter)
    fast, stuck = await server.connect(), await server.connect()
    await eventually(lambda: len(stuck.frames) == 1)
    stuck.stall()
    with caplog.at_level(logging.WARNING):
        for n in range(1, 6):
            counter.innerText = str(n)
            await eventually(lambda: fast.frames[-1].endswith(f'"{n}";\n'))
        await eventually(lambda: not server.is_connected(stuck.client))
    assert "took no update" in caplog.text
    assert server.get_clients() == [fast.client]


async def test_a_closed_page_ends_its_session_and_runs_the_disconnect_handlers(servers):
    gone = []
    server = servers()
    server.on("disconnect")(lambda client: gone.append(server.is_connected(client)))
    page = await server.connect()
    await page.close()
    assert gone == [False] and server.get_clients() == []
    with pytest.raises(ClientGoneError):
        server.get_document(page.client)
    with pytest.raises(ClientGoneError):
        await server.flush(page.client)
    assert not server.is_connected(page.client) and not server.is_connected("not a client")


async def test_callbacks_run_one_message_at_a_time_in_order(servers):
    order = []
    buttons = {}

    def build(client):
        doc = server.get_document(client)
        slow, fast = doc.createElement("button", id="slow"), doc.createElement("button", id="fast")

        async def on_slow(event):
            order.append("slow starts")
            await asyncio.sleep(0.05)
            order.append("slow ends")

        slow.addEventListener("click", on_slow)
        fast.addEventListener("click", lambda event: order.append("fast"))
        doc.getRootElement().append(slow, fast)
        buttons.update(slow=slow, fast=fast)

    server = servers()
    server.on("connect")(build)
    page = await server.connect()
    await page.next_frame()
    await page.send(click(buttons["slow"]))
    await page.send(click(buttons["fast"]))
    await eventually(lambda: len(order) == 3)
    assert order == ["slow starts", "slow ends", "fast"]


async def test_a_large_download_is_registered_for_its_page_only(servers):
    def build(client):
        server.get_document(client).file_download(b"x" * (Document.inline_download_limit + 1), "big.bin")

    server = servers()
    server.on("connect")(build)
    a, b = await server.connect(), await server.connect()
    frame = await a.next_frame()
    token = frame.split('downloadUrl("')[1].split('"')[0]
    assert server._downloads.peek(token).file_name == "big.bin"
    pending = server._downloads._pending[token]
    assert pending.clients == {a.client}
    await a.close()
    assert server._downloads.peek(token) is None  # its page has gone


async def test_a_page_of_another_protocol_version_is_logged(servers, caplog):
    server = servers()
    with caplog.at_level(logging.WARNING):
        await server.connect(path="/ws?v=1&route=")
    assert f"speaks protocol version 1, this server {PROTOCOL_VERSION}" in caplog.text


async def hello(peer) -> dict:
    await peer.send({"domsync": True, "type": "hello", "token": None, "batch": None})
    return json.loads(await peer.next_frame())


async def test_a_page_that_asks_for_json_gets_its_batches_as_json_ops(servers):
    async def handler(server, client):
        doc = server.get_document(client)
        doc.getRootElement().appendChild(doc.createElement("p", innerText="<hi>"))

    server = servers(handler)
    peer = await server.connect("/ws?v=3&wire=json")
    assert (await hello(peer))["welcome"] is True
    head, _, body = (await peer.next_frame()).partition("\n")
    assert head == "1 0"
    assert json.loads(body) == [[0, "domsync_root_id"], [1, 0, [[-1, "p", 0, None, "<hi>", None]]]]
    page = Mirror()
    page.apply(json.loads(body))
    assert page.inner_html() == '<p id="__domsync_el_1">&lt;hi&gt;</p>'


async def test_a_shared_document_encodes_each_batch_once_per_wire_with_private_actions_after_it(servers):
    server = servers(shared=True)
    js_page = await server.connect("/ws?v=3")
    json_page = await server.connect("/ws?v=3&wire=json")
    for peer in (js_page, json_page):
        await hello(peer)
        await peer.next_frame()  # the (empty) page
    root = server.document.getRootElement()
    root.appendChild(server.document.createElement("b", innerText="x"))
    await server.send(json_page.client, "just-you", [1])
    await server.flush()
    js_batch = (await js_page.next_frame()).partition("\n")[2]
    json_batch = json.loads((await json_page.next_frame()).partition("\n")[2])
    assert js_batch.startswith("N(0)") and "just-you" not in js_batch
    assert json_batch == [[1, 0, [[-1, "b", 0, None, "x", None]]], [14, "just-you", [1]]]


async def test_an_unknown_wire_is_logged_and_closed_and_a_resume_on_another_wire_gets_the_whole_page(servers, caplog):
    server = servers(lambda server, client: None)
    with caplog.at_level(logging.WARNING, logger="domsync.server"):
        peer = await server.connect("/ws?v=3&wire=xml")
    assert peer.closed and "unknown wire" in caplog.text
    first = await server.connect("/ws?v=3&wire=json")
    token = (await hello(first))["token"]
    await first.next_frame()
    await first.send({"domsync": True, "type": "ack", "a": 1})
    await first.drop()
    other = await server.connect("/ws?v=3")  # the same session, now on the JavaScript wire
    await other.send({"domsync": True, "type": "hello", "token": token, "batch": 1})
    welcome = json.loads(await other.next_frame())
    assert welcome["resumed"] is True
    head, _, page = (await other.next_frame()).partition("\n")
    assert head == "2 0" and page.startswith('R("domsync_root_id");')  # the whole page, as JavaScript


async def test_changes_nobody_sends_are_reported_once_per_session(servers, monkeypatch, caplog):
    monkeypatch.setattr(server_core, "UNSENT_WARNING_AFTER", 0.3)
    tasks = []

    async def handler(server, client):
        doc = server.get_document(client)
        clock = doc.createElement("p", innerText="0")
        doc.getRootElement().appendChild(clock)

        async def tick():  # changes the page, and never flushes
            for n in range(1, 100):
                await asyncio.sleep(0.05)
                clock.innerText = str(n)

        tasks.append(asyncio.ensure_future(tick()))

    server = servers(handler)
    with caplog.at_level(logging.WARNING, logger="domsync.server"):
        await server.connect()
        await asyncio.sleep(1.2)
    warned = [r.getMessage() for r in caplog.records if "were not sent" in r.getMessage()]
    assert len(warned) == 1  # once per session, not at every check
    assert "the document of client memory:" in warned[0]
    assert "`await server.flush(client)`" in warned[0] and "flush(...) without await does nothing" in warned[0]
    assert "coroutine ... was never awaited" in warned[0] and "autoflush=0.1" in warned[0]
    assert "`await event.flush()`" in warned[0]
    for task in tasks:
        task.cancel()


async def test_flushed_or_autoflushed_changes_are_not_reported(servers, monkeypatch, caplog):
    monkeypatch.setattr(server_core, "UNSENT_WARNING_AFTER", 0.3)

    async def handler(server, client):
        doc = server.get_document(client)
        clock = doc.createElement("p", innerText="0")
        doc.getRootElement().appendChild(clock)
        for n in range(1, 15):
            await asyncio.sleep(0.05)
            clock.innerText = str(n)
            if not server.autoflush:
                await server.flush(client)

    with caplog.at_level(logging.WARNING, logger="domsync.server"):
        for options in ({}, {"autoflush": 0.05}):
            server = servers(handler, **options)
            await server.connect()
            await asyncio.sleep(0.9)
    assert not [r for r in caplog.records if "were not sent" in r.getMessage()]


async def test_a_long_callback_shows_progress_with_event_flush():
    from domsync.testing import expect, open as open_page

    gate = asyncio.Event()
    seen = {}

    def handler(server, client):
        doc = server.get_document(client)
        status = doc.createElement("p", id="status", innerText="idle")
        button = doc.createElement("button", innerText="Restart")

        async def restart(event):
            seen["client"], seen["document"] = event.client, event.document
            status.innerText = "restarting…"
            await event.flush()  # the browser shows it now, not when the callback returns
            await gate.wait()
            status.innerText = "done"

        button.addEventListener("click", restart)
        doc.getRootElement().append(status, button)

    server = MemoryServer(handler)
    async with open_page(server) as page:
        await page.get_by_role("button", name="Restart").click()
        await expect(page.locator("#status")).to_have_text("restarting…")
        gate.set()
        await expect(page.locator("#status")).to_have_text("done")
        client = server.get_clients()[0]
        assert seen == {"client": client, "document": server.get_document(client)}
    await server.close()


async def test_a_message_handler_can_flush_and_a_hand_made_event_says_how():
    from domsync.testing import expect, open as open_page

    server = MemoryServer(lambda server, client: server.get_document(client).getRootElement().appendChild(
        server.get_document(client).createElement("p", id="out", innerText="-")))

    @server.on_event("work")
    async def work(context):
        context.document.getElementById("out").innerText = "working"
        await context.flush()
        await asyncio.sleep(0.2)
        context.document.getElementById("out").innerText = "finished"

    async with open_page(server) as page:
        await page.send_message("work")
        await expect(page.locator("#out")).to_have_text("working", timeout=150)
        await expect(page.locator("#out")).to_have_text("finished")
    await server.close()

    doc = Document("app")
    button = doc.createElement("button")
    doc.getRootElement().appendChild(button)
    events = []
    button.addEventListener("click", events.append)
    doc.handle_event({"domsync": True, "event": "click", "id": button._key})
    with pytest.raises(UsageError, match=r"call `await server.flush\(client\)` yourself"):
        await events[0].flush()
    assert events[0].client is None and events[0].document is doc


async def test_a_clients_repr_names_the_browsers_address(servers):
    server = servers(lambda server, client: None)
    await server.connect(remote_address=("127.0.0.1", 38584))
    await asyncio.sleep(0)
    client = server.get_clients()[0]
    assert repr(client) == f"<Client 127.0.0.1:38584 id={client.id}>"
