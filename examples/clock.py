"""A clock that ticks in the browser: the first domsync 0.1.2 example, with no client.html.

Run: python examples/clock.py   then open the URL it prints.
"""

import asyncio
from datetime import datetime

from domsync import DomsyncServer


async def connection_handler(server, client):
    document = server.get_document(client)
    clock = document.createElement("div", id="clock")
    document.getRootElement().appendChild(clock)
    while server.is_connected(client):
        clock.innerText = "The current time is: " + datetime.now().isoformat(timespec="seconds")
        await server.flush(client)
        await asyncio.sleep(0.1)


if __name__ == "__main__":
    DomsyncServer(connection_handler, "localhost", 8888, title="domsync clock").run()
