"""The `dedup` command: `dedup clean INPUT... --out DIR`, and the commands around it: `explain` and
`restore` (read a run's report), `rules` (list and try the boilerplate rules) and `config show`."""

from __future__ import annotations

import logging
import os
import signal
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import Any, NoReturn

import click

from .boilerplate import Stripper, load_rules
from .config import DedupConfig, DuplicateConfig
from .corpus import Source, atomic_writer
from .errors import ConfigError, DedupError, Terminated
from .executors import EXECUTORS
from .fingerprint import lsh_params
from .html_report import render_html
from .pipeline import Cleaned
from .records import Line
from .remote import location
from .repair import repair_lines
from .review import REASONS, read_report, render_explain, restore_filter, review_corpus
from .runner import ON_ERROR, Progress, clean_files, write_source
from .settings import find_settings, load_settings, to_toml, validate
from .streams import STDIO, silence_stdout

LOG = logging.getLogger("dedup")

_DUP = DuplicateConfig()


class _Command(click.Command):
    """Turns DedupError into one line on stderr and its exit code: never a traceback for a user mistake.
    An interrupted run exits with 130 (SIGINT) or 143 (SIGTERM), its complete outputs kept. A reader that
    closed stdout early (`| head`) ends the command quietly, with status 141 (SIGPIPE's)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # here, not at exit, so that a broken pipe is caught below
            return result
        except BrokenPipeError:
            silence_stdout()
            ctx.exit(141)
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


class _Group(_Command, click.Group):
    """A command group whose own options fail the same way as a command's: one line, no traceback."""


class _SettingsError(click.ClickException):
    """A settings file that cannot be used: one line naming the file and key, exit status 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"dedup: error: {self.message}", err=True)


# Settings a command does not take from the settings file even though it has the option: `restore`
# writes a corrected copy, never over the folder that `clean` writes to.
_NOT_FROM_SETTINGS = {"restore": {"out"}}


def _apply_settings(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """Eager --config callback: read the settings file (given, or found in the working directory) and
    make it the command's default_map, so flags on the command line still override it."""
    path = Path(value) if value else find_settings()
    if path is None:
        return None
    try:
        values = validate(path, load_settings(path), main.commands["clean"], ctx)
    except DedupError as err:
        raise _SettingsError(str(err)) from None
    names = {p.name for p in ctx.command.params} - _NOT_FROM_SETTINGS.get(ctx.info_name or "", set())
    ctx.default_map = {**(ctx.default_map or {}), **{k: v for k, v in values.items() if k in names}}
    ctx.meta["dedup.settings"] = (path, values)
    return path


def _config_option(f: Any) -> Any:
    return click.option("--config", type=click.Path(dir_okay=False, exists=True), is_eager=True, expose_value=False,
                        callback=_apply_settings,
                        help="Settings file [default: ./dedup.toml, or [tool.dedup] in ./pyproject.toml].")(f)


class _StderrHandler(logging.Handler):
    """Log records as `dedup: level: message` on the stderr of the moment (click's test runner swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"dedup: {record.levelname.lower()}: {record.getMessage()}", err=True)


def _log_level(quiet: bool = False, verbose: bool = False) -> None:
    if quiet and verbose:
        raise click.UsageError("--quiet and --verbose exclude each other")
    LOG.setLevel(logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dedup-corpus")
def main() -> None:
    """Clean scraped text: repair Unicode, strip boilerplate, keep each paragraph once."""
    if not any(isinstance(h, _StderrHandler) for h in LOG.handlers):
        LOG.addHandler(_StderrHandler())
    _log_level()


@main.command(cls=_Command)
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--out", required=True, type=click.Path(file_okay=False, allow_dash=True),
              help="Folder or storage URL for the cleaned corpus (mirrors the input), or - for JSONL on stdout.")
@click.option("--report", type=click.Path(dir_okay=False), help="Write one JSON line per removal to this file (or storage URL).")
@click.option("--text-field", default="text", show_default=True, help="JSONL field or Parquet column holding the text.")
@click.option("--id-field", default="id", show_default=True, help="JSONL field or Parquet column naming the document in reports.")
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
@click.option("--jobs", type=click.IntRange(1), default=1, show_default=True,
              help="Worker processes for repair, stripping, fingerprinting, the LSH bands and writing.")
@click.option("--executor", type=click.Choice(EXECUTORS), default="local", show_default=True,
              help="Where phase A runs: local worker processes (--jobs), or Ray tasks, with each file's reading and writing "
                   "and the LSH band grouping (pip install 'dedup-corpus[ray]').")
@click.option("--ray-address", metavar="ADDRESS",
              help="Ray cluster to join with --executor ray (auto: the one `ray start` runs here) [default: start a local Ray].")
@click.option("--progress/--no-progress", default=None,
              help="Show progress on stderr [default: when stderr is a terminal, not in CI (CI set) and not --quiet].")
@click.option("--on-error", type=click.Choice(ON_ERROR), default="fail", show_default=True,
              help="An unreadable file or malformed record: fail (stop, write nothing) or skip it (listed; exit 1).")
@click.option("--overwrite", is_flag=True, help="Clean into an --out that holds files: replace this run's outputs, leave other files.")
@click.option("--resume", is_flag=True, help="Finish an interrupted run in --out (same inputs and options) to the same result.")
@click.option("--report-html", type=click.Path(dir_okay=False),
              help="Write a self-contained HTML page: the summary, and every document with its removals struck through.")
@click.option("--quiet", "-q", is_flag=True, help="Print errors only: no progress, warnings or summary.")
@click.option("--verbose", "-v", is_flag=True, help="Also print what the run does (info messages).")
@_config_option
def clean(inputs: tuple[str, ...], out: str, report: str | None, text_field: str, id_field: str, jobs: int,
          executor: str, ray_address: str | None, progress: bool | None, index: str | None, on_error: str, overwrite: bool, resume: bool,
          report_html: str | None, quiet: bool, verbose: bool, **options: Any) -> None:
    """Clean INPUT (folders, .txt, .jsonl, .jsonl.gz or .parquet files; - for JSONL on stdin; storage
    URLs such as s3://bucket/corpus with the remote extra) into --out.

    Output mirrors the input: same relative file names, same JSON fields or Parquet columns with the
    text replaced. A document left with no text is not written. With --out -, the kept documents of
    every input go to stdout as JSON lines, in input order. A summary goes to stderr. Exit status: 0 all
    done, 1 some inputs skipped (listed) or a run that could not finish, 2 usage error, 130/143 interrupted.
    """
    _log_level(quiet, verbose)
    if report_html and STDIO in inputs:
        raise ConfigError("--report-html reads the input a second time, which stdin (-) cannot give; save stdin to a file first")
    _log_settings()
    config = DedupConfig.from_options(**options)
    dup = config.duplicates
    if dup.find_duplicates:
        bands, rows = lsh_params(dup.threshold, dup.num_perm, dup.false_positive_weight, dup.false_negative_weight)
        LOG.info("near-duplicates: %s %d-grams, %d permutations as %d bands x %d rows, threshold %g",
                 dup.shingle, dup.shingle_size, dup.num_perm, bands, rows, dup.threshold)
    show = progress_wanted(progress, quiet, sys.stderr.isatty(), os.environ)
    failed: list[str] = []
    main_thread = threading.current_thread() is threading.main_thread()  # signals can only be handled there
    previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
    try:
        with tempfile.TemporaryDirectory(prefix="dedup-") as tmp:
            report_path = report or (str(Path(tmp) / "report.jsonl") if report_html else None)
            summary = clean_files(list(inputs), out, config, report=report_path, text_field=text_field, id_field=id_field,
                                  jobs=jobs, executor=executor, ray_address=ray_address, progress=Progress(show), warn=LOG.warning, index=index,
                                  on_error=on_error, failed=failed.append, overwrite=overwrite, resume=resume)
            LOG.info("wrote %d documents to %s", summary.documents_out, out)
            if report:
                LOG.info("wrote the report of %d removals to %s", summary.removals.total(), report)
            if report_html and report_path:
                reviews = review_corpus(inputs, report_path, config, text_field, id_field)
                with atomic_writer(location(report_html)) as handle:
                    handle.write(render_html(reviews, summary, title=f"dedup report: {' '.join(inputs)}"))
                LOG.info("wrote the HTML report to %s", report_html)
    finally:
        if main_thread:
            signal.signal(signal.SIGTERM, previous)
    for message in failed:
        click.echo(f"dedup: skipped: {message}", err=True)
    if not quiet:
        click.echo(summary.render(), err=True)
    if failed:
        click.echo(f"dedup: {len(failed):,} inputs skipped (listed above); the rest is cleaned", err=True)
        click.get_current_context().exit(1)


def progress_wanted(flag: bool | None, quiet: bool, terminal: bool, environ: Any) -> bool:
    """--progress or --no-progress when given; else only on a terminal, outside CI and without --quiet.

    >>> progress_wanted(None, False, True, {}), progress_wanted(None, False, True, {"CI": "true"})
    (True, False)
    """
    if flag is not None:
        return flag
    return terminal and not environ.get("CI") and not quiet


def _log_settings() -> None:
    """Say which settings file the command took its defaults from (an info message)."""
    found = click.get_current_context().meta.get("dedup.settings")
    if found:
        LOG.info("settings from %s: %s", found[0], ", ".join(sorted(found[1])) or "none")




def _review_options(f: Any) -> Any:
    """The options that rebuild documents from a report; `clean`'s names, read from the same settings."""
    f = click.option("--id-field", default="id", show_default=True, help="JSONL field or Parquet column naming the document in reports.")(f)
    f = click.option("--text-field", default="text", show_default=True, help="JSONL field or Parquet column holding the text.")(f)
    f = click.option("--paragraphs", type=click.Choice(["auto", "lines", "blocks"]), default="auto", show_default=True,
                     help="As given to clean.")(f)
    f = click.option("--repair", type=click.Choice(["conservative", "aggressive", "off"]), default="conservative",
                     show_default=True, help="As given to clean.")(f)
    f = click.option("--report", required=True, type=click.Path(dir_okay=False, exists=True),
                     help="The JSONL report written by clean --report.")(f)
    return _config_option(f)


@main.group(cls=_Group, invoke_without_command=True)
@_rule_options
@_config_option
@click.pass_context
def rules(ctx: click.Context, rules: tuple[str, ...], disable: tuple[str, ...]) -> None:
    """List the boilerplate rules (`rules` alone or `rules list`), or try them on lines (`rules test`)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(rules_list)


@rules.command("list", cls=_Command)
@_rule_options
@_config_option
@click.pass_context
def rules_list(ctx: click.Context, rules: tuple[str, ...], disable: tuple[str, ...]) -> None:
    """List the boilerplate rules that `clean` would apply: id, unit and description."""
    for rule in load_rules(*_rule_choice(ctx, rules, disable)):
        click.echo(f"{rule.id:<40} {rule.unit:<9} {rule.description}")


@rules.command("test", cls=_Command)
@click.argument("lines", nargs=-1, required=True)
@_rule_options
@_config_option
@click.pass_context
def rules_test(ctx: click.Context, lines: tuple[str, ...], rules: tuple[str, ...], disable: tuple[str, ...]) -> None:
    """Say which rules fire on each LINE (repaired first, as in clean) and what is left of it.

    Each LINE is tried alone, as a one-line document: `edge` rules, which apply only outside a
    document's prose, never fire on it. Exit status 1 when no rule fired on any.
    """
    stripper = Stripper(load_rules(*_rule_choice(ctx, rules, disable)))
    fired = False
    for text in lines:
        repaired = " ".join(repair_lines(text.splitlines() or [""]))
        kept, hits = stripper.strip_lines([Line(1, repaired)])
        click.echo(f"line:  {repaired}")
        for hit in hits:
            click.echo(f"rule:  {hit.rule}  removes {hit.text!r}")
        if not hits:
            click.echo("rule:  none fires")
        left = " ".join(line.text for line in kept if line.text)
        click.echo(f"left:  {left if left else '(nothing)'}")
        fired = fired or bool(hits)
    if not fired:
        ctx.exit(1)


def _rule_choice(ctx: click.Context, rules: tuple[str, ...], disable: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Rule files and disabled families given to `rules` itself and to its subcommand (or read by both
    from the settings file), together and each once."""
    outer = ctx.parent.params if ctx.parent is not None and ctx.parent.info_name == "rules" else {}
    return tuple(dict.fromkeys((*outer.get("rules", ()), *rules))), tuple(dict.fromkeys((*outer.get("disable", ()), *disable)))


@main.command(cls=_Command)
@click.argument("doc")
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@_review_options
@click.option("--color/--no-color", default=None, help="Colour and strike-through [default: when stdout is a terminal].")
def explain(doc: str, inputs: tuple[str, ...], report: str, repair: str, paragraphs: str, text_field: str, id_field: str,
            color: bool | None) -> None:
    """Print document DOC of INPUT with its removals inline: why each line or sentence went.

    DOC is the document's id in the report: a .txt file's path relative to its input folder, or a
    JSONL record's id. INPUT and the options are those given to clean.
    """
    config = DedupConfig.from_options(repair=repair, paragraphs=paragraphs)
    colour = sys.stdout.isatty() if color is None else color
    for _, review in review_corpus(inputs, report, config, text_field, id_field, only=doc, warn=LOG.warning):
        click.echo(render_explain(review, colour), color=colour)


@main.command(cls=_Command)
@click.argument("inputs", nargs=-1, required=True, type=click.Path())
@click.option("--out", required=True, type=click.Path(file_okay=False, allow_dash=True),
              help="Folder for the corrected corpus (mirrors the input), or - for JSONL on stdout.")
@click.option("--reason", "reasons", multiple=True, type=click.Choice(REASONS), help="Put back every removal of this reason (repeatable).")
@click.option("--rule", "rule_ids", multiple=True, metavar="RULE",
              help="Put back the removals of this boilerplate rule id or rule family (repeatable).")
@_review_options
def restore(inputs: tuple[str, ...], out: str, report: str, reasons: tuple[str, ...], rule_ids: tuple[str, ...], repair: str,
            paragraphs: str, text_field: str, id_field: str) -> None:
    """Undo chosen removals: rebuild the cleaned corpus of INPUT from --report into --out with the
    removals of each --reason and --rule put back (none given: the cleaned output as it was).

    INPUT and the options are those given to clean. Every document is rebuilt before anything is written.
    """
    config = DedupConfig.from_options(repair=repair, paragraphs=paragraphs)
    put_back = restore_filter(reasons, rule_ids)
    known = {e.removal.rule for entries in read_report(report).values() for e in entries}
    for rule in rule_ids:
        if not any(r and (r == rule or r.startswith(rule + ".")) for r in known):
            LOG.warning("%s: no removal of rule %r in this report", report, rule)
    rebuilt = [(source, review) for source, review in review_corpus(inputs, report, config, text_field, id_field,
                                                                     restore=put_back, out=out, warn=LOG.warning)]
    counts: Counter[str] = Counter()
    by_source: dict[str, tuple[Source, list[Cleaned]]] = {}
    for source, review in rebuilt:
        counts.update(e.removal.reason for e in review.entries if put_back(e.removal))
        cleaned = Cleaned(review.doc.id, review.doc.source, review.text, fields=review.doc.fields)
        by_source.setdefault(source.relative, (source, []))[1].append(cleaned)
    for source, docs in by_source.values():
        write_source(location(out), source, docs, text_field, replacing=False, id_field=id_field)
    done = ", ".join(f"{reason} {n}" for reason, n in sorted(counts.items())) or "nothing"
    click.echo(f"restored: {done}; {len(rebuilt)} documents written to {out}", err=True)


@main.group(cls=_Group)
def config() -> None:
    """The settings `clean` runs with: defaults, a settings file, then the command line."""


@config.command("show", cls=_Command)
@_config_option
@click.pass_context
def config_show(ctx: click.Context) -> None:
    """Print the effective settings of `clean` as TOML: its defaults overridden by the settings file."""
    found = ctx.meta.get("dedup.settings")
    path, values = found if found else (None, {})
    clean_command = main.commands["clean"]
    clean_ctx = click.Context(clean_command)
    effective: dict[str, Any] = {}
    for param in clean_command.params:
        if isinstance(param, click.Option) and param.name and param.name != "config":
            value = values[param.name] if param.name in values else param.get_default(clean_ctx)
            if not isinstance(value, str | int | float | tuple | list):  # no default (left out), or none given
                value = () if param.multiple else None
            effective[param.name] = value
    click.echo(f"# dedup settings: defaults{f', then {path}' if path else ''}")
    click.echo(to_toml(effective))
