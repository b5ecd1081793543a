"""The browser client, ``client_js/domsync.js``, as the servers serve it.

In a checkout the file is in the top-level ``client_js/`` folder; an installed wheel
carries it as ``domsync/client_js/domsync.js`` (see ``package_dir`` in setup.cfg).

Pages load it under a versioned name, ``domsync.<hash>.js``, where the hash is taken
from its bytes: a browser may then keep it for a year without asking again
(``Cache-Control: immutable``), and a new version is a new URL. It is also kept
gzip-compressed, for browsers that accept that.
"""

from __future__ import annotations

import gzip
import hashlib
from functools import lru_cache
from pathlib import Path

__all__ = ["client_js_path", "client_js_source", "client_js_gzip", "client_js_name"]

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


@lru_cache(maxsize=1)
def client_js_gzip() -> bytes:
    """``domsync.js`` compressed with gzip, once (with no time stamp, so the same
    bytes give the same result)."""
    return gzip.compress(client_js_source(), compresslevel=9, mtime=0)


@lru_cache(maxsize=1)
def client_js_name() -> str:
    """The versioned file name pages load the client under: ``domsync.<hash>.js``."""
    return f"domsync.{hashlib.sha256(client_js_source()).hexdigest()[:12]}.js"
