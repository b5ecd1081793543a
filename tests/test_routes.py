"""domsync.routes: the URL hash format of page routes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domsync.routes import format_route, parse_route


def test_format_follows_the_page_slash_vars_style():
    assert format_route("shop", {"item": "42", "colour": "red"}) == "shop/item=42&colour=red"
    assert format_route("shop", {}) == "shop"
    assert format_route(None, {"q": "x"}) == "/q=x"
    assert format_route(None, {}) == ""


def test_special_characters_are_url_encoded():
    assert format_route("a/b", {"k&=": "v w#ü"}) == "a%2Fb/k%26%3D=v%20w%23%C3%BC"


def test_parse_reads_hand_edited_hashes_leniently():
    assert parse_route("#shop/item=42&colour=red") == ("shop", {"item": "42", "colour": "red"})
    assert parse_route("") == (None, {})
    assert parse_route("#") == (None, {})
    assert parse_route("/q=1") == (None, {"q": "1"})
    assert parse_route("p/flag&=x&k=a=b") == ("p", {"flag": "", "k": "a=b"})
    assert parse_route("p/k=%ZZ%C3%BC") == ("p", {"k": "%ZZü"})


@given(st.one_of(st.none(), st.text(min_size=1)),
       st.dictionaries(st.text(min_size=1), st.text()))
def test_any_route_survives_the_round_trip(page, route_vars):
    assert parse_route(format_route(page, route_vars)) == (page, route_vars)
