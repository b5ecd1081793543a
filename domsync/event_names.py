"""Which event names the browser fires, so that ``addEventListener("clik", ...)``
says so instead of waiting forever.

A listener for a name no browser event has is never called, and nothing says why. So
:func:`check_listened_name` warns (:class:`~domsync.exceptions.EventNameWarning`, once
per name) for a name with the ``on`` prefix of HTML attributes (``'onclick'``), with
capitals the browser's names do not have (``'Click'``), or that is not a DOM event at
all (``'clik'``), and suggests the name that was probably meant. Custom events (sent
with ``dispatchEvent`` by page script) never warn when their name has a ``-`` or ``:``
(``'row-selected'``, ``'app:saved'``), or once declared with :func:`declare_events`.
"""

from __future__ import annotations

import difflib
import os
import sys
import warnings

from .exceptions import EventNameWarning
from .names import check_event_name

__all__ = ["KNOWN_EVENTS", "declare_events", "check_listened_name", "warn_at_caller"]

#: The events browsers fire on elements, documents and windows.
KNOWN_EVENTS = frozenset("""
    click dblclick auxclick contextmenu mousedown mouseup mousemove mouseover mouseout mouseenter
    mouseleave pointerdown pointerup pointermove pointerover pointerout pointerenter pointerleave
    pointercancel pointerrawupdate gotpointercapture lostpointercapture wheel
    keydown keyup keypress focus blur focusin focusout
    input change submit reset invalid select selectionchange selectstart beforeinput formdata search
    copy cut paste compositionstart compositionupdate compositionend
    drag dragstart dragend dragenter dragleave dragover drop
    touchstart touchend touchmove touchcancel scroll scrollend
    abort canplay canplaythrough durationchange emptied ended error loadeddata loadedmetadata loadstart
    pause play playing progress ratechange seeked seeking stalled suspend timeupdate volumechange waiting
    load resize animationstart animationend animationiteration animationcancel
    transitionstart transitionend transitionrun transitioncancel toggle beforetoggle cancel close
    fullscreenchange fullscreenerror slotchange securitypolicyviolation contentvisibilityautostatechange
    DOMContentLoaded visibilitychange readystatechange hashchange popstate online offline pagehide pageshow
    beforeunload unload message messageerror storage beforeprint afterprint
""".split())

_declared: set[str] = set()
_warned: set[str] = set()
_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def declare_events(*names: str) -> None:
    """Declare custom event names (sent by page script with ``dispatchEvent``), so
    that listening to them does not warn. Names with a ``-`` or ``:`` need no
    declaring."""
    for name in names:
        _declared.add(check_event_name(name))


def _problem(name: str) -> str | None:
    if name in KNOWN_EVENTS or name in _declared or "-" in name or ":" in name:
        return None
    custom = (f"For a custom event, put a '-' or ':' in its name ('app:{name}') or declare it: "
              f"domsync.declare_events({name!r}).")
    if name[:2].lower() == "on" and name[2:].lower() in KNOWN_EVENTS:
        return (f"{name!r} is an HTML attribute name; the event is {name[2:].lower()!r}: "
                f"addEventListener({name[2:].lower()!r}, ...) (no 'on' prefix).")
    if name.lower() in KNOWN_EVENTS:
        return f"event names are case-sensitive and the browser fires {name.lower()!r}, not {name!r}."
    guess = difflib.get_close_matches(name.lower(), KNOWN_EVENTS, n=1, cutoff=0.75)
    meant = f" Did you mean {guess[0]!r}?" if guess else ""
    return f"{name!r} is not an event the browser fires, so this listener would never be called.{meant} {custom}"


def check_listened_name(name: str) -> None:
    """Warn, once per name, if the browser never fires an event named ``name``."""
    if name in _warned:
        return
    problem = _problem(name)
    if problem is not None:
        _warned.add(name)
        warnings.warn(problem, EventNameWarning, stacklevel=_callers_level())


def warn_at_caller(message: str, category: type[Warning]) -> None:
    """Warn, pointing at the application's line (the first frame outside domsync)."""
    warnings.warn(message, category, stacklevel=_callers_level())


def _in_package(filename: str) -> bool:
    folder = os.path.dirname(os.path.abspath(filename))
    return folder == _PACKAGE or folder.startswith(_PACKAGE + os.sep)


def _callers_level() -> int:
    """The stack level of the first frame outside domsync: the application's line."""
    level, frame = 1, sys._getframe(1)
    while frame is not None and _in_package(frame.f_code.co_filename):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level
