"""Reusable groups of elements, in both forms of the original domsync.

A component writes its elements into a document under a parent element when it is
constructed, and keeps what it needs to update them later. Components are ``dict``
subclasses, so subclasses can keep their own data in ``self``.

Each component takes two forms, told apart by its first argument:

- the **0.1.2 form** (PyPI): a :class:`~domsync.Document`, then the parent's id, e.g.
  ``TableComponent(doc, parent_id, columns, id=None)``;
- the **repository form** (the original repository's last commit): the parent
  :class:`~domsync.Element` itself, e.g. ``TableComponent(parent_el, columns)``.

Both forms have the same methods.

Example:
    >>> from domsync import Document
    >>> from domsync.components import TableComponent
    >>> doc = Document("domsync_root_id")
    >>> table = TableComponent(doc, "domsync_root_id", ["Name", "Age"], id="people")
    >>> table.addRow("kyle", ["Kyle", "10"])
    >>> table.updateCell("kyle", "Age", "11")
    >>> table.getCellElement("kyle", "Age").innerText
    '11'

    The repository form, with rows ordered by ``sort_order``:

    >>> scores = TableComponent(doc.getRootElement(), ["Player", "Score"])
    >>> scores.addRow("stan", ["Stan", "7"], sort_order=-7)
    >>> scores.addRow("kyle", ["Kyle", "9"], sort_order=-9)
    >>> scores.getRowIds()
    ['kyle', 'stan']
"""

from __future__ import annotations

import bisect
import inspect
from typing import Any, Callable

from .document import Document
from .element import Element
from .exceptions import InvalidValueError, NotFoundError, UsageError, WrongTypeError
from .names import check_str

__all__ = ["Component", "TableComponent", "SelectComponent"]


def _forms(form_0_1_2: Callable, repository_form: Callable) -> tuple[inspect.Signature, ...]:
    return inspect.signature(form_0_1_2), inspect.signature(repository_form)


# How each component can be called: (the 0.1.2 form, the repository form).
_COMPONENT = _forms(lambda doc, parent_id, id=None: None, lambda parent_el: None)
_TABLE = _forms(lambda doc, parent_id, columns, id=None: None, lambda parent_el, columns: None)
_SELECT = _forms(
    lambda doc, parent_id, options, callback, selected_value=None, id=None: None,
    lambda parent_el, options, callback, selected_value=None, id=None: None,
)


def _bind(name: str, forms: tuple[inspect.Signature, ...], args: tuple, kwargs: dict) -> tuple[bool, dict]:
    """Pick the form by the first argument's type; return (repository form?, arguments)."""
    form_0_1_2, repository_form = forms
    first = args[0] if args else kwargs.get("doc", kwargs.get("parent_el"))
    if isinstance(first, Document):
        form, repository, why = form_0_1_2, False, "the 0.1.2 form, as the first argument is a Document"
    elif isinstance(first, Element):
        form, repository, why = repository_form, True, "the repository form, as the first argument is an Element"
    else:
        got = f"{type(first).__name__} {first!r}" if args or kwargs else "nothing"
        hint = f"; for the element with id {first!r}, pass doc.getElementById({first!r})" \
            if isinstance(first, str) else ""
        raise WrongTypeError(
            f"{name}() takes the Element to put it under, {name}{repository_form}, or a "
            f"Document and the parent's id as in domsync 0.1.2, {name}{form_0_1_2}; "
            f"got {got}{hint}"
        )
    try:
        bound = form.bind(*args, **kwargs)
    except TypeError as error:
        raise WrongTypeError(f"{name}{form} ({why}): {error}") from None
    bound.apply_defaults()
    return repository, bound.arguments


class Component(dict):
    """Component(parent_el)
    Component(doc, parent_id, id=None)

    A reusable group of elements, placed under a parent element: the repository form
    takes the parent element, the 0.1.2 form a document and the parent's id. A subclass
    calls one of them from its ``__init__``, then adds its elements under
    :meth:`getParentElement`.

    In the 0.1.2 form the component's dict holds ``doc``, ``parent_id`` and ``id`` (the
    id reserved for its root element); in the repository form it holds ``parent_el``.

    Args:
        parent_el: repository form: the element to add the component's elements under.
        doc: 0.1.2 form: the document to add them to.
        parent_id: 0.1.2 form: the id of the element to add them under (an
            :class:`~domsync.Element` is accepted too).
        id: 0.1.2 form: the id of the component's root element; generated if not given.

    Raises:
        WrongTypeError: if the first argument is neither an Element nor a Document, or
            the other arguments do not fit that form.
        NotFoundError: 0.1.2 form, if no element has ``parent_id``.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        repository, arguments = _bind("Component", _COMPONENT, args, kwargs)
        if repository:
            parent = arguments["parent_el"]
            super().__init__({"parent_el": parent})  # keeps keys a subclass set already
            self._doc = parent.getDocument()
        else:
            doc, parent_id, id = arguments["doc"], arguments["parent_id"], arguments["id"]
            if isinstance(parent_id, Element):
                parent_id = parent_id.id
            doc.getElementById(parent_id)  # raises NotFoundError with a clear message
            if id is None:
                id = doc._get_autoinc_id()
            super().__init__({"doc": doc, "parent_id": parent_id, "id": id})
            self._doc = doc
        self._repository_form = repository
        self._root_el: Element | None = None  # set by components that make one root element
        self._has_been_removed = False

    def getDocument(self) -> Document:
        """The document the component lives in."""
        return self._doc

    def getDoc(self) -> Document:
        """The document the component lives in (the 0.1.2 name of :meth:`getDocument`)."""
        return self._doc

    def getParentElement(self) -> Element:
        """The element the component was placed under."""
        if self._repository_form:
            return self["parent_el"]
        return self._doc.getElementById(self["parent_id"])

    def getRootId(self) -> str | None:
        """The id of the component's root element.

        ``None`` for a repository-form component that has no root element of its own
        (the base :class:`Component`, unless a subclass makes one).
        """
        if self._root_el is not None:
            return self._root_el.id
        return None if self._repository_form else self["id"]

    def getElement(self) -> Element:
        """The component's root element.

        Raises:
            NotFoundError: if the component has no root element in the document.
        """
        if self._root_el is not None:
            return self._root_el
        if self._repository_form:
            raise NotFoundError(f"this {type(self).__name__} has no root element of its own; "
                                f"its elements are under getParentElement()")
        return self._doc.getElementById(self["id"])

    def has_been_removed(self) -> bool:
        """True once :meth:`remove` has been called."""
        return self._has_been_removed

    def remove(self) -> None:
        """Take the component's elements out of the document, by calling ``_remove()``.

        :class:`TableComponent` and :class:`SelectComponent` remove their element. A
        subclass whose elements are not all inside one root element defines
        ``_remove()`` to remove them. The default ``_remove()`` removes the root element:
        the element with :meth:`getRootId` (0.1.2 form), or the one a subclass made.

        Raises:
            UsageError: if the component was already removed, or if it has no root
                element and its class does not define ``_remove()``.
        """
        if self._has_been_removed:
            raise UsageError(f"this {type(self).__name__} was already removed; "
                             f"check has_been_removed() before calling remove()")
        self._remove()
        self._has_been_removed = True

    def _remove(self) -> None:
        root = self._root_el
        if root is None and not self._repository_form:
            root = self._doc.getElementById(self["id"], strict=False)
        if root is None:
            name = type(self).__name__
            raise UsageError(f"{name}.remove() cannot tell which elements are the component's: "
                             f"it has no root element; define {name}._remove() to remove "
                             f"the elements it added")
        root.remove()


def _check_key(value: object, what: str) -> str:
    """Row and column ids become part of element ids: non-empty strings."""
    if not (value := check_str(value, what)):
        raise InvalidValueError(f"{what} cannot be the empty string")
    return value


def _columns(columns: Any) -> dict:
    if isinstance(columns, list):
        columns = {name: name for name in columns}
    if not isinstance(columns, dict):
        raise WrongTypeError(f"columns must be a list or a dict, not {type(columns).__name__}")
    for col_id, title in columns.items():
        _check_key(col_id, "a column id")
        check_str(title, "a column title")
    return columns


def _values_for(columns: dict, values: Any) -> list[str | None]:
    """One value per column, None where none is given."""
    cells: list[str | None]
    if values is None:
        cells = [None] * len(columns)
    elif isinstance(values, list):
        if len(values) != len(columns):
            raise InvalidValueError(f"expected {len(columns)} values, one per column, got {len(values)}")
        cells = values
    elif isinstance(values, dict):
        cells = [values.get(col) for col in columns]
    else:
        raise WrongTypeError(f"row values must be a list or a dict, not {type(values).__name__}")
    for cell in cells:
        if cell is not None:
            check_str(cell, "a cell value")
    return cells


def _check_sort_order(sort_order: Any) -> None:
    if sort_order is None:
        return
    if type(sort_order) not in (int, float):
        raise WrongTypeError(f"sort_order must be an int or a float, not {type(sort_order).__name__}")
    if sort_order != sort_order:
        raise InvalidValueError("sort_order cannot be NaN: rows could not be ordered")


class TableComponent(Component):
    """TableComponent(parent_el, columns)
    TableComponent(doc, parent_id, columns, id=None)

    A ``<table>`` whose rows and cells can be updated one by one. In the repository form
    the table gets a generated id.

    Rows added with a ``sort_order`` come first, by ``sort_order`` and then by row id;
    the other rows follow, by row id. Element ids follow 0.1.2: the row ``r`` of the
    table ``t`` is ``t.tr.r`` and its cell in column ``c`` is ``t.td.r.c``.

    After :meth:`~Component.remove`, the row and cell methods raise
    :class:`~domsync.UsageError`.

    Args:
        parent_el: repository form: the element to put the table in.
        doc: 0.1.2 form: the document.
        parent_id: 0.1.2 form: the id of the element to put the table in.
        columns: a dict of column id to column title (in column order), or a list of
            titles that are also the ids.
        id: 0.1.2 form: the id of the ``<table>`` element; generated if not given.

    Raises:
        WrongTypeError: if the arguments fit neither form, or ``columns`` is not a list
            or dict of strings.
    """

    _root_el: Element  # the <table>, made by __init__

    def __init__(self, *args: Any, **kwargs: Any):
        repository, arguments = _bind("TableComponent", _TABLE, args, kwargs)
        columns = _columns(arguments["columns"])
        if repository:
            super().__init__(arguments["parent_el"])
            table = self._doc.createElement("table")
        else:
            super().__init__(arguments["doc"], arguments["parent_id"], id=arguments["id"])
            table = self._doc.createElement("table", id=self["id"])
        self["columns"] = columns
        self._root_el = table
        self._sort_orders: dict[str, int | float] = {}  # row id -> sort_order, if given
        self.getParentElement().appendChild(table)
        header = self._doc.createElement("tr", id=table.id + ".tr.header")
        table.appendChild(header)
        for col_id, title in columns.items():
            header.appendChild(self._doc.createElement("th", id=table.id + ".td.header." + col_id,
                                                       innerText=title))

    @property
    def table_el(self) -> Element:
        """The ``<table>`` element (the repository's attribute; same as :meth:`getTableElement`)."""
        return self._root_el

    def _prefix(self) -> str:
        if self._has_been_removed:
            raise UsageError("this TableComponent was removed; make a new one to show a table")
        return self._root_el.id

    def _row_id(self, row_id: str) -> str:
        return self._prefix() + ".tr." + _check_key(row_id, "row_id")

    def _cell_id(self, row_id: str, col_id: str) -> str:
        return (self._prefix() + ".td." + _check_key(row_id, "row_id") + "."
                + _check_key(col_id, "col_id"))

    def _rows(self) -> list[tuple[str, Element]]:
        """(row id, ``<tr>``) of each row, in table order."""
        prefix = self._prefix() + ".tr."
        return [(row.id[len(prefix):], row) for row in self._root_el.children
                if row.id.startswith(prefix) and row.id != prefix + "header"]

    def _sort_key(self, row_id: str) -> tuple:
        order = self._sort_orders.get(row_id)
        return (1, 0, row_id) if order is None else (0, order, row_id)

    def _place(self, row_id: str, row: Element) -> None:
        """Put ``row`` where its sort key says (it may be in the table already). The
        other rows are in order, so a binary search finds the place."""
        prefix = self._prefix() + ".tr."

        def key_of(el: Element) -> tuple:  # the header (or anything else) sorts first
            el_id = el.id
            if not el_id.startswith(prefix) or el_id == prefix + "header":
                return (-1,)
            return self._sort_key(el_id[len(prefix):])

        key = self._sort_key(row_id)
        if row.parentElement is None:
            # A new row that sorts last (rows added in order: a table's first render)
            # goes at the end, without the copy of every row below: that made adding
            # n rows O(n^2).
            last = self._root_el.lastElementChild
            if last is None or key_of(last) <= key:
                self._root_el.appendChild(row)
                return
        others = [el for el in self._root_el.children if el is not row]
        index = bisect.bisect_right(others, key, key=key_of)
        before = others[index] if index < len(others) else None
        if row.parentElement is not self._root_el or row.nextElementSibling is not before:
            self._root_el.insertBefore(row, before)

    def addRow(self, row_id: str, values: list | dict | None = None,
               sort_order: int | float | None = None) -> None:
        """Add a row in its place (see the class description).

        Args:
            row_id: the row's id, unique in the table.
            values: a list with one string per column, or a dict by column id (missing
                columns and ``None`` give empty cells); ``None`` for an empty row.
            sort_order: a number to order the row by; rows with one come first.

        Raises:
            DuplicateIdError: if the table already has this row.
            InvalidValueError: if the list does not have one value per column.
            WrongTypeError: if a value or ``sort_order`` has the wrong type.
        """
        cells = _values_for(self["columns"], values)
        _check_sort_order(sort_order)
        prefix = self._prefix() + "."
        row_id = _check_key(row_id, "row_id")
        doc = self._doc
        row = doc.createElement("tr", id=prefix + "tr." + row_id)  # refuses a duplicate
        cell_prefix = prefix + "td." + row_id + "."
        for col_id, value in zip(self["columns"], cells):  # column ids were checked when set
            row.appendChild(doc.createElement("td", id=cell_prefix + col_id, innerText=value))
        if sort_order is not None:
            self._sort_orders[row_id] = sort_order
        self._place(row_id, row)

    def updateRow(self, row_id: str, values: list | dict | None) -> None:
        """Set the text of the row's cells; ``None`` values and columns missing from a
        dict are left as they are.

        Raises:
            NotFoundError: if the table has no such row.
        """
        cells = _values_for(self["columns"], values)
        self.getRowElement(row_id)  # a missing row raises, even when no value is given
        for col_id, value in zip(self["columns"], cells):
            if value is not None:
                self.updateCell(row_id, col_id, value)

    def addOrUpdateRow(self, row_id: str, values: list | dict | None,
                       sort_order: int | float | None = None) -> None:
        """Update the row if it exists (see :meth:`updateRow`), add it otherwise.

        A ``sort_order`` given for an existing row replaces its old one, and the row
        moves to its new place; without one the row keeps its place.
        """
        if not self.hasRow(row_id):
            self.addRow(row_id, values, sort_order=sort_order)
            return
        _check_sort_order(sort_order)
        self.updateRow(row_id, values)
        if sort_order is not None and self._sort_orders.get(row_id) != sort_order:
            self._sort_orders[row_id] = sort_order
            self._place(row_id, self.getRowElement(row_id))

    def hasRow(self, row_id: str) -> bool:
        """True if the table has this row."""
        return self._doc.getElementById(self._row_id(row_id), strict=False) is not None

    def removeRow(self, row_id: str) -> None:
        """Remove a row, and forget its ``sort_order``.

        Raises:
            NotFoundError: if the table has no such row.
        """
        self.getRowElement(row_id).remove()
        self._sort_orders.pop(row_id, None)

    def getRowIds(self) -> list[str]:
        """The row ids, in table order."""
        return [row_id for row_id, _ in self._rows()]

    def updateCell(self, row_id: str, col_id: str, value: str) -> None:
        """Set the text of one cell."""
        self.getCellElement(row_id, col_id).innerText = value

    def getTableElement(self) -> Element:
        """The ``<table>`` element."""
        return self._root_el

    def getRowElement(self, row_id: str) -> Element:
        """The ``<tr>`` element of a row."""
        return self._doc.getElementById(self._row_id(row_id))

    def getCellElement(self, row_id: str, col_id: str) -> Element:
        """The ``<td>`` element of a cell."""
        return self._doc.getElementById(self._cell_id(row_id, col_id))


class SelectComponent(Component):
    """SelectComponent(parent_el, options, callback, selected_value=None, id=None)
    SelectComponent(doc, parent_id, options, callback, selected_value=None, id=None)

    A ``<select>`` that calls back when the user picks an option.

    Args:
        parent_el: repository form: the element to put the select in.
        doc: 0.1.2 form: the document.
        parent_id: 0.1.2 form: the id of the element to put the select in.
        options: a dict of option value to option text, or a list of values that are
            also the texts.
        callback: called with the event message when the selection changes; its
            ``value`` is the selected option's value, and ``select.value`` on the
            server is already updated.
        selected_value: the value selected at first; the first option if not given.
        id: the id of the ``<select>`` element; generated if not given.

    Raises:
        WrongTypeError: if the arguments fit neither form, ``options`` is not a list or
            a dict, or ``callback`` cannot take the event.
        InvalidValueError: if ``selected_value`` is not one of the options.
    """

    _root_el: Element  # the <select>, made by __init__

    def __init__(self, *args: Any, **kwargs: Any):
        repository, arguments = _bind("SelectComponent", _SELECT, args, kwargs)
        options, selected_value = arguments["options"], arguments["selected_value"]
        if isinstance(options, list):
            options = {value: value for value in options}
        if not isinstance(options, dict):
            raise WrongTypeError(f"options must be a list or a dict, not {type(options).__name__}")
        for value, text in options.items():
            check_str(value, "an option value")
            check_str(text, "an option text")
        if selected_value is not None and selected_value not in options:
            raise InvalidValueError(f"selected_value {selected_value!r} is not one of the options")
        if repository:
            super().__init__(arguments["parent_el"])
            id = arguments["id"]
        else:
            super().__init__(arguments["doc"], arguments["parent_id"], id=arguments["id"])
            id = self["id"]
        select = self._doc.createElement("select", id=id)
        for value, text in options.items():
            select.appendChild(self._doc.createElement("option", innerText=text, value=value))
        if selected_value is not None:
            select.value = selected_value
        elif options:
            select.value = next(iter(options))
        select.addEventListener("input", arguments["callback"], js_value_getter="this.value")
        self.getParentElement().appendChild(select)
        self["options"] = options
        self._root_el = select

    @property
    def select(self) -> Element:
        """The ``<select>`` element (the repository's attribute; same as :meth:`getSelectElement`)."""
        return self._root_el

    def getSelectElement(self) -> Element:
        """The ``<select>`` element."""
        return self._root_el

    @property
    def value(self) -> str | None:
        """The selected value."""
        return self._root_el.value
