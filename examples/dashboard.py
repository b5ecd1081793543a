"""A read-only dashboard that every browser shares: one document, updated every second
by the script, with no flush calls (autoflush sends the changes).

Run: python examples/dashboard.py   then open the URL it prints in several browsers.
"""

import asyncio
import os
import time

from domsync import DomsyncServer


async def main(port: int = 8888) -> None:
    server = DomsyncServer(host="localhost", port=port, shared=True, autoflush=0.1, title="dashboard")
    doc = server.document
    root = doc.getRootElement()
    root.appendChild(doc.createElement("h1", innerText="Server dashboard"))
    clock = doc.createElement("p", id="clock")
    load = doc.createElement("p", id="load")
    viewers = doc.createElement("p", id="viewers")
    root.append(clock, load, viewers)
    await server.serve()
    while True:
        clock.innerText = "Time: " + time.strftime("%H:%M:%S")
        load.innerText = "Load average: " + " ".join(f"{value:.2f}" for value in os.getloadavg())
        viewers.innerText = f"Browsers watching: {len(server.get_clients())}"
        await asyncio.sleep(1)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
