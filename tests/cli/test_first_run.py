"""What a new user meets in the terminal: each message said once, in one sentence, with
an exit code that tells a script what happened. Through the real daemon and in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.daemonutil import daemon_pid, devlog, wait_pid_gone
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


def chapters_of(repo: GitRepo, tmp_path: Path, *where: str) -> int:
    post = tmp_path / "post.md"
    result = devlog(repo.path, *where, "draft", "--since", "2000-01-01", "--out", str(post))
    (wrote,) = [line for line in result.stderr.splitlines() if line.startswith("wrote ")]
    return int(wrote.split("(")[1].split(" chapter")[0])


def test_the_running_daemon_follows_edits_to_either_config_file(repo: GitRepo, tmp_path: Path,
                                                                 isolated_home: Path) -> None:
    for area in ("server", "client", "storage", "docs"):
        repo.commit(f"feat: add the {area} retry loop", {f"{area}/retry.py": f"def {area}_retry():\n    return 1\n"})
        repo.commit(f"fix: {area} retry gave up too early", {f"{area}/retry.py": f"def {area}_retry():\n    return 3\n"})
    devlog(repo.path, "daemon", "start")
    assert chapters_of(repo, tmp_path) > 1
    repo.write(".devlog.toml", "[draft]\nmax_chapters = 1\n")
    assert chapters_of(repo, tmp_path) == 1
    (repo.path / ".devlog.toml").unlink()
    user = isolated_home / ".config" / "devlog" / "config.toml"
    user.parent.mkdir(parents=True)
    user.write_text("# mine\n[draft]\nmax_chapters = 1\n")
    assert chapters_of(repo, tmp_path) == 1


@pytest.mark.parametrize("with_daemon", [True, False])
def test_a_config_typo_is_one_sentence_with_file_line_and_key(story: GitRepo, with_daemon: bool) -> None:
    if with_daemon:
        devlog(story.path, "daemon", "start")
    story.write(".devlog.toml", "# tuned for this repository\n\n\n[draft]\nmax_chapter = 3\n")
    result = devlog(story.path, "status", check=False)
    # A repository's file never stops devlog (anyone can clone one): the typo is said in one
    # sentence, from the daemon and in-process alike, and the file is ignored.
    assert result.returncode == 0 and "beats:" in result.stdout
    said = [line for line in result.stderr.splitlines() if "background daemon" not in line]
    assert said == [f"devlog: {story.path / '.devlog.toml'}, line 5: unknown key `draft.max_chapter` "
                    "(did you mean `max_chapters`?); it is ignored"]
    story.write(".devlog.toml", "[draft]\nmax_chapters = 3\n")
    assert devlog(story.path, "status").returncode == 0


@pytest.mark.parametrize("where", [[], ["--no-daemon"]])
def test_broken_toml_without_a_daemon_is_one_sentence(story: GitRepo, where: list[str]) -> None:
    story.write(".devlog.toml", "[draft]\nmax_chapters = 3\ntoken_budget =\n")
    result = devlog(story.path, *where, "draft", check=False)
    # No "did not start within": the client sees a daemon's exit at once (it used to wait 10 s).
    assert "did not start" not in result.stderr
    assert result.returncode == 0 and result.stdout.startswith("---")  # the file is ignored, the draft made
    assert (f"devlog: {story.path / '.devlog.toml'}, line 3: not valid TOML in `token_budget =`: "
            "invalid value (column 15); it is ignored") in result.stderr.splitlines()


def test_a_broken_user_config_stops_the_command_in_one_sentence(story: GitRepo, isolated_home: Path) -> None:
    user = isolated_home / ".config" / "devlog" / "config.toml"
    user.parent.mkdir(parents=True, exist_ok=True)
    user.write_text("[draft]\nmax_chapter = 3\n")
    result = devlog(story.path, "status", check=False)
    assert result.returncode == 5
    assert result.stderr.splitlines() == [f"devlog: {user}, line 2: unknown key `draft.max_chapter` "
                                          "(did you mean `max_chapters`?)"]


def test_a_command_that_starts_the_daemon_says_so_once(story: GitRepo) -> None:
    first = devlog(story.path, "status")
    (said,) = [line for line in first.stderr.splitlines() if "started a background daemon" in line]
    pid = daemon_pid(story.path)
    assert f"(pid {pid})" in said and "devlog daemon stop" in said
    again = devlog(story.path, "beats")
    assert "daemon" not in again.stderr  # it was already running: nothing to say


def test_uninstall_stops_the_daemon(story: GitRepo) -> None:
    devlog(story.path, "install")
    pid = daemon_pid(story.path)
    assert pid is not None
    result = devlog(story.path, "uninstall")
    assert f"stopped the daemon (pid {pid})" in result.stderr
    wait_pid_gone(pid)


def test_status_and_backfill_say_what_they_count(repo: GitRepo) -> None:
    repo.commit("Initial server", {"server.py": "import socket\n"})
    repo.git("checkout", "-q", "-b", "topic")
    repo.commit("feat: retry", {"retry.py": "RETRIES = 3\n"})
    repo.commit("fix: retry less", {"retry.py": "RETRIES = 2\n"})
    repo.git("checkout", "-q", "main")
    repo.commit("docs: readme", {"README.md": "# server\n"})
    repo.git("merge", "-q", "--no-ff", "-m", "Merge topic", "topic")
    backfill = devlog(repo.path, "backfill")
    assert "journaled 3 new beats" in backfill.stderr  # initial, readme, the merge
    assert "3 commits of this branch's first-parent line" in backfill.stderr
    status = devlog(repo.path, "status")
    (beats,) = [line for line in status.stdout.splitlines() if line.startswith("beats:")]
    assert beats.startswith("beats:      5 (every commit reachable from your branches")
    assert "first-parent" in beats


@pytest.mark.parametrize("where", [[], ["--no-daemon"]])
def test_status_names_the_newest_of_commits_made_in_the_same_second(repo: GitRepo, where: list[str]) -> None:
    same_second = {"GIT_AUTHOR_DATE": "@1700000000 +0000", "GIT_COMMITTER_DATE": "@1700000000 +0000"}
    repo.commit("Initial server", {"server.py": "import socket\n"}, env=same_second)
    repo.commit("feat: listen on port 2222", {"server.py": "PORT = 2222\n"}, env=same_second)
    repo.commit("fix: listen on port 2223", {"server.py": "PORT = 2223\n"}, env=same_second)
    devlog(repo.path, "backfill")
    status = devlog(repo.path, *where, "status")
    assert f"last beat:  {repo.head()[:10]} " in status.stdout


def test_one_more_file_is_singular(repo: GitRepo) -> None:
    repo.commit("Initial", {"a.txt": "a\n", "b.txt": "b\n"})
    repo.commit("Tweak", {"a.txt": "a2\n", "b.txt": "b2\n"})
    beats = devlog(repo.path, "--no-daemon", "beats").stdout
    assert "changed a.txt and 1 more file  (+2/-2, 2 files)" in beats
