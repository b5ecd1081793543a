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
from .flags import IMPLICIT_ID
from .names import check_str
from .protocol import AUTO_ID_PREFIX
from .styles import ClassList, Style

if TYPE_CHECKING:  # pragma: no cover
    from .document import Document
    from .element import Element

__all__ = ["Attributes"]

_T = TypeVar("_T")



class Attributes:
    """The attribute part of :class:`~domsync.Element`."""

    __slots__ = ()
    _doc: "Document"
    _key: int
    _tag: str
    _ns: str | None
    _attrs: dict[str, str] | None
    _flags: int

    def _attr_name(self, name: object) -> str:
        if type(name) is str:
            return name.lower() if self._ns is None else name
        return check_str(name, "the attribute name")  # pragma: no cover

    def _attr_view(self) -> dict[str, str] | None:
        """The attributes for reading, with a generated id included."""
        if self._flags & IMPLICIT_ID:
            return {"id": AUTO_ID_PREFIX + str(self._key)}
        return self._attrs

    @overload
    def getAttribute(self, name: str) -> str | None: ...
    @overload
    def getAttribute(self, name: str, default: _T) -> str | _T: ...

    def getAttribute(self, name: str, default: Any = None) -> Any:
        """The attribute's value, or ``default`` (``None``) if it is not set.

        ``default`` is a domsync 0.1.2 extension; the browser returns ``null``.
        """
        attrs = self._attrs
        if attrs is None:
            if self._flags & IMPLICIT_ID and self._attr_name(name) == "id":
                return AUTO_ID_PREFIX + str(self._key)
            return default
        return attrs.get(self._attr_name(name), default)

    def hasAttribute(self, name: str) -> bool:
        """True if the attribute is set."""
        attrs = self._attr_view()
        return attrs is not None and self._attr_name(name) in attrs

    def getAttributeNames(self) -> list[str]:
        """The names of the set attributes, in the order they were first set."""
        return list(self._attr_view() or ())

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
        name = names.check_attribute_name(name, self._ns is None)
        if type(value) is not str:
            if isinstance(value, bool):
                raise WrongTypeError(
                    f"the value of attribute {name!r} must be a str, not bool ({value!r}); a boolean attribute "
                    f"is on whatever its value ('False' too): turn it on with setAttribute({name!r}, '') or "
                    f"toggleAttribute({name!r}, True), off with removeAttribute({name!r})")
            check_str(value, f"the value of attribute {name!r}")
        elif len(value) == 5 and value.lower() == "false" and name in names.BOOLEAN_ATTRIBUTES \
                and self._ns is None:
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
        return self.getAttribute("class", "")

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
