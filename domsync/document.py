"""The :class:`Document`: a browser page's DOM, kept in Python.

The document is a pure state machine, in the manner of the websockets protocol object:
mutations go in through the element API and are recorded as ops
(:mod:`~domsync.recorder`); batches of ops come out of :meth:`Document.take_ops`, or as
JavaScript from :meth:`Document.render_js_updates` (:mod:`~domsync.batches`); event
messages from the browser go in through :meth:`Document.handle_event`
(:mod:`~domsync.inbound`); actions for the page are queued with the DOM changes
(:mod:`~domsync.actions`). It does no I/O and knows nothing of sockets or asyncio.

This module holds the document itself: creating elements, and finding them by id, tag,
class and selector.
"""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Any, Literal, overload

from . import csp, names
from .actions import Actions
from .batches import Batches
from .element import AUTO_ID, AUTO_ID_PREFIX, FRESH, IMPLICIT_ID, LIVE, Element
from .exceptions import DomsyncWarning, DuplicateIdError, InvalidNameError, NotFoundError, WrongTypeError
from .inbound import DomEvent, Inbound
from .names import HTML_NAMESPACE, check_str
from .patch import patch_document
from .protocol import RESET
from .event_names import warn_at_caller
from .recorder import Recorder, get_ident

__all__ = ["Document", "DomEvent"]

logger = logging.getLogger("domsync.document")

_AUTO_ID = re.compile(re.escape(AUTO_ID_PREFIX) + r"([0-9]+)\Z")

_FORM_CONTROLS = frozenset({"input", "textarea", "select"})

_HTML_TAGS = names.html_tag_cache


def _warn_script() -> None:
    warn_at_caller("a <script> element made with domsync never runs in the browser: what the server sends is "
                   "data, never code. To run code in the page use document.run_js(code); for JSON data give it "
                   "type='application/json'", DomsyncWarning)


class Document(Recorder, Batches, Inbound, Actions):
    """A browser page's DOM, kept in Python; every change renders to JavaScript.

    Args:
        root_id: the id of the element in the page under which the document lives.
            The page's server puts an element with this id in the page.

    Example:
        >>> from domsync import Document
        >>> doc = Document("app")
        >>> hello = doc.createElement("p", innerText="Hello")
        >>> _ = doc.getRootElement().appendChild(hello)
        >>> print(doc.render_js_updates(), end="")
        R("app");
        N(0).appendChild(E(-1,"p",0,"Hello"));
    """

    # The class of its elements, and a lock that is none: see threadsafe.LockedDocument.
    _element_class = Element
    _lock: Any = contextlib.nullcontext()
    # True for a document that several browsers show: form state one browser sends is
    # passed on to the others (see _absorb_state).
    _echo_state = False
    #: True when the page runs under a strict Content-Security-Policy
    #: (``DomsyncServer(strict_csp=True)`` sets it on its documents): what would run code
    #: in the page (``run_js``, a ``js_value_getter`` that is not a path, a script URL)
    #: raises :class:`~domsync.CspError`. See :mod:`domsync.csp`.
    strict_csp = False

    def __init__(self, root_id: str = "domsync_root_id"):
        check_str(root_id, "root_id")
        if not root_id:
            raise InvalidNameError("root_id cannot be empty")
        self._root_id = root_id
        self._owner_thread: int | None = None  # an instance attribute: read on every change
        self._next_key = 1
        self._root = self._element_class(self, 0, "div", None, LIVE)
        self._root._attrs = ("id", root_id)
        self._ids: dict[str, Element] = {root_id: self._root}
        self._listening: dict[int, Element] = {}
        # Elements with a generated id that were created since the last render: how
        # getElementById finds them before they are attached. Pruned at each render.
        self._fresh_auto: list[Element] = []
        self._reset_outbox()
        self._outbox.append((RESET, self._root))
        self._init_actions()

    def _prune_fresh(self) -> None:
        """Forget fresh elements that are in the page now (the tree finds them) or were
        dropped; keep those still waiting to be attached."""
        self._fresh_auto = [el for el in self._fresh_auto
                            if not el._flags & LIVE and self._is_findable(el)]

    def __repr__(self) -> str:
        return f"<Document root_id={self._root_id!r} pending={sum(op is not None for op in self._outbox)}>"

    # ------------------------------------------------------------------ public API

    def getRootId(self) -> str:
        """The id of the root element, as passed to the constructor."""
        return self._root_id

    def getRootElement(self) -> Element:
        """The root element: the page element that has the root id."""
        return self._root

    @property
    def root(self) -> Element:
        """The root element (same as :meth:`getRootElement`)."""
        return self._root

    def createElement(
        self,
        tagName: str,
        id: str | None = None,
        innerText: str | None = None,
        value: str | None = None,
        attributes: dict[str, str] | None = None,
    ) -> Element:
        """Create an HTML element that is not yet in the page; attach it with
        :meth:`Element.appendChild`.

        Any valid tag name works, including custom elements such as ``my-widget``. For
        SVG and MathML use :meth:`createElementNS`.

        Args:
            tagName: the tag name, e.g. ``'div'``; lower-cased as in the browser.
            id: the element's id. Without it, the element gets a generated id
                ``__domsync_el_<n>``, as in domsync 0.1.2.
            innerText: sets :attr:`Element.innerText`.
            value: sets :attr:`Element.value`.
            attributes: a dict of attributes to set.

        Raises:
            InvalidNameError: if the tag or an attribute name is not valid.
            WrongTypeError: if an argument has the wrong type.
            DuplicateIdError: if another element of this document has ``id``.
        """
        tag = _HTML_TAGS.get(tagName) if type(tagName) is str else None
        if tag is None:
            tag = names.check_tag_name(tagName, HTML_NAMESPACE)
            if tag == "script" and (not isinstance(attributes, dict) or str(attributes.get("type", "")).lower()
                                    in ("", "text/javascript", "module", "application/javascript")):
                _warn_script()
            elif tag == "style" and self.strict_csp:
                csp.check_element(tag)
        if id is None and innerText is None and value is None and attributes is None:
            key = self._next_key  # the common case, kept fast
            self._next_key = key + 1
            el = self._element_class(self, key, tag, None, FRESH | AUTO_ID | IMPLICIT_ID)
            self._fresh_auto.append(el)
            return el
        return self._create(tag, None, id, innerText, value, attributes)

    def createElementNS(
        self,
        namespace: str,
        qualifiedName: str,
        id: str | None = None,
        innerText: str | None = None,
        value: str | None = None,
        attributes: dict[str, str] | None = None,
    ) -> Element:
        """Create an element in a namespace: :data:`domsync.SVG_NAMESPACE` for SVG,
        :data:`domsync.MATHML_NAMESPACE` for MathML, or :data:`domsync.HTML_NAMESPACE`.

        The other arguments are those of :meth:`createElement`.
        """
        tag = names.check_tag_name(qualifiedName, namespace)
        return self._create(tag, None if namespace == HTML_NAMESPACE else namespace,
                            id, innerText, value, attributes)

    def _create(self, tag: str, ns: str | None, id: str | None, innerText: str | None,
                value: str | None, attributes: dict | None) -> Element:
        if tag == "style" and self.strict_csp:
            csp.check_element(tag)
        if attributes is not None and not isinstance(attributes, dict):
            raise WrongTypeError(f"attributes must be a dict, not {type(attributes).__name__}")
        if id is not None:
            # An id is registered at once (getElementById finds the new element): a
            # change of the document's own, checked like the others.
            owner = self._owner_thread
            if owner is not None and owner != get_ident():
                self._wrong_thread()
        key = self._next_key
        if id is None:
            el = self._element_class(self, key, tag, ns, FRESH | AUTO_ID | IMPLICIT_ID)
            self._fresh_auto.append(el)
        else:
            self._check_new_id(check_str(id, "id"), None)
            el = self._element_class(self, key, tag, ns, FRESH)
            el._attrs = ("id", id)
            self._ids[id] = el
        self._next_key = key + 1
        if innerText is not None:
            el.innerText = innerText
        if value is not None:
            el.value = value
        if attributes:
            for name, attr_value in attributes.items():
                el.setAttribute(name, attr_value)
        return el

    @overload
    def getElementById(self, id: str, strict: Literal[True] = True) -> Element: ...
    @overload
    def getElementById(self, id: str, strict: bool = ...) -> Element | None: ...

    def getElementById(self, id: str, strict: bool = True) -> Element | None:
        """The element with this id.

        Elements in the page are found, and so are elements created with
        :meth:`createElement` that were not attached yet (as in domsync 0.1.2).
        Removed elements are not found.

        Args:
            id: the id to look for.
            strict: if True (the default), raise when nothing is found; if False,
                return ``None``.

        Raises:
            NotFoundError: when ``strict`` and no element has this id.
        """
        check_str(id, "id")
        el = self._ids.get(id)
        if el is not None and (el.getAttribute("id") != id or not self._is_findable(el)):
            el = None
        if el is None:
            match = _AUTO_ID.match(id)
            if match is not None:
                el = self._find_auto(int(match.group(1)))
        if el is None and strict:
            raise NotFoundError(
                f"no element has id {id!r}; pass strict=False to get None instead"
            )
        return el

    def getElementsByClassName(self, names_: str) -> list[Element]:
        """Elements in the page that have every class in ``names_``, in tree order."""
        found = self._root.getElementsByClassName(names_)
        if self._root._has_classes(names.split_tokens(names_)):
            found.insert(0, self._root)
        return found

    def getElementsByTagName(self, name: str) -> list[Element]:
        """Elements in the page with this tag name, in tree order (``'*'`` for all)."""
        return self._root.getElementsByTagName(name)

    def querySelector(self, selector: str) -> Element | None:
        """The first element in the page that matches a CSS selector, or ``None``.

        See :meth:`Element.querySelector` for the supported selectors.
        """
        if self._root.matches(selector):
            return self._root
        return self._root.querySelector(selector)

    def querySelectorAll(self, selector: str) -> list[Element]:
        """All elements in the page that match a CSS selector, in tree order."""
        found = self._root.querySelectorAll(selector)
        if self._root.matches(selector):
            found.insert(0, self._root)
        return found

    def patch(self, html: str, selector: str | None = None, mode: str = "outer") -> None:
        """Patch the page with server-rendered HTML, as Datastar's merge modes do.

        Without ``selector``, each top-level element of the fragment is matched to the
        page's element with the same ``id``, which is morphed into it (``outer``, the
        default), has its children morphed (``inner``), is replaced (``replace``) or is
        removed (``remove``). With ``selector``, every element it matches is patched
        with the fragment as :meth:`Element.patch` does, in any of the eight modes.
        See :doc:`/howto/patch`.

        Raises:
            PatchError: for an unknown mode, a top-level element without an id and no
                selector, ``prepend``/``append``/``before``/``after`` without a selector,
                ``outer`` with a fragment that is not one element, a target inside
                another target, or a top-level element that is not one when parsed
                where its target is.
            NotFoundError: if the selector matches nothing, or no element has a
                fragment element's id.
            DuplicateIdError: if an id of the fragment is used elsewhere in the page,
                or two top-level elements have the same id.
            HierarchyError: for ``replace``, ``before``, ``after`` or ``remove`` on the
                root element.
            UnsafeValueError: for event handler attributes and ``javascript:`` URLs.
        """
        patch_document(self, html, selector, mode)

    # ------------------------------------------------------------------ 0.1.2 helpers

    def _get_autoinc_id(self) -> str:
        """Reserve and return a new generated id (used by 0.1.2-style components)."""
        key = self._next_key
        self._next_key = key + 1
        return AUTO_ID_PREFIX + str(key)

    # ------------------------------------------------------------------ ids and lookup

    def _is_connected(self, el: Element | None) -> bool:
        root = self._root
        while el is not None:
            if el is root:
                return True
            el = el._parent
        return False

    def _is_findable(self, el: Element) -> bool:
        """Connected, or in a tree that was created and never attached yet."""
        while el._parent is not None:
            el = el._parent
        return el is self._root or bool(el._flags & FRESH)

    def _findable_auto(self) -> dict[int, Element]:
        """Key -> element for every findable element with a generated id."""
        found = {el._key: el for el in self._root._iter_descendants() if el._flags & AUTO_ID}
        for el in self._fresh_auto:
            if el._flags & AUTO_ID and self._is_findable(el):
                found[el._key] = el
                found.update((d._key, d) for d in el._iter_descendants() if d._flags & AUTO_ID)
        return found

    def _find_auto(self, key: int) -> Element | None:
        for el in self._fresh_auto:
            if el._key == key and el._flags & AUTO_ID and self._is_findable(el):
                return el
        for el in self._root._iter_descendants():
            if el._key == key and el._flags & AUTO_ID:
                return el
        return None

    def _check_new_id(self, new_id: str, el: Element | None, auto: dict | None = None) -> None:
        """Raise unless ``new_id`` can be given to ``el``. ``auto`` maps the keys of
        findable elements with generated ids to them, when the caller has it."""
        if not new_id:
            raise InvalidNameError("an id cannot be the empty string; use removeAttribute('id')")
        match = _AUTO_ID.match(new_id) if new_id.startswith(AUTO_ID_PREFIX) else None
        if match is not None:
            # Someone reuses a generated-looking id (innerHTML += ..., a copied outerHTML).
            # Fine unless that generated id is in use; and no later element may get it.
            number = int(match.group(1))
            other = auto.get(number) if auto is not None else self._find_auto(number)
            if other is not None and other is not el:
                raise DuplicateIdError(
                    f"id {new_id!r} is already used by {other!r}; ids must be unique in a "
                    f"document (remove the other element or choose another id)"
                )
            if number >= self._next_key:
                self._next_key = number + 1
        other = self._ids.get(new_id)
        if other is not None and other is not el and other.getAttribute("id") == new_id \
                and self._is_findable(other):
            raise DuplicateIdError(
                f"id {new_id!r} is already used by {other!r}; ids must be unique in a "
                f"document (remove the other element or choose another id)"
            )

    def _register_ids(self, *tops: Element) -> None:
        """Register the ids of subtrees that become findable, checking for duplicates
        before anything changes."""
        subtree = [el for top in tops for el in (top, *top._iter_descendants())]
        seen: set[str] = set()
        auto = None
        for el in subtree:
            ident = el.getAttribute("id")
            if ident and not el._flags & AUTO_ID:
                if ident in seen:
                    raise DuplicateIdError(f"id {ident!r} is given to two elements; ids must be unique")
                seen.add(ident)
                if auto is None and _AUTO_ID.match(ident):
                    auto = self._findable_auto()
                self._check_new_id(ident, el, auto)
        for el in subtree:
            ident = el.getAttribute("id")
            if ident and not el._flags & AUTO_ID:
                self._ids[ident] = el

