"""Drafting and the offline narrator on scripted and generated histories."""

from __future__ import annotations

import dataclasses

import json
import re
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from devlogd.story.checker import check_post
from devlogd.cli.main import main
from devlogd.story.identity import Identity
from devlogd.story.material import build_material
from devlogd.models import Beat, Hunk, Stats
from devlogd.story.narrators.offline import write_post
from tests.gitrepo import GitRepo
from tests.synth import write_history


def draft(capsys: pytest.CaptureFixture[str], repo: Path, *extra: str) -> tuple[str, str]:
    assert main(["-C", str(repo), "--no-daemon", "draft", *extra]) == 0
    return capsys.readouterr()


def test_dry_run_for_a_thousand_commits_is_small_and_concrete(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = write_history(tmp_path / "history", 1000)
    subprocess.run([sys.executable, "-m", "devlogd", "-C", str(repo), "backfill"], check=True, capture_output=True)
    out, err = draft(capsys, repo, "--dry-run")
    request = json.loads(out)
    # With tools the dry run also shows each stage (plan, write, review): each is one request
    # of its own, and each must be as small as the single request is.
    stages = request.pop("stages", {})
    assert set(stages) >= {"plan", "write", "review"}
    for sent in [request, *(stage for stage in stages.values() if isinstance(stage, dict))]:
        assert len(json.dumps(sent, indent=2, ensure_ascii=False).encode()) <= 128 * 1024
    user = request["messages"][0]["content"]
    from devlogd.pipeline.journal import Journal

    beats = Journal(repo / ".git" / "devlog" / "journal.jsonl").load().beats
    plan = build_material(beats, Identity("history", "folder"))
    for chapter in plan.chapters:
        lead = chapter.lead
        assert any(name in user for name in lead.identifiers[:3]), lead.subject
        assert any(path in user for path in lead.files[:2]), lead.subject
        assert all(number in user for number in lead.numbers[:1]), lead.subject
    # More facts per token than the commit messages alone carry.
    messages = subprocess.run(["git", "log", "--format=%B"], cwd=repo, capture_output=True, text=True).stdout
    facts = {n for b in beats for n in b.identifiers + b.numbers + b.files}
    in_request = sum(1 for f in facts if f in user)
    in_messages = sum(1 for f in facts if f in messages)
    assert in_request / len(user) > in_messages / len(messages)


def _synthetic_beats(count: int) -> list[Beat]:
    kinds = ["feature", "fix", "refactor", "perf", "test", "docs"]
    beats = []
    for i in range(count):
        area = f"module_{i % 37}"
        beats.append(Beat(
            sha=f"{i:040x}", time=1_600_000_000 + i * 3600, kind=kinds[i % len(kinds)],
            message=f"Rework the {area} scheduler step {i}"
            + ("\n\nThe queue backed up under load." if i % 5 == 0 else "")
            + ("\n\nRequests timed out after 30 seconds." if i % 7 == 0 else ""),
            areas=[f"{area}/"], files=[f"{area}/core.py"], identifiers=[f"{area}_step", f"Scheduler{i % 11}"],
            numbers=[f"MAX_{i % 19} = {i}"], excerpt=[Hunk(path=f"{area}/core.py", header="run", lines=[f"+    step({i})"] * 3)],
            stats=Stats(files=3, insertions=i % 90, deletions=i % 13), importance=20 + (i * 7) % 60,
        ))
    return beats


def test_twenty_thousand_beats_fit_the_budget_and_the_cache_is_reused() -> None:
    beats = _synthetic_beats(20_000)
    cache: dict = {}
    plan = build_material(beats, Identity("big", "folder"), token_budget=24_000, cache=cache)
    post = write_post(plan)
    assert plan.tokens <= 24_000
    assert plan.eras and len(cache) == len(plan.eras)
    assert not [v for v in check_post(post) if v.rule == "mentions commits"]
    # A cached era is used as it is, not summarised again: mark one and find the mark.
    first = plan.eras[0]
    cache[first.key] = dataclasses.replace(first, highlights=("told from the cache",))
    again = build_material(beats, Identity("big", "folder"), token_budget=24_000, cache=cache)
    assert [e.key for e in again.eras] == [e.key for e in plan.eras]
    assert again.eras[0].highlights == ("told from the cache",)


def _beat(index: int, hours: float, headline: str, importance: int, area: str) -> Beat:
    return Beat(sha=f"{index:040x}", time=1_600_000_000 + int(hours * 3600), kind="feature", message=headline,
                areas=[area], files=[f"{area}/x.rs"], identifiers=[f"{area}_{index}"], importance=importance)


def _opening(beats: list[Beat], identity: Identity) -> str:
    """What a post says before its first chapter."""
    return write_post(build_material(beats, identity)).split("\n---\n")[1].split("## ")[0]


def test_a_small_first_commit_hours_before_the_work_opens_its_chapter_not_one_of_its_own() -> None:
    from devlogd.story.chapters import group_chapters

    scaffold = _beat(0, 0, "Initial commit", 49, "scaffold")
    work = [_beat(i, 9 + i, f"Dump the process, step {i}", 70, "src") for i in range(1, 4)]
    assert [len(c.beats) for c in group_chapters([scaffold, *work])] == [4]
    # A first commit weeks before the work is its own beginning.
    later = [msgspec.structs.replace(b, time=b.time + 30 * 86400) for b in work]
    assert [len(c.beats) for c in group_chapters([scaffold, *later])] == [1, 3]


def test_the_opening_says_what_the_project_is_from_the_first_paragraph_only() -> None:
    beats = [_beat(0, 0, "Add the drip loop", 70, "src")]
    identity = Identity("Drip", "README heading", "Drip keeps SSH scanners busy for hours.\n\n"
                        "`install.sh` needs only `python3` and `git`.")
    opening = _opening(beats, identity)
    assert "Drip keeps SSH scanners busy for hours." in opening and "install.sh" not in opening
    usage_only = Identity("Drip", "README heading", "A tool for your commits.\n\n`install.sh` needs only `git`.")
    opening = _opening(beats, usage_only)
    assert "install.sh" not in opening


def test_a_small_history_keeps_its_most_important_chapter_beside_the_latest() -> None:
    from devlogd.story.chapters import fit, group_chapters

    day = 24.0
    first = [_beat(0, 0, "First public alpha version", 90, "core"), _beat(1, 1, "Fix README typo", 20, "docs")]
    middle = [_beat(i, 1000 * day + i, f"Simplify macro {i}", 40, "macros") for i in range(2, 6)]
    latest = [_beat(6, 2000 * day, "Fix declaration missing void", 40, "decl"),
              _beat(7, 2000 * day + 1, "Fix another declaration", 40, "decl")]
    chapters = group_chapters([*first, *middle, *latest])
    told = [b.subject for c in fit(chapters, 7, 24_000) for b in c.beats]
    assert "First public alpha version" in told and "Fix declaration missing void" in told


