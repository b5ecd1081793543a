"""The one encoder: any Python string becomes a JavaScript literal of that same string."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domsync.encoding import js_string, js_value

NASTY = [
    "", "`", "${alert(1)}", '"', "'", "\\", "</script><script>alert(1)</script>", "<!--",
    "\u2028", "\u2029", "\x00", "\ud800", "\udfff", "\ud83d", "a\ud800b", "\U0001f600",
    "\r\n\t\b\f\v", '"); alert(1); ("', "\\\"); alert(1);//", "\x7f\x80\x9f",
]


def utf16(text: str) -> bytes:
    return text.encode("utf-16-le", "surrogatepass")


def decode(literal: str) -> bytes:
    """The UTF-16 code units the browser gets. JSON is the subset of JavaScript the
    encoder emits, so json.loads is an oracle; comparing code units, because a JavaScript
    string is UTF-16 (Python's two code points '\\ud800\\udfff' are one pair there)."""
    return utf16(json.loads(literal))


def assert_safe(literal: str) -> None:
    assert literal[0] == '"' and literal[-1] == '"'
    assert "<" not in literal
    assert "\u2028" not in literal and "\u2029" not in literal
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in literal), "lone surrogate left raw"
    assert not any(ord(c) < 0x20 for c in literal), "raw control character"
    literal.encode("utf-8")  # always sendable as a websocket text frame


@pytest.mark.parametrize("text", NASTY)
def test_nasty_strings_round_trip(text):
    literal = js_string(text)
    assert_safe(literal)
    assert decode(literal) == utf16(text)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF)))
def test_any_unicode_string_round_trips_and_is_safe(text):
    literal = js_string(text)
    assert_safe(literal)
    assert decode(literal) == utf16(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(NASTY + ["a", "é", "中"]), max_size=12).map("".join))
def test_concatenations_of_nasty_pieces_round_trip(text):
    literal = js_string(text)
    assert_safe(literal)
    assert decode(literal) == utf16(text)


def test_non_ascii_text_travels_as_utf8_not_escapes():
    assert js_string("héllo 中文") == '"héllo 中文"'


def test_js_value_renders_json_like_values():
    assert js_value({"a": [1, 2.5, None, True, False, "</x>"]}) == '{["a"]:[1,2.5,null,true,false,"\\u003c/x>"]}'


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), object(), {1: 2}])
def test_js_value_refuses_what_json_cannot_carry(bad):
    with pytest.raises(TypeError):
        js_value(bad)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet=st.characters(codec=None)), st.sampled_from(NASTY))))
def test_the_bulk_form_encodes_each_string_as_js_string_does(values):
    from domsync.encoding import js_strings

    expected = "[" + ",".join("null" if v is None else js_string(v) for v in values) + "]"
    assert js_strings(values) == expected


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(alphabet=st.characters(codec=None)), st.sampled_from(NASTY)))
def test_the_inlined_text_batch_of_render_js_updates_is_the_encoders(text):
    from domsync import Document, encode_js

    doc = Document("app")
    p = doc.createElement("p")
    doc.getRootElement().appendChild(p)
    doc.render_js_updates()
    p.textContent = text + "x"  # never empty, never the same as before
    assert doc.render_js_updates() == encode_js.text_batch(p._key, text + "x")
