"""Ops as JSON: a batch as a JSON list of ops, each a list of its op code and fields.

``[[8,3,"bye"],[6,3,"class","big"]]`` is ``TEXT`` of element 3 and ``SET_ATTR`` on it
(see :mod:`domsync.protocol` for every op and its fields; a node is a list too). Nothing
in it is code: a client applies it with a fixed table of functions, which is what a page
under a strict Content-Security-Policy needs. :mod:`domsync.mirror` applies the same
lists, decoded, to a plain tree.

Every string goes through :func:`domsync.encoding.js_string`, the one encoder, whose
output is also valid JSON.
"""

from __future__ import annotations

from typing import Sequence

from .encoding import js_strings, json_value
from .protocol import APPEND_LEAVES

__all__ = ["encode"]


def encode(ops: Sequence[tuple]) -> str:
    """The JSON text of a batch of ops (``"[]"`` for an empty batch)."""
    parts = []
    for op in ops:
        if op[0] == APPEND_LEAVES:  # many strings: the bulk form of the same encoder
            parts.append(f"[{APPEND_LEAVES},{op[1]},{json_value(op[2])},{json_value(op[3])},"
                         f"{js_strings(list(op[4]))}]")
        else:
            parts.append(json_value(op))
    return "[" + ",".join(parts) + "]"
