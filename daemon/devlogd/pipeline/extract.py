"""Concrete things pulled out of text: names, constants and numbers.

Beats are only as concrete as the facts under them, so this module finds what a good post
names: the functions a change touched (from hunk headers), the definitions it added, the
constants it set (``DEFAULT_PORT = 2222``), and the identifiers and measured numbers a
message mentions ("81 frames", "3x faster"). Pure functions over strings.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from devlogd.pipeline.excerpts import file_kind, moved_lines, telling_window

# Definitions and constants, written once and compiled for a single line and for the
# added (+) and removed (-) lines of a whole patch, scanned in one pass.
#
# Repository content is hostile input and these run on Python's backtracking engine, so
# every pattern is written to take time linear in its input: runs of blanks and names are
# possessive (*+, ++: never given back to be tried another way), no quantified group
# holds another quantifier over the same characters, and free text (a type annotation) has
# a bounded length. bench/regex.py prints the worst case over pathological inputs.
_DEF_BODY = r"""(?:
        (?:export[ \t]++)?(?:default[ \t]++)?(?:async[ \t]++)?(?:def|function\*?|fn|func|sub|proc|defn|defun|module)[ \t]++
            (?:\([^)\n]*+\)[ \t]*+)?(?P<func>[A-Za-z_$][\w$]*+(?:[.:][A-Za-z_$][\w$]*+)*+[!?]?)(?![\w$./])
      | (?:export[ \t]++)?(?:pub(?:\([^)\n]*+\))?[ \t]++)?(?:abstract[ \t]++|final[ \t]++|sealed[ \t]++|data[ \t]++)?
            (?:class|trait|interface|protocol|record|object|impl|type)[ \t]++
            (?P<type>[A-Z_a-z]\w*+)
      | (?:export[ \t]++)?(?:pub(?:\([^)\n]*+\))?[ \t]++)?(?:typedef[ \t]++)?(?:struct|enum|union)[ \t]++
            (?P<record>[A-Z_a-z]\w*+)(?![ \t]*+[*&]?+[ \t]*+[A-Za-z_(])  # `struct x {`, not `struct x *p`
      | (?:export[ \t]++)?(?:const|let|var)[ \t]++(?P<arrow>[A-Za-z_$][\w$]*+)[ \t]*+(?::[^=\n]{1,80})?=[ \t]*+(?:async[ \t]*+)?
            (?:\([^)\n]*+\)|[A-Za-z_$][\w$]*+)[ \t]*+=>
      | (?P<shell>[A-Za-z_][\w-]*+)[ \t]*+\(\)[ \t]*+\{
    )"""
_CONST_BODY = r"""(?:export[ \t]++)?(?:pub[ \t]++)?(?:static[ \t]++)?(?:final[ \t]++)?(?:const(?:expr)?[ \t]++|readonly[ \t]++)?
        (?:[A-Za-z_][\w<>]*+[ \t]++)??
        (?P<name>[A-Z][A-Z0-9]*+(?:_[A-Z0-9]++)++|[A-Z]{3,}+[0-9]*+)[ \t]*+(?::[ \t]*+[\w\[\]<>., ]{1,60}?)?[ \t]*+:?=[ \t]*+
        (?P<value>-?\d[\d_.,]*+(?:e-?\d++)?[ \t]*+(?:\*[ \t]*+\d[\d_]*+)*+[a-zA-Z%]{0,3}+|"[^"\n]{1,40}"|'[^'\n]{1,40}'|True|False|true|false)
        [ \t]*+[;,]?[ \t]*+(?:\#[^\n]*+|//[^\n]*+)?$"""
_DEFINE_BODY = r"[ \t]*+\#[ \t]*+define[ \t]++(?P<name>[A-Z][A-Z0-9_]{2,}+)[ \t]++(?P<value>\S[^\n]{0,39})$"

# After the indentation, the lookahead makes a line that cannot start a definition fail at
# once. A line longer than LINE_LIMIT characters (minified code, data) is not read for
# names: the lookahead that checks it costs one pass over its first characters.
LINE_LIMIT = 400
_SHORT_LINE = rf"(?=[^\n]{{0,{LINE_LIMIT}}}(?:\n|\Z))"
_INDENT = r"[ \t]*+(?=[A-Za-z_])"
_LINE_START = r"^[ \t+]*+(?=[A-Za-z_])"  # one line, with or without its diff "+"
_DEFINITION = re.compile(_LINE_START + _DEF_BODY, re.VERBOSE)
_CONSTANT = re.compile(_LINE_START + _CONST_BODY, re.VERBOSE)
_DEFINE = re.compile(r"^[ \t+]*+" + _DEFINE_BODY)
# A literal "\n+" prefix (not "^+") lets the regex engine skip to candidate lines instead of
# trying every position; the patch body is scanned with a leading newline for that reason.
# Added lines are scanned once for definitions and constants together.
_ADDED = re.compile(r"\n\+" + _SHORT_LINE + _INDENT + "(?:" + _DEF_BODY + "|" + _CONST_BODY + ")",
                    re.VERBOSE | re.MULTILINE)
_REMOVED_DEF = re.compile(r"\n-" + _SHORT_LINE + _INDENT + _DEF_BODY, re.VERBOSE | re.MULTILINE)
_ADDED_DEFINE = re.compile(r"\n\+" + _SHORT_LINE + _DEFINE_BODY, re.MULTILINE)
# C and its kin name a function without a keyword: `name(args)` then `{` on the next line
# (the GNU style), or `type name(args) {` on one line. Every run is possessive or bounded.
_C_FUNCTION = re.compile(r"\n\+" + _SHORT_LINE + r"(?P<cfunc>[A-Za-z_]\w{0,60}+)\([^;\n{}]{0,200}\)[ \t]*+\n\+\{"
                         r"|\n\+" + _SHORT_LINE + r"(?:(?:static|inline|extern|const|unsigned|signed|struct)[ \t]++){0,3}+"
                         r"[A-Za-z_]\w{0,40}+[ \t]*+[*&]{0,2}+[ \t]*+(?P<cfunc1>[A-Za-z_]\w{0,60}+)\([^;\n{}]{0,200}\)"
                         r"[ \t]*+\{[ \t]*+(?=\n)")
_C_REMOVED = re.compile(_C_FUNCTION.pattern.replace(r"\n\+", r"\n-"))  # a signature changed or moved
_C_FAMILY = re.compile(r"\.(?:c|h|cc|cpp|cxx|hpp|hh|m|mm|cu|ino)$")
_HUNK_HEADER = re.compile(r"\n@@ [^\n]*?@@ ?([^\n]*+)\n")  # scanned with a leading newline too

_KEYWORDS = frozenset(
    "if for while return else elif switch case do try catch with not and or new self this "
    "super import from as in is None True False null nil true false".split()
)

@dataclass
class LineFinds:
    definitions: list[str] = field(default_factory=list)
    constants: list[str] = field(default_factory=list)


# `test_empty_header`, `TestAWK`, `parse_test`, `ParseProgram_TEST`, `HeaderTest`: a test, not
# what a change built (`latest` and `contest` are not).
_TEST_NAME = re.compile(r"^_*(?i:test)|_(?i:test)$|[a-z0-9]Test$")


# Names that say nothing of what a change built: every program has them.
GENERIC_NAMES = frozenset("main init new run setup start String string str toString equals hashCode Error error "
                          "Result default update draw load fmt".split())


def is_test_name(name: str) -> bool:
    return _TEST_NAME.search(name) is not None


def _definition_name(match: re.Match[str]) -> str:
    # Each alternative of a definition has one named group, so the last one matched is it.
    name = match.group(match.lastgroup) if match.lastgroup else ""
    # `function M.update()`, `def self.load`: the method's own name, not its table or class.
    name = re.split(r"[.:]", name)[-1]
    # `__init__` and its kin are how a class is built, never what a change added to tell.
    return "" if name in _KEYWORDS or (name.startswith("__") and name.endswith("__")) else name


def _constant_text(match: re.Match[str]) -> str:
    return f"{match.group('name')} = {match.group('value').strip().rstrip(';,')}"


def scan_line(text: str) -> LineFinds:
    """Definitions and constants on one line of code."""
    finds = LineFinds()
    if not text or len(text) > 400:
        return finds
    match = _DEFINITION.match(text)
    if match:
        if _definition_name(match):
            finds.definitions.append(_definition_name(match))
        return finds
    constant = _CONSTANT.match(text) or _DEFINE.match(text)
    if constant:
        finds.constants.append(_constant_text(constant))
    return finds


@dataclass
class HunkFinds:
    context: str  # the enclosing function named by the hunk header
    lines: list[str]  # its most telling changed lines, with their +/- origin
    score: float


@dataclass
class PatchFinds:
    definitions: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    constants: list[str] = field(default_factory=list)
    functions: list[str] = field(default_factory=list)
    hunks: list[HunkFinds] = field(default_factory=list)
    lines: int = 0


@dataclass(frozen=True)
class ScanLimits:
    """How much one commit's facts keep; scanning stops once a quota is met."""

    lines: int = 1000
    definitions: int = 20
    removed: int = 10
    constants: int = 12
    hunks_per_file: int = 2
    excerpt_lines: int = 12


def scan_patch(text: str, limits: ScanLimits, have: PatchFinds | None = None, path: str = "",
               topic: frozenset[str] = frozenset(), contexts: list[str] | None = None) -> PatchFinds:
    """Everything concrete in one file's unified diff (zero context lines).

    Each regex runs once over the patch (the work stays in C, which keeps this cheap enough
    for every commit of a long history); matches are attributed to hunks by position.
    ``have`` is what earlier files of the same commit found: quotas are shared, so a huge
    or definition-dense commit stops scanning early instead of collecting what is dropped.
    ``contexts`` names, hunk by hunk, the definition each sits in (from the code reader).
    """
    finds = PatchFinds()
    have = have or PatchFinds()
    kind = file_kind(path)
    if not text.startswith("\n"):
        text = "\n" + text
    room = limits.lines - have.lines
    headers = list(_HUNK_HEADER.finditer(text))
    if not headers or room <= 0:
        return finds
    end = len(text)
    if text.count("\n") > room:
        end = _offset_of_line(text, room)
        headers = [h for h in headers if h.start() + 1 < end]
        if not headers:
            return finds
    base = headers[0].start() + 1  # a header's match starts at the newline before its "@@"
    body = text[base:end]
    finds.lines = body.count("\n")
    starts = [h.start() + 1 - base for h in headers]
    weight = [0] * len(headers)
    want_defs = limits.definitions - len(have.definitions)
    want_consts = limits.constants - len(have.constants)
    if want_defs > 0 or want_consts > 0:
        for match in _ADDED.finditer(body):
            hunk = bisect_right(starts, match.start()) - 1
            if match.lastgroup == "value":  # a constant: its name, then its value
                finds.constants.append(_constant_text(match))
                weight[hunk] += 2
            else:
                name = _definition_name(match)
                if name:
                    finds.definitions.append(name)
                    weight[hunk] += 3
            if len(finds.definitions) >= want_defs and len(finds.constants) >= want_consts:
                break
        if _C_FAMILY.search(path):
            for match in _C_FUNCTION.finditer(body):
                name = _definition_name(match)
                if name:
                    finds.definitions.append(name)
                    weight[bisect_right(starts, match.start()) - 1] += 3
        if "define" in body:
            for match in _ADDED_DEFINE.finditer(body):
                finds.constants.append(_constant_text(match))
                weight[bisect_right(starts, match.start()) - 1] += 2
    want_removed = limits.removed - len(have.removed)
    if want_removed > 0:
        removed_defs = [_REMOVED_DEF] + ([_C_REMOVED] if _C_FAMILY.search(path) else [])
        for match in (m for pattern in removed_defs for m in pattern.finditer(body)):
            name = _definition_name(match)
            if name:
                finds.removed.append(name)
                if len(finds.removed) >= want_removed:
                    break
    # A hunk header's context in prose is a line of text, not a function (`gitread` in README.md).
    # A hunk is named by the definition it sits in (the code reader's), never by the line
    # git prints above it; a file the reader does not read names none.
    contexts = ((contexts or []) + [""] * len(headers))[: len(headers)]
    finds.functions = [c for c in contexts if c]
    # Each hunk offers its most telling lines; the file keeps its best few hunks.
    offers: list[HunkFinds] = []
    moved = moved_lines(body) if len(headers) > 1 else frozenset()  # one hunk: _reindented sees it
    for index, header in enumerate(headers):
        stop = starts[index + 1] if index + 1 < len(starts) else len(body)
        # A long hunk (a new file is one) offers a window from each stretch of it.
        for segment in _segments(body[header.end() - base - 1 : stop], limits.excerpt_lines * 4):
            window = telling_window(segment, limits.excerpt_lines, kind, topic, moved)
            if window.lines:
                offers.append(HunkFinds(contexts[index], window.lines, window.score + weight[index] / 2))
    ranked = sorted(range(len(offers)), key=lambda i: (-offers[i].score, i))[: limits.hunks_per_file]
    finds.hunks = [offers[i] for i in sorted(ranked)]
    return finds


def _segments(chunk: str, size: int) -> list[str]:
    """``chunk`` (starting at a newline) cut into pieces of ``size`` lines, each starting at
    a newline as telling_window expects."""
    if chunk.count("\n") <= size * 1.5:
        return [chunk]
    lines = chunk.split("\n")[1:]
    return ["\n" + "\n".join(lines[i : i + size]) for i in range(0, len(lines), size)]


def _offset_of_line(text: str, line: int) -> int:
    offset = -1
    for _ in range(line):
        offset = text.find("\n", offset + 1)
        if offset == -1:
            return len(text)
    return offset + 1


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
# Not inside a longer number ("1,1,1,..." would otherwise restart at every digit).
_NUMBER = re.compile(rf"(?<![\w.#/,-])(\d[\d,]*+(?:\.\d++)?)\s?({_UNITS})", re.IGNORECASE)
_FROM_TO = re.compile(
    r"\bfrom\s++(\d[\d,.]*+\s?[a-zA-Z%]{0,8})\s++to\s++(\d[\d,.]*+\s?[a-zA-Z%]{0,8})", re.IGNORECASE
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
        finds.numbers.append(match.group(0))  # as written: "120ms", "81 frames"
    finds.identifiers = [i for i in finds.identifiers if not i.startswith("[REDACTED")]
    return finds
