"""The docs build with warnings as errors, and the examples in docstrings are right."""

import doctest
import subprocess
import sys
from pathlib import Path

import pytest

import domsync.components
import domsync.document
import domsync.element
import domsync.page

CHECKOUT = Path(__file__).resolve().parent.parent


def test_sphinx_builds_the_docs_without_warnings(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         str(CHECKOUT / "docs"), str(tmp_path / "html")],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("module", [domsync.document, domsync.element, domsync.components, domsync.page])
def test_docstring_examples_run(module):
    failures, _ = doctest.testmod(module, verbose=False)
    assert failures == 0


def test_the_repository_form_example_on_the_compatibility_page_runs_as_shown():
    text = (CHECKOUT / "docs" / "topics" / "compatibility.rst").read_text()
    block = text.split(".. code-block:: python\n", 1)[1]
    lines = []
    for line in block.splitlines()[1:]:
        if line and not line.startswith("    "):
            break
        lines.append(line[4:])
    result = subprocess.run([sys.executable, "-c", "\n".join(lines)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "['first', 'colour']\nTrue True\n"
