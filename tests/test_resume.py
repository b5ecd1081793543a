"""The resume protocol's pure parts: the replay log, hellos, tokens and frames."""

from __future__ import annotations

import json

import pytest

from domsync.resume import ReplayLog, Retention, batch_frame, new_token, parse_hello, welcome_frame


def log_with(count: int, **limits) -> ReplayLog:
    log = ReplayLog(Retention(**limits))
    for number in range(1, count + 1):
        log.add(number, f"frame {number}", now=float(number))
    return log


def test_the_log_replays_what_follows_the_last_applied_batch():
    log = log_with(5)
    assert log.since(2) == ["frame 3", "frame 4", "frame 5"]
    assert log.since(5) == []
    assert log.since(0) == [f"frame {n}" for n in range(1, 6)]


def test_acknowledged_batches_are_let_go_and_cannot_be_asked_for_again():
    log = log_with(5)
    log.ack(3)
    assert len(log) == 2 and log.bytes == len("frame 4") + len("frame 5")
    assert log.since(3) == ["frame 4", "frame 5"]
    assert log.since(2) is None  # batch 3 is gone: the browser needs the whole page


@pytest.mark.parametrize("bogus", [None, "3", 3.0, True, 99, -1])
def test_acknowledgements_that_are_not_numbers_we_sent_change_nothing(bogus):
    log = log_with(5)
    log.ack(bogus)
    assert len(log) == 5 and log.since(0) is not None


def test_the_log_is_bounded_by_bytes_and_count():
    log = log_with(100, replay_bytes=10 * len("frame 100"))
    assert log.bytes <= 10 * len("frame 100")
    assert log.since(99) == ["frame 100"]
    assert log.since(10) is None
    counted = log_with(100, replay_batches=7)
    assert len(counted) == 7 and counted.since(93) is not None and counted.since(92) is None


def test_batches_older_than_the_retention_expire():
    log = log_with(10, seconds=5)
    log.expire(now=12.0)  # batches sent before t=7 are older than 5 s
    assert log.since(6) is not None and log.since(5) is None


def test_numbers_the_browser_cannot_have_get_the_whole_page():
    log = log_with(3)
    assert log.since(4) is None and log.since(-1) is None


def test_clearing_the_log_starts_after_the_whole_page():
    log = log_with(3)
    log.clear()
    log.add(4, "page", now=4.0)
    assert log.since(3) == ["page"] and log.since(2) is None


@pytest.mark.parametrize("frame, hello", [
    ('{"domsync": true, "type": "hello", "token": null, "batch": null}', (None, None)),
    ('{"domsync": true, "type": "hello", "token": "' + "t" * 32 + '", "batch": 7}', ("t" * 32, 7)),
    ('{"domsync": true, "type": "hello", "token": "short", "batch": -3}', (None, None)),
    ('{"domsync": true, "type": "hello", "token": 5, "batch": "7"}', (None, None)),
])
def test_hellos_are_read_defensively(frame, hello):
    parsed = parse_hello(frame)
    assert parsed is not None and (parsed.token, parsed.batch) == hello


@pytest.mark.parametrize("frame", ["", "{", "[]", b"{}", '{"domsync": true, "type": "event"}',
                                   '{"type": "hello"}', "x" * 5000])
def test_anything_else_is_not_a_hello(frame):
    assert parse_hello(frame) is None


def test_tokens_are_unguessable_and_url_safe():
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(len(token) == 32 and token.replace("-", "").replace("_", "").isalnum() for token in tokens)


def test_frames():
    assert batch_frame(12, 3, 'R("x")') == '12 3\nR("x")'
    welcome = json.loads(welcome_frame("tok", True, False, 9, 65536))
    assert welcome == {"welcome": True, "token": "tok", "resumed": True, "expired": False, "in": 9, "max": 65536}
