"""domsync.encode_html: large appends as markup plus keys, only where the browser's
parser builds exactly the model's tree.

The browser itself is the judge in test_first_render_browser.py; here html5lib, which
implements the same parsing algorithm, is the oracle for what the parser builds, and
the mirror checks that the markup ops do what the constructor ops do.
"""

from __future__ import annotations

import json

import pytest
from mutations import SEEDS, STEPS, Run

from domsync import MATHML_NAMESPACE, SVG_NAMESPACE, Document, encode_js, encode_json, html
from domsync.encode_html import VOID_ELEMENTS, markup_ops, markup_safe
from domsync.encoding import js_markup
from domsync.mirror import Mirror
from domsync.protocol import APPEND, HTML, LISTEN, SET_PROP


def table_document(rows: int = 300) -> Document:
    doc = Document("root")
    table = doc.createElement("table", id="t")
    doc.getRootElement().appendChild(table)
    body = doc.createElement("tbody")
    table.appendChild(body)
    for i in range(rows):
        tr = doc.createElement("tr", id=f"r{i}")
        for j in range(3):
            tr.appendChild(doc.createElement("td", innerText=f"{i}.{j}"))
        body.appendChild(tr)
    return doc


def node_of(doc: Document, el) -> tuple:
    """The wire node of a (not yet sent) element, as a first render carries it."""
    doc.take_ops()
    doc.getRootElement().appendChild(el)
    (op,) = [op for op in doc.take_ops() if op[0] == APPEND]
    return op[2][0]


def oracle(doc: Document, node: tuple, el) -> bool:
    """html5lib, given the node's markup in a container of its kind, builds the model's
    tree: the same serialisation (once the generated ids the markup leaves out are set,
    as the client sets them), no <tbody> added, nothing moved or closed early."""
    ops = markup_ops([(APPEND, 0, (node,))], min_elements=1)
    ((_, _, markup, runs),) = [op for op in ops if op[0] == HTML]
    container = {"tr": "tbody", "td": "tr", "th": "tr", "tbody": "table", "thead": "table",
                 "tfoot": "table", "caption": "table", "colgroup": "table"}.get(node[1], "div")
    parsed = html.parse_fragment(doc, markup, doc.createElement(container))
    elements = [e for kid in parsed if not isinstance(kid, str) for e in [kid, *kid.querySelectorAll("*")]]
    generated = [runs[r] < 0 for r in range(0, len(runs), 2) for _ in range(runs[r + 1])]
    assert len(generated) == len(elements)
    for element, auto in zip(elements, generated):
        if auto:
            assert list(element.attributes)[:1] in ([], ["id"]) and element.getAttribute("id") in (None, "")
            element.setAttribute("id", "__domsync_el_0")
    strip = __import__("re").compile(r' id="__domsync_el_\d+"')
    got = "".join(kid if isinstance(kid, str) else kid.outerHTML for kid in parsed)
    return strip.sub("", got) == strip.sub("", el.outerHTML) and got.count("__domsync_el_") == el.outerHTML.count("__domsync_el_")


def mirrors_agree(ops: list[tuple], root_id: str = "domsync_root_id") -> Mirror:
    """Applying the ops as they are and as markup gives the same page and keys."""
    plain, marked = Mirror(root_id), Mirror(root_id)
    plain.apply(ops)
    marked.apply(markup_ops(ops, min_elements=1))
    assert marked.inner_html() == plain.inner_html()
    assert {key: marked.outer_html(el) for key, el in marked.keys.items()} == \
        {key: plain.outer_html(el) for key, el in plain.keys.items()}
    assert marked.listeners == plain.listeners
    assert {key: (el.value, el.checked) for key, el in marked.keys.items()} == \
        {key: (el.value, el.checked) for key, el in plain.keys.items()}
    return marked


def test_a_large_table_body_goes_as_one_markup_op_with_one_run_of_keys():
    doc = table_document()
    ops = markup_ops(doc.take_ops())
    (op,) = [op for op in ops if op[0] == HTML]
    # Built from the top down (the table attached, then its body, then each row), it is
    # one tree on the wire: one op, one run of keys.
    # The generated ids of elements without other attributes are not in the markup: a
    # negative run says the client sets them.
    assert op[2].startswith("<table id='t'><tbody><tr id='r0'><td>0.0</td><td>0.1</td>")
    assert op[3] == (1, 1, -2, 1) + sum(((3 + 4 * i, 1, -(4 + 4 * i), 3) for i in range(300)), ())
    assert mirrors_agree(doc.snapshot_ops(), "root").inner_html() == doc.getRootElement().innerHTML


def test_small_batches_are_left_as_they_are():
    doc = table_document(rows=10)
    ops = doc.take_ops()
    assert markup_ops(ops) == ops
    assert "P(" not in encode_js.encode(ops)


def test_a_tr_straight_in_a_table_is_not_markup_but_the_rows_are():
    """The parser would give the table a <tbody>: the table goes as a constructor, its
    rows as markup of their own (a <template>'s contents take <tr>s as they are)."""
    doc = Document("root")
    table = doc.createElement("table")
    for i in range(300):
        table.appendChild(doc.createElement("tr")).appendChild(doc.createElement("td", innerText=str(i)))
    doc.getRootElement().appendChild(table)
    ops = markup_ops(doc.take_ops())
    assert [op[0] for op in ops[1:]] == [APPEND, HTML]
    assert ops[1][2][0][4] is None  # the table, without its rows
    assert ops[2][1] == table._key and ops[2][2].startswith("<tr><td>0</td></tr><tr>")
    mirrors_agree(doc.snapshot_ops(), "root")


def _table_with_tr(doc):
    table = doc.createElement("table")
    table.appendChild(doc.createElement("tr"))
    return table


def _rows_with_text(doc, text):
    """A table body with ``text`` before its rows and before the cells of each row."""
    body = doc.createElement("tbody")
    body.textContent = text
    for i in range(2):
        row = body.appendChild(doc.createElement("tr"))
        row.textContent = text
        row.appendChild(doc.createElement("td", innerText=str(i)))
    return body


def _nest(doc, outer, inner, **attrs):
    el = doc.createElement(outer)
    el.appendChild(doc.createElement(inner, **attrs))
    return el


TRAP_BUILDERS = {
    "a tr straight in a table": _table_with_tr,
    "a div in a p": lambda d: _nest(d, "p", "div"),
    "a p in a p": lambda d: _nest(d, "p", "p"),
    "a ul in a p": lambda d: _nest(d, "p", "ul"),
    "a table in a p": lambda d: _nest(d, "p", "table"),
    "an a in an a": lambda d: _nest(d, "a", "a"),
    "a button in a button": lambda d: _nest(d, "button", "button"),
    "a form in a form": lambda d: _nest(d, "form", "form"),
    "an li in a div": lambda d: _nest(d, "div", "li"),
    "a dd in a div": lambda d: _nest(d, "div", "dd"),
    "an h2 in an h1": lambda d: _nest(d, "h1", "h2"),
    "a div in a tr": lambda d: _nest(d, "tr", "div"),
    "a td in a div": lambda d: _nest(d, "div", "td"),
    "a tr in a td": lambda d: _nest(d, "td", "tr"),
    "text in a tr": lambda d: _rows_with_text(d, "x"),
    "a carriage return between rows": lambda d: _rows_with_text(d, "\r\n"),
    "a select": lambda d: _nest(d, "select", "option"),
    "an option in a div": lambda d: _nest(d, "div", "option"),
    "a script": lambda d: d.createElement("script", innerText="window.__ran.push(1)"),
    "a style": lambda d: d.createElement("style", innerText="p { color: red }"),
    "a textarea": lambda d: d.createElement("textarea", innerText="x"),
    "a template": lambda d: _nest(d, "template", "p"),
    "an svg": lambda d: d.createElementNS(SVG_NAMESPACE, "svg"),
    "a math": lambda d: d.createElementNS(MATHML_NAMESPACE, "math"),
    "a custom element": lambda d: d.createElement("my-widget"),
    "an is= attribute": lambda d: _attr(d, "button", "is", "fancy-button"),
    "a pre whose text starts with a line break": lambda d: _text(d, "pre", "\nx"),
    "text with a carriage return": lambda d: _text(d, "span", "a\rb"),
    "text with a NUL": lambda d: _text(d, "span", "a\0b"),
    "an attribute with a carriage return": lambda d: _attr(d, "span", "title", "a\rb"),
    "an attribute with a lone surrogate": lambda d: _attr(d, "span", "title", "a\ud800b"),
    "a br with children": lambda d: _nest(d, "br", "span"),
    "an unknown tag": lambda d: d.createElement("image"),
}


def _text(doc, tag, text):
    el = doc.createElement(tag)
    el.textContent = text
    return el


def _attr(doc, tag, name, value):
    el = doc.createElement(tag)
    el.setAttribute(name, value)
    return el


@pytest.mark.filterwarnings("ignore:a <script> element made with domsync")
@pytest.mark.parametrize("trap", sorted(TRAP_BUILDERS))
def test_what_the_parser_would_change_is_not_markup(trap):
    doc = Document("root")
    try:
        el = TRAP_BUILDERS[trap](doc)
    except Exception as error:  # the model refuses it outright: nothing to send
        pytest.fail(f"the model refuses it: {error}")
    node = node_of(doc, el)
    assert not markup_safe(node)


SAFE_BUILDERS = {
    "a div in a div": lambda d: _nest(d, "div", "div"),
    "a span in a p": lambda d: _nest(d, "p", "span"),
    "a p in a td": lambda d: _cell_with_p(d),
    "an li in a ul": lambda d: _nest(d, "ul", "li"),
    "a dd in a dl": lambda d: _nest(d, "dl", "dd"),
    "a b in a b": lambda d: _nest(d, "b", "b"),
    "an input with a value": lambda d: d.createElement("input", value="v"),
    "a pre": lambda d: d.createElement("pre", innerText="x\n y"),
    "escaped text": lambda d: d.createElement("span", innerText="<b>&amp;</b> 'q' \"dq\" \u00a0"),
    "escaped attributes": lambda d: d.createElement("span", attributes={"title": "<&>'\"\u00a0", "data-x": "1"}),
    "a table with a tbody": lambda d: _nest(d, "table", "tbody"),
    "a line break in text": lambda d: d.createElement("span", innerText="a\nb"),
    "blanks between rows and cells": lambda d: _rows_with_text(d, "\n  \t"),
}


def _cell_with_p(doc):
    tr = doc.createElement("tr")
    td = tr.appendChild(doc.createElement("td"))
    td.appendChild(doc.createElement("p", innerText="x"))
    return tr


@pytest.mark.parametrize("case", sorted(SAFE_BUILDERS))
def test_ordinary_trees_are_markup_and_the_parser_keeps_them(case):
    doc = Document("root")
    el = SAFE_BUILDERS[case](doc)
    node = node_of(doc, el)
    assert markup_safe(node)
    assert oracle(doc, node, el)


@pytest.mark.parametrize("seed", SEEDS)
def test_markup_ops_do_what_the_ops_do_in_the_mirror_for_random_mutations(seed):
    """Every batch of a random run, and the snapshot at the end, rewritten with markup
    wherever possible, gives the mirror the same page, keys, values and listeners."""
    run = Run(seed)
    plain, marked = Mirror(run.doc.getRootId()), Mirror(run.doc.getRootId())
    for _ in range(STEPS):
        run.step()
        if run.rng.random() < 0.3:
            ops = json.loads(encode_json.encode(run.doc.take_ops()))
            ops = [tuple(op) for op in ops]
            plain.apply(ops)
            marked.apply(markup_ops(_tuples(ops), min_elements=1))
            assert marked.inner_html() == plain.inner_html() == run.root.innerHTML
            assert {k: marked.outer_html(el) for k, el in marked.keys.items()} == \
                {k: plain.outer_html(el) for k, el in plain.keys.items()}
    mirrors_agree(run.doc.snapshot_ops(), run.doc.getRootId())


def _tuples(value):
    """JSON-decoded ops back into tuples, as the model makes them."""
    if isinstance(value, list):
        return tuple(_tuples(item) for item in value)
    return value


def test_properties_and_listeners_follow_the_markup():
    doc = Document("root")
    box = doc.createElement("div")
    for i in range(3):
        box.appendChild(doc.createElement("input", value=f"v{i}"))
    check = box.appendChild(doc.createElement("input", attributes={"type": "checkbox"}))
    check.checked = True
    box.addEventListener("click", lambda event: None)
    doc.getRootElement().appendChild(box)
    ops = markup_ops(doc.take_ops(), min_elements=1)
    # In document order: the box's listener, then the inputs' values and checkedness.
    assert [op[0] for op in ops[1:]] == [HTML, LISTEN] + [SET_PROP] * 4
    mirrors_agree(doc.snapshot_ops(), "root")


def test_the_markup_literal_cannot_end_a_script_element():
    markup = "<p title='</script>'>&lt;/script&gt; <!-- x</p>"  # as encode_html never writes it
    literal = js_markup(markup)
    assert json.loads(literal) == markup
    assert "</" not in literal and "<!--" in markup
    ops = markup_ops(table_document().take_ops())
    batch = encode_js.encode(ops)
    assert "</" not in batch and "<!--" not in batch


def test_hostile_strings_are_escaped_text_in_the_markup():
    doc = Document("root")
    box = doc.createElement("div")
    hostile = "</script><script>window.__ran.push(1)</script><img src=x onerror=alert(1)>'\"&amp;"
    for _ in range(3):
        box.appendChild(doc.createElement("span", attributes={"title": hostile}, innerText=hostile))
    doc.getRootElement().appendChild(box)
    ops = markup_ops(doc.take_ops(), min_elements=1)
    (op,) = [op for op in ops if op[0] == HTML]
    assert "<script" not in op[2] and "<img" not in op[2]
    mirrors_agree(doc.snapshot_ops(), "root")


def test_void_elements_agree_with_the_serialiser():
    assert VOID_ELEMENTS == html.VOID_ELEMENTS


def test_the_mirror_refuses_markup_it_was_not_made_for():
    from domsync.mirror import MirrorError
    from domsync.protocol import RESET
    for markup, runs in [("<p>x</p><p>y</p>", (1, 1)), ("<p>x</b>", (1, 1)), ("<p>x", (1, 1)),
                         ("<p title=x>y</p>", (1, 1)), ("a & b", ())]:
        with pytest.raises(MirrorError):
            Mirror("root").apply([(RESET, "root"), (HTML, 0, markup, runs)])


def test_the_mirror_sets_generated_ids_first():
    from domsync.protocol import RESET
    page = Mirror("root")
    page.apply([(RESET, "root"), (HTML, 0, "<p id='' class='c'>x</p><p>y</p>text &amp; more", (-1, 2))])
    assert page.inner_html() == '<p id="__domsync_el_1" class="c">x</p><p id="__domsync_el_2">y</p>text &amp; more'
    assert page.node(2).text_content == "y"


def test_runs_of_keys_never_mix_generated_ids_and_others():
    """Keys 3 to 7 with ids of their own, then key 2 with a generated id: two runs (3 - 5
    is -2, which must not extend the first run)."""
    nodes = [(key, "p", 0, ("id", f"p{key}"), None, None) for key in range(3, 8)]
    nodes.append((-2, "p", 0, None, None, None))
    nodes += [(-key, "i", 0, None, None, None) for key in range(20, 30)] + [(9, "b", 0, ("id", "b"), None, None)]
    ops = markup_ops([(APPEND, 0, tuple(nodes))], min_elements=1)
    (op,) = [op for op in ops if op[0] == HTML]
    assert op[3] == (3, 5, -2, 1, -20, 10, 9, 1)
    page = Mirror("root")
    from domsync.protocol import RESET
    page.apply([(RESET, "root"), *ops])
    assert page.node(2).id == "__domsync_el_2" and page.node(7).id == "p7" and page.node(9).id == "b"
