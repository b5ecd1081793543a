"""Pure-Python tests of the element API, as a browser user of the DOM expects it to work.

No browser is involved: these tests read the model (tree, attributes, HTML serialisation)
and the JavaScript that :meth:`Document.render_js_updates` records.
"""

from __future__ import annotations

import json
import logging
import os
import random
import re

import pytest

import domsync
from domsync import (
    Document,
    DuplicateIdError,
    Element,
    HierarchyError,
    InvalidNameError,
    InvalidValueError,
    NotFoundError,
    SVG_NAMESPACE,
    UnsafeValueError,
    WrongTypeError,
)

ROOT = "root_id"


# The doc and root fixtures come from conftest.py, with this module's ROOT.


def statements(js: str) -> list[str]:
    """The statements of a rendered batch, one per line, without the trailing ';'."""
    return [line[:-1] if line.endswith(";") else line for line in js.splitlines() if line]


def mentions(js: str, element: Element) -> bool:
    """True if the batch refers to ``element`` by its key in any helper call."""
    return re.search(rf"\b[ENSMHF]\((?:[0-9]+,)*{element._key}\b", js) is not None


# ---------------------------------------------------------------------- createElement


class TestCreateElement:
    def test_createElement_lower_cases_html_tag_names(self, doc):
        assert doc.createElement("DIV").tagName == "div"
        assert doc.createElement("Span").localName == "span"

    def test_createElement_accepts_custom_element_names(self, doc):
        widget = doc.createElement("my-widget")
        assert widget.tagName == "my-widget"
        assert widget.outerHTML == f'<my-widget id="{widget.id}"></my-widget>'

    @pytest.mark.parametrize("tag", ["", "1div", "a b", "<div>", "div>", "-x", "my widget", "a/b"])
    def test_createElement_with_an_invalid_tag_raises_InvalidNameError(self, doc, tag):
        with pytest.raises(InvalidNameError):
            doc.createElement(tag)

    def test_InvalidNameError_is_a_ValueError(self, doc):
        with pytest.raises(ValueError):
            doc.createElement("not valid")

    @pytest.mark.parametrize("kwargs", [
        {"tagName": 5},
        {"tagName": None},
        {"tagName": "div", "id": 5},
        {"tagName": "div", "innerText": 5},
        {"tagName": "input", "value": 5},
        {"tagName": "div", "attributes": [("title", "x")]},
        {"tagName": "div", "attributes": {"title": 5}},
    ])
    def test_createElement_with_wrong_argument_types_raises_WrongTypeError(self, doc, kwargs):
        with pytest.raises(WrongTypeError):
            doc.createElement(**kwargs)

    def test_WrongTypeError_is_a_TypeError(self, doc):
        with pytest.raises(TypeError):
            doc.createElement(42)
        assert issubclass(WrongTypeError, TypeError)

    def test_createElement_without_an_id_generates_a_domsync_el_id(self, doc):
        first = doc.createElement("div")
        second = doc.createElement("div")
        assert re.fullmatch(r"__domsync_el_[0-9]+", first.id)
        assert re.fullmatch(r"__domsync_el_[0-9]+", second.id)
        assert first.id != second.id
        assert first.getAttribute("id") == first.id

    def test_createElement_with_an_explicit_id_uses_it(self, doc):
        el = doc.createElement("div", id="hello")
        assert el.id == "hello"
        assert el.getAttribute("id") == "hello"
        assert el.outerHTML == '<div id="hello"></div>'

    def test_createElement_sets_innerText_value_and_attributes(self, doc):
        el = doc.createElement("input", value="v", attributes={"type": "text", "class": "big"})
        assert el.value == "v"
        assert el.getAttribute("type") == "text"
        assert el.className == "big"
        p = doc.createElement("p", innerText="hello")
        assert p.innerText == "hello"

    def test_creating_two_elements_with_the_same_id_raises_DuplicateIdError(self, doc):
        doc.createElement("div", id="x")
        with pytest.raises(DuplicateIdError):
            doc.createElement("span", id="x")

    def test_creating_an_element_with_the_id_of_an_attached_element_raises(self, doc, root):
        root.appendChild(doc.createElement("div", id="x"))
        with pytest.raises(DuplicateIdError):
            doc.createElement("div", id="x")

    def test_DuplicateIdError_is_a_ValueError(self, doc):
        doc.createElement("div", id="x")
        with pytest.raises(ValueError):
            doc.createElement("div", id="x")

    def test_creating_an_element_with_the_root_id_raises_DuplicateIdError(self, doc):
        with pytest.raises(DuplicateIdError):
            doc.createElement("div", id=ROOT)

    def test_setting_the_id_of_another_element_to_a_used_id_raises(self, doc, root):
        root.appendChild(doc.createElement("div", id="x"))
        other = doc.createElement("div", id="y")
        with pytest.raises(DuplicateIdError):
            other.setAttribute("id", "x")
        with pytest.raises(DuplicateIdError):
            other.id = "x"
        assert other.id == "y"

    def test_the_id_of_a_removed_element_can_be_used_again(self, doc, root):
        old = doc.createElement("div", id="x")
        root.appendChild(old)
        old.remove()
        new = doc.createElement("div", id="x")
        root.appendChild(new)
        assert doc.getElementById("x") is new

    def test_reattaching_a_removed_element_whose_id_was_taken_raises(self, doc, root):
        old = doc.createElement("div", id="x")
        root.appendChild(old)
        old.remove()
        root.appendChild(doc.createElement("div", id="x"))
        with pytest.raises(DuplicateIdError):
            root.appendChild(old)

    def test_a_generated_id_survives_changes_to_other_attributes(self, doc, root):
        el = doc.createElement("div")
        generated = el.id
        el.setAttribute("title", "t")
        el.classList.add("c")
        el.style["color"] = "red"
        el.removeAttribute("title")
        assert el.id == generated
        assert el.getAttribute("id") == generated
        assert el.getAttributeNames() == ["id", "class", "style"]
        assert el.outerHTML == f'<div id="{generated}" class="c" style="color: red;"></div>'
        root.appendChild(el)
        assert doc.getElementById(generated) is el
        js = doc.render_js_updates()
        # The generated id travels as the key's sign, not as text: E(-key, ...).
        assert f'E(-{el._key},"div",["class","c","style","color: red;"])' in js and generated not in js

    def test_a_generated_id_is_a_real_attribute(self, doc):
        el = doc.createElement("div")
        assert el.hasAttribute("id")
        assert el.attributes == {"id": el.id}
        assert el.outerHTML == f'<div id="{el.id}"></div>'

    def test_removing_a_generated_id_leaves_the_element_without_id(self, doc, root):
        el = doc.createElement("div")
        generated = el.id
        root.appendChild(el)
        el.removeAttribute("id")
        assert el.id == ""
        assert not el.hasAttribute("id")
        assert el.outerHTML == "<div></div>"
        assert doc.getElementById(generated, strict=False) is None

    def test_replacing_a_generated_id_by_an_explicit_one(self, doc, root):
        el = doc.createElement("div")
        generated = el.id
        root.appendChild(el)
        el.id = "mine"
        assert el.getAttribute("id") == "mine"
        assert doc.getElementById("mine") is el
        assert doc.getElementById(generated, strict=False) is None

    def test_createElementNS_with_the_svg_namespace_keeps_the_tag_case(self, doc):
        gradient = doc.createElementNS(SVG_NAMESPACE, "linearGradient")
        assert gradient.tagName == "linearGradient"
        assert gradient.namespaceURI == SVG_NAMESPACE
        assert gradient.outerHTML.startswith("<linearGradient ")

    def test_html_elements_are_in_the_html_namespace(self, doc):
        assert doc.createElement("div").namespaceURI == domsync.HTML_NAMESPACE

    def test_createElementNS_with_an_unknown_namespace_raises(self, doc):
        with pytest.raises(InvalidNameError):
            doc.createElementNS("http://example.com/ns", "thing")

    def test_svg_elements_render_with_the_svg_constructor(self, doc, root):
        svg = doc.createElementNS(SVG_NAMESPACE, "svg")
        svg.appendChild(doc.createElementNS(SVG_NAMESPACE, "linearGradient"))
        root.appendChild(svg)
        js = doc.render_js_updates()
        assert 'S(' in js and '"linearGradient"' in js
        assert 'E(' not in js


# ---------------------------------------------------------------------- tree


class TestTree:
    def test_appendChild_adds_the_child_last_and_returns_it(self, doc, root):
        a, b = doc.createElement("a"), doc.createElement("b")
        assert root.appendChild(a) is a
        root.appendChild(b)
        assert root.children == [a, b]
        assert a.parentElement is root

    def test_appendChild_moves_an_element_that_already_has_a_parent(self, doc, root):
        first, second = doc.createElement("div"), doc.createElement("div")
        child = doc.createElement("span")
        root.append(first, second)
        first.appendChild(child)
        second.appendChild(child)
        assert first.children == []
        assert second.children == [child]
        assert child.parentElement is second

    def test_appendChild_of_an_existing_child_moves_it_to_the_end(self, doc, root):
        a, b, c = (doc.createElement(t) for t in ("a", "b", "i"))
        root.append(a, b, c)
        root.appendChild(a)
        assert root.children == [b, c, a]

    def test_insertBefore_puts_the_child_before_the_reference(self, doc, root):
        a, b, c = (doc.createElement(t) for t in ("a", "b", "i"))
        root.append(a, c)
        assert root.insertBefore(b, c) is b
        assert root.children == [a, b, c]

    def test_insertBefore_with_None_appends(self, doc, root):
        a, b = doc.createElement("a"), doc.createElement("b")
        root.appendChild(a)
        root.insertBefore(b, None)
        assert root.children == [a, b]

    def test_insertBefore_moves_an_element_within_the_same_parent(self, doc, root):
        a, b, c = (doc.createElement(t) for t in ("a", "b", "i"))
        root.append(a, b, c)
        root.insertBefore(c, a)
        assert root.children == [c, a, b]

    def test_insertBefore_with_a_reference_that_is_not_a_child_raises_HierarchyError(self, doc, root):
        stranger = doc.createElement("div")
        with pytest.raises(HierarchyError):
            root.insertBefore(doc.createElement("p"), stranger)

    def test_insertBefore_with_a_grandchild_as_reference_raises_HierarchyError(self, doc, root):
        child, grandchild = doc.createElement("div"), doc.createElement("p")
        root.appendChild(child)
        child.appendChild(grandchild)
        with pytest.raises(HierarchyError):
            root.insertBefore(doc.createElement("p"), grandchild)

    def test_appending_an_element_to_itself_raises_HierarchyError(self, doc):
        el = doc.createElement("div")
        with pytest.raises(HierarchyError):
            el.appendChild(el)

    def test_inserting_an_ancestor_into_its_descendant_raises_HierarchyError(self, doc, root):
        outer, middle, inner = (doc.createElement("div") for _ in range(3))
        root.appendChild(outer)
        outer.appendChild(middle)
        middle.appendChild(inner)
        with pytest.raises(HierarchyError):
            inner.appendChild(outer)
        with pytest.raises(HierarchyError):
            inner.insertBefore(outer, None)
        assert outer.parentElement is root
        assert inner.parentElement is middle

    def test_the_root_element_cannot_be_appended_anywhere(self, doc, root):
        box = doc.createElement("div")
        with pytest.raises(HierarchyError):
            box.appendChild(root)

    def test_HierarchyError_is_a_ValueError(self):
        assert issubclass(HierarchyError, ValueError)

    def test_appending_an_element_of_another_document_raises_HierarchyError(self, root):
        other = Document("other_root").createElement("div")
        with pytest.raises(HierarchyError):
            root.appendChild(other)
        assert root.children == []

    def test_insertBefore_with_an_element_of_another_document_raises(self, doc, root):
        ref = doc.createElement("div")
        root.appendChild(ref)
        with pytest.raises(HierarchyError):
            root.insertBefore(Document("other_root").createElement("p"), ref)

    def test_replaceChild_with_an_element_of_another_document_raises(self, doc, root):
        old = doc.createElement("div")
        root.appendChild(old)
        with pytest.raises(HierarchyError):
            root.replaceChild(Document("other_root").createElement("p"), old)
        assert root.children == [old]

    def test_appendChild_of_a_string_raises_WrongTypeError(self, root):
        with pytest.raises(WrongTypeError):
            root.appendChild("text")

    def test_removeChild_removes_and_returns_the_child(self, doc, root):
        a, b = doc.createElement("a"), doc.createElement("b")
        root.append(a, b)
        assert root.removeChild(a) is a
        assert root.children == [b]
        assert a.parentElement is None

    def test_removeChild_of_a_non_child_raises_HierarchyError(self, doc, root):
        child, grandchild = doc.createElement("div"), doc.createElement("p")
        root.appendChild(child)
        child.appendChild(grandchild)
        with pytest.raises(HierarchyError):
            root.removeChild(grandchild)
        with pytest.raises(HierarchyError):
            root.removeChild(doc.createElement("p"))

    def test_replaceChild_puts_the_new_child_in_place_and_returns_the_old_one(self, doc, root):
        a, b, c = (doc.createElement(t) for t in ("a", "b", "i"))
        root.append(a, b)
        assert root.replaceChild(c, a) is a
        assert root.children == [c, b]
        assert a.parentElement is None

    def test_replaceChild_with_an_old_child_that_is_not_a_child_raises(self, doc, root):
        with pytest.raises(HierarchyError):
            root.replaceChild(doc.createElement("a"), doc.createElement("b"))

    def test_replaceChild_with_a_sibling_moves_the_sibling(self, doc, root):
        a, b, c = (doc.createElement(t) for t in ("a", "b", "i"))
        root.append(a, b, c)
        root.replaceChild(c, a)
        assert root.children == [c, b]

    def test_replaceWith_puts_the_new_element_where_this_one_was(self, doc, root):
        a, b, c = (doc.createElement(t) for t in ("a", "b", "i"))
        root.append(a, b)
        a.replaceWith(c)
        assert root.children == [c, b]
        assert a.parentElement is None

    def test_remove_takes_the_element_out_of_its_parent(self, doc, root):
        a = doc.createElement("div")
        root.appendChild(a)
        a.remove()
        assert root.children == []
        assert a.parentElement is None

    def test_remove_of_an_element_without_parent_does_nothing(self, doc):
        el = doc.createElement("div")
        el.remove()
        assert el.parentElement is None

    def test_the_root_element_cannot_be_removed(self, root):
        with pytest.raises(HierarchyError):
            root.remove()

    def test_children_excludes_text_and_childNodes_includes_it(self, doc, root):
        p = doc.createElement("p", innerText="hello")
        b = doc.createElement("b", innerText="world")
        p.appendChild(b)
        assert p.children == [b]
        assert p.childNodes == ["hello", b]
        assert p.childElementCount == 1

    def test_children_is_a_copy(self, doc, root):
        root.appendChild(doc.createElement("div"))
        root.children.clear()
        assert len(root.children) == 1

    def test_first_and_last_element_child_skip_text(self, doc):
        p = doc.createElement("p", innerText="start")
        a, b = doc.createElement("a"), doc.createElement("b")
        p.append(a, b)
        assert p.firstElementChild is a
        assert p.lastElementChild is b
        assert doc.createElement("p", innerText="text only").firstElementChild is None
        assert doc.createElement("p").lastElementChild is None

    def test_next_and_previous_element_sibling(self, doc, root):
        a, b, c = (doc.createElement(t) for t in ("a", "b", "i"))
        root.append(a, b, c)
        assert a.nextElementSibling is b
        assert b.nextElementSibling is c
        assert c.nextElementSibling is None
        assert c.previousElementSibling is b
        assert a.previousElementSibling is None
        assert doc.createElement("div").nextElementSibling is None

    def test_siblings_skip_text_nodes(self, doc):
        p = doc.createElement("p", innerText="x\ny")  # "x", <br>, "y"
        b = doc.createElement("b")
        p.appendChild(b)
        br = p.firstElementChild
        assert br.tagName == "br"
        assert br.nextElementSibling is b
        assert b.previousElementSibling is br

    def test_parentElement_of_the_root_and_of_detached_elements_is_None(self, doc, root):
        assert root.parentElement is None
        assert doc.createElement("div").parentElement is None

    def test_isConnected_follows_attachment_to_the_root(self, doc, root):
        outer, inner = doc.createElement("div"), doc.createElement("span")
        outer.appendChild(inner)
        assert root.isConnected
        assert not outer.isConnected and not inner.isConnected
        root.appendChild(outer)
        assert outer.isConnected and inner.isConnected
        outer.remove()
        assert not outer.isConnected and not inner.isConnected

    def test_contains_is_true_for_itself_and_descendants(self, doc, root):
        outer, inner = doc.createElement("div"), doc.createElement("span")
        root.appendChild(outer)
        outer.appendChild(inner)
        assert root.contains(inner)
        assert outer.contains(outer)
        assert not inner.contains(outer)


# ---------------------------------------------------------------------- attributes


class TestAttributes:
    def test_setAttribute_and_getAttribute(self, doc):
        el = doc.createElement("div")
        el.setAttribute("title", "hello")
        assert el.getAttribute("title") == "hello"
        assert el.hasAttribute("title")

    def test_getAttribute_of_a_missing_attribute_is_None(self, doc):
        assert doc.createElement("div").getAttribute("title") is None

    def test_html_attribute_names_are_lower_cased(self, doc):
        el = doc.createElement("div")
        el.setAttribute("DATA-Value", "1")
        assert el.getAttribute("data-value") == "1"
        assert el.getAttribute("DATA-VALUE") == "1"
        assert el.hasAttribute("Data-Value")
        assert el.getAttributeNames() == ["id", "data-value"]
        assert 'data-value="1"' in el.outerHTML

    def test_svg_attribute_names_keep_their_case(self, doc):
        svg = doc.createElementNS(SVG_NAMESPACE, "svg")
        svg.setAttribute("viewBox", "0 0 10 10")
        assert svg.getAttribute("viewBox") == "0 0 10 10"
        assert svg.getAttribute("viewbox") is None
        assert 'viewBox="0 0 10 10"' in svg.outerHTML

    def test_removeAttribute_removes_it(self, doc):
        el = doc.createElement("div", attributes={"title": "x"})
        el.removeAttribute("TITLE")
        assert not el.hasAttribute("title")
        assert el.getAttribute("title") is None

    def test_removeAttribute_of_a_missing_attribute_does_nothing(self, doc):
        el = doc.createElement("div")
        el.removeAttribute("title")
        assert el.getAttributeNames() == ["id"]

    def test_toggleAttribute_adds_and_removes(self, doc):
        el = doc.createElement("div")
        assert el.toggleAttribute("hidden") is True
        assert el.getAttribute("hidden") == ""
        assert el.toggleAttribute("hidden") is False
        assert not el.hasAttribute("hidden")

    def test_toggleAttribute_with_force(self, doc):
        el = doc.createElement("div")
        assert el.toggleAttribute("hidden", True) is True
        assert el.toggleAttribute("hidden", True) is True
        assert el.hasAttribute("hidden")
        assert el.toggleAttribute("hidden", False) is False
        assert el.toggleAttribute("hidden", False) is False
        assert not el.hasAttribute("hidden")

    def test_setAttribute_with_a_non_str_value_raises_WrongTypeError(self, doc):
        with pytest.raises(WrongTypeError):
            doc.createElement("div").setAttribute("title", 3)

    @pytest.mark.parametrize("name", ["", "a b", "a=b", '"x"', "1abc", "<a"])
    def test_setAttribute_with_an_invalid_name_raises_InvalidNameError(self, doc, name):
        with pytest.raises(InvalidNameError):
            doc.createElement("div").setAttribute(name, "x")

    @pytest.mark.parametrize("name", ["onclick", "ONCLICK", "onMouseOver", "onload"])
    def test_event_handler_attributes_raise_UnsafeValueError_naming_addEventListener(self, doc, name):
        el = doc.createElement("div")
        with pytest.raises(UnsafeValueError, match="addEventListener"):
            el.setAttribute(name, "alert(1)")
        assert not el.hasAttribute(name)

    def test_event_handler_attributes_on_svg_elements_raise_too(self, doc):
        svg = doc.createElementNS(SVG_NAMESPACE, "svg")
        with pytest.raises(UnsafeValueError, match="addEventListener"):
            svg.setAttribute("onload", "alert(1)")

    def test_event_handler_attributes_in_createElement_raise(self, doc):
        with pytest.raises(UnsafeValueError, match="addEventListener"):
            doc.createElement("button", attributes={"onclick": "alert(1)"})

    @pytest.mark.parametrize("url", [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "  javascript:alert(1)",
        "java\tscript:alert(1)",
        "\x01javascript:alert(1)",
    ])
    def test_javascript_urls_raise_UnsafeValueError_naming_addEventListener(self, doc, url):
        link = doc.createElement("a")
        with pytest.raises(UnsafeValueError, match="addEventListener"):
            link.setAttribute("href", url)
        assert not link.hasAttribute("href")

    @pytest.mark.parametrize("tag,name", [("iframe", "src"), ("form", "action"), ("button", "formaction"),
                                          ("object", "data"), ("a", "HREF")])
    def test_javascript_urls_in_other_url_attributes_raise(self, doc, tag, name):
        with pytest.raises(UnsafeValueError):
            doc.createElement(tag).setAttribute(name, "javascript:alert(1)")

    def test_javascript_url_in_svg_xlink_href_raises(self, doc):
        link = doc.createElementNS(SVG_NAMESPACE, "a")
        with pytest.raises(UnsafeValueError):
            link.setAttribute("xlink:href", "javascript:alert(1)")

    def test_iframe_srcdoc_raises_UnsafeValueError(self, doc):
        # srcdoc is an HTML document whose scripts run with the page's origin.
        frame = doc.createElement("iframe")
        with pytest.raises(UnsafeValueError):
            frame.setAttribute("srcdoc", "<script>parent.alert(1)</script>")

    def test_ordinary_urls_are_accepted(self, doc):
        link = doc.createElement("a")
        link.setAttribute("href", "https://example.com/javascript:x")
        link.setAttribute("title", "javascript: the language")
        assert link.getAttribute("href") == "https://example.com/javascript:x"

    def test_UnsafeValueError_is_a_ValueError(self):
        assert issubclass(UnsafeValueError, ValueError)

    def test_attributes_is_a_copy_of_the_attribute_dict(self, doc):
        el = doc.createElement("div", id="x", attributes={"title": "t"})
        assert el.attributes == {"id": "x", "title": "t"}
        el.attributes["title"] = "changed"
        assert el.getAttribute("title") == "t"

    def test_disabled_reflects_to_the_disabled_attribute(self, doc):
        button = doc.createElement("button")
        assert button.disabled is False
        button.disabled = True
        assert button.getAttribute("disabled") == ""
        assert button.disabled is True
        button.disabled = False
        assert not button.hasAttribute("disabled")
        button.setAttribute("disabled", "disabled")
        assert button.disabled is True

    def test_hidden_reflects_to_the_hidden_attribute(self, doc):
        div = doc.createElement("div")
        div.hidden = True
        assert div.hasAttribute("hidden")
        assert ' hidden=""' in div.outerHTML
        div.hidden = False
        assert not div.hasAttribute("hidden")

    def test_className_reads_and_writes_the_class_attribute(self, doc):
        el = doc.createElement("div")
        assert el.className == ""
        el.className = "a b"
        assert el.getAttribute("class") == "a b"


class TestClassList:
    def test_add_adds_tokens_once_in_order(self, doc):
        el = doc.createElement("div")
        el.classList.add("a", "b")
        el.classList.add("a", "c")
        assert el.getAttribute("class") == "a b c"
        assert list(el.classList) == ["a", "b", "c"]
        assert len(el.classList) == 3

    def test_remove_removes_tokens_and_ignores_absent_ones(self, doc):
        el = doc.createElement("div", attributes={"class": "a b c"})
        el.classList.remove("b", "zzz")
        assert el.getAttribute("class") == "a c"

    def test_toggle_adds_and_removes_and_returns_presence(self, doc):
        el = doc.createElement("div")
        assert el.classList.toggle("on") is True
        assert el.classList.contains("on")
        assert el.classList.toggle("on") is False
        assert not el.classList.contains("on")

    def test_toggle_with_force(self, doc):
        el = doc.createElement("div", attributes={"class": "x"})
        assert el.classList.toggle("x", True) is True
        assert el.classList.contains("x")
        assert el.classList.toggle("y", False) is False
        assert not el.classList.contains("y")
        assert el.classList.toggle("x", False) is False
        assert not el.classList.contains("x")

    def test_contains_and_in(self, doc):
        el = doc.createElement("div", attributes={"class": "  a\tb\n"})
        assert el.classList.contains("a")
        assert "b" in el.classList
        assert not el.classList.contains("c")

    def test_replace_swaps_a_token_in_place(self, doc):
        el = doc.createElement("div", attributes={"class": "a b c"})
        assert el.classList.replace("b", "x") is True
        assert el.getAttribute("class") == "a x c"
        assert el.classList.replace("missing", "y") is False
        assert el.getAttribute("class") == "a x c"

    def test_replace_with_a_token_already_present_keeps_one(self, doc):
        el = doc.createElement("div", attributes={"class": "a b c"})
        el.classList.replace("a", "c")
        assert el.getAttribute("class") == "c b"

    @pytest.mark.parametrize("token", ["", "a b", "a\tb", " a", "a\n"])
    @pytest.mark.parametrize("method", ["add", "remove", "toggle"])
    def test_invalid_tokens_raise_InvalidNameError(self, doc, method, token):
        el = doc.createElement("div", attributes={"class": "a"})
        with pytest.raises(InvalidNameError):
            getattr(el.classList, method)(token)
        assert el.getAttribute("class") == "a"

    @pytest.mark.parametrize("old,new", [("", "b"), ("a", ""), ("a", "b c"), ("a b", "c")])
    def test_replace_with_invalid_tokens_raises_InvalidNameError(self, doc, old, new):
        el = doc.createElement("div", attributes={"class": "a"})
        with pytest.raises(InvalidNameError):
            el.classList.replace(old, new)

    def test_add_with_a_non_str_token_raises_WrongTypeError(self, doc):
        with pytest.raises(WrongTypeError):
            doc.createElement("div").classList.add(1)


class TestStyle:
    def test_setProperty_and_getPropertyValue(self, doc):
        el = doc.createElement("div")
        el.style.setProperty("color", "red")
        el.style.setProperty("background-color", "blue")
        assert el.style.getPropertyValue("color") == "red"
        assert el.style.getPropertyValue("background-color") == "blue"
        assert el.getAttribute("style") == "color: red; background-color: blue;"

    def test_setProperty_replaces_a_value_in_place(self, doc):
        el = doc.createElement("div")
        el.style.setProperty("color", "red")
        el.style.setProperty("margin", "0")
        el.style.setProperty("color", "green")
        assert el.getAttribute("style") == "color: green; margin: 0;"

    def test_removeProperty_returns_the_old_value(self, doc):
        el = doc.createElement("div")
        el.style.setProperty("color", "red")
        el.style.setProperty("margin", "0")
        assert el.style.removeProperty("color") == "red"
        assert el.style.removeProperty("color") == ""
        assert el.getAttribute("style") == "margin: 0;"

    def test_removing_the_last_property_removes_the_style_attribute(self, doc):
        el = doc.createElement("div")
        el.style.setProperty("color", "red")
        el.style.removeProperty("color")
        assert not el.hasAttribute("style")

    def test_getPropertyValue_of_an_unset_property_is_empty(self, doc):
        assert doc.createElement("div").style.getPropertyValue("color") == ""

    def test_item_access_sets_gets_and_deletes_properties(self, doc):
        el = doc.createElement("div")
        el.style["font-size"] = "12px"
        assert el.style["font-size"] == "12px"
        assert "font-size" in el.style
        del el.style["font-size"]
        assert el.style["font-size"] == ""
        assert "font-size" not in el.style

    def test_setting_an_empty_value_removes_the_property(self, doc):
        el = doc.createElement("div")
        el.style["color"] = "red"
        el.style["color"] = ""
        assert el.style["color"] == ""
        assert not el.hasAttribute("style")

    def test_property_names_are_case_insensitive(self, doc):
        el = doc.createElement("div")
        el.style.setProperty("COLOR", "red")
        assert el.style.getPropertyValue("color") == "red"

    def test_custom_properties_keep_their_case(self, doc):
        el = doc.createElement("div")
        el.style.setProperty("--Main-Color", "red")
        assert el.style.getPropertyValue("--Main-Color") == "red"
        assert el.getAttribute("style") == "--Main-Color: red;"

    def test_style_reads_an_existing_style_attribute(self, doc):
        el = doc.createElement("div", attributes={"style": "color:red;background:url('a;b')"})
        assert el.style["color"] == "red"
        assert el.style["background"] == "url('a;b')"

    @pytest.mark.parametrize("name", ["backgroundColor", "fontSize", "", "color:", "a b", "col;or"])
    def test_invalid_property_names_raise_InvalidNameError(self, doc, name):
        el = doc.createElement("div")
        with pytest.raises(InvalidNameError):
            el.style.setProperty(name, "red")
        assert not el.hasAttribute("style")

    def test_camelCase_item_access_raises_InvalidNameError(self, doc):
        el = doc.createElement("div")
        with pytest.raises(InvalidNameError):
            el.style["backgroundColor"] = "red"

    def test_setProperty_with_a_non_str_value_raises_WrongTypeError(self, doc):
        with pytest.raises(WrongTypeError):
            doc.createElement("div").style.setProperty("width", 10)


# ---------------------------------------------------------------------- text and HTML


class TestText:
    @pytest.mark.parametrize("text", ["a\nb", "a\rb", "a\r\nb"])
    def test_setting_innerText_turns_each_line_break_into_a_br(self, doc, text):
        p = doc.createElement("p")
        p.innerText = text
        assert p.innerHTML == "a<br>b"
        assert p.innerText == "a\nb"
        assert [getattr(k, "tagName", k) for k in p.childNodes] == ["a", "br", "b"]

    def test_consecutive_and_edge_line_breaks_make_one_br_each(self, doc):
        p = doc.createElement("p")
        p.innerText = "\na\n\r\n\rb\n"
        assert p.innerHTML == "<br>a<br><br><br>b<br>"

    def test_innerText_without_line_breaks_is_one_text_node(self, doc):
        p = doc.createElement("p", innerText="hello")
        assert p.childNodes == ["hello"]
        assert p.innerHTML == "hello"

    def test_setting_innerText_replaces_all_children(self, doc, root):
        p = doc.createElement("p")
        child = doc.createElement("b", innerText="old")
        p.appendChild(child)
        root.appendChild(p)
        p.innerText = "new"
        assert p.childNodes == ["new"]
        assert p.children == []
        assert child.parentElement is None

    def test_setting_innerText_to_empty_removes_all_children(self, doc):
        p = doc.createElement("p", innerText="hello")
        p.appendChild(doc.createElement("b"))
        p.innerText = ""
        assert p.childNodes == []
        assert p.innerHTML == ""

    def test_appendChild_after_innerText_gives_mixed_content(self, doc):
        p = doc.createElement("p", innerText="Hello ")
        b = doc.createElement("b", id="name", innerText="world")
        p.appendChild(b)
        assert p.childNodes == ["Hello ", b]
        assert p.innerHTML == 'Hello <b id="name">world</b>'
        assert p.innerText == "Hello world"
        assert p.textContent == "Hello world"

    def test_innerText_with_line_breaks_then_appendChild_keeps_the_brs(self, doc):
        p = doc.createElement("p", innerText="a\nb")
        p.appendChild(doc.createElement("i", id="i"))
        assert p.innerHTML == 'a<br>b<i id="i"></i>'

    def test_innerText_with_a_non_str_raises_WrongTypeError(self, doc):
        with pytest.raises(WrongTypeError):
            doc.createElement("p").innerText = 12

    def test_textContent_keeps_line_breaks_as_text(self, doc):
        p = doc.createElement("p")
        p.textContent = "a\nb"
        assert p.childNodes == ["a\nb"]
        assert p.innerHTML == "a\nb"
        assert p.textContent == "a\nb"

    def test_textContent_concatenates_all_descendant_text(self, doc):
        div = doc.createElement("div", innerText="x")
        span = doc.createElement("span", innerText="y")
        span.appendChild(doc.createElement("b", innerText="z"))
        div.appendChild(span)
        assert div.textContent == "xyz"

    def test_setting_textContent_replaces_all_children(self, doc):
        div = doc.createElement("div")
        child = doc.createElement("span")
        div.appendChild(child)
        div.textContent = "plain"
        assert div.childNodes == ["plain"]
        assert child.parentElement is None

    def test_textContent_of_an_empty_element_is_empty(self, doc):
        assert doc.createElement("div").textContent == ""
        assert doc.createElement("div").innerText == ""

    def test_innerHTML_and_outerHTML_getters_serialise_the_subtree(self, doc):
        ul = doc.createElement("ul", id="list", attributes={"class": "items"})
        ul.appendChild(doc.createElement("li", id="one", innerText="1 < 2"))
        ul.appendChild(doc.createElement("li", id="two", innerText="a & b"))
        assert ul.innerHTML == '<li id="one">1 &lt; 2</li><li id="two">a &amp; b</li>'
        assert ul.outerHTML == f'<ul id="list" class="items">{ul.innerHTML}</ul>'

    def test_root_innerHTML_shows_attached_elements_with_generated_ids(self, doc, root):
        item = doc.createElement("li", innerText="milk")
        root.appendChild(item)
        assert root.innerHTML == f'<li id="{item.id}">milk</li>'


# ---------------------------------------------------------------------- form state


class TestValue:
    def test_text_input_value_is_a_property_not_an_attribute(self, doc):
        field = doc.createElement("input", attributes={"type": "text"})
        field.value = "typed"
        assert field.value == "typed"
        assert field.getAttribute("value") is None
        assert "typed" not in field.outerHTML

    def test_input_without_type_behaves_as_text(self, doc):
        field = doc.createElement("input")
        field.value = "x"
        assert field.value == "x"
        assert not field.hasAttribute("value")

    def test_text_input_value_defaults_to_its_value_attribute(self, doc):
        # A browser's input.value is the value attribute until the value is set.
        field = doc.createElement("input", attributes={"type": "text", "value": "default"})
        assert field.value == "default"

    def test_value_attribute_changes_the_value_until_the_value_is_set(self, doc):
        field = doc.createElement("input", attributes={"value": "a"})
        field.setAttribute("value", "b")
        assert field.value == "b"
        field.value = "typed"
        field.setAttribute("value", "c")
        assert field.value == "typed"
        assert field.getAttribute("value") == "c"

    def test_textarea_value_defaults_to_its_text(self, doc):
        area = doc.createElement("textarea", innerText="hello")
        assert area.value == "hello"

    def test_select_value_defaults_to_its_first_option(self, doc):
        select = doc.createElement("select")
        select.appendChild(doc.createElement("option", innerText="A"))
        select.appendChild(doc.createElement("option", innerText="B", attributes={"value": "b"}))
        assert select.value == "A"

    def test_select_value_defaults_to_its_selected_option(self, doc, root):
        root.innerHTML = '<select id="s"><option>one</option><option selected>two</option></select>'
        assert doc.getElementById("s").value == "two"

    def test_textarea_value_is_a_property(self, doc):
        area = doc.createElement("textarea")
        area.value = "line 1\nline 2"
        assert area.value == "line 1\nline 2"
        assert area.innerHTML == ""

    @pytest.mark.parametrize("tag,attributes", [
        ("option", {}),
        ("button", {}),
        ("input", {"type": "hidden"}),
        ("input", {"type": "checkbox"}),
        ("input", {"type": "radio"}),
        ("input", {"type": "submit"}),
    ])
    def test_value_of_some_elements_is_the_value_attribute(self, doc, tag, attributes):
        el = doc.createElement(tag, attributes=attributes)
        el.value = "v1"
        assert el.getAttribute("value") == "v1"
        assert el.value == "v1"
        el.setAttribute("value", "v2")
        assert el.value == "v2"
        assert 'value="v2"' in el.outerHTML

    def test_option_value_falls_back_to_its_text(self, doc):
        # A browser's option.value is the text when there is no value attribute.
        option = doc.createElement("option", innerText="Option 1")
        assert option.value == "Option 1"

    def test_checkbox_value_defaults_to_on(self, doc):
        # <input type=checkbox> without a value attribute has the value "on" in a browser.
        box = doc.createElement("input", attributes={"type": "checkbox"})
        assert box.value == "on"

    def test_output_value_is_its_text_content(self, doc):
        out = doc.createElement("output")
        out.value = "42"
        assert out.textContent == "42"
        assert out.value == "42"
        assert out.innerHTML == "42"

    @pytest.mark.parametrize("tag", ["li", "meter", "progress"])
    def test_setting_value_of_numeric_value_elements_raises(self, doc, tag):
        with pytest.raises(InvalidValueError):
            doc.createElement(tag).value = "3"

    def test_setting_value_of_a_file_input_raises(self, doc):
        with pytest.raises(InvalidValueError):
            doc.createElement("input", attributes={"type": "file"}).value = "C:\\secret.txt"

    def test_setting_value_to_a_non_str_raises_WrongTypeError(self, doc):
        with pytest.raises(WrongTypeError):
            doc.createElement("input").value = 3


class TestChecked:
    def test_checked_is_false_until_set(self, doc):
        box = doc.createElement("input", attributes={"type": "checkbox"})
        assert box.checked is False
        box.checked = True
        assert box.checked is True
        assert not box.hasAttribute("checked")

    def test_checked_attribute_makes_a_new_checkbox_checked(self, doc):
        # In a browser the checked attribute gives the initial checkedness.
        box = doc.createElement("input", attributes={"type": "checkbox", "checked": ""})
        assert box.checked is True

    def test_checked_attribute_changes_checked_until_checked_is_set(self, doc):
        box = doc.createElement("input", attributes={"type": "checkbox"})
        box.setAttribute("checked", "")
        assert box.checked is True
        box.checked = False
        box.setAttribute("checked", "checked")
        assert box.checked is False

    def test_parsed_checked_checkbox_is_checked(self, doc, root):
        root.innerHTML = '<input id="c" type="checkbox" checked>'
        assert doc.getElementById("c").checked is True

    def test_checked_must_be_a_bool(self, doc):
        with pytest.raises(WrongTypeError):
            doc.createElement("input", attributes={"type": "checkbox"}).checked = 1

    def _radio(self, doc, name):
        return doc.createElement("input", attributes={"type": "radio", "name": name})

    def test_checking_a_radio_button_unchecks_the_others_of_its_group(self, doc, root):
        a, b, c = self._radio(doc, "g"), self._radio(doc, "g"), self._radio(doc, "other")
        root.append(a, b, c)
        c.checked = True
        a.checked = True
        b.checked = True
        assert (a.checked, b.checked, c.checked) == (False, True, True)

    def test_radio_groups_in_different_forms_are_independent(self, doc, root):
        first, second = doc.createElement("form"), doc.createElement("form")
        root.append(first, second)
        a, b = self._radio(doc, "g"), self._radio(doc, "g")
        first.appendChild(a)
        second.appendChild(b)
        a.checked = True
        b.checked = True
        # Same name, different forms: different groups in the browser.
        assert a.checked is True
        assert b.checked is True

    def test_radio_buttons_in_a_detached_tree_are_not_grouped_with_the_page(self, doc, root):
        attached, detached = self._radio(doc, "g"), self._radio(doc, "g")
        root.appendChild(attached)
        attached.checked = True
        detached.checked = True
        assert attached.checked is True


# ---------------------------------------------------------------------- events


class TestEventListeners:
    def test_addEventListener_registers_the_callback(self, doc):
        button = doc.createElement("button")

        def callback(event):
            pass

        button.addEventListener("click", callback)
        assert button.getEventListener("click") is callback

    def test_addEventListener_with_a_non_callable_raises_WrongTypeError(self, doc):
        with pytest.raises(WrongTypeError):
            doc.createElement("button").addEventListener("click", "not callable")

    @pytest.mark.parametrize("callback", [lambda: None, lambda a, b: None, lambda *, event: None])
    def test_addEventListener_with_a_callback_that_cannot_take_one_argument_raises(self, doc, callback):
        with pytest.raises(WrongTypeError):
            doc.createElement("button").addEventListener("click", callback)

    @pytest.mark.parametrize("callback", [lambda e: None, lambda *args: None, lambda e, extra=1: None, print])
    def test_addEventListener_accepts_callbacks_that_take_one_argument(self, doc, callback):
        button = doc.createElement("button")
        button.addEventListener("click", callback)
        assert button.getEventListener("click") is callback

    def test_addEventListener_accepts_bound_methods_and_coroutine_functions(self, doc):
        class Handler:
            def on_click(self, event):
                pass

        async def on_input(event):
            pass

        el = doc.createElement("input")
        el.addEventListener("click", Handler().on_click)
        el.addEventListener("input", on_input)

    def test_adding_a_second_listener_for_the_same_event_raises_InvalidValueError(self, doc):
        button = doc.createElement("button")
        button.addEventListener("click", lambda e: None)
        with pytest.raises(InvalidValueError):
            button.addEventListener("click", lambda e: None)

    def test_removeEventListener_allows_adding_again(self, doc):
        button = doc.createElement("button")
        button.addEventListener("click", lambda e: None)
        button.removeEventListener("click")
        assert button.getEventListener("click") is None
        second = lambda e: None  # noqa: E731
        button.addEventListener("click", second)
        assert button.getEventListener("click") is second

    def test_removeEventListener_with_another_callback_keeps_the_listener(self, doc):
        button = doc.createElement("button")

        def registered(event):
            pass

        button.addEventListener("click", registered)
        button.removeEventListener("click", lambda e: None)
        assert button.getEventListener("click") is registered
        button.removeEventListener("click", registered)
        assert button.getEventListener("click") is None

    def test_removeEventListener_without_a_listener_does_nothing(self, doc):
        doc.createElement("button").removeEventListener("click")

    @pytest.mark.parametrize("event", ["", "on click", "click()", "a;b"])
    def test_addEventListener_with_an_invalid_event_name_raises(self, doc, event):
        with pytest.raises(InvalidNameError):
            doc.createElement("button").addEventListener(event, lambda e: None)

    def test_custom_event_names_are_accepted(self, doc):
        doc.createElement("div").addEventListener("my-event", lambda e: None)

    def test_js_value_getter_must_be_a_str(self, doc):
        with pytest.raises(WrongTypeError):
            doc.createElement("input").addEventListener("input", lambda e: None, js_value_getter=1)


# ---------------------------------------------------------------------- lookup


class TestLookup:
    def test_getElementById_finds_connected_elements(self, doc, root):
        outer = doc.createElement("div", id="outer")
        inner = doc.createElement("span", id="inner")
        outer.appendChild(inner)
        root.appendChild(outer)
        assert doc.getElementById("outer") is outer
        assert doc.getElementById("inner") is inner

    def test_getElementById_finds_the_root(self, doc, root):
        assert doc.getElementById(ROOT) is root

    def test_getElementById_finds_created_elements_not_yet_attached(self, doc):
        el = doc.createElement("div", id="pending")
        assert doc.getElementById("pending") is el

    def test_getElementById_finds_children_of_created_elements_not_yet_attached(self, doc):
        parent = doc.createElement("div", id="parent")
        child = doc.createElement("span", id="child")
        parent.appendChild(child)
        assert doc.getElementById("child") is child

    def test_getElementById_finds_generated_ids_of_attached_elements(self, doc, root):
        el = doc.createElement("div")
        root.appendChild(el)
        assert doc.getElementById(el.id) is el

    def test_getElementById_finds_generated_ids_of_elements_not_yet_attached(self, doc):
        el = doc.createElement("div")
        assert doc.getElementById(el.id, strict=False) is el

    def test_getElementById_does_not_find_removed_elements(self, doc, root):
        outer = doc.createElement("div", id="outer")
        inner = doc.createElement("span", id="inner")
        auto = doc.createElement("b")
        outer.append(inner, auto)
        root.appendChild(outer)
        outer.remove()
        assert doc.getElementById("outer", strict=False) is None
        assert doc.getElementById("inner", strict=False) is None
        assert doc.getElementById(auto.id, strict=False) is None

    def test_getElementById_finds_a_removed_element_again_once_reattached(self, doc, root):
        el = doc.createElement("div", id="x")
        root.appendChild(el)
        el.remove()
        root.appendChild(el)
        assert doc.getElementById("x") is el

    def test_getElementById_follows_id_changes(self, doc, root):
        el = doc.createElement("div", id="old")
        root.appendChild(el)
        el.id = "new"
        assert doc.getElementById("new") is el
        assert doc.getElementById("old", strict=False) is None

    def test_getElementById_of_a_missing_id_raises_NotFoundError(self, doc):
        with pytest.raises(NotFoundError):
            doc.getElementById("nope")

    def test_NotFoundError_is_a_KeyError(self, doc):
        with pytest.raises(KeyError):
            doc.getElementById("nope")
        assert issubclass(NotFoundError, KeyError)

    def test_getElementById_with_strict_False_returns_None(self, doc):
        assert doc.getElementById("nope", strict=False) is None

    def test_getElementsByClassName_matches_any_single_class_token(self, doc, root):
        a = doc.createElement("div", attributes={"class": "big red"})
        b = doc.createElement("div", attributes={"class": "red"})
        c = doc.createElement("div", attributes={"class": "blue"})
        root.append(a, b, c)
        assert doc.getElementsByClassName("red") == [a, b]
        assert doc.getElementsByClassName("big") == [a]

    def test_getElementsByClassName_with_several_names_requires_all(self, doc, root):
        a = doc.createElement("div", attributes={"class": "big red"})
        b = doc.createElement("div", attributes={"class": "red"})
        root.append(a, b)
        assert doc.getElementsByClassName("red big") == [a]
        assert doc.getElementsByClassName("  red   big ") == [a]
        assert doc.getElementsByClassName("red green") == []

    def test_getElementsByClassName_returns_descendants_in_tree_order(self, doc, root):
        outer = doc.createElement("div", attributes={"class": "x"})
        inner = doc.createElement("div", attributes={"class": "x"})
        after = doc.createElement("div", attributes={"class": "x"})
        outer.appendChild(inner)
        root.append(outer, after)
        assert doc.getElementsByClassName("x") == [outer, inner, after]
        assert outer.getElementsByClassName("x") == [inner]

    def test_getElementsByClassName_ignores_detached_elements(self, doc, root):
        doc.createElement("div", attributes={"class": "x"})
        assert doc.getElementsByClassName("x") == []

    def test_getElementsByClassName_with_no_names_returns_nothing(self, doc, root):
        root.appendChild(doc.createElement("div", attributes={"class": "x"}))
        assert doc.getElementsByClassName("") == []

    def test_getElementsByTagName_matches_html_tags_case_insensitively(self, doc, root):
        p1, p2 = doc.createElement("p"), doc.createElement("p")
        div = doc.createElement("div")
        div.appendChild(p2)
        root.append(p1, div)
        assert doc.getElementsByTagName("p") == [p1, p2]
        assert doc.getElementsByTagName("P") == [p1, p2]
        assert div.getElementsByTagName("p") == [p2]
        assert doc.getElementsByTagName("*") == [p1, div, p2]

    def test_getElementsByTagName_matches_svg_tags_case_sensitively(self, doc, root):
        svg = doc.createElementNS(SVG_NAMESPACE, "svg")
        gradient = doc.createElementNS(SVG_NAMESPACE, "linearGradient")
        svg.appendChild(gradient)
        root.appendChild(svg)
        assert doc.getElementsByTagName("linearGradient") == [gradient]
        assert doc.getElementsByTagName("lineargradient") == []


# ---------------------------------------------------------------------- recorded JavaScript


class TestRendering:
    def test_the_first_render_starts_by_binding_the_root(self, doc):
        js = doc.render_js_updates()
        assert statements(js)[0] == f'R("{ROOT}")'

    def test_the_first_render_with_changes_still_starts_with_the_root(self, doc, root):
        root.appendChild(doc.createElement("p", innerText="hi"))
        first = statements(doc.render_js_updates())
        assert first[0] == f'R("{ROOT}")'
        assert len(first) == 2
        assert '"hi"' in first[1]

    def test_nothing_pending_renders_an_empty_string(self, doc):
        doc.render_js_updates()
        assert doc.render_js_updates() == ""
        assert not doc.has_updates()

    def test_setting_properties_to_their_current_values_records_nothing(self, doc, root):
        p = doc.createElement("p", innerText="text", attributes={"title": "t", "class": "a b"})
        p.style["color"] = "red"
        field = doc.createElement("input", value="v")
        multi = doc.createElement("div", innerText="x\ny")
        box = doc.createElement("input", attributes={"type": "checkbox"})
        box.checked = True
        root.append(p, field, multi, box)
        doc.render_js_updates()
        p.innerText = "text"
        p.textContent = "text"
        p.setAttribute("title", "t")
        p.className = "a b"
        p.classList.add("a")
        p.classList.remove("zzz")
        p.style["color"] = "red"
        p.hidden = False
        p.toggleAttribute("title", True)
        field.value = "v"
        multi.innerText = "x\ny"
        box.checked = True
        assert doc.render_js_updates() == ""

    def test_unchecking_a_checkbox_that_was_never_checked_records_nothing(self, doc, root):
        box = doc.createElement("input", attributes={"type": "checkbox"})
        root.appendChild(box)
        doc.render_js_updates()
        box.checked = False
        assert doc.render_js_updates() == ""

    def test_a_thousand_innerText_changes_render_one_statement(self, doc, root):
        p = doc.createElement("p")
        root.appendChild(p)
        doc.render_js_updates()
        for i in range(1000):
            p.innerText = f"tick {i}"
        lines = statements(doc.render_js_updates())
        assert len(lines) == 1
        assert '"tick 999"' in lines[0]
        assert lines[0].startswith(f"N({p._key}).")

    def test_changes_before_attaching_render_only_the_final_state(self, doc, root):
        doc.render_js_updates()
        p = doc.createElement("p")
        for i in range(100):
            p.innerText = f"v{i}"
            p.setAttribute("title", f"t{i}")
        root.appendChild(p)
        lines = statements(doc.render_js_updates())
        assert len(lines) == 1
        assert '"v99"' in lines[0] and '"t99"' in lines[0]
        assert '"v98"' not in lines[0]

    def test_an_element_created_appended_and_removed_in_one_batch_renders_nothing(self, doc, root):
        doc.render_js_updates()
        el = doc.createElement("div", innerText="short-lived")
        root.appendChild(el)
        el.innerText = "changed"
        el.setAttribute("title", "t")
        el.addEventListener("click", lambda e: None)
        el.remove()
        assert doc.render_js_updates() == ""

    def test_short_lived_elements_leave_no_trace_beside_other_changes(self, doc, root):
        keep = doc.createElement("p", innerText="keep")
        root.appendChild(keep)
        doc.render_js_updates()
        gone = doc.createElement("div")
        root.appendChild(gone)
        keep.innerText = "kept"
        child = doc.createElement("span")
        gone.appendChild(child)
        gone.remove()
        js = doc.render_js_updates()
        assert not mentions(js, gone)
        assert not mentions(js, child)
        assert '"kept"' in js

    def test_removing_a_rendered_element_renders_remove_then_forget(self, doc, root):
        el = doc.createElement("div")
        child = doc.createElement("span")
        el.appendChild(child)
        root.appendChild(el)
        doc.render_js_updates()
        el.remove()
        lines = statements(doc.render_js_updates())
        assert lines[0] == f"N({el._key}).remove()"
        forget = lines[-1]
        assert forget.startswith("F(")
        keys = {int(k) for k in forget[2:-1].split(",")}
        assert {el._key, child._key} <= keys
        assert len(lines) == 2

    def test_reappending_a_removed_element_after_a_render_recreates_it(self, doc, root):
        el = doc.createElement("div", innerText="hello", attributes={"title": "t"})
        root.appendChild(el)
        doc.render_js_updates()
        el.remove()
        doc.render_js_updates()
        el.innerText = "back again"
        root.appendChild(el)
        js = doc.render_js_updates()
        assert f'E(-{el._key},"div"' in js  # rebuilt, with its generated id
        assert '"back again"' in js and '"title","t"' in js
        assert f"N({el._key})" not in js

    def test_moving_a_rendered_element_renders_a_move_not_a_rebuild(self, doc, root):
        a, b = doc.createElement("div"), doc.createElement("div")
        item = doc.createElement("span", innerText="x")
        a.appendChild(item)
        root.append(a, b)
        doc.render_js_updates()
        b.appendChild(item)
        js = doc.render_js_updates()
        assert f"N({b._key}).appendChild(N({item._key}))" in js
        assert f"E({item._key}" not in js
        assert "F(" not in js

    def test_render_js_full_rebuilds_everything_without_consuming_updates(self, doc, root):
        p = doc.createElement("p", innerText="one")
        root.appendChild(p)
        doc.render_js_updates()
        p.innerText = "two"
        q = doc.createElement("p", innerText="three")
        q.addEventListener("click", lambda e: None)
        root.appendChild(q)
        full = doc.render_js_full()
        assert statements(full)[0] == f'R("{ROOT}")'
        assert f'E(-{p._key},"p"' in full and '"two"' in full
        assert f'E(-{q._key},"p"' in full and '"three"' in full and '"click"' in full
        assert "one" not in full
        assert doc.render_js_full() == full
        pending = doc.render_js_updates()
        assert '"two"' in pending
        assert '"three"' in pending

    def test_render_js_full_before_the_first_render_does_not_consume_the_root_binding(self, doc, root):
        root.appendChild(doc.createElement("p"))
        doc.render_js_full()
        assert doc.render_js_updates().startswith(f'R("{ROOT}")')

    def test_strings_are_encoded_as_data(self, doc, root):
        p = doc.createElement("p", innerText='"); alert(1); ("</script>`${x}`')
        root.appendChild(p)
        js = doc.render_js_updates()
        assert "</script>" not in js
        assert 'alert(1); (\\"' in js
        assert "\\u003c/script>" in js

    def test_listeners_render_with_their_getter(self, doc, root):
        field = doc.createElement("input")
        root.appendChild(field)
        doc.render_js_updates()
        field.addEventListener("input", lambda e: None, js_value_getter="this.value")
        js = doc.render_js_updates()
        assert f'N({field._key}).addEventListener("input",H({field._key},"input","this.value"))' in js
        field.removeEventListener("input")
        js = doc.render_js_updates()
        assert f'N({field._key}).removeEventListener("input"' in js


# ---------------------------------------------------------------------- handle_event


class TestHandleEvent:
    @pytest.fixture
    def field(self, doc, root):
        field = doc.createElement("input", id="field", value="old", attributes={"type": "text"})
        root.appendChild(field)
        return field

    def test_handle_event_writes_the_state_value_before_calling_the_callback(self, doc, field):
        seen = []
        field.addEventListener("input", lambda event: seen.append(field.value), js_value_getter="this.value")
        doc.render_js_updates()
        doc.handle_event({"domsync": True, "event": "input", "id": field._key,
                          "value": "new", "state": {"value": "new"}})
        assert seen == ["new"]
        assert field.value == "new"

    def test_the_browser_value_is_not_sent_back_to_the_browser(self, doc, field):
        field.addEventListener("input", lambda event: None)
        doc.render_js_updates()
        doc.handle_event({"domsync": True, "event": "input", "id": field._key,
                          "value": "new", "state": {"value": "new"}})
        assert doc.render_js_updates() == ""
        field.value = "old"
        assert '"old"' in doc.render_js_updates()

    def test_the_callback_gets_the_012_message_dict_plus_element(self, doc, field):
        received = []
        field.addEventListener("input", received.append, js_value_getter="this.value")
        doc.render_js_updates()
        doc.handle_event({"domsync": True, "event": "input", "id": field._key,
                          "value": "new", "state": {"value": "new"}})
        (event,) = received
        assert event["event"] == "input"
        assert event["id"] == "field"
        assert event["value"] == "new"
        assert event["doc"] is doc
        assert event["element"] is field

    def test_handle_event_returns_what_the_callback_returns(self, doc, root):
        button = doc.createElement("button")
        button.addEventListener("click", lambda event: "result")
        root.appendChild(button)
        doc.render_js_updates()
        assert doc.handle_event({"domsync": True, "event": "click", "id": button._key, "value": None}) == "result"

    def test_handle_event_accepts_the_element_id_string_as_in_012(self, doc, root):
        received = []
        button = doc.createElement("button", id="go")
        button.addEventListener("click", received.append)
        root.appendChild(button)
        doc.handle_event({"domsync": True, "event": "click", "id": "go", "value": None})
        assert [e["id"] for e in received] == ["go"]

    def test_handle_event_updates_checked_from_state(self, doc, root):
        box = doc.createElement("input", attributes={"type": "checkbox"})
        box.addEventListener("change", lambda e: None)
        root.appendChild(box)
        doc.render_js_updates()
        doc.handle_event({"domsync": True, "event": "change", "id": box._key,
                          "value": None, "state": {"checked": True, "value": "on"}})
        assert box.checked is True

    @pytest.fixture
    def clicked(self, doc, root):
        calls = []
        button = doc.createElement("button", id="button")
        button.addEventListener("click", calls.append)
        root.appendChild(button)
        doc.render_js_updates()
        return button, calls

    def _dropped(self, caplog, doc, msg, calls):
        caplog.clear()
        with caplog.at_level(logging.DEBUG, logger="domsync.document"):
            result = doc.handle_event(msg)
        assert result is None
        assert calls == []
        records = [r for r in caplog.records if r.name == "domsync.document"]
        assert records, f"nothing was logged for {msg!r}"
        assert all(r.levelno >= logging.WARNING for r in records)

    @pytest.mark.parametrize("msg", [
        None,
        "click",
        42,
        ["click"],
        {},
        {"domsync": True, "event": "click"},
        {"domsync": True, "event": 5, "id": "button"},
        {"domsync": True, "event": None, "id": "button"},
        {"domsync": True, "event": "click", "id": ["button"]},
        {"domsync": True, "event": "click", "id": 1.0},
        {"domsync": True, "event": "click", "id": True},
        {"domsync": True, "event": "click", "id": None},
        {"domsync": True, "event": "click", "id": "no-such-id"},
        {"domsync": True, "event": "click", "id": 987654},
        {"domsync": True, "event": "click", "id": -1},
        {"domsync": True, "event": "mouseover", "id": "button"},
        {"domsync": True, "event": "", "id": "button"},
    ], ids=repr)
    def test_bad_messages_are_logged_and_dropped(self, caplog, doc, clicked, msg):
        self._dropped(caplog, doc, msg, clicked[1])

    def test_an_event_for_the_key_of_a_listening_element_with_a_wrong_event_is_dropped(self, caplog, doc, clicked):
        button, calls = clicked
        self._dropped(caplog, doc, {"domsync": True, "event": "input", "id": button._key}, calls)

    def test_an_event_for_a_removed_element_is_dropped(self, caplog, doc, clicked):
        button, calls = clicked
        button.remove()
        self._dropped(caplog, doc, {"domsync": True, "event": "click", "id": button._key}, calls)
        self._dropped(caplog, doc, {"domsync": True, "event": "click", "id": "button"}, calls)
        doc.render_js_updates()
        self._dropped(caplog, doc, {"domsync": True, "event": "click", "id": button._key}, calls)

    def test_an_event_after_removeEventListener_is_dropped(self, caplog, doc, clicked):
        button, calls = clicked
        button.removeEventListener("click")
        doc.render_js_updates()
        self._dropped(caplog, doc, {"domsync": True, "event": "click", "id": button._key}, calls)

    def test_a_state_of_the_wrong_type_does_not_raise(self, doc, field):
        received = []
        field.addEventListener("input", received.append)
        doc.render_js_updates()
        doc.handle_event({"domsync": True, "event": "input", "id": field._key, "value": 5,
                          "state": {"value": 7, "checked": "yes"}})
        doc.handle_event({"domsync": True, "event": "input", "id": field._key, "value": None,
                          "state": ["value"]})
        assert len(received) == 2
        assert field.value == "old"


# ---------------------------------------------------------------------- replaying batches
#
# A small Python stand-in for the browser client: it parses rendered batches and applies
# them to a toy DOM with the browser's rules, so that random sequences of mutations can
# check that what the browser would end up with is what the model says.

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}
_TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>-?[0-9]+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)'
                    r'|(?P<punct>[()\[\]{},.:=;]))')


class FakeNode:
    def __init__(self, key, tag, ns):
        self.key, self.tag, self.ns = key, tag, ns
        self.attrs: dict[str, str] = {}
        self.kids: list = []
        self.parent = None
        self.value = None  # None: not set, the value attribute is the value
        self.checked = None  # None: not set, the checked attribute decides
        self.listeners: set[str] = set()

    def _adopt(self, node):
        if isinstance(node, FakeNode):
            walk = self
            while walk is not None:
                if walk is node:
                    raise AssertionError("HierarchyRequestError: inserting an ancestor")
                walk = walk.parent
            if node.parent is not None:
                node.parent.kids.remove(node)
            node.parent = self
        return node

    def appendChild(self, node):
        self.kids.append(self._adopt(node))

    def append(self, *nodes):
        for node in nodes:
            self.appendChild(node)

    def insertBefore(self, node, ref):
        if ref is None:
            return self.appendChild(node)
        assert ref.parent is self, "NotFoundError: the reference is not a child"
        if node is ref:
            return
        self._adopt(node)
        self.kids.insert(self.kids.index(ref), node)

    def remove(self):
        if self.parent is not None:
            self.parent.kids.remove(self)
            self.parent = None

    def replaceChildren(self, *nodes):
        for kid in self.kids:
            if isinstance(kid, FakeNode):
                kid.parent = None
        self.kids = []
        self.append(*nodes)

    def setAttribute(self, name, value):
        self.attrs[name] = value

    def removeAttribute(self, name):
        self.attrs.pop(name, None)

    def addEventListener(self, event, handler):
        self.listeners.add(event)

    def removeEventListener(self, event, handler):
        self.listeners.discard(event)

    def set_textContent(self, text):
        self.replaceChildren(*([text] if text else []))

    def set_value(self, value):
        self.value = value

    def set_checked(self, value):
        self.checked = value

    def html(self):
        out = []
        for kid in self.kids:
            if isinstance(kid, str):
                if self.tag in ("script", "style") and self.ns is None:
                    out.append(kid)
                else:
                    out.append(kid.replace("&", "&amp;").replace("\u00a0", "&nbsp;")
                               .replace("<", "&lt;").replace(">", "&gt;"))
            else:
                out.append(kid.outer())
        return "".join(out)

    def outer(self):
        attrs = "".join(
            f' {k}="' + v.replace("&", "&amp;").replace("\u00a0", "&nbsp;").replace('"', "&quot;")
            .replace("<", "&lt;").replace(">", "&gt;") + '"'
            for k, v in self.attrs.items())
        if self.ns is None and self.tag in _VOID:
            return f"<{self.tag}{attrs}>"
        return f"<{self.tag}{attrs}>{self.html()}</{self.tag}>"


class FakeBrowser:
    """Applies rendered batches the way client_js/domsync.js does."""

    def __init__(self, root_id):
        self.root = FakeNode(0, "div", None)
        self.root.attrs = {"id": root_id}
        self.root_id = root_id
        self.nodes: dict[int, FakeNode] = {}

    # -- parsing
    def _tokens(self, text):
        pos, out = 0, []
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                if text[pos:].strip() == "":
                    break
                raise AssertionError(f"cannot parse batch at {text[pos:pos + 40]!r}")
            pos = m.end()
            kind = m.lastgroup
            out.append((kind, m.group(kind)))
        return out

    def apply(self, batch):
        self.toks = self._tokens(batch)
        self.i = 0
        while self.i < len(self.toks):
            self._statement()
            self._expect(";")

    def _peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def _next(self):
        tok = self._peek()
        self.i += 1
        return tok

    def _expect(self, punct):
        kind, value = self._next()
        assert (kind, value) == ("punct", punct), f"expected {punct!r}, got {value!r}"

    def _args(self):
        self._expect("(")
        args = []
        if self._peek() != ("punct", ")"):
            args.append(self._expr())
            while self._peek() == ("punct", ","):
                self._next()
                args.append(self._expr())
        self._expect(")")
        return args

    def _expr(self):
        kind, value = self._next()
        if kind == "str":
            return json_loads(value)
        if kind == "num":
            return int(value)
        if kind == "name":
            if value in ("null", "true", "false"):
                return {"null": None, "true": True, "false": False}[value]
            return self._call(value, self._args())
        if value == "[":
            items = []
            if self._peek() != ("punct", "]"):
                items.append(self._expr())
                while self._peek() == ("punct", ","):
                    self._next()
                    items.append(self._expr())
            self._expect("]")
            return items
        if value == "{":
            obj = {}
            while self._peek() != ("punct", "}"):
                key = json_loads(self._next()[1])
                self._expect(":")
                obj[key] = self._expr()
                if self._peek() == ("punct", ","):
                    self._next()
            self._expect("}")
            return obj
        raise AssertionError(f"unexpected token {value!r}")

    def _statement(self):
        kind, name = self._next()
        assert kind == "name", name
        target = self._call(name, self._args())
        while self._peek() == ("punct", "."):
            self._next()
            member = self._next()[1]
            if self._peek() == ("punct", "="):
                self._next()
                getattr(target, "set_" + member)(self._expr())
            else:
                getattr(target, member)(*self._args())

    def _call(self, name, args):
        if name == "R":
            assert args == [self.root_id]
            self.nodes = {0: self.root}
            self.root.attrs = {"id": self.root_id}
            self.root.replaceChildren()
            self.root.listeners.clear()
            return None
        if name == "N":
            assert args[0] in self.nodes, f"N({args[0]}): the browser has no such element"
            return self.nodes[args[0]]
        if name == "F":
            for key in args:
                self.nodes.pop(key, None)
            return None
        if name == "H":
            return ("handler", *args)
        if name in ("E", "S", "M"):
            key, tag, attrs, kids, props = (args + [0, 0, None])[:5]
            ns = {"E": None, "S": domsync.SVG_NAMESPACE, "M": domsync.MATHML_NAMESPACE}[name]
            node = FakeNode(abs(key), tag, ns)
            if key < 0:  # a generated id, set first
                key = -key
                node.attrs["id"] = f"__domsync_el_{key}"
            for j in range(0, len(attrs or []), 2):
                node.attrs[attrs[j]] = attrs[j + 1]
            if isinstance(kids, str):
                node.set_textContent(kids)
            elif kids:
                node.append(*kids)
            if props:
                if "value" in props:
                    node.value = props["value"]
                if "checked" in props:
                    node.checked = props["checked"]
                on = props.get("on") or []
                node.listeners.update(on[0::2])
            self.nodes[key] = node
            return node
        raise AssertionError(f"unknown helper {name}")


def json_loads(literal):
    return json.loads(literal)


def assert_same(el: Element, node: FakeNode, path="root"):
    assert node.key == el._key, f"{path}: key {node.key} != {el._key}"
    assert node.tag == el.tagName, path
    assert node.attrs == el.attributes, f"{path}: attributes differ"
    model_kids, browser_kids = el.childNodes, node.kids
    assert len(model_kids) == len(browser_kids), f"{path}: {el.innerHTML!r} vs {node.html()!r}"
    for i, (mk, bk) in enumerate(zip(model_kids, browser_kids)):
        if isinstance(mk, str):
            assert mk == bk, f"{path}/{i}: text differs"
        else:
            assert isinstance(bk, FakeNode), f"{path}/{i}: element vs text"
            assert_same(mk, bk, f"{path}/{mk.tagName}[{i}]")
    for event in ("click", "input"):
        assert (el.getEventListener(event) is not None) == (event in node.listeners), \
            f"{path}: listener {event} differs"
    if el.tagName == "input" and (el.getAttribute("type") or "text") == "text":
        browser_value = node.value if node.value is not None else node.attrs.get("value")
        assert browser_value == el.value, f"{path}: value differs"
        browser_checked = node.checked if node.checked is not None else "checked" in node.attrs
        assert browser_checked == el.checked, f"{path}: checked differs"


# More seeds find rarer bugs: DOMSYNC_REPLAY_SEEDS=3000 pytest tests/test_element.py -k Replayed
REPLAY_SEEDS = int(os.environ.get("DOMSYNC_REPLAY_SEEDS", "40"))


def connected_keys(doc):
    return {0, *(el._key for el in doc.getRootElement().getElementsByTagName("*"))}


class TestReplayedBatches:
    def test_the_fake_browser_reproduces_a_simple_page(self, doc, root):
        ul = doc.createElement("ul", attributes={"class": "x"})
        ul.appendChild(doc.createElement("li", innerText="a\nb"))
        root.appendChild(ul)
        browser = FakeBrowser(ROOT)
        browser.apply(doc.render_js_updates())
        assert browser.root.html() == root.innerHTML
        assert_same(root, browser.root)

    def _replay(self, doc, browser):
        batch = doc.render_js_updates()
        browser.apply(batch)
        assert browser.root.html() == doc.getRootElement().innerHTML, batch
        assert_same(doc.getRootElement(), browser.root)
        assert set(browser.nodes) == connected_keys(doc)
        return batch

    def test_an_element_parsed_into_a_short_lived_element_and_moved_out_reaches_the_browser(self, doc, root):
        browser = FakeBrowser(ROOT)
        self._replay(doc, browser)
        card = doc.createElement("div")
        root.appendChild(card)
        card.innerHTML = "<b>kept</b>"
        kept = card.firstElementChild
        root.appendChild(kept)
        card.remove()
        batch = self._replay(doc, browser)
        assert f'E({kept._key},"b"' in batch

    def test_a_br_made_by_innerText_of_a_short_lived_element_and_moved_out_reaches_the_browser(self, doc, root):
        browser = FakeBrowser(ROOT)
        other = doc.createElement("div")
        root.appendChild(other)
        self._replay(doc, browser)
        card = doc.createElement("p")
        root.appendChild(card)
        card.innerText = "a\nb"
        br = card.firstElementChild
        other.appendChild(br)
        card.remove()
        self._replay(doc, browser)

    def test_a_rendered_element_moved_into_a_short_lived_element_leaves_the_browser_page(self, doc, root):
        browser = FakeBrowser(ROOT)
        item = doc.createElement("p", id="item")
        root.appendChild(item)
        self._replay(doc, browser)
        box = doc.createElement("div")
        root.appendChild(box)
        box.innerHTML = '<span id="s"></span>'
        doc.getElementById("s").appendChild(item)
        box.remove()
        self._replay(doc, browser)
        assert browser.root.kids == []

    def test_coalesced_child_replacements_never_insert_an_element_into_its_descendant(self, doc, root):
        browser = FakeBrowser(ROOT)
        outer = doc.createElement("div", id="outer")
        inner = doc.createElement("div", id="inner")
        outer.appendChild(inner)
        root.appendChild(outer)
        self._replay(doc, browser)
        outer.textContent = "x"  # inner leaves outer
        inner.appendChild(outer)  # so outer may go into inner
        outer.textContent = "y"
        self._replay(doc, browser)

    def test_coalesced_attribute_changes_keep_the_attribute_order_of_the_model(self, doc, root):
        browser = FakeBrowser(ROOT)
        p = doc.createElement("p", id="p")
        root.appendChild(p)
        self._replay(doc, browser)
        p.setAttribute("title", "1")
        p.setAttribute("data-x", "1")
        p.setAttribute("title", "2")
        self._replay(doc, browser)
        assert browser.root.html() == '<p id="p" title="2" data-x="1"></p>'

    def test_an_attribute_removed_and_set_again_in_one_batch_moves_last_in_the_browser_too(self, doc, root):
        browser = FakeBrowser(ROOT)
        p = doc.createElement("p", id="p", attributes={"title": "1", "class": "c"})
        root.appendChild(p)
        self._replay(doc, browser)
        p.removeAttribute("title")
        p.setAttribute("title", "2")
        assert p.outerHTML == '<p id="p" class="c" title="2"></p>'
        self._replay(doc, browser)

    def test_coalesced_class_and_style_changes_keep_the_attribute_order_of_the_model(self, doc, root):
        browser = FakeBrowser(ROOT)
        p = doc.createElement("p", id="p")
        root.appendChild(p)
        self._replay(doc, browser)
        p.classList.add("a")
        p.style["color"] = "red"
        p.classList.add("b")
        self._replay(doc, browser)

    def _mutate(self, doc, rng, pool, counter):
        """One random mutation; usage errors (e.g. cycles) are part of the game."""
        root = doc.getRootElement()
        attached = [root, *root.getElementsByTagName("*")]
        everything = attached + pool
        others = everything[1:]  # leave the root's content alone, mostly
        op = rng.randrange(24)
        try:
            if op in (0, 1) or not pool:
                tag = rng.choice(["div", "span", "p", "ul", "li", "input", "b"])
                kwargs = {}
                if rng.random() < 0.3:
                    counter[0] += 1
                    kwargs["id"] = f"id{counter[0]}"
                if tag != "input" and rng.random() < 0.5:
                    kwargs["innerText"] = rng.choice(["x", "y\nz", "", "a & <b>"])
                if tag == "input" and rng.random() < 0.5:
                    kwargs["value"] = rng.choice(["v1", "v2"])
                pool.append(doc.createElement(tag, **kwargs))
            elif op in (2, 3, 4):
                parent = rng.choice(attached) if rng.random() < 0.7 else rng.choice(everything)
                parent.appendChild(rng.choice(pool if rng.random() < 0.5 else everything))
            elif op == 5:
                parent = rng.choice(attached)
                kids = parent.children
                parent.insertBefore(rng.choice(everything), rng.choice(kids) if kids else None)
            elif op == 6:
                victim = rng.choice(others)
                victim.remove()
            elif op == 7:
                parent = rng.choice(everything)
                if parent.children:
                    parent.replaceChild(rng.choice(everything), rng.choice(parent.children))
            elif op == 8:
                el = rng.choice(others)
                if el.tagName != "input":
                    el.innerText = rng.choice(["one", "two\nlines", "", "3\r\n4\r5", "one"])
            elif op == 9:
                el = rng.choice(others)
                if el.tagName != "input":
                    el.textContent = rng.choice(["t1", "", "t2"])
            elif op == 10:
                rng.choice(everything).setAttribute(rng.choice(["title", "data-x", "value", "checked"]), rng.choice(["1", "2"]))
            elif op == 11:
                rng.choice(everything).removeAttribute(rng.choice(["title", "data-x", "class", "value", "checked"]))
            elif op == 12:
                rng.choice(everything).classList.toggle(rng.choice(["a", "b"]))
            elif op == 13:
                inputs = [el for el in everything if el.tagName == "input"]
                if inputs:
                    rng.choice(inputs).value = rng.choice(["v1", "v2", "v3"])
            elif op == 14:
                el = rng.choice(everything)
                event = rng.choice(["click", "input"])
                if el.getEventListener(event) is None:
                    el.addEventListener(event, lambda e: None)
                else:
                    el.removeEventListener(event)
            elif op == 15:
                el = rng.choice(others)
                if el.tagName not in ("input", "ul"):
                    el.innerHTML = rng.choice(["<i>i</i>text<b>b</b>", "plain", "", "<span>s<br>t</span>"])
            elif op == 16:
                el = rng.choice(others)
                counter[0] += 1
                el.id = rng.choice(["same", f"n{counter[0]}"])
            elif op == 17:
                el = rng.choice(everything)
                el.style["color"] = rng.choice(["red", "blue", ""])
            elif op == 18:
                rng.choice(others).replaceWith(rng.choice(everything))
            elif op == 19:
                parent = rng.choice(everything)
                if parent.children:
                    parent.removeChild(rng.choice(parent.children))
            elif op == 20:
                boxes = [el for el in everything if el.tagName == "input"]
                if boxes:
                    rng.choice(boxes).checked = rng.random() < 0.5
            elif op == 21:
                svg = doc.createElementNS(domsync.SVG_NAMESPACE, rng.choice(["svg", "linearGradient"]))
                if rng.random() < 0.5:
                    svg.innerHTML = "<circle/><g><rect/></g>"
                pool.append(svg)
            elif op == 22:
                el = rng.choice(others)
                if el.tagName not in ("input", "ul"):
                    counter[0] += 1
                    el.innerHTML = rng.choice([f'<p id="h{counter[0]}">x</p>', '<p id="same">s</p>'])
            else:
                parent = rng.choice(attached)
                kids = parent.children
                if len(kids) > 1:
                    parent.insertBefore(rng.choice(kids), rng.choice(kids))
        except domsync.UsageError:
            pass

    @pytest.mark.parametrize("seed", range(REPLAY_SEEDS))
    def test_random_mutations_leave_the_browser_equal_to_the_model(self, seed):
        rng = random.Random(seed)
        doc = Document(ROOT)
        browser = FakeBrowser(ROOT)
        pool: list[Element] = []
        counter = [0]
        for step in range(120):
            self._mutate(doc, rng, pool, counter)
            if rng.random() < 0.2 or step == 119:
                batch = doc.render_js_updates()
                browser.apply(batch)
                assert browser.root.html() == doc.getRootElement().innerHTML, f"step {step}:\n{batch}"
                assert_same(doc.getRootElement(), browser.root)
                assert set(browser.nodes) == connected_keys(doc), f"step {step}: browser keeps freed keys"
                if rng.random() < 0.5:
                    # The user types into an input; the browser sends the event.
                    typed = [n for n in browser.nodes.values() if n.tag == "input" and "input" in n.listeners]
                    if typed:
                        node = rng.choice(typed)
                        node.value = rng.choice(["u1", "u2"])
                        doc.handle_event({"domsync": True, "event": "input", "id": node.key,
                                          "value": node.value, "state": {"value": node.value}})
            if rng.random() < 0.05:
                fresh = FakeBrowser(ROOT)
                fresh.apply(doc.render_js_full())
                assert fresh.root.html() == doc.getRootElement().innerHTML
                assert_same(doc.getRootElement(), fresh.root)
            if rng.random() < 0.03:
                # A browser that reconnects: it gets a full snapshot, then the updates.
                browser.apply(doc.render_js_updates())
                browser = FakeBrowser(ROOT)
                browser.apply(doc.render_js_full())
                assert set(browser.nodes) == connected_keys(doc)


def test_none_for_text_says_to_use_an_empty_string(doc):
    """str(value), the advice for other types, would show the word "None"."""
    el = doc.createElement("p")
    with pytest.raises(WrongTypeError, match=r"innerText must be a str, not None; for no text at all use ''"):
        el.innerText = None
    with pytest.raises(WrongTypeError, match=r"str\(None\) would show the word 'None'"):
        el.textContent = None
    with pytest.raises(WrongTypeError, match=r"not int \(3\); .* e\.g\. str\(value\)"):
        el.innerText = 3
