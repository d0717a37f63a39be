"""The `dedup` command: `dedup clean INPUT... --out DIR` and `dedup rules`."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import Any, NoReturn

import click

from .boilerplate import load_rules
from .config import DedupConfig, DuplicateConfig
from .errors import DedupError, Terminated
from .runner import ON_ERROR, Progress, clean_files

_DUP = DuplicateConfig()


class _Command(click.Command):
    """Turns DedupError into one line on stderr and its exit code: never a traceback for a user mistake.
    An interrupted run exits with 130 (SIGINT) or 143 (SIGTERM), its complete outputs kept."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DedupError as err:
            click.echo(f"dedup: error: {err}", err=True)
            ctx.exit(err.exit_code)
        except OSError as err:  # writing the output or the report: a full disk, a read-only folder
            click.echo(f"dedup: error: {err.filename or ''}: {err.strerror or err}", err=True)
            ctx.exit(1)
        except KeyboardInterrupt as err:
            click.echo("dedup: interrupted; no output file was left half-written; --resume finishes the run", err=True)
            ctx.exit(143 if isinstance(err, Terminated) else 130)


def _terminate(signum: int, frame: object) -> NoReturn:
    raise Terminated()


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
@click.option("--jobs", type=click.IntRange(1), default=1, show_default=True, help="Worker processes for repair, stripping and fingerprinting.")
@click.option("--progress/--no-progress", default=None, help="Show progress on stderr [default: when stderr is a terminal].")
@click.option("--on-error", type=click.Choice(ON_ERROR), default="fail", show_default=True,
              help="An unreadable file or malformed record: fail (stop, write nothing) or skip it (listed; exit 1).")
@click.option("--overwrite", is_flag=True, help="Clean into an --out that holds files: replace this run's outputs, leave other files.")
@click.option("--resume", is_flag=True, help="Finish an interrupted run in --out (same inputs and options) to the same result.")
def clean(inputs: tuple[str, ...], out: str, report: str | None, text_field: str, id_field: str, jobs: int,
          progress: bool | None, on_error: str, overwrite: bool, resume: bool, **options: Any) -> None:
    """Clean INPUT (folders of .txt, .txt files, .jsonl or .jsonl.gz files) into --out.

    Output mirrors the input: same relative file names, same JSON fields with the text replaced.
    A document left with no text is not written. A summary goes to stderr. Exit status: 0 all done,
    1 some inputs skipped (listed) or a run that could not finish, 2 usage error, 130/143 interrupted.
    """
    config = DedupConfig.from_options(**options)
    show = sys.stderr.isatty() if progress is None else progress
    failed: list[str] = []
    main_thread = threading.current_thread() is threading.main_thread()  # signals can only be handled there
    previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
    try:
        summary = clean_files(list(inputs), out, config, report=report, text_field=text_field, id_field=id_field, jobs=jobs,
                              progress=Progress(show), warn=lambda msg: click.echo(f"dedup: warning: {msg}", err=True),
                              on_error=on_error, failed=failed.append, overwrite=overwrite, resume=resume)
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    for message in failed:
        click.echo(f"dedup: skipped: {message}", err=True)
    click.echo(summary.render(), err=True)
    if failed:
        click.echo(f"dedup: {len(failed):,} inputs skipped (listed above); the rest is cleaned", err=True)
        click.get_current_context().exit(1)


@main.command(cls=_Command)
@_rule_options
def rules(rules: tuple[str, ...], disable: tuple[str, ...]) -> None:
    """List the boilerplate rules that `clean` would apply: id, unit and description."""
    for rule in load_rules(rules, disable):
        click.echo(f"{rule.id:<40} {rule.unit:<9} {rule.description}")
