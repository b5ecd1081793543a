"""Page routes in the URL hash, in Streamsync's style: ``#page/key=value&key2=value2``.

The page key comes first; route variables follow the first ``/``. Keys and values are
URL-encoded both ways, so any text survives the trip, ``/``, ``&``, ``=`` and ``#``
included. A hash without a page key starts with ``/`` (``#/key=value``).
"""

from __future__ import annotations

from urllib.parse import quote, unquote

__all__ = ["format_route", "parse_route"]


def _encode(text: str) -> str:
    return quote(text, safe="")


def format_route(page: str | None, route_vars: dict[str, str]) -> str:
    """The hash (without ``#``) for a page key and route variables; ``""`` for neither."""
    hash_ = _encode(page) if page else ""
    if route_vars:
        hash_ += "/" + "&".join(f"{_encode(key)}={_encode(value)}" for key, value in route_vars.items())
    return hash_


def parse_route(hash_: str) -> tuple[str | None, dict[str, str]]:
    """The page key (``None`` if there is none) and route variables of a hash, with or
    without its ``#``. Hand-edited hashes are read leniently: a part without ``=`` is a
    variable with an empty value, and bad percent-escapes are kept as they are."""
    if hash_.startswith("#"):
        hash_ = hash_[1:]
    page, _, rest = hash_.partition("/")
    route_vars: dict[str, str] = {}
    for part in rest.split("&") if rest else ():
        key, _, value = part.partition("=")
        if key:
            route_vars[unquote(key)] = unquote(value)
    return unquote(page) or None, route_vars
