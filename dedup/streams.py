"""Standard input and output as corpus files, for shell pipelines: `-` as an input is JSONL read from
stdin, `--out -` writes the kept documents as JSONL to stdout; and a closed stdout (`| head`) ends a
command quietly."""

from __future__ import annotations

import os
import sys

STDIO = "-"  # the name of stdin as an input, and of stdout as --out


def write_stdout(line: str) -> None:
    """Write one output line to stdout as UTF-8, whatever the locale's encoding."""
    sys.stdout.buffer.write(line.encode("utf-8"))


def silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null, so that flushing what is left at exit cannot fail
    again (what Python's documentation of SIGPIPE advises)."""
    try:
        fileno = sys.stdout.fileno()
    except (OSError, ValueError):  # not a real file (click's test runner): nothing will flush to a pipe
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fileno)
    os.close(devnull)
