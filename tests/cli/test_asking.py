"""`devlog draft` asks devlog's questions on a terminal (driven here through a real
pseudo-terminal) and never when piped; answers are notes that survive a daemon restart and
a rewritten history, redacted like everything else."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import time
from pathlib import Path

import pytest

from tests.daemonutil import DEVLOG, devlog
from tests.gitrepo import GitRepo
from tests.secrets_corpus import SECRETS


@pytest.fixture
def story(repo: GitRepo) -> GitRepo:
    """The shape of iotifiedBigYus/mustapekka's jam week (upstream diary.md): a PICO-8
    cartridge, a player, a fix, a level."""
    repo.commit("Initial cart", {"README.md": "# mustapekka\n", "main.p8": "function _init()\nend\n"})
    repo.commit("Add player movement and jump", {"main.p8": "function _init()\nend\n\nfunction move_player(p)\n"
                                                            "  p.x += p.dx\nend\n"})
    repo.commit("Fix player falling through platforms", {"main.p8": "function _init()\nend\n\nfunction move_player(p)\n"
                                                                    "  p.x += p.dx\n  collide(p)\nend\n"})
    repo.commit("Add the second level", {"level2.p8": "-- level two\nfunction level_two()\nend\n"})
    return repo


class Terminal:
    """`devlog` on a real pseudo-terminal: stdin, stdout and stderr are its slave side."""

    def __init__(self, repo: GitRepo, *args: str) -> None:
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([*DEVLOG, "-C", str(repo.path), *args], stdin=slave, stdout=slave,
                                     stderr=slave, close_fds=True, env={**os.environ, "TERM": "dumb"})
        os.close(slave)
        self.seen = b""

    def expect(self, text: str, limit: float = 120.0) -> str:
        """Read until ``text`` shows (a generous limit guards a hang; no duration is asserted)."""
        end = time.monotonic() + limit
        while text.encode() not in self.seen:
            if time.monotonic() > end or not self._read(1.0) and self.proc.poll() is not None and not self._read(0.1):
                raise AssertionError(f"never saw {text!r} in {self.seen.decode(errors='replace')[-2000:]}")
        return self.seen.decode(errors="replace")

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def finish(self) -> str:
        end = time.monotonic() + 120
        while self.proc.poll() is None and time.monotonic() < end:
            self._read(0.5)
        while self._read(0.1):
            pass
        os.close(self.master)
        assert self.proc.wait(timeout=5) == 0, self.seen.decode(errors="replace")[-2000:]
        return self.seen.decode(errors="replace")

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:
            return False
        self.seen += chunk
        return bool(chunk)


def notes(repo: GitRepo) -> list[dict[str, object]]:
    return [json.loads(line) for line in devlog(repo.path, "notes", "--json").stdout.splitlines()]


def test_on_a_terminal_each_question_is_asked_and_enter_skips_one(story: GitRepo) -> None:
    term = Terminal(story, "draft", "--narrator", "offline")
    term.expect("[1/5]")
    term.expect("> ")
    term.send(b"Benjamin and I wanted to finish a game in one jam week\n")
    term.expect("[2/5]")
    term.send(b"\n")  # skipped
    term.expect("[3/5]")
    term.send(b"We placed 14th of 60 in the jam\n")
    term.expect("[4/5]")
    term.send(b"\n")
    term.expect("[5/5]")
    term.send(b"\n")
    screen = term.finish()
    assert "only you can answer" in screen and "What got you started on mustapekka" in screen
    post = screen[screen.index("title:"):]
    assert "Benjamin and I wanted to finish a game in one jam week" in post and "placed 14th of 60" in post
    kept = notes(story)
    assert [n["kind"] for n in kept] == ["motive", "result"]
    asked_again = json.loads(devlog(story.path, "questions", "--json").stdout)["questions"]
    assert {q["kind"] for q in asked_again} >= {"purpose"} and not {q["kind"] for q in asked_again} & {"motive", "result"}


def test_ctrl_d_skips_the_rest_and_the_draft_is_still_written(story: GitRepo) -> None:
    term = Terminal(story, "draft", "--narrator", "offline")
    term.expect("[1/5]")
    term.expect("> ")
    term.send(b"For the jam\n")
    term.expect("[2/5]")
    term.send(b"\x04")  # Ctrl-D at the start of a line: the end of input
    screen = term.finish()
    assert "[3/5]" not in screen and "title:" in screen
    assert [n["text"] for n in notes(story)] == ["For the jam"]


def test_never_asked_when_piped_nor_with_no_questions_nor_when_turned_off(story: GitRepo, isolated_home: Path) -> None:
    piped = subprocess.run([*DEVLOG, "-C", str(story.path), "draft", "--narrator", "offline"], input="an answer\n",
                           capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0 and "[1/" not in piped.stderr and piped.stdout.startswith("---")
    term = Terminal(story, "draft", "--narrator", "offline", "--no-questions")
    assert "[1/" not in term.finish()
    config = isolated_home / ".config" / "devlog"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text("[draft]\nquestions = false\n")
    term = Terminal(story, "draft", "--narrator", "offline")
    assert "[1/" not in term.finish()
    assert notes(story) == []


def test_answers_survive_a_daemon_restart_a_rewritten_history_and_a_rejournal(story: GitRepo) -> None:
    asked = json.loads(devlog(story.path, "questions", "--json").stdout)["questions"]
    motive = next(q for q in asked if q["kind"] == "motive")
    devlog(story.path, "answer", motive["id"], "Our first game jam, in one week")
    devlog(story.path, "daemon", "stop")
    story.git("commit", "-q", "--amend", "-m", "Add the second level, the hard one")  # a new sha, journaled anew
    story.commit("Tune the jump height", {"main.p8": "function _init()\nend\n-- jump 3\n"})
    devlog(story.path, "rejournal", "--all")  # every beat told again from git
    again = json.loads(devlog(story.path, "questions", "--json").stdout)["questions"]
    assert motive["id"] not in [q["id"] for q in again] and "motive" not in [q["kind"] for q in again]
    assert [n["text"] for n in notes(story)] == ["Our first game jam, in one week"]
    sent = devlog(story.path, "draft", "--dry-run", "--narrator", "claude").stdout
    assert "why it started: [" in sent and "Our first game jam, in one week" in sent


def test_an_answer_is_redacted_and_a_note_can_be_edited_and_removed(story: GitRepo) -> None:
    secret = SECRETS["github-token"]
    asked = json.loads(devlog(story.path, "questions", "--json").stdout)["questions"]
    devlog(story.path, "answer", asked[0]["id"], f"I pasted {secret} by mistake, the motive was the jam")
    journal = (story.path / ".git" / "devlog" / "journal.jsonl").read_text()
    assert secret not in journal and "the motive was the jam" in journal
    (kept,) = notes(story)
    assert secret not in str(kept["text"])
    devlog(story.path, "notes", "edit", str(kept["id"]), "The jam, and Benjamin's snare drum")
    assert [n["text"] for n in notes(story)] == ["The jam, and Benjamin's snare drum"]
    devlog(story.path, "notes", "remove", str(kept["id"]))
    assert notes(story) == []
    missing = devlog(story.path, "notes", "remove", "n00000000", check=False)
    assert missing.returncode == 2 and "no note has the id 'n00000000'" in missing.stderr
