"""Elements of a :class:`~domsync.Document`: the DOM API, in Python.

An :class:`Element` is made by :meth:`Document.createElement` (or by parsing
``innerHTML``), never directly. Every mutation checks its arguments, changes the tree
and records what changed in its document's outbox; :meth:`Document.render_js_updates`
turns the outbox into JavaScript.

Children are kept as the browser keeps them: a list of elements and text nodes, where a
text node is a plain ``str``. Setting ``innerText`` or ``textContent`` replaces all
children, and ``innerText`` turns line breaks into ``<br>`` elements, as a browser does.

This module holds the element's identity, the tree-changing methods and its text and
HTML; its other parts are :mod:`~domsync.traversal` (reading the tree),
:mod:`~domsync.attributes`, :mod:`~domsync.forms` (``value``, ``checked``) and
:mod:`~domsync.listeners` (``addEventListener``).
"""

from __future__ import annotations

from threading import get_ident
from typing import TYPE_CHECKING, Any

from .attributes import Attributes, attr_index
from .exceptions import HierarchyError, WrongTypeError
from .flags import AUTO_ID, FOREIGN, FRESH, IMPLICIT_ID, LIVE, MATHML, SVG
from .forms import FormControl
from .html import parse_fragment, serialize_children, serialize_element
from .listeners import EventTarget
from .names import HTML_NAMESPACE, SVG_NAMESPACE, check_str
from .patch import patch_element
from .protocol import APPEND_LEAVES, AUTO_ID_PREFIX, TEXT
from .styles import ClassList, Style
from .traversal import Traversal

if TYPE_CHECKING:  # pragma: no cover
    from .document import Document

__all__ = ["Element", "ClassList", "Style", "LIVE", "FRESH", "AUTO_ID", "IMPLICIT_ID"]

_FORM_TAGS = frozenset({"input", "textarea", "select"})


def _split_lines(text: str) -> list[str | None]:
    """Split innerText into text runs, with ``None`` standing for each ``<br>``.

    Follows the innerText setter of the HTML standard: CR LF, CR and LF each make one
    ``<br>``, and empty runs make no text node.
    """
    parts: list[str | None] = []
    run: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\r" or ch == "\n":
            if run:
                parts.append("".join(run))
                run = []
            if ch == "\r" and i + 1 < n and text[i + 1] == "\n":
                i += 1
            parts.append(None)
        else:
            run.append(ch)
        i += 1
    if run:
        parts.append("".join(run))
    return parts


class Element(Traversal, Attributes, FormControl, EventTarget):
    """One element of a :class:`~domsync.Document`, with the browser's DOM API.

    Create elements with :meth:`Document.createElement`. Properties and methods carry the
    browser's names and behave as the browser's do, except where this documentation
    says otherwise. ``domsync.core._Element`` is the same class, under its 0.1.2 name.

    Example:
        >>> from domsync import Document
        >>> doc = Document()
        >>> item = doc.createElement("li", innerText="milk")
        >>> item.classList.add("todo")
        >>> _ = doc.getRootElement().appendChild(item)
        >>> doc.getRootElement().innerHTML
        '<li id="__domsync_el_1" class="todo">milk</li>'
    """

    # Eight slots and nothing else: 96 bytes an element (the namespace is in _flags).
    __slots__ = ("_doc", "_key", "_tag", "_parent", "_kids", "_attrs", "_props", "_flags")

    def __init__(self, document: "Document", key: int, tag: str, namespace: str | None, flags: int):
        self._doc = document
        self._key = key
        self._tag = tag
        self._parent: Element | None = None
        # None (no children), a str (one text node: the common case, kept small), or a
        # list of Element and str.
        self._kids: None | str | list[Any] = None
        # None, or the attributes as one flat tuple of names and values (see attributes.py).
        self._attrs: tuple[str, ...] | None = None
        # value, checked and event listeners, when the element has any.
        self._props: dict[str, Any] | None = None
        if namespace is not None:  # None means the HTML namespace
            flags |= SVG if namespace == SVG_NAMESPACE else MATHML
        self._flags = flags

    # ------------------------------------------------------------------ identity

    def __repr__(self) -> str:
        ident = self.id
        return f"<Element {self._tag}{'#' + ident if ident else ''} key={self._key}>"

    def getDocument(self) -> "Document":
        """Return the :class:`~domsync.Document` this element belongs to."""
        return self._doc

    @property
    def ownerDocument(self) -> "Document":
        """The :class:`~domsync.Document` this element belongs to."""
        return self._doc

    @property
    def tagName(self) -> str:
        """The tag name as it was created, lower-case for HTML (``'div'``).

        domsync 0.1.2 returned the lower-case name, so domsync keeps it; a browser's
        ``tagName`` would be ``'DIV'``. :attr:`localName` is the same value.
        """
        return self._tag

    @property
    def localName(self) -> str:
        """The element's local name, e.g. ``'div'`` or ``'linearGradient'``."""
        return self._tag

    @property
    def namespaceURI(self) -> str:
        """The element's namespace: :data:`domsync.HTML_NAMESPACE` unless created in the
        SVG or MathML namespace."""
        return self._ns or HTML_NAMESPACE

    @property
    def id(self) -> str:
        """The element's id attribute, ``''`` if it has none.

        Elements made by :meth:`Document.createElement` without an id get a generated
        one, ``__domsync_el_<n>``, as in domsync 0.1.2. It is a real attribute: the
        browser has it and :attr:`outerHTML` shows it.
        """
        if self._flags & IMPLICIT_ID:
            return AUTO_ID_PREFIX + str(self._key)
        attrs = self._attrs
        if attrs is not None:
            i = attr_index(attrs, "id")
            if i >= 0:
                return attrs[i + 1]
        return ""

    @id.setter
    def id(self, value: str) -> None:
        self.setAttribute("id", value)

    @property
    def isConnected(self) -> bool:
        """True if the element is under the document's root element (or is the root)."""
        return self._doc._is_connected(self)

    # ------------------------------------------------------------------ tree writing

    def _check_child(self, child: object, what: str = "the child") -> "Element":
        if type(child) is not type(self):  # one class per document: see threadsafe.py
            if isinstance(child, Element):
                raise HierarchyError(
                    f"{child!r} belongs to another Document; create it with this document's "
                    f"createElement"
                )
            if isinstance(child, str):
                raise WrongTypeError(
                    f"{what} must be an Element, not a str; to add text use "
                    f"element.textContent = ... or wrap it in an element"
                )
            raise WrongTypeError(f"{what} must be an Element, not {type(child).__name__}")
        if child._doc is not self._doc:
            raise HierarchyError(
                f"{child!r} belongs to another Document; create it with this document's "
                f"createElement"
            )
        node: Element | None = self
        while node is not None:
            if node is child:
                raise HierarchyError(
                    f"cannot put {child!r} inside {self!r}: it is the element itself or "
                    f"one of its ancestors"
                )
            node = node._parent
        if child is self._doc._root:
            raise HierarchyError("the root element cannot be moved")
        return child

    def appendChild(self, child: "Element") -> "Element":
        """Append ``child`` as the last child, moving it if it already has a parent.

        Returns:
            The child, as in the browser.

        Raises:
            WrongTypeError: if ``child`` is not an Element.
            HierarchyError: if ``child`` is this element or an ancestor, or belongs to
                another document.
        """
        if type(child) is type(self) and child._parent is None and child._flags & FRESH \
                and child._doc is self._doc and child is not self:
            ckids = child._kids
            if ckids is None or type(ckids) is str:
                # A new leaf, the most common case: kept fast (see Document._insert).
                if self._flags & LIVE:
                    owner = self._doc._owner_thread
                    if owner is not None and owner != get_ident():  # before anything changes
                        self._doc._wrong_thread()
                kids = self._kids
                if kids is None:
                    self._kids = [child]
                elif type(kids) is str:
                    self._kids = [kids, child]
                else:
                    # A list: mypy does not narrow type(kids) is str in the else branch.
                    kids.append(child)  # type: ignore[union-attr]
                child._parent = self
                if self._flags & LIVE:
                    flags = child._flags
                    doc = self._doc
                    if flags & IMPLICIT_ID and child._attrs is None and child._props is None \
                            and not flags & FOREIGN:
                        child._flags = flags | LIVE
                        if child._tag in _FORM_TAGS:
                            doc._listening[child._key] = child  # two-way binding
                        doc._outbox.append((APPEND_LEAVES, child, self))
                    else:
                        doc._record_attach(self, child, None, None)
                return child
        self._check_child(child)
        self._doc._insert(self, child, None)
        return child

    def insertBefore(self, child: "Element", reference: "Element | None") -> "Element":
        """Insert ``child`` before the child element ``reference`` (append if ``None``).

        Raises:
            HierarchyError: if ``reference`` is not a child of this element.
        """
        self._check_child(child)
        if reference is not None:
            if type(reference) is not type(self) or reference._parent is not self:
                raise HierarchyError(
                    f"the reference {reference!r} is not a child of {self!r}; pass one of "
                    f"its children, or None to append"
                )
            if reference is child:
                return child
        self._doc._insert(self, child, reference)
        return child

    def append(self, *nodes: "Element") -> None:
        """Append several elements at the end, in order."""
        for node in nodes:
            self.appendChild(node)

    def removeChild(self, child: "Element") -> "Element":
        """Remove the child element ``child`` and return it.

        Raises:
            HierarchyError: if ``child`` is not a child of this element.
        """
        if type(child) is not type(self) or child._parent is not self:
            raise HierarchyError(f"{child!r} is not a child of {self!r}")
        self._doc._detach(child, record=True)
        return child

    def replaceChild(self, new_child: "Element", old_child: "Element") -> "Element":
        """Put ``new_child`` where the child ``old_child`` is, and return ``old_child``."""
        if type(old_child) is not type(self) or old_child._parent is not self:
            raise HierarchyError(f"{old_child!r} is not a child of {self!r}")
        if new_child is old_child:
            return old_child
        self._check_child(new_child, "the new child")
        self._doc._insert(self, new_child, old_child)
        self._doc._detach(old_child, record=True)
        return old_child

    def replaceWith(self, new_element: "Element") -> None:
        """Put ``new_element`` where this element is in its parent."""
        parent = self._parent
        if parent is None:
            raise HierarchyError(f"{self!r} has no parent to be replaced in")
        parent.replaceChild(new_element, self)

    def remove(self) -> None:
        """Remove the element from its parent (nothing happens if it has none).

        The element and its descendants stay usable: they can be appended again later.
        Until then :meth:`Document.getElementById` no longer finds them.
        """
        if self is self._doc._root:
            raise HierarchyError("the root element cannot be removed; clear it with "
                                 "root.textContent = '' instead")
        if self._parent is not None:
            self._doc._detach(self, record=True)

    # ------------------------------------------------------------------ text and HTML

    @property
    def textContent(self) -> str:
        """The text of all descendant text nodes. Setting it replaces all children with
        one text node (or none, for ``''``)."""
        kids = self._kids
        if kids is None:
            return ""
        if type(kids) is str:
            return kids
        # kids is a list (mypy does not narrow type(kids) is str in the else branch)
        return "".join(k if type(k) is str else k.textContent for k in kids)  # type: ignore[union-attr]

    @textContent.setter
    def textContent(self, text: str) -> None:
        if type(text) is not str:
            check_str(text, "textContent")
        self._set_text(text)

    def _set_text(self, text: str) -> None:
        """Replace all children by one text node (none for ``''``)."""
        kids = self._kids
        if kids is None or type(kids) is str:
            # No element children: the common case, kept fast.
            if kids == text or (not text and kids is None):
                return
            if self._flags & LIVE:
                doc = self._doc
                owner = doc._owner_thread
                if owner is not None and owner != get_ident():  # before anything changes
                    doc._wrong_thread()
                self._kids = text or None
                doc._outbox.append((TEXT, self, text, ()))
                return
            self._kids = text or None
            return
        self._doc._replace_children(self, text or None, None)

    @property
    def innerText(self) -> str:
        """The element's text, with ``<br>`` read as a line break.

        Setting it replaces all children, as in the browser: each line break (LF, CR or
        CR LF) becomes a ``<br>`` element and the rest become text nodes. Reading it does
        not apply CSS (a browser's getter hides ``display:none`` text); it returns what
        was set.
        """
        kids = self._kids
        if kids is None:
            return ""
        if type(kids) is str:
            return kids
        # kids is a list (mypy does not narrow type(kids) is str in the else branch)
        return "".join(
            k if type(k) is str else ("\n" if k._tag == "br" and k._ns is None else k.innerText)  # type: ignore[union-attr]
            for k in kids
        )

    @innerText.setter
    def innerText(self, text: str) -> None:
        if type(text) is not str:
            check_str(text, "innerText")
        if "\n" not in text and "\r" not in text:
            kids = self._kids
            if kids is None or type(kids) is str:
                # No element children and no line breaks: the common case. This is
                # _set_text inlined: the call would cost a tenth of a text change.
                if kids == text or (not text and kids is None):
                    return
                if self._flags & LIVE:
                    # The hottest path there is (a clock, a ticker, a cell): just record.
                    # Repeated changes are coalesced when the batch is rendered.
                    doc = self._doc
                    owner = doc._owner_thread
                    if owner is not None and owner != get_ident():  # before anything changes
                        doc._wrong_thread()
                    self._kids = text or None
                    doc._outbox.append((TEXT, self, text, ()))
                    return
                self._kids = text or None
                return
            self._doc._replace_children(self, text or None, None)
            return
        if self.innerText == text and self._kids is not None and type(self._kids) is list:
            # Same text already; only skip if it is really text and <br>s.
            if all(type(k) is str or (k._tag == "br" and not k._kids) for k in self._kids):
                return
        self._doc._replace_children(self, None, _split_lines(text))

    @property
    def innerHTML(self) -> str:
        """The children serialised as HTML, as the browser's ``innerHTML`` would give.

        Setting it parses the markup with html5lib, as a browser would in this element's
        context, and replaces the children with the result: ``getElementById`` and
        ``querySelector`` find the new elements. Comments are dropped. ``<script>``
        elements that arrive this way never run, as in a browser.

        Raises:
            UnsafeValueError: if the markup has event handler attributes (``onclick``)
                or ``javascript:`` URLs.
        """
        return serialize_children(self)

    @innerHTML.setter
    def innerHTML(self, markup: str) -> None:
        if type(markup) is not str:
            check_str(markup, "innerHTML")
        parsed = parse_fragment(self._doc, markup, self)
        self._doc._replace_children(self, None, parsed)

    @property
    def outerHTML(self) -> str:
        """The element itself and its children, serialised as HTML."""
        return serialize_element(self)

    def patch(self, html: str, mode: str = "outer") -> None:
        """Patch this element with server-rendered HTML, as Datastar's merge modes do.

        ``outer`` (the default) morphs the element into the fragment's one top-level
        element, and ``inner`` morphs its children into the fragment: elements are
        matched by ``id``, then by position and tag, and only what differs is sent, so
        matched elements keep their listeners, and in the browser their focus, caret
        and state. ``replace`` puts the fragment in the element's place, ``prepend`` and
        ``append`` add it as first or last children, ``before`` and ``after`` as
        siblings; ``remove`` removes the element (``html`` is not used). The markup is
        parsed as ``innerHTML`` parses it. See :doc:`/howto/patch`.

        Example:
            >>> from domsync import Document
            >>> doc = Document()
            >>> doc.root.innerHTML = '<ul id="list"><li id="a">one</li></ul>'
            >>> _ = doc.take_ops()
            >>> doc.getElementById("list").patch('<ul id="list"><li id="a">one!</li></ul>')
            >>> doc.take_ops()[0][0] == 8  # one TEXT op
            True

        Raises:
            PatchError: for an unknown mode, or ``outer`` with a fragment that is not
                one element.
            UnsafeValueError: for event handler attributes and ``javascript:`` URLs.
            DuplicateIdError: if an id of the fragment is used elsewhere in the page.
            HierarchyError: for ``replace``, ``before``, ``after`` or ``remove`` on the
                root element, or on an element without a parent.
        """
        patch_element(self, html, mode)
