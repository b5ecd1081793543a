"""Listening to an event the browser never fires warns, once per name, with the fix."""

from __future__ import annotations

import warnings

import pytest

import domsync
from domsync import Document, EventNameWarning
from domsync import event_names


@pytest.fixture(autouse=True)
def fresh_registry(monkeypatch):
    monkeypatch.setattr(event_names, "_warned", set())
    monkeypatch.setattr(event_names, "_declared", set())


def listen(name: str) -> None:
    doc = Document("app")
    doc.getRootElement().addEventListener(name, lambda event: None)


@pytest.mark.parametrize("name, advice", [
    ("onclick", "'onclick' is an HTML attribute name; the event is 'click': addEventListener('click', ...) "
                "(no 'on' prefix)."),
    ("onInput", "the event is 'input'"),
    ("Click", "event names are case-sensitive and the browser fires 'click', not 'Click'."),
    ("KEYDOWN", "the browser fires 'keydown', not 'KEYDOWN'"),
    ("clik", "'clik' is not an event the browser fires, so this listener would never be called. Did you mean "
             "'click'? For a custom event, put a '-' or ':' in its name ('app:clik') or declare it: "
             "domsync.declare_events('clik')."),
    ("submitted", "Did you mean 'submit'?"),
    ("rowSelected", "'rowSelected' is not an event the browser fires"),
])
def test_names_the_browser_never_fires_warn_with_the_fix(name, advice):
    with pytest.warns(EventNameWarning) as caught:
        listen(name)
    assert advice in str(caught[0].message)
    assert caught[0].filename == __file__  # it points at the application's line


@pytest.mark.parametrize("name", ["click", "input", "keydown", "DOMContentLoaded", "online", "transitionend",
                                  "row-selected", "app:saved", "x-y"])
def test_dom_events_and_custom_events_with_a_dash_or_colon_never_warn(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        listen(name)


def test_a_declared_custom_event_does_not_warn_and_each_name_warns_once():
    domsync.declare_events("refresh")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        listen("refresh")
    with pytest.warns(EventNameWarning):
        listen("clik")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        listen("clik")  # once per name


def test_declaring_checks_the_name():
    with pytest.raises(domsync.InvalidNameError):
        domsync.declare_events("two words")
