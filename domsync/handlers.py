"""What an application registers with a server: lifecycle handlers
(``@server.on("connect")``) and named-message handlers (``@server.on_event("chat")``).

The registry is plain data; the session reads it to know what to run for a message,
and the server for a connect, disconnect or error.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Callable

from .exceptions import InvalidNameError, UsageError
from .names import check_arguments, check_event_name

if TYPE_CHECKING:  # pragma: no cover
    from .client import Client
    from .document import Document

__all__ = ["Handlers", "EventContext", "LIFECYCLE_EVENTS"]

#: The lifecycle events of ``server.on``, with how many arguments their handlers get.
LIFECYCLE_EVENTS = {"connect": 1, "disconnect": 1, "offline": 1, "online": 1, "error": 3, "route": 3}


@dataclasses.dataclass(frozen=True)
class EventContext:
    """What an :meth:`~domsync.DomsyncServer.on_event` handler gets.

    Attributes:
        event_name: the message's name.
        payload: its payload, as JSON decoded it (``None`` if it had none). It comes
            from the browser: check it before use.
        client: the client that sent it.
        document: that client's document.
    """

    event_name: str
    payload: Any
    client: "Client"
    document: "Document"
    _flusher: Callable[[], Any] | None = dataclasses.field(default=None, repr=False, compare=False)

    def _bind_flush(self, flusher: Callable[[], Any]) -> None:
        object.__setattr__(self, "_flusher", flusher)  # frozen: set once, by the server

    async def flush(self) -> None:
        """Send the page the changes made so far, now (during a long handler)."""
        if self._flusher is None:
            raise UsageError("this message did not come through a server; call `await server.flush(client)`")
        await self._flusher()


class Handlers:
    """The handlers one server's application registered, in registration order."""

    def __init__(self) -> None:
        self.lifecycle: dict[str, list[Callable]] = {name: [] for name in LIFECYCLE_EVENTS}
        self.messages: dict[str, list[Callable]] = {}

    def on(self, event: str) -> Callable[[Callable], Callable]:
        """The decorator of :meth:`DomsyncServer.on <domsync.DomsyncServer.on>`.

        Raises:
            InvalidNameError: for an event other than the four lifecycle events.
            WrongTypeError: if the handler cannot be called with the event's arguments.
        """
        if callable(event):
            raise InvalidNameError(
                f"server.on needs the event's name: @server.on('connect') above "
                f"{getattr(event, '__name__', 'the handler')}, not @server.on"
            )
        if event not in LIFECYCLE_EVENTS:
            raise InvalidNameError(
                f"unknown lifecycle event {event!r}; use one of {', '.join(map(repr, LIFECYCLE_EVENTS))}"
            )

        def register(handler: Callable) -> Callable:
            article = "an" if event[0] in "aeiou" else "a"
            check_arguments(handler, LIFECYCLE_EVENTS[event], f"{article} {event!r} handler")
            self.lifecycle[event].append(handler)
            return handler

        return register

    def on_event(self, name: str) -> Callable[[Callable], Callable]:
        """The decorator of :meth:`DomsyncServer.on_event <domsync.DomsyncServer.on_event>`.

        Raises:
            InvalidNameError: if ``name`` is not a valid event name.
            WrongTypeError: if the handler cannot be called with one argument.
        """
        check_event_name(name)

        def register(handler: Callable) -> Callable:
            check_arguments(handler, 1, f"the handler of message {name!r}")
            self.messages.setdefault(name, []).append(handler)
            return handler

        return register
