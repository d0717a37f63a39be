"""One name per option: every stage option is a keyword of the API and a flag of `dedup clean`."""

from __future__ import annotations

from dataclasses import fields

import pytest

from dedup import ConfigError, DedupConfig, clean_text
from dedup.cli import clean

STAGES = (DedupConfig().repair, DedupConfig().boilerplate, DedupConfig().duplicates)
OPTION_NAMES = sorted({f.name for stage in STAGES for f in fields(stage)} | {"paragraphs"})


@pytest.mark.parametrize("name", OPTION_NAMES)
def test_every_option_is_a_cli_flag_of_the_same_name(name: str) -> None:
    flags = {opt for param in clean.params for opt in (*param.opts, *param.secondary_opts)}
    assert "--" + name.replace("_", "-") in flags


@pytest.mark.parametrize("name", OPTION_NAMES)
def test_every_option_routes_to_its_stage(name: str) -> None:
    default = DedupConfig()
    value = next(getattr(stage, name) for stage in (*STAGES, default) if hasattr(stage, name))
    config = DedupConfig.from_options(**{name: value})
    assert config == default


def test_cli_defaults_are_the_config_defaults() -> None:
    defaults = {param.name: param.default for param in clean.params}
    for stage in STAGES:
        for f in fields(stage):
            expected = getattr(stage, f.name)
            if isinstance(expected, tuple):  # repeatable flags, empty unless given
                assert expected == (), f.name
            else:
                assert defaults[f.name] == expected, f.name


def test_unknown_and_invalid_options_are_refused() -> None:
    with pytest.raises(ConfigError, match="unknown option 'treshold'"):
        clean_text("x", treshold=0.5)
    with pytest.raises(ConfigError, match="keep must be first or longest"):
        DedupConfig.from_options(keep="last")
    with pytest.raises(ConfigError, match="threshold"):
        DedupConfig.from_options(threshold=0.0)
