"""Repair broken Unicode with ftfy and normalise whitespace, without rewriting clean text."""

from __future__ import annotations

import regex
from ftfy import TextFixerConfig, fix_text

from .config import RepairMode

# Conservative: undo mojibake, broken encodings, C1 controls, surrogates and terminal escapes; leave
# quotes, character widths, ligatures and Unicode normal form as the author wrote them.
CONSERVATIVE = TextFixerConfig(
    unescape_html="auto",
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    normalization=None,
    explain=False,
)
# Aggressive: ftfy's own defaults (NFC, straight quotes, half-width forms, ligatures split).
AGGRESSIVE = TextFixerConfig(fix_line_breaks=False, explain=False)

# Spaces that render as a plain space (NBSP, en/em spaces, narrow NBSP, ...): become " ".
SPACE_PATTERN = regex.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\t\x0b\x0c]")
# ASCII spacing controls that ftfy would delete outright, gluing words: become spaces before it runs.
CONTROL_SPACE_PATTERN = regex.compile(r"[\t\x0b\x0c]")
# Invisible characters with no meaning in running text: zero-width space, word joiner, BOM, soft hyphen.
INVISIBLE_PATTERN = regex.compile(r"[\u200b\u2060\ufeff\u00ad]")
# Line ends of every platform, so that line numbers count the way editors do.
NEWLINE_PATTERN = regex.compile(r"\r\n?")
# What ftfy can change: a character outside printable ASCII (mojibake, controls, escapes) or an "&"
# (HTML entities). A line without any is returned unchanged by ftfy, so the slow call is skipped.
NEEDS_FTFY_PATTERN = regex.compile(r"[^\t\n\r\x20-\x7e]|&")


# Rounds of repair at most (a round can only uncover what the one before hid; two are almost always enough).
MAX_REPAIR_ROUNDS = 4


def split_lines(text: str) -> list[str]:
    """Split on line ends (\\n, \\r\\n, \\r) only, so line k is line k of the file as a user sees it."""
    return NEWLINE_PATTERN.sub("\n", text).split("\n")


def repair_lines(lines: list[str], mode: RepairMode = "conservative") -> list[str]:
    """Repair each line; the result has exactly as many lines as the input, so numbers stay true.

    A line a round changed is repaired again, until none changes (MAX_REPAIR_ROUNDS at most): once an
    invisible character between two others is gone, ftfy may see mojibake it could not see before, and
    repairing the output again must change nothing.

    >>> repair_lines(["\x94\xad\u00c4", "plain"])
    ['\u04c0', 'plain']
    """
    out = _repair_round(lines, mode)
    todo = [i for i, (before, after) in enumerate(zip(lines, out)) if before != after]
    for _ in range(MAX_REPAIR_ROUNDS - 1):
        if not todo:
            break
        again = _repair_round([out[i] for i in todo], mode)
        changed = [i for i, text in zip(todo, again) if text != out[i]]
        for i, text in zip(todo, again):
            out[i] = text
        todo = changed
    return out


def _repair_round(lines: list[str], mode: RepairMode) -> list[str]:
    if mode != "off":
        fixer = CONSERVATIVE if mode == "conservative" else AGGRESSIVE
        lines = [CONTROL_SPACE_PATTERN.sub(" ", line) if has_control_space(line) else line for line in lines]
        if any(NEEDS_FTFY_PATTERN.search(line) for line in lines):
            fixed = fix_lines(lines, fixer).split("\n")
            # A fix that adds or removes a line end (an escaped newline) would shift every later line
            # number: repair line by line instead.
            lines = fixed if len(fixed) == len(lines) else [fix_text(x, fixer).replace("\n", " ") for x in lines]
    return [normalise_spaces(line) for line in lines]


def fix_lines(lines: list[str], fixer: TextFixerConfig) -> str:
    """`fix_text("\\n".join(lines), fixer)`, calling ftfy only on the lines it could change. ftfy fixes a
    text line by line (each with its line end) and changes nothing on a line of printable ASCII without
    "&"; its one state across lines is followed here too: once a line holds "<", HTML entities are no
    longer unescaped in "auto" mode.

    >>> fix_lines(["Plain words", "The cafÃ© is open.", "&lt;b&gt; tags <b>", "&amp; stays"], CONSERVATIVE)
    'Plain words\\nThe café is open.\\n&lt;b&gt; tags <b>\\n&amp; stays'
    """
    out = []
    for i, line in enumerate(lines):
        segment = line if i == len(lines) - 1 else line + "\n"
        out.append(fix_text(segment, fixer) if NEEDS_FTFY_PATTERN.search(line) else segment)
        if fixer.unescape_html == "auto" and "<" in segment:
            fixer = fixer._replace(unescape_html=False)
    return "".join(out)


def normalise_spaces(line: str) -> str:
    """Turn odd spaces into plain ones, drop invisible characters and strip both ends of a line."""
    if line.isascii() and not has_control_space(line):
        return line.strip()  # the patterns match nothing else in ASCII
    return INVISIBLE_PATTERN.sub("", SPACE_PATTERN.sub(" ", line)).strip()


def has_control_space(line: str) -> bool:
    """True when `line` holds a tab, vertical tab or form feed (CONTROL_SPACE_PATTERN's characters)."""
    return "\t" in line or "\x0b" in line or "\x0c" in line


def repair_text(text: str, mode: RepairMode = "conservative") -> str:
    r"""Repair mojibake and broken encodings, normalise whitespace and collapse runs of blank lines.

    >>> repair_text("The cafÃ© is open.\u00a0 \n\n\n\nBye")
    'The café is open.\n\nBye'
    """
    return join_lines(repair_lines(split_lines(text), mode))


def join_lines(lines: list[str]) -> str:
    """Join lines with no blank line at either end and no two blank lines in a row."""
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)
