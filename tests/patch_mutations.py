"""Random mutation runs (tests/mutations.py) with HTML fragment patches among the DOM
calls, for the differential tests of patches: against the mirror (test_patch.py) and in
Chromium (test_patch_browser.py)."""

from __future__ import annotations

from mutations import FRAGMENTS, Run

from domsync import Document, UsageError
from domsync.patch import MODES


def round_trips(el) -> bool:
    """True if the parser gives back ``el``'s outerHTML in its parent's context (a
    ``<ul>`` put in a ``<table>`` with the DOM API does not: the parser moves it out)."""
    outer = el.outerHTML
    parent = el.parentElement
    try:
        context = Document().createElementNS(parent.namespaceURI if parent is not None else
                                             "http://www.w3.org/1999/xhtml",
                                             parent.tagName if parent is not None else "div")
        context.innerHTML = outer
    except UsageError:
        return False
    return context.innerHTML == outer


class PatchRun(Run):
    """A :class:`~mutations.Run` that also patches random elements: with their own HTML
    (nothing may change), with their children reversed (ids move), with a fragment in
    every mode, and with markup a patch must refuse (nothing may change then either)."""

    def op_patch(self) -> bool:
        rng = self.rng
        el = self.pick()
        if el is None:
            return False
        before = self.root.outerHTML
        round_trips_before = round_trips(el)
        kind = rng.choice(["same", "reversed", "fragment", "fragment", "refused"])
        mode = "outer"
        if kind == "same" or (kind == "reversed" and el.innerHTML == ""):
            html = el.outerHTML
        elif kind == "reversed":
            start = el.outerHTML[:len(el.outerHTML) - len(el.innerHTML) - len(f"</{el.tagName}>")]
            html = start + "".join(kid.outerHTML if not isinstance(kid, str) else kid.replace("&", "&amp;")
                                   .replace("<", "&lt;").replace(">", "&gt;").replace("\u00a0", "&nbsp;")
                                   for kid in reversed(el.childNodes)) + f"</{el.tagName}>"
            if el.namespaceURI != "http://www.w3.org/1999/xhtml" or el.tagName in ("textarea", "pre", "script"):
                html = el.outerHTML  # (reversing raw text or foreign content is another test)
        elif kind == "fragment":
            mode = rng.choice([m for m in MODES if m != "outer"])
            html = rng.choice(FRAGMENTS).replace("{id}", self.new_id())
        else:
            html = rng.choice(['<p onclick="alert(1)">x</p>', '<a href="javascript:alert(1)">x</a>',
                               "<b></b><i></i>"])
        self.note(f"e{el._key}.patch({html!r}, mode={mode!r})")
        try:
            el.patch(html, mode=mode)
        except UsageError as error:
            self.note(f"  refused: {error}")
            self.refused += 1
            assert self.root.outerHTML == before, f"seed {self.seed}: a refused patch changed the page"
            return True
        if kind == "same" and el.isConnected and round_trips_before:
            assert self.root.outerHTML == before, f"seed {self.seed}: patching with its own HTML changed it"
        return True

    def step(self) -> None:
        super().step()
        # Elements a patch took out of the page may come back (op_reattach_removed),
        # unless an element in the page has their id now: a patch gives the id of an
        # element it replaces to the new one, which innerHTML's fresh ids never do.
        used = {e.id for e in self.connected() if e.id}
        for key, other in list(self.pool.items()):
            if not other.isConnected and any(d.id in used for d in (other, *other.getElementsByTagName("*"))):
                del self.pool[key]

    OPERATIONS = Run.OPERATIONS + [(op_patch, 12)]
