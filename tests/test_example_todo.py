"""The to-do example, tested as a user uses it: without a browser (domsync.testing), in
Chromium, and in Chromium under a strict Content-Security-Policy, with the same steps
and assertions. Only the page fixture differs: that is the point of this file."""

from __future__ import annotations

import re

import pytest
from conftest import load_example

from domsync import DomsyncServer
from domsync.testing import expect


@pytest.fixture(params=["browserless", "chromium", "chromium-strict-csp"])
def mode(request):
    return request.param


@pytest.fixture
def domsync_app(mode):
    todo = load_example("todo")
    if mode == "chromium-strict-csp":
        # The example's own server options, plus strict_csp (its inline style is allowed by
        # its hash); the Chromium page fails the test on any policy violation.
        return DomsyncServer(todo.connection_handler, verbose=False, head=todo.STYLE, strict_csp=True)
    return todo.connection_handler


@pytest.fixture
def page(request, mode):
    """The same test, three times: domsync.testing's page, then a real Chromium page,
    then Chromium under the strict policy."""
    return request.getfixturevalue("domsync_browserless_page" if mode == "browserless" else "domsync_chromium_page")


async def add(page, text: str) -> None:
    await page.get_by_placeholder("What needs doing?").fill(text)
    await page.get_by_role("button", name="Add").click()


async def test_add_tick_delete_and_count(page):
    await expect(page.get_by_role("heading", name="To do")).to_be_visible()
    await expect(page.locator("#count")).to_have_text("0 of 0 left")
    await add(page, "milk")
    await add(page, "eggs")
    await expect(page.get_by_role("listitem")).to_have_text([re.compile("milk"), re.compile("eggs")])
    await expect(page.locator("#count")).to_have_text("2 of 2 left")
    await expect(page.get_by_placeholder("What needs doing?")).to_have_value("")

    milk = page.get_by_role("listitem").filter(has_text="milk")
    await milk.get_by_role("checkbox").check()
    await expect(milk).to_have_class("done")
    await expect(page.locator("#count")).to_have_text("1 of 2 left")

    await page.get_by_role("listitem").filter(has_text="eggs").get_by_role("button", name="Delete").click()
    await expect(page.get_by_role("listitem")).to_have_count(1)
    await expect(page.locator("#count")).to_have_text("0 of 1 left")

    await milk.get_by_role("checkbox").uncheck()
    await expect(milk).not_to_have_class("done")
    await expect(page.locator("#count")).to_have_text("1 of 1 left")


async def test_enter_adds_an_item_and_blank_text_adds_none(page):
    entry = page.get_by_placeholder("What needs doing?")
    await entry.fill("bread")
    await entry.press("Enter")
    await expect(page.get_by_text("bread")).to_be_visible()
    await entry.fill("   ")
    await entry.press("Enter")
    await entry.fill("jam")
    await entry.press("Enter")
    await expect(page.get_by_role("listitem")).to_have_count(2)
    await expect(page.locator("#items span")).to_have_text(["bread", "jam"])
