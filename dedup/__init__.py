"""dedup: turn messy scraped text into a clean, canonical corpus.

Repair broken Unicode (ftfy), strip boilerplate lines and sentences (rules kept as data), and keep each
paragraph once across a corpus (MinHash LSH with verified similarity). The functions below work on
plain strings and iterables; `dedup clean` runs the same engine over files.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .boilerplate import Stripper, load_rules
from .config import BoilerplateConfig, DedupConfig, DuplicateConfig, RepairConfig
from .errors import ConfigError, DedupError, InputError, RuleError, WorkerError
from .executors import executor_for
from .index import CorruptIndexError, Index, load_index, save_index
from .pipeline import Cleaned, cluster_corpus, fingerprint, run
from .records import Document, Line, Removal
from .repair import join_lines, repair_text, split_lines

__all__ = [
    "BoilerplateConfig",
    "Cleaned",
    "Cluster",
    "ConfigError",
    "CorruptIndexError",
    "DedupConfig",
    "DedupError",
    "Document",
    "DuplicateConfig",
    "Index",
    "InputError",
    "Removal",
    "RepairConfig",
    "RuleError",
    "WorkerError",
    "clean_corpus",
    "clean_text",
    "find_duplicates",
    "load_index",
    "repair_text",
    "save_index",
    "strip_boilerplate",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())


def strip_boilerplate(text: str, config: DedupConfig | None = None, **options: Any) -> str:
    """Remove boilerplate lines, prefixes, suffixes and sentences from one text (no repair).

    >>> strip_boilerplate("Share this article\\nThe minister resigned on Monday. Sign up for our newsletter.")
    'The minister resigned on Monday.'
    """
    config = DedupConfig.from_options(config, **options)
    stripper = Stripper(load_rules(config.boilerplate.rules, config.boilerplate.disable))
    kept, _ = stripper.strip_lines([Line(n, t) for n, t in enumerate(split_lines(text), 1)])
    return join_lines([line.text for line in kept])


def clean_text(text: str, config: DedupConfig | None = None, **options: Any) -> str:
    """Clean one document: repair, strip boilerplate, drop repeated sentences and paragraphs.

    >>> clean_text("Skip to content\\nThe talks ended without a deal, officials said.\\n"
    ...            "The talks ended without a deal, officials said.")
    'The talks ended without a deal, officials said.'
    """
    cleaned = next(clean_corpus([text], config, **options))
    return cleaned.text or ""


@dataclass(frozen=True)
class Cluster:
    """Texts found to be copies of one another: `kept` is the copy kept (the first in input order, or
    the longest with keep="longest"); `duplicates` pairs each removed text's index with its verified
    similarity to the kept text (1.0 for a text contained in it)."""

    kept: int
    duplicates: tuple[tuple[int, float], ...]


def find_duplicates(texts: Iterable[str], config: DedupConfig | None = None, **options: Any) -> list[Cluster]:
    """Find near-duplicates among texts (each compared as one paragraph), without cleaning them. A text
    whose sentences all stand in a longer text (a headline repeated as a lead) is its duplicate.

    >>> a = "The ministers agreed on Tuesday to send more air defence systems to Ukraine before winter."
    >>> b = "The ministers agreed on Tuesday to send more air-defence systems to Ukraine before the winter."
    >>> find_duplicates([a, "Something else entirely, about the weather in Oslo today.", b])
    [Cluster(kept=0, duplicates=((2, 0.9297),))]
    """
    config = DedupConfig.from_options(config, **options)
    matches = cluster_corpus([fingerprint(list(texts), config.duplicates)], config)
    grouped: dict[int, list[tuple[int, float]]] = {}
    for match in matches:
        grouped.setdefault(match.kept, []).append((match.removed, round(match.similarity, 4)))
    return [Cluster(kept, tuple(dups)) for kept, dups in sorted(grouped.items())]


def clean_corpus(
    docs: Iterable[str | Mapping[str, Any] | Document],
    config: DedupConfig | None = None,
    *,
    text_field: str = "text",
    id_field: str = "id",
    jobs: int = 1,
    executor: str = "local",
    ray_address: str | None = None,
    index: Index | None = None,
    **options: Any,
) -> Iterator[Cleaned]:
    """Clean many documents together, as `dedup clean` does: each paragraph survives once across all.

    Documents are strings, mappings with a text field (other fields are carried in `Cleaned.fields`),
    or Document records. Yields one Cleaned per document, in input order; its `text` is None when
    nothing was left. `jobs` worker processes share phase A, or Ray tasks with `executor="ray"` (on the
    cluster at `ray_address`, else a local Ray); the result does not depend on either. With an
    `index` (load_index), copies of its paragraphs go too and the kept paragraphs are added to it
    (save_index writes it).

    >>> out = list(clean_corpus(["First story. It is long enough to count as a paragraph here.",
    ...                          "First story. It is long enough to count as a paragraph here."]))
    >>> [c.text for c in out], out[1].removals[0].reason
    (['First story. It is long enough to count as a paragraph here.', None], 'duplicate')
    """
    config = DedupConfig.from_options(config, **options)
    documents = (_as_document(doc, i, text_field, id_field) for i, doc in enumerate(docs))
    work = executor_for(config, executor, jobs, ray_address)
    return run(documents, config, work.prepare_all, index, map_bands=work.map_bands)


def _as_document(doc: str | Mapping[str, Any] | Document, order: int, text_field: str, id_field: str) -> Document:
    if isinstance(doc, Document):
        return Document(doc.id, doc.text, doc.source, order, doc.fields)
    if isinstance(doc, str):
        return Document(str(order), doc, "", order)
    if isinstance(doc, Mapping):
        text = doc.get(text_field)
        if not isinstance(text, str):
            raise InputError(f"document {order}: field {text_field!r} is missing or not a string")
        ident = doc.get(id_field)
        return Document(str(ident) if ident is not None else str(order), text, "", order, fields=dict(doc))
    raise InputError(f"document {order}: expected a string, a mapping or a Document, not {type(doc).__name__}")
