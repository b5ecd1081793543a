"""The HTML page a :class:`~domsync.domsync_server.DomsyncServer` serves at ``/``.

The page holds the root element and loads the client script from the same server, so a
person only has to open the server's URL. :func:`client_snippet` gives the two lines
that put domsync into a page of one's own instead.
"""

from __future__ import annotations

import html

from .prerender import BOOT_ID, PLACE_ROWS

__all__ = ["render_page", "client_snippet"]


def render_page(root_id: str, title: str = "domsync", head: str = "", script_src: str = "domsync.js",
                reload_resumes: bool = True, strict: bool = False, content: str = "",
                boot: str | None = None, rows: bool = False) -> str:
    """The page: a doctype, a title, extra ``head`` markup, the root element, and the
    client script.

    Args:
        root_id: the id of the root element.
        title: the page title (text; escaped).
        head: extra markup for ``<head>``, such as stylesheets. It is the application's
            own HTML and is inserted as it is.
        script_src: the URL of ``domsync.js``; relative, so the page works behind a
            path prefix.
        reload_resumes: whether reloading the page resumes its session; if not, the
            script tag says so (``data-domsync-reload="new"``) and a reload starts a
            new session.
        strict: the client never evaluates code (``data-domsync-strict``), for a page
            under a strict Content-Security-Policy (see :mod:`domsync.csp`).
        content: markup for the root element's children: a prerendered first page
            (:mod:`domsync.prerender`), inserted as it is.
        boot: the JSON text of a prerendered page's boot block (it holds no ``<``),
            or None. With it the root is ``inert`` until the client has bound it (what
            the user does before would reach nobody), and the client script is
            ``async``: the page, parsed and shown first, never waits for it (and
            Chromium paints it about 25 ms sooner than with ``defer``).
        rows: ``content`` has tables whose rows are in a ``<template>``: the page
            puts them in place with :data:`domsync.prerender.PLACE_ROWS`.
    """
    reload = ("" if reload_resumes else ' data-domsync-reload="new"') + (" data-domsync-strict" if strict else "")
    return (
        "<!doctype html>\n"
        '<html lang="en">\n'
        "<head>\n"
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"{head}\n"
        "</head>\n"
        "<body>\n"
        f'<div id="{html.escape(root_id)}"{"" if boot is None else " inert"}>{content}</div>'
        + (PLACE_ROWS if rows else "") + "\n"
        + ("" if boot is None else f'<script type="application/json" id="{BOOT_ID}">{boot}</script>\n')
        + f'<script src="{html.escape(script_src)}"{reload}{" async" if boot is not None else ""}></script>\n'
        "</body>\n"
        "</html>\n"
    )


def client_snippet(http_url: str, root_id: str = "domsync_root_id", *, strict: bool = False) -> str:
    """The markup that puts domsync into a page served by something else.

    The script connects back to the server it was loaded from. That server must allow
    the page's origin: ``DomsyncServer(..., origins=["https://your.site"])``. With
    ``strict=True`` the client never evaluates code, for a page served under
    :func:`domsync.csp.strict_policy` (and a server with ``strict_csp=True``).

    Example:
        >>> print(client_snippet("http://localhost:8888/"))
        <div id="domsync_root_id"></div>
        <script src="http://localhost:8888/domsync.js"></script>
    """
    base = http_url if http_url.endswith("/") else http_url + "/"
    return (
        f'<div id="{html.escape(root_id)}"></div>\n'
        f'<script src="{html.escape(base)}domsync.js"{" data-domsync-strict" if strict else ""}></script>'
    )
