"""What the browser knows about an element that the mirror's plain tree does not say
outright: a form control's live state, whether it is visible or enabled, its text, its
ARIA role and accessible name, and the value of a ``js_value_getter``.

Everything here reads a :class:`~domsync.mirror.MirrorElement` the way Chromium reads the
same element, as far as that can be done without layout or style sheets: visibility
comes from the ``hidden`` attribute, ``display: none`` / ``visibility: hidden`` in an
inline ``style``, and elements that never render (``<template>``, ``<script>``, ...).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterator, cast

from ..exceptions import NotEmulatedError
from ..mirror import MirrorElement
from ..names import split_tokens
from ..protocol import EVENT_KINDS
from ..selectors import compile_selector

__all__ = ["value_of", "checked_of", "form_state", "is_visible", "is_enabled",
           "text_of", "inner_text", "role_of", "accessible_name", "select_css", "evaluate_getter",
           "options_of", "is_text_field", "form_of", "submit_button_of", "normalize"]


_NEVER_RENDERED = frozenset({"template", "script", "style", "head", "title", "meta", "link", "noscript"})
_FORM_CONTROLS = frozenset({"input", "select", "textarea", "button", "fieldset", "optgroup", "option"})
#: Input types typed into as text (Playwright's fill accepts these).
_TEXT_TYPES = frozenset({"", "text", "search", "email", "url", "tel", "password", "number", "date", "time",
                         "datetime-local", "month", "week", "color", "range"})
_WHITESPACE = re.compile(r"\s+")
_BLOCK = frozenset({"address", "article", "aside", "blockquote", "details", "dialog", "dd", "div", "dl", "dt",
                    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
                    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tr", "ul"})


def normalize(text: str) -> str:
    """Whitespace collapsed and trimmed, as Playwright compares text."""
    return _WHITESPACE.sub(" ", text).strip()


def _type(el: MirrorElement) -> str:
    return el._attrs.get("type", "").lower() if el._tag == "input" else ""


def is_text_field(el: MirrorElement) -> bool:
    """Whether the user types into ``el``: a text-like input or a textarea."""
    return el._ns is None and (el._tag == "textarea" or (el._tag == "input" and _type(el) in _TEXT_TYPES))


def options_of(select: MirrorElement) -> list[MirrorElement]:
    """The ``<option>`` elements of a select, in order (inside optgroups too)."""
    return [el for el in select.iter() if el._tag == "option"]


def option_value(option: MirrorElement) -> str:
    """An option's value: its ``value`` attribute, else its text."""
    value = option._attrs.get("value")
    return value if value is not None else normalize(option.text_content)


def value_of(el: MirrorElement) -> str:
    """The live ``value`` of a form control, as the browser reads it."""
    if el._tag == "select":
        if el.value is not None:
            return el.value
        options = options_of(el)
        chosen = next((o for o in options if "selected" in o._attrs), options[0] if options else None)
        return "" if chosen is None else option_value(chosen)
    if el.value is not None:
        return el.value
    if el._tag == "textarea":
        return el.text_content
    if el._tag == "input" and _type(el) in ("checkbox", "radio"):
        return el._attrs.get("value", "on")
    return el._attrs.get("value", "")


def checked_of(el: MirrorElement) -> bool:
    """The live ``checked`` of a checkbox or radio button."""
    return el.checked if el.checked is not None else "checked" in el._attrs


def form_state(el: MirrorElement) -> dict | None:
    """What the browser client sends as a control's state (``formState`` in
    ``domsync.js``), or None for an element that is not a form control."""
    if el._ns is not None:
        return None
    if el._tag == "input":
        if _type(el) in ("checkbox", "radio"):
            return {"checked": checked_of(el), "value": value_of(el)}
        return {"value": value_of(el)}
    if el._tag == "select":
        if "multiple" in el._attrs:
            return {"value": value_of(el), "selected": [value_of(el)]}
        return {"value": value_of(el)}
    if el._tag == "textarea":
        return {"value": value_of(el)}
    return None


def ancestors(el: MirrorElement) -> Iterator[MirrorElement]:
    """``el``, then its parent, up to the root."""
    node: MirrorElement | None = el
    while node is not None:
        yield node
        node = node.parent


def _style(el: MirrorElement) -> dict[str, str]:
    style = el._attrs.get("style")
    if not style:
        return {}
    declarations = {}
    for part in style.split(";"):
        name, _, value = part.partition(":")
        declarations[name.strip().lower()] = value.strip().lower()
    return declarations


def is_visible(el: MirrorElement) -> bool:
    """Whether the element would be shown: it and its ancestors have no ``hidden``
    attribute and no inline ``display: none``, it is not inside an element that never
    renders, and no inline ``visibility: hidden`` applies to it."""
    if el._tag == "input" and _type(el) == "hidden":
        return False
    visibility = None
    for node in ancestors(el):
        if "hidden" in node._attrs or node._tag in _NEVER_RENDERED:
            return False
        style = _style(node)
        if style.get("display") == "none":
            return False
        if visibility is None and style.get("visibility"):
            visibility = style["visibility"]
    return visibility not in ("hidden", "collapse")


def is_enabled(el: MirrorElement) -> bool:
    """Whether a form control can be used: not ``disabled``, and not in a disabled
    fieldset (outside its first legend)."""
    if el._tag not in _FORM_CONTROLS:
        return True
    if "disabled" in el._attrs:
        return False
    for node in ancestors(el):
        if node is not el and node._tag == "fieldset" and "disabled" in node._attrs:
            return False
    return True


def is_editable(el: MirrorElement) -> bool:
    """Whether the user can type into ``el``."""
    return is_enabled(el) and "readonly" not in el._attrs


def text_of(el: MirrorElement) -> str:
    """``textContent``: the text of every descendant text node."""
    return el.text_content


def inner_text(el: MirrorElement) -> str:
    """An approximation of ``innerText``: the text of the visible descendants, a line
    break for ``<br>`` and around block elements, whitespace collapsed within lines.
    (The browser's also follows the style sheets' ``display`` and ``white-space``.)"""
    parts: list[str] = []

    def walk(node: MirrorElement) -> None:
        for kid in node._kids:
            if type(kid) is str:
                parts.append(kid)
                continue
            child = cast(MirrorElement, kid)
            if not is_visible(child):
                continue
            if child._tag == "br":
                parts.append("\n")
            elif child._tag in _BLOCK:
                parts.append("\n")
                walk(child)
                parts.append("\n")
            else:
                walk(child)

    if not is_visible(el):
        return el.text_content
    walk(el)
    lines = [normalize(line) for line in "".join(parts).split("\n")]
    return "\n".join(line for line in lines if line)


def form_of(el: MirrorElement, page_root: MirrorElement) -> MirrorElement | None:
    """The form a control belongs to: its ``form`` attribute's, or its ancestor form."""
    owner = el._attrs.get("form")
    if owner is not None:
        return next((node for node in page_root.iter() if node._tag == "form" and node._attrs.get("id") == owner),
                    None)
    return next((node for node in ancestors(el) if node._tag == "form" and node is not el), None)


def is_submit_button(el: MirrorElement) -> bool:
    """Whether clicking ``el`` submits its form."""
    if el._tag == "button":
        return el._attrs.get("type", "submit").lower() not in ("button", "reset", "menu")
    return el._tag == "input" and _type(el) in ("submit", "image")


def submit_button_of(form: MirrorElement) -> MirrorElement | None:
    """The form's default button (the first submit button in it), or None."""
    return next((el for el in form.iter() if is_submit_button(el)), None)


# ---------------------------------------------------------------------- roles and names

_INPUT_ROLES = {"checkbox": "checkbox", "radio": "radio", "button": "button", "submit": "button",
                "reset": "button", "image": "button", "range": "slider", "number": "spinbutton",
                "search": "searchbox"}
_TAG_ROLES = {"button": "button", "textarea": "textbox", "h1": "heading", "h2": "heading", "h3": "heading",
              "h4": "heading", "h5": "heading", "h6": "heading", "ul": "list", "ol": "list", "li": "listitem",
              "nav": "navigation", "main": "main", "form": "form", "table": "table", "tr": "row",
              "td": "cell", "th": "columnheader", "option": "option", "img": "img", "dialog": "dialog",
              "progress": "progressbar", "article": "article", "hr": "separator"}
#: Roles whose accessible name comes from their content when nothing else names them.
_NAMED_BY_CONTENT = frozenset({"button", "link", "heading", "cell", "columnheader", "option", "listitem",
                               "row", "checkbox", "radio", "tab", "menuitem", "tooltip"})


def role_of(el: MirrorElement) -> str | None:
    """The element's ARIA role: its ``role`` attribute, else the implicit role of its
    tag (the common ones: button, link, textbox, checkbox, radio, heading, list,
    listitem, combobox, option, ...)."""
    explicit = el._attrs.get("role")
    if explicit:
        return explicit.split()[0].lower()
    if el._ns is not None:
        return None
    tag = el._tag
    if tag == "a":
        return "link" if "href" in el._attrs else None
    if tag == "input":
        kind = _type(el)
        if kind == "hidden":
            return None
        return _INPUT_ROLES.get(kind, "textbox")
    if tag == "select":
        return "listbox" if "multiple" in el._attrs or int(el._attrs.get("size", "1") or 1) > 1 else "combobox"
    return _TAG_ROLES.get(tag)


def heading_level(el: MirrorElement) -> int | None:
    """The level of a heading (``aria-level``, else the number of ``<hN>``)."""
    level = el._attrs.get("aria-level")
    if level and level.isdigit():
        return int(level)
    if len(el._tag) == 2 and el._tag[0] == "h" and el._tag[1].isdigit():
        return int(el._tag[1])
    return None


def accessible_name(el: MirrorElement, page_root: MirrorElement) -> str:
    """The accessible name, in the order the accessible-name algorithm tries:
    ``aria-labelledby``, ``aria-label``, a ``<label>`` (``for=`` or around it), the
    content for roles named by it, a button input's value, ``title``, ``placeholder``."""
    labelledby = el._attrs.get("aria-labelledby")
    if labelledby:
        texts = [normalize(node.text_content) for ident in labelledby.split()
                 for node in page_root.iter() if node._attrs.get("id") == ident]
        if any(texts):
            return " ".join(text for text in texts if text)
    label = el._attrs.get("aria-label")
    if label and label.strip():
        return normalize(label)
    if el._tag in ("input", "select", "textarea"):
        ident = el._attrs.get("id")
        labels = [node for node in page_root.iter() if node._tag == "label"
                  and ((ident and node._attrs.get("for") == ident) or (node.contains(el) and "for" not in node._attrs))]
        if labels:
            return normalize(" ".join(_label_text(node, el) for node in labels))
        if _type(el) in ("submit", "button", "reset"):
            return el._attrs.get("value") or {"submit": "Submit", "reset": "Reset"}.get(_type(el), "")
    if role_of(el) in _NAMED_BY_CONTENT:
        text = normalize(_content_name(el))
        if text:
            return text
    for name in ("title", "placeholder", "alt"):
        value = el._attrs.get(name)
        if value and value.strip():
            return normalize(value)
    return ""


def _label_text(label: MirrorElement, control: MirrorElement) -> str:
    """A label's text, without the text of the control inside it."""
    return _content_name(label, skip=control)


def _content_name(el: MirrorElement, skip: MirrorElement | None = None) -> str:
    """The name an element's content gives: its text, with the ``aria-label`` or
    ``alt`` of a child in place of the child's content; inline children run together
    (``<b>Sub</b>mit`` is "Submit"), block children are set apart by spaces."""
    parts: list[str] = []
    for kid in el._kids:
        if type(kid) is str:
            parts.append(kid)
            continue
        child = cast(MirrorElement, kid)
        if child is skip or not is_visible(child):
            continue
        label = child._attrs.get("aria-label") or (child._attrs.get("alt") if child._tag == "img" else None)
        text = label if label else _content_name(child, skip)
        parts.append(f" {text} " if child._tag in _BLOCK or label else text)
    return "".join(parts)


# ---------------------------------------------------------------------- CSS


def select_css(root: MirrorElement, selector: str) -> list[MirrorElement]:
    """The descendants of ``root`` that match a CSS selector, in tree order. The
    selectors are those ``querySelector`` supports on the model (tags, ``#id``,
    ``.class``, attributes, descendant and child combinators, lists)."""
    matches = cast(Callable[[Any], bool], compile_selector(selector))
    return [el for el in root.iter() if matches(el)]


# ---------------------------------------------------------------------- value getters

_GETTER_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z_$][\w$]*)|(?P<num>\d+)|(?P<str>'[^'\\]*'|\"[^\"\\]*\")"
                           r"|(?P<punct>[.\[\](),]))")


class _Event:
    """The parts of a DOM event a getter may read."""

    def __init__(self, event_type: str, target: MirrorElement, current: MirrorElement, init: dict):
        self.type = event_type
        self.target = target
        self.currentTarget = current
        # The fields of its kind of event, with their defaults (pageX is clientX).
        fields: dict[str, Any] = dict(EVENT_KINDS.get(event_kind(event_type) or "", {}))
        fields.update(init)
        for axis in ("X", "Y"):
            if f"page{axis}" in fields and fields[f"page{axis}"] is None:
                fields[f"page{axis}"] = fields.get(f"client{axis}", 0)
        self.init = fields
        self.default_prevented = False

    def get(self, name: str) -> Any:
        if name in ("target", "currentTarget", "type"):
            return getattr(self, name)
        if name == "defaultPrevented":
            return self.default_prevented
        if name in self.init:
            return self.init[name]
        raise KeyError(name)

    def call(self, name: str, args: list) -> Any:
        if name == "preventDefault":
            self.default_prevented = True
            return None
        if name in ("stopPropagation", "stopImmediatePropagation"):
            return None
        raise KeyError(name)


_MOUSE_EVENTS = frozenset({"click", "dblclick", "mousedown", "mouseup", "mousemove", "mouseover", "mouseout",
                           "mouseenter", "mouseleave", "contextmenu", "auxclick", "pointerdown", "pointerup",
                           "pointermove", "pointerover", "pointerout", "pointerenter", "pointerleave"})


def event_kind(event_type: str) -> str | None:
    """The kind of a DOM event (see :data:`domsync.protocol.EVENT_KINDS`) by its type,
    as the browser's event classes have it: mouse and pointer events, key events,
    wheel; None for others (input, change, submit, focus, custom events)."""
    if event_type == "wheel":
        return "wheel"
    if event_type in _MOUSE_EVENTS:
        return "mouse"
    if event_type in ("keydown", "keyup", "keypress"):
        return "key"
    return None


def _element_get(el: MirrorElement, name: str) -> Any:
    if name == "value":
        return value_of(el)
    if name == "checked":
        return checked_of(el)
    if name in ("innerText",):
        return inner_text(el)
    if name == "textContent":
        return el.text_content
    if name == "id":
        return el._attrs.get("id", "")
    if name in ("tagName", "nodeName"):
        return el._tag.upper() if el._ns is None else el._tag
    if name == "name":
        return el._attrs.get("name", "")
    if name == "type" and el._tag == "input":
        return _type(el) or "text"
    if name == "className":
        return el._attrs.get("class", "")
    if name == "dataset":
        # data-item-id is dataset.itemId, as in the browser
        return {re.sub(r"-([a-z])", lambda m: m.group(1).upper(), key[5:]): value
                for key, value in el._attrs.items() if key.startswith("data-")}
    if name == "options" and el._tag == "select":
        return options_of(el)
    if name == "selectedIndex" and el._tag == "select":
        values = [option_value(o) for o in options_of(el)]
        current = value_of(el)
        return values.index(current) if current in values else -1
    if name == "selectedOptions" and el._tag == "select":
        return [o for o in options_of(el) if option_value(o) == value_of(el)]
    if name == "parentElement":
        return el.parent
    if name == "text" and el._tag == "option":
        return normalize(el.text_content)
    if name == "length":
        raise KeyError(name)
    raise KeyError(name)


def evaluate_getter(source: str, this: MirrorElement, event: _Event) -> Any:
    """The value of a ``js_value_getter`` the common way it is written: property
    chains from ``this`` or ``event`` (``this.value``, ``event.target.checked``,
    ``event.key``, ``this.options[this.selectedIndex].value``, ``this.dataset.id``),
    ``this.getAttribute('x')``, ``event.preventDefault()``, literals, and comma lists
    of them (the last one's value).

    Raises:
        NotEmulatedError: for any other JavaScript, which only a browser can run.
    """
    tokens = [(m.lastgroup, m.group(m.lastgroup or "")) for m in _GETTER_TOKEN.finditer(source)]
    if "".join(value for _, value in tokens).replace(" ", "") != re.sub(r"\s+", "", source):
        raise _unsupported(source)
    position = 0

    def peek() -> tuple[str | None, str] | None:
        return tokens[position] if position < len(tokens) else None

    def take(expected: str | None = None) -> str:
        nonlocal position
        token = peek()
        if token is None or (expected is not None and token[1] != expected):
            raise _unsupported(source)
        position += 1
        return token[1]

    def primary() -> Any:
        token = peek()
        if token is None:
            raise _unsupported(source)
        kind, text = token
        take()
        if kind == "num":
            return int(text)
        if kind == "str":
            return text[1:-1]
        if text == "this":
            return this
        if text == "event":
            return event
        if text in ("true", "false", "null", "undefined"):
            return {"true": True, "false": False}.get(text)
        if text == "(":
            value = sequence()
            take(")")
            return value
        raise _unsupported(source)

    def chain() -> Any:
        value = primary()
        while (token := peek()) is not None and token[1] in (".", "["):
            if take() == ".":
                name = take()
                if (after := peek()) is not None and after[1] == "(":
                    take("(")
                    args = []
                    while (token := peek()) is not None and token[1] != ")":
                        args.append(sequence_item())
                        if (token := peek()) is not None and token[1] == ",":
                            take(",")
                    take(")")
                    value = _call(value, name, args, source)
                else:
                    value = _get(value, name, source)
            else:
                index = sequence()
                take("]")
                value = _get(value, index, source)
        return value

    def sequence_item() -> Any:
        return chain()

    def sequence() -> Any:
        value = sequence_item()
        while (token := peek()) is not None and token[1] == ",":
            take(",")
            value = sequence_item()
        return value

    result = sequence()
    if position != len(tokens):
        raise _unsupported(source)
    if isinstance(result, (MirrorElement, _Event, list, dict)):
        raise _unsupported(source)  # the browser would send what JSON makes of a DOM object
    return result


def _get(value: Any, name: Any, source: str) -> Any:
    try:
        if isinstance(value, _Event):
            return value.get(name)
        if isinstance(value, MirrorElement):
            return _element_get(value, name)
        if isinstance(value, list):
            if name == "length":
                return len(value)
            return value[name] if type(name) is int and 0 <= name < len(value) else None
        if isinstance(value, dict):
            return value.get(name)
        if isinstance(value, str) and name == "length":
            return len(value)
    except KeyError:
        pass
    raise _unsupported(source)


def _call(value: Any, name: str, args: list, source: str) -> Any:
    try:
        if isinstance(value, _Event):
            return value.call(name, args)
        if isinstance(value, MirrorElement):
            if name == "getAttribute" and len(args) == 1:
                return value._attrs.get(str(args[0]).lower() if value._ns is None else str(args[0]))
            if name == "hasAttribute" and len(args) == 1:
                return str(args[0]).lower() in value._attrs
        if isinstance(value, str) and name in ("trim", "toLowerCase", "toUpperCase") and not args:
            return {"trim": value.strip, "toLowerCase": value.lower, "toUpperCase": value.upper}[name]()
    except KeyError:
        pass
    raise _unsupported(source)


def _unsupported(source: str) -> NotEmulatedError:
    return NotEmulatedError(
        f"the test client cannot run the js_value_getter {source!r}: it reads the usual getters "
        f"(this.value, this.checked, event.key, this.dataset.x, this.getAttribute('x'), "
        f"event.preventDefault(), ...) but runs no other JavaScript. Read the element's state in the "
        f"callback instead (element.value, which the browser keeps in sync), or run this test in "
        f"Chromium (the domsync_chromium_page fixture)")


def class_list(el: MirrorElement) -> list[str]:
    """The element's class tokens."""
    return split_tokens(el._attrs.get("class"))
