"""`pip install .` (not editable) gives a working package that carries its client."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--disable-pip-version-check",
         "-w", str(out), str(CHECKOUT)],
        check=True, capture_output=True, timeout=300,
    )
    (found,) = out.glob("domsync-*.whl")
    return found


def test_the_wheel_ships_the_client_script_inside_the_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "domsync/client_js/domsync.js" in names
    assert "domsync/document.py" in names
    assert "domsync/py.typed" in names  # PEP 561: type checkers use the annotations
    assert not any(name.startswith(("tests/", "examples/", "client_js/")) for name in names)


def test_the_installed_wheel_works_outside_the_checkout(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--disable-pip-version-check",
         "--target", str(target), str(wheel)],
        check=True, capture_output=True, timeout=300,
    )
    script = (
        "import domsync, domsync.assets as c\n"
        "assert domsync.__file__.startswith(%r), domsync.__file__\n"
        "path = c.client_js_path()\n"
        "assert str(path).startswith(%r), path\n"
        "assert b'domsync.apply' in c.client_js_source()\n"
        "d = domsync.Document()\n"
        "d.getRootElement().appendChild(d.createElement('p', innerText='hi'))\n"
        "print(d.render_js_updates())\n"
    ) % (str(target), str(target))
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert 'E(-1,"p"' in result.stdout
