"""The wire protocol: every op code and message type, both directions, in one place.

A :class:`~domsync.Document` records each change as an *op*: a tuple whose first item
is one of the op codes below and whose other items are plain data (ints, strings,
``None``, tuples and dicts of them). A batch is a list of ops. The encoders turn a
batch into JavaScript statements (:mod:`domsync.encode_js`, the default wire) or into a
JSON list (:mod:`domsync.encode_json`); :mod:`domsync.mirror` applies a batch to a plain
tree exactly as the browser client does.

Elements are named by *key*, a number the document gives each element; ``0`` is the
root. A new element travels as a *node*::

    (key, tag, namespace, attributes, children, properties)

- ``key``: negative when the element has the generated id ``__domsync_el_<-key>``,
  which the receiver sets as its first attribute (so the id itself is never sent);
- ``namespace``: :data:`NS_HTML`, :data:`NS_SVG` or :data:`NS_MATHML`;
- ``attributes``: ``None`` or a flat tuple ``(name, value, name, value, ...)``;
- ``children``: ``None``, a ``str`` (one text node), or a tuple of *items*;
- ``properties``: ``None`` or ``(value, checked, listeners)``: the live ``value``
  (``None`` if not set), ``checked`` (``None`` if not set) and ``None`` or a tuple of
  listeners ``(event, getter, options)``.

An *item* is a ``str`` (a text node), an ``int`` (the key of an element the browser
already has, moved here) or a node.

The browser sends JSON objects (see :data:`INBOUND`). The JavaScript client reads the
constants it needs from a generated section of ``client_js/domsync.js``, written by
``python scripts/protocol_js.py``; a test checks that the two agree.
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = [
    "PROTOCOL_VERSION", "AUTO_ID_PREFIX", "OP_NAMES", "HELPERS", "INBOUND", "EVENT_KINDS",
    "WEBSOCKET_PATH", "DOWNLOAD_PATH", "WORKER_PARAMETER", "js_constants", "js_constants_in", "write_js_constants",
]

#: Bumped whenever a change to this module would break a client of the previous one.
PROTOCOL_VERSION = 4

#: Generated ids are this, then the element's key: ``__domsync_el_7`` (as in 0.1.2).
AUTO_ID_PREFIX = "__domsync_el_"

# Namespaces of nodes.
NS_HTML = 0
NS_SVG = 1
NS_MATHML = 2

# ------------------------------------------------------------------ ops: server -> browser

RESET = 0  # (RESET, root_id): bind key 0 to the root element and empty it
APPEND = 1  # (APPEND, parent, items): append texts and new elements
APPEND_LEAVES = 2  # (APPEND_LEAVES, parent, tag, keys, texts): new HTML elements with
#                    generated ids and at most one text node each (None for none)
INSERT = 3  # (INSERT, parent, node, ref): insert a new element before child ref
MOVE = 4  # (MOVE, key, parent, ref or None): move an element the browser has
REMOVE = 5  # (REMOVE, key): take an element out of its parent
SET_ATTR = 6  # (SET_ATTR, key, name, value)
REMOVE_ATTR = 7  # (REMOVE_ATTR, key, name)
TEXT = 8  # (TEXT, key, text): replace all children by one text node ("" for none)
CHILDREN = 9  # (CHILDREN, key, items): replace all children
SET_PROP = 10  # (SET_PROP, key, name, value, seq, origin): set "value" or "checked";
#                with the number seq of the user's edit it answers (or None) and the
#                browser that made that edit (origin, or None for this one)
LISTEN = 11  # (LISTEN, key, event, getter, options): send event to the server
UNLISTEN = 12  # (UNLISTEN, key, event)
FORGET = 13  # (FORGET, keys): the model let go of these elements
# Actions: what the page does besides changing the DOM.
MESSAGE = 14  # (MESSAGE, name, payload): a domsync:<name> CustomEvent on document
NOTIFY = 15  # (NOTIFY, type, title, message)
DOWNLOAD = 16  # (DOWNLOAD, file_name, mime_type, base64): save a small file
DOWNLOAD_URL = 17  # (DOWNLOAD_URL, token, file_name, mime_type, size): fetch and save
OPEN_URL = 18  # (OPEN_URL, url): open in a new tab
ROUTE = 19  # (ROUTE, hash, seq, replace): show a route in the URL hash
RUN_JS = 20  # (RUN_JS, code): run page script (the JS wire only)
TEXT_AT = 21  # (TEXT_AT, parent, ref or None, text): replace the text nodes just before
#               child ref (at the end for None) by one text node (none for ""): text
#               nodes have no key, so they are named by the element that follows them
HTML = 22  # (HTML, parent, markup, runs): append the nodes of markup, parsed as a
#            <template>'s contents, binding its elements in document order to the keys
#            of runs, a flat tuple (first, count, first, count...) of runs of consecutive
#            keys (a negative first: keys -first, -first + 1... of elements whose
#            generated id the receiver sets, in an empty first id attribute if they
#            have other attributes); only markup the
#            parser builds exactly as the model has it (see domsync.encode_html), on the
#            JavaScript wire. In the boot data of a prerendered page (domsync.prerender)
#            markup is null (the nodes are already in the page, under parent), and a
#            fifth field may list the keys of tables whose rows the markup holds in a
#            <template> in the table: the receiver first moves them into the table

#: Op code -> name, for logs and docs.
OP_NAMES = {
    RESET: "RESET", APPEND: "APPEND", APPEND_LEAVES: "APPEND_LEAVES", INSERT: "INSERT",
    MOVE: "MOVE", REMOVE: "REMOVE", SET_ATTR: "SET_ATTR", REMOVE_ATTR: "REMOVE_ATTR",
    TEXT: "TEXT", CHILDREN: "CHILDREN", SET_PROP: "SET_PROP", LISTEN: "LISTEN",
    UNLISTEN: "UNLISTEN", FORGET: "FORGET", MESSAGE: "MESSAGE", NOTIFY: "NOTIFY",
    DOWNLOAD: "DOWNLOAD", DOWNLOAD_URL: "DOWNLOAD_URL", OPEN_URL: "OPEN_URL", ROUTE: "ROUTE",
    RUN_JS: "RUN_JS", TEXT_AT: "TEXT_AT", HTML: "HTML",
}
#: The ops that are actions (not DOM changes).
ACTIONS = frozenset({MESSAGE, NOTIFY, DOWNLOAD, DOWNLOAD_URL, OPEN_URL, ROUTE, RUN_JS})

#: The functions a JavaScript batch calls, in the order ``domsync.apply`` passes them:
#: ``N`` finds an element by key, ``E``/``S``/``M`` create an HTML/SVG/MathML element,
#: ``L`` creates a run of leaves, ``H`` makes a listener, ``F`` forgets keys, ``R``
#: resets, ``D`` dispatches a message, ``V`` sets a form value, ``T`` sets the text
#: nodes before a child (TEXT_AT), ``P`` parses markup (HTML); the others are the actions.
#: See :mod:`domsync.encode_js`.
HELPERS = ("N", "E", "S", "M", "L", "H", "F", "R", "D", "V", "notify", "download",
           "downloadUrl", "openUrl", "route", "run", "T", "P")

# Batches are numbered 1, 2, 3... in the order a session sends them. A browser that
# speaks the resume protocol (it connects with ?v=2 or later) gets them as
# "<number> <in>\n<JavaScript>", and JSON control frames (the welcome) that start with
# "{"; see domsync/resume.py. A client without ?v= gets the bare JavaScript, as before.

# ------------------------------------------------------------------ browser -> server

#: The ``type`` of each message the browser sends. A message without ``type`` is an
#: event (domsync 0.1.2's form: ``{"domsync": true, "event": ..., "id": ..., "value": ...}``).
EVENT = "event"
SYNC = "sync"  # a form control's state after the user edited it (two-way binding)
NAMED = "message"  # domsync.send(name, payload) from page script
ROUTE_REPORT = "route"  # the URL hash changed in the browser
ERROR = "error"  # the client failed to apply a batch, run a getter or run_js
HELLO = "hello"  # the first frame of a connection: {token, batch} (the resume protocol)
ACK = "ack"  # {a}: the browser applied every batch up to a (when it has nothing else to send)
BYE = "bye"  # the page is unloading: a reload, a closed tab or a navigation away
INBOUND = (EVENT, SYNC, NAMED, ROUTE_REPORT, ERROR, HELLO, ACK, BYE)
# Every message of a resuming browser carries "a", the last batch it applied, and all
# but hello, ack and bye carry "q", its own number for the message (1, 2, 3...), which
# the server uses to drop a message it already has (one sent again after a resume).

#: A value getter a strict page accepts (see :mod:`domsync.csp`): ``this`` (the element)
#: or ``event``, then property names: ``this.value``, ``event.target.dataset.id``. The
#: client reads it property by property; names starting with ``__`` are refused too.
GETTER_PATH = r"(?:this|event)(?:\.[A-Za-z_$][A-Za-z0-9_$]*)+"
#: Property names a getter path may not name: they lead away from the element and the
#: event, to the document or the window, or to constructors.
GETTER_PATH_REFUSED = ("constructor", "prototype", "ownerDocument", "defaultView", "view", "getRootNode",
                       "parentWindow", "opener", "top", "parent", "frames", "self", "window", "globalThis")

#: Where an error the browser reports happened.
ERROR_SOURCES = ("batch", "js_value_getter", "run_js", "download", "send")

#: What an event message's ``detail`` carries, by the kind of DOM event: the browser
#: sends ``kind`` and only the fields whose value differs from the default here, and
#: :class:`~domsync.DomEvent` fills in the rest. ``pageX``/``pageY`` default to
#: ``clientX``/``clientY`` (a page that is not scrolled).
_MODIFIERS = {"altKey": False, "ctrlKey": False, "metaKey": False, "shiftKey": False}
_POINTER = {"clientX": 0, "clientY": 0, "pageX": None, "pageY": None, "offsetX": 0, "offsetY": 0,
            "button": 0, "buttons": 0}
EVENT_KINDS: dict[str, dict[str, object]] = {
    "modifiers": dict(_MODIFIERS),
    "key": {"key": "", "code": "", "repeat": False, **_MODIFIERS},
    "mouse": {**_MODIFIERS, **_POINTER},
    "wheel": {**_MODIFIERS, **_POINTER, "deltaX": 0, "deltaY": 0},
}

# ------------------------------------------------------------------ HTTP

#: The websocket's path, relative to the page.
WEBSOCKET_PATH = "ws"
#: Large downloads: this, then the download's token (a websocket of its own).
DOWNLOAD_PATH = "_domsync/download/"
#: The query parameter that names the worker process holding a session (see
#: :doc:`/howto/scale`): the page puts the worker id its welcome gave into every later
#: websocket and download URL, for a proxy to route on.
WORKER_PARAMETER = "worker"


# ------------------------------------------------------------------ the JavaScript side

_BEGIN = "// BEGIN GENERATED PROTOCOL (python scripts/protocol_js.py; do not edit)"
_END = "// END GENERATED PROTOCOL"


def js_constants() -> str:
    """The generated section of ``client_js/domsync.js``: this module's constants as
    JavaScript ``const`` declarations."""
    constants = {
        "PROTOCOL_VERSION": PROTOCOL_VERSION,
        "AUTO_ID_PREFIX": AUTO_ID_PREFIX,
        "HELPERS": list(HELPERS),
        # The op codes, for the applier of the JSON wire (name -> code).
        "OP": {name: code for code, name in OP_NAMES.items()},
        "MSG": {"SYNC": SYNC, "NAMED": NAMED, "ROUTE": ROUTE_REPORT, "ERROR": ERROR, "HELLO": HELLO,
                "ACK": ACK, "BYE": BYE},
        "EVENT_KINDS": {kind: {name: default for name, default in fields.items() if default is not None}
                        for kind, fields in EVENT_KINDS.items()},
        "WEBSOCKET_PATH": WEBSOCKET_PATH,
        "DOWNLOAD_PATH": DOWNLOAD_PATH,
        "WORKER_PARAMETER": WORKER_PARAMETER,
        "GETTER_PATH": GETTER_PATH,
        "GETTER_PATH_REFUSED": list(GETTER_PATH_REFUSED),
    }
    lines = [_BEGIN]
    for name, value in constants.items():
        lines.append(f"  const {name} = {json.dumps(value, separators=(', ', ': '))};")
    lines.append("  " + _END)
    return "\n".join(lines)


def _generated_section(source: str) -> tuple[int, int]:
    start = source.index(_BEGIN)
    end = source.index(_END, start) + len(_END)
    return start, end


def write_js_constants(path: Path) -> bool:
    """Rewrite the generated section of the client at ``path``; True if it changed."""
    source = path.read_text(encoding="utf-8")
    start, end = _generated_section(source)
    updated = source[:start] + js_constants().lstrip() + source[end:]
    if updated == source:
        return False
    path.write_text(updated, encoding="utf-8")
    return True


def js_constants_in(source: str) -> str:
    """The generated section as it stands in a client's source."""
    start, end = _generated_section(source)
    return source[start:end]

