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


@pytest.fixture(scope="module")
def built_docs(tmp_path_factory):
    """The docs, built once for this module: (the build's result, the HTML folder)."""
    html = tmp_path_factory.mktemp("docs") / "html"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         str(CHECKOUT / "docs"), str(html)],
        capture_output=True, text=True, timeout=300,
    )
    return result, html


def test_sphinx_builds_the_docs_without_warnings(built_docs):
    result, _ = built_docs
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("width", [1400, 1000, 420])
async def test_no_code_block_is_cut_off_at_any_width(built_docs, browser, width):
    """Every code block of every page shows all of its text: long lines wrap rather
    than run past the edge of the block (what a reader of a cut-off line cannot see,
    they copy wrong)."""
    result, html = built_docs
    assert result.returncode == 0
    context = await browser.new_context(viewport={"width": width, "height": 900})
    page = await context.new_page()
    cut = []
    try:
        for path in sorted(html.rglob("*.html")):
            if "_modules" in path.parts or path.name in ("genindex.html", "search.html", "py-modindex.html"):
                continue
            await page.goto(path.as_uri())
            cut += [f"{path.relative_to(html)}: {text}" for text in await page.evaluate(
                """() => [...document.querySelectorAll('pre')]
                    .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
                    .map(pre => pre.textContent.split('\\n').sort((a, b) => b.length - a.length)[0])""")]
    finally:
        await context.close()
    assert cut == [], "code cut off at the right edge:\n" + "\n".join(cut[:10])


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
