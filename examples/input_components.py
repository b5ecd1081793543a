"""Inputs whose values come back to Python: the second domsync 0.1.2 example, with no
client.html.

Run: python examples/input_components.py   then open the URL it prints.
Click the button, type in the inputs, pick an option: the table shows what Python saw.
"""

from domsync.components import Component, TableComponent
from domsync import DomsyncServer


class ExampleInputsComponent(Component):
    def __init__(self, doc, parent_id, id=None):
        super().__init__(doc, parent_id, id=id)
        parent = doc.getElementById(parent_id)

        button = doc.createElement("button", id=parent_id + ".button", innerText="on")
        button.addEventListener("click", self.on_event)
        parent.appendChild(button)
        parent.appendChild(doc.createElement("br"))

        textinput = doc.createElement("input", id=parent_id + ".textinput", value="hi there!",
                                      attributes={"type": "text"})
        textinput.addEventListener("input", self.on_event, js_value_getter="this.value")
        parent.appendChild(textinput)
        parent.appendChild(doc.createElement("br"))

        textarea = doc.createElement("textarea", id=parent_id + ".textarea",
                                     value="Hello world\nhi there\nfoo bar",
                                     attributes={"rows": "5", "cols": "40"})
        textarea.addEventListener("input", self.on_event, js_value_getter="this.value")
        parent.appendChild(textarea)
        parent.appendChild(doc.createElement("br"))

        select = doc.createElement("select", id=parent_id + ".select")
        select.appendChild(doc.createElement("option", innerText="Option 1"))
        select.appendChild(doc.createElement("option", innerText="Option 2"))
        select.addEventListener("input", self.on_event,
                                js_value_getter="this.value")
        parent.appendChild(select)
        parent.appendChild(doc.createElement("br"))

        table = TableComponent(doc, parent_id, ["key", "value"], id=parent_id + ".table")
        table.addRow("textinput", ["textinput", textinput.value])
        table.addRow("textarea", ["textarea", textarea.value])
        table.addRow("select", ["select", "Option 1"])
        table.addRow("button", ["button", button.innerText])
        self["table"] = table

    def on_event(self, event):
        doc = event["doc"]
        root_id = doc.getRootId()
        table = self["table"]
        if event["id"] == root_id + ".button":
            button = doc.getElementById(event["id"])
            button.innerText = "on" if button.innerText == "off" else "off"
            table.updateCell("button", "value", button.innerText)
        elif event["id"] == root_id + ".textinput":
            table.updateCell("textinput", "value", event["value"])
        elif event["id"] == root_id + ".textarea":
            table.updateCell("textarea", "value", event["value"])
        elif event["id"] == root_id + ".select":
            table.updateCell("select", "value", event["value"])


async def connection_handler(server, client):
    doc = server.get_document(client)
    ExampleInputsComponent(doc, doc.getRootId())
    await server.flush(client)


if __name__ == "__main__":
    DomsyncServer(connection_handler, "localhost", 8888, title="domsync inputs").run()
