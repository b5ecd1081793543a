"""Backend-initiated actions for one client: messages, notifications, file downloads,
opening a URL, page routes and running script.

:class:`Actions` is a part of :class:`~domsync.Document`. Each action is queued in the
document's outbox as a statement for the page, so it goes out with the next flush, in
order with the DOM changes made before and after it, to that document's browser only.
Every string in a statement goes through the one encoder,
:func:`~domsync.encoding.js_string`.
"""

from __future__ import annotations

import base64
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from . import csp, names
from .encoding import check_json
from .exceptions import InvalidValueError, UnsafeValueError, WrongTypeError
from .logs import brief
from .files import PackedFile, as_bytes, guess_mime_type, safe_file_name
from .names import check_str
from .protocol import ACTIONS, DOWNLOAD, DOWNLOAD_URL, MESSAGE, NOTIFY, OPEN_URL, ROUTE, RUN_JS
from .recorder import get_ident
from .routes import format_route, parse_route

if TYPE_CHECKING:  # pragma: no cover
    from .element import Element

__all__ = ["Actions", "Download", "NOTIFICATION_TYPES", "OPEN_URL_SCHEMES"]

logger = logging.getLogger("domsync.document")

#: The types of :meth:`Actions.add_notification`.
NOTIFICATION_TYPES = ("error", "warning", "info", "success")
#: The URL schemes :meth:`Actions.open_url` opens.
OPEN_URL_SCHEMES = ("http", "https", "mailto")

_OPEN_URL = re.compile(r"(?:https?|mailto):", re.I)
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_URL_NOISE = re.compile(r"[\t\n\r]")
_C0_AND_SPACE = "".join(map(chr, range(0x21)))


@dataclass(frozen=True)
class Download:
    """A download too large for the websocket, waiting for the browser to fetch it
    from its one-time URL."""

    file: PackedFile
    file_name: str
    mime_type: str


class Actions:
    """The actions part of :class:`~domsync.Document`."""

    #: Downloads up to this many bytes travel inside the websocket message; larger ones
    #: are fetched once from a one-time URL of the :class:`~domsync.DomsyncServer`.
    #: Set it on a document (or on ``Document``) to change it.
    inline_download_limit: int = 256 * 1024

    # The outbox (see Recorder._reset_outbox) and the root, declared for type checkers
    # (Document and its other parts set them).
    _outbox: list[tuple | None]
    _owner_thread: int | None  # Recorder's: the thread that may change the page
    strict_csp: bool  # Document's
    _last_setter: dict[tuple, int]
    _root: "Element"

    if TYPE_CHECKING:  # pragma: no cover
        def _freeze_leaves(self) -> None: ...  # Recorder's
        def _wrong_thread(self) -> None: ...  # Recorder's

    def _init_actions(self) -> None:
        self._page: str | None = None
        self._route_vars: dict[str, str] = {}
        # The number of the browser's last route report, sent back with our route
        # changes: the browser ignores one that answers an older report (it has moved
        # on since). And whether this batch answers a report (then the route we set
        # replaces the browser's history entry: "back" must not be a trap).
        self._route_seq = 0
        self._answering_route = False
        # token -> Download: large downloads queued since the last time the server
        # took them (DomsyncServer registers them when it sends the batch).
        self._downloads: dict[str, Download] = {}

    def _record_action(self, op: tuple) -> None:
        """Queue an action (its wire op) for the page. It is a barrier: changes made
        before it are never merged with changes made after it, so the page sees them
        first."""
        owner = self._owner_thread
        if owner is not None and owner != get_ident():
            self._wrong_thread()
        self._last_setter = {}
        self._freeze_leaves()
        self._outbox.append((op[0], self._root, *op[1:]))

    def _take_actions(self) -> list[tuple]:
        """Remove the queued actions and return their wire ops, for a caller that
        rebuilds the page and sends them after it."""
        actions = [(op[0], *op[2:]) for op in self._outbox if op is not None and op[0] in ACTIONS]
        self._outbox = [op for op in self._outbox if op is None or op[0] not in ACTIONS]
        return actions

    def _take_downloads(self) -> dict[str, Download]:
        """The large downloads queued since the last call, by token."""
        downloads, self._downloads = self._downloads, {}
        return downloads

    # ------------------------------------------------------------------ messages

    def send_message(self, name: str, payload: Any = None) -> None:
        """Queue a named message for page script: the browser dispatches a
        ``CustomEvent`` named ``domsync:<name>`` on ``document``, with ``payload`` as
        its ``detail``. It goes out with the next batch, in order with the DOM changes
        made before and after it.

        Args:
            name: the message name, e.g. ``"saved"`` (letters, digits, ``-_.:``).
            payload: a JSON-like value: str, int, float, bool, None, or lists and dicts
                (with str keys) of them.

        Raises:
            InvalidNameError: for a name that is not a valid event name.
            WrongTypeError: for a payload that JSON cannot carry.
        """
        self._record_action(self._message_op(name, payload))

    @staticmethod
    def _message_op(name: str, payload: Any) -> tuple:
        """The op of :meth:`send_message`, after checking its arguments. The payload is
        copied: what the app changes in it later is not sent."""
        names.check_event_name(name)
        try:
            payload = check_json(payload)
        except (TypeError, ValueError, RecursionError) as exc:  # RecursionError: a cycle
            raise WrongTypeError(f"the payload of message {name!r} cannot be sent: {exc!s:.200}") from None
        return (MESSAGE, name, payload)

    def add_notification(self, type: str, title: str, message: str = "") -> None:
        """Show a notification in this client's page, with the next flush, in order
        with the DOM changes around it.

        The page shows notifications in a corner, newest on top, at most five at once;
        each has a close button, and ``info`` and ``success`` ones also go away by
        themselves after eight seconds. Title and message are shown as text, never
        parsed as HTML. Errors and warnings are announced with ``role="alert"``, the
        others with ``role="status"``. Restyle them with the CSS classes
        ``domsync-notification`` and ``domsync-notification-<type>``.

        Args:
            type: ``"error"``, ``"warning"``, ``"info"`` or ``"success"``.
            title: a short title.
            message: more text (optional).

        Raises:
            InvalidValueError: for another type (the message lists the allowed ones).
            WrongTypeError: if title or message is not a str.
        """
        self._record_action(self._notification_op(type, title, message))

    @staticmethod
    def _notification_op(type: str, title: str, message: str) -> tuple:
        """The op of :meth:`add_notification`, after checking its arguments."""
        if type not in NOTIFICATION_TYPES:
            raise InvalidValueError(
                f"notification type must be one of {', '.join(map(repr, NOTIFICATION_TYPES))}, not {type!r}"
            )
        check_str(title, "the notification title")
        check_str(message, "the notification message")
        return (NOTIFY, type, title, message)

    # ------------------------------------------------------------------ downloads

    def file_download(self, data: bytes | PackedFile, file_name: str) -> None:
        """Make the browser save ``data`` as a file called ``file_name``, with the next
        flush.

        Up to :attr:`inline_download_limit` bytes (256 KiB) travel inside the websocket
        message. A larger file is fetched by the browser, once, from a one-time URL
        with an unguessable token, on the server's own port; it is sent in chunks (a
        packed path is read from disk as it goes), and the URL expires after the
        download, when the client disconnects, or after the server's
        ``download_timeout``. That needs :class:`~domsync.DomsyncServer`: with a server
        of your own, raise :attr:`inline_download_limit` instead.

        Args:
            data: ``bytes``, or a file packed with :func:`domsync.pack_file` or
                :func:`domsync.pack_bytes`.
            file_name: the name to save it as. It is made safe with
                :func:`domsync.files.safe_file_name`: no directories, no control
                characters, no quotes. The mime type, unless packed with one, is
                guessed from it.

        Raises:
            WrongTypeError: if ``data`` is neither bytes nor a packed file, or
                ``file_name`` is not a str.
        """
        owner = self._owner_thread
        if owner is not None and owner != get_ident():  # before anything changes
            self._wrong_thread()
        name = safe_file_name(file_name)
        packed = data if isinstance(data, PackedFile) else PackedFile(data=as_bytes(data, "file_download()"))
        mime_type = packed.mime_type or guess_mime_type(name)
        if packed.size <= self.inline_download_limit:
            encoded = base64.b64encode(packed.read()).decode("ascii")
            self._record_action((DOWNLOAD, name, mime_type, encoded))
            return
        token = secrets.token_urlsafe(32)
        self._downloads[token] = Download(packed, name, mime_type)
        self._record_action((DOWNLOAD_URL, token, name, mime_type, packed.size))

    # ------------------------------------------------------------------ open_url

    def open_url(self, url: str) -> None:
        """Open ``url`` in a new tab, with the next flush, with ``noopener`` and
        ``noreferrer``: the new page cannot reach this one through ``window.opener``
        and is not told where it was opened from.

        Browsers block pop-ups that a page opens on its own. Opened within a few
        seconds of a click (from the click's callback), the tab usually opens;
        otherwise the browser may block it, or ask the user first.

        Args:
            url: an absolute ``http:``, ``https:`` or ``mailto:`` URL.

        Raises:
            UnsafeValueError: for a ``javascript:``, ``vbscript:`` or ``data:`` URL,
                which would run code or show content the app does not control.
            InvalidValueError: for any other scheme, or a relative URL.
            WrongTypeError: if ``url`` is not a str.
        """
        check_str(url, "the URL")
        if not _OPEN_URL.match(url):
            # Read the scheme as a browser would: leading controls and spaces skipped,
            # tabs and newlines dropped anywhere.
            scheme = _SCHEME.match(_URL_NOISE.sub("", url.lstrip(_C0_AND_SPACE)))
            name = scheme.group(1).lower() if scheme else None
            if name in ("javascript", "vbscript", "data"):
                raise UnsafeValueError(
                    f"refusing to open a {name}: URL: it runs code or shows content the app does not "
                    f"control; open an http, https or mailto URL"
                )
            raise InvalidValueError(
                f"open_url() opens absolute http, https and mailto URLs only, not {url[:60]!r}"
                + ("" if name else "; write the whole URL, e.g. 'https://example.com/page'")
            )
        self._record_action((OPEN_URL, url))

    # ------------------------------------------------------------------ routes

    @property
    def page(self) -> str | None:
        """The page key in the URL hash (``#page/...``), or ``None``. Set it with
        :meth:`set_page`; the browser's back and forward buttons change it too."""
        return self._page

    @property
    def route_vars(self) -> Mapping[str, str]:
        """The route variables in the URL hash (``#page/key=value&...``), read-only.
        Change them with :meth:`set_route_vars`; the browser's back and forward
        buttons change them too."""
        return MappingProxyType(self._route_vars)

    def set_page(self, key: str | None) -> None:
        """Show page ``key`` in the URL hash, keeping the route variables. The browser
        gets a new history entry, so its back button returns to the previous page.

        Args:
            key: the page key (any text; it is URL-encoded), or ``None`` (or ``""``) for
                none.

        Raises:
            WrongTypeError: if ``key`` is not a str or None.
        """
        if key is not None:
            check_str(key, "the page key")
        self._set_route(key or None, self._route_vars)

    def set_route_vars(self, route_vars: Mapping[str, str | None]) -> None:
        """Change route variables in the URL hash (``#page/key=value&...``): each key
        is set to its value, or removed if the value is ``None``; other keys stay.

        Raises:
            WrongTypeError: if ``route_vars`` is not a mapping of str keys to str or
                None values.
        """
        if not isinstance(route_vars, Mapping):
            raise WrongTypeError(f"set_route_vars() needs a dict, not {type(route_vars).__name__}")
        merged = dict(self._route_vars)
        for key, value in route_vars.items():
            check_str(key, "a route variable's name")
            if not key:
                raise InvalidValueError("a route variable's name cannot be empty")
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = check_str(value, f"route variable {key!r}")
        self._set_route(self._page, merged)

    def _set_route(self, page: str | None, route_vars: dict[str, str]) -> None:
        owner = self._owner_thread
        if owner is not None and owner != get_ident():  # before anything changes
            self._wrong_thread()
        before = format_route(self._page, self._route_vars)
        self._page, self._route_vars = page, route_vars
        after = format_route(page, route_vars)
        if after != before:
            self._drop_route_ops()  # only the last route of a batch matters
            replace = 1 if self._answering_route else 0
            self._record_action((ROUTE, after, self._route_seq, replace))

    def _drop_route_ops(self) -> None:
        outbox = self._outbox
        for index, op in enumerate(outbox):
            if op is not None and op[0] == ROUTE:
                outbox[index] = None

    def handle_route(self, msg: Any) -> bool:
        """Take the route the browser reports (``{"hash": "page/k=v", "seq": 3}``):
        after its back or forward button, a hand-edited hash, or when it connects.
        Returns True if the page or the route variables changed; False also for a
        report that is not a browser's (a hash is ASCII: the browser percent-encodes).

        The browser's report is the newest word: route changes queued for it but not
        yet sent are dropped, and routes set while answering it replace the browser's
        history entry rather than adding one.
        """
        hash_ = msg.get("hash") if isinstance(msg, dict) else None
        if not isinstance(hash_, str) or not hash_.isascii():
            logger.warning("dropped a route report: the hash must be an ASCII string, not %s", brief(hash_))
            return False
        seq = msg.get("seq")
        if type(seq) is int and self._route_seq < seq < 2**53:
            self._route_seq = seq
        self._answering_route = True
        page, route_vars = parse_route(hash_)
        changed = (page, route_vars) != (self._page, self._route_vars)
        self._page, self._route_vars = page, route_vars
        self._drop_route_ops()
        return changed

    # ------------------------------------------------------------------ run_js

    def run_js(self, code: str) -> None:
        """Run JavaScript in the page, with the next flush, in order with the DOM
        changes around it: the escape hatch for anything domsync does not cover.

        The code runs as the body of a function, so ``return`` ends it and its ``var``
        and ``let`` names stay its own; ``domsync`` and everything global are in
        reach. An exception or syntax error is reported like a failed batch, without
        stopping the updates around it.

        .. warning::
           ``code`` runs with the page's full power. Never build it from user input or
           from anything the browser sent: pass data through :meth:`send_message`, or
           put it in the code with :func:`domsync.js_string`, which makes any text a
           safe string literal.

        Raises:
            WrongTypeError: if ``code`` is not a str.
            CspError: under a strict Content-Security-Policy (``strict_csp=True``),
                where the page never evaluates code.
        """
        check_str(code, "the code")
        if self.strict_csp:
            csp.refuse_run_js()
        self._record_action((RUN_JS, code))
