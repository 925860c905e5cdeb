"""The `devlog` command as a user runs it, on real repositories."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devlogd.cli.main import main
from devlogd.pipeline.journal import Journal
from tests.gitrepo import GitRepo
from tests.synth import write_history

DEVLOG = [sys.executable, "-m", "devlogd"]


def devlog(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def story(repo: GitRepo) -> GitRepo:
    repo.commit("Initial server", {"server.py": "import socket\n"})
    repo.commit("feat: handle deleted tweets", {
        "server.py": "import socket\n\nDEFAULT_PORT = 2222\n\n\ndef handle_deleted_tweet(tweet):\n    return tweet.id\n"})
    repo.commit("fix: crash when the tweet is gone\n\nThe handler crashed with a KeyError when the tweet was already deleted.",
                {"server.py": "import socket\n\nDEFAULT_PORT = 2222\n\n\ndef handle_deleted_tweet(tweet):\n    return getattr(tweet, 'id', None)\n"})
    return repo


def test_backfill_then_beats_json(story: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = devlog(capsys, "-C", str(story.path), "backfill")
    assert code == 0 and "journaled 3 new beats" in err
    code, out, _ = devlog(capsys, "-C", str(story.path), "beats", "--json")
    beats = [json.loads(line) for line in out.splitlines()]
    assert [b["kind"] for b in beats] == ["feature", "feature", "fix"]
    assert "handle_deleted_tweet" in beats[1]["identifiers"]
    assert "DEFAULT_PORT = 2222" in beats[1]["numbers"]


def test_backfill_is_resumable_and_never_duplicates(story: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    devlog(capsys, "-C", str(story.path), "backfill")
    story.commit("Add README", {"README.md": "# bot\n"})
    code, _, err = devlog(capsys, "-C", str(story.path), "backfill")
    assert "journaled 1 new beat (3 already there" in err
    assert len(Journal(story.common_dir / "devlog" / "journal.jsonl").load().beats) == 4


def test_backfill_range(story: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = devlog(capsys, "-C", str(story.path), "backfill", "HEAD~1..HEAD")
    assert "journaled 1 new beat" in err


def test_beats_since_until_and_limit(story: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = devlog(capsys, "-C", str(story.path), "beats", "--since", "HEAD~2", "--json")
    assert len(out.splitlines()) == 2
    _, out, _ = devlog(capsys, "-C", str(story.path), "beats", "--limit", "1")
    assert "Crash when the tweet is gone" in out and len(out.splitlines()) == 1
    _, out, _ = devlog(capsys, "-C", str(story.path), "beats", "--until", "2000-01-01")
    assert out == ""


def test_unknown_revision_is_a_clear_error(story: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = devlog(capsys, "-C", str(story.path), "beats", "--since", "no-such-branch")
    assert code == 2 and "no-such-branch" in err and "Traceback" not in err


def test_journal_is_markdown_grouped_by_day(story: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = devlog(capsys, "-C", str(story.path), "journal")
    assert code == 0
    assert out.startswith("# Devlog journal: repo")
    assert "## 2023-11-14" in out and "Crash when the tweet is gone" in out


def test_draft_works_offline_on_a_fresh_repository(story: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = devlog(capsys, "-C", str(story.path), "draft")
    assert code == 0
    assert out.startswith("---\ntitle: ")
    assert "handle_deleted_tweet" in out


def test_draft_out_file_passes_check(story: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    post = tmp_path / "post.md"
    assert devlog(capsys, "-C", str(story.path), "draft", "--out", str(post))[0] == 0
    code, _, err = devlog(capsys, "check", str(post))
    assert code == 0, err


def test_not_a_repository(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = devlog(capsys, "-C", str(tmp_path), "beats")
    assert code == 3 and "not a git repository" in err


def test_dash_c_chains_like_git(story: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = devlog(capsys, "-C", str(story.path.parent), "-C", story.path.name, "status")
    assert code == 0


def test_ctrl_c_during_backfill_loses_nothing(tmp_path: Path) -> None:
    repo = write_history(tmp_path / "long", 3000)
    journal = repo / ".git" / "devlog" / "journal.jsonl"
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([*DEVLOG, "-C", str(repo), "backfill", "--workers", "1"],
                            stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not journal.exists() or journal.stat().st_size < 20_000):
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert b"interrupted" in err
    partial = Journal(journal).load()
    assert 0 < len(partial.beats) < 3000
    assert not partial.corrupt_lines and not partial.torn_tail
    subprocess.run([*DEVLOG, "-C", str(repo), "backfill"], check=True, capture_output=True)
    shas = subprocess.run(["git", "rev-list", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.split()
    beats = Journal(journal).load().beats
    assert sorted(b.sha for b in beats) == sorted(shas)


def test_parallel_backfill_matches_serial(tmp_path: Path) -> None:
    one = write_history(tmp_path / "one", 500)
    two = write_history(tmp_path / "two", 500)
    subprocess.run([*DEVLOG, "-C", str(one), "backfill", "--workers", "1"], check=True, capture_output=True)
    subprocess.run([*DEVLOG, "-C", str(two), "backfill", "--workers", "2"], check=True, capture_output=True)
    serial = Journal(one / ".git/devlog/journal.jsonl").load().beats
    parallel = Journal(two / ".git/devlog/journal.jsonl").load().beats
    assert len(serial) == 500
    assert [(b.sha, b.message, b.action) for b in serial] == [(b.sha, b.message, b.action) for b in parallel]


def test_publish_makes_the_next_draft_start_after_it(story: GitRepo, capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    post = tmp_path / "post.md"
    assert devlog(capsys, "-C", str(story.path), "--no-daemon", "draft", "--out", str(post))[0] == 0
    assert json.loads((tmp_path / "post.md.sources.json").read_text())
    code, _, err = devlog(capsys, "-C", str(story.path), "--no-daemon", "publish", str(post))
    assert code == 0 and "Crash when the tweet is gone" in err
    story.commit("Add a retry budget", {"retry.py": "RETRY_BUDGET = 5\n"})
    _, out, _ = devlog(capsys, "-C", str(story.path), "--no-daemon", "draft", "--dry-run")
    source = json.loads(out)["messages"][0]["content"]
    chapters = source[source.index("## Thread"):]
    # What was published is background now, told before the chapters, never as one.
    assert "RETRY_BUDGET" in chapters and "handle_deleted_tweet" not in chapters
    assert source.index("Background") < source.index("## Thread")


def test_status_names_the_narrator_a_draft_would_use(story: GitRepo, capsys: pytest.CaptureFixture[str],
                                                     isolated_home: Path) -> None:
    credentials = isolated_home / ".config" / "devlog" / "credentials"
    credentials.parent.mkdir(parents=True)
    credentials.write_text("ANTHROPIC_API_KEY=sk-ant-test-key\n")
    for mode, expected in ((0o600, "claude"), (0o644, "offline")):  # readable by others: not used
        credentials.chmod(mode)
        _, out, _ = devlog(capsys, "-C", str(story.path), "--no-daemon", "status", "--json")
        assert json.loads(out)["narrator"] == expected
