#!/usr/bin/env python3
"""What the lock of a LockedDocument costs: the same work on a plain Document (the
baseline, measured in the same run) and on a LockedDocument, best of --rounds.

The work: create a list of --elements items (createElement + appendChild each), set an
attribute on a quarter of them, and render once. Every call on a LockedDocument takes
its re-entrant lock; nothing else is different.

    .venv/bin/python bench/locking.py
"""

from __future__ import annotations

import argparse
import time

from domsync import Document, LockedDocument


def work(cls: type, elements: int) -> float:
    doc = cls("root")
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
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args()
    calls = options.elements * 2 + options.elements // 4 + 2
    best = {Document: float("inf"), LockedDocument: float("inf")}
    for _ in range(options.rounds):
        for cls in best:  # interleaved
            best[cls] = min(best[cls], work(cls, options.elements))
    plain, locked = best[Document], best[LockedDocument]
    print(f"{options.elements} elements, {calls} DOM calls, best of {options.rounds}")
    print(f"Document        {plain * 1e3:7.1f} ms  {plain / calls * 1e9:6.0f} ns/call")
    print(f"LockedDocument  {locked * 1e3:7.1f} ms  {locked / calls * 1e9:6.0f} ns/call")
    print(f"ratio locked/plain {locked / plain:.2f}x; the lock costs {(locked - plain) / calls * 1e9:.0f} ns a call")


if __name__ == "__main__":
    main()
