"""The worker id (issue 16, sticky routing): checked when a server is made, carried by
its welcomes, and put by the tab into every later URL. Browserless; the proxies and the
browsers are in test_scale_proxy.py."""

from __future__ import annotations

import json

import pytest

from domsync import DomsyncServer, UsageError
from domsync.memory import MemoryServer
from domsync.resume import WORKER_ID_VARIABLE, welcome_frame, worker_id_from
from domsync.testing import open as open_page


async def page_handler(server, client):
    document = server.get_document(client)
    text = document.createElement("p")
    text.id = "text"
    text.innerText = "hello"
    document.getRootElement().appendChild(text)
    await server.flush(client)


@pytest.mark.parametrize("worker_id", ["w1", "worker-2", "A_b-9", "x" * 32])
def test_a_worker_id_of_letters_digits_dashes_and_underscores_is_taken(worker_id):
    assert DomsyncServer(page_handler, port=0, verbose=False, worker_id=worker_id).worker_id == worker_id


@pytest.mark.parametrize("worker_id", ["", "w 1", "w1;", "w/1", "é", "x" * 33, "w1\n", 1])
def test_a_bad_worker_id_raises_a_usage_error_that_says_what_it_may_be(worker_id):
    with pytest.raises(UsageError, match="letters, digits, '-' or '_'"):
        DomsyncServer(page_handler, port=0, verbose=False, worker_id=worker_id)


def test_the_worker_id_comes_from_the_environment_when_not_given(monkeypatch):
    monkeypatch.setenv(WORKER_ID_VARIABLE, "w7")
    assert DomsyncServer(page_handler, port=0, verbose=False).worker_id == "w7"
    assert DomsyncServer(page_handler, port=0, verbose=False, worker_id="w8").worker_id == "w8"
    monkeypatch.setenv(WORKER_ID_VARIABLE, "w 7")
    with pytest.raises(UsageError, match=WORKER_ID_VARIABLE):
        DomsyncServer(page_handler, port=0, verbose=False)


def test_without_a_worker_id_a_server_runs_alone(monkeypatch):
    monkeypatch.delenv(WORKER_ID_VARIABLE, raising=False)
    assert DomsyncServer(page_handler, port=0, verbose=False).worker_id is None
    assert worker_id_from(None, {WORKER_ID_VARIABLE: "  "}) is None


def test_the_welcome_names_the_worker_only_when_there_is_one():
    assert "worker" not in json.loads(welcome_frame("t" * 32, False, False, 0, 100))  # nothing changes alone
    assert json.loads(welcome_frame("t" * 32, True, False, 3, 100, "w2"))["worker"] == "w2"


async def test_a_tab_keeps_its_worker_id_and_puts_it_in_the_url_of_its_next_connection():
    server = MemoryServer(page_handler, worker_id="w3")
    async with open_page(server) as page:
        tab = page._tab
        assert tab.worker == "w3"
        (client,) = server.get_clients()
        assert "worker=" not in client.request.path  # the first connection names none
        paths = []
        link_open = tab.link.open

        async def recording_open(path, tab):
            paths.append(path)
            await link_open(path, tab)

        tab.link.open = recording_open
        await page.go_offline()
        await page.go_online()
        await page.reload()  # the worker id outlives a reload, as the token does
        assert server.get_clients() == [client]  # resumed both times
        assert len(paths) == 2
        assert all("worker=w3" in path.split("?", 1)[1].split("&") for path in paths)


async def test_a_tab_whose_worker_is_gone_takes_the_new_workers_id_with_its_fresh_session():
    first = MemoryServer(page_handler, worker_id="w1")
    async with open_page(first) as page:
        tab = page._tab
        assert tab.worker == "w1"
        old_token = tab.token
        # The proxy sent the returning tab to another worker, which never held its session.
        other = MemoryServer(page_handler, worker_id="w2")
        await page.go_offline()
        await first._end_session(first.get_clients()[0])
        from domsync.testing.tab import MemoryLink
        tab.link = MemoryLink(other)
        await page.go_online()
        assert tab.worker == "w2"
        assert tab.token != old_token
        assert [note.title for note in tab.notifications] == ["The session expired; this is a new one"]
        await page.get_by_text("hello").wait_for()
