"""Every example that needs no server runs as it is."""

import subprocess
import sys
from pathlib import Path

import re

import pytest
from conftest import load_example

from domsync.testing import expect

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
MODEL_ONLY = ["render_updates.py", "table_component.py", "sorted_table.py", "own_server_loop.py",
              "in_memory.py", "live_check.py"]


@pytest.mark.parametrize("name", MODEL_ONLY)
def test_example_runs(name):
    result = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()


def test_the_in_memory_example_clicks_three_times_without_a_browser():
    result = subprocess.run([sys.executable, str(EXAMPLES / "in_memory.py")], capture_output=True,
                            text=True, timeout=60)
    lines = result.stdout.splitlines()
    assert [line for line in lines if line.startswith("after a click")] == [
        f'after a click: N(1).textContent="{n}";' for n in (1, 2, 3)]
    assert lines[-1] == 'the page: <button id="count">3</button>'


def test_the_example_test_file_passes_with_the_plugin():
    """examples/test_todo.py, run as its docstring says (browserless)."""
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_todo.py"],
                            cwd=EXAMPLES, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


@pytest.fixture
def jinja_fragments(monkeypatch):
    module = load_example("jinja_fragments")
    monkeypatch.setattr(module, "INTERVAL", 0.05)
    return module


@pytest.fixture
def domsync_app(jinja_fragments):
    return jinja_fragments.connection_handler


@pytest.fixture(params=["browserless", "chromium"])
def page(request):
    return request.getfixturevalue("domsync_browserless_page" if request.param == "browserless"
                                   else "domsync_chromium_page")


async def test_the_jinja_example_re_patches_the_table_and_its_buttons_and_filter_keep_working(page):
    """examples/jinja_fragments.py: the table is rendered by Jinja and patched on a
    timer; the buttons keep the listeners added once, the filter keeps what is typed."""
    await expect(page.locator("#status")).to_have_text(re.compile(r"Tick [1-9]"))
    await expect(page.locator("#q-\\<CORP\\> td").first).to_have_text("<CORP>")  # escaped, then shown as text
    await page.locator("#watch-ECHO").click()
    await expect(page.locator("#watch-ECHO")).to_have_text("★")
    await expect(page.locator("#quotes tr").first).to_have_id("q-ECHO")  # the watched row moved up
    await page.locator("#filter").press_sequentially("al")
    await expect(page.locator("#status")).to_have_text(re.compile("symbols with “al”"))
    await expect(page.locator("#filter")).to_have_value("al")
    await expect(page.locator("#q-HALO")).to_be_visible()
    await expect(page.locator("#q-ACME")).to_be_hidden()
    await page.locator("#filter").fill("")
    await expect(page.locator("#q-ECHO")).to_be_visible()
    await page.locator("#watch-ECHO").click()  # shown again: still the same element, with its listener
    await expect(page.locator("#watch-ECHO")).to_have_text("☆")
