"""The one encoder that turns application strings into JavaScript literals.

Every string that reaches the browser as part of rendered JavaScript (text, attribute
names and values, ids, event names, tag names, ``js_value_getter`` sources, notification
text, ...) passes through :func:`js_string`. Nothing else in domsync builds a JavaScript
string literal by hand.

The literal is a double-quoted JSON string, which is also a JavaScript string literal
(JSON has been a subset of JavaScript since ES2019, and the two characters that made the
difference, U+2028 and U+2029, are escaped here anyway). On top of JSON's escaping it
escapes:

- ``<``, so that ``</script>`` and ``<!--`` can never appear in a rendered batch, even if
  the batch is ever inlined into an HTML page;
- U+2028 and U+2029, for older JavaScript engines;
- lone surrogates (which a Python ``str`` may hold), as ``\\udXXX`` escapes: the browser
  gets the same UTF-16 code units and the batch stays valid UTF-8. (A JavaScript string
  is UTF-16, so a high surrogate followed by a low one *is* a surrogate pair there.)

Other non-ASCII characters travel as UTF-8, which keeps text in other scripts compact.
"""

from __future__ import annotations

import json
import re
from typing import Callable

__all__ = ["js_string", "js_markup", "js_strings", "js_value", "json_value", "check_json"]

try:  # the C accelerator of the json module: the fastest correct escaper at hand
    from json.encoder import c_encode_basestring as _quote  # type: ignore[attr-defined]  # not in typeshed
except ImportError:  # pragma: no cover - pure-Python json
    from json.encoder import py_encode_basestring as _quote
_NEEDS_EXTRA_ESCAPE = re.compile("[<\u2028\u2029\ud800-\udfff]")
_NEEDS_EXTRA_ESCAPE_IN_MARKUP = re.compile("[\u2028\u2029\ud800-\udfff]")


def _escape_code_unit(match: re.Match) -> str:
    return "\\u%04x" % ord(match.group())


def js_string(value: str) -> str:
    """Return a JavaScript string literal that evaluates to exactly ``value``.

    Args:
        value: any Python string, including quotes, backslashes, backticks, ``${``,
            ``</script>``, NUL, U+2028/U+2029 and lone surrogates.

    Returns:
        A double-quoted literal that is safe to place anywhere a JavaScript expression
        may stand, and that contains no ``<``, no raw line terminator and no lone
        surrogate.
    """
    if type(value) is not str:
        value = str.__str__(value)  # a str subclass: encode its plain string value
    literal = _quote(value)
    if literal.isascii():  # O(1) in CPython: no U+2028/9 and no surrogates possible
        return literal if "<" not in literal else literal.replace("<", "\\u003c")
    if _NEEDS_EXTRA_ESCAPE.search(literal) is None:
        return literal
    return _NEEDS_EXTRA_ESCAPE.sub(_escape_code_unit, literal)


def js_markup(markup: str) -> str:
    """Return a JavaScript string literal for markup made by :mod:`domsync.encode_html`:
    :func:`js_string`'s literal, except that a ``<`` is escaped only where it starts an
    end tag, as ``<\\/``.

    In that markup a ``<`` only ever starts a tag (text and attribute values have theirs
    as ``&lt;``), so the literal can hold neither ``</script>`` nor ``<!--``: what
    escaping every ``<`` guarantees for :func:`js_string`, at a sixth of the bytes.
    ``\\/`` is ``/`` in JavaScript and in JSON.
    """
    literal = _quote(markup)
    if not literal.isascii() and _NEEDS_EXTRA_ESCAPE_IN_MARKUP.search(literal) is not None:
        literal = _NEEDS_EXTRA_ESCAPE_IN_MARKUP.sub(_escape_code_unit, literal)
    return literal.replace("</", "<\\/")


_encode_list = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def js_strings(values: list) -> str:
    """Return a JavaScript array literal of strings (``None`` becomes ``null``).

    The same encoder as :func:`js_string`, applied to a whole list in one pass of the
    json module's C code, for bulk renders: element for element the output is what
    :func:`js_string` gives.
    """
    literal = _encode_list(values)
    if literal.isascii():
        return literal if "<" not in literal else literal.replace("<", "\\u003c")
    if _NEEDS_EXTRA_ESCAPE.search(literal) is None:
        return literal
    return _NEEDS_EXTRA_ESCAPE.sub(_escape_code_unit, literal)


def json_value(value: object) -> str:
    """Return JSON text for a JSON-like Python value: :func:`js_value`'s twin for the
    JSON wire, with every string (dict keys included) from :func:`js_string`.

    Tuples are arrays. ``JSON.parse`` makes every key an own data property, so a key
    named ``__proto__`` stays data here without the computed-key form.

    Raises:
        TypeError: for any other type, or a non-finite float.
    """
    return _literal(value, _json_key)


def js_value(value: object) -> str:
    """Return a JavaScript literal for a JSON-like Python value.

    Strings (also as dict keys and inside lists) go through :func:`js_string`; ``None``,
    booleans, ints and finite floats become their JavaScript literals. Dict keys are
    written as computed keys (``{["__proto__"]:1}``), which always make own data
    properties: a plain ``"__proto__":`` key in an object literal would set the
    object's prototype instead.

    Raises:
        TypeError: for any other type, or a non-finite float.
    """
    return _literal(value, _computed_key)


def _json_key(key: str) -> str:
    return js_string(key) + ":"


def _computed_key(key: str) -> str:
    return "[" + js_string(key) + "]:"


def _literal(value: object, key_form: Callable[[str], str]) -> str:
    """The literal of a JSON-like value, its dict keys written by ``key_form``: the
    one walk both :func:`js_value` and :func:`json_value` make."""
    if type(value) is str:
        return js_string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return str(value)
    if type(value) is tuple or type(value) is list:
        return "[" + ",".join([_literal(item, key_form) for item in value]) + "]"
    if isinstance(value, str):
        return js_string(value)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise TypeError("NaN and infinity cannot be sent to the browser")
        return repr(value)
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"object keys must be str, not {type(key).__name__}")
            parts.append(key_form(key) + _literal(item, key_form))
        return "{" + ",".join(parts) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join([_literal(item, key_form) for item in value]) + "]"
    raise TypeError(f"cannot send a {type(value).__name__} to the browser")


def check_json(value: object) -> object:
    """Return a copy of a JSON-like value that the encoders can send, or raise.

    The copy is the value's own: what the caller changes in the original afterwards is
    not sent. Tuples become lists.

    Raises:
        TypeError: for a type JSON cannot carry, or a dict key that is not a str.
        ValueError: for NaN, an infinity, or a value that contains itself.
    """
    return _copy_json(value, set())


def _copy_json(value: object, active: set[int]) -> object:
    if value is None or type(value) is bool or type(value) is str:
        return value
    if isinstance(value, str):
        return str.__str__(value)  # a str subclass: its plain string value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("NaN and infinity cannot be sent to the browser")
        return float(value)
    if isinstance(value, (dict, list, tuple)):
        if id(value) in active:
            raise ValueError("the value contains itself (a cycle)")
        active.add(id(value))
        try:
            if isinstance(value, dict):
                copied: dict[str, object] = {}
                for key, item in value.items():
                    if not isinstance(key, str):
                        raise TypeError(f"object keys must be str, not {type(key).__name__}")
                    copied[str.__str__(key)] = _copy_json(item, active)
                return copied
            return [_copy_json(item, active) for item in value]
        finally:
            active.discard(id(value))
    raise TypeError(f"cannot send a {type(value).__name__} to the browser")
