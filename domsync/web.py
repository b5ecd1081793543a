"""What a domsync server answers over plain HTTP, as functions of the request: the
page, the client script, the head of a download, and the Host and Origin checks.

Every transport asks the same :class:`Site` and writes the :class:`HttpResponse` it
gets back in its own way, so the checks and headers are the same on all of them.
Paths here are relative to where the site is served (``/`` for the websockets server).
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Iterable, Mapping

from .csp import SOURCE_ARGUMENTS, inline_hashes, strict_policy
from .assets import client_js_gzip, client_js_name, client_js_source
from .exceptions import WrongTypeError
from .page import render_page
from .prerender import PrerenderedPage
from .protocol import WEBSOCKET_PATH

__all__ = ["Site", "PageStream", "HttpResponse", "status_response", "normalize_origin"]

logger = logging.getLogger("domsync.server")

_LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
_DEFAULT_PORTS = {"http": "80", "https": "443"}
_TEXT = "text/plain; charset=utf-8"
#: How long a browser may keep the versioned client script without asking: a year.
_IMMUTABLE = "public, max-age=31536000, immutable"
#: A prerendered page is gzipped at this level (level 1: most of the gain, for a
#: fraction of level 6's time, on a page made per request).
_GZIP_LEVEL = 1
#: The request headers that choose between the page and the page with a first render.
PRERENDER_VARY = "Sec-Fetch-Dest, Sec-Fetch-Site, Sec-Purpose"


@dataclass(frozen=True)
class HttpResponse:
    """A plain HTTP response: status, headers (in order) and body."""

    status: HTTPStatus
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first value of a header, or None."""
        name = name.lower()
        return next((value for key, value in self.headers if key.lower() == name), None)


def _response(status: HTTPStatus, body: bytes, content_type: str, cache: str = "no-cache") -> HttpResponse:
    return HttpResponse(status, [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
        ("Cache-Control", cache),
        ("X-Content-Type-Options", "nosniff"),
    ], body)


def status_response(status: HTTPStatus, text: str) -> HttpResponse:
    """A short plain-text answer (errors, refusals)."""
    return _response(status, text.encode(), _TEXT, "no-store")


def normalize_origin(origin: str) -> str:
    """``HTTPS://Example.com:443/`` -> ``https://example.com``, as browsers send it."""
    origin = origin.strip().rstrip("/").lower()
    scheme, sep, rest = origin.partition("://")
    if sep and rest.endswith(":" + _DEFAULT_PORTS.get(scheme, "-")):
        rest = rest[: rest.rfind(":")]
    return f"{scheme}{sep}{rest}"


def strings(values: Iterable[str] | None, what: str) -> list[str]:
    """``values`` as a list of strings, or WrongTypeError (a lone str is a mistake)."""
    if values is None:
        return []
    if isinstance(values, str):
        raise WrongTypeError(f"{what} must be a list of strings, e.g. [{values!r}], not a string")
    values = list(values)
    for value in values:
        if not isinstance(value, str):
            raise WrongTypeError(f"{what} must hold strings, not {type(value).__name__}")
    return values


class Site:
    """What one server answers over HTTP, and whom it lets in.

    Args:
        root_id, title, head: the page's root element id, title and extra head markup.
        origins: more ``Origin`` values allowed to open a websocket.
        allowed_hosts: host names the server answers to; None for the default (see
            :class:`~domsync.DomsyncServer`).
        bound_host: the interface the server listens on.
        frame_ancestors: the CSP ``frame-ancestors`` value of the page.
        reload_resumes: whether a reload of the page resumes its session.
        strict_csp: serve the page under :func:`domsync.csp.strict_policy`, with a
            client that never evaluates code (``data-domsync-strict``); the inline
            ``<style>`` and ``<script>`` of ``head`` are allowed by their hashes.
        csp_sources: more sources for the strict policy, by
            :func:`~domsync.csp.strict_policy`'s argument names (``img_src``, ...).
        prerender: the server answers page loads with a first render (``Vary`` says
            which request headers choose).
    """

    def __init__(self, root_id: str, title: str = "domsync", head: str = "", *,
                 origins: Iterable[str] | None = None, allowed_hosts: Iterable[str] | None = None,
                 bound_host: str = "localhost", frame_ancestors: str = "'self'", reload_resumes: bool = True,
                 strict_csp: bool = False, csp_sources: Mapping[str, Iterable[str]] | None = None,
                 prerender: bool = False):
        self._page_args: dict[str, Any] = dict(root_id=root_id, title=title, head=head,
                                               script_src=client_js_name(), reload_resumes=reload_resumes,
                                               strict=strict_csp)
        self.page = render_page(**self._page_args).encode()
        self.prerender = prerender
        self.strict_csp = strict_csp
        self._policy_args: dict[str, Any] = {}
        if strict_csp:
            extra = dict(csp_sources or {})
            unknown = sorted(set(extra) - set(SOURCE_ARGUMENTS))
            if unknown:
                raise WrongTypeError(f"csp_sources takes {', '.join(SOURCE_ARGUMENTS)}, not {', '.join(unknown)}")
            inline = inline_hashes(head)
            extra["script_src"] = [*inline["script_src"], *strings(extra.get("script_src"), "csp_sources['script_src']")]
            extra["style_src"] = [*inline["style_src"], *strings(extra.get("style_src"), "csp_sources['style_src']")]
            # data: for the page's own icon (<link rel="icon" href="data:,">).
            extra["img_src"] = ["data:", *strings(extra.get("img_src"), "csp_sources['img_src']")]
            self._policy_args = {"frame_ancestors": frame_ancestors, **extra}
        elif csp_sources:
            raise WrongTypeError("csp_sources are for the strict policy: pass strict_csp=True too")
        #: The page's Content-Security-Policy (with ``strict_csp``, each answer adds the
        #: websocket origins of the Host it was asked for).
        self.policy = strict_policy(**self._policy_args) if strict_csp else f"frame-ancestors {frame_ancestors}"
        self.origins = frozenset(normalize_origin(origin) for origin in strings(origins, "origins"))
        self.allowed_hosts = None if allowed_hosts is None else frozenset(
            host.lower().strip("[]") for host in strings(allowed_hosts, "allowed_hosts"))
        self.bound_host = bound_host
        self.frame_ancestors = frame_ancestors

    # ------------------------------------------------------------------ checks

    def host_allowed(self, host: str | None, bound_host: str | None = None) -> bool:
        """Whether a request naming ``host`` (its ``Host`` header) is answered: this
        defends against DNS rebinding. ``bound_host``: the address the request came in
        on, if not the one the server listens on (under ASGI)."""
        if host is None:
            return False
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        name = name.lower().strip("[]")
        allowed = self.allowed_hosts
        if allowed is None:
            if (self.bound_host if bound_host is None else bound_host) not in _LOOPBACK_NAMES:
                return True  # bound to a public interface: any name may lead here
            allowed = _LOOPBACK_NAMES
        return name in allowed

    def origin_allowed(self, origin: str, host: str) -> bool:
        """Whether a websocket from a page at ``origin`` may open: the server's own
        origin (same host and port) and the listed ``origins``."""
        origin = normalize_origin(origin)
        if origin in self.origins:
            return True
        return origin in (normalize_origin(f"http://{host}"), normalize_origin(f"https://{host}"))

    def check(self, path: str, host: list[str], origin: list[str] | None, *, sessions: int = 0,
              max_connections: int | None = None, bound_host: str | None = None) -> HttpResponse | None:
        """The refusal of a request, or None to go on: ``host`` and ``origin`` are the
        values of those headers (``origin`` None when the header is absent); a
        websocket for a new session also needs room under ``max_connections``."""
        if len(host) != 1 or not self.host_allowed(host[0], bound_host):
            logger.warning("refused a request for host %.100r (allow it with allowed_hosts=[...])",
                           host[0] if host else None)
            return status_response(HTTPStatus.FORBIDDEN, "host not allowed\n")
        websocket = path == "/" + WEBSOCKET_PATH
        if websocket and origin is not None and (len(origin) != 1 or not self.origin_allowed(origin[0], host[0])):
            logger.warning("refused a websocket from origin %.100r (allow it with origins=[...])",
                           origin[0] if len(origin) == 1 else origin)
            return status_response(HTTPStatus.FORBIDDEN, "origin not allowed\n")
        if path == "/" + WEBSOCKET_PATH and max_connections is not None and sessions >= max_connections:
            logger.warning("refused a websocket: max_connections (%d) reached", max_connections)
            return status_response(HTTPStatus.SERVICE_UNAVAILABLE, "too many connections\n")
        return None

    # ------------------------------------------------------------------ answers

    def respond(self, method: str, path: str, accept_encoding: str = "",
                if_none_match: str | None = None, host: str | None = None) -> HttpResponse:
        """The answer to a plain GET or HEAD: the page, the client script, or 404; 405
        for other methods. (Downloads and websockets are the transport's.) ``host``: the
        request's Host, whose websocket origins a strict policy names."""
        if method not in ("GET", "HEAD"):
            response = status_response(HTTPStatus.METHOD_NOT_ALLOWED, "")
            response.headers.append(("Allow", "GET, HEAD"))
            return response
        if self.is_page(path):
            response = self._page(self.page, "no-cache", host)
            if self.prerender:  # this answer, or the page with a first render (see navigates)
                response.headers.append(("Vary", PRERENDER_VARY))
        elif path == "/" + client_js_name():
            response = _script(accept_encoding, _IMMUTABLE)
        elif path == "/domsync.js":
            # The unversioned name, for pages of one's own: revalidated each time.
            etag = '"' + client_js_name().split(".")[1] + '"'
            if if_none_match is not None and etag in if_none_match:
                response = HttpResponse(HTTPStatus.NOT_MODIFIED, [("ETag", etag), ("Cache-Control", "no-cache")])
            else:
                response = _script(accept_encoding, "no-cache")
                response.headers.append(("ETag", etag))
        else:
            response = status_response(HTTPStatus.NOT_FOUND, "not found\n")
        if method == "HEAD":
            response = HttpResponse(response.status, response.headers, b"")
        return response


    @staticmethod
    def is_page(path: str) -> bool:
        """Whether ``path`` asks for the page."""
        return path in ("/", "/index.html")

    @staticmethod
    def navigates(headers: Any) -> bool:
        """Whether a request for the page is a browser opening it from this site (or
        from its address bar or a bookmark): only then does ``prerender`` start a
        session with the request and run the app's handlers, as a websocket from an
        allowed origin does without it.

        Not for a request that is no page load (``Sec-Fetch-Dest`` other than
        ``document``: another site's page fetching this one as an image, a script,
        a frame, with ``fetch()``), nor a prefetch, nor a request that does not say
        (a program, a health check, a browser older than 2023): they get the page
        without a first render. Nor for a page opened from another site
        (``Sec-Fetch-Site: cross-site``): the browser does not send that request the
        cookies marked ``SameSite=Strict``, which the page's websocket carries, so its
        handlers would not see the visitor's login."""
        if headers.get("Sec-Fetch-Dest") != "document":
            return False
        if headers.get("Sec-Fetch-Site") not in ("same-origin", "same-site", "none"):
            return False
        purpose = (headers.get("Sec-Purpose") or headers.get("Purpose") or "").lower()
        return "prefetch" not in purpose

    def page_stream(self, host: str | None = None, accept_encoding: str = "") -> "PageStream":
        """The page for a browser opening it (``prerender``), in two parts: its head
        goes at once, while the handler builds the first render, so that the browser
        commits the navigation and reads the head meanwhile; then the rest, with the
        first render (:meth:`PageStream.finish`)."""
        return PageStream(self, host, accept_encoding)

    def _page(self, body: bytes, cache: str, host: str | None) -> HttpResponse:
        response = _response(HTTPStatus.OK, body, "text/html; charset=utf-8", cache)
        response.headers.append(("Content-Security-Policy", self._policy_for(host)))
        if self.frame_ancestors == "'self'":
            response.headers.append(("X-Frame-Options", "SAMEORIGIN"))
        return response

    def _policy_for(self, host: str | None) -> str:
        if not self.strict_csp or not host:
            return self.policy
        try:
            return strict_policy(**self._policy_args, host=host)
        except ValueError:  # not a plain host[:port]: 'self' still covers the websocket
            return self.policy


class PageStream:
    """A prerendered page, sent in two parts (see :meth:`Site.page_stream`).

    Attributes:
        response: the status and headers (no ``Content-Length``: the transport frames
            the body as it goes), never stored by a cache (the page holds the session's
            token), gzipped for a browser that takes it.
    """

    def __init__(self, site: Site, host: str | None, accept_encoding: str):
        self._site = site
        self._gzip = zlib.compressobj(_GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS) \
            if "gzip" in accept_encoding.lower() else None
        response = site._page(b"", "no-store", host)
        headers = [(name, value) for name, value in response.headers if name != "Content-Length"]
        headers.append(("Vary", "Accept-Encoding, " + PRERENDER_VARY))
        if self._gzip is not None:
            headers.append(("Content-Encoding", "gzip"))
        self.response = HttpResponse(HTTPStatus.OK, headers)
        self._head = _head_of(render_page(**site._page_args))

    def start(self) -> bytes:
        """The body's first bytes: the page up to its ``<body>``, the same with a first
        render or without."""
        return self._encode(self._head, last=False)

    def finish(self, page: PrerenderedPage | None) -> bytes:
        """The rest of the body: the page with ``page`` in it, or without a first render
        (None: its session starts over the websocket)."""
        args = self._site._page_args
        html = render_page(**args) if page is None else \
            render_page(**args, content=page.content, boot=page.boot, rows=page.rows)
        assert html.startswith(self._head)
        return self._encode(html[len(self._head):], last=True)

    def _encode(self, text: str, last: bool) -> bytes:
        data = text.encode()
        if self._gzip is None:
            return data
        return self._gzip.compress(data) + self._gzip.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def _head_of(page: str) -> str:
    """A page's text up to and including its ``<body>`` line."""
    return page[:page.index("<body>\n") + len("<body>\n")]


def _script(accept_encoding: str, cache: str) -> HttpResponse:
    gzip = "gzip" in accept_encoding.lower()
    body = client_js_gzip() if gzip else client_js_source()
    response = _response(HTTPStatus.OK, body, "text/javascript; charset=utf-8", cache)
    response.headers.append(("Vary", "Accept-Encoding"))
    if gzip:
        response.headers.append(("Content-Encoding", "gzip"))
    return response
