"""The `dedup` command: `dedup clean INPUT... --out DIR` and `dedup rules`."""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from .boilerplate import load_rules
from .config import DedupConfig, DuplicateConfig
from .errors import DedupError
from .runner import Progress, clean_files

_DUP = DuplicateConfig()


class _Command(click.Command):
    """Turns DedupError into one line on stderr and its exit code: never a traceback for a user mistake."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DedupError as err:
            click.echo(f"dedup: error: {err}", err=True)
            ctx.exit(err.exit_code)
        except OSError as err:  # writing the output or the report: a full disk, a read-only folder
            click.echo(f"dedup: error: {err.filename or ''}: {err.strerror or err}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt:
            click.echo("dedup: interrupted; no output file was left half-written", err=True)
            ctx.exit(130)


def _rule_options(f: Any) -> Any:
    f = click.option("--rules", "rules", multiple=True, type=click.Path(dir_okay=False),
                     help="Extra TOML rule file (repeatable).")(f)
    f = click.option("--disable", multiple=True, metavar="FAMILY",
                     help="Switch off a rule family, e.g. --disable credits (repeatable).")(f)
    return f


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dedup-corpus")
def main() -> None:
    """Clean scraped text: repair Unicode, strip boilerplate, keep each paragraph once."""
    logger = logging.getLogger("dedup")
    if not any(isinstance(h, logging.StreamHandler) for h in logger.handlers):
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("dedup: warning: %(message)s"))
        logger.addHandler(handler)


@main.command(cls=_Command)
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder for the cleaned corpus (mirrors the input).")
@click.option("--report", type=click.Path(dir_okay=False), help="Write one JSON line per removal to this file.")
@click.option("--text-field", default="text", show_default=True, help="JSONL field holding the text.")
@click.option("--id-field", default="id", show_default=True, help="JSONL field naming the document in reports.")
@_rule_options
@click.option("--repair", type=click.Choice(["conservative", "aggressive", "off"]), default="conservative", show_default=True,
              help="conservative: fix mojibake only; aggressive: also ftfy's quote, width and NFC rewrites.")
@click.option("--paragraphs", type=click.Choice(["auto", "lines", "blocks"]), default="auto", show_default=True,
              help="How text splits into paragraphs: blank-line blocks, single lines, or auto.")
@click.option("--strip-boilerplate/--no-strip-boilerplate", default=True, show_default=True, help="Apply boilerplate rules.")
@click.option("--context/--no-context", default=True, show_default=True,
              help="Judge lines by their neighbours: keep a page's article span, drop what surrounds it.")
@click.option("--repeated-min-docs", type=click.IntRange(0), default=3, show_default=True,
              help="A non-prose line in this many documents (log2 of their count when larger) goes from all (0: off).")
@click.option("--find-duplicates/--no-find-duplicates", default=True, show_default=True, help="Remove duplicate paragraphs and repeated sentences.")
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True), default=_DUP.threshold, show_default=True,
              help="Jaccard similarity at which two paragraphs are duplicates.")
@click.option("--shingle", type=click.Choice(["char", "word"]), default=_DUP.shingle, show_default=True, help="Shingle kind.")
@click.option("--shingle-size", type=click.IntRange(1, 32), default=_DUP.shingle_size, show_default=True, help="Characters or words per shingle.")
@click.option("--num-perm", type=click.IntRange(2, 1024), default=_DUP.num_perm, show_default=True, help="MinHash permutations.")
@click.option("--seed", type=int, default=_DUP.seed, show_default=True, help="Seed of the MinHash permutations.")
@click.option("--false-positive-weight", type=click.FloatRange(0, 1), default=_DUP.false_positive_weight, show_default=True,
              help="Weight of false candidates when datasketch's optimiser picks bands x rows.")
@click.option("--false-negative-weight", type=click.FloatRange(0, 1), default=_DUP.false_negative_weight, show_default=True,
              help="Weight of missed candidates when datasketch's optimiser picks bands x rows.")
@click.option("--min-words", type=click.IntRange(0), default=_DUP.min_words, show_default=True,
              help="Shorter paragraphs are compared by exact normalised hash only.")
@click.option("--min-chars", type=click.IntRange(0), default=_DUP.min_chars, show_default=True,
              help="Shorter paragraphs are never removed as duplicates.")
@click.option("--min-sentence-words", type=click.IntRange(0), default=_DUP.min_sentence_words, show_default=True,
              help="Shorter sentences are never removed as repeats.")
@click.option("--keep", type=click.Choice(["first", "longest"]), default=_DUP.keep, show_default=True,
              help="Which copy of a cluster stays: the first in input order or the longest.")
@click.option("--source-priority", multiple=True, metavar="PATTERN",
              help="Prefer copies from documents whose file name or id matches this glob, e.g. 'wire/*' (repeatable, first wins).")
@click.option("--document-threshold", type=click.FloatRange(0, 1, min_open=True), default=_DUP.document_threshold, show_default=True,
              help="Drop a whole document when copies of other documents make up this share of its text.")
@click.option("--index", type=click.Path(file_okay=False),
              help="Folder of the fingerprints of paragraphs kept before: their copies go too; this run's kept paragraphs are added.")
@click.option("--jobs", type=click.IntRange(1), default=1, show_default=True, help="Worker processes for repair, stripping and fingerprinting.")
@click.option("--progress/--no-progress", default=None, help="Show progress on stderr [default: when stderr is a terminal].")
def clean(inputs: tuple[str, ...], out: str, report: str | None, text_field: str, id_field: str, jobs: int,
          progress: bool | None, index: str | None, **options: Any) -> None:
    """Clean INPUT (folders of .txt, .txt files, .jsonl or .jsonl.gz files) into --out.

    Output mirrors the input: same relative file names, same JSON fields with the text replaced.
    A document left with no text is not written. A summary goes to stderr.
    """
    config = DedupConfig.from_options(**options)
    show = sys.stderr.isatty() if progress is None else progress
    summary = clean_files(list(inputs), out, config, report=report, text_field=text_field, id_field=id_field,
                          jobs=jobs, progress=Progress(show), warn=lambda msg: click.echo(f"dedup: warning: {msg}", err=True),
                          index=index)
    click.echo(summary.render(), err=True)


@main.command(cls=_Command)
@_rule_options
def rules(rules: tuple[str, ...], disable: tuple[str, ...]) -> None:
    """List the boilerplate rules that `clean` would apply: id, unit and description."""
    for rule in load_rules(rules, disable):
        click.echo(f"{rule.id:<40} {rule.unit:<9} {rule.description}")
