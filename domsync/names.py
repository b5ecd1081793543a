"""Checks for the names an application passes in: tags, attributes, events, ids, tokens.

Names are checked when they enter the model, so a mistake raises at the line that made
it, with a message that says what to do instead. The rules are the subset of the DOM's
rules that every current browser accepts; a name that passes here never makes the
browser throw while applying a batch.
"""

from __future__ import annotations

import inspect
import re

from .exceptions import InvalidNameError, UnsafeValueError, WrongTypeError

__all__ = [
    "HTML_NAMESPACE",
    "SVG_NAMESPACE",
    "MATHML_NAMESPACE",
    "check_tag_name",
    "check_attribute_name",
    "check_event_name",
    "check_token",
    "check_str",
    "check_url_value",
    "check_arguments",
]

HTML_NAMESPACE = "http://www.w3.org/1999/xhtml"
SVG_NAMESPACE = "http://www.w3.org/2000/svg"
MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"

_NAMESPACES = (HTML_NAMESPACE, SVG_NAMESPACE, MATHML_NAMESPACE)

# Tag names: a letter, then letters, digits, '-', '_' and '.' (custom elements such as
# my-widget included). Non-ASCII letters are allowed after the first character.
_TAG = re.compile(r"[A-Za-z][A-Za-z0-9._\-\u00b7\u00c0-\ufffd]*\Z")
# Attribute names: what XML calls a Name, minus ':' at the start; ':' inside stays for
# xlink:href and friends.
_ATTRIBUTE = re.compile(r"[A-Za-z_][A-Za-z0-9._:\-\u00b7\u00c0-\ufffd]*\Z")
_EVENT = re.compile(r"[A-Za-z_][A-Za-z0-9._:\-]*\Z")
_ASCII_WHITESPACE = re.compile(r"[\t\n\f\r ]")

# Attributes whose value the browser may load as a URL, and so run as a javascript: URL.
URL_ATTRIBUTES = frozenset(
    {"href", "src", "action", "formaction", "xlink:href", "data", "poster",
     "background", "codebase", "cite", "longdesc", "manifest", "ping", "usemap"}
)
# Browsers strip leading control characters and spaces, and tabs and newlines anywhere,
# before they read a URL's scheme; matching with \s between letters covers all of that.
_SCRIPT_SCHEME = r"[\x00-\x20]*(?:j\s*a\s*v\s*a|v\s*b)\s*s\s*c\s*r\s*i\s*p\s*t\s*:"
_SCRIPT_URL = re.compile(_SCRIPT_SCHEME, re.I)
_SCRIPT_URL_IN_LIST = re.compile(r"(?:^|;)" + _SCRIPT_SCHEME, re.I)

_tag_cache: dict[tuple[str, str], str] = {}
#: HTML tag names already checked, name -> local name. Read directly by createElement.
html_tag_cache: dict[str, str] = {}
# Attribute names already checked, as given -> as stored; [False] for SVG and MathML
# elements (kept as given), [True] for HTML ones (lower-cased).
_attribute_cache: tuple[dict[str, str], dict[str, str]] = ({}, {})


def check_str(value: object, what: str) -> str:
    """Return ``value`` if it is a ``str``; raise :class:`WrongTypeError` otherwise."""
    if type(value) is not str and not isinstance(value, str):
        if value is None:
            raise WrongTypeError(
                f"{what} must be a str, not None; for no text at all use '' (str(None) would show "
                f"the word 'None'); to remove an attribute, use removeAttribute"
            )
        raise WrongTypeError(
            f"{what} must be a str, not {type(value).__name__} ({value!r}); "
            f"the DOM stores strings, so convert it first, e.g. str(value)"
        )
    return value


def check_tag_name(tag: object, namespace: str = HTML_NAMESPACE) -> str:
    """Return the local name a browser would give an element created with ``tag``.

    HTML tag names are lower-cased (``createElement("DIV")`` makes a ``div``), as in a
    browser. SVG and MathML names keep their case (``linearGradient``).

    Raises:
        WrongTypeError: if ``tag`` is not a str.
        InvalidNameError: if it is not a valid element name.
    """
    key = (tag, namespace) if type(tag) is str else None
    if key is not None:
        cached = _tag_cache.get(key)
        if cached is not None:
            return cached
    tag = check_str(tag, "the tag name")
    if namespace not in _NAMESPACES:
        raise InvalidNameError(
            f"unsupported namespace {namespace!r}; use one of domsync.HTML_NAMESPACE, "
            f"domsync.SVG_NAMESPACE or domsync.MATHML_NAMESPACE"
        )
    if not _TAG.match(tag):
        raise InvalidNameError(
            f"{tag!r} is not a valid tag name: it must start with a letter and contain "
            f"only letters, digits, '-', '_' and '.' (custom elements like 'my-widget' "
            f"are fine)"
        )
    local = tag.lower() if namespace == HTML_NAMESPACE else tag
    if len(_tag_cache) < 4096:
        _tag_cache[(tag, namespace)] = local
        if namespace == HTML_NAMESPACE and local not in ("script", "style"):  # the slow way: they are checked
            html_tag_cache[tag] = local
    return local


def check_attribute_name(name: object, html: bool = True) -> str:
    """Return the attribute name a browser would store for ``setAttribute(name, ...)``.

    On HTML elements the name is lower-cased, as a browser does.

    Raises:
        WrongTypeError: if ``name`` is not a str.
        InvalidNameError: if it is not a valid attribute name.
        UnsafeValueError: for an event handler attribute (``onclick``, ...).
    """
    if type(name) is str:
        known = _attribute_cache[html].get(name)
        if known is not None:
            return known
    checked = name = check_str(name, "the attribute name")
    if not _ATTRIBUTE.match(name):
        raise InvalidNameError(
            f"{name!r} is not a valid attribute name: use letters, digits, '-', '_', "
            f"'.' and ':' and start with a letter or '_'"
        )
    if html:
        name = name.lower()
    if name[:2].lower() == "on":
        raise UnsafeValueError(
            f"{name!r} is an event handler attribute, whose value the browser runs as "
            f"code; use element.addEventListener({name[2:]!r}, callback) instead"
        )
    # One str object per name, shared by every element that has the attribute: a fresh
    # lower-cased copy per element would cost 50 bytes each.
    cache = _attribute_cache[html]
    if len(cache) < 4096 and type(checked) is str:
        name = cache.setdefault(name, name)
        cache[checked] = name
    return name


# SVG animation elements can set any attribute, href included, to these values.
_ANIMATION_ELEMENTS = frozenset({"animate", "set", "animateMotion", "animateTransform"})
_ANIMATION_VALUES = frozenset({"to", "from", "by", "values"})


def check_url_value(name: str, value: str, tag: str = "") -> None:
    """Raise :class:`UnsafeValueError` if an attribute value would run as code: a
    ``javascript:`` URL in a URL attribute (or in an SVG animation's values), or any
    ``srcdoc`` (a whole HTML document, scripts included)."""
    if name == "srcdoc":
        raise UnsafeValueError(
            "refusing to set srcdoc: its HTML runs scripts in the frame; give the iframe "
            "a src URL instead"
        )
    if name in URL_ATTRIBUTES:
        unsafe = _SCRIPT_URL.match(value) is not None
    elif tag in _ANIMATION_ELEMENTS and name in _ANIMATION_VALUES:
        unsafe = _SCRIPT_URL_IN_LIST.search(value) is not None  # values="a;javascript:..."
    else:
        return
    if unsafe:
        raise UnsafeValueError(
            f"refusing to set {name}={value[:40]!r}: a javascript: URL runs its text as "
            f"code; link to a real URL, or use addEventListener('click', callback)"
        )


#: HTML's boolean attributes: present means on, whatever the value.
BOOLEAN_ATTRIBUTES = frozenset({
    "allowfullscreen", "async", "autofocus", "autoplay", "checked", "controls", "default", "defer", "disabled",
    "formnovalidate", "hidden", "inert", "ismap", "itemscope", "loop", "multiple", "muted", "nomodule",
    "novalidate", "open", "playsinline", "readonly", "required", "reversed", "selected",
})


def check_event_name(event: object) -> str:
    """Return ``event`` if it is a usable DOM event type.

    Any event type works, including custom ones such as ``my-event``; the name only has
    to be a non-empty word without spaces.
    """
    event = check_str(event, "the event name")
    if not _EVENT.match(event):
        raise InvalidNameError(
            f"{event!r} is not a valid event name: use the DOM event type without the "
            f"'on' prefix, e.g. 'click' or 'input'"
        )
    return event


def check_token(token: object) -> str:
    """Return ``token`` if it can be a class name in ``classList``.

    Raises:
        WrongTypeError: if it is not a str.
        InvalidNameError: if it is empty or contains whitespace (as the browser's
            DOMTokenList would).
    """
    token = check_str(token, "a class token")
    if not token:
        raise InvalidNameError("a class token cannot be the empty string")
    if _ASCII_WHITESPACE.search(token):
        raise InvalidNameError(
            f"class token {token!r} contains whitespace; pass several tokens as "
            f"separate arguments: classList.add('a', 'b')"
        )
    return token


def split_tokens(value: str | None) -> list[str]:
    """Split a class attribute into its ordered set of tokens, as DOMTokenList does."""
    if not value:
        return []
    seen: dict[str, None] = {}
    for token in _ASCII_WHITESPACE.split(value):
        if token:
            seen[token] = None
    return list(seen)


def check_arguments(function: object, count: int, what: str) -> None:
    """Raise :class:`WrongTypeError` unless ``function`` can be called with ``count``
    positional arguments; ``what`` names it in the message (e.g. "the event callback")."""
    if not callable(function):
        raise WrongTypeError(f"{what} must be callable, not {type(function).__name__}")
    try:
        inspect.signature(function).bind(*([None] * count))
    except TypeError:
        raise WrongTypeError(
            f"{what} is called with {count} argument{'s' if count > 1 else ''}, but "
            f"{getattr(function, '__name__', function)!r} takes {inspect.signature(function)}"
        ) from None
    except ValueError:  # no signature to check (some builtins)
        pass
