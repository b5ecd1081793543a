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

import os
import random

import pytest
from conftest import open_client_page

import domsync
from domsync import MATHML_NAMESPACE, SVG_NAMESPACE, Document, HierarchyError, InvalidValueError

# More seeds find rarer bugs: DOMSYNC_DIFF_SEEDS=200 pytest tests/test_differential_browser.py
SEEDS = [1, 2, 3, 5, 8, 13, 21, 34] + list(range(1000, 1000 + int(os.environ.get("DOMSYNC_DIFF_SEEDS", "0"))))
STEPS = 250
RENDER_PROBABILITY = 0.3  # about three mutations per batch, often more
MAX_CONNECTED = 120  # above this, the run prefers removing things

HTML_TAGS = ["div", "span", "p", "ul", "li", "b", "section", "my-widget", "pre", "button",
             "input", "textarea", "table", "em"]
SVG_TAGS = ["svg", "g", "circle"]
TEXTS = [
    "", "plain", "two\nlines", "crlf\r\nend", "cr\ronly", "\n", "a\n\nb", "\r\n\r\n",
    "<b>not markup</b> & co", "nbsp\u00a0here", "tab\tand  spaces", "emoji \U0001f600",
    "quote \" and ' and `", "\u05e9\u05dc\u05d5\u05dd RTL",
]
ATTR_NAMES = ["title", "data-x", "aria-label", "lang", "class", "style", "hidden", "data-long-name"]
ATTR_VALUES = ["", "v", 'a "quoted" value', "<&>", "x\u00a0y", "multi\nline", "'single'",
               "&amp; literally"]
CLASS_TOKENS = ["a", "b", "c", "big", "is-active"]
CSS = [("color", "red"), ("margin", "0 1px"), ("--custom", "x"),
       ("background-color", "#fff"), ("font-family", '"Fira Sans", serif')]
# innerHTML fragments; {id} gets a fresh id each time, so ids never collide.
FRAGMENTS = [
    "",
    "<b>bold</b> and <i>italic <u>under</u></i>",
    "<ul><li>one</li><li>two<br>lines</li></ul>",
    "a &amp; b &lt; c &gt; d&nbsp;e &copy; &#x1F600; &quot;",
    "<table><tr><td>1</td><td>2</td></tr></table>",
    '<svg viewBox="0 0 10 10"><circle cx="5" cy="5" r="4"/><g><rect width="1" height="1"></rect></g></svg>',
    "text with < and & and \u00a0 and >",
    "<script>window.__ran.push('innerHTML script')</script><p>after a script</p>",
    '<p id="{id}" class="x y" data-k="v">has an id</p>',
    '<my-widget data-x="1"><span>inside</span></my-widget>',
    '<textarea>t &lt;x&gt;</textarea><input value="iv">',
    "line1<br>line2<hr>",
    '<a href="https://example.com/?a=1&amp;b=2" title="&quot;q&quot;">link</a>',
    "<div><div><div>deep</div></div></div>",
]


class Run:
    """One random run: a document, every element it has made, and a log of what was done."""

    def __init__(self, seed: int):
        self.seed = seed
        self.rng = random.Random(seed)
        self.doc = Document()
        self.root = self.doc.getRootElement()
        self.pool: dict[int, domsync.Element] = {}  # every element seen, by key
        self.log: list[str] = []
        self.fresh_ids = 0
        self.done = 0
        self.refused = 0
        self.largest = 0  # the most elements the page has had at a render

    # -------------------------------------------------------------- bookkeeping

    def note(self, line: str) -> None:
        self.log.append(line)

    def new_id(self) -> str:
        self.fresh_ids += 1
        return f"id{self.fresh_ids}"

    def refresh_pool(self) -> None:
        """Add elements made by parsing (innerHTML, innerText's <br>) to the pool."""
        tops = [self.root] + [el for el in self.pool.values() if el.parentElement is None]
        for top in tops:
            for el in top.getElementsByTagName("*"):
                self.pool.setdefault(el._key, el)

    def connected(self) -> list:
        """The root and its descendants, in tree order."""
        return [self.root] + self.root.getElementsByTagName("*")

    def pick(self, allow_root: bool = True, connected_bias: float = 0.65):
        """A random element: usually one in the page, sometimes any (detached too)."""
        if self.pool and self.rng.random() > connected_bias:
            candidates = list(self.pool.values())
        else:
            candidates = self.connected()
        if not allow_root:
            candidates = [el for el in candidates if el is not self.root]
        return self.rng.choice(candidates) if candidates else None

    def pick_target_of_replace(self):
        """An element whose children get replaced: mostly one with few descendants,
        so the page keeps growing; now and then a big one, even the root."""
        if self.rng.random() < 0.03:
            return self.root
        el = self.pick(allow_root=False)
        if el is not None and self.rng.random() < 0.8:
            small = [e for e in self.pool.values() if len(e.getElementsByTagName("*")) <= 2]
            if small:
                el = self.rng.choice(small)
        return el or self.root

    def text(self) -> str:
        return self.rng.choice(TEXTS)

    # -------------------------------------------------------------- operations
    # Each returns False if it does not apply to the current state (another is chosen).

    def op_create(self) -> bool:
        rng = self.rng
        if rng.random() < 0.2:
            ns, tag = SVG_NAMESPACE, rng.choice(SVG_TAGS)
        else:
            ns, tag = None, rng.choice(HTML_TAGS)
        kwargs: dict = {}
        if rng.random() < 0.4:
            kwargs["id"] = self.new_id()
        if rng.random() < 0.4:
            kwargs["innerText"] = self.text()
        if rng.random() < 0.3:
            kwargs["attributes"] = {rng.choice(["title", "data-x", "lang"]): rng.choice(ATTR_VALUES)}
            if tag == "input" and rng.random() < 0.5:
                kwargs["attributes"]["type"] = "checkbox"
        if ns is None:
            el = self.doc.createElement(tag, **kwargs)
            self.note(f"e{el._key} = doc.createElement({tag!r}, **{kwargs!r})")
        else:
            el = self.doc.createElementNS(SVG_NAMESPACE, tag, **kwargs)
            self.note(f"e{el._key} = doc.createElementNS(SVG_NAMESPACE, {tag!r}, **{kwargs!r})")
        self.pool[el._key] = el
        if rng.random() < 0.8:
            parent = self.pick(connected_bias=0.9)
            kids = parent.children
            ref = rng.choice(kids) if kids and rng.random() < 0.5 else None
            self.insert(parent, el, ref)
        return True

    def insert(self, parent, child, ref) -> None:
        """appendChild or insertBefore; an ancestor into its descendant must be refused."""
        refuse = child.contains(parent)
        if ref is None and self.rng.random() < 0.5:
            self.note(f"e{parent._key}.appendChild(e{child._key})")
            call = lambda: parent.appendChild(child)  # noqa: E731
        else:
            ref_name = "None" if ref is None else f"e{ref._key}"
            self.note(f"e{parent._key}.insertBefore(e{child._key}, {ref_name})")
            call = lambda: parent.insertBefore(child, ref)  # noqa: E731
        self.expect_refusal(call, refuse, HierarchyError)

    def expect_refusal(self, call, refuse: bool, error: type) -> None:
        try:
            call()
        except error:
            assert refuse, f"seed {self.seed}: refused unexpectedly (see the log above)"
            self.refused += 1
            self.note("    # refused, as it should be")
            return
        assert not refuse, f"seed {self.seed}: the last operation should have been refused"

    def op_append(self) -> bool:
        child = self.pick(allow_root=False, connected_bias=0.5)
        if child is None:
            return False
        self.insert(self.pick(connected_bias=0.85), child, None)
        return True

    def op_insert_before(self) -> bool:
        child = self.pick(allow_root=False, connected_bias=0.5)
        if child is None:
            return False
        parent = self.pick(connected_bias=0.85)
        kids = parent.children
        self.insert(parent, child, self.rng.choice(kids) if kids else None)
        return True

    def op_reattach_removed(self) -> bool:
        removed = [el for el in self.pool.values() if el.parentElement is None]
        if not removed:
            return False
        child = self.rng.choice(removed)
        parent = self.pick(connected_bias=1.0)
        kids = parent.children
        self.insert(parent, child, self.rng.choice(kids) if kids and self.rng.random() < 0.5 else None)
        return True

    def op_remove(self) -> bool:
        el = self.pick(allow_root=False, connected_bias=0.9)
        leaves = [e for e in self.connected()[1:] if not e.children]
        if leaves and self.rng.random() < 0.5:
            el = self.rng.choice(leaves)
        if el is None:
            return False
        self.note(f"e{el._key}.remove()")
        el.remove()
        return True

    def op_remove_child(self) -> bool:
        candidates = [el for el in self.connected()[1:]]
        if not candidates:
            return False
        el = self.rng.choice(candidates)
        parent = el.parentElement
        self.note(f"e{parent._key}.removeChild(e{el._key})")
        assert parent.removeChild(el) is el
        return True

    def op_replace_child(self) -> bool:
        parents = [el for el in self.connected() if el.children]
        if not parents:
            return False
        parent = self.rng.choice(parents)
        old = self.rng.choice(parent.children)
        new = self.pick(allow_root=False, connected_bias=0.5)
        self.note(f"e{parent._key}.replaceChild(e{new._key}, e{old._key})")
        self.expect_refusal(lambda: parent.replaceChild(new, old),
                            new is not old and new.contains(parent), HierarchyError)
        return True

    def op_replace_with(self) -> bool:
        candidates = self.connected()[1:]
        if not candidates:
            return False
        old = self.rng.choice(candidates)
        new = self.pick(allow_root=False, connected_bias=0.5)
        parent = old.parentElement
        self.note(f"e{old._key}.replaceWith(e{new._key})")
        self.expect_refusal(lambda: old.replaceWith(new),
                            new is not old and new.contains(parent), HierarchyError)
        return True

    def op_set_attribute(self) -> bool:
        el = self.pick(allow_root=False)
        if el is None:
            return False
        name, value = self.rng.choice(ATTR_NAMES), self.rng.choice(ATTR_VALUES)
        if name == "style":
            value = self.rng.choice(["color: blue;", "margin: 0; padding: 1px;", ""])
        self.note(f"e{el._key}.setAttribute({name!r}, {value!r})")
        el.setAttribute(name, value)
        return True

    def op_set_id(self) -> bool:
        el = self.pick(allow_root=False)
        if el is None:
            return False
        new = self.new_id()
        self.note(f"e{el._key}.id = {new!r}")
        el.id = new
        return True

    def op_remove_attribute(self) -> bool:
        el = self.pick(allow_root=False)
        if el is None:
            return False
        names = el.getAttributeNames()
        name = self.rng.choice(names) if names and self.rng.random() < 0.8 else self.rng.choice(ATTR_NAMES)
        self.note(f"e{el._key}.removeAttribute({name!r})")
        el.removeAttribute(name)
        return True

    def op_toggle_attribute(self) -> bool:
        el = self.pick(allow_root=False)
        if el is None:
            return False
        name = self.rng.choice(["hidden", "data-flag", "title"])
        force = self.rng.choice([None, True, False])
        self.note(f"e{el._key}.toggleAttribute({name!r}, {force!r})")
        el.toggleAttribute(name, force)
        return True

    def op_inner_text(self) -> bool:
        el = self.pick_target_of_replace()
        text = self.text()
        self.note(f"e{el._key}.innerText = {text!r}")
        el.innerText = text
        return True

    def op_text_content(self) -> bool:
        el = self.pick_target_of_replace()
        text = self.text()
        self.note(f"e{el._key}.textContent = {text!r}")
        el.textContent = text
        return True

    def form_controls(self, tags=("input", "textarea")) -> list:
        return [el for el in self.pool.values() if el.tagName in tags and el.namespaceURI != SVG_NAMESPACE]

    def op_value(self) -> bool:
        controls = self.form_controls()
        if not controls:
            return False
        el = self.rng.choice(controls)
        value = self.rng.choice(["", "typed", "x<y & z", "line\nbreak", "\u00e9t\u00e9"])
        self.note(f"e{el._key}.value = {value!r}")
        el.value = value
        return True

    def op_value_anywhere(self) -> bool:
        """value on any element: numeric-valued elements (li) rightly refuse a string."""
        el = self.pick(allow_root=False)
        if el is None:
            return False
        self.note(f"e{el._key}.value = 'v'")
        numeric = el.namespaceURI != SVG_NAMESPACE and el.tagName in ("li", "meter", "progress")
        self.expect_refusal(lambda: setattr(el, "value", "v"), numeric, InvalidValueError)
        return True

    def op_checked(self) -> bool:
        controls = self.form_controls(("input",))
        if not controls:
            return False
        el = self.rng.choice(controls)
        on = self.rng.random() < 0.5
        self.note(f"e{el._key}.checked = {on!r}")
        el.checked = on
        return True

    def op_disabled(self) -> bool:
        el = self.pick(allow_root=False)
        if el is None:
            return False
        on = self.rng.random() < 0.5
        self.note(f"e{el._key}.disabled = {on!r}")
        el.disabled = on
        return True

    def op_class_list(self) -> bool:
        el = self.pick()
        method = self.rng.choice(["add", "remove", "toggle"])
        token = self.rng.choice(CLASS_TOKENS)
        self.note(f"e{el._key}.classList.{method}({token!r})")
        getattr(el.classList, method)(token)
        return True

    def op_style(self) -> bool:
        el = self.pick()
        name, value = self.rng.choice(CSS)
        if self.rng.random() < 0.3:
            self.note(f"e{el._key}.style.removeProperty({name!r})")
            el.style.removeProperty(name)
        else:
            self.note(f"e{el._key}.style.setProperty({name!r}, {value!r})")
            el.style.setProperty(name, value)
        return True

    def op_inner_html(self) -> bool:
        el = self.pick_target_of_replace()
        markup = self.rng.choice(FRAGMENTS).replace("{id}", self.new_id())
        self.note(f"e{el._key}.innerHTML = {markup!r}")
        el.innerHTML = markup
        return True

    def op_create_attach_remove(self) -> bool:
        """A short-lived element: created, attached, changed and removed in one batch."""
        parent = self.pick(connected_bias=1.0)
        el = self.doc.createElement("span", innerText="short-lived")
        self.pool[el._key] = el
        self.note(f"e{el._key} = doc.createElement('span', innerText='short-lived')")
        self.note(f"e{parent._key}.appendChild(e{el._key}); e{el._key}.classList.add('x'); "
                  f"e{el._key}.innerHTML = '<b>gone</b>'; e{el._key}.remove()")
        parent.appendChild(el)
        el.classList.add("x")
        el.innerHTML = "<b>gone</b>"
        el.remove()
        return True

    def op_move_around(self) -> bool:
        """One element moved twice in one batch, changed in between."""
        el = self.pick(allow_root=False, connected_bias=0.9)
        if el is None:
            return False
        for _ in range(2):
            self.insert(self.pick(connected_bias=0.9), el, None)
            self.op_set_attribute_on(el)
        return True

    def op_set_attribute_on(self, el) -> None:
        value = self.rng.choice(ATTR_VALUES)
        self.note(f"e{el._key}.setAttribute('title', {value!r})")
        el.setAttribute("title", value)

    def op_bulk_leaves(self) -> bool:
        """A run of new leaves appended to one parent (sent in bulk as L(...)), some of
        them changed again before the render: new text, a child, removal."""
        rng = self.rng
        parent = self.pick(connected_bias=1.0)
        tag = rng.choice(["li", "span", "p"])
        leaves = []
        for _ in range(rng.randint(8, 20)):
            kwargs = {"innerText": self.text()} if rng.random() < 0.7 else {}
            el = self.doc.createElement(tag, **kwargs)
            self.pool[el._key] = el
            self.note(f"e{el._key} = doc.createElement({tag!r}, **{kwargs!r}); e{parent._key}.appendChild(e{el._key})")
            parent.appendChild(el)
            leaves.append(el)
        for el in rng.sample(leaves, 3):
            change = rng.choice(["text", "child", "remove", "attr"])
            if change == "text":
                self.note(f"e{el._key}.innerText = 'later'")
                el.innerText = "later"
            elif change == "child":
                self.note(f"e{el._key}.appendChild(doc.createElement('b', innerText='kid'))")
                el.appendChild(self.doc.createElement("b", innerText="kid"))
            elif change == "remove":
                self.note(f"e{el._key}.remove()")
                el.remove()
            else:
                self.op_set_attribute_on(el)
        return True

    def op_clear_subtree(self) -> bool:
        """Keeps the page small: empty a big element."""
        el = max(self.connected(), key=lambda e: len(e.getElementsByTagName("*")))
        self.note(f"e{el._key}.textContent = ''")
        el.textContent = ""
        return True

    OPERATIONS = [
        (op_create, 16), (op_append, 8), (op_insert_before, 8), (op_reattach_removed, 6),
        (op_remove, 3), (op_remove_child, 2), (op_replace_child, 2), (op_replace_with, 2),
        (op_set_attribute, 7), (op_set_id, 2), (op_remove_attribute, 3),
        (op_toggle_attribute, 3), (op_inner_text, 5), (op_text_content, 4), (op_value, 3),
        (op_value_anywhere, 1), (op_checked, 2), (op_disabled, 2), (op_class_list, 5),
        (op_style, 4), (op_inner_html, 5), (op_create_attach_remove, 2), (op_move_around, 2),
        (op_bulk_leaves, 2),
    ]

    def step(self) -> None:
        if len(self.connected()) > MAX_CONNECTED:
            self.op_clear_subtree()
        else:
            ops, weights = zip(*self.OPERATIONS)
            while not self.rng.choices(ops, weights)[0](self):
                pass
        self.done += 1
        self.refresh_pool()


async def check_browser_equals_model(client_page, run: Run) -> None:
    """Render pending changes into the page and compare it with the model."""
    run.note("render()")
    run.largest = max(run.largest, len(run.connected()))
    html = await client_page.sync(run.doc)
    await compare_page(client_page.page, html, run)


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


@pytest.mark.parametrize("seed", SEEDS)
async def test_browser_dom_equals_model_after_every_render_of_random_mutations(client_page, seed):
    """Random mutations, rendered at random points: after each render the browser's DOM
    under the root is the model's serialisation and every key is bound to its element."""
    run = Run(seed)
    try:
        await check_browser_equals_model(client_page, run)
        for _ in range(STEPS):
            run.step()
            if run.rng.random() < RENDER_PROBABILITY:
                await check_browser_equals_model(client_page, run)
        await check_browser_equals_model(client_page, run)
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
        for _ in range(STEPS // 2):
            run.step()
            if run.rng.random() < RENDER_PROBABILITY:
                run.note("render() into both pages")
                batch = run.doc.render_js_updates()
                for client in (client_page, late):
                    if batch:
                        await client.apply(batch)
                    await compare_page(client.page, await client.inner_html(), run)
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
