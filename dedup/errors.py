"""Errors a user can cause and fix: each message names the file (and line) and says what to do."""

from __future__ import annotations

import re

CONTROL_PATTERN = re.compile(r"[\x00-\x1f\x7f]")


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
    r"""Format a location as `path` or `path:line` for one-line messages (control characters in a file
    name, such as a newline, are shown escaped).

    >>> where("data/odd\nname.jsonl", 3)
    'data/odd\\nname.jsonl:3'
    """
    name = CONTROL_PATTERN.sub(lambda m: repr(m.group())[1:-1], f"{path}")
    return f"{name}:{line}" if line is not None else name


class WorkerError(DedupError):
    """A worker process died (killed, or out of memory): the run stopped and wrote nothing."""

    exit_code = 1


class Terminated(KeyboardInterrupt):
    """Raised by the CLI's SIGTERM handler, so that a terminated run unwinds like an interrupted one
    (temporary files removed, complete outputs kept) and exits with 143."""
