"""Readers and writers: folders of .txt files, JSON Lines (.jsonl, .jsonl.gz) and Parquet, mirrored on
output, every file written atomically; `-` for JSONL on stdin and stdout (streams.py); inputs and
outputs on storage URLs such as s3://bucket/corpus through fsspec (remote.py).

Reading never crashes on bad bytes: text is decoded by a fixed policy (`decode`), binary files are
skipped with a warning, and a file or record that cannot be read either stops the run (InputError) or,
when the caller passes `skip`, is left out and reported through it.
"""

from __future__ import annotations

import fnmatch
import glob
import gzip
import io
import json
import os
import secrets
import sys
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any, NamedTuple

import regex
from ftfy import guess_bytes

from .errors import ConfigError, DedupError, InputError, where
from .parquet_io import read_parquet, require_pyarrow
from .records import Document
from .remote import Url, is_url, location
from .streams import STDIO

SUFFIXES = (".txt", ".jsonl", ".jsonl.gz", ".parquet")
# A file whose first block holds a NUL byte (and no UTF-16/32 byte order mark) is binary, not text.
SNIFF_BYTES = 8192
# Byte order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))
# Bytes read at a time from a storage URL's file.
READ_BUFFER = 1 << 20
# Suffix of every temporary file dedup writes: a run killed outright leaves only these, removed on --resume.
TEMP_SUFFIX = ".dedup.tmp"
# Lone UTF-16 surrogates (from a JSON "\ud800" escape or a lenient decoder) cannot be written as UTF-8.
SURROGATE_PATTERN = regex.compile(r"[\ud800-\udfff]")

Warn = Callable[[str], None]
# What json.dumps(value, ensure_ascii=False) builds on every call, built once.
_UNESCAPED = json.JSONEncoder(ensure_ascii=False)


@dataclass(frozen=True)
class Source:
    """One input file: where it is (a Path, or a Url that any process can open), its name relative to its
    input root (mirrored under --out); stdin is relative `-`."""

    path: Path | Url
    relative: str

    @property
    def kind(self) -> str:
        return kind_of(self.relative)

    @property
    def is_stdin(self) -> bool:
        return self.relative == STDIO

    @property
    def output(self) -> str:
        """The file name under --out: the relative name, `stdin.jsonl` for `-`."""
        return "stdin.jsonl" if self.is_stdin else self.relative


def kind_of(relative: str) -> str:
    """The file type of the input named `relative` (a Source's relative name; stdin's is JSONL).

    >>> kind_of("news/part-1.jsonl.gz"), kind_of("-")
    ('.jsonl.gz', '.jsonl')
    """
    if relative == STDIO:
        return ".jsonl"
    return next(s for s in SUFFIXES[::-1] if relative.endswith(s))


def _supported(name: str) -> bool:
    return name.endswith(SUFFIXES)


def _ignore(message: str) -> None:
    pass


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def contains(folder: Path | Url, place: Path | Url) -> bool:
    """Whether `place` is `folder` or lies inside it, a storage URL or a local path on either side
    (a file:// URL and a local path name the same files).

    >>> contains(Url("file:///data/in"), Path("/data/in/cleaned")), contains(Url("memory://b/in"), Url("memory://b/input"))
    (True, False)
    """
    (protocol, inner), (outer_protocol, outer) = (_place(p) for p in (place, folder))
    return protocol == outer_protocol and _inside(inner, outer)


def relative_name(place: Path | Url, folder: Path | Url) -> str:
    """The name of `place` relative to `folder`, which contains it.

    >>> relative_name(Url("memory://bucket/out/logs/report.jsonl"), Url("memory://bucket/out"))
    'logs/report.jsonl'
    """
    return _place(place)[1].relative_to(_place(folder)[1]).as_posix()


def _place(where: Path | Url) -> tuple[str, PurePosixPath]:
    if isinstance(where, Url):
        protocol, path = where.key()
        return protocol, PurePosixPath(path)
    return "file", PurePosixPath(where.resolve().as_posix())


def _apart(given: Path | Url, out: Path | Url | None) -> None:
    """Refuse an --out that is an input or lies inside one, and an input inside --out."""
    if out is not None and contains(given, out):
        raise ConfigError(f"{where(out)}: --out must not be the input folder or inside it ({where(given)})")
    if out is not None and contains(out, given):
        raise ConfigError(f"{where(given)}: input lies inside --out {where(out)}; choose an output folder apart from the input")


def discover(inputs: Iterable[str | os.PathLike[str]], out: str | os.PathLike[str] | None = None,
             warn: Warn | None = None, skip: Warn | None = None) -> list[Source]:
    """List the input files in order (folders recursively, sorted by path), refusing what cannot work.

    Symbolic links inside a folder are followed only where they point inside that folder; a link out of
    it, a broken link, or a second way into a folder already read (a loop) is skipped with a warning.
    A folder that cannot be listed raises InputError, or goes to `skip` when given. `-` is JSONL on
    stdin (once at most); `out` `-` is stdout, which cannot take Parquet. A storage URL (`s3://...`) is
    listed recursively in the same order, its files read through fsspec.
    """
    warn = warn or _ignore
    sources: list[Source] = []
    out_place = location(out) if out is not None and str(out) != STDIO else None
    out_dir = out_place.resolve() if isinstance(out_place, Path) else None
    for given in inputs:
        if str(given) == STDIO:
            if any(s.is_stdin for s in sources):
                raise ConfigError("-: stdin given twice as an input; it can be read once")
            sources.append(Source(Path("<stdin>"), STDIO))
            continue
        if is_url(given):
            url = Url(str(given))
            _apart(url, out_place)
            sources.extend(_discover_url(url, skip))
            continue
        if isinstance(out_place, Url):
            _apart(Path(given), out_place)
        path = Path(given)
        if not path.exists():
            raise InputError(f"{where(path)}: no such file or folder")
        resolved = path.resolve()
        if out_dir is not None and _inside(out_dir, resolved):
            raise ConfigError(f"{where(out)}: --out must not be the input folder or inside it ({where(path)})")
        if out_dir is not None and out_dir in resolved.parents:
            raise ConfigError(f"{where(path)}: input lies inside --out {where(out)}; choose an output folder apart from the input")
        if path.is_dir():
            found = _walk(path, warn, skip)
            if not found:
                raise InputError(f"{where(path)}: no {', '.join(SUFFIXES)} files in this folder")
            sources.extend(Source(p, p.relative_to(path).as_posix()) for p in found)
        elif _supported(path.name):
            sources.append(Source(path, path.name))
        else:
            raise InputError(f"{where(path)}: unsupported file type; give a folder or a {', '.join(SUFFIXES)} file")
    names: dict[str, Path] = {}
    for source in sources:
        if source.output in names:
            raise InputError(f"{where(source.path)}: same output name {source.output!r} as {where(names[source.output])}")
        names[source.output] = source.path
        if source.kind == ".parquet":
            if out is not None and str(out) == STDIO:
                raise ConfigError(f"{where(source.path)}: --out - writes JSON Lines, which cannot keep Parquet's column types; give --out a folder")
            require_pyarrow(source.path)
    return sources


def _discover_url(url: Url, skip: Warn | None) -> list[Source]:
    """The supported files under a storage URL (a prefix, listed recursively), or the file it names."""
    try:
        if url.is_dir():
            names = [name for name in url.files() if _supported(name.rsplit("/", 1)[-1])]
            if not names:
                raise InputError(f"{where(url)}: no {', '.join(SUFFIXES)} files under this URL")
            return [Source(url / name, name) for name in names]
        if url.is_file():
            if not _supported(url.name):
                raise InputError(f"{where(url)}: unsupported file type; give a folder or a {', '.join(SUFFIXES)} file")
            return [Source(url, url.name)]
    except DedupError:
        raise
    except Exception as err:  # each filesystem raises its own errors (botocore's for missing credentials)
        message = f"{where(url)}: cannot list: {_reason(err)}"
        if skip is None:
            raise InputError(message) from None
        skip(message)
        return []
    raise InputError(f"{where(url)}: no such file or folder (or bucket)")


def _reason(err: BaseException) -> str:
    """The one-line reason of an OSError or of a filesystem's own error."""
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return f"{type(err).__name__}: {err}" if str(err) else type(err).__name__


def _walk(root: Path, warn: Warn, skip: Warn | None) -> list[Path]:
    """The supported files under `root`, depth first in name order (the order of sorted paths), without
    recursion (any depth) and reading each real folder once (link loops end)."""
    real_root = root.resolve()
    seen = {real_root}
    found: list[Path] = []
    stack = [(real_root, iter(_listing(root, skip)))]
    while stack:
        real_dir, entries = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        path = Path(entry.path)
        real = real_dir / entry.name
        if entry.is_symlink():
            real = path.resolve()
            if not real.exists():
                if _supported(entry.name):
                    warn(f"{where(path)}: broken symbolic link; skipped")
                continue
            if not _inside(real, real_root):
                warn(f"{where(path)}: symbolic link to {where(real)}, outside the input folder {where(root)}; skipped")
                continue
        if entry.is_dir():
            if real in seen:
                warn(f"{where(path)}: folder {where(real)} is already read (a link loop or a second link); skipped")
                continue
            seen.add(real)
            stack.append((real, iter(_listing(path, skip))))
        elif _supported(entry.name) and entry.is_file():
            found.append(path)
    return found


def _listing(folder: Path, skip: Warn | None) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda e: e.name)
    except OSError as err:
        message = f"{where(folder)}: cannot list folder: {err.strerror or err}"
        if skip is None:
            raise InputError(message) from None
        skip(message)
        return []


class Decoded(NamedTuple):
    """Text decoded from bytes: the encoding used and how many characters became U+FFFD."""

    text: str
    encoding: str
    replaced: int


def decode(data: bytes) -> Decoded:
    """Decode a text file by a fixed policy, never failing.

    1. A byte order mark names the encoding (UTF-8, UTF-16 or UTF-32).
    2. Valid UTF-8 is UTF-8.
    3. Mostly UTF-8 (at least as many valid non-ASCII characters as invalid sequences) is UTF-8 with
       each invalid sequence replaced by U+FFFD.
    4. Anything else is a legacy encoding: ftfy's guess (windows-1252 as a rule, MacRoman for CR-only
       line ends).
    Lone surrogates become U+FFFD too; `replaced` counts every U+FFFD the decoding put in.

    >>> decode("café".encode("cp1252"))
    Decoded(text='café', encoding='sloppy-windows-1252', replaced=0)
    >>> decode(b"caf\\xc3\\xa9 \\xe2\\x80 ok")[1:]
    ('utf-8', 1)
    """
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return _replaced(data.decode(encoding), encoding)
            except UnicodeDecodeError:  # a U+FFFD of the input itself is counted as replaced here
                return _replaced(data.decode(encoding, errors="replace"), encoding, 0)
    try:
        return _replaced(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    escaped = data.decode("utf-8", errors="surrogateescape")
    replaced = data.decode("utf-8", errors="replace")
    invalid = replaced.count("\ufffd") - escaped.count("\ufffd")
    escapes = len(SURROGATE_PATTERN.findall(escaped))  # one per invalid byte
    valid = len(escaped) - len(escaped.encode("ascii", errors="ignore")) - escapes
    if valid >= invalid:
        return _replaced(replaced, "utf-8", escaped.count("\ufffd"))
    text, encoding = guess_bytes(data)
    return _replaced(text, encoding)


def _replaced(text: str, encoding: str, already: int | None = None) -> Decoded:
    """Replace lone surrogates and count the U+FFFD characters that were not in the input (`already`:
    how many were; None when `text` comes from a strict decoding, where every U+FFFD was)."""
    if already is None:
        already = text.count("\ufffd")
    text = SURROGATE_PATTERN.sub("\ufffd", text)
    return Decoded(text, encoding, text.count("\ufffd") - already)


def read_source(source: Source, order: int, text_field: str = "text", id_field: str = "id",
                warn: Warn | None = None, skip: Warn | None = None) -> Iterator[Document]:
    """Yield the documents of one input file, numbered in input order from `order`.

    A binary file yields nothing, with a warning. A file or record that cannot be read raises InputError
    naming the file and line; with `skip`, the message goes to `skip` instead and reading goes on.
    """
    warn = warn or _ignore

    def fail(message: str) -> None:
        if skip is None:
            raise InputError(message)
        skip(message)

    if source.kind == ".parquet":
        yield from read_parquet(source, order, text_field, id_field, warn)
        return
    if source.kind != ".txt":
        yield from _read_jsonl(source, order, text_field, id_field, warn, fail)
        return
    try:
        data = source.path.read_bytes()
    except OSError as err:
        fail(f"{where(source.path)}: cannot read: {err.strerror or err}")
        return
    if _binary(data[:SNIFF_BYTES]):
        warn(f"{where(source.path)}: binary file (a NUL byte in its first {SNIFF_BYTES:,} bytes); skipped")
        return
    decoded = decode(data)
    notes = []
    if decoded.encoding not in ("utf-8", "utf-8-sig", "utf-16", "utf-32"):
        notes.append(f"not UTF-8; decoded as {decoded.encoding} (a guess)")
    if decoded.replaced:
        notes.append(f"{decoded.replaced:,} invalid characters replaced by U+FFFD")
    if notes:
        warn(f"{where(source.path)}: {'; '.join(notes)}")
    yield Document(source.relative, decoded.text, source.relative, order)


def _binary(head: bytes) -> bool:
    return b"\0" in head and not any(head.startswith(bom) for bom, _ in BOMS)


def _read_jsonl(source: Source, order: int, text_field: str, id_field: str, warn: Warn,
                fail: Callable[[str], None]) -> Iterator[Document]:
    """Records of a JSON Lines file, line by line. Invalid UTF-8 bytes in a line and lone surrogate
    escapes in a text field become U+FFFD, counted in one warning per file."""
    number = 0
    replaced, lines_replaced, first = 0, 0, 0
    try:
        with _open_jsonl(source) as handle:
            if not source.is_stdin:  # a pipe cannot be read twice
                if b"\0" in handle.read(SNIFF_BYTES):
                    warn(f"{where(source.path)}: binary file (a NUL byte in its first {SNIFF_BYTES:,} bytes); skipped")
                    return
                handle.seek(0)
            for number, raw in enumerate(handle, 1):
                if not raw.strip():
                    continue
                try:
                    line, bad = raw.decode("utf-8"), 0
                except UnicodeDecodeError:
                    line = raw.decode("utf-8", errors="replace")
                    bad = line.count("\ufffd") - raw.decode("utf-8", errors="ignore").count("\ufffd")
                if number == 1:
                    line = line.removeprefix("\ufeff")
                try:
                    doc, lone = _parse_record(line, source, number, order, text_field, id_field)
                except InputError as err:
                    fail(str(err))
                    continue
                if bad + lone:
                    replaced, lines_replaced, first = replaced + bad + lone, lines_replaced + 1, first or number
                yield doc
                order += 1
    except (OSError, EOFError, zlib.error) as err:
        reason = getattr(err, "strerror", None) or str(err) or type(err).__name__
        at = f" after line {number}" if number else ""
        fail(f"{where(source.path)}: cannot read{at}: {reason}")
    if replaced:
        warn(f"{where(source.path)}: {replaced:,} invalid characters replaced by U+FFFD in {lines_replaced:,} "
             f"records (first: line {first}); not valid UTF-8 or lone surrogates")


@contextmanager
def _open_jsonl(source: Source) -> Iterator[IO[bytes]]:
    """The bytes of a JSONL input: a file, a gzip file, or stdin (left open)."""
    if source.is_stdin:
        yield sys.stdin.buffer
        return
    if isinstance(source.path, Url):  # fsspec's files read a block per line: a buffer makes lines cheap
        with source.path.open("rb") as raw, io.BufferedReader(raw, READ_BUFFER) as buffered:
            if source.kind == ".jsonl.gz":
                with gzip.GzipFile(fileobj=buffered, mode="rb") as handle:
                    yield handle
            else:
                yield buffered
        return
    opener: Any = gzip.open if source.kind == ".jsonl.gz" else open
    with opener(source.path, "rb") as handle:
        yield handle


def _parse_record(line: str, source: Source, number: int, order: int, text_field: str, id_field: str) -> tuple[Document, int]:
    """The document of one JSONL line, and how many lone surrogates in its text became U+FFFD."""
    try:
        record = json.loads(line)
    except RecursionError:
        raise InputError(f"{where(source.path, number)}: malformed JSON: nested too deeply") from None
    except json.JSONDecodeError as err:
        raise InputError(f"{where(source.path, number)}: malformed JSON: {err.msg} (column {err.colno})") from None
    except ValueError as err:  # e.g. an integer of more digits than Python converts
        raise InputError(f"{where(source.path, number)}: malformed JSON: {err}") from None
    if not isinstance(record, dict):
        raise InputError(f"{where(source.path, number)}: expected a JSON object, found {type(record).__name__}")
    text = record.get(text_field)
    if not isinstance(text, str):
        state = "missing" if text_field not in record else f"a {type(text).__name__}, not a string"
        raise InputError(f"{where(source.path, number)}: field {text_field!r} is {state}; choose the text field with --text-field")
    lone = 0
    if "\\u" in line:
        text, lone = SURROGATE_PATTERN.subn("\ufffd", text)
    ident = record.get(id_field)
    doc_id = str(ident) if ident is not None and ident != "" else f"{source.relative}:{number}"
    return Document(doc_id, text, source.relative, order, fields=record), lone


@contextmanager
def atomic_writer(path: Path | Url, compress: bool = False) -> Iterator[IO[str]]:
    """Write text to a temporary file beside `path` and rename it over `path` only when all went well."""
    with atomic_file(path) as raw:
        if compress:
            # No name in the header (a file object's name would be the temporary one): same bytes anywhere.
            with gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as gz, _text(gz) as handle:
                yield handle
        else:
            with _text(raw) as handle:
                yield handle


def _temporary_name(name: str) -> str:
    """A fresh name for the temporary file beside output `name` (remove_temporary finds it by its form)."""
    return f".{name}.{secrets.token_hex(8)}{TEMP_SUFFIX}"


@contextmanager
def atomic_file(path: Path | Url) -> Iterator[IO[bytes]]:
    """The binary form of atomic_writer (Parquet writes through it). The temporary file goes on any error
    or interruption (KeyboardInterrupt, SIGTERM as dedup handles it), even one that lands while it is
    being created (its name is chosen first). A storage URL's output is written as _atomic_url says."""
    if isinstance(path, Url):
        with _atomic_url(path) as raw:
            yield raw
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / _temporary_name(path.name)
    try:
        # Mode 0666 less the umask: the output reads like any file the user writes.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        with os.fdopen(fd, "wb") as raw:
            yield raw
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextmanager
def _atomic_url(url: Url) -> Iterator[IO[bytes]]:
    """A file system with a rename gets a temporary file beside the output, moved into place; an object
    store, whose move would be a copy and a delete, gets the whole file in one put (atomic there) from a
    local temporary file, so that nothing reaches it before the file is complete."""
    if not url.renames():
        fd, local = tempfile.mkstemp(prefix="dedup-upload-", suffix=TEMP_SUFFIX)
        try:
            with os.fdopen(fd, "wb") as raw:
                yield raw
            url.put(local)
        finally:
            os.unlink(local)
        return
    tmp = url.parent / _temporary_name(url.name)
    try:
        with tmp.open("wb") as raw:
            yield raw
        tmp.move(url)
    except BaseException:
        with suppress(Exception):  # the error that stopped the write is the one to report
            tmp.unlink(missing_ok=True)
        raise


def remove_temporary(folder: Path | Url, name: str | None = None) -> int:
    """Delete the temporary files a killed run left (only dedup's own): all of them under `folder`, or
    only those of the file `name` in it. Return how many went."""
    if isinstance(folder, Url):
        own = f".{glob.escape(name)}.*{TEMP_SUFFIX}" if name is not None else f".*{TEMP_SUFFIX}"
        found = [f for f in folder.files(1 if name is not None else None) if fnmatch.fnmatchcase(f.rsplit("/", 1)[-1], own)]
        for relative in found:
            (folder / relative).unlink(missing_ok=True)
        return len(found)
    pattern = f".{glob.escape(name)}.*{TEMP_SUFFIX}" if name is not None else f"**/.*{TEMP_SUFFIX}"
    stale = [p for p in folder.glob(pattern) if p.is_file()]
    for path in stale:
        path.unlink(missing_ok=True)
    return len(stale)


@contextmanager
def _text(binary: IO[bytes]) -> Iterator[IO[str]]:
    wrapper = io.TextIOWrapper(binary, encoding="utf-8", newline="")
    try:
        yield wrapper
        wrapper.flush()
    finally:
        wrapper.detach()


def to_json(value: Any) -> str:
    """One line of JSON with text as written; lone surrogates (from an input's "\\ud800" escapes, which
    UTF-8 cannot hold) are written escaped instead.

    >>> to_json({"text": "café", "id": "\\ud800"})
    '{"text": "caf\\\\u00e9", "id": "\\\\ud800"}'
    """
    line = _UNESCAPED.encode(value)
    return json.dumps(value) if SURROGATE_PATTERN.search(line) else line


def json_line(fields: dict[str, Any], text_field: str, text: str) -> str:
    """A JSONL record with its text replaced and every other field as it was, in the same order."""
    return to_json({**fields, text_field: text}) + "\n"
