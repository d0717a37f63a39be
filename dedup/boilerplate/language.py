"""Tell a page's language from its function words (English, German, French, Spanish), cheaply and
locally: count how many of its words stand in each language's list and take the best."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources

import regex

WORD_PATTERN = regex.compile(r"\p{L}+")
# A language is named only when its function words make up this share of the page's words: a page in
# another language (or a list of names) matches a few by chance.
MIN_SHARE = 0.08


@lru_cache(maxsize=1)
def stop_words() -> dict[str, frozenset[str]]:
    """The function words of each supported language (stopwords.toml), by language code."""
    data = tomllib.loads(resources.files(__package__).joinpath("stopwords.toml").read_text(encoding="utf-8"))
    return {lang: frozenset(words.split()) for lang, words in data.items()}


def words_of(text: str) -> list[str]:
    """Lower-cased words (runs of letters) of `text`."""
    return WORD_PATTERN.findall(text.lower())


def detect_language(words: list[str]) -> str | None:
    """The supported language whose function words are most frequent among `words`, or None when none
    reaches MIN_SHARE of them.

    >>> detect_language(words_of("Der Rat hat am Dienstag beschlossen, die Fähre auszubauen."))
    'de'
    >>> detect_language(words_of("Пожар уничтожил склад")) is None
    True
    """
    if not words:
        return None
    hits = {lang: sum(map(stop.__contains__, words)) for lang, stop in stop_words().items()}
    best = max(hits, key=lambda lang: hits[lang])
    return best if hits[best] >= MIN_SHARE * len(words) else None
