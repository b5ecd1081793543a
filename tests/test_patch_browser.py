"""HTML fragment patches in Chromium: what a person sees. Typing is never disturbed by
re-patching the form around the input, a custom element keeps its own state when its
parent is patched, and after a morph the browser's DOM is the model's."""

from __future__ import annotations

import asyncio
import random

import pytest
from conftest import ROOT_ID, eventually, open_client_page
from patch_mutations import PatchRun
from test_patch import ATTRS, IDS, TAGS, TEXTS, parsed, parses_cleanly
from test_differential_browser import assert_no_script_ran, check_browser_equals_model

from domsync import Document, encode_js, encode_json
from domsync.protocol import CHILDREN
from domsync.domsync_server import DomsyncServer

FORM = """
<form id="f" class="tick-{n}">
  <label for="name">Name</label>
  <input id="name" type="text" autocomplete="off" value="" class="{cls}">
  <p id="echo">{echo}</p>
  <p>update {n}</p>
</form>
"""


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


async def test_typing_survives_the_form_being_re_patched_every_50_ms(context):
    text = "the quick brown fox jumps over the lazy dog 0123456789 ABCDEF"
    inputs = {}
    patches = [0]
    server = DomsyncServer(host="127.0.0.1", port=0, verbose=False, max_messages_per_second=10_000)

    @server.on("connect")
    async def build(client):
        doc = server.get_document(client)
        doc.root.innerHTML = FORM.format(n=0, cls="even", echo="")
        inputs["name"] = doc.getElementById("name")
        await server.flush(client)
        n = 0
        while server.is_connected(client):
            n += 1
            # The server's template: a class that flips on the input itself, the text the
            # user typed so far (from the two-way binding) and a counter elsewhere.
            doc.patch(FORM.format(n=n, cls="odd" if n % 2 else "even", echo=escape(inputs["name"].value or "")))
            patches[0] = n
            await server.flush(client)
            await asyncio.sleep(0.05)

    await server.serve()
    try:
        page = await context.new_page()
        await page.goto(server.url)
        await page.wait_for_selector("#name")
        await page.evaluate("() => { window.__input = document.getElementById('name'); }")
        await page.focus("#name")
        field = page.locator("#name")
        chunks = [text[i:i + 6] for i in range(0, len(text), 6)]
        for chunk in chunks:
            # Type at full speed, then let the server patch the form at least once more,
            # so patches and keystrokes interleave however fast this machine is.
            last = patches[0]
            await field.press_sequentially(chunk, delay=10)
            await eventually(lambda: patches[0] > last + 1)
        await page.wait_for_function("want => document.getElementById('echo').textContent === want",
                                     arg=text, timeout=20000)
        assert await page.input_value("#name") == text
        assert inputs["name"].value == text
        assert await page.evaluate("document.activeElement.id") == "name"
        assert await page.evaluate("document.getElementById('name').selectionStart") == len(text)
        # The caret stays where the user put it: typing in the middle goes in the middle.
        await page.keyboard.press("Home")
        for _ in range(3):
            await page.keyboard.press("ArrowRight")
        last = patches[0]
        await eventually(lambda: patches[0] > last + 2)
        await page.keyboard.type("XYZ", delay=10)
        last = patches[0]
        await eventually(lambda: patches[0] > last + 2)
        want = text[:3] + "XYZ" + text[3:]
        assert await page.input_value("#name") == want
        assert await page.evaluate("document.getElementById('name').selectionStart") == 6
        assert await page.evaluate("document.activeElement.id") == "name"
        # The input the user typed into is the same DOM element as at the start.
        assert await page.evaluate("window.__input === document.getElementById('name')")
        await eventually(lambda: inputs["name"].value == want)
    finally:
        await server.close()


COUNTER_SCRIPT = """
customElements.define('my-counter', class extends HTMLElement {
  constructor() {
    super();
    this.clicks = 0;  // the element's own state, which the server knows nothing of
    this.attachShadow({mode: 'open'}).innerHTML = '<button>+</button> <output>0</output>';
    this.shadowRoot.querySelector('button').addEventListener('click', () => {
      this.clicks++;
      this.shadowRoot.querySelector('output').textContent = String(this.clicks);
    });
  }
});
"""


@pytest.mark.parametrize("wire", ["js", "json"])
async def test_a_custom_element_keeps_its_state_when_its_parent_is_patched(context, wire):
    client = await open_client_page(context)
    await client.page.add_script_tag(content=COUNTER_SCRIPT)
    doc = Document(ROOT_ID)

    async def send():
        if wire == "js":
            await client.apply(doc.render_js_updates())
        else:
            await client.apply_ops(encode_json.encode(doc.take_ops()))
        assert await client.inner_html() == doc.root.innerHTML

    def panel(n: int) -> str:
        return (f'<section id="panel" data-n="{n}"><h2>Panel {n}</h2>'
                f'<my-counter id="counter" data-label="c{n}"></my-counter><p>{n} patches</p></section>')

    doc.root.innerHTML = panel(0)
    await send()
    page = client.page
    await page.evaluate("() => { window.__counter = document.getElementById('counter'); }")
    for _ in range(3):
        await page.evaluate("() => document.getElementById('counter').shadowRoot.querySelector('button').click()")
    for n in range(1, 4):
        doc.patch(panel(n))
        await send()
    assert await page.evaluate("window.__counter === document.getElementById('counter')")
    assert await page.evaluate("document.getElementById('counter').clicks") == 3
    assert await page.evaluate(
        "document.getElementById('counter').shadowRoot.querySelector('output').textContent") == "3"
    assert await page.evaluate("document.getElementById('counter').dataset.label") == "c3"


PAIRS = [
    ("", "<p>x</p>"),
    ('<p id="a">1</p> <p id="b">2</p>', '<p id="b">2</p> <p id="a">1!</p>'),
    ('<ul>\n<li id="a">a</li>\n<li id="b">b</li>\n</ul>', '<ul>\n<li id="c">c</li>\n<li id="b">b</li>\n</ul>'),
    ('<div id="a"><div id="b">b</div></div>', '<div id="b"><div id="a">a</div></div>'),
    ('text <b id="a">b</b> more', 'more <b id="a" class="k">b</b> text'),
    ('<p title="t" class="k">x</p>', '<p class="k" title="t">x</p>'),
    ('<table><tbody><tr><td>1</td></tr></tbody></table>',
     '<table><tbody><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></tbody></table>'),
    ('<svg viewBox="0 0 10 10"><circle r="1"></circle></svg>',
     '<svg viewBox="0 0 20 20"><circle r="2"></circle><rect width="1"></rect></svg>'),
    ('<select id="s"><option>a</option></select><textarea>x</textarea>',
     '<select id="s"><option>a</option><option selected="">b</option></select><textarea>y</textarea>'),
    ('<div><p id="a">x</p></div><span>s</span>', '<section><div><p id="a">x</p></div></section>'),
]


@pytest.mark.parametrize("wire", ["js", "json"])
async def test_after_a_morph_the_browsers_dom_is_the_models(context, wire):
    client = await open_client_page(context)
    for a, b in PAIRS:
        doc = Document(ROOT_ID)
        doc.root.innerHTML = f'<div id="host">{a}</div>'
        await client.apply(doc.render_js_updates())  # RESET, then A
        host = doc.getElementById("host")
        # A into B by its children, then back into A as a whole element.
        for html, mode, want in ((b, "inner", b), (f'<div id="host">{a}</div>', "outer", a)):
            host.patch(html, mode=mode)
            if wire == "js":
                await client.apply(doc.render_js_updates())
            else:
                await client.apply_ops(encode_json.encode(doc.take_ops()))
            expected = Document()
            expected.root.innerHTML = want
            assert host.innerHTML == expected.root.innerHTML, (a, b, mode)
            assert await client.inner_html() == doc.root.innerHTML, (a, b, mode)


def random_fragment(rng: random.Random) -> str:
    """A fragment like test_patch.py's hypothesis strategy draws, from a seeded generator."""
    used: set[str] = set()

    def node(depth: int) -> str:
        if depth > 3 or rng.randrange(4) == 0:
            return rng.choice(TEXTS).replace("&", "&amp;").replace("<", "&lt;")
        tag = rng.choice(TAGS)
        attrs = dict(rng.sample(ATTRS, rng.randrange(3)))
        free = [i for i in IDS if i not in used]
        if free and rng.random() < 0.5:
            used.add(ident := rng.choice(free))
            attrs = {"id": ident, **attrs} if rng.random() < 0.5 else {**attrs, "id": ident}
        text = "".join(f' {k}="{v}"' for k, v in attrs.items())
        if tag == "input":
            return f"<input{text}>"
        kids = "".join(node(depth + 1) for _ in range(rng.randrange(5)))
        return f"<{tag}{text}>{kids}</{tag}>"

    return "".join(node(0) for _ in range(rng.randrange(6)))


@pytest.mark.parametrize("wire", ["js", "json"])
async def test_random_fragments_morphed_into_random_fragments_give_the_browser_the_models_dom(context, wire):
    client = await open_client_page(context)
    rng = random.Random(20261201)
    done = 0
    while done < 20:
        a, b = random_fragment(rng), random_fragment(rng)
        mode = rng.choice(["inner", "outer"])
        if not parses_cleanly(a, b, mode):
            continue
        done += 1
        doc = Document(ROOT_ID)
        doc.root.innerHTML = '<div id="host"></div>'
        host = doc.getElementById("host")
        host.innerHTML = a  # A's tags may close a <div>: only innerHTML keeps it inside
        await client.apply(doc.render_js_updates())  # RESET, then A
        host.patch(b if mode == "inner" else f'<div id="host">{b}</div>', mode=mode)
        if wire == "js":
            await client.apply(doc.render_js_updates())
        else:
            await client.apply_ops(encode_json.encode(doc.take_ops()))
        assert host.innerHTML == parsed(b), (a, b, mode)
        assert await client.inner_html() == doc.root.innerHTML, (a, b, mode)


@pytest.mark.parametrize("wire", ["js", "json"])
async def test_a_template_value_change_never_overwrites_keystrokes_in_flight_and_shows_once_they_land(
        context, wire):
    client = await open_client_page(context)
    doc = Document(ROOT_ID)

    def form(value: str) -> str:
        return f'<form id="f"><input id="name" autocomplete="off" value="{value}"></form>'

    async def send():
        if wire == "js":
            await client.apply(doc.render_js_updates())
        else:
            await client.apply_ops(encode_json.encode(doc.take_ops()))

    doc.root.innerHTML = form("")
    await send()
    page = client.page
    await page.focus("#name")
    await page.keyboard.type("xy", delay=10)
    first, second = [msg for msg in await client.sent() if msg.get("id") == doc.getElementById("name")._key]
    doc.handle_sync(first)  # the second keystroke is still on its way to the server
    doc.getElementById("f").patch(form("from template"))
    await send()
    assert await page.input_value("#name") == "xy"  # the user's keystroke wins
    doc.handle_sync(second)
    assert doc.getElementById("name").value == "xy"
    # The user has stopped, and the server has every edit: the template's new value shows.
    doc.getElementById("f").patch(form("newer"))
    await send()
    assert await page.input_value("#name") == "newer"
    assert doc.getElementById("name").value == "newer"
    assert await page.evaluate("document.activeElement.id") == "name"


async def test_radio_buttons_and_a_select_pick_after_a_morph_are_the_models(context):
    client = await open_client_page(context)
    doc = Document(ROOT_ID)

    def form(checked: str, extra: str) -> str:
        radios = "".join(f'<input type="radio" name="g" id="{i}" value="{i}"{" checked" if i == checked else ""}>'
                         for i in "abc")
        return (f'<form id="f">{radios}<select id="s"><option value="1">one</option>'
                f'<option value="2">two</option>{extra}</select></form>')

    doc.root.innerHTML = form("a", "")
    await client.apply(doc.render_js_updates())
    page = client.page
    await page.click("#b")
    await page.select_option("#s", "2")
    for message in await client.sent():
        if message.get("type") is not None and "state" in message:
            doc.handle_sync(message)
    doc.getElementById("f").patch(form("c", '<option value="3">three</option>'))
    await client.apply(doc.render_js_updates())
    browser = await page.evaluate("() => ['a', 'b', 'c'].map(i => document.getElementById(i).checked)")
    assert browser == [doc.getElementById(i).checked for i in "abc"] == [False, False, True]
    assert await page.input_value("#s") == doc.getElementById("s").value == "2"


async def test_an_ime_composition_in_progress_survives_patches_of_its_form(context):
    client = await open_client_page(context)
    doc = Document(ROOT_ID)

    def form(n: int) -> str:
        return (f'<form id="f" data-n="{n}"><input id="word" class="c{n % 2}" autocomplete="off">'
                f'<p>{n} patches</p></form>')

    doc.root.innerHTML = form(0)
    await client.apply(doc.render_js_updates())
    page = client.page
    await page.evaluate("""() => {
        window.__ime = [];
        const input = document.getElementById('word');
        for (const type of ['compositionstart', 'compositionend', 'blur'])
            input.addEventListener(type, () => window.__ime.push(type));
    }""")
    await page.focus("#word")
    cdp = await context.new_cdp_session(page)
    await cdp.send("Input.imeSetComposition", {"text": "に", "selectionStart": 1, "selectionEnd": 1})
    for n in range(1, 6):
        doc.patch(form(n))
        await client.apply(doc.render_js_updates())
    await cdp.send("Input.imeSetComposition", {"text": "にほ", "selectionStart": 2, "selectionEnd": 2})
    doc.patch(form(6))
    await client.apply(doc.render_js_updates())
    assert await page.evaluate("window.__ime") == ["compositionstart"]  # still composing, never blurred
    await cdp.send("Input.insertText", {"text": "日本"})
    assert await page.input_value("#word") == "日本"
    assert await page.evaluate("window.__ime") == ["compositionstart", "compositionend"]
    assert await client.inner_html() == doc.root.innerHTML


@pytest.mark.parametrize("wire", ["js", "json"])
@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_patches_among_random_dom_calls_give_the_browser_the_models_dom(client_page, seed, wire):
    """The differential test (test_differential_browser.py) with patches among the DOM
    calls (tests/patch_mutations.py): after every render Chromium's DOM is the model's,
    every key bound to its element, and no script from a fragment ran."""
    run = PatchRun(seed)
    try:
        for _ in range(200):
            run.step()
            if run.rng.random() < 0.3:
                await check_browser_equals_model(client_page, run, wire)
        await check_browser_equals_model(client_page, run, wire)
        await assert_no_script_ran(client_page.page, seed)
    except BaseException:
        print(f"seed {seed}; operation log:\n" + "\n".join(run.log))
        raise


@pytest.mark.parametrize("wire", ["js", "json"])
async def test_rows_on_lines_inserted_moved_and_removed_keep_focus_in_the_other_rows(client_page, wire):
    """A template without {%- -%}: rows separated by line breaks. Inserting, moving and
    removing rows sets the text nodes around them (TEXT_AT) and leaves every other row
    in place, so the input the user is typing in keeps focus and caret; the browser's
    DOM is the model's after each patch."""
    doc = Document(ROOT_ID)
    cells = {i: f'<tr id="r{i}"><td>{i}</td><td><input id="in{i}"></td></tr>' for i in range(200)}

    def table(order):
        return '<table id="t"><tbody>\n' + "\n".join(cells.get(i, f'<tr id="{i}"><td>new</td></tr>')
                                                     for i in order) + "\n</tbody></table>"

    order: list = list(range(200))
    doc.root.innerHTML = table(order)
    await client_page.apply(doc.render_js_updates())
    page = client_page.page
    await page.focus("#in100")
    await page.keyboard.type("abc")
    await page.keyboard.press("ArrowLeft")
    for change in ("insert", "move", "remove"):
        if change == "insert":
            order.insert(50, "new")
        elif change == "move":
            order.insert(0, order.pop(order.index(150)))
        else:
            order.remove(120)
        doc.patch(table(order))
        ops = doc.take_ops()
        assert CHILDREN not in [op[0] for op in ops], ops  # the other rows are not sent again
        if wire == "js":
            await client_page.apply(encode_js.encode(ops))
        else:
            await client_page.apply_ops(encode_json.encode(ops))
        assert await client_page.inner_html() == doc.root.innerHTML, change
        focus = await page.evaluate("() => [document.activeElement.id, document.activeElement.selectionStart]")
        assert focus == ["in100", 2], change
