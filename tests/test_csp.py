"""domsync.csp and strict mode without a browser: the policy, the nonce, the hashes of
inline head markup, getter paths, and what a strict document refuses."""

from __future__ import annotations

import base64
import hashlib
import logging

import pytest

from domsync import CspError, Document, DomsyncServer, UsageError, csp
from domsync.memory import MemoryServer
from domsync.testing import expect, open
from domsync.web import Site


def directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in policy.split("; ")}


# ------------------------------------------------------------------ the policy


def test_the_strict_policy_allows_only_the_own_origin_and_no_eval_or_inline():
    policy = directives(csp.strict_policy())
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["require-trusted-types-for"] == ["'script'"]
    assert policy["trusted-types"] == ["domsync"]
    assert not any("unsafe" in source for sources in policy.values() for source in sources)


def test_a_nonce_and_a_domsync_server_elsewhere_join_their_directives():
    nonce = csp.new_nonce()
    policy = directives(csp.strict_policy(nonce=nonce, domsync_url="https://live.example.com:8443/app/",
                                          host="www.example.com", frame_ancestors="'none'",
                                          trusted_types=["mine"]))
    assert policy["script-src"] == ["'self'", f"'nonce-{nonce}'", "https://live.example.com:8443"]
    assert policy["style-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert policy["connect-src"] == ["'self'", "wss://live.example.com:8443", "ws://www.example.com",
                                     "wss://www.example.com"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["trusted-types"] == ["domsync", "mine"]


def test_nonces_are_fresh_and_base64():
    nonces = {csp.new_nonce() for _ in range(100)}
    assert len(nonces) == 100
    assert all(len(n) >= 22 for n in nonces)


@pytest.mark.parametrize("bad", [
    {"nonce": "a b"}, {"nonce": "x'; script-src *"}, {"script_src": ["a; b"]}, {"script_src": ["a b"]},
    {"script_src": ["https://a.com\t'unsafe-eval'"]}, {"img_src": "https://a.com"}, {"connect_src": [""]},
    {"domsync_url": "live.example.com"}, {"domsync_url": "https://evil.com 'unsafe-eval' 'unsafe-inline'/"},
    {"domsync_url": "https://evil.com\x0b'unsafe-eval'/"}, {"host": "a.com *"}, {"host": "a.com;x"},
    {"host": "a.com 'unsafe-inline'"}, {"frame_ancestors": "'self'; script-src *"}, {"trusted_types": ["a b"]},
    {"style_src": ["'unsafe-inline"]}])
def test_a_source_that_would_add_sources_or_directives_is_refused(bad):
    """Nothing given to strict_policy can widen the policy beyond what it names: no
    space, tab, quote or separator smuggles in another source or directive."""
    with pytest.raises(ValueError):
        csp.strict_policy(**bad)


def test_more_sources_for_the_usual_directives():
    policy = directives(csp.strict_policy(img_src=["https://img.example.com"], font_src=["https://fonts.example"],
                                          frame_ancestors="'self' https://portal.example.com"))
    assert policy["img-src"] == ["'self'", "https://img.example.com"]
    assert policy["font-src"] == ["'self'", "https://fonts.example"]
    assert policy["frame-ancestors"] == ["'self'", "https://portal.example.com"]
    assert "media-src" not in policy  # default-src 'self' covers what is not named


def test_inline_head_styles_and_scripts_are_allowed_by_their_hash():
    head = "<style>p { color: red }</style>\n<script src='app.js'></script><script>window.x = 1</script>"
    sources = csp.inline_hashes(head)

    def sha(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert sources == {"style_src": [sha("p { color: red }")], "script_src": [sha("window.x = 1")]}
    assert csp.inline_hashes("") == {"style_src": [], "script_src": []}


def test_the_served_policy_names_the_hosts_websocket_and_takes_more_sources():
    site = Site("app", strict_csp=True, csp_sources={"img_src": ["https://img.example.com"]})
    policy = directives(site.respond("GET", "/", host="example.com:8443").header("Content-Security-Policy"))
    assert policy["connect-src"] == ["'self'", "ws://example.com:8443", "wss://example.com:8443"]
    assert policy["img-src"] == ["'self'", "data:", "https://img.example.com"]
    # A Host that is not a plain host[:port] adds nothing.
    odd = directives(site.respond("GET", "/", host="a.com 'unsafe-inline'").header("Content-Security-Policy"))
    assert odd["connect-src"] == ["'self'"]
    with pytest.raises(UsageError, match="img_src"):
        Site("app", strict_csp=True, csp_sources={"image_src": ["x"]})
    with pytest.raises(UsageError, match="strict_csp=True"):
        Site("app", csp_sources={"img_src": ["https://img.example.com"]})


def test_the_site_serves_the_strict_policy_and_a_strict_client_tag():
    site = Site("app", head="<style>b { color: red }</style>", strict_csp=True)
    response = site.respond("GET", "/")
    policy = directives(response.header("Content-Security-Policy"))
    assert csp.inline_hashes("<style>b { color: red }</style>")["style_src"][0] in policy["style-src"]
    assert policy["frame-ancestors"] == ["'self'"]
    assert b" data-domsync-strict>" in response.body
    default = Site("app").respond("GET", "/")
    assert default.header("Content-Security-Policy") == "frame-ancestors 'self'"
    assert b"data-domsync-strict" not in default.body


def test_the_snippet_for_a_page_of_ones_own_asks_for_a_strict_client():
    from domsync.page import client_snippet

    assert client_snippet("http://localhost:8888", strict=True).endswith(
        '<script src="http://localhost:8888/domsync.js" data-domsync-strict></script>')


async def test_the_environment_turns_strict_mode_on(monkeypatch):
    monkeypatch.setenv("DOMSYNC_STRICT_CSP", "1")
    assert DomsyncServer(verbose=False).strict_csp is True
    assert MemoryServer().strict_csp is True

    seen = []

    def handler(server, client):  # tested without a browser as it runs when deployed
        seen.append(server.get_document(client).strict_csp)

    async with open(handler):
        pass
    assert seen == [True]
    assert DomsyncServer(verbose=False, strict_csp=False).strict_csp is False
    monkeypatch.setenv("DOMSYNC_STRICT_CSP", "0")
    assert DomsyncServer(verbose=False).strict_csp is False
    with pytest.raises(UsageError):
        DomsyncServer(verbose=False, strict_csp="yes")


# ------------------------------------------------------------------ getter paths


@pytest.mark.parametrize("getter", ["this.value", "this.checked", "event.key", "event.target.value",
                                    "this.dataset.id", "event.target.dataset.x", "this.$x", "event.detail._y"])
def test_paths_are_getters_a_strict_page_reads(getter):
    assert csp.getter_path(getter) == getter.split(".")
    csp.check_getter(getter)


@pytest.mark.parametrize("getter", ["this", "event", "this.value.trim()", "this.options[this.selectedIndex].value",
                                    "window.name", "this.__proto__", "event.target.constructor.__proto__",
                                    "this. value", "this.value;alert(1)", "this..value", "(this.value)",
                                    "this.value\n", "1", "this.ownerDocument.cookie", "event.view.localStorage",
                                    "this.constructor.constructor", "event.target.getRootNode"])
def test_code_is_not_a_getter_path(getter):
    assert csp.getter_path(getter) is None
    with pytest.raises(CspError, match="this.value"):
        csp.check_getter(getter)


# ------------------------------------------------------------------ a strict document


@pytest.fixture
def strict_doc():
    doc = Document()
    doc.strict_csp = True
    doc.take_ops()
    return doc


def test_run_js_raises_at_once_with_the_alternative(strict_doc):
    with pytest.raises(CspError, match="send_message"):
        strict_doc.run_js("document.title = 'x'")
    assert strict_doc.take_ops() == []


def test_a_getter_that_is_code_raises_and_a_path_is_taken(strict_doc):
    el = strict_doc.createElement("input")
    with pytest.raises(CspError, match="strict Content-Security-Policy"):
        el.addEventListener("input", lambda event: None, "this.value.toUpperCase()")
    assert el.getEventListener("input") is None
    el.addEventListener("input", lambda event: None, "this.value")
    el.addEventListener("keydown", lambda event: None)  # no getter: fine


@pytest.mark.filterwarnings("ignore::domsync.DomsyncWarning")  # scripts made on purpose
def test_a_script_url_raises_but_an_inert_data_script_is_fine(strict_doc):
    with pytest.raises(CspError):
        strict_doc.createElement("script", attributes={"src": "app.js"})
    script = strict_doc.createElement("script", attributes={"type": "application/json"}, innerText='{"a": 1}')
    with pytest.raises(CspError):
        script.setAttribute("src", "app.js")
    div = strict_doc.createElement("div")
    with pytest.raises(CspError):
        div.innerHTML = '<script src="app.js"></script>'
    div.innerHTML = "<p style='color: red'>fine</p>"


def test_a_style_element_raises_and_a_style_attribute_is_fine(strict_doc):
    from domsync import SVG_NAMESPACE

    for make in (lambda: strict_doc.createElement("style"),
                 lambda: strict_doc.createElement("style", innerText="p { color: red }"),
                 lambda: strict_doc.createElementNS(SVG_NAMESPACE, "style")):
        with pytest.raises(CspError, match="head"):
            make()
    div = strict_doc.createElement("div")
    with pytest.raises(CspError):
        div.innerHTML = "<style>p { color: red }</style>"
    div.style["color"] = "red"
    Document().createElement("style")  # not strict: fine


def test_a_default_document_is_not_strict():
    doc = Document()
    doc.run_js("1")
    doc.createElement("input").addEventListener("input", lambda event: None, "this.value.trim()")


# ------------------------------------------------------------------ a strict server


async def test_a_strict_server_makes_strict_documents_and_the_test_client_works():
    def handler(server, client):
        doc = server.get_document(client)
        assert doc.strict_csp
        box = doc.createElement("input", attributes={"aria-label": "name"})
        shown = doc.createElement("p", id="shown")
        box.addEventListener("input", lambda event: setattr(shown, "innerText", event["value"]), "this.value")
        doc.getRootElement().append(box, shown)

    async with open(handler, strict_csp=True) as page:
        await page.get_by_label("name").fill("Ada")
        await expect(page.locator("#shown")).to_have_text("Ada")


async def test_a_shared_strict_server_makes_its_document_strict():
    server = DomsyncServer(shared=True, verbose=False, strict_csp=True)
    assert server.document.strict_csp
    with pytest.raises(CspError):
        server.document.run_js("1")


async def test_a_strict_server_closes_a_client_that_asks_for_javascript(caplog):
    server = MemoryServer(lambda server, client: None, strict_csp=True)
    with caplog.at_level(logging.WARNING, "domsync.server"):
        refused = await server.connect("/ws?v=3")  # no ?wire=json: JavaScript batches
        taken = await server.connect("/ws?v=3&wire=json")
    assert refused.closed and not taken.closed
    assert "never sends" in caplog.text and "data-domsync-strict" in caplog.text
    await server.close()
