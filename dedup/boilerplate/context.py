"""Judge a page's lines by themselves and by their neighbours: a logistic score per unit (a line of
scraped text, or a paragraph), then the article span: from the first to the last unit that surely reads
as article text, widened over neighbours that read like it. Inside the span, short lines (headings,
list items of the article) stay unless they look like boilerplate; outside it only text that scores
as content stays. The weights are data (context.toml, fitted by bench/fit_context.py)."""

from __future__ import annotations

import math
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import chain
from operator import itemgetter

import numpy as np
import regex

from ..paragraphs import ends_sentence
from .engine import PROSE_MIN_WORDS
from .language import detect_language, stop_words, words_of

LIST_MARKER = regex.compile(r"^\s*(?:[*+•·▪►–-]|\d{1,3}[.)])(?:\s|$)")
URL_LIKE = regex.compile(r"https?://|www\.|\.(?:com|org|net|html?)\b|@\w", regex.IGNORECASE)
# Characters that separate menu items and breadcrumbs.
SEPARATORS = "|»›•·/"
ELLIPSIS_END = regex.compile(r"(?:\.\.\.|…)\W*$")
DATE_TOKEN = regex.compile(
    r"\b(?:\d{1,2}:\d{2}|\d{4}|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\b", regex.IGNORECASE)
COPYRIGHT = regex.compile(r"©|\(c\)|\bcopyright\b", regex.IGNORECASE)
# For each pattern that _found searches: substrings, lower-cased, of which every match holds one. Their
# characters match under IGNORECASE only characters that lower-case to them (tests/test_context_features.py),
# which rules out "i" and "s" ("İ" and "ſ" match them): hence "://" for "https?://" and "copyr".
MUST_CONTAIN = {
    URL_LIKE: ("://", "www.", ".com", ".org", ".net", ".htm", "@"),
    ELLIPSIS_END: ("...", "…"),
    COPYRIGHT: ("©", "(c)", "copyr"),
}
# What char_counts counts of each ASCII character: d a digit, a another letter or digit (str.isdigit,
# isalnum), s a space (isspace), p a separator, . none; x for the bytes of every other character.
BYTE_CLASS = bytes(
    ord("x" if c > 127 else "d" if chr(c).isdigit() else "a" if chr(c).isalnum() else "s" if chr(c).isspace()
        else "p" if chr(c) in SEPARATORS else ".") for c in range(256))
ASCII = bytes(range(128))
OTHER_SEPARATORS = [c for c in SEPARATORS if not c.isascii()]

# Features of a unit by itself; then the same unit seen with its neighbours. The order is the model's.
OWN = ("log_words", "log_chars", "ends_sentence", "list_marker", "stop_share", "capital_share", "digit_share",
       "url", "separators", "commas", "all_caps", "short", "prose", "position", "opens_quote", "long",
       "repeats_in_page", "ellipsis_end", "colon_end", "date_tokens", "copyright", "symbol_share")
# headline_run: log(1 + length of the run of units of 3+ words that end no sentence) that holds the unit.
# Headlines, captions and list items are such units; fitted, the model weighs one that stands alone (a
# caption, the headline of another story) further against than one in a run (a list of the article).
NEIGHBOURS = ("list_run", "short_run", "between_prose", "prev_ends_sentence", "next_ends_sentence",
              "prev_log_words", "next_log_words", "prev_list", "next_list", "short_between_prose", "headline_run")
FEATURES = OWN + NEIGHBOURS


@dataclass(frozen=True)
class ContextModel:
    """Logistic weights over standardised features, and the span decoder's score thresholds."""

    bias: float
    weights: np.ndarray
    mean: np.ndarray
    scale: np.ndarray
    strong: float  # a unit scoring above this is surely article text: the span runs between such units
    extend: float  # the span widens over adjacent units scoring above this
    inside: float  # inside the span a unit stays unless it scores below this
    outside: float  # outside the span a unit stays only when it scores above this
    min_units: int  # pages with fewer units are not judged by context (a record, a paragraph)


@lru_cache(maxsize=1)
def default_model() -> ContextModel:
    """The shipped model (context.toml next to this module)."""
    data = tomllib.loads(resources.files(__package__).joinpath("context.toml").read_text(encoding="utf-8"))
    feats = data["features"]
    missing = set(FEATURES) - set(feats)
    if missing:
        raise ValueError(f"context.toml lacks features: {', '.join(sorted(missing))}")
    column = lambda key: np.array([feats[name][key] for name in FEATURES], dtype=np.float64)  # noqa: E731
    return ContextModel(data["bias"], column("weight"), column("mean"), column("scale"), **data["decoder"])


def unit_features(texts: list[str]) -> np.ndarray:
    """One row of FEATURES per unit text (units in page order). Each value is computed with the same
    operations on the same integers as its plain definition (tests/test_context_features.py), by
    str and bytes methods in C rather than Python steps per character or word."""
    n = len(texts)
    words = [words_of(t) for t in texts]
    stop = stop_words().get(detect_language(list(chain.from_iterable(words))) or "", frozenset())
    counts = Counter(texts)
    lowered = [t.lower() for t in texts]
    page = "\n".join(lowered)
    found = zip(*(_found(pattern, texts, lowered, page) for pattern in (URL_LIKE, ELLIPSIS_END, COPYRIGHT)))
    rows = []
    for i, (text, ws, (has_url, has_ellipsis, has_copyright)) in enumerate(zip(texts, words, found)):
        marker = LIST_MARKER.match(text)
        body = text[marker.end() :] if marker else text
        tokens = text.split()
        nw = len(tokens)
        initials = "".join(filter(str.isalpha, map(itemgetter(0), tokens)))  # of tokens that start with a letter
        ends = ends_sentence(body)
        digits, alnum, spaces, separators = char_counts(text)
        rows.append((
            math.log1p(nw), math.log1p(len(text)), ends, marker is not None,
            sum(map(stop.__contains__, ws)) / len(ws) if ws else 0.0,
            sum(map(str.isupper, initials)) / len(initials) if initials else 0.0,
            digits / len(text), has_url,
            separators / nw, text.count(",") / nw, text.isupper(), nw < 3,
            nw >= PROSE_MIN_WORDS and ends, i / max(1, n - 1), body[:1] in "\"“«'‘„", nw >= 25,
            math.log(counts[text]), has_ellipsis, text.rstrip().endswith(":"),
            len(DATE_TOKEN.findall(text)) / nw, has_copyright,
            (len(text) - alnum - spaces) / len(text),
        ))
    own = np.array(rows, dtype=np.float64).reshape(n, len(OWN))
    col = {name: own[:, j] for j, name in enumerate(OWN)}
    short, listed, prose = col["short"] > 0, col["list_marker"] > 0, col["prose"] > 0
    p = prose.astype(np.float64)
    between = np.minimum(np.maximum(_shift(p, 1), _shift(p, 2)), np.maximum(_shift(p, -1), _shift(p, -2)))
    context = np.column_stack((
        _run_lengths(listed), _run_lengths(short), between, _shift(col["ends_sentence"], 1),
        _shift(col["ends_sentence"], -1), _shift(col["log_words"], 1), _shift(col["log_words"], -1),
        _shift(col["list_marker"], 1), _shift(col["list_marker"], -1), between * short,
        _run_lengths(~short & (col["ends_sentence"] == 0)),
    )).reshape(n, len(NEIGHBOURS))
    return np.hstack((own, context))


def _found(pattern: regex.Pattern, texts: list[str], lowered: list[str], page: str) -> list[bool]:
    """Whether `pattern` occurs in each text, searched only where the text lower-cased (`lowered`;
    `page` joins them by newlines) holds one of the substrings that every match holds (MUST_CONTAIN):
    few pages and fewer units do."""
    markers = MUST_CONTAIN[pattern]
    if not any(map(page.__contains__, markers)):
        return [False] * len(texts)
    return [any(map(low.__contains__, markers)) and pattern.search(text) is not None for text, low in zip(texts, lowered)]


def _shift(values: np.ndarray, by: int) -> np.ndarray:
    """`values` moved `by` places later in the page (earlier when negative), 0 where nothing moved in."""
    out = np.zeros(len(values))
    if by > 0:
        out[by:] = values[: len(values) - by]
    else:
        out[: len(values) + by] = values[-by:]
    return out


def char_counts(text: str) -> tuple[int, int, int, int]:
    """How many characters of `text` are digits, letters or digits, spaces (str.isdigit, isalnum,
    isspace) and SEPARATORS: counted in the UTF-8 bytes for ASCII characters (no other character's
    bytes are below 128), one by one for the rest.

    >>> char_counts("Jahr 2024: 12 Köpfe\u00a0| Rathaus » Fähre")
    (6, 27, 7, 2)
    """
    data = text.encode("utf-8", "surrogatepass")
    classes = data.translate(BYTE_CLASS)
    if text.isascii():
        digits = classes.count(b"d")
        return digits, digits + classes.count(b"a"), classes.count(b"s"), classes.count(b"p")
    others = data.translate(None, ASCII).decode("utf-8", "surrogatepass")
    ascii_digits = classes.count(b"d")
    return (ascii_digits + sum(map(str.isdigit, others)), ascii_digits + classes.count(b"a") + sum(map(str.isalnum, others)),
            classes.count(b"s") + sum(map(str.isspace, others)),
            classes.count(b"p") + sum(map(others.count, OTHER_SEPARATORS)))


def _run_lengths(mask: np.ndarray) -> np.ndarray:
    """log(1 + length of the run of True values each position stands in; 0 outside runs)."""
    out = np.zeros(len(mask))
    start = None
    for i, flag in enumerate([*mask.tolist(), False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            out[start:i] = math.log1p(i - start)
            start = None
    return out


def unit_scores(features: np.ndarray, model: ContextModel) -> np.ndarray:
    """Log-odds that each unit is article text."""
    return model.bias + ((features - model.mean) / model.scale) @ model.weights


def keep_mask(scores: np.ndarray, prose: np.ndarray, model: ContextModel) -> np.ndarray:
    """Which units stay: the span decoder (module docstring) over the units' scores. When no unit is
    sure, the best-scoring prose unit (`prose` marks them) anchors the span: a page with running text
    always keeps it, and the text around it that reads alike."""
    keep = scores > model.outside
    anchors = np.flatnonzero(scores > model.strong)
    if not len(anchors) and prose.any():
        anchors = np.flatnonzero(prose)[[int(np.argmax(scores[prose]))]]
    if len(anchors):
        first, last = int(anchors[0]), int(anchors[-1])
        while first > 0 and scores[first - 1] > model.extend:
            first -= 1
        while last + 1 < len(scores) and scores[last + 1] > model.extend:
            last += 1
        keep[first : last + 1] |= scores[first : last + 1] > model.inside
        keep[anchors] = True
    return keep


def explain(features: np.ndarray, model: ContextModel) -> str:
    """The feature that speaks most against a unit being article text (for the report)."""
    contributions = (features - model.mean) / model.scale * model.weights
    return FEATURES[int(np.argmin(contributions))]


def judge(texts: list[str], model: ContextModel | None = None, page_lines: int | None = None) -> list[str | None]:
    """For each unit text, None when it stays, else the name of the feature that weighed most against
    it. A page of fewer than `min_units` non-empty lines in the input (`page_lines`, by default the
    number of units) stays whole: a record of a few lines has no page around it to contrast with. A
    page's running text is never all dropped.

    >>> page = ["Home", "World", "Sport", "Weather", "Video",
    ...         "The council voted on Tuesday to expand the ferry service to three new stops.",
    ...         "Officials said the boats would cut commuting times for thousands of residents.",
    ...         "Terms of use", "Privacy Policy", "Contact us", "Most read"]
    >>> [t for t, why in zip(page, judge(page)) if why is None]  # doctest: +NORMALIZE_WHITESPACE
    ['The council voted on Tuesday to expand the ferry service to three new stops.',
     'Officials said the boats would cut commuting times for thousands of residents.']
    """
    model = model or default_model()
    if (len(texts) if page_lines is None else page_lines) < model.min_units:
        return [None] * len(texts)
    features = unit_features(texts)
    keep = keep_mask(unit_scores(features, model), features[:, FEATURES.index("prose")] > 0, model)
    return [None if k else explain(features[i], model) for i, k in enumerate(keep)]
