"""A live table rendered with Jinja and re-patched whole on a timer.

Run: python examples/jinja_fragments.py   then open the URL it prints.

The server keeps no element objects for the rows: every tick it renders the whole table
with a Jinja template (autoescape on) and hands the HTML to ``document.patch``. The
patch matches the rows by their ids and sends only what changed: a price cell's text,
a class, a row that moved. So the "watch" buttons keep the click listeners added once,
and the filter box keeps focus and what the user is typing while the table changes
around it.
"""

import asyncio
import random

from jinja2 import Environment

from domsync import DomsyncServer

INTERVAL = 0.5  # seconds between two renders

# "{%-" and "-%}" leave no text nodes between the rows: then a row that moves costs
# one op (with text between the rows, it also costs an op or two that set it).
TEMPLATE = Environment(autoescape=True).from_string("""
<section id="market">
  <input id="filter" placeholder="Filter by symbol" autocomplete="off">
  <table>
    <thead><tr><th>Symbol</th><th>Price</th><th>Watch</th></tr></thead>
    <tbody id="quotes">
      {%- for q in quotes -%}
      <tr id="q-{{ q.symbol }}" class="{{ 'up' if q.change >= 0 else 'down' }}"
          {%- if query.lower() not in q.symbol.lower() %} hidden{% endif %}>
        <td>{{ q.symbol }}</td><td>{{ '%.2f' % q.price }}</td>
        <td><button id="watch-{{ q.symbol }}">{{ '★' if q.watched else '☆' }}</button></td>
      </tr>
      {%- endfor -%}
    </tbody>
  </table>
  <p id="status">Tick {{ tick }}{% if query %}: symbols with “{{ query }}”{% endif %}</p>
</section>
""")

SYMBOLS = ["ACME", "BOLT", "<CORP>", "DYNA", "ECHO", "FIZZ", "GLOW", "HALO"]


async def connection_handler(server, client):
    doc = server.get_document(client)
    rng = random.Random()
    quotes = [{"symbol": s, "price": rng.uniform(10, 100), "change": 0.0, "watched": False} for s in SYMBOLS]

    def render(tick: int) -> str:
        box = doc.getElementById("filter", strict=False)
        query = box.value or "" if box is not None else ""  # what the user typed, bound both ways
        rows = sorted(quotes, key=lambda q: (not q["watched"], q["symbol"]))  # watched first: rows move
        return TEMPLATE.render(quotes=rows, tick=tick, query=query)

    def toggle(quote):
        def on_click(event):
            quote["watched"] = not quote["watched"]
            doc.patch(render(tick))  # at once, not at the next tick
        return on_click

    tick = 0
    doc.root.innerHTML = render(tick)
    for quote in quotes:  # once: the buttons survive every patch
        doc.getElementById(f"watch-{quote['symbol']}").addEventListener("click", toggle(quote))
    while server.is_connected(client):
        await server.flush(client)
        await asyncio.sleep(INTERVAL)
        tick += 1
        for quote in quotes:
            quote["change"] = rng.uniform(-1, 1)
            quote["price"] = max(1.0, quote["price"] + quote["change"])
        doc.patch(render(tick))


if __name__ == "__main__":
    DomsyncServer(connection_handler, "localhost", 8888, title="domsync + Jinja").run()
