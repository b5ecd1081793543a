"""Helpers for log lines about what a browser sent."""

from __future__ import annotations

import reprlib

__all__ = ["brief"]

_short = reprlib.Repr()
_short.maxlevel = 3
_short.maxstring = 100
_short.maxother = 100
_short.maxlist = _short.maxdict = _short.maxtuple = 6


def brief(value: object, limit: int = 100) -> str:
    """A short, one-line rendering of a value from the network, safe to log: nesting,
    length and line breaks are cut down (a plain ``%r`` of deeply nested JSON raises
    RecursionError, and raw text could forge log lines)."""
    if limit != _short.maxstring:
        short = reprlib.Repr()
        short.maxlevel, short.maxstring, short.maxother = 3, limit, limit
        return short.repr(value)
    return _short.repr(value)
