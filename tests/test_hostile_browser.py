"""Application strings are data, never code: hostile strings, applied in Chromium.

For every place where a string from the application reaches the browser (text, attribute
values, class tokens, style values, ids, form values, the root id), the browser must
hold exactly the same string, nothing may run, no dialog may open, and the page must
equal the model's serialisation. Where a value would turn into code by the browser's own
rules (``on...`` attributes, ``javascript:`` URLs), domsync must refuse it with
:class:`domsync.UnsafeValueError`, and ``<script>`` elements must stay inert.

Strings are compared code unit for code unit: values are read in the page with
``JSON.stringify`` (which escapes lone surrogates) and expected values are passed in as
ASCII JSON, so lone surrogates and NUL survive Playwright's transport unchanged.
"""

from __future__ import annotations

import json
import re

import pytest
import pytest_asyncio

import domsync
from domsync import Document, InvalidNameError, SVG_NAMESPACE, UnsafeValueError

LONG = ("<&>\"'`\\${x}</script>\u2028\x00\ud800 \u05e9 \U0001f600 " * 3000)[:100_000]

HOSTILE = {
    "backtick": "`",
    "template-substitution": "${alert(1)}",
    "double-quote": '"',
    "single-quote": "'",
    "backslash": "\\",
    "script-end-tag": "</script><script>window.__ran.push(1)</script>",
    "comment-open": "<!--",
    "comment-close": "-->",
    "line-separator": "\u2028",
    "paragraph-separator": "\u2029",
    "nul": "\x00",
    "lone-high-surrogate": "\ud800",
    "lone-low-surrogate": "\udfff",
    "reversed-surrogates": "\udfff\ud800",
    "quote-breakout": '"); window.__ran.push(1); ("',
    "escaped-quote-breakout": '\\"); window.__ran.push(1);//',
    "img-onerror": '<img src=x onerror="window.__ran.push(1)">',
    "emoji": "\U0001f600\U0001f469\u200d\U0001f469\u200d\U0001f467 \U0001f1eb\U0001f1f7",
    "rtl": "\u202eabc \u05e9\u05dc\u05d5\u05dd \u0639\u0631\u0628\u064a",
    "entities": "&amp; &lt; &#0; &nbsp; \u00a0",
    "long": LONG,
}
HOSTILE_IDS = list(HOSTILE)
HOSTILE_VALUES = [HOSTILE[name] for name in HOSTILE_IDS]

_ASCII_WHITESPACE = re.compile(r"[\t\n\f\r ]")


def js_json(value) -> str:
    """``value`` as ASCII JSON: travels through Playwright intact, lone surrogates too."""
    return json.dumps(value, ensure_ascii=True)


class Watched:
    """A client page whose dialogs are recorded (an ``alert`` from injected code)."""

    def __init__(self, client_page):
        self.client = client_page
        self.page = client_page.page
        self.dialogs: list[str] = []
        self.page.on("dialog", self._on_dialog)

    async def _on_dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        await dialog.dismiss()

    async def apply(self, batch: str) -> None:
        """Apply a batch, which must also be able to travel as a websocket text frame
        (UTF-8: no lone surrogate may be left raw in it), and could even be inlined in a
        page (no ``</script`` or ``<!--`` in it)."""
        batch.encode("utf-8")
        assert "</script" not in batch.lower() and "<!--" not in batch, batch[:300]
        if batch:
            await self.client.apply(batch)

    async def read(self, expr: str, *args):
        """Evaluate ``expr`` (a function of the args) in the page and return its result
        through JSON.stringify, so every code unit comes back exactly."""
        text = await self.page.evaluate(
            f"(args) => JSON.stringify(({expr})(...args))", list(args))
        return json.loads(text)

    async def inner_html(self, root_id: str = "domsync_root_id") -> str:
        return await self.read("id => document.getElementById(JSON.parse(id)).innerHTML", js_json(root_id))

    async def settle(self) -> None:
        """Give asynchronous code (image errors, frames loading) a chance to run."""
        await self.page.evaluate("""() => new Promise(resolve => {
            const frames = [...document.querySelectorAll('iframe')];
            const loaded = frames.map(f => f.contentDocument && f.contentDocument.readyState === 'complete'
                ? null : new Promise(r => f.addEventListener('load', r, {once: true})));
            Promise.race([Promise.all(loaded), new Promise(r => setTimeout(r, 1000))])
                .then(() => setTimeout(resolve, 60));
        })""")

    async def assert_nothing_ran(self) -> None:
        await self.settle()
        ran = await self.page.evaluate("() => window.__ran")
        assert ran == [], f"injected code ran in the page: {ran}"
        assert self.dialogs == [], f"a dialog opened: {self.dialogs}"


@pytest_asyncio.fixture
async def watched(client_page):
    return Watched(client_page)


async def assert_page_equals_model(watched: Watched, doc: Document) -> None:
    expected = doc.getRootElement().innerHTML
    got = await watched.inner_html(doc.getRootId())
    if got != expected:
        at = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), len(expected)))
        raise AssertionError(
            f"the browser's DOM differs from the model at character {at}:\n"
            f"  browser: {got[max(0, at - 60):at + 60]!r}\n  model:   {expected[max(0, at - 60):at + 60]!r}")


# ---------------------------------------------------------------------------- data


def build_every_place(doc: Document, s: str) -> list[tuple[str, domsync.Element, str, str, str]]:
    """Put ``s`` everywhere an application string can go, both in elements created with
    it (rendered as one constructor call) and in elements the browser already has
    (rendered as statements). Returns (place, element, how to read it, argument,
    expected value) rows; the later ones are filled by :func:`update_every_place`."""
    root = doc.getRootElement()
    rows = []
    p = doc.createElement("p", innerText=s)
    rows.append(("innerText, at creation", p, "prop", "textContent", s))
    a = doc.createElement("p", attributes={"title": s})
    rows.append(("attribute, at creation", a, "attr", "title", s))
    i = doc.createElement("p", id=s)
    rows.append(("id, at creation", i, "prop", "id", s))
    t = doc.createElement("textarea", value=s)
    rows.append(("textarea value, at creation", t, "prop", "value", s))
    n = doc.createElement("input", value=s)
    rows.append(("input value, at creation", n, "prop", "value", s))
    for el in (p, a, i, t, n):
        root.appendChild(el)
    return rows


def make_targets(doc: Document) -> dict[str, domsync.Element]:
    root = doc.getRootElement()
    targets = {name: doc.createElement(tag) for name, tag in [
        ("text", "div"), ("inner", "div"), ("attr", "div"), ("class", "div"),
        ("style", "div"), ("id", "div"), ("input", "input"), ("textarea", "textarea")]}
    svg = doc.createElementNS(SVG_NAMESPACE, "svg")
    svg.appendChild(doc.createElementNS(SVG_NAMESPACE, "g"))
    for el in targets.values():
        root.appendChild(el)
    root.appendChild(svg)
    targets["svg-attr"] = svg.firstElementChild
    return targets


def update_every_place(targets: dict, s: str) -> list[tuple[str, domsync.Element, str, str, str]]:
    rows = []
    targets["text"].textContent = s
    rows.append(("textContent, update", targets["text"], "prop", "textContent", s))
    targets["inner"].innerText = s
    rows.append(("innerText, update", targets["inner"], "prop", "textContent", s))
    targets["attr"].setAttribute("data-x", s)
    rows.append(("setAttribute, update", targets["attr"], "attr", "data-x", s))
    targets["svg-attr"].setAttribute("data-x", s)
    rows.append(("SVG setAttribute, update", targets["svg-attr"], "attr", "data-x", s))
    token = _ASCII_WHITESPACE.sub("", s)
    if token:
        targets["class"].classList.add(token)
        assert targets["class"].getAttribute("class") == token
        rows.append(("classList token, update", targets["class"], "attr", "class", token))
    targets["style"].style.setProperty("--hostile", s)
    style = targets["style"].getAttribute("style")
    if style is not None:
        rows.append(("style value, update", targets["style"], "attr", "style", style))
    targets["id"].id = s + "|2"
    rows.append(("id, update", targets["id"], "prop", "id", s + "|2"))
    targets["input"].value = s
    rows.append(("input value, update", targets["input"], "prop", "value", s))
    targets["textarea"].value = s
    rows.append(("textarea value, update", targets["textarea"], "prop", "value", s))
    return rows


async def check_rows(watched: Watched, rows) -> None:
    """Every place holds exactly its expected string in the browser."""
    got = await watched.read(
        """rows => rows.map(([key, how, arg]) => {
            const el = domsync.node(key);
            if (!el) return ['missing'];
            return how === 'attr' ? el.getAttribute(arg) : el[arg];
        })""",
        [[el._key, how, arg] for _place, el, how, arg, _expected in rows],
    )
    wrong = []
    for (place, _el, _how, _arg, expected), value in zip(rows, got):
        if value != expected:
            wrong.append(f"{place}: browser has {value!r:.120}, expected {expected!r:.120}")
    assert not wrong, "the browser does not hold the same string:\n  " + "\n  ".join(wrong)


@pytest.mark.parametrize("s", HOSTILE_VALUES, ids=HOSTILE_IDS)
async def test_hostile_string_reaches_every_place_in_the_browser_as_the_same_data(watched, s):
    """Text, attributes, class tokens, style values, ids and form values hold exactly the
    hostile string in the browser, after incremental and after full renders; nothing
    runs; the page equals the model."""
    doc = Document()
    rows = build_every_place(doc, s)
    targets = make_targets(doc)
    await watched.apply(doc.render_js_updates())
    rows += update_every_place(targets, s)
    await watched.apply(doc.render_js_updates())
    await check_rows(watched, rows)
    await assert_page_equals_model(watched, doc)

    # The id is the browser's id too: getElementById finds the element by it.
    found = await watched.page.evaluate(
        "([id, key]) => document.getElementById(JSON.parse(id)) === domsync.node(key)",
        [js_json(s), rows[2][1]._key])
    assert found, "document.getElementById(id) in the browser does not find the element"

    # A browser that joins late gets the same strings from render_js_full().
    await watched.apply(doc.render_js_full())
    await check_rows(watched, rows)
    await assert_page_equals_model(watched, doc)
    await watched.assert_nothing_ran()


@pytest.mark.parametrize("s", HOSTILE_VALUES, ids=HOSTILE_IDS)
async def test_hostile_root_id_binds_the_element_with_exactly_that_id(watched, s):
    """``Document(root_id=...)`` with a hostile id finds the page element with exactly
    that id, and only it."""
    page = watched.page
    await page.evaluate("""id => {
        for (const [suffix, text] of [['', 'root'], ['x', 'decoy']]) {
            const div = document.createElement('div');
            div.id = JSON.parse(id) + suffix;
            div.textContent = text;
            document.body.appendChild(div);
        }
    }""", js_json(s))
    doc = Document(root_id=s)
    doc.getRootElement().appendChild(doc.createElement("b", innerText=s))
    await watched.apply(doc.render_js_updates())
    assert await watched.inner_html(s) == doc.getRootElement().innerHTML
    assert await watched.inner_html(s + "x") == "decoy"
    await watched.assert_nothing_ran()


@pytest.mark.parametrize("s", HOSTILE_VALUES, ids=HOSTILE_IDS)
def test_hostile_strings_are_refused_as_names(s):
    """A hostile string is not a tag, attribute, event, CSS property or class token name:
    it is refused before anything is recorded."""
    doc = Document()
    el = doc.createElement("div")
    doc.getRootElement().appendChild(el)
    doc.render_js_updates()
    for what, call in [
        ("tag", lambda: doc.createElement(s)),
        ("SVG tag", lambda: doc.createElementNS(SVG_NAMESPACE, s)),
        ("attribute name", lambda: el.setAttribute(s, "v")),
        ("event name", lambda: el.addEventListener(s, lambda event: None)),
        ("CSS property", lambda: el.style.setProperty(s, "red")),
    ]:
        with pytest.raises(InvalidNameError):
            call()
    if _ASCII_WHITESPACE.search(s):
        with pytest.raises(InvalidNameError):
            el.classList.add(s)
    assert doc.render_js_updates() == "", "a refused call recorded something"


# ------------------------------------------------------------------ code is refused

EVENT_HANDLER_ATTRIBUTES = [
    ("div", None, "onclick"), ("div", None, "ONCLICK"), ("div", None, "onClick"),
    ("img", None, "onerror"), ("body", None, "onload"), ("details", None, "ontoggle"),
    ("svg", SVG_NAMESPACE, "onload"), ("animate", SVG_NAMESPACE, "onbegin"),
    ("g", SVG_NAMESPACE, "onClick"), ("g", SVG_NAMESPACE, "ONCLICK"),
]


@pytest.mark.parametrize("tag,ns,name", EVENT_HANDLER_ATTRIBUTES,
                         ids=[f"{tag}-{name}" for tag, _ns, name in EVENT_HANDLER_ATTRIBUTES])
async def test_event_handler_attributes_are_refused(watched, tag, ns, name):
    """``setAttribute('onclick', ...)`` (any case, HTML or SVG) and the same attribute in
    ``createElement(attributes=...)`` raise UnsafeValueError and record nothing."""
    doc = Document()
    el = doc.createElementNS(ns, tag) if ns else doc.createElement(tag)
    doc.getRootElement().appendChild(el)
    with pytest.raises(UnsafeValueError):
        el.setAttribute(name, "window.__ran.push(1)")
    assert el.getAttributeNames() == ["id"]
    with pytest.raises(UnsafeValueError):
        if ns:
            doc.createElementNS(ns, tag, attributes={name: "window.__ran.push(1)"})
        else:
            doc.createElement(tag, attributes={name: "window.__ran.push(1)"})
    await watched.apply(doc.render_js_updates())
    await assert_page_equals_model(watched, doc)
    await watched.assert_nothing_ran()


SCRIPT_URLS = [
    "javascript:window.__ran.push(1)",
    "JavaScript:window.__ran.push(1)",
    "JAVASCRIPT:window.__ran.push(1)",
    "  javascript:window.__ran.push(1)",
    "\tjavascript:window.__ran.push(1)",
    "\x01\x1fjavascript:window.__ran.push(1)",
    "java\tscript:window.__ran.push(1)",
    "java\nscript:window.__ran.push(1)",
    "jav\r\nascript:window.__ran.push(1)",
    "javascript\t:window.__ran.push(1)",
    "j\ta\tv\ta\ts\tc\tr\ti\tp\tt:window.__ran.push(1)",
]
SCRIPT_URL_IDS = ["plain", "mixed-case", "upper-case", "leading-spaces", "leading-tab",
                  "leading-controls", "embedded-tab", "embedded-newline", "embedded-crlf",
                  "tab-before-colon", "tabs-everywhere"]
URL_PLACES = [("a", None, "href"), ("iframe", None, "src"), ("form", None, "action"),
              ("button", None, "formaction"), ("object", None, "data"),
              ("a", SVG_NAMESPACE, "href"), ("a", SVG_NAMESPACE, "xlink:href"),
              ("A", None, "HREF")]


async def test_every_script_url_variant_is_a_script_url_to_the_browser(client_page):
    """The variants below are not hypothetical: the browser's URL parser reads each of
    them as a ``javascript:`` URL."""
    protocols = await client_page.page.evaluate(
        "urls => urls.map(u => new URL(JSON.parse(u), 'https://example.com/').protocol)",
        [js_json(u) for u in SCRIPT_URLS])
    assert protocols == ["javascript:"] * len(SCRIPT_URLS)


@pytest.mark.parametrize("url", SCRIPT_URLS, ids=SCRIPT_URL_IDS)
@pytest.mark.parametrize("tag,ns,name", URL_PLACES,
                         ids=[f"{'svg-' if ns else ''}{tag}-{name}" for tag, ns, name in URL_PLACES])
def test_script_urls_are_refused_in_url_attributes(tag, ns, name, url):
    """``setAttribute('href', 'javascript:...')``, whatever its case, leading
    whitespace or control characters and embedded tabs or newlines, raises
    UnsafeValueError."""
    doc = Document()
    el = doc.createElementNS(ns, tag) if ns else doc.createElement(tag)
    with pytest.raises(UnsafeValueError):
        el.setAttribute(name, url)
    assert not el.hasAttribute(name)


UNSAFE_MARKUP = [
    '<img src=x onerror="window.__ran.push(1)">',
    '<IMG SRC=x OnError="window.__ran.push(1)">',
    "<img src=x/onerror=window.__ran.push(1) onerror=window.__ran.push(1)>",
    '<svg onload="window.__ran.push(1)"></svg>',
    '<details open ontoggle="window.__ran.push(1)"></details>',
    '<a href="javascript:window.__ran.push(1)">x</a>',
    '<a href=" JaVaScRiPt:window.__ran.push(1)">x</a>',
    '<a href="jav&#x09;ascript:window.__ran.push(1)">x</a>',
    '<a href="&#106;avascript:window.__ran.push(1)">x</a>',
    '<a href="javascript&colon;window.__ran.push(1)">x</a>',
    '<iframe src="javascript:window.__ran.push(1)"></iframe>',
    '<form action="javascript:window.__ran.push(1)"><button>go</button></form>',
    '<button formaction="javascript:window.__ran.push(1)">go</button>',
    '<svg><a xlink:href="javascript:window.__ran.push(1)"><text>x</text></a></svg>',
    '<svg><a href="javascript:window.__ran.push(1)"><text>x</text></a></svg>',
    '<p>fine</p><b onmouseover="window.__ran.push(1)">late in the markup</b>',
]


@pytest.mark.parametrize("markup", UNSAFE_MARKUP)
async def test_inner_html_with_handlers_or_script_urls_is_refused_and_changes_nothing(watched, markup):
    """innerHTML with ``on...`` attributes or ``javascript:`` URLs raises
    UnsafeValueError, and the element keeps its children, in the model and the page."""
    doc = Document()
    el = doc.createElement("div", innerText="before")
    doc.getRootElement().appendChild(el)
    await watched.apply(doc.render_js_updates())
    with pytest.raises(UnsafeValueError):
        el.innerHTML = markup
    assert el.innerHTML == "before"
    await watched.apply(doc.render_js_updates())
    await assert_page_equals_model(watched, doc)
    await watched.assert_nothing_ran()


# ------------------------------------------------------------------ scripts stay inert


@pytest.mark.filterwarnings("ignore::domsync.DomsyncWarning")  # scripts made on purpose
async def test_script_element_created_with_text_does_not_run(watched):
    """``createElement('script', innerText=...)`` appended into the page does not run:
    scripts are inert by design."""
    doc = Document()
    doc.getRootElement().appendChild(doc.createElement("script", innerText="window.__ran.push(1)"))
    await watched.apply(doc.render_js_updates())
    await assert_page_equals_model(watched, doc)
    await watched.assert_nothing_ran()


@pytest.mark.filterwarnings("ignore::domsync.DomsyncWarning")  # scripts made on purpose
async def test_script_element_with_a_src_does_not_load(watched):
    """A script with a ``src`` (a data: URL that would run at once) stays inert, whether
    the src is set at creation or later."""
    doc = Document()
    src = "data:text/javascript,window.__ran.push(1)"
    first = doc.createElement("script", attributes={"src": src})
    second = doc.createElement("script")
    module = doc.createElement("script", attributes={"type": "module", "src": src})
    svg = doc.createElementNS(SVG_NAMESPACE, "svg")
    svg_script = doc.createElementNS(SVG_NAMESPACE, "script", attributes={"href": src})
    svg.appendChild(svg_script)
    doc.getRootElement().append(first, second, module, svg)
    await watched.apply(doc.render_js_updates())
    second.setAttribute("src", src)
    svg_script.setAttribute("href", src + ";window.__ran.push(2)")
    await watched.apply(doc.render_js_updates())
    await assert_page_equals_model(watched, doc)
    await watched.assert_nothing_ran()


@pytest.mark.filterwarnings("ignore::domsync.DomsyncWarning")  # scripts made on purpose
async def test_script_element_stays_inert_when_its_text_changes_or_it_is_rebuilt(watched):
    """Changing a script's text, removing it (the browser forgets it) and attaching it
    again (the browser rebuilds it) never runs it."""
    doc = Document()
    root = doc.getRootElement()
    script = doc.createElement("script")
    root.appendChild(script)
    await watched.apply(doc.render_js_updates())
    script.textContent = "window.__ran.push('text changed')"
    await watched.apply(doc.render_js_updates())
    script.remove()
    await watched.apply(doc.render_js_updates())
    root.appendChild(script)
    await watched.apply(doc.render_js_updates())
    await watched.apply(doc.render_js_full())
    await assert_page_equals_model(watched, doc)
    await watched.assert_nothing_ran()


async def test_script_in_inner_html_does_not_run(watched):
    """``<script>`` in innerHTML reaches the page, as markup, and does not run."""
    doc = Document()
    el = doc.createElement("div")
    doc.getRootElement().appendChild(el)
    el.innerHTML = "<script>window.__ran.push('innerHTML')</script><p>after</p>"
    await watched.apply(doc.render_js_updates())
    await assert_page_equals_model(watched, doc)
    await watched.assert_nothing_ran()


async def test_svg_script_element_does_not_run(watched):
    """An SVG ``<script>`` made with createElementNS does not run either."""
    doc = Document()
    svg = doc.createElementNS(SVG_NAMESPACE, "svg")
    doc.getRootElement().appendChild(svg)
    svg.appendChild(doc.createElementNS(SVG_NAMESPACE, "script", innerText="window.__ran.push('svg script')"))
    await watched.apply(doc.render_js_updates())
    await assert_page_equals_model(watched, doc)
    await watched.assert_nothing_ran()


async def test_svg_script_in_inner_html_does_not_run(watched):
    """``<svg><script>`` in innerHTML, which the parser makes an SVG script, does not run
    (innerHTML's promise: scripts that arrive this way never run)."""
    doc = Document()
    el = doc.createElement("div")
    doc.getRootElement().appendChild(el)
    el.innerHTML = "<svg><script>window.__ran.push('svg script in innerHTML')</script></svg>"
    await watched.apply(doc.render_js_updates())
    await assert_page_equals_model(watched, doc)
    await watched.assert_nothing_ran()


async def test_iframe_srcdoc_attribute_is_refused_or_never_runs(watched):
    """``setAttribute('srcdoc', markup)`` on an iframe would make the string a page of
    the same origin, with scripts: it must be refused, or at least not run."""
    doc = Document()
    frame = doc.createElement("iframe")
    doc.getRootElement().appendChild(frame)
    try:
        frame.setAttribute("srcdoc", "<script>parent.__ran.push('srcdoc')</script>")
    except UnsafeValueError:
        pass
    await watched.apply(doc.render_js_updates())
    await assert_page_equals_model(watched, doc)
    await watched.assert_nothing_ran()


async def test_iframe_srcdoc_in_inner_html_is_refused_or_never_runs(watched):
    """The same srcdoc page, arriving through innerHTML."""
    doc = Document()
    el = doc.createElement("div")
    doc.getRootElement().appendChild(el)
    try:
        el.innerHTML = "<iframe srcdoc=\"<script>parent.__ran.push('srcdoc')</script>\"></iframe>"
    except UnsafeValueError:
        pass
    await watched.apply(doc.render_js_updates())
    await assert_page_equals_model(watched, doc)
    await watched.assert_nothing_ran()


SVG_ANIMATED_LINKS = [
    '<animate attributeName="href" values="javascript:window.__ran.push(\'animate\')" fill="freeze"/>',
    '<set attributeName="href" to="javascript:window.__ran.push(\'set\')" fill="freeze"/>',
]


@pytest.mark.parametrize("animation", SVG_ANIMATED_LINKS, ids=["animate-values", "set-to"])
async def test_svg_link_animated_to_a_script_url_is_refused_or_never_runs(watched, animation):
    """An SVG animation that sets a link's href to a ``javascript:`` URL is a
    ``javascript:`` URL in markup: refused, or at least not run when the link is
    clicked."""
    doc = Document()
    el = doc.createElement("div")
    doc.getRootElement().appendChild(el)
    try:
        el.innerHTML = (f'<svg width="60" height="60"><a id="lnk">{animation}'
                        f'<rect width="60" height="60"></rect></a></svg>')
    except UnsafeValueError:
        pass
    await watched.apply(doc.render_js_updates())
    await assert_page_equals_model(watched, doc)
    if doc.getElementById("lnk", strict=False) is not None:
        await watched.page.wait_for_timeout(50)  # let the animation apply
        await watched.page.click("#lnk")
    await watched.assert_nothing_ran()


# ---------------------------------------------------------------------- hostile keys

HOSTILE_KEYS = {"__proto__": {"polluted": True}, "constructor": {"prototype": {"polluted": True}},
                "toString": "not a function", "hasOwnProperty": 1, "__defineGetter__": None}


@pytest.mark.parametrize("wire", ["statements", "server"])
async def test_hostile_keys_arrive_as_own_data_properties_and_pollute_nothing(client_page, wire):
    """A payload's keys are data: ``__proto__`` must not become the prototype of the
    page's ``detail`` object, and nothing else in the page may see a new property."""
    page = client_page.page
    await page.evaluate("""() => {
        window.__got = [];
        document.addEventListener('domsync:keys', e => window.__got.push(e.detail));
    }""")
    doc = Document()
    doc.send_message("keys", {**HOSTILE_KEYS, "nested": [dict(HOSTILE_KEYS)]})
    batch = doc.render_js_updates()
    if wire == "server":  # the same statement, as a server sends it to one client
        from domsync.encode_js import encode
        from domsync.protocol import MESSAGE

        batch = encode([(MESSAGE, "keys", {**HOSTILE_KEYS, "nested": [dict(HOSTILE_KEYS)]})])
    await client_page.apply(batch)
    report = await page.evaluate("""() => {
        const d = window.__got[0], inner = d.nested[0];
        const own = o => Object.keys(HOSTILE).every(k => Object.prototype.hasOwnProperty.call(o, k));
        const HOSTILE = {"__proto__": 0, "constructor": 0, "toString": 0, "hasOwnProperty": 0, "__defineGetter__": 0};
        return {
            ownOuter: own(d), ownInner: own(inner),
            protoOuter: Object.getPrototypeOf(d) === Object.prototype,
            protoInner: Object.getPrototypeOf(inner) === Object.prototype,
            protoValue: JSON.stringify(Object.getOwnPropertyDescriptor(d, "__proto__").value),
            toStringValue: d.toString, constructorValue: JSON.stringify(d.constructor),
            pollutedAnywhere: ({}).polluted !== undefined || Object.prototype.polluted !== undefined
                || (function () {}).prototype.polluted !== undefined,
            keys: Object.keys(d),
        };
    }""")
    assert report["ownOuter"] and report["ownInner"]
    assert report["protoOuter"] and report["protoInner"]
    assert report["protoValue"] == '{"polluted":true}'
    assert report["toStringValue"] == "not a function"
    assert report["constructorValue"] == '{"prototype":{"polluted":true}}'
    assert report["pollutedAnywhere"] is False
    assert report["keys"] == list(HOSTILE_KEYS) + ["nested"]
