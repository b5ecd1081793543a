"""Build a small page in a Document and print the JavaScript it renders.

Run: python examples/render_updates.py
No browser or server needed: this is the pure model that a server drives.
"""

from domsync import Document

doc = Document("domsync_root_id")
root = doc.getRootElement()

# Build a list while it is detached: it goes out as one statement when attached.
todo = doc.createElement("ul", id="todo")
for text in ["milk", "eggs", "bread"]:
    item = doc.createElement("li", innerText=text)
    item.classList.add("item")
    todo.appendChild(item)
root.appendChild(todo)

print("-- first batch --")
print(doc.render_js_updates())

# Change things: only the changes are rendered, and repeated changes collapse.
first = todo.firstElementChild
for n in range(100):
    first.innerText = f"milk x{n + 1}"
first.classList.toggle("done")
todo.lastElementChild.remove()

print("-- second batch --")
print(doc.render_js_updates())

print("-- what the browser now shows under the root --")
print(root.innerHTML)
