"""Programs written for domsync 0.1.2 keep working: module paths, the README examples,
and a component written like 0.1.2's examples/example_input_components.py."""

from __future__ import annotations

import pytest

import domsync
from domsync.components import Component, SelectComponent, TableComponent
from domsync.core import Document, _Element

ROOT = "domsync_root_id"


# ---------------------------------------------------------------------- the 0.1.2 example
# domsync 0.1.2's examples/example_input_components.py is kept verbatim beside the tests.


def _load_example_component():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent / "compat_0_1_2" / "example_input_components.py"
    spec = importlib.util.spec_from_file_location("example_input_components_0_1_2", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # defines the class; main() only runs as a script
    return module.ExampleInputsComponent


ExampleInputsComponent = _load_example_component()

# ---------------------------------------------------------------------- module paths


class TestModulePaths:
    def test_core_exports_Document_and_Element(self):
        assert Document is domsync.Document
        assert _Element is domsync.Element

    def test_the_package_exports_Document(self):
        from domsync import Document as TopLevelDocument

        assert TopLevelDocument is Document

    def test_components_export_the_three_components(self):
        assert issubclass(TableComponent, Component)
        assert issubclass(SelectComponent, Component)
        assert issubclass(Component, dict)

    def test_elements_are_instances_of_the_old_class_name(self):
        el = Document(ROOT).createElement("div")
        assert isinstance(el, _Element)


# ---------------------------------------------------------------------- README examples


class TestReadmeExamples:
    def test_the_clock_example_sends_the_whole_div_then_only_its_text(self):
        document = Document(ROOT)
        root_element = document.getElementById(document.getRootId())
        assert root_element is document.getRootElement()
        div_element = document.createElement('div')
        root_element.appendChild(div_element)
        div_element.innerText = 'The current time is: 2022-06-08T03:23:14.818841'
        first = document.render_js_updates()
        assert first.startswith(f'R("{ROOT}")')
        assert "2022-06-08T03:23:14.818841" in first
        div_element.innerText = 'The current time is: 2022-06-08T03:23:14.925521'
        second = document.render_js_updates()
        assert second == (f'N({div_element._key}).textContent='
                          f'"The current time is: 2022-06-08T03:23:14.925521";\n')

    def test_the_list_example_updates_text_removes_an_item_and_sets_a_style(self):
        doc = Document(ROOT)
        root = doc.getElementById(ROOT)
        root.appendChild(doc.createElement('h1', id='h1_0', innerText='domsync demo'))
        ul = doc.createElement('ul', id='ul_0')
        root.appendChild(ul)
        for i in range(3):
            ul.appendChild(doc.createElement('li', id=f'li_{i}', innerText=f'item {i}'))
        doc.render_js_updates()
        assert root.innerHTML == ('<h1 id="h1_0">domsync demo</h1><ul id="ul_0"><li id="li_0">item 0</li>'
                                  '<li id="li_1">item 1</li><li id="li_2">item 2</li></ul>')

        doc.getElementById('li_0').innerText = doc.getElementById('li_0').innerText + ' is missing item 1'
        doc.getElementById('li_1').remove()
        doc.getElementById('li_2').setAttribute('style', 'color:red')
        js = doc.render_js_updates()

        assert root.innerHTML == ('<h1 id="h1_0">domsync demo</h1><ul id="ul_0">'
                                  '<li id="li_0">item 0 is missing item 1</li>'
                                  '<li id="li_2" style="color:red">item 2</li></ul>')
        assert '"item 0 is missing item 1"' in js
        assert ".remove()" in js
        assert '"style","color:red"' in js
        assert doc.getElementById('li_1', strict=False) is None

    def test_the_table_component_example(self):
        doc = Document('domsync_root_id')
        table = TableComponent(doc, 'domsync_root_id', ['Name', 'Age', 'Birthday', 'Hair'])
        table.addRow('kyle',    ['Kyle Broflovski', '10', 'May 26',     'brown'])
        table.addRow('eric',    ['Eric Cartman',    '10', 'July 1',     'brown'])
        table.addRow('kenny',   ['Kenny McCormick', '10', 'March 22',   'blond'])
        table.addRow('tolkien', ['Tolkien Black',   '10', 'June 20',    'black'])
        table.addRow('stan',    ['Stan Marsh',      '10', 'October 19', 'black'])
        js = doc.render_js_updates()
        assert "Kenny McCormick" in js and '"table"' in js

        assert table.getRowIds() == ['eric', 'kenny', 'kyle', 'stan', 'tolkien']
        rows = table.getTableElement().children
        assert [td.innerText for td in rows[1].children] == ['Eric Cartman', '10', 'July 1', 'brown']

        table.updateCell('kyle', 'Hair', 'red')
        table.updateCell('kenny', 'Age', '9')
        js = doc.render_js_updates()
        hair = table.getCellElement('kyle', 'Hair')
        age = table.getCellElement('kenny', 'Age')
        assert js == f'N({hair._key}).textContent="red";\nN({age._key}).textContent="9";\n'
        assert hair.innerText == 'red'

        assert table.hasRow('stan')
        table.removeRow('stan')
        assert not table.hasRow('stan')
        assert table.getRowIds() == ['eric', 'kenny', 'kyle', 'tolkien']

        table.addOrUpdateRow('kyle', ['Kyle Broflovski', '11', 'May 26', 'red'])
        table.addOrUpdateRow('butters', ['Butters Stotch', '10', 'September 11', 'blond'])
        assert table.getRowIds() == ['butters', 'eric', 'kenny', 'kyle', 'tolkien']
        assert table.getCellElement('kyle', 'Age').innerText == '11'
        assert table.getCellElement('butters', 'Name').innerText == 'Butters Stotch'

    def test_the_input_components_readme_callback_sees_the_updated_value(self):
        # "at this point domsync has updated the value of the textinput element,
        #  therefore doc.getElementById('id_textinput').value is the same as event['value']"
        doc = Document(ROOT)
        seen = []

        def on_change(event):
            doc = event['doc']
            doc.getElementById('id_div').innerText = doc.getElementById('id_textinput').value
            seen.append(event['value'])

        field = doc.createElement('input', id='id_textinput', value='hi there!', attributes={'type': 'text'})
        field.addEventListener('input', on_change, js_value_getter='this.value')
        doc.getElementById(ROOT).appendChild(field)
        doc.getElementById(ROOT).appendChild(doc.createElement('div', id='id_div'))
        doc.render_js_updates()
        doc.handle_event({'domsync': True, 'event': 'input', 'id': 'id_textinput', 'value': 'changed'})
        assert seen == ['changed']
        assert doc.getElementById('id_div').innerText == 'changed'
        assert doc.getElementById('id_textinput').value == 'changed'


# ---------------------------------------------------------------------- 0.1.2 API surface


class TestApi:
    def test_createElement_takes_id_innerText_value_attributes_positionally(self):
        doc = Document(ROOT)
        el = doc.createElement('input', 'myid', None, 'v', {'type': 'text'})
        assert el.id == 'myid'
        assert el.value == 'v'
        assert el.getAttribute('type') == 'text'

    def test_element_properties_of_012(self):
        doc = Document(ROOT)
        parent = doc.createElement('div', id='p', attributes={'class': 'c'})
        a = doc.createElement('span', id='a', innerText='A')
        b = doc.createElement('span', id='b')
        parent.appendChild(a)
        parent.insertBefore(b, a)
        assert parent.tagName == 'div'
        assert parent.id == 'p'
        assert parent.children == [b, a]
        assert parent.firstElementChild is b
        assert parent.lastElementChild is a
        assert a.parentElement is parent
        assert a.innerText == 'A'
        assert parent.attributes['class'] == 'c'

    def test_getAttribute_takes_a_default(self):
        el = Document(ROOT).createElement('div')
        assert el.getAttribute('title', 'none') == 'none'
        el.setAttribute('title', 't')
        assert el.getAttribute('title', 'none') == 't'

    def test_getElementById_strict_and_non_strict(self):
        doc = Document(ROOT)
        assert doc.getElementById(ROOT) is doc.getRootElement()
        assert doc.getElementById('nope', strict=False) is None
        with pytest.raises(KeyError):
            doc.getElementById('nope')

    def test_get_autoinc_id_gives_fresh_ids(self):
        doc = Document(ROOT)
        first, second = doc._get_autoinc_id(), doc._get_autoinc_id()
        assert first != second
        assert first.startswith('__domsync_el_')
        el = doc.createElement('div', id=first)
        assert el.id == first

    def test_getElementsByTagName_and_getElementsByClassName(self):
        doc = Document(ROOT)
        root = doc.getElementById(ROOT)
        a = doc.createElement('p', attributes={'class': 'x'})
        b = doc.createElement('p')
        root.appendChild(a)
        root.appendChild(b)
        assert doc.getElementsByTagName('p') == [a, b]
        assert doc.getElementsByClassName('x') == [a]

    def test_handle_event_returns_the_callback_result_and_ignores_other_events(self):
        doc = Document(ROOT)
        button = doc.createElement('button', id='b')
        button.addEventListener('click', lambda event: ('clicked', event['id']))
        doc.getElementById(ROOT).appendChild(button)
        assert doc.handle_event({'domsync': True, 'event': 'click', 'id': 'b', 'value': None}) == ('clicked', 'b')
        assert doc.handle_event({'domsync': True, 'event': 'dblclick', 'id': 'b', 'value': None}) is None

    def test_the_event_dict_has_the_012_keys(self):
        doc = Document(ROOT)
        received = []
        button = doc.createElement('button', id='b')
        button.addEventListener('click', received.append)
        doc.getElementById(ROOT).appendChild(button)
        doc.handle_event({'domsync': True, 'event': 'click', 'id': 'b', 'value': None})
        (event,) = received
        assert {'domsync', 'event', 'id', 'value', 'doc'} <= set(event)
        assert event['domsync'] is True
        assert event['value'] is None

    def test_render_js_full_after_render_js_updates(self):
        doc = Document(ROOT)
        doc.getElementById(ROOT).appendChild(doc.createElement('p', id='p', innerText='x'))
        doc.render_js_updates()
        full = doc.render_js_full()
        assert full.startswith(f'R("{ROOT}")')
        assert '"p"' in full and '"x"' in full


# ---------------------------------------------------------------------- the example component


@pytest.fixture
def example():
    doc = Document(ROOT)
    component = ExampleInputsComponent(doc, ROOT)
    doc.render_js_updates()  # what the server sends when the page connects
    return doc, component


def cell(component, row):
    return component['table'].getCellElement(row, 'value').innerText


class TestExampleInputsComponent:
    def test_it_builds_the_inputs_and_the_table(self, example):
        doc, component = example
        root = doc.getRootElement()
        assert [el.tagName for el in root.children] == [
            'button', 'br', 'input', 'br', 'textarea', 'br', 'select', 'br', 'table']
        assert doc.getElementById(ROOT + '.button').innerText == 'on'
        assert doc.getElementById(ROOT + '.textinput').value == 'hi there!'
        assert doc.getElementById(ROOT + '.textarea').value == "Hello world\nhi there\nfoo bar"
        assert doc.getElementById(ROOT + '.textarea').getAttribute('rows') == '20'
        assert [o.innerText for o in doc.getElementById(ROOT + '.select').children] == ['Option 1', 'Option 2']

    def test_the_table_lists_the_inputs_sorted_by_row_id(self, example):
        doc, component = example
        table = component['table']
        assert table.getRowIds() == ['button', 'select', 'textarea', 'textinput']
        assert cell(component, 'textinput') == 'hi there!'
        assert cell(component, 'textarea') == "Hello world\nhi there\nfoo bar"
        assert cell(component, 'select') == 'Option 1'
        assert cell(component, 'button') == 'on'

    def test_the_first_render_builds_everything_with_listeners(self):
        doc = Document(ROOT)
        ExampleInputsComponent(doc, ROOT)
        js = doc.render_js_updates()
        assert js.startswith(f'R("{ROOT}")')
        assert '"on":["click",null]' in js
        assert '"input","this.options[this.selectedIndex].value"' in js
        assert '"value":"hi there!"' in js

    def test_typing_in_the_text_input_updates_its_value_and_the_table(self, example):
        doc, component = example
        textinput = doc.getElementById(ROOT + '.textinput')
        doc.handle_event({"domsync": True, "event": "input", "id": textinput._key,
                          "value": "new", "state": {"value": "new"}})
        assert textinput.value == 'new'
        assert cell(component, 'textinput') == 'new'
        js = doc.render_js_updates()
        cell_key = component['table'].getCellElement('textinput', 'value')._key
        assert js == f'N({cell_key}).textContent="new";\n'

    def test_typing_in_the_textarea_updates_the_table_with_line_breaks(self, example):
        doc, component = example
        textarea = doc.getElementById(ROOT + '.textarea')
        doc.handle_event({"domsync": True, "event": "input", "id": textarea._key,
                          "value": "one\ntwo", "state": {"value": "one\ntwo"}})
        assert textarea.value == "one\ntwo"
        assert cell(component, 'textarea') == "one\ntwo"
        assert component['table'].getCellElement('textarea', 'value').innerHTML == "one<br>two"

    def test_picking_an_option_updates_the_table(self, example):
        doc, component = example
        select = doc.getElementById(ROOT + '.select')
        doc.handle_event({"domsync": True, "event": "input", "id": select._key,
                          "value": "Option 2", "state": {"value": "Option 2"}})
        assert select.value == 'Option 2'
        assert cell(component, 'select') == 'Option 2'

    def test_clicking_the_button_toggles_its_text_with_int_ids(self, example):
        doc, component = example
        button = doc.getElementById(ROOT + '.button')
        doc.handle_event({"domsync": True, "event": "click", "id": button._key, "value": None})
        assert button.innerText == 'off'
        assert cell(component, 'button') == 'off'
        doc.handle_event({"domsync": True, "event": "click", "id": button._key, "value": None})
        assert button.innerText == 'on'
        assert cell(component, 'button') == 'on'

    def test_clicking_the_button_with_an_012_message(self, example):
        doc, component = example
        doc.handle_event({"domsync": True, "event": "click", "id": ROOT + ".button", "value": None})
        assert doc.getElementById(ROOT + '.button').innerText == 'off'
        assert cell(component, 'button') == 'off'
        js = doc.render_js_updates()
        button_key = doc.getElementById(ROOT + '.button')._key
        cell_key = component['table'].getCellElement('button', 'value')._key
        assert js == f'N({button_key}).textContent="off";\nN({cell_key}).textContent="off";\n'

    def test_012_input_messages_without_state_update_the_value(self, example):
        doc, component = example
        doc.handle_event({"domsync": True, "event": "input", "id": ROOT + ".textinput", "value": "typed"})
        assert doc.getElementById(ROOT + '.textinput').value == 'typed'
        assert cell(component, 'textinput') == 'typed'
        doc.handle_event({"domsync": True, "event": "input", "id": ROOT + ".select", "value": "Option 2"})
        assert cell(component, 'select') == 'Option 2'

    def test_messages_for_elements_without_listeners_do_not_reach_the_callback(self, example):
        doc, component = example
        # on_event raises Exception(event) for ids it does not know; these must be dropped.
        table_key = component['table'].getTableElement()._key
        assert doc.handle_event({"domsync": True, "event": "click", "id": table_key, "value": None}) is None
        assert doc.handle_event({"domsync": True, "event": "click", "id": ROOT + ".table", "value": None}) is None
        assert doc.handle_event({"domsync": True, "event": "click", "id": ROOT, "value": None}) is None
        assert cell(component, 'button') == 'on'
