"""The tree at a revision and one change's patches, for the narrator's read-only tools
(app/tools.py). Read through a :class:`GitReader`'s repository: gitread stays the only
module that imports pygit2. Ignored paths are never listed, read or shown.
"""

from __future__ import annotations

from typing import Any

from devlogd.models import FileChange
from devlogd.pipeline.gitread import GIT_ERRORS, GitReader, RevisionError
from devlogd.pipeline.ignore import SENSITIVE


def _commit(reader: GitReader, rev: str) -> Any:
    return reader.repo[reader.resolve(rev)]


def tree_paths(reader: GitReader, rev: str, limit: int = 20_000) -> list[str]:
    """The files at ``rev``, ignore-filtered (at most ``limit``), sorted."""
    paths: list[str] = []
    stack: list[tuple[str, Any]] = [("", _commit(reader, rev).tree)]
    while stack and len(paths) < limit:
        prefix, node = stack.pop()
        for entry in node:
            path = prefix + str(entry.name)
            if entry.type_str == "tree" and not reader.ignore.ignored(path + "/"):
                stack.append((path + "/", reader.repo[entry.id]))
            elif entry.type_str == "blob" and not reader.ignore.ignored(path):
                paths.append(path)
    return sorted(paths)


def blob_text(reader: GitReader, rev: str, path: str, limit: int = 1 << 20) -> str | None:
    """``path``'s text at ``rev`` (its first ``limit`` bytes); None when it is missing,
    ignored, binary or unreadable."""
    if reader.ignore.ignored(path):
        return None
    try:
        blob: Any = reader.repo[_commit(reader, rev).tree[path].id]
    except (*GIT_ERRORS, TypeError, RevisionError):
        return None
    if getattr(blob, "type_str", "") != "blob" or blob.is_binary:
        return None
    return bytes(blob.data[:limit]).decode("utf-8", "replace")


def change_patches(reader: GitReader, sha: str, context: int = 3) -> list[tuple[FileChange, str]]:
    """One change against its first parent: each file not ignored, with its noise class and
    (for a file a story can be told from, never a secret file) its patch text."""
    commit = _commit(reader, sha)
    try:
        base = reader.repo[commit.parent_ids[0]].tree if commit.parent_ids else None
        diff = (commit.tree.diff_to_tree(swap=True, context_lines=context) if base is None
                else base.diff_to_tree(commit.tree, context_lines=context))
    except GIT_ERRORS as err:
        raise RevisionError(f"the change {sha[:12]} cannot be read: {err}") from err
    out: list[tuple[FileChange, str]] = []
    for index, delta in enumerate(diff.deltas):
        path = str(delta.new_file.path or delta.old_file.path)
        if reader.ignore.ignored(path):
            continue
        try:
            patch: Any = diff[index]
            text = "" if patch.delta.is_binary else patch.data.decode("utf-8", "replace")
            _, added, deleted = patch.line_stats
        except GIT_ERRORS:
            text, added, deleted = "", 0, 0
        noise = reader.noise.classify(path, bool(delta.is_binary))
        status = delta.status_char() if delta.status_char() in ("A", "M", "D", "R", "C", "T") else "M"
        change = FileChange(path=path, status=status,  # type: ignore[arg-type]
                             insertions=added, deletions=deleted, noise=noise)
        out.append((change, "" if noise or SENSITIVE.ignored(path) else text))
    return out
