"""The Python mirror applies batches as the browser client does; differential runs of
random mutations, browserless, through the JSON wire."""

from __future__ import annotations

import json
import os
import time

import pytest
from mutations import Run

from domsync import Document, encode_json
from domsync.mirror import Mirror, MirrorError
from domsync.protocol import APPEND, MOVE, RESET, SET_PROP, TEXT

# 10,000 sequences by default; DOMSYNC_MIRROR_SEQUENCES=100000 looks harder.
SEQUENCES = int(os.environ.get("DOMSYNC_MIRROR_SEQUENCES", "10000"))
STEPS_PER_SEQUENCE = 12


def through_json(ops: list) -> list:
    return json.loads(encode_json.encode(ops))


def test_the_mirror_equals_the_model_after_every_batch_of_ten_thousand_random_sequences():
    started = time.perf_counter()
    batches = operations = 0
    for seed in range(SEQUENCES):
        run = Run(seed)
        try:
            for _ in range(STEPS_PER_SEQUENCE):
                run.step()
                if run.rng.random() < 0.3:
                    run.take_batch()
                    run.check_mirror()
                    batches += 1
            run.take_batch()
            run.check_mirror()
            batches += 1
            operations += run.done
            if seed % 10 == 0:  # now and then a page that joins late: the snapshot
                late = Mirror(run.doc.getRootId())
                late.apply(through_json(run.doc.snapshot_ops()))
                run.check_mirror(late)
        except BaseException:
            print(f"seed {seed}; operation log:\n" + "\n".join(run.log))
            raise
    elapsed = time.perf_counter() - started
    print(f"{SEQUENCES} sequences, {operations} operations, {batches} batches in {elapsed:.1f} s")
    assert operations == SEQUENCES * STEPS_PER_SEQUENCE


def test_a_late_mirror_follows_the_same_updates_as_the_first():
    for seed in range(200):
        run = Run(seed)
        for _ in range(30):
            run.step()
        run.take_batch()
        late = Mirror(run.doc.getRootId())
        late.apply(through_json(run.doc.snapshot_ops()))
        for _ in range(30):
            run.step()
        ops = run.doc.take_ops()
        for mirror in (run.mirror, late):
            mirror.apply(through_json(ops))
            run.check_mirror(mirror)


def test_actions_are_recorded_not_performed():
    doc = Document("app")
    doc.send_message("saved", {"__proto__": 1, "n": [1, 2.5]})
    doc.add_notification("info", "Title", "text")
    doc.file_download(b"\x00bytes", "a.bin")
    doc.open_url("https://example.com/")
    doc.set_page("shop")
    doc.run_js("alert(1)")
    page = Mirror("app")
    page.apply(through_json(doc.take_ops()))
    assert page.messages == [("saved", {"__proto__": 1, "n": [1, 2.5]})]
    assert page.notifications == [("info", "Title", "text")]
    assert page.downloads == [("a.bin", "application/octet-stream", b"\x00bytes")]
    assert page.opened_urls == ["https://example.com/"]
    assert page.route == "shop"
    assert page.scripts == ["alert(1)"]


def test_an_unknown_key_stops_the_batch_where_the_browser_would():
    page = Mirror("app")
    with pytest.raises(MirrorError, match="no element with key 7"):
        page.apply([(RESET, "app"), (APPEND, 0, ("first",)), (TEXT, 7, "x"), (APPEND, 0, ("never",))])
    assert page.inner_html() == "first"


def test_a_move_into_a_descendant_fails_as_in_the_browser():
    page = Mirror("app")
    page.apply([(RESET, "app"), (APPEND, 0, ((1, "div", 0, None, ((2, "span", 0, None, None, None),), None),))])
    with pytest.raises(MirrorError, match="own descendant"):
        page.apply([(MOVE, 1, 2, None)])
    assert page.inner_html() == "<div><span></span></div>"


def test_a_reset_for_another_root_fails_and_unknown_ops_are_refused():
    page = Mirror("app")
    with pytest.raises(MirrorError, match="no element with id"):
        page.apply([(RESET, "other")])
    with pytest.raises(MirrorError, match="unknown op"):
        page.apply([(999, 1)])


def test_a_value_answering_an_older_edit_does_not_overwrite_newer_typing():
    page = Mirror("app")
    page.apply([(RESET, "app"), (APPEND, 0, ((-1, "input", 0, None, None, None),))])
    page.edits[1] = 5  # the user typed five times; the server has answered edit 3
    page.apply([(SET_PROP, 1, "value", "old", 3, None)])
    assert page.node(1).value is None
    page.apply([(SET_PROP, 1, "value", "answer", 5, None), (SET_PROP, 1, "checked", True, None, None)])
    assert page.node(1).value == "answer" and page.node(1).checked is True
    # Another browser's edit numbers say nothing about this one's typing.
    page.apply([(SET_PROP, 1, "value", "theirs", 1, "someone-else")])
    assert page.node(1).value == "theirs"
