"""Use a Document with your own transport, as in domsync 0.1.2.

Run: python examples/own_server_loop.py

A server sends ``render_js_updates()`` to the browser after each change and feeds the
browser's event messages to ``handle_event``. Here the "browser" is simulated by
handing the document the message the client would send for a click and for typing.
"""

import json

from domsync import Document

doc = Document("domsync_root_id")
root = doc.getRootElement()

name = doc.createElement("input", id="name", attributes={"type": "text"})
greeting = doc.createElement("p", id="greeting", innerText="Hello, stranger")


def on_input(event):
    # The model already holds the browser's value when the callback runs.
    greeting.innerText = f"Hello, {name.value or 'stranger'}"


name.addEventListener("input", on_input, js_value_getter="this.value")
root.appendChild(name)
root.appendChild(greeting)
print(doc.render_js_updates())  # send this to the browser

# What the client sends when the user types "Ada" (id is the element's key).
message = json.dumps({"domsync": True, "event": "input", "id": name._key,
                      "value": "Ada", "state": {"value": "Ada"}})
doc.handle_event(json.loads(message))
print(doc.render_js_updates())  # -> the greeting's new text, one statement
assert name.value == "Ada"
