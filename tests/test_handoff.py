"""The formats the git hooks and the daemon share: the real hooks write what the daemon's
parser reads, and start the daemon with the command the terminal uses."""

from __future__ import annotations

from pathlib import Path

from devlogd import handoff
from devlogd.app.hooks import install, template
from devlogd.paths import find_repo
from tests.gitrepo import GitRepo


def test_the_hooks_write_queue_lines_the_daemon_parses(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    install(find_repo(repo.path), devlog_bin=str(tmp_path / "no-such-devlog"))  # nothing to wake
    queue = repo.common_dir / "devlog" / "queue"
    first = repo.commit("Second", {"a.py": "a = 2\n"})
    old = repo.head()
    repo.write("a.py", "a = 3\n")
    repo.git("commit", "-q", "-a", "--amend", "-m", "Second, amended")
    queued = handoff.parse_queue(queue.read_text())
    assert queued.malformed == []
    assert first in queued.commits
    assert (old, repo.head()) in queued.rewrites


def test_the_hooks_start_the_daemon_as_the_terminal_does() -> None:
    expected = " ".join(handoff.daemon_command(['"$DEVLOG_BIN"'], '"$top"'))
    for name in ("post-commit", "post-rewrite"):
        assert expected in " ".join(template(name).replace("\\\n", " ").split())


def test_the_queue_parser_keeps_what_is_well_formed() -> None:
    sha, other = "a" * 40, "b" * 40
    text = handoff.commit_line(sha) + "garbage line\n" + handoff.rewrite_line(sha, other) + "commit 123\n"
    queued = handoff.parse_queue(text)
    assert queued.commits == [sha] and queued.rewrites == [(sha, other)]
    assert queued.malformed == ["garbage line", "commit 123"]
