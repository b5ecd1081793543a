"""How a :class:`~domsync.Document`'s recorded changes become a batch of ops.

:class:`Batches` is a part of :class:`~domsync.Document`. When a batch is taken
(:meth:`~domsync.Document.take_ops`, and :meth:`~domsync.Document.render_js_updates`
on top of it), the outbox is coalesced on its values:

- replacements of an element's children (text, ``innerText``, ``innerHTML``) that a
  later one makes pointless are dropped;
- the work on elements that were created and removed again in the batch is dropped,
  unless something that stays needs them;
- elements that left the page are forgotten by the browser after the batch
  (``FORGET``), and rebuilt from the model if they are attached again.

Then the recorded ops, which name elements by reference, become wire ops, which name
them by key (see :mod:`domsync.protocol`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

from . import encode_js
from .attributes import attr_pairs
from .encoding import _quote, js_string
from .element import IMPLICIT_ID, LIVE, Element
from .exceptions import UsageError
from .flags import FOREIGN, MATHML, NS_SHIFT, SVG
from .recorder import FORM_CONTROLS as _FORM_CONTROLS, leaf_text
from .protocol import (
    ACTIONS, APPEND, APPEND_LEAVES, CHILDREN, FORGET, INSERT, LISTEN, MOVE, NS_HTML, NS_MATHML,
    NS_SVG, REMOVE, REMOVE_ATTR, RESET, SET_ATTR, SET_PROP, TEXT, TEXT_AT, UNLISTEN,
)

__all__ = ["Batches"]

# The namespace bits of an element's flags are the wire's numbers.
assert (SVG >> NS_SHIFT, MATHML >> NS_SHIFT, 0) == (NS_SVG, NS_MATHML, NS_HTML)
# flags & _LEAF_FLAGS == IMPLICIT_ID: a generated id and the HTML namespace, in one test.
_LEAF_FLAGS = IMPLICIT_ID | FOREIGN


class Batches:
    """The batch-taking part of :class:`~domsync.Document`."""

    # The outbox and its bookkeeping (see Recorder._reset_outbox), declared for type
    # checkers, and the document's own state (Document and its other parts set it).
    _outbox: list[tuple | None]
    _superseded: set[int]
    _detached: list[Element]
    _barrier: int
    _answering_route: bool
    _root: Element
    _root_id: str
    _ids: dict[str, Element]
    _listening: dict[int, Element]
    _fresh_auto: list[Element]

    if TYPE_CHECKING:  # pragma: no cover
        # What this part uses of Document and its other parts (they define them).
        def _reset_outbox(self) -> None: ...
        def _prune_fresh(self) -> None: ...
        def _is_connected(self, el: Element) -> bool: ...
        def _is_findable(self, el: Element) -> bool: ...

    def has_updates(self) -> bool:
        """True if :meth:`render_js_updates` would return something."""
        return any(op is not None for op in self._outbox)

    def render_js_updates(self) -> str:
        """Return the JavaScript for every change since the last call, and start afresh.

        The first call also binds the root element (``R("root_id")``), so the first
        batch can be applied to a fresh page. An empty string means there is nothing to
        send.
        """
        outbox = self._outbox
        if len(outbox) == 1:
            # One text change (a clock's tick, a cell update): the hot path, kept short.
            op = outbox[0]
            if op is not None and op[0] == TEXT and not op[3]:
                self._outbox = []
                self._answering_route = False
                # encode_js.text_batch, inlined: the call would cost 4% of a clock's
                # tick (tests/test_encoding.py checks that the two agree).
                literal = _quote(op[2])
                if not literal.isascii() or "<" in literal:
                    literal = js_string(op[2])
                return f"N({op[1]._key}).textContent={literal};\n"
        return encode_js.encode(self.take_ops())

    def take_ops(self) -> list[tuple]:
        """Take the changes since the last call as a batch of ops, and start afresh.

        This is :meth:`render_js_updates` before encoding: the same changes, coalesced,
        as plain data (see :mod:`domsync.protocol`), for
        :func:`domsync.encode_js.encode`, :func:`domsync.encode_json.encode` or
        :meth:`domsync.mirror.Mirror.apply`. The two share one record: a change taken
        by one is not returned by the other.
        """
        outbox = self._outbox
        self._answering_route = False
        if len(outbox) == 1:
            # One operation (a clock's tick, a cell update): the hot path, kept short.
            op = outbox[0]
            if op is not None and op[0] == TEXT and not op[3]:
                self._outbox = []
                return [(TEXT, op[1]._key, op[2])]
        elif not outbox:
            return []
        if len(self._fresh_auto) > 256:
            self._prune_fresh()
        if self._detached:
            self._coalesce_children()
            dropped_births = self._drop_dead_work()
            ops = self._wire_ops(True)
        else:
            dropped_births = []
            ops = self._wire_ops(False)
            if ops is None:  # two replacements of one element's children: coalesce
                self._coalesce_children()
                ops = self._wire_ops(True)
        assert ops is not None
        for born in dropped_births:
            for el in born:
                el._flags &= ~LIVE
                self._listening.pop(el._key, None)
        freed = self._free_detached()
        if freed:
            ops.append((FORGET, tuple(freed)))
        self._reset_outbox()
        return ops

    def _wire_ops(self, coalesced: bool) -> list[tuple] | None:
        """The outbox as wire ops. Unless ``coalesced``, give up (None) as soon as one
        element's children are replaced twice, so the caller can coalesce first: most
        batches have no such pair, and skip that pass."""
        ops: list[tuple] = []
        parent: Element = None  # type: ignore[assignment]  # an Element whenever group has items
        group: list = []  # nodes, and runs (lists) of new leaves of one tag, for parent
        run: list | None = None
        replaced: set[Element] = set()
        for op in self._outbox:
            if op is None:
                continue
            code = op[0]
            if code == APPEND_LEAVES or (code == INSERT and op[3] is None):
                if op[2] is not parent:
                    if group:
                        _append_ops(ops, parent._key, group)
                    parent, group, run = op[2], [], None
                if code == INSERT:
                    group.append(op[4])
                    run = None
                elif run is not None and op[1]._tag is run[0]._tag:
                    run.append(op[1])
                else:
                    run = [op[1]]
                    group.append(run)
                continue
            if group:
                _append_ops(ops, parent._key, group)
                parent, group = None, []  # type: ignore[assignment]  # as above
            if (code == TEXT or code == CHILDREN) and not coalesced:
                if op[1] in replaced:
                    return None
                replaced.add(op[1])
            ops.append(_wire_op(op))
        if group:
            _append_ops(ops, parent._key, group)
        return ops

    def render_js_full(self) -> str:
        """Return JavaScript that rebuilds the whole current page from scratch.

        Use it for a browser that joins late or reconnects: it empties the root and
        builds every element under it, with attributes, values and listeners. It does
        not change the document and can be called at any time. A browser that applies
        it must then get only batches rendered after it; if changes are pending, call
        :meth:`render_js_updates` for the other browsers first.
        """
        return encode_js.encode(self.snapshot_ops())

    def _hold_back(self) -> None:
        """Until the next :meth:`snapshot_ops`, the browser has no page: changes record
        nothing, and that snapshot gives it the page (a prerendered page, see
        :mod:`domsync.prerender`: what the handler builds first goes into the page's
        HTML, and recording it as ops as well would be work thrown away)."""
        if self._root._kids is not None:
            raise UsageError("only a new document's page can be held back")
        self._root._flags &= ~LIVE

    def snapshot_ops(self) -> list[tuple]:
        """A batch of ops that rebuilds the whole current page from scratch:
        :meth:`render_js_full` before encoding. Like it, it changes nothing; except
        after :meth:`_hold_back`, when the browser gets the page with it: the elements
        are marked as the browser's, and changes record ops again."""
        root = self._root
        born: list | None = None
        uses: list = []
        if not root._flags & LIVE:  # held back: materialise the page
            born = []
            root._flags |= LIVE
            if (root._props or {}).get("on"):
                self._listening[0] = root
        ops: list[tuple] = [(RESET, self._root_id)]
        for name, value in attr_pairs(root._attrs):
            if name != "id":
                ops.append((SET_ATTR, 0, name, value))
        for event, entry in ((root._props or {}).get("on") or {}).items():
            ops.append((LISTEN, 0, event, entry[1], entry[2]))
        group: list = []  # as in _wire_ops: nodes, and runs of leaves of one tag
        run: list | None = None
        leaf = IMPLICIT_ID | FOREIGN  # a generated id, in HTML: one test of the flags for both
        for kid in root._kid_list():
            if type(kid) is not str and kid._flags & leaf == IMPLICIT_ID and kid._attrs is None \
                    and kid._props is None and (kid._kids is None or type(kid._kids) is str):
                if run is not None and kid._tag is run[0]._tag:
                    run.append(kid)
                else:
                    run = [kid]
                    group.append(run)
                if born is not None:
                    kid._flags |= LIVE
                    if kid._tag in _FORM_CONTROLS:
                        self._listening[kid._key] = kid  # two-way binding
            else:
                group.append(self._node(kid, born, uses))
                run = None
        _append_ops(ops, 0, group)
        return ops

    def _node(self, node: Element | str, born: list | None = None, uses: list | None = None) -> Any:
        """The wire item for ``node`` and its subtree: a text, a node, or (with
        ``born``) the key of an element the browser already has.

        With ``born``, the elements are materialised: marked as held by the browser and
        collected in ``born``; elements the browser already holds become their key and
        are collected in ``uses``. Without it, every element is described anew.
        """
        if type(node) is str:
            return node
        # From here node is an Element, but mypy does not narrow type(node) is str in the
        # other branch: the [union-attr] ignores below say so at no cost (a hot path).
        # uses is given with born.
        if born is not None:
            if node._flags & LIVE:  # type: ignore[union-attr]
                uses.append(node)  # type: ignore[union-attr]
                return node._key  # type: ignore[union-attr]
            node._flags |= LIVE  # type: ignore[union-attr]
            born.append(node)
            if node._props and node._props.get("on") or node._tag in _FORM_CONTROLS and node._ns is None:  # type: ignore[union-attr]
                self._listening[node._key] = node  # type: ignore[union-attr, assignment]  # the browser may send messages about it
        kids: None | str | list[Any] | tuple[Any, ...] = node._kids  # type: ignore[union-attr]
        flags = node._flags  # type: ignore[union-attr]
        attrs = node._attrs  # type: ignore[union-attr]
        if (flags & _LEAF_FLAGS == IMPLICIT_ID and attrs is None and node._props is None  # type: ignore[union-attr]
                and (kids is None or type(kids) is str)):
            # The common leaf: a generated id and at most one text node.
            return (-node._key, node._tag, NS_HTML, None, kids, None)  # type: ignore[union-attr]
        if kids is not None and type(kids) is not str:
            kids = tuple([self._node(kid, born, uses) for kid in kids])
        # The generated id, never stored (IMPLICIT_ID), goes as the key's sign; the
        # attributes are already the wire's flat tuple.
        key = -node._key if flags & IMPLICIT_ID else node._key  # type: ignore[union-attr]
        return (key, node._tag, (flags >> NS_SHIFT) & 3, attrs, kids, _node_props(node._props))  # type: ignore[union-attr]

    def _coalesce_children(self) -> None:
        """Drop children replacements (text, innerText, innerHTML) that a later one on
        the same element makes pointless, unless operations in between depend on the
        elements it took out; one that created elements is only marked, and dropped by
        _drop_dead_work if nothing uses them."""
        outbox = self._outbox
        later: dict[Element, int] = {}
        for i in range(len(outbox) - 1, -1, -1):
            op = outbox[i]
            if op is not None and op[0] in ACTIONS:
                later = {}  # a barrier: what comes after it never replaces what came before
                continue
            if op is None or (op[0] != TEXT and op[0] != CHILDREN):
                continue
            el = op[1]
            j = later.get(el)
            later[el] = i
            if j is None:
                continue
            if any(o is not None and o[0] == TEXT_AT and o[1] is el for o in outbox[i + 1:j]):
                continue  # text set between two children of the first replacement's
            taken_out = op[-1]
            if taken_out:
                taken_out = set(taken_out)
                if any(o is not None and not taken_out.isdisjoint(_references(o))
                       for o in outbox[i + 1:j]):
                    continue  # e.g. a child taken out was then moved: keep the order
            if op[0] == CHILDREN and op[3]:
                self._superseded.add(i)
            else:
                outbox[i] = None

    def _drop_dead_work(self) -> list[Sequence[Element]]:
        """Drop the work on elements created in this batch that are not in the page any
        more, unless something that stays needs them. Returns the born lists of the
        dropped births."""
        outbox = self._outbox
        born_by: dict[Element, int] = {}
        candidates: set[int] = set()
        # Page script run by an action may use what was born before it: that stays.
        first_droppable = self._barrier
        for i, op in enumerate(outbox):
            if op is None or op[0] not in (APPEND_LEAVES, INSERT, CHILDREN) or not _born(op):
                continue
            born = _born(op)
            for el in born:
                born_by[el] = i
            if i >= first_droppable and all(not self._is_connected(el) for el in born):
                candidates.add(i)
        if not candidates:
            return []
        def keep(j: int | None) -> bool:
            """Make sure birth op ``j`` goes out; True if that changed anything."""
            changed = False
            while j is not None and j in candidates:
                candidates.discard(j)
                changed = True
                birth = outbox[j]
                assert birth is not None  # j is a birth's index (born_by), and births are ops
                # A CHILDREN op only happens if its element exists: keep that one's birth too.
                j = born_by.get(birth[1])
            if j is not None:
                birth = outbox[j]
                assert birth is not None  # as above
                if birth[0] == CHILDREN:
                    k = born_by.get(birth[1])
                    if k is not None and k in candidates:
                        changed = keep(k) or changed
            return changed

        changed = True
        while changed:
            changed = False
            for i, op in enumerate(outbox):
                if op is None:
                    continue
                if i in candidates and op[0] == CHILDREN and i not in self._superseded \
                        and born_by.get(op[1]) not in candidates:
                    # Children replaced by this op stay in the page: the op must go out.
                    changed = keep(i) or changed
                if i in candidates or born_by.get(op[1]) in candidates:
                    continue  # dropped
                for el in _references(op):
                    j = born_by.get(el)
                    if j is not None:
                        # A kept operation needs this element: its creation must go out.
                        changed = keep(j) or changed
        dropped: list[Sequence[Element]] = []
        for i, op in enumerate(outbox):
            if op is None:
                continue
            if i in candidates:
                dropped.append(_born(op))
                outbox[i] = None
            elif born_by.get(op[1]) in candidates:
                outbox[i] = None
        return dropped

    def _free_detached(self) -> list[int]:
        """Forget, on both sides, the elements the browser has that left the page."""
        freed: list[int] = []
        for top in self._detached:
            if not top._flags & LIVE or self._is_connected(top):
                continue
            for el in (top, *top._iter_descendants()):
                if el._flags & LIVE:
                    el._flags &= ~LIVE
                    freed.append(el._key)
                    self._listening.pop(el._key, None)
                ident = el.getAttribute("id")
                if ident and self._ids.get(ident) is el and not self._is_findable(el):
                    del self._ids[ident]
        return freed


def _born(op: tuple) -> Sequence[Element]:
    """The elements an APPEND_LEAVES, INSERT or CHILDREN op creates."""
    code = op[0]
    if code == APPEND_LEAVES:
        return (op[1],)
    if code == INSERT:
        return op[5]
    return op[3]


def _references(op: tuple) -> tuple:
    """The elements an op needs to exist in the browser."""
    code = op[0]
    if code == APPEND_LEAVES:
        return (op[2],)
    if code == INSERT:
        return (op[2], *((op[3],) if op[3] is not None else ()), *op[6])
    if code == MOVE:
        return (op[1], op[2], *((op[3],) if op[3] is not None else ()))
    if code == CHILDREN:
        return (op[1], *(op[4] or ()))
    if code == TEXT_AT:
        return (op[1],) if op[2] is None else (op[1], op[2])
    return (op[1],)


def _wire_op(op: tuple) -> tuple:
    """A recorded op (other than a new leaf or an appended subtree) as a wire op."""
    code = op[0]
    if code == TEXT:
        return (TEXT, op[1]._key, op[2])
    if code == SET_ATTR:
        if op[3] is None:
            return (REMOVE_ATTR, op[1]._key, op[2])
        return (SET_ATTR, op[1]._key, op[2], op[3])
    if code == SET_PROP:
        el = op[1]
        props = el._props
        # The number of the user's edit this value answers, and whose edit it was.
        seq = props.get("seq") if props else None
        origin = props.get("origin") if seq is not None else None
        return (SET_PROP, el._key, op[2], op[3], seq, origin)
    if code in ACTIONS:
        return (code, *op[2:])
    if code == INSERT:
        return (INSERT, op[2]._key, op[4], op[3]._key)
    if code == MOVE:
        return (MOVE, op[1]._key, op[2]._key, None if op[3] is None else op[3]._key)
    if code == REMOVE:
        return (REMOVE, op[1]._key)
    if code == CHILDREN:
        return (CHILDREN, op[1]._key, op[2])
    if code == TEXT_AT:
        return (TEXT_AT, op[1]._key, None if op[2] is None else op[2]._key, op[3])
    if code == LISTEN:
        entry = op[3]
        if entry is None:
            return (UNLISTEN, op[1]._key, op[2])
        return (LISTEN, op[1]._key, op[2], entry[1], entry[2])
    if code == RESET:
        return (RESET, op[1]._doc._root_id)
    raise AssertionError(f"unknown op {op!r}")  # pragma: no cover


_LEAF_RUN = 8  # from this many new leaves in a row on, one APPEND_LEAVES op takes them


def _append_ops(ops: list, parent: int, group: list) -> None:
    """Append ops for a group of new children of one parent: nodes, and runs (lists)
    of new leaves of one tag. Long runs become APPEND_LEAVES, the rest APPEND."""
    nodes: list = []
    for item in group:
        if type(item) is not list:
            nodes.append(item)
        elif len(item) < _LEAF_RUN:
            nodes.extend((-el._key, el._tag, NS_HTML, None, leaf_text(el), None) for el in item)
        else:
            if nodes:
                ops.append((APPEND, parent, tuple(nodes)))
                nodes = []
            ops.append((APPEND_LEAVES, parent, item[0]._tag, tuple([el._key for el in item]),
                        tuple([k if (k := el._kids) is None or type(k) is str else leaf_text(el)
                               for el in item])))
    if nodes:
        ops.append((APPEND, parent, tuple(nodes)))


def _node_props(props: dict | None) -> tuple | None:
    """A node's properties: ``(value, checked, listeners)``, or None."""
    if not props:
        return None
    value = props.get("value")
    checked = props.get("checked")
    listeners = props.get("on")
    if listeners:
        listeners = tuple([(event, entry[1], entry[2]) for event, entry in listeners.items()])
    if value is None and checked is None and not listeners:
        return None
    return (value, checked, listeners or None)
