"""The secret rules as data: devlogd/data/secret_rules.toml, read and compiled once.

The file holds provider token formats and the vocabulary of the keyword-context layer;
this module turns it into lookup tables the redactor can use cheaply (token rules keyed by
the first two characters of their prefixes, gated rules with their gate words, and the
name and value word lists as frozen sets).
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

import msgspec

Profile = Literal["code", "config", "prose"]  # how a file's unquoted values read
Span = tuple[int, int, str]  # start, end, kind: a stretch of text to replace


class _TokenSpec(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    id: str
    regex: str
    prefixes: tuple[str, ...] = ()
    gates: tuple[str, ...] = ()
    min_entropy: float = 0.0
    mixed: bool = False  # the secret mixes letter cases or digits: not a plain word
    back: int = 0  # how far before a gate word a match may start


class _NameSpec(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    strong: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]
    weak: tuple[str, ...]
    describing: tuple[str, ...]
    qualifying: tuple[str, ...]


class _ValueSpec(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    placeholders: tuple[str, ...]
    types: tuple[str, ...]
    prose: tuple[str, ...]


class _RuleFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    token: tuple[_TokenSpec, ...]
    names: _NameSpec
    values: _ValueSpec


@dataclass(frozen=True)
class TokenRule:
    id: str
    pattern: re.Pattern[str]
    min_entropy: float
    mixed: bool
    back: int


@dataclass(frozen=True)
class RuleSet:
    """Everything the redactor looks things up in."""

    # prefix[:2] -> (prefix, rule) pairs: a run of token characters is tested only against
    # the rules whose prefix starts like it.
    by_head: dict[str, tuple[tuple[str, TokenRule], ...]]
    heads: frozenset[str]
    gated: tuple[tuple[str, tuple[TokenRule, ...]], ...]  # gate word -> the rules it wakes
    rules: tuple[TokenRule, ...]
    strong_names: frozenset[str]
    name_pairs: frozenset[tuple[str, str]]
    weak_names: frozenset[str]
    describing: frozenset[str]
    qualifying: frozenset[str]
    placeholders: frozenset[str]
    types: frozenset[str]
    prose: frozenset[str]


def _compile(spec: _TokenSpec) -> TokenRule:
    if not spec.prefixes and not spec.gates:
        raise ValueError(f"secret rule {spec.id} needs prefixes or gates, or it would never run")
    if any(len(p) < 2 for p in spec.prefixes):
        raise ValueError(f"secret rule {spec.id}: every prefix needs at least two characters")
    if any(g != g.lower() for g in spec.gates):
        raise ValueError(f"secret rule {spec.id}: gates are matched in lower case")
    return TokenRule(spec.id, re.compile(spec.regex), spec.min_entropy, spec.mixed, spec.back)


def build(data: bytes) -> RuleSet:
    spec = msgspec.toml.decode(data, type=_RuleFile)
    compiled = [(token, _compile(token)) for token in spec.token]
    heads: dict[str, list[tuple[str, TokenRule]]] = {}
    for token, rule in compiled:
        for prefix in token.prefixes:
            heads.setdefault(prefix[:2], []).append((prefix, rule))
    for entries in heads.values():
        entries.sort(key=lambda entry: -len(entry[0]))  # the longest prefix speaks first
    names, values = spec.names, spec.values
    return RuleSet(
        by_head={head: tuple(entries) for head, entries in heads.items()},
        heads=frozenset(heads),
        gated=tuple((gate, tuple(rule for token, rule in compiled if gate in token.gates))
                    for gate in dict.fromkeys(g for token, _ in compiled for g in token.gates)),
        rules=tuple(rule for _, rule in compiled),
        strong_names=frozenset(names.strong),
        name_pairs=frozenset(names.pairs),
        weak_names=frozenset(names.weak),
        describing=frozenset(names.describing),
        qualifying=frozenset(names.qualifying),
        placeholders=frozenset(values.placeholders),
        types=frozenset(values.types),
        prose=frozenset(values.prose),
    )


@lru_cache(maxsize=1)
def rule_set() -> RuleSet:
    """The shipped rules (read once per process)."""
    return build(resources.files("devlogd").joinpath("data/secret_rules.toml").read_bytes())


# -- what a generated credential looks like ---------------------------------------------

def shannon_entropy(text: str) -> float:
    """Bits per character of ``text`` (0 for an empty string)."""
    if not text:
        return 0.0
    size = len(text)
    return -sum(c / size * math.log2(c / size) for c in Counter(text).values())


_UPPER = frozenset(string.ascii_uppercase)
_LOWER = frozenset(string.ascii_lowercase)
_DIGITS = frozenset(string.digits)
_BASE64_MARKS = frozenset("+/=")


def is_mixed(text: str) -> bool:
    """At least two of: upper case, lower case, digits (or base64's + / =)."""
    chars = set(text)
    return bool(chars & _UPPER) + bool(chars & _LOWER) + bool(chars & _DIGITS) + bool(chars & _BASE64_MARKS) >= 2


def looks_generated(text: str, length: int = 16) -> bool:
    """Long, mixed and irregular: a key, not a word or a name."""
    return len(text) >= length and not _DIGITS.isdisjoint(text) and is_mixed(text) \
        and shannon_entropy(text) >= 3.5


LINE_REACH = 2048  # how far a rule looks for the start or end of the line it is on


def line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The line around ``text[start:end]``, but never more than LINE_REACH characters either
    way: on a megabyte-long line, every lookup stays cheap."""
    floor = max(0, start - LINE_REACH)
    before = text.rfind("\n", floor, start)
    after = text.find("\n", end, end + LINE_REACH)
    return (before + 1 if before != -1 else floor,
            after if after != -1 else min(len(text), end + LINE_REACH))
