"""How the code is laid out at the end of the stretch: the main files' top-level definitions
in order, each with the comment its author wrote above it. Commits show what changed; a
writer who must explain how the thing works also needs the whole shape ("`client_new`,
then the `fifo` queue, then `config_load`, then `main`'s poll loop").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from devlogd.models import Beat
from devlogd.pipeline.excerpts import file_kind
from devlogd.pipeline.extract import top_level_definitions

FILES = 2  # the files most changed in the stretch
DEFINITIONS = 40  # per file
COMMENT_LIMIT = 110

# The marker only: what follows is trimmed in Python (`_comment`). A lazy body before
# optional blanks and `*/` at the end retried every split of a long run of spaces
# (quadratic: 30k spaces after `#` never returned).
_COMMENT = re.compile(r"[ \t]*+(?:///?|#(?!include|define|if|endif|pragma|!|\[)|--|;+|/\*\*?|\*(?!/)|\"\"\"|''')[ \t]?")


@dataclass(frozen=True)
class Definition:
    name: str
    comment: str  # the first sentence of the comment above it, or ""


@dataclass(frozen=True)
class FileOutline:
    path: str
    lines: int
    definitions: tuple[Definition, ...]


def outline_paths(beats: Sequence[Beat], candidates: int = 8) -> list[str]:
    """The code files the stretch changed most (by how many changes touched them), most
    first: more than FILES, since some may since have moved or gone."""
    counts = Counter(path for beat in beats for path in dict.fromkeys(beat.files) if file_kind(path) == "code")
    return [path for path, _ in counts.most_common(candidates)]


def outline(texts: Iterable[tuple[str, str]]) -> list[FileOutline]:
    """The outlines of the first FILES (path, text) pairs (redacted by the caller) that have
    a shape to tell, in the given order; pairs after those are never drawn, so a lazy
    source reads no more files than it needs."""
    out: list[FileOutline] = []
    for path, text in texts:
        lines = text.split("\n")
        found = top_level_definitions(text, path, DEFINITIONS)
        if len(found) >= 2:
            said: set[tuple[str, str]] = set()
            definitions = []
            for index, name in found:  # a Rust `impl` after its struct says its name again
                comment = _comment_above(lines, index) or (_docstring(lines, index) if path.endswith(".py") else "")
                if (name, "") not in said or comment and (name, comment) not in said:
                    definitions.append(Definition(name, comment))
                said |= {(name, ""), (name, comment)}
            out.append(FileOutline(path, len(lines), tuple(definitions)))
            if len(out) >= FILES:
                break
    return out


def _comment_above(lines: list[str], index: int) -> str:
    """The first sentence of the comment block right above ``lines[index]``, past at most
    two lines of signature (C's `static void` on a line of its own)."""
    at = index - 1
    for _ in range(2):
        if at >= 0 and lines[at].strip() and _comment(lines[at]) is None and not _annotation(lines[at]):
            at -= 1
    while at >= 0 and _annotation(lines[at]):  # @decorators, #[attributes]
        at -= 1
    block: list[str] = []
    while at >= 0 and (words := _comment(lines[at])) is not None and len(block) < 8:
        block.insert(0, words)
        at -= 1
    return _first_sentence(" ".join(w for w in block if w))


def _comment(line: str) -> str | None:
    """The words of a comment line (without its marker and a closing `*/`), or None."""
    match = _COMMENT.match(line)
    if match is None:
        return None
    text = line[match.end():].rstrip()
    return text[:-2].rstrip() if text.endswith("*/") else text


def _docstring(lines: list[str], index: int) -> str:
    """The first sentence of a Python definition's docstring (within its first lines)."""
    for at in range(index + 1, min(index + 6, len(lines))):
        text = lines[at].strip()
        quote = text[:3]
        if quote in ('"""', "'''"):
            words = [text[3:]]
            for more in lines[at + 1 : at + 6]:
                if quote in words[-1]:
                    break
                words.append(more.strip())
            return _first_sentence(" ".join(words).split(quote)[0])
        if text and not text.endswith((":", ",", "(")) and not text.startswith(")"):
            return ""  # the body began without one
    return ""


def _annotation(line: str) -> bool:
    return line.strip().startswith(("@", "#["))


def _first_sentence(text: str) -> str:
    text = " ".join(text.replace("*/", "").split())
    if len(re.findall(r"[A-Za-z]{2,}", text)) < 2:
        return ""
    first = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return first if len(first) <= COMMENT_LIMIT else first[:COMMENT_LIMIT].rsplit(" ", 1)[0] + "…"


def outline_text(outlines: Sequence[FileOutline]) -> str:
    """The outlines as the material's lines."""
    parts = []
    for item in outlines:
        head = f"{item.path} ({item.lines:,} lines):"
        if not any(d.comment for d in item.definitions):  # names alone read best on one line
            parts.append(f"{head} " + ", ".join(d.name for d in item.definitions))
            continue
        rows = [f"  - {d.name}" + (f": {d.comment}" if d.comment else "") for d in item.definitions]
        parts.append(head + "\n" + "\n".join(rows))
    return "\n".join(parts)
