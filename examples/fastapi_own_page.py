"""Your own page, your own template: a FastAPI page that holds a domsync root element
and the client snippet, with domsync's ASGI app mounted at /live.

The snippet's script comes from the mount path, and connects back to it: the page can
live anywhere in the app. With Jinja, put ``{{ snippet | safe }}`` in the template.

Under a strict Content-Security-Policy (``DOMSYNC_STRICT_CSP=1``, or
``DomsyncServer(greeter, strict_csp=True)``), the page sends the header that
``domsync.csp.strict_policy`` makes, with a fresh nonce for its own inline style, and the
snippet asks for the strict client.

Run:  uvicorn examples.fastapi_own_page:app    then open http://127.0.0.1:8000/
"""

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from domsync import DomsyncServer, csp
from domsync.page import client_snippet


async def greeter(server, client):
    doc = server.get_document(client)
    name = doc.createElement("input", id="name", attributes={"placeholder": "your name"})
    hello = doc.createElement("p", id="hello", innerText="Hello!")
    name.addEventListener("input", lambda event: setattr(hello, "innerText", f"Hello, {name.value}!"))
    doc.getRootElement().append(name, hello)
    await server.flush(client)


live = DomsyncServer(greeter)
app = FastAPI()

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>My own page</title>
<style nonce="{nonce}">body {{ font-family: sans-serif; margin: 2em }}</style></head>
<body>
<h1>My own page</h1>
<p>The box below is live, served by domsync:</p>
{snippet}
</body>
</html>
"""


@app.get("/", response_class=HTMLResponse)
def home() -> HTMLResponse:
    nonce = csp.new_nonce()  # a new one for every response
    # The root element and <script src="/live/domsync.js">: the mount path goes in.
    page = PAGE.format(nonce=nonce, snippet=client_snippet("/live/", strict=live.strict_csp))
    if not live.strict_csp:
        return HTMLResponse(page)
    return HTMLResponse(page, headers={"Content-Security-Policy": csp.strict_policy(nonce=nonce)})


app.mount("/live", live.asgi())

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
