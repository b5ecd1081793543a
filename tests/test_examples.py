"""Every example that needs no server runs as it is."""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
MODEL_ONLY = ["render_updates.py", "table_component.py", "sorted_table.py", "own_server_loop.py"]


@pytest.mark.parametrize("name", MODEL_ONLY)
def test_example_runs(name):
    result = subprocess.run([sys.executable, str(EXAMPLES / name)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
