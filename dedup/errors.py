"""Errors a user can cause and fix: each message names the file (and line) and says what to do."""

from __future__ import annotations


class DedupError(Exception):
    """Base of every error dedup raises on purpose; the CLI prints it as one line and exits non-zero."""

    exit_code = 1


class InputError(DedupError):
    """An input path, file or record cannot be read as a document."""

    exit_code = 2


class RuleError(DedupError):
    """A boilerplate rule file or rule is malformed."""

    exit_code = 2


class ConfigError(DedupError):
    """An option value or option combination is invalid."""

    exit_code = 2


def where(path: object, line: int | None = None) -> str:
    """Format a location as `path` or `path:line` for messages."""
    return f"{path}:{line}" if line is not None else f"{path}"
