"""Helpers for log lines: short renderings of what a browser sent, and what
``verbose=True`` shows."""

from __future__ import annotations

import logging
import reprlib

__all__ = ["brief", "show_info_until_configured", "logging_configured"]

_short = reprlib.Repr()
_short.maxlevel = 3
_short.maxstring = 100
_short.maxother = 100
_short.maxlist = _short.maxdict = _short.maxtuple = 6


def brief(value: object, limit: int = 100) -> str:
    """A short, one-line rendering of a value from the network, safe to log: nesting,
    length and line breaks are cut down (a plain ``%r`` of deeply nested JSON raises
    RecursionError, and raw text could forge log lines)."""
    if limit != _short.maxstring:
        short = reprlib.Repr()
        short.maxlevel, short.maxstring, short.maxother = 3, limit, limit
        return short.repr(value)
    return _short.repr(value)


# ---------------------------------------------------------------------- verbose=True


class _Fallback(logging.StreamHandler):
    """Prints domsync's INFO lines (the URL to open) to stderr for as long as nobody
    has configured logging; steps aside once someone has."""

    def emit(self, record: logging.LogRecord) -> None:
        if not logging_configured():
            super().emit(record)


class _AsIfUnset(logging.Filter):
    """domsync's logger level was lowered to INFO only for the fallback handler: once
    the application configures logging, behave as if it had never been set, so that
    INFO lines do not reach the application's handlers unasked."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not logging_configured():
            return True
        parent = logging.getLogger("domsync").parent
        return record.levelno >= (parent.getEffectiveLevel() if parent is not None else logging.WARNING)


def logging_configured() -> bool:
    """True if the application (or a test harness) configured logging: a handler on
    the root logger, or on any logger (other than a library's NullHandler and
    domsync's own fallback)."""
    if logging.root.handlers:
        return True
    for logger in list(logging.Logger.manager.loggerDict.values()):
        if isinstance(logger, logging.Logger) and any(
                not isinstance(handler, (logging.NullHandler, _Fallback)) for handler in logger.handlers):
            return True
    return False


def show_info_until_configured() -> None:
    """What ``verbose=True`` does: if logging is not configured at all, print
    domsync's INFO lines to stderr, until the application configures it. If it is
    configured (or domsync's logger has a level of its own), change nothing."""
    package = logging.getLogger("domsync")
    if logging_configured() or package.level != logging.NOTSET:
        return
    if any(isinstance(handler, _Fallback) for handler in package.handlers):
        return
    handler = _Fallback()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s: %(message)s", "%H:%M:%S"))
    package.addHandler(handler)
    # Logger filters apply to the records made on that logger: domsync's own loggers.
    as_if_unset = _AsIfUnset()
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and (name == "domsync" or name.startswith("domsync.")):
            logger.addFilter(as_if_unset)
    package.setLevel(logging.INFO)
