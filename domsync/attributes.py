"""An element's attributes: ``getAttribute`` and ``setAttribute`` and their kin,
and the attributes the DOM also offers as properties (``className``, ``classList``,
``style``, ``disabled``, ``hidden``).

:class:`Attributes` is a part of :class:`~domsync.Element`. Names and values are
checked when they come in: an event handler attribute (``onclick``) or a
``javascript:`` URL raises at once, so application data never becomes code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from . import csp, names
from .event_names import warn_at_caller
from .exceptions import DomsyncWarning, WrongTypeError
from .flags import FOREIGN, IMPLICIT_ID, SVG
from .names import check_str
from .protocol import AUTO_ID_PREFIX
from .styles import ClassList, Style

if TYPE_CHECKING:  # pragma: no cover
    from .document import Document
    from .element import Element

__all__ = ["Attributes"]

_T = TypeVar("_T")

# How attributes are stored. An element's ``_attrs`` is None or one flat tuple of names
# and values, in the order the browser has them: ``("class", "row", "title", "x")``. A
# dict of one attribute costs 184 bytes; this tuple costs 56, and tuples that many
# elements have alike (every row's ``class="row"``) are shared: see share(). A
# generated id is not stored at all (the IMPLICIT_ID flag): it comes first, before
# ``_attrs``. Attributes change rarely and elements have few, so a change makes a new
# tuple, and a lookup is a scan (tuple.index, in C).

_shared: dict[tuple[str, ...], tuple[str, ...]] = {}
# Bounds of the shared tuples: how many, and the longest value shared (long values are
# rarely alike). When full, the table starts again; tuples already shared stay shared.
SHARED_MAX = 2048
SHARED_VALUE_MAX = 64


def share(attrs: tuple[str, ...]) -> tuple[str, ...]:
    """The one tuple equal to ``attrs`` that elements share, if it is short enough to
    share (what the Blink engine does for parsed elements' attribute lists)."""
    found = _shared.get(attrs)
    if found is not None:
        return found
    if len(attrs) <= 8 and all(len(part) <= SHARED_VALUE_MAX for part in attrs):
        if len(_shared) >= SHARED_MAX:
            _shared.clear()
        _shared[attrs] = attrs
    return attrs


def attr_index(attrs: tuple[str, ...], name: str) -> int:
    """The index of attribute ``name`` in a flat attribute tuple, or -1."""
    if name not in attrs:  # in C, and no exception to catch: the common miss is fast
        return -1
    i = attrs.index(name)
    while i & 1:  # a value that happens to be equal to the name: look further
        if name not in attrs[i + 1:]:
            return -1
        i = attrs.index(name, i + 1)
    return i


def attr_get(attrs: tuple[str, ...] | None, name: str) -> str | None:
    """The value of attribute ``name`` in a flat attribute tuple, or None."""
    if attrs is None or name not in attrs:
        return None
    i = attrs.index(name)
    if i & 1:
        i = attr_index(attrs, name)
        if i < 0:
            return None
    return attrs[i + 1]


def attr_with(attrs: tuple[str, ...] | None, name: str, value: str | None) -> tuple[str, ...] | None:
    """A flat attribute tuple with ``name`` set to ``value`` (in its place if it was
    there, last if not), or removed for None; None when no attribute is left."""
    if attrs is None:
        return None if value is None else share((name, value))
    i = attr_index(attrs, name)
    if value is None:
        if i < 0:
            return attrs
        rest = attrs[:i] + attrs[i + 2:]
        return share(rest) if rest else None
    if i < 0:
        return share(attrs + (name, value))
    return share(attrs[:i + 1] + (value,) + attrs[i + 2:])


def attr_pairs(attrs: tuple[str, ...] | None) -> list[tuple[str, str]]:
    """The (name, value) pairs of a flat attribute tuple, in order."""
    if attrs is None:
        return []
    return list(zip(attrs[::2], attrs[1::2]))


class Attributes:
    """The attribute part of :class:`~domsync.Element`."""

    __slots__ = ()
    _doc: "Document"
    _key: int
    _tag: str
    _attrs: tuple[str, ...] | None
    _flags: int

    @property
    def _ns(self) -> str | None:
        """The element's namespace, None for HTML (kept as two bits of ``_flags``)."""
        flags = self._flags
        if not flags & FOREIGN:
            return None
        return names.SVG_NAMESPACE if flags & SVG else names.MATHML_NAMESPACE

    def _attr_name(self, name: object) -> str:
        if type(name) is str:
            return name if self._flags & FOREIGN else name.lower()
        return check_str(name, "the attribute name")  # pragma: no cover

    def _attr_view(self) -> dict[str, str] | None:
        """The attributes as a new dict, in order, with a generated id included (None
        for none)."""
        attrs = self._attrs
        if self._flags & IMPLICIT_ID:
            view = {"id": AUTO_ID_PREFIX + str(self._key)}
            if attrs is not None:
                view.update(zip(attrs[::2], attrs[1::2]))
            return view
        if attrs is None:
            return None
        return dict(zip(attrs[::2], attrs[1::2]))

    def _get_attr(self, name: str) -> str | None:
        """The value of the attribute named exactly ``name`` (already lower-cased for
        HTML), a generated id included, or None."""
        if name == "id" and self._flags & IMPLICIT_ID:
            return AUTO_ID_PREFIX + str(self._key)
        return attr_get(self._attrs, name)

    def _attr_flat(self) -> tuple[str, ...]:
        """The names and values, alternately, in order, a generated id included: what
        the serialiser reads."""
        attrs = self._attrs
        if self._flags & IMPLICIT_ID:
            first = ("id", AUTO_ID_PREFIX + str(self._key))
            return first if attrs is None else first + attrs
        return () if attrs is None else attrs

    @overload
    def getAttribute(self, name: str) -> str | None: ...
    @overload
    def getAttribute(self, name: str, default: _T) -> str | _T: ...

    def getAttribute(self, name: str, default: Any = None) -> Any:
        """The attribute's value, or ``default`` (``None``) if it is not set.

        ``default`` is a domsync 0.1.2 extension; the browser returns ``null``.
        """
        attrs = self._attrs
        flags = self._flags
        if attrs is None and not flags & IMPLICIT_ID:
            return default
        # _attr_name and attr_get inlined: className and the like read through here.
        if type(name) is str:
            if not flags & FOREIGN:
                name = name.lower()
        else:
            name = check_str(name, "the attribute name")  # pragma: no cover
        if flags & IMPLICIT_ID and name == "id":
            return AUTO_ID_PREFIX + str(self._key)
        if attrs is None or name not in attrs:
            return default
        i = attrs.index(name)
        if i & 1:  # a value equal to the name: rare
            i = attr_index(attrs, name)
            if i < 0:
                return default
        return attrs[i + 1]

    def hasAttribute(self, name: str) -> bool:
        """True if the attribute is set."""
        if self._attrs is None and not self._flags & IMPLICIT_ID:
            return False
        return self._get_attr(self._attr_name(name)) is not None

    def getAttributeNames(self) -> list[str]:
        """The names of the set attributes, in the order they were first set."""
        names_ = ["id"] if self._flags & IMPLICIT_ID else []
        attrs = self._attrs
        if attrs is not None:
            names_.extend(attrs[::2])
        return names_

    @property
    def attributes(self) -> dict[str, str]:
        """A copy of the attributes as a ``dict`` of name to value, in order."""
        return dict(self._attr_view() or ())

    def setAttribute(self, name: str, value: str) -> None:
        """Set an attribute. HTML attribute names are lower-cased, as in the browser.

        Raises:
            WrongTypeError: if ``name`` or ``value`` is not a str.
            InvalidNameError: if ``name`` is not a valid attribute name.
            UnsafeValueError: for ``on...`` event handler attributes (use
                :meth:`addEventListener`) and ``javascript:`` URLs.
            DuplicateIdError: if ``name`` is ``id`` and another element has that id.
            CspError: under a strict Content-Security-Policy, for a ``<script>``'s
                ``src`` or ``href``.
        """
        name = names.check_attribute_name(name, not self._flags & FOREIGN)
        if type(value) is not str:
            if isinstance(value, bool):
                raise WrongTypeError(
                    f"the value of attribute {name!r} must be a str, not bool ({value!r}); a boolean attribute "
                    f"is on whatever its value ('False' too): turn it on with setAttribute({name!r}, '') or "
                    f"toggleAttribute({name!r}, True), off with removeAttribute({name!r})")
            check_str(value, f"the value of attribute {name!r}")
        elif len(value) == 5 and value.lower() == "false" and name in names.BOOLEAN_ATTRIBUTES \
                and not self._flags & FOREIGN:
            warn_at_caller(f"setAttribute({name!r}, {value!r}) turns {name!r} on: a boolean attribute is on "
                           f"whatever its value. Turn it off with removeAttribute({name!r})"
                           + (f" (or el.{name} = False)" if name in ("checked", "disabled", "hidden") else ""),
                           DomsyncWarning)
        names.check_url_value(name, value, self._tag)
        if self._doc.strict_csp:
            csp.check_attribute(self._tag, name)
        self._doc._set_attribute(cast("Element", self), name, value)  # a part of Element

    def removeAttribute(self, name: str) -> None:
        """Remove an attribute; nothing happens if it is not set."""
        if self.hasAttribute(name):
            self._doc._set_attribute(cast("Element", self), self._attr_name(name), None)

    def toggleAttribute(self, name: str, force: bool | None = None) -> bool:
        """Add the attribute with an empty value, or remove it; return whether it is set."""
        has = self.hasAttribute(name)
        want = (not has) if force is None else bool(force)
        if want and not has:
            self.setAttribute(name, "")
        elif not want and has:
            self.removeAttribute(name)
        return want

    @property
    def className(self) -> str:
        """The class attribute, ``''`` if it is not set."""
        return attr_get(self._attrs, "class") or ""

    @className.setter
    def className(self, value: str) -> None:
        self.setAttribute("class", value)

    @property
    def classList(self) -> "ClassList":
        """The class attribute as a token list: ``add``, ``remove``, ``toggle``,
        ``contains``, ``replace``."""
        return ClassList(cast("Element", self))  # Attributes is a part of Element

    @classList.setter
    def classList(self, value: str) -> None:
        # As in the browser: el.classList = "a b" sets the class attribute.
        self.setAttribute("class", value)

    @property
    def style(self) -> "Style":
        """The style attribute, one property at a time: ``setProperty``,
        ``removeProperty``, ``getPropertyValue``; also ``style["color"] = "red"``."""
        return Style(cast("Element", self))  # Attributes is a part of Element

    @style.setter
    def style(self, value: str) -> None:
        # As in the browser: el.style = "color: red" sets the whole attribute (cssText).
        self.setAttribute("style", value)

    def _reflect_bool(self, name: str, on: object) -> None:
        if type(on) is not bool:
            raise WrongTypeError(f"{name} must be True or False, not {type(on).__name__}")
        if on:
            if not self.hasAttribute(name):
                self.setAttribute(name, "")
        else:
            self.removeAttribute(name)

    @property
    def disabled(self) -> bool:
        """Whether the ``disabled`` attribute is set (setting it adds or removes it)."""
        return self.hasAttribute("disabled")

    @disabled.setter
    def disabled(self, on: bool) -> None:
        self._reflect_bool("disabled", on)

    @property
    def hidden(self) -> bool:
        """Whether the ``hidden`` attribute is set (setting it adds or removes it)."""
        return self.hasAttribute("hidden")

    @hidden.setter
    def hidden(self, on: bool) -> None:
        self._reflect_bool("hidden", on)
