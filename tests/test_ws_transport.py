"""domsync.ws_transport: the websocket and HTTP connection of DomsyncServer, on raw
sockets and websockets' own client: fragments, bad bytes, keepalive, closing."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest
from conftest import eventually
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from domsync import ws_transport
from domsync.domsync_server import DomsyncServer


@pytest.fixture
async def server():
    clicks = []

    def build(client):
        doc = server.get_document(client)
        button = doc.createElement("button", id="b", innerText="0")
        button.addEventListener("click", lambda event: clicks.append(event["value"]))
        doc.getRootElement().appendChild(button)

    server = DomsyncServer(host="127.0.0.1", port=0, verbose=False)
    server.on("connect")(build)
    server.clicks = clicks
    await server.serve()
    yield server
    await server.close()


def ws_url(server) -> str:
    return f"ws://127.0.0.1:{server.port}/ws"


def click(value) -> str:
    return json.dumps({"domsync": True, "event": "click", "id": "b", "value": value})


async def test_a_fragmented_message_is_put_back_together(server):
    async with connect(ws_url(server)) as ws:
        await ws.recv()
        message = click("in three parts")
        await ws.send(iter([message[:10], message[10:20], message[20:]]))  # three frames
        await eventually(lambda: server.clicks == ["in three parts"])


async def test_invalid_utf8_closes_that_connection_only(server, caplog):
    async with connect(ws_url(server)) as good:
        await good.recv()
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 101")
        mask = b"\x01\x02\x03\x04"
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(b"\xff\xfe not utf-8"))
        writer.write(bytes([0x81, 0x80 | len(payload)]) + mask + payload)  # a masked text frame
        rest = await asyncio.wait_for(reader.read(), 5)  # its page, then a close: 1007, invalid data
        assert rest.endswith(b"\x88\x0f" + (1007).to_bytes(2, "big") + b"invalid UTF-8")
        writer.close()
        await good.send(click("still here"))
        await eventually(lambda: server.clicks == ["still here"])


async def test_a_message_sixteen_times_the_limit_closes_the_connection(server):
    async with connect(ws_url(server), max_size=None) as ws:
        await ws.recv()
        await ws.send("x" * (16 * server.max_message_size + 1))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd.code == 1009  # message too big
    await eventually(lambda: server.get_clients() == [])


async def test_a_browser_that_stops_answering_pings_is_cut_off(server, monkeypatch):
    monkeypatch.setattr(ws_transport, "PING_INTERVAL", 0.1)
    monkeypatch.setattr(ws_transport, "PING_TIMEOUT", 0.1)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    await reader.readuntil(b"\r\n\r\n")
    await eventually(lambda: len(server.get_clients()) == 1)
    # It reads but never answers: a dead peer, as a sleeping laptop looks.
    await eventually(lambda: server.get_clients() == [], timeout=5)
    writer.close()


async def test_a_browser_that_answers_pings_stays(server, monkeypatch):
    monkeypatch.setattr(ws_transport, "PING_INTERVAL", 0.05)
    monkeypatch.setattr(ws_transport, "PING_TIMEOUT", 0.2)
    async with connect(ws_url(server)) as ws:  # websockets' client answers pings itself
        await ws.recv()
        await asyncio.sleep(0.6)
        assert len(server.get_clients()) == 1
        await ws.send(click("alive"))
        await eventually(lambda: server.clicks == ["alive"])


async def test_closing_the_server_says_going_away(server):
    async with connect(ws_url(server)) as ws:
        await ws.recv()
        await server.close()
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(ws.recv(), 5)
        assert closed.value.rcvd.code == 1001


async def test_a_malformed_request_gets_no_answer_and_hurts_nothing(server, caplog):
    with caplog.at_level(logging.ERROR):
        for junk in (b"\x16\x03\x01 a TLS hello\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"POST / HTTP/1.1\r\n"
                     b"Host: 127.0.0.1\r\nContent-Length: 5\r\n\r\nhello"):
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(junk)
            assert not (await asyncio.wait_for(reader.read(), 5)).startswith(b"HTTP/1.1 200")
            writer.close()
    assert "Traceback" not in caplog.text
    async with connect(ws_url(server)) as ws:
        assert 'R("domsync_root_id")' in await ws.recv()


async def test_compression_is_negotiated_without_context_takeover(server):
    async with connect(ws_url(server)) as ws:
        await ws.recv()
        header = ws.response.headers["Sec-WebSocket-Extensions"]
        assert "permessage-deflate" in header
        assert "server_no_context_takeover" in header and "client_no_context_takeover" in header
        [extension] = ws.protocol.extensions
        assert extension.local_no_context_takeover and extension.remote_no_context_takeover


async def test_small_messages_go_uncompressed_and_large_ones_compressed(server, monkeypatch):
    from websockets.extensions.permessage_deflate import PerMessageDeflate

    received = []
    original = PerMessageDeflate.decode

    def recording(self, frame, *, max_size=None):
        if not isinstance(self, ws_transport._Deflate):  # the client's side: what the server sent
            received.append((frame.opcode, frame.rsv1, len(frame.data)))
        return original(self, frame, max_size=max_size)
    monkeypatch.setattr(PerMessageDeflate, "decode", recording)

    def build(client):
        doc = server.get_document(client)
        big = doc.createElement("p", innerText="a long text " * 500)
        doc.getRootElement().appendChild(big)

    server.on("connect")(build)
    async with connect(ws_url(server)) as ws:
        page = await ws.recv()  # the button and the long text: compressed
        assert "a long text" in page
        await ws.send(click("x"))
        await eventually(lambda: server.clicks == ["x"])
        button = server.get_document(server.get_clients()[0]).getElementById("b")
        button.innerText = "1"
        await server.flush()
        assert "1" in await ws.recv()  # a small batch: as it is
    texts = [(rsv1, size) for opcode, rsv1, size in received if opcode.name == "TEXT"]
    assert len(texts) == 2
    assert texts[0][0] and texts[0][1] < len(page.encode()) // 10
    assert not texts[1][0] and texts[1][1] < ws_transport.COMPRESS_MIN


def test_the_deflate_extension_keeps_no_zlib_state_between_messages():
    from websockets.extensions.permessage_deflate import PerMessageDeflate
    from websockets.frames import Frame, Opcode

    server_side = ws_transport._Deflate(True, True, 12, 12, {"memLevel": 5})
    browser_side = PerMessageDeflate(True, True, 12, 12)
    small = Frame(Opcode.TEXT, b'1 0\n[[5,3,"tick"]]')
    assert server_side.encode(small) is small  # as it is: RSV1 unset
    large = Frame(Opcode.TEXT, b"<row>cell</row>" * 200)
    encoded = server_side.encode(large)
    assert encoded.rsv1 and len(encoded.data) < len(large.data) // 10
    assert browser_side.decode(encoded).data == large.data
    assert not hasattr(server_side, "encoder") and not hasattr(server_side, "decoder")
    assert len(large.data) >= ws_transport.COMPRESS_MIN > len(small.data)


class _Socket:
    """A connection that says whether drain has anything to do, and counts drains."""

    def __init__(self, must_drain: bool, gone: bool = False):
        self.must_drain = must_drain
        self.gone = gone
        self.drains = 0

    async def drain(self) -> None:
        from domsync.exceptions import ClientGoneError

        self.drains += 1
        if self.gone:
            raise ClientGoneError("closed")


async def test_a_flush_waits_on_the_socket_only_when_drain_has_something_to_do():
    from domsync.client import Client, Request
    from domsync.server_core import ServerCore

    core, client = ServerCore(), Client(Request("/ws"))
    idle, full, closed = _Socket(False), _Socket(True), _Socket(True, gone=True)
    assert await core._drain(client, idle) is True and idle.drains == 0
    assert await core._drain(client, full) is True and full.drains == 1
    assert await core._drain(client, closed) is False and closed.drains == 1


async def test_a_connection_must_drain_while_paused_or_closed(server):
    async with connect(ws_url(server)) as ws:
        await ws.recv()
        [connection] = [c for c in server._connections if c.client is not None]
        assert connection.must_drain is False
        connection.pause_writing()
        assert connection.must_drain is True
        connection.resume_writing()
        assert connection.must_drain is False
    await eventually(lambda: connection.mode == "closed")
    assert connection.must_drain is True
