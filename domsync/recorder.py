"""How a :class:`~domsync.Document` records its changes: as ops, in its outbox.

:class:`Recorder` is a part of :class:`~domsync.Document`: the mutations of its
elements come here, change the tree, and record an op when the browser holds the
element changed. The browser holds exactly the elements the model has *materialised*:
those attached under the root at the last batch, plus those attached since. An element
that is created but not yet attached costs nothing on the wire: when it is attached,
its whole subtree is recorded as one op, described as it is at that moment. Changes to
elements the browser holds are recorded one by one, and

- setting a property to its current value records nothing;
- a later change of the same attribute or property replaces the earlier one.

:mod:`domsync.batches` turns the outbox into a batch.

The outbox holds ops as recorded: tuples of a protocol op code and its fields, with
the subject element second, and elements named by reference (coalescing must know
which of them are still in the page):

  (RESET, root)
  (APPEND_LEAVES, child, parent)        a new leaf with a generated id and at most one
                                        text node, appended; described as it is when
                                        the batch is taken
  (INSERT, child, parent, ref, node, born, uses)   a new subtree, described when it
                                        was attached (ref None: appended)
  (MOVE, child, parent, ref)            an element the browser has, moved
  (REMOVE, element)
  (SET_ATTR, element, name, value)      value None: removed
  (TEXT, element, text, taken out)      taken out: the element children it replaced
  (CHILDREN, element, items, born, uses, taken out)
  (SET_PROP, element, name, value)
  (LISTEN, element, event, entry)       entry None: no longer listening
  (action code, root, *fields)          an action: its wire op, after the root
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, cast

from .attributes import attr_get, attr_with, share
from .element import AUTO_ID, AUTO_ID_PREFIX, FRESH, IMPLICIT_ID, LIVE, Element
from .exceptions import HierarchyError, ReplicaError, UsageError
from .flags import FOREIGN
from .protocol import (
    APPEND_LEAVES, CHILDREN, INSERT, LISTEN, MOVE, NS_HTML, REMOVE, SET_ATTR, SET_PROP, TEXT, TEXT_AT,
)

if TYPE_CHECKING:  # pragma: no cover
    from .document import Document

__all__ = ["Recorder", "leaf_text", "FORM_CONTROLS", "get_ident"]

#: The calling thread's id (the thread check below runs on every recorded change).
get_ident = threading.get_ident

#: The elements whose state the browser sends back (two-way binding).
FORM_CONTROLS = frozenset({"input", "textarea", "select"})
_FORM_CONTROLS = FORM_CONTROLS


class Recorder:
    """The recording part of :class:`~domsync.Document`."""

    # The outbox and its bookkeeping (see _reset_outbox).
    _outbox: list[tuple | None]
    _last_setter: dict[tuple, int]
    _superseded: set[int]
    _detached: list[Element]
    _barrier: int
    # The document's own state, declared for type checkers (Document sets it).
    _root: Element
    _ids: dict[str, Element]
    _listening: dict[int, Element]
    _next_key: int
    _element_class: type[Element]

    if TYPE_CHECKING:  # pragma: no cover
        # What this part uses of Document and its other parts (they define them).
        def _is_findable(self, el: Element) -> bool: ...
        def _register_ids(self, *tops: Element) -> None: ...
        def _check_new_id(self, new_id: str, el: Element | None, auto: dict | None = None) -> None: ...
        def _node(self, node: Element | str, born: list | None = None, uses: list | None = None) -> Any: ...

    #: The thread that may change the page the browser shows (the server's loop's),
    #: or None: any thread (a document no server has bound, or a LockedDocument).
    _owner_thread: int | None = None
    _owner_name = ""

    def _bind_to_this_thread(self) -> None:
        """From now on, changes the browser would see must come from the calling
        thread: a server binds its own documents to its event loop's thread, so that
        a change from another thread raises at once rather than half-working."""
        self._owner_thread = get_ident()
        self._owner_name = threading.current_thread().name

    #: True while another process owns this shared document (see domsync.replica): every
    #: change raises ReplicaError (the replica sets _owner_thread to no thread's, so that
    #: every change of the page comes here).
    _replica_of = False

    def _unbind(self) -> None:
        """Any thread may change it again (its server has stopped)."""
        self._owner_thread = None

    def _wrong_thread(self) -> None:
        """A change from a thread that is not the owner's: raise, unless the owner's
        thread has ended (a server that ran in a thread of its own, like a test
        client's): then the document is nobody's and the change goes ahead."""
        if self._replica_of:
            raise ReplicaError(
                "this process holds a replica of the shared document: another process owns it, and a change "
                "made here would reach no browser. Change it where it is owned: `await server.ownership()` "
                "before the code that changes it (it returns at once on the owner, and when this process "
                "takes over)")
        owner = self._owner_thread
        if not any(thread.ident == owner for thread in threading.enumerate()):
            self._owner_thread = None
            return
        raise UsageError(
            f"this document belongs to the server's event loop, in thread {self._owner_name!r}, and was "
            f"changed from thread {threading.current_thread().name!r}: changes from another thread half-work "
            f"(an update may arrive, later ones never do). To change documents from any thread, use "
            f"DomsyncServer(thread_safe=True, autoflush=0.1) or serve_in_background(); or hand the change "
            f"to the loop with loop.call_soon_threadsafe(...) or asyncio.run_coroutine_threadsafe(...)")

    def _reset_outbox(self) -> None:
        # New containers rather than clear(): the render loop may still hold the old list.
        self._outbox = []
        # (element, kind, name) -> index of the last setter op, so a later one replaces it
        self._last_setter = {}
        # CHILDREN ops (by index) replaced by a later TEXT or CHILDREN op on the same element;
        # filled at render time by _coalesce_children
        self._superseded = set()
        # elements the browser has that were detached in this batch
        self._detached = []
        # where the outbox's ops since the last action (see _freeze_leaves) begin
        self._barrier = 0

    def _freeze_leaves(self) -> None:
        """Before an action: render the new leaves recorded since the last one as they
        are now. A leaf is otherwise rendered from its state at render time, and page
        script run by the action would see changes made after it."""
        outbox = self._outbox
        for index in range(self._barrier, len(outbox)):
            op = outbox[index]
            if op is not None and op[0] == APPEND_LEAVES:
                el = op[1]
                outbox[index] = (INSERT, el, op[2], None, (-el._key, el._tag, NS_HTML, None, leaf_text(el), None),
                                 [el], [])
        self._barrier = len(outbox) + 1

    def _record(self, op: tuple) -> int:
        self._outbox.append(op)
        return len(self._outbox) - 1

    def _record_setter(self, el: Element, kind: int, name: str, op: tuple) -> None:
        key = (el, kind, name)
        previous = self._last_setter.get(key)
        if previous is not None:
            self._outbox[previous] = None
        self._last_setter[key] = self._record(op)

    def _unlink(self, child: Element) -> Element | None:
        """Take ``child`` out of its parent's children in the model only."""
        parent = child._parent
        if parent is None:
            return None
        kids = cast("list[Any]", parent._kids)  # it has child among its children: a list
        # list.index compares by identity first and elements define no __eq__, so this
        # finds child itself, in C: moving many children of one parent stays fast.
        del kids[kids.index(child)]
        if not kids:
            parent._kids = None
        child._parent = None
        return parent

    def _text_at(self, parent: Element, ref: Element | None, text: str) -> None:
        """Replace the text nodes just before the child ``ref`` of ``parent`` (its last
        ones for None) by ``text`` (by none for ""). Text nodes have no key on the
        wire: this names them by the element after them, so that a morph can change
        the text between two elements without sending the parent's children again."""
        if parent._flags & LIVE:
            owner = self._owner_thread
            if owner is not None and owner != get_ident():
                self._wrong_thread()
        kids = parent._kids
        items: list = [] if kids is None else [kids] if type(kids) is str else cast("list[Any]", kids)
        end = len(items) if ref is None else items.index(ref)
        start = end
        while start and type(items[start - 1]) is str:
            start -= 1
        items[start:end] = [text] if text else []
        if not items:
            parent._kids = None
        elif len(items) == 1 and type(items[0]) is str:
            parent._kids = items[0]  # one text node: the model's short form
        else:
            parent._kids = items
        if parent._flags & LIVE:
            self._outbox.append((TEXT_AT, parent, ref, text))

    def _insert(self, parent: Element, child: Element, ref: Element | None) -> None:
        if (parent._flags | child._flags) & LIVE:
            owner = self._owner_thread
            if owner is not None and owner != get_ident():  # before anything changes
                self._wrong_thread()
        old_parent = child._parent
        if old_parent is not None or not child._flags & FRESH:
            # Not a new element: it may come back from removal, or move.
            if not self._is_findable(child) and self._is_findable(parent):
                self._register_ids(child)
            if old_parent is not None:
                self._unlink(child)
        kids = parent._kids
        if kids is None:
            parent._kids = [child]
        elif type(kids) is str:
            parent._kids = [kids, child]
        elif ref is None:
            # A list: mypy does not narrow type(kids) is str in the else branch.
            kids.append(child)  # type: ignore[union-attr]
        else:
            kids.insert(kids.index(ref), child)  # type: ignore[union-attr, arg-type]  # as above
        child._parent = parent
        if parent._flags & LIVE or child._flags & LIVE:
            self._record_attach(parent, child, ref, old_parent)

    def _record_attach(self, parent: Element, child: Element, ref: Element | None,
                       old_parent: Element | None) -> None:
        """Record that ``child`` was put into ``parent`` (before ``ref``)."""
        if parent._flags & LIVE:
            flags = child._flags
            if flags & LIVE:
                self._outbox.append((MOVE, child, parent, ref))
                return
            ckids = child._kids
            if ref is None and flags & IMPLICIT_ID and child._attrs is None and child._props is None \
                    and not flags & FOREIGN and (ckids is None or type(ckids) is str):
                # The common new leaf: rendered with the batch (see _render_outbox).
                child._flags = flags | LIVE
                if child._tag in _FORM_CONTROLS:
                    self._listening[child._key] = child  # two-way binding: see handle_sync
                self._outbox.append((APPEND_LEAVES, child, parent))
                return
            born: list[Element] = []
            uses: list[Element] = []
            node = self._node(child, born, uses)
            self._outbox.append((INSERT, child, parent, ref, node, born, uses))
        elif child._flags & LIVE and old_parent is not None and old_parent._flags & LIVE:
            self._record((REMOVE, child))
            self._detached.append(child)

    def _detach(self, child: Element, record: bool) -> None:
        if record and child._flags & LIVE:
            owner = self._owner_thread
            if owner is not None and owner != get_ident():
                self._wrong_thread()
        parent = self._unlink(child)
        child._flags &= ~FRESH
        if record and child._flags & LIVE and parent is not None and parent._flags & LIVE:
            self._record((REMOVE, child))
            self._detached.append(child)

    def _replace_children(self, el: Element, text: str | None, parts: list | None) -> None:
        """Replace all children of ``el`` by one text node, or by ``parts``: strings
        (text), ``None`` (a ``<br>``) or parsed elements."""
        if el._flags & LIVE:
            owner = self._owner_thread
            if owner is not None and owner != get_ident():
                self._wrong_thread()
        old = el._kids
        live = el._flags & LIVE
        old_elements = [k for k in old if type(k) is not str] if type(old) is list else []
        old_flags = [k._flags for k in old_elements]
        for kid in old_elements:
            kid._parent = None
            kid._flags &= ~FRESH  # removed: no longer findable, so its ids may be reused
        new_kids: list = []
        if parts is not None:
            for part in parts:
                if part is None:
                    key = self._next_key
                    self._next_key = key + 1
                    part = self._element_class(cast("Document", self), key, "br", None, 0)
                if type(part) is not str:
                    part._parent = el
                new_kids.append(part)
            if self._is_findable(el):
                el._kids = None  # the old children are out while the new ids are checked
                try:
                    self._register_ids(*(part for part in new_kids if type(part) is not str))
                except Exception:
                    el._kids = old
                    for kid, flags in zip(old_elements, old_flags):
                        kid._parent = el
                        kid._flags = flags
                    raise
        detached = tuple(kid for kid in old_elements if kid._flags & LIVE) if live else ()
        self._detached.extend(detached)
        if parts is None:
            el._kids = text
        else:
            el._kids = new_kids or None
        if not live:
            return
        if parts is None:
            self._outbox.append((TEXT, el, text or "", detached))
            return
        born: list[Element] = []
        uses: list[Element] = []
        items = tuple([self._node(kid, born, uses) for kid in new_kids])
        self._outbox.append((CHILDREN, el, items, born, uses, detached))

    def _set_attribute(self, el: Element, name: str, value: str | None) -> None:
        if el._flags & LIVE:
            owner = self._owner_thread
            if owner is not None and owner != get_ident():
                self._wrong_thread()
        attrs = el._attrs
        if name == "id" and el._flags & IMPLICIT_ID:
            old: str | None = AUTO_ID_PREFIX + str(el._key)
        else:
            old = attr_get(attrs, name)
        if old == value:
            return
        if name == "id":
            if el is self._root:
                raise HierarchyError("the root element's id is fixed by Document(root_id=...)")
            if value is not None:
                self._check_new_id(value, el)
                if self._is_findable(el):
                    self._ids[value] = el
            if old is not None and self._ids.get(old) is el:
                del self._ids[old]
            if el._flags & IMPLICIT_ID:
                # The generated id, first of the attributes, gets a value of the
                # application's (or goes): from now on it is stored like the others.
                el._flags &= ~(AUTO_ID | IMPLICIT_ID)
                if value is not None:
                    el._attrs = share(("id", value) + (attrs or ()))
            else:
                el._flags &= ~AUTO_ID
                el._attrs = attr_with(attrs, name, value)
        else:
            el._attrs = attr_with(attrs, name, value)
        if el._flags & LIVE:
            key = (el, SET_ATTR, name)
            op = (SET_ATTR, el, name, value)
            previous = self._last_setter.get(key)
            if previous is not None:
                prev_op = self._outbox[previous]
                if prev_op is not None and value is not None and prev_op[3] is not None:
                    # Set after set: the first one fixed the attribute's position in the
                    # element (what the serialisation shows); keep that, with the new value.
                    self._outbox[previous] = op
                    return
                if value is None:
                    # Removed again: the earlier set no longer matters.
                    self._outbox[previous] = None
                # A set after a removal goes last in the browser, as in the model: keep both.
            self._last_setter[key] = self._record(op)

    def _set_prop(self, el: Element, name: str, value: Any, record: bool = True) -> None:
        if record and el._flags & LIVE:
            owner = self._owner_thread
            if owner is not None and owner != get_ident():
                self._wrong_thread()
        props = el._props
        if props is None:
            el._props = props = {}
        props[name] = value
        if record and name == "value" and el._tag == "select":
            props.pop("selected", None)  # the server chose: the user's selection is history
        if el._flags & LIVE:
            key = (el, SET_PROP, name)
            if record:
                self._record_setter(el, SET_PROP, name, (SET_PROP, el, name, value))
            else:
                # The browser already shows this value: a pending change of ours is stale.
                previous = self._last_setter.pop(key, None)
                if previous is not None:
                    self._outbox[previous] = None

    def _listen(self, el: Element, event: str, entry: tuple | None) -> None:
        if el._flags & LIVE:
            owner = self._owner_thread
            if owner is not None and owner != get_ident():
                self._wrong_thread()
        props = el._props
        if props is None:
            el._props = props = {}
        listeners = props.get("on")
        if entry is None:
            assert listeners is not None  # removeEventListener checked it listens to event
            del listeners[event]
            if not listeners:
                del props["on"]
                if el._flags & LIVE and not (el._tag in _FORM_CONTROLS and el._ns is None):
                    self._listening.pop(el._key, None)  # form controls stay: two-way binding
        else:
            if listeners is None:
                props["on"] = listeners = {}
            listeners[event] = entry
            if el._flags & LIVE:
                self._listening[el._key] = el
        if el._flags & LIVE:
            self._record((LISTEN, el, event, entry))


def leaf_text(el: Element) -> str | None:
    """The text a leaf had when it was attached: later changes to it are ops of their
    own, which only add elements after that first text node or replace it."""
    kids = el._kids
    if kids is None or type(kids) is str:
        return kids
    return kids[0] if kids and type(kids[0]) is str else None
