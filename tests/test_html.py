"""Pure-Python tests of HTML parsing (``innerHTML = ...``) and serialisation
(``innerHTML``/``outerHTML`` getters), compared with what a browser does."""

from __future__ import annotations

import pytest

from domsync import (
    HTML_NAMESPACE,
    MATHML_NAMESPACE,
    SVG_NAMESPACE,
    DuplicateIdError,
    UnsafeValueError,
    WrongTypeError,
)

ROOT = "root_id"


# The doc and root fixtures come from conftest.py, with this module's ROOT.


# ---------------------------------------------------------------------- parsing


class TestParsing:
    def test_innerHTML_replaces_the_children_with_parsed_elements(self, doc, root):
        old = doc.createElement("div", id="old")
        root.appendChild(old)
        root.innerHTML = '<p id="a">one</p><p id="b">two</p>'
        assert [el.tagName for el in root.children] == ["p", "p"]
        assert [el.textContent for el in root.children] == ["one", "two"]
        assert old.parentElement is None
        assert doc.getElementById("old", strict=False) is None

    def test_parsed_elements_have_parents_and_text(self, doc, root):
        root.innerHTML = "<ul><li>a</li><li>b <b>c</b></li></ul>"
        ul = root.firstElementChild
        assert ul.parentElement is root
        first, second = ul.children
        assert first.parentElement is ul
        assert second.childNodes[0] == "b "
        assert second.lastElementChild.tagName == "b"
        assert second.textContent == "b c"

    def test_table_innerHTML_gets_a_tbody_like_in_a_browser(self, doc, root):
        table = doc.createElement("table")
        root.appendChild(table)
        table.innerHTML = "<tr><td>1</td><td>2</td></tr>"
        assert [el.tagName for el in table.children] == ["tbody"]
        assert table.innerHTML == "<tbody><tr><td>1</td><td>2</td></tr></tbody>"

    def test_tr_innerHTML_parses_cells_in_row_context(self, doc, root):
        row = doc.createElement("tr")
        row.innerHTML = "<td>a</td><td>b</td>"
        assert [el.tagName for el in row.children] == ["td", "td"]

    def test_cells_outside_a_table_context_lose_their_tags(self, doc, root):
        # In a div, the browser's parser drops stray <td> tags and keeps their text.
        root.innerHTML = "<td>a</td>"
        assert root.innerHTML == "a"

    def test_select_innerHTML_parses_options(self, doc, root):
        select = doc.createElement("select")
        select.innerHTML = "<option value=1>One</option><option value=2>Two</option>"
        assert [o.getAttribute("value") for o in select.children] == ["1", "2"]

    def test_textarea_innerHTML_is_text(self, doc):
        area = doc.createElement("textarea")
        area.innerHTML = "<b>bold?</b>"
        assert area.children == []
        assert area.textContent == "<b>bold?</b>"

    def test_getElementById_finds_parsed_elements(self, doc, root):
        root.innerHTML = '<div id="outer"><span id="inner">x</span></div>'
        inner = doc.getElementById("inner")
        assert inner.tagName == "span"
        assert inner.parentElement is doc.getElementById("outer")

    def test_getElementById_finds_parsed_elements_of_a_created_element(self, doc):
        box = doc.createElement("div")
        box.innerHTML = '<span id="deep">x</span>'
        assert doc.getElementById("deep").parentElement is box

    def test_querySelector_finds_parsed_elements(self, doc, root):
        root.innerHTML = '<ul class="list"><li class="item">a</li><li class="item last">b</li></ul>'
        assert doc.querySelector("li.last").textContent == "b"
        assert len(doc.querySelectorAll("ul.list > li")) == 2

    def test_parsed_elements_are_rendered_to_the_browser(self, doc, root):
        doc.render_js_updates()
        root.innerHTML = '<p class="x">hi</p>'
        js = doc.render_js_updates()
        assert '"p"' in js and '"class","x"' in js and '"hi"' in js

    def test_entities_are_decoded(self, doc, root):
        root.innerHTML = "<p>a &amp; b &lt; c &gt; d &copy; &#x41;&#66; &quot;</p>"
        assert root.firstElementChild.textContent == 'a & b < c > d \u00a9 AB "'

    def test_entities_in_attributes_are_decoded(self, doc, root):
        root.innerHTML = '<p title="a &amp; &quot;b&quot;">x</p>'
        assert root.firstElementChild.getAttribute("title") == 'a & "b"'

    def test_comments_are_dropped(self, doc, root):
        root.innerHTML = "<p>a<!-- secret -->b</p><!-- top -->"
        p = root.firstElementChild
        assert len(root.childNodes) == 1
        assert p.textContent == "ab"
        assert "secret" not in root.innerHTML

    def test_tag_and_attribute_names_are_lower_cased(self, doc, root):
        root.innerHTML = '<DIV Data-X="1" CLASS="c">x</DIV>'
        div = root.firstElementChild
        assert div.tagName == "div"
        assert div.getAttribute("data-x") == "1"
        assert div.className == "c"

    def test_unclosed_tags_are_closed_like_in_a_browser(self, doc, root):
        root.innerHTML = "<p>one<p>two"
        assert root.innerHTML == "<p>one</p><p>two</p>"

    def test_plain_text_markup_becomes_one_text_node(self, doc, root):
        root.innerHTML = "just text"
        assert root.childNodes == ["just text"]

    def test_empty_markup_removes_all_children(self, doc, root):
        root.appendChild(doc.createElement("div"))
        root.innerHTML = ""
        assert root.childNodes == []

    def test_innerHTML_must_be_a_str(self, root):
        with pytest.raises(WrongTypeError):
            root.innerHTML = 5

    def test_svg_inside_html_keeps_its_namespace_and_case(self, doc, root):
        root.innerHTML = ('<svg viewbox="0 0 10 10"><defs><lineargradient id="g"></lineargradient>'
                          "</defs><circle r=\"1\"/></svg>")
        svg = root.firstElementChild
        assert svg.namespaceURI == SVG_NAMESPACE
        assert svg.getAttribute("viewBox") == "0 0 10 10"
        gradient = doc.getElementById("g")
        assert gradient.tagName == "linearGradient"
        assert gradient.namespaceURI == SVG_NAMESPACE
        assert svg.outerHTML == ('<svg viewBox="0 0 10 10"><defs><linearGradient id="g"></linearGradient>'
                                 '</defs><circle r="1"></circle></svg>')

    def test_html_inside_svg_foreignObject_is_html(self, doc, root):
        root.innerHTML = "<svg><foreignObject><div>x</div></foreignObject></svg>"
        foreign = root.firstElementChild.firstElementChild
        assert foreign.tagName == "foreignObject"
        assert foreign.namespaceURI == SVG_NAMESPACE
        assert foreign.firstElementChild.namespaceURI == HTML_NAMESPACE

    def test_math_inside_html_is_mathml(self, doc, root):
        root.innerHTML = "<math><mi>x</mi></math>"
        assert root.firstElementChild.namespaceURI == MATHML_NAMESPACE
        assert root.firstElementChild.firstElementChild.namespaceURI == MATHML_NAMESPACE

    def test_svg_innerHTML_parses_in_the_svg_namespace(self, doc):
        svg = doc.createElementNS(SVG_NAMESPACE, "svg")
        svg.innerHTML = '<circle r="2"/><lineargradient/>'
        assert [(el.tagName, el.namespaceURI) for el in svg.children] == [
            ("circle", SVG_NAMESPACE), ("linearGradient", SVG_NAMESPACE)]

    def test_parsed_svg_renders_with_the_svg_constructor(self, doc, root):
        doc.render_js_updates()
        root.innerHTML = "<svg><circle/></svg>"
        js = doc.render_js_updates()
        assert 'S(' in js and '"circle"' in js

    # ---------------------------------------------------------------- safety

    @pytest.mark.parametrize("markup", [
        '<button onclick="alert(1)">x</button>',
        "<img src=x onerror=alert(1)>",
        '<div ONMOUSEOVER="alert(1)"></div>',
        '<svg onload="alert(1)"></svg>',
        '<p><b><i onfocus="x()">deep</i></b></p>',
    ])
    def test_parsed_event_handler_attributes_raise_UnsafeValueError(self, doc, root, markup):
        with pytest.raises(UnsafeValueError, match="addEventListener"):
            root.innerHTML = markup

    @pytest.mark.parametrize("markup", [
        '<a href="javascript:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href=" java&#9;script:alert(1)">x</a>',
        '<iframe src="javascript:alert(1)"></iframe>',
        '<form action="javascript:alert(1)"></form>',
        '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
        '<svg><a href="javascript:alert(1)"><text>x</text></a></svg>',
    ])
    def test_parsed_javascript_urls_raise_UnsafeValueError(self, doc, root, markup):
        with pytest.raises(UnsafeValueError):
            root.innerHTML = markup

    def test_parsed_iframe_srcdoc_raises_UnsafeValueError(self, doc, root):
        # srcdoc is a document whose scripts run with the page's origin: code, not data.
        with pytest.raises(UnsafeValueError):
            root.innerHTML = '<iframe srcdoc="<script>parent.alert(1)</script>"></iframe>'

    def test_parsed_svg_animation_of_href_to_a_javascript_url_raises_UnsafeValueError(self, doc, root):
        # A classic filter bypass: the animation sets the link's href to a javascript: URL.
        with pytest.raises(UnsafeValueError):
            root.innerHTML = ('<svg><a><animate attributeName="href" values="javascript:alert(1)"/>'
                              '<text x="20" y="20">click</text></a></svg>')

    def test_unsafe_markup_leaves_the_children_unchanged(self, doc, root):
        keep = doc.createElement("p", id="keep")
        root.appendChild(keep)
        doc.render_js_updates()
        with pytest.raises(UnsafeValueError):
            root.innerHTML = '<p id="new">fine</p><b onclick="x()">bad</b>'
        assert root.children == [keep]
        assert doc.getElementById("new", strict=False) is None
        assert doc.render_js_updates() == ""

    # ---------------------------------------------------------------- ids

    def test_duplicate_ids_in_the_markup_raise_DuplicateIdError(self, doc, root):
        with pytest.raises(DuplicateIdError):
            root.innerHTML = '<p id="a">1</p><div><p id="a">2</p></div>'
        assert root.children == []

    def test_markup_with_the_id_of_another_element_raises_DuplicateIdError(self, doc, root):
        box = doc.createElement("div")
        root.append(doc.createElement("p", id="taken"), box)
        with pytest.raises(DuplicateIdError):
            box.innerHTML = '<span id="taken"></span>'
        assert box.children == []

    def test_markup_with_the_root_id_raises_DuplicateIdError(self, doc, root):
        box = doc.createElement("div")
        root.appendChild(box)
        with pytest.raises(DuplicateIdError):
            box.innerHTML = f'<span id="{ROOT}"></span>'

    def test_setting_innerHTML_twice_with_the_same_ids_works(self, doc, root):
        root.innerHTML = '<p id="a">first</p>'
        first = doc.getElementById("a")
        root.innerHTML = '<p id="a">second</p>'
        second = doc.getElementById("a")
        assert second is not first
        assert second.textContent == "second"
        assert first.parentElement is None

    def test_innerHTML_may_reuse_the_id_of_a_created_child_it_replaces(self, doc, root):
        old = doc.createElement("p", id="x", innerText="old")
        root.appendChild(old)
        root.innerHTML = '<p id="x">new</p>'
        assert doc.getElementById("x").textContent == "new"
        assert old.parentElement is None

    def test_innerHTML_of_a_created_element_may_reuse_the_id_of_its_created_child(self, doc):
        box = doc.createElement("div")
        box.appendChild(doc.createElement("p", id="y"))
        box.innerHTML = '<p id="y">new</p>'
        assert doc.getElementById("y").textContent == "new"

    def test_setting_innerHTML_twice_with_the_same_ids_on_a_child_works(self, doc, root):
        box = doc.createElement("div", id="box")
        root.appendChild(box)
        for i in range(3):
            box.innerHTML = f'<span id="s">{i}</span>'
        assert doc.getElementById("s").textContent == "2"


# ---------------------------------------------------------------------- serialising


class TestSerialising:
    def test_text_escapes_ampersand_angle_brackets_and_nbsp(self, doc):
        p = doc.createElement("p", id="p")
        p.textContent = "a & b < c > d\u00a0e"
        assert p.innerHTML == "a &amp; b &lt; c &gt; d&nbsp;e"

    def test_text_keeps_quotes_unescaped(self, doc):
        p = doc.createElement("p")
        p.textContent = "say \"hi\" and 'bye'"
        assert p.innerHTML == "say \"hi\" and 'bye'"

    def test_attribute_values_escape_ampersand_quote_angle_brackets_and_nbsp(self, doc):
        p = doc.createElement("p", id="p")
        p.setAttribute("title", 'a & "b" <c> d\u00a0e')
        assert p.outerHTML == '<p id="p" title="a &amp; &quot;b&quot; &lt;c&gt; d&nbsp;e"></p>'

    def test_attribute_values_keep_single_quotes(self, doc):
        p = doc.createElement("p", id="p")
        p.setAttribute("title", "it's")
        assert p.outerHTML == '<p id="p" title="it\'s"></p>'

    def test_attributes_serialise_in_the_order_they_were_set(self, doc):
        p = doc.createElement("p", id="p", attributes={"b": "1", "a": "2"})
        p.setAttribute("c", "3")
        p.setAttribute("b", "4")
        assert p.outerHTML == '<p id="p" b="4" a="2" c="3"></p>'

    @pytest.mark.parametrize("tag", ["br", "hr", "img", "input", "meta", "link", "wbr", "area",
                                     "col", "embed", "source", "track"])
    def test_void_elements_have_no_end_tag(self, doc, tag):
        el = doc.createElement(tag, id="v")
        assert el.outerHTML == f'<{tag} id="v">'

    def test_parsed_void_elements_serialise_without_end_tags(self, doc, root):
        root.innerHTML = 'a<br>b<img src="x.png"><hr/>'
        assert root.innerHTML == 'a<br>b<img src="x.png"><hr>'

    def test_empty_non_void_elements_have_an_end_tag(self, doc):
        assert doc.createElement("div", id="d").outerHTML == '<div id="d"></div>'
        assert doc.createElement("my-widget", id="w").outerHTML == '<my-widget id="w"></my-widget>'

    @pytest.mark.parametrize("tag", ["script", "style"])
    @pytest.mark.filterwarnings("ignore::domsync.DomsyncWarning")  # a script made on purpose
    def test_raw_text_element_content_is_not_escaped(self, doc, tag):
        el = doc.createElement(tag, id="r")
        el.textContent = "if (a < b && c > d) {}"
        assert el.outerHTML == f'<{tag} id="r">if (a < b && c > d) {{}}</{tag}>'

    def test_parsed_script_content_is_not_escaped(self, doc, root):
        root.innerHTML = "<script>if (a < b && c) { x = '&amp;'; }</script>"
        assert root.innerHTML == "<script>if (a < b && c) { x = '&amp;'; }</script>"

    def test_textarea_and_title_content_is_escaped(self, doc):
        area = doc.createElement("textarea", id="t")
        area.textContent = "a < b & c"
        assert area.outerHTML == '<textarea id="t">a &lt; b &amp; c</textarea>'

    def test_innerText_with_line_breaks_serialises_brs(self, doc):
        p = doc.createElement("p", id="p", innerText="one\ntwo")
        assert p.outerHTML == '<p id="p">one<br>two</p>'

    def test_text_in_svg_is_escaped(self, doc):
        text = doc.createElementNS(SVG_NAMESPACE, "text", id="t")
        text.textContent = "a < b"
        assert text.outerHTML == '<text id="t">a &lt; b</text>'

    def test_parse_then_serialise_round_trips(self, doc, root):
        markup = ('<div class="a" title="x &amp; y"><p>Hello&nbsp;<b>world</b> &lt;3</p>'
                  '<ul><li>1</li><li>2</li></ul><input type="text"><br></div>')
        root.innerHTML = markup
        assert root.innerHTML == markup
