"""Joining a project: a clone with others' history and a few changes of the user's. The
post introduces the project as someone else's and tells the user's work as theirs; the
README is the project's words; a model's material says the same. And one set of numbers
per run: progress, the notes and the post agree.

The fixture reproduces the shape of zserge/fenster (a small framebuffer library with a
history by its author) cloned and extended by a newcomer; it is written here, not copied."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from devlogd.story.arrival import JOINED_AFTER
from tests.daemonutil import devlog
from tests.gitrepo import GitRepo

SERGE = {"GIT_AUTHOR_NAME": "Serge Zaitsev", "GIT_AUTHOR_EMAIL": "serge@example.org",
         "GIT_COMMITTER_NAME": "Serge Zaitsev", "GIT_COMMITTER_EMAIL": "serge@example.org"}
README = ("# Fenster\n\nFenster is a tiny cross-platform library to open a window and draw pixels, "
          "you know what I mean. It is one header, and it works on Linux, macOS and Windows.\n")
UPSTREAM = [
    ("Initial framebuffer window for X11", {"fenster.h": "struct fenster { int width; int height; };\n",
                                             "README.md": README}),
    ("Add the macOS backend", {"fenster_mac.h": "int fenster_open_mac(void) { return 0; }\n"}),
    ("Add the Windows backend", {"fenster_win.h": "int fenster_open_win(void) { return 0; }\n"}),
    ("Add key events", {"fenster.h": "struct fenster { int width; int height; int keys[256]; };\n"}),
    ("Fix the window title on X11", {"fenster_x11.h": "void fenster_title(const char *t) { (void)t; }\n"}),
    ("Add a drawing example", {"examples/draw.c": "int main(void) { return 0; }\n"}),
]
MINE = [
    ("Add a mouse wheel event", {"fenster.h": "struct fenster { int width; int height; int keys[256]; "
                                               "int wheel; };\n"}),
    ("Fix the wheel direction on macOS", {"fenster_mac.h": "int fenster_open_mac(void) { return 1; }\n"}),
    ("Add a wheel example", {"examples/wheel.c": "int wheel(void) { return 0; }\n"}),
]


@pytest.fixture
def joined(repo: GitRepo) -> GitRepo:
    repo.clock = 1_650_000_000  # 2022: the project's own history
    for message, files in UPSTREAM:
        repo.clock += 86400 * 9
        repo.commit(message, files, env=SERGE)
    repo.clock = 1_796_000_000  # 2026: the user arrives (git config user.email is ada@example.com)
    for message, files in MINE:
        repo.commit(message, files)
    return repo


def test_a_joined_project_is_introduced_as_someone_elses_and_my_work_as_mine(joined: GitRepo,
                                                                             tmp_path: Path) -> None:
    assert len(UPSTREAM) >= JOINED_AFTER
    out = tmp_path / "post.md"
    result = devlog(joined.path, "--no-daemon", "draft", "--out", str(out))
    post = out.read_text()
    assert "It started" not in post and "start on Fenster" not in post
    assert "Fenster is Serge Zaitsev's work: 6 changes from 24 April 2022 to 8 June 2022 before my first" in post
    assert "Why did I pick up Fenster?" in post
    # The README is quoted as the project's, never said in my voice.
    assert "Fenster, as its README puts it: Fenster is a tiny" in post and "my README" not in post
    assert not re.search(r"(?m)^Fenster is a tiny", post)
    assert "mouse wheel" in post.lower()  # my work is told
    assert "Initial framebuffer window" not in post and "Add the Windows backend" not in post  # theirs: no part
    assert "devlog: check" not in result.stderr, result.stderr


def test_a_model_is_told_the_same_and_the_readme_is_the_projects(joined: GitRepo) -> None:
    dry = devlog(joined.path, "--no-daemon", "draft", "--narrator", "claude", "--dry-run").stdout
    material = json.dumps(json.loads(dry), ensure_ascii=False)
    assert "Joined, not started: Fenster was made by Serge Zaitsev (6 changes, 2022-" in material
    assert "never tell the project as started on the teller's first day" in material
    assert "quote it as theirs, never as the teller's words" in material


def test_my_own_project_has_no_arrival(repo: GitRepo, tmp_path: Path) -> None:
    for message, files in MINE:  # the same work, but the project is mine from its start
        repo.commit(message, files)
    dry = devlog(repo.path, "--no-daemon", "draft", "--narrator", "claude", "--dry-run").stdout
    assert "Joined, not started" not in dry


def test_progress_notes_post_and_result_say_the_same_numbers(joined: GitRepo, tmp_path: Path) -> None:
    out = tmp_path / "post.md"
    err = devlog(joined.path, "--no-daemon", "draft", "--out", str(out)).stderr
    # The note and the summary line come from one Counts: 3 changes of mine, in chapters.
    (noted,) = [line for line in err.splitlines() if " -> " in line and "tokens" in line]
    (wrote,) = [line for line in err.splitlines() if line.startswith("wrote ")]
    told = re.search(r"(\d+) changes? -> (\d+) chapters?", noted)
    assert told is not None and f"({told.group(2)} chapter" in wrote and f"from {told.group(1)} change" in wrote
    assert told.group(1) == str(len(MINE)) and "6 by others before you joined" in noted
    assert "1 chapters" not in err and "1 changes" not in err
    stretch = re.search(r"\((?:one day|two days|\d+ days), (\d+) changes?\)", err)
    assert stretch is not None and stretch.group(1) == told.group(1)
    chapters = json.loads(out.with_name(out.name + ".sources.json").read_text())
    assert str(len(chapters)) == told.group(2)


def test_a_brand_new_repository_s_one_change_post_passes_check(repo: GitRepo, tmp_path: Path) -> None:
    repo.commit("Initial commit", {"README.md": "# Pix\n\nA tiny pixel editor.\n", "pix.py": "print(1)\n"})
    out = tmp_path / "post.md"
    drafted = devlog(repo.path, "--no-daemon", "draft", "--out", str(out))
    assert "devlog: check:" not in drafted.stderr, drafted.stderr
    checked = devlog(repo.path, "check", str(out), check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
