"""The Redis backplane (domsync/backplane.py, domsync/replica.py) against a real Redis:
several servers of one app in this process, each with its own backplane, with pages in
memory (domsync.testing). Processes behind a proxy, with Chromium: test_scale_*.py."""

from __future__ import annotations

import asyncio
import logging

import pytest

from domsync import DomsyncServer, ReplicaError, UsageError
from domsync.backplane import RedisBackplane
from domsync.mirror import Mirror
from domsync.replica import mirror_snapshot, ops_from_json, ops_to_json
from domsync.testing import expect, open

from services import start_redis

class Redis:
    """This module's Redis, which a test can stop and start again on the same port."""

    def __init__(self, folder):
        self.service = start_redis(folder)
        self.url = f"redis://127.0.0.1:{self.service.port}/0"

    def stop(self):
        self.service.kill()

    def start(self):
        self.service = start_redis(self.service.folder, self.service.port)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """A Redis of this module's own (the session's is conftest's redis_server)."""
    server = Redis(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture
def namespace(request):
    # One namespace per test: the tests share one Redis.
    return "t" + str(abs(hash(request.node.nodeid)))


async def eventually(check, timeout=10.0):
    """Wait until check() is true (polling: the backplane works in the background)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("not true within %g s" % timeout)
        await asyncio.sleep(0.02)


def make_server(redis_server, namespace, worker, **options):
    return DomsyncServer(None, "127.0.0.1", 0, verbose=False,
                         backplane=RedisBackplane(redis_server.url, namespace=namespace, worker=worker), **options)


# ---------------------------------------------------------------------- pure parts


def test_ops_survive_json_as_the_encoders_and_mirror_need_them():
    ops = [(1, 0, ((-3, "p", 0, ("class", "x"), "hi", None), "text", 5)), (14, "news", {"a": [1, 2]})]
    back = ops_from_json(ops_to_json(ops))
    assert back[0] == ops[0]
    assert back[1] == (14, "news", {"a": [1, 2]})  # a payload's lists stay lists


def test_a_mirror_snapshot_rebuilds_the_same_page_with_the_same_keys():
    from domsync import Document
    doc = Document("app")
    root = doc.getRootElement()
    root.setAttribute("class", "top")
    ul = doc.createElement("ul", id="list")
    for text in ("a", "b"):
        ul.appendChild(doc.createElement("li", innerText=text))
    box = doc.createElement("input", id="box")
    box.value = "typed"
    box.addEventListener("input", lambda event: None, "this.value")
    root.appendChild(ul)
    root.appendChild(box)
    svg = doc.createElementNS("http://www.w3.org/2000/svg", "svg")
    svg.innerHTML = "<circle r='3'></circle>"
    root.appendChild(svg)
    mixed = doc.createElement("p")
    mixed.innerHTML = "tail <b>bold</b> end"
    root.appendChild(mixed)
    page = Mirror("app")
    page.apply(doc.snapshot_ops())
    copy = Mirror("app")
    copy.apply(mirror_snapshot(page))
    assert copy.outer_html() == page.outer_html() == doc.getRootElement().outerHTML
    assert {key: el.tag for key, el in copy.keys.items()} == {key: el.tag for key, el in page.keys.items()}
    assert copy.listeners == page.listeners
    assert copy.get_element_by_id("box").value == "typed"
    # and it goes on taking the same batches
    ul.appendChild(doc.createElement("li", innerText="c"))
    box.value = "more"
    ops = doc.take_ops()
    page.apply(ops)
    copy.apply(ops)
    assert copy.outer_html() == page.outer_html() == doc.getRootElement().outerHTML


def test_a_bad_backplane_argument_says_what_to_give():
    with pytest.raises(UsageError, match="Redis URL"):
        DomsyncServer(None, backplane="localhost:6379")
    with pytest.raises(UsageError, match="Redis URL"):
        DomsyncServer(None, backplane=6379)


# ---------------------------------------------------------------------- broadcasts and presence


async def test_a_broadcast_reaches_the_pages_of_every_process_once_and_in_order(redis_server, namespace):
    one = make_server(redis_server, namespace, "w1")
    two = make_server(redis_server, namespace, "w2")
    async with open(one) as alice, open(two) as bob:
        carol = await bob.context.new_page()
        await eventually(lambda: one.backplane.connected and two.backplane.connected)
        await asyncio.sleep(0.2)  # both readers have their cursor
        for n in range(20):
            await one.broadcast("n", n)
        await two.broadcast("fromtwo", "hi")
        expected_one = [("n", n) for n in range(20)]
        await eventually(lambda: len(bob.messages) == 21 and len(carol.messages) == 21 and len(alice.messages) == 21)
        await asyncio.sleep(0.3)  # nothing more comes (no duplicates)
        for page in (bob, carol):
            assert [m for m in page.messages if m[0] == "n"] == expected_one
            assert page.messages.count(("fromtwo", "hi")) == 1
        assert [m for m in alice.messages if m[0] == "n"] == expected_one
        assert alice.messages.count(("fromtwo", "hi")) == 1


async def test_exclude_is_about_this_process_and_the_others_still_get_it(redis_server, namespace):
    one = make_server(redis_server, namespace, "w1")
    two = make_server(redis_server, namespace, "w2")
    async with open(one) as alice, open(two) as bob:
        await eventually(lambda: one.backplane.connected and two.backplane.connected)
        await asyncio.sleep(0.2)
        await one.broadcast("news", 1, exclude=one.get_clients()[0])
        await eventually(lambda: bob.messages == [("news", 1)])
        await asyncio.sleep(0.2)
        assert alice.messages == []


async def test_count_clients_counts_every_process(redis_server, namespace):
    one = make_server(redis_server, namespace, "w1")
    two = make_server(redis_server, namespace, "w2")
    async with open(one), open(two) as bob:
        await bob.context.new_page()
        await eventually(lambda: one.backplane.connected and two.backplane.connected)
        assert len(one.get_clients()) == 1 and len(two.get_clients()) == 2
        counts = []

        async def settled():
            counts.append(await one.count_clients())
            return counts[-1] == 3

        deadline = asyncio.get_running_loop().time() + 10
        while not await settled():
            assert asyncio.get_running_loop().time() < deadline, counts
            await asyncio.sleep(0.1)
        assert await two.count_clients() == 3
    plain = DomsyncServer(None, "127.0.0.1", 0, verbose=False)
    async with open(plain):
        assert await plain.count_clients() == 1


async def test_while_redis_is_away_local_service_goes_on_and_broadcasts_arrive_late(redis_server, namespace,
                                                                                   caplog):
    one = make_server(redis_server, namespace, "w1")
    two = make_server(redis_server, namespace, "w2")
    caplog.set_level(logging.WARNING, "domsync.backplane")
    async with open(one) as alice, open(two) as bob:
        await eventually(lambda: one.backplane.connected and two.backplane.connected)
        await asyncio.sleep(0.2)
        await one.broadcast("before", 1)
        await eventually(lambda: bob.messages == [("before", 1)])
        redis_server.stop()
        try:
            await one.broadcast("during", 2)  # local at once; kept for the others
            await eventually(lambda: alice.messages == [("before", 1), ("during", 2)])
            await eventually(lambda: not one.backplane.connected, timeout=15)
            assert bob.messages == [("before", 1)]
            await one.broadcast("during", 3)
        finally:
            redis_server.start()
        await eventually(lambda: bob.messages == [("before", 1), ("during", 2), ("during", 3)], timeout=20)
        await one.broadcast("after", 4)
        await eventually(lambda: bob.messages[-1] == ("after", 4))
    away = [r for r in caplog.records if "cannot reach Redis" in r.getMessage()]
    assert 1 <= len([r for r in away if "w1" in r.getMessage()]) <= 1  # logged once per outage
    assert any("Redis is back" in r.getMessage() for r in caplog.records)


# ---------------------------------------------------------------------- shared documents


def counter_app(redis_server, namespace, worker):
    """What every process of a shared-document app runs at start: the same page, with
    a listener on an element it builds then."""
    server = make_server(redis_server, namespace, worker, shared=True)
    doc = server.document
    root = doc.getRootElement()
    count = doc.createElement("p", id="count", innerText="0")
    button = doc.createElement("button", id="add", innerText="add")
    name = doc.createElement("input", id="name")

    def add(event):
        count.innerText = str(int(count.innerText) + 1)
        server.worker_seen = getattr(server, "worker_seen", []) + [worker]

    button.addEventListener("click", add)
    root.append(count, button, name)
    return server


async def owner_of(*servers):
    await eventually(lambda: sum(server.owns_document for server in servers) == 1)
    return next(server for server in servers if server.owns_document)


async def test_a_replica_shows_the_owners_page_and_sends_it_its_events(redis_server, namespace):
    one = counter_app(redis_server, namespace, "w1")
    async with open(one) as alice:
        await eventually(lambda: one.owns_document)
        two = counter_app(redis_server, namespace, "w2")
        async with open(two) as bob:
            await eventually(lambda: two.backplane._doc_cursor is not None)  # following
            assert not two.owns_document
            await bob.locator("#add").click()
            await expect(bob.locator("#count")).to_have_text("1")
            await expect(alice.locator("#count")).to_have_text("1")
            await alice.locator("#add").click()
            await expect(bob.locator("#count")).to_have_text("2")
            assert one.worker_seen == ["w1", "w1"]  # both clicks ran on the owner
            assert not hasattr(two, "worker_seen")
            # form state typed on the replica reaches the owner's model and the others
            await bob.locator("#name").fill("zoe")
            await eventually(lambda: one.document.getElementById("name").value == "zoe")
            await expect(alice.locator("#name")).to_have_value("zoe")
            # a page that joins the replica later gets the page as it is
            carol = await bob.context.new_page()
            await expect(carol.locator("#count")).to_have_text("2")
            await expect(carol.locator("#name")).to_have_value("zoe")
            for page in (bob, carol):
                assert page._tab.mirror.inner_html() == one.document.getRootElement().innerHTML
            # the owner's changes of its own reach the replica's pages
            one.document.getElementById("count").innerText = "10"
            await one.flush()
            await expect(carol.locator("#count")).to_have_text("10")


async def test_changing_a_replica_raises_and_says_where_to_change_it(redis_server, namespace):
    one = counter_app(redis_server, namespace, "w1")
    async with open(one):
        await eventually(lambda: one.owns_document)
        two = counter_app(redis_server, namespace, "w2")
        async with open(two):
            await eventually(lambda: two.backplane._doc_cursor is not None)
            with pytest.raises(ReplicaError, match=r"await server.ownership\(\)"):
                two.document.getElementById("count").innerText = "5"
            with pytest.raises(ReplicaError):
                two.document.getRootElement().appendChild(two.document.createElement("p"))


async def test_when_the_owner_stops_a_replica_takes_over_with_the_page_as_it_was(redis_server, namespace):
    one = counter_app(redis_server, namespace, "w1")
    two = counter_app(redis_server, namespace, "w2")
    async with open(one) as alice:
        await eventually(lambda: one.owns_document)
        async with open(two) as bob:
            await eventually(lambda: two.backplane._doc_cursor is not None)
            for _ in range(3):
                await alice.locator("#add").click()
            one.document.getRootElement().appendChild(one.document.createElement("p", innerText="later"))
            await one.flush()
            await expect(bob.locator("p").last).to_have_text("later")
            await expect(bob.locator("#count")).to_have_text("3")
            before = one.document.getRootElement().innerHTML
            await alice.context.close()
            await one.close()  # the owner process goes: its lease with it
            await asyncio.wait_for(two.ownership(), 10)
            assert two.owns_document
            assert two.document.getRootElement().innerHTML == before  # nothing lost, nothing twice
            await expect(bob.locator("#count")).to_have_text("3")
            # the listener the process added at start is on the element it still is
            await bob.locator("#add").click()
            await expect(bob.locator("#count")).to_have_text("4")
            assert two.worker_seen == ["w2"]
            two.document.getElementById("count").innerText = "100"
            await two.flush()
            await expect(bob.locator("#count")).to_have_text("100")
            assert bob._tab.mirror.inner_html() == two.document.getRootElement().innerHTML


async def test_an_owner_that_dies_without_a_word_is_replaced_when_its_lease_runs_out(redis_server, namespace):
    one = counter_app(redis_server, namespace, "w1")
    two = counter_app(redis_server, namespace, "w2")
    three = counter_app(redis_server, namespace, "w3")
    async with open(one):
        await eventually(lambda: one.owns_document)
        async with open(two) as bob, open(three) as carol:
            await eventually(lambda: two.backplane._doc_cursor is not None and three.backplane._doc_cursor is not None)
            await bob.locator("#add").click()
            await expect(carol.locator("#count")).to_have_text("1")
            # The owner freezes: its backplane stops without giving up the lease.
            for task in one.backplane._tasks:
                task.cancel()
            one.backplane._tasks = []
            new = await asyncio.wait_for(owner_of(two, three), 15)
            await bob.locator("#add").click()
            await expect(carol.locator("#count")).to_have_text("2")
            await expect(bob.locator("#count")).to_have_text("2")
            assert new.worker_seen[-1:] == [new.backplane.worker]
            # the old owner cannot write after its successor (the fenced append)
            one.document.getElementById("count").innerText = "stale"
            one.backplane._outbox_add(("d", [(8, 1, "stale")]))
            await one.backplane._publish_some()
            assert one.backplane._token is None  # it found out, and follows
            await asyncio.sleep(0.3)
            await expect(carol.locator("#count")).to_have_text("2")


async def test_a_route_and_a_named_message_from_a_replicas_page_run_on_the_owner(redis_server, namespace):
    seen = []

    def app(worker):
        server = counter_app(redis_server, namespace, worker)

        @server.on("route")
        async def route(client, page, route_vars):
            seen.append((worker, "route", page))

        @server.on_event("hello")
        async def hello(ctx):
            seen.append((worker, "hello", ctx.payload))
            ctx.document.getElementById("count").innerText = "hello"
        return server

    one, two = app("w1"), app("w2")
    async with open(one):
        await eventually(lambda: one.owns_document)
        async with open(two) as bob:
            await eventually(lambda: two.backplane._doc_cursor is not None)
            await bob.goto("#shop")
            await eventually(lambda: ("w1", "route", "shop") in seen)
            await bob.send_message("hello", 7)
            await expect(bob.locator("#count")).to_have_text("hello")
            assert [entry[0] for entry in seen] == ["w1", "w1"]
            assert one.document.page == "shop"


async def test_the_asgi_app_under_uvicorn_takes_part_like_the_server(redis_server, namespace):
    from test_asgi_browser import Uvicorn, starlette_app
    from domsync.testing import connect

    mounted = make_server(redis_server, namespace, "asgi")
    own = make_server(redis_server, namespace, "own")
    async with Uvicorn(starlette_app(mounted.asgi())) as uvicorn, open(own) as alice:
        async with connect(uvicorn.url + "/live/") as bob:
            await eventually(lambda: mounted.backplane.connected and own.backplane.connected)
            await asyncio.sleep(0.3)
            await own.broadcast("hello", "from own")
            await mounted.broadcast("hello", "from asgi")
            await eventually(lambda: sorted(bob.messages) == sorted(alice.messages) ==
                             [("hello", "from asgi"), ("hello", "from own")])
            deadline = asyncio.get_running_loop().time() + 10  # counts are written every 2 s
            while await mounted.count_clients() != 2:
                assert asyncio.get_running_loop().time() < deadline
                await asyncio.sleep(0.1)
    # Starlette does not pass lifespans to mounted apps: the parent app closes it.
    assert mounted.backplane.started
    await mounted.asgi().close()
    assert not mounted.backplane.started


async def test_malformed_entries_in_redis_are_logged_and_dropped(redis_server, namespace, caplog):
    import redis.asyncio as aioredis
    caplog.set_level(logging.WARNING, "domsync.backplane")
    one = counter_app(redis_server, namespace, "w1")
    two = counter_app(redis_server, namespace, "w2")
    stranger = aioredis.from_url(redis_server.url)
    try:
        async with open(one) as alice:
            await eventually(lambda: one.owns_document)
            async with open(two) as bob:
                await eventually(lambda: two.backplane._doc_cursor is not None)
                await asyncio.sleep(0.2)
                # a script in a broadcast, a broadcast that is not JSON, a batch for
                # elements the page does not have
                await stranger.xadd(f"{namespace}:broadcast", {"w": "x", "n": 1, "op": '[[20, "alert(1)"]]'})
                await stranger.xadd(f"{namespace}:broadcast", {"w": "y", "n": 1, "op": "{not json"})
                doc_from = two.backplane._doc_from
                await stranger.xadd(f"{namespace}:doc", {"w": doc_from[0], "n": doc_from[1] + 1, "k": "b",
                                                        "ops": '[[8, 999, "x"]]'})
                await eventually(lambda: len([r for r in caplog.records if "malformed" in r.getMessage()]) == 4
                                 and any("cannot apply" in r.getMessage() for r in caplog.records))
                assert bob.scripts == [] and alice.scripts == []
                # and both go on
                await one.broadcast("still", 1)
                await eventually(lambda: bob.messages == [("still", 1)])
                await bob.locator("#add").click()
                await expect(bob.locator("#count")).to_have_text("1")
    finally:
        await stranger.aclose()


async def test_a_takeover_while_the_owner_is_busy_loses_nothing_and_repeats_nothing(redis_server, namespace):
    def app(worker):
        server = make_server(redis_server, namespace, worker, shared=True)
        doc = server.document
        doc.getRootElement().appendChild(doc.createElement("ul", id="items"))
        return server

    async def produce(server, stop):
        items = server.document.getElementById("items")
        n = 0
        while not stop.is_set() and server.owns_document:  # (a real app: await server.ownership())
            items.appendChild(server.document.createElement("li", innerText=str(n)))
            n += 1
            await server.flush()
            await asyncio.sleep(0.005)

    one, two = app("w1"), app("w2")
    async with open(one):
        await eventually(lambda: one.owns_document)  # the first to start owns the page
        async with open(two) as bob:
            await eventually(lambda: two.backplane._doc_cursor is not None)
            await taken_over_while_busy(one, two, bob, produce)


async def taken_over_while_busy(one, two, bob, produce):
    """The owner freezes while it streams batches; the replica takes over."""
    stop = asyncio.Event()
    producer = asyncio.ensure_future(produce(one, stop))
    await eventually(lambda: bob._tab.mirror.inner_html().count("<li") > 50)
    for task in one.backplane._tasks:  # the owner freezes, mid-stream
        task.cancel()
    one.backplane._tasks = []
    await asyncio.wait_for(two.ownership(), 15)
    stop.set()
    await producer
    await eventually(lambda: bob._tab.mirror.inner_html() == two.document.getRootElement().innerHTML)
    texts = [li.textContent for li in two.document.querySelectorAll("li")]
    assert texts == [str(n) for n in range(len(texts))]  # in order, none twice, none missing
    assert len(texts) > 50
    assert bob.errors == []
