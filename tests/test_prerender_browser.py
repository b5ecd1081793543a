"""Prerendered pages (``prerender=True``) in Chromium.

The client's side first, without a server: a page that holds the model's first render
as markup and the boot block is bound to the model key by key, after random mutations
(the differential test), the parser's traps and hostile strings, and later batches keep
it equal to the model. Then a real ``DomsyncServer(prerender=True)``: the page shows
before the client script runs, clicks and typing reach Python, a dropped socket
resumes, a reload starts afresh, a route in the URL reaches the server, and a strict-CSP
page keeps its policy.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from conftest import WATCH_CLIENT, ClientPage, client_js_source, eventually
from mutations import SEEDS, STEPS, Run
from test_csp_browser import check_strict_page_equals_model
from test_differential_browser import assert_no_script_ran, check_browser_equals_model
from test_first_render_browser import check_page, trap_document
from test_hostile_browser import HOSTILE_IDS, HOSTILE_VALUES, build_every_place
from test_server_browser import start_server  # noqa: F401  (a fixture: DomsyncServer on a free port)

from domsync import Document, DomsyncServer, encode_json
from domsync.components import TableComponent
from domsync.mirror import Mirror
from domsync.prerender import BOOT_ID, PLACE_ROWS, prerendered_page
from domsync.testing.chromium import WATCH_POLICY, check_policy

pytestmark = pytest.mark.filterwarnings("ignore:a <script> element made with domsync")

TOKEN = "t" * 32
WATCH_ERRORS = "window.__errors = []; document.addEventListener('domsync:error', e => window.__errors.push(e.detail.message));"


async def open_prerendered(context, doc: Document, strict: bool = False, place_rows: bool = True) -> ClientPage:
    """A page as the server serves a prerendered one (the root's markup, the script
    that puts tables' rows in place unless ``place_rows`` is False, as where a policy
    blocks it, then the boot block), with the client inline (so it does not connect),
    once it has booted. The document's changes so far are the page's: its outbox is
    emptied."""
    doc.take_ops()
    page_parts = prerendered_page(doc.snapshot_ops(), TOKEN, 1, None, markup=not strict)
    page = await context.new_page()
    await page.set_content(
        "<!doctype html><html><head><meta charset='utf-8'><title>prerendered</title>"
        f"<script>{WATCH_ERRORS}{'window.domsync = {strict: true};' if strict else ''}</script></head><body>"
        f"<div id='{doc.getRootId()}' inert>{page_parts.content}</div>"
        + (PLACE_ROWS if page_parts.rows and place_rows else "")
        + f"<script type='application/json' id='{BOOT_ID}'>{page_parts.boot}</script>{inline_client()}</body></html>")
    await page.evaluate(WATCH_CLIENT.replace("window.__errors = [];", ""))
    await page.wait_for_function(f"() => document.getElementById('{BOOT_ID}') === null")
    client = ClientPage(page, doc.getRootId())
    assert await client.errors() == []
    return client


def inline_client() -> str:
    """The client as an inline script (it then connects nowhere), right after the boot
    block, where the served page has its script tag."""
    return "<script>" + client_js_source().decode("utf-8").replace("</", "<\\/") + "</script>"


# ---------------------------------------------------------------------- the client's side

@pytest.mark.parametrize("strict", [False, True], ids=["markup", "strict"])
@pytest.mark.parametrize("seed", SEEDS)
async def test_random_pages_prerendered_equal_the_model_and_later_batches_keep_them_so(context, seed, strict):
    """The differential test: a random page (half a run of random mutations) served
    prerendered, booted, then the rest of the run's batches applied on top; after the
    boot and after each batch the page is the model and every key is its element."""
    run = Run(seed)

    async def check(client: ClientPage) -> None:
        if strict:
            await check_strict_page_equals_model(client, run)
        else:
            await check_browser_equals_model(client, run, "js")

    try:
        for _ in range(STEPS // 2):
            run.step()
        client = await open_prerendered(context, run.doc, strict)
        run.mirror = Mirror(run.doc.getRootId())  # a new page: the mirror starts from the snapshot too
        run.mirror.apply(json.loads(encode_json.encode(run.doc.snapshot_ops())))
        await check(client)
        for _ in range(STEPS // 2):
            run.step()
            if run.rng.random() < 0.3:
                await check(client)
        await check(client)
        await assert_no_script_ran(client.page, seed)
    except BaseException:
        print(f"seed {seed}; operation log:\n" + "\n".join(run.log))
        raise


async def test_the_parsers_traps_prerendered_come_out_as_the_model_has_them(context):
    doc = trap_document()
    client = await open_prerendered(context, doc)
    await check_page(client, doc)
    await assert_no_script_ran(client.page, "traps")


@pytest.mark.parametrize("place_rows", [True, False], ids=["page-script", "client"])
async def test_tables_of_rows_are_placed_without_a_tbody_and_keep_working(context, place_rows):
    """Rows straight in a table (TableComponent's), and a table of rows in one of its
    cells: the page puts them in place as it is parsed (or the client, where the page's
    script could not run), with no <tbody> the model does not have."""
    doc = Document()
    table = TableComponent(doc, doc.getRootId(), ["a", "b"], id="t")
    for i in range(50):
        table.addRow(f"r{i}", [f"{i}.a", f"{i}.b"])
    nested = doc.getElementById("t.td.r3.a")
    inner = nested.appendChild(doc.createElement("table"))
    inner.appendChild(doc.createElement("tr")).appendChild(doc.createElement("td", innerText="inner"))
    client = await open_prerendered(context, doc, place_rows=place_rows)
    assert await client.page.evaluate("() => document.querySelectorAll('tbody, template').length") == 0
    await check_page(client, doc)
    table.addRow("r50", ["50.a", "50.b"])
    table.updateRow("r0", ["changed", None])
    await client.apply(doc.render_js_updates())
    await check_page(client, doc)


@pytest.mark.parametrize("s", HOSTILE_VALUES, ids=HOSTILE_IDS)
async def test_hostile_strings_prerendered_stay_data(context, s):
    """Every place a string reaches (text, attributes, ids, values, getters, ...) with
    hostile strings, in the page's markup and its boot block: the page is the model,
    and nothing runs."""
    doc = Document()
    build_every_place(doc, s)
    client = await open_prerendered(context, doc)
    await check_page(client, doc)
    await assert_no_script_ran(client.page, repr(s))


async def test_a_boot_that_fails_asks_the_server_for_the_whole_page(context):
    """A boot block that does not fit the page (here, a key too many): the error is
    reported, and the page says it has no page, so the server sends it whole."""
    doc = Document()
    for i in range(3):
        doc.getRootElement().appendChild(doc.createElement("p", innerText=str(i)))
    parts = prerendered_page(doc.snapshot_ops(), TOKEN, 1, None)
    boot = json.loads(parts.boot)
    boot["ops"][1][3] = [1, 4]  # four keys for three elements
    page = await context.new_page()
    await page.set_content(f"<script>{WATCH_ERRORS}</script><div id='{doc.getRootId()}'>{parts.content}</div>"
                           f"<script type='application/json' id='{BOOT_ID}'>{json.dumps(boot)}</script>"
                           + inline_client())
    await page.wait_for_function("() => window.__errors.length > 0")
    assert "3 elements, but 4 keys" in (await page.evaluate("() => window.__errors"))[0]


# ---------------------------------------------------------------------- with the server

def counter_app(log: list):
    """A table, a button that counts, an input bound to the model, and a route line."""
    async def handler(server, client):
        doc = server.get_document(client)
        root = doc.getRootElement()
        log.append(("start", client))
        button = root.appendChild(doc.createElement("button", id="go", innerText="clicked 0"))
        field = root.appendChild(doc.createElement("input", id="field", value="preset"))
        table = TableComponent(doc, root.id, ["n", "square"], id="t")
        for i in range(300):
            table.addRow(f"r{i}", [str(i), str(i * i)])
        clicks = []

        async def click(event):
            clicks.append(event)
            button.innerText = f"clicked {len(clicks)} ({field.value})"

        button.addEventListener("click", click)
        await server.flush(client)

    return handler


async def open_without_client(start_server, context):
    """The counter app's prerendered page, its client script held back: (server, page,
    the future that lets the script through, the handler's log, console errors)."""
    log: list = []
    server = await start_server(counter_app(log), prerender=True)
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    held = asyncio.get_running_loop().create_future()
    await page.route("**/domsync.*.js", holding_until(held))
    await page.goto(server.url, wait_until="commit")
    await page.locator("#go").wait_for()
    return server, page, held, log, errors


async def test_the_page_shows_before_the_client_script_runs_and_then_works(start_server, context):
    server, page, held, log, errors = await open_without_client(start_server, context)
    # No client yet: the table is the page's own HTML.
    await page.wait_for_function("() => document.querySelectorAll('#t td').length === 600")
    assert await page.text_content("#t\\.td\\.r7\\.square") == "49"
    assert await page.evaluate("() => window.domsync === undefined")
    [(_, client)] = log
    assert server.is_connected(client) and not server.is_online(client)
    held.set_result(None)
    await page.wait_for_function("() => window.domsync && domsync.status === 'open'")
    assert server.is_online(client)
    # The page has said it holds the token: a drop now keeps the session for the whole
    # session_retention, not only the reload grace.
    await eventually(lambda: server._hub.sessions[client].confirmed)
    await page.wait_for_function("() => !document.getElementById('domsync_root_id').hasAttribute('inert')")
    assert await page.input_value("#field") == "preset"
    await page.fill("#field", "typed")
    await page.click("#go")
    await page.wait_for_function("() => document.getElementById('go').textContent === 'clicked 1 (typed)'")
    assert [entry[0] for entry in log] == ["start"]  # one session, one handler run
    assert await page.evaluate("() => document.querySelectorAll('tbody').length") == 0
    assert errors == []


async def open_counter(start_server, context):
    """The counter app's page, connected and clicked once: (server, page, log)."""
    log: list = []
    server = await start_server(counter_app(log), prerender=True)
    page = await context.new_page()
    await page.goto(server.url)
    await page.wait_for_function("() => window.domsync && domsync.status === 'open'")
    await click(page, 1)
    return server, page, log


async def click(page, n: int) -> None:
    """Click the counter, and wait for it to say it was clicked ``n`` times."""
    await page.click("#go")
    await page.wait_for_function(f"() => document.getElementById('go').textContent.startsWith('clicked {n}')")


async def test_a_dropped_socket_resumes_the_prerendered_session(start_server, context):
    server, page, log = await open_counter(start_server, context)
    await page.evaluate("() => domsync.socket.close()")
    await page.wait_for_function("() => domsync.status === 'open'")
    await click(page, 2)
    assert len(log) == 1


async def test_a_reload_starts_a_new_session_with_a_fresh_page(start_server, context):
    server, page, log = await open_counter(start_server, context)
    await page.reload()
    await page.wait_for_function("() => window.domsync && domsync.status === 'open'")
    assert await page.text_content("#go") == "clicked 0"
    assert len(log) == 2 and log[0][1] is not log[1][1]
    await click(page, 1)
    await eventually(lambda: not server.is_connected(log[0][1]))  # the old one ends after its grace


async def test_a_page_opened_at_a_route_reports_it(start_server, context):
    routes: list = []

    async def handler(server, client):
        doc = server.get_document(client)
        doc.getRootElement().appendChild(doc.createElement("p", id="where", innerText="page: " + (doc.page or "")))
        await server.flush(client)

    server = await start_server(handler, prerender=True)

    @server.on("route")
    async def moved(client, page_name, route_vars):
        routes.append(page_name)
        doc = server.get_document(client)
        doc.getElementById("where").innerText = "page: " + page_name

    page = await context.new_page()
    await page.goto(server.url + "#shop")
    await page.wait_for_function("() => document.getElementById('where').textContent === 'page: shop'")
    assert routes == ["shop"]


async def test_a_strict_csp_page_is_prerendered_without_breaking_its_policy(start_server, context):
    log: list = []
    server = await start_server(counter_app(log), strict_csp=True, prerender=True)
    await context.add_init_script(WATCH_POLICY)
    page = await context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    await page.goto(server.url)
    await page.wait_for_function("() => window.domsync && domsync.status === 'open'")
    assert await page.evaluate("() => domsync.strict") is True
    assert await page.evaluate("() => document.querySelectorAll('#t td').length") == 600
    await page.fill("#field", "strict")
    await page.click("#go")
    await page.wait_for_function("() => document.getElementById('go').textContent === 'clicked 1 (strict)'")
    await check_policy(page, console)
    assert console == []


async def test_the_prerender_example_shows_its_table_and_counts_clicks(start_server, context):
    """examples/prerender.py, as a person uses it."""
    from conftest import load_example

    server = await start_server(load_example("prerender").connection_handler, prerender=True)
    page = await context.new_page()
    await page.goto(server.url)
    assert await page.text_content("#powers\\.td\\.999\\.cube") == "997002999"
    await page.wait_for_function("() => window.domsync && domsync.status === 'open'")
    for n in (1, 2):
        await page.click("#count")
        await page.wait_for_function(f"() => document.getElementById('count').textContent === 'clicked {n} times'")


async def test_another_sites_image_or_fetch_of_the_page_starts_no_session(start_server, context):
    """A page elsewhere that loads the app's page as an image or with fetch() makes the
    browser ask for it, cookies and all: that runs no handler and starts no session
    (a browser opening the page does)."""
    log: list = []
    server = await start_server(counter_app(log), prerender=True)
    page = await context.new_page()
    await page.set_content("<p>elsewhere</p>")
    await page.evaluate("""url => Promise.all([
        new Promise(done => { const img = new Image(); img.onload = img.onerror = done; img.src = url; }),
        fetch(url, {mode: 'no-cors'}).catch(() => null),
    ])""", server.url)
    await asyncio.sleep(0.2)
    assert log == [] and server.get_clients() == []
    await page.goto(server.url)  # opening it does
    await page.wait_for_function("() => window.domsync && domsync.status === 'open'")
    assert len(log) == 1



async def test_the_page_is_inert_until_the_client_binds_it(start_server, context):
    """Before the client has bound the page, a click or a keystroke would reach nobody
    (and a form would submit itself, fields and all, in the URL): the page is inert
    until then, so nothing the user does is lost or goes astray."""
    server, page, held, log, errors = await open_without_client(start_server, context)
    box = await page.locator("#field").bounding_box()
    await page.mouse.click(box["x"] + 5, box["y"] + 5)
    await page.keyboard.type("lost?")
    assert await page.evaluate("() => document.activeElement === document.body")
    assert await page.input_value("#field") == ""  # nothing typed landed (its value comes with the client)
    held.set_result(None)
    await page.wait_for_function("() => !document.getElementById('domsync_root_id').hasAttribute('inert')")
    assert await page.input_value("#field") == "preset"
    await page.fill("#field", "now")
    await click(page, 1)
    assert await page.text_content("#go") == "clicked 1 (now)"


def holding_until(future):
    """A route handler that lets a request through once ``future`` is done."""
    async def hold(route):
        await future
        await route.continue_()
    return hold


async def test_a_deep_link_keeps_its_route_over_the_first_renders_default(start_server, context):
    """The page request carries no hash: a handler that picks a default page renders
    that one. A page opened at #shop keeps its route, which the server then hears."""
    routes: list = []

    async def handler(server, client):
        doc = server.get_document(client)
        if not doc.page:
            doc.set_page("home")
        doc.getRootElement().appendChild(doc.createElement("p", id="where", innerText="page: " + doc.page))
        await server.flush(client)

    server = await start_server(handler, prerender=True)

    @server.on("route")
    async def moved(client, page_name, route_vars):
        routes.append(page_name)
        server.get_document(client).getElementById("where").innerText = "page: " + page_name

    page = await context.new_page()
    await page.goto(server.url + "#shop")
    await page.wait_for_function("() => document.getElementById('where').textContent === 'page: shop'")
    assert page.url.endswith("#shop") and routes == ["shop"]
    other = await context.new_page()  # opened at no route: the first render's default shows
    await other.goto(server.url)
    await other.wait_for_function("() => window.domsync && domsync.status === 'open'")
    assert other.url.endswith("#home") and await other.text_content("#where") == "page: home"


async def test_a_download_in_the_first_render_names_its_worker(start_server, context):
    """A large file queued by the first render is fetched from a one-time URL that
    names the worker holding it (for the proxy), and arrives."""
    from domsync import pack_bytes

    data = bytes(range(256)) * 2048  # 512 KiB: over the size sent inside a batch

    async def handler(server, client):
        doc = server.get_document(client)
        doc.getRootElement().appendChild(doc.createElement("p", innerText="here is a file"))
        doc.file_download(pack_bytes(data), "report.bin")
        await server.flush(client)

    server = await start_server(handler, prerender=True, worker_id="w1")
    page = await context.new_page()
    async with page.expect_download() as downloading:
        await page.goto(server.url)
    download = await downloading.value
    assert "worker=w1" in download.url
    assert open(await download.path(), "rb").read() == data


async def test_an_element_of_the_app_with_the_boot_blocks_id_changes_nothing(start_server, context):
    log: list = []

    async def handler(server, client):
        log.append(client)
        doc = server.get_document(client)
        doc.getRootElement().appendChild(doc.createElement("p", id="domsync-boot", innerText="mine"))
        await server.flush(client)

    server = await start_server(handler, prerender=True)
    page = await context.new_page()
    await page.goto(server.url)
    await page.wait_for_function("() => window.domsync && domsync.status === 'open'")
    assert await page.text_content("#domsync-boot") == "mine"
    assert len(log) == 1 and len(server.get_clients()) == 1


async def test_a_page_opened_from_another_site_starts_its_session_over_the_socket(start_server, context):
    """A link on another site: the browser sends that request no SameSite=Strict
    cookies, so the page comes without a first render, and the session starts over the
    websocket, which has them."""
    seen: list = []

    async def handler(server, client):
        seen.append(client.request.headers.get("Cookie"))
        doc = server.get_document(client)
        doc.getRootElement().appendChild(doc.createElement("p", id="who", innerText=str(seen[-1])))
        await server.flush(client)

    server = await start_server(handler, prerender=True)
    await context.add_cookies([{"name": "sid", "value": "s3cret", "url": server.url, "sameSite": "Strict"}])
    page = await context.new_page()
    answers: list = []
    page.on("response", lambda response: answers.append(response.headers.get("cache-control"))
            if response.url == server.url else None)
    await page.set_content(f"<a id='away' href='{server.url}'>the app</a>")
    await page.click("#away")
    await page.wait_for_function("() => window.domsync && domsync.status === 'open'")
    assert answers == ["no-cache"]  # the plain page, not one with a first render (no-store)
    assert seen == ["sid=s3cret"] and await page.text_content("#who") == "sid=s3cret"


async def test_a_page_whose_session_ended_before_it_connected_gets_a_new_one(start_server, context):
    """The page took too long to connect (its session waits 15 s): the server starts a
    new session, whose first batch replaces the page, and the page works."""
    server, page, held, log, errors = await open_without_client(start_server, context)
    [(_, first)] = log
    await server._end_session(first)  # as when its wait ran out
    held.set_result(None)
    await page.wait_for_function("() => window.domsync && domsync.status === 'open'")
    assert len(log) == 2 and server.get_clients() == [log[1][1]]
    await click(page, 1)
    assert await page.evaluate("() => document.getElementById('domsync_root_id').hasAttribute('inert')") is False


async def test_batches_that_arrive_before_the_page_is_bound_wait_for_it(start_server, context):
    """The page connects at once and binds after its first paint: batches the handler
    flushed after the first render can arrive before the binding, and are applied after
    it, in order."""
    async def handler(server, client):
        doc = server.get_document(client)
        out = doc.getRootElement().appendChild(doc.createElement("p", id="out", innerText="0"))
        await server.flush(client)  # the page
        await asyncio.sleep(0.01)  # it is rendered: what follows comes over the socket
        for n in range(1, 6):
            out.innerText = str(n)
            doc.getRootElement().appendChild(doc.createElement("span", innerText=str(n)))
            await server.flush(client)

    server = await start_server(handler, prerender=True)
    page = await context.new_page()
    # A slow first paint: the binding waits (until its 250 ms fallback), the socket not.
    await page.add_init_script("window.requestAnimationFrame = callback => setTimeout(callback, 2000);")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await page.goto(server.url)
    await page.wait_for_function("() => window.domsync && domsync.status === 'open'")
    assert await page.text_content("#out") == "5"
    assert await page.evaluate("() => [...document.querySelectorAll('span')].map(s => s.textContent)") == \
        ["1", "2", "3", "4", "5"]
    assert errors == []
