"""Strict Content-Security-Policy: the policy, its nonce, and what strict mode refuses.

With ``DomsyncServer(strict_csp=True)`` the page runs under the strictest policy a
security team would set (:func:`strict_policy`): scripts only from the server's own
origin, no ``eval`` or ``new Function``, no inline styles, and Trusted Types required for
every script sink. The client applies the JSON wire with a fixed table of functions, so
nothing it receives is ever evaluated; styles go through the CSSOM (``style.cssText``,
the browser's own parser setting each declaration), which ``style-src`` does not govern.

What would need code in the page raises :class:`~domsync.CspError` when the application
asks for it (:func:`check_getter`, :func:`refuse_run_js`, :func:`check_attribute`), with
the strict-mode alternative in its message.

For pages of one's own that load domsync's client, :func:`new_nonce` and
:func:`strict_policy` give the header, and the markup from :func:`domsync.page.client_snippet` with
``strict=True``::

    nonce = csp.new_nonce()
    headers = {"Content-Security-Policy": csp.strict_policy(
        nonce=nonce, domsync_url="https://live.example.com/")}
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Iterable

import html5lib
from urllib.parse import urlsplit

from . import protocol
from .exceptions import CspError

__all__ = ["TRUSTED_TYPES_POLICY", "SOURCE_ARGUMENTS", "check_element", "new_nonce", "strict_policy", "inline_hashes", "getter_path", "check_getter",
           "refuse_run_js", "check_attribute"]

#: The name of the one Trusted Types policy the client creates. Its only use: making a
#: ``<script>`` element that can never run (from two fixed strings of markup).
TRUSTED_TYPES_POLICY = "domsync"

#: A value getter strict mode accepts: ``this`` (the element) or ``event``, then one or
#: more property names, e.g. ``this.value``, ``event.key``, ``event.target.dataset.id``.
#: The client walks the path; nothing is evaluated. Names starting with ``__`` (such as
#: ``__proto__``) are not allowed. The client checks the same pattern (protocol.py's).
GETTER_PATH = re.compile(protocol.GETTER_PATH)


def new_nonce() -> str:
    """A fresh nonce for one response's ``Content-Security-Policy``: 128 random bits,
    base64url. Put it in the policy (``strict_policy(nonce=...)``) and in the
    ``nonce`` attribute of the page's own inline ``<script>`` and ``<style>`` elements;
    make a new one for every response."""
    return secrets.token_urlsafe(16)


#: A host with an optional port, as a CSP source takes it (no spaces, quotes or paths).
_HOST = re.compile(r"(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?")
#: A CSP source: no whitespace, no separators, no quote but around a keyword.
_SOURCE = re.compile(r"'[A-Za-z0-9+/=_-]+(?:-[A-Za-z0-9+/=_-]+)*'|[^\s;,'\"]+")


def _ws_origin(url: str) -> tuple[str, str]:
    """The http(s) and ws(s) origins of a domsync server's URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "ws", "wss") or not _HOST.fullmatch(parts.netloc):
        raise ValueError(f"domsync_url must be an absolute http(s) URL, e.g. 'https://live.example.com/', not {url!r}")
    secure = parts.scheme in ("https", "wss")
    return f"{'https' if secure else 'http'}://{parts.netloc}", f"{'wss' if secure else 'ws'}://{parts.netloc}"


def strict_policy(*, nonce: str | None = None, domsync_url: str | None = None, host: str | None = None,
                  frame_ancestors: str = "'self'", script_src: Iterable[str] = (), style_src: Iterable[str] = (),
                  img_src: Iterable[str] = ("data:",), connect_src: Iterable[str] = (), font_src: Iterable[str] = (),
                  media_src: Iterable[str] = (), frame_src: Iterable[str] = (),
                  trusted_types: Iterable[str] = ()) -> str:
    """The value of a strict ``Content-Security-Policy`` header for a page that runs
    domsync's client.

    It allows scripts, styles, images and connections from the page's own origin only
    (``default-src 'self'``), no ``eval``, no inline script or style (but what carries
    ``nonce``), no plugins, no ``<base>``, and requires Trusted Types for every script
    sink, with the one policy domsync's client creates (:data:`TRUSTED_TYPES_POLICY`).

    Args:
        nonce: allow the page's inline ``<script>`` and ``<style>`` elements that carry
            this nonce (see :func:`new_nonce`).
        domsync_url: the URL of a domsync server on another origin whose client the
            page loads: its origin joins ``script-src`` and its websocket origin joins
            ``connect-src``.
        host: the page's host (and port): its ``ws://`` and ``wss://`` origins join
            ``connect-src`` (``'self'`` covers them in current browsers; this is for
            older ones).
        frame_ancestors: who may frame the page (``"'none'"``, ``"'self'"``, origins
            separated by spaces).
        script_src, style_src, img_src, connect_src, font_src, media_src, frame_src:
            more sources for each directive (``'self'`` is always in them), one source
            per item, e.g. ``img_src=["https://images.example.com"]``.
        trusted_types: more Trusted Types policy names the page's own scripts create.

    Raises:
        ValueError: for a source that is not one (spaces, quotes, ``;``): nothing can
            add sources or directives that were not asked for.

    Example:
        >>> print(strict_policy().replace("; ", ";\\n"))
        default-src 'self';
        script-src 'self';
        style-src 'self';
        img-src 'self' data:;
        connect-src 'self';
        object-src 'none';
        base-uri 'none';
        form-action 'self';
        frame-ancestors 'self';
        require-trusted-types-for 'script';
        trusted-types domsync
    """
    scripts, styles, connects = ["'self'"], ["'self'"], ["'self'"]
    if nonce is not None:
        if not re.fullmatch(r"[A-Za-z0-9+/_-]+=*", nonce):
            raise ValueError(f"a nonce is base64 (letters, digits, + / - _), not {nonce!r}: use csp.new_nonce()")
        scripts.append(f"'nonce-{nonce}'")
        styles.append(f"'nonce-{nonce}'")
    if domsync_url is not None:
        http_origin, ws_origin = _ws_origin(domsync_url)
        scripts.append(http_origin)
        connects.append(ws_origin)
    if host:
        if not _HOST.fullmatch(host):
            raise ValueError(f"host must be a host name with an optional port, e.g. 'example.com:8443', not {host!r}")
        connects += [f"ws://{host}", f"wss://{host}"]
    directives = [
        ("default-src", ["'self'"]),
        ("script-src", scripts + _sources(script_src)),
        ("style-src", styles + _sources(style_src)),
        ("img-src", ["'self'", *_sources(img_src)]),
        ("connect-src", connects + _sources(connect_src)),
    ]
    for name, extra in (("font-src", font_src), ("media-src", media_src), ("frame-src", frame_src)):
        if _sources(extra):
            directives.append((name, ["'self'", *_sources(extra)]))
    directives += [
        ("object-src", ["'none'"]),
        ("base-uri", ["'none'"]),
        ("form-action", ["'self'"]),
        ("frame-ancestors", frame_ancestors.split() if isinstance(frame_ancestors, str) else [frame_ancestors]),
        ("require-trusted-types-for", ["'script'"]),
        ("trusted-types", [TRUSTED_TYPES_POLICY, *_sources(trusted_types)]),
    ]
    for name, sources in directives:
        for source in sources:
            if type(source) is not str or not _SOURCE.fullmatch(source):
                raise ValueError(f"{source!r} is not a CSP source for {name}: one source per item, "
                                 f"e.g. 'https://cdn.example.com' or \"'self'\"")
    return "; ".join(f"{name} {' '.join(dict.fromkeys(sources))}" for name, sources in directives)


def _sources(sources: Iterable[str]) -> list[str]:
    if isinstance(sources, str):
        raise ValueError(f"sources are a list, e.g. [{sources!r}], not a string")
    return list(sources)


#: The keyword arguments of :func:`strict_policy` that ``DomsyncServer(csp_sources=...)``
#: passes on: more sources for the served page.
SOURCE_ARGUMENTS = ("script_src", "style_src", "img_src", "connect_src", "font_src", "media_src", "frame_src",
                    "trusted_types")


def inline_hashes(markup: str) -> dict[str, list[str]]:
    """The CSP sources that allow the inline ``<script>`` and ``<style>`` elements of
    ``markup`` (a page's ``head=``), by the SHA-256 hash of their text:
    ``{"script_src": [...], "style_src": [...]}``, for :func:`strict_policy`. The server
    with ``strict_csp=True`` allows its own ``head`` this way: the markup is the
    application's, fixed when the server starts. Scripts with a ``src`` need no hash.

    Example:
        >>> inline_hashes("<style>p { color: red }</style>")["style_src"]
        ["'sha256-ngewhhP73WDIbgwseeu52VAAJgKdGUsu1IUQQsAm8m4='"]
    """
    sources: dict[str, list[str]] = {"script_src": [], "style_src": []}
    tree = html5lib.parse(f"<!doctype html><html><head>{markup}</head></html>", namespaceHTMLElements=False)
    for el in tree.iter():
        if el.tag not in ("script", "style") or el.get("src") is not None:
            continue
        digest = base64.b64encode(hashlib.sha256((el.text or "").encode("utf-8")).digest()).decode()
        sources[f"{el.tag}_src"].append(f"'sha256-{digest}'")
    return sources


# ------------------------------------------------------------------ what strict mode refuses

_ALTERNATIVES = (
    "Under strict_csp=True the page never evaluates code. Instead: read the form state from "
    "the model (event['element'].value and .checked are the browser's before the callback "
    "runs), the event's own fields (key, checked, selected, mouse position), a getter path "
    "such as 'this.value', 'event.key' or 'this.dataset.id', or a named message sent by a "
    "script file of your own (domsync.send(name, payload), handled by @server.on_event(name)).")


#: Property names a getter path may not take: they lead away from the element and the
#: event (to the document, the window, constructors).
_LEAVING = frozenset(protocol.GETTER_PATH_REFUSED)


def getter_path(code: str) -> list[str] | None:
    """``code`` as a getter path (``"event.target.value"`` -> ``["event", "target",
    "value"]``), or None if it is not one."""
    if GETTER_PATH.fullmatch(code) is None:
        return None
    path = code.split(".")
    if any(name.startswith("__") or name in _LEAVING for name in path):
        return None
    return path


def check_getter(code: str) -> None:
    """Raise :class:`~domsync.CspError` unless the ``js_value_getter`` ``code`` is a
    getter path, which a strict page reads without evaluating anything."""
    if getter_path(code) is None:
        raise CspError(f"js_value_getter {code[:80]!r} is code, and this page runs under a strict "
                       f"Content-Security-Policy. {_ALTERNATIVES}")


def refuse_run_js() -> None:
    """Raise :class:`~domsync.CspError`: ``run_js`` has no strict-mode form."""
    raise CspError("run_js() runs code in the page, and this page runs under a strict "
                   "Content-Security-Policy. Change the page through the document instead, or "
                   "send data to a script file of your own: document.send_message(name, payload) "
                   "dispatches a 'domsync:<name>' event on the page's document (serve the script "
                   "from the same origin, or pass its origin in script_src). To allow code, use "
                   "the default mode (strict_csp=False).")


#: Attributes whose value a browser under Trusted Types only takes as a trusted script URL.
_SCRIPT_URLS = frozenset({"src", "href", "xlink:href"})


def check_element(tag: str) -> None:
    """Raise :class:`~domsync.CspError` for an element a strict page refuses: a
    ``<style>`` (``style-src`` allows only the page's own style sheets)."""
    if tag == "style":
        raise CspError("a <style> element is refused under a strict Content-Security-Policy (style-src "
                       "allows only the page's own style sheets). Put the style sheet in the page's head "
                       "(DomsyncServer(head='<style>...</style>') is allowed by its hash), or set single "
                       "properties with element.style['color'] = 'red', which goes through the CSSOM")


def check_attribute(tag: str, name: str) -> None:
    """Raise :class:`~domsync.CspError` for an attribute that a strict page refuses
    from any string: the URL of a ``<script>`` (``src``, ``href``)."""
    if tag == "script" and name in _SCRIPT_URLS:
        raise CspError(f"a <script> {name} is refused under a strict Content-Security-Policy "
                       f"(the browser takes only a trusted script URL there, and domsync's scripts "
                       f"never run anyway). Load scripts in the page's own markup, from its own origin")
