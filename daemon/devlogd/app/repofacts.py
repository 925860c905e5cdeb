"""What a draft needs to know of the repository beyond its commits: the top-level files
that say what the project is (at the last revision told), the remote's name, the tags, and
who the user is. Asked of the git command: a few calls per draft, none per commit."""

from __future__ import annotations

import logging
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from devlogd.pipeline.redact import redact

log = logging.getLogger(__name__)

FILE_LIMIT = 256 * 1024  # a README or manifest larger than this is read only in part
TIMEOUT = 10.0


def _git(cwd: Path, *args: str, stdin: bytes | None = None) -> bytes | None:
    try:
        out = subprocess.run(["git", *args], cwd=cwd, input=stdin, capture_output=True,
                             timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        log.warning("git %s: %s", args[0], err)
        return None
    return out.stdout if out.returncode == 0 else None


def top_files(cwd: Path, rev: str, wanted: Callable[[str], bool]) -> dict[str, str]:
    """The texts of the top-level files at ``rev`` that ``wanted`` names."""
    listing = _git(cwd, "ls-tree", "-z", "--long", rev)
    if not listing:
        return {}
    objects: dict[str, str] = {}
    for entry in listing.split(b"\0"):
        meta, _, name = entry.partition(b"\t")
        fields = meta.split()
        if len(fields) < 4 or fields[1] != b"blob":
            continue
        path = name.decode("utf-8", "replace")
        if wanted(path):
            objects[path] = fields[2].decode()
    return {path: text for path, sha in objects.items() if (text := _blob(cwd, sha)) is not None}


def file_text(cwd: Path, rev: str, path: str) -> str | None:
    """The text of ``path`` at ``rev``; None for a binary, missing or unreadable file."""
    return _blob(cwd, f"{rev}:{path}")


def _blob(cwd: Path, sha: str) -> str | None:
    data = _git(cwd, "cat-file", "blob", sha)
    if data is None or b"\0" in data[:8000]:
        return None
    return data[:FILE_LIMIT].decode("utf-8", "replace")


def remote_url(cwd: Path) -> str | None:
    """The remote's URL without credentials (stripped before any use: the project's name,
    title and tags come from it), or None when what is left still holds a secret."""
    out = _git(cwd, "config", "--get", "remote.origin.url")
    if out is None:
        remotes = _git(cwd, "remote")
        first = remotes.split()[0].decode() if remotes and remotes.split() else ""
        out = _git(cwd, "config", "--get", f"remote.{first}.url") if first else None
    url = without_credentials(out.decode("utf-8", "replace").strip()) if out else ""
    return url if url and redact(url) == url else None


def without_credentials(url: str) -> str:
    """``https://user:token@host/path`` as ``https://host/path`` (`git@host:path` keeps its user)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority, slash, path = rest.partition("/")
    return f"{scheme}://{authority.rpartition('@')[2]}{slash}{path}"


def tags_by_commit(cwd: Path) -> dict[str, list[str]]:
    """Tag names by the commit they point at (annotated tags peeled); a tag whose name holds a
    secret is left out."""
    out = _git(cwd, "for-each-ref", "--format=%(objectname) %(*objectname) %(refname:short)", "refs/tags")
    tags: dict[str, list[str]] = {}
    for line in (out or b"").decode("utf-8", "replace").splitlines():
        parts = line.split()
        if parts and redact(parts[-1]) != parts[-1]:
            continue
        if len(parts) == 3:
            tags.setdefault(parts[1], []).append(parts[2])
        elif len(parts) == 2:
            tags.setdefault(parts[0], []).append(parts[1])
    return tags


def user_email(cwd: Path) -> str:
    out = _git(cwd, "config", "--get", "user.email")
    return out.decode("utf-8", "replace").strip() if out else ""


def canonical_emails(cwd: Path, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str]]:
    """(name, email) -> the identity .mailmap gives it; unchanged where it says nothing."""
    if not pairs:
        return {}
    query = "".join(f"{name} <{email}>\n" for name, email in pairs).encode()
    out = _git(cwd, "check-mailmap", "--stdin", stdin=query)
    if out is None:
        return {pair: pair for pair in pairs}
    mapped: dict[tuple[str, str], tuple[str, str]] = {}
    for pair, line in zip(pairs, out.decode("utf-8", "replace").splitlines()):
        match = re.match(r"^(.*?)\s*<([^>]*)>\s*$", line)
        mapped[pair] = (match.group(1), match.group(2)) if match else pair
    return mapped


def still_there(cwd: Path, rev: str, text: str) -> bool:
    """Whether ``text`` (a TODO line) is still in the tree at ``rev``."""
    needle = text.strip()[:80]
    if not needle:
        return False
    try:
        out = subprocess.run(["git", "grep", "-q", "-F", "-e", needle, rev, "--"], cwd=cwd,
                             capture_output=True, timeout=TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return True  # cannot tell: keep it
    return out.returncode == 0


# -- the tree at one revision, for grounding a post's claims ---------------------------------

def tracked_paths(cwd: Path, rev: str) -> frozenset[str]:
    out = _git(cwd, "ls-tree", "-r", "-z", "--name-only", rev)
    return frozenset(p.decode("utf-8", "replace") for p in (out or b"").split(b"\0") if p)


def words_in_tree(cwd: Path, rev: str, words: list[str]) -> set[str]:
    """Which of ``words`` occur as whole words in the files at ``rev`` (one git grep)."""
    if not words:
        return set()
    args = ["grep", "-I", "-h", "-o", "-w", "-F"]
    for word in words:
        args += ["-e", word]
    out = _git(cwd, *args, rev, "--")
    return set((out or b"").decode("utf-8", "replace").splitlines()) & set(words)


def text_in_tree(cwd: Path, rev: str, text: str) -> bool:
    """Whether some file at ``rev`` holds ``text`` (case-insensitive, spaces as they stand)."""
    return bool(text.strip()) and _git(cwd, "grep", "-I", "-q", "-i", "-F", "-e", text, rev, "--") is not None


def show_change(cwd: Path, sha: str) -> str | None:
    """One change as `git show` prints it (message, files, diff), for an editor to open."""
    out = _git(cwd, "show", "--stat", "--patch", "--format=fuller", "--no-color", sha, "--")
    return out[:FILE_LIMIT].decode("utf-8", "replace") if out else None
