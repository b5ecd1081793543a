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

__all__ = ["LockedDocument", "run_locked"]

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
setattr(LockedElement, "classList", property(lambda self: LockedClassList(self),
                                            _holding(lambda self: self._doc._lock,
                                                     getattr(Element, "classList").fset),
                                            doc=Element.classList.__doc__))
setattr(LockedElement, "style", property(lambda self: LockedStyle(self),
                                        _holding(lambda self: self._doc._lock, getattr(Element, "style").fset),
                                        doc=Element.style.__doc__))
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

    def _bind_to_this_thread(self) -> None:
        """Any thread may change a locked document: it is never bound."""

    @property
    def lock(self) -> threading.RLock:
        """The document's lock: hold it to make several changes one step."""
        return self._lock


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
