"""Differential tests: random mutations of a Document, applied in Chromium, compared with
the model.

The invariant under test (the design's first invariant): after every render, the
browser's DOM under the root equals the model's serialisation, character for character;
every element the model has in the page is the element the browser knows by the same
key; and the browser has let go of every element that left the page.

Each random run is driven by a seeded ``random.Random``. When a run fails, the message
names the seed and the test prints the operation log (pytest shows it with the failure);
running the same test id again (e.g. ``...random_mutations[13]``) replays the same run.
"""

from __future__ import annotations

import json

import pytest
from conftest import open_client_page
from mutations import FRAGMENTS, RENDER_PROBABILITY, SEEDS, STEPS, Run

from domsync import MATHML_NAMESPACE, SVG_NAMESPACE, Document, encode_js, encode_json
from domsync.mirror import Mirror

async def check_browser_equals_model(client_page, run: Run, wire: str = "js") -> None:
    """Render pending changes into the page (in ``wire``: the JavaScript statements, or
    the JSON ops applied by the client's fixed table) and the mirror, and compare both
    with the model (so the mirror and Chromium agree on every batch)."""
    batch = run.take_batch(wire)
    if batch:
        await (client_page.apply_ops(batch) if wire == "json" else client_page.apply(batch))
    await compare_page(client_page.page, await client_page.inner_html(), run)
    run.check_mirror()


async def compare_page(page, html: str, run: Run) -> None:
    """The page's innerHTML and its key -> element bindings must match the model."""
    expected = run.root.innerHTML
    if html != expected:
        at = next((i for i, (a, b) in enumerate(zip(html, expected)) if a != b),
                  min(len(html), len(expected)))
        raise AssertionError(
            f"seed {run.seed}, after {run.done} operations: browser DOM differs from the "
            f"model at character {at}\n"
            f"  browser: ...{html[max(0, at - 80):at + 80]!r}\n"
            f"  model:   ...{expected[max(0, at - 80):at + 80]!r}"
        )
    connected = run.connected()
    live = [el._key for el in connected]
    live_set = set(live)
    gone = [key for key in run.pool if key not in live_set]
    problems = await page.evaluate(
        """([rootId, live, gone, outer]) => {
            const root = document.getElementById(rootId);
            const walked = [root, ...root.querySelectorAll('*')];
            const problems = [];
            const tag = root.outerHTML.slice(0, root.outerHTML.indexOf('>') + 1);
            if (tag !== outer)
                problems.push(`the root's attributes differ: browser ${tag}, model ${outer}`);
            if (walked.length !== live.length)
                problems.push(`the browser has ${walked.length} elements in the page, the model ${live.length}`);
            live.forEach((key, i) => {
                const node = domsync.node(key);
                if (node !== walked[i])
                    problems.push(`key ${key} (position ${i} in tree order) is ` +
                        (node === undefined ? 'unknown to the browser' :
                         node.isConnected ? 'bound to another element' : 'bound to a detached element'));
            });
            for (const key of gone)
                if (domsync.node(key) !== undefined)
                    problems.push(`key ${key} is still held by the browser, but the model's element left the page`);
            return problems.slice(0, 20);
        }""",
        [run.doc.getRootId(), live, gone, run.root.outerHTML[:run.root.outerHTML.index(">") + 1]],
    )
    assert problems == [], f"seed {run.seed}, after {run.done} operations: {problems}"


async def assert_no_script_ran(page, seed) -> None:
    ran = await page.evaluate("() => window.__ran")
    assert ran == [], f"seed {seed}: a <script> from innerHTML ran: {ran}"


@pytest.mark.parametrize("wire", ["js", "json"])
@pytest.mark.parametrize("seed", SEEDS)
async def test_browser_dom_equals_model_after_every_render_of_random_mutations(client_page, seed, wire):
    """Random mutations, rendered at random points: after each render the browser's DOM
    under the root is the model's serialisation and every key is bound to its element,
    on either wire."""
    run = Run(seed)
    try:
        await check_browser_equals_model(client_page, run, wire)
        for _ in range(STEPS):
            run.step()
            if run.rng.random() < RENDER_PROBABILITY:
                await check_browser_equals_model(client_page, run, wire)
        await check_browser_equals_model(client_page, run, wire)
        await assert_no_script_ran(client_page.page, seed)
        assert run.refused <= run.done // 10, f"seed {seed}: too many refused operations"
        assert run.largest >= 12, f"seed {seed}: the page never grew beyond {run.largest} elements"
        print(f"seed {seed}: {run.done} operations, {run.refused} refused, up to {run.largest} elements")
    except BaseException:
        print(f"seed {seed}; operation log:\n" + "\n".join(run.log))
        raise


async def open_second_page(client_page):
    """A fresh page in the same context, set up as the conftest fixture does."""
    return await open_client_page(client_page.page.context, client_page.root_id)


@pytest.mark.parametrize("seed", [303, 505])
async def test_a_late_page_built_with_render_js_full_equals_the_model_and_follows_updates(client_page, seed):
    """A second page that joins halfway with ``render_js_full()`` equals the model, and
    keeps equal to it (with the same key bindings) while both pages get the later
    batches."""
    run = Run(seed)
    late = await open_second_page(client_page)
    try:
        for _ in range(STEPS // 2):
            run.step()
            if run.rng.random() < RENDER_PROBABILITY:
                await check_browser_equals_model(client_page, run)
        # As render_js_full's docstring asks: pending updates go to the old page first.
        await check_browser_equals_model(client_page, run)
        run.note("late page: apply(doc.render_js_full())")
        await late.apply(run.doc.render_js_full())
        await compare_page(late.page, await late.inner_html(), run)
        late_mirror = Mirror(run.doc.getRootId())
        late_mirror.apply(json.loads(encode_json.encode(run.doc.snapshot_ops())))
        run.check_mirror(late_mirror)
        for _ in range(STEPS // 2):
            run.step()
            if run.rng.random() < RENDER_PROBABILITY:
                run.note("render() into both pages")
                ops = run.doc.take_ops()
                batch = encode_js.encode(ops)
                for client in (client_page, late):
                    if batch:
                        await client.apply(batch)
                    await compare_page(client.page, await client.inner_html(), run)
                for mirror in (run.mirror, late_mirror):
                    mirror.apply(json.loads(encode_json.encode(ops)))
                    run.check_mirror(mirror)
        # And a full render of the final state into a third, fresh page.
        final = await open_second_page(client_page)
        await final.apply(run.doc.render_js_full())
        run.note("final page: apply(doc.render_js_full())")
        await check_browser_equals_model(client_page, run)
        await compare_page(final.page, await final.inner_html(), run)
        for client in (client_page, late, final):
            await assert_no_script_ran(client.page, seed)
        await final.page.close()
    except BaseException:
        print(f"seed {seed}; operation log:\n" + "\n".join(run.log))
        raise
    finally:
        await late.page.close()


# Contexts for innerHTML; the browser's own parser is the reference for the model's.
PARSE_CONTEXTS = [("div", None), ("p", None), ("my-widget", None), ("ul", None),
                  ("table", None), ("tr", None), ("td", None), ("textarea", None),
                  ("g", SVG_NAMESPACE), ("svg", SVG_NAMESPACE), ("math", MATHML_NAMESPACE)]
PARSE_FRAGMENTS = FRAGMENTS + [
    "<p>para</p><circle r='1'/>",  # breaks out of SVG, then back into it
    "<tr><td>cell</td></tr>",
    "<li>item</li>text<li>again",
    "<pre>\ncode</pre>",  # the parser drops the newline right after <pre>
    "<math><mi>x</mi><mo>+</mo><mn>1</mn></math>",
    "<svg><foreignObject><p>html <b>in</b> svg</p></foreignObject></svg>",
]


@pytest.mark.parametrize("tag,ns", PARSE_CONTEXTS, ids=[tag for tag, _ in PARSE_CONTEXTS])
async def test_model_parses_inner_html_as_the_browser_does(client_page, tag, ns):
    """``el.innerHTML = markup`` gives the model the children the browser's own parser
    gives the same element for the same markup."""
    page = client_page.page
    mismatches = []
    for markup in PARSE_FRAGMENTS:
        markup = markup.replace("{id}", "pid")
        doc = Document()
        el = doc.createElementNS(ns, tag) if ns else doc.createElement(tag)
        el.innerHTML = markup
        browser = await page.evaluate(
            """([tag, ns, markup]) => {
                const el = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
                el.innerHTML = markup;
                return el.innerHTML;
            }""",
            [tag, ns, markup],
        )
        if el.innerHTML != browser:
            mismatches.append(f"{markup!r}:\n    model:   {el.innerHTML!r}\n    browser: {browser!r}")
    assert not mismatches, f"<{tag}>.innerHTML differs:\n  " + "\n  ".join(mismatches)
