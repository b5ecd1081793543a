"""The keyed morph behind :mod:`domsync.patch`: make an element of the model, and its
subtree, equal to parsed HTML, with the fewest changes it can find.

New elements are matched to old ones first by ``id`` (anywhere in the morphed subtree
but inside ``data-domsync-ignore-morph`` elements, so an element with an id that moves
is moved, not made again), then, for elements without an id, to the next old sibling
of the same tag without one. A matched element
is the same :class:`~domsync.Element` afterwards; its attributes are set and removed to
match (keeping the order the browser would show), and its children are morphed in turn.
Unmatched old elements are removed, unmatched new ones inserted.

Every change goes through the model's own primitives (``_set_attribute``, ``_insert``,
``_detach``, ``_replace_children``, ``_text_at``), so the recorder sends only what
changed. Text nodes have no key on the wire: when moving elements cannot make the text
nodes among an element's children right, the texts that differ are set by the element
that follows them (``TEXT_AT``); only when that would cost more bytes are the element's
children sent again in one op, the kept ones by key.

Live properties (``value``, ``checked``, a select's value) follow the new HTML when the
template's default for them changed; otherwise what the user did stays.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING, Iterator, Sequence, cast

from .attributes import attr_get, attr_index
from .exceptions import DuplicateIdError
from .flags import AUTO_ID

if TYPE_CHECKING:  # pragma: no cover
    from .document import Document
    from .element import Element

__all__ = ["Morph", "IGNORE_MORPH", "walk", "subtree", "same_kind"]

#: An element with this attribute keeps its attributes and subtree when an ancestor is
#: morphed; patching the element itself still changes it.
IGNORE_MORPH = "data-domsync-ignore-morph"


def same_kind(a: "Element", b: "Element") -> bool:
    """True if ``a`` and ``b`` have the same tag in the same namespace: a morph can
    turn one into the other."""
    return a._tag == b._tag and a._ns == b._ns


def walk(nodes: Sequence) -> Iterator["Element"]:
    """The elements of parsed ``nodes`` and their descendants, in tree order."""
    for node in nodes:
        if type(node) is not str:
            yield from subtree(node)


def subtree(el: "Element") -> Iterator["Element"]:
    """``el`` and its descendants, in tree order."""
    yield el
    yield from el._iter_descendants()


def _real_id(el: "Element") -> str:
    """The element's id unless it is a generated one."""
    if el._flags & AUTO_ID:
        return ""
    return attr_get(el._attrs, "id") or ""


def _ignored(el: "Element") -> bool:
    attrs = el._attrs
    return attrs is not None and attr_index(attrs, IGNORE_MORPH) >= 0


def _kept(new: "Element", old_ids: "dict[str, Element]") -> bool | None:
    """Whether the morph keeps ``new``'s old counterpart as it is. True if ``new``'s id
    names an old element with the ignore-morph marker (the marker is read on the page's
    element, whether or not the new HTML repeats it); False if it names one without, or
    ``new`` has no marker; None if ``new`` has the marker and no such id: it is kept
    only if matched by position to an old element with the marker, which the check
    cannot know yet."""
    ident = new.getAttribute("id")
    old = old_ids.get(ident) if ident else None
    if old is not None and same_kind(old, new):
        return _ignored(old)
    return None if _ignored(new) else False


def _morphed_region(root: "Element", with_root: bool, kept_ids: set[str]) -> Iterator["Element"]:
    """``root``'s subtree in tree order (``root`` itself only ``with_root``), without
    the descendants of an ignore-morph element other than ``root``: the morph never
    touches those, so their ids are added to ``kept_ids`` rather than matched."""
    stack = [root]
    while stack:
        el = stack.pop()
        if el is not root or with_root:
            yield el
        if el is not root and _ignored(el):
            kept_ids.update(ident for ident in (d.id for d in el._iter_descendants()) if ident)
            continue
        kids = el._kids
        if type(kids) is list:
            stack.extend(kid for kid in reversed(kids) if type(kid) is not str)


class Morph:
    """One morph of one or more disjoint targets (``jobs``), with one id map across
    them so an element with an id can move from one target to another: the old
    subtrees' elements by id, the pairs of new and old elements matched by id, and the
    work done so far. Call :meth:`check`, then :meth:`run`.

    A job is ``(old element, new nodes, outer)``: with ``outer``, the new nodes are
    ``[the new element]`` and the old element is morphed into it; else the old
    element's children are morphed into the new nodes."""

    def __init__(self, doc: "Document", jobs: "list[tuple[Element, list, bool]]"):
        self.doc = doc
        self.jobs = jobs
        self.pairs: dict[Element, Element] = {}  # new element -> old element, matched by id
        self.paired: set[Element] = set()  # the old elements in pairs
        self.used: set[Element] = set()  # old elements matched so far
        self.left: list[Element] = []  # old elements left in place for their pair to take
        self.shells: set[Element] = set()  # new elements with a paired descendant
        self.conflicts: list[Element] = []  # old elements whose id a new element takes

    def check(self) -> None:
        """Match ids, and raise before anything changes if the fragment cannot go in."""
        doc = self.doc
        old_ids: dict[str, Element] = {}
        kept_ids: set[str] = set()  # inside ignore-morph elements: not the morph's
        forced: set[Element] = set()  # outer targets: matched to their new element
        exempt: set[Element] = set()  # new elements whose own ignore-morph marker is moot
        pairs = self.pairs
        for target, nodes, outer in self.jobs:
            for el in _morphed_region(target, outer, kept_ids):
                ident = el.id
                if ident:
                    old_ids[ident] = el
            if outer:
                forced.add(target)
                pairs[nodes[0]] = target
                exempt.add(nodes[0])  # the target itself is patched, marker or not
            else:
                first = next((node for node in nodes if type(node) is not str), None)
                if first is not None and first._parent is not None:
                    exempt.add(first._parent)  # the new element whose children these are
        new_ids: dict[str, Element] = {}
        kept: set[Element] = set()  # new elements under one the morph keeps, or may keep
        for el in walk([node for _, nodes, _ in self.jobs for node in nodes]):
            given = el.getAttribute("id")
            if not given:
                continue
            if given in new_ids:
                raise DuplicateIdError(f"the fragment gives id {given!r} to two elements; ids must be unique")
            up = el._parent
            state: bool | None = False
            while up is not None and up not in exempt:
                state = _kept(up, old_ids)
                if state is not False:
                    break
                up = up._parent
            if up is not None and up not in exempt:
                # Under an ignore-morph element: it only goes in if that element is new,
                # so it is never matched.
                kept.add(el)
                if given in kept_ids:
                    if state:
                        continue  # the old one, kept inside, has the same id
                    raise DuplicateIdError(
                        f"id {given!r} is inside a data-domsync-ignore-morph element without an id in the new "
                        f"HTML, and inside one the page keeps: give that element an id, so that the morph "
                        f"knows it is the kept one")
            new_ids[given] = el
            if given in kept_ids:
                raise DuplicateIdError(
                    f"id {given!r} belongs to an element inside a data-domsync-ignore-morph element, which a "
                    f"morph of its ancestor keeps as it is; patch that element directly, or use another id")
            if given not in old_ids:
                doc._check_new_id(given, None)
        for ident, new in new_ids.items():
            old = old_ids.get(ident)
            if old is None or new in pairs or new in kept or old in forced or not same_kind(old, new):
                continue
            pairs[new] = old
        # A fragment that nests two elements the other way round: the inner one is new.
        for new, old in list(pairs.items()):
            up = new._parent
            while up is not None:
                up_old = pairs.get(up)
                if up_old is not None and old.contains(up_old):
                    del pairs[new]
                    break
                up = up._parent
        self.paired = set(pairs.values())
        self.conflicts = [old for ident, old in old_ids.items()
                          if ident in new_ids and old not in self.paired and old not in forced]
        for new in pairs:
            up = new._parent
            while up is not None and up not in pairs and up not in self.shells:
                self.shells.add(up)
                up = up._parent

    def _prepare(self) -> None:
        # Old elements whose id a new element takes, and cannot be matched to it, go first.
        gone: list[Element] = []
        for old in self.conflicts:
            if old._parent is not None and not any(g.contains(old) for g in gone):
                self.doc._detach(old, record=True)
                gone.append(old)

    def run(self) -> None:
        """Morph each job's old element (outer) or children (inner) into its new nodes."""
        self._prepare()
        for old, new, outer in self.jobs:
            if outer:
                self.used.add(old)
                self._morph(old, new[0], top=True)
            else:
                self._children(old, new)
        self._finish()

    def _finish(self) -> None:
        for old in self.left:
            if old not in self.used and old._parent is not None:
                self.doc._detach(old, record=True)

    def _morph(self, old: "Element", new: "Element", top: bool = False) -> None:
        if not top and _ignored(old):
            return
        # Every form control, with or without recorded state: a radio button the user
        # never touched still unchecks its group when the template checks it.
        form = old._ns is None and old._tag in ("input", "textarea", "select")
        before = _form_defaults(old) if form else None
        self._attributes(old, new)
        self._children(old, new._kid_list())
        if before is not None:
            _follow_template(self.doc, old, before)

    def _attributes(self, old: "Element", new: "Element") -> None:
        doc = self.doc
        wanted = new._attr_view() or {}
        if old is doc._root:
            wanted = {"id": doc._root_id, **{k: v for k, v in wanted.items() if k != "id"}}
        elif old._flags & AUTO_ID and "id" not in wanted:
            # A generated id is not needed in the new HTML: the element keeps it.
            wanted = {"id": old.id, **wanted}
        view = old._attr_view()
        if view == wanted and list(view or ()) == list(wanted):
            return
        have = dict(view or {})
        kept = [name for name in have if name in wanted]
        names = list(wanted)
        # The browser keeps an attribute's place when its value changes and adds new ones
        # last: keep the longest common prefix in place, set the rest again in order.
        k = 0
        while k < len(kept) and k < len(names) and kept[k] == names[k]:
            k += 1
        moved = set(kept[k:])
        for name in have:
            if name not in wanted or name in moved:
                doc._set_attribute(old, name, None)
        for name in names[:k]:
            if have[name] != wanted[name]:
                doc._set_attribute(old, name, wanted[name])
        for name in names[k:]:
            doc._set_attribute(old, name, wanted[name])

    def _children(self, parent: "Element", new_items: list) -> None:
        old_elements = [kid for kid in parent._kid_list() if type(kid) is not str]
        # No id: the next old element of the same tag without one. The old ones are
        # indexed by (namespace, tag) so that many children of another tag stay linear.
        by_kind: dict[tuple, list[int]] = {}
        for j, kid in enumerate(old_elements):
            if kid not in self.paired and not _real_id(kid):
                by_kind.setdefault((kid._ns, kid._tag), []).append(j)
        start: dict[tuple, int] = {}  # per kind: the first index at or after pos
        pos = 0
        desired: list = []
        for item in list(new_items):
            if type(item) is str:
                desired.append(item)
                continue
            new = cast("Element", item)
            old = self.pairs.get(new)
            if old is None and not new.getAttribute("id"):
                kind = (new._ns, new._tag)
                spots = by_kind.get(kind, ())
                k = start.get(kind, 0)
                while k < len(spots) and spots[k] < pos:
                    k += 1
                start[kind] = k
                for j in spots[k:]:
                    candidate = old_elements[j]
                    # An ignored element is kept as it is: only a new one that is
                    # ignored too can be it (else the new HTML would be lost).
                    if candidate not in self.used and (not _ignored(candidate) or _ignored(new)):
                        old, pos = candidate, j + 1
                        break
            if old is not None:
                self.used.add(old)
                self._morph(old, new)
                desired.append(old)
            else:
                if new in self.shells:
                    # New, with old elements to take inside: build it around them.
                    kids = new._kid_list()
                    new._kids = None
                    for kid in kids:
                        if type(kid) is not str:
                            kid._parent = None
                    self._children(new, kids)
                desired.append(new)
        self._arrange(parent, desired)

    def _arrange(self, parent: "Element", desired: list) -> None:
        """Make ``parent``'s children ``desired`` with as few ops as can be found."""
        doc = self.doc
        current = parent._kid_list()
        if len(current) == len(desired) and all(a is b or (type(a) is str and a == b)
                                               for a, b in zip(current, desired)):
            return
        wanted = {id(el) for el in desired if type(el) is not str}
        if not wanted:
            text = "".join(desired)
            if not text and all(type(kid) is not str and kid in self.paired and kid not in self.used
                                for kid in current):
                self.left.extend(current)  # their pairs move them out
                return
            self._leave(parent, current, wanted)
            parent._set_text(text)
            return
        # The LIS plan moves the fewest elements; the cursor plan is for the text nodes
        # it cannot make right.
        steps = _plan_by_lis(current, desired, wanted)
        if steps is None:
            steps = _plan_by_cursor(current, desired, wanted)
        if steps is not None:
            for step in steps:
                if step[1] is None:
                    self._let_go(step[0])
                else:
                    doc._insert(parent, step[0], step[1][0])
            return
        if self._arrange_with_texts(parent, current, desired, wanted):
            return
        self._leave(parent, current, wanted)
        for el in desired:
            if type(el) is not str and el._parent is not None and el._parent is not parent:
                doc._unlink(el)  # the browser moves it with the children op
        doc._replace_children(parent, None, desired)

    def _arrange_with_texts(self, parent: "Element", current: list, desired: list, wanted: set) -> bool:
        """Elements by the LIS plan, then the text nodes between them set by TEXT_AT
        (which names them by the element after them): a row inserted, removed or moved
        among rows on lines of their own costs a few small ops, and the kept children
        stay in place (focus inside them too). False, to send the children again, when
        that would cost less, or when an element that goes must wait for its pair."""
        steps, result = _lis_steps(current, desired, wanted)
        if any(step[1] is None and step[0] in self.paired and step[0] not in self.used for step in steps):
            return False  # it stays until its pair moves it: the texts around it would be wrong
        fixes = _text_fixes(result, desired)
        # Rough wire bytes of each way (a key is a few digits, an op a dozen bytes).
        cost = 16 * len(steps) + sum(16 + len(text) for _, text in fixes)
        again = sum(len(item) + 4 if type(item) is str else 6 for item in desired)
        if cost > again:
            return False
        for step in steps:
            if step[1] is None:
                self._let_go(step[0])
            else:
                self.doc._insert(parent, step[0], step[1][0])
        for el, text in fixes:
            self.doc._text_at(parent, el, text)
        return True

    def _leave(self, parent: "Element", current: list, wanted: set) -> None:
        """Note the old children that the children op takes out but a pair will take."""
        for kid in current:
            if type(kid) is not str and id(kid) not in wanted and kid in self.paired and kid not in self.used:
                self.left.append(kid)

    def _let_go(self, old: "Element") -> None:
        if old in self.paired and old not in self.used:
            self.left.append(old)  # its pair, later in the fragment, moves it
        else:
            self.doc._detach(old, record=True)


# A plan: steps (element, None) to remove it, or (element, (ref,)) to insert it before
# ref (None: at the end). None when the plan cannot make the text nodes right.
_Plan = list


def _same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(x is y or (type(x) is str and x == y) for x, y in zip(a, b))


def _lis(sequence: list[int]) -> set[int]:
    """The positions of a longest increasing subsequence of ``sequence``."""
    tails: list[int] = []
    tail_at: list[int] = []
    previous = [-1] * len(sequence)
    for i, value in enumerate(sequence):
        j = bisect.bisect_left(tails, value)
        if j == len(tails):
            tails.append(value)
            tail_at.append(i)
        else:
            tails[j] = value
            tail_at[j] = i
        previous[i] = tail_at[j - 1] if j else -1
    out: set[int] = set()
    i = tail_at[-1] if tail_at else -1
    while i >= 0:
        out.add(i)
        i = previous[i]
    return out


def _plan_by_lis(current: list, desired: list, wanted: set) -> _Plan | None:
    """Remove what goes, keep a longest run of elements in order, move or insert the
    rest before the next kept element: the fewest moves, when the texts allow it."""
    steps, result = _lis_steps(current, desired, wanted)
    return steps if _same(result, desired) else None


def _lis_steps(current: list, desired: list, wanted: set) -> tuple[_Plan, list]:
    """The steps of the LIS plan, and the children they leave (the elements in the
    desired order, the text nodes where they were)."""
    steps: _Plan = []
    sim = []
    for kid in current:
        if type(kid) is not str and id(kid) not in wanted:
            steps.append((kid, None))
        else:
            sim.append(kid)
    order = [el for el in desired if type(el) is not str]
    index = {id(el): i for i, el in enumerate(order)}
    present = [el for el in sim if type(el) is not str]
    stay_positions = _lis([index[id(el)] for el in present])
    stay = {id(el) for i, el in enumerate(present) if i in stay_positions}
    # Each element that does not stay goes before the next one that does (None: last).
    ref: Element | None = None
    refs: list = [None] * len(order)
    for i in range(len(order) - 1, -1, -1):
        refs[i] = ref
        if id(order[i]) in stay:
            ref = order[i]
    going_before: dict[int, list] = {}
    for i, el in enumerate(order):
        if id(el) not in stay:
            going_before.setdefault(id(refs[i]), []).append(el)
            steps.append((el, (refs[i],)))
    # The children the steps leave, built in one pass (the texts stay where they are).
    result: list = []
    for kid in sim:
        if type(kid) is str:
            result.append(kid)
        elif id(kid) in stay:
            result.extend(going_before.get(id(kid), ()))
            result.append(kid)
    result.extend(going_before.get(id(None), ()))
    return steps, result


def _text_runs(items: list) -> list[tuple["Element | None", list[str]]]:
    """Each element of ``items`` (and None for the end) with the texts just before it."""
    runs: list[tuple[Element | None, list[str]]] = []
    texts: list[str] = []
    for item in items:
        if type(item) is str:
            if item:
                texts.append(item)
        else:
            runs.append((item, texts))
            texts = []
    runs.append((None, texts))
    return runs


def _text_fixes(result: list, desired: list) -> list[tuple["Element | None", str]]:
    """The TEXT_AT ops that make the text nodes of ``result`` those of ``desired``
    (same elements, in the same order): (the element after them, their text)."""
    return [(el, "".join(want)) for (_, have), (el, want) in zip(_text_runs(result), _text_runs(desired))
            if have != want]


def _plan_by_cursor(current: list, desired: list, wanted: set) -> _Plan | None:
    """Walk the desired children, inserting or moving each element where it belongs
    (before the element that is there, even one that goes), then remove what goes:
    new elements take the place of old ones between the same text nodes."""
    sim = list(current)
    steps: _Plan = []
    c = 0
    for item in desired:
        k = c  # past the elements that go
        while k < len(sim) and type(sim[k]) is not str and id(sim[k]) not in wanted:
            k += 1
        if type(item) is str:
            if k < len(sim) and type(sim[k]) is str and sim[k] == item:
                c = k + 1
                continue
            return None
        if k < len(sim) and sim[k] is item:
            c = k + 1
            continue
        if c < len(sim) and type(sim[c]) is str:
            return None  # no op puts an element before a text node
        for j in range(k, len(sim)):
            if sim[j] is item:
                del sim[j]
                break
        ref = sim[c] if c < len(sim) else None
        sim.insert(c, item)
        steps.append((item, (ref,)))
        c += 1
    for kid in sim[c:]:
        if type(kid) is str or id(kid) in wanted:
            return None
    steps.extend((kid, None) for kid in sim if type(kid) is not str and id(kid) not in wanted)
    sim = [kid for kid in sim if type(kid) is str or id(kid) in wanted]
    return steps if _same(sim, desired) else None


# ---------------------------------------------------------------------- live properties

def _form_defaults(el: "Element") -> tuple:
    """What the template said of a form control's state: its value and checked
    attributes, a textarea's text, the values of a select's options marked
    ``selected`` (renaming or adding an option is not a new default)."""
    if el._tag == "textarea":
        return (el.textContent,)
    if el._tag == "select":
        return tuple(o.value for o in _options(el) if o.hasAttribute("selected"))
    return (el.getAttribute("value"), el.hasAttribute("checked"))


def _options(select: "Element") -> list["Element"]:
    return [o for o in select._iter_descendants() if o._tag == "option" and o._ns is None]


def _follow_template(doc: "Document", el: "Element", before: tuple) -> None:
    """A live property the user (or the server) set follows the new HTML when the
    template's default for it changed; otherwise it stays. The browser drops the
    change if the user has edited the control since (the SET_PROP's edit number)."""
    after = _form_defaults(el)
    props = el._props or {}
    if el._tag == "select":
        if "value" not in props or el.hasAttribute("multiple"):
            return  # no pick of the user's: the value follows the options as they are
        if after != before or props["value"] not in {o.value for o in _options(el)}:
            # A new default, or the user's pick is no longer an option: the template's.
            doc._set_prop(el, "value", el._selected_option_value())
        return
    if after == before:
        return
    if el._tag == "textarea":
        if "value" in props:
            doc._set_prop(el, "value", el.textContent)
        return
    if before[0] != after[0] and "value" in props and el._value_kind() == "prop":
        doc._set_prop(el, "value", after[0] or "")
    if before[1] != after[1]:
        if "checked" in props:
            doc._set_prop(el, "checked", after[1])
        if after[1] and (el.getAttribute("type") or "").lower() == "radio":
            # The browser unchecks the group when the default appears (the control
            # not being dirty) or with the SET_PROP; the model does it here either way.
            el._uncheck_radio_group()
