"""examples/progress.py, without a browser: each step shows while the callback runs."""

from __future__ import annotations

import pytest
from conftest import load_example

from domsync.testing import expect, open


@pytest.fixture
def progress(monkeypatch):
    module = load_example("progress")
    monkeypatch.setattr(module, "STEP_SECONDS", 0.05)
    return module


async def test_each_step_shows_while_the_task_runs_and_the_button_waits(progress):
    async with open(progress.connection_handler) as page:
        button = page.get_by_role("button", name="Run the backup")
        await button.click()
        await expect(button).to_be_disabled()
        for step in range(1, progress.STEPS + 1):
            await expect(page.locator("#status")).to_have_text(f"Backing up… step {step} of {progress.STEPS}")
            await expect(page.locator("#bar")).to_have_attribute("value", str(step - 1))
        await expect(page.locator("#status")).to_have_text("Backup done.")
        await expect(button).to_be_enabled()
        await expect(page.locator("#bar")).to_have_attribute("value", str(progress.STEPS))
