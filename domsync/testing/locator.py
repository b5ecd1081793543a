"""The page a test drives, and its locators: Playwright's Python API, browserless.

A :class:`Page` is one browser tab (a :class:`~domsync.testing.tab.Tab`) with what a
user does to it: a :class:`Locator` finds elements the way Playwright's does (CSS, text,
role, label, placeholder, test id; ``nth``, ``first``, ``last``, ``filter``) and acts on
them the way Chromium does: a click focuses, fires ``mousedown``, ``mouseup`` and
``click``, ticks a checkbox, submits a form, follows a ``#route`` link; ``fill`` sets
the value and fires ``input``; leaving an edited field fires ``change``; Enter in a text
field submits its form. Each event that the server listens to leaves as the browser
client would send it: the same fields, edit numbers and form state, through the same
session code. Nothing calls a callback directly.

Locators are lazy and strict, as Playwright's: they find their elements anew each time,
an action waits until exactly one element matches and can take it (visible, enabled),
and raises if several match.
"""

from __future__ import annotations

import asyncio
import logging
import re
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, Iterable, Pattern, cast

from ..exceptions import ActionTimeoutError, NotEmulatedError, StrictModeError, UsageError
from ..html import serialize_element
from ..mirror import MirrorElement
from ..protocol import EVENT_KINDS
from . import dom
from .tab import Download, Notification, Received, Tab

if TYPE_CHECKING:  # pragma: no cover
    from .context import BrowserContext

__all__ = ["Page", "Locator", "Popup", "DEFAULT_TIMEOUT"]

logger = logging.getLogger("domsync.testing")

#: Milliseconds an action or an expectation waits, unless told otherwise (Playwright's
#: expect waits 5 s; its actions wait 30 s, which is long for a failing test without a
#: browser to wait for).
DEFAULT_TIMEOUT = 5000


_NOT_BUBBLING = frozenset({"focus", "blur", "mouseenter", "mouseleave", "pointerenter", "pointerleave"})
#: Inputs whose value a picker commits at once: Playwright's fill fires change too.
_PICKER_TYPES = frozenset({"date", "time", "datetime-local", "month", "week", "color", "range"})
#: Inputs that a Space (released) or Enter activates, as a click would.
_BUTTON_TYPES = frozenset({"button", "submit", "reset", "image"})
_FOCUSABLE = frozenset({"input", "select", "textarea", "button"})
_KEY_CODES = {" ": "Space", "Enter": "Enter", "Tab": "Tab", "Escape": "Escape", "Backspace": "Backspace",
              "Delete": "Delete", "ArrowUp": "ArrowUp", "ArrowDown": "ArrowDown", "ArrowLeft": "ArrowLeft",
              "ArrowRight": "ArrowRight", "Home": "Home", "End": "End", "PageUp": "PageUp", "PageDown": "PageDown"}
_MODIFIERS = {"Shift": "shiftKey", "Control": "ctrlKey", "Alt": "altKey", "Meta": "metaKey",
              "ControlOrMeta": "ctrlKey"}


class Popup:
    """A tab the page opened (``open_url``, or a link with ``target="_blank"``): its
    ``url``, as Playwright's popup page has."""

    def __init__(self, url: str):
        self.url = url

    def __repr__(self) -> str:
        return f"<Popup {self.url}>"


class _Waiter:
    """``async with page.expect_download() as info``: ``await info.value``."""

    def __init__(self, future: asyncio.Future):
        self._future = future

    @property
    def value(self) -> asyncio.Future:
        """The awaited download or popup."""
        return self._future


def _text_matches(actual: str, expected: str | Pattern[str], exact: bool) -> bool:
    if isinstance(expected, re.Pattern):
        return expected.search(actual) is not None
    actual, wanted = dom.normalize(actual), dom.normalize(expected)
    return actual == wanted if exact else wanted.lower() in actual.lower()


def _describe(value: Any) -> str:
    return f"re.compile({value.pattern!r})" if isinstance(value, re.Pattern) else repr(value)


class Locator:
    """A way to find elements on a :class:`Page`, found anew at each use. Made by
    :meth:`Page.locator`, :meth:`Page.get_by_role` and the like, and by the same methods
    on a locator (which search inside its elements)."""

    def __init__(self, page: "Page", steps: tuple[tuple[str, Callable[[list[MirrorElement]], list[MirrorElement]]], ...]):
        self._page = page
        self._steps = steps

    def __repr__(self) -> str:
        return f"<Locator {self.description}>"

    @property
    def page(self) -> "Page":
        """The page this locator searches."""
        return self._page

    @property
    def description(self) -> str:
        """How the locator was made, in Playwright's words."""
        return ".".join(name for name, _ in self._steps)

    def _then(self, name: str, step: Callable[[list[MirrorElement]], list[MirrorElement]]) -> "Locator":
        return Locator(self._page, self._steps + ((name, step),))

    def _find(self, within: Callable[[MirrorElement], list[MirrorElement]]) -> Callable[[list[MirrorElement]], list[MirrorElement]]:
        def step(scopes: list[MirrorElement]) -> list[MirrorElement]:
            found: list[MirrorElement] = []
            seen: set[int] = set()
            for scope in scopes:
                for el in within(scope):
                    if id(el) not in seen:
                        seen.add(id(el))
                        found.append(el)
            return found
        return step

    def resolve(self) -> list[MirrorElement]:
        """The elements this locator matches now."""
        elements = [self._page._body()]
        for _, step in self._steps:
            elements = step(elements)
        return elements

    # ------------------------------------------------------------------ narrowing

    def locator(self, selector: str) -> "Locator":
        """Elements matching a CSS selector inside this locator's."""
        return self._then(f"locator({selector!r})", self._find(lambda scope: dom.select_css(scope, selector)))

    def get_by_text(self, text: str | Pattern[str], *, exact: bool = False) -> "Locator":
        """The elements whose text matches: a case-insensitive substring after
        whitespace is collapsed (``exact=True``: the whole text, case included), or a
        regular expression. The innermost element that contains the text matches (the
        locator's own element too)."""
        page = self._page

        def within(scope: MirrorElement) -> list[MirrorElement]:
            within_scope = list(scope.iter()) if scope is page._body_el else [scope, *scope.iter()]
            candidates = [el for el in within_scope if el._tag not in ("script", "style", "template", "head")
                          and _text_matches(_text_for_search(el), text, exact)]
            chosen = set(map(id, candidates))
            return [el for el in candidates
                    if not any(type(kid) is not str and id(kid) in chosen for kid in el._kids)]
        return self._then(f"get_by_text({_describe(text)}{', exact=True' if exact else ''})", self._find(within))

    def get_by_role(self, role: str, *, name: str | Pattern[str] | None = None, exact: bool = False,
                    checked: bool | None = None, disabled: bool | None = None, level: int | None = None,
                    include_hidden: bool = False) -> "Locator":
        """Elements by ARIA role (explicit, or implied by the tag: button, link,
        textbox, checkbox, radio, heading, list, listitem, combobox, option, ...), and
        accessible name (a case-insensitive substring unless ``exact``, or a regular
        expression). Hidden elements are left out unless ``include_hidden``."""
        page = self._page

        def within(scope: MirrorElement) -> list[MirrorElement]:
            found = []
            for el in scope.iter():
                if dom.role_of(el) != role or (not include_hidden and not dom.is_visible(el)):
                    continue
                if name is not None and not _text_matches(dom.accessible_name(el, page._body()), name, exact):
                    continue
                if checked is not None and (el._attrs.get("aria-checked") == "true" if "aria-checked" in el._attrs
                                            else dom.checked_of(el)) != checked:
                    continue
                if disabled is not None and (not dom.is_enabled(el)) != disabled:
                    continue
                if level is not None and dom.heading_level(el) != level:
                    continue
                found.append(el)
            return found
        options = "".join(f", {key}={_describe(value)}" for key, value in
                          (("name", name), ("exact", exact or None), ("checked", checked), ("disabled", disabled),
                           ("level", level)) if value is not None)
        return self._then(f"get_by_role({role!r}{options})", self._find(within))

    def get_by_label(self, text: str | Pattern[str], *, exact: bool = False) -> "Locator":
        """Form controls by the text of their label (or ``aria-label``)."""
        page = self._page

        def within(scope: MirrorElement) -> list[MirrorElement]:
            return [el for el in scope.iter() if el._tag in ("input", "select", "textarea") or "aria-label" in el._attrs
                    if _text_matches(dom.accessible_name(el, page._body()), text, exact)
                    and (el._attrs.get("aria-label") or _has_label(el, page._body()))]
        return self._then(f"get_by_label({_describe(text)})", self._find(within))

    def get_by_placeholder(self, text: str | Pattern[str], *, exact: bool = False) -> "Locator":
        """Inputs by their ``placeholder``."""
        return self._then(f"get_by_placeholder({_describe(text)})", self._find(
            lambda scope: [el for el in scope.iter() if "placeholder" in el._attrs
                           and _text_matches(el._attrs["placeholder"], text, exact)]))

    def get_by_test_id(self, test_id: str) -> "Locator":
        """Elements by their ``data-testid`` attribute."""
        return self._then(f"get_by_test_id({test_id!r})", self._find(
            lambda scope: [el for el in scope.iter() if el._attrs.get("data-testid") == test_id]))

    def nth(self, index: int) -> "Locator":
        """The element at ``index`` (from 0; -1 is the last)."""
        def step(elements: list[MirrorElement]) -> list[MirrorElement]:
            try:
                return [elements[index]]
            except IndexError:
                return []
        return self._then(f"nth({index})", step)

    @property
    def first(self) -> "Locator":
        """The first matching element."""
        return self.nth(0)

    @property
    def last(self) -> "Locator":
        """The last matching element."""
        return self.nth(-1)

    def filter(self, *, has_text: str | Pattern[str] | None = None, has_not_text: str | Pattern[str] | None = None,
               has: "Locator | None" = None, has_not: "Locator | None" = None) -> "Locator":
        """The elements that contain (or not) a text, or an element ``has`` finds
        (a locator of the same page, searched inside each element)."""
        def keeps(el: MirrorElement) -> bool:
            text = el.text_content
            if has_text is not None and not _text_matches(text, has_text, False):
                return False
            if has_not_text is not None and _text_matches(text, has_not_text, False):
                return False
            for inner, wanted in ((has, True), (has_not, False)):
                if inner is not None:
                    found = Locator(self._page, (("", lambda _: [el]),) + inner._steps).resolve()
                    if bool(found) != wanted:
                        return False
            return True
        described = ", ".join(f"{key}={_describe(value) if not isinstance(value, Locator) else value.description}"
                              for key, value in (("has_text", has_text), ("has_not_text", has_not_text),
                                                 ("has", has), ("has_not", has_not)) if value is not None)
        return self._then(f"filter({described})", lambda elements: [el for el in elements if keeps(el)])

    async def all(self) -> list["Locator"]:
        """A locator for each element matching now."""
        return [self.nth(i) for i in range(len(self.resolve()))]

    # ------------------------------------------------------------------ reading

    async def count(self) -> int:
        """How many elements match now (it does not wait)."""
        return len(self.resolve())

    async def _element(self, timeout: float | None = None, *, actionable: bool = False,
                       check: Callable[[MirrorElement], str | None] | None = None) -> MirrorElement:
        """The one element this locator matches, waiting for it (and, for an action,
        until it is visible and enabled)."""
        page = self._page
        limit = page._timeout(timeout)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit / 1000
        problem = ""
        while True:
            elements = self.resolve()
            if len(elements) > 1:
                raise strict_violation(self, elements)
            if elements:
                el = elements[0]
                problem = ""
                if actionable and not dom.is_visible(el):
                    problem = "is not visible"
                elif actionable and not dom.is_enabled(el):
                    problem = "is not enabled"
                elif check is not None:
                    problem = check(el) or ""
                if not problem:
                    return el
            else:
                problem = "matches no element"
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise ActionTimeoutError(f"Timeout {limit:g}ms exceeded: {self.description} {problem}\n"
                                         f"{page._html_around(self)}")
            try:
                async with asyncio.timeout(remaining):
                    await page._tab.changed()
            except TimeoutError:
                pass

    async def inner_text(self, *, timeout: float | None = None) -> str:
        """The element's text as the browser shows it (an approximation without
        style sheets: see :func:`domsync.testing.dom.inner_text`)."""
        return dom.inner_text(await self._element(timeout))

    async def text_content(self, *, timeout: float | None = None) -> str:
        """The element's ``textContent``."""
        return (await self._element(timeout)).text_content

    async def inner_html(self, *, timeout: float | None = None) -> str:
        """The element's ``innerHTML``."""
        from ..html import serialize_children

        return serialize_children(await self._element(timeout))

    async def input_value(self, *, timeout: float | None = None) -> str:
        """The live value of an input, textarea or select."""
        el = await self._element(timeout)
        if el._tag not in ("input", "textarea", "select"):
            raise UsageError(f"{self.description} is a <{el._tag}>: input_value() reads an input, textarea or "
                             f"select")
        return dom.value_of(el)

    async def get_attribute(self, name: str, *, timeout: float | None = None) -> str | None:
        """An attribute's value, or None."""
        el = await self._element(timeout)
        return el._attrs.get(name.lower() if el._ns is None else name)

    async def is_visible(self) -> bool:
        """Whether the element exists and is visible (it does not wait)."""
        elements = self.resolve()
        return bool(elements) and dom.is_visible(elements[0])

    async def is_hidden(self) -> bool:
        """The opposite of :meth:`is_visible`."""
        return not await self.is_visible()

    async def is_checked(self, *, timeout: float | None = None) -> bool:
        """Whether a checkbox or radio button is checked."""
        return dom.checked_of(await self._element(timeout))

    async def is_enabled(self, *, timeout: float | None = None) -> bool:
        """Whether the element is enabled."""
        return dom.is_enabled(await self._element(timeout))

    async def is_disabled(self, *, timeout: float | None = None) -> bool:
        """Whether the element is disabled."""
        return not dom.is_enabled(await self._element(timeout))

    async def is_editable(self, *, timeout: float | None = None) -> bool:
        """Whether the user can type into the element."""
        return dom.is_editable(await self._element(timeout))

    async def all_inner_texts(self) -> list[str]:
        """The text of each matching element, as the browser shows it."""
        return [dom.inner_text(el) for el in self.resolve()]

    async def all_text_contents(self) -> list[str]:
        """The ``textContent`` of each matching element."""
        return [el.text_content for el in self.resolve()]

    async def wait_for(self, *, state: str = "visible", timeout: float | None = None) -> None:
        """Wait until the element is ``"attached"``, ``"detached"``, ``"visible"`` or
        ``"hidden"``."""
        tests = {"attached": lambda els: len(els) > 0, "detached": lambda els: not els,
                 "visible": lambda els: bool(els) and dom.is_visible(els[0]),
                 "hidden": lambda els: not els or not dom.is_visible(els[0])}
        if state not in tests:
            raise UsageError(f"state must be one of {sorted(tests)}, not {state!r}")
        await self._page._wait_until(lambda: tests[state](self.resolve()), timeout,
                                     lambda: f"{self.description} to be {state}", self)

    # ------------------------------------------------------------------ acting

    async def click(self, *, timeout: float | None = None, modifiers: Iterable[str] = ()) -> None:
        """Click the element, as Playwright does in Chromium: it must be visible and
        enabled; ``mousedown``, focus, ``mouseup``, ``click``, then what the click does
        (tick a checkbox, submit a form, follow a ``#route`` link, click a label's
        control)."""
        el = await self._element(timeout, actionable=True)
        await self._page._click(el, {_MODIFIERS[m]: True for m in modifiers if m in _MODIFIERS})

    async def dblclick(self, *, timeout: float | None = None) -> None:
        """Two clicks, then ``dblclick``."""
        el = await self._element(timeout, actionable=True)
        page = self._page
        await page._click(el, {})
        await page._click(el, {})
        page._dispatch(el, "dblclick", {})
        await page._settle()

    async def hover(self, *, timeout: float | None = None) -> None:
        """Move the mouse over the element: pointer and mouse ``over``/``enter`` events
        if it was elsewhere (``out``/``leave`` where it was), then ``move``."""
        el = await self._element(timeout, actionable=True)
        self._page._move_to(el)
        await self._page._settle()

    async def fill(self, value: str, *, timeout: float | None = None) -> None:
        """Replace the value of an input or textarea and fire ``input``, as
        Playwright's ``fill`` does (``change`` fires when the field loses focus; at
        once for date, time, color and range inputs). ``fill("")`` presses Delete."""
        if type(value) is not str:
            raise UsageError(f"fill() takes a str, not {type(value).__name__}")
        el = await self._element(timeout, actionable=True, check=_fillable)
        page = self._page
        page._focus(el)
        if not value:  # Playwright selects the text and presses Delete
            delete = {"key": "Delete", "code": "Delete"}
            if page._dispatch(el, "keydown", dict(delete)) and dom.value_of(el):
                el.value = ""
                page._dirty = True
                page._dispatch(el, "input", {})
            page._dispatch(el, "keyup", dict(delete))
        else:
            el.value = value
            page._dirty = True
            page._dispatch(el, "input", {})
        if el._tag == "input" and el._attrs.get("type", "").lower() in _PICKER_TYPES:
            page._dirty = False  # a picker's value is committed at once: change now
            page._dispatch(el, "change", {})
        await page._settle()

    async def clear(self, *, timeout: float | None = None) -> None:
        """``fill("")``."""
        await self.fill("", timeout=timeout)

    async def press(self, key: str, *, timeout: float | None = None) -> None:
        """Press a key on the element: ``"Enter"``, ``"a"``, ``"Shift+A"``,
        ``"Backspace"``... (``keydown``, the text it types, ``keyup``; Enter in a text
        field submits its form)."""
        el = await self._element(timeout, actionable=True)
        await self._page._press(el, key)

    async def press_sequentially(self, text: str, *, timeout: float | None = None) -> None:
        """Type ``text`` a key at a time."""
        el = await self._element(timeout, actionable=True, check=_fillable)
        for char in text:
            await self._page._press(el, char)

    async def type(self, text: str, *, timeout: float | None = None) -> None:
        """The old name of :meth:`press_sequentially`."""
        await self.press_sequentially(text, timeout=timeout)

    async def check(self, *, timeout: float | None = None) -> None:
        """Tick a checkbox or radio button (nothing if it is ticked)."""
        await self.set_checked(True, timeout=timeout)

    async def uncheck(self, *, timeout: float | None = None) -> None:
        """Untick a checkbox (nothing if it is not ticked)."""
        await self.set_checked(False, timeout=timeout)

    async def set_checked(self, checked: bool, *, timeout: float | None = None) -> None:
        """Tick or untick a checkbox or radio button by clicking it."""
        el = await self._element(timeout, actionable=True, check=_checkable)
        if dom.checked_of(el) == checked:
            return
        if not checked and el._attrs.get("type", "").lower() == "radio":
            raise UsageError(f"{self.description}: a radio button cannot be unchecked; check another one")
        await self._page._click(el, {})
        if dom.checked_of(el) != checked:
            raise UsageError(f"{self.description}: clicking the checkbox did not change its state")

    async def select_option(self, value: str | list[str] | None = None, *, label: str | None = None,
                            index: int | None = None, timeout: float | None = None) -> list[str]:
        """Choose an option of a select by its value or label (or ``label=``, or
        ``index=``) and fire ``input`` and ``change``; the focus does not move. Returns
        the values chosen."""
        if isinstance(value, list):
            if len(value) != 1:
                raise NotEmulatedError("select_option with several values (a multiple select) is not emulated; "
                                       "run this test in Chromium")
            value = value[0]

        def find(el: MirrorElement) -> MirrorElement | None:
            for i, option in enumerate(dom.options_of(el)):
                if (value is not None and value in (dom.option_value(option), dom.normalize(option.text_content))) \
                        or (label is not None and dom.normalize(option.text_content) == label) \
                        or (index is not None and i == index):
                    return option
            return None

        def ready(el: MirrorElement) -> str | None:
            if el._tag != "select":
                return "is not a <select>"
            return None if find(el) is not None else f"has no option {value or label or index!r}"

        el = await self._element(timeout, actionable=True, check=ready)
        option = find(el)
        assert option is not None
        page = self._page
        el.value = dom.option_value(option)
        page._dispatch(el, "input", {})
        page._dispatch(el, "change", {})
        await page._settle()
        return [el.value]

    async def focus(self, *, timeout: float | None = None) -> None:
        """Focus the element (``focus``, ``focusin``; the one that had focus gets
        ``change`` if edited, ``blur`` and ``focusout``)."""
        self._page._focus(await self._element(timeout))
        await self._page._settle()

    async def blur(self, *, timeout: float | None = None) -> None:
        """Take the focus away from the element."""
        el = await self._element(timeout)
        if self._page._focused is el:
            self._page._focus(None)
        await self._page._settle()

    async def dispatch_event(self, type: str, event_init: dict | None = None, *,
                             timeout: float | None = None) -> None:
        """Fire an event at the element, e.g. a custom event. As Playwright's, it
        bubbles, whatever its type; a ``click`` does what a click does (ticks a
        checkbox, submits a form)."""
        el = await self._element(timeout)
        if type == "click":
            self._page._activate(el, dict(event_init or {}))
        else:
            self._page._dispatch(el, type, dict(event_init or {}), bubbles=True)
        await self._page._settle()


def strict_violation(locator: Locator, elements: list[MirrorElement]) -> StrictModeError:
    """The error for a locator that matched several elements where one was wanted."""
    listed = "\n".join(f"    {i + 1}) {_snippet(el, 120)}" for i, el in enumerate(elements[:10]))
    return StrictModeError(f"strict mode violation: {locator.description} resolved to {len(elements)} "
                           f"elements:\n{listed}\n  use .first, .nth(i), .filter(...) or a more precise locator")


def _text_for_search(el: MirrorElement) -> str:
    if el._tag == "input" and el._attrs.get("type", "").lower() in ("button", "submit", "reset"):
        return el._attrs.get("value", "")
    return el.text_content


def _has_label(el: MirrorElement, body: MirrorElement) -> bool:
    ident = el._attrs.get("id")
    return any(node._tag == "label" and ((ident and node._attrs.get("for") == ident) or node.contains(el))
               for node in body.iter()) or bool(el._attrs.get("aria-labelledby"))


def _fillable(el: MirrorElement) -> str | None:
    if not (dom.is_text_field(el) or el._attrs.get("contenteditable") in ("", "true")):
        kind = el._attrs.get("type", "") if el._tag == "input" else ""
        return f"is a <{el._tag}{' type=' + kind if kind else ''}>, which cannot be filled"
    if not dom.is_editable(el):
        return "is not editable"
    return None


def _checkable(el: MirrorElement) -> str | None:
    if el._tag == "input" and el._attrs.get("type", "").lower() in ("checkbox", "radio"):
        return None
    if el._attrs.get("role") in ("checkbox", "radio", "switch"):
        return None
    return "is not a checkbox or radio button"


def _snippet(el: MirrorElement, limit: int = 1500) -> str:
    html = serialize_element(el)
    return html if len(html) <= limit else html[:limit] + " …"


class Page:
    """A browser tab on a domsync app, without a browser: Playwright's ``Page`` API
    for what domsync pages do.

    Besides Playwright's calls, it has what a domsync test wants to see: the
    :attr:`notifications`, :attr:`messages`, :attr:`downloads`, :attr:`popups`,
    :attr:`scripts` (``run_js`` code, recorded, never run), :attr:`route`, the errors
    the page reported (:attr:`errors`); and faults on demand: :meth:`go_offline`,
    :meth:`go_online`, :meth:`set_latency`, :meth:`reload`.
    """

    def __init__(self, tab: Tab, context: "BrowserContext | None" = None, base_url: str = "http://testserver/"):
        self._tab = tab
        self._context = context
        self._base_url = base_url
        self._default_timeout: float = DEFAULT_TIMEOUT
        self._dirty = False
        self._timers: dict[tuple[int, str], asyncio.TimerHandle] = {}
        self._throttled: dict[tuple[int, str], float] = {}
        self._hovered: MirrorElement | None = None
        self._body_el = MirrorElement("body", None)
        self._notes_area: MirrorElement | None = None
        self._status: MirrorElement | None = None
        #: The tabs the page opened (``open_url``, links with ``target="_blank"``).
        self.popups: list[Popup] = []
        self._seen_notifications = 0
        self._seen_actions = 0

    def __repr__(self) -> str:
        return f"<Page {self.url} {self._tab.state}>"

    @property
    def _focused(self) -> MirrorElement | None:
        return self._tab.focused  # kept by the tab: a rebuilt page moves it to the new element

    @_focused.setter
    def _focused(self, el: MirrorElement | None) -> None:
        self._tab.focused = el

    # ------------------------------------------------------------------ what it shows

    @property
    def context(self) -> "BrowserContext":
        """The browser context (the server's pages) this page belongs to."""
        if self._context is None:
            raise UsageError("this page has no context")
        return self._context

    @property
    def tab(self) -> Tab:
        """The tab underneath: its connection, session state and mirror."""
        return self._tab

    @property
    def url(self) -> str:
        """The page's URL, with ``#route`` when a route is shown."""
        route = self._tab.mirror.route
        return self._base_url + (f"#{route}" if route else "")

    @property
    def route(self) -> str:
        """The route shown in the URL hash (without ``#``)."""
        return self._tab.mirror.route

    @property
    def notifications(self) -> list[Notification]:
        """Every notification the server showed, in order."""
        return list(self._tab.notifications)

    @property
    def messages(self) -> list[tuple[str, Any]]:
        """Every named message (``server.send``/``broadcast``): ``(name, payload)``."""
        return list(self._tab.mirror.messages)

    @property
    def downloads(self) -> list[Download]:
        """Every file the server sent, with its bytes."""
        return list(self._tab.downloads)

    @property
    def scripts(self) -> list[str]:
        """The code of every ``run_js`` call, in order: recorded, never run."""
        return list(self._tab.mirror.scripts)

    @property
    def opened_urls(self) -> list[str]:
        """Every URL ``open_url`` asked to open."""
        return list(self._tab.mirror.opened_urls)

    @property
    def errors(self) -> list[str]:
        """The errors the page reported to the server (a failed batch, a download)."""
        return list(self._tab.errors)

    @property
    def state(self) -> str:
        """The connection's state: connecting, online, offline or closed."""
        return self._tab.state

    def _body(self) -> MirrorElement:
        """The page's ``<body>``: the root element, then what the client adds (the
        notifications, the reconnecting badge)."""
        body, root = self._body_el, self._tab.mirror.root
        if root.parent is not body:
            body._kids = [root]
            body._kids.extend(el for el in (self._notes_area, self._status) if el is not None)
            root.parent = body
        self._catch_up()
        return body

    def _catch_up(self) -> None:
        """Show what the client shows for what arrived: notifications, popups."""
        tab = self._tab
        for note in tab.notifications[self._seen_notifications:]:
            self._show_notification(note)
        self._seen_notifications = len(tab.notifications)
        for url in tab.mirror.opened_urls[self._seen_actions:]:
            self.popups.append(Popup(url))
        self._seen_actions = len(tab.mirror.opened_urls)
        offline = tab.state != "online" and tab.has_page
        if offline and self._status is None:
            self._status = _element("div", {"id": "domsync-status", "class": "domsync-status", "role": "status"},
                                    ["reconnecting…"])
            self._append_to_body(self._status)
        if self._status is not None:
            if offline:
                self._status._attrs.pop("hidden", None)
            else:
                self._status._attrs["hidden"] = ""

    def _append_to_body(self, el: MirrorElement) -> None:
        el.parent = self._body_el
        self._body_el._kids.append(el)

    def _show_notification(self, note: Notification) -> None:
        if self._notes_area is None:
            self._notes_area = _element("div", {"id": "domsync-notifications", "class": "domsync-notifications"}, [])
            self._append_to_body(self._notes_area)
        kids: list[MirrorElement | str] = [_element("strong", {"class": "domsync-notification-title"}, [note.title])]
        if note.message:
            kids.append(_element("div", {"class": "domsync-notification-message"}, [note.message]))
        kids.append(_element("button", {"class": "domsync-notification-close", "type": "button",
                                        "aria-label": "Dismiss"}, ["×"]))
        box = _element("div", {"class": f"domsync-notification domsync-notification-{note.type}",
                               "role": "alert" if note.type in ("error", "warning") else "status"}, kids)
        area = self._notes_area
        box.parent = area
        area._kids.insert(0, box)
        while len(area._kids) > 5:
            area._kids.pop().parent = None  # type: ignore[union-attr]
        if note.type in ("info", "success"):
            asyncio.get_running_loop().call_later(8, self._dismiss, box)

    def _dismiss(self, box: MirrorElement) -> None:
        if box.parent is not None:
            box._detach()
            self._tab._notify()

    async def content(self) -> str:
        """The page's HTML (the body: the root element and what the client added)."""
        return "<html><head></head>" + serialize_element(self._body()) + "</html>"

    def inner_html(self) -> str:
        """The root element's ``innerHTML``, as the browser's would read."""
        return self._tab.mirror.inner_html()

    # ------------------------------------------------------------------ locators

    def _locator(self) -> Locator:
        return Locator(self, ())

    def locator(self, selector: str) -> Locator:
        """Elements matching a CSS selector."""
        return self._locator().locator(selector)

    def get_by_text(self, text: str | Pattern[str], *, exact: bool = False) -> Locator:
        """Elements by their text; see :meth:`Locator.get_by_text`."""
        return self._locator().get_by_text(text, exact=exact)

    def get_by_role(self, role: str, **options: Any) -> Locator:
        """Elements by ARIA role and name; see :meth:`Locator.get_by_role`."""
        return self._locator().get_by_role(role, **options)

    def get_by_label(self, text: str | Pattern[str], *, exact: bool = False) -> Locator:
        """Form controls by their label."""
        return self._locator().get_by_label(text, exact=exact)

    def get_by_placeholder(self, text: str | Pattern[str], *, exact: bool = False) -> Locator:
        """Inputs by their placeholder."""
        return self._locator().get_by_placeholder(text, exact=exact)

    def get_by_test_id(self, test_id: str) -> Locator:
        """Elements by ``data-testid``."""
        return self._locator().get_by_test_id(test_id)

    # ------------------------------------------------------------------ the tab

    def set_default_timeout(self, timeout: float) -> None:
        """Milliseconds actions and expectations wait by default."""
        self._default_timeout = timeout

    def _timeout(self, timeout: float | None) -> float:
        return self._default_timeout if timeout is None else timeout

    async def goto(self, url: str) -> None:
        """Show a route: ``"#shop"`` (or a URL ending in it) changes the hash, as a
        link would, and the server's ``route`` handlers run."""
        _, hashmark, route = url.partition("#")
        if not hashmark and url not in ("", "/", self._base_url):
            raise NotEmulatedError(f"goto({url!r}): the test client shows one page; go to a route with "
                                   f"goto('#name')")
        self._tab.navigate(route)
        await self._settle()

    async def go_back(self) -> None:
        """The browser's back button (routes)."""
        self._tab.go_back()
        await self._settle()

    async def go_forward(self) -> None:
        """The browser's forward button (routes)."""
        self._tab.go_forward()
        await self._settle()

    async def reload(self) -> None:
        """Reload the page: it resumes its session (the server sends the whole page)."""
        self._focused = None
        await self._tab.reload()
        await self._tab.wait_online(self._default_timeout / 1000)

    async def go_offline(self) -> None:
        """Lose the connection, as a network failure does, until :meth:`go_online`.
        What the user does meanwhile is queued, as in the browser."""
        await self._tab.go_offline()

    async def go_online(self) -> None:
        """Reconnect: the session resumes, what the server sent meanwhile is replayed
        and what the user did is sent. Returns once the page is up to date."""
        await self._tab.go_online()
        await self._tab.wait_online(self._default_timeout / 1000)

    def set_latency(self, seconds: float) -> None:
        """Delay every frame by ``seconds``, each way (0 for none)."""
        self._tab.latency = seconds

    async def send_message(self, name: str, payload: Any = None) -> None:
        """What page script's ``domsync.send(name, payload)`` does: a named message
        for the server's ``@server.on_event(name)`` handlers."""
        self._tab.send_named(name, payload)
        await self._settle()

    async def wait_for_timeout(self, timeout: float) -> None:
        """Wait ``timeout`` milliseconds (prefer :func:`~domsync.testing.expect`)."""
        await asyncio.sleep(timeout / 1000)

    async def close(self, *, final: bool = False) -> None:
        """Close the tab, as the browser does: it says goodbye, and the server keeps
        the session for its ``reload_grace`` (5 s by default: the page may be
        reloading) before it ends it and runs the disconnect handlers. ``final=True``
        ends the session at once, as a page that starts afresh on reload
        (``reload_resumes=False``) does; the context closes its pages so."""
        for timer in self._timers.values():
            timer.cancel()
        if self._context is not None and self in self._context.pages:
            self._context.pages.remove(self)
        await self._tab.close(final=final)

    def received(self) -> AsyncIterator[Received]:
        """An async iterator of everything the server sends from now on."""
        return self._tab.received()

    def connection_states(self) -> AsyncIterator[str]:
        """An async iterator of the connection's state, now and at each change."""
        return self._tab.connection_states()

    @asynccontextmanager
    async def expect_download(self, *, timeout: float | None = None) -> AsyncIterator[_Waiter]:
        """``async with page.expect_download() as info:`` (then ``await info.value``):
        the next file the server sends."""
        async with self._expect(lambda: self._tab.downloads, timeout, "a download") as waiter:
            yield waiter

    @asynccontextmanager
    async def expect_popup(self, *, timeout: float | None = None) -> AsyncIterator[_Waiter]:
        """``async with page.expect_popup() as info:``: the next tab the page opens
        (``open_url``), a :class:`Popup` with its ``url``."""
        def popups() -> list[Popup]:
            self._catch_up()
            return self.popups
        async with self._expect(popups, timeout, "a popup") as waiter:
            yield waiter

    @asynccontextmanager
    async def _expect(self, items: Callable[[], list], timeout: float | None, what: str) -> AsyncIterator[_Waiter]:
        before = len(items())
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        waiter = _Waiter(future)

        async def watch() -> None:
            try:
                await self._wait_until(lambda: len(items()) > before, timeout, lambda: what)
                future.set_result(items()[before])
            except BaseException as exc:  # the timeout, for whoever awaits the value
                if not future.done():
                    future.set_exception(exc)

        task = asyncio.ensure_future(watch())
        try:
            yield waiter
            await asyncio.wait([task])
        finally:
            task.cancel()

    async def _wait_until(self, condition: Callable[[], bool], timeout: float | None,
                          what: Callable[[], str], locator: Locator | None = None) -> None:
        limit = self._timeout(timeout)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit / 1000
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise ActionTimeoutError(f"Timeout {limit:g}ms exceeded waiting for {what()}"
                                         + (f"\n{self._html_around(locator)}" if locator is not None else ""))
            try:
                async with asyncio.timeout(remaining):
                    await self._tab.changed()
            except TimeoutError:
                pass

    def _html_around(self, locator: Locator) -> str:
        """The page's HTML around what ``locator`` finds (or the whole page), for
        messages."""
        try:
            elements = locator.resolve()
        except Exception:
            elements = []
        if elements:
            el = elements[0]
            around = el.parent if el.parent is not None and el.parent is not self._body_el else el
            return "  HTML around it:\n    " + _snippet(around).replace("\n", "\n    ")
        return "  the page's HTML:\n    " + _snippet(self._tab.mirror.root, 3000).replace("\n", "\n    ")

    # ------------------------------------------------------------------ events

    async def _settle(self) -> None:
        """Let the messages just queued leave (the tasks that send them run)."""
        for _ in range(3):
            await asyncio.sleep(0)

    def _keys(self) -> dict[int, int]:
        return {id(el): key for key, el in self._tab.mirror._nodes.items()}

    def _dispatch(self, target: MirrorElement, event_type: str, init: dict, *, bubbles: bool | None = None) -> bool:
        """Fire an event at ``target`` as the browser would, and send what the page's
        listeners send. Returns False if a listener prevented its default action."""
        tab, mirror = self._tab, self._tab.mirror
        keys = self._keys()
        event = dom._Event(event_type, target, target, init)
        if event_type in ("input", "change"):
            # The client's document-level listener: two-way binding for a control
            # whose own listener for this event would not send its state.
            key = keys.get(id(target))
            state = dom.form_state(target)
            if key is not None and state is not None and event_type not in mirror.listeners.get(key, {}):
                seq = mirror.edits.get(key, 0) + 1
                mirror.edits[key] = seq
                tab.transmit({"domsync": True, "type": "sync", "id": key, "state": state, "seq": seq,
                              "origin": mirror.origin})
        path = [target] if (bubbles is False or (bubbles is None and event_type in _NOT_BUBBLING)) \
            else list(dom.ancestors(target))
        for node in path:
            key = keys.get(id(node))
            if key is None:
                continue
            spec = mirror.listeners.get(key, {}).get(event_type)
            if spec is None:
                continue
            getter, options = spec[0], spec[1] or {}
            event.currentTarget = node
            if options.get("prevent"):
                event.default_prevented = True
            value = dom.evaluate_getter(getter, node, event) if getter else None
            message: dict[str, Any] = {"domsync": True, "event": event_type, "id": key}
            if value is not None:
                message["value"] = value
            detail = _detail(event_type, init, node)
            if detail:
                message["detail"] = detail
            self._send_from(node, key, event_type, message, options)
            if options.get("stop"):
                break
        return not event.default_prevented

    def _send_from(self, el: MirrorElement, key: int, event_type: str, message: dict, options: dict) -> None:
        """The browser client's ``transmitFrom``, with its debounce and throttle."""
        def send() -> None:
            if self._tab.mirror.node(key) is not el:
                return  # the page was rebuilt: the key means something else
            state = dom.form_state(el)
            if state is not None:
                mirror = self._tab.mirror
                seq = mirror.edits.get(key, 0) + 1
                mirror.edits[key] = seq
                message.update(state=state, seq=seq, origin=mirror.origin)
            self._tab.transmit(message)

        slot = (key, event_type)
        loop = asyncio.get_running_loop()
        if options.get("debounce"):
            old = self._timers.pop(slot, None)
            if old is not None:
                old.cancel()
            self._timers[slot] = loop.call_later(options["debounce"] / 1000, send)
        elif options.get("throttle"):
            period = options["throttle"] / 1000
            now = loop.time()
            last = self._throttled.get(slot, -period)
            if now - last >= period and slot not in self._timers:
                self._throttled[slot] = now
                send()
            else:
                old = self._timers.pop(slot, None)
                if old is not None:
                    old.cancel()

                def later() -> None:
                    self._timers.pop(slot, None)
                    self._throttled[slot] = loop.time()
                    send()
                self._timers[slot] = loop.call_at(max(now, last + period), later)
        else:
            send()

    def _focus(self, el: MirrorElement | None) -> None:
        """Move the focus to ``el`` (None: to the body), with the events the browser
        fires: ``change`` for an edited field that loses it, blur/focusout, focus/focusin."""
        old = self._focused
        if old is el:
            return
        if el is not None and not _focusable(el):
            el = None
            if old is None:
                return
        if old is not None:
            self._focused = None
            if self._dirty and self._tab.mirror.root.contains(old):
                self._dirty = False
                self._dispatch(old, "change", {})
            self._dispatch(old, "blur", {}, bubbles=False)
            self._dispatch(old, "focusout", {}, bubbles=True)
        self._dirty = False
        self._focused = el
        if el is not None:
            self._dispatch(el, "focus", {}, bubbles=False)
            self._dispatch(el, "focusin", {}, bubbles=True)

    async def _click(self, el: MirrorElement, modifiers: dict) -> None:
        if self._notes_area is not None and self._notes_area.contains(el):
            self._click_notification(el)
            return
        # Playwright moves the mouse there, presses and releases it.
        self._move_to(el, modifiers)
        self._dispatch(el, "pointerdown", {"buttons": 1, **modifiers})
        if self._dispatch(el, "mousedown", {"buttons": 1, **modifiers}):
            self._focus(next((node for node in dom.ancestors(el) if _focusable(node)), None))
        self._dispatch(el, "pointerup", dict(modifiers))
        self._dispatch(el, "mouseup", dict(modifiers))
        self._activate(el, modifiers)
        await self._settle()

    def _move_to(self, el: MirrorElement, init: dict | None = None) -> None:
        """The mouse moves onto ``el``: out/leave where it was, over/enter where it
        arrives (enter and leave for each element entered or left, without bubbling),
        then move."""
        init = dict(init or {})
        old = self._hovered
        if old is not el:
            attached = old is not None and self._tab.mirror.root.contains(old)
            left = [node for node in dom.ancestors(old) if not node.contains(el)] if attached and old else []
            entered = [node for node in dom.ancestors(el) if old is None or not attached or not node.contains(old)]
            if attached and old is not None:
                self._dispatch(old, "pointerout", dict(init))
                for node in left:
                    self._dispatch(node, "pointerleave", dict(init), bubbles=False)
                self._dispatch(old, "mouseout", dict(init))
                for node in left:
                    self._dispatch(node, "mouseleave", dict(init), bubbles=False)
            self._dispatch(el, "pointerover", dict(init))
            for node in reversed(entered):
                self._dispatch(node, "pointerenter", dict(init), bubbles=False)
            self._dispatch(el, "mouseover", dict(init))
            for node in reversed(entered):
                self._dispatch(node, "mouseenter", dict(init), bubbles=False)
            self._hovered = el
        self._dispatch(el, "pointermove", dict(init))
        self._dispatch(el, "mousemove", dict(init))

    def _click_notification(self, el: MirrorElement) -> None:
        if "domsync-notification-close" in dom.class_list(el):
            box = el.parent
            if box is not None:
                self._dismiss(box)

    def _activate(self, el: MirrorElement, init: dict | None = None) -> None:
        """A click on ``el``: the event, then its default action (that of the nearest
        element that has one: a checkbox, a submit button, a link, a label)."""
        body = self._body()
        actor = next((node for node in dom.ancestors(el) if _activatable(node)), None)
        undo = None
        if actor is not None and actor._tag == "input" and actor._attrs.get("type", "").lower() in ("checkbox", "radio"):
            undo = self._toggle(actor)
        if not self._dispatch(el, "click", dict(init or {})):
            if undo is not None:
                undo()
            return
        if actor is None:
            return
        if undo is not None:
            self._dispatch(actor, "input", {})
            self._dispatch(actor, "change", {})
        elif dom.is_submit_button(actor):
            form = dom.form_of(actor, body)
            if form is not None and dom.is_enabled(actor):
                self._submit(form, actor)
        elif actor._tag == "a":
            self._follow(actor)
        elif actor._tag == "label":
            control = _labelled_control(actor, body)
            if control is not None and control is not el and dom.is_enabled(control):
                self._focus(control)
                self._activate(control)

    def _toggle(self, box: MirrorElement) -> Callable[[], None] | None:
        """Tick a checkbox (or choose a radio button) before its click is dispatched,
        as the browser does; returns how to undo it (the click was prevented), or None
        if nothing changed."""
        if box._attrs.get("type", "").lower() == "checkbox":
            old = dom.checked_of(box)
            box.checked = not old
            return lambda: setattr(box, "checked", old)
        if dom.checked_of(box):
            return None
        name = box._attrs.get("name")
        group = [el for el in self._body().iter() if el._tag == "input" and name
                 and el._attrs.get("type", "").lower() == "radio" and el._attrs.get("name") == name
                 and dom.form_of(el, self._body_el) is dom.form_of(box, self._body_el)]
        before = [(el, el.checked) for el in group] + [(box, box.checked)]
        for el in group:
            el.checked = False
        box.checked = True

        def undo() -> None:
            for el, checked in before:
                el.checked = checked
        return undo

    def _submit(self, form: MirrorElement, submitter: MirrorElement | None) -> None:
        """Submit a form as the browser does: nothing if a required field is empty
        (the browser shows its message instead), else ``submit``; if no listener
        prevents it, the browser would load the form's action: a reload here."""
        novalidate = "novalidate" in form._attrs or (submitter is not None and "formnovalidate" in submitter._attrs)
        if not novalidate:
            for el in form.iter():
                if "required" in el._attrs and el._tag in ("input", "select", "textarea") and dom.is_enabled(el):
                    kind = el._attrs.get("type", "").lower()
                    if kind == "radio":  # the group is what must have a choice
                        name = el._attrs.get("name")
                        empty = not any(dom.checked_of(other) for other in form.iter() if other._tag == "input"
                                        and other._attrs.get("type", "").lower() == "radio"
                                        and (other is el or (name and other._attrs.get("name") == name)))
                    else:
                        empty = not dom.checked_of(el) if kind == "checkbox" else not dom.value_of(el)
                    if empty:
                        self._dispatch(el, "invalid", {}, bubbles=False)
                        return
        if self._dispatch(form, "submit", {}):
            logger.warning("a form was submitted and no listener prevented it: the browser loads the form's "
                           "action, which reloads this page (use prevent_default=True on the submit listener)")
            self._tab._spawn(self._tab.reload())

    def _follow(self, link: MirrorElement) -> None:
        href = link._attrs.get("href", "")
        if href.startswith("#"):
            self._tab.navigate(href[1:])
        elif link._attrs.get("target") == "_blank":
            self.popups.append(Popup(href))
            self._tab._notify()
        else:
            raise NotEmulatedError(f"clicking the link to {href!r} would leave the page, which the test client "
                                   f"does not do; check it with get_attribute('href'), or run this test in "
                                   f"Chromium")

    async def _press(self, el: MirrorElement, combo: str) -> None:
        *mods, key = combo.split("+") if combo != "+" else ["+"]
        if key == "":  # "Shift++"
            key = "+"
        init: dict[str, Any] = {"key": key, "code": _code(key)}
        for mod in mods:
            if mod not in _MODIFIERS:
                raise UsageError(f"unknown modifier {mod!r} in {combo!r}: use Shift, Control, Alt or Meta")
            init[_MODIFIERS[mod]] = True
        if _focusable(el):
            self._focus(el)
        target = self._focused  # an element that cannot take the focus leaves it where it was
        if target is None:
            await self._settle()
            return  # the keys go to the body, where no listener of the page is
        typing = len(key) == 1 and not (init.get("ctrlKey") or init.get("metaKey") or init.get("altKey"))
        if self._dispatch(target, "keydown", dict(init)):
            if typing or key == "Enter":
                self._dispatch(target, "keypress", dict(init))
            if typing and dom.is_text_field(target) and dom.is_editable(target):
                target.value = dom.value_of(target) + key
                self._dirty = True
                self._dispatch(target, "input", {})
            elif key == "Backspace" and dom.is_text_field(target) and dom.is_editable(target):
                value = dom.value_of(target)
                if value:
                    target.value = value[:-1]
                    self._dirty = True
                    self._dispatch(target, "input", {})
            elif key == "Enter":
                self._enter(target)
        self._dispatch(target, "keyup", dict(init))
        if key == " " and _space_activates(target):
            self._activate(target)
        await self._settle()

    def _enter(self, el: MirrorElement) -> None:
        kind = el._attrs.get("type", "").lower() if el._tag == "input" else ""
        if el._tag == "textarea" and dom.is_editable(el):
            el.value = dom.value_of(el) + "\n"
            self._dirty = True
            self._dispatch(el, "input", {})
        elif el._tag == "input" and kind not in _BUTTON_TYPES:  # implicit submission
            form = dom.form_of(el, self._body())
            if form is None:
                return
            button = dom.submit_button_of(form)
            if button is not None:
                if dom.is_enabled(button):
                    self._activate(button)  # the browser clicks the default button
            elif dom.is_text_field(el) and sum(1 for node in form.iter()
                                               if dom.is_text_field(node) and node._tag == "input") == 1:
                self._submit(form, None)  # no default button: only from the one field to type in
        elif el._tag in ("button", "a") or kind in _BUTTON_TYPES:
            self._activate(el)


def _space_activates(el: MirrorElement) -> bool:
    """Whether releasing Space on ``el`` clicks it (buttons, checkboxes, radios; not
    links)."""
    if el._tag == "button":
        return True
    return el._tag == "input" and el._attrs.get("type", "").lower() in _BUTTON_TYPES | {"checkbox", "radio"}


def _element(tag: str, attrs: dict[str, str], kids: list) -> MirrorElement:
    el = MirrorElement(tag, None)
    el._attrs.update(attrs)
    for kid in kids:
        if type(kid) is not str:
            cast(MirrorElement, kid).parent = el
    el._kids = list(kids)
    return el


def _focusable(el: MirrorElement) -> bool:
    if el._tag in _FOCUSABLE:
        return dom.is_enabled(el) and not (el._tag == "input" and el._attrs.get("type", "").lower() == "hidden")
    return (el._tag == "a" and "href" in el._attrs) or "tabindex" in el._attrs \
        or el._attrs.get("contenteditable") in ("", "true")


def _activatable(el: MirrorElement) -> bool:
    if el._tag == "a":
        return "href" in el._attrs
    if el._tag == "label":
        return True
    if el._tag == "input":
        return el._attrs.get("type", "").lower() in ("checkbox", "radio", "submit", "image", "button", "reset")
    return el._tag == "button"


def _labelled_control(label: MirrorElement, body: MirrorElement) -> MirrorElement | None:
    target = label._attrs.get("for")
    if target is not None:
        return next((el for el in body.iter() if el._attrs.get("id") == target
                     and el._tag in ("input", "select", "textarea", "button")), None)
    return next((el for el in label.iter() if el._tag in ("input", "select", "textarea", "button")), None)


def _code(key: str) -> str:
    if len(key) == 1:
        if key.isalpha() and key.isascii():
            return "Key" + key.upper()
        if key.isdigit():
            return "Digit" + key
    return _KEY_CODES.get(key, "")


def _detail(event_type: str, init: dict, el: MirrorElement) -> dict:
    """What the browser client's ``eventDetail`` sends for this event."""
    detail: dict[str, Any] = {}
    kind = dom.event_kind(event_type)
    if kind is not None:
        detail["kind"] = kind
        for name, default in EVENT_KINDS[kind].items():
            value = init.get(name, default)
            if default is not None and value != default:
                detail[name] = value
    if el._tag == "input" and el._attrs.get("type", "").lower() in ("checkbox", "radio"):
        detail["checked"] = dom.checked_of(el)
    if el._tag == "select":
        detail["selected"] = [dom.value_of(el)]
    return detail
