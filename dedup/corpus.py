"""Readers and writers: folders of .txt files, JSON Lines (.jsonl, .jsonl.gz) and Parquet, mirrored on
output, every file written atomically; `-` for JSONL on stdin and stdout (streams.py)."""

from __future__ import annotations

import gzip
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ftfy import guess_bytes

from .errors import ConfigError, InputError, where
from .parquet_io import read_parquet, require_pyarrow
from .records import Document
from .streams import STDIO, open_stdin

SUFFIXES = (".txt", ".jsonl", ".jsonl.gz", ".parquet")


@dataclass(frozen=True)
class Source:
    """One input file: where it is, its name relative to its input root (mirrored under --out); stdin is
    relative `-`."""

    path: Path
    relative: str

    @property
    def kind(self) -> str:
        if self.is_stdin:
            return ".jsonl"
        return next(s for s in SUFFIXES[::-1] if self.path.name.endswith(s))

    @property
    def is_stdin(self) -> bool:
        return self.relative == STDIO

    @property
    def output(self) -> str:
        """The file name under --out: the relative name, `stdin.jsonl` for `-`."""
        return "stdin.jsonl" if self.is_stdin else self.relative


def _supported(path: Path) -> bool:
    return path.name.endswith(SUFFIXES)


def discover(inputs: Iterable[str | os.PathLike[str]], out: str | os.PathLike[str] | None = None) -> list[Source]:
    """List the input files in order (folders recursively, sorted), refusing what cannot work. `-` is
    JSONL on stdin (once at most); `out` `-` is stdout, which cannot take Parquet."""
    sources: list[Source] = []
    out_dir = Path(out).resolve() if out is not None and str(out) != STDIO else None
    for given in inputs:
        if str(given) == STDIO:
            if any(s.is_stdin for s in sources):
                raise ConfigError("-: stdin given twice as an input; it can be read once")
            sources.append(Source(Path("<stdin>"), STDIO))
            continue
        path = Path(given)
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        resolved = path.resolve()
        if out_dir is not None and (out_dir == resolved or resolved in out_dir.parents):
            raise ConfigError(f"{out}: --out must not be the input folder or inside it ({path})")
        if out_dir is not None and out_dir in resolved.parents:
            raise ConfigError(f"{path}: input lies inside --out {out}; choose an output folder apart from the input")
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and _supported(p))
            if not found:
                raise InputError(f"{path}: no {', '.join(SUFFIXES)} files in this folder")
            sources.extend(Source(p, p.relative_to(path).as_posix()) for p in found)
        elif _supported(path):
            sources.append(Source(path, path.name))
        else:
            raise InputError(f"{path}: unsupported file type; give a folder or a {', '.join(SUFFIXES)} file")
    names: dict[str, Path] = {}
    for source in sources:
        if source.output in names:
            raise InputError(f"{source.path}: same output name {source.output!r} as {names[source.output]}")
        names[source.output] = source.path
        if source.kind == ".parquet":
            if out is not None and str(out) == STDIO:
                raise ConfigError(f"{source.path}: --out - writes JSON Lines, which cannot keep Parquet's column types; give --out a folder")
            require_pyarrow(source.path)
    return sources


def decode(data: bytes) -> tuple[str, str | None]:
    """Decode a text file: UTF-8 (with or without BOM), else the encoding ftfy guesses (returned)."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        text, encoding = guess_bytes(data)
        return text, encoding


def read_source(source: Source, order: int, text_field: str = "text", id_field: str = "id",
                warn: Any = None) -> Iterator[Document]:
    """Yield the documents of one input file, numbered in input order from `order`."""
    if source.kind == ".parquet":
        yield from read_parquet(source, order, text_field, id_field, warn)
        return
    try:
        if source.kind == ".txt":
            text, encoding = decode(source.path.read_bytes())
            if encoding and warn:
                warn(f"{source.path}: not UTF-8; decoded as {encoding}")
            yield Document(source.relative, text, source.relative, order)
            return
        with _open_jsonl(source) as handle:
            for number, raw in enumerate(handle, 1):
                if not raw.strip():
                    continue
                yield _parse_record(raw, source, number, order, text_field, id_field)
                order += 1
    except OSError as err:
        raise InputError(f"{source.path}: cannot read: {err.strerror or err}") from None
    except (UnicodeDecodeError, EOFError, gzip.BadGzipFile) as err:
        raise InputError(f"{source.path}: cannot read: {err}") from None


@contextmanager
def _open_jsonl(source: Source) -> Iterator[IO[str]]:
    if source.is_stdin:
        with open_stdin() as handle:
            yield handle
        return
    opener = gzip.open if source.kind == ".jsonl.gz" else open
    with opener(source.path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        yield handle


def _parse_record(raw: str, source: Source, number: int, order: int, text_field: str, id_field: str) -> Document:
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as err:
        raise InputError(f"{where(source.path, number)}: malformed JSON: {err.msg} (column {err.colno})") from None
    if not isinstance(record, dict):
        raise InputError(f"{where(source.path, number)}: expected a JSON object, found {type(record).__name__}")
    text = record.get(text_field)
    if not isinstance(text, str):
        state = "missing" if text_field not in record else f"a {type(text).__name__}, not a string"
        raise InputError(f"{where(source.path, number)}: field {text_field!r} is {state}; choose the text field with --text-field")
    ident = record.get(id_field)
    doc_id = str(ident) if ident is not None and ident != "" else f"{source.relative}:{number}"
    return Document(doc_id, text, source.relative, order, fields=record)


@contextmanager
def atomic_writer(path: Path, compress: bool = False) -> Iterator[IO[str]]:
    """Write text to a temporary file beside `path` and rename it over `path` only when all went well."""
    with atomic_file(path) as raw:
        if compress:
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz, _text(gz) as handle:
                yield handle
        else:
            with _text(raw) as handle:
                yield handle


@contextmanager
def atomic_file(path: Path) -> Iterator[IO[bytes]]:
    """The binary form of atomic_writer (Parquet writes through it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; output should read like any file the user writes
    try:
        with os.fdopen(fd, "wb") as raw:
            yield raw
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def _text(binary: IO[bytes]) -> Iterator[IO[str]]:
    wrapper = io.TextIOWrapper(binary, encoding="utf-8", newline="")
    try:
        yield wrapper
        wrapper.flush()
    finally:
        wrapper.detach()


def json_line(fields: dict[str, Any], text_field: str, text: str) -> str:
    """A JSONL record with its text replaced and every other field as it was, in the same order."""
    return json.dumps({**fields, text_field: text}, ensure_ascii=False) + "\n"
