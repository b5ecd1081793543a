"""A to-do list: add items, tick them off, delete them. Each browser gets its own list.

Run: python examples/todo.py   then open the URL it prints.
"""

from domsync import DomsyncServer

STYLE = """<style>
  body { font: 16px system-ui, sans-serif; max-width: 32em; margin: 2em auto; }
  li { display: flex; gap: .5em; align-items: center; padding: .2em 0; }
  li.done span { text-decoration: line-through; color: #888; }
  li button { margin-left: auto; }
  .count { color: #555; }
</style>"""


class TodoList:
    """The list of one browser, built with the DOM API."""

    def __init__(self, document):
        self.document = document
        root = document.getRootElement()
        root.appendChild(document.createElement("h1", innerText="To do"))

        form = document.createElement("form", id="add-form")
        self.entry = document.createElement("input", id="new-item", attributes={
            "type": "text", "placeholder": "What needs doing?", "autocomplete": "off"})
        add = document.createElement("button", id="add", innerText="Add", attributes={"type": "submit"})
        form.appendChild(self.entry)
        form.appendChild(add)
        # prevent_default: the browser does not submit the form (which would reload the
        # page). entry.value is always what the user typed: form controls are in sync.
        form.addEventListener("submit", self.on_add, prevent_default=True)
        root.appendChild(form)

        self.items = document.createElement("ul", id="items")
        root.appendChild(self.items)
        self.count = document.createElement("p", id="count", attributes={"class": "count"})
        root.appendChild(self.count)
        self.update_count()

    def on_add(self, event):
        text = (self.entry.value or "").strip()
        if not text:
            return
        self.add_item(text)
        self.entry.value = ""
        self.update_count()

    def add_item(self, text):
        doc = self.document
        item = doc.createElement("li")
        box = doc.createElement("input", attributes={"type": "checkbox"})
        label = doc.createElement("span", innerText=text)
        delete = doc.createElement("button", innerText="Delete", attributes={"class": "delete"})
        box.addEventListener("change", lambda event: self.on_tick(item, box))
        delete.addEventListener("click", lambda event: self.on_delete(item))
        item.append(box, label, delete)
        self.items.appendChild(item)

    def on_tick(self, item, box):
        item.classList.toggle("done", box.checked)
        self.update_count()

    def on_delete(self, item):
        item.remove()
        self.update_count()

    def update_count(self):
        items = self.items.children
        left = sum(1 for item in items if not item.classList.contains("done"))
        self.count.innerText = f"{left} of {len(items)} left"


async def connection_handler(server, client):
    TodoList(server.get_document(client))
    await server.flush(client)


if __name__ == "__main__":
    DomsyncServer(connection_handler, "localhost", 8888, title="domsync to-do", head=STYLE).run()
