"""Every exception that domsync raises.

The hierarchy::

    DomsyncError
     ├── UsageError                 (the application called the API wrongly)
     │    ├── InvalidNameError      (also a ValueError)
     │    ├── InvalidValueError     (also a ValueError)
     │    ├── WrongTypeError        (also a TypeError)
     │    ├── HierarchyError        (also a ValueError)
     │    ├── NotFoundError         (also a KeyError)
     │    ├── DuplicateIdError      (also a ValueError)
     │    ├── PatchError            (also a ValueError)
     │    ├── SelectorError         (also a ValueError)
     │    ├── UnsafeValueError      (also a ValueError)
     │    └── CspError              (strict_csp=True refuses code in the page)
     └── ClientGoneError            (the browser is no longer connected)

Mistakes by the application author raise at once, with a message that says what to do
instead. Bad input from a browser is never raised: :meth:`domsync.Document.handle_event`
logs it on the ``domsync.document`` logger and drops it.

Each usage error also derives from the built-in exception a Python programmer would
expect (``TypeError`` for a wrong type, ``ValueError`` for a bad value, ``KeyError`` for a
missing id), so ``except ValueError`` keeps working.
"""

from __future__ import annotations

__all__ = [
    "DomsyncWarning",
    "EventNameWarning",
    "DomsyncError",
    "ListenError",
    "ReplicaError",
    "NotEmulatedError",
    "StrictModeError",
    "ActionTimeoutError",
    "UsageError",
    "InvalidNameError",
    "InvalidValueError",
    "WrongTypeError",
    "HierarchyError",
    "NotFoundError",
    "DuplicateIdError",
    "PatchError",
    "SelectorError",
    "UnsafeValueError",
    "CspError",
    "ClientGoneError",
]


class DomsyncError(Exception):
    """Base class of every exception raised by domsync."""


class UsageError(DomsyncError):
    """Raised when the application calls the domsync API in a way that cannot work."""


class InvalidNameError(UsageError, ValueError):
    """Raised when a tag, attribute, event, class token or CSS property name is not valid."""


class InvalidValueError(UsageError, ValueError):
    """Raised when a value is of the right type but cannot be used (for example an
    unknown notification type, or ``value`` on an element whose value is numeric)."""


class WrongTypeError(UsageError, TypeError):
    """Raised when an argument has the wrong type, for example an ``int`` where the DOM
    only stores strings."""


class HierarchyError(UsageError, ValueError):
    """Raised when a tree operation would make the tree invalid: appending an element
    into itself or its descendant, using a reference node that is not a child, or mixing
    elements of two documents."""


class NotFoundError(UsageError, KeyError):
    """Raised when :meth:`domsync.Document.getElementById` is called with ``strict=True``
    and no element has that id, or when a patch (:meth:`domsync.Document.patch`) finds
    no element to patch."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class DuplicateIdError(UsageError, ValueError):
    """Raised when an id is given to an element while another element of the same
    document already has it."""


class SelectorError(UsageError, ValueError):
    """Raised when a CSS selector given to ``querySelector`` cannot be parsed or uses a
    feature domsync does not support."""


class PatchError(UsageError, ValueError):
    """Raised when :meth:`domsync.Element.patch` or :meth:`domsync.Document.patch`
    cannot apply a fragment: an unknown mode, a top-level element without an id when no
    selector was given, ``prepend``/``append``/``before``/``after`` without a selector
    (they need one to know where the fragment goes), a mode that needs one element and
    got several, targets nested in one another. The message says what to pass instead. (A selector or id that matches nothing raises
    :class:`NotFoundError`, an id the page already has :class:`DuplicateIdError`.)"""


class UnsafeValueError(UsageError, ValueError):
    """Raised when a value would turn application data into code: an event handler
    attribute such as ``onclick``, or a ``javascript:`` URL."""


class CspError(UsageError):
    """Raised under a strict Content-Security-Policy (``DomsyncServer(strict_csp=True)``)
    when the application asks for something that would run code in the page: ``run_js``,
    a ``js_value_getter`` that is code rather than a path such as ``'this.value'``, a
    ``<script>`` URL. The message names the strict-mode alternative."""


class ReplicaError(UsageError):
    """Raised when the application changes the shared document in a process that holds
    a replica of it (``DomsyncServer(shared=True, backplane=...)``): another process owns
    it, and a change made here would reach no browser. Change it in the owner: wait with
    ``await server.ownership()`` before the code that changes it."""


class ListenError(DomsyncError, OSError):
    """Raised by :meth:`DomsyncServer.serve <domsync.DomsyncServer.serve>` when it
    cannot listen: the port is taken, or the host is not one of this machine's. Its
    message names the host and port and says what to do; :meth:`~domsync.DomsyncServer.run`
    prints just that line and exits with status 1.

    Attributes:
        address: ``host:port``.
        reason: why, e.g. ``"address already in use"``.
    """

    address = ""
    reason = ""


class ClientGoneError(DomsyncError):
    """Raised when the server is asked to send to or look up a client that has
    disconnected. Check :meth:`DomsyncServer.is_connected` first, or catch this."""

    #: The client whose session has ended, when known.
    client: object = None


class DomsyncWarning(UserWarning):
    """Base class of the warnings domsync gives: code that runs but most likely does
    not do what was meant."""


class EventNameWarning(DomsyncWarning):
    """Warned (once per name) by ``addEventListener`` for an event name the browser
    never fires on its own: ``'onclick'``, ``'Click'``, ``'clik'``. Custom events are
    fine: give them a ``-`` or ``:`` in the name, or :func:`domsync.declare_events`."""


# ---------------------------------------------------------------------- domsync.testing


class NotEmulatedError(UsageError):
    """Raised by :mod:`domsync.testing` for something only a real browser does: page
    script it would have to run, a navigation away from the page. The message says what
    to do instead; the same test runs in Chromium with the ``domsync_chromium_page`` fixture."""


class StrictModeError(UsageError):
    """Raised when an action's locator matches more than one element (Playwright's
    strict mode): narrow it with ``.first``, ``.nth(i)``, ``.filter(...)`` or a more
    precise selector."""


class ActionTimeoutError(UsageError, TimeoutError):
    """Raised when a locator's action waits longer than its timeout for its element."""
