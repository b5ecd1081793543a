"""Strict Content-Security-Policy in Chromium: ``strict_csp=True`` pages never evaluate
code and never break their policy.

Every page here records ``securitypolicyviolation`` events and console errors about the
policy (``domsync.testing.chromium.WATCH_POLICY``) and must have none. The examples run
as a person runs them, with ``DOMSYNC_STRICT_CSP=1``; the differential and hostile-string
tests run against a client served under the same header; and a page script that tries
``eval`` under the served header is blocked (so the policy is really enforced).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from pathlib import Path

import pytest
import pytest_asyncio
from conftest import ROOT_ID, WATCH_CLIENT, ClientPage
from mutations import RENDER_PROBABILITY, SEEDS, STEPS, Run
from test_differential_browser import assert_no_script_ran, compare_page
from test_hostile_browser import HOSTILE_IDS, HOSTILE_VALUES, build_every_place, make_targets, update_every_place
from test_server_process import free_port, read_until, stop

from domsync import Document, DomsyncServer, csp, encode_json
from domsync.assets import client_js_source
from domsync.attributes import attr_with
from domsync.testing.chromium import WATCH_POLICY, check_policy, chromium_page, serve_app

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
STRICT_ORIGIN = "http://strict.domsync.test"


# ------------------------------------------------------------------ a client page under the policy


async def open_strict_client_page(context) -> ClientPage:
    """A page served with :func:`domsync.csp.strict_policy`, running the client with
    ``data-domsync-strict`` and not connected: batches are applied with applyOps."""
    page = await context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.console_errors = console

    async def serve(route):
        if route.request.url.endswith("/domsync.js"):
            await route.fulfill(body=client_js_source(), content_type="text/javascript")
        else:
            await route.fulfill(
                body=(f'<!doctype html><html><head><title>strict</title></head><body><div id="{ROOT_ID}"></div>'
                      '<script src="/domsync.js" data-domsync-strict data-domsync-url=""></script></body></html>'),
                content_type="text/html", headers={"Content-Security-Policy": csp.strict_policy()})

    await page.route(STRICT_ORIGIN + "/**", serve)
    await page.add_init_script(WATCH_POLICY)
    await page.goto(STRICT_ORIGIN + "/")
    assert await page.evaluate("() => [domsync.strict, domsync.wire]") == [True, "json"]
    await page.evaluate(WATCH_CLIENT)
    return ClientPage(page)


@pytest_asyncio.fixture
async def strict_page(context):
    client = await open_strict_client_page(context)
    yield client
    await check_policy(client.page, client.page.console_errors)
    await client.page.close()


async def browser_styles(page, styles: list[str]) -> dict[str, str]:
    """What a strict page's style attribute reads after the CSSOM took each style text."""
    values = await page.evaluate("""styles => styles.map(text => {
        const el = document.createElement('div');
        el.style.cssText = text;
        return el.getAttribute('style');
    })""", styles)
    return dict(zip(styles, values))


@contextlib.asynccontextmanager
async def styles_as_the_browser_writes_them(page, root):
    """The model's style attributes, for the duration, in the browser's serialisation:
    a strict page sets styles through the CSSOM, which writes them in its own form
    (``margin:0`` reads back ``margin: 0px;``). Nothing is recorded."""
    originals = [(el, el._attrs, el.getAttribute("style")) for el in [root, *root.querySelectorAll("*")]
                 if el.hasAttribute("style")]
    written = await browser_styles(page, sorted({text for _el, _attrs, text in originals}))
    for el, attrs, text in originals:
        el._attrs = attr_with(attrs, "style", written[text])
    try:
        yield
    finally:
        for el, attrs, _text in originals:
            el._attrs = attrs


# ------------------------------------------------------------------ the differential test, strict


async def check_strict_page_equals_model(client, run: Run) -> None:
    """Apply the run's pending changes as a JSON batch, and compare the page with the
    model (styles in the browser's serialisation) and the mirror."""
    batch = run.take_batch("json")
    if batch:
        await client.apply_ops(batch)
    async with styles_as_the_browser_writes_them(client.page, run.root):
        await compare_page(client.page, await client.inner_html(), run)
    run.check_mirror()


@pytest.mark.parametrize("seed", SEEDS[:6])
async def test_strict_page_equals_the_model_after_every_batch_of_random_mutations(strict_page, seed):
    """The differential test on a strict page: after each JSON batch, the browser's DOM
    equals the model (styles in the browser's serialisation), every key is bound to its
    element, no script ran, and the policy saw no violation."""
    run = Run(seed)
    try:
        await check_strict_page_equals_model(strict_page, run)
        for _ in range(STEPS):
            run.step()
            if run.rng.random() < RENDER_PROBABILITY:
                await check_strict_page_equals_model(strict_page, run)
        await check_strict_page_equals_model(strict_page, run)
        await assert_no_script_ran(strict_page.page, seed)
    except BaseException:
        print(f"seed {seed}; operation log:\n" + "\n".join(run.log))
        raise


# ------------------------------------------------------------------ hostile strings, strict


@pytest.mark.parametrize("s", HOSTILE_VALUES, ids=HOSTILE_IDS)
async def test_hostile_string_is_data_on_a_strict_page(strict_page, s):
    """Every place an application string goes holds exactly that string on a strict
    page (a style as the browser writes it), nothing runs, the page equals the model."""
    doc = Document()
    doc.strict_csp = True
    rows = build_every_place(doc, s)
    targets = make_targets(doc)
    await strict_page.apply_ops(encode_json.encode(doc.take_ops()))
    rows += update_every_place(targets, s)
    await strict_page.apply_ops(encode_json.encode(doc.take_ops()))
    page = strict_page.page
    written = await browser_styles(page, [expected for place, _el, _how, _arg, expected in rows if place.startswith("style")])
    got = json.loads(await page.evaluate(
        """rows => JSON.stringify(rows.map(([key, how, arg]) => {
            const el = domsync.node(key);
            return !el ? ['missing'] : how === 'attr' ? el.getAttribute(arg) : el[arg];
        }))""", [[el._key, how, arg] for _place, el, how, arg, _expected in rows]))
    wrong = []
    for (place, _el, _how, _arg, expected), value in zip(rows, got):
        if place.startswith("style"):
            expected = written[expected]  # set through the CSSOM: the browser's own serialisation
        if value != expected:
            wrong.append(f"{place}: {value!r:.100} != {expected!r:.100}")
    assert not wrong, "the strict page does not hold the same string:\n  " + "\n  ".join(wrong)
    async with styles_as_the_browser_writes_them(page, doc.getRootElement()):
        expected = doc.getRootElement().innerHTML
    got_html = json.loads(await page.evaluate(f"() => JSON.stringify(document.getElementById({json.dumps(ROOT_ID)}).innerHTML)"))
    assert got_html == expected
    assert await page.evaluate("() => window.__ran") == []


# ------------------------------------------------------------------ the served page


async def test_the_strict_server_serves_the_policy_and_its_page_works_without_eval(browser):
    """The page of a strict_csp server has the strict header, a client that applies
    JSON, and still answers clicks; a path getter's value arrives."""
    seen = []

    def handler(server, client):
        doc = server.get_document(client)
        button = doc.createElement("button", innerText="0", attributes={"data-n": "7"})
        button.addEventListener("click", lambda event: (seen.append(event["value"]),
                                                         setattr(button, "innerText", str(len(seen)))),
                                "this.dataset.n")
        doc.getRootElement().appendChild(button)

    server = DomsyncServer(handler, verbose=False, strict_csp=True, head="<style>button { color: red }</style>")
    async with chromium_page(browser, server) as page:
        response = await page.request.get(server.url)
        policy = response.headers["content-security-policy"]
        assert "script-src 'self';" in policy and "'unsafe-eval'" not in policy and "'unsafe-inline'" not in policy
        assert "require-trusted-types-for 'script'" in policy and "trusted-types domsync" in policy
        assert csp.inline_hashes("<style>button { color: red }</style>")["style_src"][0] in policy
        assert await page.evaluate("() => [domsync.strict, domsync.wire]") == [True, "json"]
        await page.get_by_role("button").click()
        await page.get_by_role("button", name="1").wait_for()
        assert await page.evaluate("() => getComputedStyle(document.querySelector('button')).color") == "rgb(255, 0, 0)"
    assert seen == ["7"]


PROBE = """
window.__probe = {};
try { eval("window.__probe.eval = 'ran'"); } catch (e) { window.__probe.eval = e.name; }
try { new Function("window.__probe.fn = 'ran'")(); } catch (e) { window.__probe.fn = e.name; }
try { document.body.insertAdjacentHTML("beforeend", "<img src=x onerror=\\"window.__probe.html = 'ran'\\">"); }
catch (e) { window.__probe.html = e.name; }
setTimeout("window.__probe.timer = 'ran'", 0);
"""


async def test_the_served_policy_blocks_eval_in_page_script(browser):
    """A page script (from the server's own origin) that tries eval, new Function, a
    string timer and markup through innerHTML is blocked by the served header, and the
    policy watch reports it: the enforcement is real, and the watch can fail a test."""
    server = DomsyncServer(lambda server, client: None, verbose=False, strict_csp=True,
                           head='<script src="probe.js"></script>')
    async with serve_app(server):
        context = await browser.new_context()
        try:
            await context.route("**/probe.js", lambda route: route.fulfill(body=PROBE, content_type="text/javascript"))
            await context.add_init_script(WATCH_POLICY)
            page = await context.new_page()
            await page.goto(server.url)
            await page.wait_for_function("() => window.domsync && domsync.status === 'open'")
            await asyncio.sleep(0.1)
            probe = await page.evaluate("() => window.__probe")
            assert probe == {"eval": "EvalError", "fn": "EvalError", "html": "TypeError"}
            violations = await page.evaluate("() => window.__domsync_violations")
            # Trusted Types stops eval and the string timer before script-src is asked.
            assert any("eval|" in v for v in violations) and any("setTimeout|" in v for v in violations), violations
            with pytest.raises(AssertionError, match="broke its Content-Security-Policy"):
                await check_policy(page)
        finally:
            await context.close()


async def test_a_strict_server_refuses_a_client_that_asks_for_javascript(browser, caplog):
    """A page without data-domsync-strict would get batches it cannot apply under the
    policy: the strict server closes its connection and says why."""
    server = DomsyncServer(lambda server, client: None, verbose=False, strict_csp=True)
    async with serve_app(server):
        context = await browser.new_context()
        try:
            page = await context.new_page()
            await page.goto(server.url)
            await page.evaluate("() => { domsync.strict = false; domsync.wire = 'js'; domsync.connect(); }")
            for _ in range(50):
                if "never sends" in caplog.text:
                    break
                await asyncio.sleep(0.05)
            assert "load domsync.js with data-domsync-strict" in caplog.text
        finally:
            await context.close()


# ------------------------------------------------------------------ every example, strict


# Each example that does not use run_js, run as a person runs it, with what to look for.
STRICT_EXAMPLES = {
    "clock": "#domsync_root_id div",
    "input_components": "input",
    "todo": "#new-item",
    "chat": "#messages",
    "dashboard": "#clock",
    "progress": "#run",
    "styled_board": ".card",
    "strict_csp": "#greeting",
    "resume": "#domsync_root_id *",
    "jinja_fragments": "#quotes tr",
}


@pytest.mark.parametrize("example", list(STRICT_EXAMPLES))
async def test_each_example_runs_under_the_strict_policy(example, browser, tmp_path):
    """``DOMSYNC_STRICT_CSP=1 python examples/NAME.py``: the page comes with the strict
    header, shows the example, answers a click or key, and breaks no policy."""
    source = (EXAMPLES / f"{example}.py").read_text()
    for extra in EXAMPLES.glob(f"{example}.*"):
        if extra.suffix != ".py":
            (tmp_path / extra.name).write_text(extra.read_text())
    port = free_port()
    assert "8888" in source
    (tmp_path / "app.py").write_text(source.replace("8888", str(port)))
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(tmp_path / "app.py"), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "DOMSYNC_STRICT_CSP": "1", "PYTHONWARNINGS": "ignore::DeprecationWarning"})
    context = await browser.new_context()
    try:
        await read_until(process.stderr, b"domsync is serving")
        await context.add_init_script(WATCH_POLICY)
        await context.add_init_script(
            "window.__errors = []; document.addEventListener('domsync:error', e => window.__errors.push(e.detail.message));")
        page = await context.new_page()
        console: list[str] = []
        page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
        response = await page.goto(f"http://localhost:{port}/")
        assert "require-trusted-types-for 'script'" in response.headers["content-security-policy"]
        await page.wait_for_function("() => window.domsync && domsync.status === 'open' && domsync.strict")
        await page.locator(STRICT_EXAMPLES[example]).first.wait_for(state="attached")
        target = page.locator("input:not([type=color]), button, .card").first
        if await target.count():
            if await target.evaluate("el => el.tagName") == "INPUT":
                await target.press_sequentially("hi")
            else:
                await target.click()
        await asyncio.sleep(0.3)
        await check_policy(page, console)
        assert await page.evaluate("() => window.__errors") == []
    finally:
        await context.close()
        code, _, err = await stop(process)
    assert code == 0 and b"Traceback" not in err, err.decode(errors="replace")
    assert b"WARNING" not in err and b"ERROR" not in err, err.decode(errors="replace")


async def test_the_fastapi_examples_run_under_the_strict_policy(browser, monkeypatch):
    """examples/fastapi_app.py (domsync's page, mounted) and examples/fastapi_own_page.py
    (a page of one's own, with csp.strict_policy and a nonce for its inline style) under
    DOMSYNC_STRICT_CSP=1: strict header, strict client, a live page, no violation."""
    from conftest import load_example
    from test_asgi_browser import Uvicorn

    monkeypatch.setenv("DOMSYNC_STRICT_CSP", "1")
    for name, path, live_selector in [("fastapi_app", "/live/", "#uptime_s"), ("fastapi_own_page", "/", "#name")]:
        example = load_example(name)
        assert example.live.strict_csp
        context = await browser.new_context()
        try:
            async with Uvicorn(example.app) as web:
                await context.add_init_script(WATCH_POLICY)
                page = await context.new_page()
                console: list[str] = []
                page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
                response = await page.goto(web.url + path)
                assert "require-trusted-types-for 'script'" in response.headers["content-security-policy"]
                await page.wait_for_function("() => window.domsync && domsync.strict && domsync.status === 'open'")
                await page.locator(live_selector).wait_for()
                if name == "fastapi_own_page":
                    await page.locator("#name").press_sequentially("Ada")
                    await page.wait_for_function("() => document.getElementById('hello').textContent === 'Hello, Ada!'")
                    # The inline style came in with its nonce.
                    assert await page.evaluate("getComputedStyle(document.body).marginTop") == "32px"
                await check_policy(page, console)
        finally:
            await context.close()
            await example.live.asgi().close()


async def test_actions_other_than_run_js_work_on_a_strict_page(browser):
    """Notifications, small and large downloads, named messages and routes need no
    code in the page: on a strict page they all arrive, and nothing breaks the
    policy."""
    big = bytes(range(256)) * 1200  # over the inline limit: fetched from its one-time URL

    def handler(server, client):
        doc = server.get_document(client)
        button = doc.createElement("button", innerText="go")

        def go(event):
            doc.add_notification("success", "Saved", "all of it")
            doc.file_download(b"small file", "small.txt")
            doc.send_message("hello", {"n": 1})
            doc.set_page("done")

        def download_big(event):
            doc.file_download(big, "big.bin")

        button.addEventListener("click", go)
        big_button = doc.createElement("button", innerText="big")
        big_button.addEventListener("click", download_big)
        doc.getRootElement().append(button, big_button)

    server = DomsyncServer(handler, verbose=False, strict_csp=True)
    async with chromium_page(browser, server) as page:
        await page.evaluate("() => document.addEventListener('domsync:hello', e => window.__hello = e.detail)")
        async with page.expect_download() as info:
            await page.get_by_role("button", name="go").click()
        download = await info.value
        assert Path(await download.path()).read_bytes() == b"small file"
        await page.get_by_role("status").filter(has_text="Saved").wait_for()
        await page.wait_for_function("() => window.__hello && window.__hello.n === 1 && location.hash === '#done'")
        async with page.expect_download() as info:
            await page.get_by_role("button", name="big").click()
        assert Path(await (await info.value).path()).read_bytes() == big


@pytest.mark.parametrize("op", [
    [10, 0, "innerHTML", "<b id=injected>x</b>", None, None],  # SET_PROP of another property
    [6, 0, "onclick", "window.__ran.push(1)"],  # an event handler attribute
    [6, 0, "srcdoc", "<script>window.__ran.push(1)</script>"],
    [1, 0, [[1, "iframe", 0, ["srcdoc", "<b>x</b>"], None, None]]],  # the same, in a new node
    [11, 0, "click", "window.__ran.push(1) || 1", None],  # a getter that is code
])
async def test_a_strict_client_refuses_what_the_server_never_sends(strict_page, op):
    """Defence in depth: a batch that would reach an HTML or script sink (which the
    server never sends) is refused by the strict client itself, not only by Trusted
    Types, and reported; nothing runs, nothing is injected."""
    await strict_page.apply_ops(json.dumps([[0, ROOT_ID], op]), allow_errors=True)
    errors = await strict_page.errors()
    assert errors and all("strict page" in e or "SET_PROP" in e for e in errors), errors
    page = strict_page.page
    if op[0] == 11:
        await page.evaluate(f"() => document.getElementById({json.dumps(ROOT_ID)}).click()")
    assert await page.evaluate("() => [document.getElementById('injected'), window.__ran]") == [None, []]
