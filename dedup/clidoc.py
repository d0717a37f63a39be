"""The README's command-line reference, rendered from click: every command's --help between two
markers. `python -m dedup.clidoc README.md` rewrites that section; a test checks it is up to date."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

import click

START = "<!-- cli-reference: start (python -m dedup.clidoc README.md) -->"
END = "<!-- cli-reference: end -->"
WIDTH = 100
RENDERED = re.compile(r"Rendered with click (\S+)\.")


def commands(command: click.Command, ctx: click.Context) -> Iterator[click.Context]:
    """Contexts of `command` and every subcommand below it, depth first, in the group's listed order."""
    yield ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from commands(sub, click.Context(sub, info_name=name, parent=ctx, terminal_width=WIDTH, max_content_width=WIDTH))


def reference(command: click.Command, name: str = "dedup") -> str:
    """Markdown: the click version, then one heading and one --help block per command, at a fixed width.

    >>> print(reference(click.Command("hello", help="Say hello.")).splitlines()[2])
    ### `dedup`
    """
    root = click.Context(command, info_name=name, terminal_width=WIDTH, max_content_width=WIDTH, **command.context_settings)
    parts = [f"Rendered with click {version('click')}."]
    for ctx in commands(command, root):
        parts.append(f"### `{ctx.command_path}`\n\n```\n{ctx.command.get_help(ctx)}\n```")
    return "\n\n".join(parts)


def rendered_with(text: str) -> str | None:
    """The click version the reference in `text` was rendered with (click words its help its own way)."""
    found = RENDERED.search(text.partition(START)[2])
    return found.group(1) if found else None


def names(text: str) -> set[str]:
    """The command headings and option names of the reference in `text`: what any click version shows.

    >>> sorted(names(f"{START}\\n### `dedup x`\\n  --out DIR  --no-progress\\n{END}"))
    ['### `dedup x`', '--no-progress', '--out']
    """
    section = text.partition(START)[2].partition(END)[0]
    return set(re.findall(r"(?m)^### `[^`]+`|--[a-z][a-z-]*", section))


def update(text: str, command: click.Command) -> str:
    """`text` with the section between the markers replaced by the current reference.

    >>> update(f"a\\n{START}\\nold\\n{END}\\nb", click.Command("x", help="X.")).count("Usage: dedup")
    1
    """
    head, found, rest = text.partition(START)
    _, found_end, tail = rest.partition(END)
    if not (found and found_end):
        raise ValueError(f"the markers {START!r} and {END!r} are missing")
    return f"{head}{START}\n{reference(command)}\n{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    from .cli import main as dedup_command

    for path in map(Path, argv if argv is not None else sys.argv[1:]):
        text = path.read_text(encoding="utf-8")
        new = update(text, dedup_command)
        if new != text:
            path.write_text(new, encoding="utf-8")
            print(f"{path}: command-line reference updated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
