"""Repair broken Unicode with ftfy and normalise whitespace, without rewriting clean text."""

from __future__ import annotations

import functools
import re
import re._constants as sre
import re._parser
import unicodedata

from ftfy import TextFixerConfig, chardata, fix_text, fixes
from ftfy.badness import BADNESS_RE

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
SPACE_PATTERN = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\t\x0b\x0c]")
# ASCII spacing controls that ftfy would delete outright, gluing words: become spaces before it runs.
CONTROL_SPACE_PATTERN = re.compile(r"[\t\x0b\x0c]")
# Invisible characters with no meaning in running text: zero-width space, word joiner, BOM, soft hyphen.
INVISIBLE_PATTERN = re.compile(r"[\u200b\u2060\ufeff\u00ad]")
# Any character of the two above: one scan tells whether a line needs either substitution.
ODD_SPACE_PATTERN = re.compile(SPACE_PATTERN.pattern + "|" + INVISIBLE_PATTERN.pattern)
# Line ends of every platform, so that line numbers count the way editors do.
NEWLINE_PATTERN = re.compile(r"\r\n?")
# What ftfy can change: a character outside printable ASCII (mojibake, controls, escapes) or an "&"
# (HTML entities). A line without any is returned unchanged by ftfy, so the slow call is skipped; one with
# some goes to ftfy_leaves_alone, which clears most of the rest.
NEEDS_FTFY_PATTERN = re.compile(r"[^\t\n\r\x20-\x7e]|&")


# Rounds of repair at most (a round can only uncover what the one before hid; two are almost always enough).
MAX_REPAIR_ROUNDS = 4


def split_lines(text: str) -> list[str]:
    """Split on line ends (\\n, \\r\\n, \\r) only, so line k is line k of the file as a user sees it."""
    return (NEWLINE_PATTERN.sub("\n", text) if "\r" in text else text).split("\n")


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
    text line by line (each with its line end), and a line it provably leaves alone (ftfy_leaves_alone)
    is kept as it is; its one state across lines is followed here too: once a line holds "<", HTML
    entities are no longer unescaped in "auto" mode.

    >>> fix_lines(["Plain words", "The cafÃ© is open.", "&lt;b&gt; tags <b>", "&amp; stays"], CONSERVATIVE)
    'Plain words\\nThe café is open.\\n&lt;b&gt; tags <b>\\n&amp; stays'
    """
    out = []
    for i, line in enumerate(lines):
        segment = line if i == len(lines) - 1 else line + "\n"
        needs_ftfy = NEEDS_FTFY_PATTERN.search(line) and not ftfy_leaves_alone(segment, fixer)
        out.append(fix_text(segment, fixer) if needs_ftfy else segment)
        if fixer.unescape_html == "auto" and "<" in segment:
            fixer = fixer._replace(unescape_html=False)
    return "".join(out)


class Unproven(Exception):
    """The installed ftfy differs from the one ftfy_leaves_alone's proof was read from (6.3)."""


def ftfy_leaves_alone(segment: str, fixer: TextFixerConfig) -> bool:
    """True only where ftfy 6's source shows that `fix_text(segment, fixer)` is `segment`. fix_text hands
    each line to fix_and_explain, which stops once a pass changes nothing, and in one pass: unescape_html
    needs an entity, fix_encoding returns text unchanged unless ftfy's is_bad finds mojibake in it,
    every other fixer needs one of _ftfy_triggers's characters, and normalization a text not in its
    normal form. False means "ask ftfy", not "ftfy changes it".

    >>> ftfy_leaves_alone("Nato’s “open door” — Zürich, Москва, AT&T\\n", CONSERVATIVE)
    True
    >>> [ftfy_leaves_alone(s, CONSERVATIVE) for s in ["cafÃ©", "Tom &amp; Jerry", "\\x1b[31mred"]]
    [False, False, False]
    """
    if not SKIP_PROVEN:
        return False
    if len(segment) > fixer.max_decode_length or segment.find("\n", 0, len(segment) - 1) >= 0:
        return False  # fix_text would cut it into segments of its own
    if fixer.unescape_html and "&" in segment and fixes.HTML_ENTITY_RE.search(segment):
        return False
    if _ftfy_triggers(fixer).search(segment):
        return False
    if fixer.normalization is not None and not unicodedata.is_normalized(fixer.normalization, segment):
        return False
    return not (fixer.fix_encoding and looks_like_mojibake(segment))


@functools.lru_cache(maxsize=8)
def _ftfy_triggers(fixer: TextFixerConfig) -> re.Pattern[str]:
    """The characters that `fixer`'s character fixers act on: the controls ftfy deletes, ESC (which
    starts every terminal escape), C1 controls, surrogates, and in aggressive configurations ligatures,
    width forms, curly quotes and odd line breaks."""
    chars = set()
    if fixer.remove_terminal_escapes:
        chars.add("\x1b")
    if fixer.fix_c1_controls:
        chars.update(map(chr, range(0x80, 0xA0)))
    if fixer.fix_surrogates:
        chars.update(map(chr, range(0xD800, 0xE000)))
    if fixer.remove_control_chars:
        chars.update(map(chr, chardata.CONTROL_CHARS))
    if fixer.fix_latin_ligatures:
        chars.update(map(chr, chardata.LIGATURES))
    if fixer.fix_character_width:
        chars.update(map(chr, chardata.WIDTH_MAP))
    if fixer.uncurl_quotes:
        chars.update(QUOTE_CHARS)
    if fixer.fix_line_breaks:
        chars.update("\r\u2028\u2029\x85")
    return _char_class(chars)


def looks_like_mojibake(text: str) -> bool:
    """ftfy's `is_bad(text)`, searched only near the characters one of which every match holds.

    A match of ftfy's BADNESS_RE is at most MOJIBAKE_REACH characters long, looks at nothing outside
    itself and holds a character of MOJIBAKE_ANCHORS (all checked at import from the compiled pattern),
    so it lies within MOJIBAKE_REACH - 1 characters of such an anchor: searching those windows finds a
    match exactly when searching the whole text does, at a fraction of the cost.

    >>> looks_like_mojibake("The cafÃ© is open"), looks_like_mojibake("The café is “open”")
    (True, False)
    """
    if not SKIP_PROVEN:
        return BADNESS_RE.search(text) is not None
    reach = MOJIBAKE_REACH
    start, end = 0, -1
    for anchor in MOJIBAKE_ANCHORS.finditer(text):
        at = anchor.start()
        if at - reach >= end:  # this window does not touch the one before: search that one first
            if end > 0 and BADNESS_RE.search(text, start, end):
                return True
            start = max(at - reach + 1, 0)
        end = at + reach
    return end > 0 and BADNESS_RE.search(text, start, end) is not None


def _mojibake_reach_and_anchors(pattern: re.Pattern[str]) -> tuple[int, re.Pattern[str]]:
    """The longest match of `pattern` and a class of non-ASCII characters one of which every match holds
    (one required character class from each alternative, picked to avoid lowercase letters, which are
    common in clean text). Raises if `pattern` is not a plain alternation of character sequences that
    looks at nothing outside its match: the windowed search would not be exact."""
    if pattern.flags & (re.IGNORECASE | re.MULTILINE | re.DOTALL):
        raise Unproven(f"ftfy's BADNESS_RE has flags {pattern.flags}: looks_like_mojibake is not proven for them")
    tree = re._parser.parse(pattern.pattern, pattern.flags)
    _check_local(tree)
    reach = tree.getwidth()[1]
    if reach >= sre.MAXREPEAT:
        raise Unproven("ftfy's BADNESS_RE has an unbounded repeat: looks_like_mojibake is not proven for it")
    branches = tree.data[0][1][1] if len(tree.data) == 1 and tree.data[0][0] is sre.BRANCH else [tree]
    anchors: set[str] = set()
    for branch in branches:
        required = [chars for op, av in branch.data if (chars := _item_chars(op, av)) and min(chars) > "\x7f"]
        if not required:
            raise Unproven(f"ftfy's BADNESS_RE has an alternative without a non-ASCII character: {branch}")
        anchors |= min(required, key=lambda chars: (sum(c.islower() for c in chars), sum(c.isalpha() for c in chars), len(chars)))
    return reach, _char_class(anchors)


def _check_local(tree: re._parser.SubPattern) -> None:
    """Raise unless every item of `tree` consumes characters of the match itself, but for "^" (which a
    search from a later position never matches, so windows keep it exact)."""
    for op, av in tree.data:
        if op is sre.BRANCH:
            for branch in av[1]:
                _check_local(branch)
        elif op is sre.SUBPATTERN:
            _check_local(av[3])
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            _check_local(av[2])
        elif op not in (sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.ANY) and (op, av) != (sre.AT, sre.AT_BEGINNING):
            raise Unproven(f"ftfy's BADNESS_RE uses {op} {av}: looks_like_mojibake is not proven for it")


def _item_chars(op: sre._NamedIntConstant, av: object) -> set[str] | None:
    """The characters a literal or a plain character class matches; None for anything else."""
    if op is sre.LITERAL:
        return {chr(av)}
    if op is not sre.IN:
        return None
    chars = set()
    for kind, value in av:
        if kind is sre.LITERAL:
            chars.add(chr(value))
        elif kind is sre.RANGE:
            chars.update(map(chr, range(value[0], value[1] + 1)))
        else:
            return None  # a category or a negation: not a finite set worth listing
    return chars


def _pattern_chars(pattern: re.Pattern[str]) -> set[str]:
    """The characters a one-class pattern of ftfy's (its quote patterns) matches."""
    [(op, av)] = re._parser.parse(pattern.pattern, pattern.flags).data
    chars = _item_chars(op, av)
    if chars is None:
        raise Unproven(f"ftfy's {pattern.pattern!r} is no longer a plain character class")
    return chars


def _char_class(chars: set[str]) -> re.Pattern[str]:
    """A compiled class matching exactly `chars`."""
    return re.compile("[" + "".join(re.escape(c) for c in sorted(chars)) + "]")


def _check_ftfy_options(options: tuple[str, ...]) -> None:
    """Raise unless ftfy's options are the ones ftfy_leaves_alone accounts for: a new one may be a step
    it cannot prove idle, and guessing could change output silently."""
    if options != FTFY_OPTIONS_PROVEN:
        raise Unproven(f"ftfy's options {options} are not those ftfy_leaves_alone was proven for")


# ftfy's TextFixerConfig fields as read from fix_and_explain in ftfy 6.3 (ftfy_leaves_alone's proof).
FTFY_OPTIONS_PROVEN = (
    "unescape_html", "remove_terminal_escapes", "fix_encoding", "restore_byte_a0", "replace_lossy_sequences",
    "decode_inconsistent_utf8", "fix_c1_controls", "fix_latin_ligatures", "fix_character_width", "uncurl_quotes",
    "fix_line_breaks", "fix_surrogates", "remove_control_chars", "normalization", "max_decode_length", "explain",
)
try:
    _check_ftfy_options(TextFixerConfig._fields)
    MOJIBAKE_REACH, MOJIBAKE_ANCHORS = _mojibake_reach_and_anchors(BADNESS_RE)
    QUOTE_CHARS = _pattern_chars(chardata.SINGLE_QUOTE_RE) | _pattern_chars(chardata.DOUBLE_QUOTE_RE)
    SKIP_PROVEN = True
except Unproven:  # another ftfy than the proof was read from: every line that is not plain ASCII goes to it
    SKIP_PROVEN = False


def normalise_spaces(line: str) -> str:
    """Turn odd spaces into plain ones, drop invisible characters and strip both ends of a line."""
    if line.isascii() and not has_control_space(line) or not ODD_SPACE_PATTERN.search(line):
        return line.strip()  # nothing to replace (the isascii test is the cheaper one for most lines)
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
