"""Reusable groups of elements, as in domsync 0.1.2.

A component writes its elements into a document under an existing parent element when
it is constructed, and keeps the ids it needs to update them later. Components are
``dict`` subclasses (as in 0.1.2), so subclasses can keep their own data in ``self``.

Example:
    >>> from domsync import Document
    >>> from domsync.components import TableComponent
    >>> doc = Document("domsync_root_id")
    >>> table = TableComponent(doc, "domsync_root_id", ["Name", "Age"], id="people")
    >>> table.addRow("kyle", ["Kyle", "10"])
    >>> table.updateCell("kyle", "Age", "11")
    >>> table.getCellElement("kyle", "Age").innerText
    '11'
"""

from __future__ import annotations

from typing import Any, Callable

from .document import Document
from .element import Element
from .exceptions import InvalidValueError, WrongTypeError

__all__ = ["Component", "TableComponent", "SelectComponent"]


class Component(dict):
    """A reusable group of elements with one root element, placed under a parent.

    Args:
        doc: the document to add the elements to.
        parent_id: the id of the element to add them under (an :class:`Element` is
            accepted too).
        id: the id of the component's root element; generated if not given.

    Raises:
        WrongTypeError: if ``doc`` is not a Document.
        NotFoundError: if no element has ``parent_id``.
    """

    def __init__(self, doc: Document, parent_id: str | Element, id: str | None = None):
        if not isinstance(doc, Document):
            raise WrongTypeError(f"doc must be a domsync Document, not {type(doc).__name__}")
        if isinstance(parent_id, Element):
            parent_id = parent_id.id
        doc.getElementById(parent_id)  # raises NotFoundError with a clear message
        if id is None:
            id = doc._get_autoinc_id()
        super().__init__({"doc": doc, "parent_id": parent_id, "id": id})

    def getDoc(self) -> Document:
        """The document the component lives in."""
        return self["doc"]

    def getElement(self) -> Element:
        """The component's root element."""
        return self["doc"].getElementById(self["id"])

    def getRootId(self) -> str:
        """The id of the component's root element."""
        return self["id"]

    def getParentElement(self) -> Element:
        """The element the component was placed under."""
        return self["doc"].getElementById(self["parent_id"])


def _values_for(columns: dict, values: Any) -> list[str]:
    if values is None:
        return [""] * len(columns)
    if isinstance(values, list):
        if len(values) != len(columns):
            raise InvalidValueError(f"expected {len(columns)} values, one per column, got {len(values)}")
        return values
    if isinstance(values, dict):
        return [values.get(col, "") for col in columns]
    raise WrongTypeError(f"row values must be a list or a dict, not {type(values).__name__}")


class TableComponent(Component):
    """A ``<table>`` whose rows and cells can be updated one by one.

    Rows are kept sorted by row id. Element ids follow 0.1.2: the row ``r`` of the table
    ``t`` is ``t.tr.r`` and its cell in column ``c`` is ``t.td.r.c``.

    Args:
        doc: the document.
        parent_id: the id of the element to put the table in.
        columns: a dict of column id to column title (in column order), or a list of
            titles that are also the ids.
        id: the id of the ``<table>`` element.
    """

    def __init__(self, doc: Document, parent_id: str | Element, columns: dict | list, id: str | None = None):
        if isinstance(columns, list):
            columns = {name: name for name in columns}
        if not isinstance(columns, dict):
            raise WrongTypeError(f"columns must be a list or a dict, not {type(columns).__name__}")
        super().__init__(doc, parent_id, id=id)
        self["columns"] = columns
        table = doc.createElement("table", id=self.getRootId())
        doc.getElementById(self["parent_id"]).appendChild(table)
        header = doc.createElement("tr", id=self.getRootId() + ".tr.header")
        table.appendChild(header)
        for col_id, col_name in columns.items():
            header.appendChild(doc.createElement("th", id=self.getRootId() + ".td.header." + col_id,
                                                 innerText=col_name))

    def _row_id(self, row_id: str) -> str:
        return self.getRootId() + ".tr." + row_id

    def _cell_id(self, row_id: str, col_id: str) -> str:
        return self.getRootId() + ".td." + row_id + "." + col_id

    def addRow(self, row_id: str, values: list | dict | None = None) -> None:
        """Add a row, keeping rows sorted by row id. ``values`` is a list in column
        order or a dict by column id."""
        doc = self["doc"]
        full_id = self._row_id(row_id)
        cells = _values_for(self["columns"], values)
        row = doc.createElement("tr", id=full_id)
        table = self.getElement()
        before = None
        for existing in table.children:
            if existing.id != self.getRootId() + ".tr.header" and full_id < existing.id:
                before = existing
                break
        for col_id, value in zip(self["columns"], cells):
            row.appendChild(doc.createElement("td", id=self._cell_id(row_id, col_id), innerText=value))
        table.insertBefore(row, before)

    def updateRow(self, row_id: str, values: list | dict) -> None:
        """Set the text of every cell of a row."""
        for col_id, value in zip(self["columns"], _values_for(self["columns"], values)):
            self.updateCell(row_id, col_id, value)

    def addOrUpdateRow(self, row_id: str, values: list | dict) -> None:
        """Update the row if it exists, add it otherwise."""
        if self.hasRow(row_id):
            self.updateRow(row_id, values)
        else:
            self.addRow(row_id, values)

    def hasRow(self, row_id: str) -> bool:
        """True if the table has this row."""
        return self["doc"].getElementById(self._row_id(row_id), strict=False) is not None

    def removeRow(self, row_id: str) -> None:
        """Remove a row."""
        self.getRowElement(row_id).remove()

    def getRowIds(self) -> list[str]:
        """The row ids, in table order."""
        prefix = self.getRootId() + ".tr."
        return [row.id[len(prefix):] for row in self.getElement().children
                if row.id != prefix + "header"]

    def updateCell(self, row_id: str, col_id: str, value: str) -> None:
        """Set the text of one cell."""
        self.getCellElement(row_id, col_id).innerText = value

    def getTableElement(self) -> Element:
        """The ``<table>`` element."""
        return self.getElement()

    def getRowElement(self, row_id: str) -> Element:
        """The ``<tr>`` element of a row."""
        return self["doc"].getElementById(self._row_id(row_id))

    def getCellElement(self, row_id: str, col_id: str) -> Element:
        """The ``<td>`` element of a cell."""
        return self["doc"].getElementById(self._cell_id(row_id, col_id))


class SelectComponent(Component):
    """A ``<select>`` that calls back when the user picks an option.

    Args:
        doc: the document.
        parent_id: the id of the element to put the select in.
        options: a dict of option value to option text, or a list of values that are
            also the texts.
        callback: called with the event message when the selection changes; its
            ``value`` is the selected option's value, and ``select.value`` on the
            server is already updated.
        selected_value: the value selected at first.
        id: the id of the ``<select>`` element.
    """

    def __init__(self, doc: Document, parent_id: str | Element, options: dict | list,
                 callback: Callable[[dict], Any], selected_value: str | None = None,
                 id: str | None = None):
        super().__init__(doc, parent_id, id=id)
        if isinstance(options, list):
            options = {value: value for value in options}
        if not isinstance(options, dict):
            raise WrongTypeError(f"options must be a list or a dict, not {type(options).__name__}")
        select = doc.createElement("select", id=self.getRootId())
        for value, text in options.items():
            select.appendChild(doc.createElement("option", innerText=text, value=value))
        if selected_value is not None:
            if selected_value not in options:
                raise InvalidValueError(f"selected_value {selected_value!r} is not one of the options")
            select.value = selected_value
        elif options:
            select.value = next(iter(options))
        select.addEventListener("input", callback, js_value_getter="this.value")
        doc.getElementById(self["parent_id"]).appendChild(select)
        self["options"] = options

    def getSelectElement(self) -> Element:
        """The ``<select>`` element."""
        return self.getElement()

    @property
    def value(self) -> str | None:
        """The selected value."""
        return self.getElement().value
