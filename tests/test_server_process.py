"""The server as a person runs it: a script in its own process, Ctrl-C, 0.1.2 programs."""

from __future__ import annotations

import asyncio
import re
import os
import signal
import socket
import sys
import textwrap
from pathlib import Path

import pytest

# The clock example of domsync 0.1.2, verbatim but for the port.
CLOCK_0_1_2 = textwrap.dedent('''
    import asyncio
    from datetime import datetime
    from domsync.domsync_server import DomsyncServer

    async def connection_handler(server, client):
        """
        connection_handler is called when a client connects to the server
        :param server: is the DomsyncServer instance
        :param client: is a websocket client connection instance
        """

        # get the client's domsync Document
        document = server.get_document(client)

        # add a div to the root element
        root_element = document.getElementById(document.getRootId())
        div_element = document.createElement('div')
        root_element.appendChild(div_element)

        while True:
            # update the text of the div to the current time
            div_element.innerText = 'The current time is: ' + datetime.utcnow().isoformat()

            # send updates to the client
            await server.flush(client)

            # wait a bit
            await asyncio.sleep(0.1)

    async def main():
        # start a domsync server on localhost port 8888
        await DomsyncServer(connection_handler, 'localhost', 8888).serve()

    if __name__ == "__main__":
        asyncio.get_event_loop().run_until_complete(main())
        asyncio.get_event_loop().run_forever()
''')


# The input components example of domsync 0.1.2, verbatim, kept beside this file.
INPUTS_0_1_2 = (Path(__file__).resolve().parent / "compat_0_1_2" / "example_input_components.py").read_text()

# The same example as the original repository's last commit left it (Component(parent_el),
# TableComponent(parent_el, columns)), verbatim, kept beside this file.
INPUTS_REPOSITORY = (Path(__file__).resolve().parent / "compat_repository"
                     / "example_input_components.py").read_text()

# The table as a person sees it: the text of each body row's cells, by the row's first cell.
TABLE_AS_SEEN = """() => Object.fromEntries([...document.querySelectorAll('table tr')]
    .filter(tr => tr.cells[0].tagName === 'TD')
    .map(tr => [tr.cells[0].innerText, [...tr.cells].slice(1).map(td => td.innerText)]))"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def start(script: str, tmp_path) -> asyncio.subprocess.Process:
    path = tmp_path / "app.py"
    path.write_text(script)
    return await asyncio.create_subprocess_exec(
        sys.executable, str(path), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"},
    )


async def read_until(stream, needle: bytes, timeout: float = 20) -> bytes:
    seen = b""
    async def read():
        nonlocal seen
        while needle not in seen:
            chunk = await stream.read(1024)
            if not chunk:
                raise AssertionError(f"stream ended before {needle!r}: {seen!r}")
            seen += chunk
    await asyncio.wait_for(read(), timeout)
    return seen


async def stop(process: asyncio.subprocess.Process) -> tuple[int, bytes, bytes]:
    """Ctrl-C, as a person would; returns the exit code, stdout and stderr."""
    process.send_signal(signal.SIGINT)
    try:
        out, err = await asyncio.wait_for(process.communicate(), 20)
    except asyncio.TimeoutError:
        process.kill()
        raise
    return process.returncode, out, err


async def test_a_0_1_2_program_runs_unchanged_and_its_page_ticks(context, tmp_path):
    port = free_port()
    process = await start(CLOCK_0_1_2.replace("8888", str(port)), tmp_path)
    try:
        await read_until(process.stderr, b"domsync is serving")
        page = await context.new_page()
        await page.goto(f"http://localhost:{port}/")
        await page.wait_for_function(
            "document.getElementById('domsync_root_id').textContent.startsWith('The current time is: ')",
            timeout=10000)
        first = await page.text_content("#domsync_root_id")
        await page.wait_for_function(
            "t => document.getElementById('domsync_root_id').textContent !== t", arg=first, timeout=10000)
        await page.close()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_the_0_1_2_input_components_program_runs_unchanged(context, tmp_path):
    port = free_port()
    process = await start(INPUTS_0_1_2.replace("8888", str(port)), tmp_path)
    try:
        await read_until(process.stderr, b"domsync is serving")
        page = await context.new_page()
        await page.goto(f"http://localhost:{port}/")
        cell = "[id='domsync_root_id.table.td.button.value']"
        await page.wait_for_selector(cell)
        assert await page.text_content(cell) == "on"
        await page.click("[id='domsync_root_id.button']")
        await page.wait_for_function(f"document.querySelector(\"{cell}\").textContent === 'off'")
        await page.fill("[id='domsync_root_id.textinput']", "typed")
        typed = "[id='domsync_root_id.table.td.textinput.value']"
        await page.wait_for_function(f"document.querySelector(\"{typed}\").textContent === 'typed'")
        await page.select_option("[id='domsync_root_id.select']", "Option 2")
        chosen = "[id='domsync_root_id.table.td.select.value']"
        await page.wait_for_function(f"document.querySelector(\"{chosen}\").textContent === 'Option 2'")
        await page.close()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_the_repository_input_components_program_runs_unchanged(context, tmp_path):
    assert INPUTS_REPOSITORY.count("8888") == 1
    port = free_port()
    process = await start(INPUTS_REPOSITORY.replace("8888", str(port)), tmp_path)
    try:
        await read_until(process.stderr, b"domsync is serving")
        page = await context.new_page()
        await page.goto(f"http://localhost:{port}/")
        await page.wait_for_selector("table td")

        async def shows(row, text):
            await page.wait_for_function(
                f"([row, text]) => ({TABLE_AS_SEEN})()[row]?.[0] === text", arg=[row, text], timeout=10000)

        assert await page.evaluate("() => [...document.querySelectorAll('th')].map(th => th.innerText)") \
            == ["key", "value"]
        assert await page.evaluate(TABLE_AS_SEEN) == {
            "button": ["on"], "select": ["Option 1"],
            "textarea": ["Hello world\nhi there\nfoo bar"], "textinput": ["hi there!"]}
        await page.click("button")
        await shows("button", "off")
        assert await page.text_content("button") == "off"
        await page.click("button")
        await shows("button", "on")
        await page.fill("input[type=text]", "typed")
        await shows("textinput", "typed")
        await page.fill("textarea", "line one\nline two")
        await shows("textarea", "line one\nline two")
        await page.select_option("select", "Option 2")
        await shows("select", "Option 2")
        assert list(await page.evaluate(TABLE_AS_SEEN)) == ["button", "select", "textarea", "textinput"]
        await page.close()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    err = await process.stderr.read()
    assert b"Traceback" not in err, err.decode()


async def test_run_prints_the_url_and_ctrl_c_exits_cleanly(tmp_path):
    port = free_port()
    script = textwrap.dedent(f'''
        from domsync import DomsyncServer

        async def handler(server, client):
            pass

        DomsyncServer(handler, "127.0.0.1", {port}).run()
        print("returned")
    ''')
    process = await start(script, tmp_path)
    seen = await read_until(process.stderr, b"domsync is serving")
    assert f"http://127.0.0.1:{port}/".encode() in seen
    code, out, err = await stop(process)
    assert code == 0, err
    assert b"Traceback" not in err
    assert b"returned" in out


RUN_SCRIPT = """
from domsync import DomsyncServer

async def handler(server, client):
    pass

DomsyncServer(handler, "127.0.0.1", {port}).run()
print("returned")
"""


async def test_sigterm_stops_run_as_ctrl_c_does(tmp_path):
    """A service manager, `docker stop` or `kill` sends SIGTERM: the same clean stop and
    the same log line as Ctrl-C."""
    process = await start(RUN_SCRIPT.format(port=free_port()), tmp_path)
    await read_until(process.stderr, b"domsync is serving")
    process.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 0, err
    assert b"domsync stopped" in err and b"Traceback" not in err
    assert b"returned" in out


async def test_run_gives_back_the_programs_own_sigterm_handler(tmp_path):
    script = """
import signal
from domsync import DomsyncServer

def mine(signum, frame):
    pass

signal.signal(signal.SIGTERM, mine)
DomsyncServer(lambda server, client: None, "127.0.0.1", {port}).run()
print("restored", signal.getsignal(signal.SIGTERM) is mine)
"""
    process = await start(script.format(port=free_port()), tmp_path)
    await read_until(process.stderr, b"domsync is serving")
    process.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 0, err
    assert b"restored True" in out


async def test_a_port_in_use_is_one_line_that_says_what_to_do(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = await start(RUN_SCRIPT.format(port=port), tmp_path)
        out, err = await asyncio.wait_for(process.communicate(), 20)
    assert process.returncode == 1
    assert err.decode().strip().splitlines() == [
        f"domsync: cannot listen on 127.0.0.1:{port}: address already in use; another program (perhaps another "
        f"domsync server) is using that port: stop it, or choose another port, e.g. DomsyncServer(..., port=8889) "
        f"(port=0 picks a free one)"]
    assert b"returned" not in out


async def test_serve_raises_a_listen_error_naming_the_port():
    from domsync import DomsyncServer, ListenError

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = DomsyncServer(lambda server, client: None, "127.0.0.1", port, verbose=False)
        with pytest.raises(ListenError, match=f"cannot listen on 127.0.0.1:{port}: address already in use") as info:
            await server.serve()
    assert isinstance(info.value, OSError)
    await server.close()


@pytest.mark.parametrize("example", ["clock", "input_components", "todo", "chat", "actions", "dashboard", "progress",
                                     "styled_board", "strict_csp", "jinja_fragments", "prerender"])
async def test_each_example_starts_and_serves_its_page(example, tmp_path):
    """python examples/NAME.py prints a URL that serves the page (on port 8888, as
    documented; here moved to a free port)."""
    from pathlib import Path

    examples = Path(__file__).resolve().parent.parent / "examples"
    source = (examples / f"{example}.py").read_text()
    if (examples / f"{example}.css").exists():  # its style sheet goes with it
        (tmp_path / f"{example}.css").write_text((examples / f"{example}.css").read_text())
    port = free_port()
    assert "8888" in source
    process = await start(source.replace("8888", str(port)), tmp_path)
    try:
        seen = await read_until(process.stderr, b"domsync is serving")
        assert f"http://localhost:{port}/".encode() in seen
        reader, writer = await asyncio.open_connection("localhost", port)
        # As a browser opening the page asks for it (prerender=True renders only then).
        writer.write(b"GET / HTTP/1.1\r\nHost: localhost\r\nSec-Fetch-Dest: document\r\n"
                     b"Sec-Fetch-Site: none\r\n\r\n")
        await writer.drain()
        response = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        assert response.startswith(b"HTTP/1.1 200 OK")
        assert re.search(rb'<script src="domsync\.[0-9a-f]{12}\.js"( data-domsync-strict)?( async)?></script>',
                         response)  # versioned
        if example == "prerender":  # the first render is in the page
            assert b"<td id='powers.td.999.cube'>997002999</td>" in response
            assert b'<script type="application/json" id="domsync-boot">' in response
    finally:
        code, _, err = await stop(process)
    assert code == 0 and b"Traceback" not in err, err
