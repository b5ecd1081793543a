"""A small task board, styled by a CSS file of its own (styled_board.css).

Run: python examples/styled_board.py   then open the URL it prints, and click the cards.

The style sheet goes into the page's <head> with ``head=``; Python sets classes with
``classList`` (the look of a state: selected) and single properties with ``style``
(a value that comes from data: how far along a task is).
"""

from pathlib import Path

from domsync import DomsyncServer

#: The page's head: the style sheet, read from the file next to this one.
HEAD = "<style>\n" + (Path(__file__).parent / "styled_board.css").read_text() + "</style>"

COLUMNS = {
    "To do": [("Write the docs", 0), ("Plan the release", 1)],
    "Doing": [("Test without a browser", 6)],
    "Done": [("Resume sessions", 10), ("Mount in FastAPI", 10)],
}


def connection_handler(server, client):
    doc = server.get_document(client)
    board = doc.getRootElement()
    board.classList.add("board")
    for title, tasks in COLUMNS.items():
        column = doc.createElement("section", attributes={"class": "column"})
        column.appendChild(doc.createElement("h2", innerText=title))
        for text, done in tasks:
            card = doc.createElement("article", attributes={"class": "card"})
            meter = doc.createElement("div", attributes={"class": "meter", "title": f"{done * 10}% done"})
            fill = doc.createElement("div", attributes={"class": "fill"})
            fill.style["width"] = f"{done * 10}%"
            meter.appendChild(fill)
            card.append(doc.createElement("span", innerText=text), meter)
            card.addEventListener("click", lambda event, card=card: card.classList.toggle("selected"))
            column.appendChild(card)
        board.appendChild(column)


if __name__ == "__main__":
    DomsyncServer(connection_handler, "localhost", 8888, title="domsync board", head=HEAD).run()
