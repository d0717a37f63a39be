"""Apply boilerplate rules to a document's lines: whole lines, sentences, prefixes and suffixes, the
tail after an article's sign-off, and labels at the document's edges."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate, compress, repeat
from operator import and_

from ..paragraphs import ends_sentence, split_sentences
from ..records import Line
from .literals import LiteralIndex, Lookup, RuleIndex, pattern_first, pattern_needs
from .rules import UNITS, Rule

# A line of prose: enough words and sentence punctuation at its end. Edge rules apply only outside
# the first and last such line.
PROSE_MIN_WORDS = 10
# Lines whose stripping result is remembered (about 100 MB at most); the memory is cleared when full.
MAX_REMEMBERED_LINES = 200_000
# Candidate masks whose rules a RuleGroup remembers (a few hundred occur; cleared when full).
MAX_REMEMBERED_MASKS = 4096


@dataclass(frozen=True, slots=True)
class Hit:
    """Text a rule removed from line `line` (1-based number in the input)."""

    line: int
    text: str
    rule: str


class Stripper:
    """A rule set ready to apply; build once per process and reuse for every document."""

    def __init__(self, rules: tuple[Rule, ...]) -> None:
        self.rules = rules
        by_unit: dict[str, list[Rule]] = {unit: [] for unit in UNITS}
        for rule in rules:
            by_unit[rule.unit].append(rule)
        # One index of literals for every unit (their rules in UNITS order): a line is split into tokens
        # once for all of them.
        self.literals = LiteralIndex([pattern_needs(rule.pattern) for unit in UNITS for rule in by_unit[unit]])
        offsets = accumulate((len(by_unit[unit]) for unit in UNITS), initial=0)
        self.line, self.sentence, self.prefix, self.suffix, self.tail, self.edge = (
            RuleGroup(by_unit[unit], self.literals, offset) for unit, offset in zip(UNITS, offsets))
        # Line text -> (the tail rule that matches it, what stripping leaves, the removals, is_prose).
        self._seen: dict[str, tuple[Rule | None, str, tuple[tuple[str, str], ...], bool]] = {}

    def strip_lines(self, lines: list[Line]) -> tuple[list[Line], list[Hit]]:
        """Return the lines left after boilerplate removal (blank lines stay: they separate
        paragraphs; removed lines go) and a Hit for every removal, in line order."""
        out: list[Line] = []
        hits: list[Hit] = []
        tail_rule: Rule | None = None
        for line in lines:
            text = line.text
            if not text:
                out.append(line)
                continue
            ending, left, removed, prose = self.judge_line(text)
            if ending is not None:
                tail_rule = ending
                hits.append(Hit(line.number, text, ending.id))
                text = ""
            elif tail_rule is not None and not ends_sentence(text):
                hits.append(Hit(line.number, text, tail_rule.id))
                text = ""
            else:
                if prose:
                    tail_rule = None  # the article goes on: the sign-off was not its end
                hits.extend(Hit(line.number, removed_text, rule) for removed_text, rule in removed)
                text = left
            if text:
                out.append(Line(line.number, text))
        hits.sort(key=lambda hit: hit.line)
        return out, hits

    def judge_line(self, text: str) -> tuple[Rule | None, str, tuple[tuple[str, str], ...], bool]:
        """What the rules make of one non-empty line: the tail rule that matches it (None if none),
        else what is left after its prefixes, suffixes, whole-line and sentence rules ("" when the
        whole line goes) and what each of those removed; and whether the line is prose.

        Results are remembered by line text: menus, footers and prompts recur across a corpus, and the
        rules are pure, so a repeated line costs one dictionary look-up.
        """
        cached = self._seen.get(text)
        if cached is None:
            looked_up = self.literals.lookup(text)
            tokens, _, found = looked_up
            ending = self.tail.first(text, found) if self.tail.may_match(found) else None
            left, removed = "", ()
            if ending is None:
                removals: list[tuple[str, str]] = []
                left = self._strip_line(text, looked_up, removals)
                removed = tuple(removals)
            cached = self._seen[text] = (ending, left, removed, is_prose(text, len(tokens)))
            if len(self._seen) > MAX_REMEMBERED_LINES:
                self._seen.clear()
        return cached

    def _strip_line(self, text: str, looked_up: Lookup, removed: list[tuple[str, str]]) -> str:
        """Strip one line (`looked_up`: LiteralIndex.lookup of it): prefixes and suffixes until none
        applies, then a whole-line rule, then sentence rules. Returns what is left ("" when the whole line
        went); adds (text, rule id) to `removed` for each removal."""
        found = looked_up[2]
        changed = self.prefix.may_match(found) or self.suffix.may_match(found)
        # A rule that is no candidate for a text is none for what is left of it once a match is cut out.
        while changed and text and (rules := [*self.prefix.candidates(text, found), *self.suffix.candidates(text, found)]):
            changed = False
            for rule in rules:
                span = rule.find(text)
                if span is None:
                    continue
                start, end = span
                removed.append((text[start:end].strip(), rule.id))
                text = (text[:start] + text[end:]).strip()
                changed = True
                if not text:
                    break
            if changed and text:
                looked_up = self.literals.lookup(text)
                found = looked_up[2]
        if not text:
            return ""
        whole = self.line.first(text, found)
        if whole is not None:
            removed.append((text, whole.id))
            return ""
        # The rules a sentence may match are among those its line may match: none, and no sentence goes.
        return self._strip_sentences(text, looked_up, removed) if self.sentence.may_match(found) else text

    def _strip_sentences(self, text: str, looked_up: Lookup, removed: list[tuple[str, str]]) -> str:
        spans = split_sentences(text)
        kept: list[tuple[int, int]] = []
        for (start, end), sentence_found in zip(spans, self._sentence_masks(text, spans, looked_up)):
            sentence = text[start:end]
            rule = self.sentence.first(sentence, sentence_found)
            if rule is None:
                kept.append((start, end))
            else:
                removed.append((sentence, rule.id))
        if len(kept) == len(spans):
            return text
        return join_spans(text, kept)

    def _sentence_masks(self, text: str, spans: list[tuple[int, int]], looked_up: Lookup) -> list[int]:
        """For each sentence, a mask that holds the sentence rules of its LiteralIndex.found (maybe more):
        where space parts every sentence from the next, each token of a sentence is one of the line's,
        so the masks of the line's tokens that name a sentence rule go to the sentences they occur in."""
        tokens, masks, found = looked_up
        if len(spans) == 1:
            return [found]
        if any(a[1] >= b[0] for a, b in zip(spans, spans[1:])):
            return [self.literals.found(text[start:end]) for start, end in spans]  # a token spans two sentences
        group = self.sentence
        hot = [(tokens[i], masks[i]) for i in compress(range(len(masks)), map(and_, masks, repeat(group.own << group.offset)))]
        always, out = self.literals.always, []
        for start, end in spans:
            sentence, mask = text[start:end], always
            for token, token_mask in hot:
                if token in sentence:
                    mask |= token_mask
            out.append(mask)
        return out

    def strip_edges(self, lines: list[Line]) -> tuple[list[Line], list[Hit]]:
        """Apply the edge rules: a line outside the first and last line of prose that an edge rule
        matches goes. Run on what is left at the very end (after duplicates and repeats are gone), so the
        prose that bounds the edges is the prose that stays, and cleaning twice changes nothing."""
        prose = [i for i, line in enumerate(lines) if is_prose(line.text)]
        if not prose or not self.edge.rules:
            return lines, []
        kept, hits = [], []
        for i, line in enumerate(lines):
            rule = None
            if line.text and not prose[0] <= i <= prose[-1]:
                rule = self.edge.first(line.text)
            if rule is None:
                kept.append(line)
            else:
                hits.append(Hit(line.number, line.text, rule.id))
        return kept, hits


def is_prose(text: str, words: int | None = None) -> bool:
    """A line that reads as running text: ten words or more (`words`, when its caller has them
    counted), ending like a sentence."""
    return (len(text.split()) if words is None else words) >= PROSE_MIN_WORDS and ends_sentence(text)


def join_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """Rejoin kept sentence spans of `text`: the original space between neighbours, one space where
    removed sentences stood between them."""
    pieces = []
    for i, (start, end) in enumerate(spans):
        pieces.append(text[start:end])
        if i + 1 < len(spans):
            gap = text[end : spans[i + 1][0]]
            pieces.append(" " if gap.strip() else gap)
    return "".join(pieces)


class RuleGroup:
    """The rules of one unit, tried in order; a rule whose needs (the literals and the length its
    matches must have, see literals.py) the text lacks is skipped without a `regex` call. `literals`
    indexes these rules from bit `offset` on (a Stripper shares one among its groups); by default the
    group has its own."""

    def __init__(self, rules: list[Rule], literals: LiteralIndex | None = None, offset: int = 0) -> None:
        self.rules = rules
        needs = [pattern_needs(rule.pattern) for rule in rules]
        self.literals = literals if literals is not None else LiteralIndex(needs)
        self.offset = offset
        self.own = (1 << len(rules)) - 1  # this group's bits, once shifted down by `offset`
        whole = not rules or rules[0].unit not in ("prefix", "suffix")
        self.index = RuleIndex(needs, whole=whole, firsts=[pattern_first(rule.pattern) for rule in rules])
        self._rules_of: dict[int, list[Rule]] = {}  # a candidate mask -> its rules, in order

    def may_match(self, found: int) -> bool:
        """False when no rule of the group can match a text whose line's literals are `found`."""
        return bool(found >> self.offset & self.own or self.index.sets)

    def candidates(self, text: str, found: int | None = None) -> list[Rule]:
        """The rules that may match `text`, in order: those whose needs it meets (a list the group
        keeps: do not change it). `found`: the LiteralIndex's mask for `text` or for a text it is part of
        (computed when not given)."""
        if not self.rules:
            return []
        if found is None:
            found = self.literals.found(text)
        mask = found >> self.offset & self.own
        if not mask and not self.index.sets:
            return []  # most texts, for most units
        mask = self.index.candidates(text, mask)
        rules = self._rules_of.get(mask)
        if rules is None:  # a group's masks are few: each is turned into rules once
            if len(self._rules_of) >= MAX_REMEMBERED_MASKS:
                self._rules_of.clear()
            rules = self._rules_of[mask] = [rule for i, rule in enumerate(self.rules) if mask >> i & 1]
        return rules

    def first(self, text: str, found: int | None = None) -> Rule | None:
        """The first rule that matches `text`, or None."""
        for rule in self.candidates(text, found):
            if rule.find(text) is not None:
                return rule
        return None
