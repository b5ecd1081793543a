"""Pure-Python tests of the components: Component, TableComponent and SelectComponent."""

from __future__ import annotations

import pytest

from domsync import InvalidValueError, NotFoundError, UsageError, WrongTypeError
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


# ---------------------------------------------------------------------- the repository form
# The original repository's last commit: Component(parent_el), TableComponent(parent_el,
# columns), SelectComponent(parent_el, options, callback, selected_value=None, id=None).


class TestChoosingTheForm:
    def test_an_element_picks_the_repository_form_and_is_kept_as_parent_el(self, doc, root):
        component = Component(root)
        assert dict(component) == {"parent_el": root}
        assert component.getParentElement() is root

    def test_the_element_can_be_passed_by_keyword(self, root):
        assert Component(parent_el=root).getParentElement() is root

    def test_both_forms_give_the_document_by_either_name(self, doc, root):
        for component in (Component(root), Component(doc, ROOT)):
            assert component.getDocument() is doc
            assert component.getDoc() is doc

    def test_elements_give_their_document_as_the_repository_form_expects(self, doc, root):
        assert root.getDocument() is doc
        assert doc.createElement("div").getDocument() is doc

    def test_a_parent_element_that_is_not_attached_yet_is_accepted(self, doc):
        box = doc.createElement("div")
        table = TableComponent(box, ["a"])
        assert table.getTableElement().parentElement is box

    @pytest.mark.parametrize("make", [
        lambda parent: Component(parent),
        lambda parent: TableComponent(parent, ["a"]),
        lambda parent: SelectComponent(parent, ["a"], lambda e: None),
    ], ids=["Component", "TableComponent", "SelectComponent"])
    def test_a_first_argument_that_is_neither_raises_WrongTypeError_saying_what_to_pass(self, make):
        with pytest.raises(WrongTypeError) as raised:
            make({"not": "an element"})
        message = str(raised.value)
        assert "takes the Element to put it under" in message
        assert "(parent_el, " in message or "(parent_el)" in message
        assert "(doc, parent_id, " in message
        assert "got dict" in message

    def test_a_parent_id_without_a_document_is_pointed_to_getElementById(self):
        with pytest.raises(WrongTypeError, match=r"pass doc.getElementById\('box'\)"):
            TableComponent("box", ["a"])

    def test_no_arguments_at_all_raise_WrongTypeError(self):
        with pytest.raises(WrongTypeError, match="got nothing"):
            Component()

    def test_arguments_that_do_not_fit_the_chosen_form_raise_WrongTypeError_naming_it(self, doc, root):
        with pytest.raises(WrongTypeError, match=r"TableComponent\(parent_el, columns\) \(the repository "
                                                 r"form.*unexpected keyword argument 'id'"):
            TableComponent(root, ["a"], id="t")
        with pytest.raises(WrongTypeError, match=r"\(the 0.1.2 form.*missing a required argument: 'callback'"):
            SelectComponent(doc, ["a"], lambda e: None)
        with pytest.raises(WrongTypeError, match="too many positional arguments"):
            Component(root, "extra")

    def test_wrong_arguments_are_also_TypeErrors(self):
        with pytest.raises(TypeError):
            Component(42)


class TestRepositoryFormComponent:
    def test_it_has_no_root_element_of_its_own(self, root):
        component = Component(root)
        assert component.getRootId() is None
        with pytest.raises(NotFoundError, match="no root element of its own"):
            component.getElement()

    def test_a_subclass_can_set_keys_before_calling_init_as_the_repository_did(self, root):
        class Keeper(Component):
            def __init__(self, parent_el):
                self["kept"] = "early"
                super().__init__(parent_el)

        assert dict(Keeper(root)) == {"kept": "early", "parent_el": root}

    def test_remove_calls_the_subclass_remove_and_marks_it_removed(self, doc, root):
        class Boxed(Component):
            def __init__(self, parent_el):
                super().__init__(parent_el)
                self.box = parent_el.getDocument().createElement("div", id="box")
                parent_el.appendChild(self.box)

            def _remove(self):
                self.box.remove()

        boxed = Boxed(root)
        assert not boxed.has_been_removed()
        boxed.remove()
        assert boxed.has_been_removed()
        assert doc.getElementById("box", strict=False) is None

    def test_a_second_remove_raises_UsageError_without_calling_remove_again(self, root):
        calls = []

        class Counted(Component):
            def _remove(self):
                calls.append(1)

        counted = Counted(root)
        counted.remove()
        with pytest.raises(UsageError, match="already removed; check has_been_removed"):
            counted.remove()
        assert calls == [1]

    def test_remove_without_a_root_element_or_remove_method_raises_and_leaves_it_in_place(self, root):
        class Loose(Component):
            pass

        loose = Loose(root)
        with pytest.raises(UsageError, match=r"define Loose._remove\(\)"):
            loose.remove()
        assert not loose.has_been_removed()


class TestRemoveInThe012Form:
    def test_remove_takes_out_the_element_with_the_root_id(self, doc, root):
        component = Component(doc, ROOT, id="c")
        root.appendChild(doc.createElement("div", id="c"))
        component.remove()
        assert component.has_been_removed()
        assert doc.getElementById("c", strict=False) is None

    def test_remove_before_the_root_element_exists_raises(self, doc):
        component = Component(doc, ROOT, id="c")
        with pytest.raises(UsageError):
            component.remove()
        assert not component.has_been_removed()

    def test_a_012_table_can_be_removed(self, doc, table):
        table.remove()
        assert doc.getElementById("people", strict=False) is None


@pytest.fixture
def board(root):
    """A repository-form table, the way the repository's example makes one."""
    return TableComponent(root, ["name", "score"])


def texts(table):
    return [[td.innerText for td in table.getRowElement(row_id).children] for row_id in table.getRowIds()]


class TestRepositoryFormTable:
    def test_the_table_is_appended_to_the_parent_element_with_a_generated_id(self, doc, root, board):
        element = board.getTableElement()
        assert element.tagName == "table"
        assert element.parentElement is root
        assert element.id.startswith("__domsync_el_")
        assert board.getRootId() == element.id
        assert board.getElement() is element
        assert board.table_el is element

    def test_the_dict_holds_parent_el_and_columns(self, root, board):
        assert dict(board) == {"parent_el": root, "columns": {"name": "name", "score": "score"}}

    def test_the_header_row_and_the_ids_follow_the_012_scheme_under_the_generated_id(self, doc, board):
        board.addRow("kyle", ["Kyle", "9"])
        table_id = board.getRootId()
        assert [th.innerText for th in doc.getElementById(table_id + ".tr.header").children] == ["name", "score"]
        assert board.getRowElement("kyle") is doc.getElementById(table_id + ".tr.kyle")
        assert board.getCellElement("kyle", "score") is doc.getElementById(table_id + ".td.kyle.score")

    def test_two_repository_form_tables_get_different_ids(self, root, board):
        other = TableComponent(root, ["name", "score"])
        board.addRow("kyle", ["Kyle", "9"])
        other.addRow("kyle", ["K", "1"])
        assert board.getRootId() != other.getRootId()
        assert board.getCellElement("kyle", "name").innerText == "Kyle"

    def test_addRow_takes_a_list_a_dict_or_nothing(self, board):
        board.addRow("kyle", ["Kyle", "9"])
        board.addRow("stan", {"score": "7"})
        board.addRow("eric")
        assert texts(board) == [["", ""], ["Kyle", "9"], ["", "7"]]

    def test_without_sort_order_rows_are_sorted_by_row_id(self, board):
        for row_id in ["stan", "eric", "kyle"]:
            board.addRow(row_id)
        assert board.getRowIds() == ["eric", "kyle", "stan"]

    def test_rows_with_a_sort_order_come_first_ordered_by_it(self, board):
        board.addRow("stan", sort_order=3)
        board.addRow("eric")
        board.addRow("kyle", sort_order=1.5)
        board.addRow("butters")
        board.addRow("kenny", sort_order=-2)
        assert board.getRowIds() == ["kenny", "kyle", "stan", "butters", "eric"]

    def test_equal_sort_orders_are_ordered_by_row_id(self, board):
        board.addRow("stan", sort_order=1)
        board.addRow("eric", sort_order=1)
        board.addRow("kyle", sort_order=0)
        assert board.getRowIds() == ["kyle", "eric", "stan"]

    def test_sort_order_also_works_in_the_012_form(self, table):
        table.addRow("stan", ["Stan", "10"], sort_order=0)
        assert table.getRowIds() == ["stan", "eric", "kyle"]

    @pytest.mark.parametrize("bad", ["1", True, [1]])
    def test_a_sort_order_that_is_not_a_number_raises_WrongTypeError(self, board, bad):
        with pytest.raises(WrongTypeError, match="sort_order must be an int or a float"):
            board.addRow("kyle", sort_order=bad)
        assert not board.hasRow("kyle")

    def test_a_nan_sort_order_raises_InvalidValueError(self, board):
        with pytest.raises(InvalidValueError, match="NaN"):
            board.addRow("kyle", sort_order=float("nan"))

    def test_a_rejected_row_leaves_no_trace_and_can_be_added_later(self, board):
        with pytest.raises(WrongTypeError, match="a cell value must be a str"):
            board.addRow("kyle", ["Kyle", 9])
        assert not board.hasRow("kyle")
        board.addRow("kyle", ["Kyle", "9"])
        assert texts(board) == [["Kyle", "9"]]

    def test_adding_an_existing_row_again_raises_and_keeps_its_sort_order(self, board):
        board.addRow("kyle", sort_order=1)
        board.addRow("stan", sort_order=2)
        with pytest.raises(ValueError):
            board.addRow("kyle", sort_order=5)
        board.addRow("eric", sort_order=1.5)
        assert board.getRowIds() == ["kyle", "eric", "stan"]

    def test_row_and_column_ids_must_be_non_empty_strings(self, board):
        with pytest.raises(WrongTypeError):
            board.addRow(7)
        with pytest.raises(InvalidValueError):
            board.addRow("")
        with pytest.raises(WrongTypeError):
            TableComponent(board.getParentElement(), {1: "one"})

    def test_updateRow_skips_None_values_and_columns_missing_from_a_dict(self, board):
        board.addRow("kyle", ["Kyle", "9"])
        board.updateRow("kyle", [None, "10"])
        assert texts(board) == [["Kyle", "10"]]
        board.updateRow("kyle", {"name": "Kyle B."})
        assert texts(board) == [["Kyle B.", "10"]]

    def test_updateRow_skips_missing_columns_in_the_012_form_too(self, table):
        table.updateRow("kyle", {"age": "11"})
        assert table.getCellElement("kyle", "name").innerText == "Kyle"

    def test_updateRow_of_a_missing_row_raises_NotFoundError(self, board):
        with pytest.raises(NotFoundError):
            board.updateRow("nobody", [None, None])

    def test_updateRow_with_a_list_of_the_wrong_length_raises_and_changes_nothing(self, board):
        board.addRow("kyle", ["Kyle", "9"])
        with pytest.raises(InvalidValueError, match="expected 2 values"):
            board.updateRow("kyle", ["x"])
        assert texts(board) == [["Kyle", "9"]]

    def test_addOrUpdateRow_adds_a_missing_row_in_its_sort_order(self, board):
        board.addRow("kyle", ["Kyle", "9"], sort_order=-9)
        board.addOrUpdateRow("stan", ["Stan", "12"], sort_order=-12)
        assert board.getRowIds() == ["stan", "kyle"]

    def test_addOrUpdateRow_without_sort_order_updates_a_row_in_place(self, board):
        board.addRow("kyle", ["Kyle", "9"], sort_order=-9)
        board.addRow("stan", ["Stan", "7"], sort_order=-7)
        board.addOrUpdateRow("stan", [None, "8"])
        assert board.getRowIds() == ["kyle", "stan"]
        assert texts(board) == [["Kyle", "9"], ["Stan", "8"]]

    def test_addOrUpdateRow_with_a_new_sort_order_moves_the_row(self, board):
        board.addRow("kyle", ["Kyle", "9"], sort_order=-9)
        board.addRow("stan", ["Stan", "7"], sort_order=-7)
        stan = board.getRowElement("stan")
        board.addOrUpdateRow("stan", [None, "10"], sort_order=-10)
        assert board.getRowIds() == ["stan", "kyle"]
        assert board.getRowElement("stan") is stan
        assert texts(board) == [["Stan", "10"], ["Kyle", "9"]]

    def test_addOrUpdateRow_with_the_same_sort_order_renders_only_the_text(self, doc, board):
        board.addRow("kyle", ["Kyle", "9"], sort_order=1)
        board.addRow("stan", ["Stan", "7"], sort_order=2)
        doc.render_js_updates()
        board.addOrUpdateRow("kyle", [None, "10"], sort_order=1)
        cell = board.getCellElement("kyle", "score")
        assert doc.render_js_updates() == f'N({cell._key}).textContent="10";\n'

    def test_removeRow_forgets_the_sort_order(self, board):
        board.addRow("kyle", sort_order=1)
        board.addRow("eric")
        board.removeRow("kyle")
        board.addRow("kyle")
        assert board.getRowIds() == ["eric", "kyle"]

    def test_the_row_and_cell_methods_work_on_a_repository_form_table(self, board):
        board.addRow("kyle", ["Kyle", "9"])
        assert board.hasRow("kyle") and not board.hasRow("stan")
        board.updateCell("kyle", "score", "11")
        assert board.getCellElement("kyle", "score").innerText == "11"
        assert board.getRowIds() == ["kyle"]

    def test_remove_takes_the_table_out_of_the_page(self, doc, root, board):
        board.addRow("kyle", ["Kyle", "9"])
        doc.render_js_updates()
        board.remove()
        assert board.has_been_removed()
        assert board.getTableElement().parentElement is None
        assert root.children == []
        assert ".remove()" in doc.render_js_updates()

    def test_row_methods_of_a_removed_table_raise_UsageError(self, board):
        board.addRow("kyle", ["Kyle", "9"])
        board.remove()
        for call in (lambda: board.addRow("stan"), lambda: board.updateCell("kyle", "score", "1"),
                     lambda: board.hasRow("kyle"), board.getRowIds):
            with pytest.raises(UsageError, match="was removed"):
                call()

    def test_a_removed_table_cannot_be_removed_again(self, board):
        board.remove()
        with pytest.raises(UsageError, match="already removed"):
            board.remove()


class TestBothFormsSideBySide:
    def test_a_012_table_and_a_repository_table_in_one_document_build_the_same_rows(self, doc, root):
        old = TableComponent(doc, ROOT, ["name", "score"], id="old")
        new = TableComponent(root, ["name", "score"])
        for component in (old, new):
            component.addRow("stan", ["Stan", "7"])
            component.addOrUpdateRow("kyle", ["Kyle", "9"])
            component.updateRow("stan", [None, "8"])
        assert texts(old) == texts(new) == [["Kyle", "9"], ["Stan", "8"]]
        assert dict(old).keys() == {"doc", "parent_id", "id", "columns"}
        assert dict(new).keys() == {"parent_el", "columns"}
        assert [el.tagName for el in root.children] == ["table", "table"]

    def test_a_012_select_and_a_repository_select_behave_alike(self, doc, root):
        old = SelectComponent(doc, ROOT, ["a", "b"], lambda e: None, selected_value="b", id="old")
        new = SelectComponent(root, ["a", "b"], lambda e: None, selected_value="b", id="new")
        assert old.value == new.value == "b"
        assert [c.getSelectElement().id for c in (old, new)] == ["old", "new"]


class TestRepositoryFormSelect:
    def test_the_select_is_appended_to_the_parent_element(self, doc, root):
        select = SelectComponent(root, {"r": "Red", "g": "Green"}, lambda e: None)
        element = select.getSelectElement()
        assert element.parentElement is root
        assert element.id.startswith("__domsync_el_")
        assert select.select is element
        assert [(o.value, o.innerText) for o in element.children] == [("r", "Red"), ("g", "Green")]
        assert select.value == "r"

    def test_selected_value_and_id_can_be_given_by_position_or_keyword(self, doc, root):
        first = SelectComponent(root, ["a", "b"], lambda e: None, "b", "first")
        second = SelectComponent(root, ["a", "b"], lambda e: None, selected_value="b", id="second")
        assert doc.getElementById("first").value == doc.getElementById("second").value == "b"
        assert first.getRootId() == "first" and second.getRootId() == "second"

    def test_the_callback_gets_the_picked_value(self, doc, root):
        seen = []
        select = SelectComponent(root, ["a", "b"], seen.append, id="s")
        doc.handle_event({"domsync": True, "event": "input", "id": "s", "value": "b"})
        assert [e["value"] for e in seen] == ["b"]
        assert select.value == "b"

    def test_a_selected_value_that_is_not_an_option_raises_and_adds_nothing(self, root):
        with pytest.raises(InvalidValueError, match="not one of the options"):
            SelectComponent(root, ["a"], lambda e: None, selected_value="z", id="s")
        assert root.children == []
        assert root.getDocument().getElementById("s", strict=False) is None

    def test_remove_takes_the_select_out(self, doc, root):
        select = SelectComponent(root, ["a"], lambda e: None, id="s")
        select.remove()
        assert select.has_been_removed()
        assert doc.getElementById("s", strict=False) is None

    def test_options_that_are_not_strings_raise_and_add_nothing(self, root):
        with pytest.raises(WrongTypeError, match="an option value must be a str"):
            SelectComponent(root, [1, 2], lambda e: None, id="s")
        assert root.getDocument().getElementById("s", strict=False) is None
