"""Large appends as markup (the HTML op), in Chromium: the browser's HTML parser builds
exactly the model's tree, every key is bound to its element, form state, listeners and
inert scripts are as with constructor calls, and the parser's traps stay constructor
calls."""

from __future__ import annotations

import pytest
from conftest import WATCH_CLIENT, ClientPage, client_js_source
from mutations import SEEDS, STEPS, Run
from test_differential_browser import assert_no_script_ran, check_browser_equals_model
from test_encode_html import SAFE_BUILDERS, TRAP_BUILDERS
from test_hostile_browser import HOSTILE_IDS, HOSTILE_VALUES, build_every_place, make_targets, watched  # noqa: F401
from test_hostile_browser import (
    test_hostile_string_reaches_every_place_in_the_browser_as_the_same_data as hostile_string_check,
)

import domsync.encode_html
from domsync import Document, encode_js
from domsync.protocol import HTML

pytestmark = pytest.mark.filterwarnings("ignore:a <script> element made with domsync")


@pytest.fixture
def every_append_is_markup(monkeypatch):
    """Every append the parser keeps goes as markup, however small."""
    monkeypatch.setattr(domsync.encode_html, "MIN_ELEMENTS", 1)


@pytest.mark.parametrize("seed", SEEDS)
async def test_random_mutations_rendered_with_markup_equal_the_model(client_page, seed, every_append_is_markup):
    """The differential test of test_differential_browser.py, with every append that
    can be markup sent as markup: after each render the page is the model's
    serialisation and every key is bound to its element."""
    run = Run(seed)
    try:
        for _ in range(STEPS):
            run.step()
            if run.rng.random() < 0.3:
                await check_browser_equals_model(client_page, run, "js")
        await check_browser_equals_model(client_page, run, "js")
        await assert_no_script_ran(client_page.page, seed)
        # A page built from the snapshot alone (as a resumed browser gets it).
        await client_page.apply(run.doc.render_js_full())
        await check_browser_equals_model(client_page, run, "js")
    except BaseException:
        print(f"seed {seed}; operation log:\n" + "\n".join(run.log))
        raise


async def check_page(client_page, doc: Document) -> None:
    """The page is the model's serialisation, and each element the model has in the
    page is the element the browser knows by its key."""
    root = doc.getRootElement()
    assert await client_page.inner_html() == root.innerHTML
    keys: list[int] = []

    def walk(el) -> None:  # in tree order, not into a <template>'s contents (as the browser's)
        for kid in el.children:
            keys.append(kid._key)
            if kid.tagName != "template":
                walk(kid)
    walk(root)
    problems = await client_page.page.evaluate(
        """([rootId, keys]) => {
            const walked = [...document.getElementById(rootId).querySelectorAll('*')];
            const problems = [];
            if (walked.length !== keys.length) problems.push(`${walked.length} elements, the model has ${keys.length}`);
            keys.forEach((key, i) => { if (domsync.node(key) !== walked[i]) problems.push(`key ${key} at ${i}`); });
            return problems.slice(0, 10);
        }""", [doc.getRootId(), keys])
    assert problems == []


def trap_document(root_id: str = "domsync_root_id") -> Document:
    """Every trap and every ordinary case, each 20 times, in one page, with lists
    between them."""
    doc = Document(root_id)
    root = doc.getRootElement()
    for _ in range(20):
        box = root.appendChild(doc.createElement("div"))
        for name in sorted(TRAP_BUILDERS) + sorted(SAFE_BUILDERS):
            builder = TRAP_BUILDERS.get(name) or SAFE_BUILDERS[name]
            box.appendChild(builder(doc))
            # Beside each, enough ordinary elements for a run of markup of their own.
            items = box.appendChild(doc.createElement("ul", attributes={"title": name}))
            for i in range(20):
                items.appendChild(doc.createElement("li", innerText=str(i)))
    return doc


async def test_the_parsers_traps_in_a_large_first_render_come_out_as_the_model_has_them(client_page):
    doc = trap_document()
    batch = doc.render_js_updates()
    assert "P(" in batch  # what is between the traps is markup
    await client_page.apply(batch)
    await check_page(client_page, doc)
    await client_page.apply(doc.render_js_full())
    await check_page(client_page, doc)
    await assert_no_script_ran(client_page.page, "traps")


async def test_form_state_and_listeners_of_elements_sent_as_markup(client_page, every_append_is_markup):
    doc = Document()
    form = doc.getRootElement().appendChild(doc.createElement("div"))
    text = form.appendChild(doc.createElement("input", value="typed"))
    check = form.appendChild(doc.createElement("input", attributes={"type": "checkbox", "name": "c"}))
    check.checked = True
    radios = [form.appendChild(doc.createElement("input", attributes={"type": "radio", "name": "r"}))
              for _ in range(3)]
    radios[1].checked = True
    select = form.appendChild(doc.createElement("select"))
    for value in ("a", "b", "c"):
        select.appendChild(doc.createElement("option", innerText=value, attributes={"value": value}))
    select.value = "b"
    area = form.appendChild(doc.createElement("textarea", innerText="default"))
    area.value = "edited"
    clicked = []
    button = form.appendChild(doc.createElement("button", innerText="go"))
    button.addEventListener("click", lambda event: clicked.append(event))
    ops = doc.take_ops()
    assert any(op[0] == HTML for op in domsync.encode_html.markup_ops(ops))
    await client_page.apply(encode_js.encode(ops))
    await check_page(client_page, doc)
    state = await client_page.page.evaluate(
        """(keys) => keys.map(k => { const el = domsync.node(k); return [el.value, el.checked]; })""",
        [text._key, check._key, *[r._key for r in radios], select._key, area._key])
    assert state[0][0] == "typed"
    assert state[1][1] is True
    assert [s[1] for s in state[2:5]] == [False, True, False]
    assert state[5][0] == "b"
    assert state[6][0] == "edited"
    await client_page.page.click(f"#{button.id}")
    sent = await client_page.sent()
    assert [m.get("event") for m in sent if m.get("event")] == ["click"]
    assert sent[-1]["id"] == button._key


@pytest.mark.parametrize("page_root, tag, inner", [
    ("<table><tbody id='root'></tbody></table>", "tr", "td"),
    ("<ul id='root'></ul>", "li", "span"),
    ("<p id='root'></p>", "div", "span"),
])
async def test_a_root_that_is_not_a_div(context, page_root, tag, inner):
    """The markup is parsed in a <template>, whatever the parent: rows go into a
    tbody root, list items into a ul root, and a p root takes what a p can hold (the
    parser would close it before a div: built by constructor calls, it holds one)."""
    page = await context.new_page()
    await page.set_content(f"<!doctype html><html><body>{page_root}</body></html>")
    await page.add_script_tag(content=client_js_source().decode("utf-8"))
    await page.evaluate(WATCH_CLIENT)
    client = ClientPage(page, "root")
    doc = Document("root")
    root = doc.getRootElement()
    for i in range(300):
        item = root.appendChild(doc.createElement(tag))
        item.appendChild(doc.createElement(inner, innerText=str(i)))
    batch = doc.render_js_updates()
    assert "P(0," in batch
    await client.apply(batch)
    await check_page(client, doc)
    await page.close()


async def test_custom_elements_are_built_by_constructor_calls_and_upgraded(client_page):
    """A custom element stays a constructor call (it is upgraded when created, as
    before); the ordinary elements beside it are markup."""
    await client_page.page.evaluate("""() => {
        window.__made = 0;
        customElements.define('my-widget', class extends HTMLElement { constructor() { super(); window.__made++; } });
    }""")
    doc = Document()
    for i in range(250):
        box = doc.getRootElement().appendChild(doc.createElement("div"))
        box.appendChild(doc.createElement("my-widget", innerText=str(i)))
        items = box.appendChild(doc.createElement("ul"))
        for j in range(20):
            items.appendChild(doc.createElement("li", innerText=f"{i}.{j}"))
    batch = doc.render_js_updates()
    assert "P(" in batch
    await client_page.apply(batch)
    await check_page(client_page, doc)
    assert await client_page.page.evaluate("() => window.__made") == 250


@pytest.mark.parametrize("s", HOSTILE_VALUES, ids=HOSTILE_IDS)
async def test_hostile_strings_sent_as_markup_reach_every_place_as_the_same_data(watched, s, every_append_is_markup):
    """test_hostile_browser.py's test of every place a string reaches, with the first
    render and the full render sent as markup wherever the parser allows: the strings
    are the same data in the browser, and nothing runs."""
    doc = Document()
    build_every_place(doc, s)
    make_targets(doc)
    assert any(op[0] == HTML for op in domsync.encode_html.markup_ops(doc.snapshot_ops()))
    await hostile_string_check(watched, s)


async def test_a_strict_page_refuses_markup(client_page):
    """A strict-CSP page's Trusted Types policy takes two fixed strings only, and the
    server never sends it markup (the JSON wire keeps constructor ops): the client
    refuses an HTML op there, and the page is unchanged."""
    await client_page.page.evaluate("() => { domsync.strict = true; }")
    await client_page.apply_ops('[[0,"domsync_root_id"],[22,0,"<p>x</p>",[1,1]]]', allow_errors=True)
    assert await client_page.errors() == ["domsync: a strict page does not parse markup"]
    assert await client_page.inner_html() == ""


async def test_markup_with_the_wrong_number_of_keys_is_refused(client_page):
    await client_page.apply('R("domsync_root_id");\nP(0,"<p>x<\\/p><p>y<\\/p>",[1,1]);\n', allow_errors=True)
    assert await client_page.errors() == ["domsync: the markup has 2 elements, but 1 keys"]
    assert await client_page.inner_html() == ""
