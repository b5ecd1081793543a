"""Where the browser client lives: ``client_js/domsync.js``.

In a checkout the file is in the top-level ``client_js/`` folder; an installed wheel
carries it as ``domsync/client_js/domsync.js`` (see ``package_dir`` in setup.cfg).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

__all__ = ["client_js_path", "client_js_source"]

_HERE = Path(__file__).resolve().parent


def client_js_path() -> Path:
    """The path of ``domsync.js``, installed or in the checkout.

    Raises:
        FileNotFoundError: if neither copy exists (a broken installation).
    """
    for candidate in (_HERE / "client_js" / "domsync.js", _HERE.parent / "client_js" / "domsync.js"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError("domsync.js is missing: reinstall domsync (pip install .)")


@lru_cache(maxsize=1)
def client_js_source() -> bytes:
    """The bytes of ``domsync.js``, read once."""
    return client_js_path().read_bytes()
