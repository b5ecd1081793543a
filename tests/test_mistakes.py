"""Newcomers' mistakes that used to pass in silence (or with a message that did not
help), each with what the user now sees, the advice in its wording checked.

The others live beside their modules: changes from another thread
(test_threadsafe.py), changes nobody sends and event.flush (test_memory.py), event
names (test_event_names.py), a taken port and SIGTERM (test_server_process.py),
``innerText = None`` (test_element.py), a script element (test_client_browser.py).
"""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from domsync import (
    Document, DomsyncServer, DomsyncWarning, InvalidNameError, UsageError, WrongTypeError,
)
from domsync.memory import MemoryServer
from domsync.testing import open


async def test_a_callback_that_blocks_the_loop_is_named(caplog):
    def handler(server, client):
        doc = server.get_document(client)
        button = doc.createElement("button", innerText="slow")

        def slow(event):
            time.sleep(0.7)  # blocks every page of every user

        button.addEventListener("click", slow)
        doc.getRootElement().appendChild(button)

    with caplog.at_level(logging.WARNING, logger="domsync.server"):
        async with open(handler) as page:
            await page.get_by_role("button").click()
            await asyncio.sleep(0.8)
    (line,) = [r.getMessage() for r in caplog.records if "blocked the server" in r.getMessage()]
    assert "handler.<locals>.slow' for client memory:" in line and "every page of every user waited" in line
    assert "`await asyncio.to_thread(function, ...)`" in line


async def test_an_async_callback_that_blocks_is_caught_by_the_watch(caplog, monkeypatch):
    from domsync import server_core

    monkeypatch.setattr(server_core, "UNSENT_WARNING_AFTER", 0.3)  # the watch looks every 0.1 s

    def handler(server, client):
        doc = server.get_document(client)
        button = doc.createElement("button", innerText="slow")

        async def slow(event):
            await asyncio.sleep(0)
            time.sleep(0.7)  # blocking inside a coroutine: no single call to time

        button.addEventListener("click", slow)
        doc.getRootElement().appendChild(button)

    with caplog.at_level(logging.WARNING, logger="domsync.server"):
        async with open(handler) as page:
            await page.get_by_role("button").click()
            await asyncio.sleep(1.0)
    lines = [r.getMessage() for r in caplog.records if "blocked the server" in r.getMessage()]
    assert len(lines) == 1 and lines[0].startswith("application code (a callback, a handler or a task")


async def test_a_disconnect_handler_that_uses_the_gone_client_is_told_why(caplog):
    server = MemoryServer(lambda server, client: None)

    @server.on("disconnect")
    def gone(client):
        server.get_document(client)  # the session has ended: its document is released

    with caplog.at_level(logging.WARNING, logger="domsync.server"):
        page = await open(server)
        await page.close(final=True)
        await asyncio.sleep(0.05)
    (line,) = [r.getMessage() for r in caplog.records if "disconnect handler" in r.getMessage()]
    assert "used the client after its session ended" in line
    assert "keep what it needs from the connect handler" in line
    await page.context.close()
    await server.close()


def test_a_connection_handler_with_the_wrong_arguments_is_refused_at_once():
    async def handler(client):
        pass

    with pytest.raises(WrongTypeError, match=r"the connection handler \(server, client\) is called with 2 "
                                             r"arguments, but 'handler' takes \(client\)"):
        DomsyncServer(handler)


async def test_run_inside_asyncio_says_what_to_await():
    server = DomsyncServer(lambda server, client: None, verbose=False)
    with pytest.raises(UsageError, match=r"use `await server.serve_forever\(\)`"):
        server.run()


def test_server_on_without_a_name_says_how_to_write_it():
    server = DomsyncServer(verbose=False)
    with pytest.raises(InvalidNameError, match=r"@server.on\('connect'\) above connected"):
        @server.on
        def connected(client):
            pass


def test_a_handler_name_reads_well():
    server = DomsyncServer(verbose=False)
    with pytest.raises(WrongTypeError, match="an 'error' handler is called with 3 arguments"):
        server.on("error")(lambda client: None)


async def test_a_document_of_something_that_is_not_a_client_says_so():
    server = MemoryServer(lambda server, client: None)
    with pytest.raises(WrongTypeError, match=r"expected a Client \(what handlers and events get: event.client\), "
                                             r"not str"):
        server.get_document("someclient")


def test_a_boolean_attribute_set_to_a_bool_or_false_says_how_to_turn_it_off():
    doc = Document("app")
    box = doc.createElement("input")
    with pytest.raises(WrongTypeError, match=r"turn it on with setAttribute\('disabled', ''\) .* off with "
                                             r"removeAttribute\('disabled'\)"):
        box.setAttribute("disabled", True)
    with pytest.warns(DomsyncWarning, match=r"setAttribute\('checked', 'false'\) turns 'checked' on.*"
                                            r"removeAttribute\('checked'\) \(or el.checked = False\)") as caught:
        box.setAttribute("checked", "false")
    assert caught[0].filename == __file__
    box.setAttribute("value", "false")  # not a boolean attribute: no warning


def test_a_submit_listener_that_would_reload_the_page_warns():
    doc = Document("app")
    form = doc.createElement("form")
    with pytest.warns(DomsyncWarning, match=r"'submit' listener without prevent_default=True.*reloads.*"
                                            r"Pass prevent_default=True") as caught:
        form.addEventListener("submit", lambda event: None)
    assert caught[0].filename == __file__
    form.removeEventListener("submit")
    form.addEventListener("submit", lambda event: None, prevent_default=True)  # no warning


def test_style_and_class_list_take_what_javascript_takes_and_explain_the_rest():
    doc = Document("app")
    el = doc.createElement("p")
    el.style = "color: red"  # cssText, as in the browser
    el.classList = "big red"
    assert el.getAttribute("style") == "color: red" and el.getAttribute("class") == "big red"
    with pytest.raises(AttributeError, match=r"el.style\['background-color'\] = 'blue'"):
        el.style.backgroundColor = "blue"
    with pytest.raises(AttributeError, match=r"el.style\['font-size'\]"):
        el.style.fontSize


def test_autoflush_in_milliseconds_by_mistake_warns():
    with pytest.warns(DomsyncWarning, match=r"autoflush=100 .* in seconds, not milliseconds"):
        DomsyncServer(lambda server, client: None, autoflush=100, verbose=False)




async def test_send_and_broadcast_from_another_loop_raise_before_sending():
    import threading

    server = MemoryServer(lambda server, client: None)
    page = await open(server)
    client = server.get_clients()[0]
    errors = []

    def worker():
        for call in (lambda: server.send(client, "x"), lambda: server.broadcast("x")):
            try:
                asyncio.run(call())
            except UsageError as exc:
                errors.append(str(exc))

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert [e.split("()")[0] for e in errors] == ["server.send", "server.broadcast"]
    await asyncio.sleep(0.05)
    assert page.messages == []  # nothing was queued, so nothing arrives later either
    await page.context.close()
    await server.close()


async def test_a_page_flushed_often_is_never_reported_as_unsent(monkeypatch, caplog):
    from domsync import server_core

    monkeypatch.setattr(server_core, "UNSENT_WARNING_AFTER", 0.3)

    async def handler(server, client):
        doc = server.get_document(client)
        clock = doc.createElement("p", innerText="0")
        doc.getRootElement().appendChild(clock)
        for n in range(60):  # changes all the time, flushed every 0.1 s: never clean when looked at
            clock.innerText = str(n)
            if n % 5 == 0:
                await server.flush(client)
            await asyncio.sleep(0.02)

    with caplog.at_level(logging.WARNING, logger="domsync.server"):
        async with open(handler):
            await asyncio.sleep(1.3)
    assert not [r for r in caplog.records if "were not sent" in r.getMessage()]


async def test_a_stopped_servers_shared_document_is_nobodys_and_so_is_a_dead_threads():
    import threading

    server = MemoryServer(shared=True)
    async with open(server):
        pass
    await server.close()
    changed = []
    thread = threading.Thread(target=lambda: changed.append(server.document.getRootElement().appendChild(
        server.document.createElement("p"))))
    thread.start()
    thread.join()
    assert changed  # not bound any more: no UsageError

    doc = Document("app")
    worker = threading.Thread(target=doc._bind_to_this_thread)
    worker.start()
    worker.join()  # its owner's thread has ended
    doc.getRootElement().appendChild(doc.createElement("p"))
    assert doc._owner_thread is None


async def test_route_and_download_calls_from_another_thread_change_nothing():
    import threading

    from domsync import pack_bytes

    server = MemoryServer(lambda server, client: None)
    page = await open(server)
    doc = server.get_document(server.get_clients()[0])
    errors = []

    def worker():
        for call in (lambda: doc.set_page("x"), lambda: doc.set_route_vars({"a": "1"}),
                     lambda: doc.file_download(pack_bytes(b"x" * 300_000), "big.bin"),
                     lambda: doc.createElement("p", id="taken")):
            try:
                call()
            except UsageError:
                errors.append(1)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert len(errors) == 4
    assert doc.page is None and dict(doc.route_vars) == {} and doc._downloads == {}
    doc.createElement("p", id="taken")  # the id was never registered
    await page.context.close()
    await server.close()


def test_warnings_point_at_the_application_line_for_locked_documents_too():
    from domsync import LockedDocument

    doc = LockedDocument("app")
    with pytest.warns(DomsyncWarning) as caught:
        doc.createElement("script")
        doc.createElement("input").setAttribute("checked", "false")
    assert [w.filename for w in caught] == [__file__, __file__]


def test_a_host_that_does_not_resolve_is_named_as_such():
    import socket

    from domsync.domsync_server import _listen_error

    error = _listen_error(socket.gaierror(-2, "Name or service not known"), "nonexistent.invalid", 8888)
    assert str(error.strerror).startswith("cannot listen on nonexistent.invalid:8888: name or service not known; "
                                          "check the host")


def test_css_text_can_be_set_as_in_the_browser():
    doc = Document("app")
    el = doc.createElement("p")
    el.style.cssText = "color: red"
    assert el.getAttribute("style") == "color: red"
