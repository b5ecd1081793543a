"""The hub, sans I/O: sessions by client, and the frames it makes for them. No sockets,
no event loop: the tests open sessions and look at the frames."""

from __future__ import annotations

import json

from domsync import Document
from domsync.client import Client, Request
from domsync.downloads import Downloads
from domsync.handlers import Handlers
from domsync.hub import Hub, OwnDocuments
from domsync.resume import Retention
from domsync.session import Limits, Wire
from domsync.shared import SharedDocument


def make_hub(documents=None) -> Hub:
    return Hub(documents or OwnDocuments("app"), Handlers(), Limits(), Downloads(120))


def open_sessions(hub: Hub, count: int, wire: str = "json", retention: Retention | None = None):
    sessions = [hub.open(Client(Request(f"/ws?wire={wire}")), retention) for _ in range(count)]
    for session in sessions:
        session.document.take_ops()  # the page was sent
    return sessions


def body(frame: str) -> list:
    """A JSON frame's ops (numbered with the resume protocol, bare without)."""
    return json.loads(frame if frame.startswith("[") else frame.partition("\n")[2])


def test_a_broadcast_is_encoded_once_for_every_session_of_a_wire():
    hub = make_hub()
    sessions = open_sessions(hub, 50, "json", Retention(60, 5, 1 << 20)) + open_sessions(hub, 50, "js")
    encoded: list = []
    for session in sessions:  # wires that count their encodings
        wire = session.wire
        session.wire = Wire(wire.name, lambda ops, encode=wire.encode: encoded.append(ops) or encode(ops))
    op = Document._message_op("news", {"n": 1})
    frames = hub.broadcast(op, [session.client for session in sessions])
    assert len(encoded) == 2  # one JSON, one JavaScript: not 100
    assert [session for session, _ in frames] == sessions
    json_frames = [frame for session, frame in frames if session.wire.name == "json"]
    assert len(json_frames) == 50 and all(body(frame) == [list(op)] for frame in json_frames)
    assert all(frame.startswith("1 0\n") for frame in json_frames)  # each session's own numbering


def test_a_broadcast_follows_the_changes_a_session_has_not_sent_in_the_same_batch():
    hub = make_hub()
    idle, busy = open_sessions(hub, 2)
    span = busy.document.createElement("span")
    busy.document.getRootElement().appendChild(span)
    span.innerText = "changed first"
    op = Document._message_op("news", "later")
    frames = dict(hub.broadcast(op, [idle.client, busy.client]))
    assert [o[0] for o in body(frames[idle])] == [op[0]]
    ops = body(frames[busy])
    assert ops[-1] == list(op)
    assert any("changed first" in json.dumps(o) for o in ops[:-1])
    assert not busy.document.has_updates()


def test_broadcast_frames_are_numbered_and_kept_for_replay_per_session():
    hub = make_hub()
    first, second = open_sessions(hub, 2, retention=Retention(60, 5, 1 << 20))
    second.frame('[["x"]]')  # the second has sent a batch more
    frames = dict(hub.broadcast(Document._message_op("news", None), [first.client, second.client]))
    assert frames[first].startswith("1 0\n") and frames[second].startswith("2 0\n")
    assert first.log is not None and first.log.since(0) == [frames[first]]


def test_a_broadcast_skips_sessions_that_ended_and_reaches_only_its_targets():
    hub = make_hub()
    a, b, c = open_sessions(hub, 3)
    hub.close(c.client)
    frames = hub.broadcast(Document._message_op("news", None), [a.client, c.client])
    assert [session for session, _ in frames] == [a]
    assert b.batches == 0


def test_a_broadcast_in_a_shared_document_comes_after_the_shared_batch():
    hub = make_hub(SharedDocument(Document("app")))
    sessions = open_sessions(hub, 3)
    for session in sessions:
        hub.join(session.client)  # each has the page
    document = hub.shared_document()
    document.getRootElement().innerText = "for all"
    op = Document._message_op("news", 1)
    frames = hub.broadcast(op, [sessions[0].client, sessions[1].client])
    bodies = {session: body(frame) for session, frame in frames}
    assert bodies[sessions[0]][-1] == list(op) and bodies[sessions[1]][-1] == list(op)
    assert list(op) not in bodies[sessions[2]]  # not a target: the batch only
    assert all("for all" in json.dumps(b) for b in bodies.values())


def test_after_a_crowd_has_left_the_session_tables_are_small_again():
    import sys

    hub = make_hub()
    sessions = open_sessions(hub, 1000, retention=Retention(60, 5, 1 << 20))
    assert sys.getsizeof(hub.sessions) > 10 * sys.getsizeof({})
    for session in sessions[:-1]:
        hub.close(session.client)
    assert len(hub.sessions) == 1  # one is still here: nothing to gain yet
    hub.close(sessions[-1].client)
    assert hub.sessions == {} and hub.tokens == {}
    assert sys.getsizeof(hub.sessions) == sys.getsizeof({}) and sys.getsizeof(hub.tokens) == sys.getsizeof({})
