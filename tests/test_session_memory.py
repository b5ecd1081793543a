"""Python memory after sessions end: back to where it was (issue 16, within 5%).

The sessions run in a process of their own (``memory_rounds.py``), traced by
tracemalloc from its first line: the figures are the process's whole Python heap, and no
other test's garbage is in them. A warm-up round comes first, so that caches, interned
strings and the event loop's tables are in the baseline.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "memory_rounds.py")
SESSIONS = 300
PAGE_BYTES = 50_000  # far below what a session of the 500-element page holds


def run_rounds(rounds: int, sessions: int, *options: str) -> dict:
    done = subprocess.run([sys.executable, "-X", "tracemalloc", SCRIPT, str(rounds), str(sessions), *options],
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"})
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def back_to_baseline(figures: dict) -> bool:
    """Whether the heap went back within 5% of the baseline after every round."""
    return all(after <= figures["baseline"] * 1.05 for after in figures["after"])


def test_python_memory_returns_within_5_percent_after_hundreds_of_sessions_leave():
    figures = run_rounds(2, SESSIONS)
    # The sessions were there: each round held every one of them at once.
    for peak in figures["peaks"]:
        assert peak - figures["baseline"] > SESSIONS * PAGE_BYTES
    assert figures["open_sessions"] == 0
    assert back_to_baseline(figures), figures


def test_the_check_sees_sessions_that_are_kept_after_they_end():
    # A registry that keeps ended sessions' documents, as a leak would: the check fails.
    figures = run_rounds(1, 100, "--leak")
    assert not back_to_baseline(figures), figures
