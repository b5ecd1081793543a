"""The demo of ``python -m domsync``: a page that shows what domsync does.

Each browser gets its own page, built with the DOM API in Python: a counter, text that
follows what is typed, a clock the server updates, a list, a notification, and the
Python code of the counter.
"""

from __future__ import annotations

import asyncio
import time

from .document import Document
from .domsync_server import DomsyncServer

__all__ = ["create_demo_server"]

STYLE = """<style>
  body { font: 16px system-ui, sans-serif; max-width: 44em; margin: 2em auto; padding: 0 1em; }
  section { border-top: 1px solid #ddd; padding: .6em 0; }
  h2 { font-size: 1.05em; margin: .2em 0 .5em; }
  pre { background: #f6f8fa; padding: .5em; overflow-x: auto; font-size: 12px; white-space: pre-wrap; }
  button { margin-right: .4em; }
</style>"""


COUNTER_CODE = """\
button = document.createElement("button", innerText="Clicked 0 times")

def on_click(event):
    global count
    count += 1
    button.innerText = f"Clicked {count} times"   # sent as: N(3).textContent="Clicked 1 times";

button.addEventListener("click", on_click)
document.getRootElement().appendChild(button)"""


class DemoPage:
    """One browser's page."""

    def __init__(self, document: Document):
        self.doc = doc = document
        root = doc.getRootElement()
        root.appendChild(doc.createElement("h1", innerText="domsync"))
        root.appendChild(doc.createElement("p", innerText=(
            "This page is a Python Document on the server. Every change below is made in "
            "Python and sent to the browser as a few lines of JavaScript; every click and "
            "keystroke comes back to a Python callback.")))

        self.count = 0
        counter = self.section("A counter")
        self.count_button = doc.createElement("button", id="count", innerText="Clicked 0 times")
        self.count_button.addEventListener("click", self.on_count)
        counter.appendChild(self.count_button)

        echo = self.section("Text that follows what you type")
        self.entry = doc.createElement("input", id="entry", attributes={"placeholder": "Type here"})
        self.shout = doc.createElement("p", id="shout", innerText="")
        self.entry.addEventListener("input", self.on_type)
        echo.append(self.entry, self.shout)

        clock = self.section("A clock the server updates")
        self.clock = doc.createElement("p", id="clock", innerText=time.strftime("%H:%M:%S"))
        clock.appendChild(self.clock)

        items = self.section("A list")
        self.list = doc.createElement("ul", id="list")
        add = doc.createElement("button", id="add", innerText="Add an item")
        add.addEventListener("click", self.on_add)
        note = doc.createElement("button", id="notify", innerText="Show a notification")
        note.addEventListener("click", lambda event: doc.add_notification(
            "success", "Hello from Python", "add_notification() put this here."))
        items.append(add, note, self.list)

        code = self.section("The counter's code")
        code.appendChild(doc.createElement("pre", id="code", innerText=COUNTER_CODE))

    def section(self, title: str):
        box = self.doc.createElement("section")
        box.appendChild(self.doc.createElement("h2", innerText=title))
        self.doc.getRootElement().appendChild(box)
        return box

    def on_count(self, event) -> None:
        self.count += 1
        self.count_button.innerText = f"Clicked {self.count} time{'s' if self.count != 1 else ''}"

    def on_type(self, event) -> None:
        self.shout.innerText = (self.entry.value or "").upper()

    def on_add(self, event) -> None:
        number = len(self.list.children) + 1
        self.list.appendChild(self.doc.createElement("li", innerText=f"Item {number}"))

    async def tick(self, server: DomsyncServer, client) -> None:
        while server.is_connected(client):
            self.clock.innerText = time.strftime("%H:%M:%S")
            await server.flush(client)
            await asyncio.sleep(1)


def create_demo_server(host: str = "localhost", port: int = 8888, **options) -> DomsyncServer:
    """The demo's server: a :class:`DemoPage` for each browser."""
    async def connection_handler(server: DomsyncServer, client) -> None:
        page = DemoPage(server.get_document(client))
        await server.flush(client)
        await page.tick(server, client)

    return DomsyncServer(connection_handler, host, port, title="domsync demo", head=STYLE, **options)
