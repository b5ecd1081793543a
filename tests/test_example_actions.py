"""The actions example (examples/actions.py), tested as its users use it, button by
button, without a browser (domsync.testing): notifications, downloads, open_url, page
routes with the back button, route variables and run_js."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conftest import load_example

from domsync.testing import Notification, expect, open


HOME, ABOUT, HELP = "Welcome home.", "domsync keeps the DOM in Python.", "Press the buttons."
MESSAGE = "Shown as text: <b>not bold</b>."
SCRIPT = "document.title = 'Changed by run_js'"



@pytest.fixture
def actions():
    return load_example("actions")


@pytest.fixture
def server(actions):
    return actions.create_server()


def button(page, name):
    return page.get_by_role("button", name=name, exact=True)


async def eventually(condition, timeout: float = 5.0) -> None:
    """Wait until ``condition()`` holds (for what no locator shows: page.scripts)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.005)


async def test_the_four_notifications_show_their_type_title_and_text_as_text(server):
    async with open(server) as page:
        assert page.notifications == []
        for kind in ("error", "warning", "info", "success"):
            await button(page, kind).click()
            await expect(page.locator(f".domsync-notification-{kind}")).to_have_count(1)
        assert page.notifications == [
            Notification("error", "A error notification", MESSAGE),
            Notification("warning", "A warning notification", MESSAGE),
            Notification("info", "A info notification", MESSAGE),
            Notification("success", "A success notification", MESSAGE),
        ]
        # Shown newest first; errors and warnings are alerts, info and success status.
        alerts, statuses = page.get_by_role("alert"), page.get_by_role("status")
        await expect(alerts.locator(".domsync-notification-title")).to_have_text(
            ["A warning notification", "A error notification"])
        await expect(statuses.locator(".domsync-notification-title")).to_have_text(
            ["A success notification", "A info notification"])
        for kind in ("error", "warning", "info", "success"):
            box = page.locator(f".domsync-notification-{kind}")
            await expect(box.locator(".domsync-notification-message")).to_have_text(MESSAGE)
            assert await box.locator(".domsync-notification-message").inner_text() == MESSAGE
        # The markup is text, not an element.
        await expect(page.locator(".domsync-notification b")).to_have_count(0)
        await expect(page.locator("b")).to_have_count(0)


async def test_the_small_download_has_its_name_type_and_exact_bytes(server):
    async with open(server) as page:
        async with page.expect_download() as info:
            await button(page, "Small text file").click()
        download = await info.value
        assert download.suggested_filename == "hello.txt"
        assert download.mime_type == "text/plain; charset=utf-8"
        assert download.data == "Hello from domsync ✓\n".encode()
        assert download.data == b"Hello from domsync \xe2\x9c\x93\n"
        assert page.downloads == [download]
        assert page.errors == []


async def test_the_large_download_streams_the_whole_file(actions, server):
    async with open(server) as page:
        async with page.expect_download() as info:
            await button(page, "Large file (5 MB)").click()
        download = await info.value
        expected = Path(actions.large_file()).read_bytes()
        assert len(expected) == 5 * 1024 * 1024
        assert download.suggested_filename == "large.bin"
        assert download.mime_type == "application/octet-stream"
        assert len(download.data) == len(expected)
        assert download.data == expected
        assert page.downloads == [download]
        assert page.errors == []


async def test_open_url_opens_python_org_in_a_popup(server):
    async with open(server) as page:
        async with page.expect_popup() as info:
            await button(page, "Open python.org in a new tab").click()
        popup = await info.value
        assert popup.url == "https://www.python.org/"
        assert page.opened_urls == ["https://www.python.org/"]
        assert [p.url for p in page.popups] == ["https://www.python.org/"]
        assert page.url == "http://testserver/"  # the page itself stays where it was


async def test_page_routes_follow_the_buttons_and_the_back_button(server):
    async with open(server) as page:
        content, route_line = page.locator("#content"), page.locator("#route")
        assert page.route == ""
        assert page.url == "http://testserver/"
        await expect(content).to_have_text(HOME)
        await expect(route_line).to_have_text("page=None route_vars={}")

        await button(page, "About").click()
        await expect(content).to_have_text(ABOUT)
        await expect(page).to_have_url("http://testserver/#about")
        assert page.route == "about"
        assert page.url.endswith("#about")
        await expect(route_line).to_have_text("page='about' route_vars={}")

        await button(page, "Help").click()
        await expect(content).to_have_text(HELP)
        await expect(page).to_have_url("http://testserver/#help")
        assert page.route == "help"
        await expect(route_line).to_have_text("page='help' route_vars={}")

        await page.go_back()
        assert page.route == "about"
        await expect(content).to_have_text(ABOUT)
        await expect(route_line).to_have_text("page='about' route_vars={}")

        await page.go_back()
        assert page.route == ""
        assert page.url == "http://testserver/"
        await expect(content).to_have_text(HOME)
        await expect(route_line).to_have_text("page=None route_vars={}")

        await page.go_forward()
        assert page.route == "about"
        await expect(content).to_have_text(ABOUT)

        await button(page, "Home").click()
        await expect(route_line).to_have_text("page='home' route_vars={}")
        await expect(content).to_have_text(HOME)
        await expect(page).to_have_url("http://testserver/#home")


async def test_goto_a_route_updates_the_content(server):
    async with open(server) as page:
        await page.goto("#about")
        await expect(page.locator("#content")).to_have_text(ABOUT)
        await expect(page.locator("#route")).to_have_text("page='about' route_vars={}")
        await page.goto("#nowhere")
        await expect(page.locator("#content")).to_have_text("No such page.")
        await page.go_back()
        await expect(page.locator("#content")).to_have_text(ABOUT)
        assert page.url == "http://testserver/#about"


async def test_a_page_opened_at_a_route_shows_it_at_once(server):
    async with open(server, route="#help") as page:
        # No waiting: the first page the server sends is already the help page.
        assert await page.locator("#content").text_content() == HELP
        assert await page.locator("#route").text_content() == "page='help' route_vars={}"
        assert page.route == "help"
        assert page.url == "http://testserver/#help"


async def test_sort_by_price_sets_a_route_variable_and_no_sorting_removes_it(server):
    async with open(server) as page:
        route_line = page.locator("#route")
        await button(page, "Sort by price").click()
        await expect(route_line).to_have_text("page=None route_vars={'sort': 'price'}")
        await expect(page.locator("#content")).to_have_text(HOME)
        assert page.route == "/sort=price"
        await expect(page).to_have_url("http://testserver/#/sort=price")

        await button(page, "About").click()
        await expect(route_line).to_have_text("page='about' route_vars={'sort': 'price'}")
        await expect(page.locator("#content")).to_have_text(ABOUT)
        assert page.route == "about/sort=price"

        await button(page, "No sorting").click()
        await expect(route_line).to_have_text("page='about' route_vars={}")
        assert page.route == "about"
        await expect(page).to_have_url("http://testserver/#about")

        await page.go_back()
        await expect(route_line).to_have_text("page='about' route_vars={'sort': 'price'}")
        assert page.route == "about/sort=price"


async def test_run_js_is_recorded_once(server):
    async with open(server) as page:
        assert page.scripts == []
        await button(page, "Change the page title").click()
        await eventually(lambda: page.scripts != [])
        assert page.scripts == [SCRIPT]
        # Later batches do not send it again.
        await button(page, "About").click()
        await expect(page.locator("#content")).to_have_text(ABOUT)
        assert page.scripts == [SCRIPT]
        assert page.errors == []
