"""Your own page, your own template: a FastAPI page that holds a domsync root element
and the client snippet, with domsync's ASGI app mounted at /live.

The snippet's script comes from the mount path, and connects back to it: the page can
live anywhere in the app. With Jinja, put ``{{ snippet | safe }}`` in the template.

Run:  uvicorn examples.fastapi_own_page:app    then open http://127.0.0.1:8000/
"""

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from domsync import DomsyncServer
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
<head><meta charset="utf-8"><title>My own page</title></head>
<body>
<h1>My own page</h1>
<p>The box below is live, served by domsync:</p>
{snippet}
</body>
</html>
"""


@app.get("/", response_class=HTMLResponse)
def home() -> str:
    # The root element and <script src="/live/domsync.js">: the mount path goes in.
    return PAGE.format(snippet=client_snippet("/live/"))


app.mount("/live", live.asgi())

if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
