"""The claims of docs/howto/testing.rst ("Test your domsync app"), checked as a user
relies on them: small apps built here, driven through ``domsync.testing`` only.

Each test names the claim it checks. Written by someone who had read the docs, not
the code.
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import load_example

from domsync import DomsyncServer, SelectorError, pack_file
from domsync.memory import MemoryServer
from domsync.testing import (
    DEFAULT_TIMEOUT,
    ActionTimeoutError,
    NotEmulatedError,
    Notification,
    StrictModeError,
    connect,
    expect,
    open,
)

FAIL = 200  # ms: the timeout of an expectation that is meant to fail


# ---------------------------------------------------------------------------
# Small apps
# ---------------------------------------------------------------------------


def app(html: str, wire=None):
    """A connection handler that shows ``html`` (plus an empty ``<p id="log">``) and
    lets ``wire(server, client, document, log)`` add listeners; ``log(text)`` appends
    a word to ``#log``, so a test sees on the page what the server got."""

    async def handler(server, client):
        document = server.get_document(client)
        root = document.getRootElement()
        root.innerHTML = html + '<p id="log"></p>'
        out = document.getElementById("log")
        entries: list[str] = []

        def log(text: str) -> None:
            entries.append(str(text))
            out.innerText = " ".join(entries)

        if wire is not None:
            result = wire(server, client, document, log)
            if asyncio.iscoroutine(result):
                await result
        await server.flush(client)

    return handler


def counter_app():
    """A button that counts its clicks; ``connections`` counts the sessions made."""
    connections: list[object] = []

    async def handler(server, client):
        connections.append(client)
        document = server.get_document(client)
        button = document.createElement("button", id="count", innerText="0")
        clicks = [0]

        def on_click(event):
            clicks[0] += 1
            button.innerText = str(clicks[0])

        button.addEventListener("click", on_click)
        document.getRootElement().appendChild(button)
        await server.flush(client)

    return handler, connections


# ---------------------------------------------------------------------------
# A first test: the pytest plugin, and open()
# ---------------------------------------------------------------------------


@pytest.fixture
def domsync_app():
    return counter_app()[0]


async def test_plugin_domsync_page_opens_the_domsync_app(domsync_page):
    # "Say which app to test with a domsync_app fixture ... and ask for domsync_page"
    await domsync_page.get_by_role("button", name="0").click()
    await expect(domsync_page.locator("#count")).to_have_text("1")


async def test_open_takes_handler_server_asgi_app_and_memory_server():
    # "open() takes a connection handler ..., a DomsyncServer (... it need not be
    # serving), its asgi() app, or a MemoryServer."
    handler, _ = counter_app()
    server = DomsyncServer(handler, "127.0.0.1", 0, verbose=False)
    for target in (handler, server, server.asgi(), MemoryServer(handler)):
        async with open(target) as page:
            await page.locator("#count").click()
            await expect(page.locator("#count")).to_have_text("1")


async def test_the_chat_snippet_of_the_howto():
    # the how-to's "open pages yourself" example, as written, on examples/chat.py
    chat = load_example("chat")
    async with open(chat.server) as alice:
        bob = await alice.context.new_page()       # a second tab: a session of its own
        await alice.get_by_placeholder("Say something").fill("hi")
        await alice.get_by_placeholder("Say something").press("Enter")
        await expect(bob.locator("#messages")).to_contain_text("hi")
        await expect(bob.locator("#messages li")).to_have_text(["guest-1:hi"])


async def test_open_without_async_with_then_close_the_context():
    # "page = await open(app) (then close page.context)"
    page = await open(counter_app()[0])
    try:
        await page.locator("#count").click()
        await expect(page.locator("#count")).to_have_text("1")
    finally:
        await page.context.close()


async def test_open_at_a_route():
    # ``route="#shop"`` opens the page at a route; the route is already in
    # document.page when the connection handler runs (routes.rst).
    async def handler(server, client):
        document = server.get_document(client)
        document.getRootElement().appendChild(
            document.createElement("p", id="page", innerText=str(document.page)))
        await server.flush(client)

    async with open(handler, route="#shop") as page:
        await expect(page.locator("#page")).to_have_text("shop")
        assert page.route == "shop"
        assert page.url.endswith("#shop")


# ---------------------------------------------------------------------------
# Find
# ---------------------------------------------------------------------------

FINDERS = """
<h1>Shop</h1>
<h2>Basket</h2>
<ul>
  <li>apple <button>Buy</button></li>
  <li>pear <button>Buy</button></li>
  <li>plum</li>
</ul>
<label for="email">Email</label><input id="email" type="text" placeholder="you@example.com">
<input type="checkbox" id="news" aria-label="Newsletter" checked>
<input type="checkbox" id="terms" aria-label="Terms">
<button id="close" aria-label="Close dialog">X</button>
<button id="save">Save</button><button id="save-as">Save as</button>
<a href="#about">About us</a>
<p id="greeting">Hello world</p>
<span data-testid="total">42</span>
"""


def finders_app():
    def wire(server, client, document, log):
        for i, li in enumerate(document.querySelectorAll("li button")):
            li.addEventListener("click", lambda event, i=i: log(f"buy{i}"))

    return app(FINDERS, wire)


async def test_get_by_role_with_name_and_exact():
    # name=: the accessible name (label, aria-label or text); a substring unless exact
    async with open(finders_app()) as page:
        await expect(page.get_by_role("button", name="Save")).to_have_count(2)
        await expect(page.get_by_role("button", name="Save", exact=True)).to_have_text("Save")
        await expect(page.get_by_role("button", name="save as")).to_have_attribute("id", "save-as")
        await expect(page.get_by_role("button", name="Close dialog")).to_have_text("X")
        await expect(page.get_by_role("textbox", name="Email")).to_have_attribute("id", "email")
        await expect(page.get_by_role("link", name="About us")).to_have_attribute("href", "#about")
        await expect(page.get_by_role("checkbox", name="Terms")).to_have_attribute("id", "terms")
        await expect(page.get_by_role("listitem")).to_have_count(3)
        await expect(page.get_by_role("button")).to_have_count(5)


async def test_get_by_role_with_level_and_checked():
    async with open(finders_app()) as page:
        await expect(page.get_by_role("heading", level=1)).to_have_text("Shop")
        await expect(page.get_by_role("heading", level=2)).to_have_text("Basket")
        await expect(page.get_by_role("heading")).to_have_text(["Shop", "Basket"])
        await expect(page.get_by_role("checkbox", checked=True)).to_have_attribute("id", "news")
        await expect(page.get_by_role("checkbox", checked=False)).to_have_attribute("id", "terms")


async def test_get_by_text_label_placeholder_test_id():
    async with open(finders_app()) as page:
        await expect(page.get_by_text("hello WORLD")).to_have_attribute("id", "greeting")
        await expect(page.get_by_text("Hello", exact=True)).to_have_count(0)
        await expect(page.get_by_text("Hello world", exact=True)).to_have_count(1)
        await expect(page.get_by_label("Email")).to_have_attribute("id", "email")
        await expect(page.get_by_placeholder("you@example.com")).to_have_attribute("id", "email")
        await expect(page.get_by_test_id("total")).to_have_text("42")


async def test_locator_filter_nth_first_last():
    async with open(finders_app()) as page:
        items = page.locator("ul > li")
        await expect(items).to_have_count(3)
        await expect(items.filter(has_text="pear")).to_have_text("pear Buy")
        await expect(items.nth(0)).to_have_text("apple Buy")
        await expect(items.nth(2)).to_have_text("plum")
        await expect(items.first).to_have_text("apple Buy")
        await expect(items.last).to_have_text("plum")


async def test_search_inside_a_locator_with_the_same_methods():
    async with open(finders_app()) as page:
        pear = page.get_by_role("listitem").filter(has_text="pear")
        await expect(pear.get_by_role("button", name="Buy")).to_have_count(1)
        await expect(pear.locator("button")).to_have_count(1)
        await expect(pear.get_by_text("Buy")).to_have_count(1)
        await pear.get_by_role("button", name="Buy").click()
        await expect(page.locator("#log")).to_have_text("buy1")


async def test_strict_mode_error_when_several_match():
    # "raises StrictModeError if several match"
    async with open(finders_app()) as page:
        with pytest.raises(StrictModeError):
            await page.get_by_role("button", name="Buy").click(timeout=FAIL)
        await page.get_by_role("button", name="Buy").first.click()
        await expect(page.locator("#log")).to_have_text("buy0")


async def test_action_waits_until_it_can_take_the_element():
    # "an action waits until exactly one element matches and can take it
    # (visible, enabled)"
    html = '<button id="enable">Enable</button><button id="later" disabled>Later</button>'

    def wire(server, client, document, log):
        later = document.getElementById("later")

        async def enable(event):
            await asyncio.sleep(0.05)
            later.removeAttribute("disabled")

        document.getElementById("enable").addEventListener("click", enable)
        later.addEventListener("click", lambda event: log("later"))

    async with open(app(html, wire)) as page:
        await page.get_by_role("button", name="Enable").click()
        await page.get_by_role("button", name="Later").click()
        await expect(page.locator("#log")).to_have_text("later")


async def test_action_on_a_hidden_element_times_out():
    async with open(app('<button id="h" hidden>H</button>')) as page:
        started = time.monotonic()
        with pytest.raises(ActionTimeoutError):
            await page.locator("#h").click(timeout=FAIL)
        assert time.monotonic() - started < 2
        with pytest.raises(ActionTimeoutError):
            await page.locator("#missing").click(timeout=FAIL)


# ---------------------------------------------------------------------------
# Act
# ---------------------------------------------------------------------------

ACTIONS = """
<button id="b">Go</button>
<form id="f">
  <label for="name">Name</label><input id="name" type="text">
  <button type="submit" id="send">Send</button>
</form>
<input type="checkbox" id="c" aria-label="Agree">
<input type="radio" name="size" id="s" value="s" aria-label="Small" checked>
<input type="radio" name="size" id="l" value="l" aria-label="Large">
<select id="sel" aria-label="Fruit">
  <option value="a">Apple</option><option value="b">Banana</option>
</select>
<div id="zone">zone</div>
"""


def actions_app(events: dict[str, list[str]]):
    """Each element logs the events listed for it in ``events`` (by id)."""

    def wire(server, client, document, log):
        for ident, names in events.items():
            element = document.getElementById(ident)
            for name in names:
                def on(event, ident=ident, name=name):
                    if name == "keydown":
                        log(f"{ident}:{name}:{event.key}")
                    elif name in ("input", "change") and ident != "c":
                        log(f"{ident}:{name}:{event['value']}")
                    else:
                        log(f"{ident}:{name}")

                if name == "submit":
                    element.addEventListener(name, on, prevent_default=True)
                else:
                    element.addEventListener(name, on)

    return app(ACTIONS, wire)


async def test_click_and_dblclick():
    async with open(actions_app({"b": ["mousedown", "mouseup", "click", "dblclick"]})) as page:
        await page.locator("#b").click()
        await expect(page.locator("#log")).to_have_text("b:mousedown b:mouseup b:click")
        await page.locator("#b").dblclick()
        await expect(page.locator("#log")).to_have_text(
            "b:mousedown b:mouseup b:click "
            "b:mousedown b:mouseup b:click b:mousedown b:mouseup b:click b:dblclick")


async def test_fill_fires_input_and_change_when_focus_leaves_then_clear():
    # "fill sets the value and fires input; the field fires change when the focus
    # leaves it"
    async with open(actions_app({"name": ["input", "change"]})) as page:
        field = page.get_by_label("Name")
        await field.fill("Ada")
        await expect(page.locator("#log")).to_have_text("name:input:Ada")
        await expect(field).to_have_value("Ada")
        await field.blur()
        await expect(page.locator("#log")).to_have_text("name:input:Ada name:change:Ada")
        await field.clear()
        await expect(field).to_have_value("")
        await expect(page.locator("#log")).to_contain_text("name:input:Ada name:change:Ada name:input:")


async def test_press_enter_submits_the_form():
    # "Enter in a text field clicks its form's default button" (and so submits)
    async with open(actions_app({"name": ["keydown"], "send": ["click"], "f": ["submit"]})) as page:
        await page.get_by_label("Name").fill("Ada")
        await page.get_by_label("Name").press("Enter")
        await expect(page.locator("#log")).to_have_text("name:keydown:Enter send:click f:submit")


async def test_press_sequentially_types_key_by_key():
    async with open(actions_app({"name": ["keydown", "input"]})) as page:
        await page.get_by_label("Name").press_sequentially("abc")
        await expect(page.get_by_label("Name")).to_have_value("abc")
        await expect(page.locator("#log")).to_have_text(
            "name:keydown:a name:input:a name:keydown:b name:input:ab "
            "name:keydown:c name:input:abc")


async def test_check_uncheck_checkbox_and_radio():
    async with open(actions_app({"c": ["change"], "l": ["change"]})) as page:
        box = page.get_by_role("checkbox", name="Agree")
        await box.check()
        await expect(box).to_be_checked()
        await expect(page.locator("#log")).to_have_text("c:change")
        await box.uncheck()
        await expect(box).not_to_be_checked()
        await expect(page.locator("#log")).to_have_text("c:change c:change")
        # choosing a radio button unchecks the others of its group
        await page.get_by_role("radio", name="Large").check()
        await expect(page.get_by_role("radio", name="Large")).to_be_checked()
        await expect(page.get_by_role("radio", name="Small")).not_to_be_checked()
        await expect(page.locator("#log")).to_have_text("c:change c:change l:change:l")


async def test_select_option_by_value_and_label():
    async with open(actions_app({"sel": ["change"]})) as page:
        fruit = page.get_by_role("combobox", name="Fruit")
        assert await fruit.select_option("b") == ["b"]
        await expect(fruit).to_have_value("b")
        await expect(page.locator("#log")).to_have_text("sel:change:b")
        await fruit.select_option(label="Apple")
        await expect(fruit).to_have_value("a")
        await expect(page.locator("#log")).to_have_text("sel:change:b sel:change:a")


async def test_hover_focus_blur():
    async with open(actions_app({"zone": ["mouseover", "mouseenter"],
                                 "name": ["focus", "blur"]})) as page:
        await page.locator("#zone").hover()
        await expect(page.locator("#log")).to_have_text("zone:mouseover zone:mouseenter")
        await page.get_by_label("Name").focus()
        await expect(page.get_by_label("Name")).to_be_focused()
        await page.get_by_label("Name").blur()
        await expect(page.locator("#log")).to_have_text(
            "zone:mouseover zone:mouseenter name:focus name:blur")


async def test_dispatch_event_of_a_custom_event():
    async with open(actions_app({"zone": ["my-event"]})) as page:
        await page.locator("#zone").dispatch_event("my-event")
        await expect(page.locator("#log")).to_have_text("zone:my-event")


async def test_click_side_effects_label_required_field_and_route_link():
    # "a click ... submits a form (if its required fields are filled), follows a
    # #route link, clicks a label's control"
    html = """
    <label for="opt">Opt in</label><input type="checkbox" id="opt">
    <form id="f"><input id="need" required aria-label="Needed"><button>Send</button></form>
    <a href="#about">About</a>
    """

    def wire(server, client, document, log):
        document.getElementById("f").addEventListener(
            "submit", lambda event: log("submit"), prevent_default=True)

    async with open(app(html, wire)) as page:
        await page.get_by_text("Opt in").click()
        await expect(page.locator("#opt")).to_be_checked()
        await page.get_by_role("button", name="Send").click()
        await page.wait_for_timeout(50)
        await expect(page.locator("#log")).to_have_text("")
        await page.get_by_label("Needed").fill("x")
        await page.get_by_role("button", name="Send").click()
        await expect(page.locator("#log")).to_have_text("submit")
        await page.get_by_role("link", name="About").click()
        await expect(page).to_have_url(re.compile("#about$"))
        assert page.route == "about"


async def test_controls_without_a_listener_are_bound_to_the_server():
    # "controls without a listener are kept in sync with the server (two-way binding)"
    html = '<input id="t" aria-label="T"><input type="checkbox" id="k" aria-label="K"><button id="show">Show</button>'

    def wire(server, client, document, log):
        t = document.getElementById("t")
        k = document.getElementById("k")
        document.getElementById("show").addEventListener(
            "click", lambda event: log(f"{t.value}/{k.checked}"))

    async with open(app(html, wire)) as page:
        await page.get_by_label("T").fill("typed")
        await page.get_by_label("K").check()
        await page.get_by_role("button", name="Show").click()
        await expect(page.locator("#log")).to_have_text("typed/True")


async def test_usual_js_value_getters_are_read_from_the_page():
    html = ('<input id="t" aria-label="T">'
            '<button id="d" data-id="7">D</button><button id="a" title="tip">A</button>'
            '<select id="s" aria-label="S"><option value="x">X</option><option value="y">Y</option></select>')

    def wire(server, client, document, log):
        t = document.getElementById("t")
        d = document.getElementById("d")
        a = document.getElementById("a")
        s = document.getElementById("s")
        t.addEventListener("input", lambda e: log(f"value={e['value']}"), js_value_getter="this.value")
        t.addEventListener("keydown", lambda e: log(f"key={e['value']}"), js_value_getter="event.key")
        d.addEventListener("click", lambda e: log(f"id={e['value']}"), js_value_getter="this.dataset.id")
        a.addEventListener("click", lambda e: log(f"title={e['value']}"),
                           js_value_getter="this.getAttribute('title')")
        s.addEventListener("change", lambda e: log(f"sel={e['value']}"),
                           js_value_getter="this.options[this.selectedIndex].value")

    async with open(app(html, wire)) as page:
        await page.get_by_label("T").fill("v")
        await page.get_by_label("T").press("Enter")
        await page.locator("#d").click()
        await page.locator("#a").click()
        await page.get_by_label("S").select_option("y")
        await expect(page.locator("#log")).to_have_text("value=v key=Enter id=7 title=tip sel=y")


async def test_listener_options_act_as_in_the_browser():
    # "prevent_default=True, stop_propagation, debounce and throttle act as in the
    # browser"
    html = ('<div id="outer"><button id="inner">Inner</button></div>'
            '<input type="checkbox" id="keep" aria-label="Keep">'
            '<input id="search" aria-label="Search">')

    def wire(server, client, document, log):
        document.getElementById("outer").addEventListener("click", lambda e: log("outer"))
        document.getElementById("inner").addEventListener(
            "click", lambda e: log("inner"), stop_propagation=True)
        document.getElementById("keep").addEventListener(
            "click", lambda e: log("keep"), prevent_default=True)
        document.getElementById("search").addEventListener(
            "input", lambda e: log(f"search:{e['value']}"), debounce=80)

    async with open(app(html, wire)) as page:
        await page.locator("#inner").click()
        await expect(page.locator("#log")).to_have_text("inner")
        # preventDefault on a checkbox's click leaves it unchecked, as in Chromium
        await page.locator("#keep").click()
        await expect(page.locator("#log")).to_have_text("inner keep")
        await expect(page.locator("#keep")).not_to_be_checked()
        await page.get_by_label("Search").press_sequentially("abc")
        await expect(page.locator("#log")).to_have_text("inner keep search:abc")
        await page.wait_for_timeout(120)
        await expect(page.locator("#log")).to_have_text("inner keep search:abc")


async def test_mouse_positions_are_zero():
    def wire(server, client, document, log):
        document.getElementById("b").addEventListener(
            "click", lambda e: log(f"{e.clientX},{e.clientY}"))

    async with open(app('<button id="b">B</button>', wire)) as page:
        await page.locator("#b").click()
        await expect(page.locator("#log")).to_have_text("0,0")


async def test_prevent_default_getter_of_the_todo_example():
    # examples/todo.py (included by the how-to) uses js_value_getter=
    # "event.preventDefault()", which the how-to's list of usual getters lacks
    html = '<input type="checkbox" id="c" aria-label="C"><a href="#away">Away</a>'

    def wire(server, client, document, log):
        for element in (document.getElementById("c"), document.querySelector("a")):
            element.addEventListener("click", lambda e: log("clicked"),
                                     js_value_getter="event.preventDefault()")

    async with open(app(html, wire)) as page:
        await page.get_by_label("C").click()
        await page.get_by_role("link", name="Away").click()
        await expect(page.locator("#log")).to_have_text("clicked clicked")
        await expect(page.get_by_label("C")).not_to_be_checked()
        assert page.route == ""


# ---------------------------------------------------------------------------
# Expect
# ---------------------------------------------------------------------------

EXPECT = """
<p id="text">Hello  world</p>
<input id="in" aria-label="In" value="v1">
<input type="checkbox" id="c" aria-label="C" checked>
<button id="on">On</button><button id="off" disabled>Off</button>
<div id="cls" class="card big" data-x="1">x</div>
<div id="gone" hidden>gone</div>
<ul><li>a</li><li>b</li></ul>
"""


async def test_expect_each_assertion_and_its_not_twin():
    async with open(app(EXPECT)) as page:
        text = page.locator("#text")
        await expect(text).to_have_text("Hello world")
        await expect(text).not_to_have_text("Hello")
        await expect(text).to_contain_text("llo wo")
        await expect(text).not_to_contain_text("bye")
        await expect(page.locator("li")).to_have_count(2)
        await expect(page.locator("li")).not_to_have_count(3)
        await expect(page.get_by_label("In")).to_have_value("v1")
        await expect(page.get_by_label("In")).not_to_have_value("v2")
        await expect(page.get_by_label("C")).to_be_checked()
        await expect(page.locator("#on")).not_to_be_checked()
        await expect(text).to_be_visible()
        await expect(page.locator("#gone")).not_to_be_visible()
        await expect(page.locator("#gone")).to_be_hidden()
        await expect(page.locator("#on")).to_be_enabled()
        await expect(page.locator("#off")).not_to_be_enabled()
        await expect(page.locator("#cls")).to_have_attribute("data-x", "1")
        await expect(page.locator("#cls")).not_to_have_attribute("data-x", "2")
        await expect(page.locator("#cls")).not_to_have_attribute("data-y")
        await expect(page.locator("#cls")).to_have_class("card big")
        await expect(page.locator("#cls")).to_have_class(re.compile("big"))
        await expect(page.locator("#cls")).not_to_have_class("card")
        await expect(page.locator("#cls")).to_contain_class("big")
        await expect(page.locator("#cls")).not_to_contain_class("small")


async def test_expect_not_to_be_hidden():
    async with open(app(EXPECT)) as page:
        await expect(page.locator("#text")).not_to_be_hidden()


async def test_expect_to_have_url_and_not():
    async with open(app(EXPECT), route="#start") as page:
        await expect(page).to_have_url(re.compile("#start$"))
        await expect(page).to_have_url(page.url)
        await expect(page).not_to_have_url(re.compile("#other$"))


async def test_expect_waits_for_the_callback():
    # "Each waits (5 s by default) until it holds: the callback of a click runs a
    # moment after the click."
    async def slow(event, button):
        await asyncio.sleep(0.1)
        button.innerText = "done"

    def wire(server, client, document, log):
        button = document.getElementById("on")
        button.addEventListener("click", lambda event: slow(event, button))

    async with open(app(EXPECT, wire)) as page:
        await page.locator("#on").click()
        await expect(page.locator("#on")).to_have_text("done")


async def test_failing_expect_says_what_it_expected_what_the_page_had_and_the_html():
    async def handler(server, client):
        document = server.get_document(client)
        root = document.getRootElement()
        root.appendChild(document.createElement("h1", innerText="To do"))
        root.appendChild(document.createElement("p", id="count", innerText="0 of 1 left"))
        await server.flush(client)

    async with open(handler) as page:
        with pytest.raises(AssertionError) as failure:
            await expect(page.locator("#count")).to_have_text("1 of 1 left", timeout=FAIL)
    message = str(failure.value)
    lines = message.splitlines()
    assert lines[0] == "locator('#count') expected to have text '1 of 1 left'"
    assert lines[1] == "  Actual value: '0 of 1 left'"
    assert lines[2] == f"  Timeout: {FAIL}ms"
    assert lines[3] == "  HTML around it:"
    assert lines[4].startswith('    <div id="domsync_root_id"><h1 id="__domsync_el_1">To do</h1>')
    assert '<p id="count">0 of 1 left</p>' in message


async def test_failing_not_twin_and_default_timeout_from_open():
    # open(..., timeout=ms) sets the default wait of expectations
    async with open(app(EXPECT), timeout=FAIL) as page:
        started = time.monotonic()
        with pytest.raises(AssertionError) as failure:
            await expect(page.locator("#text")).not_to_have_text("Hello world")
        assert time.monotonic() - started < 2
    assert f"Timeout: {FAIL}ms" in str(failure.value)


async def test_default_timeout_is_five_seconds():
    assert DEFAULT_TIMEOUT == 5000


async def test_set_default_timeout():
    async with open(app(EXPECT)) as page:
        page.set_default_timeout(FAIL)
        started = time.monotonic()
        with pytest.raises(AssertionError):
            await expect(page.locator("#missing")).to_have_count(1)
        assert time.monotonic() - started < 2


# ---------------------------------------------------------------------------
# What the browser shows besides the page
# ---------------------------------------------------------------------------


def actions_buttons_app(**extra):
    """Buttons that call the document's actions."""
    big = bytes(range(256)) * 1200  # 300 KiB: over the inline limit

    def wire(server, client, document, log):
        def button(ident, callback):
            document.getElementById(ident).addEventListener("click", callback)

        def notify(event):
            document.add_notification("error", "Oops", "Something went wrong")
            document.add_notification("success", "Saved", "Your changes are stored.")
            log("notified")

        button("notify", notify)
        button("export", lambda e: document.file_download(b"id,name\n1,Ada\n", "report.csv"))
        button("big", lambda e: document.file_download(big, "big.bin"))
        button("python", lambda e: document.open_url("https://www.python.org/"))

        def script(event):
            document.run_js("window.scrollTo(0, 0)")
            log("ran")

        button("script", script)

    html = ('<button id="notify">Notify</button><button id="export">Export</button>'
            '<button id="big">Big</button><button id="python">Python</button>'
            '<button id="script">Script</button>')
    return app(html, wire), big


async def test_notifications_listed_and_shown_with_roles():
    handler, _ = actions_buttons_app()
    async with open(handler) as page:
        assert page.notifications == []
        await page.get_by_role("button", name="Notify").click()
        await expect(page.get_by_role("alert")).to_contain_text("Something went wrong")
        await expect(page.get_by_role("alert")).to_contain_text("Oops")
        await expect(page.get_by_role("status")).to_contain_text("Your changes are stored.")
        assert page.notifications == [
            Notification("error", "Oops", "Something went wrong"),
            Notification("success", "Saved", "Your changes are stored."),
        ]
        assert [(n.type, n.title, n.message) for n in page.notifications] == [
            ("error", "Oops", "Something went wrong"),
            ("success", "Saved", "Your changes are stored."),
        ]


async def test_download_with_bytes_and_path():
    handler, _ = actions_buttons_app()
    async with open(handler) as page:
        async with page.expect_download() as info:
            await page.get_by_role("button", name="Export").click()
        download = await info.value
        assert download.suggested_filename == "report.csv"
        assert download.data == b"id,name\n1,Ada\n"
        assert download.mime_type == "text/csv"
        assert Path(await download.path()).read_bytes() == b"id,name\n1,Ada\n"
        assert [d.suggested_filename for d in page.downloads] == ["report.csv"]


async def test_large_download_is_fetched_from_its_one_time_url():
    # over the 256 KiB inline limit: "a large file is fetched from its one-time URL"
    handler, big = actions_buttons_app()
    server = DomsyncServer(handler, "127.0.0.1", 0, verbose=False)
    for target in (server, handler):
        async with open(target) as page:
            async with page.expect_download() as info:
                await page.get_by_role("button", name="Big").click()
            download = await info.value
            assert download.suggested_filename == "big.bin"
            assert len(download.data) == len(big) == 307200
            assert download.data == big
            assert Path(await download.path()).read_bytes() == big
            assert page.errors == []


async def test_open_url_and_expect_popup():
    handler, _ = actions_buttons_app()
    async with open(handler) as page:
        async with page.expect_popup() as info:
            await page.get_by_role("button", name="Python").click()
        popup = await info.value
        assert popup.url == "https://www.python.org/"
        assert [p.url for p in page.popups] == ["https://www.python.org/"]


async def test_run_js_is_recorded_never_run():
    handler, _ = actions_buttons_app()
    async with open(handler) as page:
        await page.get_by_role("button", name="Script").click()
        await expect(page.locator("#log")).to_have_text("ran")
        assert page.scripts == ["window.scrollTo(0, 0)"]
        assert page.errors == []


def routes_server():
    async def handler(server, client):
        document = server.get_document(client)
        root = document.getRootElement()
        root.appendChild(document.createElement("p", id="where", innerText=f"start:{document.page}"))
        cart = document.createElement("button", innerText="Cart")
        cart.addEventListener("click", lambda event: document.set_page("cart"))
        root.appendChild(cart)
        await server.flush(client)

    server = DomsyncServer(handler, "127.0.0.1", 0, verbose=False)

    @server.on("route")
    def show(client, page, route_vars):
        document = server.get_document(client)
        document.getElementById("where").innerText = f"route:{page}:{sorted(route_vars.items())}"

    return server


async def test_route_url_goto_back_forward_run_route_handlers():
    async with open(routes_server(), route="#shop") as page:
        await expect(page.locator("#where")).to_have_text("start:shop")
        assert page.route == "shop"
        assert page.url.endswith("#shop")
        await page.goto("#about/x=1")
        await expect(page.locator("#where")).to_have_text("route:about:[('x', '1')]")
        assert page.route == "about/x=1"
        assert page.url.endswith("#about/x=1")
        await page.go_back()
        await expect(page.locator("#where")).to_have_text("route:shop:[]")
        assert page.route == "shop"
        await page.go_forward()
        await expect(page.locator("#where")).to_have_text("route:about:[('x', '1')]")
        await expect(page).to_have_url(re.compile("#about/x=1$"))


async def test_route_set_by_the_app_shows_in_the_url():
    async with open(routes_server()) as page:
        await page.get_by_role("button", name="Cart").click()
        await expect(page).to_have_url(re.compile("#cart$"))
        assert page.route == "cart"
        # "Routes the app sets itself do not fire route"
        await expect(page.locator("#where")).to_have_text("start:None")


async def test_messages_and_send_message():
    async def handler(server, client):
        document = server.get_document(client)
        document.getRootElement().appendChild(document.createElement("p", id="got", innerText=""))
        await server.flush(client)

    server = DomsyncServer(handler, "127.0.0.1", 0, verbose=False)

    @server.on_event("ping")
    async def ping(ctx):
        await server.send(ctx.client, "pong", {"n": ctx.payload["n"] + 1})
        await server.broadcast("news", "hello all")
        ctx.document.getElementById("got").innerText = f"{ctx.event_name}:{ctx.payload['n']}"

    async with open(server) as page:
        await page.send_message("ping", {"n": 1})
        await expect(page.locator("#got")).to_have_text("ping:1")
        assert page.messages == [("pong", {"n": 2}), ("news", "hello all")]


async def test_broadcast_reaches_every_page_and_send_only_one():
    async def handler(server, client):
        document = server.get_document(client)
        document.getRootElement().appendChild(document.createElement("p", id="got"))
        await server.flush(client)

    server = DomsyncServer(handler, "127.0.0.1", 0, verbose=False)

    @server.on_event("shout")
    async def shout(ctx):
        await server.send(ctx.client, "ack")
        await server.broadcast("all", ctx.payload)
        await server.broadcast("others", ctx.payload, exclude=ctx.client)
        for client in server.get_clients():
            server.get_document(client).getElementById("got").innerText = "done"
            await server.flush(client)

    async with open(server) as alice:
        bob = await alice.context.new_page()
        await alice.send_message("shout", "hey")
        await expect(alice.locator("#got")).to_have_text("done")
        await expect(bob.locator("#got")).to_have_text("done")
        assert alice.messages == [("ack", None), ("all", "hey")]
        assert bob.messages == [("all", "hey"), ("others", "hey")]


async def test_errors_lists_what_the_page_reported(tmp_path):
    # "page.errors lists what the page reported to the server (a batch it could
    # not apply, a failed download)": a large packed file removed before the page
    # fetches it makes a failed download.
    path = tmp_path / "gone.bin"
    path.write_bytes(b"x" * 300_000)

    def wire(server, client, document, log):
        def export(event):
            document.file_download(pack_file(str(path)), "gone.bin")
            path.unlink()

        document.getElementById("b").addEventListener("click", export)

    server = DomsyncServer(app('<button id="b">Export</button>', wire), "127.0.0.1", 0,
                           verbose=False)
    async with open(server) as page:
        assert page.errors == []
        await page.get_by_role("button", name="Export").click()
        for _ in range(200):
            if page.errors:
                break
            await page.wait_for_timeout(10)
        assert len(page.errors) == 1
        assert page.errors[0].startswith("the download 'gone.bin' failed")
        assert page.downloads == []


# ---------------------------------------------------------------------------
# Faults on demand
# ---------------------------------------------------------------------------


async def test_offline_queues_clicks_and_online_replays_both_ways():
    handler, connections = counter_app()
    server = DomsyncServer(handler, "127.0.0.1", 0, verbose=False)
    async with open(server) as page:
        await expect(page.locator("#count")).to_have_text("0")
        await page.go_offline()
        assert page.state == "offline"
        await page.locator("#count").click()  # queued, as the browser queues it
        # meanwhile the server changes the page: replayed on go_online
        (client,) = server.get_clients()
        document = server.get_document(client)
        document.getRootElement().appendChild(
            document.createElement("p", id="note", innerText="while you were away"))
        await server.flush(client)
        await page.wait_for_timeout(30)
        await expect(page.locator("#count")).to_have_text("0")
        await expect(page.locator("#note")).to_have_count(0)
        await page.go_online()
        assert page.state == "online"
        await expect(page.locator("#count")).to_have_text("1")
        await expect(page.locator("#note")).to_have_text("while you were away")
        assert len(connections) == 1  # the same session, resumed


async def test_set_latency_delays_each_way():
    async with open(counter_app()[0]) as page:
        page.set_latency(0.05)
        started = time.monotonic()
        await page.locator("#count").click()
        await expect(page.locator("#count")).to_have_text("1")
        assert time.monotonic() - started >= 0.1


async def test_open_with_latency():
    async with open(counter_app()[0], latency=0.05) as page:
        await expect(page.locator("#count")).to_have_text("0")
        started = time.monotonic()
        await page.locator("#count").click()
        await expect(page.locator("#count")).to_have_text("1")
        assert time.monotonic() - started >= 0.1


async def test_reload_resumes_the_session():
    handler, connections = counter_app()
    async with open(handler) as page:
        await page.locator("#count").click()
        await expect(page.locator("#count")).to_have_text("1")
        await page.reload()
        await expect(page.locator("#count")).to_have_text("1")
        await page.locator("#count").click()
        await expect(page.locator("#count")).to_have_text("2")
        assert len(connections) == 1


# ---------------------------------------------------------------------------
# Several pages
# ---------------------------------------------------------------------------


async def test_new_page_is_a_session_of_its_own():
    handler, connections = counter_app()
    async with open(handler) as alice:
        bob = await alice.context.new_page()
        await alice.locator("#count").click()
        await expect(alice.locator("#count")).to_have_text("1")
        await expect(bob.locator("#count")).to_have_text("0")
        assert len(connections) == 2
        assert alice.context.pages == [alice, bob]


def shared_counter():
    """A shared page: a click counter and an online count kept by lifecycle handlers."""
    server = DomsyncServer(host="127.0.0.1", port=0, verbose=False, shared=True,
                           autoflush=0.01, reload_grace=0.3)
    document = server.document
    root = document.getRootElement()
    button = document.createElement("button", id="count", innerText="0")
    online = document.createElement("p", id="online", innerText="0 online")
    root.append(button, online)
    clicks = [0]
    clients: set[object] = set()

    def on_click(event):
        clicks[0] += 1
        button.innerText = str(clicks[0])

    button.addEventListener("click", on_click)

    @server.on("connect")
    def joined(client):
        clients.add(client)
        online.innerText = f"{len(clients)} online"

    @server.on("disconnect")
    def left(client):
        clients.discard(client)
        online.innerText = f"{len(clients)} online"

    return server


async def test_two_pages_on_a_shared_document_domsync_server():
    async with open(shared_counter()) as alice:
        bob = await alice.context.new_page()
        await expect(alice.locator("#online")).to_have_text("2 online")
        await bob.locator("#count").click()
        await expect(alice.locator("#count")).to_have_text("1")
        await expect(bob.locator("#count")).to_have_text("1")


async def test_two_pages_on_a_shared_memory_server_via_open_options():
    # open(handler, shared=True, autoflush=0.1)
    async def handler(server, client):
        document = server.get_document(client)
        if document.getElementById("n", strict=False) is None:
            box = document.createElement("input", id="n", attributes={"aria-label": "Note"})
            box.addEventListener("input", lambda event: None)
            document.getRootElement().appendChild(box)
        await server.flush(client)

    async with open(handler, shared=True, autoflush=0.01) as alice:
        bob = await alice.context.new_page()
        assert isinstance(alice.context.server, MemoryServer)
        await alice.get_by_label("Note").fill("from alice")
        await expect(bob.get_by_label("Note")).to_have_value("from alice")


async def test_close_keeps_the_session_for_the_reload_grace():
    async with open(shared_counter()) as alice:
        bob = await alice.context.new_page()
        await expect(alice.locator("#online")).to_have_text("2 online")
        started = time.monotonic()
        await bob.close()
        await alice.wait_for_timeout(100)
        await expect(alice.locator("#online")).to_have_text("2 online")  # still in its grace
        await expect(alice.locator("#online")).to_have_text("1 online", timeout=2000)
        assert time.monotonic() - started >= 0.3


async def test_closed_page_leaves_context_pages():
    async with open(counter_app()[0]) as alice:
        bob = await alice.context.new_page()
        await bob.close(final=True)
        assert alice.context.pages == [alice]


async def test_close_final_ends_the_session_at_once():
    server = shared_counter()
    async with open(server) as alice:
        bob = await alice.context.new_page()
        await expect(alice.locator("#online")).to_have_text("2 online")
        await bob.close(final=True)
        await expect(alice.locator("#online")).to_have_text("1 online", timeout=100)
        assert len(server.get_clients()) == 1


async def test_pages_open_when_the_test_ends_are_closed_finally():
    # "The pages still open when the test ends are closed so" (with final=True)
    handler, _ = counter_app()
    disconnects: list[object] = []
    server = DomsyncServer(handler, "127.0.0.1", 0, verbose=False)
    server.on("disconnect")(lambda client: disconnects.append(client))
    async with open(server) as alice:
        await alice.context.new_page()
        await expect(alice.locator("#count")).to_have_text("0")
    await asyncio.sleep(0.05)
    assert len(disconnects) == 2
    assert server.get_clients() == []


async def test_close_with_the_default_grace_of_five_seconds():
    # "the server keeps its session for the reload grace (5 s ...)"
    handler, _ = counter_app()
    disconnects: list[object] = []
    server = DomsyncServer(handler, "127.0.0.1", 0, verbose=False)
    server.on("disconnect")(lambda client: disconnects.append(client))
    async with open(server) as alice:
        bob = await alice.context.new_page()
        await bob.close()
        await alice.wait_for_timeout(300)
        assert disconnects == []
        assert len(server.get_clients()) == 2


# ---------------------------------------------------------------------------
# Live sessions over a real socket
# ---------------------------------------------------------------------------


async def test_connect_over_a_real_websocket_streams_states_and_what_is_received():
    handler, connections = counter_app()
    server = DomsyncServer(handler, "127.0.0.1", 0, verbose=False)
    await server.serve()
    try:
        async with connect(server.url) as page:
            assert page.context.server is None
            states = page.connection_states()
            assert await anext(states) == "online"
            received = page.received()
            await page.locator("#count").click()
            batch = await asyncio.wait_for(anext(received), 2)
            assert batch.kind == "batch"
            assert batch.number > 0
            assert isinstance(batch.data, list) and batch.data
            await expect(page.locator("#count")).to_have_text("1")
            # a drop, and the page reconnects by itself
            await page.go_offline()
            assert await asyncio.wait_for(anext(states), 2) == "offline"
            await page.go_online()
            rest = [await asyncio.wait_for(anext(states), 2) for _ in range(2)]
            assert rest == ["connecting", "online"]
            await page.locator("#count").click()
            await expect(page.locator("#count")).to_have_text("2")
            assert len(connections) == 1
        assert await asyncio.wait_for(anext(states), 2) == "closed"
    finally:
        await server.close()


async def test_connect_reconnects_by_itself_after_a_drop():
    # "It reconnects by itself after a drop, as the browser client does": the
    # server goes away and comes back on the same port
    handler, connections = counter_app()
    first = DomsyncServer(handler, "127.0.0.1", 0, verbose=False)
    await first.serve()
    port = urlparse(first.url).port
    second = DomsyncServer(handler, "127.0.0.1", port, verbose=False)
    try:
        async with connect(first.url) as page:
            states = page.connection_states()
            assert await anext(states) == "online"
            await expect(page.locator("#count")).to_have_text("0")
            await first.close()
            assert await asyncio.wait_for(anext(states), 2) == "offline"
            await second.serve()
            rest = [await asyncio.wait_for(anext(states), 5) for _ in range(2)]
            assert rest == ["connecting", "online"]
            await page.locator("#count").click()
            await expect(page.locator("#count")).to_have_text("1")
            assert len(connections) == 2  # the new server gave it a new session
    finally:
        await first.close()
        await second.close()


async def test_received_reports_message_notification_download_url_route_run_js():
    async def handler(server, client):
        document = server.get_document(client)
        button = document.createElement("button", id="all", innerText="All")

        async def everything(event):
            await server.send(client, "hi", [1])
            document.add_notification("info", "T", "M")
            document.file_download(b"x", "x.txt")
            document.open_url("https://example.com/")
            document.set_page("done")
            document.run_js("void 0")

        button.addEventListener("click", everything)
        document.getRootElement().appendChild(button)
        await server.flush(client)

    server = DomsyncServer(handler, "127.0.0.1", 0, verbose=False)
    await server.serve()
    try:
        async with connect(server.url) as page:
            await expect(page.locator("#all")).to_have_count(1)
            received = page.received()
            await page.locator("#all").click()
            kinds = []
            while "run_js" not in kinds:
                kinds.append((await asyncio.wait_for(anext(received), 2)).kind)
            assert [k for k in kinds if k != "batch"] == [
                "message", "notification", "download", "open_url", "route", "run_js"]
    finally:
        await server.close()


# ---------------------------------------------------------------------------
# What the test client does not do
# ---------------------------------------------------------------------------


async def test_unusual_js_value_getter_raises_not_emulated_saying_what_to_do():
    def wire(server, client, document, log):
        document.getElementById("b").addEventListener(
            "click", lambda event: log("clicked"), js_value_getter="window.innerWidth")

    async with open(app('<button id="b">B</button>', wire)) as page:
        with pytest.raises(NotEmulatedError) as error:
            await page.locator("#b").click(timeout=FAIL)
    message = str(error.value)
    assert "window.innerWidth" in message
    assert "chromium" in message.lower()


async def test_link_leaving_the_page_raises_not_emulated():
    async with open(app('<a href="https://example.com/">Out</a>')) as page:
        with pytest.raises(NotEmulatedError) as error:
            await page.get_by_role("link", name="Out").click(timeout=FAIL)
    assert "chromium" in str(error.value).lower()


async def test_visibility_rules():
    html = """
    <style>.sheet-hidden { display: none }</style>
    <p id="by-sheet" class="sheet-hidden">by sheet</p>
    <p id="by-attr" hidden>by attribute</p>
    <p id="by-display" style="display: none">inline display</p>
    <p id="by-visibility" style="visibility: hidden">inline visibility</p>
    <div id="empty"></div>
    """
    async with open(app(html)) as page:
        await expect(page.locator("#by-sheet")).to_be_visible()
        await expect(page.locator("#empty")).to_be_visible()
        await expect(page.locator("#by-attr")).to_be_hidden()
        await expect(page.locator("#by-display")).to_be_hidden()
        await expect(page.locator("#by-visibility")).to_be_hidden()
        await expect(page.locator("#nothing")).to_be_hidden()
    # a style sheet in the server's head= is not applied either
    server = DomsyncServer(app('<p id="x">x</p>'), "127.0.0.1", 0, verbose=False,
                           head="<style>#x { display: none }</style>")
    async with open(server) as page:
        await expect(page.locator("#x")).to_be_visible()


async def test_selectors_querySelector_supports_and_playwright_ones_it_does_not():
    # "tags, #id, .class, attributes, descendant and child combinators, lists;
    # Playwright's own (text=, :has-text()) are not. Use get_by_text and filter."
    html = ('<div class="card"><section><p id="deep">deep</p></section><p id="child">child</p></div>'
            '<h1>T</h1><h2>S</h2><span data-x="1">one</span>')
    async with open(app(html)) as page:
        await expect(page.locator("p")).to_have_count(3)  # with #log
        await expect(page.locator("#deep")).to_have_text("deep")
        await expect(page.locator(".card p")).to_have_count(2)
        await expect(page.locator("div.card > p")).to_have_text("child")
        await expect(page.locator('[data-x="1"]')).to_have_text("one")
        await expect(page.locator("h1, h2")).to_have_text(["T", "S"])
        for selector in ("p:has-text('deep')", "text=deep"):
            with pytest.raises(SelectorError):
                await page.locator(selector).count()
        await expect(page.locator("p").filter(has_text="deep")).to_have_count(1)
        await expect(page.get_by_text("deep")).to_have_attribute("id", "deep")


async def test_text_content_and_inner_text():
    # "to_have_text compares textContent; inner_text() approximates innerText
    # (line breaks around blocks and <br>)"
    html = ('<p id="x">a<span style="display: none">b</span></p>'
            '<div id="t"><div>one</div><div>two</div>line<br>break</div>')
    async with open(app(html)) as page:
        await expect(page.locator("#x")).to_have_text("ab")
        assert await page.locator("#t").inner_text() == "one\ntwo\nline\nbreak"
        await expect(page.locator("#t")).to_have_text("onetwolinebreak")
