"""The narrator's read-only tools over one repository (their specs: :mod:`devlogd.story.tools`).

Every result is filtered and redacted exactly as the material is — `.devlogignore` and the
secret files (.env, keys) are never listed, read or searched; every text passes the redactor
— and bounded in bytes. Git is read through :mod:`devlogd.pipeline.gitread` only. A change
is named by its key in the journal ("c12": the twelfth change in time order), never by a hash.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

from devlogd.app.project import Project
from devlogd.errors import DevlogError
from devlogd.models import Beat, Note
from devlogd.pipeline import gittree
from devlogd.pipeline.gitread import GitReader
from devlogd.pipeline.ignore import SENSITIVE
from devlogd.pipeline.redact import redact
from devlogd.story import tools as spec
from devlogd.story.outline import TOKENS_PER_LINE, FileOutline, outline, outline_paths, outline_text
from devlogd.story.sources import clean
from devlogd.story.timeline import day, moment
from devlogd.story.labels import title

log = logging.getLogger(__name__)

LIST_LIMIT = 400  # paths per listing
SEARCH_HITS = 60  # lines per search
SEARCH_FILES = 2_000  # files a search reads at most
SEARCH_FILE_BYTES = 256 * 1024  # a larger file is searched in its first part only
MAP_FILES = 6


class ToolError(DevlogError):
    """A call the tools cannot answer (a file that is not there, a key that is not a change)."""

    exit_code = 2


def code_map(texts: Sequence[tuple[str, str]], budget: int = MAP_FILES * 40 * TOKENS_PER_LINE) -> list[FileOutline]:
    """The ranked code map of (path, redacted text) pairs (pipeline/code_map: definitions
    ranked by how the files use each other), main files first, within ``budget`` tokens."""
    return outline(texts, files=MAP_FILES, budget=budget)


@dataclass
class RepoTools:
    """The tools over ``project``; "end" is ``end`` (a revision), keys index ``beats``."""

    project: Project
    beats: Sequence[Beat]  # the journal's changes, in time order: c1, c2, ...
    notes: Sequence[Note] = ()
    end: str = "HEAD"
    limit: int = spec.Bounds().result_bytes

    def __post_init__(self) -> None:
        self._local = threading.local()

    @property
    def _git(self) -> GitReader:
        """One reader per thread: a pygit2 repository is used from one thread at a time."""
        reader = getattr(self._local, "reader", None)
        if reader is None:
            where = self.project.paths.workdir or self.project.paths.common_dir
            reader = self._local.reader = GitReader(where, self.project.config.git, self.project.ignore,
                                                    self.project.noise)
        return reader

    def run(self, name: str, args: Mapping[str, Any]) -> str:
        """One tool's answer as text (redacted, within the byte limit); ToolError when the
        call cannot be answered, in a sentence the model can act on."""
        handler: Callable[[Mapping[str, Any]], str] | None = getattr(self, f"_{name}", None)
        if name not in spec.NAMES or handler is None:
            raise ToolError(f"there is no tool called {name!r} (the tools: {', '.join(spec.NAMES)})")
        # The last pass, over the whole answer (file names and titles are material too) and over
        # an error, which may quote the path asked for.
        try:
            return spec.clip(redact(handler(args)), self.limit)
        except ToolError as err:
            raise ToolError(redact(str(err))) from None

    def run_all(self, calls: Sequence[spec.ToolCall]) -> list[spec.ToolResult]:
        """Calls that do not depend on each other, run at once; results in the calls' order."""
        def one(call: spec.ToolCall) -> spec.ToolResult:
            try:
                return spec.ToolResult(call.id, self.run(call.name, call.args))
            except DevlogError as err:
                return spec.ToolResult(call.id, str(err), error=True)
        if len(calls) <= 1:
            return [one(c) for c in calls]
        with ThreadPoolExecutor(max_workers=min(4, len(calls)), thread_name_prefix="devlog-tool") as pool:
            return list(pool.map(one, calls))

    # -- where ---------------------------------------------------------------------------------

    def _rev(self, at: object) -> str:
        text = str(at or "end").strip()
        return self.end if text in ("", "end") else self._beat(text).sha

    def _beat(self, key: str) -> Beat:
        text = key.strip().lower()
        if text.startswith("c") and text[1:].isdigit() and 1 <= int(text[1:]) <= len(self.beats):
            return self.beats[int(text[1:]) - 1]
        raise ToolError(f"{key!r} is not a change's key: keys run from c1 to c{len(self.beats)} (see the journal tool)")

    def _readable(self, path: str) -> bool:
        return not SENSITIVE.ignored(path) and not self.project.ignore.ignored(path)

    # -- the tools -----------------------------------------------------------------------------

    def _list_files(self, args: Mapping[str, Any]) -> str:
        under = _relative(args.get("under"))
        paths = [p for p in gittree.tree_paths(self._git, self._rev(args.get("at"))) if p.startswith(under) and self._readable(p)]
        noise = self.project.noise
        told = [p for p in paths if not noise.classify(p)]
        quiet = len(paths) - len(told)
        lines = told[:LIST_LIMIT]
        if len(told) > LIST_LIMIT:
            lines.append(f"[... and {len(told) - LIST_LIMIT} more; list a folder with `under`]")
        if quiet:
            lines.append(f"[{quiet} more: lockfiles, generated, vendored or binary files, not listed]")
        return "\n".join(lines) or f"no files under {under!r}"

    def _read_file(self, args: Mapping[str, Any]) -> str:
        path = _relative(args.get("path"))
        if not path or not self._readable(path):
            raise ToolError(f"{path or 'that file'} cannot be read: it is ignored or may hold secrets")
        text = gittree.blob_text(self._git, self._rev(args.get("at")), path)
        if text is None:
            raise ToolError(f"{path} is not a text file there (missing, binary or ignored); list_files shows what is")
        lines = redact(text, path).split("\n")
        start = max(1, int(args.get("start") or 1))
        end = min(len(lines), int(args.get("end") or len(lines)))
        width = len(str(end))
        shown = [f"{n:>{width}}  {lines[n - 1]}" for n in range(start, end + 1)]
        return f"{path} ({len(lines):,} lines)\n" + "\n".join(shown)

    def _show_change(self, args: Mapping[str, Any]) -> str:
        key = str(args.get("change") or "")
        beat = self._beat(key)
        head = [f"{key.lower()} [{moment(beat)}] {beat.kind}: {clean(title(beat))}"
                + (f" (by {beat.author})" if beat.author else "")]
        if beat.message.strip():
            head.append("What its author wrote:\n" + clean(beat.message.strip()))
        parts: list[str] = []
        quiet: list[str] = []
        for change, patch in gittree.change_patches(self._git, beat.sha):
            if change.noise or not self._readable(change.path):
                quiet.append(change.path)
                continue
            parts.append(f"--- {change.path} ({change.status}, +{change.insertions} -{change.deletions})\n"
                         + redact(_without_headers(patch), change.path))
        if quiet:
            parts.append("also changed, not shown: " + ", ".join(quiet[:20]))
        return "\n".join(head) + "\n\n" + "\n".join(parts)

    def _search(self, args: Mapping[str, Any]) -> str:
        needle = str(args.get("text") or "").lower()
        if len(needle) < 2:
            raise ToolError("search needs at least two characters of text")
        under = _relative(args.get("under"))
        rev = self._rev(args.get("at"))
        noise = self.project.noise
        hits: list[str] = []
        paths = [p for p in gittree.tree_paths(self._git, rev) if p.startswith(under) and self._readable(p)
                 and not noise.classify(p)]
        for path in paths[:SEARCH_FILES]:
            text = gittree.blob_text(self._git, rev, path, SEARCH_FILE_BYTES)
            if text is None or needle not in text.lower():
                continue  # plain substring search: linear in the text, whatever the model asks
            # Redacted as a whole file (a value's name may sit on the line above), then searched.
            for number, line in enumerate(redact(text, path).split("\n"), 1):
                if needle in line.lower():
                    hits.append(f"{path}:{number}: {line.strip()[:200]}")
                    if len(hits) >= SEARCH_HITS:
                        return "\n".join(hits) + f"\n[... stopped at {SEARCH_HITS} lines; search a folder]"
        return "\n".join(hits) or f"no line holds {needle!r}"

    def _code_map(self, args: Mapping[str, Any]) -> str:
        rev = self._rev(args.get("at"))
        texts = [(path, redact(text, path)) for path in outline_paths(self.beats, MAP_FILES * 4)
                 if self._readable(path) and (text := gittree.blob_text(self._git, rev, path)) is not None]
        return outline_text(code_map(texts)[:MAP_FILES]) or "no code file with definitions was found"

    def _journal(self, args: Mapping[str, Any]) -> str:
        first, last = self._bound(args.get("since"), 0), self._bound(args.get("until"), len(self.beats) - 1)
        lines = [f"c{i + 1} [{moment(b)}] {b.kind}: {clean(title(b))}" + (f" (by {b.author})" if b.author else "")
                 for i, b in enumerate(self.beats) if first <= i <= last]
        low = self.beats[first].time if self.beats and first < len(self.beats) else 0
        high = self.beats[last].time if self.beats and last >= 0 else 0
        lines += [f"note [{n.time and day_of(n.time)}]: {clean(n.text)}" for n in self.notes
                  if low - 86400 <= n.time <= high + 86400]
        return "\n".join(lines) or "nothing in that range"

    def _bound(self, value: object, default: int) -> int:
        text = str(value or "").strip()
        if not text:
            return default
        if text.lower().startswith("c") and text[1:].isdigit():
            return self.beats.index(self._beat(text))
        try:
            wanted = date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            raise ToolError(f"{text!r} is neither a change's key (c3) nor a day (2024-05-01)") from None
        days = [day(b) for b in self.beats]
        if default == 0:
            return next((i for i, d in enumerate(days) if d >= wanted), len(days))
        return max((i for i, d in enumerate(days) if d <= wanted), default=-1)


def day_of(timestamp: int) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")


def _without_headers(patch: str) -> str:
    """A file's patch from its first hunk: the `diff --git`/`index` lines say nothing (and
    hold hashes)."""
    at = patch.find("\n@@")
    return patch[at + 1:] if at >= 0 else ("" if patch.startswith("diff --git") else patch)


def _relative(value: object) -> str:
    """A path as the tree names it: "./src/x.c" and "/src/x.c" are "src/x.c" (".env" stays)."""
    text = str(value or "").strip()
    while text.startswith(("./", "/")):
        text = text[2:] if text.startswith("./") else text[1:]
    return text
