"""Sessions that come and go, and the Python memory they leave behind: run by
``test_session_memory.py`` in a process of its own, traced by tracemalloc from its start
(``python -X tracemalloc memory_rounds.py ROUNDS SESSIONS [--leak]``).

Each round opens SESSIONS in-memory sessions of a realistic page (a 500-element table,
buttons with listeners, a text field bound two-way), clicks in half of them and types in
the others (the callbacks change the page and are flushed), then closes them all.
Round 0 is the warm-up: whatever it leaves (caches, interned strings, the tables of the
event loop) is the baseline. The script prints one JSON line: the traced size at the
baseline, at the peak of each round (sessions open) and after each round (sessions
gone, garbage collected).

``--leak`` keeps every session's document in a list, as a registry of ended sessions
would: the test checks that its check sees that.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from domsync.memory import MemoryServer  # noqa: E402  (after the path is set)

ROWS, CELLS = 99, 4  # with the table and 4 buttons: 500 elements
kept: list = []  # --leak: the documents of ended sessions


async def handler(server, client):
    doc = server.get_document(client)
    root = doc.getRootElement()
    table = doc.createElement("table")
    for r in range(ROWS):
        tr = doc.createElement("tr")
        tr.className = "row"
        for c in range(CELLS):
            td = doc.createElement("td", innerText=f"cell {r}.{c}")
            td.className = "cell"
            tr.appendChild(td)
        table.appendChild(tr)
    root.appendChild(table)
    status = doc.createElement("p", id="status")
    field = doc.createElement("input", id="name")
    field.addEventListener("input", lambda event: setattr(status, "innerText", f"hello {field.value}"))
    root.append(status, field)
    for i in range(2):
        button = doc.createElement("button", innerText=f"button {i}")
        button.addEventListener("click", lambda event, i=i: setattr(status, "innerText", f"clicked {i}"))
        root.appendChild(button)
    if "--leak" in sys.argv:
        kept.append(doc)
    await server.flush(client)


async def one_round(server: MemoryServer, sessions: int) -> int:
    """Open, use and close ``sessions`` sessions; return the traced size while they
    are all open."""
    peers = [await server.connect() for _ in range(sessions)]
    for peer in peers:
        await peer.next_frame()
    for n, peer in enumerate(peers):
        doc = server.get_document(peer.client)
        if n % 2:
            button = doc.querySelector("button")
            await peer.send({"domsync": True, "event": "click", "id": button._key, "detail": {}})
        else:
            field = doc.getElementById("name")
            await peer.send({"domsync": True, "type": "sync", "id": field._key,
                             "state": {"value": f"user {n}"}, "seq": 1})
            await peer.send({"domsync": True, "event": "input", "id": field._key, "detail": {}})
    for peer in peers:
        await peer.next_frame()  # the callback's change came back
    gc.collect()
    peak = tracemalloc.get_traced_memory()[0]
    for peer in peers:
        await peer.close()
    del peers, peer, doc
    await asyncio.sleep(0.01)
    return peak


async def main(rounds: int, sessions: int) -> dict:
    server = MemoryServer(handler)
    await one_round(server, sessions)  # the warm-up
    gc.collect()
    result: dict = {"baseline": tracemalloc.get_traced_memory()[0], "peaks": [], "after": []}
    for _ in range(rounds):
        result["peaks"].append(await one_round(server, sessions))
        gc.collect()
        result["after"].append(tracemalloc.get_traced_memory()[0])
    result["open_sessions"] = len(server._hub.sessions)
    await server.close()
    return result


if __name__ == "__main__":
    if not tracemalloc.is_tracing():
        sys.exit("run with python -X tracemalloc, so that every allocation since the start is traced")
    print(json.dumps(asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))))
