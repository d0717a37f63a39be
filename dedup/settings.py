"""Settings files: `dedup.toml` (or `[tool.dedup]` in pyproject.toml) in the working directory, or a file
given with --config, holding `clean`'s options by their command-line names. They become click's
default_map, so a flag given on the command line still wins."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import click

from .errors import ConfigError

FILE_NAME = "dedup.toml"


def find_settings(folder: Path | None = None) -> Path | None:
    """The settings file of `folder` (default: the working directory, named relative to it): dedup.toml,
    else a pyproject.toml with a [tool.dedup] table, else None."""
    folder = folder or Path()
    if (folder / FILE_NAME).is_file():
        return folder / FILE_NAME
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file() and "dedup" in _read(pyproject).get("tool", {}):
        return pyproject
    return None


def load_settings(path: Path) -> dict[str, Any]:
    """The raw settings of a file, keys as written (a pyproject.toml contributes its [tool.dedup])."""
    data = _read(path)
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("dedup", {})
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [tool.dedup] must be a table")
    return data


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except OSError as err:
        raise ConfigError(f"{path}: cannot read settings: {err.strerror or err}") from None
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: malformed TOML: {err}") from None


def validate(path: Path, raw: dict[str, Any], command: click.Command, ctx: click.Context) -> dict[str, Any]:
    """Check every key against `command`'s options (dashes or underscores) and convert every value with
    the option's own type; return them by parameter name. Raises ConfigError naming the file and key."""
    params = {p.name: p for p in command.params if isinstance(p, click.Option) and p.name}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = key.replace("-", "_")
        param = params.get(name)
        if param is None or name == "config":
            known = ", ".join(sorted(n.replace("_", "-") for n in params if n != "config"))
            raise ConfigError(f"{path}: unknown key {key!r}; known keys: {known}")
        if param.multiple and not isinstance(value, list):
            raise ConfigError(f"{path}: {key}: expected a list, e.g. {key} = [{json.dumps(str(value))}]")
        if isinstance(value, dict | list) and not param.multiple:
            raise ConfigError(f"{path}: {key}: expected a single value, not {type(value).__name__}")
        try:
            values[name] = param.type_cast_value(ctx, value)
        except click.BadParameter as err:
            raise ConfigError(f"{path}: {key}: {err.message}") from None
    return values


def to_toml(values: dict[str, Any]) -> str:
    """Settings as TOML lines, keys with dashes as on the command line; None values are left out.

    >>> print(to_toml({"threshold": 0.6, "keep": "first", "disable": ("credits",), "strip_boilerplate": True}))
    threshold = 0.6
    keep = "first"
    disable = ["credits"]
    strip-boilerplate = true
    """
    return "\n".join(f"{key.replace('_', '-')} = {_value(value)}" for key, value in values.items() if value is not None)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a valid TOML basic string
