"""The ``class`` and ``style`` attributes of an element, as the DOM's ``classList``
and ``style`` objects: :class:`ClassList` and :class:`Style`.

Each change writes the whole attribute through :meth:`Element.setAttribute
<domsync.Element.setAttribute>`, so the browser and the model hold the same text.
"""

from __future__ import annotations

import re

from typing import TYPE_CHECKING, Any, Iterator

from . import names
from .exceptions import InvalidNameError
from .names import check_str

if TYPE_CHECKING:  # pragma: no cover
    from .element import Element

__all__ = ["ClassList", "Style"]


class ClassList:
    """The ``class`` attribute of an element as an ordered set of tokens.

    Each change writes the whole attribute, as the browser's ``DOMTokenList`` does.
    """

    __slots__ = ("_el",)

    def __init__(self, element: Element):
        self._el = element

    def _tokens(self) -> list[str]:
        return names.split_tokens(self._el.getAttribute("class"))

    def _write(self, tokens: list[str]) -> None:
        self._el.setAttribute("class", " ".join(tokens))

    def __iter__(self) -> Iterator[str]:
        return iter(self._tokens())

    def __len__(self) -> int:
        return len(self._tokens())

    def __contains__(self, token: str) -> bool:
        return token in self._tokens()

    def __repr__(self) -> str:
        return f"ClassList({self._tokens()!r})"

    @property
    def value(self) -> str:
        """The class attribute."""
        return self._el.getAttribute("class", "")

    def contains(self, token: str) -> bool:
        """True if the element has the class ``token``."""
        return names.check_token(token) in self._tokens()

    def add(self, *tokens: str) -> None:
        """Add classes; those already present stay where they are."""
        for token in tokens:
            names.check_token(token)
        current = self._tokens()
        added = current + [t for t in dict.fromkeys(tokens) if t not in current]
        if added != current:
            self._write(added)

    def remove(self, *tokens: str) -> None:
        """Remove classes; absent ones are ignored."""
        for token in tokens:
            names.check_token(token)
        current = self._tokens()
        kept = [t for t in current if t not in tokens]
        if kept != current:
            self._write(kept)

    def toggle(self, token: str, force: bool | None = None) -> bool:
        """Add ``token`` if absent, remove it if present; return whether it is present.
        With ``force``, only add (True) or only remove (False)."""
        names.check_token(token)
        present = token in self._tokens()
        want = (not present) if force is None else bool(force)
        if want and not present:
            self.add(token)
        elif present and not want:
            self.remove(token)
        return want

    def replace(self, old: str, new: str) -> bool:
        """Replace ``old`` by ``new`` in place; return False if ``old`` was absent."""
        names.check_token(old)
        names.check_token(new)
        current = self._tokens()
        if old not in current:
            return False
        result = []
        for t in current:
            t = new if t == old else t
            if t not in result:
                result.append(t)
        self._write(result)
        return True


def _split_declarations(css: str) -> list[tuple[str, str]]:
    """Split a style attribute into (property, value) pairs, respecting quotes and
    parentheses so that ``url("a;b")`` stays one value."""
    decls, buf, quote, depth = [], [], None, 0
    for ch in css + ";":
        if quote:
            buf.append(ch)
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
            buf.append(ch)
        elif ch == "(":
            depth += 1
            buf.append(ch)
        elif ch == ")":
            depth = max(0, depth - 1)
            buf.append(ch)
        elif ch == ";" and depth == 0:
            text = "".join(buf).strip()
            buf = []
            if ":" in text:
                name, _, value = text.partition(":")
                decls.append((name.strip().lower() if not name.strip().startswith("--") else name.strip(), value.strip()))
        else:
            buf.append(ch)
    return decls


class Style:
    """The ``style`` attribute of an element, one CSS property at a time.

    domsync writes the whole attribute (``"color: red; margin: 0;"``), so the browser
    and the model hold exactly the same text. Values are not checked against CSS: a
    value the browser does not understand is kept in the attribute and ignored by CSS,
    as it would be in a browser.
    """

    __slots__ = ("_el",)

    def __init__(self, element: Element):
        self._el = element

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise AttributeError(f"style.{name}: read CSS properties by their CSS names: "
                             f"el.style[{_css_name(name)!r}] or el.style.getPropertyValue({_css_name(name)!r})")

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "_el" or name == "cssText":
            object.__setattr__(self, name, value)  # cssText: its property's setter
            return
        raise AttributeError(f"style.{name} = ...: set CSS properties by their CSS names: "
                             f"el.style[{_css_name(name)!r}] = {value!r}")

    def _decls(self) -> dict[str, str]:
        return dict(_split_declarations(self._el.getAttribute("style") or ""))

    def _write(self, decls: dict[str, str]) -> None:
        if decls:
            self._el.setAttribute("style", " ".join(f"{k}: {v};" for k, v in decls.items()))
        else:
            self._el.removeAttribute("style")

    @staticmethod
    def _name(name: object) -> str:
        name = check_str(name, "the CSS property name")
        if name.startswith("--"):
            if len(name) > 2 and all(c.isalnum() or c in "-_" for c in name[2:]):
                return name
        elif name == name.lower() or name == name.upper():
            # The browser lower-cases property names; mixed case is a camelCase mistake.
            name = name.lower()
            if name[:1].isalpha() or name[:1] == "-":
                if all(c.isalnum() or c == "-" for c in name):
                    return name
        raise InvalidNameError(
            f"{name!r} is not a CSS property name; use the CSS spelling, e.g. "
            f"'background-color' (not 'backgroundColor')"
        )

    def setProperty(self, name: str, value: str) -> None:
        """Set one CSS property; an empty value removes it."""
        name = self._name(name)
        check_str(value, f"the value of CSS property {name!r}")
        value = value.strip()
        if not value:
            self.removeProperty(name)
            return
        decls = self._decls()
        if decls.get(name) == value:
            return
        decls[name] = value
        self._write(decls)

    def removeProperty(self, name: str) -> str:
        """Remove one CSS property; return its old value (``''`` if it was not set)."""
        name = self._name(name)
        decls = self._decls()
        old = decls.pop(name, "")
        if old:
            self._write(decls)
        return old

    def getPropertyValue(self, name: str) -> str:
        """The value of one CSS property, ``''`` if it is not set."""
        return self._decls().get(self._name(name), "")

    @property
    def cssText(self) -> str:
        """The whole style attribute (setting it replaces it, as in the browser)."""
        return self._el.getAttribute("style") or ""

    @cssText.setter
    def cssText(self, value: str) -> None:
        self._el.setAttribute("style", value)

    def __getitem__(self, name: str) -> str:
        return self.getPropertyValue(name)

    def __setitem__(self, name: str, value: str) -> None:
        self.setProperty(name, value)

    def __delitem__(self, name: str) -> None:
        self.removeProperty(name)

    def __contains__(self, name: str) -> bool:
        return self._name(name) in self._decls()

    def __repr__(self) -> str:
        return f"Style({self.cssText!r})"


def _css_name(name: str) -> str:
    """``backgroundColor`` -> ``background-color``: the CSS name of a JavaScript one."""
    return re.sub(r"[A-Z]", lambda m: "-" + m.group(0).lower(), name)
