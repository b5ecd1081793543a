"""What the browser sends about a :class:`~domsync.Document`'s elements: events with
their form state, and form state alone (two-way binding).

:class:`Inbound` is a part of :class:`~domsync.Document`. The state that comes with a
message (``value``, ``checked``, the selected options) is written into the model
before any callback runs, so ``element.value`` on the server is what the browser
shows. Bad input is logged on the ``domsync.document`` logger and dropped: nothing here
raises for what the network sent.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Awaitable, Callable, cast

from .element import LIVE, Element
from .exceptions import UsageError
from .logs import brief
from .protocol import EVENT_KINDS, SET_PROP

if TYPE_CHECKING:  # pragma: no cover
    from .document import Document

__all__ = ["Inbound", "DomEvent"]

logger = logging.getLogger("domsync.document")

_FORM_CONTROLS = frozenset({"input", "textarea", "select"})


# What a DomEvent takes from the browser's event, and the types it accepts for each.
_DETAIL_FIELDS: dict[str, type[Any] | tuple[type[Any], ...]] = {
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

    Besides the dict: ``event.client`` (the session's :class:`~domsync.Client`),
    ``event.document``, and ``await event.flush()``, which sends the changes made so
    far during a long callback (see :doc:`/howto/progress`).
    """

    def __init__(self, event: str, element: "Element", value: Any, document: "Document", detail: Any):
        super().__init__(domsync=True, event=event, id=element.id, value=value, doc=document,
                         element=element)
        #: The session's :class:`~domsync.Client` (None for an event not from a server).
        self.client: Any = None
        #: The document the event happened in.
        self.document = document
        self._flusher: Callable[[], Awaitable[None]] | None = None
        if isinstance(detail, dict):
            kind = detail.get("kind")
            if type(kind) is str and kind in EVENT_KINDS:
                # The browser sent only what differs from the defaults of its kind.
                detail = {**EVENT_KINDS[kind], **detail}
                if "clientX" in detail:
                    for page, client in (("pageX", "clientX"), ("pageY", "clientY")):
                        if detail[page] is None:
                            detail[page] = detail[client]
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

    def _bind_flush(self, flusher: Callable[[], Awaitable[None]]) -> None:
        self._flusher = flusher

    async def flush(self) -> None:
        """Send the page the changes made so far, now: intermediate state during a
        long ``async`` callback (``"restarting…"``), which otherwise reaches the
        browser when the callback returns. ``await event.flush()``.

        Raises:
            UsageError: for an event that did not come through a server (one passed
                to :meth:`~domsync.Document.handle_event` by hand).
        """
        if self._flusher is None:
            raise UsageError("this event did not come through a server's session, so it cannot flush; "
                             "call `await server.flush(client)` yourself")
        await self._flusher()


class Inbound:
    """The inbound part of :class:`~domsync.Document`."""

    # The document's own state, declared for type checkers (Document sets it).
    _listening: dict[int, Element]
    _echo_state: bool

    if TYPE_CHECKING:  # pragma: no cover
        # What this part uses of Document and its other parts (they define them).
        def getElementById(self, id: str, strict: bool = True) -> Element | None: ...
        def _is_connected(self, el: Element) -> bool: ...
        def _set_prop(self, el: Element, name: str, value: Any, record: bool = True) -> None: ...
        def _record_setter(self, el: Element, kind: int, name: str, op: tuple) -> None: ...

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
        return entry[0], DomEvent(event, el, value, cast("Document", self), msg.get("detail"))  # a part of Document

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
