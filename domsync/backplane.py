"""The Redis backplane: several domsync processes, one app.

``DomsyncServer(..., backplane="redis://host:6379/0")`` (and the same on its ASGI app)
connects the server to Redis with :mod:`redis.asyncio` (``pip install 'domsync[redis]'``).
Then:

- :meth:`~domsync.DomsyncServer.broadcast` reaches the browsers of every process:
  each broadcast goes on a Redis Stream, and every process reads the stream from where
  it left off. A process that was cut off from Redis reads on from there when it is
  back: what it missed arrives late, in order; what Redis no longer holds is reported
  as lost in the log (each sender numbers its broadcasts), never dropped in silence.
  A sender that cannot reach Redis keeps its broadcasts (up to :data:`OUTBOX_LIMIT`)
  and sends them when Redis is back; past that it logs how many it dropped.
- ``await server.count_clients()`` counts the sessions of every process (each process
  writes its count every :data:`PRESENCE_EVERY` seconds; ``server.get_clients()`` stays
  this process's).
- A shared document (``shared=True``) is owned by one process at a time (a lease in
  Redis, renewed every second) and replicated by the others from its op stream; see
  :mod:`domsync.replica`. ``await server.ownership()`` returns in the process that owns
  it, at once or when it takes over.

If Redis goes away, every process keeps serving its own browsers, logs it once, and
tries again with backoff (0.1 s, doubling, up to 5 s).

Keys, all under the ``namespace`` (``domsync`` by default; give each app its own):
``<ns>:broadcast`` and ``<ns>:doc`` (streams), ``<ns>:events`` (a stream of the
replicas' browser events for the owner), ``<ns>:owner`` (the lease), ``<ns>:presence``
(a hash).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from .client import Client, Request
from .document import Document
from .exceptions import UsageError, WrongTypeError
from .logs import brief
from .mirror import MirrorError
from .protocol import MESSAGE, SYNC
from .replica import SNAPSHOT_EVERY, ReplicatedDocument, ops_from_json, ops_to_json
from .session import Call

if TYPE_CHECKING:  # pragma: no cover
    from .server_core import ServerCore

__all__ = ["RedisBackplane", "OUTBOX_LIMIT", "PRESENCE_EVERY", "LEASE"]

logger = logging.getLogger("domsync.backplane")

#: Broadcasts a process keeps while Redis is away; past that the oldest are dropped
#: (and counted in the log).
OUTBOX_LIMIT = 10_000
#: Seconds between a process's presence writes; a count older than three of these is
#: a dead process's, and not counted.
PRESENCE_EVERY = 2.0
#: Seconds a shared document's owner holds its lease without renewing it (it renews
#: every third of that): how long a dead owner's document goes unowned at most.
LEASE = 3.0
#: Entries a stream keeps (about): broadcasts, and the shared document's ops.
STREAM_LENGTH = 10_000
#: Backoff between tries to reach Redis, in seconds.
BACKOFF = (0.1, 5.0)
#: How long one blocking read waits for entries (ms); also how often a reader looks
#: again at what it should read.
BLOCK_MS = 1000
#: Seconds after Redis came back in which a failure is taken for the same outage.
RELAPSE = 5.0
#: Stand-ins kept for the browsers of other processes whose events this owner handled.
REMOTE_CLIENTS = 10_000

# Renew the lease if it is ours (1); take it if nobody holds it (2: Redis lost it,
# say after a restart); else 0.
_RENEW = """
local holder = redis.call('get', KEYS[1])
if holder == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return 1 end
if not holder then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 2 end
return 0
"""
# Append to the document's stream only while the lease is ours: an owner that lost it
# (a pause longer than the lease) cannot write after its successor.
_APPEND = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then return false end
return redis.call('xadd', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'w', ARGV[1], 'n', ARGV[3], 'k', ARGV[4],
                  'ops', ARGV[5])
"""


def _connection_error() -> tuple[type[BaseException], ...]:
    from redis.exceptions import ConnectionError, TimeoutError
    return (ConnectionError, TimeoutError, OSError)


class RedisBackplane:
    """Connects one server to the others of its app through Redis.

    Made by the server from its ``backplane`` argument; the application reads it as
    ``server.backplane`` (for :attr:`worker`, :attr:`connected`).

    Args:
        url: ``redis://[user:password@]host:port/db`` (or ``rediss://`` for TLS,
            ``unix://`` for a socket).
        namespace: the prefix of every key: one per app that shares the Redis.
        worker: this process's name in the keys and logs (default: the
            ``DOMSYNC_WORKER_ID`` environment variable, else the host name and pid).
    """

    def __init__(self, url: str, namespace: str = "domsync", worker: str | None = None):
        if type(url) is not str or not url.startswith(("redis://", "rediss://", "unix://")):
            raise WrongTypeError(f"backplane must be a Redis URL such as 'redis://localhost:6379/0', not {url!r}")
        try:
            import redis.asyncio  # noqa: F401  (an optional dependency)
        except ImportError:
            raise UsageError("the Redis backplane needs the redis package: pip install 'domsync[redis]'") from None
        self.url = url
        self.namespace = namespace
        #: This process's name among the app's processes.
        self.worker = worker or os.environ.get("DOMSYNC_WORKER_ID") or f"{os.uname().nodename}-{os.getpid()}"
        # Unique per start, so that a restarted worker of the same name is another sender.
        self._me = f"{self.worker}.{secrets.token_hex(4)}"
        #: Whether Redis answered the last time it was asked.
        self.connected = False
        self._server: ServerCore | None = None
        self._redis: Any = None
        self._tasks: list[asyncio.Task] = []
        self._down_since: float | None = None
        self._back_at = -1e9  # when Redis last came back (time.monotonic)
        self._relapse = False
        # In order: ("b", op) a broadcast, ("d", ops) a document batch, ("s", ops) a snapshot.
        self._outbox: deque[tuple[str, Any]] = deque()
        self._wake: asyncio.Event | None = None
        self._sent = 0  # this process's broadcasts, numbered
        self._lost_outbox = 0
        self._seen: dict[str, int] = {}  # sender -> number of its last broadcast delivered here
        self._broadcast_cursor: str | None = None
        # The shared document: its replication, if the server has one.
        self._shared: ReplicatedDocument | None = None
        self._token: str | None = None  # our lease while we own the document
        self._doc_sent = 0  # batches appended under this lease
        self._doc_cursor: str | None = None  # following: the last entry applied
        self._doc_from: tuple[str, int] | None = None  # following: (lease, number) of that entry
        self._events_cursor = "$"
        self._owned: asyncio.Event | None = None
        self._remote: dict[tuple[str, str], Client] = {}

    def __repr__(self) -> str:
        return f"<RedisBackplane {self.worker} {self.url!r} {'up' if self.connected else 'down'}>"

    def _key(self, name: str) -> str:
        return f"{self.namespace}:{name}"

    # ------------------------------------------------------------------ lifecycle

    @property
    def started(self) -> bool:
        """Whether its tasks run (between the server's start and stop)."""
        return bool(self._tasks)

    def start(self, server: ServerCore) -> None:
        """Start the backplane's tasks, in the running loop (the server calls it when
        it starts). Redis that cannot be reached yet is tried in the background."""
        import redis.asyncio as aioredis
        self._server = server
        self._wake = asyncio.Event()
        if self._owned is None:
            self._owned = asyncio.Event()
        # A pooled connection idle for a second is checked (PING) before use, and made again if
        # Redis restarted meanwhile: a stale connection is not taken for a second outage.
        self._redis = aioredis.from_url(self.url, socket_connect_timeout=2, health_check_interval=1)
        documents = server._hub.documents
        if isinstance(documents, ReplicatedDocument):
            self._shared = documents
            documents.on_batch = self._on_batch
        self._tasks = [asyncio.create_task(self._publish_loop(), name="domsync backplane publisher"),
                       asyncio.create_task(self._read_loop(), name="domsync backplane reader"),
                       asyncio.create_task(self._presence_loop(), name="domsync backplane presence")]
        if self._shared is not None:
            self._tasks.append(asyncio.create_task(self._lease_loop(), name="domsync backplane lease"))
            self._tasks.append(asyncio.create_task(self._events_loop(), name="domsync backplane events"))

    async def stop(self) -> None:
        """Stop the tasks, give up the lease and the presence entry (best effort), and
        close the connections."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._outbox:
            logger.warning("backplane %s: stopped with %d broadcasts or batches not sent to Redis",
                           self.worker, len(self._outbox))
        redis = self._redis
        if redis is None:
            return
        try:
            async with asyncio.timeout(1):
                await redis.hdel(self._key("presence"), self._me)
                if self._token is not None:
                    await redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', "
                                     "KEYS[1]) end return 0", 1, self._key("owner"), self._token)
        except Exception:  # Redis away: the lease and the count expire by themselves
            pass
        self._token = None
        await redis.aclose()
        self._redis = None

    # ------------------------------------------------------------------ Redis away and back

    def _down(self, exc: BaseException) -> None:
        self.connected = False
        if self._down_since is not None:
            return
        self._down_since = time.monotonic()
        if self._down_since - self._back_at < RELAPSE:
            # A connection made before the outage, failing once on its first use since:
            # the same outage, already reported.
            self._relapse = True
            logger.debug("backplane %s: Redis failed again just after it came back (%s)", self.worker, exc)
            return
        logger.warning("backplane %s: cannot reach Redis at %s (%s): serving this process's browsers only, "
                       "trying again", self.worker, self.url, brief(str(exc) or type(exc).__name__))

    def _up(self) -> None:
        self.connected = True
        if self._down_since is None:
            return
        if not self._relapse:
            logger.warning("backplane %s: Redis is back after %.1f s", self.worker,
                           time.monotonic() - self._down_since)
        self._relapse = False
        self._down_since = None
        self._back_at = time.monotonic()
        # Let go of the idle connections made before the outage: they would fail once each.
        self._track(self._redis.connection_pool.disconnect(inuse_connections=False))

    async def _retrying(self, what: str, step: Callable[[], Awaitable[Any]]) -> None:
        """Run ``step`` forever; when Redis is away, log once and back off."""
        errors = _connection_error()
        delay = BACKOFF[0]
        while True:
            try:
                await step()
                delay = BACKOFF[0]
            except asyncio.CancelledError:
                raise
            except errors as exc:
                self._down(exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, BACKOFF[1])
            except Exception:
                logger.exception("backplane %s: %s failed", self.worker, what)
                await asyncio.sleep(delay)
                delay = min(delay * 2, BACKOFF[1])

    # ------------------------------------------------------------------ broadcasts

    def publish(self, op: tuple) -> None:
        """Send a broadcast's op (a MESSAGE) to the other processes, in order."""
        self._outbox_add(("b", op))

    def _outbox_add(self, entry: tuple[str, Any]) -> None:
        outbox = self._outbox
        if len(outbox) >= OUTBOX_LIMIT:
            for index, (kind, _) in enumerate(outbox):
                if kind == "b":
                    del outbox[index]
                    self._lost_outbox += 1
                    if self._lost_outbox == 1 or self._lost_outbox % 1000 == 0:
                        logger.error("backplane %s: Redis has been away too long: dropped %d broadcasts for the "
                                     "other processes so far (the oldest first)", self.worker, self._lost_outbox)
                    break
        outbox.append(entry)
        if self._wake is not None:
            self._wake.set()

    async def _publish_loop(self) -> None:
        await self._retrying("publishing", self._publish_some)

    async def _publish_some(self) -> None:
        outbox = self._outbox
        if not outbox:
            assert self._wake is not None
            self._wake.clear()
            await self._wake.wait()
            return
        kind, payload = outbox[0]
        if kind == "b":
            number = self._sent + 1
            await self._redis.xadd(self._key("broadcast"),
                                   {"w": self._me, "n": number, "op": ops_to_json([payload])},
                                   maxlen=STREAM_LENGTH, approximate=True)
            self._sent = number
        else:
            await self._append(payload, snapshot=kind == "s")
        outbox.popleft()
        self._up()

    async def _deliver_broadcasts(self, entries: list) -> None:
        server = self._server
        assert server is not None
        for entry_id, fields in entries:
            self._broadcast_cursor = _text(entry_id)
            sender = _text(fields.get(b"w", b""))
            if sender == self._me:
                continue
            try:
                number = int(fields[b"n"])
                ops = ops_from_json(fields[b"op"])
                if not all(type(op) is tuple and len(op) == 3 and op[0] == MESSAGE and type(op[1]) is str
                           for op in ops):
                    raise ValueError("not a named message")
            except (KeyError, ValueError):
                logger.warning("backplane %s: dropped a malformed broadcast entry %s", self.worker, _text(entry_id))
                continue
            last = self._seen.get(sender)
            if last is not None and number <= last:
                continue  # sent twice (its sender did not hear Redis take it)
            if last is not None and number > last + 1:
                logger.error("backplane %s: lost %d broadcasts from %s (Redis no longer had them)",
                             self.worker, number - last - 1, sender)
            self._seen[sender] = number
            for op in ops:
                await server._deliver(server._hub.broadcast(op, server.get_clients()))

    async def _read_loop(self) -> None:
        await self._retrying("reading", self._read_some)

    async def _read_some(self) -> None:
        redis = self._redis
        if self._broadcast_cursor is None:
            last = await redis.xrevrange(self._key("broadcast"), count=1)
            self._broadcast_cursor = _text(last[0][0]) if last else "0-0"
        streams = {self._key("broadcast"): self._broadcast_cursor}
        cursor = self._doc_cursor
        if self._shared is not None and not self._shared.owner and cursor is not None:
            streams[self._key("doc")] = cursor
        result = await redis.xread(streams, count=500, block=BLOCK_MS)
        self._up()
        for name, entries in result or ():
            if _text(name) == self._key("broadcast"):
                await self._deliver_broadcasts(entries)
            elif self._shared is not None and not self._shared.owner:
                await self._apply_entries(entries)

    # ------------------------------------------------------------------ presence

    async def _presence_loop(self) -> None:
        await self._retrying("writing presence", self._presence_once)

    async def _presence_once(self) -> None:
        server = self._server
        assert server is not None
        await self._redis.hset(self._key("presence"), self._me,
                               json.dumps({"n": len(server.get_clients()), "t": time.time()}))
        self._up()
        await asyncio.sleep(PRESENCE_EVERY)

    async def count_clients(self) -> int:
        """The sessions of every process of the app that wrote its count lately.

        Raises:
            redis.exceptions.ConnectionError: if Redis cannot be reached.
        """
        entries = await self._redis.hgetall(self._key("presence"))
        now = time.time()
        total = 0
        stale = []
        for field, value in entries.items():
            try:
                record = json.loads(value)
                fresh = now - float(record["t"]) < 3 * PRESENCE_EVERY
                count = int(record["n"])
            except (ValueError, KeyError, TypeError):
                fresh, count = False, 0
            if _text(field) == self._me:
                continue  # this process: counted now, below
            if fresh:
                total += count
            else:
                stale.append(field)
        if stale:
            await self._redis.hdel(self._key("presence"), *stale)
        assert self._server is not None
        return total + len(self._server.get_clients())

    # ------------------------------------------------------------------ the shared document

    @property
    def owns_document(self) -> bool:
        """Whether this process owns the shared document (False without one)."""
        return self._shared is not None and self._token is not None and self._shared.owner

    async def ownership(self) -> None:
        """Return once this process owns the shared document."""
        if self._owned is None:
            self._owned = asyncio.Event()
        await self._owned.wait()

    def _on_batch(self, ops: list[tuple], snapshot: bool) -> None:
        """The owner took a batch (or a snapshot) from its document: queue it for the
        stream, in order with the others."""
        if self._token is not None:
            self._outbox_add(("s" if snapshot else "d", ops))

    async def _append(self, ops: list[tuple], snapshot: bool = False) -> None:
        token = self._token
        if token is None:
            return  # lost the lease meanwhile: what it changed is not the page
        number = self._doc_sent + 1
        added = await self._redis.eval(_APPEND, 2, self._key("owner"), self._key("doc"), token,
                                       STREAM_LENGTH, number, "s" if snapshot else "b", ops_to_json(ops))
        if added is None:
            logger.warning("backplane %s: another process owns the shared document now: following it", self.worker)
            await self._lose_lease()
            return
        self._doc_sent = number

    async def _lease_loop(self) -> None:
        await self._retrying("holding the shared document", self._lease_once)

    async def _lease_once(self) -> None:
        redis = self._redis
        shared = self._shared
        assert shared is not None
        lease_ms = int(LEASE * 1000)
        if self._token is not None:
            held = await redis.eval(_RENEW, 1, self._key("owner"), self._token, lease_ms)
            self._up()
            if held == 0:
                logger.warning("backplane %s: lost the shared document's lease to another process", self.worker)
                await self._lose_lease()
            elif held == 2:
                # Redis forgot the lease (a restart): the stream may be gone too.
                logger.warning("backplane %s: Redis had lost the shared document's lease: took it again",
                               self.worker)
                shared.snapshot_due = True  # the stream may be gone too: it starts again from the page
                assert self._server is not None
                await self._server._deliver(self._server._hub.flush())
        elif not shared.owner and (self._down_since is not None or time.monotonic() - self._back_at < LEASE):
            # Redis is back from an outage (maybe empty, the lease with it): the owner, if
            # it lives, takes its lease again within a third of LEASE; a replica that took
            # it first would throw away what the owner changed meanwhile.
            pass
        else:
            token = f"{self._me}.{secrets.token_hex(4)}"
            if await redis.set(self._key("owner"), token, nx=True, px=lease_ms):
                self._up()
                await self._become_owner(token)
            else:
                self._up()
                if shared.owner or self._doc_cursor is None:
                    await self._start_following()
        await asyncio.sleep(LEASE / 3)

    async def _become_owner(self, token: str) -> None:
        """The lease is ours: read what the stream still has, take the page over and
        start the new ownership with its snapshot."""
        shared = self._shared
        server = self._server
        assert shared is not None and server is not None
        was_following = not shared.owner
        if was_following:
            await self._catch_up()
        self._token = token
        self._doc_sent = 0
        self._doc_cursor = self._doc_from = None
        self._outbox = deque(entry for entry in self._outbox if entry[0] == "b")
        self._outbox_add(("s", shared.take_over()))  # the first entry of this ownership
        if was_following:
            logger.warning("backplane %s: took over the shared document", self.worker)
        last = await self._redis.xrevrange(self._key("events"), count=1)
        self._events_cursor = _text(last[0][0]) if last else "0-0"
        assert self._owned is not None
        self._owned.set()
        await server._deliver(server._hub.pending())

    async def _lose_lease(self) -> None:
        self._token = None
        if self._owned is not None:
            self._owned.clear()
        self._outbox = deque(entry for entry in self._outbox if entry[0] == "b")
        await self._start_following()

    async def _start_following(self) -> None:
        """Follow the stream from its last snapshot."""
        redis = self._redis
        shared = self._shared
        server = self._server
        assert shared is not None and server is not None
        entries = await redis.xrevrange(self._key("doc"), count=SNAPSHOT_EVERY * 2)
        for index, (entry_id, fields) in enumerate(entries):
            if fields.get(b"k") == b"s":
                tail = list(reversed(entries[:index + 1]))
                break
        else:
            return  # no snapshot yet: the owner is starting; look again at the next round
        self._doc_cursor = None
        self._doc_from = None
        shared.follow(ops_from_json(tail[0][1][b"ops"]))
        self._note(tail[0])
        await self._apply_entries(tail[1:], reloading=True)
        await server._deliver(server._hub.pending())
        logger.info("backplane %s: follows the shared document of another process", self.worker)

    def _note(self, entry: tuple) -> None:
        entry_id, fields = entry
        self._doc_cursor = _text(entry_id)
        self._doc_from = (_text(fields[b"w"]), int(fields[b"n"]))

    async def _catch_up(self) -> None:
        """Before taking over: apply what the stream has after the last entry applied."""
        if self._doc_cursor is None:
            return
        while True:
            entries = await self._redis.xrange(self._key("doc"), min="(" + self._doc_cursor, count=500)
            if not entries:
                return
            await self._apply_entries(entries, deliver=False)

    async def _apply_entries(self, entries: list, deliver: bool = True, reloading: bool = False) -> None:
        shared = self._shared
        server = self._server
        assert shared is not None and server is not None
        for entry in entries:
            entry_id, fields = entry
            if shared.owner:
                return  # taken over meanwhile (this read was under way): the page is ours
            if self._doc_cursor is not None and _stream_id(entry_id) <= _stream_id(self._doc_cursor):
                continue  # applied already (the catch-up before a takeover read it too)
            try:
                lease, number, kind = _text(fields[b"w"]), int(fields[b"n"]), fields[b"k"]
                ops = ops_from_json(fields[b"ops"])
            except (KeyError, ValueError):
                logger.warning("backplane %s: dropped a malformed document entry %s", self.worker, _text(entry_id))
                continue
            last = self._doc_from
            if kind != b"s" and last is not None and (lease != last[0] or number != last[1] + 1):
                if not reloading:
                    # A batch after one this process never got (Redis lost or trimmed it):
                    # start again from the last snapshot.
                    logger.warning("backplane %s: the shared document's stream has a gap: reloading it",
                                   self.worker)
                    await self._start_following()
                    return
                logger.error("backplane %s: the shared document's stream has a gap after its last snapshot: "
                             "its browsers may miss a change until the next snapshot", self.worker)
            try:
                if kind == b"s":
                    shared.follow(ops)
                else:
                    shared.apply(ops)
            except MirrorError as exc:
                # Not a batch of this page (a bug, or a stranger writing to Redis): the
                # replica's browsers get the page again at the owner's next snapshot.
                logger.error("backplane %s: dropped a shared-document batch it cannot apply (%s)", self.worker,
                             brief(str(exc)))
                self._doc_cursor = _text(entry_id)  # read on; the numbering goes on from the last good one
                continue
            self._note(entry)
        if deliver:
            await server._deliver(server._hub.pending())

    # ------------------------------------------------------------------ events of the replicas' browsers

    def _forward(self, client: Client, data: dict) -> bool:
        """A session's message on a replica: to the owner (False if this process owns)."""
        if self._shared is None or self._shared.owner:
            return False
        entry = {"w": self._me, "c": client.id, "m": json.dumps(data, ensure_ascii=False)}
        self._track(self._send_event(entry))
        return True

    async def _send_event(self, entry: dict) -> None:
        try:
            await self._redis.xadd(self._key("events"), entry, maxlen=STREAM_LENGTH, approximate=True)
        except _connection_error() as exc:
            self._down(exc)
            logger.error("backplane %s: lost a browser event for the shared document's owner: Redis is away",
                         self.worker)

    def _track(self, coroutine: Awaitable[None]) -> None:
        server = self._server
        assert server is not None
        server._track(asyncio.ensure_future(coroutine))

    async def _events_loop(self) -> None:
        await self._retrying("handling the replicas' events", self._events_once)

    async def _events_once(self) -> None:
        if not self.owns_document:
            await asyncio.sleep(LEASE / 3)
            return
        result = await self._redis.xread({self._key("events"): self._events_cursor}, count=200, block=BLOCK_MS)
        self._up()
        for _, entries in result or ():
            for entry_id, fields in entries:
                self._events_cursor = _text(entry_id)
                if self.owns_document:
                    await self._handle_remote(fields)

    async def _handle_remote(self, fields: dict) -> None:
        """Handle an event of a replica's browser as a local one: form state first,
        then its callback, with a client that stands for that browser."""
        server = self._server
        shared = self._shared
        assert server is not None and shared is not None
        try:
            data = json.loads(fields[b"m"])
            who = (_text(fields[b"w"]), _text(fields[b"c"]))
        except (KeyError, ValueError):
            logger.warning("backplane %s: dropped a malformed event entry", self.worker)
            return
        if not isinstance(data, dict):
            return
        client = self._remote.pop(who, None) or _remote_client(*who)
        self._remote[who] = client
        if len(self._remote) > REMOTE_CLIENTS:
            del self._remote[next(iter(self._remote))]
        document: Document = shared.document
        kind = data.get("type")
        calls: list[Call] = []
        with document._lock:
            if kind == SYNC:
                document.handle_sync(data)
            elif kind == "message":
                calls = _named_calls(server, client, document, data)
            elif kind == "route":
                if document.handle_route(data):
                    page, route_vars = document.page, dict(document.route_vars)
                    calls = [Call(handler, (client, page, route_vars), "route handler", data)
                             for handler in server._handlers.lifecycle["route"]]
            else:
                prepared = document._prepare_event(data)
                if prepared is not None:
                    callback, event = prepared
                    event.client = client
                    calls = [Call(callback, (event,), f"event callback for {brief(data.get('event'))}", data)]
        for call in calls:
            await server._call_safely(client, call)
        await server._deliver(server._hub.flush())


def _remote_client(worker: str, client_id: str) -> Client:
    """What an owner's callback gets for a browser on another process."""
    return Client(Request(f"/remote/{worker}/{client_id}"), remote_address=f"{worker}/{client_id}")


def _named_calls(server: Any, client: Client, document: Document, data: dict) -> list[Call]:
    from .handlers import EventContext
    name = data.get("name")
    handlers = server._handlers.messages.get(name) if type(name) is str else None
    if not handlers:
        logger.warning("dropped a message named %s from a browser of another process: no @server.on_event "
                       "handler for it", brief(name))
        return []
    assert type(name) is str  # there are handlers for it
    context = EventContext(name, data.get("payload"), client, document)
    return [Call(handler, (context,), f"handler of message {brief(name)}", data) for handler in handlers]


def _stream_id(value: Any) -> tuple[int, int]:
    """A Redis Stream entry id (``"1700000000000-3"``), comparable."""
    milliseconds, _, sequence = _text(value).partition("-")
    return int(milliseconds), int(sequence or 0)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
