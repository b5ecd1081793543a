"""Backend-initiated actions (issue 5) in real Chromium, tested from the spec as a user
would: file downloads (inline and from a one-time URL), open_url, page routes and the
back button, run_js, and delivery to one client only, in order with DOM changes.

The last section checks the action API's argument contract without a browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import tracemalloc
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import eventually

from domsync import (
    ClientGoneError,
    Document,
    DomsyncServer,
    InvalidValueError,
    PackedFile,
    WrongTypeError,
    pack_bytes,
    pack_file,
)
from domsync.files import safe_file_name

MiB = 1024 * 1024
INLINE_LIMIT = 256 * 1024  # Document.inline_download_limit, as the spec gives it

# Quotes, slashes, a backslash, reserved characters, a newline, a tab, unicode, and a
# right-to-left override that would make "txt.jpg" look like "gpj.txt".
HOSTILE_NAME = '..\\../"quoted" <a>|b:c*?\nline2\t日本語 ü \u202egpj.txt. '


# ---------------------------------------------------------------------- helpers


@contextlib.asynccontextmanager
async def serving(actions: dict | None = None, **options):
    """A DomsyncServer whose page has ``<div id="out">`` and one button per action:
    clicking ``#<name>`` calls ``action(document)`` in the click's callback (the server
    flushes after it). Yields the server and the list of connected clients' documents,
    in connection order. ``actions`` is read when a browser connects, so entries may
    be added after the server started."""
    server = DomsyncServer(host="127.0.0.1", port=0, verbose=False, **options)
    docs: list[Document] = []
    actions = {} if actions is None else actions

    @server.on("connect")
    def build(client):
        doc = server.get_document(client)
        docs.append(doc)
        root = doc.getRootElement()
        root.appendChild(doc.createElement("div", id="out", innerText="ready"))
        for name, action in actions.items():
            button = doc.createElement("button", id=name, innerText=name)
            button.addEventListener("click", lambda event, action=action, doc=doc: action(doc))
            root.appendChild(button)

    await server.serve()
    try:
        yield server, docs
    finally:
        await server.close()


async def open_page(context, server, suffix: str = ""):
    """A page of ``server``, once its connect handler's DOM has arrived."""
    page = await context.new_page()
    await page.goto(server.url + suffix)
    await page.wait_for_selector("#out")
    return page


def set_out(text: str):
    """An action that shows ``text`` in #out: a flush to wait for."""
    return lambda doc: setattr(doc.getElementById("out"), "innerText", text)


async def wait_out(page, text: str) -> None:
    await page.wait_for_function(
        "text => document.getElementById('out').textContent === text", arg=text, timeout=10000)


async def download_by_click(page, selector: str, timeout: float = 10000):
    """Click, and return the finished download and its saved file's path."""
    async with page.expect_download(timeout=timeout) as info:
        await page.click(selector)
    download = await info.value
    path = await download.path()
    assert await download.failure() is None
    return download, path


def sha256_file(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(MiB), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def catch_download_urls(page) -> None:
    """Keep the page from following its large-download links, and collect their URLs in
    ``window.__urls``, so the test can use the one-time URLs itself. (Playwright's
    page.route does not see download requests.)"""
    await page.evaluate("""() => {
        window.__urls = [];
        document.addEventListener('click', event => {
            const link = event.target.closest && event.target.closest('a[href]');
            if (link && link.href.includes('/_domsync/download/')) {
                event.preventDefault();
                window.__urls.push(link.href);
            }
        }, true);
    }""")


async def caught_urls(page, count: int) -> list[str]:
    await page.wait_for_function("n => window.__urls.length >= n", arg=count, timeout=10000)
    return await page.evaluate("window.__urls")


async def record_errors(page) -> None:
    await page.evaluate("""() => {
        window.__errs = [];
        document.addEventListener('domsync:error', e => window.__errs.push(
            {source: e.detail.source, message: e.detail.message}));
    }""")


# ---------------------------------------------------------------------- notifications


async def test_all_four_notification_types_show(context):
    def notify_all(doc):
        for kind in ("error", "warning", "info", "success"):
            doc.add_notification(kind, f"{kind} title", f"{kind} message")

    async with serving({"notes": notify_all}) as (server, docs):
        page = await open_page(context, server)
        await page.click("#notes")
        for kind in ("error", "warning", "info", "success"):
            box = page.locator(f".domsync-notification-{kind}")
            await box.wait_for()
            assert await box.count() == 1
            assert await box.is_visible()
            text = await box.text_content()
            assert f"{kind} title" in text and f"{kind} message" in text


# ---------------------------------------------------------------------- downloads


async def test_small_downloads_are_inline_with_the_same_bytes_name_and_mime_type(context, tmp_path):
    every_byte = bytes(range(256)) * 8 + b"\x00\r\n\xff the end"
    csv_path = tmp_path / "report.csv"
    csv_bytes = "name,price\r\nthé,1€\r\n".encode() + os.urandom(5000)
    csv_path.write_bytes(csv_bytes)
    at_limit = os.urandom(INLINE_LIMIT)
    json_bytes = b'{"a": 1}'
    actions = {
        "raw": lambda doc: doc.file_download(every_byte, "data.bin"),
        "path": lambda doc: doc.file_download(pack_file(str(csv_path)), "report.csv"),
        "limit": lambda doc: doc.file_download(pack_bytes(at_limit), "limit.bin"),
        "typed": lambda doc: doc.file_download(pack_bytes(json_bytes, mime_type="application/json"), "x.dat"),
    }
    async with serving(actions) as (server, docs):
        page = await open_page(context, server)
        cases = [("#raw", every_byte, "data.bin"), ("#path", csv_bytes, "report.csv"),
                 ("#limit", at_limit, "limit.bin"), ("#typed", json_bytes, "x.dat")]
        types = {}
        for selector, expected, name in cases:
            download, path = await download_by_click(page, selector)
            assert download.suggested_filename == name
            assert os.path.getsize(path) == len(expected)
            assert sha256_file(path) == sha256(expected)
            # Up to the inline limit (included), the file travels in the websocket message.
            assert download.url.startswith("blob:"), download.url
            types[selector] = await page.evaluate("url => fetch(url).then(r => r.blob()).then(b => b.type)",
                                                  download.url)
        assert types["#path"] == "text/csv"  # guessed from the packed path's name
        assert types["#typed"] == "application/json"  # the packed mime type wins over the name


async def test_a_100_mb_download_streams_with_the_same_bytes_little_memory_and_a_one_time_url(context):
    data = os.urandom(100 * MiB)
    expected = sha256(data)
    packed = pack_bytes(data)
    async with serving({"big": lambda doc: doc.file_download(packed, "big data.bin")}) as (server, docs):
        page = await open_page(context, server)
        tracemalloc.start()
        try:
            download, path = await download_by_click(page, "#big", timeout=60000)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 50 * MiB, f"the server held {peak / MiB:.1f} MiB while sending 100 MiB"
        assert download.suggested_filename == "big data.bin"
        assert os.path.getsize(path) == 100 * MiB
        assert await asyncio.to_thread(sha256_file, path) == expected
        # Fetched from the server's own port, once.
        assert download.url.startswith(server.url + "_domsync/download/"), download.url
        again = await context.request.get(download.url)
        assert again.status == 404
        assert await page.evaluate("domsync.status") == "open"  # the page itself is unharmed


async def test_a_large_packed_path_streams_from_disk_once(context, tmp_path):
    path = tmp_path / "just over.bin"
    content = os.urandom(INLINE_LIMIT + 1)  # one byte over the inline limit
    path.write_bytes(content)
    async with serving({"file": lambda doc: doc.file_download(pack_file(path), "over.bin")}) as (server, docs):
        page = await open_page(context, server)
        download, saved = await download_by_click(page, "#file")
        assert download.suggested_filename == "over.bin"
        assert sha256_file(saved) == sha256(content)
        assert urlsplit(download.url).path.startswith("/_domsync/download/")
        assert (await context.request.get(download.url)).status == 404
        assert (await page.request.get(download.url)).status == 404


@pytest.mark.parametrize("size", [100, INLINE_LIMIT + 1], ids=["inline", "one-time-url"])
async def test_a_hostile_file_name_is_saved_as_its_safe_version(context, size):
    data = os.urandom(size)
    async with serving({"save": lambda doc: doc.file_download(data, HOSTILE_NAME)}) as (server, docs):
        page = await open_page(context, server)
        download, path = await download_by_click(page, "#save")
        assert download.suggested_filename == safe_file_name(HOSTILE_NAME)
        assert sha256_file(path) == sha256(data)


async def test_a_one_time_url_serves_once_as_an_attachment_and_expires_when_the_client_goes(context):
    first, second = os.urandom(INLINE_LIMIT + 10), os.urandom(INLINE_LIMIT + 20)

    def two_downloads(doc):
        doc.file_download(first, "first.bin")
        doc.file_download(second, "second.bin")

    async with serving({"two": two_downloads}) as (server, docs):
        page = await open_page(context, server)
        await catch_download_urls(page)
        await page.click("#two")
        urls = await caught_urls(page, 2)
        assert len(set(urls)) == 2
        response = await context.request.get(urls[0])
        assert response.status == 200
        assert sha256(await response.body()) == sha256(first)
        disposition = response.headers["content-disposition"]
        assert disposition.startswith("attachment")
        assert "first.bin" in disposition
        assert (await context.request.get(urls[0])).status == 404  # once only
        await page.close()
        await eventually(lambda: server.get_clients() == [])
        assert (await context.request.get(urls[1])).status == 404  # its client has gone


async def test_a_one_time_url_expires_after_the_download_timeout(context):
    data = os.urandom(INLINE_LIMIT + 1)
    async with serving({"save": lambda doc: doc.file_download(data, "late.bin")},
                       download_timeout=0.1) as (server, docs):
        page = await open_page(context, server)
        await catch_download_urls(page)
        await page.click("#save")
        urls = await caught_urls(page, 1)
        await asyncio.sleep(0.4)
        assert len(server.get_clients()) == 1  # still connected: it expired by time
        assert (await context.request.get(urls[0])).status == 404


# ---------------------------------------------------------------------- open_url


async def test_open_url_opens_a_tab_with_no_opener_and_no_referrer(context):
    actions: dict = {}
    async with serving(actions) as (server, docs):
        target = server.url + "?opened"
        actions["open"] = lambda doc: doc.open_url(target)
        page = await open_page(context, server)
        async with context.expect_page(timeout=10000) as info:
            await page.click("#open")
        opened = await info.value
        await opened.wait_for_load_state()
        assert opened.url == target
        assert await opened.evaluate("window.opener === null")
        assert await opened.evaluate("document.referrer") == ""
        assert page.url == server.url  # the page itself did not navigate
        assert len(context.pages) == 2


# ---------------------------------------------------------------------- routes


async def test_set_page_and_set_route_vars_write_the_hash_with_one_history_entry_per_flush(context):
    def shop(doc):
        doc.set_page("shop")
        doc.set_route_vars({"item": "42", "color": "red"})

    actions = {
        "shop": shop,
        "vars": lambda doc: doc.set_route_vars({"color": None, "q": "x"}),
        "cart": lambda doc: doc.set_page("cart"),
    }
    async with serving(actions) as (server, docs):
        page = await open_page(context, server)
        doc = docs[0]
        start = await page.evaluate("history.length")
        await page.click("#shop")
        await page.wait_for_function("location.hash === '#shop/item=42&color=red'", timeout=10000)
        assert await page.evaluate("history.length") == start + 1  # two changes, one entry
        assert doc.page == "shop" and dict(doc.route_vars) == {"item": "42", "color": "red"}
        await page.click("#vars")
        await page.wait_for_function("location.hash === '#shop/item=42&q=x'", timeout=10000)
        assert dict(doc.route_vars) == {"item": "42", "q": "x"}
        await page.click("#cart")  # keeps the variables
        await page.wait_for_function("location.hash === '#cart/item=42&q=x'", timeout=10000)
        assert doc.page == "cart" and dict(doc.route_vars) == {"item": "42", "q": "x"}
        assert await page.evaluate("history.length") == start + 3


SPECIAL_PAGE = "my page/x#y&z=1"
SPECIAL_VARS = {"a b&c=d/e#f": "ü€ 1&2=3/#?%+", "plain": "日本語 text"}


async def test_special_characters_survive_server_to_browser_and_back(context):
    calls = []

    def special(doc):
        doc.set_page(SPECIAL_PAGE)
        doc.set_route_vars(SPECIAL_VARS)

    async with serving({"special": special, "plain": lambda doc: doc.set_page("plain")}) as (server, docs):
        server.on("route")(lambda client, page, route_vars: calls.append((page, dict(route_vars))))
        page = await open_page(context, server)
        doc = docs[0]
        await page.click("#special")
        await page.wait_for_function("location.hash.length > 1", timeout=10000)
        # The browser reads it back with standard URL decoding.
        decoded = await page.evaluate("""() => {
            const hash = location.hash.slice(1), slash = hash.indexOf('/');
            const vars = {};
            for (const part of hash.slice(slash + 1).split('&')) {
                const [k, v] = part.split('=');
                vars[decodeURIComponent(k)] = decodeURIComponent(v);
            }
            return [decodeURIComponent(hash.slice(0, slash)), vars, hash.split('/').length];
        }""")
        assert decoded[0] == SPECIAL_PAGE
        assert decoded[1] == SPECIAL_VARS
        assert decoded[2] == 2  # the only unencoded "/" separates the page from the variables
        # Hand-edited hash, encoded by the browser's standard encoder.
        await page.evaluate("""([p, vars]) => { location.hash = encodeURIComponent(p) + '/' +
            Object.entries(vars).map(([k, v]) => encodeURIComponent(k) + '=' + encodeURIComponent(v)).join('&'); }""",
                            ["other " + SPECIAL_PAGE, {"k/ey": "v a=l&ue#ü"}])
        await eventually(lambda: doc.page == "other " + SPECIAL_PAGE)
        assert dict(doc.route_vars) == {"k/ey": "v a=l&ue#ü"}
        assert calls[-1] == ("other " + SPECIAL_PAGE, {"k/ey": "v a=l&ue#ü"})
        # The server's own route, read back from the browser after back and forward.
        await page.click("#plain")
        await page.wait_for_function("location.hash.startsWith('#plain')", timeout=10000)
        await page.go_back()
        await eventually(lambda: doc.page == "other " + SPECIAL_PAGE)
        await page.go_back()
        await eventually(lambda: doc.page == SPECIAL_PAGE)
        assert dict(doc.route_vars) == SPECIAL_VARS
        assert calls[-1] == (SPECIAL_PAGE, SPECIAL_VARS)


async def test_back_and_a_hand_edited_hash_fire_the_route_handler_but_server_routes_do_not(context):
    calls = []
    actions = {"one": lambda doc: doc.set_page("one"), "two": lambda doc: doc.set_page("two"),
               "sync": set_out("synced")}
    async with serving(actions) as (server, docs):
        @server.on("route")
        def on_route(client, page, route_vars):
            calls.append((server.get_document(client), page, dict(route_vars), docs[0].page))

        page = await open_page(context, server)
        doc = docs[0]
        await page.click("#one")
        await page.wait_for_function("location.hash === '#one'", timeout=10000)
        await page.click("#two")
        await page.wait_for_function("location.hash === '#two'", timeout=10000)
        await page.click("#sync")  # any route report would arrive before this click
        await wait_out(page, "synced")
        assert calls == []
        assert doc.page == "two"

        await page.go_back()
        await eventually(lambda: len(calls) == 1)
        assert calls[0] == (doc, "one", {}, "one")  # the document is updated before the handler
        assert doc.page == "one"
        assert await page.evaluate("location.hash") == "#one"

        await page.go_forward()
        await eventually(lambda: len(calls) == 2)
        assert calls[1][1:] == ("two", {}, "two")

        await page.evaluate("location.hash = '#three/x=1&y=2'")
        await eventually(lambda: len(calls) == 3)
        assert calls[2][1:] == ("three", {"x": "1", "y": "2"}, "three")
        assert doc.page == "three" and dict(doc.route_vars) == {"x": "1", "y": "2"}

        for count, expected in ((4, "two"), (5, "one"), (6, None)):  # back to the page as opened
            await page.go_back()
            await eventually(lambda: len(calls) == count)
            assert calls[-1][1:] == (expected, {}, expected)
        assert await page.evaluate("location.hash") == ""
        assert doc.page is None and dict(doc.route_vars) == {}


async def test_a_route_handler_that_sets_a_route_never_traps_the_back_button(context):
    async with serving({"go": lambda doc: doc.set_page("y")}) as (server, docs):
        @server.on("route")
        def add_default(client, page, route_vars):
            if "v" not in route_vars:
                server.get_document(client).set_route_vars({"v": "1"})

        page = await open_page(context, server, "#x")
        await page.click("#go")
        await page.wait_for_function("location.hash === '#y'", timeout=10000)
        await page.go_back()
        await page.wait_for_function("location.hash === '#x/v=1'", timeout=10000)
        await eventually(lambda: docs[0].page == "x" and dict(docs[0].route_vars) == {"v": "1"})
        await page.go_forward()  # the forward entry is still there: nothing was pushed
        await page.wait_for_function("location.hash.startsWith('#y')", timeout=10000)
        await page.go_back()
        await page.wait_for_function("location.hash === '#x/v=1'", timeout=10000)
        await page.go_back()  # and "back" leaves the route for the page as it was opened
        await page.wait_for_function("location.hash === ''", timeout=10000)


async def test_the_browser_and_the_model_agree_when_both_change_the_route_at_once(context):
    async with serving({"b": lambda doc: doc.set_page("b"), "sync": set_out("synced")}) as (server, docs):
        page = await open_page(context, server)
        # The click's answer (set_page("b")) crosses the browser's own change to #c.
        await page.evaluate("document.getElementById('b').click(); location.hash = '#c'")
        await page.click("#sync")
        await wait_out(page, "synced")
        await eventually(lambda: docs[0].page is not None)
        await asyncio.sleep(0.2)
        hash_ = await page.evaluate("location.hash")
        assert hash_ == "#" + docs[0].page, (hash_, docs[0].page)


async def test_the_route_at_page_open_is_known_in_the_connect_handler(context):
    seen = []
    server = DomsyncServer(host="127.0.0.1", port=0, verbose=False)

    @server.on("connect")
    def build(client):
        doc = server.get_document(client)
        seen.append((doc.page, dict(doc.route_vars)))
        doc.getRootElement().appendChild(doc.createElement("div", id="out", innerText=f"page={doc.page}"))

    await server.serve()
    try:
        page = await open_page(context, server, "#shop/item=42&q=a%20b%26c")
        assert seen == [("shop", {"item": "42", "q": "a b&c"})]
        assert await page.text_content("#out") == "page=shop"
        assert await page.evaluate("location.hash") == "#shop/item=42&q=a%20b%26c"
        other = await open_page(context, server)
        assert seen[1] == (None, {})
        await other.close()
        typed = await open_page(context, server, "#日本/x=ü ö&empty=")  # as typed: the browser encodes it
        assert seen[2] == ("日本", {"x": "ü ö", "empty": ""})
        await typed.close()
    finally:
        await server.close()


# ---------------------------------------------------------------------- run_js


async def test_run_js_runs_once_as_a_function_body_after_the_dom_changes_before_it(context):
    def run(doc):
        doc.getElementById("out").innerText = "fresh text"
        doc.run_js("window.__seen = document.getElementById('out').textContent;"
                   "window.__count = (window.__count || 0) + 1;"
                   "document.body.setAttribute('data-ran', 'yes');")

    def body(doc):
        doc.run_js("let mine = 1; window.__a = 'first'; return; window.__a = 'second';")

    async with serving({"run": run, "body": body, "sync": set_out("synced")}) as (server, docs):
        page = await open_page(context, server)
        await page.click("#run")
        await page.wait_for_function("window.__count !== undefined", timeout=10000)
        assert await page.evaluate("window.__seen") == "fresh text"
        assert await page.get_attribute("body", "data-ran") == "yes"
        await page.click("#body")
        await page.click("#sync")  # later flushes do not run it again
        await wait_out(page, "synced")
        assert await page.evaluate("window.__count") == 1
        assert await page.evaluate("window.__a") == "first"
        assert await page.evaluate("typeof mine") == "undefined"


async def test_a_failing_run_js_is_reported_and_the_dom_changes_around_it_still_apply(context):
    def fail(doc):
        doc.getElementById("out").innerText = "before"
        doc.run_js("throw new Error('boom from run_js');")
        doc.getRootElement().appendChild(doc.createElement("p", id="after", innerText="after"))

    def syntax(doc):
        doc.run_js("this is ( not javascript")
        doc.getElementById("out").innerText = "after the syntax error"

    async with serving({"fail": fail, "syntax": syntax}) as (server, docs):
        page = await open_page(context, server)
        console = []
        page.on("console", lambda message: console.append((message.type, message.text)))
        await record_errors(page)
        await page.click("#fail")
        await page.wait_for_selector("#after", timeout=10000)
        assert await page.text_content("#out") == "before"
        assert await page.text_content("#after") == "after"
        errors = await page.evaluate("window.__errs")
        assert len(errors) == 1
        assert errors[0]["source"] == "run_js"
        assert "boom from run_js" in errors[0]["message"]
        await eventually(lambda: any(kind == "error" and "run_js" in text for kind, text in console))

        await page.click("#syntax")
        await wait_out(page, "after the syntax error")
        errors = await page.evaluate("window.__errs")
        assert len(errors) == 2 and errors[1]["source"] == "run_js"
        assert await page.evaluate("domsync.status") == "open"


# ---------------------------------------------------------------------- delivery


async def test_actions_reach_only_their_own_client_exactly_once(context, browser):
    def everything(doc):
        doc.getElementById("out").innerText = "set before"
        doc.run_js("window.__got = (window.__got || 0) + 1;"
                   "window.__text = document.getElementById('out').textContent;")
        doc.add_notification("warning", "for this client only")  # stays until closed
        doc.set_page("mine")
        doc.file_download(b"only mine", "mine.txt")
        doc.getElementById("out").innerText = "set after"

    async with serving({"all": everything, "sync": set_out("synced"), "again": set_out("synced again")}) as (server, docs):
        page_a = await open_page(context, server)
        other_context = await browser.new_context()
        try:
            page_b = await open_page(other_context, server)
            b_downloads = []
            page_b.on("download", lambda download: b_downloads.append(download))
            assert len(docs) == 2

            download, path = await download_by_click(page_a, "#all")
            assert download.suggested_filename == "mine.txt"
            assert Path(path).read_bytes() == b"only mine"
            await wait_out(page_a, "set after")
            await page_a.locator(".domsync-notification-warning").wait_for()
            assert await page_a.evaluate("window.__got") == 1
            assert await page_a.evaluate("window.__text") == "set before"  # in order with the DOM
            assert await page_a.evaluate("location.hash") == "#mine"

            await page_b.click("#sync")  # B's next flush carries nothing of A's
            await wait_out(page_b, "synced")
            assert await page_b.evaluate("window.__got") is None
            assert await page_b.locator(".domsync-notification").count() == 0
            assert await page_b.evaluate("location.hash") == ""
            assert b_downloads == []
            assert docs[1].page is None

            # Queued outside a callback and flushed by hand: still one client, once.
            client_b = next(c for c in server.get_clients() if server.get_document(c) is docs[1])
            docs[1].run_js("window.__got = (window.__got || 0) + 10;")
            await server.flush(client_b)
            await page_b.wait_for_function("window.__got === 10", timeout=10000)
            await page_a.click("#sync")
            await wait_out(page_a, "synced")
            await server.flush(client_b)
            await page_b.click("#again")
            await wait_out(page_b, "synced again")
            assert await page_a.evaluate("window.__got") == 1
            assert await page_b.evaluate("window.__got") == 10
            assert await page_a.locator(".domsync-notification").count() == 1
        finally:
            await other_context.close()


async def test_actions_queued_for_a_client_that_left_never_reach_its_next_session(context):
    # With no retention, a reload ends the session (with it, the reload would resume it).
    async with serving({"sync": set_out("synced")}, session_retention=0) as (server, docs):
        page = await open_page(context, server)
        (old_client,) = server.get_clients()
        docs[0].run_js("window.__leak = true;")  # queued, never flushed
        docs[0].add_notification("error", "stale")
        docs[0].file_download(b"x" * (Document.inline_download_limit + 1), "stale.bin")
        await page.reload()
        await page.wait_for_selector("#out")
        await eventually(lambda: len(docs) == 2 and not server.is_connected(old_client))
        with pytest.raises(ClientGoneError):
            await server.flush(old_client)
        await page.click("#sync")
        await wait_out(page, "synced")
        assert await page.evaluate("window.__leak") is None
        assert await page.locator(".domsync-notification").count() == 0
        assert len(server._downloads) == 0


# ---------------------------------------------------------------------- the action API's argument contract


def fresh_document() -> Document:
    doc = Document()
    doc.render_js_updates()  # the initial batch
    return doc


def test_file_download_refuses_data_that_is_not_bytes_or_packed():
    doc = fresh_document()
    for data in ("text", None, 123, [1, 2], {"a": b"x"}):
        with pytest.raises(WrongTypeError):
            doc.file_download(data, "f.bin")
    with pytest.raises(WrongTypeError):
        doc.file_download(b"x", 5)
    with pytest.raises(WrongTypeError):
        doc.file_download(b"x", None)
    assert doc.render_js_updates() == ""  # nothing was queued
    doc.file_download(bytearray(b"ok"), "ok.bin")  # other bytes-like data is fine
    doc.file_download(memoryview(b"ok"), "ok.bin")
    assert doc.render_js_updates() != ""


def test_pack_file_and_pack_bytes_refuse_bad_input(tmp_path):
    with pytest.raises(WrongTypeError):
        pack_bytes("text")
    with pytest.raises(WrongTypeError):
        pack_bytes(None)
    with pytest.raises(WrongTypeError):
        pack_file(123)
    with pytest.raises(FileNotFoundError):
        pack_file(tmp_path / "missing.bin")
    with pytest.raises(IsADirectoryError):
        pack_file(tmp_path)
    (tmp_path / "t.txt").write_text("hello")
    with open(tmp_path / "t.txt") as text_file, pytest.raises(WrongTypeError):
        pack_file(text_file)  # text mode
    for mime in ("not a mime", "text/plain\r\nX-Evil: 1", 'text/plain"', ""):
        with pytest.raises(InvalidValueError):
            pack_bytes(b"x", mime_type=mime)
    with pytest.raises(WrongTypeError):
        pack_bytes(b"x", mime_type=5)
    packed = pack_file(tmp_path / "t.txt")
    assert isinstance(packed, PackedFile) and packed.size == 5 and packed.mime_type == "text/plain"
    with open(tmp_path / "t.txt", "rb") as binary:
        assert pack_file(binary).size == 5
    assert pack_bytes(b"abc", mime_type="text/csv").mime_type == "text/csv"


def test_safe_file_name_follows_the_spec():
    assert safe_file_name('a/b\\c:d*e?f"g<h>i|j.txt') == "a_b_c_d_e_f_g_h_i_j.txt"
    assert safe_file_name("bad\nname\r\t\x00\x7f.txt") == "badname.txt"
    assert safe_file_name("photo\u202egpj.exe") == "photogpj.exe"  # no bidi override
    assert safe_file_name("a\u200bb\ufeff.txt") == "ab.txt"  # format characters
    assert safe_file_name("  ..hidden.txt. . ") == "hidden.txt"
    assert safe_file_name("../../etc/passwd") == "_.._etc_passwd"
    assert safe_file_name("résumé 日本語.pdf") == "résumé 日本語.pdf"
    assert safe_file_name("...") == "download"
    assert safe_file_name("") == "download"
    safe = safe_file_name(HOSTILE_NAME)
    assert safe == "_..__quoted_ _a__b_c__line2日本語 ü gpj.txt"
    with pytest.raises(WrongTypeError):
        safe_file_name(b"name.txt")


def test_open_url_takes_http_https_and_mailto_strings_only():
    doc = fresh_document()
    for url in (5, None, b"https://example.com"):
        with pytest.raises(WrongTypeError):
            doc.open_url(url)
    for url in ("http://example.com/", "HTTPS://example.com/a?b=c#d", "mailto:someone@example.com"):
        doc.open_url(url)
    assert doc.render_js_updates().count("\n") >= 3


def test_routes_refuse_bad_input_and_route_vars_is_read_only():
    doc = fresh_document()
    with pytest.raises(WrongTypeError):
        doc.set_page(5)
    for bad in ([("a", "b")], "a=b", None):
        with pytest.raises(WrongTypeError):
            doc.set_route_vars(bad)
    with pytest.raises(WrongTypeError):
        doc.set_route_vars({"a": 5})
    with pytest.raises(WrongTypeError):
        doc.set_route_vars({5: "a"})
    with pytest.raises(InvalidValueError):
        doc.set_route_vars({"": "a"})
    assert doc.page is None and dict(doc.route_vars) == {}
    assert doc.render_js_updates() == ""
    doc.set_page("p")
    doc.set_route_vars({"k": "v"})
    with pytest.raises(TypeError):
        doc.route_vars["k"] = "changed"
    assert doc.page == "p" and dict(doc.route_vars) == {"k": "v"}
    doc.set_route_vars({"k": None})
    assert dict(doc.route_vars) == {}
    doc.set_page(None)
    assert doc.page is None


def test_run_js_takes_a_str_only():
    doc = fresh_document()
    for code in (5, None, b"alert(1)"):
        with pytest.raises(WrongTypeError):
            doc.run_js(code)
    assert doc.render_js_updates() == ""
