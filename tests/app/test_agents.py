"""Coding-agent transcripts are the user's to turn on: off, nothing under ~/.claude, ~/.codex
or an Aider history is opened or listed (every open of the process is audited); on, the
prompts typed for this repository reach the material beside the change they led to."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from devlogd.cli.main import main
from devlogd.pipeline.transcripts import claude_project_dir
from tests.gitrepo import GitRepo

_SEEN: list[str] = []
_AUDITING: list[bool] = [False]


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _AUDITING[0] and event in ("open", "os.listdir", "os.scandir", "os.open") and args:
        _SEEN.append(str(args[0]))


sys.addaudithook(_audit)  # hooks cannot be removed: it records only while a test asks


@pytest.fixture
def opened() -> Iterator[list[str]]:
    _SEEN.clear()
    _AUDITING[0] = True
    yield _SEEN
    _AUDITING[0] = False


def transcripts_for(repo: GitRepo, home: Path) -> list[Path]:
    """A Claude Code session, a Codex rollout and an Aider history for ``repo``, with a
    prompt a minute before its second change."""
    root = str(repo.path)
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(repo.clock - 30))
    claude = home / ".claude" / "projects" / claude_project_dir(root) / "5f1e.jsonl"
    claude.parent.mkdir(parents=True)
    claude.write_text(json.dumps({"type": "user", "cwd": root, "timestamp": when, "message": {
        "role": "user", "content": "Make the banner drip slowly so scanners stay stuck for hours"}}) + "\n")
    codex = home / ".codex" / "sessions" / time.strftime("%Y/%m/%d", time.gmtime(repo.clock)) / "rollout-1.jsonl"
    codex.parent.mkdir(parents=True)
    codex.write_text("\n".join(json.dumps(r) for r in (
        {"timestamp": when, "type": "session_meta", "payload": {"cwd": root}},
        {"timestamp": when, "type": "response_item", "payload": {"type": "message", "role": "user", "content": [
            {"type": "input_text", "text": "Count the clients stuck in the tarpit please"}]}})) + "\n")
    aider = repo.path / ".aider.chat.history.md"
    aider.write_text(time.strftime("# aider chat started at %Y-%m-%d %H:%M:%S\n\n", time.localtime(repo.clock - 30))
                     + "#### Close the socket when a client hangs up\n")
    return [claude, codex, aider]


def two_changes(repo: GitRepo) -> None:
    repo.write(".gitignore", ".aider*\n")
    repo.commit("Initial tarpit", {"tarpit.c": "int main(void) { return 0; }\n"})
    repo.clock += 120
    repo.commit("Drip the banner one line at a time", {"tarpit.c": "int drip(void) { return 1; }\n"})


def run(repo: GitRepo, *args: str) -> None:
    assert main(["-C", str(repo.path), "--no-daemon", *args]) == 0


def test_off_nothing_of_the_agents_is_opened_or_listed(repo: GitRepo, isolated_home: Path, opened: list[str],
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    two_changes(repo)
    files = transcripts_for(repo, isolated_home)
    opened.clear()  # from here on: devlog's own opens
    run(repo, "draft", "--narrator", "offline")
    run(repo, "draft", "--dry-run", "--narrator", "claude")
    run(repo, "questions")
    run(repo, "sources")
    out = capsys.readouterr().out
    assert "coding-agent transcripts: off" in out and "drip slowly" not in out
    forbidden = [str(isolated_home / ".claude"), str(isolated_home / ".codex"), str(files[2])]
    touched = [p for p in opened if any(p.startswith(f) for f in forbidden)]
    assert touched == []
    assert any(p.endswith("journal.jsonl") for p in opened)  # the audit sees the opens that happen


def test_on_the_prompts_reach_the_material_beside_their_change(repo: GitRepo, isolated_home: Path,
                                                               opened: list[str],
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    two_changes(repo)
    files = transcripts_for(repo, isolated_home)
    opened.clear()
    run(repo, "sources", "--enable", "agents")
    listed = capsys.readouterr().out
    assert "coding-agent transcripts: on" in listed and "3 prompts linked" in listed
    assert "Drip the banner one line at a time" in listed and "Claude Code: Make the banner drip" in listed
    run(repo, "draft", "--dry-run", "--narrator", "claude")
    sent = json.loads(capsys.readouterr().out)["messages"][0]["content"]
    section = sent[sent.index("In the author's own words"):sent.index("## Thread")]
    for words in ("asked Claude Code:", "Make the banner drip slowly", "asked Codex:", "Count the clients stuck",
                  "asked Aider:", "Close the socket when a client hangs up"):
        assert words in section
    assert "(around: Drip the banner one line at a time)" in section
    assert any(p.startswith(str(files[0].parent)) for p in opened)  # what the first test proves absent happens here
    run(repo, "sources", "--disable", "agents")
    assert "transcripts: off" in capsys.readouterr().out


def test_a_repository_file_cannot_turn_them_on(repo: GitRepo, isolated_home: Path, opened: list[str],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    two_changes(repo)
    transcripts_for(repo, isolated_home)
    repo.commit("Config", {".devlog.toml": "[sources]\nagents = true\n"})
    opened.clear()
    run(repo, "sources")
    assert "transcripts: off" in capsys.readouterr().out
    assert not [p for p in opened if str(isolated_home / ".claude") in p]
