"""Random mutation sequences of a Document, shared by the differential tests: in
Chromium (test_differential_browser.py) and against the Python mirror (test_mirror.py).

Each run is driven by a seeded ``random.Random``; its log of operations, printed when a
test fails, replays it.
"""

from __future__ import annotations

import json
import os
import random

import domsync
from domsync import SVG_NAMESPACE, Document, HierarchyError, InvalidValueError, encode_js, encode_json
from domsync.mirror import Mirror

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
        self.mirror = Mirror(self.doc.getRootId())  # the browser client's twin in Python

    # -------------------------------------------------------------- batches

    def take_batch(self, wire: str = "js") -> str:
        """Take the pending changes: apply them to the mirror through the JSON wire, and
        return them in ``wire``: JavaScript (the default wire), or the JSON ops."""
        self.note("render()")
        self.largest = max(self.largest, len(self.connected()))
        ops = self.doc.take_ops()
        as_json = encode_json.encode(ops)
        self.mirror.apply(json.loads(as_json))
        if wire == "json":
            return as_json if ops else ""
        return encode_js.encode(ops)

    def check_mirror(self, mirror: Mirror | None = None) -> None:
        """The mirror's page must be the model's: the same HTML, every element in the
        page known by its key, and every element that left it forgotten."""
        mirror = mirror or self.mirror
        html, expected = mirror.inner_html(), self.root.innerHTML
        if html != expected:
            at = next((i for i, (a, b) in enumerate(zip(html, expected)) if a != b), min(len(html), len(expected)))
            raise AssertionError(
                f"seed {self.seed}, after {self.done} operations: the mirror differs from the model "
                f"at character {at}\n  mirror: ...{html[max(0, at - 80):at + 80]!r}\n"
                f"  model:  ...{expected[max(0, at - 80):at + 80]!r}")
        assert mirror.outer_html().split(">")[0] == self.root.outerHTML.split(">")[0], \
            f"seed {self.seed}: the root's attributes differ"
        walked = [mirror.root, *mirror.root.iter()]
        live = self.connected()
        assert len(walked) == len(live), f"seed {self.seed}: {len(walked)} elements in the mirror, {len(live)} in the model"
        for el, node in zip(live, walked):
            assert mirror.node(el._key) is node, f"seed {self.seed}: key {el._key} is not bound to its element"
        live_keys = {el._key for el in live}
        held = [key for key in mirror.keys if key not in live_keys]
        assert not held, f"seed {self.seed}: the mirror still holds keys {held[:10]} that left the page"

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
