"""A shared document across processes: the owner's op stream, and the replicas that
follow it. Sans I/O: the backplane (:mod:`domsync.backplane`) moves the bytes.

With ``DomsyncServer(shared=True, backplane=...)`` every process runs the same app and
builds the same page at start, and one process at a time *owns* the shared document.
The owner's document is the real one: the app changes it and its callbacks run there.
Every batch it sends its own browsers goes, as JSON ops, on a Redis Stream. The other
processes keep a *replica*: a :class:`~domsync.mirror.Mirror` (the browser client's
page, in Python) that applies the stream. A replica's browsers get the owner's batches
as they are (the same keys), and a browser that joins there gets the replica's page as a
snapshot. The events and form edits of a replica's browsers go to the owner, which
handles them as its own.

When the owner is gone, a replica takes over: it reads the stream to its end, then
turns its mirror into its document (:meth:`ReplicatedDocument.take_over`) and publishes
the page as a snapshot, the first entry of its ownership. The other replicas, and the
new owner's own browsers, get that page whole. Nothing in the stream is lost or applied
twice: a replica applies entries in stream order by id, and an owner can only append
while its lease is its own (the backplane's fenced append), so an owner that lost its
lease finds out at its next append, and follows in turn.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Callable, Iterable

from .document import Document
from .downloads import Download, Downloads
from .exceptions import ReplicaError
from .hub import Frames
from .mirror import Mirror, MirrorElement
from .names import MATHML_NAMESPACE, SVG_NAMESPACE
from .protocol import ACTIONS, APPEND, AUTO_ID_PREFIX, LISTEN, NS_HTML, NS_MATHML, NS_SVG, RESET, SET_ATTR
from .session import Session
from .shared import SharedDocument

__all__ = ["ReplicatedDocument", "ops_to_json", "ops_from_json", "mirror_snapshot"]

logger = logging.getLogger("domsync.backplane")

#: The owner publishes a snapshot of the page after this many batches, so that a
#: process that joins applies at most this many entries after the last snapshot.
SNAPSHOT_EVERY = 500

_NS_NUMBER = {None: NS_HTML, SVG_NAMESPACE: NS_SVG, MATHML_NAMESPACE: NS_MATHML}


def ops_to_json(ops: Iterable[tuple]) -> str:
    """A batch as the text of a stream entry (JSON: tuples become lists)."""
    return json.dumps(list(ops), ensure_ascii=False, separators=(",", ":"))


def ops_from_json(text: str | bytes) -> list[tuple]:
    """A batch back from :func:`ops_to_json`: the lists that were tuples are tuples
    again (the encoders and the mirror take both; the encoders tell a node's children
    ``str`` from a tuple of items). Dicts (a message's payload) are left as they are."""
    return [_tuples(op) for op in json.loads(text)]


def _tuples(value: Any) -> Any:
    if type(value) is list:
        return tuple([_tuples(item) for item in value])
    return value


def mirror_snapshot(page: Mirror) -> list[tuple]:
    """The ops that rebuild ``page`` from scratch, with its keys: what a browser that
    joins a replica gets (as :meth:`Document.snapshot_ops` for the owner's)."""
    keys = {id(el): key for key, el in page.keys.items()}
    listeners = page.listeners
    root = page.root
    ops: list[tuple] = [(RESET, page.root_id)]
    for name, value in root._attrs.items():
        if name != "id":
            ops.append((SET_ATTR, 0, name, value))
    for event, (getter, options) in listeners.get(0, {}).items():
        ops.append((LISTEN, 0, event, getter, options))

    def node(el: MirrorElement) -> tuple:
        key = keys.get(id(el))
        if key is None:  # not known by key (the model forgot it): the browser needs none
            raise ReplicaError(f"the replica's page has an element without a key: {el!r}")
        attrs = list(el._attrs.items())
        if attrs and attrs[0] == ("id", AUTO_ID_PREFIX + str(key)):
            key, attrs = -key, attrs[1:]  # a generated id: the receiver sets it
        flat = tuple(item for pair in attrs for item in pair) or None
        kids: Any
        if not el._kids:
            kids = None
        elif len(el._kids) == 1 and type(el._kids[0]) is str:
            kids = el._kids[0]
        else:
            kids = tuple(kid if isinstance(kid, str) else node(kid) for kid in el._kids)
        heard = listeners.get(abs(key))
        props = None
        if el.value is not None or el.checked is not None or heard:
            props = (el.value, el.checked,
                     tuple((event, getter, options) for event, (getter, options) in heard.items()) if heard else None)
        return (key, el._tag, _NS_NUMBER[el._ns], flat, kids, props)

    items = tuple(kid if isinstance(kid, str) else node(kid) for kid in root._kids)
    if items:
        ops.append((APPEND, 0, items))
    return ops


class ReplicatedDocument(SharedDocument):
    """The shared document of a server with a backplane: the owner's, or a replica.

    It starts as the owner of what the app built (``owner`` is True), so that a server
    whose backplane has not connected yet serves its page as a server without one. The
    backplane calls :meth:`follow` when another process owns the document, and
    :meth:`take_over` when this one wins it.

    Args:
        document: the process's own document: the real one while it owns, a
            read-only stand-in while it follows.
    """

    def __init__(self, document: Document):
        super().__init__(document)
        #: Whether this process owns the document (else its browsers see the replica).
        self.owner = True
        #: The replica's page while following (None while owning).
        self.mirror: Mirror | None = None
        #: Owning: called with each batch taken (``ops, False``), and with a snapshot
        #: of the page (``ops, True``) now and then: the backplane's stream, in order.
        self.on_batch: Callable[[list[tuple], bool], None] | None = None
        #: Owning: the next take publishes a snapshot after its batch.
        self.snapshot_due = False
        self._batches = 0
        #: Following: the stream's batches applied to the mirror and not yet sent.
        self._inbound: list[tuple] = []
        #: Following: a snapshot replaced the page; joined browsers get it whole.
        self._rebuilt = False
        # The document's owner thread while it owned (restored when it takes over).
        self._thread: int | None = None

    # ------------------------------------------------------------------ roles

    def follow(self, snapshot: list[tuple]) -> None:
        """Become a replica of the page ``snapshot`` rebuilds (a stream's snapshot
        entry): the document stops taking changes, and every browser gets the page."""
        page = Mirror(self.document._root_id)
        page.new_session = False
        page.apply(snapshot)
        self.owner = False
        self.mirror = page
        self._inbound = []
        self._rebuilt = True
        document = self.document
        with document._lock:
            document.take_ops()  # what the app built here is not the page: never sent
            document._take_downloads()
            if not document._replica_of:
                self._thread = document._owner_thread
                document._replica_of = True
                document._owner_thread = -1  # no thread's: every change of the page raises

    def apply(self, ops: list[tuple]) -> None:
        """A batch of the owner's, from the stream: onto the replica's page, and
        queued for its browsers. A snapshot (it starts with RESET) rebuilds the page."""
        page = self.mirror
        if page is None:
            raise ReplicaError("apply() on the owner of the shared document")
        if ops and ops[0][0] == RESET:
            self.follow(ops)
            return
        page.apply([op for op in ops if op[0] not in ACTIONS])  # actions are the browsers' to do
        self._inbound.extend(ops)

    def take_over(self) -> list[tuple]:
        """This process now owns the document: its content becomes the replica's page
        (the same HTML and form state; new keys), and every browser gets it whole.
        On a process that was not following, the page is the one the app built.

        Returns:
            The snapshot that starts this ownership, to publish (the changes not sent
            yet are in it, and are not sent as a batch).
        """
        page = self.mirror
        document = self.document
        with document._lock:
            if document._replica_of:
                document._replica_of = False
                document._owner_thread = self._thread
            if page is not None:
                _copy_page(page, document)
            document.take_ops()
            snapshot = document.snapshot_ops()
        self.owner = True
        self.mirror = None
        self._inbound = []
        self._rebuilt = True
        self._batches = 0
        self.snapshot_due = False
        return snapshot

    # ------------------------------------------------------------------ the Documents protocol

    def flush(self, targets: Iterable[Session], everyone: Iterable[Session], downloads: Downloads,
              joining: Session | None = None) -> Frames:
        """As :class:`SharedDocument`; the owner also keeps each batch for the stream,
        and a replica sends what the stream brought instead of its document's."""
        if self._rebuilt:
            # A new page (a takeover, or a replica's first snapshot): everyone gets it whole.
            self._rebuilt = False
            everyone = list(everyone)
            frames: Frames = []
            for session in everyone:
                if session.has_page or session is joining:
                    frames += self._page_for(session, downloads)
            return frames
        if self.owner:
            return super().flush(targets, everyone, downloads, joining)
        ops, self._inbound = self._inbound, []
        frames = self._frames(ops, {}, everyone, downloads, joining)
        if joining is not None:
            frames += self._page_for(joining, downloads)
        return frames

    def _take(self, joining: Session | None) -> tuple[list[tuple], dict[str, Download], list[tuple] | None]:
        """As :class:`SharedDocument`'s; the owner also hands each batch to
        :attr:`on_batch`, and after every :data:`SNAPSHOT_EVERY` batches (or when
        :attr:`snapshot_due`) the page as it stands after it, in the same step."""
        document = self.document
        with document._lock:
            ops = document.take_ops()
            taken = document._take_downloads()
            page = document.snapshot_ops() if joining is not None else None
            publish = self.on_batch
            if self.owner and publish is not None:
                if ops:
                    publish(ops, False)
                    self._batches += 1
                if self.snapshot_due or self._batches >= SNAPSHOT_EVERY:
                    self.snapshot_due = False
                    self._batches = 0
                    publish(page if page is not None else document.snapshot_ops(), True)
        return ops, taken, page

    def _page_for(self, session: Session, downloads: Downloads) -> Frames:
        session.has_page = True
        page = self.mirror
        snapshot = mirror_snapshot(page) if page is not None else self._snapshot()
        wire = session.wire
        return [(session, session.frame(wire.join(wire.encode(snapshot), self._private(session))))]

    def _snapshot(self) -> list[tuple]:
        document = self.document
        with document._lock:
            return document.snapshot_ops()

    def has_updates(self, sessions: Iterable[Session]) -> list[Session]:
        """Everyone, if anything waits: the document's changes (owning), the
        stream's batches (following), a new page, or anyone's private actions."""
        sessions = list(sessions)
        if self._rebuilt or self._inbound:
            return sessions
        if not self.owner:
            return sessions if any(session.private for session in sessions) else []
        return super().has_updates(sessions)


def _copy_page(page: Mirror, document: Document) -> None:
    """Make ``document``'s page the replica's: its HTML, morphed in (so the elements
    this process built at start, with their listeners, stay where the page still has
    them: matched by id, generated ids included), then the live form state the HTML
    does not carry (values, checked boxes), element by element in tree order."""
    root = document.getRootElement()
    for name in list(root.getAttributeNames()):
        if name != "id" and name not in page.root._attrs:
            root.removeAttribute(name)
    for name, value in page.root._attrs.items():
        if name != "id":
            root.setAttribute(name, value)
    root.patch(page.inner_html(), mode="inner")
    mirrored = list(page.root.iter())
    built = list(root._iter_descendants())
    if [el._tag for el in mirrored] != [el._tag for el in built]:
        # The HTML parser made another tree of it (a <tr> straight in a <table> gets a
        # <tbody>): the page is right, the form state cannot be matched element by element.
        logger.warning("took over the shared document: its HTML parses into another tree, so its form "
                       "controls show their default values")
        return
    for source, target in zip(mirrored, built):
        if source.value is not None and target._tag in ("input", "textarea", "select"):
            target.value = source.value
        if source.checked is not None and target._tag == "input":
            target.checked = source.checked
