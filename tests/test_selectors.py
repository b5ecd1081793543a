"""Pure-Python tests of ``querySelector``/``querySelectorAll``/``matches``/``closest``
on the model, with the results a browser gives for the same tree."""

from __future__ import annotations

import pytest

from domsync import SVG_NAMESPACE, Document, SelectorError

ROOT = "root_id"

PAGE = """
<div id="main" class="page wide">
  <ul id="list" class="items">
    <li id="l1" class="item first" data-kind="fruit" lang="en-US">apple</li>
    <li id="l2" class="item" data-kind="vegetable" lang="en">carrot</li>
    <li id="l3" class="item last" data-kind="Fruit salad" lang="fr">
      <ul id="nested"><li id="n1" class="item">inner</li></ul>
    </li>
  </ul>
  <p id="para" title="hello world">text <a id="link" href="https://example.com/page.html">link</a></p>
  <form id="form"><input id="name" type="text" name="user name"><input id="ok" type="checkbox"></form>
</div>
<section id="aside" class="page"><p id="p2">other</p></section>
"""


@pytest.fixture
def doc():
    doc = Document(ROOT)
    doc.getRootElement().innerHTML = PAGE
    return doc


@pytest.fixture
def root(doc):
    return doc.getRootElement()


def ids(elements):
    return [el.id for el in elements]


class TestSimpleSelectors:
    def test_tag_selector(self, doc):
        assert ids(doc.querySelectorAll("li")) == ["l1", "l2", "l3", "n1"]

    def test_tag_selector_is_case_insensitive_for_html(self, doc):
        assert ids(doc.querySelectorAll("LI")) == ["l1", "l2", "l3", "n1"]

    def test_tag_selector_is_case_sensitive_for_svg(self, doc, root):
        svg = doc.createElementNS(SVG_NAMESPACE, "svg", id="svg")
        gradient = doc.createElementNS(SVG_NAMESPACE, "linearGradient", id="grad")
        svg.appendChild(gradient)
        root.appendChild(svg)
        assert doc.querySelector("linearGradient") is gradient
        assert doc.querySelector("lineargradient") is None

    def test_universal_selector_matches_every_element_in_tree_order(self, doc, root):
        everything = doc.querySelectorAll("*")
        assert everything[0] is root
        assert everything[1:] == root.getElementsByTagName("*")
        assert root.querySelectorAll("*") == everything[1:]

    def test_id_selector(self, doc):
        assert doc.querySelector("#l2").textContent == "carrot"
        assert doc.querySelector("#missing") is None

    def test_id_selector_with_escaped_dots(self, doc, root):
        root.appendChild(doc.createElement("tr", id="table.tr.kyle"))
        assert doc.querySelector(r"#table\.tr\.kyle").id == "table.tr.kyle"

    def test_id_selector_finds_generated_ids(self, doc, root):
        el = doc.createElement("div")
        root.appendChild(el)
        assert doc.querySelector("#" + el.id) is el

    def test_class_selector(self, doc):
        assert ids(doc.querySelectorAll(".item")) == ["l1", "l2", "l3", "n1"]
        assert ids(doc.querySelectorAll(".first")) == ["l1"]
        assert ids(doc.querySelectorAll(".page")) == ["main", "aside"]

    def test_class_selector_is_case_sensitive(self, doc):
        assert doc.querySelector(".ITEM") is None

    def test_compound_selector_requires_every_part(self, doc):
        assert ids(doc.querySelectorAll("li.item.last")) == ["l3"]
        assert ids(doc.querySelectorAll("div.page.wide#main")) == ["main"]
        assert ids(doc.querySelectorAll("section.page.wide")) == []
        assert ids(doc.querySelectorAll(".item#l2")) == ["l2"]
        assert ids(doc.querySelectorAll("li#main")) == []


class TestAttributeSelectors:
    def test_attribute_presence(self, doc):
        assert ids(doc.querySelectorAll("[data-kind]")) == ["l1", "l2", "l3"]
        assert ids(doc.querySelectorAll("[href]")) == ["link"]

    def test_attribute_names_are_case_insensitive_for_html(self, doc):
        assert ids(doc.querySelectorAll("[DATA-KIND]")) == ["l1", "l2", "l3"]

    @pytest.mark.parametrize("selector", [
        '[data-kind=fruit]', '[data-kind="fruit"]', "[data-kind='fruit']", '[ data-kind = "fruit" ]'])
    def test_attribute_equals_with_and_without_quotes(self, doc, selector):
        assert ids(doc.querySelectorAll(selector)) == ["l1"]

    def test_attribute_equals_with_spaces_in_a_quoted_value(self, doc):
        assert ids(doc.querySelectorAll('[data-kind="Fruit salad"]')) == ["l3"]
        assert ids(doc.querySelectorAll("[name='user name']")) == ["name"]

    def test_attribute_values_are_case_sensitive_by_default(self, doc):
        assert ids(doc.querySelectorAll('[data-kind="FRUIT"]')) == []

    def test_attribute_word_match(self, doc):
        assert ids(doc.querySelectorAll('[title~="world"]')) == ["para"]
        assert ids(doc.querySelectorAll('[title~="wor"]')) == []
        assert ids(doc.querySelectorAll('[class~="item"]')) == ["l1", "l2", "l3", "n1"]

    def test_attribute_dash_match(self, doc):
        assert ids(doc.querySelectorAll('[lang|="en"]')) == ["l1", "l2"]
        assert ids(doc.querySelectorAll('[lang|="e"]')) == []

    def test_attribute_prefix_match(self, doc):
        assert ids(doc.querySelectorAll('[href^="https://"]')) == ["link"]
        assert ids(doc.querySelectorAll('[href^="http:"]')) == []

    def test_attribute_suffix_match(self, doc):
        assert ids(doc.querySelectorAll('[href$=".html"]')) == ["link"]
        assert ids(doc.querySelectorAll('[href$=".htm"]')) == []

    def test_attribute_substring_match(self, doc):
        assert ids(doc.querySelectorAll('[href*="example"]')) == ["link"]
        assert ids(doc.querySelectorAll('[data-kind*="uit"]')) == ["l1", "l3"]

    @pytest.mark.parametrize("op", ["^=", "$=", "*="])
    def test_empty_prefix_suffix_and_substring_match_nothing(self, doc, op):
        assert doc.querySelectorAll(f'[href{op}""]') == []

    def test_i_flag_makes_the_value_case_insensitive(self, doc):
        assert ids(doc.querySelectorAll('[data-kind="FRUIT" i]')) == ["l1"]
        assert ids(doc.querySelectorAll('[data-kind^="fruit" i]')) == ["l1", "l3"]
        assert ids(doc.querySelectorAll('[type="CHECKBOX" I]')) == ["ok"]

    def test_attribute_selector_in_a_compound(self, doc):
        assert ids(doc.querySelectorAll('li.item[data-kind="vegetable"]')) == ["l2"]
        assert ids(doc.querySelectorAll('input[type=text][name]')) == ["name"]

    def test_svg_attribute_names_are_case_sensitive(self, doc, root):
        svg = doc.createElementNS(SVG_NAMESPACE, "svg", id="svg")
        svg.setAttribute("viewBox", "0 0 1 1")
        root.appendChild(svg)
        assert doc.querySelector("[viewBox]") is svg


class TestCombinators:
    def test_descendant_combinator(self, doc):
        assert ids(doc.querySelectorAll("ul li")) == ["l1", "l2", "l3", "n1"]
        assert ids(doc.querySelectorAll("#main p a")) == ["link"]
        assert ids(doc.querySelectorAll("section p")) == ["p2"]

    def test_child_combinator(self, doc):
        assert ids(doc.querySelectorAll("#list > li")) == ["l1", "l2", "l3"]
        assert ids(doc.querySelectorAll("#list>li")) == ["l1", "l2", "l3"]
        assert ids(doc.querySelectorAll("div > a")) == []

    def test_mixed_combinators(self, doc):
        assert ids(doc.querySelectorAll("div > ul li > ul > li")) == ["n1"]
        assert ids(doc.querySelectorAll("#main li.last ul .item")) == ["n1"]

    def test_selector_list_returns_matches_in_tree_order(self, doc):
        assert ids(doc.querySelectorAll("#p2, #l2, a")) == ["l2", "link", "p2"]
        assert ids(doc.querySelectorAll("section,form")) == ["form", "aside"]

    def test_selector_list_does_not_repeat_elements(self, doc):
        assert ids(doc.querySelectorAll(".first, li, [data-kind]")) == ["l1", "l2", "l3", "n1"]

    def test_querySelector_returns_the_first_match_in_tree_order(self, doc):
        # The nested li comes after its ancestors; depth-first order, not breadth-first.
        assert doc.querySelector("li").id == "l1"
        assert doc.querySelector("#l3, #l1").id == "l1"
        assert doc.querySelector(".item.last, #n1").id == "l3"

    def test_querySelector_returns_the_deepest_first_element_before_later_siblings(self, doc, root):
        root.innerHTML = '<div><section><p id="deep"></p></section></div><p id="later"></p>'
        assert doc.querySelector("p").id == "deep"

    def test_querySelector_returns_None_without_match(self, doc):
        assert doc.querySelector("table") is None
        assert doc.querySelectorAll("table") == []

    def test_element_querySelector_searches_only_descendants(self, doc):
        main = doc.getElementById("main")
        assert main.querySelector("div") is None
        assert main.querySelector(".page") is None
        assert ids(main.querySelectorAll("p")) == ["para"]

    def test_element_querySelector_matches_ancestors_outside_the_element(self, doc):
        # As in a browser, the whole selector is matched against the document; only the
        # result must be inside the element.
        nested = doc.getElementById("nested")
        assert ids(nested.querySelectorAll("div li")) == ["n1"]
        assert ids(nested.querySelectorAll("#main li")) == ["n1"]

    def test_document_querySelector_includes_the_root(self, doc, root):
        assert doc.querySelector(f"#{ROOT}") is root
        assert doc.querySelector("div") is root
        assert doc.querySelectorAll("div")[0] is root
        assert root.querySelector(f"#{ROOT}") is None

    def test_matches(self, doc):
        l1 = doc.getElementById("l1")
        assert l1.matches("li.first")
        assert l1.matches("ul > li")
        assert l1.matches("#main li")
        assert not l1.matches("section li")

    def test_closest(self, doc):
        n1 = doc.getElementById("n1")
        assert n1.closest("li") is n1
        assert n1.closest("li.last").id == "l3"
        assert n1.closest("div").id == "main"
        assert n1.closest("table") is None

    def test_selectors_see_later_changes(self, doc):
        l2 = doc.getElementById("l2")
        assert doc.querySelector(".chosen") is None
        l2.classList.add("chosen")
        assert doc.querySelector(".chosen") is l2
        l2.remove()
        assert doc.querySelector(".chosen") is None


class TestErrors:
    @pytest.mark.parametrize("selector", [
        "", "   ", "div[", "[", "[data-kind=", "[data-kind=]", "[=x]", "#", ".", "..a",
        ">", "> li", "li >", "li > > a", ",", "li,", ",li", "li,,a", "div)", "li.first[",
        '[title="unterminated]', "a!b", "@media",
    ])
    def test_malformed_selectors_raise_SelectorError(self, doc, selector):
        with pytest.raises(SelectorError):
            doc.querySelector(selector)

    @pytest.mark.parametrize("selector", [
        ":hover", "a:hover", "li:first-child", "li:nth-child(2)", ":not(p)", "p::before",
        "li + li", "li ~ li", "*|li", "li:is(.a)",
    ])
    def test_unsupported_selectors_raise_SelectorError(self, doc, selector):
        with pytest.raises(SelectorError):
            doc.querySelectorAll(selector)

    def test_SelectorError_is_a_ValueError(self, doc):
        with pytest.raises(ValueError):
            doc.querySelector("li:hover")
        assert issubclass(SelectorError, ValueError)

    def test_element_methods_raise_SelectorError_too(self, doc):
        l1 = doc.getElementById("l1")
        for method in (l1.querySelector, l1.querySelectorAll, l1.matches, l1.closest):
            with pytest.raises(SelectorError):
                method("li:hover")

    def test_a_selector_that_is_not_a_str_raises_TypeError(self, doc):
        with pytest.raises(TypeError):
            doc.querySelector(5)

    def test_the_error_message_says_what_is_supported(self, doc):
        with pytest.raises(SelectorError, match="#id"):
            doc.querySelector("li:hover")


def test_selectors_find_the_same_elements_in_the_model_and_in_its_mirror():
    # The selector engine reads the model's elements (attributes in a flat tuple, a
    # generated id not stored) and the mirror's (a dict), as domsync.testing does.
    from domsync.html import serialize_element
    from domsync.mirror import Mirror
    from domsync.testing.dom import select_css

    doc = Document("app")
    doc.root.innerHTML = ('<ul class="list"><li class="row a" title="t">1</li><li id="two" class="row">2</li>'
                          '<li data-x="class">3</li></ul><svg><rect class="row" viewBox="0 0 1 1"/></svg>')
    item = doc.createElement("li")
    item.className = "row"
    doc.querySelector("ul").appendChild(item)
    mirror = Mirror("app")
    mirror.apply(doc.take_ops())
    for selector in (".row", "li.row", ".a", "[title]", "[title=t]", "#two", "[data-x=class]", "[class]",
                     f"#{item.id}", "ul > .row", "[viewBox]", "rect.row", ".missing", "[class~=a]"):
        model = [el.outerHTML for el in doc.querySelectorAll(selector)]
        assert bool(model) == (selector != ".missing"), selector
        assert [serialize_element(el) for el in select_css(mirror.root, selector)] == model, selector
