"""domsync.testing.dom: what the browser knows about an element, read from the mirror."""

from __future__ import annotations

import pytest

from domsync import Document
from domsync.mirror import Mirror
from domsync.testing import dom
from domsync.testing.dom import NotEmulatedError, _Event


def page_of(html: str) -> Mirror:
    doc = Document("app")
    doc.getRootElement().innerHTML = html
    page = Mirror("app")
    page.apply(doc.take_ops())
    return page


def one(page: Mirror, selector: str):
    found = dom.select_css(page.root, selector)
    assert len(found) == 1, found
    return found[0]


def test_form_controls_read_their_live_state_and_defaults():
    page = page_of('<input id="a" value="x"><input id="b" type="checkbox" checked>'
                   '<select id="s"><option>One</option><option value="2" selected>Two</option></select>'
                   '<textarea id="t">text</textarea><input id="r" type="radio">')
    assert dom.value_of(one(page, "#a")) == "x"
    assert dom.checked_of(one(page, "#b")) is True and dom.value_of(one(page, "#b")) == "on"
    assert dom.value_of(one(page, "#s")) == "2"
    assert dom.value_of(one(page, "#t")) == "text"
    one(page, "#a").value = "typed"
    assert dom.form_state(one(page, "#a")) == {"value": "typed"}
    assert dom.form_state(one(page, "#r")) == {"checked": False, "value": "on"}
    assert dom.form_state(one(page, "#s")) == {"value": "2"}


@pytest.mark.parametrize("html, visible", [
    ('<p id="x">a</p>', True),
    ('<p id="x" hidden>a</p>', False),
    ('<div style="display: none"><p id="x">a</p></div>', False),
    ('<div style="visibility:hidden"><p id="x">a</p></div>', False),
    ('<div style="visibility:hidden"><p id="x" style="visibility: visible">a</p></div>', True),
    ('<input id="x" type="hidden">', False),
    ('<template><p id="x">a</p></template>', False),
])
def test_visibility_follows_hidden_and_inline_styles(html, visible):
    page = page_of(html)
    found = [el for el in page.root.iter() if el._attrs.get("id") == "x"]
    if not found:  # a template's content is not in the document
        assert not visible
        return
    assert dom.is_visible(found[0]) is visible


def test_enabled_follows_disabled_and_fieldsets():
    page = page_of('<button id="a" disabled>a</button><fieldset disabled><input id="b"></fieldset>'
                   '<input id="c" readonly><p id="d">text</p>')
    assert not dom.is_enabled(one(page, "#a")) and not dom.is_enabled(one(page, "#b"))
    assert dom.is_enabled(one(page, "#c")) and not dom.is_editable(one(page, "#c"))
    assert dom.is_enabled(one(page, "#d"))


@pytest.mark.parametrize("html, role", [
    ("<button>b</button>", "button"), ('<input type="submit">', "button"), ('<a href="#x">l</a>', "link"),
    ("<a>no href</a>", None), ("<input>", "textbox"), ('<input type="email">', "textbox"),
    ("<textarea></textarea>", "textbox"), ('<input type="checkbox">', "checkbox"), ('<input type="radio">', "radio"),
    ("<h3>h</h3>", "heading"), ("<ul></ul>", "list"), ("<select></select>", "combobox"),
    ('<div role="switch">s</div>', "switch"), ("<div>d</div>", None),
])
def test_roles_of_the_common_elements(html, role):
    page = page_of(html)
    assert dom.role_of(page.root._kids[0]) == role


def test_accessible_names_come_from_labels_aria_content_and_placeholders():
    page = page_of('<label for="n">Your name</label><input id="n">'
                   '<label>Agree <input id="c" type="checkbox"></label>'
                   '<button id="b" aria-label="Close">×</button><button id="t"> Save  <b>all</b> </button>'
                   '<input id="p" placeholder="Search"><span id="l">Email</span><input id="e" aria-labelledby="l">'
                   '<input id="s" type="submit" value="Send">')
    names = {ident: dom.accessible_name(one(page, f"#{ident}"), page.root) for ident in "ncbtpes"}
    assert names == {"n": "Your name", "c": "Agree", "b": "Close", "t": "Save all", "p": "Search", "e": "Email",
                     "s": "Send"}


def test_inner_text_breaks_lines_at_blocks_and_skips_hidden_text():
    page = page_of("<div id='x'><p>one  two</p><span>three</span><br>four<span hidden>no</span></div>")
    assert dom.inner_text(one(page, "#x")) == "one two\nthree\nfour"


def test_the_usual_value_getters_are_read_and_others_refused():
    page = page_of('<select id="s"><option value="a">A</option><option value="b">B</option></select>'
                   '<button id="b" data-item-id="42" data-n="1">B</button>')
    select, button = one(page, "#s"), one(page, "#b")
    select.value = "b"
    event = _Event("keydown", button, button, {"key": "Enter"})
    assert dom.evaluate_getter("this.options[this.selectedIndex].value", select, event) == "b"
    assert dom.evaluate_getter("this.value", select, event) == "b"
    assert dom.evaluate_getter("event.key", button, event) == "Enter"
    assert dom.evaluate_getter("this.getAttribute('data-n')", button, event) == "1"
    assert dom.evaluate_getter("this.dataset.itemId", button, event) == "42"
    assert dom.evaluate_getter("event.target.id", button, event) == "b"
    assert dom.evaluate_getter("(event.preventDefault(), this.tagName)", button, event) == "BUTTON"
    assert event.default_prevented
    for source in ("window.location.href", "this.value + 1", "fetch('/x')", "this", "a ? b : c"):
        with pytest.raises(NotEmulatedError, match="Chromium"):
            dom.evaluate_getter(source, button, event)
