"""Backend-initiated actions: one button for each. Notifications, a small and a large
file download, opening a URL in a new tab, page routes (try the back button after
switching pages) and running script in the page.

Run: python examples/actions.py   then open the URL it prints.
"""

import atexit
import os
import tempfile

from domsync import pack_bytes, pack_file
from domsync import DomsyncServer

STYLE = """<style>
  body { font: 16px system-ui, sans-serif; max-width: 40em; margin: 2em auto; }
  section { margin: 1em 0; }
  button { margin: 0 .3em .3em 0; }
  #route { font-family: monospace; }
</style>"""

PAGES = {"home": "Welcome home.", "about": "domsync keeps the DOM in Python.", "help": "Press the buttons."}

_large_file = None


def large_file() -> str:
    """A large file on disk (5 MB), made once and removed when Python exits: it is
    streamed from there when the browser fetches it."""
    global _large_file
    if _large_file is None:
        handle, _large_file = tempfile.mkstemp(prefix="domsync-example-", suffix=".bin")
        with os.fdopen(handle, "wb") as file:
            file.write(bytes(range(256)) * (5 * 4096))
        atexit.register(os.unlink, _large_file)
    return _large_file


class ActionsPage:
    """The page of one browser: a section of buttons for each kind of action."""

    def __init__(self, document):
        self.doc = doc = document
        self.root = doc.getRootElement()
        self.root.appendChild(doc.createElement("h1", innerText="Actions"))
        self.section("Notifications", *[
            (f"notify-{kind}", kind, lambda event, kind=kind: doc.add_notification(
                kind, f"A {kind} notification", "Shown as text: <b>not bold</b>."))
            for kind in ("error", "warning", "info", "success")
        ])
        self.section(
            "Downloads",
            ("download-small", "Small text file", lambda event: doc.file_download(
                pack_bytes("Hello from domsync ✓\n".encode(), "text/plain; charset=utf-8"), "hello.txt")),
            ("download-large", "Large file (5 MB)", lambda event: doc.file_download(
                pack_file(large_file()), "large.bin")),
        )
        self.section("Open a URL", ("open-url", "Open python.org in a new tab",
                                    lambda event: doc.open_url("https://www.python.org/")))
        routes = self.section(
            "Page routes",
            *[(f"page-{key}", key.title(), lambda event, key=key: self.show(key)) for key in PAGES],
            ("sort-price", "Sort by price", lambda event: self.sort("price")),
            ("sort-none", "No sorting", lambda event: self.sort(None)),
        )
        self.route_line = doc.createElement("p", id="route")
        self.content = doc.createElement("p", id="content")
        routes.append(self.route_line, self.content)
        self.render_route()  # the route the page was opened with, e.g. #about
        self.section("Run script", ("run-js", "Change the page title",
                                    lambda event: doc.run_js("document.title = 'Changed by run_js'")))

    def section(self, title, *buttons):
        box = self.doc.createElement("section")
        box.appendChild(self.doc.createElement("h2", innerText=title))
        for id_, label, callback in buttons:
            button = self.doc.createElement("button", id=id_, innerText=label)
            button.addEventListener("click", callback)
            box.appendChild(button)
        self.root.appendChild(box)
        return box

    def show(self, key):
        self.doc.set_page(key)
        self.render_route()

    def sort(self, by):
        self.doc.set_route_vars({"sort": by})  # None removes the variable
        self.render_route()

    def render_route(self):
        doc = self.doc
        self.route_line.innerText = f"page={doc.page!r} route_vars={dict(doc.route_vars)!r}"
        self.content.innerText = PAGES.get(doc.page or "home", "No such page.")


def create_server(host="localhost", port=8888, **options) -> DomsyncServer:
    """The example's server (tests make one on a free port)."""
    server = DomsyncServer(host=host, port=port, title="domsync actions", head=STYLE, **options)
    pages = {}  # client -> its ActionsPage

    @server.on("connect")
    def connected(client):
        pages[client] = ActionsPage(server.get_document(client))

    @server.on("route")
    def routed(client, page, route_vars):  # back/forward buttons, a hash typed in
        pages[client].render_route()

    @server.on("disconnect")
    def gone(client):
        pages.pop(client, None)

    return server


if __name__ == "__main__":
    create_server().run()
