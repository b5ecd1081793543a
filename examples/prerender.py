"""A big first page that shows before any script runs: ``DomsyncServer(prerender=True)``.

The handler builds a table of 1,000 rows. With ``prerender=True`` the server runs it when
the browser asks for the page, and sends the page with the table already in its HTML:
the browser shows it as it parses it. The client script then binds the table to the
session and connects to that same session (the button counts clicks in Python).

Run: python examples/prerender.py   then open the URL it prints.
"""

from domsync import DomsyncServer
from domsync.components import TableComponent


async def connection_handler(server, client):
    document = server.get_document(client)
    root = document.getRootElement()
    button = root.appendChild(document.createElement("button", id="count", innerText="clicked 0 times"))
    table = TableComponent(document, root.id, {"n": "n", "square": "n²", "cube": "n³"}, id="powers")
    for n in range(1000):
        table.addRow(str(n), [str(n), str(n * n), str(n ** 3)])
    clicks = 0

    def count(event):
        nonlocal clicks
        clicks += 1
        button.innerText = f"clicked {clicks} times"

    button.addEventListener("click", count)
    await server.flush(client)  # the first flush: this is the page the browser gets


if __name__ == "__main__":
    DomsyncServer(connection_handler, "localhost", 8888, title="domsync prerender", prerender=True).run()
