"""Errors a user sees as one line, never as a traceback."""


class KgError(Exception):
    """A user-facing error, printed as one line."""


class PageError(KgError):
    """A page that cannot be read or parsed; names the file."""
