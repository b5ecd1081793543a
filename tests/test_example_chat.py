"""The chat example (examples/chat.py), tested as its users use it: two browser tabs on
one server, without a browser (domsync.testing). The example keeps its state at module
level (the server, the names, the guest numbers), so each test loads it afresh."""

from __future__ import annotations


import pytest
from conftest import load_example

from domsync.testing import expect, open




@pytest.fixture
def chat():
    return load_example("chat")


def entry(page):
    return page.get_by_placeholder("Say something")


async def test_the_heading_says_which_guest_you_are(chat):
    async with open(chat.server) as page:
        await expect(page.get_by_role("heading", level=1)).to_have_text("Chat - you are guest-1")
        other = await page.context.new_page()
        await expect(other.get_by_role("heading", level=1)).to_have_text("Chat - you are guest-2")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Chat - you are guest-1")
        await expect(page.get_by_role("heading", name="Online", exact=True)).to_be_visible()


async def test_a_message_appears_on_both_pages_with_its_author(chat):
    async with open(chat.server) as page:
        other = await page.context.new_page()
        await expect(page.locator("#messages li")).to_have_count(0)
        await expect(other.locator("#messages li")).to_have_count(0)

        await entry(page).fill("hello there")
        await entry(page).press("Enter")
        for seen_by in (page, other):
            await expect(seen_by.locator("#messages li")).to_have_count(1)
            await expect(seen_by.locator("#messages li b")).to_have_text(["guest-1:"])
            await expect(seen_by.locator("#messages li span")).to_have_text(["hello there"])
        await expect(entry(page)).to_have_value("")
        await expect(entry(page)).to_be_focused()  # the page did not reload: type on

        await entry(other).fill("  hi guest-1  ")
        await other.get_by_role("button", name="Send", exact=True).click()
        for seen_by in (page, other):
            await expect(seen_by.locator("#messages li")).to_have_count(2)
            await expect(seen_by.locator("#messages li b")).to_have_text(["guest-1:", "guest-2:"])
            await expect(seen_by.locator("#messages li span")).to_have_text(["hello there", "hi guest-1"])
            await expect(seen_by.locator("#messages li").nth(1)).to_have_text("guest-2:hi guest-1")
            assert await seen_by.locator("#messages li span").nth(1).text_content() == "hi guest-1"  # stripped
        await expect(entry(other)).to_have_value("")
        assert page.errors == [] and other.errors == []  # no batch failed to apply


async def test_the_online_list_shows_both_guests_and_drops_a_closed_page(chat):
    async with open(chat.server) as page:
        await expect(page.locator("#users li")).to_have_text(["guest-1"])
        other = await page.context.new_page()
        await expect(page.locator("#users li")).to_have_text(["guest-1", "guest-2"])
        await expect(other.locator("#users li")).to_have_text(["guest-1", "guest-2"])

        # A closed tab says goodbye; the server keeps its session for the reload grace
        # (5 s: it may be a reload), then it ends and the disconnect handler runs.
        await other.close()
        await expect(page.locator("#users li")).to_have_text(["guest-1", "guest-2"], timeout=4000)
        await expect(page.locator("#users li")).to_have_text(["guest-1"], timeout=8000)

        third = await page.context.new_page()
        await expect(third.get_by_role("heading", level=1)).to_have_text("Chat - you are guest-3")
        await expect(page.locator("#users li")).to_have_text(["guest-1", "guest-3"])
        await expect(third.locator("#users li")).to_have_text(["guest-1", "guest-3"])


async def test_an_empty_message_posts_nothing(chat):
    async with open(chat.server) as page:
        other = await page.context.new_page()
        await entry(page).fill("")
        await entry(page).press("Enter")
        await entry(page).fill("   ")
        await page.get_by_role("button", name="Send", exact=True).click()
        await entry(page).fill(" \t ")
        await entry(page).press("Enter")
        # A real message after the empty ones, from the same page: the server handles a
        # page's events in order, so once it shows, the empty ones have been handled.
        await entry(page).fill("only this")
        await entry(page).press("Enter")
        for seen_by in (page, other):
            await expect(seen_by.locator("#messages li span")).to_have_text(["only this"])
            await expect(seen_by.locator("#messages li")).to_have_count(1)
            await expect(seen_by.locator("#messages li b")).to_have_text(["guest-1:"])
        await expect(entry(page)).to_have_value("")
        await expect(entry(page)).to_be_focused()
        assert page.errors == [] and other.errors == []
