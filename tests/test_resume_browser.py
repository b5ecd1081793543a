"""Sessions survive the network, in Chromium: the page talks to the server through a
faulty TCP proxy (faulty_network.py) that cuts, refuses and stalls connections."""

from __future__ import annotations

import asyncio
import gc
import random
import secrets
import tracemalloc
import weakref

import pytest
from conftest import eventually
from faulty_network import FaultyNetwork
from test_server_browser import load_example

from domsync import server_core
from domsync.domsync_server import DomsyncServer

ROOT = "domsync_root_id"


@pytest.fixture
async def network():
    """``start(handler, **options)`` -> (server, proxy): a server on a free port, and a
    faulty network in front of it, whose origin the server accepts."""
    made = []

    async def start(handler=None, **options):
        options.setdefault("verbose", False)
        proxy = await FaultyNetwork.start(0)
        server = DomsyncServer(handler, "127.0.0.1", 0, origins=[proxy.origin, *options.pop("origins", [])],
                               **options)
        await server.serve()
        proxy.target = server.port
        made.append((server, proxy))
        return server, proxy

    yield start
    for server, proxy in made:
        await proxy.close()
        await server.close()


async def open_through(context, proxy, selector: str):
    """A new page, opened through the faulty network, once it shows ``selector``."""
    page = await context.new_page()
    await page.goto(proxy.url)
    await page.wait_for_selector(selector)
    return page


async def model_html(server, client) -> str:
    return server.get_document(client).getRootElement().innerHTML


async def browser_html(page) -> str:
    return await page.evaluate("id => document.getElementById(id).innerHTML", ROOT)


async def wait_in_sync(page, server, client, timeout: float = 10) -> None:
    """Until the browser is on the line and shows exactly the model."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await server.flush(client)
        if await page.evaluate("domsync.status") == "open":
            browser, model = await browser_html(page), await model_html(server, client)
            if browser == model:
                return
        if loop.time() > deadline:
            raise AssertionError(f"the browser does not show the model:\n browser: {browser[:500]}\n"
                                 f" model:   {model[:500]}")
        await asyncio.sleep(0.05)


async def only_client(server):
    await eventually(lambda: len(server.get_clients()) == 1)
    return server.get_clients()[0]


@pytest.mark.parametrize("replay_buffer", [4 * 1024 * 1024, 0], ids=["replayed", "whole-page"])
async def test_the_todo_list_and_the_half_typed_item_survive_a_cut(network, context, replay_buffer):
    # With no replay buffer, every resume sends the whole page, rebuilt from the model.
    todo = load_example("todo")
    server, proxy = await network(todo.connection_handler, replay_buffer=replay_buffer)
    page = await context.new_page()
    await page.goto(proxy.url)
    for text in ("milk", "eggs", "bread"):
        await page.fill("#new-item", text)
        await page.click("#add")
        await page.wait_for_function("n => document.querySelectorAll('#items li').length === n",
                                     arg=["milk", "eggs", "bread"].index(text) + 1)
    client = await only_client(server)
    await page.click("#new-item")
    await page.keyboard.type("choc")
    outage = asyncio.ensure_future(proxy.outage(1))
    await page.wait_for_function("domsync.status !== 'open'")
    await page.keyboard.type("olate")  # typed while the network is down
    document = server.get_document(client)
    document.getElementById("count").innerText = "changed while away"  # a batch the browser misses
    await server.flush(client)
    await outage
    await page.wait_for_function("domsync.status === 'open'", timeout=10_000)
    await wait_in_sync(page, server, client)
    entry = server.get_document(client).getElementById("new-item")
    await eventually(lambda: entry.value == "chocolate")
    assert await page.input_value("#new-item") == "chocolate"
    assert await page.locator("#items li span").all_text_contents() == ["milk", "eggs", "bread"]
    assert await page.evaluate("document.activeElement.id") == "new-item"
    assert await page.evaluate("document.activeElement.selectionStart") == len("chocolate")
    assert await page.text_content("#count") == "changed while away"
    assert server.get_clients() == [client] and server.is_online(client)
    assert await page.locator("#domsync-status").is_hidden()


def ticker(state):
    async def handler(server, client):
        doc = server.get_document(client)
        count = doc.createElement("span", id="count", innerText="0")
        doc.getRootElement().appendChild(count)
        await server.flush(client)
        n = 0
        while server.is_connected(client) and not state.get("stop"):
            await asyncio.sleep(0.05)
            if state.get("stop"):  # set while it slept: no tick after the test's last look
                break
            n += 1
            count.innerText = str(n)
            state["n"] = n
            await server.flush(client)
    return handler


OBSERVE_COUNT = """() => {
    window.__seen = [];
    new MutationObserver(() => {
        const el = document.getElementById('count');
        if (el) window.__seen.push(+el.textContent);
    }).observe(document.getElementById('domsync_root_id'), {subtree: true, childList: true, characterData: true});
}"""


async def test_a_ticking_page_applies_every_batch_once_across_a_cut(network, context):
    state: dict = {}
    server, proxy = await network(ticker(state))
    page = await open_through(context, proxy, "#count")
    await page.evaluate(OBSERVE_COUNT)
    await eventually(lambda: state.get("n", 0) >= 5)
    await proxy.outage(2)
    await page.wait_for_function("domsync.status === 'open'", timeout=10_000)
    await asyncio.sleep(0.3)
    state["stop"] = True
    client = await only_client(server)
    await wait_in_sync(page, server, client)
    seen = await page.evaluate("window.__seen")
    assert seen[-1] == state["n"] and await page.text_content("#count") == str(state["n"])
    assert seen == list(range(seen[0], seen[-1] + 1)), "a batch was applied twice or skipped"
    assert len(seen) > 40  # the 2 s outage's 40 ticks are among them


def clicker(state):
    async def handler(server, client):
        doc = server.get_document(client)
        button = doc.createElement("button", id="b", innerText="0")

        def clicked(event):
            state["clicks"] = state.get("clicks", 0) + 1
            button.innerText = str(state["clicks"])

        button.addEventListener("click", clicked)
        doc.getRootElement().appendChild(button)
        await server.flush(client)
    return handler


async def test_clicks_made_while_offline_are_each_handled_once_after_the_resume(network, context):
    state: dict = {}
    server, proxy = await network(clicker(state))
    page = await open_through(context, proxy, "#b")
    proxy.down = True
    await proxy.cut()
    await page.wait_for_function("domsync.status !== 'open'")
    await page.locator("#domsync-status").wait_for(state="visible")  # the reconnecting badge
    for _ in range(10):
        await page.click("#b")
    await page.evaluate("location.hash = '#after'")  # a route change, queued too
    assert state.get("clicks", 0) == 0
    proxy.down = False
    await page.wait_for_function("document.getElementById('b').textContent === '10'", timeout=10_000)
    await asyncio.sleep(0.5)
    assert state["clicks"] == 10 and await page.text_content("#b") == "10"
    client = await only_client(server)
    assert server.get_document(client).page == "after"
    assert await page.locator("#domsync-status").is_hidden()


async def test_random_cuts_during_bursts_of_updates_and_clicks(network, context):
    rng = random.Random(1234)
    state = {"clicks": 0}

    async def handler(server, client):
        doc = server.get_document(client)
        state["doc"] = doc
        button = doc.createElement("button", id="b", innerText="0")
        items = doc.createElement("ul", id="items")

        def clicked(event):
            state["clicks"] += 1
            button.innerText = str(state["clicks"])
            items.appendChild(doc.createElement("li", innerText=f"click {state['clicks']}"))

        button.addEventListener("click", clicked)
        doc.getRootElement().append(button, items)
        await server.flush(client)

    server, proxy = await network(handler)
    page = await open_through(context, proxy, "#b")
    client = await only_client(server)
    doc = state["doc"]
    items = doc.getElementById("items")
    clicks_sent = 0

    async def burst():
        for _ in range(rng.randrange(1, 20)):
            if rng.random() < 0.5 and items.children:
                rng.choice(items.children).setAttribute("data-x", str(rng.random()))
            else:
                items.appendChild(doc.createElement("li", innerText="server"))
            if len(items.children) > 60:
                items.children[0].remove()
            await server.flush(client)
            await asyncio.sleep(rng.random() * 0.01)

    for cycle in range(100):
        updates = asyncio.ensure_future(burst())
        for _ in range(rng.randrange(0, 3)):
            await page.click("#b", no_wait_after=True)
            clicks_sent += 1
        await asyncio.sleep(rng.random() * 0.03)
        await proxy.outage(rng.random() * 0.2)
        for _ in range(rng.randrange(0, 3)):
            await page.click("#b", no_wait_after=True)  # often while offline
            clicks_sent += 1
        await updates
        await page.wait_for_function("domsync.status === 'open'", timeout=10_000)
        await eventually(lambda: state["clicks"] == clicks_sent)
        await wait_in_sync(page, server, client)
        assert state["clicks"] == clicks_sent, f"cycle {cycle}"
    assert server.get_clients() == [client]
    assert proxy.connections > 100


async def test_a_reload_resumes_the_session_and_another_tab_is_another_session(network, context):
    state: dict = {}
    server, proxy = await network(clicker(state))
    page = await context.new_page()
    await page.goto(proxy.url)
    for _ in range(3):
        await page.click("#b")
    await page.wait_for_function("document.getElementById('b').textContent === '3'")
    client = await only_client(server)
    await page.reload()
    await page.wait_for_function("document.getElementById('b') && document.getElementById('b').textContent === '3'")
    assert server.get_clients() == [client]  # the same session: its handler did not run again
    await page.click("#b")
    await page.wait_for_function("document.getElementById('b').textContent === '4'")
    # A new tab, and a tab opened from this one (which copies its sessionStorage), are
    # sessions of their own.
    other = await context.new_page()
    await other.goto(proxy.url)
    await other.wait_for_selector("#b")
    async with context.expect_page() as opened:
        await page.evaluate("window.open(location.href)")
    child = await opened.value
    await child.wait_for_selector("#b")
    await eventually(lambda: len(server.get_clients()) == 3)
    assert server.is_online(client)
    await page.click("#b")
    await page.wait_for_function("document.getElementById('b').textContent === '5'")


async def clicked_once(network, context, **options):
    """The clicker page through the faulty network, clicked once; returns the server,
    the proxy, the page, its client and the list the disconnect handler fills."""
    gone: list = []
    server, proxy = await network(clicker({}), **options)
    server.on("disconnect")(gone.append)
    page = await context.new_page()
    await page.goto(proxy.url)
    await page.click("#b")
    await page.wait_for_function("document.getElementById('b').textContent === '1'")
    return server, proxy, page, await only_client(server), gone


async def test_an_expired_session_ends_once_is_freed_and_the_browser_gets_a_new_page(network, context):
    server, proxy, page, client, gone = await clicked_once(network, context, session_retention=0.5)
    document = weakref.ref(server.get_document(client))
    await proxy.outage(1.5)
    await eventually(lambda: gone == [client])
    await page.wait_for_function("domsync.status === 'open'", timeout=10_000)
    await page.wait_for_function("document.getElementById('b') && document.getElementById('b').textContent === '0'")
    notice = page.locator(".domsync-notification")
    assert "The session expired; this is a new one" in await notice.inner_text()
    await asyncio.sleep(0.3)
    assert gone == [client] and len(server.get_clients()) == 1 and server.get_clients()[0] is not client
    del client
    gone.clear()
    gc.collect()
    assert document() is None


async def test_a_restarted_server_gives_a_returning_browser_a_new_page_and_the_notice(network, context):
    state: dict = {}
    server, proxy = await network(clicker(state))
    page = await context.new_page()
    await page.goto(proxy.url)
    await page.click("#b")
    await page.wait_for_function("document.getElementById('b').textContent === '1'")
    await server.close()
    restarted = DomsyncServer(clicker(state), "127.0.0.1", 0, verbose=False, origins=[proxy.origin])
    await restarted.serve()
    try:
        proxy.target = restarted.port
        await proxy.cut()
        await page.wait_for_function("document.getElementById('b') && document.getElementById('b').textContent === '0'",
                                     timeout=10_000)
        assert "The session expired" in await page.locator(".domsync-notification").inner_text()
    finally:
        await restarted.close()


async def test_a_page_of_another_origin_holding_the_token_cannot_resume_the_session(network, context):
    state: dict = {}
    attacker_site = await FaultyNetwork.start(0)  # another port: another origin
    try:
        server, proxy = await network(clicker(state), origins=[attacker_site.origin])
        attacker_site.target = server.port
        page = await context.new_page()
        await page.goto(proxy.url)
        await page.wait_for_selector("#b")
        victim = await only_client(server)
        token = await page.evaluate("JSON.parse(sessionStorage.getItem('domsync:/ws')).token")
        assert isinstance(token, str) and len(token) >= 22
        evil = await context.new_page()
        await evil.goto(attacker_site.url)
        welcome = await evil.evaluate("""([port, token]) => new Promise(resolve => {
            const ws = new WebSocket('ws://127.0.0.1:' + port + '/ws?v=3');
            ws.onopen = () => ws.send(JSON.stringify({domsync: true, type: 'hello', token, batch: 0}));
            ws.onmessage = e => { if (e.data[0] === '{') { resolve(JSON.parse(e.data)); ws.close(); } };
        })""", [attacker_site.port, token])
        assert welcome["resumed"] is False
        assert server.is_online(victim)
        await page.click("#b")
        await page.wait_for_function("document.getElementById('b').textContent === '1'")
    finally:
        await attacker_site.close()


async def test_a_browser_that_stops_reading_costs_bounded_memory_and_resumes_with_the_page(
        network, context, monkeypatch):
    monkeypatch.setattr(server_core, "SEND_TIMEOUT", 1)
    cap = 2 * 1024 * 1024
    state: dict = {"sent": 0}

    async def handler(server, client):
        doc = server.get_document(client)
        text = doc.createElement("pre", id="text", innerText="start")
        doc.getRootElement().appendChild(text)
        await server.flush(client)
        await state.setdefault("flood", asyncio.Event()).wait()
        for n in range(500):  # 500 batches of 100 kB: 50 MB, that compression cannot shrink
            text.innerText = f"{n:04d}" + secrets.token_urlsafe(75_000)
            await server.flush(client)
            state["sent"] += 100_000
        state["done"] = True

    server, proxy = await network(handler, replay_buffer=cap)
    page = await open_through(context, proxy, "#text")
    client = await only_client(server)
    session = server._hub.session(client)
    proxy.stall()
    tracemalloc.start()
    try:
        highest = 0
        state["flood"].set()
        while not state.get("done"):
            highest = max(highest, session.log.bytes)
            await asyncio.sleep(0.005)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert state["sent"] == 50_000_000
    assert highest <= cap and session.log.bytes <= cap
    assert peak < 4 * cap, f"{peak / 1e6:.1f} MB traced while 50 MB were sent"
    assert not server.is_online(client)  # cut off: it took nothing for SEND_TIMEOUT
    proxy.stall(False)
    await page.wait_for_function("document.getElementById('text').textContent.startsWith('0499')",
                                 timeout=20_000)
    await wait_in_sync(page, server, client)
    assert server.get_clients() == [client] and server.is_online(client)


async def test_a_page_served_with_reload_resumes_off_starts_afresh_on_reload(network, context):
    server, proxy, page, client, gone = await clicked_once(network, context, reload_resumes=False)
    await proxy.outage(0.2)  # a network drop still resumes
    await page.wait_for_function("domsync.status === 'open'", timeout=10_000)
    assert server.get_clients() == [client]
    await page.reload()
    await page.wait_for_selector("#b")
    await eventually(lambda: gone == [client])  # ended at once, not after the reload grace
    (new,) = server.get_clients()
    assert new is not client and await page.text_content("#b") == "0"  # a new page
    assert await page.locator(".domsync-notification").count() == 0


async def test_a_background_server_resumes_with_no_code_changes(context):
    from domsync import serve_in_background

    proxy = await FaultyNetwork.start(0)
    background = serve_in_background(port=0, host="127.0.0.1", quiet=True, origins=[proxy.origin])
    try:
        proxy.target = int(background.url.rsplit(":", 1)[1].strip("/"))
        page = await context.new_page()
        await page.goto(proxy.url)
        root = background.document.getRootElement()
        root.appendChild(background.document.createElement("p", id="before", innerText="before"))
        await page.wait_for_selector("#before")
        outage = asyncio.ensure_future(proxy.outage(0.5))
        await page.wait_for_function("domsync.status !== 'open'")
        # Typed at the prompt while the browser is away.
        root.appendChild(background.document.createElement("p", id="during", innerText="during"))
        await outage
        await page.wait_for_selector("#during", timeout=10_000)
        assert len(background.clients) == 1
        assert await page.locator(".domsync-notification").count() == 0
    finally:
        background.close()
        await proxy.close()


async def test_the_resume_example_notes_the_gap_and_keeps_what_was_typed(context):
    example = load_example("resume")
    proxy = await FaultyNetwork.start(0)
    server = example.make_server(host="127.0.0.1", port=0, verbose=False, origins=[proxy.origin])
    await server.serve()
    try:
        proxy.target = server.port
        page = await context.new_page()
        await page.goto(proxy.url)
        await page.fill("#note", "remember me")
        await page.wait_for_function("document.getElementById('ticks').textContent.startsWith('1 s')")
        await proxy.outage(1.2)
        await page.wait_for_selector("#log li", timeout=10_000)
        assert (await page.text_content("#log li")).startswith("back after")
        assert await page.input_value("#note") == "remember me"
        (client,) = server.get_clients()
        assert server.get_document(client).getElementById("note").value == "remember me"
    finally:
        await proxy.close()
        await server.close()


async def test_a_reload_carries_unconfirmed_typing_and_edit_numbers_into_the_resumed_page(network, context):
    async def handler(server, client):
        doc = server.get_document(client)
        doc.getRootElement().appendChild(doc.createElement("input", id="name"))  # two-way binding only
        await server.flush(client)

    server, proxy = await network(handler)
    page = await context.new_page()
    await page.goto(proxy.url)
    await page.fill("#name", "first")
    client = await only_client(server)
    name = server.get_document(client).getElementById("name")
    await eventually(lambda: name.value == "first")
    edits_before = name._props["seq"]
    # Messages lost on the way (the socket takes them, nothing arrives), then a reload.
    await page.evaluate("WebSocket.prototype.send = function () {}")
    await page.fill("#name", "second")
    await page.reload()
    await page.wait_for_selector("#name")
    assert server.get_clients() == [client]
    # The whole page came from the model ("first"); the page put its unconfirmed edit
    # back, and sent it again: browser and model agree on "second".
    await eventually(lambda: name.value == "second")
    assert await page.input_value("#name") == "second"
    await page.fill("#name", "third")
    await eventually(lambda: name.value == "third")
    assert name._props["seq"] > edits_before + 1  # edit numbers carried on across the reload
