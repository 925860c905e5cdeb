"""The narrator's read-only tools over the repository, as data: what each is called, what it
takes, how a call is shown while it runs ("reading fenster.h"), and the bounds every
conversation keeps. Pure code; the tools themselves run in :mod:`devlogd.app.tools`, and the
same tools are `devlog tools …`, so a person, a test or a simulated model uses exactly what
a model gets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Where a file is read: "end" is the tree the stretch told leaves behind; a change's key
# ("c12", from the journal tool) is the tree as that change left it.
_AT = {"type": "string", "description": 'Where to look: "end" (the tree when the work told ends; the default) '
                                        'or a change\'s key such as "c12" (the tree as that change left it).'}

SPECS: tuple[dict[str, Any], ...] = (
    {"name": "list_files",
     "description": "List the repository's files (ignored and secret files are never listed). Use it to find "
                    "the files worth reading.",
     "input_schema": {"type": "object", "properties": {
         "under": {"type": "string", "description": "only files under this folder, e.g. \"src/\""},
         "at": _AT}}},
    {"name": "read_file",
     "description": "Read a file's lines (numbered), or a range of them. Secrets are redacted.",
     "input_schema": {"type": "object", "required": ["path"], "properties": {
         "path": {"type": "string"},
         "start": {"type": "integer", "description": "first line (1-based; default 1)"},
         "end": {"type": "integer", "description": "last line (default: as many as fit)"},
         "at": _AT}}},
    {"name": "show_change",
     "description": "Show one change: what its author wrote about it and its diff (lockfiles, generated and "
                    "vendored files only counted). Keys come from the journal tool.",
     "input_schema": {"type": "object", "required": ["change"], "properties": {
         "change": {"type": "string", "description": 'a change\'s key, such as "c12"'}}}},
    {"name": "search",
     "description": "Find lines holding a text (plain text, not a regular expression; case-insensitive).",
     "input_schema": {"type": "object", "required": ["text"], "properties": {
         "text": {"type": "string"},
         "under": {"type": "string", "description": "only files under this folder"},
         "at": _AT}}},
    {"name": "code_map",
     "description": "The shape of the main files: their top-level definitions in order, with the comment "
                    "above each.",
     "input_schema": {"type": "object", "properties": {"at": _AT}}},
    {"name": "journal",
     "description": "The work in time order: each change's key, day, kind and what it did, and the author's own "
                    "notes. A range narrows it.",
     "input_schema": {"type": "object", "properties": {
         "since": {"type": "string", "description": 'a change\'s key ("c3") or a day ("2024-05-01")'},
         "until": {"type": "string", "description": 'a change\'s key or a day'}}}},
)
NAMES = tuple(str(spec["name"]) for spec in SPECS)


@dataclass(frozen=True)
class Bounds:
    """What one conversation may use: tool calls, bytes per result, the results' tokens in
    all, and wall time. Past any of them the model is told to write with what it has."""

    calls: int = 24
    result_bytes: int = 12_000
    tokens: int = 40_000
    seconds: float = 180.0


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    args: Mapping[str, Any]


@dataclass(frozen=True)
class ToolResult:
    id: str
    text: str
    error: bool = False


def progress_label(call: ToolCall) -> str:
    """What the person waiting is shown while a call runs: "reading fenster.h"."""
    args = call.args
    at = f" at {args['at']}" if args.get("at") not in (None, "", "end") else ""
    if call.name == "read_file":
        return f"reading {args.get('path', '?')}{at}"
    if call.name == "list_files":
        return f"listing {args.get('under') or 'the files'}{at}"
    if call.name == "show_change":
        return f"looking at change {args.get('change', '?')}"
    if call.name == "search":
        return f"searching for \u201c{args.get('text', '')}\u201d{at}"
    if call.name == "code_map":
        return f"mapping the code{at}"
    if call.name == "journal":
        return "reading the journal"
    return f"calling {call.name}"


def clip(text: str, limit: int) -> str:
    """``text`` within ``limit`` bytes, cut at a line, saying it was cut."""
    data = text.encode()
    if len(data) <= limit:
        return text
    head = data[:limit].decode("utf-8", "ignore").rsplit("\n", 1)[0]
    return head + f"\n[... cut here: the result is limited to {limit:,} bytes; ask for a narrower range]"


def tokens_of(text: str) -> int:
    """About how many tokens a result costs (four bytes a token, the usual rule for code)."""
    return len(text.encode()) // 4 + 1
