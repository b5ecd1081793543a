"""Sessions that outlive their sockets, over the in-memory transport: hellos, welcomes,
replay, snapshots, duplicates, expiry, tokens. No browser (the Chromium tests with a
faulty network are in test_resume_browser.py)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import weakref

import pytest
from conftest import eventually

from domsync.memory import MemoryPeer, MemoryServer
from domsync.resume import Retention

ORIGIN = ("Origin", "http://localhost:8888")


class Tab:
    """A browser tab that speaks the resume protocol over in-memory connections."""

    def __init__(self, server: MemoryServer, origin: tuple[str, str] = ORIGIN, route: str = ""):
        self.server = server
        self.origin = origin
        self.route = route  # the URL hash the page was opened with
        self.token: str | None = None
        self.applied: int | None = None  # None: no page (a new tab, or after a reload)
        self.batches: list[tuple[int, str]] = []  # (number, JavaScript) applied
        self.welcomes: list[dict] = []
        self.peer: MemoryPeer | None = None
        self.q = 0

    async def connect(self, token: str | None = None, batch: int | None = -1) -> dict:
        """Open a connection and say hello; returns the welcome."""
        self.peer = peer = await self.server.connect(f"/ws?v=3&route={self.route}", headers=[self.origin])
        await peer.send({"domsync": True, "type": "hello", "token": self.token if token is None else token,
                         "batch": self.applied if batch == -1 else batch})
        welcome = json.loads(await peer.next_frame())
        assert welcome["welcome"] is True
        self.welcomes.append(welcome)
        self.token = welcome["token"]
        if not welcome["resumed"]:
            self.applied = None
        return welcome

    async def start(self) -> None:
        """Open a new session and read its first page."""
        await self.connect()
        await self.read()

    async def read(self, timeout: float = 5) -> str:
        """The next batch: its number must follow (or it brings the whole page)."""
        assert self.peer is not None
        frame = await self.peer.next_frame(timeout)
        head, _, js = frame.partition("\n")
        number = int(head.split(" ")[0])
        assert self.applied is None or number == self.applied + 1 or js.startswith("R("), (number, self.applied)
        self.applied = number
        self.batches.append((number, js))
        return js

    async def send(self, message: dict, number: int | None = None) -> None:
        """Send a message, numbered as the browser numbers it (or as ``number``)."""
        assert self.peer is not None
        if number is None:
            self.q += 1
            number = self.q
        await self.peer.send({**message, "q": number, "a": self.applied or 0})


def counter_app(**options):
    """A page with a button that counts its clicks, and a connection handler whose loop
    (and local variable) must survive the gaps."""
    state: dict = {"clicks": 0, "ticks": [], "events": []}

    async def handler(server, client):
        doc = server.get_document(client)
        button = doc.createElement("button", id="b", innerText="0")
        state["button"] = button

        def clicked(event):
            state["clicks"] += 1
            button.innerText = str(state["clicks"])

        button.addEventListener("click", clicked)
        doc.getRootElement().appendChild(button)
        await server.flush(client)
        tick = 0  # a local variable that lives as long as the session
        while server.is_connected(client):
            await state.setdefault("go", asyncio.Event()).wait()
            state["go"].clear()
            tick += 1
            state["ticks"].append(tick)
            doc.getElementById("b").setAttribute("data-tick", str(tick))
            await server.flush(client)  # neither raises nor waits while the browser is away

    server = MemoryServer(handler, **options)
    for event in ("connect", "disconnect", "offline", "online"):
        server.on(event)(lambda client, event=event: state["events"].append(event))
    return server, state


async def test_new_sessions_beyond_max_connections_are_refused():
    async with running(counter_app(max_connections=1)) as (server, state):
        await Tab(server).start()
        peer = await server.connect("/ws?v=3", headers=[ORIGIN])
        await peer.send({"domsync": True, "type": "hello", "token": None, "batch": None})
        assert peer.closed and peer.frames == [] and len(server.get_clients()) == 1


@contextlib.asynccontextmanager
async def running(app):
    """``counter_app(...)`` as a context: the server closes at the end."""
    server, state = app
    try:
        yield server, state
    finally:
        await server.close()


def click(button) -> dict:
    return {"domsync": True, "event": "click", "id": button._key}


async def tick(state) -> None:
    state.setdefault("go", asyncio.Event()).set()
    await asyncio.sleep(0.01)


async def test_a_dropped_connection_resumes_the_same_session_and_replays_what_it_missed():
    async with running(counter_app()) as (server, state):
        tab = Tab(server)
        welcome = await tab.connect()
        assert welcome == {"welcome": True, "token": welcome["token"], "resumed": False, "expired": False, "in": 0,
                           "max": 64 * 1024}
        assert (await tab.read()).startswith('R("domsync_root_id")')
        client = tab.peer.client
        first_token = tab.token
        await tab.peer.drop()
        assert server.is_connected(client) and not server.is_online(client)
        for _ in range(3):
            await tick(state)  # flushes while the browser is away: kept for it
        assert state["ticks"] == [1, 2, 3] and len(tab.peer.frames) == 2
        welcome = await tab.connect()
        assert welcome["resumed"] is True and welcome["token"] != first_token
        assert tab.peer.client is client and server.is_online(client)
        replayed = [await tab.read() for _ in range(3)]
        assert [number for number, _ in tab.batches] == [1, 2, 3, 4]
        assert ['"data-tick","3"' in js for js in replayed] == [False, False, True]
        await tick(state)
        assert 'data-tick","4"' in await tab.read()  # the same loop, the same local variable
        assert state["events"] == ["connect", "offline", "online"]
    assert state["events"][-1] == "disconnect"


async def test_messages_sent_again_after_a_resume_are_handled_once():
    async with running(counter_app()) as (server, state):
        tab = Tab(server)
        await tab.start()
        button = state["button"]
        await tab.send(click(button))
        await eventually(lambda: state["clicks"] == 1)
        await tab.read()
        await tab.peer.drop()
        welcome = await tab.connect()
        assert welcome["in"] == 1  # the server has message 1: the browser keeps only later ones
        await tab.send(click(button), number=1)  # sent again anyway: dropped
        for _ in range(10):  # queued while offline, sent after the resume
            await tab.send(click(button))
        await eventually(lambda: state["clicks"] == 11)
        await asyncio.sleep(0.05)
        assert state["clicks"] == 11


async def test_a_reload_gets_the_whole_page_of_the_same_session():
    async with running(counter_app()) as (server, state):
        tab = Tab(server)
        await tab.start()
        await tab.send(click(state["button"]))
        await eventually(lambda: state["clicks"] == 1)
        await tab.read()
        client = tab.peer.client
        await tab.peer.close()  # a page that unloads says goodbye
        welcome = await tab.connect(batch=None)  # the reloaded page has no page yet
        assert welcome["resumed"] is True and tab.peer.client is client
        page = await tab.read()
        assert page.startswith('R("domsync_root_id")') and '"1"' in page
        assert state["events"] == ["connect", "offline", "online"]


async def test_a_log_that_no_longer_reaches_back_gets_the_whole_page_instead():
    async with running(counter_app(replay_buffer=200)) as (server, state):
        tab = Tab(server)
        await tab.start()
        await tab.peer.drop()
        for _ in range(50):
            await tick(state)
        session = server._hub.session(tab.peer.client)
        assert session.log.bytes <= 200
        await tab.connect()
        page = await tab.read()
        assert page.startswith('R("domsync_root_id")') and '"data-tick","50"' in page
        await tick(state)
        assert '"data-tick","51"' in await tab.read()


async def test_acknowledged_batches_are_not_kept():
    async with running(counter_app()) as (server, state):
        tab = Tab(server)
        await tab.start()
        for _ in range(5):
            await tick(state)
            await tab.read()
        session = server._hub.session(tab.peer.client)
        assert [number for number, *_ in session.log.entries] == [1, 2, 3, 4, 5, 6]
        await tab.peer.send({"domsync": True, "type": "ack", "a": 4})
        assert [number for number, *_ in session.log.entries] == [5, 6]


async def test_after_the_retention_the_session_ends_once_and_is_freed(caplog):
    server, state = counter_app(session_retention=0.2)
    tab = Tab(server)
    try:
        await tab.start()
        client = tab.peer.client
        document = weakref.ref(server.get_document(client))
        await tab.peer.drop()
        await eventually(lambda: not server.is_connected(client))
        await asyncio.sleep(0.05)
        assert state["events"] == ["connect", "offline", "disconnect"]
        tab.peer = None
        state.pop("button")
        del client
        gc.collect()
        assert document() is None
        with caplog.at_level(logging.WARNING, "domsync.server"):
            welcome = await tab.connect()
        assert welcome["resumed"] is False and welcome["expired"] is True
        assert "unknown, expired or replaced session token" in caplog.text
        assert tab.token not in caplog.text and welcome["token"] not in caplog.text
        assert (await tab.read()).startswith('R("domsync_root_id")')  # a fresh page at once
    finally:
        await server.close()
    assert state["events"].count("disconnect") == 2


async def test_a_page_that_said_goodbye_is_kept_only_for_the_reload_grace():
    async with running(counter_app(session_retention=60, reload_grace=0.1)) as (server, state):
        tab = Tab(server)
        await tab.start()
        client = tab.peer.client
        await tab.peer.close()
        assert server.is_connected(client)
        await eventually(lambda: not server.is_connected(client), timeout=2)
        assert state["events"] == ["connect", "offline", "disconnect"]


async def test_forged_replaced_and_foreign_tokens_never_resume_a_session(caplog):
    async with running(counter_app()) as (server, state):
        tab = Tab(server)
        await tab.start()
        victim = tab.peer.client
        stolen = tab.token
        await tab.peer.drop()
        # A forged token, and the real one from another origin: new sessions.
        attacker = Tab(server)
        assert (await attacker.connect(token="x" * 32))["resumed"] is False
        foreign = Tab(server, origin=("Origin", "http://evil.example"))
        with caplog.at_level(logging.WARNING, "domsync.server"):
            welcome = await foreign.connect(token=stolen)
        assert welcome["resumed"] is False and foreign.peer.client is not victim
        assert "for a session of origin" in caplog.text and stolen not in caplog.text
        # The owner resumes; once it has used its new token, the old one is void.
        assert (await tab.connect())["resumed"] is True and tab.peer.client is victim
        await tab.peer.send({"domsync": True, "type": "ack", "a": 0})
        replay = Tab(server)
        assert (await replay.connect(token=stolen))["resumed"] is False
        assert replay.peer.client is not victim and server.is_online(victim)


async def test_the_token_before_a_lost_welcome_still_resumes():
    async with running(counter_app()) as (server, state):
        tab = Tab(server)
        await tab.start()
        old = tab.token
        await tab.peer.drop()
        await tab.connect()  # the welcome with the new token...
        await tab.peer.drop()  # ...was lost with the socket before the browser used it
        welcome = await tab.connect(token=old)
        assert welcome["resumed"] is True


async def test_a_resume_while_the_old_socket_still_looks_alive_takes_the_session_over():
    async with running(counter_app()) as (server, state):
        tab = Tab(server)
        await tab.start()
        old_peer, client = tab.peer, tab.peer.client
        assert (await tab.connect())["resumed"] is True  # the server never saw the old one die
        assert old_peer.closed and tab.peer.client is client and server.is_online(client)
        assert state["events"] == ["connect"]
        await tick(state)
        assert "data-tick" in await tab.read()


async def test_with_no_retention_a_dropped_session_ends_as_in_0_1_2():
    async with running(counter_app(session_retention=0)) as (server, state):
        tab = Tab(server)
        welcome = await tab.connect()
        assert welcome["token"] is None
        await tab.read()
        client = tab.peer.client
        await tab.peer.drop()
        assert not server.is_connected(client)
        welcome = await tab.connect(token="y" * 32)
        assert welcome["resumed"] is False and welcome["expired"] is False
        assert state["events"] == ["connect", "disconnect", "connect"]


async def test_a_client_that_does_not_speak_the_resume_protocol_gets_bare_batches_as_before():
    async with running(counter_app()) as (server, state):
        peer = await server.connect("/ws")
        assert (await peer.next_frame()).startswith('R("domsync_root_id")')
        client = peer.client
        await peer.drop()
        assert not server.is_connected(client)


async def test_a_first_frame_that_is_not_a_hello_closes_the_connection(caplog):
    async with running(counter_app()) as (server, state):
        peer = await server.connect("/ws?v=3")
        with caplog.at_level(logging.WARNING, "domsync.server"):
            await peer.send({"domsync": True, "event": "click", "id": 1})
        assert peer.closed and "sent no hello first" in caplog.text
        assert server.get_clients() == []


async def test_a_shared_document_resumes_the_same_way():
    seen = []
    server = MemoryServer(shared=True)
    server.on("online")(seen.append)
    try:
        doc = server.document
        root = doc.getRootElement()
        tab = Tab(server)
        await tab.start()
        other = Tab(server)
        await other.start()
        await tab.peer.drop()
        root.appendChild(doc.createElement("p", innerText="while away"))
        await server.flush()
        assert "while away" in await other.read()
        await tab.connect()
        assert "while away" in await tab.read()
        assert seen == [tab.peer.client]
    finally:
        await server.close()


def test_retention_settings_are_checked():
    from domsync import WrongTypeError

    for bad in ({"session_retention": -1}, {"reload_grace": "5"}, {"replay_buffer": 1.5}):
        with pytest.raises(WrongTypeError):
            MemoryServer(**bad)
    assert MemoryServer(session_retention=2, reload_grace=10).retention == Retention(2, 2, 4 * 1024 * 1024)


async def test_sessions_waiting_for_their_browsers_are_bounded():
    async with running(counter_app(max_connections=2)) as (server, state):
        tabs = [Tab(server) for _ in range(3)]
        for tab in tabs:  # one at a time: at most two may be on the line at once
            await tab.start()
            await tab.peer.send({"domsync": True, "type": "ack", "a": 1})
            await tab.peer.drop()
        clients = [tab.peer.client for tab in tabs]
        await eventually(lambda: not server.is_connected(clients[0]))
        assert [server.is_connected(client) for client in clients] == [False, True, True]


async def test_a_page_that_will_not_come_back_ends_its_session_at_once():
    async with running(counter_app()) as (server, state):
        tab = Tab(server)
        await tab.start()
        client = tab.peer.client
        await tab.peer.send({"domsync": True, "type": "bye", "final": True})
        await tab.peer.drop()
        assert not server.is_connected(client)


async def test_a_burst_beyond_the_inbox_loses_nothing_once_sent_again():
    async with running(counter_app()) as (server, state):
        tab = Tab(server)
        await tab.start()
        button = state["button"]
        for q in range(1, 301):  # in one go: more than the inbox holds (256)
            server._receive(tab.peer.client, json.dumps({**click(button), "q": q, "a": 1}))
        session = server._hub.session(tab.peer.client)
        assert session.received == 256  # the rest were dropped, and do not count as received
        await eventually(lambda: state["clicks"] == 256)
        for q in range(257, 301):  # the browser sends what was not confirmed again
            await tab.peer.send({**click(button), "q": q, "a": 1})
        await eventually(lambda: state["clicks"] == 300)
        await asyncio.sleep(0.05)
        assert state["clicks"] == 300 and session.received == 300


async def test_an_ack_gets_the_messages_confirmed_when_no_batch_does():
    server = MemoryServer(lambda server, client: server.flush(client))
    seen = []
    server.on_event("note")(lambda context: seen.append(context.payload))
    try:
        tab = Tab(server)
        await tab.start()
        await tab.send({"domsync": True, "type": "message", "name": "note", "payload": 1})
        await eventually(lambda: seen == [1])
        assert len(tab.peer.frames) == 2  # the welcome and the page: nothing confirms message 1
        await tab.peer.send({"domsync": True, "type": "ack", "a": 1})
        assert json.loads(await tab.peer.next_frame()) == {"in": 1}
        await tab.peer.send({"domsync": True, "type": "ack", "a": 1})
        await asyncio.sleep(0.05)
        assert len(tab.peer.frames) == 3  # nothing new to confirm: no answer
    finally:
        await server.close()


async def test_a_session_that_expires_as_its_browser_returns_is_not_resumed():
    async with running(counter_app()) as (server, state):
        tab = Tab(server)
        await tab.start()
        client = tab.peer.client
        await tab.peer.drop()
        server._expire(client)  # the retention timer fires...
        welcome = await tab.connect()  # ...just before the hello arrives
        assert welcome["resumed"] is False and welcome["expired"] is True
        assert tab.peer.client is not client and server.is_online(tab.peer.client)
        await asyncio.sleep(0.05)
        assert state["events"] == ["connect", "offline", "disconnect", "connect"]


async def test_tokens_are_forgotten_and_the_document_freed_after_many_resumes():
    async with running(counter_app(session_retention=0.2)) as (server, state):
        tab = Tab(server)
        await tab.start()
        client = tab.peer.client
        document = weakref.ref(server.get_document(client))
        for _ in range(3):
            await tab.peer.drop()
            assert (await tab.connect())["resumed"] is True
            await tab.peer.send({"domsync": True, "type": "ack", "a": tab.applied})
        assert list(server._hub.tokens) == [tab.token]
        await tab.peer.drop()
        await eventually(lambda: not server.is_connected(client))
        assert server._hub.tokens == {}
        tab.peer = None
        state.pop("button")
        del client
        gc.collect()
        assert document() is None


async def test_the_token_the_browser_holds_survives_two_lost_welcomes():
    async with running(counter_app()) as (server, state):
        tab = Tab(server)
        await tab.start()
        held = tab.token
        for _ in range(2):
            await tab.peer.drop()
            assert (await tab.connect(token=held))["resumed"] is True  # its welcome is lost...
        await tab.peer.drop()
        assert (await tab.connect(token=held))["resumed"] is True  # ...and the browser still holds the first
