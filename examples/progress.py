"""Show progress during a long task: a callback that sends its intermediate state.

Run: python examples/progress.py   then open the URL it prints, and press the button.

A callback's changes reach the browser when it returns. During a long ``async``
callback, ``await event.flush()`` sends what it changed so far: here the progress bar
moves at each step, and the button stays disabled until the task is done.
"""

import asyncio

from domsync import DomsyncServer

STEPS = 5
STEP_SECONDS = 0.4


def connection_handler(server, client):
    doc = server.get_document(client)
    button = doc.createElement("button", id="run", innerText="Run the backup")
    bar = doc.createElement("progress", id="bar", attributes={"max": str(STEPS), "value": "0"})
    status = doc.createElement("p", id="status", innerText="Idle.")

    async def run(event):
        button.setAttribute("disabled", "")
        for step in range(1, STEPS + 1):
            status.innerText = f"Backing up… step {step} of {STEPS}"
            bar.setAttribute("value", str(step - 1))
            await event.flush()  # show this step now
            await asyncio.sleep(STEP_SECONDS)  # the slow work (never block the loop: await it)
        bar.setAttribute("value", str(STEPS))
        status.innerText = "Backup done."
        button.removeAttribute("disabled")  # sent when the callback returns

    button.addEventListener("click", run)
    doc.getRootElement().append(button, bar, status)


if __name__ == "__main__":
    DomsyncServer(connection_handler, "localhost", 8888, title="domsync progress").run()
