"""A read-only dashboard that every browser shares: one document, updated every second
by the script, with no flush calls (autoflush sends the changes).

Run: python examples/dashboard.py   then open the URL it prints in several browsers.
"""

import asyncio
import os
import time

from domsync import DomsyncServer


def make_server(port: int = 8888) -> DomsyncServer:
    """The server, with its one shared page: a heading and three empty lines."""
    server = DomsyncServer(host="localhost", port=port, shared=True, autoflush=0.1, title="dashboard")
    doc = server.document
    root = doc.getRootElement()
    root.appendChild(doc.createElement("h1", innerText="Server dashboard"))
    for name in ("clock", "load", "viewers"):
        root.appendChild(doc.createElement("p", id=name))
    return server


async def update(server: DomsyncServer) -> None:
    """Fill in the lines every second, forever."""
    doc = server.document
    clock, load, viewers = (doc.getElementById(name) for name in ("clock", "load", "viewers"))
    while True:
        clock.innerText = "Time: " + time.strftime("%H:%M:%S")
        load.innerText = "Load average: " + " ".join(f"{value:.2f}" for value in os.getloadavg())
        viewers.innerText = f"Browsers watching: {len(server.get_clients())}"
        await asyncio.sleep(1)


async def main(port: int = 8888) -> None:
    server = make_server(port)
    await server.serve()
    await update(server)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
