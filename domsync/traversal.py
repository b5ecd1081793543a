"""Reading an element's tree: its children and siblings, and finding elements by tag,
class and CSS selector.

:class:`Traversal` is a part of :class:`~domsync.Element`. Children are kept as the
browser keeps them: a list of elements and text nodes, where a text node is a plain
``str``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, cast

from . import names
from .attributes import attr_get
from .names import check_str
from .selectors import compile_selector

if TYPE_CHECKING:  # pragma: no cover
    from .element import Element

__all__ = ["Traversal"]


class Traversal:
    """The tree-reading part of :class:`~domsync.Element`."""

    __slots__ = ()
    # The element's own state, declared for type checkers (the slots are Element's).
    # Children: None, one text node (a str), or a list of Element and str. Its items are
    # Any: the code tells them apart with ``type(kid) is str``, and mypy does not narrow
    # the other branch of that to Element (a subclass of str would not be str).
    _parent: "Element | None"
    _kids: "None | str | list[Any]"
    _attrs: tuple[str, ...] | None

    def _kid_list(self) -> list[Any]:
        kids = self._kids
        if kids is None:
            return []
        if type(kids) is str:
            return [kids]
        return cast("list[Any]", kids)  # not a str (mypy does not narrow type(x) is str)

    @property
    def childNodes(self) -> list["Element | str"]:
        """All children in order: elements, and text nodes as plain ``str``."""
        return list(self._kid_list())

    @property
    def children(self) -> list["Element"]:
        """The child elements (text nodes left out), as a new list."""
        kids = self._kids
        if kids is None or type(kids) is str:
            return []
        return [k for k in cast("list[Any]", kids) if type(k) is not str]

    @property
    def childElementCount(self) -> int:
        """The number of child elements."""
        return len(self.children)

    @property
    def parentElement(self) -> "Element | None":
        """The parent element, or ``None`` for the root and for detached elements."""
        return self._parent

    parentNode = parentElement

    @property
    def firstElementChild(self) -> "Element | None":
        """The first child element, or ``None``."""
        for kid in self._kid_list():
            if type(kid) is not str:
                return kid
        return None

    @property
    def lastElementChild(self) -> "Element | None":
        """The last child element, or ``None``."""
        for kid in reversed(self._kid_list()):
            if type(kid) is not str:
                return kid
        return None

    def _sibling(self, step: int) -> "Element | None":
        parent = self._parent
        if parent is None:
            return None
        kids = cast("list[Any]", parent._kids)  # it has self among its children: a list
        i = kids.index(self) + step
        while 0 <= i < len(kids):
            if type(kids[i]) is not str:
                return kids[i]
            i += step
        return None

    @property
    def nextElementSibling(self) -> "Element | None":
        """The next sibling element, or ``None``."""
        return self._sibling(1)

    @property
    def previousElementSibling(self) -> "Element | None":
        """The previous sibling element, or ``None``."""
        return self._sibling(-1)

    def contains(self, other: "Element") -> bool:
        """True if ``other`` is this element or one of its descendants."""
        node: Element | None = other
        while node is not None:
            if node is self:
                return True
            node = node._parent
        return False

    def _iter_descendants(self) -> Iterator["Element"]:
        """Descendant elements in tree order (not including self)."""
        stack = [iter(self._kid_list())]
        while stack:
            for kid in stack[-1]:
                if type(kid) is not str:
                    yield kid
                    if kid._kids is not None and type(kid._kids) is not str:
                        stack.append(iter(kid._kids))
                        break
            else:
                stack.pop()

    def getElementsByTagName(self, name: str) -> list["Element"]:
        """Descendant elements with this tag name, in tree order (``'*'`` for all)."""
        check_str(name, "the tag name")
        if name == "*" or name == "":
            return list(self._iter_descendants())
        lowered = name.lower()
        return [
            el for el in self._iter_descendants()
            if el._tag == name or (el._ns is None and el._tag == lowered)
        ]

    def getElementsByClassName(self, names_: str) -> list["Element"]:
        """Descendant elements that have every class in ``names_`` (space-separated)."""
        check_str(names_, "the class names")
        wanted = names.split_tokens(names_)
        if not wanted:
            return []
        return [el for el in self._iter_descendants() if el._has_classes(wanted)]

    def _has_classes(self, wanted: list[str]) -> bool:
        value = attr_get(self._attrs, "class")
        if not wanted or value is None:
            return False
        tokens = names.split_tokens(value)
        return all(w in tokens for w in wanted)

    def querySelector(self, selector: str) -> "Element | None":
        """The first descendant that matches a CSS selector, or ``None``.

        Supported: ``*``, tag, ``#id``, ``.class``, ``[attr]``, ``[attr=value]`` (also
        ``~=``, ``|=``, ``^=``, ``$=``, ``*=``), descendant and ``>`` child combinators,
        and selector lists with ``,``.

        Raises:
            SelectorError: if the selector is malformed or uses something unsupported.
        """
        match = compile_selector(selector)
        for el in self._iter_descendants():
            if match(el):
                return el
        return None

    def querySelectorAll(self, selector: str) -> list["Element"]:
        """All descendants that match a CSS selector, in tree order.

        See :meth:`querySelector` for what is supported.
        """
        match = compile_selector(selector)
        return [el for el in self._iter_descendants() if match(el)]

    def matches(self, selector: str) -> bool:
        """True if this element matches the CSS selector."""
        return compile_selector(selector)(cast("Element", self))  # Traversal is a part of Element

    def closest(self, selector: str) -> "Element | None":
        """This element or its nearest ancestor that matches the selector, or ``None``."""
        match = compile_selector(selector)
        node: Element | None = cast("Element", self)  # Traversal is a part of Element
        while node is not None:
            if match(node):
                return node
            node = node._parent
        return None
