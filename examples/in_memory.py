"""Drive a connection handler with no socket and no browser: the in-memory transport.

The server runs the same sessions, handlers and callbacks as DomsyncServer; the
"browser" is a MemoryPeer that gets the same JavaScript batches and sends the same
messages. The batches are also applied to the Python mirror, as the browser would.

Run: python examples/in_memory.py
"""

import asyncio
import json

from domsync import encode_json
from domsync.memory import MemoryServer
from domsync.mirror import Mirror


async def counter(server, client):
    doc = server.get_document(client)
    button = doc.createElement("button", id="count", innerText="0")

    def on_click(event):
        button.innerText = str(int(button.innerText) + 1)

    button.addEventListener("click", on_click)
    doc.getRootElement().appendChild(button)
    await server.flush(client)


async def main():
    server = MemoryServer(counter)
    page = await server.connect()
    print("first batch:", (await page.next_frame()).strip())
    button = server.get_document(page.client).getElementById("count")
    for _ in range(3):  # three clicks, sent as the browser client sends them
        await page.send({"domsync": True, "event": "click", "id": button._key, "detail": {"kind": "mouse"}})
        print("after a click:", (await page.next_frame()).strip())
    # The page as a browser would show it: the document's ops, applied to the mirror.
    mirror = Mirror()
    mirror.apply(json.loads(encode_json.encode(server.get_document(page.client).snapshot_ops())))
    print("the page:", mirror.inner_html())
    await server.close()


if __name__ == "__main__":
    asyncio.run(main())
