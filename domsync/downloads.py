"""One-time download URLs: how :class:`~domsync.DomsyncServer` serves the files of
:meth:`Document.file_download` that are too large for a websocket message.

When the server sends a batch, it takes the document's queued large downloads and
registers each under its token; the browser then fetches
``/_domsync/download/<token>``. A token is answered once (once per browser, for a
shared document), and expires when its clients disconnect or after the server's
``download_timeout``.

websockets answers plain HTTP requests with a :class:`~websockets.http11.Response`
that holds the whole body in memory, and more than once on the way out. A download is
streamed to the connection's transport instead, from inside ``process_request``, in
chunks read one at a time (from disk, for a packed path), with flow control: the memory
it takes is a few chunks, whatever the file's size. Then the connection is closed, and
websockets, seeing it closed, sends nothing more.
"""

from __future__ import annotations

import asyncio
import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from websockets.asyncio.server import ServerConnection
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Response

from .actions import Download

__all__ = ["DOWNLOAD_PATH", "Downloads"]

logger = logging.getLogger("domsync.server")

#: Where the browser fetches a large download: this, then its token.
DOWNLOAD_PATH = "/_domsync/download/"

#: A download whose reader takes nothing for this many seconds is cut off.
IDLE_TIMEOUT = 60


class Downloads:
    """The one-time download URLs of one server: token -> download, for its clients."""

    def __init__(self, timeout: float):
        self.timeout = timeout
        self._pending: dict[str, _Pending] = {}
        self._streaming: set[ServerConnection] = set()
        self._closed = False

    def __len__(self) -> int:
        return len(self._pending)

    def add(self, clients: list[Any], downloads: dict[str, Download]) -> None:
        """Register the downloads that are being sent to ``clients``: each may fetch
        each download once."""
        if self._closed:
            return
        loop = asyncio.get_running_loop()
        for token, download in downloads.items():
            expire = loop.call_later(self.timeout, self._pending.pop, token, None)
            self._pending[token] = _Pending(download, set(clients), expire)

    def drop_client(self, client: Any) -> None:
        """A client has gone: it will fetch nothing more."""
        for token, pending in list(self._pending.items()):
            if client in pending.clients:
                pending.clients.discard(client)
                if not pending.clients:
                    self._forget(token)

    def _forget(self, token: str) -> None:
        pending = self._pending.pop(token, None)
        if pending is not None:
            pending.expire.cancel()

    def close(self) -> None:
        """Expire every download and cut off those being sent (the server stops); from
        now on, take none."""
        self._closed = True
        for token in list(self._pending):
            self._forget(token)
        for connection in self._streaming:
            connection.transport.abort()

    async def respond(self, connection: ServerConnection, token: str, method: str) -> Response:
        """Answer a request for ``token``: 404 if it is unknown, expired or used; for
        HEAD, the headers (the token stays valid); for GET, the file, streamed."""
        if self._closed:
            return _status(HTTPStatus.SERVICE_UNAVAILABLE, b"the server is stopping\n")
        pending = self._pending.get(token)
        if pending is None:
            logger.warning("refused a download request with an unknown or expired token")
            return _status(HTTPStatus.NOT_FOUND, b"this download has expired or was already taken\n")
        download = pending.download
        if method == "HEAD":
            headers = _headers(download, download.file.size)
            return Response(HTTPStatus.OK.value, HTTPStatus.OK.phrase, headers, b"")
        pending.uses -= 1
        if pending.uses <= 0:
            self._forget(token)
        try:
            size, chunks = download.file.open()
        except OSError as exc:
            logger.error("could not read the download %r: %s", download.file_name, exc)
            return _status(HTTPStatus.GONE, b"the file of this download cannot be read any more\n")
        head = _head_bytes(_headers(download, size))
        sent = await self._stream(connection, head, chunks, size)
        if sent == size:
            logger.info("sent the download %r (%d bytes)", download.file_name, size)
        else:
            logger.warning("the download %r stopped after %d of %d bytes", download.file_name, sent, size)
        return _status(HTTPStatus.OK, b"")  # never sent: the connection is closed

    async def _stream(self, connection: ServerConnection, head: bytes, chunks: Any, size: int) -> int:
        """Write the response to the transport with flow control, then close the
        connection. Returns how many body bytes were handed to the transport."""
        transport = connection.transport
        self._streaming.add(connection)
        sent = 0
        try:
            transport.write(head)
            while not transport.is_closing():
                # Reading may touch the disk: off the event loop.
                chunk = await asyncio.to_thread(next, chunks, None)
                if chunk is None:
                    break
                transport.write(chunk)
                sent += len(chunk)
                await asyncio.wait_for(connection.drain(), timeout=IDLE_TIMEOUT)
        except (ConnectionError, ConnectionClosed):
            pass  # the browser went away (cancelled the download)
        except asyncio.TimeoutError:
            logger.warning("cut off a download: its reader took nothing for %d s", IDLE_TIMEOUT)
        except Exception as exc:  # a disk error, say: the browser gets a broken download
            logger.error("a download failed after %d of %d bytes: %s", sent, size, exc)
        finally:
            self._streaming.discard(connection)
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
            if sent < size:
                transport.abort()  # the browser must see an incomplete file, never a short one
            else:
                transport.close()  # after the buffered rest has gone out
        try:
            await asyncio.wait_for(connection.wait_closed(), timeout=10)
        except asyncio.TimeoutError:
            transport.abort()
            await connection.wait_closed()
        return sent


class _Pending:
    """A registered download: who may fetch it, how many fetches are left, and the
    timer that expires it."""

    __slots__ = ("download", "clients", "uses", "expire")

    def __init__(self, download: Download, clients: set, expire: asyncio.TimerHandle):
        self.download = download
        self.clients = clients
        self.uses = len(clients)
        self.expire = expire


def _headers(download: Download, size: int) -> Headers:
    headers = Headers()
    headers["Content-Type"] = download.mime_type
    headers["Content-Length"] = str(size)
    headers["Content-Disposition"] = content_disposition(download.file_name)
    headers["Cache-Control"] = "no-store"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Connection"] = "close"
    return headers


def content_disposition(file_name: str) -> str:
    """``attachment`` with the name twice (RFC 6266): as plain ASCII for old clients,
    and in full as UTF-8. The name is already safe (no quotes, no backslashes, no
    control characters), so the ASCII form needs no escaping."""
    ascii_name = file_name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def _head_bytes(headers: Headers) -> bytes:
    return b"HTTP/1.1 200 OK\r\n" + headers.serialize()


def _status(status: HTTPStatus, body: bytes) -> Response:
    headers = Headers()
    headers["Content-Type"] = "text/plain; charset=utf-8"
    headers["Content-Length"] = str(len(body))
    headers["Cache-Control"] = "no-store"
    return Response(status.value, status.phrase, headers, body)
