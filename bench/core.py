#!/usr/bin/env python3
"""Core benchmark: this project's domsync against domsync 0.1.2 from PyPI.

How to run (from the repository root)::

    /work/main/.venv/bin/python bench/core.py            # table on stdout
    python bench/core.py --rounds 9 --verbose            # more rounds, show the JS
    python bench/core.py --json > result.json            # JSON on stdout, table on stderr
    python bench/core.py --only 1,4                       # a subset of the workloads

Two implementations are compared in one run:

* ``new``   -- this project's ``domsync`` (the working tree), run by the Python that
  runs this script. If ``<repo>/domsync/__init__.py`` exists, the repository root is
  put first on ``sys.path`` so the working tree is measured even without
  ``pip install -e .``.
* ``0.1.2`` -- ``domsync==0.1.2`` from PyPI, in its own venv ``bench/.venv-0.1.2``,
  which this script creates (``python -m venv``) and fills (``pip install
  domsync==0.1.2 websockets``) when it is missing. ``--baseline-python PATH`` uses
  another interpreter that has 0.1.2; ``--no-baseline`` skips it. If the venv cannot
  be made the script says why and measures the new side alone.

Every measurement runs in a fresh subprocess (this file re-invoked with
``--worker WORKLOAD``, which prints one JSON line), so the two implementations never
share a process, heap or import state. The machine is shared and noisy, so the
workloads are repeated for ``--rounds`` rounds (default 5), interleaving the two
implementations (the order alternates every round), and the table reports the median
over rounds. Inside one worker, timed loops run after a warm-up, are repeated a few
times and the best repetition is kept. The garbage collector is collected before and
disabled during every timed region, identically for both sides (``--gc`` keeps it on).
Only the API shared with 0.1.2 is used: ``Document(root_id)``,
``getElementById``, ``createElement``, ``.innerText =``, ``appendChild``,
``render_js_updates()`` and ``render_js_full()``.

Workloads (N = 5,000 elements):

1. build   -- create N ``div`` elements, set each one's ``innerText`` to ``'item i'``
   (texts made before the clock starts), append each to the root, then
   ``render_js_updates()`` once. Reports total time, microseconds per element and bytes
   of JavaScript (UTF-8) per element. Target: new >= 3x faster, <= 80 bytes/element.
2. set     -- on a document with one element already rendered, time
   ``el.innerText = <distinct value>; doc.render_js_updates()`` per operation (values
   pregenerated and all distinct, so no "unchanged value" shortcut applies; the loop
   overhead, a few tens of ns, is included for both). Target: new no slower
   (shown as '~same' when new is slower by less than 5%, the noise level here).
3. coalesce -- set the same element's ``innerText`` 1,000 times (distinct values) and
   render once. Reports statements and bytes sent. Statements are counted by a small
   JavaScript scanner (split at ``;`` and newlines outside string literals and
   brackets); non-empty lines are shown too (0.1.2 sends one statement per line, the
   new implementation one statement per line as well). ``--verbose`` prints the JS.
   Target: new sends 1 statement (0.1.2 sends 1,000).
4. full    -- ``render_js_full()`` of an N-element document built as in 1 and already
   rendered. Before each timed call one element's text is changed and
   ``render_js_updates()`` called (untimed), so a cached snapshot cannot be reused.
   Reports milliseconds per call. Target: new >= 10x faster.
5. memory  -- with ``tracemalloc`` started after a warm-up, build N elements as in 1
   (texts created inside the traced region), render, drop the rendered string, keep the
   document alive, ``gc.collect()``, and report traced bytes retained per element.
   Target: new <= 250 bytes/element.
6. class    -- as 5, with a ``class`` attribute on every ``div`` (``setAttribute``),
   twice: the same value ``'row'`` on every element (the common case: one str, as a
   literal in the application), and a distinct value per element (``'row i'``, made
   inside the traced region, so its str counts). Target: new <= 250 bytes/element with
   the same value (the case of issue 16's figures: 530 B, and 684 B for 0.1.2).
7. page    -- a 500-element page: a table of 99 rows (``tr.row``) of 4 cells
   (``td.cell`` with a text) and 4 buttons with a click listener. Reports the
   tracemalloc bytes retained by its document, rendered, per page (a mean over 50
   documents), on both sides; and, new only (0.1.2 has no in-memory transport), the
   bytes per idle session: 50 sessions of a :class:`domsync.memory.MemoryServer` whose
   handler builds that page and flushes it, everything the server keeps for them
   (document, session, recorder, replay log, listeners, tasks) after the first
   render, measured once they are all idle. Target: new <= 150 KB per session.

The ratio column is always ``0.1.2 / new``: every metric is "lower is better", so a
ratio above 1 means the new implementation is better (faster, smaller).
"""

import argparse
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
BASELINE_VERSION = "0.1.2"
BASELINE_VENV = os.path.join(HERE, ".venv-" + BASELINE_VERSION)
ROOT_ID = "domsync_root_id"
N_ELEMENTS = 5000
N_COALESCE = 1000
RESULT_MARK = "@@domsync-bench@@"

# ---------------------------------------------------------------------------
# Worker side: runs inside the interpreter of one implementation.
# ---------------------------------------------------------------------------


def _import_domsync(side):
    """Import domsync for ``side`` ('new' or 'baseline') and return the module."""
    if side == "new":
        for base in (REPO, os.path.join(REPO, "src")):
            if os.path.isfile(os.path.join(base, "domsync", "__init__.py")):
                sys.path.insert(0, base)
                break
    import domsync  # noqa: PLC0415 (deliberately late: path set up above)

    return domsync


def _domsync_version(mod):
    version = getattr(mod, "__version__", None)
    if not version:
        try:
            from importlib import metadata

            version = metadata.version("domsync")
        except Exception:  # not installed as a distribution
            version = "unknown"
    return str(version)


class _Timer:
    """Collect garbage, optionally disable gc, and time a block in ns."""

    def __init__(self, keep_gc):
        self.keep_gc = keep_gc
        self.ns = 0

    def __enter__(self):
        gc.collect()
        if not self.keep_gc:
            gc.disable()
        self._t0 = time.perf_counter_ns()
        return self

    def __exit__(self, *exc):
        self.ns = time.perf_counter_ns() - self._t0
        gc.enable()
        return False


def _build(Document, texts):
    """Workload 1 body: a document with len(texts) divs under the root, not rendered."""
    doc = Document(ROOT_ID)
    root = doc.getElementById(ROOT_ID)
    el = None
    for text in texts:
        el = doc.createElement("div")
        el.innerText = text
        root.appendChild(el)
    return doc, el


def _one_element_doc(Document):
    doc = Document(ROOT_ID)
    root = doc.getElementById(ROOT_ID)
    el = doc.createElement("div")
    el.innerText = "initial"
    root.appendChild(el)
    doc.render_js_updates()
    return doc, el


def count_js_statements(js):
    """Count JavaScript statements: pieces split at ';' or newline, outside string
    literals ('...', "...", `...`) and outside (), [], {}; empty pieces are ignored.
    Good enough for generated code (no regex literals or comments are expected)."""
    count = 0
    depth = 0
    quote = None
    pending = False  # current piece has non-blank content
    i, n = 0, len(js)
    while i < n:
        c = js[i]
        if quote:
            if c == "\\":
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "'\"`":
            quote = c
            pending = True
        elif c in "([{":
            depth += 1
            pending = True
        elif c in ")]}":
            depth = max(0, depth - 1)
        elif depth == 0 and c in ";\n":
            if pending:
                count += 1
            pending = False
        elif not c.isspace():
            pending = True
        i += 1
    if pending:
        count += 1
    return count


def _js_stats(js):
    return {
        "bytes": len(js.encode("utf-8")),
        "lines": sum(1 for line in js.splitlines() if line.strip()),
        "statements": count_js_statements(js),
    }


def _excerpt(js, head=6, tail=3):
    lines = js.splitlines()
    if len(lines) <= head + tail + 1:
        return js
    return "\n".join(lines[:head] + [f"... ({len(lines) - head - tail} more lines) ..."] + lines[-tail:])


def w_info(Document, mod, args):
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "executable": sys.executable,
        "domsync_version": _domsync_version(mod),
        "domsync_file": getattr(mod, "__file__", None),
    }


def w_build(Document, mod, args):
    n = args.n
    texts = [f"item {i}" for i in range(n)]
    doc, _ = _build(Document, texts)  # warm-up
    doc.render_js_updates()
    del doc
    best = None
    js = None
    for _ in range(args.reps):
        js = None  # free the previous rendering outside the timed region
        with _Timer(args.gc) as t_total:
            doc, _ = _build(Document, texts)
            t_built = time.perf_counter_ns()
            js = doc.render_js_updates()
        render_ns = t_total._t0 + t_total.ns - t_built
        if best is None or t_total.ns < best[0]:
            best = (t_total.ns, render_ns)
        del doc
    total_ns, render_ns = best
    stats = _js_stats(js)
    ok = f"item {n - 1}" in js
    res = {
        "total_ms": total_ns / 1e6,
        "render_ms": render_ns / 1e6,
        "us_per_element": total_ns / 1e3 / n,
        "bytes_per_element": stats["bytes"] / n,
        "bytes": stats["bytes"],
        "statements": stats["statements"],
        "lines": stats["lines"],
    }
    if not ok:
        res["warning"] = f"rendered JS does not contain 'item {n - 1}'"
    return res


def w_set(Document, mod, args):
    doc, el = _one_element_doc(Document)
    ops = args.ops
    # one distinct value per operation, over warm-up and all repetitions
    values = [f"v{i}" for i in range((args.reps + 1) * ops)]
    el.innerText = "check-value"
    js = doc.render_js_updates()
    res = {}
    if "check-value" not in js:
        res["warning"] = "a single innerText change did not show up in render_js_updates()"
    best = None
    for rep in range(args.reps + 1):  # rep 0 is the warm-up
        chunk = values[rep * ops:(rep + 1) * ops]
        with _Timer(args.gc) as t:
            for v in chunk:
                el.innerText = v
                doc.render_js_updates()
        if rep and (best is None or t.ns < best):
            best = t.ns
    res["ns_per_op"] = best / ops
    res["us_per_op"] = best / ops / 1e3
    res["bytes_per_op"] = len(js.encode("utf-8"))
    return res


def w_coalesce(Document, mod, args):
    doc, el = _one_element_doc(Document)
    k = N_COALESCE
    best = None
    first_js = None
    for rep in range(args.reps + 1):  # rep 0 is the warm-up
        values = [f"c{rep}-{i}" for i in range(k)]
        js = None  # free the previous rendering outside the timed region
        with _Timer(args.gc) as t:
            for v in values:
                el.innerText = v
            js = doc.render_js_updates()
        if first_js is None:
            first_js, last_value = js, values[-1]
        if rep and (best is None or t.ns < best):
            best = t.ns
    res = _js_stats(first_js)
    res["us_per_1000_sets_and_render"] = best / 1e3
    if last_value not in first_js:
        res["warning"] = f"final value {last_value!r} missing from the rendered JS"
    if args.show_js:
        res["js_excerpt"] = _excerpt(first_js)
    return res


def w_full(Document, mod, args):
    n = args.n
    doc, last = _build(Document, [f"item {i}" for i in range(n)])
    doc.render_js_updates()
    js = doc.render_js_full()  # warm-up
    best = None
    for rep in range(args.reps):
        last.innerText = f"changed {rep}"  # invalidate any cached snapshot (untimed)
        doc.render_js_updates()
        js = None  # free the previous snapshot outside the timed region
        with _Timer(args.gc) as t:
            js = doc.render_js_full()
        if best is None or t.ns < best:
            best = t.ns
    stats = _js_stats(js)
    res = {
        "ms_per_call": best / 1e6,
        "bytes_per_element": stats["bytes"] / n,
        "statements": stats["statements"],
    }
    if f"changed {args.reps - 1}" not in js:
        res["warning"] = "render_js_full() does not contain the latest change"
    return res


def w_memory(Document, mod, args):
    import tracemalloc

    n = args.n
    # warm-up: lazy imports, caches and interned constants are not per-element cost
    doc, _ = _build(Document, [f"item {i}" for i in range(50)])
    doc.render_js_updates()
    doc.render_js_full()
    del doc
    gc.collect()
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    texts = [f"item {i}" for i in range(n)]
    doc, _ = _build(Document, texts)
    js = doc.render_js_updates()
    del texts, js  # keep only what the document itself retains
    gc.collect()
    after, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    res = {
        "bytes_per_element": (after - before) / n,
        "retained_bytes": after - before,
        "peak_bytes_per_element": (peak - before) / n,
    }
    del doc
    return res


def _build_classes(Document, texts, classes):
    """Workload 6 body: as _build, with ``el.setAttribute('class', ...)``."""
    doc = Document(ROOT_ID)
    root = doc.getElementById(ROOT_ID)
    for text, cls in zip(texts, classes):
        el = doc.createElement("div")
        el.innerText = text
        el.setAttribute("class", cls)
        root.appendChild(el)
    return doc


def w_class(Document, mod, args):
    import tracemalloc

    n = args.n
    doc = _build_classes(Document, [f"item {i}" for i in range(50)], ["row"] * 50)  # warm-up
    doc.render_js_updates()
    doc.render_js_full()
    del doc
    res = {}
    for label in ("same", "distinct"):
        gc.collect()
        tracemalloc.start()
        before, _ = tracemalloc.get_traced_memory()
        texts = [f"item {i}" for i in range(n)]
        classes = ["row"] * n if label == "same" else [f"row {i}" for i in range(n)]
        doc = _build_classes(Document, texts, classes)
        js = doc.render_js_updates()
        del texts, classes, js
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        res[f"{label}_bytes_per_element"] = (after - before) / n
        del doc
    return res


PAGE_ROWS, PAGE_CELLS, PAGE_BUTTONS = 99, 4, 4  # 1 table + 99 tr + 396 td + 4 buttons = 500


def _page(doc):
    """Workload 7's page, in ``doc`` (the API of 0.1.2)."""
    root = doc.getElementById(doc.getRootId())
    table = doc.createElement("table")
    for r in range(PAGE_ROWS):
        tr = doc.createElement("tr")
        tr.setAttribute("class", "row")
        for c in range(PAGE_CELLS):
            td = doc.createElement("td", innerText=f"cell {r}.{c}")
            td.setAttribute("class", "cell")
            tr.appendChild(td)
        table.appendChild(tr)
    root.appendChild(table)
    for i in range(PAGE_BUTTONS):
        button = doc.createElement("button", innerText=f"button {i}")
        button.addEventListener("click", _clicked)
        root.appendChild(button)


def _clicked(*event):
    """The buttons' listener of workload 7 (0.1.2 passes none, 0.2 the event)."""


def w_page(Document, mod, args):
    import tracemalloc

    count = 50
    doc = Document(ROOT_ID)  # warm-up
    _page(doc)
    doc.render_js_updates()
    del doc
    gc.collect()
    tracemalloc.start()
    before, _ = tracemalloc.get_traced_memory()
    docs = []
    for _ in range(count):
        doc = Document(ROOT_ID)
        _page(doc)
        doc.render_js_updates()
        docs.append(doc)
    gc.collect()
    after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    res = {"document_kb": (after - before) / count / 1024}
    del docs, doc
    if args.side == "new":
        res["session_kb"] = _sessions_kb(count)
    return res


def _sessions_kb(count):
    """KB retained per idle in-memory session showing workload 7's page."""
    import asyncio
    import tracemalloc

    from domsync.memory import MemoryServer

    async def handler(server, client):
        _page(server.get_document(client))
        await server.flush(client)

    async def measure():
        server = MemoryServer(handler)
        warm = [await server.connect() for _ in range(3)]
        for peer in warm:
            await peer.next_frame()
            await peer.close()
        del warm
        gc.collect()
        tracemalloc.start()
        before, _ = tracemalloc.get_traced_memory()
        peers = [await server.connect() for _ in range(count)]
        for peer in peers:
            await peer.next_frame()
            peer.frames.clear()  # what the browser received is the browser's, not the server's
        await asyncio.sleep(0.05)
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        await server.close()
        return (after - before) / count / 1024

    return asyncio.run(measure())


WORKERS = {
    "info": w_info,
    "1": w_build,
    "2": w_set,
    "3": w_coalesce,
    "4": w_full,
    "5": w_memory,
    "6": w_class,
    "7": w_page,
}
# inner repetitions (best kept) per worker invocation
DEFAULT_REPS = {"1": 3, "2": 5, "3": 5, "4": 3, "5": 1, "6": 1, "7": 1, "info": 1}


def worker_main(args):
    try:
        mod = _import_domsync(args.side)
        Document = mod.Document
        result = {"ok": True, "result": WORKERS[args.worker](Document, mod, args)}
    except BaseException as exc:  # report any failure to the parent
        import traceback

        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
    sys.stdout.write("\n" + RESULT_MARK + json.dumps(result) + "\n")
    sys.stdout.flush()


# ---------------------------------------------------------------------------
# Parent side: sets up the baseline, runs the workers, prints the table.
# ---------------------------------------------------------------------------


def _run(cmd, timeout):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def _tail(text, lines=8):
    text_lines = text.strip().splitlines()
    errors = [line for line in text_lines if "ERROR" in line or "Error" in line]
    return "\n".join((errors or text_lines)[-lines:])


def _venv_python(venv):
    return os.path.join(venv, "Scripts" if os.name == "nt" else "bin", "python")


def setup_baseline(log):
    """Return (python_path, None) or (None, reason)."""
    py = _venv_python(BASELINE_VENV)
    check = [py, "-I", "-c", "import importlib.metadata as m, domsync; print(m.version('domsync'))"]
    try:
        if os.path.exists(py):
            r = _run(check, 120)
            if r.returncode == 0 and r.stdout.strip() == BASELINE_VERSION:
                return py, None
        else:
            log(f"creating {os.path.relpath(BASELINE_VENV, REPO)} ...")
            r = _run([sys.executable, "-m", "venv", BASELINE_VENV], 300)
            if r.returncode != 0:
                return None, f"'{sys.executable} -m venv {BASELINE_VENV}' failed:\n{_tail(r.stderr or r.stdout)}"
        log(f"installing domsync=={BASELINE_VERSION} into {os.path.relpath(BASELINE_VENV, REPO)} ...")
        r = _run([py, "-m", "pip", "install", "--disable-pip-version-check", "-q",
                  f"domsync=={BASELINE_VERSION}", "websockets"], 600)
        if r.returncode != 0:
            return None, f"pip install domsync=={BASELINE_VERSION} failed:\n{_tail(r.stderr or r.stdout)}"
        r = _run(check, 120)
        if r.returncode != 0 or r.stdout.strip() != BASELINE_VERSION:
            return None, f"domsync {BASELINE_VERSION} not importable after install:\n{_tail(r.stderr or r.stdout)}"
        return py, None
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"{type(exc).__name__}: {exc}"


class Side:
    def __init__(self, name, python, side_arg):
        self.name = name
        self.python = python
        self.side_arg = side_arg
        self.info = None
        self.error = None

    def command(self, workload, args, show_js=False):
        # the baseline runs isolated (-I): no PYTHONPATH, no user site, no script dir
        cmd = [self.python] + (["-I"] if self.side_arg == "baseline" else [])
        cmd += [os.path.abspath(__file__), "--worker", workload, "--side", self.side_arg,
                "--n", str(args.n), "--ops", str(args.ops),
                "--reps", str(args.reps or DEFAULT_REPS[workload])]
        if args.gc:
            cmd.append("--gc")
        if show_js:
            cmd.append("--show-js")
        return cmd

    def run(self, workload, args, show_js=False):
        env = dict(os.environ, PYTHONHASHSEED="0")
        try:
            r = subprocess.run(self.command(workload, args, show_js), capture_output=True,
                               text=True, timeout=args.timeout, env=env)
        except subprocess.TimeoutExpired:
            return {"ok": False, "error": f"worker timed out after {args.timeout}s"}
        except OSError as exc:
            return {"ok": False, "error": f"cannot run {self.python}: {exc}"}
        for line in reversed(r.stdout.splitlines()):
            if line.startswith(RESULT_MARK):
                return json.loads(line[len(RESULT_MARK):])
        return {"ok": False, "error": f"worker exited {r.returncode} without a result:\n{_tail(r.stderr or r.stdout)}"}


# (workload, metric key, label, unit/format, target description, target check on (new, old))
ROWS = [
    ("1", "total_ms", "1. build 5000 + render_js_updates", "ms total", "{:.2f}", ">=3x faster",
     lambda new, old: None if old is None else old / new >= 3),
    ("1", "us_per_element", "", "us/element", "{:.3f}", "", None),
    ("1", "bytes_per_element", "", "JS bytes/element", "{:.1f}", "<=80",
     lambda new, old: new <= 80),
    ("2", "ns_per_op", "2. set innerText + render_js_updates", "ns/op", "{:.0f}", "not slower",
     lambda new, old: None if old is None else (True if new <= old else "~same" if new <= 1.05 * old else False)),
    ("3", "statements", "3. 1000 sets, one render", "statements", "{:.0f}", "1",
     lambda new, old: new == 1),
    ("3", "lines", "", "non-empty lines", "{:.0f}", "", None),
    ("3", "bytes", "", "JS bytes", "{:.0f}", "", None),
    ("3", "us_per_1000_sets_and_render", "", "us (1000 sets+render)", "{:.1f}", "", None),
    ("4", "ms_per_call", "4. render_js_full, 5000 elements", "ms/call", "{:.3f}", ">=10x faster",
     lambda new, old: None if old is None else old / new >= 10),
    ("4", "bytes_per_element", "", "JS bytes/element", "{:.1f}", "", None),
    ("5", "bytes_per_element", "5. memory (tracemalloc, retained)", "bytes/element", "{:.0f}", "<=250",
     lambda new, old: new <= 250),
    ("6", "same_bytes_per_element", "6. memory, div + text + class", "B/element, same class", "{:.0f}", "<=250",
     lambda new, old: new <= 250),
    # The figures (530 B, 0.1.2: 684 B) are of one class value for all: the
    # target is that row's. This one counts each element's own value's str too.
    ("6", "distinct_bytes_per_element", "", "B/element, own class", "{:.0f}", "", None),
    ("7", "document_kb", "7. 500-element page", "KB/document", "{:.1f}", "", None),
    ("7", "session_kb", "", "KB/idle session", "{:.1f}", "<=150",
     lambda new, old: new <= 150),
]


def _nproc():
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count()


def _median(samples, key):
    values = [s[key] for s in samples if key in s]
    return statistics.median(values) if values else None


def parent_main(args):
    out = sys.stderr if args.json else sys.stdout

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    def say(msg=""):
        print(msg, file=out, flush=True)

    workloads = [w.strip() for w in args.only.split(",") if w.strip()] if args.only else ["1", "2", "3", "4", "5", "6", "7"]
    for w in workloads:
        if w not in WORKERS or w == "info":
            sys.exit(f"unknown workload {w!r}; choose from 1,2,3,4,5,6,7")

    sides = [Side("new", sys.executable, "new")]
    baseline_reason = None
    if args.no_baseline:
        baseline_reason = "--no-baseline given"
    else:
        py, baseline_reason = (args.baseline_python, None) if args.baseline_python else setup_baseline(log)
        if py:
            sides.append(Side(BASELINE_VERSION, py, "baseline"))

    for side in list(sides):
        r = side.run("info", args)
        if r["ok"]:
            side.info = r["result"]
        else:
            side.error = r["error"]
            if side.side_arg == "baseline":
                baseline_reason = f"baseline interpreter {side.python} cannot import domsync:\n{r['error']}"
                sides.remove(side)

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    say(f"domsync core benchmark  ({time.strftime('%Y-%m-%d %H:%M:%S')})")
    say(f"machine: {platform.machine()}, nproc={_nproc()}, load average {load}")
    for side in sides:
        if side.info:
            i = side.info
            say(f"{side.name:>6}: domsync {i['domsync_version']} from {i['domsync_file']}")
            say(f"        Python {i['python']} ({i['implementation']}) {i['executable']}")
        else:
            say(f"{side.name:>6}: cannot import domsync with {side.python}:")
            say("        " + side.error.replace("\n", "\n        "))
            say("        (run this script with the project's venv, e.g. .venv/bin/python, after pip install -e .)")
    if baseline_reason:
        say(" 0.1.2: NOT MEASURED -- " + baseline_reason.replace("\n", "\n        "))
        say("        (only the new implementation is measured; ratios are n/a)")
    new_info = sides[0].info or {}
    if new_info.get("domsync_file") and not os.path.abspath(new_info["domsync_file"]).startswith(REPO + os.sep):
        say(f"  NOTE: 'new' domsync is not this repository's ({REPO}); is it installed?")
    gc_note = "gc enabled" if args.gc else "gc disabled in timed regions"
    say(f"rounds: {args.rounds} (median reported), N={args.n}, {gc_note}")
    say()

    # samples[side.name][workload] -> list of result dicts, one per round
    samples = {s.name: {w: [] for w in workloads} for s in sides}
    errors = {}
    started = time.perf_counter()
    for rnd in range(args.rounds):
        for w in workloads:
            order = sides if rnd % 2 == 0 else list(reversed(sides))
            for side in order:
                if side.info is None:
                    continue
                show_js = args.verbose and rnd == 0 and w == "3"
                r = side.run(w, args, show_js=show_js)
                if r["ok"]:
                    samples[side.name][w].append(r["result"])
                    if r["result"].get("warning") and rnd == 0:
                        log(f"WARNING [{side.name}, workload {w}]: {r['result']['warning']}")
                else:
                    errors.setdefault((side.name, w), r)
        log(f"round {rnd + 1}/{args.rounds} done ({time.perf_counter() - started:.1f}s)")

    for (name, w), r in sorted(errors.items()):
        say(f"ERROR [{name}, workload {w}]: {r['error']}")
        if args.verbose and r.get("traceback"):
            say(r["traceback"])
    if errors:
        say()

    if args.verbose and "3" in workloads:
        for side in sides:
            runs = samples[side.name]["3"]
            if runs and "js_excerpt" in runs[0]:
                say(f"--- workload 3, JS rendered by {side.name} "
                    f"({runs[0]['statements']} statements, {runs[0]['lines']} lines, {runs[0]['bytes']} bytes) ---")
                say(runs[0]["js_excerpt"].rstrip("\n"))
        say()

    have_old = len(sides) > 1
    old_name = sides[1].name if have_old else BASELINE_VERSION
    header = ("workload", "metric", "new", old_name, "0.1.2/new", "target", "met?")
    rows = []
    report = {"rows": []}
    for w, key, label, unit, fmt, target, check in ROWS:
        if w not in workloads:
            continue
        new = _median(samples["new"][w], key)
        old = _median(samples[old_name][w], key) if have_old else None
        ratio = old / new if (new and old is not None) else None
        verdict = ""
        if check and new is not None:
            ok = check(new, old)
            verdict = "n/a" if ok is None else ok if isinstance(ok, str) else ("PASS" if ok else "FAIL")
        rows.append((label, unit,
                     fmt.format(new) if new is not None else "n/a",
                     fmt.format(old) if old is not None else "n/a",
                     f"{ratio:.2f}x" if ratio is not None else "n/a",
                     target, verdict))
        spread = {}
        for name in samples:
            vals = [s[key] for s in samples[name][w] if key in s]
            spread[name] = {"median": statistics.median(vals) if vals else None,
                            "min": min(vals) if vals else None,
                            "max": max(vals) if vals else None,
                            "samples": vals}
        report["rows"].append({"workload": w, "metric": key, "unit": unit, "new": new, "baseline": old,
                               "ratio_baseline_over_new": ratio, "target": target or None,
                               "verdict": verdict or None, "by_side": spread})
        if args.verbose:
            for name, sp in spread.items():
                if sp["samples"] and sp["min"] != sp["max"]:
                    rows.append(("", f"  {name} min..max", fmt.format(sp["min"]) + ".." + fmt.format(sp["max"]),
                                 "", "", "", ""))

    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    aligns = ["<", "<", ">", ">", ">", "<", "<"]

    def fmt_row(r):
        return "  ".join(f"{str(c):{a}{wd}}" for c, a, wd in zip(r, aligns, widths)).rstrip()

    say(fmt_row(header))
    say("  ".join("-" * wd for wd in widths).rstrip())
    for r in rows:
        say(fmt_row(r))
    say()
    say("ratio = 0.1.2 / new (lower is better for every metric, so >1 means the new one is better);")
    say("'~same' = new is slower, but by less than 5%, about the run-to-run noise of this measurement")

    if args.json:
        report.update({
            "python": platform.python_version(),
            "nproc": _nproc(),
            "loadavg": os.getloadavg() if hasattr(os, "getloadavg") else None,
            "rounds": args.rounds,
            "n_elements": args.n,
            "gc_disabled_in_timing": not args.gc,
            "sides": {s.name: s.info for s in sides},
            "baseline_not_measured": baseline_reason,
            "errors": {f"{k[0]}/{k[1]}": v["error"] for k, v in errors.items()},
            "raw": samples,
        })
        json.dump(report, sys.stdout, indent=2)
        sys.stdout.write("\n")
    failed = [r for r in report["rows"] if r["verdict"] == "FAIL"]
    return 1 if (errors and args.strict) or (failed and args.strict) else 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=5, help="rounds per workload and side (median reported)")
    p.add_argument("--only", help="comma-separated workloads to run, e.g. 1,4 (default: all)")
    p.add_argument("--json", action="store_true", help="print a JSON report on stdout (table goes to stderr)")
    p.add_argument("--verbose", "-v", action="store_true", help="show workload 3's JS, min..max spreads, tracebacks")
    p.add_argument("--gc", action="store_true", help="leave the garbage collector enabled while timing")
    p.add_argument("--baseline-python", help="interpreter with domsync 0.1.2 (default: bench/.venv-0.1.2)")
    p.add_argument("--no-baseline", action="store_true", help="measure only the new implementation")
    p.add_argument("--strict", action="store_true", help="exit 1 if a worker failed or a target is missed")
    p.add_argument("--n", type=int, default=N_ELEMENTS, help=argparse.SUPPRESS)
    p.add_argument("--ops", type=int, default=20000, help=argparse.SUPPRESS)
    p.add_argument("--reps", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--timeout", type=float, default=600, help=argparse.SUPPRESS)
    # internal: run one workload in this interpreter and print JSON
    p.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    p.add_argument("--side", choices=["new", "baseline"], default="new", help=argparse.SUPPRESS)
    p.add_argument("--show-js", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        args.reps = args.reps or DEFAULT_REPS[args.worker]
        worker_main(args)
        return 0
    return parent_main(args)


if __name__ == "__main__":
    sys.exit(main())
