"""A session's first page inside the page that opens it (``prerender=True``), without a
browser: what goes into the page, and the session that waits for the page's socket
(over the in-memory transport; the Chromium tests are in test_prerender_browser.py)."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from conftest import eventually

import domsync.server_core
from domsync import Document, DomsyncServer, UsageError, WrongTypeError
from domsync.components import TableComponent
from domsync.memory import MemoryServer
from domsync.page import render_page
from domsync.prerender import BOOT_ID, PLACE_ROWS, prerendered_page
from domsync.protocol import HTML, MESSAGE, NOTIFY, RESET, SET_ATTR

ORIGIN = ("Origin", "http://localhost:8888")


def boot_of(page) -> dict:
    return json.loads(page.boot)


async def connect(server: MemoryServer, token: str | None, batch: int | None, origin=ORIGIN):
    """A page's socket, with its hello; returns (peer, welcome)."""
    peer = await server.connect("/ws?v=4&route=", headers=[origin])
    await peer.send({"domsync": True, "type": "hello", "token": token, "batch": batch})
    return peer, json.loads(await peer.next_frame())


# ---------------------------------------------------------------------- the page's parts

def table_document() -> Document:
    doc = Document()
    doc.getRootElement().appendChild(doc.createElement("button", id="btn", innerText="go"))
    table = TableComponent(doc, doc.getRootId(), ["a", "b"], id="t")
    for i in range(3):
        table.addRow(f"r{i}", [f"{i}<a>", f"{i}&b"])
    return doc


def test_the_roots_children_go_into_the_page_as_markup_and_the_boot_binds_them():
    doc = table_document()
    doc.take_ops()
    page = prerendered_page(doc.snapshot_ops(), "t" * 32, 1, "w1")
    # The page holds the model's own serialisation, texts escaped, with the rows of the
    # table in a <template> (straight in the table, the parser would add a <tbody>).
    assert page.rows
    assert page.content.startswith("<button id='btn'>go</button><table id='t'><template><tr id='t.tr.header'>")
    assert page.content.endswith("</tr></template></table>")
    assert page.content.replace("<template>", "").replace("</template>", "") \
        == doc.getRootElement().innerHTML.replace('"', "'")
    assert "<td id='t.td.r0.a'>0&lt;a&gt;</td>" in page.content
    boot = boot_of(page)
    assert boot["token"] == "t" * 32 and boot["batch"] == 1 and boot["worker"] == "w1"
    ops = boot["ops"]
    assert ops[0] == [RESET, doc.getRootId()]
    html_op = ops[1]
    assert html_op[:3] == [HTML, 0, None]  # markup null: already in the page
    assert html_op[4] == [doc.getElementById("t")._key]  # the table whose <tbody> goes again
    keys = [k for first, count in zip(html_op[3][::2], html_op[3][1::2]) for k in range(first, first + count)]
    assert len(keys) == len(doc.getRootElement().querySelectorAll("*"))


def test_the_boot_block_holds_no_less_than_sign_whatever_the_strings():
    """Application strings in the boot block are JSON escaped by the one encoder: none
    can end the <script> block that holds it."""
    doc = Document()
    root = doc.getRootElement()
    root.setAttribute("title", "</script><script>alert(1)</script>")
    hostile = root.appendChild(doc.createElement("textarea"))
    hostile.value = "</script><!--<script>"
    hostile.addEventListener("input", lambda e: None, js_value_getter="this.value + '</script>'")
    page = prerendered_page(doc.snapshot_ops(), "t" * 32, 1, None)
    assert "<" not in page.boot
    html = render_page(doc.getRootId(), content=page.content, boot=page.boot, rows=page.rows)
    assert html.count("</script>") == 2  # the boot block's and the client script's
    ops = boot_of(page)["ops"]
    assert [SET_ATTR, 0, "title", "</script><script>alert(1)</script>"] in ops
    found = set(strings_in(ops))
    assert {"</script><!--<script>", "this.value + '</script>'"} <= found  # as data, unchanged


def strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from strings_in(item)


def test_what_the_parser_would_rebuild_stays_ops_and_rows_at_the_top_stay_out_of_the_page():
    doc = Document()
    root = doc.getRootElement()
    p = root.appendChild(doc.createElement("p"))
    p.appendChild(doc.createElement("div", innerText="a div in a p: the parser closes the p"))
    page = prerendered_page(doc.snapshot_ops(), "t" * 32, 1, None)
    assert page.content == ""
    assert all(op[0] != HTML or op[2] is not None for op in boot_of(page)["ops"])
    # Rows straight under the root: the parser takes them only in a <template>.
    rows = Document()
    for i in range(3):
        rows.getRootElement().appendChild(rows.createElement("tr")).appendChild(rows.createElement("td", innerText=str(i)))
    page = prerendered_page(rows.snapshot_ops(), "t" * 32, 1, None)
    assert page.content == ""
    assert any(op[0] == HTML and op[2].startswith("<tr>") for op in boot_of(page)["ops"])


def test_a_strict_page_gets_ops_and_no_markup():
    doc = table_document()
    page = prerendered_page(doc.snapshot_ops(), "t" * 32, 1, None, markup=False)
    assert page.content == ""
    assert all(op[0] != HTML for op in boot_of(page)["ops"])


def test_the_page_puts_the_boot_block_before_the_client_script():
    html = render_page("root", content="<p>x</p>", boot='{"a":1}')
    assert html.index(f'id="{BOOT_ID}"') < html.index("<script src=")
    assert " async>" in html  # the page is parsed and shown without waiting for the client
    assert "<div id=\"root\" inert><p>x</p></div>" in html  # inert until the client binds it
    plain = render_page("root")
    assert BOOT_ID not in plain and " async" not in plain and "inert" not in plain
    # Tables of rows: the script that puts them in place comes right after the root.
    html = render_page("root", content="<table><template><tr></tr></template></table>", boot="{}", rows=True)
    assert '<template><tr></tr></template></table></div><script>(function (root)' in html
    assert PLACE_ROWS in html and PLACE_ROWS not in render_page("root", content="<p></p>", boot="{}")


# ---------------------------------------------------------------------- mistakes

def test_prerender_takes_true_or_false_and_needs_sessions_that_wait():
    with pytest.raises(WrongTypeError, match="prerender must be True or False"):
        DomsyncServer(prerender="yes")
    with pytest.raises(UsageError, match="shared document"):
        DomsyncServer(shared=True, prerender=True)
    with pytest.raises(UsageError, match="session_retention"):
        DomsyncServer(session_retention=0, prerender=True)


# ---------------------------------------------------------------------- the session

async def test_the_page_carries_the_first_flush_and_its_socket_resumes_that_session():
    later = asyncio.Event()
    connected: list = []

    async def handler(server, client):
        doc = server.get_document(client)
        connected.append(client)
        out = doc.getRootElement().appendChild(doc.createElement("p", id="out", innerText="first"))
        await server.flush(client)
        await later.wait()
        out.innerText = "second"
        await server.flush(client)

    server = MemoryServer(handler, prerender=True)
    try:
        page = await server.load_page()
        assert page.content == "<p id='out'>first</p>"
        boot = boot_of(page)
        assert boot["batch"] == 1
        client = connected[0]
        assert server.is_connected(client) and not server.is_online(client)
        peer, welcome = await connect(server, boot["token"], boot["batch"])
        assert welcome["resumed"] is True  # the same session: no new page
        assert peer.client is client and server.is_online(client)
        later.set()
        frame = await peer.next_frame()
        assert frame.startswith("2 ")  # the batch after the page's
        assert '"second"' in frame
        assert len(connected) == 1  # the handler ran once
    finally:
        await server.close()


def add_paragraph(server, client) -> None:
    doc = server.get_document(client)
    doc.getRootElement().appendChild(doc.createElement("p"))


async def test_a_page_whose_socket_lacks_the_first_batch_gets_the_whole_page():
    async def handler(server, client):
        add_paragraph(server, client)
        await server.flush(client)

    server = MemoryServer(handler, prerender=True)
    try:
        boot = boot_of(await server.load_page())
        peer, welcome = await connect(server, boot["token"], None)  # the boot failed: no page
        assert welcome["resumed"] is True
        frame = await peer.next_frame()
        assert frame.startswith("2 ") and "R(" in frame
    finally:
        await server.close()


async def test_what_the_handler_queues_before_its_first_flush_is_in_the_page():
    async def handler(server, client):
        doc = server.get_document(client)
        doc.getRootElement().appendChild(doc.createElement("p", innerText="hi"))
        doc.add_notification("info", "welcome", "to the page")
        await server.send(client, "ready", {"n": 1})
        await server.broadcast("everyone", 2)
        await server.flush(client)

    server = MemoryServer(handler, prerender=True)
    try:
        ops = boot_of(await server.load_page())["ops"]
        codes = [op[0] for op in ops]
        assert NOTIFY in codes
        assert [op for op in ops if op[0] == MESSAGE] == [[MESSAGE, "ready", {"n": 1}], [MESSAGE, "everyone", 2]]
    finally:
        await server.close()


async def test_a_handler_that_does_not_flush_in_time_has_its_page_as_it_is_then(monkeypatch):
    monkeypatch.setattr(domsync.server_core, "PRERENDER_WAIT", 0.05)
    go_on = asyncio.Event()

    async def handler(server, client):
        doc = server.get_document(client)
        doc.getRootElement().appendChild(doc.createElement("p", id="a", innerText="before"))
        await go_on.wait()  # say, a slow database
        doc.getRootElement().appendChild(doc.createElement("p", id="b", innerText="after"))
        await server.flush(client)

    server = MemoryServer(handler, prerender=True)
    try:
        page = await server.load_page()
        assert page.content == "<p id='a'>before</p>"
        boot = boot_of(page)
        go_on.set()
        peer, welcome = await connect(server, boot["token"], boot["batch"])
        frame = await peer.next_frame()
        assert frame.startswith("2 ") and "after" in frame and "before" not in frame
    finally:
        await server.close()


async def test_a_handler_that_fails_first_gives_a_page_with_the_error_notification(caplog):
    async def handler(server, client):
        add_paragraph(server, client)
        raise RuntimeError("the handler failed")

    server = MemoryServer(handler, prerender=True)
    try:
        with caplog.at_level(logging.ERROR, logger="domsync.server"):
            page = await server.load_page()
        assert "the handler failed" in caplog.text
        assert any(op[0] == NOTIFY and op[1] == "error" for op in boot_of(page)["ops"])
    finally:
        await server.close()


async def test_a_page_that_never_connects_ends_its_session(monkeypatch):
    monkeypatch.setattr(domsync.server_core, "PRERENDER_SOCKET_WAIT", 0.1)
    ended: list = []
    server = MemoryServer(lambda server, client: server.flush(client), prerender=True)
    server.on("disconnect")(lambda client: ended.append(client))
    try:
        await server.load_page()
        assert len(server.get_clients()) == 1
        await eventually(lambda: ended)
        assert server.get_clients() == []
    finally:
        await server.close()


async def test_the_first_socket_is_a_start_not_a_return_and_pins_the_origin():
    events: list[str] = []
    server = MemoryServer(lambda server, client: server.flush(client), prerender=True)
    server.on("online")(lambda client: events.append("online"))
    server.on("offline")(lambda client: events.append("offline"))
    try:
        boot = boot_of(await server.load_page())
        peer, welcome = await connect(server, boot["token"], boot["batch"])
        assert welcome["resumed"] is True
        await peer.send({"domsync": True, "type": "ack", "a": 1})
        assert events == []  # a page that arrives is not one coming back
        await peer.drop()
        assert events == ["offline"]
        token = welcome["token"]
        other, refused = await connect(server, token, 1, origin=("Origin", "http://elsewhere.example"))
        assert refused["resumed"] is False  # a token from another origin does not resume it
        back, returned = await connect(server, token, 1)
        assert returned["resumed"] is True
        assert events == ["offline", "online"]
    finally:
        await server.close()


async def test_no_session_starts_for_the_page_when_the_server_is_full():
    server = MemoryServer(lambda server, client: server.flush(client), prerender=True, max_connections=1)
    try:
        await server.connect("/ws")  # a browser without the resume protocol: one session, online
        assert await server.load_page() is None
    finally:
        await server.close()


async def test_without_prerender_the_page_starts_no_session():
    server = MemoryServer(lambda server, client: server.flush(client))
    try:
        assert await server.load_page() is None
        assert server.get_clients() == []
    finally:
        await server.close()


OPENED = {"Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Site": "same-origin"}


@pytest.mark.parametrize("headers, navigates", [
    (OPENED, True),
    ({**OPENED, "Sec-Fetch-Site": "none"}, True),  # the address bar, a bookmark
    ({**OPENED, "Sec-Fetch-Site": "same-site"}, True),
    ({**OPENED, "Sec-Fetch-Site": "cross-site"}, False),  # a link on another site: no SameSite=Strict cookies
    ({}, False),  # a program, a health check, an old browser: it does not say
    ({"Sec-Fetch-Dest": "image", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Site": "cross-site"}, False),
    ({"Sec-Fetch-Dest": "empty", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Site": "same-origin"}, False),
    ({**OPENED, "Sec-Fetch-Dest": "iframe"}, False),
    ({**OPENED, "Sec-Purpose": "prefetch"}, False),
    ({**OPENED, "Purpose": "prefetch"}, False),
])
def test_only_a_browser_opening_the_page_starts_a_session(headers, navigates):
    from wsgiref.headers import Headers

    from domsync.web import Site

    assert Site.navigates(Headers(list(headers.items()))) is navigates


# ---------------------------------------------------------------------- review findings

async def test_a_page_request_cancelled_while_its_handler_runs_ends_the_session():
    """A request cancelled mid-render (the ASGI server gave up on it, the app stops):
    its session ends, its disconnect handlers run, and it holds no place."""
    started = asyncio.Event()
    ended: list = []

    async def handler(server, client):
        started.set()
        await asyncio.sleep(10)  # still building when the request goes

    server = MemoryServer(handler, prerender=True, max_connections=4)
    server.on("disconnect")(lambda client: ended.append(client))
    try:
        request = asyncio.ensure_future(server.load_page())
        await started.wait()
        request.cancel()
        with pytest.raises(asyncio.CancelledError):
            await request
        await eventually(lambda: ended)
        assert server.get_clients() == [] and server._online_count() == 0
    finally:
        await server.close()


async def test_pages_never_opened_hold_a_pool_of_their_own_and_push_out_no_returning_browser():
    """Page requests whose pages never connect (a crawler, a flood of GETs) wait in a
    pool of a quarter of max_connections; past it pages come without a first render,
    and a session whose browser is coming back is never ended for them."""
    server = MemoryServer(lambda server, client: server.flush(client), prerender=True, max_connections=4)
    try:
        boot = boot_of(await server.load_page())
        peer, welcome = await connect(server, boot["token"], boot["batch"])
        await peer.send({"domsync": True, "type": "ack", "a": 1})
        await peer.drop()  # a user whose network dropped: coming back
        user = peer.client
        assert await server.load_page() is not None  # one page waits for its socket
        assert all([await server.load_page() is None for _ in range(5)])  # the pool is full
        assert server.is_connected(user)
        back, welcome = await connect(server, welcome["token"], 1)
        assert welcome["resumed"] is True
    finally:
        await server.close()


@pytest.mark.parametrize("how", ["flush(client)", "flush()", "autoflush"])
async def test_the_handlers_first_flush_of_any_kind_renders_the_page_at_once(how):
    async def handler(server, client):
        doc = server.get_document(client)
        doc.getRootElement().appendChild(doc.createElement("p", innerText="built"))
        if how == "flush(client)":
            await server.flush(client)
        elif how == "flush()":
            await server.flush()
        while server.is_connected(client):  # and it goes on (a clock, say)
            await asyncio.sleep(0.05)

    server = MemoryServer(handler, prerender=True, autoflush=0.02 if how == "autoflush" else None)
    try:
        started = asyncio.get_running_loop().time()
        page = await server.load_page()
        assert asyncio.get_running_loop().time() - started < domsync.server_core.PRERENDER_WAIT
        assert page.content == "<p>built</p>"
    finally:
        await server.close()


async def test_another_sessions_flush_of_this_client_does_not_cut_its_first_render_short():
    go_on = asyncio.Event()
    clients: list = []

    async def handler(server, client):
        clients.append(client)
        doc = server.get_document(client)
        doc.getRootElement().appendChild(doc.createElement("p", id="a"))
        await go_on.wait()
        doc.getRootElement().appendChild(doc.createElement("p", id="b"))
        await server.flush(client)

    server = MemoryServer(handler, prerender=True)
    try:
        request = asyncio.ensure_future(server.load_page())
        await eventually(lambda: clients)
        await server.flush(clients[0])  # from elsewhere: say, a callback that flushes everyone
        await asyncio.sleep(0.05)
        assert not request.done()
        go_on.set()
        assert (await request).content == "<p id='a'></p><p id='b'></p>"
    finally:
        await server.close()


async def test_the_page_requests_own_query_is_the_apps_not_a_route():
    pages: list = []

    async def handler(server, client):
        pages.append((server.get_document(client).page, client.request.path))
        await server.flush(client)

    server = MemoryServer(handler, prerender=True)
    try:
        await server.load_page("/?route=admin")
        assert pages == [(None, "/?route=admin")]
    finally:
        await server.close()


def test_a_prerendering_servers_plain_page_says_what_it_varies_on():
    from domsync.web import Site

    plain = Site("root", prerender=True).respond("GET", "/")
    assert plain.header("Vary") == "Sec-Fetch-Dest, Sec-Fetch-Site, Sec-Purpose"
    assert Site("root").respond("GET", "/").header("Vary") is None


@pytest.mark.parametrize("encoding", ["gzip, br", ""])
def test_the_page_goes_in_two_parts_that_make_the_whole_page(encoding):
    """Its head at once (the browser commits the navigation while the handler runs),
    then the rest: with a first render, or without one (the same head either way)."""
    import gzip as gzip_module

    from domsync.web import Site

    site = Site("root", prerender=True)
    doc = table_document()
    parts = prerendered_page(doc.snapshot_ops(), "t" * 32, 1, None)
    for page, expected in [(parts, render_page(site._page_args["root_id"], **{
            k: v for k, v in site._page_args.items() if k != "root_id"}, content=parts.content, boot=parts.boot,
            rows=parts.rows)), (None, site.page.decode())]:
        stream = site.page_stream("localhost:8888", encoding)
        first = stream.start()
        body = first + stream.finish(page)
        if encoding:
            import zlib
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(first)
            assert head.decode().endswith("<body>\n")  # the head alone is readable at once
            body = gzip_module.decompress(body)
            assert stream.response.header("Content-Encoding") == "gzip"
        assert body.decode() == expected
        assert stream.response.header("Cache-Control") == "no-store"
        assert stream.response.header("Content-Length") is None
        assert "Sec-Fetch-Dest" in stream.response.header("Vary")
