"""domsync.downloads: the one-time URLs of large downloads, over raw HTTP (the browser
side is in test_actions_browser.py)."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re

import pytest
from conftest import eventually
from websockets.asyncio.client import connect

from domsync import Document, PackedFile, pack_bytes, pack_file
from domsync import ws_transport
from domsync.downloads import DOWNLOAD_PATH, content_disposition
from domsync.domsync_server import DomsyncServer

BIG = Document.inline_download_limit + 1


@pytest.fixture
async def server():
    server = DomsyncServer(host="127.0.0.1", port=0, verbose=False)
    yield server
    await server.close()


async def open_client(server, *files):
    """Connect a websocket client that is sent ``files`` ((data, name) pairs) as
    downloads; return it and the tokens of their one-time URLs."""
    if not hasattr(server, "next_files"):
        @server.on("connect")
        def send_files(client):
            for data, name in server.next_files:
                server.get_document(client).file_download(data, name)

    server.next_files = files
    ws = await connect(f"ws://127.0.0.1:{server.port}/ws")
    tokens = []
    while len(tokens) < len(files):
        batch = await ws.recv()
        tokens += re.findall(r'downloadUrl\("([^"]+)"', batch)
    return ws, tokens


async def request(server, path, method="GET", read=True):
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
    await writer.drain()
    if not read:
        return reader, writer
    data = await reader.read()
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return head.decode(), body


async def test_a_token_is_answered_once_with_the_whole_file(server):
    data = os.urandom(BIG * 3)
    await server.serve()
    ws, (token,) = await open_client(server, (data, "Résumé \"2026\".pdf"))
    head, _ = await request(server, DOWNLOAD_PATH + token, "HEAD")
    assert head.startswith("HTTP/1.1 200") and f"Content-Length: {len(data)}" in head
    head, body = await request(server, DOWNLOAD_PATH + token)
    assert head.startswith("HTTP/1.1 200 OK") and body == data
    assert "Content-Type: application/pdf" in head
    assert "Content-Disposition: attachment; filename=\"R_sum_ _2026_.pdf\"; " \
           "filename*=UTF-8''R%C3%A9sum%C3%A9%20_2026_.pdf" in head
    assert "Cache-Control: no-store" in head and "X-Content-Type-Options: nosniff" in head
    again, _ = await request(server, DOWNLOAD_PATH + token)
    assert again.startswith("HTTP/1.1 404")
    await ws.close()


async def test_unknown_tokens_get_404_and_a_log_line(server, caplog):
    await server.serve()
    with caplog.at_level(logging.WARNING, "domsync.server"):
        head, body = await request(server, DOWNLOAD_PATH + "guess")
    assert head.startswith("HTTP/1.1 404") and b"expired" in body
    assert "unknown or expired token" in caplog.text
    head, _ = await request(server, DOWNLOAD_PATH + "x", "POST")
    assert head.startswith("HTTP/1.1 405")


async def test_tokens_expire_after_the_timeout_and_when_the_client_leaves():
    server = DomsyncServer(host="127.0.0.1", port=0, verbose=False, download_timeout=0.2)
    await server.serve()
    try:
        ws, (stale, kept) = await open_client(server, (b"a" * BIG, "a.bin"), (b"b" * BIG, "b.bin"))
        await eventually(lambda: len(server._downloads) == 0)  # the timeout
        assert (await request(server, DOWNLOAD_PATH + stale))[0].startswith("HTTP/1.1 404")
        server._downloads.timeout = 60
        ws2, (token,) = await open_client(server, (b"c" * BIG, "c.bin"))
        assert len(server._downloads) == 1
        await ws2.close()
        await eventually(lambda: len(server._downloads) == 0)  # the client left
        assert (await request(server, DOWNLOAD_PATH + token))[0].startswith("HTTP/1.1 404")
        await ws.close()
    finally:
        await server.close()


async def test_a_packed_path_is_streamed_from_disk_and_may_vanish(server, tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(b"x,y\n" * BIG)
    gone = tmp_path / "gone.bin"
    gone.write_bytes(b"z" * BIG)
    await server.serve()
    ws, (token, gone_token) = await open_client(server, (pack_file(path), "data.csv"),
                                                (pack_file(gone), "gone.bin"))
    head, body = await request(server, DOWNLOAD_PATH + token)
    assert "Content-Type: text/csv" in head and body == path.read_bytes()
    gone.unlink()
    head, _ = await request(server, DOWNLOAD_PATH + gone_token)
    assert head.startswith("HTTP/1.1 410")
    await ws.close()


async def test_a_download_is_not_cut_off_by_the_opening_deadline(server, monkeypatch):
    monkeypatch.setattr(ws_transport, "OPEN_TIMEOUT", 0.2)
    data = os.urandom(8 * 1024 * 1024)
    await server.serve()
    ws, (token,) = await open_client(server, (pack_bytes(data), "slow.bin"))
    reader, writer = await request(server, DOWNLOAD_PATH + token, read=False)
    received = await reader.read(1024)
    await asyncio.sleep(0.5)  # a slow reader, past the deadline
    received += await reader.read()
    writer.close()
    assert received.partition(b"\r\n\r\n")[2] == data
    # ... while a connection that never completes its handshake is cut off.
    idle_reader, idle_writer = await asyncio.open_connection("127.0.0.1", server.port)
    assert await asyncio.wait_for(idle_reader.read(), timeout=5) == b""
    idle_writer.close()
    await ws.close()


async def test_closing_the_server_cuts_off_a_download_nobody_reads(monkeypatch):
    server = DomsyncServer(host="127.0.0.1", port=0, verbose=False)
    await server.serve()
    ws, (token,) = await open_client(server, (pack_bytes(os.urandom(64 * 1024 * 1024)), "big.bin"))
    reader, writer = await request(server, DOWNLOAD_PATH + token, read=False)
    await reader.read(1024)
    await eventually(lambda: server._background)  # the download is being streamed
    await asyncio.wait_for(server.close(), timeout=10)
    writer.close()


async def test_the_browsers_route_reaches_the_connect_handler_and_route_handlers(server):
    seen = []

    @server.on("connect")
    def connected(client):
        document = server.get_document(client)
        seen.append(("connect", document.page, dict(document.route_vars)))

    @server.on("route")
    def routed(client, page, route_vars):
        seen.append(("route", page, route_vars))

    await server.serve()
    async with connect(f"ws://127.0.0.1:{server.port}/ws?route=shop%2Fitem%3D4%252F2") as ws:
        await eventually(lambda: seen)
        await ws.send(json.dumps({"domsync": True, "type": "route", "hash": "cart/n=1"}))
        await ws.send(json.dumps({"domsync": True, "type": "route", "hash": "cart/n=1"}))  # no change
        await ws.send(json.dumps({"domsync": True, "type": "route", "hash": 7}))  # ignored
        await ws.send(json.dumps({"domsync": True, "type": "route", "hash": ""}))
        await eventually(lambda: len(seen) == 3)
    assert seen == [("connect", "shop", {"item": "4/2"}), ("route", "cart", {"n": "1"}), ("route", None, {})]


def test_content_disposition_gives_an_ascii_name_and_the_full_one():
    assert content_disposition("plain.txt") == "attachment; filename=\"plain.txt\"; filename*=UTF-8''plain.txt"
    assert content_disposition("日本.txt").startswith("attachment; filename=\"__.txt\"; ")


class FailingFile(PackedFile):
    """A packed file whose disk fails after the first chunk."""

    __slots__ = ()

    def open(self):
        def chunks():
            yield b"x" * 1000
            raise OSError("disk on fire")
        return self.size, chunks()


@pytest.mark.parametrize("trouble", ["half-close", "junk after the request", "disk error"])
async def test_trouble_during_a_download_never_adds_a_second_response(server, caplog, trouble):
    data = os.urandom(BIG * 4)
    packed = FailingFile(data=data) if trouble == "disk error" else pack_bytes(data)
    await server.serve()
    ws, (token,) = await open_client(server, (packed, "f.bin"))
    reader, writer = await request(server, DOWNLOAD_PATH + token, read=False)
    if trouble == "half-close":
        writer.write_eof()
    elif trouble == "junk after the request":
        writer.write(b"\x81\x05hello" * 100)
    with caplog.at_level(logging.WARNING):
        received = await asyncio.wait_for(reader.read(), timeout=10)
    writer.close()
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK") and b"HTTP/1.1" not in body
    if trouble == "disk error":
        assert body == b"x" * 1000  # cut short, so the browser sees a broken download
        assert "disk on fire" in caplog.text
    else:
        assert body == data
    assert "Traceback" not in caplog.text and "process_request failed" not in caplog.text
    await ws.close()
