"""The pytest plugin of domsync.testing, as a user's project meets it: installed with
the package, its fixtures found by name, the same test run browserless and in Chromium."""

from __future__ import annotations

import os

pytest_plugins = ["pytester"]

USER_TESTS = '''
import pytest
from domsync.testing import expect


def handler(server, client):
    doc = server.get_document(client)
    button = doc.createElement("button", innerText="0")
    button.addEventListener("click", lambda event: setattr(button, "innerText", str(int(button.innerText) + 1)))
    doc.getRootElement().appendChild(button)


@pytest.fixture
def domsync_app():
    return handler


async def test_clicks_count(domsync_page):
    button = domsync_page.get_by_role("button")
    await button.click()
    await button.click()
    await expect(button).to_have_text("2")
    print("PAGE TYPE", type(domsync_page).__module__)
'''

INI = """[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = session
asyncio_default_test_loop_scope = session
"""


def test_the_plugin_gives_a_browserless_page_by_default(pytester):
    pytester.makepyfile(test_user=USER_TESTS)
    pytester.makeini(INI)
    result = pytester.runpytest_subprocess("-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*PAGE TYPE domsync.testing.locator*"])


def test_the_same_file_runs_in_chromium_with_one_option(pytester):
    pytester.makepyfile(test_user=USER_TESTS)
    pytester.makeini(INI)
    result = pytester.runpytest_subprocess("-s", "--domsync-browser=chromium")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*PAGE TYPE playwright.async_api*"])


def test_a_missing_app_fixture_says_what_to_define(pytester):
    pytester.makepyfile(test_user="async def test_it(domsync_page):\n    pass\n")
    pytester.makeini(INI)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*define a fixture named domsync_app*"])


def test_without_pytest_asyncio_pytest_still_runs_and_the_fixtures_say_what_to_install(pytester, monkeypatch):
    """The plugin is registered whenever domsync is installed; without its testing
    extra it must not break anyone's pytest."""
    shadow = pytester.mkdir("shadow")
    (shadow / "pytest_asyncio.py").write_text("raise ImportError('not installed')\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(shadow), os.environ.get("PYTHONPATH")])))
    pytester.makepyfile(test_user="def test_plain():\n    assert True\n\n"
                                  "def test_page(domsync_browserless_page):\n    pass\n")
    result = pytester.runpytest_subprocess("-p", "no:asyncio", "-p", "no:cacheprovider",
                                           f"--rootdir={pytester.path}")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*need pytest-asyncio*domsync[[]testing[]]*"])
