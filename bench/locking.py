#!/usr/bin/env python3
"""What the lock of a LockedDocument and the thread check of a server's document
(a Document bound to its thread) cost: the same work on a plain Document (the baseline, measured
in the same run) and on each, best of --rounds.

The work: (1) create a list of --elements items (createElement + appendChild each), set
an attribute on a quarter of them, and render once; (2) the one-change benchmark of
bench/core.py: set a rendered element's innerText and render, --changes times. Every
call on a LockedDocument takes its re-entrant lock; every change of a bound Document
first checks the thread; nothing else is different.

    .venv/bin/python bench/locking.py
"""

from __future__ import annotations

import argparse
import time

from domsync import Document, LockedDocument


class BoundDocument(Document):
    """A Document bound to this thread, as a server binds its documents: each change
    checks the thread first."""

    def __init__(self, root_id: str):
        super().__init__(root_id)
        self._bind_to_this_thread()


def new(cls: type) -> Document:
    return cls("root")


def one_change(cls: type, changes: int) -> float:
    doc = new(cls)
    el = doc.createElement("span")
    doc.getRootElement().appendChild(el)
    doc.render_js_updates()
    start = time.perf_counter()
    for i in range(changes):
        el.innerText = str(i)
        doc.render_js_updates()
    return (time.perf_counter() - start) / changes


def work(cls: type, elements: int) -> float:
    doc = new(cls)
    root = doc.getRootElement()
    doc.render_js_updates()
    start = time.perf_counter()
    ul = doc.createElement("ul")
    root.appendChild(ul)
    for i in range(elements):
        ul.appendChild(doc.createElement("li", innerText=str(i)))
    for li in ul.children[: elements // 4]:
        li.setAttribute("class", "x")
    doc.render_js_updates()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--elements", type=int, default=20_000)
    parser.add_argument("--changes", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args()
    calls = options.elements * 2 + options.elements // 4 + 2
    kinds = (Document, BoundDocument, LockedDocument)
    best = {cls: float("inf") for cls in kinds}
    change = {cls: float("inf") for cls in kinds}
    for _ in range(options.rounds):
        for cls in kinds:  # interleaved
            best[cls] = min(best[cls], work(cls, options.elements))
            change[cls] = min(change[cls], one_change(cls, options.changes))
    plain = best[Document]
    print(f"(1) {options.elements} elements, {calls} DOM calls, best of {options.rounds}")
    for cls in kinds:
        print(f"{cls.__name__:20} {best[cls] * 1e3:7.1f} ms  {best[cls] / calls * 1e9:6.0f} ns/call  "
              f"{best[cls] / plain:.2f}x")
    print(f"(2) one change (innerText + render), best of {options.rounds} x {options.changes}")
    for cls in kinds:
        print(f"{cls.__name__:20} {change[cls] * 1e9:7.0f} ns   {change[cls] / change[Document]:.2f}x")


if __name__ == "__main__":
    main()
