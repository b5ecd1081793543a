"""The app of the deployment recipes (docs/howto/scale.rst): each page says which worker
process serves it, counts clicks, so that a session kept (or lost) shows, and offers a
report large enough to be fetched from its worker over HTTP.

Run four workers, and print the nginx configuration for them:

    cd examples/deploy
    python -m domsync serve app:handler --workers 4 --port 8001 --proxy-config nginx

then put that configuration in nginx (or ``--proxy-config haproxy`` for HAProxy) and open
the proxy's address, http://localhost:8000/.
"""

import os

from domsync import DomsyncServer, pack_bytes


async def handler(server: DomsyncServer, client) -> None:
    document = server.get_document(client)
    root = document.getRootElement()
    worker = document.createElement("p", id="worker")
    worker.innerText = f"served by worker {server.worker_id or '(alone)'}"
    count = document.createElement("output", id="count")
    count.innerText = "0"
    button = document.createElement("button", id="add")
    button.innerText = "add one"
    clicks = 0

    async def add(event) -> None:
        nonlocal clicks
        clicks += 1
        count.innerText = str(clicks)

    button.addEventListener("click", add)
    report = document.createElement("button", id="report")
    report.innerText = "download a report"

    def download(event) -> None:
        # Over 256 KiB: the page fetches it from a one-time URL that only this worker
        # knows, so the URL names the worker.
        lines = "".join(f"{server.worker_id} {clicks} {n}\n" for n in range(30_000))
        document.file_download(pack_bytes(lines.encode()), "report.txt")

    report.addEventListener("click", download)
    for element in (worker, count, button, report):
        root.appendChild(element)
    await server.flush(client)


def make_server() -> DomsyncServer:
    """The same app as a configured server, for ``python -m domsync serve app:make_server``:
    the form for apps that set things up when they start (a shared document, a title).
    ``--backplane`` arrives in the environment."""
    return DomsyncServer(handler, title="domsync on several workers",
                         backplane=os.environ.get("DOMSYNC_BACKPLANE"))
