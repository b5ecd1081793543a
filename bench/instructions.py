#!/usr/bin/env python3
"""Instructions, not seconds: core.py's timed workloads under callgrind.

On these shared 2-core machines the wall time of one workload swings by 30% or more
between runs, for both implementations alike. ``valgrind --tool=callgrind`` counts the
instructions a run executes instead, which is the same on every run (with
``PYTHONHASHSEED=0``) whatever else the machine does. This script counts them for:

1. build 5,000 ``div`` elements with ``innerText``, append them to the root, render once;
2. 20,000 times: set one element's ``innerText`` to a new value and render;
4. ``render_js_full()`` of that 5,000-element page, 5 times (before each, a change and
   ``render_js_updates()``, as ``core.py`` does, since 0.1.2 asks for that).

Each workload runs twice, with its loop done once and twice; the difference is the
workload's own count, without imports and start-up. It measures this checkout's
domsync, domsync 0.1.2 (``bench/.venv-0.1.2``, made by ``core.py``) and, with
``--other PATH``, another checkout (for before/after figures).

    .venv/bin/python bench/instructions.py                  # about a minute
    .venv/bin/python bench/instructions.py --other ../old-checkout

Instructions are not time (0.1.2 does more of its work in C string operations), so
``core.py``'s ratios remain the figures the targets speak of; these say whether a
change made the code do more or less.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
BASELINE_PYTHON = os.path.join(HERE, ".venv-0.1.2", "bin", "python")

WORKLOAD = r'''
import sys
from domsync import Document
which, n = sys.argv[1], int(sys.argv[2])

def page(size):
    doc = Document("r")
    root = doc.getElementById("r")
    for i in range(size):
        el = doc.createElement("div")
        el.innerText = f"item {i}"
        root.appendChild(el)
    return doc, root

if which == "build":
    for _ in range(n):
        page(5000)[0].render_js_updates()
elif which == "change":
    doc = Document("r")
    p = doc.createElement("p")
    doc.getElementById("r").appendChild(p)
    doc.render_js_updates()
    for i in range(20000 * n):
        p.innerText = f"v{i}"
        doc.render_js_updates()
elif which == "full":
    doc, root = page(5000)
    doc.render_js_updates()
    first = root.firstElementChild if hasattr(root, "firstElementChild") else doc.getElementById("__domsync_el_1")
    for i in range(5 * n):
        first.innerText = f"x{i}"
        doc.render_js_updates()  # 0.1.2 renders a full page only right after this
        doc.render_js_full()
'''

WORKLOADS = [("build", "1. build 5000 + render", 1), ("change", "2. set innerText + render", 20000),
             ("full", "4. render_js_full, 5000 elements", 5)]


def count(python: str, path: str | None, which: str, n: int) -> int:
    env = dict(os.environ, PYTHONHASHSEED="0")
    if path is not None:
        env["PYTHONPATH"] = path
    result = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", python,
                             "-c", WORKLOAD, which, str(n)], capture_output=True, text=True, env=env,
                            timeout=900, cwd="/")  # not a folder with a domsync/ of its own
    found = re.search(r"Collected : (\d+)", result.stderr)
    if result.returncode != 0 or found is None:
        raise RuntimeError(f"{which} failed under callgrind:\n{result.stderr[-2000:]}")
    return int(found.group(1))


def per_unit(python: str, path: str | None, which: str, unit: int) -> float:
    return (count(python, path, which, 2) - count(python, path, which, 1)) / unit


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--other", help="another checkout of domsync to count (before/after)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind)", file=sys.stderr)
        return 2
    sides = [("new", sys.executable, REPO)]
    if args.other:
        sides.append(("other", sys.executable, os.path.abspath(args.other)))
    if os.path.exists(BASELINE_PYTHON):
        sides.append(("0.1.2", BASELINE_PYTHON, None))
    else:
        print("no bench/.venv-0.1.2: run bench/core.py once to make it", file=sys.stderr)
    print("instructions per unit (callgrind, PYTHONHASHSEED=0); unit: one build of 5,000, one change, one full render")
    print(f"{'workload':36}" + "".join(f"{name:>14}" for name, _, _ in sides) + "   0.1.2/new")
    for which, label, unit in WORKLOADS:
        figures = [per_unit(python, path, which, unit) for _, python, path in sides]
        ratio = f"{figures[-1] / figures[0]:10.2f}x" if sides[-1][0] == "0.1.2" else ""
        print(f"{label:36}" + "".join(f"{value:14,.0f}" for value in figures) + "  " + ratio)
    return 0


if __name__ == "__main__":
    sys.exit(main())
