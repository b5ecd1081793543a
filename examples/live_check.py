"""A scripted check of a running app over a real websocket, as a monitor would run it.

Run: python examples/live_check.py                  (starts the to-do app itself)
     python examples/live_check.py http://host:8888/   (checks a running to-do app)

domsync.testing.connect opens a live session with the same page API as the test
client, and streams what happens: connection states, and everything the server sends.
"""

import asyncio
import sys

from todo import connection_handler

from domsync import DomsyncServer
from domsync.testing import connect, expect


async def check(url: str) -> None:
    async with connect(url) as page:
        states = page.connection_states()
        print("connection:", await anext(states))
        sent = page.received()
        await page.get_by_placeholder("What needs doing?").fill("check the app")
        await page.get_by_role("button", name="Add").click()
        batch = await anext(sent)
        print(f"the server sent batch {batch.number} with {len(batch.data)} ops")
        await expect(page.locator("#items span")).to_have_text(["check the app"])
        print("the item is on the page:", await page.locator("#count").inner_text())
        await page.get_by_role("button", name="Delete").click()
        await expect(page.get_by_role("listitem")).to_have_count(0)
        print("and gone again: the app works")


async def main() -> None:
    if len(sys.argv) > 1:
        await check(sys.argv[1])
        return
    server = DomsyncServer(connection_handler, "127.0.0.1", 0, verbose=False)
    await server.serve()
    try:
        await check(server.url)
    finally:
        await server.close()


if __name__ == "__main__":
    asyncio.run(main())
