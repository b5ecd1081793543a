"""Documents that two threads may change at once: the REPL's thread and the server's.

:class:`LockedDocument` is a :class:`~domsync.Document` whose public methods and
properties, and those of its elements, ``classList`` and ``style``, each hold the
document's re-entrant lock while they run. The server holds the same lock while it runs
an event callback (between its awaits) and while it renders, so:

- no change is ever half-applied when another thread looks, or renders;
- a callback's changes are never interleaved with changes typed at the prompt, just as
  a browser runs one event handler at a time.

The lock costs about 0.8 µs a call (``bench/locking.py``: building 20,000 elements
takes 1.8 times as long): nothing next to typing, but the plain
:class:`~domsync.Document` (no lock) stays the default for servers that change documents
from their own event loop only.
"""

from __future__ import annotations

import functools
import threading
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Generator, TypeVar, cast

from .document import Document
from .element import ClassList, Element, Style
from .exceptions import UsageError

__all__ = ["LockedDocument", "ThreadBoundDocument", "run_locked"]

# Special methods that read or change state, wrapped like public names.
_SPECIAL = frozenset({"__iter__", "__len__", "__contains__", "__getitem__", "__setitem__",
                      "__delitem__", "__repr__"})


def _holding(lock_of: Callable[[Any], Any], function: Callable) -> Callable:
    @functools.wraps(function)
    def call(self, *args, **kwargs):
        with lock_of(self):
            return function(self, *args, **kwargs)
    return call


_T = TypeVar("_T")


def _locked_subclass(cls: type[_T], lock_of: Callable[[Any], Any]) -> type[_T]:
    """A subclass of ``cls`` whose public methods and properties (and the special
    methods above) hold ``lock_of(self)`` while they run."""
    namespace: dict[str, Any] = {"__slots__": (), "__doc__": cls.__doc__, "__module__": __name__}
    for klass in reversed(cls.__mro__[:-1]):
        for name, attr in vars(klass).items():
            if name.startswith("_") and name not in _SPECIAL:
                continue
            if isinstance(attr, property):
                namespace[name] = property(
                    _holding(lock_of, attr.fget) if attr.fget else None,
                    _holding(lock_of, attr.fset) if attr.fset else None,
                    _holding(lock_of, attr.fdel) if attr.fdel else None,
                    attr.__doc__,
                )
            elif callable(attr) and not isinstance(attr, (staticmethod, classmethod, type)):
                namespace[name] = _holding(lock_of, attr)
    return cast("type[_T]", type("Locked" + cls.__name__, (cls,), namespace))  # a subclass of cls


LockedClassList = _locked_subclass(ClassList, lambda self: self._el._doc._lock)
LockedStyle = _locked_subclass(Style, lambda self: self._el._doc._lock)
LockedElement = _locked_subclass(Element, lambda self: self._doc._lock)
# Properties replaced on a class made at run time: setattr, which type checkers leave be.
setattr(LockedElement, "classList", property(lambda self: LockedClassList(self), doc=Element.classList.__doc__))
setattr(LockedElement, "style", property(lambda self: LockedStyle(self), doc=Element.style.__doc__))
if TYPE_CHECKING:  # pragma: no cover
    _LockedDocumentBase = Document  # to type checkers: a base class must be a static type
else:
    _LockedDocumentBase = _locked_subclass(Document, lambda self: self._lock)


class LockedDocument(_LockedDocumentBase):
    """A :class:`~domsync.Document` that threads may share: every public method and
    property of it and of its elements holds the document's lock (a
    ``threading.RLock``) while it runs.

    ``with document.lock:`` holds it across several calls, so that they reach the
    browser together and nothing else changes the document in between.
    """

    _element_class = LockedElement

    def __init__(self, root_id: str = "domsync_root_id"):
        self._lock = threading.RLock()
        super().__init__(root_id)

    @property
    def lock(self) -> threading.RLock:
        """The document's lock: hold it to make several changes one step."""
        return self._lock


# ---------------------------------------------------------------------- one thread only

#: The calls that change a document, an element, its class list or its style; reading
#: is not checked.
_CHANGES = {
    "Document": {"createElement", "createElementNS", "add_notification", "file_download", "open_url", "run_js",
                 "send_message", "set_page", "set_route_vars", "handle_event", "handle_route", "handle_sync"},
    "Element": {"addEventListener", "append", "appendChild", "insertBefore", "remove", "removeAttribute",
                "removeChild", "removeEventListener", "replaceChild", "replaceWith", "setAttribute",
                "toggleAttribute", "checked", "className", "disabled", "hidden", "id", "innerHTML", "innerText",
                "textContent", "value"},
    "ClassList": {"add", "remove", "replace", "toggle"},
    "Style": {"__setitem__", "__delitem__", "removeProperty", "setProperty"},
}


_get_ident = threading.get_ident


def _checking(path: str, function: Callable, setter: bool = False) -> Callable:
    """``function`` after a check that the document (``self`` followed along
    ``path``: "" for a document, "_doc" for an element, "_el._doc" for its class list
    or style) is changed in its own thread. Written out for each path and arity: this
    runs on every change of a server's document, so it stays a few attribute reads."""
    if path == "_doc" and setter:
        def set_element(self: Any, value: Any) -> None:
            owner = self._doc._owner_thread
            if owner is not None and owner != _get_ident():
                self._doc._wrong_thread()
            function(self, value)
        return functools.wraps(function)(set_element)
    if path == "_doc":
        def element(self: Any, *args: Any, **kwargs: Any) -> Any:
            owner = self._doc._owner_thread
            if owner is not None and owner != _get_ident():
                self._doc._wrong_thread()
            return function(self, *args, **kwargs)
        return functools.wraps(function)(element)
    if path == "_el._doc":
        def part(self: Any, *args: Any, **kwargs: Any) -> Any:
            doc = self._el._doc
            owner = doc._owner_thread
            if owner is not None and owner != _get_ident():
                doc._wrong_thread()
            return function(self, *args, **kwargs)
        return functools.wraps(function)(part)

    def document(self: Any, *args: Any, **kwargs: Any) -> Any:
        owner = self._owner_thread
        if owner is not None and owner != _get_ident():
            self._wrong_thread()
        return function(self, *args, **kwargs)
    return functools.wraps(function)(document)


def _checked_subclass(cls: type[_T], path: str) -> type[_T]:
    """A subclass of ``cls`` whose changing calls (:data:`_CHANGES`) first check that
    they run in the document's thread."""
    namespace: dict[str, Any] = {"__slots__": (), "__doc__": cls.__doc__, "__module__": __name__}
    changes = _CHANGES[cls.__name__]
    for klass in reversed(cls.__mro__[:-1]):
        for name, attr in vars(klass).items():
            if name not in changes:
                continue
            if isinstance(attr, property):
                namespace[name] = property(attr.fget, _checking(path, attr.fset, setter=True) if attr.fset else None,
                                           attr.fdel, attr.__doc__)
            elif callable(attr):
                namespace[name] = _checking(path, attr)
    return cast("type[_T]", type("ThreadBound" + cls.__name__, (cls,), namespace))  # a subclass of cls


BoundClassList = _checked_subclass(ClassList, "_el._doc")
BoundStyle = _checked_subclass(Style, "_el._doc")
BoundElement = _checked_subclass(Element, "_doc")
setattr(BoundElement, "classList", property(lambda self: BoundClassList(self), doc=Element.classList.__doc__))
setattr(BoundElement, "style", property(lambda self: BoundStyle(self), doc=Element.style.__doc__))
if TYPE_CHECKING:  # pragma: no cover
    _BoundDocumentBase = Document
else:
    _BoundDocumentBase = _checked_subclass(Document, "")


class ThreadBoundDocument(_BoundDocumentBase):
    """The documents of a server without ``thread_safe=True``: a
    :class:`~domsync.Document` that belongs to the thread of the server's event loop.
    Changing it (or one of its elements) from another thread raises
    :class:`~domsync.UsageError` at once, rather than half-working; reading is not
    checked. Until the server binds it to its thread (:meth:`bind_to_this_thread`),
    any thread may change it.
    """

    _element_class = BoundElement

    def __init__(self, root_id: str = "domsync_root_id"):
        self._owner_thread: int | None = None
        self._owner_name = ""
        super().__init__(root_id)

    def bind_to_this_thread(self) -> None:
        """From now on, only the calling thread (the server's loop's) may change it."""
        self._owner_thread = threading.get_ident()
        self._owner_name = threading.current_thread().name

    def _wrong_thread(self) -> None:
        raise UsageError(
            f"this document belongs to the server's event loop, in thread {self._owner_name!r}, and was "
            f"changed from thread {threading.current_thread().name!r}: changes from another thread half-work "
            f"(an update may arrive, later ones never do). To change documents from any thread, use "
            f"DomsyncServer(thread_safe=True, autoflush=0.1) or serve_in_background(); or hand the change "
            f"to the loop with loop.call_soon_threadsafe(...) or asyncio.run_coroutine_threadsafe(...)")


def run_locked(awaitable: Awaitable, lock: Any) -> Awaitable:
    """Await ``awaitable`` (a coroutine) holding ``lock`` while its code runs, and not
    while it waits: each step between two awaits is one step for other threads."""
    return _Stepwise(awaitable, lock)


class _Stepwise:
    __slots__ = ("_coro", "_lock")

    def __init__(self, coro: Any, lock: Any):
        self._coro = coro.__await__() if not hasattr(coro, "send") else coro
        self._lock = lock

    def __await__(self) -> Generator[Any, Any, Any]:
        coro, lock = self._coro, self._lock
        value: Any = None
        error: BaseException | None = None
        while True:
            with lock:
                try:
                    yielded = coro.throw(error) if error is not None else coro.send(value)
                except StopIteration as stop:
                    return stop.value
            try:
                value, error = (yield yielded), None
            except BaseException as exc:  # cancellation included: the coroutine decides
                value, error = None, exc
