"""A FastAPI app with a JSON API, and a live dashboard mounted next to it at /live.

The dashboard shows what the API serves (the same numbers, read in-process), updated
every second, to every browser that opens /live/; the API keeps working as usual.

Run:  pip install 'domsync[asgi]'
      uvicorn examples.fastapi_app:app      (or: python examples/fastapi_app.py)
then open http://127.0.0.1:8000/live/ and http://127.0.0.1:8000/api/stats
"""

import asyncio
import os
import time

from fastapi import FastAPI

from domsync import DomsyncServer

STARTED = time.monotonic()
api_calls = 0


def current_stats() -> dict:
    """What the API serves, and the dashboard shows."""
    return {
        "uptime_s": round(time.monotonic() - STARTED, 1),
        "api_calls": api_calls,
        "load_1min": round(os.getloadavg()[0], 2),
        "dashboard_viewers": len(live.get_clients()),
    }


async def dashboard(server, client):
    doc = server.get_document(client)
    root = doc.getRootElement()
    root.appendChild(doc.createElement("h1", innerText="Live stats"))
    table = doc.createElement("table", id="stats")
    cells = {}
    for name in current_stats():
        row = doc.createElement("tr")
        cells[name] = doc.createElement("td", id=name)
        row.append(doc.createElement("th", innerText=name), cells[name])
        table.appendChild(row)
    root.appendChild(table)
    while server.is_connected(client):
        for name, value in current_stats().items():
            cells[name].innerText = str(value)
        await server.flush(client)
        await asyncio.sleep(1)


live = DomsyncServer(dashboard, title="Live stats")
app = FastAPI()


@app.get("/api/stats")
def stats() -> dict:
    global api_calls
    api_calls += 1
    return current_stats()


@app.get("/")
def index() -> dict:
    return {"dashboard": "/live/", "api": "/api/stats"}


app.mount("/live", live.asgi())  # after the app's own routes

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
