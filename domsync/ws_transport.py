"""One TCP connection to a :class:`~domsync.DomsyncServer`, over asyncio: a plain HTTP
request (the page, the client script, a download) or a websocket (a browser's session).

The websocket protocol itself (the opening handshake, framing, permessage-deflate, ping
and pong, the closing handshake) is the websockets library's sans-I/O
:class:`websockets.server.ServerProtocol`. This module only moves bytes between it and
the socket, in the manner its documentation describes ("Integrate the Sans-I/O layer"):
data in, events out, data to send written out. Owning that thin layer is what lets one
port stream a large download as a plain HTTP response, with flow control, next to the
websockets, without reaching into websockets' asyncio server.
"""

from __future__ import annotations

import asyncio
import logging
import os
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from wsgiref.headers import Headers

from websockets.extensions.permessage_deflate import PerMessageDeflate, ServerPerMessageDeflateFactory
from websockets.frames import CloseCode, Frame, Opcode
from websockets.http11 import Request as HttpRequest
from websockets.protocol import State
from websockets.server import ServerProtocol

from .client import Client, Request
from .exceptions import ClientGoneError
from .protocol import DOWNLOAD_PATH, WEBSOCKET_PATH
from .downloads import answer_download, log_download
from .web import HttpResponse

if TYPE_CHECKING:  # pragma: no cover
    from .domsync_server import DomsyncServer

__all__ = ["Connection", "OPEN_TIMEOUT", "CLOSE_TIMEOUT", "PING_INTERVAL", "PING_TIMEOUT", "IDLE_TIMEOUT",
           "COMPRESS_MIN"]

logger = logging.getLogger("domsync.server")

#: Seconds a connection has to send its request (a websocket, its opening handshake).
OPEN_TIMEOUT = 10
#: Seconds a browser has to answer the closing handshake before it is cut off.
CLOSE_TIMEOUT = 2
#: Seconds between keepalive pings, and to wait for each one's pong.
PING_INTERVAL = 20
PING_TIMEOUT = 20
#: A download whose reader takes nothing for this many seconds is cut off.
IDLE_TIMEOUT = 60
# Outgoing bytes buffered before writers wait (as the websockets library's default).
_WRITE_HIGH, _WRITE_LOW = 32 * 1024, 8 * 1024
#: Messages shorter than this many bytes are sent uncompressed: a tick's few dozen bytes
#: gain nothing from deflate, and cost its CPU.
COMPRESS_MIN = 1024


class _Deflate(PerMessageDeflate):
    """permessage-deflate for the messages worth it: those of COMPRESS_MIN bytes or
    more (a first page, a snapshot, a large batch). RFC 7692 lets each message say
    whether it is compressed (its RSV1 bit); the smaller ones go as they are."""

    def encode(self, frame: Frame) -> Frame:
        """Compress ``frame`` if it is a whole data message of COMPRESS_MIN bytes or more."""
        if frame.fin and frame.opcode is not Opcode.CONT and len(frame.data) < COMPRESS_MIN:
            return frame
        return super().encode(frame)


class _DeflateFactory(ServerPerMessageDeflateFactory):
    """The websockets library's defaults (12-bit windows, memLevel 5), without context
    takeover either way: no compressor or decompressor is kept between messages. With
    takeover, each idle connection holds about 48 KiB of zlib state (measured with
    tracemalloc over 1,000 connections); without it, a large message compresses a
    little less well, and small messages (most of them) skip deflate altogether."""

    def __init__(self) -> None:
        super().__init__(server_no_context_takeover=True, client_no_context_takeover=True,
                         server_max_window_bits=12, client_max_window_bits=12, compress_settings={"memLevel": 5})

    def process_request_params(self, params: Any, accepted_extensions: Any) -> tuple[list, PerMessageDeflate]:
        """Negotiate as the library does, then compress large messages only."""
        response, negotiated = super().process_request_params(params, accepted_extensions)
        return response, _Deflate(negotiated.remote_no_context_takeover, negotiated.local_no_context_takeover,
                                  negotiated.remote_max_window_bits, negotiated.local_max_window_bits,
                                  negotiated.compress_settings)


class Connection(asyncio.Protocol):
    """One TCP connection: first an HTTP request; then, for ``/ws``, a websocket whose
    :class:`~domsync.client.Client` this is the ``_connection`` of."""

    def __init__(self, server: "DomsyncServer"):
        self.server = server
        self.loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.protocol = ServerProtocol(
            extensions=[_DeflateFactory()],
            max_size=16 * server.max_message_size,  # above that the connection closes
        )
        self.mode = "request"  # then "websocket", "http" (answering) or "closed"
        self.client: Client | None = None
        self._paused = False
        self._drain_waiters: list[asyncio.Future] = []
        self._timer: asyncio.TimerHandle | None = None  # opening, closing or keepalive
        self._ping: bytes | None = None  # the keepalive ping waiting for its pong
        self._fragments: list[bytes] | None = None
        self._fragments_text = False

    # ------------------------------------------------------------------ asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """A TCP connection: wait for its request, for OPEN_TIMEOUT at most."""
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.set_write_buffer_limits(_WRITE_HIGH, _WRITE_LOW)
        self.server._connections.add(self)  # until connection_lost: close() waits for that
        if not self.server._running():
            # Accepted just before the server closed (asyncio makes the connection a
            # moment after accepting it): close it like the others.
            transport.close()
            return
        self._timer = self.loop.call_later(OPEN_TIMEOUT, self._opening_deadline)

    def data_received(self, data: bytes) -> None:
        """Feed the protocol; answer the request, or hand messages to the session."""
        if self.mode != "request" and self.mode != "websocket":
            return  # after a plain request, whatever the browser sends is ignored
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, HttpRequest):
                self._request(event)
            elif isinstance(event, Frame) and self.mode == "websocket":
                self._frame(event)
        if self.mode == "request" or self.mode == "websocket":
            # What the protocol has to say (a pong, a close, a refusal of a bad
            # request); after a plain request, it has nothing more to say.
            self._send_data()
            if self.protocol.close_expected():
                self._close_soon()

    def eof_received(self) -> bool | None:
        """The browser closed its side: finish a plain answer, else close too."""
        if self.mode == "http":
            return True  # a half-close does not end an answer being written: keep writing
        self.protocol.receive_eof()
        self._send_data()
        return None

    def pause_writing(self) -> None:
        """The socket's buffer is full: writers wait in :meth:`drain`."""
        self._paused = True

    def resume_writing(self) -> None:
        """The socket's buffer has room again."""
        self._paused = False
        for waiter in self._drain_waiters:
            if not waiter.done():
                waiter.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        """The TCP connection is gone: end its session, if it had one."""
        self.protocol.receive_eof()  # idempotent: the protocol's state becomes CLOSED
        self.mode = "closed"
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for waiter in self._drain_waiters:
            if not waiter.done():
                waiter.set_exception(ClientGoneError("the browser's connection closed"))
        connections = self.server._connections
        connections.discard(self)
        if not connections:
            self.server._connections = set()  # a set keeps its table at its largest
        if self.client is not None:
            self.server._lost(self.client, self)

    # ------------------------------------------------------------------ what a Client's connection does

    def write(self, frame: str) -> None:
        """Queue a text frame on the socket, at once.

        Raises:
            ClientGoneError: if the websocket is not open.
        """
        transport = self.transport
        if self.mode != "websocket" or self.protocol.state is not State.OPEN \
                or transport is None or transport.is_closing():
            raise ClientGoneError("the browser's connection is closed")
        self.protocol.send_text(frame.encode("utf-8", "surrogatepass"))
        self._send_data()

    @property
    def must_drain(self) -> bool:
        """Whether :meth:`drain` has anything to do: the socket's buffer is over its
        high mark (it waits), or the connection has closed (it raises)."""
        return self._paused or self.mode == "closed"

    async def drain(self) -> None:
        """Wait until the socket has taken what was written (down to its low mark).

        Raises:
            ClientGoneError: if the connection closes meanwhile.
        """
        if self.mode == "closed":
            raise ClientGoneError("the browser's connection is closed")
        if self._paused:
            waiter = self.loop.create_future()
            self._drain_waiters.append(waiter)
            try:
                await waiter
            finally:
                self._drain_waiters.remove(waiter)

    def abort(self) -> None:
        """Cut the connection off at once."""
        if self.transport is not None:
            self.transport.abort()

    def close(self) -> None:
        """Close the connection: the closing handshake for a websocket (1001, going
        away), at once for anything else."""
        if self.mode == "websocket" and self.protocol.state is State.OPEN:
            self.protocol.send_close(CloseCode.GOING_AWAY)
            self._send_data()
            self._close_soon()
        elif self.mode == "http":
            self.abort()  # a download being streamed: the browser sees it incomplete
        elif self.transport is not None:
            self.transport.close()

    # ------------------------------------------------------------------ internals

    def _send_data(self) -> None:
        transport = self.transport
        assert transport is not None
        for data in self.protocol.data_to_send():
            if data:
                transport.write(data)
            elif transport.can_write_eof():
                try:
                    transport.write_eof()
                except Exception:  # pragma: no cover - a transport already torn down
                    pass
            else:  # pragma: no cover - TLS
                transport.close()

    def _close_soon(self) -> None:
        """The peer should close the TCP connection now; cut it off if it does not."""
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self.loop.call_later(CLOSE_TIMEOUT, self.abort)

    def _opening_deadline(self) -> None:
        self._timer = None
        if self.mode == "request":
            self.abort()

    def _request(self, request: HttpRequest) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        server = self.server
        headers = request.headers
        path = request.path.split("?", 1)[0]
        origin = headers.get_all("Origin") if "Origin" in headers else None
        refusal = server._site.check(path, headers.get_all("Host"), origin, sessions=server._online_count(),
                                     max_connections=server.max_connections)
        if refusal is not None:
            self._respond(refusal)
        elif path == "/" + WEBSOCKET_PATH:
            self._accept(request)
        elif path.startswith("/" + DOWNLOAD_PATH):
            self.mode = "http"
            server._track(self.loop.create_task(self._download(request.method, path[len(DOWNLOAD_PATH) + 1:])))
        elif server.prerender and request.method == "GET" and server._site.is_page(path) \
                and server._site.navigates(headers):
            self.mode = "http"
            server._track(self.loop.create_task(self._prerendered(request)))
        else:
            self._respond(server._site.respond(request.method, path, headers.get("Accept-Encoding", ""),
                                               headers.get("If-None-Match"), headers.get("Host")))

    async def _prerendered(self, request: HttpRequest) -> None:
        """The page with its session's first render (``prerender=True``): its head at
        once, the rest once the handlers' first flush is rendered (chunked)."""
        headers = request.headers
        server = self.server
        transport = self.transport
        assert transport is not None
        stream = server._site.page_stream(headers.get("Host"), headers.get("Accept-Encoding", ""))
        transport.write(_head(stream.response, (("Transfer-Encoding", "chunked"),)) + _chunk(stream.start()))
        page = None
        try:
            page = await server._prerender(Request(request.path, Headers(list(headers.raw_items()))),
                                           transport.get_extra_info("peername"))
        except Exception:  # a bug of ours: the page still goes out
            logger.exception("could not serve the page with its first render: served without")
        if not transport.is_closing():  # else the browser left: its session ends when nobody comes for it
            transport.write(_chunk(stream.finish(page)) + b"0\r\n\r\n")
            transport.close()

    def _accept(self, request: HttpRequest) -> None:
        response = self.protocol.accept(request)
        self.protocol.send_response(response)
        self._send_data()
        if response.status_code != HTTPStatus.SWITCHING_PROTOCOLS:
            self.mode = "http"
            return
        self.mode = "websocket"
        transport = self.transport
        assert transport is not None
        client = Client(Request(request.path, Headers(list(request.headers.raw_items()))),
                        transport.get_extra_info("peername"))
        client._connection = self
        self.client = client
        self._timer = self.loop.call_later(PING_INTERVAL, self._keepalive)
        self.server._open(client)

    def _respond(self, response: HttpResponse, close: bool = True) -> None:
        """Write a plain HTTP response, then close (after the buffered rest has gone)."""
        self.mode = "http"
        transport = self.transport
        assert transport is not None
        transport.write(_head(response) + response.body)
        if close:
            transport.close()

    def _frame(self, frame: Frame) -> None:
        opcode = frame.opcode
        if opcode is Opcode.TEXT or opcode is Opcode.BINARY:
            if frame.fin:
                self._message(bytes(frame.data), opcode is Opcode.TEXT)
            else:
                self._fragments, self._fragments_text = [bytes(frame.data)], opcode is Opcode.TEXT
        elif opcode is Opcode.CONT and self._fragments is not None:
            self._fragments.append(bytes(frame.data))
            if frame.fin:
                data, self._fragments = b"".join(self._fragments), None
                self._message(data, self._fragments_text)
        elif opcode is Opcode.PONG and self._ping is not None and bytes(frame.data) == self._ping:
            self._ping = None
            if self._timer is not None:
                self._timer.cancel()
            self._timer = self.loop.call_later(PING_INTERVAL, self._keepalive)

    def _message(self, data: bytes, text: bool) -> None:
        if self.client is None or self.client._connection is not self:
            return  # not a session's socket (any more: the browser resumed on another)
        if not text:
            self.server._receive(self.client, data)
            return
        try:
            message = data.decode()
        except UnicodeDecodeError:
            self.protocol.fail(CloseCode.INVALID_DATA, "invalid UTF-8")
            return
        self.server._receive(self.client, message)

    def _keepalive(self) -> None:
        """Ping; a browser that does not answer within PING_TIMEOUT is gone."""
        if self.mode != "websocket" or self.protocol.state is not State.OPEN:
            return
        if self._ping is not None:  # the last ping went unanswered
            self.protocol.fail(CloseCode.INTERNAL_ERROR, "keepalive ping timeout")
            self._send_data()
            self._close_soon()
            return
        self._ping = os.urandom(4)
        self.protocol.send_ping(self._ping)
        self._send_data()
        self._timer = self.loop.call_later(PING_TIMEOUT, self._keepalive)

    async def _download(self, method: str, token: str) -> None:
        """Answer a request for a large download: 404 if the token is unknown, expired
        or used; for HEAD, the headers (the token stays valid); for GET, the file,
        streamed in chunks with flow control, then the connection closes."""
        head, chunks, download = answer_download(self.server._downloads, method, token)
        if chunks is None or download is None:
            self._respond(head)
            return
        self._respond(head, close=False)
        size = int(head.header("Content-Length") or 0)
        sent = await self._stream(chunks, size)
        log_download(download, sent, size)

    async def _stream(self, chunks: Any, size: int) -> int:
        """Write a download's body with flow control, then close the connection.
        Returns how many body bytes were handed to the socket."""
        transport = self.transport
        assert transport is not None
        sent = 0
        try:
            while not transport.is_closing():
                # Reading may touch the disk: off the event loop.
                chunk = await asyncio.to_thread(next, chunks, None)
                if chunk is None:
                    break
                transport.write(chunk)
                sent += len(chunk)
                await asyncio.wait_for(self.drain(), timeout=IDLE_TIMEOUT)
        except (ConnectionError, ClientGoneError):
            pass  # the browser went away (cancelled the download)
        except asyncio.TimeoutError:
            logger.warning("cut off a download: its reader took nothing for %d s", IDLE_TIMEOUT)
        except Exception as exc:  # a disk error, say: the browser gets a broken download
            logger.error("a download failed after %d of %d bytes: %s", sent, size, exc)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
            if sent < size:
                transport.abort()  # the browser must see an incomplete file, never a short one
            else:
                transport.close()  # after the buffered rest has gone out
        return sent


def _head(response: HttpResponse, more: tuple[tuple[str, str], ...] = ()) -> bytes:
    """A response's status line and headers (and ``more``), up to its body."""
    return (f"HTTP/1.1 {response.status.value} {response.status.phrase}\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in [*response.headers, *more]) + "\r\n").encode("latin-1")


def _chunk(data: bytes) -> bytes:
    """``data`` as one chunk of a chunked HTTP/1.1 body."""
    return b"%x\r\n%s\r\n" % (len(data), data) if data else b""
