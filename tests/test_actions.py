"""domsync.actions: the actions a Document queues for its page (no browser here; see
test_actions_browser.py and test_downloads.py for the real thing)."""

from __future__ import annotations

import base64
import json
import re

import pytest

from domsync import (
    Document,
    InvalidValueError,
    UnsafeValueError,
    WrongTypeError,
    pack_bytes,
    pack_file,
)


@pytest.fixture
def doc():
    doc = Document("app")
    doc.render_js_updates()
    return doc


def statements(doc):
    return doc.render_js_updates().splitlines()


def call_args(statement, name):
    """The arguments of ``name(...)`` as Python values (they are JSON literals)."""
    assert statement.startswith(name + "(") and statement.endswith(");"), statement
    return json.loads("[" + statement[len(name) + 1:-2] + "]")


def test_small_download_travels_inside_the_batch(doc):
    doc.file_download(b"\x00\xffdata", "report.csv")
    (line,) = statements(doc)
    name, mime, encoded = call_args(line, "download")
    assert (name, mime, base64.b64decode(encoded)) == ("report.csv", "text/csv", b"\x00\xffdata")
    assert doc._take_downloads() == {}


def test_download_mime_type_comes_from_the_pack_then_the_name(doc, tmp_path):
    doc.file_download(pack_bytes(b"x", "image/png"), "picture.bin")
    doc.file_download(pack_bytes(b"x"), "noext")
    (path := tmp_path / "page.html").write_bytes(b"<p>")
    doc.file_download(pack_file(path), "saved.txt")
    mimes = [call_args(line, "download")[1] for line in statements(doc)]
    assert mimes == ["image/png", "application/octet-stream", "text/html"]


def test_large_download_gets_an_unguessable_one_time_token(doc):
    data = b"x" * (Document.inline_download_limit + 1)
    doc.file_download(data, "big.bin")
    doc.file_download(pack_bytes(data), "big.bin")
    lines = statements(doc)
    tokens = [call_args(line, "downloadUrl")[0] for line in lines]
    assert [call_args(line, "downloadUrl")[1] for line in lines] == ["big.bin", "big.bin"]
    assert len(set(tokens)) == 2 and all(re.fullmatch(r"[A-Za-z0-9_-]{43}", t) for t in tokens)
    downloads = doc._take_downloads()
    assert list(downloads) == tokens
    assert downloads[tokens[0]].file.read() is data and downloads[tokens[0]].mime_type == "application/octet-stream"
    assert doc._take_downloads() == {}


def test_the_inline_limit_can_be_raised_per_document(doc):
    doc.inline_download_limit = 10 ** 9
    doc.file_download(b"x" * (Document.inline_download_limit + 1), "big.bin")
    assert statements(doc)[0].startswith("download(")


def test_download_file_names_are_made_safe_and_data_must_be_bytes(doc):
    doc.file_download(b"x", '../"evil"\n.sh')
    assert call_args(statements(doc)[0], "download")[0] == "__evil_.sh"
    with pytest.raises(WrongTypeError, match="encode"):
        doc.file_download("text", "a.txt")
    with pytest.raises(WrongTypeError, match="pack_file"):
        doc.file_download(42, "a.txt")
    with pytest.raises(WrongTypeError):
        doc.file_download(b"x", None)
    assert doc.render_js_updates() == ""


@pytest.mark.parametrize("url", ["https://example.com/a?b=c#d", "http://localhost:8888/",
                                 "mailto:someone@example.com", "HTTPS://EXAMPLE.COM"])
def test_open_url_opens_http_https_and_mailto(doc, url):
    doc.open_url(url)
    assert call_args(statements(doc)[0], "openUrl") == [url]


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JavaScript:alert(1)", " JavaScript:alert(1)", " javascript:alert(1)",
    "java\tscript:alert(1)",
    "\x01javascript:alert(1)",  # browsers strip leading C0 controls: this is javascript:
    "vbscript:msgbox", "vbscript:msgbox(1)", "data:text/html,<script>alert(1)</script>", "DATA:text/plain,x",
])
def test_open_url_refuses_urls_that_run_code(doc, url):
    with pytest.raises(UnsafeValueError):
        doc.open_url(url)
    assert doc.render_js_updates() == ""


@pytest.mark.parametrize("url", [
    "ftp://example.com/", "ftp://example.com/f", "/relative/path", "page.html", "example.com",
    "//example.com/x", "", "file:///etc/passwd", "chrome://settings",
])
def test_open_url_refuses_other_schemes_and_relative_urls(doc, url):
    with pytest.raises(InvalidValueError, match="http, https and mailto"):
        doc.open_url(url)
    assert doc.render_js_updates() == ""


def test_open_url_needs_a_str(doc):
    with pytest.raises(WrongTypeError):
        doc.open_url(b"https://example.com")


def test_routes_update_the_model_at_once_and_the_hash_with_the_flush(doc):
    assert doc.page is None and dict(doc.route_vars) == {}
    doc.set_page("shop")
    doc.set_route_vars({"item": "42", "q": "a b&c"})
    assert doc.page == "shop" and dict(doc.route_vars) == {"item": "42", "q": "a b&c"}
    assert [call_args(line, "route") for line in statements(doc)] == [["shop/item=42&q=a%20b%26c", 0, 0]]
    doc.set_route_vars({"item": None, "sort": "price"})
    doc.set_page("cart")  # keeps the variables
    doc.run_js("between")
    doc.set_page("basket")  # one batch, one route: the last
    assert statements(doc) == ['run("between");', 'route("basket/q=a%20b%26c&sort=price",0,0);']
    doc.set_page("basket")  # no change: nothing to send
    doc.set_route_vars({"missing": None})
    assert statements(doc) == []
    doc.set_page(None)
    assert [call_args(line, "route")[0] for line in statements(doc)] == ["/q=a%20b%26c&sort=price"]
    doc.set_route_vars({"q": None, "sort": None})
    assert [call_args(line, "route")[0] for line in statements(doc)] == [""]


def test_route_vars_are_read_only(doc):
    with pytest.raises(TypeError):
        doc.route_vars["x"] = "y"


@pytest.mark.parametrize("call, error", [
    (lambda d: d.set_page(5), WrongTypeError),
    (lambda d: d.set_route_vars([("a", "b")]), WrongTypeError),
    (lambda d: d.set_route_vars({"a": 1}), WrongTypeError),
    (lambda d: d.set_route_vars({1: "a"}), WrongTypeError),
    (lambda d: d.set_route_vars({"": "a"}), InvalidValueError),
])
def test_bad_routes_raise_at_once_and_change_nothing(doc, call, error):
    with pytest.raises(error):
        call(doc)
    assert doc.page is None and dict(doc.route_vars) == {} and statements(doc) == []


def test_the_browsers_route_wins_over_route_changes_not_yet_sent(doc):
    doc.set_page("a")
    doc.run_js("1")
    assert doc.handle_route({"type": "route", "hash": "#b/k=%20v", "seq": 1}) is True
    assert doc.page == "b" and dict(doc.route_vars) == {"k": " v"}
    assert statements(doc) == ['run("1");']
    assert doc.handle_route({"hash": "b/k=%20v", "seq": 2}) is False
    assert doc.handle_route({"hash": 5}) is False and doc.handle_route("b") is False
    assert doc.handle_route({"hash": "p/k=\ud800"}) is False  # not what a browser sends
    assert doc.page == "b"
    doc.set_page("c")  # never fails after a hostile report; answers the report: replaces
    assert statements(doc) == ['route("c/k=%20v",2,1);']


def test_routes_set_in_answer_to_the_browser_replace_its_history_entry(doc):
    doc.handle_route({"hash": "x", "seq": 4})
    doc.set_route_vars({"v": "1"})  # e.g. a route handler adding a default
    assert statements(doc) == ['route("x/v=1",4,1);']
    doc.set_page("y")  # later, from a click: a new entry
    assert statements(doc) == ['route("y/v=1",4,0);']
    doc.handle_route({"hash": "z", "seq": 3})  # an older number does not go back
    doc.set_page("w")
    assert statements(doc) == ['route("w",4,1);']


def test_run_js_queues_the_code_as_a_string(doc):
    doc.run_js("document.title = '</script>'")
    assert call_args(statements(doc)[0], "run") == ["document.title = '</script>'"]
    with pytest.raises(WrongTypeError):
        doc.run_js(None)


def test_actions_keep_their_place_among_dom_changes(doc):
    root = doc.getRootElement()
    p = doc.createElement("p")
    root.appendChild(p)
    doc.run_js("first")
    p.innerText = "changed"
    doc.open_url("https://example.com/")
    p.innerText = "again"
    assert statements(doc) == [
        'N(0).appendChild(E(-1,"p"));',  # as it was before run_js
        'run("first");',
        'N(1).textContent="changed";',
        'openUrl("https://example.com/");',
        'N(1).textContent="again";',
    ]


def test_hostile_strings_in_actions_stay_data(doc):
    hostile = '");alert(1);("\u2028</script><!--'
    doc.run_js(hostile)
    doc.add_notification("info", hostile, hostile)
    doc.file_download(hostile.encode(), hostile)
    doc.set_route_vars({hostile: hostile})
    doc.open_url("https://example.com/" + hostile)
    lines = statements(doc)
    assert call_args(lines[0], "run") == [hostile]
    assert call_args(lines[1], "notify") == ["info", hostile, hostile]
    assert base64.b64decode(call_args(lines[2], "download")[2]) == hostile.encode()
    assert call_args(lines[4], "openUrl") == ["https://example.com/" + hostile]
    assert all("</script" not in line and "\u2028" not in line for line in lines)
