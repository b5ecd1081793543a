"""The sans-I/O session: frames in; frames out, plus the callbacks to run. No sockets,
no event loop: the tests feed frames and look at what comes out."""

from __future__ import annotations

import json
import logging

import pytest

from domsync import Document
from domsync.client import Client, Request
from domsync.handlers import EventContext, Handlers
from domsync.session import MAX_RESYNCS, Call, Limits, Session, Step


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def message(**fields) -> str:
    return json.dumps({"domsync": True, **fields})


@pytest.fixture
def handlers():
    return Handlers()


@pytest.fixture
def session(handlers):
    document = Document("app")
    return Session(Client(Request("/ws")), document, handlers, Limits(max_message_size=300_000,
                   max_messages_per_second=100, inbox=5), clock=Clock())


def button(session, callback=lambda event: None):
    doc = session.document
    el = doc.createElement("button", id="b")
    el.addEventListener("click", callback)
    doc.getRootElement().appendChild(el)
    doc.take_ops()
    return el


def test_an_event_becomes_a_call_of_its_callback_with_the_event():
    session_ = Session(Client(Request("/ws")), Document("app"), Handlers())
    el = button(session_)
    assert session_.receive(message(event="click", id=el._key, detail={"kind": "mouse"}))
    step = session_.next_step()
    (call,) = step.calls
    assert call.function is el.getEventListener("click")
    (event,) = call.args
    assert event["event"] == "click" and event["element"] is el and event["id"] == "b"
    assert step.flush and not step.resync
    assert session_.next_step() is None


def test_the_state_of_a_form_control_is_written_before_its_callback_runs(session):
    doc = session.document
    box = doc.createElement("input", id="box")
    seen = []
    box.addEventListener("input", lambda event: seen.append(box.value))
    doc.getRootElement().appendChild(box)
    doc.take_ops()
    session.receive(message(event="input", id=box._key, state={"value": "typed"}, seq=1))
    step = session.next_step()
    assert box.value == "typed" and seen == []  # written now; the callback runs later
    step.calls[0].function(*step.calls[0].args)
    assert seen == ["typed"]
    assert doc.take_ops() == []  # the browser has it: nothing to send back


def test_a_sync_writes_the_model_and_runs_nothing(session):
    doc = session.document
    box = doc.createElement("input", id="box")
    doc.getRootElement().appendChild(box)
    doc.take_ops()
    session.receive(message(type="sync", id=box._key, state={"value": "x"}, seq=1))
    assert session.next_step() == Step([], flush=False)
    assert box.value == "x"


def test_with_a_shared_document_a_sync_is_flushed_to_the_others(handlers):
    doc = Document("app")
    doc._echo_state = True
    shared = Session(Client(Request("/ws")), doc, handlers, shared=True)
    box = doc.createElement("input", id="box")
    doc.getRootElement().appendChild(box)
    doc.take_ops()
    shared.receive(message(type="sync", id=box._key, state={"value": "x"}, seq=3, origin="o1"))
    assert shared.next_step().flush is True
    assert doc.take_ops()[-1] == (10, box._key, "value", "x", 3, "o1")  # SET_PROP with its edit


def test_a_route_report_updates_the_document_and_calls_the_route_handlers(session, handlers):
    routes = []
    handlers.on("route")(lambda client, page, route_vars: routes.append((page, route_vars)))
    session.receive(message(type="route", hash="shop/item=42", seq=1))
    step = session.next_step()
    assert session.document.page == "shop" and dict(session.document.route_vars) == {"item": "42"}
    (call,) = step.calls
    assert call.args == (session.client, "shop", {"item": "42"})
    # The same route again changes nothing: no handler.
    session.receive(message(type="route", hash="shop/item=42", seq=2))
    assert session.next_step().calls == []


def test_a_route_that_is_not_an_ascii_string_is_logged_and_dropped(session, caplog):
    with caplog.at_level(logging.WARNING):
        session.receive(message(type="route", hash="\u00e9", seq=1))
        assert session.next_step().calls == []
    assert "ASCII" in caplog.text and session.document.page is None


def test_a_named_message_calls_its_handlers_with_a_context(session, handlers):
    handlers.on_event("chat")(lambda context: None)
    handlers.on_event("chat")(lambda context: None)
    session.receive(message(type="message", name="chat", payload={"text": "hi"}))
    calls = session.next_step().calls
    assert len(calls) == 2
    (context,) = calls[0].args
    assert context == EventContext("chat", {"text": "hi"}, session.client, session.document)


def test_a_named_message_nobody_handles_is_logged(session, caplog):
    with caplog.at_level(logging.WARNING):
        session.receive(message(type="message", name="nobody", payload=None))
        assert session.next_step().calls == []
    assert "no @server.on_event handler" in caplog.text


def test_a_failed_batch_asks_for_a_rebuilt_page_three_times_at_most(session, caplog):
    with caplog.at_level(logging.WARNING):
        asked = []
        for _ in range(MAX_RESYNCS + 2):
            session.receive(message(type="error", source="batch", message="boom"))
            asked.append(session.next_step().resync)
    assert asked == [True] * MAX_RESYNCS + [False, False]
    session.receive(message(type="error", source="run_js", message="page script"))
    assert session.next_step().resync is False
    assert "reported an error in 'batch': 'boom'" in caplog.text


@pytest.mark.parametrize("frame,logged", [
    (b"\x00binary", "binary"),
    ("not json", "not JSON"),
    ("[" * 100000 + "]" * 100000, "not JSON"),
    ("[1, 2]", "not a domsync message"),
    (json.dumps({"event": "click"}), "not a domsync message"),
    (message(event="click", id=1, value="x" * 400_000), "max_message_size"),
])
def test_bad_frames_are_logged_and_dropped(session, caplog, frame, logged):
    with caplog.at_level(logging.WARNING):
        assert session.receive(frame) is False
    assert logged in caplog.text and session.waiting == 0


def test_bad_events_run_nothing_and_are_logged(session, caplog):
    el = button(session)
    with caplog.at_level(logging.WARNING):
        for bad in (dict(event="click", id=999), dict(event="nope", id=el._key), dict(event=5, id=el._key),
                    dict(event="click", id={"x": 1})):
            session.receive(message(**bad))
            assert session.next_step().calls == []
    for expected in ("unknown or removed", "does not listen", "'event' is not a string", "'id' is not"):
        assert expected in caplog.text


def test_a_flood_is_cut_to_the_rate_and_the_inbox(session, caplog):
    clock = session._rate.clock
    el = button(session)
    with caplog.at_level(logging.WARNING):
        taken = sum(session.receive(message(event="click", id=el._key)) for _ in range(300))
    assert taken == 5  # the inbox holds 5; the rest waited for nobody
    assert "messages behind" in caplog.text
    while session.next_step() is not None:
        pass
    with caplog.at_level(logging.WARNING):
        clock.now += 0.02  # two more tokens at 100 a second, the bucket being empty
        taken = sum(session.receive(message(event="click", id=el._key)) for _ in range(10))
    assert taken == 2 and "too many messages" in caplog.text


def test_frames_are_counted_as_batches_and_empty_ones_are_not(session):
    assert session.frame("") == "" and session.batches == 0
    assert session.frame('N(0).textContent="x";\n') == 'N(0).textContent="x";\n'
    assert session.frame("R(\"app\");\n") and session.batches == 2


def test_a_call_names_what_it_runs_for_log_lines(session):
    el = button(session)
    session.receive(message(event="click", id=el._key))
    (call,) = session.next_step().calls
    assert isinstance(call, Call) and call.what == "event callback for 'click'"
    assert call.message["event"] == "click"


def test_a_wire_joins_two_batches_into_one():
    from domsync.session import JS_WIRE, JSON_WIRE

    assert JSON_WIRE.encode([]) == "" and JS_WIRE.encode([]) == ""
    assert JSON_WIRE.join('[[5,1]]', '[[5,2],[5,3]]') == '[[5,1],[5,2],[5,3]]'
    assert JSON_WIRE.join("", '[[5,2]]') == '[[5,2]]' and JSON_WIRE.join('[[5,1]]', "") == '[[5,1]]'
    assert JS_WIRE.join("a();", "b();") == "a();b();"
