"""How the model stores elements (see docs/topics/design.rst, "How an element is
stored"): attributes as one flat, shared tuple, a generated id never stored, the
namespace in the flags; and what that costs in bytes."""

from __future__ import annotations

import gc
import tracemalloc

from domsync import SVG_NAMESPACE, Document, attributes
from domsync.attributes import attr_get, attr_index, attr_with, share
from domsync.flags import IMPLICIT_ID


def test_a_value_equal_to_an_attribute_name_is_not_taken_for_the_name():
    attrs = ("title", "class", "class", "x", "data-a", "title")
    assert attr_index(attrs, "class") == 2
    assert attr_get(attrs, "class") == "x"
    assert attr_get(attrs, "title") == "class"
    assert attr_get(("title", "class"), "class") is None
    assert attr_index(("a", "b", "c", "b"), "b") == -1
    assert attr_get(None, "class") is None


def test_attr_with_sets_in_place_appends_and_removes():
    attrs = attr_with(None, "class", "row")
    assert attrs == ("class", "row")
    attrs = attr_with(attrs, "title", "t")
    assert attrs == ("class", "row", "title", "t")
    assert attr_with(attrs, "class", "cell") == ("class", "cell", "title", "t")  # its place kept
    assert attr_with(attrs, "class", None) == ("title", "t")
    assert attr_with(("class", "row"), "class", None) is None
    assert attr_with(attrs, "missing", None) is attrs


def test_equal_attribute_tuples_are_shared_and_the_table_stays_bounded():
    one = share(("class", "row" + "x"))
    other = share(("class", "rowx"))
    assert one is other
    long_value = "v" * (attributes.SHARED_VALUE_MAX + 1)
    assert share(("title", long_value)) is not share(("title", "v" * (attributes.SHARED_VALUE_MAX + 1)))
    for n in range(attributes.SHARED_MAX + 10):
        share(("data-n", str(n)))
    assert len(attributes._shared) <= attributes.SHARED_MAX


def test_elements_with_the_same_attributes_share_one_tuple():
    doc = Document()
    first, second = doc.createElement("td"), doc.createElement("td")
    first.className = "cell"
    second.setAttribute("class", "cell")
    assert first._attrs is second._attrs
    second.className = "other"
    assert first.className == "cell" and second.className == "other"


def test_a_generated_id_stays_unstored_and_first_when_other_attributes_come():
    doc = Document()
    el = doc.createElement("div")
    el.className = "row"
    el.setAttribute("title", "t")
    assert el._flags & IMPLICIT_ID
    assert el._attrs == ("class", "row", "title", "t")
    assert el.getAttributeNames() == ["id", "class", "title"]
    assert el.outerHTML == f'<div id="{el.id}" class="row" title="t"></div>'
    assert doc.getElementById(el.id) is el
    el.id = "mine"  # the id keeps its place, first
    assert not el._flags & IMPLICIT_ID
    assert el.outerHTML == '<div id="mine" class="row" title="t"></div>'
    el.removeAttribute("id")
    assert el.outerHTML == '<div class="row" title="t"></div>'


def test_a_generated_id_removed_leaves_the_other_attributes():
    doc = Document()
    el = doc.createElement("div")
    el.className = "row"
    el.removeAttribute("id")
    assert el.getAttributeNames() == ["class"]
    assert el.outerHTML == '<div class="row"></div>'


def test_the_namespace_is_kept_in_the_flags():
    doc = Document()
    rect = doc.createElementNS(SVG_NAMESPACE, "rect")
    rect.setAttribute("viewBox", "0 0 1 1")
    div = doc.createElement("div")
    div.setAttribute("viewBox", "x")
    assert rect.namespaceURI == SVG_NAMESPACE and rect._ns == SVG_NAMESPACE
    assert div._ns is None
    assert rect.getAttributeNames() == ["id", "viewBox"]  # case kept outside HTML
    assert div.getAttributeNames() == ["id", "viewbox"]
    assert not hasattr(div, "__dict__")


def retained_per_element(build, n: int = 2000) -> float:
    build(50)  # warm-up: caches, the attribute names, the shared tuples
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = build(n)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del kept
    return (after - before) / n


def test_a_div_with_a_text_and_a_class_keeps_at_most_250_bytes():
    def build(n: int) -> Document:
        doc = Document()
        texts = [f"item {i}" for i in range(n)]
        for text in texts:
            el = doc.createElement("div")
            el.innerText = text
            el.className = "row"
            doc.root.appendChild(el)
        doc.render_js_updates()
        return doc

    # Measured: 193 B (the element 96, its text 57, its key 32, its place in the list 8).
    assert retained_per_element(build) <= 250
