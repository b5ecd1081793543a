"""HTML fragment patches: Datastar's merge modes, on the model, with a keyed morph.

:meth:`Element.patch <domsync.Element.patch>` and :meth:`Document.patch
<domsync.Document.patch>` are thin entry points to this module. A fragment is parsed
exactly as ``innerHTML`` parses markup (:func:`domsync.html.parse_fragment`, with the
same safety checks), then put into the model with the model's own primitives, so the
recorder sends what changed and nothing else.

The modes (:data:`MODES`):

- ``outer``: morph the target into the fragment's one top-level element;
- ``inner``: morph the target's children into the fragment;
- ``replace``: put the fragment where the target is (no morph: new elements);
- ``prepend``, ``append``: add the fragment as the target's first or last children;
- ``before``, ``after``: add the fragment as the target's previous or next siblings;
- ``remove``: remove the target.

``outer`` and ``inner`` morph (:mod:`domsync.morph`): elements are matched by id, then
by position and tag, and a matched element stays the same :class:`~domsync.Element`, so
its listeners, its two-way binding, and in the browser its focus, caret and page-script
state, are kept. See :doc:`/howto/patch`.
"""

from __future__ import annotations

from threading import get_ident
from typing import TYPE_CHECKING, Any, Sequence, cast

from .attributes import attr_get, attr_pairs, attr_with
from .exceptions import DuplicateIdError, HierarchyError, NotFoundError, PatchError
from .flags import LIVE
from html5lib._tokenizer import HTMLTokenizer
from html5lib.constants import tokenTypes

from .html import parse_fragment
from .morph import IGNORE_MORPH, Morph, same_kind, subtree, walk
from .names import check_str

if TYPE_CHECKING:  # pragma: no cover
    from .document import Document
    from .element import Element

__all__ = ["MODES", "IGNORE_MORPH", "patch_element", "patch_document"]

#: The merge modes, as Datastar names them; ``outer`` is the default.
MODES = ("outer", "inner", "replace", "prepend", "append", "before", "after", "remove")

_START_TAG, _END_TAG, _CHARACTERS = tokenTypes["StartTag"], tokenTypes["EndTag"], tokenTypes["Characters"]
# Where the HTML parser must be to keep a fragment's first tag, when the target has no
# parent to parse in (an element not attached yet): htmx's table.
_CONTEXT_FOR_FIRST_TAG = {
    "tr": "tbody", "td": "tr", "th": "tr", "tbody": "table", "thead": "table", "tfoot": "table",
    "caption": "table", "colgroup": "table", "col": "colgroup", "option": "select", "optgroup": "select",
}


# ---------------------------------------------------------------------- entry points

def patch_element(target: "Element", html: str, mode: str) -> None:
    """:meth:`Element.patch <domsync.Element.patch>`: patch ``target`` with ``html``."""
    _check_mode(mode)
    if type(html) is not str:
        check_str(html, "html")
    doc = target._doc
    _check_thread(doc, target)
    if mode == "remove":
        _remove(doc, target)
        return
    if mode in ("outer", "replace", "before", "after"):
        if target is doc._root and mode != "outer":
            raise HierarchyError(f"the root element cannot be used with mode={mode!r}; "
                                 f"patch its children with mode='inner' or 'append'")
        context = target._parent
    else:
        context = target
    nodes = _parse(doc, html, context)
    if mode == "inner":
        plan = Morph(doc, [(target, nodes, False)])
        plan.check()
        plan.run()
        return
    if mode == "outer":
        top = _single_element(nodes, "outer")
        _outer(doc, target, top)
        return
    _check_ids(doc, _trim(nodes), target if mode == "replace" else None)
    _place(doc, target, _trim(nodes), mode)


def patch_document(doc: "Document", html: str, selector: str | None, mode: str) -> None:
    """:meth:`Document.patch <domsync.Document.patch>`: patch the elements ``selector``
    matches, or without a selector the elements with the ids of the fragment's
    top-level elements."""
    _check_mode(mode)
    if type(html) is not str:
        check_str(html, "html")
    if selector is not None:
        targets = doc.querySelectorAll(selector)
        if not targets:
            raise NotFoundError(f"no element matches the selector {selector!r}; check it with "
                                f"document.querySelectorAll, or patch without a selector to match by id")
        for target in targets:
            _check_thread(doc, target)
        if len(targets) > 1:
            # What would stop the patch of a later target is found before the first changes.
            if doc._root in targets and mode in ("replace", "before", "after", "remove"):
                raise HierarchyError(f"the selector {selector!r} matches the root element, which "
                                     f"mode={mode!r} cannot take; use a narrower selector")
            for target in targets if mode != "remove" else ():
                context = target if mode in ("inner", "prepend", "append") else target._parent
                nodes = _parse(doc, html, context)
                if mode == "outer":
                    _single_element(nodes, mode)
                if any(el.getAttribute("id") for el in walk(nodes)):
                    raise DuplicateIdError(
                        f"the selector {selector!r} matches {len(targets)} elements and the fragment has ids: "
                        f"each target would get the same ids; use a selector that matches one element")
        for target in targets:
            patch_element(target, html, mode)
        return
    if mode in ("prepend", "append", "before", "after"):
        raise PatchError(f"mode={mode!r} needs a selector (where to put the fragment): without one, "
                         f"the fragment's elements are matched by id, which only modes 'outer', 'inner', "
                         f"'replace' and 'remove' can use")
    pairs = _pairs_by_id(doc, html)
    if mode == "remove":
        if any(target is doc._root for target, _ in pairs):
            _remove(doc, doc._root)  # raises, before anything changes
        for target, _ in pairs:
            _remove(doc, target)
        return
    # One morph for every target, so an element with an id can move between them.
    jobs: list[tuple[Element, list, bool]] = []
    replaced: list[tuple[Element, Element]] = []
    for target, el in pairs:
        if mode == "outer" and same_kind(target, el):
            jobs.append((target, [el], True))
        elif mode == "inner":
            jobs.append((target, el._kid_list(), False))
        else:
            if target is doc._root:
                raise HierarchyError("the root element cannot be replaced; patch it with mode='outer' "
                                     "(same tag) or mode='inner'")
            _check_ids(doc, [el], target)
            replaced.append((target, el))
    # Each check sees one part of the fragment: an id given twice across parts is not
    # the morph's to find.
    seen: set[str] = set()
    for el in walk([el for _, el in pairs]):
        ident = el.getAttribute("id")
        if ident:
            if ident in seen:
                raise DuplicateIdError(f"the fragment gives id {ident!r} to two elements; ids must be unique")
            seen.add(ident)
    plan = Morph(doc, jobs)
    plan.check()
    plan.run()
    for target, el in replaced:
        _place(doc, target, [el], "replace")


def _pairs_by_id(doc: "Document", html: str) -> "list[tuple[Element, Element]]":
    """For a patch without a selector: each page element the fragment's top-level
    elements name by id, with that element as parsed where the page element is (a
    ``<tr>`` in its ``<tbody>``, a ``<g>`` in its ``<svg>``). Raises, before anything
    changes, for what cannot be patched this way."""
    quick = _pairs_in_flow(doc, html)
    if quick is not None:
        return quick
    tops = _top_level(html)
    if not tops:
        raise PatchError("the fragment has no element: without a selector, patch takes elements with ids")
    targets: dict[str, Element] = {}
    for tag, ident in tops:
        if not ident:
            raise PatchError(f"the fragment's top-level <{tag}> has no id: without a selector, elements "
                             f"are matched by id; give it an id, or pass selector=...")
        if ident in targets:
            raise DuplicateIdError(f"the fragment has two top-level elements with id {ident!r}; "
                                   f"ids must be unique: patch each element once")
        found = doc.getElementById(ident, strict=False)
        if found is None:
            raise NotFoundError(f"no element has id {ident!r} (from the fragment's top-level <{tag}>); "
                                f"create it first, or pass selector=... to say where the fragment goes")
        _check_thread(doc, found)
        targets[ident] = found
    _check_not_nested(targets)
    # The fragment parsed as innerHTML of each target's parent: once per kind of parent.
    contexts = {ident: target._parent if target._parent is not None else doc._root
                for ident, target in targets.items()}
    kinds = {ident: (context._ns, context._tag if context is not doc._root else None)
             for ident, context in contexts.items()}
    parses: dict[tuple, dict[str, Element]] = {}
    pairs = []
    for ident, target in targets.items():
        context, kind = contexts[ident], kinds[ident]
        if kind not in parses:
            top_ids: dict[str, Element] = {}
            nodes = parse_fragment(doc, html, context)
            if len(set(kinds.values())) == 1:
                # One context for all: what the parser makes of the fragment is what the
                # patch takes (its tags may close an element sooner than they say).
                _check_elements_with_ids(nodes)
            for node in nodes:
                if type(node) is not str:
                    el = cast("Element", node)
                    given = el.getAttribute("id")
                    if given and given not in targets:
                        raise PatchError(f"parsed in a <{context._tag}>, the fragment has a top-level element "
                                         f"with id {given!r} that its tags nest inside another; close each "
                                         f"top-level element's tags, or pass selector=...")
                    if given:
                        top_ids[given] = el
            parses[kind] = top_ids
        parsed = parses[kind].get(ident)
        if parsed is None:
            raise PatchError(f"the fragment's top-level element with id {ident!r} is not one when parsed where "
                             f"#{ident} is (in a <{context._tag}>): patch it with its own call, or pass selector=...")
        pairs.append((target, parsed))
    return pairs


def _check_elements_with_ids(nodes: list) -> None:
    for node in _trim(nodes):
        if type(node) is str:
            if node.strip(_HTML_SPACE):
                text = node.strip(_HTML_SPACE)
                raise PatchError(f"the fragment has top-level text {text[:30]!r}: without a selector "
                                 f"each top-level node must be an element with an id; pass selector=...")
        elif not node.getAttribute("id"):
            raise PatchError(f"the fragment's top-level <{node._tag}> has no id (as parsed: its tags may "
                             f"close an element early): without a selector, elements are matched by id; "
                             f"give it an id, or pass selector=...")


def _check_not_nested(targets: "dict[str, Element]") -> None:
    chosen = set(targets.values())
    for ident, target in targets.items():
        up: Element | None = target._parent
        while up is not None and up not in chosen:
            up = up._parent
        if up is not None:
            raise PatchError(f"the fragment patches #{ident} and the element that contains it, "
                             f"{up!r}: patch the outer one only (its new HTML holds the inner one)")


# Parents whose innerHTML is parsed as a <div>'s ("in body"): not tables, selects,
# templates, raw text or foreign content, where the parser puts things elsewhere.
_NOT_FLOW = frozenset({"table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption", "colgroup", "select",
                       "optgroup", "template", "html", "head", "frameset", "textarea", "title", "script", "style",
                       "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext"})


def _pairs_in_flow(doc: "Document", html: str) -> "list[tuple[Element, Element]] | None":
    """The common case, with one parse: every top-level node an element with an id of
    the page whose parent parses like a ``<div>``. None for anything else (the general
    way then finds the targets, or says what is wrong)."""
    nodes = _trim(parse_fragment(doc, html, doc._root))
    targets: dict[str, Element] = {}
    pairs = []
    for node in nodes:
        if type(node) is str:
            if node.strip(_HTML_SPACE):
                return None
            continue
        el = cast("Element", node)
        ident = el.getAttribute("id")
        if not ident or ident in targets:
            return None
        found = doc.getElementById(ident, strict=False)
        if found is None:
            return None
        context = found._parent
        if context is not None and context is not doc._root and (context._ns is not None or context._tag in _NOT_FLOW):
            return None
        _check_thread(doc, found)
        targets[ident] = found
        pairs.append((found, el))
    if not pairs:
        return None
    _check_not_nested(targets)
    return pairs


_VOID = frozenset({"area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr", "img", "input",
                   "keygen", "link", "meta", "param", "source", "track", "wbr"})
_RAW_TEXT = {"script": "scriptDataState", "style": "rawtextState", "xmp": "rawtextState",
             "iframe": "rawtextState", "noembed": "rawtextState", "noframes": "rawtextState",
             "textarea": "rcdataState", "title": "rcdataState", "plaintext": "plaintextState"}


def _top_level(html: str, text_ok: bool = False) -> list[tuple[str, str]]:
    """The fragment's top-level elements, as (tag, id or ''), read from its tags alone:
    which elements a fragment holds cannot depend on a parsing context not yet known
    (a ``<tr>`` would be dropped as a ``<div>``'s child). Comments are skipped; top-level
    text raises :class:`PatchError` unless ``text_ok``."""
    tokenizer = HTMLTokenizer(html)
    open_tags: list[str] = []
    foreign = 0  # how many of open_tags are svg or math
    tops = []
    token: Any  # html5lib's tokens are dicts whose values' types vary with the kind
    for token in tokenizer:
        kind = token["type"]
        if kind == _START_TAG:
            name = token["name"]
            if not open_tags:
                tops.append((name, token["data"].get("id", "")))
            if name in _VOID or token["selfClosing"]:
                continue
            open_tags.append(name)
            if name in ("svg", "math"):
                foreign += 1
            elif not foreign and name in _RAW_TEXT:
                # The tree builder switches the tokenizer so; here nobody else does.
                tokenizer.state = getattr(tokenizer, _RAW_TEXT[name])
        elif kind == _END_TAG:
            name = token["name"]
            if name in open_tags:
                while open_tags:
                    closed = open_tags.pop()
                    if closed in ("svg", "math"):
                        foreign -= 1
                    if closed == name:
                        break
        elif kind == _CHARACTERS and not open_tags and not text_ok and token["data"].strip(_HTML_SPACE):
            text = token["data"].strip(_HTML_SPACE)
            raise PatchError(f"the fragment has top-level text {text[:30]!r}: without a selector "
                             f"each top-level node must be an element with an id; pass selector=...")
    return tops


# ---------------------------------------------------------------------- checks

def _check_mode(mode: object) -> None:
    if mode not in MODES:
        raise PatchError(f"unknown patch mode {mode!r}; use one of {', '.join(repr(m) for m in MODES)}")


def _check_thread(doc: "Document", el: "Element") -> None:
    """Raise before anything changes if the wrong thread patches a page element."""
    if el._flags & LIVE:
        owner = doc._owner_thread
        if owner is not None and owner != get_ident():
            doc._wrong_thread()


def _single_element(nodes: list, mode: str) -> "Element":
    elements = [node for node in nodes if type(node) is not str]
    texts = [node for node in nodes if type(node) is str and node.strip(_HTML_SPACE)]
    if len(elements) != 1 or texts:
        what = ", ".join(f"<{el._tag}>" for el in elements[:3]) or "none"
        raise PatchError(f"mode={mode!r} takes a fragment with one top-level element; this one has "
                         f"{len(elements)} ({what}){' and text' if texts else ''}: use mode='replace', "
                         f"or patch each element by id with document.patch")
    return cast("Element", elements[0])


def _check_ids(doc: "Document", nodes: Sequence, leaving: "Element | None") -> None:
    """Raise DuplicateIdError, before anything changes, for an id of the fragment that
    another element has (except those in ``leaving``, which the patch takes out)."""
    gone = {el.id for el in subtree(leaving)} if leaving is not None else set()
    seen: set[str] = set()
    for el in walk(nodes):
        ident = el.getAttribute("id")
        if ident:
            if ident in seen:
                raise DuplicateIdError(f"the fragment gives id {ident!r} to two elements; ids must be unique")
            seen.add(ident)
            if ident not in gone:
                doc._check_new_id(ident, None)


# ---------------------------------------------------------------------- parsing

def _parse(doc: "Document", html: str, context: "Element | None") -> list:
    """Parse as ``context.innerHTML = html`` would; without a context, in the one the
    fragment's first tag needs (a ``<tr>`` is parsed as in a ``<tbody>``)."""
    if context is None:
        tops = _top_level(html, text_ok=True)
        tag = _CONTEXT_FOR_FIRST_TAG.get(tops[0][0]) if tops else None
        context = doc._root if tag is None else doc._element_class(doc, 0, tag, None, 0)
    return parse_fragment(doc, html, context)


_HTML_SPACE = " \t\n\r\f"  # HTML's whitespace (a no-break space is content)


def _trim(nodes: list) -> list:
    """The fragment's nodes without the whitespace around them (a template's line breaks)."""
    start, end = 0, len(nodes)
    while start < end and type(nodes[start]) is str and not nodes[start].strip(_HTML_SPACE):
        start += 1
    while end > start and type(nodes[end - 1]) is str and not nodes[end - 1].strip(_HTML_SPACE):
        end -= 1
    return nodes[start:end]


# ---------------------------------------------------------------------- modes without a morph

def _remove(doc: "Document", target: "Element") -> None:
    if target is doc._root:
        raise HierarchyError("the root element cannot be removed; clear it with mode='inner' and ''")
    target.remove()


def _outer(doc: "Document", target: "Element", top: "Element") -> None:
    if same_kind(target, top):
        plan = Morph(doc, [(target, [top], True)])
        plan.check()
        plan.run()
        return
    if target is doc._root:
        raise HierarchyError(f"the root element is a <{target._tag}>; patch it with a <{target._tag}> "
                             f"(or mode='inner'), not a <{top._tag}>")
    # Another tag: there is nothing to morph, as in Datastar.
    _check_ids(doc, [top], target)
    _place(doc, target, [top], "replace")


def _place(doc: "Document", target: "Element", nodes: list, mode: str) -> None:
    """Put parsed ``nodes`` at the place ``mode`` says, relative to ``target``."""
    parent = target if mode in ("prepend", "append") else target._parent
    if parent is None:
        raise HierarchyError(f"{target!r} has no parent to put the fragment in; attach it first, "
                             f"or use mode='inner' or 'append'")
    kids = parent._kid_list()
    if mode == "append":
        _splice(doc, parent, nodes, len(kids))
    elif mode == "prepend":
        _splice(doc, parent, nodes, 0)
    else:
        at = next(i for i, kid in enumerate(kids) if kid is target)
        if mode == "after":
            at += 1
        held = _hold_ids(target, nodes) if mode == "replace" else []
        _splice(doc, parent, nodes, at)
        if mode == "replace":
            doc._detach(target, record=True)
            _give_back_ids(doc, held)


def _hold_ids(target: "Element", nodes: list) -> list[tuple["Element", list[tuple[str, str]]]]:
    """Take from the new elements, not yet in the page, the ids they share with the
    element they replace, so they can go in just before it (between the same text
    nodes) while it is still there. Returns each one's attributes, in order."""
    ids = {el.id for el in subtree(target)} - {""}
    held = []
    for el in walk(nodes):
        attrs = el._attrs
        if attrs is not None and attr_get(attrs, "id") in ids:
            held.append((el, attr_pairs(attrs)))
            el._attrs = attr_with(attrs, "id", None)
    return held


def _give_back_ids(doc: "Document", held: list[tuple["Element", list[tuple[str, str]]]]) -> None:
    """Give the held ids back once the old element is out, keeping the attributes in
    the fragment's order (an attribute set again goes last, in the browser as here)."""
    for el, items in held:
        names = [name for name, _ in items]
        for name, value in items[names.index("id"):]:
            if name != "id":
                doc._set_attribute(el, name, None)
            doc._set_attribute(el, name, value)


def _splice(doc: "Document", parent: "Element", nodes: list, at: int) -> None:
    """Insert ``nodes`` before the child at index ``at`` (the end for ``len``)."""
    if not nodes:
        return
    kids = parent._kid_list()
    following = kids[at] if at < len(kids) else None
    elements_only = all(type(node) is not str for node in nodes)
    if elements_only and (following is None or type(following) is not str):
        for node in nodes:
            doc._insert(parent, node, following)
        return
    if elements_only and at > 0 and type(kids[at - 1]) is not str:
        # Right after an element and before a text node: put the new ones before that
        # element, then move it back in front (one move rather than every child again).
        before = kids[at - 1]
        for node in nodes:
            doc._insert(parent, node, before)
        doc._insert(parent, before, nodes[0])
        return
    # Text nodes have no key: the children are sent again, the old ones by key.
    doc._replace_children(parent, None, kids[:at] + list(nodes) + kids[at:])
