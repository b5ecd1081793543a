"""A session's first page inside the HTML page that opens it: ``prerender=True``.

Without it a browser loads the page, then the client script, opens the websocket, says
hello, and only then does the connection handler build the page, which comes as the
first batch. With ``DomsyncServer(prerender=True)`` the server starts the session when
the page is asked for, runs the handler until its first flush, and serves the page with
that first render in it:

- the root element's children as markup, parsed by the browser's HTML parser while the
  page loads, so the page shows before any script runs (what a server-rendered page
  does);
- a ``<script type="application/json" id="domsync-boot">`` block (data, never run) with
  the session's token, the batch number the page stands for, the worker id, and the
  ops that complete it: the keys of the markup's elements (an ``HTML`` op whose markup
  is ``null``: the nodes are already there), live properties, listeners, and what
  could not be markup.

A table whose children are rows (``TableComponent``'s) is markup here too. Straight in
the table the parser would put its rows in a ``<tbody>`` of its own, which the model
does not have; so they travel in a ``<template>`` in the table, and the page's one
inline script (:data:`PLACE_ROWS`, right after the root) moves them into the table as
soon as the root is parsed, before the table is laid out. The ``HTML`` op's fifth
field lists those tables, and the client does the same where that script did not run.

The client binds the keys in one walk, applies the ops, and connects as a page resuming
that session: the server replays only the batches made after the page (see
:mod:`domsync.resume`). The markup is what :mod:`domsync.encode_html` makes for the
``HTML`` op (the model's own escaping, only trees the parser builds exactly), and the
boot block is :mod:`domsync.encode_json`'s text, in which every string went through
the one encoder and no ``<`` is left, so no application string can end the block.

On a strict-CSP page the ops travel without markup (an inline ``style`` attribute
would need ``'unsafe-inline'``): the page still comes with its first render, applied
by the client as the JSON wire's ops.
"""

from __future__ import annotations

import re
from typing import Sequence

from . import encode_html, encode_json
from .encoding import json_value
from .protocol import HTML, LISTEN, RESET, SET_ATTR

__all__ = ["BOOT_ID", "PLACE_ROWS", "PrerenderedPage", "prerendered_page"]

#: The id of the page's boot block.
BOOT_ID = "domsync-boot"

# Markup whose top-level items are table parts: the parser takes them only inside a
# <template> (the HTML op's place), not in the page's <div>.
_TABLE_TOP = re.compile(r"\s*<(?:tr|td|th|thead|tbody|tfoot|caption|colgroup)[\s>]")


class PrerenderedPage:
    """What goes into the served page.

    Attributes:
        content: markup for the root element's children ("" if none).
        boot: the boot block's JSON text.
        rows: whether ``content`` holds tables whose rows are in a ``<template>``
            (:data:`PLACE_ROWS` puts them in place as soon as the page is parsed).
    """

    __slots__ = ("content", "boot", "rows")

    def __init__(self, content: str, boot: str, rows: bool = False):
        self.content = content
        self.boot = boot
        self.rows = rows


#: The page's one inline script, right after the root element, for a page whose markup
#: has tables of rows: it puts each ``<template>`` of rows in place (the markup never
#: holds a template of the model's: encode_html sends those as ops), before the browser
#: lays the tables out. Fixed text, no data in it. Where it cannot run, the client does
#: the same when it binds the page.
PLACE_ROWS = ("<script>(function (root) { for (let found; (found = root.querySelectorAll('template')).length;) "
              "for (const t of found) { t.parentNode.insertBefore(t.content, t); t.remove(); } })"
              "(document.currentScript.previousElementSibling);</script>")


def prerendered_page(ops: Sequence[tuple], token: str | None, batch: int, worker: str | None,
                     markup: bool = True) -> PrerenderedPage:
    """The page's parts for a session's first page.

    Args:
        ops: the whole page and the actions due (``Hub.prerender``), starting with
            ``RESET``.
        token: the session's token, which the page presents on its first socket.
        batch: the number of the batch the page stands for.
        worker: the worker id (for the proxy), or None.
        markup: whether the root's children may go as markup (False on a strict page).
    """
    if markup:
        ops = encode_html.markup_ops(ops, min_elements=1, table_rows=True)
    # The root's own attributes and listeners come first; the ops after them that append
    # markup to the root go into the page itself, as one piece.
    start = 0
    while start < len(ops) and (ops[start][0] == RESET or ops[start][0] in (SET_ATTR, LISTEN) and ops[start][1] == 0):
        start += 1
    end = start
    pieces: list[str] = []
    runs: list[int] = []
    tables: list[int] = []
    while end < len(ops) and ops[end][0] == HTML and ops[end][1] == 0 and not _TABLE_TOP.match(ops[end][2]):
        op = ops[end]
        pieces.append(op[2])
        runs.extend(op[3])
        if len(op) > 4:
            tables.extend(op[4])
        end += 1
    content = "".join(pieces)
    rows = bool(tables)
    if end > start:
        ops = [*ops[:start], (HTML, 0, None, tuple(runs), tuple(tables)), *ops[end:]]
    boot = (f'{{"token":{json_value(token)},"batch":{batch},"worker":{json_value(worker)},'
            f'"ops":{encode_json.encode(ops)}}}')
    return PrerenderedPage(content, boot, rows)
