"""Sessions survive the network: a page that keeps ticking, and remembers, across drops.

The connection handler counts seconds in a loop. Switch the browser's network off (or
put the laptop to sleep, or reload the page): the loop goes on, its updates wait for the
browser, and when it comes back it gets every one of them, with what was typed into the
box still there. The "offline" and "online" handlers note each gap on the page.

Run: python examples/resume.py   then open the URL it prints.
"""

import asyncio
import time

from domsync import DomsyncServer


def make_server(**options) -> DomsyncServer:
    """The server: a session outlives its connection for 5 minutes (the default), and a
    reloaded page for 5 seconds."""
    server = DomsyncServer(connection_handler, title="resume", session_retention=300, reload_grace=5, **options)
    gaps = {}  # client -> when its browser went away

    @server.on("offline")
    def went_offline(client):
        gaps[client] = time.monotonic()

    @server.on("online")
    def came_back(client):  # the server flushes after it
        away = time.monotonic() - gaps.pop(client, time.monotonic())
        doc = server.get_document(client)
        doc.getElementById("log").appendChild(doc.createElement("li", innerText=f"back after {away:.1f} s away"))

    @server.on("disconnect")
    def ended(client):
        gaps.pop(client, None)  # the retention ran out, or the tab was closed

    return server


async def connection_handler(server, client):
    doc = server.get_document(client)
    root = doc.getRootElement()
    ticks = doc.createElement("p", id="ticks", innerText="0 s on this page")
    # Two-way binding keeps note.value what the user typed, offline edits included.
    note = doc.createElement("input", id="note", attributes={"placeholder": "type something, then go offline"})
    log = doc.createElement("ul", id="log")
    root.append(ticks, note, log)
    await server.flush(client)
    seconds = 0
    while server.is_connected(client):  # True during a gap: the session lives on
        await asyncio.sleep(1)
        seconds += 1
        ticks.innerText = f"{seconds} s on this page" + ("" if server.is_online(client) else " (browser away)")
        await server.flush(client)  # while the browser is away this queues, and returns at once


if __name__ == "__main__":
    make_server(port=8888).run()
