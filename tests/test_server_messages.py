"""Named messages both ways: domsync.send(name, payload) and server.send/broadcast."""

from __future__ import annotations

import asyncio
import logging

import pytest
from conftest import eventually

from domsync import ClientGoneError, Document, InvalidNameError, WrongTypeError
from domsync.domsync_server import DomsyncServer, EventContext




@pytest.fixture
async def server():
    server = DomsyncServer(host="127.0.0.1", port=0, verbose=False)
    yield server
    await server.close()


LISTEN = """() => {
    window.__got = [];
    for (const name of ["reply", "news"]) document.addEventListener("domsync:" + name, e => {
        const status = document.getElementById("status");
        window.__got.push([name, e.detail, status ? status.textContent : null]);
    });
}"""


async def test_page_script_sends_and_python_answers_in_order_with_the_dom(server, context):
    contexts = []

    @server.on("connect")
    def build(client):
        doc = server.get_document(client)
        doc.getRootElement().appendChild(doc.createElement("p", id="status", innerText="idle"))

    @server.on_event("greet")
    async def greet(ctx):
        contexts.append(ctx)
        ctx.document.getElementById("status").innerText = "greeted"  # made before the message
        await server.send(ctx.client, "reply", {"hello": ctx.payload["who"], "n": [1, 2.5, None, True]})

    await server.serve()
    page = await context.new_page()
    await page.goto(server.url)
    await page.wait_for_selector("#status")
    await page.evaluate(LISTEN)
    await page.evaluate("domsync.send('greet', {who: '</script> & ${x}'})")
    await page.wait_for_function("window.__got.length === 1")
    got = await page.evaluate("window.__got")
    assert got == [["reply", {"hello": "</script> & ${x}", "n": [1, 2.5, None, True]}, "greeted"]]
    (ctx,) = contexts
    assert isinstance(ctx, EventContext) and ctx.event_name == "greet"
    assert ctx.client is server.get_clients()[0] and ctx.document is server.get_document(ctx.client)


async def test_a_value_getter_can_send_a_named_message(server, context):
    got = []

    @server.on("connect")
    def build(client):
        doc = server.get_document(client)
        button = doc.createElement("button", id="b", innerText="b")
        button.addEventListener("click", lambda e: None, js_value_getter="domsync.send('side', {x: 1})")
        doc.getRootElement().appendChild(button)

    server.on_event("side")(lambda ctx: got.append(ctx.payload))
    await server.serve()
    page = await context.new_page()
    await page.goto(server.url)
    await page.click("#b")
    await eventually(lambda: got == [{"x": 1}])


async def test_broadcast_reaches_every_client_but_the_excluded(server, context, browser):
    clients = []
    server.on("connect")(clients.append)
    await server.serve()
    other = await browser.new_context()
    try:
        pages = [await context.new_page(), await other.new_page()]
        for page in pages:
            await page.goto(server.url)
            await page.evaluate(LISTEN)
        await eventually(lambda: len(server.get_clients()) == 2)
        await server.broadcast("news", "to all")
        await server.broadcast("news", "not to the first", exclude=clients[0])
        await pages[1].wait_for_function("window.__got.length === 2")
        await asyncio.sleep(0.2)
        assert [g[1] for g in await pages[0].evaluate("window.__got")] == ["to all"]
        assert [g[1] for g in await pages[1].evaluate("window.__got")] == ["to all", "not to the first"]
    finally:
        await other.close()


async def test_unknown_names_and_failing_handlers_are_logged_and_the_session_goes_on(server, context, caplog):
    errors = []

    @server.on_event("boom")
    def boom(ctx):
        raise ValueError("handler of boom failed")

    server.on("error")(lambda client, exc, event: errors.append((type(exc).__name__, event["name"])))
    echo = []
    server.on_event("echo")(lambda ctx: echo.append(ctx.payload))
    caplog.set_level(logging.WARNING, logger="domsync")
    await server.serve()
    page = await context.new_page()
    await page.goto(server.url)
    await page.wait_for_function("domsync.status === 'open'")
    await page.evaluate("""() => {
        domsync.send('nobody-listens', 1);
        domsync.transmit({domsync: true, type: 'message', name: 42, payload: 1});
        domsync.transmit({domsync: true, type: 'message'});
        domsync.send('boom', 'x');
        domsync.send('echo', 'still here');
    }""")
    await eventually(lambda: echo == ["still here"])
    assert errors == [("ValueError", "boom")]
    assert "'nobody-listens': no @server.on_event handler" in caplog.text
    assert await page.evaluate("() => { try { domsync.send(5); return 'sent'; } catch (e) { return e.name; } }") == "TypeError"


async def test_a_flood_of_messages_does_not_stop_the_server_answering_others(server, context, browser):
    seen = []
    server.on_event("ping")(lambda ctx: seen.append(ctx.client))
    await server.serve()
    flooder = await context.new_page()
    await flooder.goto(server.url)
    await flooder.wait_for_function("domsync.status === 'open'")
    await flooder.evaluate("() => { for (let i = 0; i < 10000; i++) domsync.send('ping', i); }")
    other = await browser.new_context()
    try:
        page = await other.new_page()
        await page.goto(server.url)
        await page.wait_for_function("domsync.status === 'open'")
        await eventually(lambda: len(server.get_clients()) == 2)
        calm = [c for c in server.get_clients() if c not in seen][0]
        await page.evaluate("domsync.send('ping', 'hello')")
        await eventually(lambda: calm in seen)
        assert len([c for c in seen if c is not calm]) < 10000  # the flood was cut down
    finally:
        await other.close()


def test_bad_names_and_payloads_raise_at_once():
    server = DomsyncServer()
    with pytest.raises(InvalidNameError):
        server.on_event("has space")
    with pytest.raises(WrongTypeError):
        server.on_event("ok")(lambda: None)
    doc = Document()
    with pytest.raises(WrongTypeError):
        doc.send_message("ok", object())
    with pytest.raises(WrongTypeError):
        doc.send_message("ok", {1: "int keys"})
    with pytest.raises(InvalidNameError):
        doc.send_message("", None)
    with pytest.raises(WrongTypeError):
        doc.send_message(None, None)


async def test_send_to_a_gone_client_raises_client_gone(server, context):
    clients = []
    server.on("connect")(clients.append)
    await server.serve()
    page = await context.new_page()
    await page.goto(server.url)
    await eventually(lambda: clients)
    await page.close()
    await eventually(lambda: not server.get_clients())
    with pytest.raises(ClientGoneError):
        await server.send(clients[0], "late", None)
    await server.broadcast("late", None)  # nobody left: nothing to do, no error


async def test_the_chat_example_shares_messages_and_who_is_online(context, browser):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "examples" / "chat.py"
    spec = importlib.util.spec_from_file_location("chat_example", path)
    chat = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(chat)
    chat.server.host, chat.server.port, chat.server.verbose = "127.0.0.1", 0, False
    await chat.server.serve()
    other = await browser.new_context()
    try:
        alice, bob = await context.new_page(), await other.new_page()
        await alice.goto(chat.server.url)
        await bob.goto(chat.server.url)
        for page in (alice, bob):
            await page.wait_for_function("document.querySelectorAll('#users li').length === 2")
        await alice.fill("#text", "hello </b> bob")
        await alice.press("#text", "Enter")
        for page in (alice, bob):
            await page.wait_for_function("document.querySelectorAll('#messages li').length === 1")
            assert await page.text_content("#messages li span") == "hello </b> bob"
        assert await alice.input_value("#text") == ""
        await bob.close()
        await alice.wait_for_function("document.querySelectorAll('#users li').length === 1")
    finally:
        await other.close()
        await chat.server.close()


async def test_sending_to_a_client_that_left_does_not_stop_the_sender(context, browser):
    # A short retention: the session of the closed tab ends even when its goodbye is lost
    # (Chromium may drop a closing page's last frame on a loaded machine), so the test
    # waits for the one thing it is about.
    server = DomsyncServer(host="127.0.0.1", port=0, verbose=False, session_retention=1)
    handled, clients = [], []
    server.on("connect")(clients.append)

    @server.on_event("tell")
    async def tell(ctx):
        handled.append(ctx.payload)
        for other in clients:
            if other is not ctx.client:
                await server.send(other, "news", ctx.payload)  # other has left: ClientGoneError

    await server.serve()
    other = await browser.new_context()
    try:
        first, second = await context.new_page(), await other.new_page()
        await first.goto(server.url)
        await second.goto(server.url)
        await eventually(lambda: len(server.get_clients()) == 2)
        await second.close()
        await eventually(lambda: len(server.get_clients()) == 1)
        for n in range(3):
            await first.evaluate(f"domsync.send('tell', {n})")
        await eventually(lambda: handled == [0, 1, 2])
    finally:
        await other.close()
        await server.close()


def test_messages_are_barriers_for_coalescing():
    doc = Document()
    root = doc.getRootElement()
    p = doc.createElement("p")
    root.appendChild(p)
    doc.render_js_updates()
    p.textContent = "x"
    p.setAttribute("title", "1")
    doc.send_message("m", 1)
    p.textContent = "y"
    p.setAttribute("title", "2")
    lines = doc.render_js_updates().splitlines()
    assert lines == [f'N({p._key}).textContent="x";', f'N({p._key}).setAttribute("title","1");',
                     'D("m",1);', f'N({p._key}).textContent="y";', f'N({p._key}).setAttribute("title","2");']


def test_a_payload_with_a_cycle_is_a_wrong_type():
    cycle = []
    cycle.append(cycle)
    with pytest.raises(WrongTypeError):
        Document().send_message("m", cycle)


def test_binding_survives_listener_removal_and_ignores_locked_controls():
    doc = Document()
    root = doc.getRootElement()
    box = doc.createElement("input", value="one")
    locked = doc.createElement("input", value="fixed", attributes={"readonly": ""})
    callback = lambda e: None  # noqa: E731
    box.addEventListener("change", callback)
    root.append(box, locked)
    doc.render_js_updates()
    box.removeEventListener("change", callback)
    doc.render_js_updates()
    doc.handle_sync({"domsync": True, "type": "sync", "id": box._key, "state": {"value": "two"}, "seq": 1})
    doc.handle_sync({"domsync": True, "type": "sync", "id": locked._key, "state": {"value": "forged"}, "seq": 1})
    assert box.value == "two" and locked.value == "fixed"


def test_selected_values_follow_the_server_after_the_user():
    doc = Document()
    pick = doc.createElement("select", attributes={"multiple": ""})
    for value in "abc":
        pick.appendChild(doc.createElement("option", innerText=value, attributes={"value": value}))
    doc.getRootElement().appendChild(pick)
    doc.render_js_updates()
    doc.handle_sync({"domsync": True, "type": "sync", "id": pick._key,
                     "state": {"value": "a", "selected": ["a", "b"]}, "seq": 1})
    assert pick.selectedValues == ["a", "b"]
    pick.querySelector("option").remove()  # "a" is gone: the user's selection no longer holds
    assert "a" not in pick.selectedValues
    pick.value = "c"
    assert "b" not in pick.selectedValues
