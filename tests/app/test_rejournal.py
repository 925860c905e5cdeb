"""A journal written by the previous version (schema 1, with English headlines) opens, is
re-derived from git, and keeps every record that is not a beat — notes, answers, retellings,
the published marker, records of kinds this version does not know — byte for byte."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from devlogd.app.project import Project
from devlogd.app.rejournal import rejournal
from devlogd.app.repostate import RepoState
from devlogd.models import SCHEMA_VERSION
from devlogd.pipeline.journal import Journal
from tests.app.journal_v1_history import build
from tests.gitrepo import GitRepo

FIXTURE = Path(__file__).parent / "fixtures" / "journal_v1.jsonl"
DEVLOG = [sys.executable, "-m", "devlogd"]


def _old_journal(tmp_path: Path) -> tuple[GitRepo, Path, list[str]]:
    repo = GitRepo(tmp_path / "repo")
    shas = build(repo)
    state = repo.common_dir / "devlog"
    state.mkdir(mode=0o700)
    shutil.copy(FIXTURE, state / "journal.jsonl")
    return repo, state / "journal.jsonl", shas


def _records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _others(path: Path) -> list[str]:
    return [line for line in path.read_text().splitlines() if json.loads(line)["type"] != "beat"]


def test_the_fixture_is_what_the_previous_version_wrote(tmp_path: Path) -> None:
    _, path, shas = _old_journal(tmp_path)
    beats = [r for r in _records(path) if r["type"] == "beat"]
    assert [b["sha"] for b in beats] == shas, "the history no longer gives the fixture's commits"
    assert all("headline" in b and "v" not in b for b in beats)


def test_an_old_journal_is_re_derived_and_keeps_its_notes_and_answers(tmp_path: Path) -> None:
    repo, path, shas = _old_journal(tmp_path)
    before = _others(path)
    done = rejournal(Project.open(repo.path))
    assert (done.beats, done.gone) == (3, [])
    assert _others(path) == before  # notes, answer, retelling, published, unknown: untouched, in order
    beats = [r for r in _records(path) if r["type"] == "beat"]
    assert [b["sha"] for b in beats] == shas and all(b["v"] == SCHEMA_VERSION for b in beats)
    assert not any({"headline", "what"} & set(b) for b in beats)
    assert beats[1]["action"] == {"verb": "added", "names": ["parse_body"], "where": "parser.py", "files": 1}
    state = Journal(path).load()
    assert [n.text for n in state.notes] == ["I wrote the parser for the keep-alive server.", "Next: chunked bodies."]
    assert state.beats[1].retold == "Parsing bodies as well as headers" and state.published is not None
    assert (path.parent / "journal.before").read_text() == FIXTURE.read_text()
    assert rejournal(Project.open(repo.path)).beats == 0, "a journal of this version is left as it is"


def test_the_daemon_re_derives_an_old_journal_when_it_opens_it(tmp_path: Path) -> None:
    repo, path, _ = _old_journal(tmp_path)
    state = RepoState(Project.open(repo.path))
    try:
        state.reconcile_once()
    finally:
        state.shutdown_threads()
    assert all(r.get("v") == SCHEMA_VERSION for r in _records(path) if r["type"] == "beat")
    assert len(state.journal.notes) == 2 and len(state.journal.beats) == 3


def test_devlog_rejournal_says_what_it_did_and_a_gone_commit_keeps_its_message(tmp_path: Path) -> None:
    repo, path, shas = _old_journal(tmp_path)
    repo.git("reset", "-q", "--hard", shas[1])
    repo.git("reflog", "expire", "--expire=now", "--all")
    repo.git("gc", "-q", "--prune=now")
    out = subprocess.run([*DEVLOG, "-C", str(repo.path), "rejournal"], capture_output=True, text=True, check=True)
    assert "re-derived 3 beats from git; 1 whose commit git no longer has kept their message only" in out.stderr
    assert "kept 6 other records" in out.stderr
    gone = Journal(path).load().beats[2]
    assert gone.subject == "fix: parse_header crashed on empty lines" and gone.v == SCHEMA_VERSION
