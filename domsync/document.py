"""The :class:`Document`: a browser page's DOM, kept in Python.

The document is a pure state machine, in the manner of the websockets protocol object:
mutations go in through the element API, rendered JavaScript comes out of
:meth:`Document.render_js_updates`, and event messages from the browser go in through
:meth:`Document.handle_event`. It does no I/O and knows nothing of sockets or asyncio.

How changes are recorded
------------------------

The browser holds exactly the elements the model has *materialised*: those attached
under the root at the last render, plus those attached since. An element that is
created but not yet attached costs nothing on the wire: when it is attached, its whole
subtree goes out as one constructor call built from its current state. Changes to
elements the browser holds are recorded as operations in the outbox, where

- setting a property to its current value records nothing;
- a later change of the same attribute or property replaces the earlier one;
- work on elements that were created and removed again before the render is dropped;
- elements that left the page are forgotten by the browser after the render, and
  rebuilt from the model if they are attached again.
"""

from __future__ import annotations

import contextlib
import logging
import re
from typing import Any, Callable

from itertools import chain

from . import encode_js, names
from .actions import Actions
from .element import AUTO_ID, AUTO_ID_PREFIX, FRESH, IMPLICIT_ID, LIVE, Element
from .exceptions import (
    DuplicateIdError,
    HierarchyError,
    InvalidNameError,
    NotFoundError,
    WrongTypeError,
)
from .logs import brief
from .names import HTML_NAMESPACE, MATHML_NAMESPACE, SVG_NAMESPACE, check_str
from .protocol import (
    ACTIONS, APPEND, APPEND_LEAVES, CHILDREN, FORGET, INSERT, LISTEN, MOVE, NS_HTML, NS_MATHML,
    NS_SVG, REMOVE, REMOVE_ATTR, RESET, SET_ATTR, SET_PROP, TEXT, UNLISTEN,
)

__all__ = ["Document", "DomEvent"]

logger = logging.getLogger("domsync.document")

_AUTO_ID = re.compile(re.escape(AUTO_ID_PREFIX) + r"([0-9]+)\Z")

_FORM_CONTROLS = frozenset({"input", "textarea", "select"})

_HTML_TAGS = names.html_tag_cache
_text_batch = encode_js.text_batch
_NAMESPACES = {None: NS_HTML, SVG_NAMESPACE: NS_SVG, MATHML_NAMESPACE: NS_MATHML}


# What a DomEvent takes from the browser's event, and the types it accepts for each.
_DETAIL_FIELDS = {
    "key": str, "code": str, "repeat": bool,
    "altKey": bool, "ctrlKey": bool, "metaKey": bool, "shiftKey": bool,
    "clientX": (int, float), "clientY": (int, float), "pageX": (int, float), "pageY": (int, float),
    "offsetX": (int, float), "offsetY": (int, float), "button": int, "buttons": int,
    "checked": bool, "selected": list, "deltaX": (int, float), "deltaY": (int, float),
}


class DomEvent(dict):
    """What an event callback gets: the domsync 0.1.2 message dict, with attributes.

    As in 0.1.2: ``event["event"]`` (the type), ``event["id"]`` (the element's id),
    ``event["value"]`` (the ``js_value_getter`` result, or ``None``), ``event["doc"]``.
    Also ``event["element"]``, and, where the browser's event has them: ``key``,
    ``code``, ``repeat`` and the modifiers ``altKey``, ``ctrlKey``, ``metaKey``,
    ``shiftKey``; ``clientX``/``clientY``/``pageX``/``pageY``/``offsetX``/``offsetY``,
    ``button``, ``buttons``; ``deltaX``/``deltaY`` (wheel); ``checked``, and
    ``selected`` (the values of the selected options of a select). Every key is also an
    attribute (``event.key``); a key the browser's event did not have is ``None``.
    The values come from the browser: they are checked for type, not for sense.
    """

    def __init__(self, event: str, element: "Element", value: Any, document: "Document", detail: Any):
        super().__init__(domsync=True, event=event, id=element.id, value=value, doc=document,
                         element=element)
        if isinstance(detail, dict):
            for name, kind in _DETAIL_FIELDS.items():
                item = detail.get(name)
                if isinstance(item, kind) and not (kind is int and type(item) is bool):
                    if name == "selected" and not all(type(v) is str for v in item):
                        continue
                    self[name] = item

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self.get(name)


class Document(Actions):
    """A browser page's DOM, kept in Python; every change renders to JavaScript.

    Args:
        root_id: the id of the element in the page under which the document lives.
            The page's server puts an element with this id in the page.

    Example:
        >>> from domsync import Document
        >>> doc = Document("app")
        >>> hello = doc.createElement("p", innerText="Hello")
        >>> _ = doc.getRootElement().appendChild(hello)
        >>> print(doc.render_js_updates(), end="")
        R("app");
        N(0).appendChild(E(1,"p",["id","__domsync_el_1"],"Hello"));
    """

    # The class of its elements, and a lock that is none: see threadsafe.LockedDocument.
    _element_class = Element
    _lock: Any = contextlib.nullcontext()
    # True for a document that several browsers show: form state one browser sends is
    # passed on to the others (see _absorb_state).
    _echo_state = False

    def __init__(self, root_id: str = "domsync_root_id"):
        check_str(root_id, "root_id")
        if not root_id:
            raise InvalidNameError("root_id cannot be empty")
        self._root_id = root_id
        self._next_key = 1
        self._root = self._element_class(self, 0, "div", None, LIVE)
        self._root._attrs = {"id": root_id}
        self._ids: dict[str, Element] = {root_id: self._root}
        self._listening: dict[int, Element] = {}
        # Elements with a generated id that were created since the last render: how
        # getElementById finds them before they are attached. Pruned at each render.
        self._fresh_auto: list[Element] = []
        self._reset_outbox()
        self._outbox.append((RESET, self._root))
        self._init_actions()

    def _prune_fresh(self) -> None:
        """Forget fresh elements that are in the page now (the tree finds them) or were
        dropped; keep those still waiting to be attached."""
        self._fresh_auto = [el for el in self._fresh_auto
                            if not el._flags & LIVE and self._is_findable(el)]

    def _reset_outbox(self) -> None:
        # New containers rather than clear(): the render loop may still hold the old list.
        self._outbox: list[tuple | None] = []
        # (element, kind, name) -> index of the last setter op, so a later one replaces it
        self._last_setter: dict[tuple, int] = {}
        # CHILDREN ops (by index) replaced by a later TEXT or CHILDREN op on the same element;
        # filled at render time by _coalesce_children
        self._superseded: set[int] = set()
        # elements the browser has that were detached in this batch
        self._detached: list[Element] = []
        # where the outbox's ops since the last action (see _freeze_leaves) begin
        self._barrier = 0

    def __repr__(self) -> str:
        return f"<Document root_id={self._root_id!r} pending={sum(op is not None for op in self._outbox)}>"

    # ------------------------------------------------------------------ public API

    def getRootId(self) -> str:
        """The id of the root element, as passed to the constructor."""
        return self._root_id

    def getRootElement(self) -> Element:
        """The root element: the page element that has the root id."""
        return self._root

    @property
    def root(self) -> Element:
        """The root element (same as :meth:`getRootElement`)."""
        return self._root

    def createElement(
        self,
        tagName: str,
        id: str | None = None,
        innerText: str | None = None,
        value: str | None = None,
        attributes: dict[str, str] | None = None,
    ) -> Element:
        """Create an HTML element that is not yet in the page; attach it with
        :meth:`Element.appendChild`.

        Any valid tag name works, including custom elements such as ``my-widget``. For
        SVG and MathML use :meth:`createElementNS`.

        Args:
            tagName: the tag name, e.g. ``'div'``; lower-cased as in the browser.
            id: the element's id. Without it, the element gets a generated id
                ``__domsync_el_<n>``, as in domsync 0.1.2.
            innerText: sets :attr:`Element.innerText`.
            value: sets :attr:`Element.value`.
            attributes: a dict of attributes to set.

        Raises:
            InvalidNameError: if the tag or an attribute name is not valid.
            WrongTypeError: if an argument has the wrong type.
            DuplicateIdError: if another element of this document has ``id``.
        """
        tag = _HTML_TAGS.get(tagName) if type(tagName) is str else None
        if tag is None:
            tag = names.check_tag_name(tagName, HTML_NAMESPACE)
        if id is None and innerText is None and value is None and attributes is None:
            key = self._next_key  # the common case, kept fast
            self._next_key = key + 1
            el = self._element_class(self, key, tag, None, FRESH | AUTO_ID | IMPLICIT_ID)
            self._fresh_auto.append(el)
            return el
        return self._create(tag, None, id, innerText, value, attributes)

    def createElementNS(
        self,
        namespace: str,
        qualifiedName: str,
        id: str | None = None,
        innerText: str | None = None,
        value: str | None = None,
        attributes: dict[str, str] | None = None,
    ) -> Element:
        """Create an element in a namespace: :data:`domsync.SVG_NAMESPACE` for SVG,
        :data:`domsync.MATHML_NAMESPACE` for MathML, or :data:`domsync.HTML_NAMESPACE`.

        The other arguments are those of :meth:`createElement`.
        """
        tag = names.check_tag_name(qualifiedName, namespace)
        return self._create(tag, None if namespace == HTML_NAMESPACE else namespace,
                            id, innerText, value, attributes)

    def _create(self, tag: str, ns: str | None, id: str | None, innerText: str | None,
                value: str | None, attributes: dict | None) -> Element:
        if attributes is not None and not isinstance(attributes, dict):
            raise WrongTypeError(f"attributes must be a dict, not {type(attributes).__name__}")
        key = self._next_key
        if id is None:
            el = self._element_class(self, key, tag, ns, FRESH | AUTO_ID | IMPLICIT_ID)
            self._fresh_auto.append(el)
        else:
            self._check_new_id(check_str(id, "id"), None)
            el = self._element_class(self, key, tag, ns, FRESH)
            el._attrs = {"id": id}
            self._ids[id] = el
        self._next_key = key + 1
        if innerText is not None:
            el.innerText = innerText
        if value is not None:
            el.value = value
        if attributes:
            for name, attr_value in attributes.items():
                el.setAttribute(name, attr_value)
        return el

    def getElementById(self, id: str, strict: bool = True) -> Element | None:
        """The element with this id.

        Elements in the page are found, and so are elements created with
        :meth:`createElement` that were not attached yet (as in domsync 0.1.2).
        Removed elements are not found.

        Args:
            id: the id to look for.
            strict: if True (the default), raise when nothing is found; if False,
                return ``None``.

        Raises:
            NotFoundError: when ``strict`` and no element has this id.
        """
        check_str(id, "id")
        el = self._ids.get(id)
        if el is not None and (el.getAttribute("id") != id or not self._is_findable(el)):
            el = None
        if el is None:
            match = _AUTO_ID.match(id)
            if match is not None:
                el = self._find_auto(int(match.group(1)))
        if el is None and strict:
            raise NotFoundError(
                f"no element has id {id!r}; pass strict=False to get None instead"
            )
        return el

    def getElementsByClassName(self, names_: str) -> list[Element]:
        """Elements in the page that have every class in ``names_``, in tree order."""
        found = self._root.getElementsByClassName(names_)
        if self._root._has_classes(names.split_tokens(names_)):
            found.insert(0, self._root)
        return found

    def getElementsByTagName(self, name: str) -> list[Element]:
        """Elements in the page with this tag name, in tree order (``'*'`` for all)."""
        return self._root.getElementsByTagName(name)

    def querySelector(self, selector: str) -> Element | None:
        """The first element in the page that matches a CSS selector, or ``None``.

        See :meth:`Element.querySelector` for the supported selectors.
        """
        if self._root.matches(selector):
            return self._root
        return self._root.querySelector(selector)

    def querySelectorAll(self, selector: str) -> list[Element]:
        """All elements in the page that match a CSS selector, in tree order."""
        found = self._root.querySelectorAll(selector)
        if self._root.matches(selector):
            found.insert(0, self._root)
        return found

    # ------------------------------------------------------------------ rendering

    def has_updates(self) -> bool:
        """True if :meth:`render_js_updates` would return something."""
        return any(op is not None for op in self._outbox)

    def render_js_updates(self) -> str:
        """Return the JavaScript for every change since the last call, and start afresh.

        The first call also binds the root element (``R("root_id")``), so the first
        batch can be applied to a fresh page. An empty string means there is nothing to
        send.
        """
        outbox = self._outbox
        if len(outbox) == 1:
            # One text change (a clock's tick, a cell update): the hot path, kept short.
            op = outbox[0]
            if op is not None and op[0] == TEXT and not op[3]:
                self._outbox = []
                self._answering_route = False
                return _text_batch(op[1]._key, op[2])
        return encode_js.encode(self.take_ops())

    def take_ops(self) -> list[tuple]:
        """Take the changes since the last call as a batch of ops, and start afresh.

        This is :meth:`render_js_updates` before encoding: the same changes, coalesced,
        as plain data (see :mod:`domsync.protocol`), for
        :func:`domsync.encode_js.encode`, :func:`domsync.encode_json.encode` or
        :meth:`domsync.mirror.Mirror.apply`. The two share one record: a change taken
        by one is not returned by the other.
        """
        outbox = self._outbox
        self._answering_route = False
        if len(outbox) == 1:
            # One operation (a clock's tick, a cell update): the hot path, kept short.
            op = outbox[0]
            if op is not None and op[0] == TEXT and not op[3]:
                self._outbox = []
                return [(TEXT, op[1]._key, op[2])]
        elif not outbox:
            return []
        if len(self._fresh_auto) > 256:
            self._prune_fresh()
        if self._detached:
            self._coalesce_children()
            dropped_births = self._drop_dead_work()
            ops = self._wire_ops(True)
        else:
            dropped_births = []
            ops = self._wire_ops(False)
            if ops is None:  # two replacements of one element's children: coalesce
                self._coalesce_children()
                ops = self._wire_ops(True)
        assert ops is not None
        for born in dropped_births:
            for el in born:
                el._flags &= ~LIVE
                self._listening.pop(el._key, None)
        freed = self._free_detached()
        if freed:
            ops.append((FORGET, tuple(freed)))
        self._reset_outbox()
        return ops

    def _wire_ops(self, coalesced: bool) -> list[tuple] | None:
        """The outbox as wire ops. Unless ``coalesced``, give up (None) as soon as one
        element's children are replaced twice, so the caller can coalesce first: most
        batches have no such pair, and skip that pass."""
        ops: list[tuple] = []
        parent = None
        group: list = []  # nodes, and runs (lists) of new leaves of one tag, for parent
        run: list | None = None
        replaced: set[Element] = set()
        for op in self._outbox:
            if op is None:
                continue
            code = op[0]
            if code == APPEND_LEAVES or (code == INSERT and op[3] is None):
                if op[2] is not parent:
                    if group:
                        _append_ops(ops, parent._key, group)
                    parent, group, run = op[2], [], None
                if code == INSERT:
                    group.append(op[4])
                    run = None
                elif run is not None and op[1]._tag is run[0]._tag:
                    run.append(op[1])
                else:
                    run = [op[1]]
                    group.append(run)
                continue
            if group:
                _append_ops(ops, parent._key, group)
                parent, group = None, []
            if (code == TEXT or code == CHILDREN) and not coalesced:
                if op[1] in replaced:
                    return None
                replaced.add(op[1])
            ops.append(_wire_op(op))
        if group:
            _append_ops(ops, parent._key, group)
        return ops

    def render_js_full(self) -> str:
        """Return JavaScript that rebuilds the whole current page from scratch.

        Use it for a browser that joins late or reconnects: it empties the root and
        builds every element under it, with attributes, values and listeners. It does
        not change the document and can be called at any time. A browser that applies
        it must then get only batches rendered after it; if changes are pending, call
        :meth:`render_js_updates` for the other browsers first.
        """
        return encode_js.encode(self.snapshot_ops())

    def snapshot_ops(self) -> list[tuple]:
        """A batch of ops that rebuilds the whole current page from scratch:
        :meth:`render_js_full` before encoding. Like it, it changes nothing."""
        root = self._root
        ops: list[tuple] = [(RESET, self._root_id)]
        for name, value in (root._attrs or {}).items():
            if name != "id":
                ops.append((SET_ATTR, 0, name, value))
        for event, entry in ((root._props or {}).get("on") or {}).items():
            ops.append((LISTEN, 0, event, entry[1], entry[2]))
        group: list = []  # as in _wire_ops: nodes, and runs of leaves of one tag
        run: list | None = None
        for kid in root._kid_list():
            if type(kid) is not str and kid._flags & IMPLICIT_ID and kid._props is None \
                    and kid._ns is None and (kid._kids is None or type(kid._kids) is str):
                if run is not None and kid._tag is run[0]._tag:
                    run.append(kid)
                else:
                    run = [kid]
                    group.append(run)
            else:
                group.append(self._node(kid))
                run = None
        _append_ops(ops, 0, group)
        return ops

    def _node(self, node: Element | str, born: list | None = None, uses: list | None = None) -> Any:
        """The wire item for ``node`` and its subtree: a text, a node, or (with
        ``born``) the key of an element the browser already has.

        With ``born``, the elements are materialised: marked as held by the browser and
        collected in ``born``; elements the browser already holds become their key and
        are collected in ``uses``. Without it, every element is described anew.
        """
        if type(node) is str:
            return node
        if born is not None:
            if node._flags & LIVE:
                uses.append(node)
                return node._key
            node._flags |= LIVE
            born.append(node)
            if node._props and node._props.get("on") or node._tag in _FORM_CONTROLS and node._ns is None:
                self._listening[node._key] = node  # the browser may send messages about it
        kids = node._kids
        flags = node._flags
        if flags & IMPLICIT_ID and node._props is None and node._ns is None \
                and (kids is None or type(kids) is str):
            # The common leaf: a generated id and at most one text node.
            return (-node._key, node._tag, NS_HTML, None, kids, None)
        if kids is not None and type(kids) is not str:
            kids = tuple([self._node(kid, born, uses) for kid in kids])
        attrs = node._attrs
        if flags & AUTO_ID:  # the generated id goes as the key's sign
            key = -node._key
            flat = tuple(chain.from_iterable(attrs.items()))[2:] if attrs else ()
        else:
            key = node._key
            flat = tuple(chain.from_iterable(attrs.items())) if attrs else ()
        return (key, node._tag, _NAMESPACES[node._ns], flat or None, kids, _node_props(node._props))

    def _freeze_leaves(self) -> None:
        """Before an action: render the new leaves recorded since the last one as they
        are now. A leaf is otherwise rendered from its state at render time, and page
        script run by the action would see changes made after it."""
        outbox = self._outbox
        for index in range(self._barrier, len(outbox)):
            op = outbox[index]
            if op is not None and op[0] == APPEND_LEAVES:
                el = op[1]
                outbox[index] = (INSERT, el, op[2], None, (-el._key, el._tag, NS_HTML, None, _leaf_text(el), None),
                                 [el], [])
        self._barrier = len(outbox) + 1

    # ------------------------------------------------------------------ events

    def handle_event(self, msg: Any) -> Any:
        """Apply an event message from the browser and call the element's callback.

        First the browser's state that came with the message (``value``, ``checked``)
        is written into the model, so ``element.value`` on the server is what the
        browser shows. Then the callback registered with
        :meth:`Element.addEventListener` is called with the 0.1.2 message dict:
        ``event``, ``id`` (the element's id), ``value``, ``doc``, plus ``element``.

        A malformed message, or one for an unknown or removed element or an event the
        element does not listen to, is logged on the ``domsync.document`` logger and
        ignored: this method never raises for bad input. Exceptions raised by the
        callback itself propagate to the caller.

        Returns:
            Whatever the callback returns (a coroutine for ``async def`` callbacks,
            which the caller must await), or ``None`` if the message was dropped.
        """
        prepared = self._prepare_event(msg)
        if prepared is None:
            return None
        callback, event = prepared
        return callback(event)

    def _prepare_event(self, msg: Any) -> tuple[Callable[[DomEvent], Any], DomEvent] | None:
        """:meth:`handle_event` up to the call: write the browser's state into the
        model, and return the callback and what to call it with (None if dropped)."""
        if not isinstance(msg, dict):
            logger.warning("dropped event message: not a JSON object: %s", brief(msg))
            return None
        event = msg.get("event")
        target = msg.get("id")
        if type(event) is not str:
            logger.warning("dropped event message: 'event' is not a string: %s", brief(msg))
            return None
        el = None
        if type(target) is int:
            el = self._listening.get(target)
        elif type(target) is str:
            el = self.getElementById(target, strict=False)
        else:
            logger.warning("dropped event message: 'id' is not a number or string: %s", brief(msg))
            return None
        if el is None or not self._is_connected(el):
            logger.warning("dropped %s event for unknown or removed element %s", brief(event), brief(target))
            return None
        listeners = (el._props or {}).get("on") or {}
        entry = listeners.get(event)
        if entry is None:
            logger.warning("dropped %s event: %r does not listen to it", brief(event), el)
            return None
        value = msg.get("value")
        state = msg.get("state")
        if isinstance(state, dict):
            self._absorb_state(el, state, msg.get("seq"), msg.get("origin"))
            if value is None and entry[1] is None and type(state.get("value")) is str:
                value = state["value"]  # no value getter: the control's value
        elif type(value) is str and event in ("input", "change") and el._tag in _FORM_CONTROLS \
                and el._ns is None and el._value_kind() == "prop":
            self._absorb_state(el, {"value": value})
        return entry[0], DomEvent(event, el, value, self, msg.get("detail"))

    def handle_sync(self, msg: Any) -> None:
        """Write a form control's state, sent by the browser after the user edited it,
        into the model (two-way binding for controls without a listener for that
        event). Like :meth:`handle_event`, it logs and ignores bad input."""
        target = msg.get("id") if isinstance(msg, dict) else None
        el = self._listening.get(target) if type(target) is int else None
        state = msg.get("state") if isinstance(msg, dict) else None
        if el is None or not isinstance(state, dict) or not self._is_connected(el):
            logger.warning("dropped a form state for unknown or removed element %s", brief(target))
            return
        if el.hasAttribute("disabled") or el.hasAttribute("readonly"):
            logger.warning("dropped a form state for %r: the user cannot edit it", el)
            return
        self._absorb_state(el, state, msg.get("seq"), msg.get("origin"))

    def _absorb_state(self, el: Element, state: dict, seq: Any = None, origin: Any = None) -> None:
        """Write the browser's form state into the model without sending it back."""
        if el._tag not in _FORM_CONTROLS or el._ns is not None:
            return
        value = state.get("value")
        if type(value) is str and el._value_kind() == "prop":
            self._set_prop(el, "value", value, record=False)
        selected = state.get("selected")
        if el._tag == "select" and isinstance(selected, list) and all(type(v) is str for v in selected):
            if el._props is None:
                el._props = {}
            el._props["selected"] = selected[:10_000]
        checked = state.get("checked")
        if type(checked) is bool and el._tag == "input":
            self._set_prop(el, "checked", checked, record=False)
            if checked and (el.getAttribute("type") or "").lower() == "radio":
                el._uncheck_radio_group()  # the browser did so without telling
        if type(seq) is int and 0 < seq < 2**53:
            # The browser's edit number: later value changes of ours say which edit
            # they answer, so the browser never lets them overwrite newer ones.
            if el._props is None:
                el._props = {}
            el._props["seq"] = seq
            if self._echo_state and type(origin) is str and len(origin) <= 32:
                # Several browsers: the edit number is the editing browser's own.
                el._props["origin"] = origin
        if self._echo_state and el._flags & LIVE and el._props:
            # A shared document: the other browsers show what this one's user did.
            for name in ("value", "checked"):
                if name in el._props:
                    self._record_setter(el, SET_PROP, name, (SET_PROP, el, name, el._props[name]))

    # ------------------------------------------------------------------ 0.1.2 helpers

    def _get_autoinc_id(self) -> str:
        """Reserve and return a new generated id (used by 0.1.2-style components)."""
        key = self._next_key
        self._next_key = key + 1
        return AUTO_ID_PREFIX + str(key)

    # ------------------------------------------------------------------ ids and lookup

    def _is_connected(self, el: Element) -> bool:
        root = self._root
        while el is not None:
            if el is root:
                return True
            el = el._parent
        return False

    def _is_findable(self, el: Element) -> bool:
        """Connected, or in a tree that was created and never attached yet."""
        while el._parent is not None:
            el = el._parent
        return el is self._root or bool(el._flags & FRESH)

    def _findable_auto(self) -> dict[int, Element]:
        """Key -> element for every findable element with a generated id."""
        found = {el._key: el for el in self._root._iter_descendants() if el._flags & AUTO_ID}
        for el in self._fresh_auto:
            if el._flags & AUTO_ID and self._is_findable(el):
                found[el._key] = el
                found.update((d._key, d) for d in el._iter_descendants() if d._flags & AUTO_ID)
        return found

    def _find_auto(self, key: int) -> Element | None:
        for el in self._fresh_auto:
            if el._key == key and el._flags & AUTO_ID and self._is_findable(el):
                return el
        for el in self._root._iter_descendants():
            if el._key == key and el._flags & AUTO_ID:
                return el
        return None

    def _check_new_id(self, new_id: str, el: Element | None, auto: dict | None = None) -> None:
        """Raise unless ``new_id`` can be given to ``el``. ``auto`` maps the keys of
        findable elements with generated ids to them, when the caller has it."""
        if not new_id:
            raise InvalidNameError("an id cannot be the empty string; use removeAttribute('id')")
        match = _AUTO_ID.match(new_id)
        if match is not None:
            # Someone reuses a generated-looking id (innerHTML += ..., a copied outerHTML).
            # Fine unless that generated id is in use; and no later element may get it.
            number = int(match.group(1))
            other = auto.get(number) if auto is not None else self._find_auto(number)
            if other is not None and other is not el:
                raise DuplicateIdError(
                    f"id {new_id!r} is already used by {other!r}; ids must be unique in a "
                    f"document (remove the other element or choose another id)"
                )
            if number >= self._next_key:
                self._next_key = number + 1
        other = self._ids.get(new_id)
        if other is not None and other is not el and other.getAttribute("id") == new_id \
                and self._is_findable(other):
            raise DuplicateIdError(
                f"id {new_id!r} is already used by {other!r}; ids must be unique in a "
                f"document (remove the other element or choose another id)"
            )

    def _register_ids(self, *tops: Element) -> None:
        """Register the ids of subtrees that become findable, checking for duplicates
        before anything changes."""
        subtree = [el for top in tops for el in (top, *top._iter_descendants())]
        seen: set[str] = set()
        auto = None
        for el in subtree:
            ident = el.getAttribute("id")
            if ident and not el._flags & AUTO_ID:
                if ident in seen:
                    raise DuplicateIdError(f"id {ident!r} is given to two elements; ids must be unique")
                seen.add(ident)
                if auto is None and _AUTO_ID.match(ident):
                    auto = self._findable_auto()
                self._check_new_id(ident, el, auto)
        for el in subtree:
            ident = el.getAttribute("id")
            if ident and not el._flags & AUTO_ID:
                self._ids[ident] = el

    # ------------------------------------------------------------------ recording

    def _record(self, op: tuple) -> int:
        self._outbox.append(op)
        return len(self._outbox) - 1

    def _record_setter(self, el: Element, kind: int, name: str, op: tuple) -> None:
        key = (el, kind, name)
        previous = self._last_setter.get(key)
        if previous is not None:
            self._outbox[previous] = None
        self._last_setter[key] = self._record(op)

    def _unlink(self, child: Element) -> Element | None:
        """Take ``child`` out of its parent's children in the model only."""
        parent = child._parent
        if parent is None:
            return None
        kids = parent._kids
        for i, kid in enumerate(kids):
            if kid is child:
                del kids[i]
                break
        if not kids:
            parent._kids = None
        child._parent = None
        return parent

    def _insert(self, parent: Element, child: Element, ref: Element | None) -> None:
        old_parent = child._parent
        if old_parent is not None or not child._flags & FRESH:
            # Not a new element: it may come back from removal, or move.
            if not self._is_findable(child) and self._is_findable(parent):
                self._register_ids(child)
            if old_parent is not None:
                self._unlink(child)
        kids = parent._kids
        if kids is None:
            parent._kids = [child]
        elif type(kids) is str:
            parent._kids = [kids, child]
        elif ref is None:
            kids.append(child)
        else:
            kids.insert(kids.index(ref), child)
        child._parent = parent
        if parent._flags & LIVE or child._flags & LIVE:
            self._record_attach(parent, child, ref, old_parent)

    def _record_attach(self, parent: Element, child: Element, ref: Element | None,
                       old_parent: Element | None) -> None:
        """Record that ``child`` was put into ``parent`` (before ``ref``)."""
        if parent._flags & LIVE:
            flags = child._flags
            if flags & LIVE:
                self._outbox.append((MOVE, child, parent, ref))
                return
            ckids = child._kids
            if ref is None and flags & IMPLICIT_ID and child._props is None \
                    and child._ns is None and (ckids is None or type(ckids) is str):
                # The common new leaf: rendered with the batch (see _render_outbox).
                child._flags = flags | LIVE
                if child._tag in _FORM_CONTROLS:
                    self._listening[child._key] = child  # two-way binding: see handle_sync
                self._outbox.append((APPEND_LEAVES, child, parent))
                return
            born: list[Element] = []
            uses: list[Element] = []
            node = self._node(child, born, uses)
            self._outbox.append((INSERT, child, parent, ref, node, born, uses))
        elif child._flags & LIVE and old_parent is not None and old_parent._flags & LIVE:
            self._record((REMOVE, child))
            self._detached.append(child)

    def _detach(self, child: Element, record: bool) -> None:
        parent = self._unlink(child)
        child._flags &= ~FRESH
        if record and child._flags & LIVE and parent is not None and parent._flags & LIVE:
            self._record((REMOVE, child))
            self._detached.append(child)

    def _replace_children(self, el: Element, text: str | None, parts: list | None) -> None:
        """Replace all children of ``el`` by one text node, or by ``parts``: strings
        (text), ``None`` (a ``<br>``) or parsed elements."""
        old = el._kids
        live = el._flags & LIVE
        old_elements = [k for k in old if type(k) is not str] if type(old) is list else []
        old_flags = [k._flags for k in old_elements]
        for kid in old_elements:
            kid._parent = None
            kid._flags &= ~FRESH  # removed: no longer findable, so its ids may be reused
        new_kids: list = []
        if parts is not None:
            for part in parts:
                if part is None:
                    key = self._next_key
                    self._next_key = key + 1
                    part = self._element_class(self, key, "br", None, 0)
                if type(part) is not str:
                    part._parent = el
                new_kids.append(part)
            if self._is_findable(el):
                el._kids = None  # the old children are out while the new ids are checked
                try:
                    self._register_ids(*(part for part in new_kids if type(part) is not str))
                except Exception:
                    el._kids = old
                    for kid, flags in zip(old_elements, old_flags):
                        kid._parent = el
                        kid._flags = flags
                    raise
        detached = tuple(kid for kid in old_elements if kid._flags & LIVE) if live else ()
        self._detached.extend(detached)
        if parts is None:
            el._kids = text
        else:
            el._kids = new_kids or None
        if not live:
            return
        if parts is None:
            self._outbox.append((TEXT, el, text or "", detached))
            return
        born: list[Element] = []
        uses: list[Element] = []
        items = tuple([self._node(kid, born, uses) for kid in new_kids])
        self._outbox.append((CHILDREN, el, items, born, uses, detached))

    def _coalesce_children(self) -> None:
        """Drop children replacements (text, innerText, innerHTML) that a later one on
        the same element makes pointless, unless operations in between depend on the
        elements it took out; one that created elements is only marked, and dropped by
        _drop_dead_work if nothing uses them."""
        outbox = self._outbox
        later: dict[Element, int] = {}
        for i in range(len(outbox) - 1, -1, -1):
            op = outbox[i]
            if op is not None and op[0] in ACTIONS:
                later = {}  # a barrier: what comes after it never replaces what came before
                continue
            if op is None or (op[0] != TEXT and op[0] != CHILDREN):
                continue
            el = op[1]
            j = later.get(el)
            later[el] = i
            if j is None:
                continue
            taken_out = op[-1]
            if taken_out:
                taken_out = set(taken_out)
                if any(o is not None and not taken_out.isdisjoint(_references(o))
                       for o in outbox[i + 1:j]):
                    continue  # e.g. a child taken out was then moved: keep the order
            if op[0] == CHILDREN and op[3]:
                self._superseded.add(i)
            else:
                outbox[i] = None

    def _set_attribute(self, el: Element, name: str, value: str | None) -> None:
        if el._flags & IMPLICIT_ID:
            el._attrs = {"id": AUTO_ID_PREFIX + str(el._key)}
            el._flags &= ~IMPLICIT_ID
        attrs = el._attrs
        old = attrs.get(name) if attrs is not None else None
        if old == value:
            return
        if name == "id":
            if el is self._root:
                raise HierarchyError("the root element's id is fixed by Document(root_id=...)")
            if value is not None:
                self._check_new_id(value, el)
                if self._is_findable(el):
                    self._ids[value] = el
            if old is not None and self._ids.get(old) is el:
                del self._ids[old]
            el._flags &= ~AUTO_ID
        if value is None:
            del attrs[name]
            if not attrs:
                el._attrs = None
        elif attrs is None:
            el._attrs = {name: value}
        else:
            attrs[name] = value
        if el._flags & LIVE:
            key = (el, SET_ATTR, name)
            op = (SET_ATTR, el, name, value)
            previous = self._last_setter.get(key)
            if previous is not None:
                prev_op = self._outbox[previous]
                if prev_op is not None and value is not None and prev_op[3] is not None:
                    # Set after set: the first one fixed the attribute's position in the
                    # element (what the serialisation shows); keep that, with the new value.
                    self._outbox[previous] = op
                    return
                if value is None:
                    # Removed again: the earlier set no longer matters.
                    self._outbox[previous] = None
                # A set after a removal goes last in the browser, as in the model: keep both.
            self._last_setter[key] = self._record(op)

    def _set_prop(self, el: Element, name: str, value: Any, record: bool = True) -> None:
        props = el._props
        if props is None:
            el._props = props = {}
        props[name] = value
        if record and name == "value" and el._tag == "select":
            props.pop("selected", None)  # the server chose: the user's selection is history
        if el._flags & LIVE:
            key = (el, SET_PROP, name)
            if record:
                self._record_setter(el, SET_PROP, name, (SET_PROP, el, name, value))
            else:
                # The browser already shows this value: a pending change of ours is stale.
                previous = self._last_setter.pop(key, None)
                if previous is not None:
                    self._outbox[previous] = None

    def _listen(self, el: Element, event: str, entry: tuple | None) -> None:
        props = el._props
        if props is None:
            el._props = props = {}
        listeners = props.get("on")
        if entry is None:
            del listeners[event]
            if not listeners:
                del props["on"]
                if el._flags & LIVE and not (el._tag in _FORM_CONTROLS and el._ns is None):
                    self._listening.pop(el._key, None)  # form controls stay: two-way binding
        else:
            if listeners is None:
                props["on"] = listeners = {}
            listeners[event] = entry
            if el._flags & LIVE:
                self._listening[el._key] = el
        if el._flags & LIVE:
            self._record((LISTEN, el, event, entry))

    # ------------------------------------------------------------------ render helpers

    def _drop_dead_work(self) -> list[list[Element]]:
        """Drop the work on elements created in this batch that are not in the page any
        more, unless something that stays needs them. Returns the born lists of the
        dropped births."""
        outbox = self._outbox
        born_by: dict[Element, int] = {}
        candidates: set[int] = set()
        # Page script run by an action may use what was born before it: that stays.
        first_droppable = self._barrier
        for i, op in enumerate(outbox):
            if op is None or op[0] not in (APPEND_LEAVES, INSERT, CHILDREN) or not _born(op):
                continue
            born = _born(op)
            for el in born:
                born_by[el] = i
            if i >= first_droppable and all(not self._is_connected(el) for el in born):
                candidates.add(i)
        if not candidates:
            return []
        def keep(j: int) -> bool:
            """Make sure birth op ``j`` goes out; True if that changed anything."""
            changed = False
            while j is not None and j in candidates:
                candidates.discard(j)
                changed = True
                # A CHILDREN op only happens if its element exists: keep that one's birth too.
                j = born_by.get(outbox[j][1])
            if j is not None and outbox[j][0] == CHILDREN:
                k = born_by.get(outbox[j][1])
                if k is not None and k in candidates:
                    changed = keep(k) or changed
            return changed

        changed = True
        while changed:
            changed = False
            for i, op in enumerate(outbox):
                if op is None:
                    continue
                if i in candidates and op[0] == CHILDREN and i not in self._superseded \
                        and born_by.get(op[1]) not in candidates:
                    # Children replaced by this op stay in the page: the op must go out.
                    changed = keep(i) or changed
                if i in candidates or born_by.get(op[1]) in candidates:
                    continue  # dropped
                for el in _references(op):
                    j = born_by.get(el)
                    if j is not None:
                        # A kept operation needs this element: its creation must go out.
                        changed = keep(j) or changed
        dropped = []
        for i, op in enumerate(outbox):
            if op is None:
                continue
            if i in candidates:
                dropped.append(_born(op))
                outbox[i] = None
            elif born_by.get(op[1]) in candidates:
                outbox[i] = None
        return dropped

    def _free_detached(self) -> list[int]:
        """Forget, on both sides, the elements the browser has that left the page."""
        freed: list[int] = []
        for top in self._detached:
            if not top._flags & LIVE or self._is_connected(top):
                continue
            for el in (top, *top._iter_descendants()):
                if el._flags & LIVE:
                    el._flags &= ~LIVE
                    freed.append(el._key)
                    self._listening.pop(el._key, None)
                ident = el.getAttribute("id")
                if ident and self._ids.get(ident) is el and not self._is_findable(el):
                    del self._ids[ident]
        return freed


# ---------------------------------------------------------------------- recorded ops
#
# The outbox holds ops as recorded: tuples of a protocol op code and its fields, with
# the subject element second, and elements named by reference (coalescing must know
# which of them are still in the page):
#
#   (RESET, root)
#   (APPEND_LEAVES, child, parent)        a new leaf with a generated id and at most one
#                                         text node, appended; described as it is when
#                                         the batch is taken
#   (INSERT, child, parent, ref, node, born, uses)   a new subtree, described when it
#                                         was attached (ref None: appended)
#   (MOVE, child, parent, ref)            an element the browser has, moved
#   (REMOVE, element)
#   (SET_ATTR, element, name, value)      value None: removed
#   (TEXT, element, text, taken out)      taken out: the element children it replaced
#   (CHILDREN, element, items, born, uses, taken out)
#   (SET_PROP, element, name, value)
#   (LISTEN, element, event, entry)       entry None: no longer listening
#   (action code, root, *fields)          an action: its wire op, after the root


def _born(op: tuple) -> list | tuple:
    """The elements an APPEND_LEAVES, INSERT or CHILDREN op creates."""
    code = op[0]
    if code == APPEND_LEAVES:
        return (op[1],)
    if code == INSERT:
        return op[5]
    return op[3]


def _references(op: tuple) -> tuple:
    """The elements an op needs to exist in the browser."""
    code = op[0]
    if code == APPEND_LEAVES:
        return (op[2],)
    if code == INSERT:
        return (op[2], *((op[3],) if op[3] is not None else ()), *op[6])
    if code == MOVE:
        return (op[1], op[2], *((op[3],) if op[3] is not None else ()))
    if code == CHILDREN:
        return (op[1], *(op[4] or ()))
    return (op[1],)


def _wire_op(op: tuple) -> tuple:
    """A recorded op (other than a new leaf or an appended subtree) as a wire op."""
    code = op[0]
    if code == TEXT:
        return (TEXT, op[1]._key, op[2])
    if code == SET_ATTR:
        if op[3] is None:
            return (REMOVE_ATTR, op[1]._key, op[2])
        return (SET_ATTR, op[1]._key, op[2], op[3])
    if code == SET_PROP:
        el = op[1]
        props = el._props
        # The number of the user's edit this value answers, and whose edit it was.
        seq = props.get("seq") if props else None
        origin = props.get("origin") if seq is not None else None
        return (SET_PROP, el._key, op[2], op[3], seq, origin)
    if code in ACTIONS:
        return (code, *op[2:])
    if code == INSERT:
        return (INSERT, op[2]._key, op[4], op[3]._key)
    if code == MOVE:
        return (MOVE, op[1]._key, op[2]._key, None if op[3] is None else op[3]._key)
    if code == REMOVE:
        return (REMOVE, op[1]._key)
    if code == CHILDREN:
        return (CHILDREN, op[1]._key, op[2])
    if code == LISTEN:
        entry = op[3]
        if entry is None:
            return (UNLISTEN, op[1]._key, op[2])
        return (LISTEN, op[1]._key, op[2], entry[1], entry[2])
    if code == RESET:
        return (RESET, op[1]._doc._root_id)
    raise AssertionError(f"unknown op {op!r}")  # pragma: no cover


_LEAF_RUN = 8  # from this many new leaves in a row on, one APPEND_LEAVES op takes them


def _leaf_text(el: Element) -> str | None:
    """The text a leaf had when it was attached: later changes to it are ops of their
    own, which only add elements after that first text node or replace it."""
    kids = el._kids
    if kids is None or type(kids) is str:
        return kids
    return kids[0] if kids and type(kids[0]) is str else None


def _append_ops(ops: list, parent: int, group: list) -> None:
    """Append ops for a group of new children of one parent: nodes, and runs (lists)
    of new leaves of one tag. Long runs become APPEND_LEAVES, the rest APPEND."""
    nodes: list = []
    for item in group:
        if type(item) is not list:
            nodes.append(item)
        elif len(item) < _LEAF_RUN:
            nodes.extend((-el._key, el._tag, NS_HTML, None, _leaf_text(el), None) for el in item)
        else:
            if nodes:
                ops.append((APPEND, parent, tuple(nodes)))
                nodes = []
            ops.append((APPEND_LEAVES, parent, item[0]._tag, tuple([el._key for el in item]),
                        tuple([k if (k := el._kids) is None or type(k) is str else _leaf_text(el)
                               for el in item])))
    if nodes:
        ops.append((APPEND, parent, tuple(nodes)))


def _node_props(props: dict | None) -> tuple | None:
    """A node's properties: ``(value, checked, listeners)``, or None."""
    if not props:
        return None
    value = props.get("value")
    checked = props.get("checked")
    listeners = props.get("on")
    if listeners:
        listeners = tuple([(event, entry[1], entry[2]) for event, entry in listeners.items()])
    if value is None and checked is None and not listeners:
        return None
    return (value, checked, listeners or None)
