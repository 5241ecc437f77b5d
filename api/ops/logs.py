"""Log lines as JSON (one object a line) or as plain text, each carrying the id of the request it is
written for; `configure` puts one such handler on the root logger for `kg serve`."""
from __future__ import annotations

import logging
import sys
import time
from typing import Any, Literal, TextIO

import orjson

from api.ops.context import CURRENT

Format = Literal["auto", "json", "text"]
# Loggers whose lines below WARNING hold user values: the driver's debug lines show query parameters,
# httpx's info lines show URLs.
QUIET = ("neo4j", "httpx", "httpcore")


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    """The line's fields after its message: the request id, then the record's own (extra={"kg": {...}})."""
    fields: dict[str, Any] = {}
    trace = CURRENT.get()
    if trace is not None:
        fields["request_id"] = trace.id
    fields.update(getattr(record, "kg", None) or {})
    return fields


def _time(record: logging.LogRecord) -> str:
    """The record's time in UTC, to the millisecond: 2026-01-31T12:00:00.123Z."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"


class JsonFormatter(logging.Formatter):
    """{"time", "level", "logger", "message", "request_id", ...the record's fields, "error"} on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": _time(record), "level": record.levelname.lower(), "logger": record.name,
                "message": record.getMessage(), **_fields(record)}
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


def _plain(value: Any) -> str:
    text = str(value)
    return orjson.dumps(text).decode() if not text or any(c.isspace() or c == '"' for c in text) else text


class TextFormatter(logging.Formatter):
    """`time LEVEL logger message key=value...` for a person at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        pairs = " ".join(f"{key}={_plain(value)}" for key, value in _fields(record).items())
        line = f"{_time(record)} {record.levelname:<7} {record.name} {record.getMessage()} {pairs}".rstrip()
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def formatter(fmt: Format, stream: TextIO) -> logging.Formatter:
    """JSON, or text; "auto" is text on a terminal and JSON otherwise."""
    if fmt == "auto":
        fmt = "text" if stream.isatty() else "json"
    return TextFormatter() if fmt == "text" else JsonFormatter()


def configure(fmt: Format = "auto", level: str = "info", stream: TextIO | None = None) -> logging.Handler:
    """Send every log line (kg's, uvicorn's, Strawberry's) through one handler on `stream` (stderr)."""
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter(fmt, stream))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # No line shows the thread or process (one process, one event loop): spare each record the lookups.
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    for name in QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):  # uvicorn's own handlers would print twice
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    return handler
