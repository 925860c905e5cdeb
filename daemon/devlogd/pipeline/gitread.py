"""Commit facts from git. The only module that imports pygit2.

Every commit becomes a bounded, redacted :class:`CommitFacts`. Nothing a repository can
contain is fatal here: undecodable messages are decoded with replacement characters,
missing objects (partial or broken clones) are skipped and noted, and huge commits are
described up to configured bounds so one vendoring commit cannot stall the daemon.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pygit2

from devlogd.pipeline import code_changes, extract, manifests
from devlogd.pipeline.code import ReadCache
from devlogd.pipeline.decoding import decode, python_codec
from devlogd.pipeline.excerpts import best_hunks, file_kind, topic_words
from devlogd.pipeline.noise import NoiseFilter, noise_filter
from devlogd.config import GitConfig
from devlogd.errors import DevlogError, NotARepositoryError
from devlogd.pipeline.ignore import SENSITIVE, PathFilter
from devlogd.models import CommitFacts, FileChange, Hunk
from devlogd.pipeline.redact import redact, redact_commit

log = logging.getLogger(__name__)

# libgit2 re-hashes every object it inflates unless told not to; git itself does not, and
# it costs a third of a backfill. Objects are still checked by their pack's checksums.
pygit2.settings.enable_strict_hash_verification(False)

_GITLINK = 0o160000
_GIT_ERRORS = (KeyError, ValueError, pygit2.GitError)
GIT_ERRORS = _GIT_ERRORS  # for pipeline.gittree, which reads through a GitReader without importing pygit2

class RevisionError(DevlogError):
    exit_code = 2


@dataclass
class _Scan:
    """What reading one commit's diff collects before it becomes CommitFacts."""

    files: list[FileChange] = field(default_factory=list)
    found: extract.PatchFinds = field(default_factory=extract.PatchFinds)
    dependencies: list[str] = field(default_factory=list)
    topic: frozenset[str] = frozenset()  # words of the message, which tell the key lines
    hunks: list[tuple[float, Hunk]] = field(default_factory=list)  # (score, hunk)
    notes: list[str] = field(default_factory=list)
    test_definitions: list[str] = field(default_factory=list)  # told after the code's own
    code: code_changes.CommitDefinitions = field(default_factory=code_changes.CommitDefinitions)
    insertions: int = 0
    deletions: int = 0
    files_total: int = 0


class GitReader:
    """Reads one repository. Cheap to construct; safe to use from one thread."""

    def __init__(self, path: Path | str, config: GitConfig | None = None,
                 ignore: PathFilter | None = None, noise: NoiseFilter | None = None) -> None:
        try:
            self.repo = pygit2.Repository(str(path))
        except pygit2.GitError as err:
            raise NotARepositoryError(f"not a git repository: {path}") from err
        self.config = config or GitConfig()
        self.ignore = ignore or PathFilter()
        self.noise = noise or noise_filter()
        self._limits = extract.ScanLimits(lines=self.config.max_scan_lines,
                                          excerpt_lines=self.config.excerpt_lines)
        self._code = ReadCache()  # files read by blob id: the new side of one commit is the old of the next

    # -- revisions -------------------------------------------------------------------

    def head_branch(self) -> str:
        try:
            if self.repo.head_is_detached:
                return ""
            return name if redact(name := str(self.repo.head.shorthand)) == name else ""  # a token is no branch
        except _GIT_ERRORS:
            return ""  # unborn branch

    def resolve(self, rev: str) -> str:
        try:
            obj = self.repo.revparse_single(rev)
            return str(obj.peel(pygit2.Commit).id)
        except _GIT_ERRORS as err:
            raise RevisionError(f"unknown revision: {rev}") from err

    def first_parent_shas(self, spec: str | None = None) -> list[str]:
        """Commits of ``spec`` along first parents, oldest first.

        ``spec`` is a revision (``HEAD``, a branch, a sha) or a range ``A..B``; by default
        the current branch. An empty repository has no commits.
        """
        include, exclude = self._parse_spec(spec)
        if include is None:
            return []
        walker = self.repo.walk(include, pygit2.enums.SortMode.TOPOLOGICAL)
        walker.simplify_first_parent()
        if exclude is not None:
            walker.hide(exclude)
        return _oldest_first(walker)

    def local_tips(self) -> list[str]:
        """Where the user's own work is: local branches, HEAD and every worktree's HEAD."""
        tips: list[str] = []
        try:
            for name in self.repo.branches.local:
                branch = self.repo.branches.local[name]
                tips.append(str(branch.peel(pygit2.Commit).id))
        except _GIT_ERRORS as err:
            log.warning("cannot list branches: %s", err)
        for worktree in [None, *self._worktree_names()]:
            try:
                repo = self.repo if worktree is None else pygit2.Repository(self.repo.lookup_worktree(worktree).path)
                if not repo.head_is_unborn:
                    tips.append(str(repo.head.peel(pygit2.Commit).id))
            except _GIT_ERRORS:
                continue
        return list(dict.fromkeys(tips))

    def _worktree_names(self) -> list[str]:
        try:
            return list(self.repo.list_worktrees())
        except _GIT_ERRORS:
            return []

    def reachable_shas(self, tips: list[str]) -> list[str]:
        """All commits reachable from ``tips`` (any parent), oldest first."""
        walker = self.repo.walk(None, pygit2.enums.SortMode.TOPOLOGICAL)
        for tip in tips:
            walker.push(pygit2.Oid(hex=tip))
        return _oldest_first(walker)

    def reachable_since(self, tips: list[str], known: list[str]) -> list[str] | None:
        """Commits reachable from ``tips`` that were not reachable from ``known``, oldest
        first: after a commit, just that commit instead of the whole history again.

        None when a known tip is reachable no more (a reset, a rebase, a deleted branch):
        what was reachable may have shrunk, and only a full walk can say what remains.
        """
        current = set(tips)
        try:
            for old in known:
                if old not in current and not any(self.repo.descendant_of(tip, old) for tip in tips):
                    return None
            walker = self.repo.walk(None, pygit2.enums.SortMode.TOPOLOGICAL)
            for tip in tips:
                walker.push(pygit2.Oid(hex=tip))
            for old in known:
                walker.hide(pygit2.Oid(hex=old))
        except _GIT_ERRORS:
            return None
        return _oldest_first(walker)

    def _parse_spec(self, spec: str | None) -> tuple[pygit2.Oid | None, pygit2.Oid | None]:
        if spec is None or spec == "":
            if self.repo.head_is_unborn:
                return None, None
            spec = "HEAD"
        if ".." in spec:
            left, _, right = spec.partition("..")
            right = right.lstrip(".")
            exclude = self.resolve(left or "HEAD")
            include = self.resolve(right or "HEAD")
            return pygit2.Oid(hex=include), pygit2.Oid(hex=exclude)
        return pygit2.Oid(hex=self.resolve(spec)), None

    def exists(self, sha: str) -> bool:
        try:
            return isinstance(self.repo[sha], pygit2.Commit)
        except _GIT_ERRORS:
            return False

    # -- facts -----------------------------------------------------------------------

    def facts(self, sha: str) -> CommitFacts:
        try:
            commit = self.repo[sha]
        except _GIT_ERRORS as err:
            raise RevisionError(f"commit {sha[:12]} is not in this repository") from err
        if not isinstance(commit, pygit2.Commit):
            raise RevisionError(f"{sha[:12]} is not a commit")
        encoding = python_codec(commit.message_encoding)
        author = commit.author
        raw_message = decode(commit.raw_message, encoding)
        scan = self._scan_diff(commit, topic_words(raw_message))  # the words only score lines
        found = scan.found  # names and file names are redacted with the message, in one pass
        added, gone = scan.code.settle()  # a definition moved between files is neither added nor removed
        found.definitions, found.removed = _without(found.definitions, added), _without(found.removed, gone)
        found.definitions += _without(scan.test_definitions, added)  # a test's names after the code's own
        message = redact_commit(raw_message, scan.files, scan.hunks,
                                (found.constants, found.definitions, found.removed, found.functions, scan.notes))
        texts = extract.message_texts(message)
        return CommitFacts(
            sha=str(commit.id),
            parents=[str(p) for p in commit.parent_ids],
            author=redact(decode(author.raw_name, encoding)),  # a name is whatever the committer typed
            author_email=redact(decode(author.raw_email, encoding)),
            author_time=int(author.time),
            author_offset=int(author.offset),
            committer_time=int(commit.commit_time),
            message=message,
            files=scan.files,
            files_total=max(len(scan.files), scan.files_total),
            insertions=scan.insertions,
            deletions=scan.deletions,
            functions=_unique(scan.found.functions, 20),
            definitions=_unique(found.definitions, 20),
            removed_definitions=_unique(scan.found.removed, 10),
            moved_definitions=scan.code.moved[:10],
            identifiers=_unique(texts.identifiers, 20),
            constants=_unique(scan.found.constants, 12),
            numbers=_unique(texts.numbers, 12),
            excerpt=best_hunks(scan.hunks, self.config.excerpt_hunks),
            notes=scan.notes,
            dependencies=_unique([d for d in scan.dependencies if redact(d) == d], 12),  # a token is no package
        )

    def _base_tree(self, commit: Any, scan: _Scan) -> Any | None:
        if not commit.parent_ids:
            return None
        try:
            return self.repo[commit.parent_ids[0]].tree
        except _GIT_ERRORS:
            scan.notes.append("parent commit unavailable; changes shown against an empty tree")
            return None

    def _diff(self, commit: Any, scan: _Scan) -> Any | None:
        base = self._base_tree(commit, scan)
        try:
            tree = commit.tree
            if base is None:
                return tree.diff_to_tree(swap=True, context_lines=0)
            return base.diff_to_tree(tree, context_lines=0, interhunk_lines=0)
        except _GIT_ERRORS as err:
            scan.notes.append(f"tree unavailable: {err}")
            return None

    def _scan_diff(self, commit: Any, topic: frozenset[str] = frozenset()) -> _Scan:
        scan = _Scan(topic=topic)
        diff = self._diff(commit, scan)
        if diff is None:
            return scan
        total = len(diff)
        if total > 1 and 0 < _pairs(diff) <= self.config.rename_limit:  # a rename needs a pair
            try:
                diff.find_similar()
                total = len(diff)
            except _GIT_ERRORS:
                scan.notes.append("rename detection skipped: objects unavailable")
        scan.files_total = total
        detailed = min(total, self.config.max_files)
        deltas = list(diff.deltas) if total else []
        if not self._scan_whole(diff, deltas, detailed, scan):
            for index in range(detailed):
                self._scan_one(diff, index, deltas[index], scan)
            if total > detailed:
                try:
                    stats = diff.stats
                    scan.insertions, scan.deletions = int(stats.insertions), int(stats.deletions)
                except _GIT_ERRORS:
                    pass
        if total > detailed:
            scan.notes.append(f"{total - detailed} more files not described one by one")
        return scan

    def _scan_whole(self, diff: Any, deltas: list[Any], detailed: int, scan: _Scan) -> bool:
        """The fast path: the whole diff as text from one C call, cut into files here.

        False when it cannot be used (a missing object, sections that do not line up with
        the files); the caller then asks for each file's patch on its own.
        """
        try:
            text = diff.patch or ""
        except (*_GIT_ERRORS, UnicodeDecodeError):
            return False
        sections = text[len("diff --git "):].split("\ndiff --git ") if text.startswith("diff --git ") else []
        if len(sections) != len(deltas):
            return False
        for index, (delta, section) in enumerate(zip(deltas, sections)):
            body_at = section.find("\n@@")
            header = section if body_at < 0 else section[:body_at]
            body = "" if body_at < 0 else section[body_at:]
            added, deleted = body.count("\n+"), body.count("\n-")
            if index >= detailed:
                scan.insertions += added
                scan.deletions += deleted
                continue
            binary = "\nBinary files " in header or "\nGIT binary patch" in header
            self._record(delta, scan, added, deleted, binary, body)
        return True

    def _scan_one(self, diff: Any, index: int, delta: Any, scan: _Scan) -> None:
        """The careful path: one file's patch, which may fail alone (a missing blob)."""
        try:
            patch = diff[index]
        except _GIT_ERRORS:
            path = _path(delta.new_file) or _path(delta.old_file)
            if not self.ignore.ignored(path):
                scan.notes.append(f"contents of {path} unavailable (missing object)")
                scan.files.append(_file(path, delta.status_char(), _path(delta.old_file), submodule=_is_gitlink(delta)))
            return
        _, added, deleted = patch.line_stats
        try:
            text = patch.data.decode("utf-8", "replace")
        except _GIT_ERRORS:
            text = ""
        self._record(delta, scan, added, deleted, bool(patch.delta.is_binary), text)

    def _record(self, delta: Any, scan: _Scan, added: int, deleted: int, binary: bool, text: str) -> None:
        new, old = delta.new_file, delta.old_file  # each read builds a new object: read once
        old_path = _path(old)
        path = _path(new) or old_path
        if self.ignore.ignored(path):
            return
        submodule = new.mode == _GITLINK or old.mode == _GITLINK
        binary = binary and not submodule
        noise = "" if submodule else self.noise.classify(path, binary)
        scan.insertions += added
        scan.deletions += deleted
        scan.files.append(_file(path, delta.status_char(), old_path, added, deleted,
                                binary=binary, submodule=submodule, noise=noise))
        if binary or submodule or noise or not text:
            return  # no names, numbers or excerpts from a file no story is told from
        if manifests.is_manifest(path):
            scan.dependencies += manifests.added_dependencies(path, text)
        if scan.found.lines < self.config.max_scan_lines and not SENSITIVE.ignored(path):
            # .env and key files: their names and line counts are facts, nothing inside
            changes = code_changes.read_changes(self._code, text, self._side(old, old_path), self._side(new, path))
            self._scan_text(text, path, scan, changes)

    def _side(self, diff_file: Any, path: str) -> tuple[str, str, code_changes.Loader] | None:
        """One side of a file's change, for the code reader: its blob id, path and bytes."""
        if (oid := diff_file.id) is None or not any(oid.raw):  # a side that does not exist
            return None
        def load() -> bytes:
            try:
                return bytes(self.repo[oid].read_raw())
            except _GIT_ERRORS:
                return b"\0"  # unreadable: the reader skips it as it skips a binary
        return str(oid), path, load

    def _scan_text(self, text: str, path: str, scan: _Scan, changes: code_changes.FileChanges | None) -> None:
        found = scan.found
        contexts = None if changes is None else changes.contexts
        finds = extract.scan_patch(text, self._limits, found, path, scan.topic, contexts)
        found.lines += finds.lines
        if found.lines >= self.config.max_scan_lines:
            scan.notes.append("diff scan stopped at its line budget")
        if changes is not None:  # the reader's names: the definitions whose spans hold the changed lines
            finds.functions = [d.name for d in changes.modified]
            finds.definitions = [d.name for d in changes.added]
            finds.removed = [d.name for d in changes.removed]
            scan.code.add(path, changes)
        found.functions += finds.functions
        # A test's `test_empty_header` is not what the change built: it is told after the code's names
        (scan.test_definitions if file_kind(path) == "test" else found.definitions).extend(finds.definitions)
        found.removed += finds.removed
        found.constants += finds.constants
        for hunk in finds.hunks:
            # Redacted later, once the best hunks are chosen: most are never stored.
            scan.hunks.append((hunk.score, Hunk(path=path, header=hunk.context, lines=hunk.lines)))


def _is_gitlink(delta: Any) -> bool:
    return bool(delta.new_file.mode == _GITLINK or delta.old_file.mode == _GITLINK)


def _oldest_first(walker: Any) -> list[str]:
    shas: list[str] = []
    try:
        for commit in walker:
            shas.append(str(commit.id))
    except _GIT_ERRORS as err:
        # A shallow or damaged history ends the walk where it ends; what we have stands.
        log.warning("history walk stopped early: %s", err)
    shas.reverse()
    return shas


def _pairs(diff: Any) -> int:
    added = deleted = 0
    for delta in diff.deltas:
        status = delta.status_char()
        added += status == "A"
        deleted += status == "D"
    return added * deleted


def _file(path: str, status: str, old_path: str, insertions: int = 0, deletions: int = 0,
          binary: bool = False, submodule: bool = False, noise: str = "") -> FileChange:
    renamed = status in ("R", "C") and old_path != path
    known = status if status in ("A", "M", "D", "R", "C", "T") else "M"
    return FileChange(path=path, status=known, insertions=insertions, deletions=deletions,  # type: ignore[arg-type]
                      old_path=old_path if renamed else None, binary=binary, submodule=submodule, noise=noise)


def _path(diff_file: Any) -> str:
    raw = diff_file.raw_path
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")


def _without(names: list[str], taken: set[str]) -> list[str]:
    return [n for n in names if n not in taken] if taken else names


def _unique(items: list[str], limit: int) -> list[str]:
    seen: dict[str, None] = {}
    for item in items:
        if item and item not in seen:
            seen[item] = None
            if len(seen) >= limit:
                break
    return list(seen)
