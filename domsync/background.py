"""Drive a browser page from a Python prompt: a server on a thread of its own.

:func:`serve_in_background` starts a :class:`~domsync.DomsyncServer` on a background
thread with its own event loop and returns at once, so the prompt stays free. Changes
typed at the prompt reach every browser by themselves (autoflush), the server's
callbacks and the prompt never change the document at the same moment (the document is
a :class:`~domsync.threadsafe.LockedDocument`), and the thread stops cleanly with
:meth:`BackgroundServer.close`, at the end of a ``with`` block, or when Python exits.

It works the same in the plain ``python`` REPL, IPython, a Jupyter kernel (whose own
event loop is left alone) and ``python -m asyncio``. See :doc:`/howto/repl`.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import threading
import webbrowser
from typing import Any, Awaitable, Callable, Coroutine, cast

from .document import Document
from .domsync_server import DomsyncServer
from .exceptions import ClientGoneError, UsageError
from .threadsafe import LockedDocument

__all__ = ["BackgroundServer", "serve_in_background"]

#: How often changes nobody flushed are sent: about once a frame.
AUTOFLUSH_INTERVAL = 1 / 60


def serve_in_background(port: int = 8888, host: str = "localhost", *, shared: bool = True,
                        open_browser: bool = False, quiet: bool = False, **options: Any) -> "BackgroundServer":
    """Start a server on a background thread and return its handle at once.

    .. code-block:: python

        >>> import domsync
        >>> page = domsync.serve_in_background()   # doctest: +SKIP
        domsync is serving http://localhost:8888/ - open it in a browser
        >>> hello = page.document.createElement("h1", innerText="Hello")  # doctest: +SKIP
        >>> page.document.getRootElement().appendChild(hello)  # doctest: +SKIP

    Args:
        port: the port (``0`` picks a free one; read it from ``page.url``).
        host: the interface to listen on.
        shared: one document mirrored to every browser, :attr:`BackgroundServer.document`
            (the default); ``False`` gives each browser its own, as
            :class:`~domsync.DomsyncServer` does.
        open_browser: also open the page in the system's browser.
        quiet: do not print the URL.
        options: more :class:`~domsync.DomsyncServer` arguments (``title``, ``head``,
            ``connection_handler``, ...).

    Returns:
        The running :class:`BackgroundServer`.
    """
    options.setdefault("verbose", False)
    options.setdefault("autoflush", AUTOFLUSH_INTERVAL)
    server = DomsyncServer(host=host, port=port, shared=shared, thread_safe=True, **options)
    page = BackgroundServer(server)
    page.start()
    if not quiet:
        print(f"domsync is serving {page.url} - open it in a browser", flush=True)
    if open_browser:
        webbrowser.open(page.url)
    return page


class BackgroundServer:
    """A :class:`~domsync.DomsyncServer` running on a thread of its own, as
    :func:`serve_in_background` returns it.

    Use it from any thread. Changes to the documents are sent by themselves, about 60
    times a second, batched; :meth:`flush` sends them at once. Decorators such as
    ``page.server.on("connect")`` and ``page.server.on_event(name)`` work as usual;
    the callbacks run on the server's thread.
    """

    def __init__(self, server: DomsyncServer):
        if not issubclass(server._document_class, LockedDocument):
            raise UsageError("a BackgroundServer needs DomsyncServer(..., thread_safe=True): other "
                             "threads change its documents (or use domsync.serve_in_background())")
        self.server = server
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None

    # ------------------------------------------------------------------ state

    @property
    def url(self) -> str:
        """The page's URL."""
        return self.server.url

    @property
    def document(self) -> Document:
        """The document every browser shows (with ``shared=True``, the default)."""
        return self.server.document

    @property
    def clients(self) -> list:
        """The connected clients."""
        return self.server.get_clients()

    def get_document(self, client: Any) -> Document:
        """The document of ``client`` (the shared one, with ``shared=True``)."""
        return self.server.get_document(client)

    @property
    def running(self) -> bool:
        """True from :meth:`start` until :meth:`close`."""
        return self._thread is not None and self._thread.is_alive()

    # ------------------------------------------------------------------ control

    def start(self) -> None:
        """Start the server's thread and wait until it listens.

        Raises:
            OSError: if the port cannot be bound (the thread is gone again).
        """
        if self._thread is not None:
            raise UsageError("this BackgroundServer has already been started")
        ready: concurrent.futures.Future = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._main, args=(ready,), name=f"domsync {self.server.port}",
                                        daemon=True)
        self._thread.start()
        try:
            ready.result()
        except BaseException:
            self._thread.join()
            raise
        _running.add(self)

    def _main(self, ready: concurrent.futures.Future) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._serve(ready))
        finally:
            # What other threads asked to run (run(), flush()) and never got to: cancel
            # it, so that they are told rather than left waiting.
            left = asyncio.all_tasks(loop)
            for task in left:
                task.cancel()
            if left:
                loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.run_until_complete(loop.shutdown_default_executor())
            loop.close()

    async def _serve(self, ready: concurrent.futures.Future) -> None:
        self._stopped = asyncio.Event()
        try:
            await self.server.serve()
        except BaseException as exc:
            ready.set_exception(exc)
            return
        ready.set_result(None)
        try:
            await self._stopped.wait()
        finally:
            await self.server.close()

    def close(self) -> None:
        """Stop the server and its thread: connections are closed, the port is freed,
        and it returns once the thread has ended. From a callback (the server's own
        thread) it returns at once, and the server stops after the callback. Calling it
        again does nothing.

        Raises:
            UsageError: if this thread holds a document's lock (the server may need it
                to stop).
            RuntimeError: if the thread has not ended after 15 s.
        """
        thread = self._thread
        if thread is None or not thread.is_alive():
            _running.discard(self)
            return
        if thread is threading.current_thread():
            assert self._stopped is not None  # a callback runs once _serve has made it
            self._stopped.set()
            return
        if any(document.lock._is_owned() for document in self._documents()):  # type: ignore[attr-defined]  # RLock._is_owned: private, not in typeshed
            raise UsageError("close() waits for the server, which may need the document's lock: "
                             "call it after the 'with document.lock:' block")
        assert self._loop is not None and self._stopped is not None  # start() waited for both
        try:
            self._loop.call_soon_threadsafe(self._stopped.set)
        except RuntimeError:  # the loop has just closed: the thread is ending
            pass
        thread.join(timeout=15)
        if thread.is_alive():
            raise RuntimeError("the domsync server thread did not stop within 15 s")
        _running.discard(self)

    def __enter__(self) -> "BackgroundServer":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<BackgroundServer {self.url} {state}, {len(self.clients)} client(s)>"

    # ------------------------------------------------------------------ the loop

    def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run ``function(*args)`` on the server's thread and return its result; a
        coroutine function's result is awaited there."""
        async def run() -> Any:
            result = function(*args)
            if asyncio.iscoroutine(result):
                result = await result
            return result
        return self.run(run())

    def run(self, awaitable: Awaitable) -> Any:
        """Await ``awaitable`` on the server's loop and return its result, e.g.
        ``page.run(page.server.broadcast("news", {...}))``.

        Raises:
            UsageError: if the server is not running, this is its own thread, or this
                thread holds a document's lock (the server may need it).
        """
        problem = None
        if not self.running:
            problem = "the server is not running: start it with serve_in_background()"
        elif threading.current_thread() is self._thread:
            problem = "run() was called from the server's own thread: await the coroutine instead"
        elif any(document.lock._is_owned() for document in self._documents()):  # type: ignore[attr-defined]  # as in close()
            # The server may need that lock to finish: waiting for it would never end.
            problem = ("this waits for the server, which may need the document's lock: "
                       "call it after the 'with document.lock:' block")
        if problem is None:
            assert self._loop is not None  # running: _main has made it
            try:
                # Not a coroutine: run_coroutine_threadsafe raises TypeError, as it should.
                future = asyncio.run_coroutine_threadsafe(cast("Coroutine[Any, Any, Any]", awaitable), self._loop)
            except RuntimeError:  # the loop closed meanwhile
                problem = "the server has stopped"
        if problem is not None:
            if asyncio.iscoroutine(awaitable):
                awaitable.close()  # it will never run: no "never awaited" warning
            raise UsageError(problem)
        try:
            return future.result()
        except concurrent.futures.CancelledError:
            if self._stopped is not None and self._stopped.is_set():
                raise UsageError("the server stopped before this finished") from None
            raise

    def flush(self, client: Any = None) -> None:
        """Send the changes now rather than at the next autoflush, and return once they
        are sent: to ``client``, or to every browser.

        Raises:
            UsageError: if this thread holds a document's lock (``with
                document.lock:``): the server could not render until it is released.
            ClientGoneError: if ``client`` has disconnected.
        """
        if threading.current_thread() is self._thread:
            raise UsageError("flush() from a callback: the server sends the changes after each "
                             "callback; to send them earlier, await page.server.flush() there")
        if client is not None:
            self.server.get_document(client)  # ClientGoneError for a client that has gone
        self.run(self.server.flush(client))

    def _documents(self) -> list[LockedDocument]:
        # LockedDocuments: __init__ checked that the server makes them.
        if self.server._hub.documents.shared:
            return [cast(LockedDocument, self.server.document)]
        documents = []
        for client in self.clients:
            try:
                documents.append(cast(LockedDocument, self.server.get_document(client)))
            except ClientGoneError:
                pass
        return documents


# The servers still running, stopped when Python exits, before its daemon threads die.
_running: set[BackgroundServer] = set()


@atexit.register
def _close_all() -> None:
    for page in list(_running):
        try:
            page.close()
        except Exception:  # pragma: no cover - exiting anyway
            pass
