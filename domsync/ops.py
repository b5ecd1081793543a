"""The kinds of operation a Document records in its outbox (see document.py).

An operation is a tuple whose first item is one of these kinds; its subject element is
always the second item.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:  # pragma: no cover
    from .element import Element

MAT = 1  # (MAT, child, parent, ref, expr, born, uses): attach a new subtree
MOVE = 2  # (MOVE, child, parent, ref): attach an element the browser has
REMOVE = 3  # (REMOVE, element)
ATTR = 4  # (ATTR, element, name, value or None)
KIDS = 5  # (KIDS, element, statement tail, born, uses, taken out): replace all children
PROP = 6  # (PROP, element, name, value)
LISTEN = 7  # (LISTEN, element, event, getter or False for removal)
TEXT = 8  # (TEXT, element, statement, taken out): replace all children by one text
START = 9  # (START, root): bind the root element and empty it; a document's first op
DISPATCH = 11  # (DISPATCH, root, statement): a named message for page script
LEAF = 10  # (LEAF, child, parent): append a new element with a generated id and at most
#            one text node; rendered at render time (see Document._render_outbox)


def born(op: tuple) -> "list | tuple | None":
    """The elements a LEAF, MAT or KIDS operation creates."""
    kind = op[0]
    if kind == LEAF:
        return (op[1],)
    if kind == MAT:
        return op[5]
    return op[3]


def references(op: tuple) -> Iterable["Element"]:
    kind = op[0]
    if kind == LEAF:
        return (op[2],)
    if kind == MAT:
        return (op[2], *((op[3],) if op[3] is not None else ()), *op[6])
    if kind == MOVE:
        return (op[1], op[2], *((op[3],) if op[3] is not None else ()))
    if kind == KIDS:
        return (op[1], *(op[4] or ()))
    return (op[1],)
