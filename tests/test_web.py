"""domsync.web: what a server answers over HTTP, as pure functions of the request."""

from __future__ import annotations

import gzip
import re
from http import HTTPStatus

import pytest

from domsync.assets import client_js_name, client_js_source
from domsync.web import Site


@pytest.fixture
def site():
    return Site("app", "A <title>", head="<link rel=stylesheet href=s.css>")


def test_the_page_loads_the_client_under_its_versioned_name(site):
    response = site.respond("GET", "/")
    assert response.status == HTTPStatus.OK and response.header("Cache-Control") == "no-cache"
    page = response.body.decode()
    assert f'<script src="{client_js_name()}"></script>' in page
    assert re.fullmatch(r"domsync\.[0-9a-f]{12}\.js", client_js_name())
    assert "<title>A &lt;title&gt;</title>" in page and '<div id="app"></div>' in page
    assert response.header("Content-Security-Policy") == "frame-ancestors 'self'"
    assert response.header("X-Frame-Options") == "SAMEORIGIN"


def test_the_versioned_client_is_cached_for_a_year_and_compressed_when_accepted(site):
    plain = site.respond("GET", "/" + client_js_name())
    assert plain.body == client_js_source() and plain.header("Content-Encoding") is None
    assert plain.header("Cache-Control") == "public, max-age=31536000, immutable"
    assert plain.header("Vary") == "Accept-Encoding"
    packed = site.respond("GET", "/" + client_js_name(), accept_encoding="gzip, deflate, br")
    assert packed.header("Content-Encoding") == "gzip"
    assert gzip.decompress(packed.body) == client_js_source()
    assert len(packed.body) < len(client_js_source()) / 2
    assert packed.header("Content-Length") == str(len(packed.body))


def test_the_unversioned_client_is_revalidated_with_its_etag(site):
    first = site.respond("GET", "/domsync.js")
    etag = first.header("ETag")
    assert first.header("Cache-Control") == "no-cache" and etag and first.body == client_js_source()
    again = site.respond("GET", "/domsync.js", if_none_match=etag)
    assert again.status == HTTPStatus.NOT_MODIFIED and again.body == b""
    changed = site.respond("GET", "/domsync.js", if_none_match='"another"')
    assert changed.status == HTTPStatus.OK


def test_an_old_version_head_other_paths_and_methods(site):
    assert site.respond("GET", "/domsync.000000000000.js").status == HTTPStatus.NOT_FOUND
    head = site.respond("HEAD", "/")
    assert head.status == HTTPStatus.OK and head.body == b"" and head.header("Content-Length") != "0"
    assert site.respond("GET", "/missing").status == HTTPStatus.NOT_FOUND
    refused = site.respond("POST", "/")
    assert refused.status == HTTPStatus.METHOD_NOT_ALLOWED and refused.header("Allow") == "GET, HEAD"


@pytest.mark.parametrize("host,allowed", [
    ("localhost:8888", True), ("127.0.0.1", True), ("[::1]:8888", True), ("LOCALHOST", True),
    ("evil.example:8888", False), ("localhost.evil.example", False),
])
def test_a_loopback_server_answers_to_loopback_names_only(host, allowed):
    site = Site("app", bound_host="localhost")
    refusal = site.check("/", [host], None)
    assert (refusal is None) == allowed
    if not allowed:
        assert refusal.status == HTTPStatus.FORBIDDEN


def test_a_public_server_answers_to_any_name_unless_told_otherwise():
    assert Site("app", bound_host="0.0.0.0").check("/", ["example.com"], None) is None
    strict = Site("app", bound_host="0.0.0.0", allowed_hosts=["example.com"])
    assert strict.check("/", ["example.com"], None) is None
    assert strict.check("/", ["other.com"], None).status == HTTPStatus.FORBIDDEN
    assert strict.check("/", [], None).status == HTTPStatus.FORBIDDEN  # no Host
    assert strict.check("/", ["example.com", "example.com"], None).status == HTTPStatus.FORBIDDEN


def test_websocket_origins_must_be_the_pages_own_or_listed():
    site = Site("app", origins=["HTTPS://Partner.example:443/"])
    assert site.check("/ws", ["localhost:8888"], ["http://localhost:8888"]) is None
    assert site.check("/ws", ["localhost:8888"], ["https://partner.example"]) is None
    assert site.check("/ws", ["localhost:8888"], None) is None  # not a browser
    for origin in (["https://evil.example"], ["null"], ["http://localhost:8888", "http://localhost:8888"]):
        assert site.check("/ws", ["localhost:8888"], origin).status == HTTPStatus.FORBIDDEN
    assert site.check("/", ["localhost:8888"], ["https://evil.example"]) is None  # pages: no origin check


def test_new_sessions_beyond_max_connections_are_refused():
    site = Site("app")
    assert site.check("/ws", ["localhost"], None, sessions=2, max_connections=3) is None
    refusal = site.check("/ws", ["localhost"], None, sessions=3, max_connections=3)
    assert refusal.status == HTTPStatus.SERVICE_UNAVAILABLE
