"""Lifecycle handlers registered with @server.on(...): connect, disconnect, error."""

from __future__ import annotations

import asyncio
import logging

import pytest
from conftest import eventually

from domsync import InvalidNameError, WrongTypeError
from domsync.domsync_server import DomsyncServer




def test_the_decorator_returns_the_function_and_registries_are_per_server():
    one, two = DomsyncServer(), DomsyncServer()

    def hello(client):
        pass

    assert one.on("connect")(hello) is hello
    assert one._handlers.lifecycle["connect"] == [hello]
    assert two._handlers.lifecycle["connect"] == []


@pytest.mark.parametrize("event,handler", [
    ("connect", lambda: None),
    ("connect", lambda client, extra: None),
    ("disconnect", lambda: None),
    ("error", lambda client: None),
    ("error", lambda client, exc, event, more: None),
    ("connect", "not callable"),
])
def test_a_handler_that_cannot_take_the_arguments_is_refused_at_registration(event, handler):
    server = DomsyncServer()
    with pytest.raises(WrongTypeError) as refused:
        server.on(event)(handler)
    assert event in str(refused.value)
    assert server._handlers.lifecycle[event] == []


def test_handlers_with_defaults_or_varargs_are_accepted():
    server = DomsyncServer()
    server.on("error")(lambda *args: None)
    server.on("connect")(lambda client, greeting="hi": None)
    assert len(server._handlers.lifecycle["error"]) == len(server._handlers.lifecycle["connect"]) == 1


def test_an_unknown_event_is_refused():
    with pytest.raises(InvalidNameError) as refused:
        DomsyncServer().on("connected")
    assert "'connect'" in str(refused.value)


async def test_connect_handlers_run_in_order_then_the_connection_handler(context):
    order = []

    async def connection_handler(server, client):
        order.append("connection_handler")
        doc = server.get_document(client)
        doc.getRootElement().appendChild(doc.createElement("p", id="p", innerText=",".join(order)))

    server = DomsyncServer(connection_handler, "127.0.0.1", 0, verbose=False)

    @server.on("connect")
    def first(client):
        order.append("first")

    @server.on("connect")
    async def second(client):
        await asyncio.sleep(0)
        order.append("second")

    await server.serve()
    try:
        page = await context.new_page()
        await page.goto(server.url)
        await page.wait_for_selector("#p")
        assert await page.text_content("#p") == "first,second,connection_handler"
    finally:
        await server.close()


async def test_decorators_alone_make_a_server(context):
    server = DomsyncServer(host="127.0.0.1", port=0, verbose=False)
    seen = {"connected": [], "gone": []}

    @server.on("connect")
    def build(client):
        seen["connected"].append(client)
        doc = server.get_document(client)
        doc.getRootElement().appendChild(doc.createElement("h1", id="h", innerText="hi"))

    @server.on("disconnect")
    async def bye(client):
        seen["gone"].append((client, server.is_connected(client)))

    await server.serve()
    try:
        page = await context.new_page()
        await page.goto(server.url)
        await page.wait_for_selector("#h")
        await page.close()
        await eventually(lambda: seen["gone"])
        assert seen["gone"] == [(seen["connected"][0], False)]
    finally:
        await server.close()


async def test_error_handlers_get_the_client_the_exception_and_the_event(context, caplog):
    server = DomsyncServer(host="127.0.0.1", port=0, verbose=False)
    errors = []

    @server.on("connect")
    def build(client):
        doc = server.get_document(client)
        button = doc.createElement("button", id="b", innerText="b")

        def explode(event):
            raise KeyError("from a callback")

        button.addEventListener("click", explode)
        doc.getRootElement().appendChild(button)

    @server.on("connect")
    def broken(client):
        raise ValueError("from a connect handler")

    @server.on("error")
    def collect(client, exc, event):
        errors.append((client, type(exc).__name__, event and event["event"]))

    @server.on("error")
    def also_broken(client, exc, event):
        raise RuntimeError("the error handler itself failed")

    caplog.set_level(logging.ERROR, logger="domsync")
    await server.serve()
    try:
        page = await context.new_page()
        await page.goto(server.url)
        await page.click("#b")
        await eventually(lambda: len(errors) == 2)
        client = server.get_clients()[0]
        assert errors == [(client, "ValueError", None), (client, "KeyError", "click")]
        assert "error handler failed" in caplog.text
        assert "from a connect handler" in caplog.text and "from a callback" in caplog.text
        await page.click("#b")  # the connection carries on
        await eventually(lambda: len(errors) == 3)
    finally:
        await server.close()
