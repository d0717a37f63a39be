"""Boilerplate removal: rules kept as data (rules/*.toml) and the engine that applies them."""

from .engine import Hit, Stripper
from .rules import Rule, builtin_rules, load_rule_file, load_rules

__all__ = ["Hit", "Rule", "Stripper", "builtin_rules", "load_rule_file", "load_rules"]
