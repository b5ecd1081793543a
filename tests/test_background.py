"""domsync.background: serve_in_background from a plain thread, and python -m domsync."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading

import pytest

import domsync
from domsync import BackgroundServer, LockedDocument, UsageError, serve_in_background
from domsync.__main__ import main


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_starting_and_stopping_20_times_leaks_no_thread_or_socket(capsys):
    threads, fds = threading.active_count(), open_fds()
    for _ in range(20):
        page = serve_in_background(port=0, quiet=True)
        assert page.running and isinstance(page.document, LockedDocument)
        page.document.getRootElement().appendChild(page.document.createElement("p", innerText="x"))
        page.flush()
        page.close()
        page.close()  # again: nothing
        assert not page.running
    assert threading.active_count() == threads
    assert open_fds() <= fds
    assert capsys.readouterr().out == ""


def test_the_handle_prints_the_url_works_as_a_context_manager_and_frees_the_port(capsys):
    with serve_in_background(port=0) as page:
        assert f"domsync is serving {page.url}" in capsys.readouterr().out
        assert repr(page).startswith(f"<BackgroundServer {page.url} running")
        port = page.server.port
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
    assert not page.running
    with socket.socket() as probe:  # the port is free again
        probe.bind(("127.0.0.1", port))


def test_a_taken_port_raises_at_once_and_leaves_no_thread():
    threads = threading.active_count()
    with serve_in_background(port=0, quiet=True) as page:
        with pytest.raises(OSError):
            serve_in_background(port=page.server.port, host="127.0.0.1", quiet=True)
    assert threading.active_count() == threads


def test_per_client_documents_when_not_shared():
    with serve_in_background(port=0, quiet=True, shared=False) as page:
        with pytest.raises(UsageError, match="get_document"):
            page.document
        assert page.clients == []


def test_run_and_call_reach_the_servers_loop():
    with serve_in_background(port=0, quiet=True) as page:
        assert page.call(threading.current_thread) is page._thread

        async def answer():
            await asyncio.sleep(0)
            return 42

        assert page.run(answer()) == 42
        assert page.call(answer) == 42
    with pytest.raises(UsageError, match="not running"):
        page.run(answer())


def test_mistakes_raise_with_what_to_do_instead():
    with serve_in_background(port=0, quiet=True) as page:
        with page.document.lock:
            with pytest.raises(UsageError, match="after the 'with document.lock:' block"):
                page.flush()
            with pytest.raises(UsageError, match="after the 'with document.lock:' block"):
                page.call(len, [])
        with pytest.raises(UsageError, match="after the 'with document.lock:' block"):
            with page.document.lock:
                page.close()
        with pytest.raises(UsageError, match="await page.server.flush()"):
            page.call(page.flush)
        with pytest.raises(UsageError, match="already"):
            page.start()
        assert page.running


def test_close_from_a_callback_stops_the_server_after_it():
    page = serve_in_background(port=0, quiet=True)
    page.call(page.close)  # returns at once, on the server's thread
    page._thread.join(10)
    assert not page.running
    page.close()
    with pytest.raises(UsageError, match="not running"):
        page.flush()


def test_a_background_server_needs_thread_safe_documents():
    from domsync import DomsyncServer

    with pytest.raises(UsageError, match="thread_safe=True"):
        BackgroundServer(DomsyncServer(port=0, shared=True))


def test_calls_waiting_on_the_server_are_told_when_it_stops():
    page = serve_in_background(port=0, quiet=True)
    results = []

    async def forever():
        await asyncio.sleep(3600)

    def wait() -> None:
        try:
            page.run(forever())
        except UsageError as exc:
            results.append(str(exc))

    waiters = [threading.Thread(target=wait) for _ in range(5)]
    for waiter in waiters:
        waiter.start()
    page.close()
    for waiter in waiters:
        waiter.join(10)
    assert results == ["the server stopped before this finished"] * 5


def test_python_exits_cleanly_with_a_server_still_running():
    script = ("import domsync\n"
              "page = domsync.serve_in_background(port=0)\n"
              "page.document.getRootElement().appendChild(page.document.createElement('p'))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "domsync is serving" in result.stdout
    assert result.stderr == ""


def test_python_m_domsync_explains_its_options(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "--port" in out and "--host" in out and "8888" in out
    with pytest.raises(SystemExit):
        main(["--port", "70000"])
    assert "--port must be" in capsys.readouterr().err


def test_python_m_domsync_reports_a_taken_port(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert main(["--host", "127.0.0.1", "--port", str(taken.getsockname()[1])]) == 1
    assert "choose another with --port" in capsys.readouterr().err


async def test_python_m_domsync_serves_the_demo(context):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "domsync", "--host", "127.0.0.1", "--port", str(port),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        line = await asyncio.wait_for(process.stderr.readline(), 20)
        assert f"http://127.0.0.1:{port}/".encode() in line
        page = await context.new_page()
        await page.goto(f"http://127.0.0.1:{port}/")
        await page.click("#count")
        await page.wait_for_function("document.getElementById('count').textContent === 'Clicked 1 time'")
        await page.fill("#entry", "shout")
        await page.wait_for_function("document.getElementById('shout').textContent === 'SHOUT'")
        await page.click("#add")
        await page.wait_for_selector("#list li")
        await page.click("#notify")
        await page.locator(".domsync-notification-success").wait_for()
        first = await page.text_content("#clock")
        await page.wait_for_function(f"document.getElementById('clock').textContent !== {first!r}")
        await page.reload()  # resumes the same session, with no code for it in the demo
        await page.wait_for_function(
            "document.getElementById('count') && document.getElementById('count').textContent === 'Clicked 1 time'")
        assert await page.locator("#list li").count() == 1
    finally:
        process.terminate()
        await process.wait()


def test_background_server_is_exported():
    assert domsync.serve_in_background is serve_in_background and domsync.BackgroundServer is BackgroundServer


def test_open_browser_opens_the_page_in_the_systems_browser(monkeypatch):
    opened = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    with serve_in_background(port=0, quiet=True, open_browser=True) as page:
        assert opened == [page.url]
