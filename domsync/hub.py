"""The sessions of one server, and what the application registered: sans I/O.

The :class:`Hub` knows every session by its client, which document each one shows, and
which frames go where. It makes the frames; the server's transport sends them and runs
the application code the sessions return. Whether each browser has its own document
(:class:`OwnDocuments`, the default) or all share one (:class:`~domsync.shared.SharedDocument`)
is a layer of its own: the hub asks it, and never asks which it is.
"""

from __future__ import annotations

import logging
from typing import Iterable, Protocol
from urllib.parse import parse_qs, urlsplit

from .client import Client
from .document import Document
from .downloads import Downloads
from .exceptions import ClientGoneError, UsageError, WrongTypeError
from .handlers import Handlers
from .logs import brief
from .protocol import PROTOCOL_VERSION, WEBSOCKET_PATH
from .resume import Hello, Retention, new_token
from .session import JS_WIRE, WIRES, Call, Limits, Session, Wire

__all__ = ["Hub", "Documents", "OwnDocuments", "Frames", "speaks", "wire_of"]

logger = logging.getLogger("domsync.server")

#: Frames to send: each session with its frame, in the order they were made.
Frames = list[tuple[Session, str]]


class Documents(Protocol):
    """Which document each session shows, and how its changes become frames."""

    #: Whether all sessions share one document.
    shared: bool

    def document_for(self, client: Client) -> Document:
        """The document of a new session."""

    def flush(self, targets: Iterable[Session], everyone: Iterable[Session], downloads: Downloads) -> Frames:
        """Take the changes for ``targets`` (with a shared document: for ``everyone``)
        and make their frames, registering the large downloads they carry."""

    def join(self, session: Session, everyone: Iterable[Session], downloads: Downloads) -> Frames:
        """Give a new session its page, or rebuild the page of one whose batch failed."""

    def page(self, session: Session, downloads: Downloads) -> list[tuple]:
        """The ops of a session's whole page and its actions due, for a page served
        with it (``prerender``)."""

    def queue(self, session: Session, op: tuple) -> None:
        """Queue an action (its op) for one session only, sent with its next frame."""

    def broadcast(self, op: tuple, sessions: list[Session], everyone: Iterable[Session],
                  downloads: Downloads) -> Frames:
        """The frames that carry an action to each of ``sessions``, after the changes
        each has not sent yet."""

    def has_updates(self, sessions: Iterable[Session]) -> list[Session]:
        """The sessions whose changes nobody has sent yet."""


class OwnDocuments:
    """Each browser gets a document of its own (the default).

    Args:
        root_id: the id of the page's root element.
        document_class: :class:`~domsync.Document`, or a thread-safe
            :class:`~domsync.LockedDocument`.
        strict_csp: the documents' :attr:`~domsync.Document.strict_csp`.
    """

    shared = False

    def __init__(self, root_id: str, document_class: type[Document] = Document, strict_csp: bool = False):
        self.root_id = root_id
        self.document_class = document_class
        self.strict_csp = strict_csp

    def document_for(self, client: Client) -> Document:
        """A new document, with the route the page was opened at."""
        document = self.document_class(self.root_id)
        if self.strict_csp:
            document.strict_csp = True
        document._bind_to_this_thread()  # changed from the loop's thread (this one) only, unless locked
        url = urlsplit(client.request.path)
        route = parse_qs(url.query).get("route")
        if route and url.path.rsplit("/", 1)[-1] == WEBSOCKET_PATH:
            # The page's route when its socket opened, for the connect handlers (a page
            # request's own query is the app's: prerender=True).
            document.handle_route({"hash": route[0]})
        return document

    def flush(self, targets: Iterable[Session], everyone: Iterable[Session], downloads: Downloads) -> Frames:
        """Each target's own changes, as its frame."""
        frames = []
        for session in targets:
            if session.prerendering:
                continue  # its page will hold the changes (Hub.prerender)
            document = session.document
            with document._lock:
                ops = document.take_ops()
                taken = document._take_downloads()
            if ops:
                downloads.add([session.client], taken)
                frames.append((session, session.frame(session.wire.encode(ops))))
        return frames

    def join(self, session: Session, everyone: Iterable[Session], downloads: Downloads) -> Frames:
        """The whole page, rebuilt, then the actions still due (a failed batch)."""
        return [(session, session.frame(session.wire.encode(self.page(session, downloads))))]

    def page(self, session: Session, downloads: Downloads) -> list[tuple]:
        """The ops of the whole page as the document has it now, then the actions
        still due; the changes not sent yet are taken (the page has them)."""
        document = session.document
        with document._lock:
            actions = document._take_actions()  # messages and notifications still to deliver
            document.take_ops()  # the changes not sent yet are in the snapshot too
            page = document.snapshot_ops()
            taken = document._take_downloads()
        downloads.add([session.client], taken)
        return page + actions

    def queue(self, session: Session, op: tuple) -> None:
        """Recorded in the session's own document, in order with its changes."""
        document = session.document
        with document._lock:
            document._record_action(op)

    def broadcast(self, op: tuple, sessions: list[Session], everyone: Iterable[Session],
                  downloads: Downloads) -> Frames:
        """The action encoded once per wire and framed for each session (the frame's
        head, its batch number, is each session's own). A session whose document has
        changes not sent gets them in the same batch, before the action, as a
        :meth:`queue` and :meth:`flush` would send them."""
        frames: Frames = []
        bodies: dict[str, str] = {}
        behind = []
        for session in sessions:
            document = session.document
            with document._lock:
                if document.has_updates() or session.prerendering:
                    document._record_action(op)  # after its changes, in their batch
                    behind.append(session)
                    continue
            wire = session.wire
            body = bodies.get(wire.name)
            if body is None:
                body = bodies[wire.name] = wire.encode([op])
            frames.append((session, session.frame(body)))
        if behind:
            frames += self.flush(behind, everyone, downloads)
        return frames

    def has_updates(self, sessions: Iterable[Session]) -> list[Session]:
        """The sessions whose documents have changes not sent."""
        return [session for session in sessions if session.document.has_updates()]


def speaks(client: Client) -> int | None:
    """The protocol version the browser of ``client`` said it speaks (``?v=`` in its
    websocket URL), or None if it said none (a client of its own, say)."""
    version = parse_qs(urlsplit(client.request.path).query).get("v")
    if not version:
        return None
    try:
        return int(version[0][:10])
    except ValueError:
        return 0


def wire_of(client: Client) -> Wire | None:
    """The wire the client of ``client`` asked for (``?wire=json`` in its websocket
    URL; JavaScript without one), or None for a wire this server does not know."""
    wire = parse_qs(urlsplit(client.request.path).query).get("wire")
    return WIRES.get(wire[0]) if wire else JS_WIRE


class Hub:
    """The sessions of one server.

    Args:
        documents: which document each session shows (:class:`OwnDocuments` or
            :class:`~domsync.shared.SharedDocument`).
        handlers: what the application registered.
        limits: what each browser may send.
        downloads: the server's one-time download URLs.
        error_notifications: whether a browser whose handler or callback raised is shown
            a (generic) error notification.
    """

    def __init__(self, documents: Documents, handlers: Handlers, limits: Limits, downloads: Downloads,
                 *, error_notifications: bool = True):
        self.documents = documents
        self.handlers = handlers
        self.limits = limits
        self.downloads = downloads
        self.error_notifications = error_notifications
        self.sessions: dict[Client, Session] = {}
        #: Session tokens (each session's current one, and the one before it until the
        #: browser confirms it has the new one) -> sessions.
        self.tokens: dict[str, Session] = {}

    # ------------------------------------------------------------------ sessions

    def open(self, client: Client, retention: Retention | None = None) -> Session:
        """Start the session of a new browser; with ``retention``, one that can
        outlive its socket (the browser speaks the resume protocol)."""
        version = speaks(client)
        if version is not None and version != PROTOCOL_VERSION:
            # A page loaded before the server was upgraded: batches may not suit it.
            logger.warning("client %s speaks protocol version %s, this server %d: its page should be "
                           "reloaded", client.address, version, PROTOCOL_VERSION)
        documents = self.documents
        session = Session(client, documents.document_for(client), self.handlers, self.limits,
                          shared=documents.shared, retention=retention, wire=wire_of(client) or JS_WIRE)
        self.sessions[client] = session
        if retention is not None and retention.seconds > 0:
            self.rekey(session)
        return session

    def close(self, client: Client) -> Session | None:
        """End a session: it is gone, and takes nothing more."""
        session = self.sessions.pop(client, None)
        self.downloads.drop_client(client)
        if session is not None:
            for token in (session.token, session.previous_token):
                if token is not None:
                    self.tokens.pop(token, None)
        if not self.sessions:
            # A dict keeps its table at its largest: after a crowd has left, start small.
            self.sessions = {}
            if not self.tokens:
                self.tokens = {}
        return session

    def resumable(self, hello: Hello, client: Client) -> Session | None:
        """The session the hello of ``client`` (a new connection) may resume, or None:
        it names no session, or one that has ended, or a token that was replaced, or
        the session began on another origin. The token is never logged."""
        token = hello.token
        if token is None:
            return None
        session = self.tokens.get(token)
        if session is None or session.client not in self.sessions \
                or token not in (session.token, session.previous_token):
            self.tokens.pop(token, None)
            logger.warning("client %s presented an unknown, expired or replaced session token: "
                           "it gets a new session", client.address)
            return None
        origin = client.request.headers.get("Origin")
        if session.prerendered:
            # The page's first socket: the server served the token inside that page,
            # and the socket passed the origin checks. The session takes its origin.
            session.origin = origin
        elif origin != session.origin:
            logger.warning("client %s presented a session token from origin %s for a session of "
                           "origin %s: it gets a new session", client.address, brief(origin),
                           brief(session.origin))
            return None
        return session

    def rekey(self, session: Session, presented: str | None = None) -> str:
        """Give ``session`` a new token (at its start, and at each resume). The token
        the browser presented stays good until the browser sends on the new connection
        (its welcome, with the new token, may be lost with the socket); any other is
        void at once."""
        for old in (session.token, session.previous_token):
            if old is not None and old != presented:
                self.tokens.pop(old, None)
        session.previous_token = presented
        token = session.token = new_token()
        self.tokens[token] = session
        return token

    def forget_previous(self, session: Session) -> None:
        """The browser has its new token (it sent something after its welcome): the
        one it presented is void."""
        if session.previous_token is not None:
            self.tokens.pop(session.previous_token, None)
            session.previous_token = None

    def rejoin(self, session: Session, batch: int | None) -> Frames:
        """The frames that bring a returning browser up to date: the batches after
        ``batch`` (the last it applied) from the replay log, or, when the log does not
        reach back so far (or the page was reloaded), the whole page."""
        assert session.log is not None
        missed = session.log.since(batch) if batch is not None else None
        if missed is not None:
            return [(session, frame) for frame in missed]
        session.restart_log()
        return self.documents.join(session, self.sessions.values(), self.downloads)

    def prerender(self, client: Client) -> list[tuple]:
        """The ops of ``client``'s first page, for the HTML page that carries it
        (:mod:`domsync.prerender`), counted as its session's first batch: its
        changes and actions so far are taken, and its flushes send again."""
        session = self.session(client)
        session.prerendering = False
        ops = self.documents.page(session, self.downloads)
        session.given_in_page()
        session.prerendered = True
        return ops

    def session(self, client: Client) -> Session:
        """The session of ``client``.

        Raises:
            ClientGoneError: if it has ended.
        """
        try:
            return self.sessions[client]
        except (KeyError, TypeError):
            if not isinstance(client, Client):
                raise WrongTypeError(f"expected a Client (what handlers and events get: event.client), not "
                                     f"{type(client).__name__} ({brief(client)})") from None
            gone = ClientGoneError("this client has disconnected; check server.is_connected(client)")
            gone.client = client  # whose session it was (a disconnect handler's own, or another's)
            raise gone from None

    # ------------------------------------------------------------------ frames

    def flush(self, client: Client | None = None) -> Frames:
        """The frames that send the changes not sent yet: ``client``'s, or everyone's
        (with a shared document, always everyone's)."""
        targets = self.sessions.values() if client is None else [self.session(client)]
        return self.documents.flush(targets, self.sessions.values(), self.downloads)

    def join(self, client: Client) -> Frames:
        """The frames that give ``client`` its page (a new browser in a shared
        document, or one whose batch failed), and the others their updates."""
        return self.documents.join(self.session(client), self.sessions.values(), self.downloads)

    def pending(self) -> Frames:
        """The frames of every session with changes nobody has sent (autoflush)."""
        waiting = self.documents.has_updates(self.sessions.values())
        return self.documents.flush(waiting, self.sessions.values(), self.downloads) if waiting else []

    def queue(self, client: Client, op: tuple) -> None:
        """Queue an action for ``client`` only (a message, an error notification)."""
        self.documents.queue(self.session(client), op)

    def broadcast(self, op: tuple, targets: Iterable[Client]) -> Frames:
        """Make the frames that carry an action to each of ``targets``, encoded once
        (not per session: a broadcast to N browsers costs one encoding, not N)."""
        sessions = [self.sessions[client] for client in targets if client in self.sessions]
        return self.documents.broadcast(op, sessions, self.sessions.values(), self.downloads)

    # ------------------------------------------------------------------ errors

    def failed(self, client: Client, exc: BaseException, message: dict | None) -> list[Call]:
        """Application code for ``client`` raised: queue the generic error notification
        (if enabled) and return the ``error`` handlers to run."""
        session = self.sessions.get(client)
        if self.error_notifications and session is not None:
            if message:
                what = f"the {message.get('event') or message.get('name') or message.get('type')} event"
            else:
                what = "this page"
            self.documents.queue(session, Document._notification_op(
                "error", "Something went wrong", f"The server failed while handling {what}; it was logged."))
        return [Call(handler, (client, exc, message), "error handler", message)
                for handler in self.handlers.lifecycle["error"]]

    def document_of(self, client: Client) -> Document:
        """The document ``client`` shows.

        Raises:
            ClientGoneError: if it has ended.
        """
        return self.session(client).document

    def shared_document(self) -> Document:
        """The document every browser shares.

        Raises:
            UsageError: if each browser has its own.
        """
        document: Document | None = getattr(self.documents, "document", None)
        if document is None:
            raise UsageError("this server gives each client its own document: use "
                             "server.get_document(client), or DomsyncServer(shared=True)")
        return document

