"""domsync.testing: the browserless client against Chromium, its faults, its messages,
and its live client over a real websocket."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from conftest import eventually

from domsync import DomsyncServer
from domsync.memory import MemoryServer
from domsync.testing import (
    ActionTimeoutError, NotEmulatedError, StrictModeError, connect, expect, open,
)
from domsync.testing.chromium import chromium_page


# ---------------------------------------------------------------------- an app with every kind of control


def make_form_app(log: list):
    """A page with a listener of each kind; what each callback saw goes to ``log``."""

    def handler(server, client):
        doc = server.get_document(client)
        root = doc.getRootElement()

        def seen(name):
            return lambda event: log.append((name, event.value))

        button = doc.createElement("button", id="b", innerText="Go", attributes={"data-n": "7"})
        button.addEventListener("click", seen("click"), "this.dataset.n")
        name = doc.createElement("input", id="name", attributes={"aria-label": "Name"})
        name.addEventListener("input", seen("input"), "this.value")
        plain = doc.createElement("input", id="plain", attributes={"placeholder": "plain"})
        box = doc.createElement("input", id="c", attributes={"type": "checkbox"})
        box.addEventListener("change", seen("change"))
        select = doc.createElement("select", id="s")
        for value in ("one", "two", "three"):
            select.appendChild(doc.createElement("option", innerText=value.title(), attributes={"value": value}))
        select.addEventListener("change", seen("select"), "this.value")
        keys = doc.createElement("input", id="k", attributes={"placeholder": "keys"})
        keys.addEventListener("keydown", seen("keydown"), "event.key")
        form = doc.createElement("form", id="f")
        field = doc.createElement("input", id="field", attributes={"name": "field", "placeholder": "field"})
        form.append(field, doc.createElement("button", innerText="Send", attributes={"type": "submit"}))
        form.addEventListener("submit", seen("submit"), prevent_default=True)
        link = doc.createElement("a", id="about", innerText="About", attributes={"href": "#about"})
        root.append(button, name, plain, box, select, keys, form, link, doc.createElement("p", id="out"))
    return handler


def form_server(log: list) -> DomsyncServer:
    server = DomsyncServer(make_form_app(log), "127.0.0.1", 0, verbose=False)

    @server.on("route")
    def routed(client, page, route_vars):
        server.get_document(client).getElementById("out").innerText = f"route {page}"

    return server


async def act(page):
    """The same user steps, in the same words, for Playwright's page and ours."""
    await page.locator("#b").click()
    await page.get_by_label("Name").fill("Ada")
    await page.get_by_placeholder("plain").fill("x")
    await page.locator("#c").check()
    await page.locator("#s").select_option("two")
    await page.get_by_placeholder("keys").press("a")
    await page.get_by_placeholder("field").fill("hello")
    await page.get_by_role("button", name="Send").click()
    await page.get_by_role("link", name="About").click()
    await expect(page.locator("#out")).to_have_text("route about")
    await page.goto("#help")
    await expect(page.locator("#out")).to_have_text("route help")
    await page.go_back()
    await expect(page.locator("#out")).to_have_text("route about")
    await expect(page).to_have_url(re.compile("#about$"))


def recording(server) -> list:
    """The messages the server receives (control messages left out), as it gets them."""
    received: list = []
    original = server._receive

    def receive(client, frame):
        message = json.loads(frame)
        if message.get("type") not in ("hello", "ack", "bye"):
            received.append(message)
        original(client, frame)

    server._receive = receive
    return received


def comparable(messages: list) -> list:
    """What must be equal: everything but the acknowledgement, the tab's random name
    for its edits and where the mouse was (the test client has no layout)."""
    out = []
    for message in messages:
        message = {key: value for key, value in message.items() if key not in ("a", "origin")}
        detail = message.get("detail")
        if detail:
            message["detail"] = {key: value for key, value in detail.items()
                                 if key not in ("clientX", "clientY", "pageX", "pageY", "offsetX", "offsetY")}
        out.append(message)
    return out


async def test_the_test_client_sends_what_chromium_sends(browser):
    """The same steps in Chromium and in the test client reach the server as the same
    messages: the same events, fields, values, form states, edit numbers and order."""
    runs = {}
    for kind in ("chromium", "browserless"):
        log: list = []
        server = form_server(log)
        received = recording(server)
        if kind == "chromium":
            async with chromium_page(browser, server) as page:
                await act(page)
                await eventually(lambda: len(log) >= 6)
        else:
            async with open(server) as page:
                await act(page)
                await eventually(lambda: len(log) >= 6)
        runs[kind] = (comparable(received), log)
    chromium, browserless = runs["chromium"], runs["browserless"]
    assert browserless[0] == chromium[0]
    assert browserless[1] == chromium[1] == [
        ("click", "7"), ("input", "Ada"), ("change", "on"), ("select", "two"), ("keydown", "a"), ("submit", None)]
    kinds = [(message.get("event") or message.get("type"), message.get("id")) for message in browserless[0]]
    # Chromium's sequence, which the test client reproduces: a field that is left after
    # an edit fires change (synced, as it has no change listener), a checkbox and a
    # select fire input (synced) then change, a key types into the field (input, synced).
    assert kinds == [("click", 1), ("input", 2), ("sync", 2), ("sync", 3), ("sync", 3), ("sync", 4),
                     ("change", 4), ("sync", 5), ("change", 5), ("keydown", 9), ("sync", 9), ("sync", 9),
                     ("sync", 11), ("sync", 11), ("submit", 10), ("route", None), ("route", None), ("route", None)]
    assert [message.get("seq") for message in browserless[0] if message.get("id") == 9] == [1, 2, 3]


def make_edge_app(log: list):
    """Where browsers surprise: keys on what cannot take the focus, Enter on a
    checkbox, Space on a link, options by label, date pickers, clearing a field, the
    mouse entering, a required radio group."""

    def handler(server, client):
        doc = server.get_document(client)

        def seen(name):
            return lambda event: log.append((name, event.value))

        div = doc.createElement("div", id="d", innerText="not focusable")
        div.addEventListener("keydown", seen("div-keydown"), "event.key")
        typed = doc.createElement("input", id="z", attributes={"placeholder": "z"})
        box_form = doc.createElement("form", id="f2")
        box = doc.createElement("input", id="cb", attributes={"type": "checkbox", "aria-label": "Agree"})
        box.addEventListener("change", seen("box-change"))
        box_form.appendChild(box)
        box_form.addEventListener("submit", seen("f2-submit"), prevent_default=True)
        link = doc.createElement("a", id="lnk", innerText="Link", attributes={"href": "#x"})
        select = doc.createElement("select", id="sel", attributes={"aria-label": "Colour"})
        for value, label in (("r", "Red"), ("b", "Blue")):
            select.appendChild(doc.createElement("option", innerText=label, attributes={"value": value}))
        select.addEventListener("change", seen("select"), "this.value")
        date = doc.createElement("input", id="dt", attributes={"type": "date", "aria-label": "When"})
        date.addEventListener("change", seen("date"), "this.value")
        clear = doc.createElement("input", id="e", attributes={"value": "abc", "aria-label": "Clear me"})
        clear.addEventListener("keydown", seen("clear-keydown"), "event.key")
        area = doc.createElement("div", id="hv", attributes={"style": "padding: 20px"})
        area.addEventListener("mouseenter", seen("enter"), "event.type")
        area.addEventListener("mouseover", seen("over"), "event.target.id")
        inner = doc.createElement("button", id="in", innerText="Inner", attributes={"type": "button"})
        area.appendChild(inner)
        radios = doc.createElement("form", id="f3")
        for n in range(2):
            radios.appendChild(doc.createElement("input", id=f"g{n}", attributes={
                "type": "radio", "name": "g", "value": str(n), "aria-label": f"Choice {n}",
                **({"required": ""} if n == 0 else {})}))
        radios.appendChild(doc.createElement("button", innerText="Choose", attributes={"type": "submit"}))
        radios.addEventListener("submit", seen("f3-submit"), prevent_default=True)
        name = doc.createElement("button", id="sub", attributes={"type": "button"})
        name.innerHTML = "<b>Sub</b>mit"
        with_button = doc.createElement("form", id="f4")
        with_button.appendChild(doc.createElement("input", attributes={"type": "checkbox", "aria-label": "Sure"}))
        with_button.appendChild(doc.createElement("button", innerText="Go", attributes={"type": "submit"}))
        with_button.addEventListener("submit", seen("f4-submit"), prevent_default=True)
        doc.getRootElement().append(div, typed, box_form, link, select, date, clear, area, radios, name, with_button)
    return handler


async def act_on_edges(page):
    await page.get_by_placeholder("z").fill("zz")
    await page.locator("#d").press("q")  # the key goes to the field that has the focus
    await expect(page.get_by_placeholder("z")).to_have_value("zzq")
    await page.get_by_label("Agree").press("Enter")  # no default button: nothing
    await page.get_by_label("Sure").press("Enter")  # a default button: it is clicked
    await page.locator("#lnk").press(" ")  # Space does not follow a link
    await page.get_by_label("Colour").select_option("Blue")  # a label, not a value
    await page.get_by_label("When").fill("2026-12-01")  # a picker: change at once
    await page.get_by_label("Clear me").fill("")  # Delete
    await page.locator("#hv").hover()
    await page.get_by_role("button", name="Inner").click()
    await page.get_by_label("Choice 1").check()
    await page.get_by_role("button", name="Choose").click()  # the group has a choice: submitted
    await expect(page.get_by_role("button", name="Submit", exact=True)).to_have_count(1)
    await expect(page.locator("#lnk").get_by_text("Link")).to_have_count(1)  # the scope itself


async def test_the_test_client_matches_chromium_where_browsers_surprise(browser):
    runs = {}
    for kind in ("chromium", "browserless"):
        log: list = []
        server = DomsyncServer(make_edge_app(log), "127.0.0.1", 0, verbose=False)
        received = recording(server)
        if kind == "chromium":
            async with chromium_page(browser, server) as page:
                await act_on_edges(page)
                await eventually(lambda: any(name == "f3-submit" for name, _ in log))
        else:
            async with open(server) as page:
                await act_on_edges(page)
                await eventually(lambda: any(name == "f3-submit" for name, _ in log))
        runs[kind] = (comparable(received), log)
    assert runs["browserless"][1] == runs["chromium"][1]
    assert runs["browserless"][0] == runs["chromium"][0]
    assert ("f4-submit", None) in runs["chromium"][1]
    assert ("f2-submit", None) not in runs["chromium"][1] and ("box-change", None) not in runs["chromium"][1]


# ---------------------------------------------------------------------- faults on demand


def counter_app(server, client):
    doc = server.get_document(client)
    count = doc.createElement("button", id="count", innerText="0")
    entry = doc.createElement("input", id="entry", attributes={"placeholder": "entry"})
    shown = doc.createElement("p", id="shown")

    def bump(event):
        count.innerText = str(int(count.innerText) + 1)
        shown.innerText = entry.value or ""

    count.addEventListener("click", bump)
    doc.getRootElement().append(count, entry, shown)


async def test_offline_clicks_and_typing_arrive_once_when_back_online():
    server = MemoryServer(counter_app)
    async with open(server) as page:
        await page.locator("#count").click()
        await expect(page.locator("#count")).to_have_text("1")
        await page.go_offline()
        assert page.state == "offline"
        await expect(page.get_by_role("status")).to_have_text("reconnecting…")
        await page.get_by_placeholder("entry").fill("typed offline")
        for _ in range(3):
            await page.locator("#count").click()
        assert server.is_connected(server.get_clients()[0])
        await page.go_online()
        await expect(page.locator("#count")).to_have_text("4")
        await expect(page.locator("#shown")).to_have_text("typed offline")
        await expect(page.get_by_role("status")).to_be_hidden()
        assert page.state == "online"
        assert len(server.get_clients()) == 1  # the same session
    await server.close()


async def test_the_server_keeps_sending_while_the_page_is_offline():
    server = MemoryServer(counter_app)
    async with open(server) as page:
        await expect(page.locator("#count")).to_have_text("0")
        await page.go_offline()
        client = server.get_clients()[0]
        doc = server.get_document(client)
        doc.getElementById("count").innerText = "99"
        await server.flush(client)
        await expect(page.locator("#count")).to_have_text("0", timeout=100)  # not delivered: offline
        await page.go_online()
        await expect(page.locator("#count")).to_have_text("99")  # replayed
    await server.close()


async def test_latency_delays_each_way_and_keeps_the_order():
    async with open(counter_app, latency=0.05) as page:
        loop = asyncio.get_running_loop()
        start = loop.time()
        for _ in range(5):
            await page.locator("#count").click()
        with pytest.raises(AssertionError):
            await expect(page.locator("#count")).to_have_text("5", timeout=40)
        await expect(page.locator("#count")).to_have_text("5")
        assert loop.time() - start >= 0.1  # there and back
        page.set_latency(0)
        await page.locator("#count").click()
        await expect(page.locator("#count")).to_have_text("6")


async def test_a_reload_resumes_the_session_with_the_whole_page():
    server = MemoryServer(counter_app)
    async with open(server) as page:
        await page.locator("#count").click()
        await expect(page.locator("#count")).to_have_text("1")
        client = server.get_clients()[0]
        await page.reload()
        await expect(page.locator("#count")).to_have_text("1")
        assert server.get_clients() == [client]
        await page.locator("#count").click()
        await expect(page.locator("#count")).to_have_text("2")
    await server.close()


async def test_the_server_cutting_the_connection_makes_the_page_reconnect_and_resume():
    server = MemoryServer(counter_app)
    async with open(server) as page:
        client = server.get_clients()[0]
        client._connection.abort()  # as the server does to a browser that takes nothing
        await eventually(lambda: page.state == "online" and client._connection is not None)
        await page.locator("#count").click()
        await expect(page.locator("#count")).to_have_text("1")
        assert server.get_clients() == [client]
    await server.close()


async def test_two_pages_of_a_shared_document_see_each_other():
    server = MemoryServer(shared=True)

    @server.on("connect")
    def build(client):
        doc = server.document
        if doc.getElementById("count", strict=False) is None:
            count = doc.createElement("button", id="count", innerText="0")
            count.addEventListener("click", lambda event: setattr(count, "innerText", str(int(count.innerText) + 1)))
            doc.getRootElement().appendChild(count)

    async with open(server) as first:
        second = await first.context.new_page()
        await first.locator("#count").click()
        await expect(second.locator("#count")).to_have_text("1")
        await second.locator("#count").click()
        await expect(first.locator("#count")).to_have_text("2")
        assert len(server.get_clients()) == 2
    assert server.get_clients() == []
    await server.close()


# ---------------------------------------------------------------------- what the test sees


async def test_strict_mode_and_timeouts_say_what_matched_and_show_the_page():
    def app(server, client):
        doc = server.get_document(client)
        for n in range(2):
            doc.getRootElement().appendChild(doc.createElement("button", innerText=f"b{n}"))
        doc.getRootElement().appendChild(doc.createElement("button", innerText="off", attributes={"disabled": ""}))

    async with open(app, timeout=100) as page:
        with pytest.raises(StrictModeError, match=r"(?s)resolved to 3 elements.*<button[^>]*>b0</button>.*\.first"):
            await page.get_by_role("button").click()
        with pytest.raises(ActionTimeoutError, match=r"matches no element[\s\S]*<button"):
            await page.locator("#missing").click()
        with pytest.raises(ActionTimeoutError, match="is not enabled"):
            await page.get_by_role("button", name="off").click()
        with pytest.raises(AssertionError) as failure:
            await expect(page.get_by_role("button").first).to_have_text("nope")
        text = str(failure.value)
        assert "expected to have text 'nope'" in text and "Actual value: 'b0'" in text
        assert '<div id="domsync_root_id"><button' in text  # the HTML around it


async def test_getters_the_client_cannot_run_raise_with_the_way_out():
    def app(server, client):
        doc = server.get_document(client)
        button = doc.createElement("button", id="b", innerText="go")
        button.addEventListener("click", lambda event: None, "window.innerWidth * 2")
        doc.getRootElement().appendChild(button)

    async with open(app) as page:
        with pytest.raises(NotEmulatedError, match=r"window.innerWidth \* 2.*element.value.*Chromium"):
            await page.locator("#b").click()


async def test_actions_are_captured():
    from domsync import pack_bytes

    def app(server, client):
        doc = server.get_document(client)
        button = doc.createElement("button", id="b", innerText="go")

        def everything(event):
            doc.add_notification("warning", "Careful", "<b>text</b>")
            doc.file_download(pack_bytes(b"\x00\x01data", "application/octet-stream"), "d.bin")
            doc.open_url("https://example.org/")
            doc.run_js("console.log('hi')")
            doc.set_page("next")

        button.addEventListener("click", everything)
        doc.getRootElement().appendChild(button)

    async with open(app) as page:
        async with page.expect_download() as download_info, page.expect_popup() as popup_info:
            await page.locator("#b").click()
        download = await download_info.value
        assert (download.suggested_filename, download.data) == ("d.bin", b"\x00\x01data")
        assert (await popup_info.value).url == "https://example.org/"
        await expect(page.get_by_role("alert")).to_contain_text("Careful<b>text</b>")
        assert [(n.type, n.title, n.message) for n in page.notifications] == [("warning", "Careful", "<b>text</b>")]
        assert page.scripts == ["console.log('hi')"]
        await expect(page).to_have_url(re.compile("#next$"))
        assert page.route == "next"


async def test_named_messages_go_both_ways():
    server = MemoryServer(lambda server, client: None)
    got = []

    @server.on_event("ping")
    async def ping(event):
        got.append(event.payload)
        await server.send(event.client, "pong", {"n": event.payload["n"] + 1})

    async with open(server) as page:
        await page.send_message("ping", {"n": 1})
        await eventually(lambda: page.messages == [("pong", {"n": 2})])
        assert got == [{"n": 1}]
    await server.close()


async def test_open_takes_a_handler_a_server_its_asgi_app_or_a_memory_server():
    def app(server, client):
        server.get_document(client).getRootElement().appendChild(
            server.get_document(client).createElement("p", innerText="hi"))

    for target in (app, MemoryServer(app), DomsyncServer(app, verbose=False), DomsyncServer(app, verbose=False).asgi()):
        async with open(target) as page:
            await expect(page.locator("p")).to_have_text("hi")
    with pytest.raises(Exception, match="connect"):
        open("http://localhost:8888/")


# ---------------------------------------------------------------------- the live client


async def test_connect_drives_a_running_server_over_a_websocket(caplog):
    server = DomsyncServer(counter_app, "127.0.0.1", 0, verbose=False)
    await server.serve()
    try:
        async with connect(server.url) as page:
            states = page.connection_states()
            assert await anext(states) == "online"
            stream = page.received()
            await page.locator("#count").click()
            item = await asyncio.wait_for(anext(stream), 5)
            assert item.kind == "batch" and item.data == [[8, 1, "1"]]  # TEXT of the button: "1"
            await expect(page.locator("#count")).to_have_text("1")
            client = server.get_clients()[0]
            client._connection.abort()  # the server cuts the socket: the page comes back
            assert await asyncio.wait_for(anext(states), 5) == "offline"
            assert await asyncio.wait_for(anext(states), 5) == "connecting"
            assert await asyncio.wait_for(anext(states), 5) == "online"
            await page.locator("#count").click()
            await expect(page.locator("#count")).to_have_text("2")
            assert server.get_clients() == [client]  # resumed
        await eventually(lambda: server.get_clients() == [])
    finally:
        await server.close()


async def test_a_page_opens_before_the_app_flushes_and_sees_the_server_stop():
    gate = asyncio.Event()

    async def slow(server, client):
        await gate.wait()  # the browser shows nothing until the app's first flush
        doc = server.get_document(client)
        doc.getRootElement().appendChild(doc.createElement("p", innerText="ready"))

    server = MemoryServer(slow)
    page = await open(server)
    assert page.state == "online" and page.inner_html() == ""
    gate.set()
    await expect(page.locator("p")).to_have_text("ready")
    await server.close()
    await eventually(lambda: page.state == "offline")
    await asyncio.sleep(0.3)
    assert page.state == "offline"  # no server to come back to: no reconnecting
    await page.context.close()
    assert page.state == "closed"


async def test_with_latency_frames_keep_their_order_and_their_connection(caplog):
    server = MemoryServer(counter_app)
    async with open(server) as page:
        await expect(page.locator("#count")).to_have_text("0")
        page.set_latency(0.3)
        await page.locator("#count").click()
        page.set_latency(0)
        await page.locator("#count").click()  # queued behind the first, as on one socket
        await expect(page.locator("#count")).to_have_text("2", timeout=1500)  # not after a resend (4 s)
        page.set_latency(0.05)
        await page.locator("#count").click()
        await page.go_offline()  # the click in flight belongs to the lost connection...
        await page.go_online()  # ...and is sent again after the hello, not before it
        await expect(page.locator("#count")).to_have_text("3")
        await page.locator("#count").click()
        await page.reload()  # the old connection's answer never reaches the new page
        await expect(page.locator("#count")).to_have_text("4")
        assert page.errors == []
    assert "no hello first" not in caplog.text
    await server.close()


async def test_a_serving_server_with_test_pages_attached_still_closes_cleanly():
    gone = []
    server = DomsyncServer(counter_app, "127.0.0.1", 0, verbose=False, autoflush=0.05)
    server.on("disconnect")(lambda client: gone.append(client))
    async with open(server) as page:  # attached before serving: started for the page
        await server.serve()  # and now serving sockets as well: still one autoflush loop
        loops = [task for task in asyncio.all_tasks() if "_autoflush_loop" in repr(task.get_coro())]
        assert len(loops) == 1
        async with connect(server.url) as live:
            await expect(live.locator("#count")).to_have_text("0")
            await server.close()  # the socket's session ends (not kept offline) and is reported
            await eventually(lambda: len(gone) == 1)
    await eventually(lambda: len(gone) == 2)  # the test page's session ends with its context
    assert not [task for task in asyncio.all_tasks() if "_autoflush_loop" in repr(task.get_coro())]
