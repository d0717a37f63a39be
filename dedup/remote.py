"""Inputs and outputs named by fsspec URLs (`s3://bucket/corpus`, `gs://`, `file://`, `memory://`; the
`remote` extra): a `Url` answers the few questions the corpus code asks a `Path`, through the URL's
fsspec filesystem. Plain paths never come here: they stay on the local code path."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .errors import ConfigError

# `proto://...`, a protocol of two characters or more (a Windows drive letter `C:` is no protocol).
URL_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+://")
EXTRA_HINT = "pip install 'dedup-corpus[remote]'"


def is_url(value: object) -> bool:
    """Whether `value` is a storage URL rather than a local path.

    >>> is_url("s3://bucket/corpus"), is_url("corpus/part-1.jsonl"), is_url("C:/data")
    (True, False, False)
    """
    return isinstance(value, str | Url) and URL_PATTERN.match(str(value)) is not None


def location(value: str | os.PathLike[str] | Url) -> Path | Url:
    """A local path as a Path, a storage URL as a Url.

    >>> location("memory://bucket/cleaned") / "a.jsonl"
    Url('memory://bucket/cleaned/a.jsonl')
    """
    if isinstance(value, Url | Path):
        return value
    return Url(str(value)) if is_url(value) else Path(value)


@dataclass(frozen=True)
class Url:
    """A file or folder on an fsspec filesystem. It holds only its URL, so it pickles small and whole:
    the filesystem is looked up (fsspec caches it) in the process that uses it, with that process's
    credentials (the filesystem's own configuration: environment, ~/.aws, fsspec's config files)."""

    url: str

    def __str__(self) -> str:
        return self.url

    def __repr__(self) -> str:
        return f"Url({self.url!r})"

    def __truediv__(self, name: str) -> Url:
        return Url(f"{self.url.rstrip('/')}/{name}")

    @property
    def name(self) -> str:
        return self.url.rstrip("/").rsplit("/", 1)[-1]

    @property
    def parent(self) -> Url:
        """The folder holding this file."""
        return Url(self.url.rstrip("/").rsplit("/", 1)[0])

    @property
    def protocol(self) -> str:
        return self.url.split("://", 1)[0]

    def filesystem(self) -> tuple[Any, str]:
        """The fsspec filesystem and this URL's path on it; a one-line ConfigError when fsspec, or the
        package of the URL's protocol (s3fs, gcsfs...), is not installed or the protocol is unknown."""
        try:
            from fsspec.core import url_to_fs
        except ImportError:
            raise ConfigError(f"{self}: storage URLs need fsspec; install it with {EXTRA_HINT}") from None
        try:
            return url_to_fs(self.url)
        except ImportError as err:  # fsspec knows the protocol, its package is missing: "Install s3fs to access S3"
            raise ConfigError(f"{self}: {self.protocol}:// needs a package fsspec names: {err}") from None
        except ValueError as err:
            raise ConfigError(f"{self}: not a storage URL fsspec can open: {err}") from None

    def key(self) -> tuple[str, str]:
        """What names the same place however it is spelled: the filesystem's protocol and the path."""
        fs, path = self.filesystem()
        protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
        return protocol, path.rstrip("/")

    def exists(self) -> bool:
        fs, path = self.filesystem()
        return bool(fs.exists(path))

    def is_dir(self) -> bool:
        fs, path = self.filesystem()
        return bool(fs.isdir(path))

    def is_file(self) -> bool:
        fs, path = self.filesystem()
        return bool(fs.isfile(path))

    def files(self, depth: int | None = None) -> list[str]:
        """The names of the files under this folder relative to it (`depth` 1: only its own), sorted by
        path components, the order a local folder is walked in."""
        fs, path = self.filesystem()
        root = path.rstrip("/") + "/"
        names = [name[len(root):] for name in fs.find(path, maxdepth=depth) if name.startswith(root)]
        return sorted(names, key=lambda name: name.split("/"))

    def open(self, mode: str = "rb") -> IO[bytes]:
        fs, path = self.filesystem()
        if "w" in mode:
            fs.makedirs(fs._parent(path), exist_ok=True)
        return fs.open(path, mode)  # type: ignore[no-any-return]

    def read_bytes(self) -> bytes:
        fs, path = self.filesystem()
        return fs.cat_file(path)  # type: ignore[no-any-return]

    def read_text(self, encoding: str = "utf-8") -> str:
        return self.read_bytes().decode(encoding)

    def renames(self) -> bool:
        """Whether its filesystem moves a file by renaming it (local, sftp, hdfs...) rather than by a copy
        and a delete, fsspec's move on object stores (s3, gcs, azure, memory), where one put is atomic."""
        from fsspec.spec import AbstractFileSystem

        fs, _ = self.filesystem()
        return type(fs).mv is not AbstractFileSystem.mv

    def move(self, target: Url) -> None:
        fs, path = self.filesystem()
        fs.mv(path, target.filesystem()[1])

    def put(self, local: str) -> None:
        """Upload the local file `local` to this URL in one put."""
        fs, path = self.filesystem()
        fs.put_file(local, path)

    def unlink(self, missing_ok: bool = False) -> None:
        fs, path = self.filesystem()
        try:
            fs.rm_file(path)
        except FileNotFoundError:
            if not missing_ok:
                raise

    def version(self) -> tuple[int, str]:
        """The file's size and a mark that changes when it does (fsspec's checksum: the ETag on S3)."""
        fs, path = self.filesystem()
        return int(fs.size(path)), str(fs.checksum(path))

    def has_root(self) -> bool:
        """Whether this place or a folder above it (below the filesystem's root) exists: where dedup may
        create folders, never a bucket."""
        fs, path = self.filesystem()
        path = path.rstrip("/")
        while path and path != fs._parent(path):
            if fs.exists(path):
                return True
            path = fs._parent(path).rstrip("/")
        return False
