"""Richer DOM events without hand-written JavaScript: event details, and the
prevent_default / stop_propagation / debounce / throttle options."""

from __future__ import annotations

import asyncio

import pytest
from conftest import eventually

from domsync import Document, DomEvent, InvalidValueError, WrongTypeError
from domsync.domsync_server import DomsyncServer




@pytest.fixture
async def page_for(context):
    servers = []

    async def open_page(build):
        server = DomsyncServer(host="127.0.0.1", port=0, verbose=False, max_messages_per_second=10_000)
        server.on("connect")(lambda client: build(server.get_document(client)))
        await server.serve()
        servers.append(server)
        page = await context.new_page()
        await page.goto(server.url)
        await page.wait_for_function("domsync.status === 'open'")
        return page

    yield open_page
    for server in servers:
        await server.close()


async def test_keys_modifiers_and_pointer_positions_arrive(page_for):
    events = []

    def build(doc):
        box = doc.createElement("input", id="box")
        box.addEventListener("keydown", events.append)
        target = doc.createElement("button", id="target", innerText="click me")
        target.addEventListener("click", events.append)
        doc.getRootElement().append(box, target)

    page = await page_for(build)
    await page.focus("#box")
    await page.keyboard.press("Shift+KeyA")
    await page.click("#target", modifiers=["Alt"])
    await eventually(lambda: len(events) >= 3)
    (a,) = [e for e in events if e["event"] == "keydown" and e.code == "KeyA"]
    assert a.key == "A" and a.shiftKey is True and a.ctrlKey is False
    click = [e for e in events if e["event"] == "click"][0]
    assert isinstance(click, DomEvent) and click["id"] == "target" and click.altKey is True
    assert click.clientX > 0 and click.clientY > 0 and click.button == 0
    assert click.key is None  # not a keyboard event


async def test_checked_and_selected_values_arrive(page_for):
    events = []

    def build(doc):
        box = doc.createElement("input", id="box", attributes={"type": "checkbox"})
        box.addEventListener("change", events.append)
        pick = doc.createElement("select", id="pick", attributes={"multiple": ""})
        for value in ("a", "b", "c"):
            pick.appendChild(doc.createElement("option", innerText=value.upper(), attributes={"value": value}))
        pick.addEventListener("change", events.append)
        doc.getRootElement().append(box, pick)

    page = await page_for(build)
    await page.check("#box")
    await page.select_option("#pick", ["a", "c"])
    await eventually(lambda: len(events) == 2)
    assert events[0].checked is True and events[0]["element"].checked is True
    assert events[1].selected == ["a", "c"]


async def test_prevent_default_keeps_the_page_and_stop_propagation_keeps_parents_out(page_for):
    events = []

    def build(doc):
        form = doc.createElement("form", id="form", attributes={"action": "/elsewhere"})
        form.appendChild(doc.createElement("button", id="send", innerText="send", attributes={"type": "submit"}))
        form.addEventListener("submit", events.append, prevent_default=True)
        outer = doc.createElement("div", id="outer")
        inner = doc.createElement("button", id="inner", innerText="inner")
        outer.appendChild(inner)
        outer.addEventListener("click", events.append)
        inner.addEventListener("click", events.append, stop_propagation=True)
        doc.getRootElement().append(form, outer)

    page = await page_for(build)
    url = page.url
    await page.click("#send")
    await page.click("#inner")
    await eventually(lambda: len(events) >= 2)
    await asyncio.sleep(0.3)
    assert page.url == url  # the submit did not navigate
    assert [(e["event"], e["id"]) for e in events] == [("submit", "form"), ("click", "inner")]


async def test_debounce_sends_the_last_of_a_burst(page_for):
    events = []

    def build(doc):
        box = doc.createElement("input", id="box")
        box.addEventListener("input", lambda e: events.append(e["element"].value), debounce=200)
        doc.getRootElement().appendChild(box)

    page = await page_for(build)
    # The burst is typed in one go inside the page, so that a loaded machine cannot
    # stretch it past the debounce period (Playwright's own typing could).
    await page.evaluate("""() => {
        const box = document.getElementById('box');
        box.focus();
        for (const text of ['c', 'ch', 'che', 'chee', 'chees', 'cheese']) {
            box.value = text;
            box.dispatchEvent(new InputEvent('input', {bubbles: true}));
        }
    }""")
    await eventually(lambda: events)
    await asyncio.sleep(0.5)
    assert events == ["cheese"]


async def test_throttle_sends_the_first_at_once_and_never_loses_the_last(page_for):
    events = []

    def build(doc):
        area = doc.createElement("div", id="area", attributes={"style": "width: 300px; height: 300px"})
        area.addEventListener("mousemove", events.append, throttle=100)
        doc.getRootElement().appendChild(area)

    page = await page_for(build)
    await page.evaluate("""() => {
        const area = document.getElementById('area');
        for (let i = 1; i <= 50; i++) area.dispatchEvent(new MouseEvent('mousemove', {clientX: i, bubbles: true}));
    }""")
    await eventually(lambda: len(events) >= 2)
    await asyncio.sleep(0.4)
    assert 2 <= len(events) <= 5
    assert events[0].clientX == 1 and events[-1].clientX == 50


def test_listener_options_are_checked():
    doc = Document()
    el = doc.createElement("input")
    with pytest.raises(WrongTypeError):
        el.addEventListener("input", lambda e: None, debounce="fast")
    with pytest.raises(WrongTypeError):
        el.addEventListener("input", lambda e: None, throttle=0)
    with pytest.raises(WrongTypeError):
        el.addEventListener("input", lambda e: None, prevent_default="yes")
    with pytest.raises(InvalidValueError):
        el.addEventListener("input", lambda e: None, debounce=100, throttle=100)
    el.addEventListener("input", lambda e: None, debounce=100, prevent_default=True)
    doc.getRootElement().appendChild(el)
    assert '{"get":null,"prevent":true,"debounce":100}' in doc.render_js_updates()


def test_event_details_from_the_browser_are_type_checked():
    doc = Document()
    seen = []
    button = doc.createElement("button")
    button.addEventListener("click", seen.append)
    doc.getRootElement().appendChild(button)
    doc.render_js_updates()
    doc.handle_event({"domsync": True, "event": "click", "id": button._key, "value": None,
                      "detail": {"key": 5, "clientX": "12", "button": True, "selected": ["a", 1],
                                 "shiftKey": True, "evil": "x"}})
    (event,) = seen
    assert event.shiftKey is True
    for name in ("key", "clientX", "button", "selected", "evil"):
        assert name not in event
