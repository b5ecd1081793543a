"""Time per test: the to-do example's full scenario (open, add two items, tick one,
delete one, check the count) without a browser (domsync.testing) and in Chromium
(Playwright), with the same steps and assertions, in one run.

    .venv/bin/python bench/testing.py            # 200 browserless runs, 20 in Chromium
    .venv/bin/python bench/testing.py --runs 500 --chromium-runs 30

Each run is one test as pytest would run it: a new server and page (a new browser
context in Chromium; the browser itself is launched once, as the plugin does per
session), the steps, and closing. Prints the median, p90 and the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import statistics
import sys
import time

from common import REPO, run_report

from domsync.testing import expect, open as open_page
from domsync.testing.chromium import chromium_page, launch


def load_todo():
    spec = importlib.util.spec_from_file_location("example_todo", os.path.join(REPO, "examples", "todo.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def scenario(page) -> None:
    """tests/test_example_todo.py's full test."""
    entry = page.get_by_placeholder("What needs doing?")
    for text in ("milk", "eggs"):
        await entry.fill(text)
        await page.get_by_role("button", name="Add").click()
    await expect(page.locator("#count")).to_have_text("2 of 2 left")
    await page.get_by_role("listitem").filter(has_text="milk").get_by_role("checkbox").check()
    await expect(page.locator("#count")).to_have_text("1 of 2 left")
    await page.get_by_role("listitem").filter(has_text="eggs").get_by_role("button", name="Delete").click()
    await expect(page.get_by_role("listitem")).to_have_count(1)
    await expect(page.locator("#count")).to_have_text("0 of 1 left")


def summary(times: list[float]) -> dict:
    times = sorted(times)
    return {"runs": len(times), "median_ms": statistics.median(times) * 1000,
            "p90_ms": times[int(len(times) * 0.9)] * 1000, "min_ms": times[0] * 1000}


async def run(args, log, say) -> int:
    handler = load_todo().connection_handler
    browserless = []
    for _ in range(args.warmup):
        async with open_page(handler) as page:
            await scenario(page)
    for _ in range(args.runs):
        start = time.perf_counter()
        async with open_page(handler) as page:
            await scenario(page)
        browserless.append(time.perf_counter() - start)
    log(f"browserless: {args.runs} runs done")
    chromium = []
    async with launch() as browser:
        for i in range(args.chromium_runs + 1):
            start = time.perf_counter()
            async with chromium_page(browser, handler) as page:
                await scenario(page)
            if i:  # the first run warms the browser up
                chromium.append(time.perf_counter() - start)
    log(f"chromium: {args.chromium_runs} runs done")
    results = {"browserless": summary(browserless), "chromium": summary(chromium)}
    ratio = results["chromium"]["median_ms"] / results["browserless"]["median_ms"]
    say("the to-do example's full test (add, tick, delete, count), per test:")
    say(f"{'':14}{'median':>10}{'p90':>10}{'min':>10}")
    for name, row in results.items():
        say(f"{name:14}{row['median_ms']:>8.1f}ms{row['p90_ms']:>8.1f}ms{row['min_ms']:>8.1f}ms   ({row['runs']} runs)")
    say(f"Chromium takes {ratio:.0f}x as long as the test client (median)")
    if args.json:
        print(json.dumps({**results, "ratio": ratio}))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--chromium-runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--timeout", type=float, default=600)
    return run_report(parser.parse_args(), run)


if __name__ == "__main__":
    sys.exit(main())
