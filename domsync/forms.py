"""Form state of an element: ``value``, ``checked`` and ``selectedValues``, which
live in the browser as properties rather than attributes.

:class:`FormControl` is a part of :class:`~domsync.Element`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, cast

from .exceptions import InvalidValueError, WrongTypeError
from .names import check_str

if TYPE_CHECKING:  # pragma: no cover
    from .document import Document
    from .element import Element

__all__ = ["FormControl"]

# <input type=...> whose value property is the "value" attribute (value mode "default"
# or "default/on" in the HTML standard), and those that hold a file list.
_INPUT_VALUE_IS_ATTRIBUTE = frozenset(
    {"hidden", "submit", "image", "reset", "button", "checkbox", "radio"}
)
_VALUE_IS_ATTRIBUTE = frozenset({"option", "button", "data", "param"})
_VALUE_IS_NUMERIC = frozenset({"li", "meter", "progress"})


class FormControl:
    """The form state part of :class:`~domsync.Element`."""

    __slots__ = ()
    # The element's own state, declared for type checkers (the slots are Element's).
    _doc: "Document"
    _tag: str
    if TYPE_CHECKING:  # pragma: no cover
        @property
        def _ns(self) -> str | None: ...  # Attributes has it
    _parent: "Element | None"
    _props: dict[str, Any] | None

    if TYPE_CHECKING:  # pragma: no cover
        # What this part uses of Element's other parts (Element defines them).
        def getAttribute(self, name: str) -> str | None: ...
        def setAttribute(self, name: str, value: str) -> None: ...
        def hasAttribute(self, name: str) -> bool: ...
        def closest(self, selector: str) -> "Element | None": ...
        def _iter_descendants(self) -> Iterator["Element"]: ...
        @property
        def textContent(self) -> str: ...
        @textContent.setter
        def textContent(self, text: str) -> None: ...

    def _value_kind(self) -> str:
        """How ``value`` behaves on this element: 'prop', 'attr', 'text' or 'numeric'."""
        tag = self._tag if self._ns is None else ""
        if tag == "input":
            input_type = (self.getAttribute("type") or "text").lower()
            if input_type in _INPUT_VALUE_IS_ATTRIBUTE:
                return "attr"
            if input_type == "file":
                return "file"
            return "prop"
        if tag in _VALUE_IS_ATTRIBUTE:
            return "attr"
        if tag == "output":
            return "text"
        if tag in _VALUE_IS_NUMERIC:
            return "numeric"
        return "prop"

    def _selected_option_value(self) -> str:
        """What a browser's ``select.value`` gives before anyone picks: the last option
        marked ``selected``, else the first enabled option, else ``''``."""
        options = [el for el in self._iter_descendants() if el._tag == "option" and el._ns is None]
        chosen = [o for o in options if o.hasAttribute("selected")]
        # An option's value is never None: its value attribute, else its text.
        if chosen:
            return cast(str, chosen[-1].value)
        for option in options:
            if not option.hasAttribute("disabled"):
                return cast(str, option.value)
        return ""

    @property
    def value(self) -> str | None:
        """The element's current value.

        For text inputs, textareas and selects this is the live value, which the browser
        sends back with events (it is not an attribute, so it is not in
        :attr:`outerHTML`). For ``option``, ``button``, ``data`` and ``<input
        type=hidden|checkbox|radio|submit|...>`` the value is the ``value`` attribute, as
        in the browser. For ``output`` it is the text content. ``None`` if never set
        (domsync 0.1.2 behaviour).
        """
        kind = self._value_kind()
        if kind == "attr":
            value = self.getAttribute("value")
            if value is None:
                if self._tag == "option":
                    return " ".join(self.textContent.split())
                if self._tag == "input" and (self.getAttribute("type") or "").lower() in ("checkbox", "radio"):
                    return "on"
            return value
        if kind == "text":
            return self.textContent
        props = self._props
        if props is not None and "value" in props:
            return props["value"]
        if self._tag == "select" and self._ns is None:
            return self._selected_option_value()
        if self._tag == "input" or self._tag == "textarea" and self._ns is None:
            # Not changed yet: the default value, as in the browser.
            return self.getAttribute("value") if self._tag == "input" else self.textContent or None
        return None

    @value.setter
    def value(self, value: str) -> None:
        if type(value) is not str:
            check_str(value, "value")
        kind = self._value_kind()
        if kind == "prop":
            props = self._props
            if props is not None and props.get("value") == value:
                return
            self._doc._set_prop(cast("Element", self), "value", value)  # a part of Element
        elif kind == "attr":
            self.setAttribute("value", value)
        elif kind == "text":
            self.textContent = value
        elif kind == "file":
            raise InvalidValueError("the value of <input type=file> can only be chosen by the user")
        else:
            raise InvalidValueError(
                f"<{self._tag}> has a numeric value; use setAttribute('value', '3') instead"
            )

    @property
    def checked(self) -> bool:
        """Whether a checkbox or radio button is checked (the live state, not the
        ``checked`` attribute). Setting a radio button checks it and unchecks the other
        radio buttons with the same name under the same root, as the browser does."""
        props = self._props
        if props is not None and "checked" in props:
            return props["checked"]
        return self._tag == "input" and self.hasAttribute("checked")

    @checked.setter
    def checked(self, on: bool) -> None:
        if type(on) is not bool:
            raise WrongTypeError(f"checked must be True or False, not {type(on).__name__}")
        if self.checked == on:
            return
        self._doc._set_prop(cast("Element", self), "checked", on)  # a part of Element
        if on and self._tag == "input" and (self.getAttribute("type") or "").lower() == "radio":
            self._uncheck_radio_group()

    def _uncheck_radio_group(self) -> None:
        """Uncheck, in the model only, the other radio buttons of this one's group (same
        name, same form, same tree): the browser does it by itself."""
        group = self.getAttribute("name")
        if not group:
            return
        form = self.closest("form")
        top = self
        while top._parent is not None:
            top = top._parent
        for other in top._iter_descendants():
            if (other is not self and other._tag == "input" and other.checked
                    and (other.getAttribute("type") or "").lower() == "radio"
                    and other.getAttribute("name") == group
                    and other.closest("form") is form):
                if other._props is None:
                    other._props = {}
                other._props["checked"] = False

    @property
    def selectedValues(self) -> list[str]:
        """For a ``<select>``: the values of the selected options, as the user left
        them (a ``multiple`` select may have several). Empty for other elements."""
        if self._tag != "select" or self._ns is not None:
            return []
        props = self._props
        options = [o for o in self._iter_descendants() if o._tag == "option" and o._ns is None]
        if props is not None and "selected" in props:
            present = {o.value for o in options}
            if all(value in present for value in props["selected"]):
                return list(props["selected"])  # what the user picked, if still possible
        if self.hasAttribute("multiple"):
            # An option's value is never None: its value attribute, else its text.
            return cast("list[str]", [o.value for o in options if o.hasAttribute("selected")])
        value = self.value
        return [value] if value else []
