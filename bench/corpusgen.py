"""A deterministic generator of a news-like JSONL corpus of any size, for the throughput benchmark.

    python bench/corpusgen.py --size 10MB [--seed 0] [--cache-dir /tmp/dedup-bench]

Each record is {"id", "url", "text"}; the text is a scraped news page:
- body paragraphs: first every real paragraph once (the content lines of ../shared/eval/linebench-dev.jsonl
  and the seeds, in a seeded order); after that, new paragraphs recombined from them by a word Markov
  chain (order 2, falling back to order 1 where a context has a single successor, so that no long run of a
  source paragraph is copied), each as long as a real paragraph drawn at random;
- planted near-duplicates: 8% of body paragraphs are copies of a recent paragraph, verbatim or with one
  of the edits of bench/neardup.py (quotes and dashes, case and spacing, words changed, phrases inserted
  or dropped, a trailing cut, a credit tag, scan noise, ...); 1.5% of documents repeat an earlier
  document's body under a new frame (syndication);
- boilerplate: navigation and share rows at the top, bylines and timestamps under the title, subscribe and
  advertising prompts between paragraphs, related links, disclaimers and copyright at the bottom, drawn
  from the real boilerplate lines of linebench (label 0) and the examples of dedup's own rules;
- mojibake: 3% of documents are encoded as UTF-8 and decoded as Windows-1252 (ftfy's sloppy codec);
- layout: a document puts its paragraphs one per line or separates them by blank lines (50/50).

The same seed gives the same bytes, and a smaller size is a prefix of a larger one. The file is written
once to the cache folder (outside the repository) and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ftfy.bad_codecs  # noqa: F401  (registers the sloppy-windows-1252 codec used for mojibake)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from neardup import EDITS, ROOT, WordPool, linebench_pages, script, seed_pages  # noqa: E402

GENERATOR_VERSION = 1  # bump when the output for a seed changes, so stale cached corpora are not reused
DEFAULT_SOURCE = ROOT.parent / "shared" / "eval" / "linebench-dev.jsonl"
DEFAULT_SEEDS = ROOT / "seeds"
RULES = ROOT / "dedup" / "boilerplate" / "rules"
DEFAULT_CACHE = Path(os.environ.get("DEDUP_BENCH_CACHE", "/tmp/dedup-bench"))

COPY_RATE = 0.08  # body paragraphs that copy a recent paragraph
VERBATIM_COPY_RATE = 0.3  # of those, copies without an edit
RECENT = 4000  # paragraphs a copy may come from
SYNDICATED_RATE = 0.015  # documents that repeat an earlier document's body
MOJIBAKE_RATE = 0.03
INLINE_BOILERPLATE_RATE = 0.06  # chance of a prompt after each body paragraph
UNITS = {"KB": 10**3, "MB": 10**6, "GB": 10**9}

# Where a rule family's lines appear on a page.
HEADER_FAMILIES = ("navigation", "share", "cookies", "counters")
BYLINE_FAMILIES = ("bylines", "timestamps")
INLINE_FAMILIES = ("subscribe", "ads", "related", "share", "credits")
FOOTER_FAMILIES = ("related", "disclaimers", "comments", "credits", "signoff", "urls", "subscribe")
NAMES = ["Jane Smith", "Tom Baker", "Maria Garcia", "Ahmed Hassan", "Anna Ivanova", "Li Wei", "Sarah Jones", "Kofi Mensah"]
MONTHS = "January February March April May June July August September October November December".split()
SITES = ["dailyherald", "metrotimes", "worldwire", "citypost", "eveningnews", "globalreport"]


def parse_size(text: str) -> int:
    """'10MB' -> 10_000_000 (decimal units: KB, MB, GB)."""
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(KB|MB|GB)", text.strip(), re.IGNORECASE)
    if not match:
        raise ValueError(f"size {text!r}: expected a number and KB, MB or GB, such as 100MB")
    return int(float(match.group(1)) * UNITS[match.group(2).upper()])


@dataclass(frozen=True)
class Sources:
    """The real text the corpus is made from."""

    paragraphs: list[str]
    boilerplate: dict[str, list[str]]  # family -> lines; "page" holds linebench's non-content lines


def load_sources(source: Path = DEFAULT_SOURCE, seeds: Path = DEFAULT_SEEDS) -> Sources:
    """The real paragraphs (linebench's content lines, the seeds' lines) and boilerplate lines (linebench's
    other lines, the examples of dedup's rules by family) that the corpus is made from."""
    """The real paragraphs (linebench content lines, seed lines) and boilerplate lines (linebench's other
    lines, the examples of dedup's rules by family) the corpus is made from."""
    if not source.exists():
        raise SystemExit(f"{source}: not found; the corpus is made from its real text (../shared/eval beside the repository)")
    seen: set[str] = set()
    paragraphs = []
    for page in linebench_pages(source) + seed_pages(seeds):
        for text in page:
            if text not in seen:
                seen.add(text)
                paragraphs.append(text)
    boilerplate: dict[str, list[str]] = defaultdict(list)
    with source.open(encoding="utf-8") as handle:
        for record in map(json.loads, handle):
            boilerplate["page"].extend(t.strip() for t, label in zip(record["lines"], record["labels"])
                                       if label == 0 and t.strip() and len(t.split()) <= 12)
    for path in sorted(RULES.glob("*.toml")):
        for rule in tomllib.loads(path.read_text(encoding="utf-8"))["rule"]:
            boilerplate[rule["family"]].extend(rule.get("match", []))
    return Sources(paragraphs, dict(boilerplate))


class Babbler:
    """A word Markov chain over real paragraphs of one script: new paragraphs that read like the sources."""

    def __init__(self, paragraphs: list[str]) -> None:
        pairs: dict[tuple[str, str], list[str]] = defaultdict(list)
        singles: dict[str, list[str]] = defaultdict(list)
        self.starts: list[tuple[str, str]] = []
        self.lengths = [len(p.split()) for p in paragraphs]
        for text in paragraphs:
            words = text.split()
            if len(words) < 3:
                continue
            self.starts.append((words[0], words[1]))
            for a, b, c in zip(words, words[1:], words[2:]):
                pairs[(a, b)].append(c)
            for a, b in zip(words, words[1:]):
                singles[a].append(b)
        # Contexts with one possible successor would copy their source verbatim: back off to order 1.
        self.pairs = {k: v for k, v in pairs.items() if len(set(v)) > 1}
        self.singles = dict(singles)

    def paragraph(self, rng: random.Random) -> str:
        target = rng.choice(self.lengths)
        a, b = rng.choice(self.starts)
        words = [a, b]
        while True:
            following = self.pairs.get((a, b)) or self.singles.get(b)
            if following is None:
                a, b = rng.choice(self.starts)
                words += [a, b]
                continue
            a, b = b, rng.choice(following)
            words.append(b)
            if len(words) >= target and b[-1] in ".!?" or len(words) >= 3 * target:
                return " ".join(words)


class Generator:
    """Documents in a fixed order for a seed (see the module docstring)."""

    def __init__(self, sources: Sources, seed: int) -> None:
        self.rng = random.Random(seed)
        self.sources = sources
        self.fresh = list(sources.paragraphs)
        self.rng.shuffle(self.fresh)
        self.fresh.reverse()  # pop() from the end
        by_script: dict[str, list[str]] = defaultdict(list)
        for text in sources.paragraphs:
            by_script[script(text)].append(text)
        # One chain per script, so that a paragraph never wanders from English into Russian; each script
        # is drawn as often as its paragraphs occur in the sources.
        self.babblers = {name: Babbler(texts) for name, texts in sorted(by_script.items()) if len(texts) >= 20}
        self.scripts = [script(text) for text in sources.paragraphs if script(text) in self.babblers]
        self.pool = WordPool(sources.paragraphs)
        self.recent: list[str] = []
        self.bodies: list[list[str]] = []
        self.count = 0

    def _line(self, families: tuple[str, ...]) -> str:
        return self.rng.choice(self.sources.boilerplate[self.rng.choice(families)])

    def _byline(self) -> str:
        rng = self.rng
        return rng.choice([
            f"By {rng.choice(NAMES)}",
            f"By {rng.choice(NAMES)} and {rng.choice(NAMES)}",
            f"Published {rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(2015, 2024)}, {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d} GMT",
            f"{rng.randint(2, 59)} minutes ago",
            f"Updated {rng.choice(MONTHS)} {rng.randint(1, 28)}, {rng.randint(2015, 2024)}",
            self._line(BYLINE_FAMILIES),
        ])

    def _body_paragraph(self) -> str:
        rng = self.rng
        if self.recent and rng.random() < COPY_RATE:
            original = rng.choice(self.recent)
            if rng.random() < VERBATIM_COPY_RATE or len(original.split()) < 8:
                return original
            return " ".join(rng.choice(EDITS)(original, rng, self.pool).split())
        text = self.fresh.pop() if self.fresh else self.babblers[rng.choice(self.scripts)].paragraph(rng)
        self.recent.append(text)
        if len(self.recent) > 2 * RECENT:
            del self.recent[:RECENT]
        return text

    def document(self) -> dict[str, str]:
        rng = self.rng
        n = self.count
        self.count += 1
        lines = [self._line(HEADER_FAMILIES + ("page", "page")) for _ in range(rng.randint(0, 5))]
        if self.bodies and rng.random() < SYNDICATED_RATE:
            body = list(rng.choice(self.bodies[-RECENT:]))
        else:
            body = [self._body_paragraph() for _ in range(rng.randint(3, 14))]
            self.bodies.append(body)
            if len(self.bodies) > 2 * RECENT:
                del self.bodies[:RECENT]
        title = " ".join(body[0].split()[: rng.randint(5, 12)]).rstrip(",.;:")
        lines.append(title)
        lines += [self._byline() for _ in range(rng.randint(0, 2))]
        for paragraph in body:
            lines.append(paragraph)
            if rng.random() < INLINE_BOILERPLATE_RATE:
                lines.append(self._line(INLINE_FAMILIES))
        lines += [self._line(FOOTER_FAMILIES + ("page",)) for _ in range(rng.randint(0, 4))]
        text = ("\n" if rng.random() < 0.5 else "\n\n").join(lines)
        if rng.random() < MOJIBAKE_RATE:
            text = text.encode("utf-8").decode("sloppy-windows-1252")
        slug = "-".join(re.findall(r"\w+", title.lower())[:6])
        url = f"https://www.{rng.choice(SITES)}.example/{rng.randint(2015, 2024)}/{slug}-{n}"
        return {"id": f"news-{n:08d}", "url": url, "text": text}

    def lines(self, size: int) -> Iterator[str]:
        """JSONL lines until `size` bytes are reached (the last line crosses it)."""
        written = 0
        while written < size:
            line = json.dumps(self.document(), ensure_ascii=False) + "\n"
            written += len(line.encode("utf-8"))
            yield line


def corpus_path(size: int, seed: int, cache_dir: Path = DEFAULT_CACHE) -> Path:
    return cache_dir / f"news-{size}-seed{seed}-v{GENERATOR_VERSION}.jsonl"


def ensure_corpus(size: int, seed: int = 0, cache_dir: Path = DEFAULT_CACHE, sources: Sources | None = None) -> Path:
    """The corpus of `size` bytes for `seed`, generated into the cache folder unless it is there already."""
    path = corpus_path(size, seed, cache_dir)
    if path.exists():
        return path
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            handle.writelines(Generator(sources or load_sources(), seed).lines(size))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="10MB", help="corpus size, e.g. 200KB, 10MB, 100MB, 1GB (default 10MB)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args(argv)
    print(ensure_corpus(parse_size(args.size), args.seed, args.cache_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
