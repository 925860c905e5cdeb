"""What a new user meets in the terminal: each message said once, in one sentence, with
an exit code that tells a script what happened. Through the real daemon and in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.daemonutil import devlog
from tests.gitrepo import GitRepo


@pytest.fixture
def story(repo: GitRepo) -> GitRepo:
    repo.commit("Initial server", {"server.py": "import socket\n"})
    repo.commit("feat: handle deleted tweets", {"server.py": "import socket\n\ndef handle(tweet):\n    return tweet\n"})
    return repo


@pytest.mark.parametrize("where", [[], ["--no-daemon"]])
def test_a_bad_since_is_said_once_with_exit_code_2(story: GitRepo, where: list[str]) -> None:
    result = devlog(story.path, *where, "beats", "--since", "no-such-branch", check=False)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if "no-such-branch" in line]
    assert len(lines) == 1, result.stderr
    assert "in-process" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("where", [[], ["--no-daemon"]])
def test_an_empty_range_says_what_the_journal_holds_and_what_would_work(story: GitRepo, where: list[str]) -> None:
    # The story's commits are from November 2023: two weeks ago holds nothing.
    result = devlog(story.path, *where, "draft", "--since", "2 weeks ago", check=False)
    assert result.returncode == 9
    assert result.stdout == ""  # no placeholder post
    (sentence,) = [line for line in result.stderr.splitlines() if "nothing to draft" in line]
    assert "since '2 weeks ago' (" in sentence
    assert "the journal holds 2 beats from 2023-11-14 to 2023-11-14" in sentence
    assert "backfill" not in sentence
    suggested = sentence.split("`devlog draft ")[1].split("`")[0].split()
    again = devlog(story.path, *where, "draft", *suggested)
    assert again.stdout.startswith("---\ntitle:") and "handle" in again.stdout


def test_a_repository_without_commits_is_one_sentence(repo: GitRepo) -> None:
    result = devlog(repo.path, "draft", check=False)
    assert result.returncode == 9 and result.stdout == ""
    assert "no commits yet" in result.stderr and "Traceback" not in result.stderr


def test_nothing_new_since_the_published_post(story: GitRepo, tmp_path: Path) -> None:
    post = tmp_path / "post.md"
    devlog(story.path, "--no-daemon", "draft", "--out", str(post))
    devlog(story.path, "--no-daemon", "publish", str(post))
    result = devlog(story.path, "--no-daemon", "draft", check=False)
    assert result.returncode == 9 and result.stdout == ""
    assert "nothing new since the post you marked published (it ends on 2023-11-14)" in result.stderr
    assert "`devlog draft --since 2023-10-31`" in result.stderr
