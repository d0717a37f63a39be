"""Parquet input and output (pyarrow, the `parquet` extra, imported only when a .parquet file is given):
documents are read a batch at a time from the text and id columns, and the output mirrors the input file
row group by row group with every column, type and the schema kept, only the text replaced and the rows
of documents left empty dropped. A file on a storage URL is read through its fsspec filesystem."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

from .errors import InputError
from .records import Document
from .remote import Url

if TYPE_CHECKING:
    from .corpus import Source

BATCH_ROWS = 1024  # rows read at a time: only the text and id columns, so memory stays small


def require_pyarrow(path: object) -> Any:
    """pyarrow's parquet module, or a one-line InputError naming the file and the extra that installs it."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(f"{path}: reading Parquet needs pyarrow; install it with pip install 'dedup-corpus[parquet]'") from None
    return pq


def _open(path: Path | Url) -> Any:
    pq = require_pyarrow(path)
    import pyarrow as pa

    try:
        if isinstance(path, Url):
            fs, inner = path.filesystem()
            return pq.ParquetFile(inner, filesystem=fs)
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as err:
        raise InputError(f"{path}: cannot read as Parquet: {err}") from None


def _text_column(parquet: Any, path: Path | Url, text_field: str) -> int:
    """The index of the text column, refused unless it holds strings."""
    import pyarrow as pa

    schema = parquet.schema_arrow
    if text_field not in schema.names:
        raise InputError(f"{path}: no column {text_field!r} (columns: {', '.join(schema.names)}); choose the text column with --text-field")
    kind = schema.field(text_field).type
    value = kind.value_type if pa.types.is_dictionary(kind) else kind
    if not (pa.types.is_string(value) or pa.types.is_large_string(value) or pa.types.is_string_view(value)):
        raise InputError(f"{path}: column {text_field!r} holds {kind}, not strings; choose the text column with --text-field")
    return schema.get_field_index(text_field)


def read_parquet(source: Source, order: int, text_field: str = "text", id_field: str = "id",
                 warn: Callable[[str], None] | None = None) -> Iterator[Document]:
    """Yield the documents of one Parquet file, numbered in input order from `order`. A row whose text
    is null is no document: it is left out of the output, and counted in one warning per file."""
    import pyarrow as pa

    parquet = _open(source.path)
    _text_column(parquet, source.path, text_field)
    columns = [text_field] + ([id_field] if id_field in parquet.schema_arrow.names and id_field != text_field else [])
    row = 0
    nulls: list[int] = []
    try:
        for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=columns):
            texts = batch.column(0).to_pylist()
            ids = batch.column(1).to_pylist() if len(columns) > 1 else [None] * len(texts)
            for text, ident in zip(texts, ids, strict=True):
                row += 1
                if text is None:
                    nulls.append(row)
                    continue
                doc_id = str(ident) if ident is not None and ident != "" else f"{source.relative}:{row}"
                yield Document(doc_id, text, source.relative, order)
                order += 1
    except (pa.ArrowException, OSError) as err:
        raise InputError(f"{source.path}: cannot read as Parquet near row {row + 1}: {err}") from None
    if nulls and warn:
        warn(f"{source.path}: {len(nulls)} rows with a null {text_field!r} are no documents and are left out "
             f"of the output (first: row {nulls[0]})")


class ParquetMirror:
    """Writes the cleaned copy of one Parquet input to `handle`: fed each document's cleaned text (None:
    left empty) in input order, it rewrites each input row group once all of its documents have come."""

    def __init__(self, path: Path | Url, handle: IO[bytes], text_field: str) -> None:
        pq = require_pyarrow(path)
        self.path = path
        self.input = _open(path)
        self.column = _text_column(self.input, path, text_field)
        self.field = self.input.schema_arrow.field(self.column)
        self.writer = pq.ParquetWriter(handle, self.input.schema_arrow)
        self.group = 0
        self.needed: int | None = None  # documents in the current row group (rows with a text)
        self.texts: list[str | None] = []

    def __enter__(self) -> ParquetMirror:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        try:
            if kind is None:
                self._write_ready()
                if self.group < self.input.num_row_groups or self.texts:
                    raise InputError(f"{self.path}: the file changed while it was cleaned; clean it again")
        finally:
            self.writer.close()

    def add(self, text: str | None) -> int | None:
        """Take the next document's cleaned text; return its bytes, None when it was left empty."""
        self.texts.append(text)
        self._write_ready()
        return None if text is None else len(text.encode("utf-8"))

    def _write_ready(self) -> None:
        """Write every row group whose documents have all come."""
        import pyarrow as pa

        while self.group < self.input.num_row_groups:
            if self.needed is None:
                texts = self.input.read_row_group(self.group, columns=[self.field.name]).column(0)
                self.needed = len(texts) - texts.null_count
            if len(self.texts) < self.needed:
                return
            table = self.input.read_row_group(self.group)
            original = table.column(self.column).to_pylist()
            cleaned = iter(self.texts[:self.needed])
            new = [None if value is None else next(cleaned) for value in original]
            del self.texts[:self.needed]
            keep = pa.array([value is not None for value in new], type=pa.bool_())
            column = pa.array(new, type=pa.large_string()).cast(self.field.type)
            kept = table.set_column(self.column, self.field, column).filter(keep)
            if kept.num_rows:
                self.writer.write_table(kept)
            self.group += 1
            self.needed = None
