"""Benchmark near-duplicate paragraph detection on real paragraphs with planted copies and hard negatives.

    python bench/neardup.py [--seed N] [--json out.json] [--source linebench-like.jsonl] [--seeds DIR]

The corpus (deterministic for a seed; no network)
    Originals are real paragraphs: the content lines (label 1) of at least 12 words of a linebench-like
    JSONL file ({"id", "url", "lines", "labels"}; by default ../shared/eval/linebench-dev.jsonl) plus the
    lines of 12+ words of seeds/*.txt. Several languages occur (mostly English, some Russian). Real pages
    hold real copies, so an original is dropped when its normalised text repeats an earlier one, or when it
    is near or inside one (character 5-gram Jaccard >= 0.3, or >= 0.5 of the smaller one's 5-grams shared,
    computed here with plain Python sets): every original left is its own gold cluster.

    Each original plays at most one role:
    - copied: 1-4 planted copies, each made by a different edit function below (named after the edit); an edit
      that would leave an original unchanged (no quote or dash to restyle) goes to another original.
        quotes_and_dashes       straight <-> curly quotes, hyphen <-> en/em dash
        whitespace_and_case     doubled spaces, tabs, NBSP, padding; upper, lower or title case
        one_word_changed        one word replaced by a word of the same script from the corpus
        two_words_changed       two words replaced
        phrase_inserted         3-6 consecutive words of another paragraph inserted
        phrase_dropped          3-6 consecutive words dropped
        trailing_cut            the last 10-25% of the words cut, "..." appended
        credit_tag              " (Reuters)", " — AFP", " Photo: Name/Agency"-style tag appended
        scan_noise              two letters swapped or one lost in ~10% of the words
        one_in_eight_rewritten  one word in eight replaced
        two_edits               two distinct edits of the above, one after the other
    - headline source (containment): one of its sentences of 6-15 words is planted verbatim as a short
      paragraph of its own. DECISION: the headline IS a duplicate of the paragraph holding it (same gold
      cluster): keeping both repeats the text.
    - shared-sentence source (hard negative): a paragraph of two or more sentences, one of which (6+ words,
      at most ~a third of the paragraph) is planted inside a new paragraph made of that sentence plus whole
      one-sentence originals of the same script (taken out of the corpus, so nothing else is shared) until
      the shared sentence is at most a third of it. The two are NOT duplicates.
    - plain: stays a singleton.
    Template negatives: paragraphs of 30+ words made from one template with different names and numbers
    ("Police in {city} arrested {n} people on {day} after clashes near the {place}, ..."). DECISION: they
    are NOT duplicates: they report different facts, however alike the wording; every pair of fills of one
    template counts as a negative.
    Original paragraphs stay in their source pages (documents); planted paragraphs are spread over new
    documents of 2-6 paragraphs; document order is shuffled. Methods see the flat list of paragraph texts.

Methods (same run, same texts): dedup defaults `find_duplicates(texts)`; exact equality of
dedup.fingerprint.normalise; document-level defaults (word 5-grams, Jaccard 0.8, min_words=0); and dedup with
a few single options changed (threshold, word shingles) so the defaults' choice is visible.

Metrics: pair precision/recall/F1 (pairs in one predicted cluster vs one gold cluster; a Cluster's members
are kept + duplicates), adjusted Rand index over all paragraphs (singletons count), recall per edit kind
(planted pairs original~copy, and paragraph~headline for containment), false positives per negative kind
(planted negative pairs predicted together; "unplanned" counts every other wrong pair), and wall time.
"ref J" is the median character 5-gram Jaccard of the planted pairs, computed here, for context.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import string
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # measure the dedup of this checkout, whatever else is installed

from dedup import DuplicateConfig, find_duplicates  # noqa: E402
from dedup.fingerprint import normalise  # noqa: E402
from dedup.paragraphs import split_sentences  # noqa: E402

DEFAULT_SOURCE = ROOT.parent / "shared" / "eval" / "linebench-dev.jsonl"
DEFAULT_SEEDS = ROOT / "seeds"

MIN_WORDS = 12  # shortest original, in words
COPIES_PER_EDIT = 150  # planted copies per edit kind
CLUSTER_COPIES = (1, 1, 2, 2, 3, 4)  # planted copies of one original, drawn uniformly from these
CONTAINMENT_CASES = 120
SHARED_SENTENCE_CASES = 120
FILLS_PER_TEMPLATE = 16
NEAR_JACCARD = 0.3  # originals this close (or this much contained) to an earlier one are dropped
NEAR_OVERLAP = 0.5


# ------------------------------------------------------------------------------------ reference measures


def char_shingles(text: str, size: int = 5) -> frozenset[str]:
    """Character 5-grams of the normalised text: a plain reference, independent of dedup's hashing."""
    norm = normalise(text)
    return frozenset(norm[i : i + size] for i in range(max(1, len(norm) - size + 1)))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)]


def script(text: str) -> str:
    """The Unicode script of the first letter ("LATIN", "CYRILLIC", "CJK", ...), to keep edits in-language."""
    for ch in text:
        if ch.isalpha():
            return unicodedata.name(ch, "OTHER UNKNOWN").split()[0]
    return "OTHER"


# ------------------------------------------------------------------------------------------- originals


def linebench_pages(path: Path) -> list[list[str]]:
    """Content lines of MIN_WORDS+ words, one list per page."""
    pages = []
    with path.open(encoding="utf-8") as handle:
        for record in map(json.loads, handle):
            lines = [t.strip() for t, label in zip(record["lines"], record["labels"]) if label == 1 and len(t.split()) >= MIN_WORDS]
            pages.append(lines)
    return pages


def seed_pages(folder: Path) -> list[list[str]]:
    """Lines of MIN_WORDS+ words of each seed article, one list per file."""
    pages = []
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8").replace("\u00a0", " ")
        pages.append([line.strip() for line in text.split("\n") if len(line.split()) >= MIN_WORDS])
    return pages


def distinct_pages(pages: list[list[str]]) -> list[list[str]]:
    """Drop every paragraph that repeats, nearly repeats, or sits inside an earlier one, so gold is clean.

    Candidates share a word 3-gram (near-copies always do); each is then checked with character 5-grams."""
    seen: set[str] = set()
    kept: list[frozenset[str]] = []
    by_trigram: dict[tuple[str, ...], list[int]] = defaultdict(list)
    out = []
    for page in pages:
        out.append([])
        for text in page:
            norm = normalise(text)
            words = norm.split()
            trigrams = {tuple(words[i : i + 3]) for i in range(len(words) - 2)}
            shingles = char_shingles(text)
            candidates = {k for t in trigrams for k in by_trigram.get(t, ())}
            if norm in seen or any(_near(shingles, kept[k]) for k in candidates):
                continue
            seen.add(norm)
            for t in trigrams:
                by_trigram[t].append(len(kept))
            kept.append(shingles)
            out[-1].append(text)
    return [page for page in out if page]


def _near(a: frozenset[str], b: frozenset[str]) -> bool:
    shared = len(a & b)
    return shared / len(a | b) >= NEAR_JACCARD or shared / min(len(a), len(b)) >= NEAR_OVERLAP


# ---------------------------------------------------------------------------------------------- edits


class WordPool:
    """Words and word runs of the originals by script, so replaced or inserted words look like real text
    in the paragraph's own language."""

    def __init__(self, paragraphs: Iterable[str]) -> None:
        self.words: dict[str, list[str]] = defaultdict(list)
        self.paragraphs: dict[str, list[list[str]]] = defaultdict(list)
        seen: set[str] = set()
        for text in paragraphs:
            words = text.split()
            self.paragraphs[script(text)].append(words)
            for word in words:
                if len(word) >= 4 and word.isalpha() and word.casefold() not in seen:
                    seen.add(word.casefold())
                    self.words[script(word)].append(word)

    def word(self, rng: random.Random, like: str) -> str:
        """A corpus word of the same script as `like`, different from it."""
        pool = self.words.get(script(like)) or self.words["LATIN"]
        while True:
            word = rng.choice(pool)
            if word.casefold() != like.casefold():
                return word

    def phrase(self, rng: random.Random, like: str, length: int) -> list[str]:
        """`length` consecutive words of a paragraph in the same script as `like`."""
        pool = [p for p in self.paragraphs.get(script(like)) or self.paragraphs["LATIN"] if len(p) > length]
        words = rng.choice(pool)
        at = rng.randrange(len(words) - length)
        return words[at : at + length]


Edit = Callable[[str, random.Random, WordPool], str]

QUOTE_DASH_SWAP = {"'": "\u2019", "\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "-": "\u2013", "\u2013": "-", "\u2014": "-"}
CREDIT_TAGS = (" (Reuters)", " \u2014 AFP", " (AP)", " - Reuters", " (AFP/dpa)", " Photo: {name}/{agency}", " (Photo: {name}/{agency})")
PHOTOGRAPHERS = ["John Smith", "Maria Garcia", "Bernd Riegert", "Anna Ivanova", "Li Wei", "Ahmed Hassan", "Sarah Jones"]
AGENCIES = ["AFP", "Reuters", "AP", "dpa", "Getty Images", "EPA", "picture alliance"]


def _replace_words(text: str, rng: random.Random, pool: WordPool, count: int) -> str:
    words = text.split()
    eligible = [i for i, w in enumerate(words) if len(w) >= 3] or list(range(len(words)))
    for i in rng.sample(eligible, min(count, len(eligible))):
        words[i] = pool.word(rng, words[i])
    return " ".join(words)


def quotes_and_dashes(text: str, rng: random.Random, pool: WordPool) -> str:
    """Restyle quotes and dashes: straight pairs become curly, curly become straight, hyphens en dashes,
    dashes hyphens (as copy-pasting between CMSes does)."""
    curly = iter(["\u201c", "\u201d"] * (text.count('"') + 1))
    return "".join(next(curly) if ch == '"' else QUOTE_DASH_SWAP.get(ch, ch) for ch in text)


def whitespace_and_case(text: str, rng: random.Random, pool: WordPool) -> str:
    """Re-space the words (doubled spaces, tabs, NBSP, padding) and change the case of the whole text."""
    case = rng.choice([str.upper, str.lower, str.title])
    words = case(text).split()
    gaps = [rng.choice([" ", " ", " ", "  ", "\t", "\u00a0"]) for _ in words[1:]]
    return "  " + words[0] + "".join(gap + word for gap, word in zip(gaps, words[1:])) + " \n"


def one_word_changed(text: str, rng: random.Random, pool: WordPool) -> str:
    """One word replaced, as an editor fixing a name or a figure does."""
    return _replace_words(text, rng, pool, 1)


def two_words_changed(text: str, rng: random.Random, pool: WordPool) -> str:
    """Two words replaced."""
    return _replace_words(text, rng, pool, 2)


def phrase_inserted(text: str, rng: random.Random, pool: WordPool) -> str:
    """3-6 consecutive words of another paragraph inserted between two words."""
    words = text.split()
    at = rng.randrange(1, len(words))
    return " ".join(words[:at] + pool.phrase(rng, text, rng.randint(3, 6)) + words[at:])


def phrase_dropped(text: str, rng: random.Random, pool: WordPool) -> str:
    """3-6 consecutive words dropped."""
    words = text.split()
    length = rng.randint(3, 6)
    at = rng.randrange(len(words) - length + 1)
    return " ".join(words[:at] + words[at + length :])


def trailing_cut(text: str, rng: random.Random, pool: WordPool) -> str:
    """The last 10-25% of the words cut and an ellipsis appended, as teasers and snippets do."""
    words = text.split()
    cut = max(1, round(len(words) * rng.uniform(0.10, 0.25)))
    return " ".join(words[:-cut]) + rng.choice(["...", " ...", "\u2026"])


def credit_tag(text: str, rng: random.Random, pool: WordPool) -> str:
    """An agency sign-off or photo credit appended."""
    return text + rng.choice(CREDIT_TAGS).format(name=rng.choice(PHOTOGRAPHERS), agency=rng.choice(AGENCIES))


def scan_noise(text: str, rng: random.Random, pool: WordPool) -> str:
    """In ~10% of the words (at least one), two adjacent letters swapped or one letter lost (OCR, typing)."""
    words = text.split()
    eligible = [i for i, w in enumerate(words) if len(w) >= 4] or list(range(len(words)))
    for i in rng.sample(eligible, min(len(eligible), max(1, round(len(words) * 0.1)))):
        letters = list(words[i])
        j = rng.randrange(len(letters) - 1) if len(letters) > 1 else 0
        if len(letters) > 1 and letters[j] != letters[j + 1] and rng.random() < 0.5:
            letters[j], letters[j + 1] = letters[j + 1], letters[j]
        else:
            del letters[j]
        words[i] = "".join(letters)
    return " ".join(words)


def one_in_eight_rewritten(text: str, rng: random.Random, pool: WordPool) -> str:
    """One word in eight replaced (a light rewrite)."""
    return _replace_words(text, rng, pool, max(1, round(len(text.split()) / 8)))


SINGLE_EDITS: tuple[Edit, ...] = (
    quotes_and_dashes,
    whitespace_and_case,
    one_word_changed,
    two_words_changed,
    phrase_inserted,
    phrase_dropped,
    trailing_cut,
    credit_tag,
    scan_noise,
    one_in_eight_rewritten,
)


def two_edits(text: str, rng: random.Random, pool: WordPool) -> str:
    """Two distinct single edits, one after the other (real copies often carry more than one)."""
    first, second = rng.sample(SINGLE_EDITS, 2)
    return second(first(text, rng, pool), rng, pool)


EDITS: tuple[Edit, ...] = (*SINGLE_EDITS, two_edits)


# ------------------------------------------------------------------------------------------ templates

TEMPLATES = {
    "police_arrests": "Police in {city} arrested {n} people on {day} after clashes near the {place}, officials said. A police "
    "spokesman said {m} officers were injured and that the investigation into the violence would continue over the coming days.",
    "quarterly_profit": "{company} said on {day} that its quarterly profit rose {pct} percent to {amount} million dollars, beating "
    "analysts' forecasts, as sales in {region} grew faster than expected. Shares in the company rose {pct2} percent in early trading.",
    "earthquake": "A magnitude {mag} earthquake struck near {city} on {day}, the national geological service said. There were no "
    "immediate reports of damage or casualties, but residents said the shaking lasted about {n} seconds and several buildings were evacuated.",
    "football_result": "{team} beat {team2} {s1}-{s2} on {day} night, with {player} scoring twice in the second half. The win moves "
    "{team} up to {rank} place in the table, {n} points behind the leaders with {m} games left to play this season.",
    "polizei_festnahmen": "Die Polizei in {stadt} hat am {tag} {n} Personen festgenommen, nachdem es in der Nähe des {ort} zu "
    "Ausschreitungen gekommen war, teilten die Behörden mit. Nach Angaben eines Sprechers wurden {m} Beamte verletzt, die Ermittlungen dauern an.",
}
TEMPLATE_VALUES = {  # "a, b, c" lists
    "city": "Lagos, Lyon, Porto, Quito, Kraków, Dhaka, Manila, Nairobi, Seville, Tbilisi, Cork, Leeds, Oslo, Bergen, Turin, Pune, Izmir, Accra",
    "day": "Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday",
    "place": "central station, city hall, football stadium, main square, parliament building, old harbour, university campus, "
    "central bank, ministry of finance, cathedral, airport, port authority",
    "company": "Norsk Hydro, Tata Motors, Banco Sabadell, Rio Tinto, Siemens Energy, Vodafone, Heineken, Ericsson, Samsung SDI, BHP, "
    "Carrefour, Unilever, Nokia, Fiat, Infosys, Danone",
    "region": "Asia, Europe, North America, Latin America, Africa, the Middle East, China, India",
    "team": "Arsenal, Celtic, Benfica, Ajax, Lazio, Sevilla, Porto, Galatasaray, Feyenoord, Napoli, Rangers, Lyon, Marseille, "
    "Villarreal, Braga, Anderlecht, Basel, Salzburg",
    "player": "Luis Moreno, Jan Kowalski, Ahmed Salah, Tom Baker, Yuki Tanaka, Pedro Alves, Ivan Petrov, Lars Nilsson, Marco Rossi, "
    "Kofi Mensah, Diego Ruiz, Emre Demir",
    "rank": "second, third, fourth, fifth, sixth, seventh, eighth, ninth, tenth",
    "stadt": "Berlin, Hamburg, München, Köln, Leipzig, Dresden, Bremen, Hannover, Stuttgart, Nürnberg, Dortmund, Essen, Bonn, Kassel",
    "tag": "Montag, Dienstag, Mittwoch, Donnerstag, Freitag, Samstag, Sonntag",
    "ort": "Hauptbahnhofs, Rathauses, Stadions, Landtags, Marktplatzes, Hafens, Flughafens, Doms, Messegeländes",
}
TEMPLATE_NUMBERS = {"n": (3, 240), "m": (2, 60), "pct": (2, 45), "pct2": (1, 12), "amount": (40, 9000), "s1": (2, 6), "s2": (0, 1)}


def fill_template(template: str, rng: random.Random) -> str:
    """The template with fresh values: words from TEMPLATE_VALUES ("team2" draws from "team", distinct from
    "team"), whole numbers from TEMPLATE_NUMBERS, a one-decimal magnitude for "mag"."""
    names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    values: dict[str, str] = {}
    for name in dict.fromkeys(names):
        base = name.rstrip("0123456789")
        if base in TEMPLATE_VALUES:
            taken = {v for k, v in values.items() if k.rstrip("0123456789") == base}
            values[name] = rng.choice([v for v in TEMPLATE_VALUES[base].split(", ") if v not in taken])
        elif name in TEMPLATE_NUMBERS:
            values[name] = str(rng.randint(*TEMPLATE_NUMBERS[name]))
        else:  # magnitude
            values[name] = f"{rng.uniform(4.0, 7.5):.1f}"
    return template.format(**values)


# --------------------------------------------------------------------------------------- the corpus


@dataclass
class Corpus:
    """Paragraphs in corpus order with their gold cluster labels and the planted pairs, by kind."""

    texts: list[str]
    gold: list[int]
    positives: dict[str, list[tuple[int, int]]]  # edit kind -> (original, copy) positions
    negatives: dict[str, list[tuple[int, int]]]  # negative kind -> pairs that must stay apart
    details: dict[str, list[str]]  # edit kind -> sub-kind per positive pair (the two edits of two_edits)
    stats: dict[str, Any]


@dataclass
class Builder:
    """Collects paragraphs (by id, in creation order), their gold clusters, documents and planted pairs."""

    rng: random.Random
    texts: list[str] = field(default_factory=list)
    gold: list[int] = field(default_factory=list)
    documents: list[list[int]] = field(default_factory=list)
    planted: list[int] = field(default_factory=list)
    positives: dict[str, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    negatives: dict[str, list[tuple[int, int]]] = field(default_factory=lambda: defaultdict(list))
    details: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, text: str, gold: int | None = None) -> int:
        """A new paragraph, in gold cluster `gold` (a new singleton cluster when None); returns its id."""
        self.texts.append(text)
        self.gold.append(len(self.gold) if gold is None else gold)
        return len(self.texts) - 1

    def plant(self, text: str, gold: int | None = None) -> int:
        """A planted paragraph: it goes into one of the new documents."""
        pid = self.add(text, gold)
        self.planted.append(pid)
        return pid

    def finish(self, stats: dict[str, Any]) -> Corpus:
        """Spread planted paragraphs over documents of 2-6, shuffle documents, flatten to corpus order."""
        self.rng.shuffle(self.planted)
        at = 0
        while at < len(self.planted):
            size = self.rng.randint(2, 6)
            self.documents.append(self.planted[at : at + size])
            at += size
        self.rng.shuffle(self.documents)
        order = [pid for doc in self.documents for pid in doc]
        where = {pid: pos for pos, pid in enumerate(order)}
        relabel = {g: n for n, g in enumerate(dict.fromkeys(self.gold[pid] for pid in order))}

        def moved(pairs: dict[str, list[tuple[int, int]]]) -> dict[str, list[tuple[int, int]]]:
            return {kind: [(where[a], where[b]) for a, b in ps] for kind, ps in pairs.items()}

        stats |= {"paragraphs": len(order), "documents": len(self.documents)}
        return Corpus(
            [self.texts[pid] for pid in order],
            [relabel[self.gold[pid]] for pid in order],
            moved(self.positives),
            moved(self.negatives),
            dict(self.details),
            stats,
        )


def build_corpus(seed: int, source: Path, seeds: Path | None, copies_per_edit: int = COPIES_PER_EDIT) -> Corpus:
    """The benchmark corpus for a seed: originals in their pages, roles drawn, copies and negatives planted."""
    rng = random.Random(seed)
    pages = distinct_pages(linebench_pages(source) + (seed_pages(seeds) if seeds else []))
    originals = [text for page in pages for text in page]
    pool = WordPool(originals)
    unused = list(range(len(originals)))
    rng.shuffle(unused)
    # Roles, each original at most one: headline sources, shared-sentence sources, fillers, copied ones.
    headlines = _choose(unused, CONTAINMENT_CASES, lambda i: _headline(originals[i], rng))
    shared = _choose(unused, SHARED_SENTENCE_CASES, lambda i: _shareable_sentence(originals[i], rng))
    fillers: set[int] = set()
    shared_texts = {i: _shared_sentence_paragraph(s, originals, i, unused, fillers, rng) for i, s in shared.items()}
    copies = _assign_copies(originals, unused, rng, pool, copies_per_edit)

    builder = Builder(rng)
    builder.positives = {edit.__name__: [] for edit in EDITS} | {"containment": []}
    ids: dict[int, int] = {}  # index in `originals` -> paragraph id
    at = 0
    for page in pages:
        doc = []
        for i in range(at, at + len(page)):
            if i not in fillers:
                ids[i] = builder.add(originals[i])
                doc.append(ids[i])
        builder.documents.append(doc)
        at += len(page)
    for i, planted in copies.items():
        for kind, detail, text in planted:
            builder.positives[kind].append((ids[i], builder.plant(text, builder.gold[ids[i]])))
            builder.details[kind].append(detail)
    for i, headline in headlines.items():
        builder.positives["containment"].append((ids[i], builder.plant(headline, builder.gold[ids[i]])))
    for i, text in shared_texts.items():
        if text is not None:
            builder.negatives["shared_sentence"].append((ids[i], builder.plant(text)))
    for template in TEMPLATES.values():
        fill_ids = [builder.plant(text) for text in _distinct_fills(template, rng)]
        builder.negatives["same_template"] += [(a, b) for n, a in enumerate(fill_ids) for b in fill_ids[n + 1 :]]
    stats = {
        "originals": len(ids),
        "source_pages": len(pages),
        "planted_copies": sum(len(p) for kind, p in builder.positives.items() if kind != "containment"),
        "headlines": len(builder.positives["containment"]),
        "shared_sentence_paragraphs": len(builder.negatives["shared_sentence"]),
        "template_paragraphs": FILLS_PER_TEMPLATE * len(TEMPLATES),
        "originals_used_as_fillers": len(fillers),
        "originals_by_script": dict(Counter(script(originals[i]) for i in ids).most_common()),
    }
    return builder.finish(stats)


def _choose(unused: list[int], count: int, make: Callable[[int], Any]) -> dict[int, Any]:
    """Take up to `count` originals from `unused` (in its shuffled order) for which `make` gives a value."""
    chosen: dict[int, Any] = {}
    for i in list(unused):
        if len(chosen) == count:
            break
        value = make(i)
        if value is not None:
            chosen[i] = value
            unused.remove(i)
    return chosen


def _headline(text: str, rng: random.Random) -> str | None:
    """A sentence of 6-15 words of a paragraph of two or more sentences, to plant verbatim on its own."""
    parts = sentences(text)
    fitting = [s for s in parts if 6 <= len(s.split()) <= 15]
    return rng.choice(fitting) if len(parts) >= 2 and fitting else None


def _shareable_sentence(text: str, rng: random.Random) -> str | None:
    """A sentence of 6+ words that is at most about a third of its paragraph."""
    parts = sentences(text)
    fitting = [s for s in parts if 6 <= len(s.split()) <= 0.36 * len(text.split())]
    return rng.choice(fitting) if len(parts) >= 2 and fitting else None


def _shared_sentence_paragraph(
    sentence: str, originals: list[str], source: int, unused: list[int], fillers: set[int], rng: random.Random
) -> str | None:
    """`sentence` placed among whole one-sentence originals of the source's script, taken out of the corpus
    (so they share nothing with anything left), until it is at most a third of the new paragraph."""
    wanted = script(originals[source])
    parts: list[str] = []
    for i in list(unused):
        if sum(len(p.split()) for p in parts) >= 2 * len(sentence.split()):
            break
        if script(originals[i]) == wanted and len(sentences(originals[i])) == 1:
            unused.remove(i)
            fillers.add(i)
            parts.append(originals[i])
    if sum(len(p.split()) for p in parts) < 2 * len(sentence.split()):
        return None
    parts.insert(rng.randrange(len(parts) + 1), sentence)
    return " ".join(parts)


def _assign_copies(
    originals: list[str], unused: list[int], rng: random.Random, pool: WordPool, copies_per_edit: int
) -> dict[int, list[tuple[str, str, str]]]:
    """`copies_per_edit` copies per edit kind, in clusters of 1-3 copies of one original each; an original
    that an edit of its group would leave unchanged is passed over for the next. Returns, per original,
    (kind, detail, copy text) triples."""
    slots = [edit for edit in EDITS for _ in range(copies_per_edit)]
    rng.shuffle(slots)
    copies: dict[int, list[tuple[str, str, str]]] = {}
    while slots:
        group = _distinct_edits(slots, rng.choice(CLUSTER_COPIES))
        for i in list(unused):
            planted = [_apply(edit, originals[i], rng.getrandbits(64), pool) for edit in group]
            if all(text != originals[i] for _, _, text in planted) and len({t for _, _, t in planted}) == len(planted):
                copies[i] = planted
                unused.remove(i)
                break
    return copies


def _distinct_edits(slots: list[Edit], size: int) -> list[Edit]:
    """Up to `size` different edits, taken from the front of `slots` (one cluster never holds two copies
    made by the same edit, which could coincide)."""
    group: list[Edit] = []
    for edit in list(slots):
        if edit not in group:
            group.append(edit)
            slots.remove(edit)
            if len(group) == size:
                break
    return group


def _apply(edit: Edit, text: str, seed: int, pool: WordPool) -> tuple[str, str, str]:
    """(kind, detail, copy): the edit applied with its own seeded generator; for two_edits the detail names
    the two edits (the same seed replays its pick)."""
    detail = edit.__name__
    if edit is two_edits:
        first, second = random.Random(seed).sample(SINGLE_EDITS, 2)
        detail = f"{first.__name__}+{second.__name__}"
    return edit.__name__, detail, edit(text, random.Random(seed), pool)


def _distinct_fills(template: str, rng: random.Random) -> list[str]:
    """FILLS_PER_TEMPLATE fills of a template whose normalised texts all differ."""
    fills: dict[str, str] = {}
    while len(fills) < FILLS_PER_TEMPLATE:
        text = fill_template(template, rng)
        fills.setdefault(normalise(text), text)
    return list(fills.values())


# ------------------------------------------------------------------------------------------- methods


@dataclass(frozen=True)
class Method:
    """A way to cluster the paragraphs: dedup with `options`, or exact normalised-hash equality (None)."""

    name: str
    short: str  # column label in the per-kind tables
    options: dict[str, Any] | None


_D = DuplicateConfig()
DOCUMENT_DEFAULTS = {"shingle": "word", "shingle_size": 5, "threshold": 0.8, "min_words": 0}
METHODS = (
    Method(f"dedup defaults ({_D.shingle} {_D.shingle_size}-grams, threshold {_D.threshold})", "dflt", {}),
    Method("exact (normalised hash)", "exact", None),
    Method("document defaults (word 5-grams, threshold 0.8)", "doc", DOCUMENT_DEFAULTS),
    Method("dedup threshold=0.45", "t.45", {"threshold": 0.45}),
    Method("dedup threshold=0.55", "t.55", {"threshold": 0.55}),
    Method("dedup threshold=0.6", "t.60", {"threshold": 0.6}),
    Method("dedup shingle=word shingle_size=2", "w2", {"shingle": "word", "shingle_size": 2}),
    Method("dedup shingle=word shingle_size=3", "w3", {"shingle": "word", "shingle_size": 3}),
    Method("dedup num_perm=64", "p64", {"num_perm": 64}),
    Method("dedup num_perm=256", "p256", {"num_perm": 256}),
    Method("dedup shingle_size=4", "c4", {"shingle_size": 4}),
    Method("dedup shingle_size=7", "c7", {"shingle_size": 7}),
)


def predict(method: Method, texts: list[str]) -> list[int]:
    """A predicted cluster label per paragraph (members of one cluster share the label)."""
    if method.options is None:
        first: dict[str, int] = {}
        return [first.setdefault(normalise(text), i) for i, text in enumerate(texts)]
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Union-find over kept + duplicates, so a paragraph listed twice could not split a cluster.
    for cluster in find_duplicates(texts, **method.options):
        for member, _ in cluster.duplicates:
            parent[root(member)] = root(cluster.kept)
    return [root(i) for i in range(len(texts))]


# ------------------------------------------------------------------------------------------- metrics


def pairs(n: int) -> int:
    return n * (n - 1) // 2


def pair_scores(gold: list[int], pred: list[int]) -> dict[str, float]:
    """Pair precision, recall, F1 and the adjusted Rand index, all from the contingency table of gold and
    predicted labels: ARI = (sum_ij C(n_ij,2) - E) / ((sum_i C(a_i,2) + sum_j C(b_j,2)) / 2 - E), with
    E = sum_i C(a_i,2) * sum_j C(b_j,2) / C(n,2)."""
    together = sum(pairs(c) for c in Counter(zip(gold, pred)).values())
    gold_pairs = sum(pairs(c) for c in Counter(gold).values())
    pred_pairs = sum(pairs(c) for c in Counter(pred).values())
    precision = together / pred_pairs if pred_pairs else 1.0
    recall = together / gold_pairs if gold_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    expected = gold_pairs * pred_pairs / pairs(len(gold)) if len(gold) > 1 else 0.0
    top = (gold_pairs + pred_pairs) / 2
    ari = (together - expected) / (top - expected) if top != expected else 1.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "ari": ari,
        "true_pairs": together,
        "predicted_pairs": pred_pairs,
        "gold_pairs": gold_pairs,
    }


def found(pred: list[int], planted: list[tuple[int, int]]) -> int:
    """How many planted pairs the prediction puts in one cluster."""
    return sum(pred[a] == pred[b] for a, b in planted)


def evaluate(method: Method, corpus: Corpus) -> dict[str, Any]:
    """Every figure of one method: pair scores, ARI, recall per edit kind, false positives per negative
    kind (and unplanned ones), wall time; an error message instead when the method fails."""
    start = time.perf_counter()
    try:
        pred = predict(method, corpus.texts)
    except Exception as error:  # a broken variant (say, a renamed option) must not hide the others' figures
        return {"short": method.short, "options": method.options, "error": f"{type(error).__name__}: {error}"}
    seconds = time.perf_counter() - start
    scores = pair_scores(corpus.gold, pred)
    fp_by_kind = {kind: found(pred, ps) for kind, ps in corpus.negatives.items()}
    by_detail: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for kind, details in corpus.details.items():
        for detail, (a, b) in zip(details, corpus.positives[kind]):
            by_detail[detail][0] += pred[a] == pred[b]
            by_detail[detail][1] += 1
    return {
        "short": method.short,
        "options": method.options,
        **scores,
        "seconds": seconds,
        "recall_by_edit": {kind: found(pred, ps) / len(ps) for kind, ps in corpus.positives.items()},
        "recall_by_edit_detail": {d: hit / n for d, (hit, n) in sorted(by_detail.items())},
        "false_pairs_by_negative": fp_by_kind | {"unplanned": scores["predicted_pairs"] - scores["true_pairs"] - sum(fp_by_kind.values())},
        "clusters": len(set(pred)),
    }


def reference_similarity(corpus: Corpus) -> dict[str, float]:
    """Median reference Jaccard (character 5-grams) of the planted pairs of each kind, for context."""
    shingles: dict[int, frozenset[str]] = {}

    def sh(i: int) -> frozenset[str]:
        return shingles.setdefault(i, char_shingles(corpus.texts[i]))

    return {kind: statistics.median(jaccard(sh(a), sh(b)) for a, b in ps) for kind, ps in (corpus.positives | corpus.negatives).items()}


# -------------------------------------------------------------------------------------------- output


def markdown_tables(corpus: Corpus, results: dict[str, dict[str, Any]], reference: dict[str, float]) -> str:
    """The summary table (method | P | R | F1 | ARI | s), recall per edit kind, false pairs per negative kind."""
    ok = {name: r for name, r in results.items() if "error" not in r}
    lines = ["| method | P | R | F1 | ARI | s |", "|---|---|---|---|---|---|"]
    for name, r in results.items():
        if "error" in r:
            lines.append(f"| {name} | error: {r['error']} | | | | |")
        else:
            lines.append(f"| {name} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {r['ari']:.3f} | {r['seconds']:.2f} |")
    header = "| {} | n | ref J | " + " | ".join(r["short"] for r in ok.values()) + " |"
    rule = "|---|---|---|" + "---|" * len(ok)
    lines += ["", "Recall per edit kind (planted pairs found):", "", header.format("edit"), rule]
    for kind, ps in corpus.positives.items():
        cells = " | ".join(f"{r['recall_by_edit'][kind]:.2f}" for r in ok.values())
        lines.append(f"| {kind} | {len(ps)} | {reference[kind]:.2f} | {cells} |")
    lines += ["", "False pairs per negative kind (planted negative pairs put together; unplanned: all other wrong pairs):", ""]
    lines += [header.format("negative"), rule]
    for kind, ps in (corpus.negatives | {"unplanned": []}).items():
        cells = " | ".join(str(r["false_pairs_by_negative"][kind]) for r in ok.values())
        ref = f"{reference[kind]:.2f}" if kind in reference else "-"
        lines.append(f"| {kind} | {len(ps) or '-'} | {ref} | {cells} |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0, help="seed of the corpus generator (default 0)")
    parser.add_argument("--json", type=Path, help="write every figure as JSON to this path")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="linebench-like JSONL of real pages")
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS, help="folder of .txt articles added to the originals ('' for none)")
    parser.add_argument("--copies-per-edit", type=int, default=COPIES_PER_EDIT, help="planted copies per edit kind")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    seeds = args.seeds if str(args.seeds) not in ("", ".") and args.seeds.is_dir() else None
    corpus = build_corpus(args.seed, args.source, seeds, args.copies_per_edit)
    built = time.perf_counter() - start
    reference = reference_similarity(corpus)
    results = {method.name: evaluate(method, corpus) for method in METHODS}
    s = corpus.stats
    print(
        f"seed {args.seed}: {s['paragraphs']} paragraphs in {s['documents']} documents; {s['originals']} originals, "
        f"{s['planted_copies']} planted copies, {s['headlines']} headlines, {s['shared_sentence_paragraphs']} shared-sentence and "
        f"{s['template_paragraphs']} template negatives; {pair_scores(corpus.gold, corpus.gold)['gold_pairs']} gold pairs; built in {built:.1f}s\n"
    )
    print(markdown_tables(corpus, results, reference))
    total = time.perf_counter() - start
    print(f"\ntotal {total:.1f}s")
    if args.json:
        report = {
            "seed": args.seed,
            "source": str(args.source),
            "seeds": str(seeds) if seeds else None,
            "corpus": s,
            "build_seconds": built,
            "total_seconds": total,
            "reference_jaccard_median": reference,
            "planted_pairs": {kind: len(ps) for kind, ps in (corpus.positives | corpus.negatives).items()},
            "methods": results,
        }
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 1 if any("error" in r for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
