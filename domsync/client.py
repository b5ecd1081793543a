"""The ``client``: domsync's handle of one browser session.

Connection handlers, lifecycle handlers and :class:`~domsync.domsync_server.EventContext`
get a :class:`Client`. It is the same object for as long as the session lasts, whatever
the transport, and it is hashable by identity, so it can key a dict (as code written for
domsync 0.1.2 does with its clients).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any
from wsgiref.headers import Headers

__all__ = ["Client", "Request"]

_numbers = itertools.count(1)


@dataclass(frozen=True)
class Request:
    """What the browser asked for when it opened its session.

    Attributes:
        path: the path of the websocket request, with its query (``/ws?route=...``).
        headers: the request's headers, read case-insensitively
            (``request.headers["User-Agent"]``, ``get_all("Cookie")``).
    """

    path: str
    headers: Headers = field(default_factory=lambda: Headers([]))


class Client:
    """One browser session.

    Attributes:
        id: a short name for the session, unique in this process, for log lines.
        remote_address: the browser's address as the transport saw it, usually
            ``(host, port)``; ``None`` if the transport has none.
        request: the :class:`Request` that opened the session.
    """

    __slots__ = ("id", "remote_address", "request", "_connection", "__weakref__")

    def __init__(self, request: Request, remote_address: Any = None):
        self.id = f"c{next(_numbers)}"
        self.remote_address = remote_address
        self.request = request
        # The transport's handle of the socket this session is on (see server_core.py).
        self._connection: Any = None

    def __repr__(self) -> str:
        return f"<Client {self.address} id={self.id}>"

    @property
    def address(self) -> str:
        """The remote address as ``host:port``, for log lines."""
        address = self.remote_address
        if isinstance(address, tuple) and len(address) >= 2:
            return f"{address[0]}:{address[1]}"
        return "?" if address is None else str(address)
