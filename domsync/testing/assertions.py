"""``expect(locator).to_have_text(...)``: assertions that wait, as Playwright's do.

Each assertion checks at once, then again whenever the page changes, until it holds or
its timeout (5 s by default) runs out; then it raises :class:`AssertionError` with what
was expected, what the page had, and the page's HTML around the locator.

:func:`expect` also takes Playwright's own locators and pages, and hands them to
Playwright's ``expect``: a test written against :mod:`domsync.testing` runs unchanged in
Chromium.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, Callable, Pattern

from . import dom
from .locator import Locator, Page, _describe, strict_violation

__all__ = ["expect", "LocatorAssertions", "PageAssertions"]

Expected = str | Pattern[str]


def expect(target: Any, message: str | None = None) -> Any:
    """Assertions about a :class:`~domsync.testing.Locator` or
    :class:`~domsync.testing.Page` that wait until they hold.

    A Playwright locator or page goes to Playwright's ``expect``, so one test runs both
    browserless and in Chromium.

    Example:
        .. code-block:: python

            await expect(page.locator("#count")).to_have_text("1 of 2 left")
            await expect(page.get_by_role("listitem")).to_have_count(2)
    """
    if isinstance(target, Locator):
        return LocatorAssertions(target, message=message)
    if isinstance(target, Page):
        return PageAssertions(target, message=message)
    module = type(target).__module__
    if module.startswith("playwright."):
        from playwright.async_api import expect as playwright_expect

        return playwright_expect(target, message) if message else playwright_expect(target)
    raise TypeError(f"expect() takes a domsync.testing Locator or Page (or Playwright's), not "
                    f"{type(target).__name__}")


def _matches(actual: str, expected: Expected, *, substring: bool = False, ignore_case: bool = False,
             normalize: bool = True) -> bool:
    if isinstance(expected, re.Pattern):
        pattern = re.compile(expected.pattern, expected.flags | (re.IGNORECASE if ignore_case else 0))
        return pattern.search(actual) is not None
    if normalize:
        actual, expected = dom.normalize(actual), dom.normalize(expected)
    if ignore_case:
        actual, expected = actual.lower(), expected.lower()
    return expected in actual if substring else actual == expected


class _Assertions:
    def __init__(self, timeout: float | None, negate: bool, message: str | None):
        self._timeout_ms = timeout
        self._negate = negate
        self._message = message

    async def _poll(self, page: Page, check: Callable[[], tuple[bool | None, Any]], what: str,
                    timeout: float | None, context: Callable[[], str]) -> None:
        """Check until the result is what is wanted (``ok`` None: the check cannot be
        made, no element to check, which fails either way)."""
        limit = page._timeout(timeout if timeout is not None else self._timeout_ms)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit / 1000
        while True:
            ok, actual = check()
            if ok is not None and ok != self._negate:
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            try:
                async with asyncio.timeout(remaining):
                    await page._tab.changed()
            except TimeoutError:
                pass
        head = self._message or f"{'not ' if self._negate else ''}{what}"
        raise AssertionError(f"{head}\n  Actual value: {actual!r}\n  Timeout: {limit:g}ms\n{context()}")


class LocatorAssertions(_Assertions):
    """What :func:`expect` returns for a locator. Every method has a ``not_to_``
    twin that waits for the opposite."""

    def __init__(self, locator: Locator, timeout: float | None = None, negate: bool = False,
                 message: str | None = None):
        super().__init__(timeout, negate, message)
        self._locator = locator

    @property
    def _not(self) -> "LocatorAssertions":
        return LocatorAssertions(self._locator, self._timeout_ms, not self._negate, self._message)

    async def _check(self, what: str, check: Callable[[list], tuple[bool | None, Any]], timeout: float | None) -> None:
        locator = self._locator
        page = locator.page
        await self._poll(page, lambda: check(locator.resolve()), f"{locator.description} expected {what}",
                         timeout, lambda: page._html_around(locator))

    async def _one(self, what: str, test: Callable[[Any], tuple[bool, Any]], timeout: float | None) -> None:
        """An assertion about one element: none fails (negated too), several break
        strict mode, as in Playwright."""
        locator = self._locator

        def check(elements: list) -> tuple[bool | None, Any]:
            if len(elements) > 1:
                raise strict_violation(locator, elements)
            if not elements:
                return None, "<element(s) not found>"
            return test(elements[0])
        await self._check(what, check, timeout)

    async def to_have_text(self, expected: Expected | list[Expected], *, use_inner_text: bool = False,
                           ignore_case: bool = False, timeout: float | None = None) -> None:
        """The element's text (``textContent``, whitespace collapsed) is ``expected``
        (a regular expression: matches it); a list: one text per element, in order."""
        await self._texts(expected, use_inner_text, ignore_case, timeout, substring=False)

    async def to_contain_text(self, expected: Expected | list[Expected], *, use_inner_text: bool = False,
                              ignore_case: bool = False, timeout: float | None = None) -> None:
        """The element's text contains ``expected``; a list: the elements contain
        these texts, in order."""
        await self._texts(expected, use_inner_text, ignore_case, timeout, substring=True)

    async def _texts(self, expected: Expected | list[Expected], use_inner_text: bool, ignore_case: bool,
                     timeout: float | None, substring: bool) -> None:
        read = dom.inner_text if use_inner_text else (lambda el: el.text_content)
        verb = "to contain text" if substring else "to have text"
        if isinstance(expected, list):
            wanted = list(expected)

            def check(elements: list) -> tuple[bool, Any]:
                texts = [read(el) for el in elements]
                if not substring:
                    ok = len(texts) == len(wanted) and all(
                        _matches(t, w, ignore_case=ignore_case) for t, w in zip(texts, wanted))
                    return ok, texts
                position = 0
                for text in texts:  # the expected texts, in order, among the elements'
                    if position < len(wanted) and _matches(text, wanted[position], substring=True,
                                                           ignore_case=ignore_case):
                        position += 1
                return position == len(wanted), texts
            await self._check(f"{verb} {[_describe(w) for w in wanted]}", check, timeout)
            return
        await self._one(f"{verb} {_describe(expected)}", lambda el: (
            _matches(read(el), expected, substring=substring, ignore_case=ignore_case), read(el)), timeout)

    async def to_have_count(self, count: int, *, timeout: float | None = None) -> None:
        """Exactly ``count`` elements match."""
        await self._check(f"to have count {count}", lambda els: (len(els) == count, len(els)), timeout)

    async def to_have_value(self, value: Expected, *, timeout: float | None = None) -> None:
        """An input's, textarea's or select's live value is ``value``."""
        await self._one(f"to have value {_describe(value)}", lambda el: (
            _matches(dom.value_of(el), value, normalize=False), dom.value_of(el)), timeout)

    async def to_have_attribute(self, name: str, value: Expected | None = None, *,
                                timeout: float | None = None) -> None:
        """The element has the attribute (with this value, if given)."""
        def test(el: Any) -> tuple[bool, Any]:
            actual = el._attrs.get(name.lower() if el._ns is None else name)
            if value is None:
                return actual is not None, actual
            return actual is not None and _matches(actual, value, normalize=False), actual
        await self._one(f"to have attribute {name!r}" + (f" = {_describe(value)}" if value is not None else ""),
                        test, timeout)

    async def to_have_class(self, expected: Expected, *, timeout: float | None = None) -> None:
        """The ``class`` attribute is ``expected`` (a pattern: matches it)."""
        await self._one(f"to have class {_describe(expected)}", lambda el: (
            _matches(el._attrs.get("class", ""), expected), el._attrs.get("class", "")), timeout)

    async def to_contain_class(self, expected: str, *, timeout: float | None = None) -> None:
        """The element has each of these space-separated class names."""
        wanted = expected.split()
        await self._one(f"to contain class {expected!r}", lambda el: (
            all(name in dom.class_list(el) for name in wanted), el._attrs.get("class", "")), timeout)

    async def to_have_id(self, ident: Expected, *, timeout: float | None = None) -> None:
        """The element's id is ``ident``."""
        await self._one(f"to have id {_describe(ident)}", lambda el: (
            _matches(el._attrs.get("id", ""), ident, normalize=False), el._attrs.get("id")), timeout)

    async def to_be_checked(self, *, checked: bool = True, timeout: float | None = None) -> None:
        """A checkbox or radio button is checked (or not, with ``checked=False``)."""
        await self._one("to be checked" if checked else "to be unchecked", lambda el: (
            dom.checked_of(el) == checked, dom.checked_of(el)), timeout)

    async def to_be_visible(self, *, visible: bool = True, timeout: float | None = None) -> None:
        """The element is visible (see :func:`domsync.testing.dom.is_visible`)."""
        def check(elements: list) -> tuple[bool, Any]:
            if len(elements) > 1:
                raise strict_violation(self._locator, elements)
            shown = bool(elements) and dom.is_visible(elements[0])  # none: not visible
            return shown == visible, "visible" if shown else "hidden" if elements else "<element(s) not found>"
        await self._check("to be visible" if visible else "to be hidden", check, timeout)

    async def to_be_hidden(self, *, timeout: float | None = None) -> None:
        """No element matches, or it is hidden."""
        await self._check("to be hidden", lambda els: (
            not els or (len(els) == 1 and not dom.is_visible(els[0])),
            "hidden" if not els else f"{len(els)} element(s), visible"), timeout)

    async def to_be_enabled(self, *, enabled: bool = True, timeout: float | None = None) -> None:
        """The element is enabled (or disabled, with ``enabled=False``)."""
        await self._one("to be enabled" if enabled else "to be disabled", lambda el: (
            dom.is_enabled(el) == enabled, "enabled" if dom.is_enabled(el) else "disabled"), timeout)

    async def to_be_disabled(self, *, timeout: float | None = None) -> None:
        """The element is disabled."""
        await self.to_be_enabled(enabled=False, timeout=timeout)

    async def to_be_editable(self, *, editable: bool = True, timeout: float | None = None) -> None:
        """The user can type into the element."""
        await self._one("to be editable" if editable else "to be read-only", lambda el: (
            dom.is_editable(el) == editable, dom.is_editable(el)), timeout)

    async def to_be_empty(self, *, timeout: float | None = None) -> None:
        """An input has no value, or an element has no text and no child elements."""
        def test(el: Any) -> tuple[bool, Any]:
            if el._tag in ("input", "textarea", "select"):
                return dom.value_of(el) == "", dom.value_of(el)
            return not el.text_content.strip(), el.text_content  # as Playwright: no text but spaces
        await self._one("to be empty", test, timeout)

    async def to_be_attached(self, *, attached: bool = True, timeout: float | None = None) -> None:
        """An element matches (or none, with ``attached=False``)."""
        await self._check("to be attached" if attached else "to be detached",
                          lambda els: (bool(els) == attached, f"{len(els)} element(s)"), timeout)

    async def to_be_focused(self, *, timeout: float | None = None) -> None:
        """The element has the focus."""
        page = self._locator.page
        await self._one("to be focused", lambda el: (page._focused is el, page._focused), timeout)

    # The negations, as Playwright's Python API names them.
    async def not_to_have_text(self, expected: Expected | list[Expected], **options: Any) -> None:
        """The text is not ``expected`` (waits until so)."""
        await self._not.to_have_text(expected, **options)

    async def not_to_contain_text(self, expected: Expected | list[Expected], **options: Any) -> None:
        """The text does not contain ``expected``."""
        await self._not.to_contain_text(expected, **options)

    async def not_to_have_count(self, count: int, **options: Any) -> None:
        """Not exactly ``count`` elements match."""
        await self._not.to_have_count(count, **options)

    async def not_to_have_value(self, value: Expected, **options: Any) -> None:
        """The value is not ``value``."""
        await self._not.to_have_value(value, **options)

    async def not_to_have_attribute(self, name: str, value: Expected | None = None, **options: Any) -> None:
        """The element lacks the attribute (or has another value)."""
        await self._not.to_have_attribute(name, value, **options)

    async def not_to_have_class(self, expected: Expected, **options: Any) -> None:
        """The class attribute is not ``expected``."""
        await self._not.to_have_class(expected, **options)

    async def not_to_contain_class(self, expected: str, **options: Any) -> None:
        """The element lacks one of these class names."""
        await self._not.to_contain_class(expected, **options)

    async def not_to_be_checked(self, **options: Any) -> None:
        """Not checked."""
        await self._not.to_be_checked(**options)

    async def not_to_be_visible(self, **options: Any) -> None:
        """Not visible (the element must exist; see :meth:`to_be_hidden`)."""
        await self._not.to_be_visible(**options)

    async def not_to_be_enabled(self, **options: Any) -> None:
        """Disabled."""
        await self._not.to_be_enabled(**options)

    async def not_to_be_attached(self, **options: Any) -> None:
        """No element matches."""
        await self._not.to_be_attached(**options)

    async def not_to_be_empty(self, **options: Any) -> None:
        """Has a value or content."""
        await self._not.to_be_empty(**options)

    async def not_to_be_hidden(self, **options: Any) -> None:
        """Visible (the element must exist)."""
        await self.to_be_visible(**options)

    async def not_to_be_disabled(self, **options: Any) -> None:
        """Enabled."""
        await self.to_be_enabled(**options)

    async def not_to_be_editable(self, **options: Any) -> None:
        """Read-only."""
        await self._not.to_be_editable(**options)

    async def not_to_be_focused(self, **options: Any) -> None:
        """Does not have the focus."""
        await self._not.to_be_focused(**options)

    async def not_to_have_id(self, ident: Expected, **options: Any) -> None:
        """The id is not ``ident``."""
        await self._not.to_have_id(ident, **options)


class PageAssertions(_Assertions):
    """What :func:`expect` returns for a page."""

    def __init__(self, page: Page, timeout: float | None = None, negate: bool = False, message: str | None = None):
        super().__init__(timeout, negate, message)
        self._page = page

    async def to_have_url(self, url: Expected, *, timeout: float | None = None) -> None:
        """The page's URL is ``url`` (a pattern: matches it, e.g. ``re.compile("#about$")``)."""
        page = self._page
        await self._poll(page, lambda: (_matches(page.url, url, normalize=False), page.url),
                         f"page expected to have URL {_describe(url)}", timeout, lambda: "")

    async def not_to_have_url(self, url: Expected, *, timeout: float | None = None) -> None:
        """The page's URL is not ``url``."""
        await PageAssertions(self._page, self._timeout_ms, True, self._message).to_have_url(url, timeout=timeout)
