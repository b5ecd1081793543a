"""Driving a page from a real interactive Python session: ``python -i`` and
``python -m asyncio``, fed through stdin, with Chromium watching the page. No statement
calls flush(): autoflush sends every change."""

from __future__ import annotations

import asyncio
import os
import re
import sys

import pytest


class Session:
    """An interactive Python process: type lines, read what it prints."""

    def __init__(self, process):
        self.process = process
        self.output = b""

    @classmethod
    async def start(cls, *args: str) -> "Session":
        env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONASYNCIODEBUG="")
        process = await asyncio.create_subprocess_exec(
            sys.executable, *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=env)
        return cls(process)

    async def type(self, *lines: str) -> None:
        for line in lines:
            self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()

    async def read_until(self, pattern: str, timeout: float = 20) -> re.Match:
        async def read() -> re.Match:
            while True:
                found = re.search(pattern.encode(), self.output)
                if found:
                    return found
                chunk = await self.process.stdout.read(4096)
                if not chunk:
                    raise AssertionError(f"the session ended before printing {pattern!r}: {self.output!r}")
                self.output += chunk
        return await asyncio.wait_for(read(), timeout)

    async def open_page(self, context, pattern: str = r"domsync is serving (http://\S+)"):
        """Open, in Chromium, the URL the session printed (``pattern``'s group 1), once
        it is connected."""
        url = (await self.read_until(pattern)).group(1).decode()
        page = await context.new_page()
        await page.goto(url)
        await page.wait_for_function("domsync.status === 'open'")
        return page

    async def ends_cleanly(self) -> None:
        """End the input; Python must exit with 0 and no traceback."""
        code, err = await self.finish()
        assert code == 0, err
        assert b"Traceback" not in err and b"Exception" not in err, err

    async def finish(self, timeout: float = 20) -> tuple[int, bytes]:
        self.process.stdin.close()
        try:
            _, err = await asyncio.wait_for(self.process.communicate(), timeout)
        except asyncio.TimeoutError:
            self.process.kill()
            raise AssertionError("the session did not exit") from None
        return self.process.returncode, err


@pytest.fixture
async def session():
    sessions = []

    async def start(*args: str) -> Session:
        sessions.append(await Session.start(*args))
        return sessions[-1]

    yield start
    for started in sessions:
        if started.process.returncode is None:
            started.process.kill()
            await started.process.wait()


async def test_a_plain_python_prompt_drives_the_page_without_flush(session, context):
    repl = await session("-i", "-q")
    await repl.type("import domsync", "page = domsync.serve_in_background(port=0)")
    browser_page = await repl.open_page(context)
    url = browser_page.url

    await repl.type("doc = page.document",
                    "title = doc.createElement('h1', id='title', innerText='Hello from the REPL')",
                    "doc.getRootElement().appendChild(title)")
    await browser_page.wait_for_selector("#title")
    assert await browser_page.text_content("#title") == "Hello from the REPL"

    await repl.type("title.innerText = 'typed at the prompt <b>'")
    await browser_page.wait_for_function(
        "document.getElementById('title').textContent === 'typed at the prompt <b>'")

    await repl.type("ul = doc.createElement('ul', id='items')", "doc.getRootElement().appendChild(ul)",
                    "for i in range(300):", "    ul.appendChild(doc.createElement('li', innerText=str(i)))", "")
    await browser_page.wait_for_function("document.querySelectorAll('#items li').length === 300")

    # A callback runs on the server's thread; the prompt reads what it did.
    await repl.type("button = doc.createElement('button', id='b', innerText='0')",
                    "button.addEventListener('click', lambda event: setattr(button, 'innerText', "
                    "str(int(button.innerText) + 1)))",
                    "doc.getRootElement().appendChild(button)")
    await browser_page.click("#b")
    await browser_page.click("#b")
    await browser_page.wait_for_function("document.getElementById('b').textContent === '2'")
    await repl.type("print('clicks:', button.innerText)")
    await repl.read_until(r"clicks: 2")

    # A browser that joins now gets the page as it is.
    late = await context.new_page()
    await late.goto(url)
    await late.wait_for_function("document.querySelectorAll('#items li').length === 300")
    assert await late.text_content("#b") == "2"
    assert await late.inner_html("#domsync_root_id") == await browser_page.inner_html("#domsync_root_id")

    await repl.ends_cleanly()  # end of input: Python exits, the server with it


async def test_ipython_drives_the_page_the_same_way(session, context):
    repl = await session("-m", "IPython", "--simple-prompt", "--no-banner", "--colors=NoColor")
    await repl.type("import domsync", "page = domsync.serve_in_background(port=0)")
    browser_page = await repl.open_page(context)
    await repl.type("doc = page.document",
                    "doc.getRootElement().appendChild(doc.createElement('h1', id='t', innerText='from IPython'))")
    await browser_page.wait_for_selector("#t")
    await repl.type("doc.getElementById('t').innerText = 'changed'")
    await browser_page.wait_for_function("document.getElementById('t').textContent === 'changed'")
    await repl.type("exit")
    await repl.ends_cleanly()


async def test_a_jupyter_kernel_with_its_own_loop_drives_the_page(context):
    from jupyter_client.manager import start_new_kernel

    manager, kernel = await asyncio.to_thread(start_new_kernel, kernel_name="python3")
    try:
        def run(code: str) -> str:
            """Execute a cell; return what it printed (and its error, if any)."""
            msg_id = kernel.execute(code)
            out = []
            while True:
                message = kernel.get_iopub_msg(timeout=30)
                if message["parent_header"].get("msg_id") != msg_id:
                    continue
                if message["msg_type"] == "stream":
                    out.append(message["content"]["text"])
                elif message["msg_type"] == "error":
                    out.append("ERROR " + message["content"]["evalue"])
                elif message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                    return "".join(out)

        assert "True" in await asyncio.to_thread(
            run, "import asyncio; print(asyncio.get_event_loop().is_running())")  # the kernel's own loop
        out = await asyncio.to_thread(run, "import domsync\npage = domsync.serve_in_background(port=0)")
        url = re.search(r"domsync is serving (http://\S+)", out).group(1)
        browser_page = await context.new_page()
        await browser_page.goto(url)
        await browser_page.wait_for_function("domsync.status === 'open'")
        out = await asyncio.to_thread(run, "doc = page.document\n"
                                           "doc.getRootElement().appendChild(doc.createElement('p', id='cell', "
                                           "innerText='from a cell'))")
        assert "ERROR" not in out, out
        await browser_page.wait_for_selector("#cell")
        assert await browser_page.text_content("#cell") == "from a cell"
        out = await asyncio.to_thread(run, "page.close(); print('running:', page.running)")
        assert "running: False" in out, out
    finally:
        kernel.stop_channels()
        await asyncio.to_thread(manager.shutdown_kernel)


async def test_python_m_asyncio_awaits_the_server_on_its_own_loop(session, context):
    repl = await session("-m", "asyncio")
    await repl.type("from domsync import DomsyncServer",
                    "server = DomsyncServer(port=0, verbose=False, shared=True, autoflush=1/60)",
                    "await server.serve()",
                    "print('serving', server.url)")
    browser_page = await repl.open_page(context, r"serving (http://\S+)")
    await repl.type("doc = server.document",
                    "doc.getRootElement().appendChild(doc.createElement('p', id='p', innerText='async'))")
    await browser_page.wait_for_selector("#p")
    await repl.type("doc.getElementById('p').innerText = 'changed'")
    await browser_page.wait_for_function("document.getElementById('p').textContent === 'changed'")
    await repl.type("await server.close()", "print('closed')")
    await repl.read_until("closed")
    await repl.ends_cleanly()
