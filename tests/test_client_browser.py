"""The browser client, in real Chromium: applying batches, events, errors, scripts."""

import json

import pytest

from domsync import SVG_NAMESPACE, Document, DomsyncWarning


def fresh():
    doc = Document()
    return doc, doc.getRootElement()


async def test_a_click_sends_the_element_key_the_event_and_the_getter_value(client_page):
    doc, root = fresh()
    button = doc.createElement("button", innerText="go")
    button.addEventListener("click", lambda e: None, js_value_getter="this.textContent + '!'")
    root.appendChild(button)
    await client_page.sync(doc)
    await client_page.page.click("button")
    (msg,) = await client_page.sent()
    detail = msg.pop("detail")
    assert msg == {"domsync": True, "event": "click", "id": button._key, "value": "go!"}
    # Only what differs from the defaults of a mouse event travels...
    assert detail["kind"] == "mouse" and detail["clientX"] > 0 and detail["offsetX"] > 0
    assert "button" not in detail and "shiftKey" not in detail and "pageX" not in detail
    # ... and the callback's DomEvent has every field, as before.
    events = []
    button.removeEventListener("click")
    button.addEventListener("click", events.append)
    doc.handle_event({**msg, "detail": detail})
    (event,) = events
    assert event.button == 0 and event.buttons == 0 and event.shiftKey is False and event.key is None
    assert event.clientX == detail["clientX"] and event.pageX == detail["clientX"] and event.offsetY > 0


async def test_a_plain_click_sends_a_short_message(client_page):
    doc, root = fresh()
    button = doc.createElement("button", id="b", innerText="go")
    button.addEventListener("click", lambda e: None)
    root.appendChild(button)
    await client_page.sync(doc)
    await client_page.page.evaluate("document.getElementById('b').click()")  # as the benchmark clicks
    await client_page.page.keyboard.press("Tab")
    (msg,) = await client_page.sent()
    assert msg == {"domsync": True, "event": "click", "id": button._key, "detail": {"kind": "mouse"}}
    assert len(json.dumps(msg, separators=(",", ":"))) <= 100


async def test_key_and_wheel_events_send_their_kind_and_what_is_not_a_default(client_page):
    doc, root = fresh()
    box = doc.createElement("input", id="box")
    seen = []
    box.addEventListener("keydown", seen.append)
    box.addEventListener("wheel", seen.append)
    root.appendChild(box)
    await client_page.sync(doc)
    await client_page.page.focus("#box")
    await client_page.page.keyboard.press("Shift+A")
    await client_page.page.mouse.move(10, 10)
    await client_page.page.hover("#box")
    await client_page.page.mouse.wheel(0, 30)
    sent = [m for m in await client_page.sent() if m.get("event") in ("keydown", "wheel")]
    kinds = {m["event"]: m["detail"] for m in sent}
    assert kinds["keydown"]["kind"] == "key" and kinds["keydown"]["key"] in ("Shift", "A")
    assert kinds["wheel"]["kind"] == "wheel" and kinds["wheel"]["deltaY"] == 30
    for message in sent:
        doc.handle_event(message)
    shifted = [e for e in seen if e.event == "keydown" and e.key == "A"]
    assert shifted and shifted[0].shiftKey is True and shifted[0].repeat is False and shifted[0].clientX is None
    wheel = [e for e in seen if e.event == "wheel"][0]
    assert wheel.deltaY == 30 and wheel.deltaX == 0 and wheel.altKey is False and wheel.key is None


async def test_typing_sends_the_form_state_which_the_model_takes_in(client_page):
    doc, root = fresh()
    seen = []
    box = doc.createElement("input", attributes={"type": "text"})
    box.addEventListener("input", lambda e: seen.append((e["value"], box.value)), js_value_getter="this.value")
    root.appendChild(box)
    await client_page.sync(doc)
    await client_page.page.type("input", "hey")
    messages = await client_page.sent()
    assert [m["state"] for m in messages] == [{"value": "h"}, {"value": "he"}, {"value": "hey"}]
    for message in messages:
        doc.handle_event(message)
    assert seen[-1] == ("hey", "hey")
    assert box.value == "hey"


async def test_a_removed_listener_no_longer_sends(client_page):
    doc, root = fresh()
    button = doc.createElement("button", innerText="go")
    callback = lambda e: None  # noqa: E731
    button.addEventListener("click", callback)
    root.appendChild(button)
    await client_page.sync(doc)
    button.removeEventListener("click", callback)
    await client_page.sync(doc)
    await client_page.page.click("button")
    assert await client_page.sent() == []


async def test_a_broken_value_getter_is_reported_and_the_batch_still_applies(client_page):
    doc, root = fresh()
    button = doc.createElement("button", innerText="go")
    button.addEventListener("click", lambda e: None, js_value_getter="this.(")
    root.appendChild(button)
    root.appendChild(doc.createElement("p", innerText="after"))
    await client_page.apply(doc.render_js_updates(), allow_errors=True)
    assert await client_page.inner_html() == root.innerHTML
    errors = await client_page.errors()
    assert len(errors) == 1
    sent = await client_page.sent()
    assert sent[0]["type"] == "error" and sent[0]["source"] == "js_value_getter"


async def test_a_failing_batch_is_reported_not_swallowed(client_page):
    await client_page.apply("N(12345).remove();", allow_errors=True)
    errors = await client_page.errors()
    assert errors and "12345" in errors[0]
    (report,) = await client_page.sent()
    assert report["type"] == "error" and report["source"] == "batch"


async def test_scripts_never_run_however_they_are_made(client_page):
    doc, root = fresh()
    with pytest.warns(DomsyncWarning, match=r"never runs in the browser.*document\.run_js\(code\)"):
        root.appendChild(doc.createElement("script", innerText="window.__ran.push('createElement')"))
    root.innerHTML += ""  # keep what is there
    box = doc.createElement("div")
    root.appendChild(box)
    box.innerHTML = "<script>window.__ran.push('innerHTML')</script>"
    svg = doc.createElementNS(SVG_NAMESPACE, "svg")
    svg_script = doc.createElementNS(SVG_NAMESPACE, "script")
    svg_script.textContent = "window.__ran.push('svg')"
    svg.appendChild(svg_script)
    root.appendChild(svg)
    parsed = doc.createElement("div")
    root.appendChild(parsed)
    parsed.innerHTML = "<svg><script>window.__ran.push('parsed svg')</script></svg>"
    html = await client_page.sync(doc)
    assert html == root.innerHTML
    await client_page.page.wait_for_timeout(100)
    assert await client_page.page.evaluate("window.__ran") == []


async def test_removed_elements_are_forgotten_by_the_client(client_page):
    doc, root = fresh()
    p = doc.createElement("p", innerText="x")
    root.appendChild(p)
    await client_page.sync(doc)
    assert await client_page.page.evaluate(f"domsync.node({p._key}) !== undefined")
    p.remove()
    await client_page.sync(doc)
    assert await client_page.page.evaluate(f"domsync.node({p._key}) === undefined")
    root.appendChild(p)  # rebuilt from the model
    assert await client_page.sync(doc) == root.innerHTML == f'<p id="{p.id}">x</p>'


async def test_render_js_full_replaces_whatever_the_page_had(client_page):
    doc, root = fresh()
    root.appendChild(doc.createElement("p", innerText="old"))
    await client_page.sync(doc)
    other, other_root = fresh()
    other_root.setAttribute("class", "fresh")
    other_root.appendChild(other.createElement("h1", innerText="new"))
    await client_page.apply(other.render_js_full())
    assert await client_page.inner_html() == other_root.innerHTML
    assert await client_page.page.evaluate(
        "document.getElementById('domsync_root_id').className") == "fresh"


async def test_values_and_checked_state_reach_the_browser(client_page):
    doc, root = fresh()
    text = doc.createElement("input", value="typed")
    box = doc.createElement("input", attributes={"type": "checkbox"})
    root.append(text, box)
    box.checked = True
    await client_page.sync(doc)
    page = client_page.page
    assert await page.evaluate(f"domsync.node({text._key}).value") == "typed"
    assert await page.evaluate(f"domsync.node({box._key}).checked") is True
    text.value = "changed"
    box.checked = False
    await client_page.sync(doc)
    assert await page.evaluate(f"domsync.node({text._key}).value") == "changed"
    assert await page.evaluate(f"domsync.node({box._key}).checked") is False


async def test_a_bulk_build_with_hostile_texts_arrives_exactly(client_page):
    """Long runs of new leaves travel in the bulk form L(...); the page must still equal
    the model, with every text as data."""
    doc, root = fresh()
    hostile = ["</script><script>window.__ran.push(1)</script>", "`${x}`", "\u2028", "\ud800",
               "\"'\\", "", "é中", "<!--"]
    items = []
    for i in range(2500):
        item = doc.createElement("li")
        if i % 3:
            item.innerText = hostile[i % len(hostile)] + str(i)
        root.appendChild(item)
        items.append(item)
    root.appendChild(doc.createElement("hr"))
    for i in range(20):
        root.appendChild(doc.createElement("p", innerText=str(i)))
    batch = doc.render_js_updates()
    assert "...L(" in batch
    await client_page.apply(batch)
    assert await client_page.inner_html() == root.innerHTML
    assert await client_page.page.evaluate(f"domsync.node({items[-1]._key}).id") == items[-1].id
    assert await client_page.page.evaluate("window.__ran") == []
    items[7].innerText = "changed"
    assert await client_page.sync(doc) == root.innerHTML


async def test_a_getter_with_a_syntax_error_is_reported_with_its_text(client_page):
    """The browser's message alone ("Unexpected token ')'") does not say which getter."""
    doc, root = fresh()
    button = doc.createElement("button", innerText="go")
    button.addEventListener("click", lambda e: None, js_value_getter="this.dataset.x +")
    root.appendChild(button)
    await client_page.apply(doc.render_js_updates(), allow_errors=True)
    reports = [m for m in await client_page.sent() if m.get("type") == "error"]
    assert reports and reports[0]["source"] == "js_value_getter"
    assert reports[0]["message"].endswith(' in js_value_getter "this.dataset.x +"')


HOSTILE = ["</script><script>window.__ran.push('text')</script>", "${window.__ran.push('tpl')}",
           "\"); window.__ran.push('quote'); (\"", "\u2028\u2029", "\x00nul", "<img src=x onerror=\"window.__ran.push(1)\">"]


async def test_the_json_wire_carries_hostile_strings_as_data(client_page):
    """What encode_json sends is applied by a fixed table: every string arrives as it
    was, as text, attribute value or form value, and nothing runs."""
    from domsync import encode_json

    doc, root = fresh()
    for i, text in enumerate(HOSTILE):
        el = doc.createElement("p", innerText=text, attributes={"title": text, "data-i": str(i)})
        root.appendChild(el)
    box = doc.createElement("input")
    root.appendChild(box)
    await client_page.apply_ops(encode_json.encode(doc.take_ops()))
    box.value = HOSTILE[0]
    await client_page.apply_ops(encode_json.encode(doc.take_ops()))
    seen = await client_page.page.evaluate("""() => [...document.querySelectorAll('p')].map(
        p => [p.textContent, p.getAttribute('title')])""")
    assert seen == [[text, text] for text in HOSTILE]
    assert await client_page.page.evaluate("document.querySelector('input').value") == HOSTILE[0]
    assert await client_page.page.evaluate("() => window.__ran") == []
    assert await client_page.inner_html() == root.innerHTML


@pytest.mark.parametrize("batch", ['[[99, 1]]', '[["RESET"]]', 'not json', '{"a": 1}', '[[5, 12345]]'])
async def test_a_malformed_json_batch_is_reported_and_the_page_goes_on(client_page, batch):
    doc, root = fresh()
    root.appendChild(doc.createElement("p", innerText="before"))
    await client_page.apply_ops(encode_ops(doc))
    await client_page.apply_ops(batch, allow_errors=True)
    (report,) = [m for m in await client_page.sent() if m.get("type") == "error"]
    assert report["source"] == "batch"
    assert len(await client_page.page.evaluate("() => window.__errors.splice(0)")) == 1  # reported on the page too
    root.appendChild(doc.createElement("p", innerText="after"))
    await client_page.apply_ops(encode_ops(doc))
    assert await client_page.inner_html() == root.innerHTML


def encode_ops(doc) -> str:
    from domsync import encode_json

    return encode_json.encode(doc.take_ops())
