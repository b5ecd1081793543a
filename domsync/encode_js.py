"""Ops as JavaScript statements: the default wire, and what ``render_js_*`` return.

A batch becomes statements, one per line, that read as DOM calls::

    N(0).append(E(-1,"div",0,"hello"),E(2,"p",["id","intro"]));
    N(1).setAttribute("class","big");
    N(1).textContent="bye";

The client (``client_js/domsync.js``) runs a batch with these helpers in scope (their
names are :data:`domsync.protocol.HELPERS`):

- ``N(key)``: the element the model knows by ``key`` (``0`` is the root);
- ``E(key, tag, attrs, children, props)``, ``S(...)`` and ``M(...)``: create an HTML,
  SVG or MathML element with its attributes (a flat array, ``0`` for none), children (a
  string for one text node, or an array of strings and elements) and properties
  (``value``, ``checked``, and ``on``, the event listeners), remember it as ``key`` and
  return it. A negative key ``-k`` is key ``k`` with the generated id
  ``__domsync_el_k``, which the client sets as the first attribute: the id costs no
  bytes;
- ``L(tag, keys, texts)``: create many new elements with generated ids and at most one
  text node each (the bulk form of ``E`` for long runs), returning them as an array;
- ``H(key, event, getter)``: the listener function that sends ``event`` to the server;
- ``F(key, ...)``: forget elements the model has let go of, so the browser can free them;
- ``R(root_id)``: start over: bind key 0 to the root element and empty it;
- ``V(key, name, value, seq)``: set ``value`` or ``checked`` of a form control the user
  has edited, unless the browser has made edits newer than its edit number ``seq``
  (keeping the caret where it was);
- ``D(name, payload)``: dispatch a ``domsync:<name>`` CustomEvent with the payload as
  its ``detail`` on ``document``, for page script;
- ``P(parent, markup, runs)``: append the nodes of ``markup``, parsed as a
  ``<template>``'s contents, binding its elements in document order to the keys of
  ``runs`` (``[first, count, ...]``): the ``HTML`` op, which :func:`encode` makes of
  large appends (see :mod:`domsync.encode_html`);
- ``notify``, ``download``, ``downloadUrl``, ``openUrl``, ``route`` and ``run``: the
  actions.

Every string in a batch comes from :func:`domsync.encoding.js_string`, the one encoder.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from .encode_html import markup_ops
from .encoding import _quote, js_markup, js_string, js_strings, js_value
from .protocol import (
    APPEND, APPEND_LEAVES, CHILDREN, DOWNLOAD, DOWNLOAD_URL, FORGET, HTML, INSERT,
    LISTEN, MESSAGE, MOVE, NOTIFY, OPEN_URL, REMOVE, REMOVE_ATTR, RESET, ROUTE, RUN_JS, SET_ATTR, TEXT_AT,
    SET_PROP, TEXT, UNLISTEN,
)

__all__ = ["encode", "encode_op", "node_expr", "text_statement", "text_batch"]

_CONSTRUCTORS = ("E", "S", "M")  # by namespace: HTML, SVG, MathML
_ARGS_PER_CALL = 1000  # elements per append(...) call, well under engines' argument limits

_tag_literals: dict[str, str] = {}


def _tag(tag: str) -> str:
    """``js_string(tag)``, cached: there are few distinct tags."""
    literal = _tag_literals.get(tag)
    if literal is None:
        literal = js_string(tag)
        if len(_tag_literals) < 4096:
            _tag_literals[tag] = literal
    return literal


def encode(ops: Sequence[tuple]) -> str:
    """The statements for a batch of ops, each ending with ``;`` and a line break
    (``""`` for an empty batch). Large appends go as markup
    (:func:`domsync.encode_html.markup_ops`)."""
    ops = markup_ops(ops)
    if len(ops) == 1:
        return encode_op(ops[0]) + ";\n"
    lines: list[str] = []
    i, n = 0, len(ops)
    while i < n:
        op = ops[i]
        code = op[0]
        if code == APPEND or code == APPEND_LEAVES:
            # Appends to one parent in a row make one statement (or a few, if long).
            parent = op[1]
            j = i + 1
            while j < n and (ops[j][0] == APPEND or ops[j][0] == APPEND_LEAVES) and ops[j][1] == parent:
                j += 1
            lines.append(_append_statement(parent, ops[i:j]))
            i = j
            continue
        lines.append(_ENCODERS[code](op))
        i += 1
    if not lines:
        return ""
    return ";\n".join(lines) + ";\n"


def encode_op(op: tuple) -> str:
    """One op as one statement (or a few, joined by ``;``), without the final ``;``."""
    code = op[0]
    if code == APPEND or code == APPEND_LEAVES:
        return _append_statement(op[1], (op,))
    return _ENCODERS[code](op)


def text_statement(key: int, text: str) -> str:
    """The statement of a TEXT op: ``N(key).textContent="text"``."""
    return f"N({key}).textContent={js_string(text)}"


def text_batch(key: int, text: str) -> str:
    """``encode([(TEXT, key, text)])``: the batch of one text change, the most common
    batch of all (a clock's tick, a cell update), kept fast."""
    literal = _quote(text)  # js_string, inlined
    if not literal.isascii() or "<" in literal:
        literal = js_string(text)
    return f"N({key}).textContent={literal};\n"


# ------------------------------------------------------------------ nodes


def _attrs(attrs: tuple | None) -> str:
    """A flat array ``[name, value, ...]`` (an object literal would turn an attribute
    named ``__proto__`` into a prototype), ``0`` for none."""
    if not attrs:
        return "0"
    return "[" + ",".join(map(js_string, attrs)) + "]"


def _props(props: tuple | None) -> str:
    """``{"value": ..., "checked": ..., "on": [event, spec, ...]}``, or ``''``."""
    if props is None:
        return ""
    value, checked, listeners = props
    parts = []
    if value is not None:
        parts.append('"value":' + js_string(value))
    if checked is not None:
        parts.append('"checked":' + ("true" if checked else "false"))
    if listeners:
        parts.append('"on":[' + ",".join(
            js_string(event) + "," + _listener_spec(getter, options) for event, getter, options in listeners
        ) + "]")
    return "{" + ",".join(parts) + "}" if parts else ""


def _item(item: Any) -> str:
    if type(item) is str:
        return js_string(item)
    if type(item) is int:
        return f"N({item})"
    return node_expr(item)


def node_expr(node: tuple) -> str:
    """The constructor call that creates a node and its subtree."""
    key, tag, ns, attrs, kids, props = node
    if attrs is None and props is None and ns == 0 and (kids is None or type(kids) is str):
        # The common leaf: a generated id (a negative key) and at most one text node.
        literal = _tag_literals.get(tag) or _tag(tag)
        if kids is None:
            return f"E({key},{literal})"
        return f"E({key},{literal},0,{js_string(kids)})"
    if kids is None:
        children = None
    elif type(kids) is str:
        children = js_string(kids)
    elif kids:
        children = "[" + ",".join(map(_item, kids)) + "]"
    else:
        children = None
    args = f"{_CONSTRUCTORS[ns]}({key},{_tag(tag)}"
    props_literal = _props(props)
    if attrs or children is not None or props_literal:
        args += "," + _attrs(attrs)
    if children is not None or props_literal:
        args += "," + (children if children is not None else "0")
    if props_literal:
        args += "," + props_literal
    return args + ")"


def _append_statement(parent: int, ops: Sequence[tuple]) -> str:
    """Statements that append the new elements of APPEND and APPEND_LEAVES ops to
    ``parent``: ``appendChild`` for one element, ``append(...)`` calls of at most
    :data:`_ARGS_PER_CALL` elements otherwise; APPEND_LEAVES become
    ``...L(tag, keys, texts)``."""
    pieces: list[tuple[int, str]] = []  # (number of elements, expression)
    for op in ops:
        if op[0] == APPEND:
            pieces.extend([(1, node_expr(item) if type(item) is tuple else _item(item)) for item in op[2]])
            continue
        tag, keys, texts = _tag(op[2]), op[3], op[4]
        for start in range(0, len(keys), _ARGS_PER_CALL):
            run = keys[start:start + _ARGS_PER_CALL]
            listed = ",".join(map(str, run))
            pieces.append((len(run), f"...L({tag},[{listed}],{js_strings(texts[start:start + _ARGS_PER_CALL])})"))
    head = f"N({parent})"
    if len(pieces) == 1 and pieces[0][0] == 1 and pieces[0][1][0] != '"':  # a text needs append
        return f"{head}.appendChild({pieces[0][1]})"
    statements: list[str]
    call: list[str]
    statements, call, count = [], [], 0
    for size, expr in pieces:
        if call and count + size > _ARGS_PER_CALL:
            statements.append(f"{head}.append(" + ",".join(call) + ")")
            call, count = [], 0
        call.append(expr)
        count += size
    statements.append(f"{head}.append(" + ",".join(call) + ")")
    return ";\n".join(statements)


# ------------------------------------------------------------------ other ops


def _listener_spec(getter: str | None, options: dict | None) -> str:
    """How the client should listen: the value getter's source (or null), or, with
    options, ``{"get": ..., "prevent": true, "stop": true, "debounce": ms, "throttle": ms}``."""
    get = "null" if getter is None else js_string(getter)
    if not options:
        return get
    # The option names are domsync's own (checked by addEventListener): plain keys.
    return '{"get":' + get + "".join(f',"{name}":{js_value(value)}' for name, value in options.items()) + "}"


def _listen(op: tuple) -> str:
    key, event = op[1], js_string(op[2])
    return f"N({key}).addEventListener({event},H({key},{event},{_listener_spec(op[3], op[4])}))"


def _unlisten(op: tuple) -> str:
    key, event = op[1], js_string(op[2])
    return f"N({key}).removeEventListener({event},H({key},{event}))"


def _insert(op: tuple) -> str:
    return f"N({op[1]}).insertBefore({node_expr(op[2])},N({op[3]}))"


def _move(op: tuple) -> str:
    if op[3] is None:
        return f"N({op[2]}).appendChild(N({op[1]}))"
    return f"N({op[2]}).insertBefore(N({op[1]}),N({op[3]}))"


def _set_prop(op: tuple) -> str:
    _, key, name, value, seq, origin = op
    literal = js_string(value) if type(value) is str else ("true" if value else "false")
    if seq is None:
        return f"N({key}).{name}={literal}"
    # The user has edited this control: V applies the value only if the browser has
    # sent nothing newer than edit number seq, so no keystroke is ever overwritten.
    # With several browsers (a shared document), the number is the one of the browser
    # that made the edit (origin); the others apply the value as it is.
    if origin is None:
        return f"V({key},{js_string(name)},{literal},{seq})"
    return f"V({key},{js_string(name)},{literal},{seq},{js_string(origin)})"


def _call(name: str) -> Callable[[tuple], str]:
    """The encoder of an action op: a call of ``name`` with the op's fields."""
    def encode_action(op: tuple) -> str:
        return name + "(" + ",".join(map(js_value, op[1:])) + ")"
    return encode_action


_ENCODERS: dict[int, Callable[[tuple], str]] = {
    RESET: lambda op: f"R({js_string(op[1])})",
    INSERT: _insert,
    MOVE: _move,
    REMOVE: lambda op: f"N({op[1]}).remove()",
    SET_ATTR: lambda op: f"N({op[1]}).setAttribute({js_string(op[2])},{js_string(op[3])})",
    REMOVE_ATTR: lambda op: f"N({op[1]}).removeAttribute({js_string(op[2])})",
    TEXT: lambda op: text_statement(op[1], op[2]),
    CHILDREN: lambda op: f"N({op[1]}).replaceChildren(" + ",".join(map(_item, op[2])) + ")",
    SET_PROP: _set_prop,
    LISTEN: _listen,
    UNLISTEN: _unlisten,
    FORGET: lambda op: "F(" + ",".join(map(str, op[1])) + ")",
    MESSAGE: _call("D"),
    NOTIFY: _call("notify"),
    DOWNLOAD: _call("download"),
    DOWNLOAD_URL: _call("downloadUrl"),
    OPEN_URL: _call("openUrl"),
    ROUTE: _call("route"),
    RUN_JS: _call("run"),
    TEXT_AT: lambda op: f"T({op[1]},{'null' if op[2] is None else op[2]},{js_string(op[3])})",
    HTML: lambda op: f"P({op[1]},{js_markup(op[2])},[{','.join(map(str, op[3]))}]"
                     + (f",[{','.join(map(str, op[4]))}])" if len(op) > 4 else ")"),
}
