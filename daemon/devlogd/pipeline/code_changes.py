"""Which definitions a change touched: the ones whose spans hold its changed lines.

A unified diff says which lines changed on each side (its ``@@ -a,b +c,d @@`` ranges); the
code reader says where each definition starts and ends at the old and the new revision.
A changed line belongs to the innermost definition that holds it, so a hunk is told by
the function it is *in*, never by the line above it that git prints as its header.

- added: touched at the new revision, absent at the old one;
- removed: touched at the old revision, absent at the new one;
- modified: present at both;
- moved: an added and a removed definition with the same body (a rename, or a move
  between files when matched across a commit's files by ``match_moves``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from devlogd.models import CodeFile, Definition, MovedDefinition
from devlogd.pipeline.code import ReadCache, language_of

Loader = Callable[[], bytes]

_HUNK = re.compile(r"^@@ -(\d++)(?:,(\d++))? \+(\d++)(?:,(\d++))? @@", re.MULTILINE)
MAX_PAINTED_LINES = 200_000  # a file longer than this is read, but its lines are not mapped


@dataclass(frozen=True)
class HunkLines:
    """The lines one hunk changed, on each side (1-based, ``count`` may be 0)."""

    old_start: int
    old_count: int
    new_start: int
    new_count: int


@dataclass
class FileChanges:
    added: list[Definition] = field(default_factory=list)
    removed: list[Definition] = field(default_factory=list)
    modified: list[Definition] = field(default_factory=list)
    moved: list[MovedDefinition] = field(default_factory=list)
    contexts: list[str] = field(default_factory=list)  # per hunk: the definition it sits in


def hunk_lines(patch: str) -> list[HunkLines]:
    """The changed line ranges of a unified diff, from its hunk headers."""
    return [HunkLines(int(m.group(1)), 1 if m.group(2) is None else int(m.group(2)),
                      int(m.group(3)), 1 if m.group(4) is None else int(m.group(4)))
            for m in _HUNK.finditer(patch)]


def changed_definitions(old: CodeFile | None, new: CodeFile | None, hunks: list[HunkLines]) -> FileChanges:
    """The definitions of one file a diff touched, on either side."""
    old_defs = old.definitions if old else []
    new_defs = new.definitions if new else []
    old_owner = _owners(old_defs, old.lines if old else 0)
    new_owner = _owners(new_defs, new.lines if new else 0)
    old_hit = _touched(old_owner, [(h.old_start, h.old_count) for h in hunks])
    new_hit = _touched(new_owner, [(h.new_start, h.new_count) for h in hunks])
    old_keys = {_key(d) for d in old_defs}
    new_keys = {_key(d) for d in new_defs}
    changes = FileChanges()
    seen: set[tuple[str, str]] = set()
    for index in sorted(new_hit, key=lambda i: new_defs[i].start):
        definition = new_defs[index]
        (changes.modified if _key(definition) in old_keys else changes.added).append(definition)
        seen.add(_key(definition))
    for index in sorted(old_hit, key=lambda i: old_defs[i].start):
        definition = old_defs[index]
        if _key(definition) in new_keys:
            if _key(definition) not in seen:
                changes.modified.append(definition)
                seen.add(_key(definition))
        else:
            changes.removed.append(definition)
    changes.modified = _once(changes.modified)
    changes.added, changes.removed, changes.moved = match_moves(_once(changes.added), _once(changes.removed))
    changes.contexts = [_context(h, old_defs, old_owner, new_defs, new_owner) for h in hunks]
    return changes


def match_moves(added: list[Definition], removed: list[Definition], new_path: str = "",
                old_path: str = "") -> tuple[list[Definition], list[Definition], list[MovedDefinition]]:
    """Pairs of a removed and an added definition of one kind with the same body: a rename or
    a move. Returns what stays added, what stays removed, and the moves."""
    by_body: dict[tuple[str, int], list[Definition]] = {}
    for definition in removed:
        if definition.body:
            by_body.setdefault((definition.kind, definition.body), []).append(definition)
    moved: list[MovedDefinition] = []
    kept: list[Definition] = []
    gone: set[int] = set()
    for definition in added:
        twins = by_body.get((definition.kind, definition.body))
        if twins:
            twin = twins.pop(0)
            gone.add(id(twin))
            moved.append(MovedDefinition(old_name=twin.name, new_name=definition.name,
                                         old_path=old_path, new_path=new_path))
        else:
            kept.append(definition)
    return kept, [d for d in removed if id(d) not in gone], moved


def _key(definition: Definition) -> tuple[str, str]:
    return definition.parent, definition.name


def _once(definitions: list[Definition]) -> list[Definition]:
    """One entry per name (a C function is declared once and defined once per platform)."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for definition in definitions:
        if _key(definition) not in seen:
            seen.add(_key(definition))
            kept.append(definition)
    return kept


def _owners(definitions: list[Definition], lines: int) -> list[int]:
    """For each line (index 1..lines), the innermost definition holding it, or -1."""
    size = min(max(lines, max((d.end for d in definitions), default=0)), MAX_PAINTED_LINES) + 2
    owner = [-1] * size
    # Outer spans first, inner ones over them: the innermost holder is painted last.
    for index in sorted(range(len(definitions)), key=lambda i: definitions[i].start - definitions[i].end):
        definition = definitions[index]
        start, end = max(definition.start, 1), min(definition.end, size - 2)
        if start <= end:
            owner[start : end + 1] = [index] * (end - start + 1)
    return owner


def _touched(owner: list[int], ranges: list[tuple[int, int]]) -> set[int]:
    hit: set[int] = set()
    for start, count in ranges:
        if count > 0 and start < len(owner):
            hit.update(owner[max(start, 1) : min(start + count, len(owner))])
    hit.discard(-1)
    return hit


def _context(hunk: HunkLines, old_defs: list[Definition], old_owner: list[int],
             new_defs: list[Definition], new_owner: list[int]) -> str:
    """The name of the definition a hunk sits in: at its first new line, else its first old one."""
    if hunk.new_count and 0 < hunk.new_start < len(new_owner) and new_owner[hunk.new_start] >= 0:
        return new_defs[new_owner[hunk.new_start]].name
    if hunk.old_count and 0 < hunk.old_start < len(old_owner) and old_owner[hunk.old_start] >= 0:
        return old_defs[old_owner[hunk.old_start]].name
    return ""


def read_changes(cache: ReadCache, patch: str, old: tuple[str, str, Loader] | None,
                 new: tuple[str, str, Loader] | None) -> FileChanges | None:
    """The changed definitions of one file's patch; ``old`` and ``new`` are (blob id, path,
    loader of its bytes), None on the side where the file does not exist. None when the
    file is not code the reader knows, or a side could not be read (binary, too large)."""
    path = (new or old or ("", "", _nothing))[1]
    if not language_of(path):
        return None
    hunks = hunk_lines(patch)
    edits = [(h.old_start, h.old_count, h.new_start, h.new_count) for h in hunks]
    before = None if old is None else cache.get(*old)
    after = None if new is None else cache.get(*new, base=old[0] if old else "", edits=edits)
    if any(f is not None and f.reader == "skipped" for f in (before, after)):
        return None
    changes = changed_definitions(before, after, hunks)
    old_path = (old or new or ("", "", _nothing))[1]
    changes.moved = [MovedDefinition(m.old_name, m.new_name, old_path, path) for m in changes.moved]
    return changes


@dataclass
class CommitDefinitions:
    """The definitions one commit added and removed, file by file, to find moves between files."""

    added: list[tuple[str, Definition]] = field(default_factory=list)
    removed: list[tuple[str, Definition]] = field(default_factory=list)
    moved: list[MovedDefinition] = field(default_factory=list)

    def add(self, path: str, changes: FileChanges) -> None:
        self.added += [(path, d) for d in changes.added]
        self.removed += [(path, d) for d in changes.removed]
        self.moved += changes.moved

    def settle(self) -> tuple[set[str], set[str]]:
        """Adds the moves between files to ``moved``; returns the names they take out of the
        added and of the removed lists."""
        across = moves_between_files(self.added, self.removed)
        self.moved += across
        return {m.new_name for m in across}, {m.old_name for m in across}


def moves_between_files(added: list[tuple[str, Definition]],
                        removed: list[tuple[str, Definition]]) -> list[MovedDefinition]:
    """Definitions one commit removed from a file and added, body unchanged, to another."""
    by_body: dict[tuple[str, int], list[tuple[str, Definition]]] = {}
    for path, definition in removed:
        if definition.body:
            by_body.setdefault((definition.kind, definition.body), []).append((path, definition))
    moved = []
    for path, definition in added:
        twins = [t for t in by_body.get((definition.kind, definition.body), []) if t[0] != path]
        if twins:
            old_path, twin = twins[0]
            by_body[(definition.kind, definition.body)].remove(twins[0])
            moved.append(MovedDefinition(twin.name, definition.name, old_path, path))
    return moved


def _nothing() -> bytes:
    return b""
