"""What every match of a rule's pattern has, derived from the pattern itself: one of a few literals (or
a chain of characters and sets, or a character of a set), and at most so many characters. A text
without them, or longer than a whole-text rule can match, cannot match, so the rule's `regex` call (the
slow part of stripping) is skipped.

The analysis reads the subset of `regex` syntax the rules use (literals, escapes, sets, groups,
lookarounds, alternatives, quantifiers, the flags i, m, s, x) and gives up (the rule is always tried) on
anything else, so a construct it does not know can never make it skip a rule that matches.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, reduce
from operator import or_

import regex

from .language import stop_words
from .rules import MAX_MATCH_CHARS

# Characters outside ASCII that `regex` matches case-insensitively to an ASCII letter (dotted and
# dotless i, long s, the Kelvin sign; tests/test_rules.py checks the list against every code point).
# A text holding one of them is tried against every rule: lower() does not map them to their letter.
ASCII_CASE_TWINS = "\u0130\u0131\u017f\u212a"
# Flags that do not change what a literal matches (i is followed); any other flag stops the analysis.
KNOWN_FLAGS = frozenset("imsx")
# Escapes of one character from a set, and zero-width escapes (anchors and word boundaries).
SET_ESCAPES = frozenset("dDsSwW")
ZERO_WIDTH_ESCAPES = frozenset("bBAZzGmM")
# Distinct tokens whose rules a LiteralIndex remembers (a few MB; cleared when full), and the longest.
MAX_REMEMBERED_TOKENS = 100_000
MAX_REMEMBERED_TOKEN_CHARS = 64
VERBOSE_SPACE = " \t\n\r\f\v"
# The characters str.split() splits at (tests/test_rules.py checks the list against every code point).
WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
# A chain (consecutive characters and sets every match holds, like \d[:.h]\d\d, none of them a space) is
# looked for with a `regex` search of each new token, so it is chosen over literals of one character only
# (a set weighs at most 0.5); at most so many atoms of a repeat go into one.
CHAIN_WEIGHT = 1.5
MAX_CHAIN = 8
CHAR, SET, CLASS = range(3)  # the roles of a chain's atoms (see _atom_source)
# LiteralIndex.lookup of a text: its tokens, the rule mask of each, and their union (with the rules always tried).
Lookup = tuple[list[str], list[int], int]


@dataclass(frozen=True)
class Needs:
    """What every match of a pattern has: one of the literals, `exact` ones as written or `folded` ones
    (ASCII, from case-insensitive parts) in the lower-cased text, or a character of one of the `sets`
    (patterns of one character; none of all three: nothing known), and at most `longest` characters
    (None: no bound)."""

    exact: tuple[str, ...]
    folded: tuple[str, ...]
    sets: tuple[str, ...]
    longest: int | None

    @property
    def items(self) -> list[tuple[str, str]]:
        """Every literal and set, with its kind ("exact", "folded" or "set")."""
        return [(s, "exact") for s in self.exact] + [(s, "folded") for s in self.folded] + [(s, "set") for s in self.sets]


def pattern_needs(pattern: str) -> Needs | None:
    """What every match of `pattern` (in `regex` syntax, version 0) has, or None when it uses syntax
    this analysis does not read.

    >>> pattern_needs(r"(?i)(?:read|see) more\\b")
    Needs(exact=(), folded=(' more',), sets=(), longest=9)
    >>> pattern_needs(r"(?x) (?:Sign\\ up|Log\\ in) [.!]?")
    Needs(exact=('Log in', 'Sign up'), folded=(), sets=(), longest=8)
    >>> pattern_needs(r"\\d+|[@#]\\w"), pattern_needs(r"\\w+"), pattern_needs(r"(?V1)by")
    (Needs(exact=(), folded=(), sets=('(?:[@#])(?:\\\\w)', '(?:\\\\d)'), longest=None), Needs(exact=(), folded=(), sets=(), longest=None), None)
    """
    return _analyse(pattern)[0]


def pattern_first(pattern: str) -> tuple[str, ...] | None:
    """Patterns of one character, one of which matches the first character of every match of `pattern`;
    None when that may be any character (or the pattern may match nothing, or is not read here).

    >>> pattern_first(r"(?i)(?:[*•]\\s)?(?:by|von)\\ "), pattern_first(r"\\d?x|.y"), pattern_first(r"a?")
    (('(?i:[*•])', '(?i:b)', '(?i:v)'), None, None)
    """
    return _analyse(pattern)[1]


@lru_cache(maxsize=4096)
def _analyse(pattern: str) -> tuple[Needs | None, tuple[str, ...] | None]:
    """pattern_needs and pattern_first of `pattern`, read in one pass."""
    try:
        parser = _Parser(pattern)
        found, width = parser.alternatives(parser.leading_flags())
        if parser.pos != len(pattern):
            return None, None  # an unmatched ")"
    except _Unsupported:
        return None, None
    found = found or frozenset()
    first, empty = parser.first
    return (Needs(*(tuple(sorted(s for s, kind in found if kind == wanted)) for wanted in ("exact", "folded", "set")),
                  None if width >= UNBOUNDED else width),
            None if first is None or empty else tuple(sorted(first)))


class LiteralIndex:
    """Which of a list of rules (bit i: rule i) a text may hold a literal of, found token by token.

    Each piece of a literal between spaces (its key: the piece that says most) lies inside one
    whitespace-separated token of any text that holds the literal, lower-cased or not (tests/test_rules.py
    checks that lower() keeps tokens apart for every code point): at the token's start when a space comes
    before it in the literal, at its end when one follows. Tokens recur across lines and documents, so each
    distinct token is scanned once (one `re` pattern of the keys as a trie) and the rules it names are
    remembered: a line costs a split and a dictionary look-up per token, for every unit at once. Sets
    and chains that match no whitespace (token_bound) are looked for per token too; the others are left
    to RuleIndex, which searches the text for them.
    """

    def __init__(self, needs: list[Needs | None]) -> None:
        self.every = (1 << len(needs)) - 1
        self.always = 0  # rules with no literal (or one of only spaces): always candidates
        # (key, kind) -> bit masks of the rules that need it anywhere in a token, at its start, at its end,
        # or as the whole token.
        owners: dict[tuple[str, str], list[int]] = {}
        for i, need in enumerate(needs):
            literals = [(s, kind) for s, kind in need.items if kind != "set"] if need is not None else []
            if not (need.items if need is not None else []) or any(not s.split() for s, _ in literals):
                self.always |= 1 << i
            for s, kind in literals:
                if s.split():
                    key, place = literal_key(s)
                    owners.setdefault((key, kind), [0, 0, 0, 0])[place] |= 1 << i
        # A scan reports the longest key at each position; those that are its prefixes are there too.
        self.prefixes = {(key, kind): [(end, owners[key[:end], kind]) for end in range(1, len(key) + 1) if (key[:end], kind) in owners]
                         for key, kind in owners}
        self.folded = _scan_pattern([s for s, kind in owners if kind == "folded"])
        self.exact = _scan_pattern([s for s, kind in owners if kind == "exact"])
        sets: dict[str, int] = {}
        for i, need in enumerate(needs):
            for source in need.sets if need is not None else ():
                if token_bound(source):
                    sets[source] = sets.get(source, 0) | 1 << i
        self.sets = [(regex.compile(source), mask) for source, mask in sorted(sets.items())]
        # One search tells most tokens (those without a digit, say) that they hold none of the sets.
        self.any_set = regex.compile("|".join(sorted(sets))) if sets else None
        self.tokens = _TokenMasks(self.token_mask)

    def found(self, text: str) -> int:
        """Bit mask of the rules whose literal `text` may hold (every rule when it holds one of
        ASCII_CASE_TWINS: lower() does not fold these to the letters the rules match them with)."""
        return reduce(or_, map(self.tokens.__getitem__, text.split()), self.always)

    def lookup(self, text: str) -> Lookup:
        """The whitespace-separated tokens of `text`, the token_mask of each, and `found(text)` (the
        union of these masks with `always`)."""
        tokens = text.split()
        masks = list(map(self.tokens.__getitem__, tokens))
        return tokens, masks, reduce(or_, masks, self.always)

    def token_mask(self, token: str) -> int:
        """Bit mask of the rules one token (a text without whitespace) holds a key of, in its place."""
        if has_case_twin(token):
            return self.every
        mask = 0
        for pattern, text, kind in ((self.folded, token.lower(), "folded"), (self.exact, token, "exact")):
            if pattern is None:
                continue
            for match in pattern.finditer(text):
                at = match.start()
                for end, (anywhere, start, finish, whole) in self.prefixes[match.group(1), kind]:
                    mask |= anywhere
                    if at == 0:
                        mask |= start
                    if at + end == len(text):
                        mask |= finish | (whole if at == 0 else 0)
        if self.any_set is not None and self.any_set.search(token):
            for pattern, owners in self.sets:
                if pattern.search(token):
                    mask |= owners
        return mask


@lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    """The function words of every language in stopwords.toml."""
    return frozenset().union(*stop_words().values())


class _TokenMasks(dict[str, int]):
    """Token -> its rule mask, computed on first look-up and remembered (up to MAX_REMEMBERED_TOKENS
    tokens of at most MAX_REMEMBERED_TOKEN_CHARS characters; cleared when full)."""

    def __init__(self, compute: Callable[[str], int]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, token: str) -> int:
        mask = self.compute(token)
        if len(token) <= MAX_REMEMBERED_TOKEN_CHARS:
            if len(self) >= MAX_REMEMBERED_TOKENS:
                self.clear()
            self[token] = mask
        return mask


def literal_key(literal: str) -> tuple[str, int]:
    """The piece of a literal between spaces that a token must hold, and where: 0 anywhere, 1 at its
    start, 2 at its end, 3 as the whole token. The longest piece wins, a space beside it counting as two
    characters, and a function word (stopwords.toml; most texts hold one) as one.

    >>> literal_key(" a comment"), literal_key("share your "), literal_key(" to "), literal_key("(c)")
    (('comment', 1), ('share', 2), ('to', 3), ('(c)', 0))
    """
    common = _function_words()
    best: tuple[int, str, int] | None = None
    for match in re.finditer(r"\S+", literal):
        place = (match.start() > 0) + 2 * (match.end() < len(literal))
        score = (1 if match.group() in common else len(match.group())) + 2 * bin(place).count("1")
        if best is None or score > best[0]:
            best = score, match.group(), place
    assert best is not None, "a literal of only spaces has no key"
    return best[1], best[2]


class RuleIndex:
    """Which of one unit's rules may match a text, given the rules whose literals it may hold
    (LiteralIndex.found, shifted to this unit's rules): for rules that match a whole text (`whole`),
    those that can match its length and start with its first character (`firsts`: pattern_first of
    each rule); and rules whose set (a character class) the text has."""

    def __init__(self, needs: list[Needs | None], whole: bool, firsts: list[tuple[str, ...] | None] | None = None) -> None:
        self.whole = whole
        # The rules that may start with a character, by character (computed on first sight): rules whose
        # first character is not known start with any.
        starts = [(i, regex.compile("|".join(first))) for i, first in enumerate(firsts or ()) if first is not None and whole]
        anywhere = ((1 << len(needs)) - 1) ^ sum(1 << i for i, _ in starts)
        self.starts = _TokenMasks(lambda char: sum((1 << i for i, pattern in starts if pattern.match(char)), anywhere))
        # fits[n]: the rules that can match a whole text of n characters (MAX_MATCH_CHARS bounds them all).
        longest = [MAX_MATCH_CHARS if not whole or need is None or need.longest is None else min(need.longest, MAX_MATCH_CHARS)
                   for need in needs]
        self.fits = [0] * (MAX_MATCH_CHARS + 1)
        for i, n in enumerate(longest):
            self.fits[n] |= 1 << i
        for n in range(MAX_MATCH_CHARS - 1, -1, -1):
            self.fits[n] |= self.fits[n + 1]
        owners: dict[str, int] = {}
        for i, need in enumerate(needs):
            for s in need.sets if need is not None else ():
                if not token_bound(s):  # the others are LiteralIndex's
                    owners[s] = owners.get(s, 0) | 1 << i
        # A set is searched for (with `regex`, as the rule would match it) only when its rules are not
        # candidates already.
        self.sets = [(regex.compile(s), mask) for s, mask in sorted(owners.items())]

    def candidates(self, text: str, found: int) -> int:
        """Bit mask of the rules that may match `text` (bit i: rule i), of those in `found`."""
        n = len(text)
        if self.whole and n > MAX_MATCH_CHARS:
            return 0  # match_unit matches no whole text this long
        fits = self.fits[min(n, MAX_MATCH_CHARS)] & self.starts[text[:1]]
        mask = found & fits
        for pattern, owners in self.sets:
            if owners & fits & ~mask and pattern.search(text):
                mask |= owners & fits
        return mask


@lru_cache(maxsize=1024)
def token_bound(source: str) -> bool:
    """True when no character of a match of a set or chain (as pattern_needs writes them: one-character
    atoms in a row) is whitespace, so that every match lies inside one token of str.split().

    >>> token_bound(r"(?:\\d)(?i:[:.h])(?:\\d)"), token_bound(r"(?i:\\ )(?i:[>»])"), token_bound(r"(?:[\\s,])")
    (True, False, False)
    """
    parser, atoms = _Parser(source), []
    while parser.pos < len(source):
        start = parser.pos
        parser.atom((False, False))
        atoms.append(source[start : parser.pos])
    return not any(map(_matches_space, atoms))


@lru_cache(maxsize=1024)
def _matches_space(atom: str) -> bool:
    """True when the pattern of one character `atom` matches a character of WHITESPACE."""
    compiled = regex.compile(atom)
    return any(compiled.fullmatch(char) for char in WHITESPACE)


def has_case_twin(text: str) -> bool:
    """True when `text` holds one of ASCII_CASE_TWINS."""
    return not text.isascii() and any(char in text for char in ASCII_CASE_TWINS)


def _scan_pattern(pieces: list[str]) -> re.Pattern[str] | None:
    """A pattern whose findall lists, at every position where some piece starts, the longest one."""
    if not pieces:
        return None
    trie: dict[str, dict] = {}
    for piece in pieces:
        node = trie
        for char in piece:
            node = node.setdefault(char, {})
        node[""] = {}
    return re.compile(f"(?=({_trie_pattern(trie)}))")


def _trie_pattern(node: dict[str, dict]) -> str:
    branches = [re.escape(char) + _trie_pattern(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    return f"(?:{body})?" if "" in node else body  # greedy: the longer piece first


# A requirement: a set of (literal or set, kind) of which every match contains one; None: nothing required.
Requirement = frozenset[tuple[str, str]] | None
UNBOUNDED = 1 << 62  # the width of what `*`, `+` or `{n,}` repeats (any finite text is shorter)


class _Unsupported(Exception):
    """Syntax outside the subset read here."""


class _Parser:
    """Reads a pattern into, for each part, its requirement and the most characters it can match."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.pos = 0
        self.chains: set[str] = set()  # the sources of the chains found so far
        # Of what was parsed last (a sequence, then alternatives): the patterns of the characters a match
        # can start with (None: any), and whether it can match nothing.
        self.first: tuple[frozenset[str] | None, bool] = (frozenset(), True)

    def peek(self, k: int = 0) -> str:
        return self.pattern[self.pos + k] if self.pos + k < len(self.pattern) else ""

    def leading_flags(self) -> tuple[bool, bool]:
        """The pattern's leading global flags "(?xi)", as (ignore_case, verbose)."""
        if self.pattern.startswith("(?"):
            end = self.pattern.find(")")
            letters = self.pattern[2:end] if end > 0 else ""
            if letters.isalpha() and letters.isascii():
                self.pos = end + 1
                return self.flags(letters, (False, False))
        return False, False

    @staticmethod
    def flags(letters: str, current: tuple[bool, bool]) -> tuple[bool, bool]:
        on, _, off = letters.partition("-")
        if not set(on + off) <= KNOWN_FLAGS:
            raise _Unsupported(letters)
        ignore_case = ("i" in on or current[0]) and "i" not in off
        verbose = ("x" in on or current[1]) and "x" not in off
        return ignore_case, verbose

    def alternatives(self, flags: tuple[bool, bool]) -> tuple[Requirement, int]:
        """Parse up to an unmatched ")" or the end: something is required when every alternative
        requires something; the width is the widest alternative's."""
        found: set[tuple[str, str]] = set()
        complete, width = True, 0
        first: frozenset[str] | None = frozenset()
        empty = False
        while True:
            branch, branch_width = self.sequence(flags)
            branch_first, branch_empty = self.first
            first = None if first is None or branch_first is None else first | branch_first
            empty = empty or branch_empty
            width = max(width, branch_width)
            if branch is None:
                complete = False
            else:
                found |= branch
            if self.peek() != "|":
                break
            self.pos += 1
        self.first = first, empty
        return (frozenset(found) if complete else None), width

    def sequence(self, flags: tuple[bool, bool]) -> tuple[Requirement, int]:
        """Parse one alternative; its best requirement (the run of literal characters, group or lookaround
        whose shortest literal is longest; a chain of characters and sets, then a set, only where
        no literal of two characters is required) and its width. A chain holds a set and an atom that is
        no broad class (\\p{Lu}, \\w, [^...]: most texts have one alone, not beside a "-" or a digit)."""
        options: list[frozenset[tuple[str, str]]] = []
        run: list[tuple[str, bool]] = []  # consecutive single characters every match holds, in order
        chain: list[tuple[str, int]] = []  # consecutive one-character atoms (source, CHAR, SET or CLASS), in order
        width = 0
        first: frozenset[str] | None = frozenset()  # what a match can start with (None: any character)
        empty = True  # whether all atoms so far can match nothing

        def close_run() -> None:
            if run:
                options.extend(frozenset({piece}) for piece in _run_pieces(run))
                run.clear()

        def close_chain() -> None:
            roles = {role for _, role in chain}
            if len(chain) >= 2 and roles & {SET, CLASS} and roles & {CHAR, SET}:
                source = "".join(part for part, _ in chain)
                self.chains.add(source)
                options.append(frozenset({(source, "set")}))
            chain.clear()

        while True:
            self.skip_verbose(flags)
            if self.peek() in ("", "|", ")"):
                break
            start = self.pos
            kind, value, atom_width = self.atom(flags)
            atom = self.pattern[start : self.pos]
            group_first = self.first  # a group's, when the atom is one
            low, high = self.quantifier(flags)
            width = min(UNBOUNDED, width + atom_width * high)
            if kind in ("zero", "look"):
                if kind == "look" and value is not None and low >= 1:
                    options.append(value)  # what a lookaround requires is in the text too
                continue  # a lookaround, anchor or boundary: the text on both sides stays contiguous
            source, role = _atom_source(kind, value, atom, flags) if atom_width == 1 else (None, CHAR)
            if empty:
                atom_first, atom_empty = group_first if kind == "group" else (None if source is None else frozenset({source}), False)
                first = None if first is None or atom_first is None else first | atom_first
                empty = atom_empty or low == 0
            if source is None or low == 0 or _matches_space(source):  # a chain stays inside a token
                close_chain()
            else:
                chain.extend([(source, role)] * min(low, MAX_CHAIN))
                if low != high or low > MAX_CHAIN:  # the chain goes on from the atom's last repeat
                    close_chain()
                    chain.append((source, role))
            if kind == "char" and low == high == 1:
                run.append(value)
                continue
            close_run()
            if low >= 1:
                if kind == "char":
                    options.append(frozenset(_run_pieces([value])))
                elif kind in ("group", "set") and value is not None:
                    options.append(value if kind == "group" else frozenset({value}))
        close_run()
        close_chain()
        self.first = first, empty
        options = [o for o in options if o]
        if not options:
            return None, width
        return max(options, key=lambda o: (min(map(self.weight, o)), -len(o))), width

    def weight(self, item: tuple[str, str]) -> float:
        """How rare a requirement's item is, roughly (see _weight); a chain as CHAIN_WEIGHT."""
        return CHAIN_WEIGHT if item[1] == "set" and item[0] in self.chains else _weight(item)

    def skip_verbose(self, flags: tuple[bool, bool]) -> None:
        """Skip the spaces and comments a verbose pattern ignores."""
        if not flags[1]:
            return
        while True:
            char = self.peek()
            if char in VERBOSE_SPACE and char:
                self.pos += 1
            elif char == "#":
                end = self.pattern.find("\n", self.pos)
                self.pos = len(self.pattern) if end < 0 else end + 1
            elif char.isspace():
                raise _Unsupported("a space outside ASCII in a verbose pattern")
            else:
                return

    def atom(self, flags: tuple[bool, bool]) -> tuple[str, object, int]:
        """One atom and its width: ("char", (c, ignore_case)), ("set", (pattern, "set") or None when
        most texts have one), ("zero", None), ("look", Requirement) or ("group", Requirement)."""
        char = self.peek()
        self.pos += 1
        if char == "\\":
            return self.escape(flags)
        if char == "[":
            start = self.pos - 1
            self.skip_set()
            negated = self.pattern[start + 1] == "^"
            return "set", None if negated else _set_item(self.pattern[start : self.pos], flags), 1
        if char == "(":
            return self.group(flags)
        if char in "^$":
            return "zero", None, 0
        if char == ".":
            return "set", None, 1
        if char in "*+?{":
            raise _Unsupported("a quantifier with nothing before it")
        return "char", (char, flags[0]), 1

    def escape(self, flags: tuple[bool, bool]) -> tuple[str, object, int]:
        char = self.peek()
        self.pos += 1
        if not char:
            raise _Unsupported("a trailing backslash")
        if char in ZERO_WIDTH_ESCAPES:
            return "zero", None, 0
        if char == "X":
            return "set", None, UNBOUNDED  # a grapheme: any number of characters
        if char == "d":
            return "set", _set_item("\\d", flags), 1
        if char in SET_ESCAPES:
            return "set", None, 1
        if char in "pP":
            if self.peek() == "{":
                self.pos = self.closing("}", self.pos)
            else:
                self.pos += 1
            return "set", None, 1
        if char.isascii() and char.isalnum():
            raise _Unsupported(f"the escape \\{char}")
        return "char", (char, flags[0]), 1

    def closing(self, end: str, start: int) -> int:
        found = self.pattern.find(end, start)
        if found < 0:
            raise _Unsupported(f"no closing {end}")
        return found + 1

    def skip_set(self) -> None:
        """Move past a character set (version 0: no nested sets, only [:name:] inside)."""
        if self.peek() == "^":
            self.pos += 1
        if self.peek() == "]":
            self.pos += 1
        while True:
            char = self.peek()
            if not char:
                raise _Unsupported("an unclosed set")
            self.pos += 1
            if char == "]":
                return
            if char == "\\":
                if self.peek() in ("p", "P", "N") and self.peek(1) == "{":
                    self.pos = self.closing("}", self.pos)
                else:
                    self.pos += 1
            elif char == "[" and self.peek() == ":":
                self.pos = self.closing(":]", self.pos)

    def group(self, flags: tuple[bool, bool]) -> tuple[str, object, int]:
        zero, positive = False, False
        if self.peek() == "?":
            self.pos += 1
            head = self.peek()
            if head in "=!":
                self.pos += 1
                zero, positive = True, head == "="
            elif head == "<" and self.peek(1) in "=!":
                self.pos += 2
                zero, positive = True, self.peek(-1) == "="
            elif head in ":>|":
                self.pos += 1
            elif (head == "P" and self.peek(1) == "<") or head == "<":
                self.pos = self.closing(">", self.pos)
            elif head == "#":
                self.pos = self.closing(")", self.pos)
                return "zero", None, 0
            else:
                end = self.pos
                while self.pattern[end : end + 1].isalpha() or self.pattern[end : end + 1] == "-":
                    end += 1
                if self.pattern[end : end + 1] != ":":
                    raise _Unsupported("flags inside a pattern, or an unknown group")
                flags = self.flags(self.pattern[self.pos : end], flags)
                self.pos = end + 1
        inner, width = self.alternatives(flags)
        if self.peek() != ")":
            raise _Unsupported("an unclosed group")
        self.pos += 1
        if zero:
            return "look", inner if positive else None, 0
        return "group", inner, width

    def quantifier(self, flags: tuple[bool, bool]) -> tuple[int, int]:
        """Parse an optional quantifier (and its lazy or possessive mark): the fewest and the most
        repeats (1, 1 without one; UNBOUNDED for no limit)."""
        self.skip_verbose(flags)
        char = self.peek()
        if char in ("*", "+", "?"):
            self.pos += 1
            low, high = (0 if char in "*?" else 1), (1 if char == "?" else UNBOUNDED)
        elif char == "{":
            end = self.closing("}", self.pos)
            body = self.pattern[self.pos + 1 : end - 1]
            lo, comma, hi = body.partition(",")
            if not body or not all(part.isascii() and (part.isdigit() or not part) for part in (lo, hi)):
                raise _Unsupported(f"the repeat {{{body}}}")
            self.pos = end
            low = int(lo) if lo else 0
            high = (int(hi) if hi else UNBOUNDED) if comma else low
        else:
            return 1, 1
        if self.peek() in ("?", "+"):
            self.pos += 1  # lazy or possessive: the same texts match
        return low, high


def _weight(item: tuple[str, str]) -> float:
    """How rare a requirement's item is, roughly: a literal by its length (a space is everywhere), a
    set below any literal, and a set of letters (most texts have one) below other sets."""
    text, kind = item
    if kind == "set":
        return 0.25 if "\\p" in text or "\\w" in text else 0.5
    return len(text) if text.strip() else 0


def _atom_source(kind: str, value: object, atom: str, flags: tuple[bool, bool]) -> tuple[str | None, int]:
    """A `regex` pattern of one character atom (written `atom`) under its flags, and its role in a chain:
    a literal (CHAR), a set (SET) or a broad class (CLASS: a set most texts have, but `.`); None for others."""
    if kind == "char":
        char, ignore_case = value  # type: ignore[misc]
        return (f"(?i:{regex.escape(char)})" if ignore_case else regex.escape(char)), CHAR
    if kind == "set" and value is not None:
        return value[0], SET  # type: ignore[index]
    if kind == "set" and atom != ".":
        return _set_item(atom, flags)[0], CLASS
    return None, CHAR


def _set_item(source: str, flags: tuple[bool, bool]) -> tuple[str, str]:
    """A set as a pattern of its own, under the flags it stands under."""
    return f"(?{'i' if flags[0] else ''}{'x' if flags[1] else ''}:{source})", "set"


def _usable(char: str, ignore_case: bool) -> bool:
    """A character that can be looked for with `in`: any, matched exactly; ignoring case, an ASCII one
    or punctuation or a symbol without case (tests/test_rules.py checks that `regex` agrees)."""
    return not ignore_case or char.isascii() or is_caseless_sign(char)


def is_caseless_sign(char: str) -> bool:
    """Punctuation or a symbol that no case mapping changes ("©", "’", "»")."""
    return unicodedata.category(char)[0] in "PS" and char.lower() == char.upper() == char.casefold() == char


def _run_pieces(run: list[tuple[str, bool]]) -> list[tuple[str, str]]:
    """The longest piece of a run of required characters that can be looked for with `in`."""
    pieces: list[tuple[str, str]] = []
    current: list[str] = []
    mode = None
    for char, ignore_case in run:
        if not _usable(char, ignore_case) or (mode is not None and ignore_case != mode):
            if current:
                pieces.append(("".join(current), "folded" if mode else "exact"))
            current, mode = [], None
            if not _usable(char, ignore_case):
                continue
        current.append(char.lower() if ignore_case else char)
        mode = ignore_case
    if current:
        pieces.append(("".join(current), "folded" if mode else "exact"))
    return [max(pieces, key=lambda p: len(p[0]))] if pieces else []
