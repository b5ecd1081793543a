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
- ``R(root_id)``: start over: bind key 0 to the root element and empty it;
- ``V(key, name, value, seq)``: set ``value`` or ``checked`` of a form control the user
  has edited, unless the browser has made edits newer than its edit number ``seq``
  (keeping the caret where it was);
- ``D(name, payload)``: dispatch a ``domsync:<name>`` CustomEvent with the payload as
  its ``detail`` on ``document``, for page script.

Every string in a batch comes from :func:`domsync.encoding.js_string`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .element import AUTO_ID_PREFIX
from .encoding import js_string, js_strings, js_value
from .ops import ATTR, DISPATCH, KIDS, LEAF, LISTEN, MAT, MOVE, PROP, REMOVE, START, TEXT

if TYPE_CHECKING:  # pragma: no cover
    from .element import Element

__all__ = ["node", "tag_literal", "element_expr", "attrs_literal", "props_literal",
           "append_statement", "listen_statement", "render_op"]

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
            js_string(event) + "," + listener_spec(entry) for event, entry in listeners.items()
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


_LEAF_RUN = 8  # from this many new leaves in a row on, render them with one L(...) call
_ARGS_PER_CALL = 1000  # elements per append(...) call, well under engines' argument limits


def leaf_text(el: Element) -> str | None:
    """The text a leaf had when it was attached: later changes to it are operations of
    their own, which only add elements after that first text node or replace it."""
    kids = el._kids
    if kids is None or type(kids) is str:
        return kids
    return kids[0] if kids and type(kids[0]) is str else None


def leaf_expr(el: Element) -> str:
    text = leaf_text(el)
    key = str(el._key)
    tag = tag_literal(el._tag)
    if text is None:
        return f'E({key},{tag},["id","{AUTO_ID_PREFIX}{key}"])'
    return f'E({key},{tag},["id","{AUTO_ID_PREFIX}{key}"],{js_string(text)})'


def append_statement(parent: Element, items: list) -> str:
    """Statements that append ``items`` to ``parent``: rendered constructor calls, and
    runs (lists) of new leaves of one tag; long runs become ``...L(tag, keys, texts)``."""
    pieces: list[tuple[int, str]] = []  # (number of elements, expression)
    for item in items:
        if type(item) is str:
            pieces.append((1, item))
        elif len(item) < _LEAF_RUN:
            pieces.extend((1, leaf_expr(el)) for el in item)
        else:
            tag = tag_literal(item[0]._tag)
            for start in range(0, len(item), _ARGS_PER_CALL):
                run = item[start:start + _ARGS_PER_CALL]
                keys = ",".join([str(el._key) for el in run])
                texts = js_strings([k if (k := el._kids) is None or type(k) is str
                                    else leaf_text(el) for el in run])
                pieces.append((len(run), f"...L({tag},[{keys}],{texts})"))
    head = node(parent)
    if len(pieces) == 1 and pieces[0][0] == 1:
        return f"{head}.appendChild({pieces[0][1]})"
    statements, call, count = [], [], 0
    for size, expr in pieces:
        if call and count + size > _ARGS_PER_CALL:
            statements.append(f"{head}.append(" + ",".join(call) + ")")
            call, count = [], 0
        call.append(expr)
        count += size
    statements.append(f"{head}.append(" + ",".join(call) + ")")
    return ";\n".join(statements)


def listener_spec(entry: tuple) -> str:
    """How the client should listen: the value getter's source (or null), or, with
    options, ``{"get": ..., "prevent": true, "stop": true, "debounce": ms, "throttle": ms}``."""
    _callback, getter, options = entry
    if not options:
        return "null" if getter is None else js_string(getter)
    return js_value({"get": getter, **options})


def listen_statement(el: Element, event: str, entry: tuple) -> str:
    ev = js_string(event)
    return f"N({el._key}).addEventListener({ev},H({el._key},{ev},{listener_spec(entry)}))"


def render_op(op: tuple) -> str:
    kind = op[0]
    if kind == TEXT:
        return f"N({op[1]._key}).textContent={js_string(op[2])}"
    if kind == LEAF:
        return append_statement(op[2], [[op[1]]])
    if kind == DISPATCH:
        return op[2]
    if kind == START:
        return f"R({js_string(op[1]._doc._root_id)})"
    if kind == ATTR:
        if op[3] is None:
            return f"N({op[1]._key}).removeAttribute({js_string(op[2])})"
        return f"N({op[1]._key}).setAttribute({js_string(op[2])},{js_string(op[3])})"
    if kind == MAT:
        return f"{node(op[2])}.insertBefore({op[4]},{node(op[3])})"
    if kind == MOVE:
        if op[3] is None:
            return f"{node(op[2])}.appendChild({node(op[1])})"
        return f"{node(op[2])}.insertBefore({node(op[1])},{node(op[3])})"
    if kind == REMOVE:
        return f"{node(op[1])}.remove()"
    if kind == KIDS:
        return node(op[1]) + op[2]
    if kind == PROP:
        el, name, value = op[1], op[2], op[3]
        literal = js_string(value) if type(value) is str else ("true" if value else "false")
        seq = el._props.get("seq") if el._props else None
        if seq is None:
            return f"{node(el)}.{name}={literal}"
        # The user has edited this control: V applies the value only if the browser has
        # sent nothing newer than edit number seq, so no keystroke is ever overwritten.
        # With several browsers (a shared document), the number is the one of the
        # browser that made the edit (origin); the others apply the value as it is.
        origin = el._props.get("origin")
        if origin is None:
            return f"V({el._key},{js_string(name)},{literal},{seq})"
        return f"V({el._key},{js_string(name)},{literal},{seq},{js_string(origin)})"
    if kind == LISTEN:
        el, event, entry = op[1], op[2], op[3]
        if entry is None:
            ev = js_string(event)
            return f"N({el._key}).removeEventListener({ev},H({el._key},{ev}))"
        return listen_statement(el, event, entry)
    raise AssertionError(f"unknown operation {op!r}")  # pragma: no cover
