"""Grounding a draft: its sidecar's chapters, the journal and the repository at the
stretch's end, gathered for `story.grounding` — for `devlog check --grounding`, the
editor's diagnostics and a narrator's review step."""

from __future__ import annotations

import json
import logging
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from devlogd.app import repofacts
from devlogd.app.project import Project
from devlogd.errors import UsageError
from devlogd.models import Beat
from devlogd.pipeline.journal import JournalState
from devlogd.story.grounding import Finding, Sources, ground

log = logging.getLogger(__name__)


def sidecar_of(post: Path) -> Path:
    """Where `devlog draft --out` put the post's chapters -> changes map."""
    return post.with_name(post.name + ".sources.json")


def read_sidecar(post: Path) -> dict[str, list[str]]:
    sidecar = sidecar_of(post)
    try:
        raw = json.loads(sidecar.read_text(encoding="utf-8"))
    except OSError as err:
        raise UsageError(f"cannot read {sidecar} (drafts written with --out have one): {err.strerror}") from err
    except ValueError as err:
        raise UsageError(f"{sidecar} is not JSON: {err}") from err
    if not isinstance(raw, dict) or not all(isinstance(v, list) for v in raw.values()):
        raise UsageError(f"{sidecar} does not map chapters to lists of changes")
    return {str(k): [str(s) for s in v] for k, v in raw.items()}


class GitTree:
    """The repository at one revision, as grounding asks about it (answers cached: an
    editor asks again on every edit)."""

    def __init__(self, where: Path, rev: str) -> None:
        self.where, self.rev = where, rev
        self._paths: frozenset[str] | None = None
        self._words: dict[str, bool] = {}
        self._texts: dict[str, bool] = {}

    def names(self, words: Collection[str]) -> set[str]:
        unknown = [w for w in dict.fromkeys(words) if w not in self._words and w.strip()]
        if unknown:
            found = repofacts.words_in_tree(self.where, self.rev, unknown)
            self._words.update({w: w in found for w in unknown})
        return {w for w in words if self._words.get(w)}

    def paths(self) -> frozenset[str]:
        if self._paths is None:
            self._paths = repofacts.tracked_paths(self.where, self.rev)
        return self._paths

    def contains(self, text: str) -> bool:
        if text not in self._texts:
            self._texts[text] = repofacts.text_in_tree(self.where, self.rev, text)
        return self._texts[text]


def sources_for(project: Project, chapters: Mapping[str, Sequence[str]], state: JournalState | None = None,
                tree: GitTree | None = None) -> Sources:
    """The sources of a post whose sidecar is ``chapters`` (chapter -> shas)."""
    state = state or project.journal.load()
    history = sorted(state.beats, key=lambda b: b.time)
    by_sha = {b.sha: b for b in history}
    for old, new in state.rewrites.items():  # a change rebased since the draft: its new self
        if old not in by_sha and new in by_sha:
            by_sha[old] = by_sha[new]
    told = [[by_sha[s] for s in shas if s in by_sha] for _, shas in sorted(chapters.items(), key=_chapter_order)]
    missing = sum(len(shas) for shas in chapters.values()) - sum(len(c) for c in told)
    if missing:
        log.info("%d changes of the sidecar are not in the journal", missing)
    where = project.paths.workdir or project.paths.common_dir
    last = max((b for c in told for b in c), key=lambda b: b.time, default=history[-1] if history else None)
    if tree is None or (last is not None and tree.rev != last.sha):
        tree = GitTree(where, last.sha if last else "HEAD")
    tags = [t for names in repofacts.tags_by_commit(where).values() for t in names]
    return Sources(chapters=told, history=history, notes=list(state.notes), tree=tree, tags=tags)


def _chapter_order(item: tuple[str, Sequence[str]]) -> tuple[int, str]:
    digits = "".join(ch for ch in item[0] if ch.isdigit())
    return (int(digits) if digits else 0, item[0])


def ground_post(project: Project, post: Path, text: str | None = None) -> list[Finding]:
    """Every claim of the post at ``post`` (or of ``text``, its unsaved words) with its verdict."""
    if text is None:
        try:
            text = post.read_text(encoding="utf-8")
        except OSError as err:
            raise UsageError(f"cannot read {post}: {err.strerror}") from err
    return ground(text, sources_for(project, read_sidecar(post)))


def review_problems(project: Project, chapters: Sequence[Sequence[Beat]], markdown: str) -> list[str]:
    """The contradicted claims of a freshly written draft, one sentence each, for a
    narrator's review step (empty when every claim stands)."""
    from devlogd.story.grounding import contradictions

    sidecar = {f"chapter {i + 1}": [b.sha for b in c] for i, c in enumerate(chapters)}
    return contradictions(markdown, sources_for(project, sidecar))
