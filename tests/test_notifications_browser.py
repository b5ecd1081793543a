"""Notifications: Document.add_notification in real Chromium, and the error
notification a failing callback shows by default."""

from __future__ import annotations

import asyncio

import pytest

from domsync import Document, InvalidValueError, WrongTypeError
from domsync.domsync_server import DomsyncServer


async def test_each_type_shows_as_text_with_its_role_newest_on_top_and_bounded(client_page):
    doc = Document()
    doc.getRootElement().appendChild(doc.createElement("p", innerText="page"))
    for kind in ("error", "warning", "info", "success"):
        doc.add_notification(kind, f"{kind} title", "<b>not bold</b> </script>")
    await client_page.sync(doc)
    page = client_page.page
    boxes = page.locator(".domsync-notification")
    assert await boxes.count() == 4
    assert await boxes.nth(0).get_attribute("class") == "domsync-notification domsync-notification-success"
    roles = [await boxes.nth(i).get_attribute("role") for i in range(4)]
    assert roles == ["status", "status", "alert", "alert"]
    for i in range(4):
        assert await boxes.nth(i).is_visible()
    assert await page.text_content(".domsync-notification-error .domsync-notification-message") == \
        "<b>not bold</b> </script>"
    assert await page.locator(".domsync-notification b").count() == 0
    for i in range(10):
        doc.add_notification("warning", f"more {i}")
    await client_page.sync(doc)
    assert await boxes.count() == 5
    assert await page.text_content(".domsync-notification .domsync-notification-title") == "more 9"
    await page.click(".domsync-notification-close >> nth=0")
    assert await boxes.count() == 4
    assert await page.locator("text=more 9").count() == 0


def test_bad_notifications_raise_at_once():
    doc = Document()
    with pytest.raises(InvalidValueError) as refused:
        doc.add_notification("fatal", "x")
    assert "'error', 'warning', 'info', 'success'" in str(refused.value)
    assert isinstance(refused.value, ValueError)
    with pytest.raises(WrongTypeError):
        doc.add_notification("info", 5)
    with pytest.raises(WrongTypeError):
        doc.add_notification("info", "t", None)


@pytest.mark.parametrize("enabled", [True, False])
async def test_a_failing_callback_shows_an_error_notification_unless_turned_off(context, enabled):
    server = DomsyncServer(host="127.0.0.1", port=0, verbose=False, error_notifications=enabled)

    @server.on("connect")
    def build(client):
        doc = server.get_document(client)
        button = doc.createElement("button", id="b", innerText="b")
        button.addEventListener("click", lambda e: 1 / 0)
        doc.getRootElement().appendChild(button)

    await server.serve()
    try:
        page = await context.new_page()
        await page.goto(server.url)
        await page.click("#b")
        if enabled:
            note = page.locator(".domsync-notification-error")
            await note.wait_for()
            assert await note.get_attribute("role") == "alert"
            text = await note.text_content()
            assert "click" in text and "ZeroDivisionError" not in text  # details stay in the log
        else:
            await asyncio.sleep(0.5)
            assert await page.locator(".domsync-notification").count() == 0
    finally:
        await server.close()
