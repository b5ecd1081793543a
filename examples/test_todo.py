"""Tests of the to-do example (examples/todo.py), without a browser.

Run: pytest examples/test_todo.py                              (browserless, milliseconds)
     pytest examples/test_todo.py --domsync-browser=chromium   (the same tests in Chromium)

The fixtures come from domsync's pytest plugin (pip install "domsync[testing]"): you
say which app to test with ``domsync_app``, and ``domsync_page`` opens it.
"""

import re

import pytest
from todo import connection_handler

from domsync.testing import expect


@pytest.fixture
def domsync_app():
    return connection_handler


async def add(page, text):
    await page.get_by_placeholder("What needs doing?").fill(text)
    await page.get_by_role("button", name="Add").click()


async def test_add_tick_and_delete(domsync_page):
    page = domsync_page
    await add(page, "milk")
    await add(page, "eggs")
    await expect(page.get_by_role("listitem")).to_have_count(2)
    await expect(page.locator("#count")).to_have_text("2 of 2 left")

    milk = page.get_by_role("listitem").filter(has_text="milk")
    await milk.get_by_role("checkbox").check()
    await expect(milk).to_have_class(re.compile("done"))
    await expect(page.locator("#count")).to_have_text("1 of 2 left")

    await page.get_by_role("listitem").filter(has_text="eggs").get_by_role("button", name="Delete").click()
    await expect(page.locator("#count")).to_have_text("0 of 1 left")


async def test_enter_adds_and_blank_is_ignored(domsync_page):
    entry = domsync_page.get_by_placeholder("What needs doing?")
    await entry.fill("bread")
    await entry.press("Enter")
    await entry.fill("   ")
    await entry.press("Enter")
    await expect(domsync_page.locator("#items span")).to_have_text(["bread"])
