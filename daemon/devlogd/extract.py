"""Concrete things pulled out of text: names, constants and numbers.

Beats are only as concrete as the facts under them, so this module finds what a good post
names: the functions a change touched (from hunk headers), the definitions it added, the
constants it set (``DEFAULT_PORT = 2222``), and the identifiers and measured numbers a
message mentions ("81 frames", "3x faster"). Pure functions over strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_DEFINITION = re.compile(
    r"""^[\s+]*(?:
        (?:export\s+)?(?:default\s+)?(?:async\s+)?(?:def|function\*?|fn|func|sub|proc|defn|defun|module)\s+
            (?:\([^)]*\)\s*)?(?P<func>[A-Za-z_$][\w$]*[!?]?)
      | (?:export\s+)?(?:pub(?:\([^)]*\))?\s+)?(?:abstract\s+|final\s+|sealed\s+|data\s+)?
            (?:class|struct|enum|trait|interface|protocol|record|union|object|impl|type)\s+
            (?P<type>[A-Z_a-z][\w]*)
      | (?:export\s+)?(?:const|let|var)\s+(?P<arrow>[A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*(?:async\s*)?
            (?:\([^)]*\)|[A-Za-z_$][\w$]*)\s*=>
      | (?P<shell>[A-Za-z_][\w-]*)\s*\(\)\s*\{
    )""",
    re.VERBOSE,
)

_CONSTANT = re.compile(
    r"""^[\s+]*(?:export\s+)?(?:pub\s+)?(?:static\s+)?(?:final\s+)?(?:const(?:expr)?\s+|readonly\s+)?
        (?:[A-Za-z_][\w<>]*\s+)??
        (?P<name>[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{3,}[0-9]*)\s*(?::\s*[\w\[\]<>., ]+?)?\s*:?=\s*
        (?P<value>-?\d[\d_.,]*(?:e-?\d+)?\s*(?:\*\s*\d[\d_]*)*[a-zA-Z%]{0,3}|"[^"]{1,40}"|'[^']{1,40}'|True|False|true|false)
        \s*[;,]?\s*(?:\#.*|//.*)?$""",
    re.VERBOSE,
)
_DEFINE = re.compile(r"^[\s+]*#\s*define\s+(?P<name>[A-Z][A-Z0-9_]{2,})\s+(?P<value>\S.{0,39})$")

_KEYWORDS = frozenset(
    "if for while return else elif switch case do try catch with not and or new self this "
    "super import from as in is None True False null nil true false".split()
)

_HEADER_NAME = re.compile(
    r"(?:def|function\*?|fn|func|class|struct|enum|trait|interface|impl|module|sub|type)\s+"
    r"(?:\([^)]*\)\s*)?([A-Za-z_$][\w$]*)"
)
_HEADER_CALLISH = re.compile(r"([A-Za-z_$][\w$:.]*)\s*\(")


@dataclass
class LineFinds:
    definitions: list[str] = field(default_factory=list)
    constants: list[str] = field(default_factory=list)


def scan_line(text: str) -> LineFinds:
    """Definitions and constants on one line of a diff (without its +/- origin)."""
    finds = LineFinds()
    if not text or len(text) > 400:
        return finds
    match = _DEFINITION.match(text)
    if match:
        name = next(g for g in match.groups() if g)
        if name not in _KEYWORDS:
            finds.definitions.append(name)
        return finds
    constant = _CONSTANT.match(text) or _DEFINE.match(text)
    if constant:
        value = constant.group("value").strip().rstrip(";,")
        finds.constants.append(f"{constant.group('name')} = {value}")
    return finds


def hunk_function(header: str) -> str:
    """The enclosing function or class named in a hunk header's context, if any."""
    _, _, context = header.rstrip("\n").partition(" @@")
    context = context.strip()
    if not context:
        return ""
    named = _HEADER_NAME.search(context)
    if named:
        return named.group(1)
    called = _HEADER_CALLISH.search(context)
    if called and called.group(1).split(".")[-1] not in _KEYWORDS:
        return called.group(1)
    return ""


# -- messages ---------------------------------------------------------------------------

_BACKTICKED = re.compile(r"`([^`\n]{2,60})`")
_CODE_WORD = re.compile(
    r"(?<![\w/.-])("
    r"[a-z_][a-z0-9]*(?:_[a-z0-9]+)+"  # snake_case
    r"|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+"  # SCREAMING_CASE
    r"|[a-z]+(?:[A-Z][a-z0-9]+)+"  # camelCase
    r"|[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+"  # PascalCase with two humps
    r"|[A-Za-z_][\w-]*(?:/[\w.-]+)*\.(?:py|js|ts|tsx|jsx|go|rs|c|h|cc|cpp|hpp|java|kt|rb|sh|toml|yaml|yml|json|md|sql|css|html|lua|swift|zig)"
    r"|--[a-z][a-z0-9-]+"  # command-line flags
    r"|[A-Za-z_]\w*\(\)"  # call()
    r")(?![\w-])"
)
_UNITS = (
    r"%|x\b|×|ms\b|µs|us\b|ns\b|s\b|secs?\b|seconds?|minutes?|mins?\b|hours?|h\b|days?|"
    r"[kKMGT]i?B\b|bytes?|bits?|frames?|fps|lines?|files?|tests?|requests?|rps|qps|"
    r"times|percent|items?|rows?|columns?|tokens?|calls?|threads?|workers?|cores?|"
    r"users?|steps?|retries|attempts?|pages?|entries|records?|px\b|dpi|Hz|kHz|MHz|GHz"
)
_NUMBER = re.compile(rf"(?<![\w.#/-])(\d[\d,]*(?:\.\d+)?)\s?({_UNITS})", re.IGNORECASE)
_FROM_TO = re.compile(
    r"\bfrom\s+(\d[\d,.]*\s?[a-zA-Z%]{0,8})\s+to\s+(\d[\d,.]*\s?[a-zA-Z%]{0,8})", re.IGNORECASE
)


@dataclass
class MessageFinds:
    identifiers: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)


def message_texts(message: str) -> MessageFinds:
    finds = MessageFinds()
    for match in _BACKTICKED.finditer(message):
        finds.identifiers.append(match.group(1).strip())
    for match in _CODE_WORD.finditer(message):
        finds.identifiers.append(match.group(1))
    for match in _FROM_TO.finditer(message):
        finds.numbers.append(f"from {match.group(1).strip()} to {match.group(2).strip()}")
    for match in _NUMBER.finditer(message):
        unit = match.group(2)
        glue = "" if unit.lower() in ("%", "x", "×") else " "
        finds.numbers.append(f"{match.group(1)}{glue}{unit}")
    finds.identifiers = [i for i in finds.identifiers if not i.startswith("[REDACTED")]
    return finds
