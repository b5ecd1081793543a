"""Large new subtrees as HTML markup plus a list of keys: the fast form of a first render.

A browser builds a big tree faster from markup, with its HTML parser, than from one
``createElement`` call per element, and markup is fewer bytes than constructor calls.
:func:`markup_ops` rewrites a batch that brings at least :data:`MIN_ELEMENTS` new
elements: appends to elements new in the batch fold into their nodes (a page built
from the top down becomes one tree), then each ``APPEND`` or ``CHILDREN`` op of 16
elements or more becomes ``HTML`` ops (see :mod:`domsync.protocol`)::

    (HTML, parent, markup, runs)

The client parses ``markup`` as the contents of an inert ``<template>`` element (no
script runs, no image loads until the nodes are in the page), binds the new elements
to their keys in document order, taking the keys from ``runs``, a flat tuple
``(first, count, first, count, ...)`` of runs of consecutive keys (a first render is
usually one or a few runs), and appends them to ``parent``. A run with a negative
``first`` is keys ``-first``, ``-first + 1``... of elements with a generated id
(``__domsync_el_<key>``) that is not in the markup: the client sets it, as for a
negative key in a node, in the place of an empty ``id`` attribute, their first, if
they have other attributes. Live properties (``value`` and ``checked``) and listeners
follow as ``SET_PROP`` and ``LISTEN`` ops.

The markup is the model's own serialisation of the subtree (the same escaping as
:mod:`domsync.html`), and it is sent only where the browser's parser gives back
exactly that tree. The parser rewrites some trees, and those stay constructor calls:

- table parts out of their place (a ``<tr>`` straight in a ``<table>`` gets a
  ``<tbody>``; a ``<div>`` in a ``<tr>`` is moved out of the table), and text in them
  other than blanks (spaces, tabs, line feeds);
- elements the parser closes early: a ``<p>`` around a block, an ``<a>`` in an
  ``<a>``, a ``<button>`` in a ``<button>``, a ``<form>`` in a ``<form>``, an ``<li>``
  that is not a child of a list, a heading in a heading;
- elements whose contents the parser reads as text or treats specially: ``<script>``,
  ``<style>``, ``<textarea>``, ``<title>``, ``<template>``, ``<select>`` and
  ``<option>``, ``<iframe>``, ``<noscript>``; and a ``<pre>`` whose text starts with a
  line break (the parser drops it);
- SVG and MathML (the parser adjusts names), custom elements and ``is=`` (they would
  be upgraded at another moment than with ``createElement``), tags outside a fixed
  list, attribute names outside ``[a-z_:][a-z0-9_:.-]*``;
- text or attribute values with a carriage return (the parser turns it into a line
  feed), a NUL or a lone surrogate.

An element that is not safe in markup goes as a constructor call, and its safe
children as markup of their own: the markup always starts in the same neutral place,
a ``<template>``'s contents, whatever the parent. The markup travels inside a string
literal made by :func:`domsync.encoding.js_markup` (the one encoder's literal, with
only ``</`` escaped), so application strings stay data: in the markup they are escaped
text and attribute values.

Only the JavaScript wire uses this: a strict-CSP page (the JSON wire) would need a
Trusted Types policy that accepts any markup, and keeps the constructor ops.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from .protocol import (
    ACTIONS, APPEND, APPEND_LEAVES, AUTO_ID_PREFIX, CHILDREN, FORGET, HTML, INSERT, LISTEN, MOVE, NS_HTML,
    REMOVE, RESET, SET_PROP, TEXT_AT,
)

__all__ = ["MIN_ELEMENTS", "markup_ops", "markup_safe"]

#: A batch's ``APPEND`` or ``CHILDREN`` op goes as markup when it brings at least this
#: many new elements: below it, the parse's fixed cost outweighs what it saves.
MIN_ELEMENTS = 200
# Within such an op, a run of markup between elements that cannot be markup needs this
# many elements (or MIN_ELEMENTS, if less), else it stays constructor calls.
_MIN_RUN = 16

# The elements without an end tag: domsync.html's list (a test checks they agree; this
# layer sits below the model's).
VOID_ELEMENTS = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr", "basefont", "bgsound", "frame", "keygen", "param",
})
# Elements the parser's "in body" mode inserts as they are, in the place the markup
# gives, when the rules below hold (WHATWG HTML, 13.2.6.4.7).
_BODY_TAGS = frozenset("""
    a abbr address article aside audio b bdi bdo blockquote br button canvas cite code data
    datalist dd del details dfn dialog div dl dt em fieldset figcaption figure footer form h1
    h2 h3 h4 h5 h6 header hgroup hr i img input ins kbd label legend li main map mark menu
    meter nav ol output p picture pre progress q s samp search section slot small source span
    strong sub summary sup table time track u ul var video wbr
""".split())
# Start tags that close an open <p> (in button scope): inside a <p> they are not safe.
_CLOSES_P = frozenset("""
    address article aside blockquote center details dialog dir div dl fieldset figcaption
    figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr li dd dt listing main menu nav ol
    p pre search section summary table ul xmp plaintext
""".split())
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_LISTS = frozenset({"ul", "ol", "menu"})
# A table's parts, and what each may hold (and no text but blanks: the parser moves
# other text out of a table).
_TABLE_CHILDREN = {
    "table": frozenset({"caption", "colgroup", "thead", "tbody", "tfoot"}),
    "thead": frozenset({"tr"}), "tbody": frozenset({"tr"}), "tfoot": frozenset({"tr"}),
    "tr": frozenset({"td", "th"}),
    "colgroup": frozenset({"col"}),
}
_TABLE_PARTS = frozenset({"caption", "colgroup", "col", "thead", "tbody", "tfoot", "tr", "td", "th"})
# A <template>'s contents take table parts at the top if the first one says so: a run of
# markup holds one kind of top-level item (WHATWG HTML, "in template" insertion mode).
_TOP_KIND = {"tr": "tr", "td": "cell", "th": "cell", "thead": "section", "tbody": "section",
             "tfoot": "section", "caption": "section", "colgroup": "section"}
_NAME = re.compile(r"[a-z_:][a-z0-9_:.\-]*\Z")
_UNSAFE_CHARS = re.compile("[\r\0\ud800-\udfff]")

# Flags of what encloses an element within one run of markup.
_IN_P, _IN_A, _IN_BUTTON, _IN_FORM = 1, 2, 4, 8
_ENCLOSING = {"p": _IN_P, "a": _IN_A, "button": _IN_BUTTON, "form": _IN_FORM,
              "table": 0, "td": 0, "th": 0, "caption": 0}
_P_SCOPE = frozenset({"table", "td", "th", "caption", "button"})  # where the search for a <p> stops


def _text(text: str) -> str:
    """Text as markup (the model's escaping); raises _Unsafe for what the parser changes."""
    if text.isascii():
        if "\r" in text or "\0" in text:
            raise _Unsafe
    elif _UNSAFE_CHARS.search(text):
        raise _Unsafe
    if "&" in text or "<" in text or ">" in text or "\u00a0" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\u00a0", "&nbsp;")
    return text


def _value(value: str) -> str:
    """An attribute value as markup, between single quotes (a double quote in JSON costs
    a backslash); raises _Unsafe for what the parser changes."""
    if value.isascii():
        if "\r" in value or "\0" in value:
            raise _Unsafe
    elif _UNSAFE_CHARS.search(value):
        raise _Unsafe
    if "&" in value or "'" in value or "<" in value or ">" in value or "\u00a0" in value:
        return value.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;") \
            .replace(">", "&gt;").replace("\u00a0", "&nbsp;")
    return value


def _blank(text: str) -> bool:
    """Whether the text is all ASCII whitespace the parser keeps as it is: the only text
    a table, a table section or a row holds in markup (the parser moves other text out
    of a table; it turns a carriage return into a line feed)."""
    return not text.strip(" \t\n\f")


class _Unsafe(Exception):
    """Raised inside the walk when the parser would not build a node as it is."""


class _Markup:
    """The markup of a run of items, with the keys of its elements in document order
    and the nodes with live properties."""

    __slots__ = ("out", "keys", "props", "items", "row_tables")

    def __init__(self, row_tables: bool = False) -> None:
        self.out: list[str] = []
        self.keys: list[int] = []
        self.props: list[tuple] = []
        self.items: list[Any] = []  # what the markup stands for
        #: With ``row_tables``: the keys of the tables whose rows are written in a
        #: ``<template>`` in them (straight in a table, the parser would give them a
        #: ``<tbody>``), which the receiver puts in the table in its place.
        self.row_tables: list[int] | None = [] if row_tables else None

    def add(self, node: tuple) -> bool:
        """Add a top-level node; False (and nothing added) if it is not markup."""
        out, keys, props, tables = self.out, self.keys, self.props, self.row_tables
        lengths = len(out), len(keys), len(props), len(tables or ())
        try:
            self.element(node, None, 0)
        except _Unsafe:
            del out[lengths[0]:], keys[lengths[1]:], props[lengths[2]:]
            if tables:
                del tables[lengths[3]:]
            return False
        return True

    def element(self, node: Any, parent_tag: str | None, enclosing: int) -> None:
        """Add an element and its subtree, or raise _Unsafe (see the module's rules)."""
        key, tag, ns, attrs, kids, node_props = node
        placed = _PLACES.get((parent_tag, tag))
        if placed is None:
            placed = _place(parent_tag, tag)
        if not placed or ns != NS_HTML:
            raise _Unsafe
        if enclosing:
            if enclosing & _IN_P and tag in _CLOSES_P:
                raise _Unsafe
            if (tag == "a" and enclosing & _IN_A) or (tag == "button" and enclosing & _IN_BUTTON) \
                    or (tag == "form" and enclosing & _IN_FORM):
                raise _Unsafe
        bits = _ENCLOSING.get(tag)
        if bits is not None:
            # The parser looks for an open <p> only up to a table, a cell, a caption or
            # a button.
            enclosing = (enclosing & ~_IN_P if tag in _P_SCOPE else enclosing) | bits
        if key < 0 and attrs:
            # A generated id costs few bytes: the key's sign says it (the runs of keys
            # keep the sign), and the client sets it. It must be the first attribute:
            # an empty one holds its place.
            start = f"<{tag} id=''"
        else:
            start = "<" + tag
        if attrs:
            for i in range(0, len(attrs), 2):
                name = attrs[i]
                if name not in _NAMES:
                    if name == "is" or _NAME.match(name) is None:
                        raise _Unsafe
                    if len(_NAMES) < 4096:
                        _NAMES.add(name)
                start += f" {name}='{_value(attrs[i + 1])}'"
        self.keys.append(key)
        if node_props is not None:
            self.props.append(node)
        out = self.out
        if kids is None:
            out.append(start + ">" if tag in VOID_ELEMENTS else f"{start}></{tag}>")
            return
        if tag in VOID_ELEMENTS:
            raise _Unsafe
        if type(kids) is str:  # the common leaf: one piece
            if kids and (tag in _TABLE_CHILDREN and not _blank(kids) or tag == "pre" and kids[0] == "\n"):
                raise _Unsafe
            out.append(f"{start}>{_text(kids)}</{tag}>")
            return
        first = True
        place = tag
        if tag == "table" and self.row_tables is not None and _rows_only(kids):
            # <table><tr>: the parser would put the rows in a <tbody> of its own. In a
            # <template> it keeps them as they are, and the receiver moves them into
            # the table (its contents are then the model's).
            place = "tbody"
            self.row_tables.append(abs(key))
            out.append(start + "><template>")
            end = "</template></table>"
        else:
            out.append(start + ">")
            end = f"</{tag}>"
        for kid in kids:
            if type(kid) is str:
                if kid:
                    if tag in _TABLE_CHILDREN and not _blank(kid) or first and tag == "pre" and kid[0] == "\n":
                        raise _Unsafe
                    out.append(_text(kid))
            elif type(kid) is int:
                raise _Unsafe  # an element the browser has: moved, not markup
            else:
                self.element(kid, place, enclosing)
            first = False
        out.append(end)


def _rows_only(kids: Sequence[Any]) -> bool:
    """Whether a table's children are rows (one at least), and blank text between."""
    rows = False
    for kid in kids:
        if type(kid) is str:
            continue  # checked as the table's text
        if type(kid) is int or kid[1] != "tr" or kid[2] != NS_HTML:
            return False
        rows = True
    return rows


_PLACES: dict[tuple[str | None, str], bool] = {}  # (parent's tag, tag) -> _place's answer
_NAMES: set[str] = set()  # attribute names that are markup


def _place(parent_tag: str | None, tag: str) -> bool:
    """Whether an HTML element ``tag`` can be markup as a child of ``parent_tag``
    (None: at the top of the markup), and remember it."""
    if tag in _BODY_TAGS:
        placed = True
    else:
        placed = tag in _TABLE_PARTS and not (parent_tag is None and tag == "col")
    if placed and parent_tag is not None:
        allowed = _TABLE_CHILDREN.get(parent_tag)
        if allowed is not None:
            placed = tag in allowed
        elif tag in _TABLE_PARTS and tag != "table":
            placed = False
        if tag in _HEADINGS and parent_tag in _HEADINGS:
            placed = False
        if (tag == "li" and parent_tag not in _LISTS) or ((tag == "dd" or tag == "dt") and parent_tag != "dl"):
            placed = False
    if len(_PLACES) < 4096:
        _PLACES[(parent_tag, tag)] = placed
    return placed


def markup_safe(node: tuple) -> bool:
    """Whether the browser's parser, given the node's markup as a ``<template>``'s
    contents, builds exactly the node's tree (see the module's rules).

    Args:
        node: a node of :mod:`domsync.protocol`.
    """
    return _Markup().add(node)


def _count(node: Any, limit: int = 1 << 30) -> int:
    """The number of new elements in an item (counting stops past ``limit``)."""
    if type(node) is str or type(node) is int:
        return 0
    kids = node[4]
    if kids is None or type(kids) is str:
        return 1
    total = 1
    for kid in kids:
        if type(kid) is not str:
            total += _count(kid, limit - total)
            if total >= limit:
                break
    return total


def _count_items(items: Sequence[Any], limit: int) -> int:
    """The number of new elements in the items (counting stops at ``limit``)."""
    total = 0
    for item in items:
        if type(item) is not str and type(item) is not int:
            total += _count(item, limit - total)
            if total >= limit:
                break
    return total


def markup_ops(ops: Sequence[tuple], min_elements: int | None = None, table_rows: bool = False) -> Sequence[tuple]:
    """The batch with its appends rewritten into ``HTML`` ops for the subtrees the
    parser builds faithfully, and ops as before for the rest, if the batch brings at
    least ``min_elements`` new elements (:data:`MIN_ELEMENTS` by default).

    A page built from the top down (each element attached before it is filled) makes
    many small appends: each one that brings 16 elements or more is rewritten.

    With ``table_rows`` (a prerendered page) a table of rows is markup too, its rows
    in a ``<template>`` in it, which the client replaces by its contents: its ``HTML``
    op gets a fifth field, the keys of those tables.

    Returns:
        ``ops`` itself for a smaller batch, else a new list that does the same.
    """
    least = MIN_ELEMENTS if min_elements is None else min_elements
    total = 0
    for op in ops:
        code = op[0]
        if code == APPEND or code == CHILDREN:
            total += _count_items(op[2], least - total)
        elif code == APPEND_LEAVES:
            total += len(op[3])
        if total >= least:
            break
    else:
        return ops
    if sum(1 for op in ops if op[0] in _BRINGS) > 1:  # one op alone has nothing to fold into
        ops = _fold(ops)  # lists as nodes, where it folded
    run_least = min(least, _MIN_RUN)
    out: list[tuple] | None = None
    for i, op in enumerate(ops):
        code = op[0]
        rewritten: list[tuple] | None = None
        if code == APPEND or code == CHILDREN:
            if _count_items(op[2], run_least) >= run_least:
                rewritten = [(CHILDREN, op[1], ())] if code == CHILDREN else []
                _append(rewritten, op[1], op[2], run_least, table_rows)
        if rewritten is not None and out is None:
            out = list(ops[:i])
        if out is not None:
            if rewritten is None:
                out.append(op)
            else:
                out.extend(rewritten)
    return [_freeze_op(op) for op in (ops if out is None else out)]


# The ops that bring new elements, or put elements into others.
_BRINGS = frozenset({APPEND, APPEND_LEAVES, INSERT, CHILDREN})


def _freeze_op(op: tuple) -> tuple:
    """An op whose nodes _fold made lists, with tuples again (and its items a tuple)."""
    code = op[0]
    if code == APPEND or code == CHILDREN:
        items = op[2]
        if type(items) is list or any(type(item) is list for item in items):
            return (code, op[1], tuple([_freeze(item) for item in items]))
    elif code == INSERT and type(op[2]) is list:
        return (INSERT, op[1], _freeze(op[2]), op[3])
    return op


def _fold(ops: Sequence[tuple]) -> list[tuple]:
    """The batch with appends to elements that are new in it folded into those
    elements' nodes: a page built from the top down (a row attached, then its cells)
    becomes one tree, which markup carries in one piece.

    An append folds into a new element until an op other than an append of new nodes
    names that element (or, for a move or a removal, one of its children), or an
    action runs (``run_js`` could read the page): from then on the element's children
    are the browser's business, in the batch's order. Folding only ever creates new
    elements earlier than the batch would, and nothing can name an element before it
    exists, so the result is the same.
    """
    nodes: dict[int, list] = {}  # key of a new element -> its node, as a list
    parents: dict[int, int] = {}  # key of a new element -> its parent's key
    sealed: set[int] = set()
    out: list[Any] = []
    folded = False

    def register(item: Any, parent: int) -> Any:
        if type(item) is not tuple:
            return item
        node = list(item)
        key = abs(node[0])
        nodes[key] = node
        parents[key] = parent
        kids = node[4]
        if kids is not None and type(kids) is not str:
            node[4] = [register(kid, key) for kid in kids]
        return node

    def seal(key: Any) -> None:
        if type(key) is int:
            sealed.add(key)
            parent = parents.get(key)
            if parent is not None:
                sealed.add(parent)

    for op in ops:
        code = op[0]
        if code == APPEND or code == APPEND_LEAVES:
            parent = op[1]
            if code == APPEND:
                items = op[2]
            else:
                items = [(-key, op[2], NS_HTML, None, text, None) for key, text in zip(op[3], op[4])]
            new = all(type(item) is not int for item in items)
            target = nodes.get(parent)
            if new and target is not None and parent not in sealed:
                kids = target[4]
                kids = [] if not kids else [kids] if type(kids) is str else kids
                kids.extend(register(item, parent) for item in items)
                target[4] = kids
                folded = True
                continue
            if code == APPEND_LEAVES:
                # Leaves that do not fold (into an element the browser has): a bulk op
                # stays (as fast as markup to apply, and fewer bytes); nothing folds
                # into them.
                out.append(op)
                sealed.add(parent)
                for key in op[3]:
                    parents[key] = parent
                continue
            sealed.add(parent)
            for item in items:
                seal(item)
            out.append((APPEND, parent, [register(item, parent) for item in items]))
        elif code == RESET:
            nodes.clear()
            parents.clear()
            sealed.clear()
            out.append(op)
        elif code in ACTIONS:
            sealed.update(nodes)
            out.append(op)
        else:
            if code == INSERT:
                sealed.add(op[1])
                seal(op[3])
                op = (INSERT, op[1], register(op[2], op[1]), op[3])
            elif code == MOVE:
                seal(op[1])
                sealed.add(op[2])
                seal(op[3])
            elif code == REMOVE:
                seal(op[1])
            elif code == CHILDREN:
                sealed.add(op[1])
                for item in op[2]:
                    seal(item)
                op = (CHILDREN, op[1], [register(item, op[1]) for item in op[2]])
            elif code == TEXT_AT:
                sealed.add(op[1])
                seal(op[2])
            elif code == FORGET:
                sealed.update(op[1])
            else:
                sealed.add(op[1])  # an attribute, a text, a property, a listener
            out.append(op)
    if not folded:
        return list(ops)
    # The appends to one parent in a row made one. The nodes stay lists, for markup:
    # markup_ops makes what is left of them tuples again.
    result: list[tuple] = []
    for op in out:
        if op[0] == APPEND and result and result[-1][0] == APPEND and result[-1][1] == op[1]:
            result[-1] = (APPEND, op[1], [*result[-1][2], *op[2]])
        else:
            result.append(op)
    return result


def _freeze(item: Any) -> Any:
    """A node made a list by _fold, as a tuple again."""
    if type(item) is not list:
        return item
    kids = item[4]
    if type(kids) is list:
        kids = tuple(_freeze(kid) for kid in kids) if kids else None
    return (item[0], item[1], item[2], item[3], kids, item[5])


def _append(out: list[tuple], parent: int, items: Sequence[Any], least: int, table_rows: bool = False) -> None:
    """Ops that append ``items`` to ``parent``: runs of markup (of at least ``least``
    elements), and the rest as ``APPEND`` ops; an element that is not markup but has
    children that can be goes without them, and they follow as markup of their own."""
    markup = _Markup(table_rows)
    run_kind: str | None = None  # what the run's top-level items are
    plain: list[Any] = []
    for item in items:
        if type(item) is str:
            if not item:
                continue  # nothing in the browser, either way
            # Blank text goes with table parts as well as with anything else.
            kind: str | None = run_kind or "body" if _blank(item) else "body"
        elif type(item) is int:
            kind = None
        else:
            kind = _TOP_KIND.get(item[1], "body")
        if kind is not None:
            if markup.out and kind != run_kind:
                _flush_markup(out, parent, markup, plain, least)
                markup = _Markup(table_rows)
            if type(item) is str:
                try:
                    text = _text(item)
                except _Unsafe:
                    kind = None
                else:
                    markup.out.append(text)
                    markup.items.append(item)
                    run_kind = kind
                    continue
            elif markup.add(item):
                markup.items.append(item)
                run_kind = kind
                continue
        if markup.out:
            _flush_markup(out, parent, markup, plain, least)
            markup = _Markup(table_rows)
        if type(item) is not str and type(item) is not int and _worth_splitting(item):
            # The element is not markup, but much of what it holds may be: the element
            # alone, then its children, then its live properties and listeners (after
            # the children, as the constructor sets them: a <select>'s value needs its
            # options).
            _flush_plain(out, parent, plain)
            out.append((APPEND, parent, (tuple(item[:4]) + (None, None),)))
            _append(out, abs(item[0]), item[4], least, table_rows)
            _props_ops(out, item)
            continue
        plain.append(item)
    if markup.out:
        _flush_markup(out, parent, markup, plain, least)
    _flush_plain(out, parent, plain)


def _flush_plain(out: list[tuple], parent: int, plain: list[Any]) -> None:
    if plain:
        out.append((APPEND, parent, tuple(plain)))
        plain.clear()


def _worth_splitting(node: tuple) -> bool:
    """Whether an element that is not markup is worth sending without its children, so
    that they can be markup: an HTML element (foreign elements hold foreign elements; a
    ``<template>``'s children go into its contents, which only its constructor fills)
    with a child that has children of its own."""
    kids = node[4]
    return node[2] == NS_HTML and node[1] != "template" and kids is not None and type(kids) is not str \
        and any(type(kid) is not str and type(kid) is not int and kid[4] is not None and type(kid[4]) is not str
                for kid in kids)


def _props_ops(out: list[tuple], node: tuple) -> None:
    props = node[5]
    if props is None:
        return
    key = abs(node[0])
    value, checked, listeners = props
    if value is not None:
        out.append((SET_PROP, key, "value", value, None, None))
    if checked is not None:
        out.append((SET_PROP, key, "checked", checked, None, None))
    for event, getter, options in listeners or ():
        out.append((LISTEN, key, event, getter, options))


def _flush_markup(out: list[tuple], parent: int, markup: _Markup, plain: list[Any], least: int) -> None:
    """The ops of a run of markup: an ``HTML`` op and the properties and listeners of its
    elements; or, for a short run, its items among the plain ones (a parse costs more
    than it saves for a few elements)."""
    if len(markup.keys) < least:
        plain.extend(markup.items)
        return
    _flush_plain(out, parent, plain)
    runs: list[int] = []
    for key in markup.keys:
        # A run of keys first, first+1... (negative: -first, -first-1...: the elements
        # whose generated ids the client sets).
        if runs and (runs[-2] > 0 and runs[-2] + runs[-1] == key if key > 0
                     else runs[-2] < 0 and runs[-2] - runs[-1] == key):
            runs[-1] += 1
        else:
            runs += [key, 1]
    if markup.row_tables:
        out.append((HTML, parent, "".join(markup.out), tuple(runs), tuple(markup.row_tables)))
    else:
        out.append((HTML, parent, "".join(markup.out), tuple(runs)))
    for node in markup.props:
        _props_ops(out, node)
