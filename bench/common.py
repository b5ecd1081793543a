"""What the browser benchmarks (latency.py, download.py) share: the working tree on the
import path, Debian's Chromium, and the main loop that prints the report."""

from __future__ import annotations

import asyncio
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
if os.path.isfile(os.path.join(REPO, "domsync", "__init__.py")) and REPO not in sys.path:
    sys.path.insert(0, REPO)  # measure the working tree even without pip install -e .


def chromium_executable() -> str:
    """Debian's Chromium (``CHROMIUM_PATH`` overrides it)."""
    if os.environ.get("CHROMIUM_PATH"):
        return os.environ["CHROMIUM_PATH"]
    for candidate in ("/usr/lib/chromium/chromium", "/usr/bin/chromium"):
        if os.path.exists(candidate):
            return candidate
    return "chromium"


def run_report(args, run) -> int:
    """Run ``run(args, log, say)`` within ``args.timeout`` seconds. ``say`` writes the
    report (to stderr with ``--json``, whose output is stdout's), ``log`` progress."""
    out = sys.stderr if args.json else sys.stdout

    def say(msg=""):
        print(msg, file=out, flush=True)

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    async def bounded():
        return await asyncio.wait_for(run(args, log, say), args.timeout)

    try:
        return asyncio.run(bounded())
    except asyncio.TimeoutError:
        log(f"gave up after {args.timeout:g} s (--timeout)")
        return 2
