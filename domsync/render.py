"""Rendering recorded changes as JavaScript statements.

A rendered batch is a sequence of statements, one per line, that read as DOM calls::

    N(0).append(E(1,"div",{"id":"__domsync_el_1"},"hello"));
    N(1).setAttribute("class","big");
    N(1).textContent="bye";

The batch runs in the browser with these helpers from ``client_js/domsync.js`` in scope:

- ``N(key)``: the element the model knows by ``key`` (``0`` is the root);
- ``E(key, tag, attrs, children, props)``, ``S(...)`` and ``M(...)``: create an HTML,
  SVG or MathML element with its attributes, children (a string for one text node, or
  an array of strings and elements) and properties (``value``, ``checked``, and ``on``,
  the event listeners), remember it as ``key`` and return it;
- ``L(tag, keys, texts)``: create many new elements with generated ids and at most one
  text node each (the bulk form of ``E`` for long runs), returning them as an array;
- ``H(key, event, getter)``: the listener function that sends ``event`` to the server;
- ``F(key, ...)``: forget elements the model has let go of, so the browser can free them;
- ``R(root_id)``: start over: bind key 0 to the root element and empty it.

Every string in a batch comes from :func:`domsync.encoding.js_string`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .encoding import js_string

if TYPE_CHECKING:  # pragma: no cover
    from .element import Element

__all__ = ["node", "tag_literal", "element_expr", "attrs_literal", "props_literal"]

_CONSTRUCTORS = {None: "E", "http://www.w3.org/2000/svg": "S", "http://www.w3.org/1998/Math/MathML": "M"}


def node(element: "Element") -> str:
    """The expression for an element the browser already has: ``N(key)``."""
    return f"N({element._key})"


def attrs_literal(attrs: dict[str, str] | None) -> str:
    """A flat JavaScript array ``[name, value, ...]`` for an attribute dict, ``0`` if
    there is none. (An object literal would turn an attribute named ``__proto__`` into
    a prototype.)"""
    if not attrs:
        return "0"
    return "[" + ",".join(js_string(k) + "," + js_string(v) for k, v in attrs.items()) + "]"


def props_literal(props: dict | None) -> str:
    """A JavaScript object literal for ``value``, ``checked`` and listeners, or ``''``."""
    if not props:
        return ""
    parts = []
    value = props.get("value")
    if value is not None:
        parts.append('"value":' + js_string(value))
    if "checked" in props:
        parts.append('"checked":' + ("true" if props["checked"] else "false"))
    listeners = props.get("on")
    if listeners:
        parts.append('"on":[' + ",".join(
            js_string(event) + "," + ("null" if getter is None else js_string(getter))
            for event, (_callback, getter) in listeners.items()
        ) + "]")
    return "{" + ",".join(parts) + "}" if parts else ""


_tag_literals: dict[str, str] = {}


def tag_literal(tag: str) -> str:
    """``js_string(tag)``, cached: there are few distinct tags."""
    literal = _tag_literals.get(tag)
    if literal is None:
        literal = js_string(tag)
        if len(_tag_literals) < 4096:
            _tag_literals[tag] = literal
    return literal


def element_expr(element: "Element", children: list[str] | str | None) -> str:
    """The constructor call that creates ``element`` with already-rendered children.

    ``children`` is a list of rendered child expressions (text literals, ``N(..)`` or
    constructor calls), one rendered text literal, or ``None``.
    """
    args = [str(element._key), tag_literal(element._tag)]
    props = props_literal(element._props)
    attrs = element._attr_view()
    if children is not None and type(children) is not str:
        children = "[" + ",".join(children) + "]" if children else None
    if attrs or children is not None or props:
        args.append(attrs_literal(attrs))
    if children is not None or props:
        args.append(children if children is not None else "0")
    if props:
        args.append(props)
    return _CONSTRUCTORS[element._ns] + "(" + ",".join(args) + ")"
