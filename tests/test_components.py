"""Pure-Python tests of the components: Component, TableComponent and SelectComponent."""

from __future__ import annotations

import pytest

from domsync import InvalidValueError, NotFoundError, WrongTypeError
from domsync.components import Component, SelectComponent, TableComponent

ROOT = "domsync_root_id"


# The doc and root fixtures come from conftest.py, with this module's ROOT.


# ---------------------------------------------------------------------- Component


class TestComponent:
    def test_a_component_is_a_dict_with_doc_parent_id_and_id(self, doc):
        component = Component(doc, ROOT, id="mine")
        assert isinstance(component, dict)
        assert component["doc"] is doc
        assert component["parent_id"] == ROOT
        assert component["id"] == "mine"
        assert component.getDoc() is doc
        assert component.getRootId() == "mine"

    def test_a_component_without_id_gets_a_generated_one(self, doc):
        first, second = Component(doc, ROOT), Component(doc, ROOT)
        assert first.getRootId().startswith("__domsync_el_")
        assert first.getRootId() != second.getRootId()

    def test_a_generated_component_id_can_be_given_to_an_element(self, doc, root):
        component = Component(doc, ROOT)
        el = doc.createElement("div", id=component.getRootId())
        root.appendChild(el)
        assert component.getElement() is el

    def test_generated_component_ids_do_not_collide_with_generated_element_ids(self, doc, root):
        component = Component(doc, ROOT)
        el = doc.createElement("div")
        assert el.id != component.getRootId()

    def test_a_component_under_a_missing_parent_raises_NotFoundError(self, doc):
        with pytest.raises(NotFoundError):
            Component(doc, "missing")

    def test_a_component_needs_a_document(self):
        with pytest.raises(WrongTypeError):
            Component({"not": "a document"}, ROOT)

    def test_a_component_accepts_a_parent_element(self, doc, root):
        component = Component(doc, root, id="c")
        assert component["parent_id"] == ROOT
        assert component.getParentElement() is root

    def test_subclasses_can_keep_their_own_data(self, doc):
        class Counter(Component):
            def __init__(self, doc, parent_id, id=None):
                super().__init__(doc, parent_id, id=id)
                self["count"] = 0

        counter = Counter(doc, ROOT)
        counter["count"] += 1
        assert counter["count"] == 1


# ---------------------------------------------------------------------- TableComponent


@pytest.fixture
def table(doc):
    table = TableComponent(doc, ROOT, {"name": "Name", "age": "Age"}, id="people")
    table.addRow("kyle", ["Kyle", "10"])
    table.addRow("eric", {"name": "Eric", "age": "10"})
    return table


class TestTableComponent:
    def test_the_table_has_a_header_row_with_the_column_titles(self, doc, table):
        element = doc.getElementById("people")
        assert element.tagName == "table"
        assert element.parentElement is doc.getRootElement()
        header = doc.getElementById("people.tr.header")
        assert [th.tagName for th in header.children] == ["th", "th"]
        assert [th.innerText for th in header.children] == ["Name", "Age"]
        assert doc.getElementById("people.td.header.age").innerText == "Age"

    def test_columns_given_as_a_list_are_ids_and_titles(self, doc):
        table = TableComponent(doc, ROOT, ["Name", "Age"], id="t")
        table.addRow("r", ["a", "b"])
        assert table.getCellElement("r", "Age").innerText == "b"
        assert doc.getElementById("t.td.header.Name").innerText == "Name"

    def test_rows_are_kept_sorted_by_row_id(self, table):
        table.addRow("stan", ["Stan", "10"])
        table.addRow("butters", ["Butters", "9"])
        assert table.getRowIds() == ["butters", "eric", "kyle", "stan"]

    def test_row_and_cell_ids_follow_012(self, doc, table):
        assert table.getRowElement("kyle") is doc.getElementById("people.tr.kyle")
        assert table.getCellElement("kyle", "age") is doc.getElementById("people.td.kyle.age")

    def test_rows_appear_in_the_table_in_order(self, doc, table):
        rows = table.getTableElement().children
        assert [row.id for row in rows] == ["people.tr.header", "people.tr.eric", "people.tr.kyle"]
        assert [td.innerText for td in rows[1].children] == ["Eric", "10"]

    def test_a_row_without_values_has_empty_cells(self, table):
        table.addRow("kenny")
        assert [td.innerText for td in table.getRowElement("kenny").children] == ["", ""]

    def test_dict_values_fill_missing_columns_with_empty_text(self, table):
        table.addRow("kenny", {"age": "9"})
        assert table.getCellElement("kenny", "name").innerText == ""
        assert table.getCellElement("kenny", "age").innerText == "9"

    def test_a_list_of_the_wrong_length_raises(self, table):
        with pytest.raises(InvalidValueError):
            table.addRow("kenny", ["Kenny"])
        assert not table.hasRow("kenny")

    def test_values_of_the_wrong_type_raise(self, table):
        with pytest.raises(WrongTypeError):
            table.addRow("kenny", "Kenny")

    def test_updateCell_changes_one_cell(self, table):
        table.updateCell("kyle", "age", "11")
        assert table.getCellElement("kyle", "age").innerText == "11"
        assert table.getCellElement("eric", "age").innerText == "10"

    def test_updateCell_of_a_rendered_table_renders_one_statement(self, doc, table):
        doc.render_js_updates()
        table.updateCell("kyle", "age", "11")
        cell = table.getCellElement("kyle", "age")
        assert doc.render_js_updates() == f'N({cell._key}).textContent="11";\n'

    def test_updateRow_changes_every_cell(self, table):
        table.updateRow("kyle", ["Kyle B.", "11"])
        assert [td.innerText for td in table.getRowElement("kyle").children] == ["Kyle B.", "11"]

    def test_hasRow(self, table):
        assert table.hasRow("kyle")
        assert not table.hasRow("stan")

    def test_removeRow_takes_the_row_out(self, doc, table):
        table.removeRow("kyle")
        assert not table.hasRow("kyle")
        assert table.getRowIds() == ["eric"]
        assert doc.getElementById("people.td.kyle.age", strict=False) is None

    def test_a_removed_row_can_be_added_again(self, table):
        table.removeRow("kyle")
        table.addRow("kyle", ["Kyle", "12"])
        assert table.getRowIds() == ["eric", "kyle"]
        assert table.getCellElement("kyle", "age").innerText == "12"

    def test_adding_an_existing_row_again_raises(self, table):
        with pytest.raises(ValueError):
            table.addRow("kyle", ["Kyle", "10"])
        assert table.getRowIds() == ["eric", "kyle"]

    def test_addOrUpdateRow_updates_an_existing_row(self, table):
        table.addOrUpdateRow("kyle", ["Kyle", "11"])
        assert table.getRowIds() == ["eric", "kyle"]
        assert table.getCellElement("kyle", "age").innerText == "11"

    def test_addOrUpdateRow_adds_a_missing_row(self, table):
        table.addOrUpdateRow("stan", {"name": "Stan", "age": "10"})
        assert table.getRowIds() == ["eric", "kyle", "stan"]

    def test_cell_text_with_markup_stays_text(self, table):
        table.updateCell("kyle", "name", "<b>bold</b> & co")
        assert table.getCellElement("kyle", "name").innerHTML == "&lt;b&gt;bold&lt;/b&gt; &amp; co"

    def test_two_tables_in_one_document_are_independent(self, doc, table):
        other = TableComponent(doc, ROOT, ["x"], id="other")
        other.addRow("kyle", ["K"])
        assert table.getCellElement("kyle", "name").innerText == "Kyle"
        assert other.getRowIds() == ["kyle"]

    def test_a_table_under_a_missing_parent_raises(self, doc):
        with pytest.raises(NotFoundError):
            TableComponent(doc, "missing", ["a"])

    def test_a_table_inside_another_element(self, doc, root):
        box = doc.createElement("div", id="box")
        root.appendChild(box)
        table = TableComponent(doc, "box", ["a"], id="t")
        assert table.getTableElement().parentElement is box
        assert table.getParentElement() is box


# ---------------------------------------------------------------------- SelectComponent


class TestSelectComponent:
    def test_options_from_a_list_use_each_value_as_text(self, doc):
        select = SelectComponent(doc, ROOT, ["red", "green"], lambda e: None, id="colour")
        element = doc.getElementById("colour")
        assert element.tagName == "select"
        assert element.parentElement is doc.getRootElement()
        assert [(o.getAttribute("value"), o.innerText) for o in element.children] == [
            ("red", "red"), ("green", "green")]
        assert select.getSelectElement() is element

    def test_options_from_a_dict_map_values_to_texts(self, doc):
        SelectComponent(doc, ROOT, {"r": "Red", "g": "Green"}, lambda e: None, id="colour")
        options = doc.getElementById("colour").children
        assert [(o.value, o.innerText) for o in options] == [("r", "Red"), ("g", "Green")]

    def test_the_first_option_is_selected_by_default(self, doc):
        select = SelectComponent(doc, ROOT, ["red", "green"], lambda e: None)
        assert select.value == "red"

    def test_selected_value_selects_an_option(self, doc):
        select = SelectComponent(doc, ROOT, {"r": "Red", "g": "Green"}, lambda e: None,
                                 selected_value="g", id="colour")
        assert select.value == "g"
        assert doc.getElementById("colour").value == "g"

    def test_a_selected_value_that_is_not_an_option_raises(self, doc):
        with pytest.raises(InvalidValueError):
            SelectComponent(doc, ROOT, ["red"], lambda e: None, selected_value="blue")

    def test_options_of_the_wrong_type_raise(self, doc):
        with pytest.raises(WrongTypeError):
            SelectComponent(doc, ROOT, "red,green", lambda e: None)

    def test_a_callback_that_cannot_take_the_event_raises(self, doc):
        with pytest.raises(WrongTypeError):
            SelectComponent(doc, ROOT, ["red"], lambda: None)

    def test_the_selection_is_rendered_as_the_select_value(self, doc):
        SelectComponent(doc, ROOT, {"r": "Red", "g": "Green"}, lambda e: None,
                        selected_value="g", id="colour")
        js = doc.render_js_updates()
        assert '"value":"g"' in js
        assert '"input","this.value"' in js

    def test_the_callback_gets_the_picked_value_and_the_model_is_updated_first(self, doc):
        seen = []

        def on_pick(event):
            seen.append((event["value"], event["id"], event["doc"].getElementById("colour").value))

        select = SelectComponent(doc, ROOT, {"r": "Red", "g": "Green"}, on_pick, id="colour")
        doc.render_js_updates()
        key = doc.getElementById("colour")._key
        doc.handle_event({"domsync": True, "event": "input", "id": key, "value": "g",
                          "state": {"value": "g"}})
        assert seen == [("g", "colour", "g")]
        assert select.value == "g"
        assert doc.render_js_updates() == ""

    def test_the_callback_works_with_an_012_style_message(self, doc):
        seen = []
        select = SelectComponent(doc, ROOT, ["a", "b"], seen.append, id="s")
        doc.handle_event({"domsync": True, "event": "input", "id": "s", "value": "b"})
        assert [e["value"] for e in seen] == ["b"]
        assert select.value == "b"

    def test_setting_the_value_from_python_renders_it(self, doc):
        select = SelectComponent(doc, ROOT, ["a", "b"], lambda e: None, id="s")
        doc.render_js_updates()
        select.getSelectElement().value = "b"
        assert doc.render_js_updates() == f'N({select.getSelectElement()._key}).value="b";\n'
