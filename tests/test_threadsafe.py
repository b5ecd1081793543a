"""domsync.threadsafe: documents two threads may change at once."""

from __future__ import annotations

import asyncio
import random
import sys
import threading

import pytest

from domsync import Document, HierarchyError, LockedDocument, UsageError
from domsync.threadsafe import run_locked

ROOT = "app"


def test_everything_a_locked_document_hands_out_is_locked_too():
    doc = LockedDocument(ROOT)
    p = doc.createElement("p")
    doc.getRootElement().appendChild(p)
    p.innerHTML = "<b>bold</b>"
    assert type(p).__name__ == "LockedElement" and type(p.firstElementChild) is type(p)
    assert type(p.classList).__name__ == "LockedClassList" and type(p.style).__name__ == "LockedStyle"
    assert type(doc.getElementById(p.id)) is type(p)
    p.classList.add("x")
    p.style["color"] = "red"
    assert "color" in p.style and "x" in p.classList
    assert doc.getRootElement().innerHTML == f'<p id="{p.id}" class="x" style="color: red;"><b>bold</b></p>'
    assert doc.createElement.__doc__ == Document.createElement.__doc__  # the docs stay


def test_elements_of_a_plain_and_a_locked_document_do_not_mix():
    plain, locked = Document(ROOT), LockedDocument(ROOT)
    with pytest.raises(HierarchyError, match="another Document"):
        locked.getRootElement().appendChild(plain.createElement("p"))
    with pytest.raises(HierarchyError, match="another Document"):
        plain.getRootElement().appendChild(locked.createElement("p"))


def test_the_lock_keeps_other_threads_out_for_as_long_as_it_is_held():
    doc = LockedDocument(ROOT)
    started, done = threading.Event(), threading.Event()

    def other():
        started.set()
        doc.getRootElement().appendChild(doc.createElement("p", innerText="other"))
        done.set()

    with doc.lock:
        doc.getRootElement().appendChild(doc.createElement("p", innerText="mine"))
        thread = threading.Thread(target=other)
        thread.start()
        started.wait(5)
        assert not done.wait(0.2)  # blocked: it cannot have appended while we hold the lock
        assert [p.innerText for p in doc.getRootElement().children] == ["mine"]
    thread.join(5)
    assert [p.innerText for p in doc.getRootElement().children] == ["mine", "other"]


async def test_threads_mutating_while_another_renders_never_lose_or_garble_a_change(client_page):
    doc = LockedDocument()  # the client page's root id
    batches = []
    lists = [doc.createElement("ul") for _ in range(3)]
    doc.getRootElement().append(*lists)
    stop = threading.Event()

    def mutate(seed: int) -> None:
        rng = random.Random(seed)
        ul = lists[seed]
        for i in range(1500):
            choice = rng.random()
            if choice < 0.5 or not ul.children:
                ul.appendChild(doc.createElement("li", innerText=f"{seed}.{i}"))
            elif choice < 0.7:
                ul.children[rng.randrange(len(ul.children))].remove()
            elif choice < 0.9:
                ul.children[rng.randrange(len(ul.children))].setAttribute("data-n", str(i))
            else:
                ul.children[rng.randrange(len(ul.children))].innerText = f"changed {i}"

    def render() -> None:
        while not stop.is_set():
            with doc.lock:
                batch = doc.render_js_updates()
            if batch:
                batches.append(batch)

    def run_threads() -> None:
        renderer = threading.Thread(target=render)
        renderer.start()
        workers = [threading.Thread(target=mutate, args=(seed,)) for seed in range(3)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        stop.set()
        renderer.join()
        batches.append(doc.render_js_updates())

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads switch all the time: races show
    try:
        await asyncio.to_thread(run_threads)
    finally:
        sys.setswitchinterval(interval)
    assert len(batches) > 2  # rendered while the threads ran
    for batch in batches:  # in Chromium, in the order they were rendered
        await client_page.apply(batch)
    assert await client_page.inner_html() == doc.getRootElement().innerHTML


async def test_run_locked_holds_the_lock_between_awaits_only():
    lock = threading.RLock()
    seen = []

    async def callback():
        seen.append(lock._is_owned())
        await asyncio.sleep(0.01)
        seen.append(lock._is_owned())
        await asyncio.sleep(0)
        return "done"

    async def probe():  # another task of the same loop, while the callback waits
        await asyncio.sleep(0.005)
        seen.append(("probe", lock._is_owned()))

    results = await asyncio.gather(run_locked(callback(), lock), probe())
    assert results[0] == "done"
    assert seen == [True, ("probe", False), True]


async def test_run_locked_passes_exceptions_and_cancellation_through():
    lock = threading.RLock()

    async def fails():
        await asyncio.sleep(0)
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await run_locked(fails(), lock)

    caught = []

    async def long():
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            caught.append(lock._is_owned())
            raise

    async def run():
        return await run_locked(long(), lock)

    task = asyncio.create_task(run())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert caught == [True] and not lock._is_owned()


# ---------------------------------------------------------------------- a server's own documents


async def test_changing_a_servers_document_from_another_thread_raises_with_the_fix():
    """The issue's silent mistake: a thread changes the document and calls
    asyncio.run(server.flush(client)); one update showed, later ones never did."""
    from domsync.memory import MemoryServer

    def handler(server, client):
        doc = server.get_document(client)
        doc.getRootElement().appendChild(doc.createElement("p", id="tick", innerText="0"))

    server = MemoryServer(handler)
    await server.connect()
    await asyncio.sleep(0.01)
    client = server.get_clients()[0]
    doc = server.get_document(client)
    errors: list = []

    def worker():
        for change in (lambda: setattr(doc.getElementById("tick"), "innerText", "1"),
                       lambda: doc.getElementById("tick").classList.add("late"),
                       lambda: doc.getElementById("tick").style.__setitem__("color", "red"),
                       lambda: doc.getRootElement().appendChild(doc.createElement("p")),
                       lambda: asyncio.run(server.flush(client))):
            try:
                change()
            except UsageError as exc:
                errors.append(str(exc))

    thread = threading.Thread(target=worker, name="ticker")
    thread.start()
    thread.join()
    assert len(errors) == 5
    for message in errors[:4]:
        assert "changed from thread 'ticker'" in message
        assert "DomsyncServer(thread_safe=True, autoflush=0.1)" in message and "serve_in_background()" in message
    assert "another event loop" in errors[4] and "run_coroutine_threadsafe" in errors[4]
    assert doc.getElementById("tick").innerText == "0"  # nothing was half-changed
    assert doc.getElementById("tick").getAttribute("class") is None
    doc.getElementById("tick").innerText = "2"  # the loop's own thread may
    assert doc.getElementById("tick").innerText == "2"
    await server.close()


async def test_reading_from_another_thread_and_thread_safe_documents_are_not_refused():
    from domsync.memory import MemoryServer

    def handler(server, client):
        doc = server.get_document(client)
        doc.getRootElement().appendChild(doc.createElement("p", id="x", innerText="hi"))

    for options, change_ok in (({}, False), ({"thread_safe": True}, True)):
        server = MemoryServer(handler, **options)
        await server.connect()
        await asyncio.sleep(0.01)
        doc = server.get_document(server.get_clients()[0])
        seen: list = []

        def worker():
            seen.append(doc.getElementById("x").innerText)  # reading is not checked
            try:
                doc.getElementById("x").innerText = "changed"
                seen.append("changed")
            except UsageError:
                seen.append("refused")

        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert seen == ["hi", "changed" if change_ok else "refused"]
        await server.close()
