"""How the code is laid out at the end of the stretch: a ranked map of the code (see
:mod:`devlogd.pipeline.code_map`), the definitions a reader must know first, each with the
first sentence of the comment or docstring its author wrote for it. Commits show what
changed; a writer who must explain how the thing works also needs the whole shape
("`fenster_open`, then `fenster_loop` each frame, then `fenster_close`").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from devlogd.models import Beat
from devlogd.pipeline import code, code_map
from devlogd.pipeline.excerpts import file_kind

FILES = 2  # files in the material's map
DEFINITIONS = 40  # per file
COMMENT_LIMIT = 110
TOKENS_PER_LINE = 14  # a definition's line in the map, name and first sentence, about


@dataclass(frozen=True)
class Definition:
    name: str
    comment: str  # the first sentence of the comment above it (or its docstring), or ""


@dataclass(frozen=True)
class FileOutline:
    path: str
    lines: int
    definitions: tuple[Definition, ...]


def outline_paths(beats: Sequence[Beat], candidates: int = 24) -> list[str]:
    """The code files the stretch changed (most changed first): the map ranks them by how
    the others use them, so files that only call the main one (examples, tests) count too."""
    counts = Counter(path for beat in beats for path in dict.fromkeys(beat.files)
                     if file_kind(path) in ("code", "test") and code.language_of(path))
    return [path for path, _ in counts.most_common(candidates)]


def outline(texts: Iterable[tuple[str, str]], files: int = FILES, budget: int = FILES * DEFINITIONS * TOKENS_PER_LINE,
            focus: Sequence[str] = ()) -> list[FileOutline]:
    """The ranked map of the (path, text) pairs (redacted by the caller): the best ``files``
    files with two definitions or more, their best definitions within ``budget`` tokens.
    ``focus`` personalises the ranking (by default the first pair, the most changed file)."""
    read = [code.read(text, path, references=True) for path, text in texts]
    read = [found for found in read if found.definitions]
    ranked = code_map.rank(read, focus or [f.path for f in read[:1]], lines=max(2, budget // TOKENS_PER_LINE),
                           per_file=DEFINITIONS)
    return [FileOutline(r.path, r.lines, tuple(Definition(d.name, _first_sentence(d.doc)) for d in r.definitions))
            for r in ranked if len(r.definitions) >= 2][:files]


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
