"""The shared data shapes. Every stage imports these and nothing of the other stages."""

from __future__ import annotations

import re
from typing import Literal, Union

import msgspec

SCHEMA_VERSION = 2
"""2: a beat holds typed facts (``action``) and the author's message, and no English composed
for it (version 1 held a headline, a "what" sentence and reasons picked from the message)."""

_OWN_STATEMENT = re.compile(r"^\s*(?:[-*•]\s|\w+(?:\([^)]*\))?!?:\s)")

FileStatus = Literal["A", "M", "D", "R", "C", "T"]

BEAT_KINDS = (
    "feature",
    "fix",
    "perf",
    "refactor",
    "test",
    "docs",
    "build",
    "revert",
    "merge",
    "release",
    "chore",
)


class FileChange(msgspec.Struct, omit_defaults=True, frozen=True, gc=False):
    path: str
    status: FileStatus
    insertions: int = 0
    deletions: int = 0
    old_path: str | None = None
    binary: bool = False
    submodule: bool = False
    noise: str = ""  # the noise class (lockfile, asset, ...) of a file no story is told from


class Hunk(msgspec.Struct, omit_defaults=True, frozen=True, gc=False):
    """A few telling lines of one diff hunk, already redacted."""

    path: str
    header: str = ""
    lines: list[str] = msgspec.field(default_factory=list)


def split_message(message: str) -> tuple[str, str]:
    """A message's subject and body: a subject wrapped onto a second line is still the
    subject, but a second line that starts a statement of its own (``fix(x): ...``, a
    bullet) is not."""
    text = message.strip()
    paragraph, _, after = text.partition("\n\n")
    lines = paragraph.split("\n")
    for index, line in enumerate(lines[1:], start=1):
        if _OWN_STATEMENT.match(line):
            head, rest = "\n".join(lines[:index]), "\n".join(lines[index:]) + ("\n\n" + after if after else "")
            return " ".join(head.split()), rest.strip()
    return " ".join(paragraph.split()), after.strip()


class Definition(msgspec.Struct, omit_defaults=True, frozen=True, gc=False):
    """One definition in a file, as the code reader found it (lines count from 1)."""

    name: str
    kind: str  # function, method, class, struct, enum, trait, impl, type, module, macro, declaration
    start: int
    end: int
    parent: str = ""  # the class, impl or module it sits in
    doc: str = ""  # the comment above it, or its docstring, without comment markers
    signature: str = ""  # its first line, up to where the body opens
    body: int = 0  # a hash of its text with its own name blanked: equal bodies, a rename or a move


class CodeFile(msgspec.Struct, omit_defaults=True, frozen=True, gc=False):
    """What the code reader made of one file."""

    path: str
    language: str = ""
    reader: str = "tree-sitter"  # "tree-sitter", "lines" (a heuristic, no grammar) or "skipped"
    note: str = ""  # why a file was skipped: binary, too large
    definitions: list[Definition] = msgspec.field(default_factory=list)
    references: list[str] = msgspec.field(default_factory=list)  # names used, when asked for
    lines: int = 0


class MovedDefinition(msgspec.Struct, omit_defaults=True, frozen=True, gc=False):
    """A definition whose body survived a commit under another name or in another file."""

    old_name: str
    new_name: str
    old_path: str = ""
    new_path: str = ""


class CommitFacts(msgspec.Struct, omit_defaults=True):
    """What git can tell about one commit, bounded in size and redacted."""

    sha: str
    parents: list[str]
    author: str
    author_email: str
    author_time: int
    author_offset: int
    committer_time: int
    message: str
    files: list[FileChange] = msgspec.field(default_factory=list)
    files_total: int = 0
    insertions: int = 0
    deletions: int = 0
    functions: list[str] = msgspec.field(default_factory=list)
    definitions: list[str] = msgspec.field(default_factory=list)
    removed_definitions: list[str] = msgspec.field(default_factory=list)
    moved_definitions: list[MovedDefinition] = msgspec.field(default_factory=list)  # renamed or moved, body kept
    identifiers: list[str] = msgspec.field(default_factory=list)
    constants: list[str] = msgspec.field(default_factory=list)
    numbers: list[str] = msgspec.field(default_factory=list)
    excerpt: list[Hunk] = msgspec.field(default_factory=list)
    notes: list[str] = msgspec.field(default_factory=list)
    dependencies: list[str] = msgspec.field(default_factory=list)  # added to a manifest

    @property
    def subject(self) -> str:
        """The first paragraph on one line, as git shows it (see :func:`split_message`)."""
        return split_message(self.message)[0]

    @property
    def body(self) -> str:
        return split_message(self.message)[1]

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1


class Stats(msgspec.Struct, omit_defaults=True, frozen=True, gc=False):
    files: int = 0
    insertions: int = 0
    deletions: int = 0


ACTION_VERBS = ("added", "set", "reworked", "created", "deleted", "renamed", "changed", "noise", "empty")


class Action(msgspec.Struct, omit_defaults=True, frozen=True, gc=False):
    """What the diff shows a change did, as data: what a subject that says nothing ("wip")
    leaves out. ``verb`` is one of ACTION_VERBS: added definitions, set constants, reworked
    functions, created/deleted/changed files, renamed one, only noise files, or nothing."""

    verb: str = "changed"
    names: list[str] = msgspec.field(default_factory=list)  # definitions, constants, functions, a noise class
    where: str = ""  # the main file
    files: int = 0  # how many files it concerns
    old_path: str = ""  # a rename's old path


# gc=False: records hold only strings, numbers and other records, never cycles, so the
# collector need not track them (loading 100,000 beats is ~2x faster).
class Beat(msgspec.Struct, tag="beat", tag_field="type", omit_defaults=True, gc=False):
    """One commit as typed facts: the author's message verbatim (``subject``, ``body``),
    what the diff shows (``action``, definitions, files, numbers), its kind and weight.
    No sentence is composed for it: English is a narrator's or a template's job."""

    sha: str
    time: int
    kind: str
    # Version 1 omitted its version (it was the default): a record without one is version 1.
    # make_beat writes SCHEMA_VERSION, so every beat journaled now says which it is.
    v: int = 1
    informative: bool = True  # False when the subject says nothing ("wip", "fix", "update x.py")
    action: Action = Action()
    branch: str = ""
    author: str = ""
    parents: list[str] = msgspec.field(default_factory=list)
    areas: list[str] = msgspec.field(default_factory=list)
    files: list[str] = msgspec.field(default_factory=list)
    identifiers: list[str] = msgspec.field(default_factory=list)
    numbers: list[str] = msgspec.field(default_factory=list)
    excerpt: list[Hunk] = msgspec.field(default_factory=list)
    message: str = ""  # the author's message verbatim, trailers removed
    stats: Stats = Stats()
    importance: int = 0
    origin: str = "facts"
    retold: str = ""  # a model's one-line retelling (an Enriched record), applied when read
    notes: list[str] = msgspec.field(default_factory=list)
    author_email: str = ""
    offset: int = 0  # the author's UTC offset in minutes: the time of day as they lived it
    added: list[str] = msgspec.field(default_factory=list)  # definitions the change added
    removed: list[str] = msgspec.field(default_factory=list)  # definitions it removed
    touched: list[str] = msgspec.field(default_factory=list)  # functions its hunks changed
    dependencies: list[str] = msgspec.field(default_factory=list)  # added to a manifest
    noise: dict[str, int] = msgspec.field(default_factory=dict)  # noise class -> files

    @property
    def subject(self) -> str:
        """The author's subject, verbatim."""
        return split_message(self.message)[0]

    @property
    def body(self) -> str:
        """The author's body, verbatim (trailers removed)."""
        return split_message(self.message)[1]


class Rewrite(msgspec.Struct, tag="rewrite", tag_field="type", omit_defaults=True, gc=False):
    """Old commits replaced by new ones (amend, rebase): beats are re-keyed, never told twice."""

    time: int
    pairs: list[tuple[str, str]]
    v: int = SCHEMA_VERSION


class Published(msgspec.Struct, tag="published", tag_field="type", omit_defaults=True, gc=False):
    """The user published a draft covering beats up to ``until``."""

    time: int
    until: str
    v: int = SCHEMA_VERSION


class Note(msgspec.Struct, tag="note", tag_field="type", omit_defaults=True, gc=False):
    """The author's own words about the work (`devlog note`): a motive, a result, a number
    git cannot hold. Keyed by time, so no rewrite of the history can lose it."""

    time: int
    text: str
    v: int = SCHEMA_VERSION
    # An answer to one of devlog's questions: its id and the gap it fills (GAP_KINDS).
    question: str = ""
    kind: str = ""
    about: list[str] = msgspec.field(default_factory=list)  # the shas it concerns
    id: str = ""  # stable, for editing or removing it; older notes: note_id()
    removed: bool = False  # a later record with the same id and this set takes it back

    def note_id(self) -> str:
        return self.id or self.question or f"n{self.time}"


# The gaps only the author can fill, most valuable first (devlog questions asks in this order).
GAP_KINDS = ("motive", "purpose", "result", "design", "trouble", "next")


class Question(msgspec.Struct, omit_defaults=True):
    """One thing devlog asks the author before a draft: typed, with a stable id so an answer
    maps to its question across runs. ``text`` is rendered from data/questions.toml."""

    id: str
    kind: str  # one of GAP_KINDS
    gap: str  # what the answer fills, for the reader of `devlog questions`
    subjects: list[str]  # the concrete things from the range it names
    text: str
    about: list[str] = msgspec.field(default_factory=list)  # shas of the changes it concerns
    time: int = 0  # when the work it concerns happened: where its answer is placed


class AgentPrompt(msgspec.Struct, frozen=True, omit_defaults=True):
    """What the author typed into a coding agent (Claude Code, Codex, Aider), redacted and
    condensed, with the files the agent touched after it: read only when the user opted in."""

    time: int
    text: str
    tool: str  # "Claude Code", "Codex", "Aider"
    files: tuple[str, ...] = ()  # repository-relative paths the agent edited for this prompt
    beside: str = ""  # the sha of the change it led to, once linked


class Enriched(msgspec.Struct, tag="enriched", tag_field="type", omit_defaults=True, gc=False):
    """A model's retelling of one beat's prose fields; the facts underneath never change."""

    sha: str
    time: int
    origin: str
    headline: str
    why: str = ""
    tension: str = ""
    insight: str = ""
    v: int = SCHEMA_VERSION


class Enrichment(msgspec.Struct, forbid_unknown_fields=False):
    """What an enrichment call must answer, validated before anything is journaled."""

    headline: str
    why: str = ""
    tension: str = ""
    insight: str = ""

    def __post_init__(self) -> None:
        if not self.headline.strip() or len(self.headline) > 140:
            raise ValueError("headline must be 1-140 characters")


Record = Union[Beat, Rewrite, Published, Enriched, Note]
