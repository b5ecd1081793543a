"""What lets a session outlive its socket, sans I/O: the retention settings, the log of
batches the browser has not acknowledged, session tokens and the browser's hello.

A browser that speaks the resume protocol (protocol version 2) sends a *hello* as the
first frame of every connection: ``{"domsync": true, "type": "hello", "token": ...,
"batch": ...}``, with the token of the session it had (or ``null``) and the number of
the last batch it applied (``null`` if it has no page, after a reload). The server
answers with a *welcome*, a JSON frame: ``{"welcome": true, "token": ..., "resumed":
..., "expired": ..., "in": ...}``, and then either replays the batches the browser
missed, from the :class:`ReplayLog`, or sends the whole page. A server run as one of
several worker processes adds ``"worker": <id>`` to its welcome; the page then puts
``worker=<id>`` in the URL of every later connection, for a proxy to route it back to
the process that holds its session (see :doc:`/howto/scale`).

Batches travel as ``"<number> <in>\\n<JavaScript>"``: the batch's number, and the
number of the last message the server has received from the browser (``in``), so the
browser can let go of the messages it keeps until they are known to have arrived.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections import deque
from dataclasses import dataclass
from typing import Any

from .exceptions import UsageError
from .protocol import HELLO

__all__ = ["Retention", "ReplayLog", "Hello", "parse_hello", "new_token", "welcome_frame", "batch_frame",
           "confirm_frame", "WORKER_ID_VARIABLE", "worker_id_from"]

#: The environment variable that gives a server its worker id when it is made without
#: ``worker_id`` (``DOMSYNC_WORKER_ID=w1``): how ``python -m domsync serve --workers``
#: and one uvicorn per port name their processes.
WORKER_ID_VARIABLE = "DOMSYNC_WORKER_ID"
#: What a worker id may be: it travels in URLs and proxy configurations, unescaped.
_WORKER_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


@dataclass(frozen=True)
class Retention:
    """How long a session outlives its socket, and what it keeps meanwhile.

    Attributes:
        seconds: a session whose browser went away without a goodbye (a network
            drop) is kept this long for it to come back; ``0`` ends it at once (domsync
            0.1.2's behaviour).
        reload_grace: a session whose page unloaded cleanly (a reload, a closed tab,
            a navigation away: the browser cannot tell which) is kept only this long.
        replay_bytes: the batches a browser has not acknowledged are kept for replay
            up to this many bytes; past it the oldest go, and a browser that missed
            them gets the whole page instead.
        replay_batches: likewise, at most this many batches.
    """

    seconds: float = 300
    reload_grace: float = 5
    replay_bytes: int = 4 * 1024 * 1024
    replay_batches: int = 1000


class ReplayLog:
    """The batches sent to a browser that it has not acknowledged yet, oldest first,
    bounded by count, bytes and age.

    Batches are numbered 1, 2, 3, ... A browser that acknowledges batch ``n`` has
    applied every batch up to ``n``; those are dropped. :meth:`since` gives what a
    returning browser missed, or ``None`` when the log no longer reaches back that
    far (then it needs the whole page).
    """

    __slots__ = ("entries", "bytes", "first", "last", "limits")

    def __init__(self, limits: Retention):
        self.limits = limits
        #: (number, frame, size, time sent)
        self.entries: deque[tuple[int, str, int, float]] = deque()
        self.bytes = 0
        #: The number of the oldest batch that may still be replayed (every batch from
        #: it to :attr:`last` is in the log, or was acknowledged).
        self.first = 1
        #: The number of the last batch added.
        self.last = 0

    def __len__(self) -> int:
        return len(self.entries)

    def add(self, number: int, frame: str, now: float) -> None:
        """Keep a batch just sent, dropping the oldest past the limits."""
        size = len(frame)
        self.entries.append((number, frame, size, now))
        self.bytes += size
        self.last = number
        limits = self.limits
        while self.entries and (self.bytes > limits.replay_bytes or len(self.entries) > limits.replay_batches):
            self._drop_oldest()
        self.expire(now)

    def expire(self, now: float) -> None:
        """Drop batches older than the retention: nobody can come back for them."""
        horizon = now - self.limits.seconds
        while self.entries and self.entries[0][3] < horizon:
            self._drop_oldest()

    def ack(self, number: Any) -> None:
        """The browser has applied every batch up to ``number``: let them go."""
        if type(number) is not int or number > self.last:
            return  # not a number we sent: ignored
        entries = self.entries
        while entries and entries[0][0] <= number:
            _, _, size, _ = entries.popleft()
            self.bytes -= size
        # Those batches can no longer be replayed: a browser that says it lacks them
        # (it reloaded, or lies) gets the whole page.
        self.first = max(self.first, number + 1)

    def since(self, number: int) -> list[str] | None:
        """The frames of the batches after ``number``, in order; ``None`` if some of
        them are gone (or ``number`` is not one the browser can have)."""
        if number == self.last:
            return []
        if not 0 <= number < self.last or number + 1 < self.first:
            return None
        return [frame for n, frame, _, _ in self.entries if n > number]

    def given(self, number: int) -> None:
        """Batch ``number`` reached the browser another way (inside the page it
        loaded, see :mod:`domsync.prerender`): it is counted, never replayed, and a
        browser that lacks it gets the whole page."""
        self.clear()
        self.last = number
        self.first = number + 1

    def clear(self) -> None:
        """Forget every batch (the browser is getting the whole page)."""
        self.entries.clear()
        self.bytes = 0
        self.first = self.last + 1

    def _drop_oldest(self) -> None:
        number, _, size, _ = self.entries.popleft()
        self.bytes -= size
        self.first = max(self.first, number + 1)


@dataclass(frozen=True)
class Hello:
    """The first frame of a browser that speaks the resume protocol.

    Attributes:
        token: the token of the session it had, or ``None``.
        batch: the number of the last batch it applied, or ``None`` if it has no
            page (a reload).
    """

    token: str | None
    batch: int | None


def parse_hello(frame: str | bytes) -> Hello | None:
    """The hello in a frame, or ``None`` if the frame is not a well-formed hello."""
    if not isinstance(frame, str) or len(frame) > 1024:
        return None
    try:
        data = json.loads(frame)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("domsync") is not True or data.get("type") != HELLO:
        return None
    token, batch = data.get("token"), data.get("batch")
    if token is not None and (type(token) is not str or not 16 <= len(token) <= 64):
        token = None
    if type(batch) is not int or not 0 <= batch < 2**53:
        batch = None
    return Hello(token, batch)


def new_token() -> str:
    """A session token: 192 random bits, URL-safe."""
    return secrets.token_urlsafe(24)


def worker_id_from(worker_id: str | None, environ: dict[str, str] | None = None) -> str | None:
    """The worker id a server was given, checked: ``worker_id``, or else the
    environment's :data:`WORKER_ID_VARIABLE`, or ``None`` (a single process).

    Raises:
        UsageError: if it is not 1 to 32 letters, digits, ``-`` or ``_``.
    """
    source = "worker_id"
    if worker_id is None:
        worker_id = (os.environ if environ is None else environ).get(WORKER_ID_VARIABLE, "").strip() or None
        source = WORKER_ID_VARIABLE
        if worker_id is None:
            return None
    if not isinstance(worker_id, str) or not _WORKER_ID.fullmatch(worker_id):
        raise UsageError(f"{source} must be 1 to 32 letters, digits, '-' or '_' (it goes into URLs and the "
                         f"proxy's configuration), such as 'w1', not {worker_id!r}")
    return worker_id


def welcome_frame(token: str | None, resumed: bool, expired: bool, received: int, max_size: int,
                  worker: str | None = None) -> str:
    """The server's answer to a hello: the session's new token, whether the session was
    resumed, whether the browser's session had ended, the number of the last message
    the server received from it, and the largest message it takes (``max``: the page
    refuses to send a larger one, which the server would drop every time); and, from a
    server with a worker id, that id (``worker``), which the page puts in its later
    URLs."""
    welcome = {"welcome": True, "token": token, "resumed": resumed, "expired": expired, "in": received,
               "max": max_size}
    if worker is not None:
        welcome["worker"] = worker
    return json.dumps(welcome, separators=(",", ":"))


def confirm_frame(received: int) -> str:
    """A control frame that tells the browser which messages arrived (all up to
    ``received``), for a browser that has sent messages no batch has confirmed."""
    return f'{{"in":{received}}}'


def batch_frame(number: int, received: int, batch: str) -> str:
    """A numbered batch: ``"<number> <received>\\n"`` and the batch's JavaScript."""
    return f"{number} {received}\n{batch}"
