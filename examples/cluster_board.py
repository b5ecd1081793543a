"""One page shared by every browser of every process: a counter, a note everyone edits,
and announcements, over a Redis backplane.

Run two processes of it against one Redis (each serves its own port), then open both
URLs: a click or a note typed on one shows on the other.

    python examples/cluster_board.py --port 8001 --backplane redis://127.0.0.1:6379/0
    python examples/cluster_board.py --port 8002 --backplane redis://127.0.0.1:6379/0

Or behind a proxy with the command-line runner (see docs/howto/scale.rst):

    python -m domsync serve examples.cluster_board:make_server --workers 2 --backplane redis://127.0.0.1:6379/0

Without --backplane it runs alone, as any shared-document app.
"""

from __future__ import annotations

import argparse
import asyncio
import os

from domsync import DomsyncServer


def make_server(host: str = "localhost", port: int = 8888, backplane: str | None = None) -> DomsyncServer:
    """The server and its page. Every process builds the same page, with its listeners,
    when it starts: whichever process owns the page later, the listeners are there.
    ``backplane=None`` reads ``DOMSYNC_BACKPLANE`` (which ``python -m domsync serve
    --backplane`` sets for its workers)."""
    server = DomsyncServer(host=host, port=port, shared=True, backplane=backplane, title="cluster board",
                           autoflush=0.1)
    doc = server.document
    root = doc.getRootElement()
    root.appendChild(doc.createElement("h1", innerText="Cluster board"))
    count = doc.createElement("p", id="count", innerText="0")
    add = doc.createElement("button", id="add", innerText="+1")
    note = doc.createElement("input", id="note", attributes={"placeholder": "a note for everyone"})
    announce = doc.createElement("button", id="announce", innerText="Announce")
    owner = doc.createElement("p", id="owner", innerText="")
    viewers = doc.createElement("p", id="viewers", innerText="")
    root.append(count, add, note, announce, owner, viewers)
    status: list[asyncio.Task] = []

    @server.on("connect")
    async def start_status(client):
        # The status loop starts with the first browser (the command-line runner only
        # serves the server; a script of its own could start it after serve()).
        if not status:
            status.append(asyncio.ensure_future(keep_status(server)))

    def on_add(event):
        count.innerText = str(int(count.innerText) + 1)

    async def on_announce(event):
        # A named message to every browser of every process (page script listens for
        # the `domsync:announce` event on document).
        await server.broadcast("announce", {"note": note.value})

    add.addEventListener("click", on_add)
    announce.addEventListener("click", on_announce)
    return server


async def keep_status(server: DomsyncServer) -> None:
    """Run by the process that owns the page (one at a time): who owns it, and how many
    browsers watch, across every process."""
    doc = server.document
    worker = server.backplane.worker if server.backplane else f"pid {os.getpid()}"
    while True:
        await server.ownership()  # at once while this process owns the page
        doc.getElementById("owner").innerText = f"Page owned by {worker}"
        try:
            viewers = await server.count_clients()
            doc.getElementById("viewers").innerText = f"Browsers watching: {viewers}"
        except Exception:  # Redis away: say so, and keep serving
            doc.getElementById("viewers").innerText = "Browsers watching: (Redis is away)"
        await asyncio.sleep(1)


async def main(host: str, port: int, backplane: str | None) -> None:
    server = make_server(host, port, backplane)
    await server.serve()
    print(f"serving {server.url}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--port", type=int, default=8888)
    parser.add_argument("--backplane", help="a Redis URL, e.g. redis://127.0.0.1:6379/0 (default: the "
                        "DOMSYNC_BACKPLANE environment variable)")
    options = parser.parse_args()
    try:
        asyncio.run(main(options.host, options.port, options.backplane))
    except KeyboardInterrupt:
        pass
