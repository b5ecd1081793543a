"""A Python mirror of the browser's page: a plain tree that applies batches of ops
exactly as the browser client (``client_js/domsync.js``) does.

It is the browserless stand-in for the page: the differential tests run random
mutations through it (after every batch its HTML must equal the model's), and the
actions a batch carries (messages, notifications, downloads, URLs to open, routes,
``run_js`` code) are recorded rather than performed.

Example:
    >>> from domsync import Document
    >>> from domsync.mirror import Mirror
    >>> doc = Document("app")
    >>> doc.getRootElement().appendChild(doc.createElement("p", innerText="hi")).id
    '__domsync_el_1'
    >>> page = Mirror("app")
    >>> page.apply(doc.take_ops())
    >>> page.inner_html()
    '<p id="__domsync_el_1">hi</p>'

A batch that fails (an unknown key, a move into a descendant) stops at the failing op,
as a statement that throws stops the browser's batch: the ops before it stay applied,
and :class:`MirrorError` is raised.
"""

from __future__ import annotations

import base64
import re
import secrets
from typing import Any, Callable, Iterable, Iterator, cast

from .html import VOID_ELEMENTS, serialize_children, serialize_element
from .names import MATHML_NAMESPACE, SVG_NAMESPACE
from .protocol import (
    APPEND, APPEND_LEAVES, AUTO_ID_PREFIX, CHILDREN, DOWNLOAD, DOWNLOAD_URL, FORGET, HTML, INSERT,
    LISTEN, MESSAGE, MOVE, NOTIFY, OPEN_URL, REMOVE, REMOVE_ATTR, RESET, ROUTE, RUN_JS, SET_ATTR,
    SET_PROP, TEXT, TEXT_AT, UNLISTEN,
)

__all__ = ["Mirror", "MirrorElement", "MirrorError"]

_NAMESPACES = (None, SVG_NAMESPACE, MATHML_NAMESPACE)  # by the node's namespace number


class MirrorError(Exception):
    """Raised when a batch cannot be applied, where the browser's batch would throw."""


class MirrorElement:
    """One element of a :class:`Mirror`: tag, namespace, attributes in order, children
    (``str`` for text nodes), and the live ``value`` and ``checked`` properties.

    The private names are the ones :mod:`domsync.html`'s serializer reads (its
    ``SerializableElement`` protocol), so the mirror prints HTML exactly as the model does.
    """

    __slots__ = ("_tag", "_ns", "_attrs", "_kids", "parent", "value", "checked")

    def __init__(self, tag: str, ns: str | None):
        self._tag = tag
        self._ns = ns
        self._attrs: dict[str, str] = {}
        self._kids: list[MirrorElement | str] = []
        self.parent: MirrorElement | None = None
        self.value: str | None = None
        self.checked: bool | None = None

    def __repr__(self) -> str:
        ident = self._attrs.get("id")
        return f"<MirrorElement {self._tag}{'#' + ident if ident else ''}>"

    @property
    def tag(self) -> str:
        """The tag name, lower-case for HTML."""
        return self._tag

    @property
    def id(self) -> str:
        """The ``id`` attribute, or ``""`` (as the model's, for the selector engine)."""
        return self._attrs.get("id", "")

    @property
    def _parent(self) -> MirrorElement | None:
        # The model's name for the parent, which the selector engine walks.
        return self.parent

    @property
    def attributes(self) -> dict[str, str]:
        """A copy of the attributes, in order."""
        return dict(self._attrs)

    @property
    def children(self) -> list[MirrorElement | str]:
        """A copy of the children: elements, and text nodes as ``str``."""
        return list(self._kids)

    @property
    def text_content(self) -> str:
        """The text of all descendant text nodes."""
        # cast: mypy does not narrow type(kid) is str in the else branch
        return "".join(kid if type(kid) is str else cast(MirrorElement, kid).text_content for kid in self._kids)

    def _attr_view(self) -> dict[str, str]:
        return self._attrs

    def _attr_flat(self) -> tuple[str, ...]:
        """The names and values, alternately, in order: what the serialiser reads."""
        return tuple([part for pair in self._attrs.items() for part in pair])

    def _get_attr(self, name: str) -> str | None:
        """The attribute's value or None (as the model's, for the selector engine)."""
        return self._attrs.get(name)

    def iter(self) -> Iterator[MirrorElement]:
        """Descendant elements in tree order (not this one)."""
        for kid in self._kids:
            if type(kid) is not str:
                el = cast(MirrorElement, kid)  # mypy does not narrow type(kid) is not str
                yield el
                yield from el.iter()

    def contains(self, other: MirrorElement) -> bool:
        """True if ``other`` is this element or a descendant of it."""
        node: MirrorElement | None = other
        while node is not None:
            if node is self:
                return True
            node = node.parent
        return False

    def _detach(self) -> None:
        parent = self.parent
        if parent is not None:
            kids = parent._kids
            for i, kid in enumerate(kids):
                if kid is self:
                    del kids[i]
                    break
            self.parent = None

    def _insert(self, items: list[MirrorElement | str], ref: MirrorElement | None) -> None:
        """Insert ``items`` before the child ``ref`` (at the end for None), moving
        elements from wherever they are, as the DOM's ``insertBefore``/``append`` do."""
        # cast: mypy does not narrow type(item) is not str
        for item in items:
            if type(item) is not str and cast(MirrorElement, item).contains(self):
                raise MirrorError(f"cannot insert {item!r} into its own descendant {self!r}")
        for item in items:
            if type(item) is not str:
                el = cast(MirrorElement, item)
                if el is ref:  # insertBefore(node, node): the DOM inserts before its next sibling
                    ref = _next_sibling(el)
                el._detach()
                el.parent = self
        if ref is None:
            self._kids.extend(items)
        else:
            at = next(i for i, kid in enumerate(self._kids) if kid is ref)
            self._kids[at:at] = items

    def _text_at(self, ref: MirrorElement | None, text: str) -> None:
        """Replace the text nodes just before the child ``ref`` (the last ones for None)
        by ``text`` (by none for ""), as the client's T does."""
        kids = self._kids
        if ref is None:
            end = len(kids)
        else:
            if ref.parent is not self:
                raise MirrorError(f"{ref!r} is not a child of {self!r}")
            end = next(i for i, kid in enumerate(kids) if kid is ref)
        start = end
        while start and type(kids[start - 1]) is str:
            start -= 1
        kids[start:end] = [text] if text else []

    def _replace_children(self, items: list[MirrorElement | str]) -> None:
        for kid in self._kids:
            if type(kid) is not str:
                cast(MirrorElement, kid).parent = None  # mypy does not narrow type(kid) is not str
        self._kids = []
        self._insert([item for item in items if item != ""], None)


def _next_sibling(el: MirrorElement) -> MirrorElement | None:
    parent = el.parent
    assert parent is not None
    kids = parent._kids
    i = next(i for i, kid in enumerate(kids) if kid is el) + 1
    while i < len(kids):
        kid = kids[i]
        if type(kid) is not str:
            return cast(MirrorElement, kid)  # mypy does not narrow type(kid) is not str
        i += 1
    return None


class Mirror:
    """A browser page's DOM as the client keeps it: the root element, the elements
    the server's model knows by key, and what the batches asked the page to do.

    Args:
        root_id: the id of the page's root element.

    Attributes:
        messages: ``(name, payload)`` of each named message (``send_message``).
        notifications: ``(type, title, message)`` of each notification.
        downloads: ``(file_name, mime_type, data)`` of each small download (``data``
            is the bytes), or ``(file_name, mime_type, token)`` of a large one (``token``
            a ``str``: its bytes are fetched from the server).
        opened_urls: each URL ``open_url`` asked to open.
        route: the URL hash the server last set (without ``#``).
        scripts: each ``run_js`` code, recorded, never run.
    """

    def __init__(self, root_id: str = "domsync_root_id"):
        self.root_id = root_id
        self.root = MirrorElement("div", None)
        self.root._attrs["id"] = root_id
        self._nodes: dict[int, MirrorElement] = {}
        self.listeners: dict[int, dict[str, tuple[str | None, dict | None]]] = {}
        #: key -> number of the user's last edit of that control that was sent.
        self.edits: dict[int, int] = {}
        #: Names this page's edits, as the browser client does (for shared documents).
        self.origin = secrets.token_hex(5)
        #: True until the session's first RESET: as in the browser client, the edit
        #: numbers are the session's, so a later RESET (a rebuilt page) keeps them.
        self.new_session = True
        self.route_seq = 0
        self.messages: list[tuple[str, Any]] = []
        self.notifications: list[tuple[str, str, str]] = []
        self.downloads: list[tuple[str, str, bytes | str]] = []
        self.opened_urls: list[str] = []
        self.route = ""
        self.scripts: list[str] = []

    def __repr__(self) -> str:
        return f"<Mirror root_id={self.root_id!r} keys={len(self._nodes)}>"

    # ------------------------------------------------------------------ reading

    def node(self, key: int) -> MirrorElement | None:
        """The element known as ``key``, or None."""
        return self._nodes.get(key)

    @property
    def keys(self) -> dict[int, MirrorElement]:
        """A copy of the key -> element map."""
        return dict(self._nodes)

    def inner_html(self) -> str:
        """The root's ``innerHTML``, as the browser's would read."""
        return serialize_children(self.root)

    def outer_html(self, el: MirrorElement | None = None) -> str:
        """An element's ``outerHTML`` (the root's by default)."""
        return serialize_element(el or self.root)

    def get_element_by_id(self, ident: str) -> MirrorElement | None:
        """The first element under the root (or the root) with this id."""
        if self.root._attrs.get("id") == ident:
            return self.root
        return next((el for el in self.root.iter() if el._attrs.get("id") == ident), None)

    # ------------------------------------------------------------------ applying

    def apply(self, ops: Iterable[Any]) -> None:
        """Apply a batch of ops (tuples, or the lists JSON decodes them to).

        Raises:
            MirrorError: where the browser's batch would throw; the ops before the
                failing one stay applied.
        """
        for op in ops:
            try:
                handler = _HANDLERS[op[0]]
            except (KeyError, IndexError, TypeError):
                raise MirrorError(f"unknown op {op!r:.100}") from None
            handler(self, op)

    def _n(self, key: int) -> MirrorElement:
        node = self._nodes.get(key)
        if node is None:
            raise MirrorError(f"domsync: no element with key {key}")
        return node

    def _item(self, item: Any) -> MirrorElement | str:
        if type(item) is str:
            return item
        if type(item) is int:
            return self._n(item)
        return self._build(item)

    def _build(self, node: Any) -> MirrorElement:
        key, tag, ns, attrs, kids, props = node
        el = MirrorElement(tag, _NAMESPACES[ns])
        if key < 0:
            key = -key
            el._attrs["id"] = AUTO_ID_PREFIX + str(key)
        if attrs:
            for i in range(0, len(attrs), 2):
                _set_attribute(el, attrs[i], attrs[i + 1])
        if type(kids) is str:
            if kids:
                el._kids.append(kids)
        elif kids:
            el._insert([self._item(kid) for kid in kids], None)
        if props:
            value, checked, listeners = props
            if value is not None:
                el.value = value
            if checked is not None:
                el.checked = checked
            for event, getter, options in listeners or ():
                self.listeners.setdefault(key, {})[event] = (getter, options)
        self._nodes[key] = el
        return el

    def _reset(self, op: Any) -> None:
        if op[1] != self.root_id:
            raise MirrorError(f"domsync: the page has no element with id {op[1]!r}")
        root = self.root
        root._attrs = {"id": self.root_id}
        root._replace_children([])
        root.value = root.checked = None
        self._nodes = {0: root}
        self.listeners = {}
        if self.new_session:
            self.edits = {}
        self.new_session = False

    def _append(self, op: Any) -> None:
        parent = self._n(op[1])
        parent._insert([self._item(item) for item in op[2]], None)

    def _append_leaves(self, op: Any) -> None:
        parent = self._n(op[1])
        made: list[MirrorElement | str] = []
        for key, text in zip(op[3], op[4]):
            el = MirrorElement(op[2], None)
            el._attrs["id"] = AUTO_ID_PREFIX + str(key)
            if text:
                el._kids.append(text)
            self._nodes[key] = el
            made.append(el)
        parent._insert(made, None)

    def _html(self, op: Any) -> None:
        """The HTML op: the markup's nodes, bound to the keys of the runs in document
        order, appended to the parent (as the client's P does)."""
        parent = self._n(op[1])
        if len(op) > 4 and op[4]:
            raise MirrorError("domsync: an HTML op with tables of rows comes only in a prerendered page's boot")
        made = _parse_markup(op[2])
        elements = list(made.iter())
        runs = op[3]
        # A negative run: elements whose generated id the client sets (in the place of an
        # empty id attribute, first, if they have others).
        keys = [key if runs[r] > 0 else -key for r in range(0, len(runs), 2)
                for key in range(abs(runs[r]), abs(runs[r]) + runs[r + 1])]
        if len(keys) != len(elements):
            raise MirrorError(f"domsync: the markup has {len(elements)} elements, but {len(keys)} keys")
        for key, el in zip(keys, elements):
            if key < 0:
                key = -key
                el._attrs["id"] = AUTO_ID_PREFIX + str(key)
            self._nodes[key] = el
        kids = made._kids
        for kid in kids:
            if type(kid) is not str:
                cast(MirrorElement, kid).parent = None  # mypy does not narrow type(kid) is not str
        parent._insert(kids, None)

    def _insert(self, op: Any) -> None:
        parent, ref = self._n(op[1]), self._n(op[3])
        if ref.parent is not parent:
            raise MirrorError(f"{ref!r} is not a child of {parent!r}")
        parent._insert([self._build(op[2])], ref)

    def _move(self, op: Any) -> None:
        child, parent = self._n(op[1]), self._n(op[2])
        ref = None if op[3] is None else self._n(op[3])
        if ref is not None and ref.parent is not parent:
            raise MirrorError(f"{ref!r} is not a child of {parent!r}")
        parent._insert([child], ref)

    def _set_prop(self, op: Any) -> None:
        _, key, name, value, seq, origin = op
        if seq is not None and (origin is None or origin == self.origin) and self.edits.get(key, 0) > seq:
            return  # the user's newer edits are on their way to the server
        el = self._n(key)
        if name == "value":
            el.value = value
        elif name == "checked":
            el.checked = value
        else:
            raise MirrorError(f"unknown property {name!r}")

    def _listen(self, op: Any) -> None:
        self._n(op[1])
        self.listeners.setdefault(op[1], {})[op[2]] = (op[3], op[4])

    def _unlisten(self, op: Any) -> None:
        self._n(op[1])
        self.listeners.get(op[1], {}).pop(op[2], None)

    def _forget(self, op: Any) -> None:
        for key in op[1]:
            self._nodes.pop(key, None)
            self.listeners.pop(key, None)
            self.edits.pop(key, None)

    def _route(self, op: Any) -> None:
        if op[2] >= self.route_seq:  # a route answering an older report is dropped
            self.route = op[1]


# What domsync.encode_html writes: tags, attributes in single quotes, escaped text.
_MARKUP_TOKEN = re.compile(r"<(/?)([a-z][a-z0-9]*)((?: [a-z_:][a-z0-9_:.\-]*='[^'<>]*')*)>|([^<]+)")
_MARKUP_ATTRIBUTE = re.compile(r" ([^=]+)='([^']*)'")
_MARKUP_ENTITY = re.compile("&(?:(amp|lt|gt|#39|nbsp);)?")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "#39": "'", "nbsp": "\u00a0"}


def _unescape(text: str) -> str:
    def entity(match: re.Match) -> str:
        if match.group(1) is None:
            raise MirrorError("domsync: a bare & in markup")
        return _ENTITIES[match.group(1)]
    return _MARKUP_ENTITY.sub(entity, text) if "&" in text else text


def _parse_markup(markup: str) -> MirrorElement:
    """The markup of an HTML op, parsed into the children of a holder element.

    The server sends only markup in which the browser's parser builds exactly the tree
    the markup spells (domsync.encode_html): every element closed, in order, nothing
    the parser would move or close early. So this parser builds that tree and refuses
    anything else; adjacent text becomes one text node, as in the browser.
    """
    holder = MirrorElement("template", None)
    stack = [holder]
    at = 0
    for match in _MARKUP_TOKEN.finditer(markup):
        if match.start() != at:
            break
        at = match.end()
        closing, tag, attrs, text = match.groups()
        top = stack[-1]
        if text is not None:
            text = _unescape(text)
            kids = top._kids
            if kids and type(kids[-1]) is str:
                kids[-1] += text
            else:
                kids.append(text)
        elif closing:
            if top is holder or top._tag != tag:
                raise MirrorError(f"domsync: markup closes <{tag}> where it is not open")
            stack.pop()
        else:
            el = MirrorElement(tag, None)
            for name, value in _MARKUP_ATTRIBUTE.findall(attrs):
                el._attrs[name] = _unescape(value)
            el.parent = top
            top._kids.append(el)
            if tag not in VOID_ELEMENTS:
                stack.append(el)
    if at != len(markup) or len(stack) != 1:
        raise MirrorError(f"domsync: markup the client does not take, at {markup[at:at + 40]!r}")
    return holder


def _set_attribute(el: MirrorElement, name: str, value: str) -> None:
    # The browser lower-cases attribute names on HTML elements.
    el._attrs[name.lower() if el._ns is None else name] = value


def _remove_attribute(el: MirrorElement, name: str) -> None:
    el._attrs.pop(name.lower() if el._ns is None else name, None)


_HANDLERS: dict[int, Callable[[Mirror, Any], None]] = {
    RESET: Mirror._reset,
    APPEND: Mirror._append,
    APPEND_LEAVES: Mirror._append_leaves,
    INSERT: Mirror._insert,
    MOVE: Mirror._move,
    REMOVE: lambda page, op: page._n(op[1])._detach(),
    SET_ATTR: lambda page, op: _set_attribute(page._n(op[1]), op[2], op[3]),
    REMOVE_ATTR: lambda page, op: _remove_attribute(page._n(op[1]), op[2]),
    TEXT: lambda page, op: page._n(op[1])._replace_children([op[2]]),
    CHILDREN: lambda page, op: page._n(op[1])._replace_children([page._item(item) for item in op[2]]),
    SET_PROP: Mirror._set_prop,
    LISTEN: Mirror._listen,
    UNLISTEN: Mirror._unlisten,
    FORGET: Mirror._forget,
    MESSAGE: lambda page, op: page.messages.append((op[1], op[2])),
    NOTIFY: lambda page, op: page.notifications.append((op[1], op[2], op[3])),
    DOWNLOAD: lambda page, op: page.downloads.append((op[1], op[2], base64.b64decode(op[3]))),
    DOWNLOAD_URL: lambda page, op: page.downloads.append((op[2], op[3], op[1])),
    OPEN_URL: lambda page, op: page.opened_urls.append(op[1]),
    ROUTE: Mirror._route,
    RUN_JS: lambda page, op: page.scripts.append(op[1]),
    TEXT_AT: lambda page, op: page._n(op[1])._text_at(None if op[2] is None else page._n(op[2]), op[3]),
    HTML: Mirror._html,
}
