"""Checking a surface for the corpus's secrets, and committing a case to a real repository."""

from __future__ import annotations

import html
import re

from tests.gitrepo import GitRepo
from tests.secrets.cases import Case


def fragments(secret: str) -> set[str]:
    width = min(len(secret), 10)
    return {secret[i : i + width].lower() for i in range(len(secret) - width + 1)}


def visible(text: str) -> str:
    """What a reader of ``text`` sees: markers removed, JSON and HTML escapes undone."""
    text = re.sub(r"\[REDACTED:[a-z0-9-]+\]", "", text)
    return html.unescape(text.replace("\\/", "/").replace('\\"', '"')).lower()


def leaks(surface: str, text: str, cases: list[Case]) -> list[str]:
    seen = visible(text)
    return [f"{surface}: {case.id}: {sorted(fragments(secret))[0]!r}…"
            for case in cases for secret in case.secrets if any(f in seen for f in fragments(secret))]


def commit_case(repo: GitRepo, case: Case) -> str:
    if case.before:
        repo.commit(f"Prepare the {case.id.replace('-', ' ')} files", case.before)
    if case.rename:
        old, new = case.rename
        (repo.path / new).parent.mkdir(parents=True, exist_ok=True)
        repo.git("mv", old, new)
    if case.remote:
        repo.git("remote", "add", "origin", case.remote)
    home = repo.git("rev-parse", "--abbrev-ref", "HEAD")
    if case.branch:
        repo.git("checkout", "-q", "-b", case.branch)
    env = {"GIT_AUTHOR_NAME": case.author} if case.author else None
    sha = repo.commit(case.subject, case.files, allow_empty=not case.files and not case.rename, env=env)
    if case.branch:  # made on its branch, then brought home; the branch stays
        repo.git("checkout", "-q", home)
        repo.git("merge", "-q", "--ff-only", case.branch)
    if case.tag:
        repo.git("tag", case.tag, sha)
    if case.note:
        from devlogd.cli.main import main

        assert main(["-C", str(repo.path), "--no-daemon", "note", case.note]) == 0
    return sha
