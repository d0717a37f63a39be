"""Options of every stage as frozen dataclasses, with one name per option in Python, TOML and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from .errors import ConfigError

RepairMode = Literal["conservative", "aggressive", "off"]
ParagraphMode = Literal["auto", "lines", "blocks"]
Shingle = Literal["char", "word"]
Keep = Literal["first", "longest"]


@dataclass(frozen=True)
class RepairConfig:
    """How text is repaired: `conservative` fixes mojibake and broken encodings only."""

    repair: RepairMode = "conservative"


@dataclass(frozen=True)
class BoilerplateConfig:
    """Which boilerplate rules run: the shipped ones, plus user rule files, minus disabled families.

    `context` judges what the rules left by each line's neighbours (the article span of a page);
    `repeated_min_docs` is the fewest documents a non-prose line must recur in to go from all of them as
    `repeated_boilerplate` (the bar rises with the corpus: log2 of its document count when larger; 0
    switches repetition off).
    """

    strip_boilerplate: bool = True
    rules: tuple[str, ...] = ()
    disable: tuple[str, ...] = ()
    context: bool = True
    repeated_min_docs: int = 3


@dataclass(frozen=True)
class DuplicateConfig:
    """How near-duplicate paragraphs and repeated sentences are found.

    Paragraphs are compared by the Jaccard similarity of their `shingle_size` character (or word)
    shingles after normalisation; MinHash with `num_perm` permutations estimates it and LSH finds
    candidates, which are verified against `threshold`. Paragraphs of fewer than `min_words` words are
    compared by exact normalised hash only; those under `min_chars` characters are never removed (a
    "Yes." or a one-word heading recurs naturally). Sentences of `min_sentence_words` words or more are
    kept once per document. Of a cluster, the copy kept comes from the document whose source (relative
    file name or id) matches the earliest pattern of `source_priority`, then by `keep`: `first` in input
    order or the `longest`. A document whose text is `document_threshold` or more copies of other
    documents goes whole.
    """

    find_duplicates: bool = True
    shingle: Shingle = "char"
    shingle_size: int = 5
    threshold: float = 0.5
    num_perm: int = 128
    seed: int = 1
    false_positive_weight: float = 0.1
    false_negative_weight: float = 0.9
    min_words: int = 10
    min_chars: int = 20
    min_sentence_words: int = 5
    keep: Keep = "first"
    source_priority: tuple[str, ...] = ()
    document_threshold: float = 0.9


@dataclass(frozen=True)
class DedupConfig:
    """Every option of a run; `paragraphs` says how a text splits into paragraphs."""

    repair: RepairConfig = field(default_factory=RepairConfig)
    boilerplate: BoilerplateConfig = field(default_factory=BoilerplateConfig)
    duplicates: DuplicateConfig = field(default_factory=DuplicateConfig)
    paragraphs: ParagraphMode = "auto"

    def __post_init__(self) -> None:
        validate(self)

    @classmethod
    def from_options(cls, config: DedupConfig | None = None, **options: Any) -> DedupConfig:
        """Return `config` (or the defaults) with flat options applied, each routed to its stage.

        >>> DedupConfig.from_options(threshold=0.6).duplicates.threshold
        0.6
        """
        config = config or cls()
        stages = {"repair": config.repair, "boilerplate": config.boilerplate, "duplicates": config.duplicates}
        top: dict[str, Any] = {}
        changes: dict[str, dict[str, Any]] = {name: {} for name in stages}
        for key, value in options.items():
            stage = next((name for name, part in stages.items() if key in _names(part)), None)
            if stage is not None:
                changes[stage][key] = tuple(value) if isinstance(value, list) else value
            elif key == "paragraphs":
                top[key] = value
            else:
                known = sorted({n for part in stages.values() for n in _names(part)} | {"paragraphs"})
                raise ConfigError(f"unknown option {key!r}; known options: {', '.join(known)}")
        parts = {name: replace(part, **changes[name]) for name, part in stages.items()}
        return replace(config, **parts, **top)


def _names(stage: object) -> set[str]:
    return {f.name for f in fields(stage)}  # type: ignore[arg-type]


def validate(config: DedupConfig) -> None:
    """Raise ConfigError for values that cannot work, saying which values would."""
    dup = config.duplicates
    if config.repair.repair not in ("conservative", "aggressive", "off"):
        raise ConfigError(f"repair must be conservative, aggressive or off, not {config.repair.repair!r}")
    if config.paragraphs not in ("auto", "lines", "blocks"):
        raise ConfigError(f"paragraphs must be auto, lines or blocks, not {config.paragraphs!r}")
    if dup.shingle not in ("char", "word"):
        raise ConfigError(f"shingle must be char or word, not {dup.shingle!r}")
    if dup.keep not in ("first", "longest"):
        raise ConfigError(f"keep must be first or longest, not {dup.keep!r}")
    if not 0.0 < dup.document_threshold <= 1.0:
        raise ConfigError(f"document_threshold must be in (0, 1], not {dup.document_threshold}")
    if not 0.0 < dup.threshold <= 1.0:
        raise ConfigError(f"threshold must be in (0, 1], not {dup.threshold}")
    if not 1 <= dup.shingle_size <= 32:
        raise ConfigError(f"shingle_size must be between 1 and 32, not {dup.shingle_size}")
    if not 2 <= dup.num_perm <= 1024:
        raise ConfigError(f"num_perm must be between 2 and 1024, not {dup.num_perm}")
    if config.boilerplate.repeated_min_docs < 0 or config.boilerplate.repeated_min_docs == 1:
        raise ConfigError(f"repeated_min_docs must be 0 (off) or 2 or more, not {config.boilerplate.repeated_min_docs}")
    if min(dup.min_words, dup.min_chars, dup.min_sentence_words) < 0:
        raise ConfigError("min_words, min_chars and min_sentence_words must not be negative")
