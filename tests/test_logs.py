"""domsync.logs: short log renderings, and what ``verbose=True`` shows.

``verbose=True`` (the default) prints domsync's INFO lines, the URL to open among them,
only while nobody has configured logging. Each case runs in a fresh interpreter, since
pytest itself configures logging.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from domsync.logs import brief

SERVE = """
import asyncio, logging, logging.config
from domsync import DomsyncServer

async def main():
    server = DomsyncServer(host="127.0.0.1", port=0)
    await server.serve()
    {after_serve}
    logging.getLogger("domsync.server").info("an info line from domsync")
    await server.close()
    print("handlers on domsync:", len(logging.getLogger("domsync").handlers))

{before}
asyncio.run(main())
"""


def run(before: str = "", after_serve: str = "") -> subprocess.CompletedProcess:
    code = SERVE.format(before=textwrap.dedent(before), after_serve=after_serve)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)


def test_with_logging_not_configured_the_url_and_info_lines_are_shown():
    result = run()
    assert "domsync is serving http://127.0.0.1:" in result.stderr
    assert "an info line from domsync" in result.stderr
    assert "handlers on domsync: 1" in result.stdout


@pytest.mark.parametrize("before", [
    'logging.basicConfig(level=logging.WARNING)',
    'logging.config.dictConfig({"version": 1, "handlers": {"h": {"class": "logging.StreamHandler"}},'
    ' "loggers": {"myapp": {"handlers": ["h"], "level": "INFO"}}})',
    'logging.getLogger("domsync").setLevel(logging.WARNING)',
], ids=["root-configured", "own-logger-configured", "domsync-level-set"])
def test_logging_the_application_configured_is_left_alone(before):
    result = run(before=before)
    assert "domsync is serving" not in result.stderr
    assert "an info line from domsync" not in result.stderr
    assert "handlers on domsync: 0" in result.stdout


def test_once_the_application_configures_logging_domsync_steps_aside():
    # Configured after serve(): the fallback prints nothing more, and the INFO level it
    # set does not leak domsync's INFO lines into the application's handlers.
    result = run(after_serve="logging.basicConfig(level=logging.WARNING, format='APP %(message)s')")
    assert "domsync is serving" in result.stderr  # before the application configured it
    assert "an info line from domsync" not in result.stderr


def test_brief_cuts_long_deep_and_multi_line_values_down_to_one_line():
    deep: list = []
    for _ in range(50):
        deep = [deep]
    assert "\n" not in brief("a\nb" * 1000) and len(brief("x" * 10_000)) < 200
    assert len(brief(deep)) < 100
