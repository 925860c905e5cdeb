"""The fallback reader: definitions found line by line, for languages without a grammar.

This is a heuristic, and marked as one (``CodeFile.reader == "lines"``): a line that opens
with a definition keyword (``def``, ``fn``, ``func``, ``class``, ``struct``, ``sub``,
``proc``...) or a C-style ``type name(args) {`` starts a definition, which runs until the
next definition at the same or a shallower indentation. Each pattern is linear: runs are
possessive and a line longer than LINE_LIMIT is not read.
"""

from __future__ import annotations

import re

from devlogd.models import Definition

LINE_LIMIT = 400
MAX_LINES = 20_000

_KEYWORD = re.compile(r"""[ \t]*+(?:export[ \t]++)?(?:default[ \t]++)?(?:pub(?:\([^)\n]{0,40}\))?[ \t]++)?
    (?:(?:async|static|abstract|final|sealed|data|local|private|public|protected|inline)[ \t]++){0,3}+
    (?P<kind>def|function\*?|fn|func|sub|proc|defn|defun|module|class|trait|interface|protocol|record|
       object|impl|type|struct|enum|union)[ \t]++(?:\([^)\n]{0,80}\)[ \t]*+)?
    (?P<name>[A-Za-z_$][\w$]*+(?:[.:][A-Za-z_$][\w$]*+)*+[!?]?)(?![\w$])""", re.VERBOSE)
_C_STYLE = re.compile(r"(?P<types>(?:[A-Za-z_]\w{0,40}+[ \t*&]++){0,4}+)(?P<name>[A-Za-z_]\w{0,60}+)\([^;{}]{0,200}\)[ \t]*+\{?[ \t]*+$")
_COMMENT = re.compile(r"[ \t]*+(?:///?|#|--|;;|/\*\*?|\*(?!/))[ \t]?")
_COMMENT_END = re.compile(r"[ \t]*+\*/[ \t]*+$")
_KIND = {"def": "function", "function": "function", "function*": "function", "fn": "function", "func": "function",
         "sub": "function", "proc": "function", "defn": "function", "defun": "function"}
_NOT_NAMES = frozenset("if for while switch return else sizeof catch".split())


def definitions(text: str) -> list[Definition]:
    """The definitions of a file whose language has no grammar, with heuristic spans."""
    lines = text.split("\n", MAX_LINES)[:MAX_LINES]
    opened: list[tuple[int, int, str, str, str]] = []  # (line, indent, name, kind, signature)
    for number, line in enumerate(lines, start=1):
        if len(line) > LINE_LIMIT or not line.strip():
            continue
        match = _KEYWORD.match(line)
        if match is not None:
            kind = _KIND.get(match.group("kind"), match.group("kind"))
            name = re.split(r"[.:]", match.group("name"))[-1]
        else:
            c_style = _C_STYLE.match(line) if line[:1] not in (" ", "\t", "#") else None
            if c_style is None or c_style.group("name") in _NOT_NAMES:
                continue
            # `log_close(struct client *c)` alone on its line is GNU style when `{` opens the next
            if not c_style.group("types") and not lines[number : number + 1] == ["{"]:
                continue
            kind, name = "function", c_style.group("name")
        opened.append((number, len(line) - len(line.lstrip()), name, kind, line.strip().rstrip("{:").strip()))
    found: list[Definition] = []
    for index, (start, indent, name, kind, signature) in enumerate(opened):
        end = next((later[0] - 1 for later in opened[index + 1 :] if later[1] <= indent), len(lines))
        while end > start and not lines[end - 1].strip():
            end -= 1
        found.append(Definition(name=name, kind=kind, start=start, end=end, signature=signature,
                                doc=" ".join(_comment_above(lines, start - 1))))
    return found


def _comment_above(lines: list[str], index: int) -> list[str]:
    taken: list[str] = []
    while index > 0 and len(taken) < 20:
        line = lines[index - 1]
        if len(line) > LINE_LIMIT or not _COMMENT.match(line) or is_directive(line):
            break
        taken[:0] = comment_text(line)
        index -= 1
    return taken


# `// clang-format on`, `# noqa`, `/* eslint-disable */`: an instruction to a tool, not a word to a reader.
_DIRECTIVE = re.compile(r"[ \t/*#;-]*+(?:clang-format|eslint|prettier|noqa|type:|pylint:|NOLINT|@ts-|rustfmt|"
                        r"fmt:|isort:|pragma|region|endregion)", re.IGNORECASE)


def is_directive(comment: str) -> bool:
    return _DIRECTIVE.match(comment[:LINE_LIMIT]) is not None


def comment_text(comment: str) -> list[str]:
    """The words of a comment without its markers (``//``, ``#``, ``/* */``, a leading ``*``)."""
    words: list[str] = []
    for line in comment.split("\n")[:40]:
        line = _COMMENT_END.sub("", " ".join(line.split())[:LINE_LIMIT])  # blanks collapsed first: padding is free
        marker = _COMMENT.match(line)
        text = (line[marker.end():] if marker else line).strip()
        text = text[:-2].rstrip() if text.endswith("*/") else text
        if text and text.strip("*/-=#"):
            words.append(text)
    return words
