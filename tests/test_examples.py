"""Every example that needs no server runs as it is."""

import subprocess
import sys
from pathlib import Path

import pytest

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
