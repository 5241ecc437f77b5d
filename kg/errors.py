"""Errors a user sees as one line, never as a traceback."""

MAX_ECHO = 80  # characters of a user's value quoted back in an error message


class KgError(Exception):
    """A user-facing error, printed as one line."""


class PageError(KgError):
    """A page that cannot be read or parsed; names the file."""


def quoted(value: str) -> str:
    """A user's value, quoted and cut short, safe to put in an error message."""
    return repr(value if len(value) <= MAX_ECHO else value[:MAX_ECHO] + "\u2026")
