"""A page under a strict Content-Security-Policy: nothing the server sends is code.

Run: python examples/strict_csp.py   then open the URL it prints, and type.

``strict_csp=True`` serves the page with a policy that forbids ``eval``, inline script
and inline style, and requires Trusted Types. The client applies each batch as data,
with a fixed table of functions. Value getters are paths (``"this.value"``,
``"event.key"``), read property by property; styles go through the CSSOM; the inline
``<style>`` below is allowed by its hash. ``run_js`` would raise ``CspError``.
"""

from domsync import DomsyncServer

STYLE = "<style>body { font: 18px sans-serif; margin: 2em } .greeting { font-size: 2em }</style>"


def connection_handler(server, client):
    doc = server.get_document(client)
    name = doc.createElement("input", id="name", attributes={"placeholder": "Your name", "aria-label": "Name"})
    colour = doc.createElement("input", id="colour", attributes={"type": "color", "value": "#3366cc",
                                                                   "aria-label": "Colour"})
    greeting = doc.createElement("p", id="greeting", innerText="Hello!", attributes={"class": "greeting"})
    last_key = doc.createElement("p", id="last-key", innerText="No key pressed yet.")

    def greet(event):
        # The getter path "this.value" sends the input's value with the event.
        greeting.innerText = f"Hello, {event['value']}!" if event["value"] else "Hello!"

    def show_key(event):
        last_key.innerText = f"Last key: {event['value']}"

    def recolour(event):
        # No getter at all: the model already has the control's state when this runs.
        greeting.style["color"] = colour.value

    name.addEventListener("input", greet, "this.value")
    name.addEventListener("keydown", show_key, "event.key")
    colour.addEventListener("input", recolour)
    doc.getRootElement().append(name, colour, greeting, last_key)


if __name__ == "__main__":
    DomsyncServer(connection_handler, "localhost", 8888, title="domsync strict CSP", head=STYLE,
                  strict_csp=True).run()
