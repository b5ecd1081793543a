"""A small CSS selector engine for ``querySelector`` on the model.

Supported: ``*``, type selectors, ``#id``, ``.class``, attribute selectors (``[a]``,
``[a=v]``, ``[a~=v]``, ``[a|=v]``, ``[a^=v]``, ``[a$=v]``, ``[a*=v]``, with quoted or
bare values and an optional `` i`` flag), the descendant and child (``>``)
combinators, and selector lists (``,``). Anything else raises
:class:`~domsync.exceptions.SelectorError` rather than matching wrongly.

soupsieve and cssselect, the maintained Python selector libraries, only work on
BeautifulSoup and lxml trees, so domsync matches its own model here; compiled selectors
are cached.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Callable

from .exceptions import SelectorError
from .names import check_str, split_tokens

if TYPE_CHECKING:  # pragma: no cover
    from .element import Element

__all__ = ["compile_selector"]

_IDENT = r"-?(?:[A-Za-z_]|[^\x00-\x7f]|\\.)(?:[A-Za-z0-9_-]|[^\x00-\x7f]|\\.)*"
_TOKEN = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<comma>,)
  | (?P<child>>)
  | (?P<star>\*)
  | (?P<type>{_IDENT})
  | \#(?P<id>(?:[A-Za-z0-9_-]|[^\x00-\x7f]|\\.)+)
  | \.(?P<cls>{_IDENT})
  | \[\s*(?P<attr>{_IDENT}(?::{_IDENT})?)\s*
        (?:(?P<op>[~|^$*]?=)\s*
           (?:"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>(?:[^'\\]|\\.)*)'|(?P<bare>{_IDENT}|[0-9][A-Za-z0-9_-]*))
           \s*(?P<flag>[iIsS])?\s*)?
    \]
    """,
    re.VERBOSE,
)
_UNESCAPE = re.compile(r"\\(.)")

Matcher = Callable[["Element"], bool]


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(r"\1", text)


def _attr_test(name: str, op: str | None, value: str | None, ignore_case: bool) -> Matcher:
    lowered = name.lower()

    def test(el: "Element") -> bool:
        actual = el._get_attr(lowered if name == lowered or el._ns is None else name)
        if actual is None:
            return False
        if op is None:
            return True
        want = value
        assert want is not None  # the grammar gives every operator a value
        if ignore_case:
            actual, want = actual.lower(), want.lower()
        if op == "=":
            return actual == want
        if op == "~=":
            return want in split_tokens(actual)
        if op == "|=":
            return actual == want or actual.startswith(want + "-")
        if not want:
            return False
        if op == "^=":
            return actual.startswith(want)
        if op == "$=":
            return actual.endswith(want)
        return want in actual  # *=

    return test


def _compound(tests: list[Matcher]) -> Matcher:
    if len(tests) == 1:
        return tests[0]
    return lambda el: all(t(el) for t in tests)


def _complex(compounds: list[Matcher], combinators: list[str]) -> Matcher:
    """Match right to left: the last compound against the element, then walk up."""

    def match_at(el: "Element", index: int) -> bool:
        if not compounds[index](el):
            return False
        if index == 0:
            return True
        combinator = combinators[index - 1]
        parent = el._parent
        if combinator == ">":
            return parent is not None and match_at(parent, index - 1)
        while parent is not None:
            if match_at(parent, index - 1):
                return True
            parent = parent._parent
        return False

    last = len(compounds) - 1
    return lambda el: match_at(el, last)


@lru_cache(maxsize=256)
def compile_selector(selector: str) -> Matcher:
    """Compile a CSS selector into a function ``element -> bool``.

    Raises:
        SelectorError: if the selector is empty, malformed or unsupported.
    """
    check_str(selector, "the selector")
    alternatives: list[Matcher] = []
    compounds: list[Matcher] = []
    combinators: list[str] = []
    tests: list[Matcher] = []
    pending: str | None = None  # a combinator waiting for its right-hand compound
    pos, text = 0, selector.strip()
    if not text:
        raise SelectorError("the selector is empty")

    def close_compound() -> None:
        nonlocal pending
        if not tests:
            raise SelectorError(f"{selector!r} is not a valid selector: a combinator has "
                                f"nothing on one side")
        if compounds:
            combinators.append(pending or " ")
        compounds.append(_compound(list(tests)))
        tests.clear()
        pending = None

    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise SelectorError(
                f"{selector!r} is not a supported selector (at {text[pos:pos + 10]!r}); "
                f"domsync supports tags, #id, .class, [attr=value], descendant and '>' "
                f"combinators and ','"
            )
        pos = m.end()
        kind = m.lastgroup if m.lastgroup not in ("dq", "sq", "bare", "op", "flag") else "attr"
        if m.group("attr") is not None:
            kind = "attr"
        if kind == "ws":
            if tests:
                close_compound()
                pending = " "
            continue
        if kind in ("comma", "child"):
            if tests:
                close_compound()
            if kind == "child":
                if not compounds or pending == ">":
                    raise SelectorError(f"{selector!r}: '>' needs a selector on its left")
                pending = ">"
                continue
            if pending and pending != " " or not compounds:
                raise SelectorError(f"{selector!r} is not a valid selector list")
            alternatives.append(_complex(list(compounds), list(combinators)))
            compounds.clear()
            combinators.clear()
            pending = None
            continue
        if kind in ("type", "star") and tests:
            raise SelectorError(f"{selector!r}: a tag name must come first in a compound")
        if kind == "star":
            tests.append(lambda el: True)
        elif kind == "type":
            name = _unescape(m.group("type"))
            lowered = name.lower()

            def type_test(el: Element, n: str = name, lo: str = lowered) -> bool:
                # HTML tags are stored lower-case, others as written; the namespace
                # (a property of the model's elements) is read only when it decides.
                tag = el._tag
                return tag == n or (tag == lo and el._ns is None)
            tests.append(type_test)
        elif kind == "id":
            ident = _unescape(m.group("id"))

            def id_test(el: Element, i: str = ident) -> bool:
                return el.id == i
            tests.append(id_test)
        elif kind == "cls":
            cls = _unescape(m.group("cls"))

            def class_test(el: Element, c: str = cls) -> bool:
                value = el._get_attr("class")
                return value is not None and c in split_tokens(value)
            tests.append(class_test)
        elif kind == "attr":
            raw = m.group("dq") if m.group("dq") is not None else (
                m.group("sq") if m.group("sq") is not None else m.group("bare"))
            flag = (m.group("flag") or "").lower()
            tests.append(_attr_test(_unescape(m.group("attr")), m.group("op"),
                                    None if raw is None else _unescape(raw), flag == "i"))
    if tests:
        close_compound()
    if pending and pending != " " or not compounds:
        raise SelectorError(f"{selector!r} is not a valid selector: it ends with a combinator")
    alternatives.append(_complex(compounds, combinators))
    if len(alternatives) == 1:
        return alternatives[0]
    alts = tuple(alternatives)
    return lambda el: any(a(el) for a in alts)
