"""Event listeners of an element: :meth:`addEventListener`, with the options that
act in the browser (``prevent_default``, ``stop_propagation``, ``debounce``,
``throttle``), :meth:`removeEventListener` and :meth:`getEventListener`.

:class:`EventTarget` is a part of :class:`~domsync.Element`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, cast

from . import csp, names
from .event_names import check_listened_name, warn_at_caller
from .exceptions import DomsyncWarning, InvalidValueError, WrongTypeError
from .names import check_str

if TYPE_CHECKING:  # pragma: no cover
    from .document import Document
    from .element import Element

__all__ = ["EventTarget"]


class EventTarget:
    """The event listener part of :class:`~domsync.Element`."""

    __slots__ = ()
    _doc: "Document"
    _props: dict[str, Any] | None

    def addEventListener(
        self,
        event: str,
        callback: Callable[[dict], Any],
        js_value_getter: str | None = None,
        *,
        prevent_default: bool = False,
        stop_propagation: bool = False,
        debounce: int | None = None,
        throttle: int | None = None,
    ) -> None:
        """Call ``callback`` on the server when ``event`` fires on this element.

        The callback gets the 0.1.2 message dict: ``event``, ``id``, ``value`` and
        ``doc`` (plus ``element``, this element). It may be a plain function or a
        coroutine function; the server awaits it and then flushes.

        Args:
            event: a DOM event type, e.g. ``'click'`` or ``'input'``. A name the
                browser never fires (``'onclick'``, ``'Click'``, ``'clik'``) warns
                (:class:`~domsync.EventNameWarning`, once per name); custom events
                need a ``-`` or ``:`` in the name, or :func:`domsync.declare_events`.
            callback: called with the message dict.
            js_value_getter: a JavaScript expression, evaluated in the browser with
                ``this`` bound to the element and ``event`` to the event, whose result is
                sent as ``value``, e.g. ``'this.value'``. It is code you write, compiled
                by the browser on its own: a syntax error is reported, not fatal.
            prevent_default: call ``event.preventDefault()`` in the browser (a form
                submit that must not reload the page, a link handled in Python).
            stop_propagation: call ``event.stopPropagation()`` in the browser.
            debounce: wait until the event has not fired for this many milliseconds,
                then send the last one (for example a search box).
            throttle: send at most one event per this many milliseconds, the first
                at once and the last at the end (for example scroll or mousemove).

        Raises:
            InvalidNameError: if ``event`` is not a valid event name.
            WrongTypeError: if ``callback`` is not callable or the getter is not a str.
            InvalidValueError: if this element already listens to ``event``; call
                :meth:`removeEventListener` first.
            CspError: under a strict Content-Security-Policy, for a getter that is
                code rather than a path such as ``'this.value'`` or ``'event.key'``
                (see :mod:`domsync.csp`).
        """
        names.check_event_name(event)
        check_listened_name(event)
        names.check_arguments(callback, 1, "the event callback")
        if js_value_getter is not None:
            check_str(js_value_getter, "js_value_getter")
            if self._doc.strict_csp:
                csp.check_getter(js_value_getter)
        options: dict[str, bool | int] = {}
        for name, flag in (("prevent", prevent_default), ("stop", stop_propagation)):
            if type(flag) is not bool:
                raise WrongTypeError(f"{'prevent_default' if name == 'prevent' else 'stop_propagation'} must be True or False")
            if flag:
                options[name] = True
        for name, ms in (("debounce", debounce), ("throttle", throttle)):
            if ms is not None:
                if type(ms) is not int or not 0 < ms <= 60_000:
                    raise WrongTypeError(f"{name} must be a number of milliseconds from 1 to 60000, not {ms!r}")
                options[name] = ms
        if "debounce" in options and "throttle" in options:
            raise InvalidValueError("use debounce or throttle, not both")
        if event == "submit" and not prevent_default and "preventDefault" not in (js_value_getter or ""):
            warn_at_caller("a 'submit' listener without prevent_default=True: the browser submits the form as "
                           "well, which loads a new page (the session resumes, but the page reloads and its "
                           "URL changes). Pass prevent_default=True", DomsyncWarning)
        listeners = (self._props or {}).get("on")
        if listeners and event in listeners:
            raise InvalidValueError(
                f"{self!r} already listens to {event!r}; call "
                f"removeEventListener({event!r}) first, or handle both cases in one callback"
            )
        self._doc._listen(cast("Element", self), event, (callback, js_value_getter, options or None))  # a part of Element

    def removeEventListener(self, event: str, callback: Callable | None = None) -> None:
        """Stop listening to ``event``. With ``callback``, only if it is the one
        registered. Nothing happens if there is no such listener."""
        names.check_event_name(event)
        listeners = (self._props or {}).get("on")
        if not listeners or event not in listeners:
            return
        if callback is not None and listeners[event][0] is not callback:
            return
        self._doc._listen(cast("Element", self), event, None)  # EventTarget is a part of Element

    def getEventListener(self, event: str) -> Callable | None:
        """The callback registered for ``event``, or ``None``."""
        listeners = (self._props or {}).get("on")
        if not listeners or event not in listeners:
            return None
        return listeners[event][0]
