"""One document that every browser shows: the shared mode of a server.

Each browser that joins gets the whole page as it is, then the same batches as the
others. A batch is taken from the document and encoded once, then handed to every
browser that has the page, with the actions meant for that browser alone (a
``server.send``, an error notification) after it. Taking and handing out is one step,
with no I/O in between: batches leave in the order they were taken, and none is missed
or sent twice.
"""

from __future__ import annotations

from typing import Iterable

from .client import Client
from .document import Document
from .downloads import Download, Downloads
from .exceptions import UsageError
from .hub import Frames
from .session import Session

__all__ = ["SharedDocument"]


class SharedDocument:
    """The documents of a server with ``shared=True``: one for everyone.

    Args:
        document: the shared document. Form state one browser sends is passed on to
            the others (its ``_echo_state``).
    """

    shared = True

    def __init__(self, document: Document):
        document._echo_state = True
        self.document = document

    def document_for(self, client: Client) -> Document:
        """The shared document, for every session."""
        return self.document

    def flush(self, targets: Iterable[Session], everyone: Iterable[Session], downloads: Downloads,
              joining: Session | None = None) -> Frames:
        """One batch for everyone who has the page, with each one's private actions
        after it; the whole page for ``joining``."""
        # Whoever asked, the batch is everyone's: ``targets`` does not matter.
        ops, taken, page = self._take(joining)
        frames = self._frames(ops, taken, everyone, downloads, joining)
        if joining is not None and page is not None:
            joining.has_page = True
            wire = joining.wire
            frames.append((joining, joining.frame(wire.join(wire.encode(page), self._private(joining)))))
        return frames

    def _take(self, joining: Session | None) -> tuple[list[tuple], dict[str, Download], list[tuple] | None]:
        """The document's changes and large downloads since the last take, and the
        whole page if a browser joins: one step under the document's lock."""
        document = self.document
        with document._lock:
            ops = document.take_ops()
            taken = document._take_downloads()
            page = document.snapshot_ops() if joining is not None else None
        return ops, taken, page

    def _frames(self, ops: list[tuple], taken: dict[str, Download], everyone: Iterable[Session], downloads: Downloads,
                joining: Session | None) -> Frames:
        """The frames that carry ``ops`` to everyone who has the page (but
        ``joining``), each with its private actions after it."""
        bodies: dict[str, str] = {}  # the batch, encoded once for each wire in use
        receivers = [session for session in everyone if session.has_page and session is not joining]
        if taken and receivers:
            downloads.add([session.client for session in receivers], taken)
        frames = []
        for session in receivers:
            wire = session.wire
            body = bodies.get(wire.name)
            if body is None:
                body = bodies[wire.name] = wire.encode(ops)
            text = wire.join(body, self._private(session))
            if text:
                frames.append((session, session.frame(text)))
        return frames

    def join(self, session: Session, everyone: Iterable[Session], downloads: Downloads) -> Frames:
        """The others' updates, then the whole page for ``session``."""
        return self.flush((), everyone, downloads, joining=session)

    def page(self, session: Session, downloads: Downloads) -> list[tuple]:
        """Not for a shared document: the server refuses ``prerender=True`` with
        ``shared=True`` (every browser joins the one page over its socket)."""
        raise UsageError("a shared document's pages are not prerendered: DomsyncServer(shared=True) "
                         "takes no prerender=True")

    def queue(self, session: Session, op: tuple) -> None:
        """Kept for that session alone, and sent after its next batch."""
        session.private.append(op)

    def broadcast(self, op: tuple, sessions: list[Session], everyone: Iterable[Session],
                  downloads: Downloads) -> Frames:
        """Kept for each of ``sessions``, and sent after everyone's next batch, now."""
        for session in sessions:
            session.private.append(op)
        return self.flush(sessions, everyone, downloads)

    def has_updates(self, sessions: Iterable[Session]) -> list[Session]:
        """Everyone, if the document or anyone's private queue has something to send."""
        sessions = list(sessions)
        if self.document.has_updates() or any(session.private for session in sessions):
            return sessions
        return []

    @staticmethod
    def _private(session: Session) -> str:
        if not session.private:
            return ""
        text = session.wire.encode(session.private)
        session.private = []
        return text
