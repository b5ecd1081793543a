"""domsync: the browser's DOM on the server.

Each connected browser gets a Python :class:`Document` with the DOM API it already knows
(``createElement``, ``appendChild``, ``setAttribute``, ``innerText``,
``addEventListener``, ...). Mutations are recorded and rendered as JavaScript
statements, which a server sends to the browser; browser events come back to Python
callbacks.
"""

from . import csp
from .background import BackgroundServer, serve_in_background
from .client import Client
from .document import Document, DomEvent
from .domsync_server import DomsyncServer
from .element import ClassList, Element, Style
from .encoding import js_string
from .files import PackedFile, pack_bytes, pack_file
from .event_names import declare_events
from .exceptions import (
    ClientGoneError,
    CspError,
    DomsyncError,
    DomsyncWarning,
    EventNameWarning,
    DuplicateIdError,
    HierarchyError,
    InvalidNameError,
    InvalidValueError,
    ListenError,
    NotFoundError,
    PatchError,
    ReplicaError,
    SelectorError,
    UnsafeValueError,
    UsageError,
    WrongTypeError,
)
from .names import HTML_NAMESPACE, MATHML_NAMESPACE, SVG_NAMESPACE
from .threadsafe import LockedDocument

__version__ = "0.2.0.dev0"

__all__ = [
    "Document",
    "DomEvent",
    "DomsyncServer",
    "Client",
    "serve_in_background",
    "BackgroundServer",
    "LockedDocument",
    "Element",
    "ClassList",
    "Style",
    "js_string",
    "pack_file",
    "pack_bytes",
    "PackedFile",
    "HTML_NAMESPACE",
    "SVG_NAMESPACE",
    "MATHML_NAMESPACE",
    "DomsyncError",
    "DomsyncWarning",
    "EventNameWarning",
    "declare_events",
    "UsageError",
    "InvalidNameError",
    "InvalidValueError",
    "WrongTypeError",
    "HierarchyError",
    "ListenError",
    "NotFoundError",
    "DuplicateIdError",
    "SelectorError",
    "PatchError",
    "UnsafeValueError",
    "CspError",
    "ReplicaError",
    "ClientGoneError",
]
