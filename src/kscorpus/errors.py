"""Errors a user can act on. The CLI prints ``message`` on one line and exits with ``code``."""

from __future__ import annotations

# Exit codes, documented in the README.
EXIT_USAGE = 2  # bad query or option
EXIT_NOT_FOUND = 3  # unknown article id, or no version in the requested language
EXIT_CORPUS = 4  # corpus directory, manifest or article file unusable
EXIT_INDEX = 5  # index missing, damaged, locked or unwritable


class KscorpusError(Exception):
    """An error with a one-line, actionable message and a documented exit code."""

    code = 1

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class CorpusError(KscorpusError):
    code = EXIT_CORPUS


class IndexUnavailable(KscorpusError):
    """The index is missing, damaged, locked or cannot be written."""

    code = EXIT_INDEX


class LockedError(IndexUnavailable):
    """Another process is writing the index."""


class QueryError(KscorpusError):
    code = EXIT_USAGE


class NotFoundError(KscorpusError):
    code = EXIT_NOT_FOUND
