"""What a new user meets in the terminal: each message said once, in one sentence, with
an exit code that tells a script what happened. Through the real daemon and in-process."""

from __future__ import annotations

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
