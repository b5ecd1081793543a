"""A chat room: every browser sees the messages and who is online.

Run: python examples/chat.py   then open the URL it prints in several browser tabs.

Each browser has its own document; a message is added to every document and each one
is flushed. The list of people online is kept up to date by connect and disconnect
handlers.
"""

import itertools

from domsync import DomsyncServer

STYLE = """<style>
  body { font: 16px system-ui, sans-serif; max-width: 40em; margin: 2em auto; }
  main { display: flex; gap: 2em; }
  #messages { flex: 1; list-style: none; padding: 0; min-height: 10em; }
  #users { min-width: 10em; }
  #messages b { margin-right: .4em; }
</style>"""

server = DomsyncServer(host="localhost", port=8888, title="domsync chat", head=STYLE)
names = {}  # client -> name
numbers = itertools.count(1)


def render_users(document):
    users = document.getElementById("users")
    users.textContent = ""
    for name in sorted(names.values()):
        users.appendChild(document.createElement("li", innerText=name))


async def refresh_everyone():
    for client in server.get_clients():
        if client in names:
            render_users(server.get_document(client))
            await server.flush(client)


async def post(author, text):
    """Add a message to every open page."""
    for client in server.get_clients():
        document = server.get_document(client)
        item = document.createElement("li")
        item.appendChild(document.createElement("b", innerText=author + ":"))
        item.appendChild(document.createElement("span", innerText=text))
        document.getElementById("messages").appendChild(item)
        await server.flush(client)


@server.on("connect")
async def join(client):
    names[client] = f"guest-{next(numbers)}"
    document = server.get_document(client)
    root = document.getRootElement()
    root.appendChild(document.createElement("h1", innerText=f"Chat - you are {names[client]}"))
    main = document.createElement("main")
    main.appendChild(document.createElement("ul", id="messages"))
    aside = document.createElement("aside")
    aside.appendChild(document.createElement("h2", innerText="Online"))
    aside.appendChild(document.createElement("ul", id="users"))
    main.appendChild(aside)
    root.appendChild(main)

    form = document.createElement("form", id="say")
    entry = document.createElement("input", id="text", attributes={
        "type": "text", "placeholder": "Say something", "autocomplete": "off"})
    form.append(entry, document.createElement("button", innerText="Send", attributes={"type": "submit"}))
    root.appendChild(form)

    async def send(event):
        text = (entry.value or "").strip()
        if text:
            entry.value = ""
            await post(names[client], text)

    form.addEventListener("submit", send, prevent_default=True)
    await refresh_everyone()


@server.on("disconnect")
async def leave(client):
    names.pop(client, None)
    await refresh_everyone()


if __name__ == "__main__":
    server.run()
