"""One-time download URLs: how a server serves the files of
:meth:`Document.file_download` that are too large for a websocket message.

When a server sends a batch, it takes the document's queued large downloads and
registers each here under its token; the browser then fetches
``_domsync/download/<token>`` from the server it connected to. A token is answered once
(once per browser, for a shared document), and expires when its clients disconnect or
after the server's ``download_timeout``.

This registry is plain data with a clock; the transports stream the file
(:func:`download_head` gives the response's head).
"""

from __future__ import annotations

import logging
import time
from http import HTTPStatus
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import quote

from .actions import Download
from .protocol import DOWNLOAD_PATH as _RELATIVE_PATH
from .web import HttpResponse, status_response

__all__ = ["Downloads", "Pending", "DOWNLOAD_PATH", "download_head", "content_disposition", "answer_download",
           "log_download"]

#: Where the browser fetches a large download, from the server's root: this, then its token.
DOWNLOAD_PATH = "/" + _RELATIVE_PATH

logger = logging.getLogger("domsync.server")


class Pending:
    """A registered download: who may fetch it, how many fetches are left, and when it
    expires (on the registry's clock)."""

    __slots__ = ("download", "clients", "uses", "expires")

    def __init__(self, download: Download, clients: set, expires: float):
        self.download = download
        self.clients = clients
        self.uses = len(clients)
        self.expires = expires


class Downloads:
    """The one-time download URLs of one server: token -> download, for its clients.

    Args:
        timeout: seconds a token stays valid after it was registered.
        clock: seconds, monotonic (injected by tests).
    """

    def __init__(self, timeout: float, clock: Callable[[], float] = time.monotonic):
        self.timeout = timeout
        self.clock = clock
        self._pending: dict[str, Pending] = {}
        self.closed = False

    def __len__(self) -> int:
        self._expire()
        return len(self._pending)

    def add(self, clients: Iterable[Any], downloads: dict[str, Download]) -> None:
        """Register the downloads that are being sent to ``clients``: each may fetch
        each download once."""
        if self.closed or not downloads:
            return
        self._expire()
        expires = self.clock() + self.timeout
        for token, download in downloads.items():
            self._pending[token] = Pending(download, set(clients), expires)

    def peek(self, token: str) -> Download | None:
        """The download of a valid token, which stays valid (a HEAD request)."""
        self._expire()
        pending = self._pending.get(token)
        return None if pending is None else pending.download

    def take(self, token: str) -> Download | None:
        """The download of a valid token, using up one of its fetches; None for an
        unknown, used or expired token (logged)."""
        self._expire()
        pending = self._pending.get(token)
        if pending is None:
            logger.warning("refused a download request with an unknown or expired token")
            return None
        pending.uses -= 1
        if pending.uses <= 0:
            del self._pending[token]
        return pending.download

    def drop_client(self, client: Any) -> None:
        """A client has gone: it will fetch nothing more."""
        for token, pending in list(self._pending.items()):
            if client in pending.clients:
                pending.clients.discard(client)
                if not pending.clients:
                    del self._pending[token]

    def close(self) -> None:
        """Expire every download (the server stops); from now on, take none."""
        self.closed = True
        self._pending.clear()

    def _expire(self) -> None:
        now = self.clock()
        for token in [token for token, pending in self._pending.items() if pending.expires <= now]:
            del self._pending[token]


def answer_download(downloads: "Downloads", method: str, token: str
                    ) -> tuple[HttpResponse, Iterator[bytes | memoryview] | None, Download | None]:
    """The answer to a request for a large download, for every transport: a response
    to send as it is (with ``None, None``), or, for a GET of a valid token, the
    response's head, the file's chunks to stream after it, and the download (its token
    is used up: it answers once). 404 for an unknown, expired or used token (HEAD keeps
    it valid), 410 if the file can no longer be read, 405 for other methods, 503 while
    the server stops."""
    if method not in ("GET", "HEAD"):
        response = status_response(HTTPStatus.METHOD_NOT_ALLOWED, "")
        response.headers.append(("Allow", "GET, HEAD"))
        return response, None, None
    if downloads.closed:
        return status_response(HTTPStatus.SERVICE_UNAVAILABLE, "the server is stopping\n"), None, None
    download = downloads.peek(token) if method == "HEAD" else downloads.take(token)
    if download is None:
        return status_response(HTTPStatus.NOT_FOUND, "this download has expired or was already taken\n"), None, None
    if method == "HEAD":
        return download_head(download, download.file.size), None, None
    try:
        size, chunks = download.file.open()
    except OSError as exc:
        logger.error("could not read the download %r: %s", download.file_name, exc)
        return status_response(HTTPStatus.GONE, "the file of this download cannot be read any more\n"), None, None
    return download_head(download, size), chunks, download


def log_download(download: Download, sent: int, size: int) -> None:
    """Log how a streamed download ended: whole, or cut short after ``sent`` bytes."""
    if sent == size:
        logger.info("sent the download %r (%d bytes)", download.file_name, size)
    else:
        logger.warning("the download %r stopped after %d of %d bytes", download.file_name, sent, size)


def download_head(download: Download, size: int) -> HttpResponse:
    """The status and headers of a download's response (its body is streamed)."""
    return HttpResponse(HTTPStatus.OK, [
        ("Content-Type", download.mime_type),
        ("Content-Length", str(size)),
        ("Content-Disposition", content_disposition(download.file_name)),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
        ("Connection", "close"),
    ])


def content_disposition(file_name: str) -> str:
    """``attachment`` with the name twice (RFC 6266): as plain ASCII for old clients,
    and in full as UTF-8. The name is already safe (no quotes, no backslashes, no
    control characters), so the ASCII form needs no escaping."""
    ascii_name = file_name.encode("ascii", "replace").decode("ascii").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name, safe='')}"
