"""examples/progress.py: each step shows while the callback runs. The same test runs
without a browser and in Chromium; only the page fixture differs."""

from __future__ import annotations

import pytest
from conftest import load_example

from domsync import DomsyncServer
from domsync.testing import expect


@pytest.fixture
def progress(monkeypatch):
    module = load_example("progress")
    monkeypatch.setattr(module, "STEP_SECONDS", 0.5)  # room for Playwright to look at each step
    return module


@pytest.fixture(params=["browserless", "chromium", "chromium-strict-csp"])
def mode(request):
    return request.param


@pytest.fixture
def domsync_app(progress, mode):
    if mode == "chromium-strict-csp":
        return DomsyncServer(progress.connection_handler, verbose=False, strict_csp=True)
    return progress.connection_handler


@pytest.fixture
def page(request, mode):
    return request.getfixturevalue("domsync_browserless_page" if mode == "browserless" else "domsync_chromium_page")


async def test_each_step_shows_while_the_task_runs_and_the_button_waits(progress, page):
    button = page.get_by_role("button", name="Run the backup")
    await button.click()
    await expect(button).to_be_disabled()
    for step in range(1, progress.STEPS + 1):
        await expect(page.locator("#status")).to_have_text(f"Backing up… step {step} of {progress.STEPS}")
        await expect(page.locator("#bar")).to_have_attribute("value", str(step - 1))
    await expect(page.locator("#status")).to_have_text("Backup done.")
    await expect(button).to_be_enabled()
    await expect(page.locator("#bar")).to_have_attribute("value", str(progress.STEPS))
