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


def test_offline_post_tells_a_scripted_story(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("Initial tweet bot", {"bot.py": "import socket\n"})
    repo.commit("feat: listen on a fixed port", {"bot.py": "import socket\n\nDEFAULT_PORT = 2222\n"})
    repo.commit("Handle deleted tweets\n\nThe stream sends a delete event before the tweet is gone.",
                {"bot.py": "import socket\n\nDEFAULT_PORT = 2222\n\n\ndef handle_deleted_tweet(event):\n    return event['id']\n"})
    repo.commit("fix: crash on deleted tweets\n\nThe handler crashed with a KeyError when the payload had no id. "
                "Turns out deletes for protected accounts carry no id at all.",
                {"bot.py": "import socket\n\nDEFAULT_PORT = 2222\n\n\ndef handle_deleted_tweet(event):\n    return event.get('id')\n"})
    out, _ = draft(capsys, repo.path)
    assert check_post(out) == []
    assert out.startswith('---\ntitle: "repo: ')
    headings = re.findall(r"^## (.+)$", out, re.MULTILINE)
    assert any("deleted tweets" in h.lower() for h in headings)
    assert "handle_deleted_tweet" in out and "DEFAULT_PORT = 2222" in out
    assert "Turns out deletes for protected accounts carry no id at all." in out
    assert "KeyError" in out
    # Deterministic: the same journal always tells the same story.
    again, _ = draft(capsys, repo.path)
    assert again == out


def test_messages_that_say_nothing_still_give_concrete_headings(repo: GitRepo,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("idk", {"limiter.py": "RATE_LIMIT_PER_MINUTE = 30\n\n\nclass TokenBucket:\n    pass\n"})
    repo.commit("wip", {"limiter.py": "RATE_LIMIT_PER_MINUTE = 30\n\n\nclass TokenBucket:\n    pass\n\n\ndef refill_bucket(bucket):\n    return bucket\n"})
    repo.commit("fix", {"cache.py": "CACHE_TTL_SECONDS = 300\n\n\ndef evict_stale_entries(cache):\n    return cache\n"})
    out, _ = draft(capsys, repo.path)
    headings = re.findall(r"^## (.+)$", out, re.MULTILINE)
    story = " ".join(headings)
    assert re.search(r"TokenBucket|refill_bucket|RATE_LIMIT_PER_MINUTE", story)
    assert re.search(r"evict_stale_entries|CACHE_TTL_SECONDS", out)  # told from the code
    assert not re.search(r"\b(?:idk|wip)\b", out, re.I)
    assert check_post(out) == []


def test_dry_run_for_a_thousand_commits_is_small_and_concrete(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = write_history(tmp_path / "history", 1000)
    subprocess.run([sys.executable, "-m", "devlogd", "-C", str(repo), "backfill"], check=True, capture_output=True)
    out, err = draft(capsys, repo, "--dry-run")
    assert len(out.encode()) <= 128 * 1024
    request = json.loads(out)
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


def _title(identity: Identity, headline: str) -> str:
    """The front matter's title line of a one-change post."""
    return write_post(build_material([_beat(0, 0, headline, 70, "src")], identity)).split("\n")[1]


def _opening(beats: list[Beat], identity: Identity) -> str:
    """What a post says before its first chapter."""
    return write_post(build_material(beats, identity)).split("\n---\n")[1].split("## ")[0]


def _colab_fixed(times: int, lead: int, fix: int) -> list[Beat]:
    """`ColabGame` added, then fixed ``times`` times."""
    made = msgspec.structs.replace(_beat(0, 0, "Add the colab game loop", lead, "colab"), added=["ColabGame"])
    return [made, *(msgspec.structs.replace(_beat(i, i, f"Tweak colab step {i}", fix, "colab"), kind="fix",
                                            touched=["ColabGame"]) for i in range(1, times + 1))]


def test_a_small_first_commit_hours_before_the_work_opens_its_chapter_not_one_of_its_own() -> None:
    from devlogd.story.drafting import group_chapters

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


def test_an_aside_before_the_description_is_passed_over() -> None:
    beats = [_beat(0, 0, "Add the drip loop", 70, "src")]
    identity = Identity("telefork", "README heading", "I intend for this project to be hiding in plain sight.\n\n"
                        "Basically it's like the fork() syscall except it can fork a process onto a different computer.")
    opening = _opening(beats, identity)
    assert "fork a process onto a different computer" in opening and "plain sight" not in opening


def test_a_test_without_new_names_is_told_by_its_verb_never_as_a_noun() -> None:
    fix = msgspec.structs.replace(_beat(0, 0, "Fix eval on empty input", 70, "src"), kind="fix", touched=["eval"])
    test = msgspec.structs.replace(_beat(1, 1, "Allow overriding which awk executable to use for tests", 60, "src"),
                                   kind="test", touched=["eval"], identifiers=[])
    post = write_post(build_material([fix, test], Identity("goawk", "folder")))
    assert "allowed overriding which awk executable to use for tests" in post
    assert "the allow overriding" not in post.lower()
    helpers = msgspec.structs.replace(test, message="Cover the rules table", added=["main", "rules"])
    post = write_post(build_material([fix, helpers], Identity("goawk", "folder")))
    assert "test, `main`" not in post and "test: `main`" not in post and "covered the rules table" in post


def test_a_change_taken_back_is_quoted_when_its_subject_is_an_order() -> None:
    made = _beat(0, 0, "Avoid a couple of heap allocations", 70, "src")
    undone = msgspec.structs.replace(
        _beat(1, 30, 'Revert "Avoid a couple of heap allocations"', 60, "src"), kind="revert",
        message=f'Revert "Avoid a couple of heap allocations"\n\nThis reverts commit {made.sha}.')
    post = write_post(build_material([made, undone], Identity("goawk", "folder")))
    assert "“Avoid a couple of heap allocations” did not survive" in post
    assert "The avoid a couple" not in post


def test_the_items_of_a_bulleted_message_stay_sentences_when_quoted() -> None:
    beat = msgspec.structs.replace(
        _beat(0, 0, "Check that arrays aren't used as scalars", 70, "src"),
        message="Check that arrays aren't used as scalars\n\n* Include position in varRef for this purpose\n"
                "* Add (basic) tests for this error handling\n")
    post = write_post(build_material([beat], Identity("goawk", "folder")))
    assert "for this purpose. Add (basic) tests for this error handling." in post


def test_a_small_history_keeps_its_most_important_chapter_beside_the_latest() -> None:
    from devlogd.story.drafting import fit, group_chapters

    day = 24.0
    first = [_beat(0, 0, "First public alpha version", 90, "core"), _beat(1, 1, "Fix README typo", 20, "docs")]
    middle = [_beat(i, 1000 * day + i, f"Simplify macro {i}", 40, "macros") for i in range(2, 6)]
    latest = [_beat(6, 2000 * day, "Fix declaration missing void", 40, "decl"),
              _beat(7, 2000 * day + 1, "Fix another declaration", 40, "decl")]
    chapters = group_chapters([*first, *middle, *latest])
    told = [b.subject for c in fit(chapters, 7, 24_000) for b in c.beats]
    assert "First public alpha version" in told and "Fix declaration missing void" in told


def test_a_title_is_never_cut_inside_an_aside() -> None:
    identity = Identity("Kilo", "README heading", "Kilo is a small text editor in less than 1K lines of code "
                        "(counted with cloc).")
    title = _title(identity, "First public alpha version")
    assert title == 'title: "Kilo: a small text editor in less than 1K lines of code"'


def test_a_title_says_what_a_generic_program_does() -> None:
    identity = Identity("pyast64", "README heading", "Pyast64 is a Python 3 program that compiles a subset of "
                        "the Python AST to x64-64 assembler. It's extremely restricted.")
    title = _title(identity, "First version of compiler")
    assert title == 'title: "pyast64: compiling a subset of the Python AST to x64-64 assembler"'


def test_that_a_thing_needed_fixing_is_said_once_however_often_it_was_fixed() -> None:
    post = write_post(build_material(_colab_fixed(6, lead=70, fix=50), Identity("kart", "folder")))
    assert len(re.findall(r"`ColabGame` (?:needed|came back)", post)) == 1


def test_a_title_takes_a_lower_article_after_the_name() -> None:
    identity = Identity("mustapekka", "README heading",
                        "A pico-8 platformer made by friends Sam Westerlund and Benjamin Rosenlund.")
    title = _title(identity, "Add the level")
    assert title == 'title: "mustapekka: a pico-8 platformer"'


def test_a_fix_told_without_its_relation_does_not_end_a_paragraph() -> None:
    post = write_post(build_material(_colab_fixed(4, lead=90, fix=80), Identity("kart", "folder")))
    chapters = post.split("## Next for")[0]
    lone = [p for p in chapters.split("\n\n") if re.fullmatch(r"[^.\n]*Tweak[^.\n]*\.|[^.\n]*tweaked colab[^.\n]*\.", p)]
    assert lone == []


def test_the_opening_carries_the_readme_s_explanation_but_no_pointers_or_usage() -> None:
    identity = Identity("Endlessh", "README heading",
                        "Endlessh is an SSH tarpit that very slowly sends an endless, random SSH banner. It keeps "
                        "SSH clients locked up for hours.\n\nSince the tarpit is in the banner before any "
                        "cryptographic exchange occurs, this program doesn't depend on any cryptographic libraries. "
                        "A screencast is available here: https://example.org/cast. It uses poll() to trap "
                        "multiple clients at a time (see the manual page).\n\n`make` needs only a C compiler.")
    opening = _opening([_beat(0, 0, "Add the drip loop", 70, "src")], identity)
    assert "doesn't depend on any cryptographic libraries. It uses `poll()` to trap multiple clients at a time." \
        in opening
    assert "screencast" not in opening and "manual page" not in opening and "make" not in opening


def test_a_single_sitting_is_told_once() -> None:
    beats = [_beat(i, i * 0.5, f"Add the editor part {i}", 70, "src") for i in range(5)]
    post = write_post(build_material(beats, Identity("Kilo", "folder")))
    assert "five changes in one" in post and "5 of them" not in post


def test_the_opening_tells_how_the_pieces_fit_from_the_code_s_own_comments() -> None:
    from devlogd.story.outline import outline

    text = ("# Some state that we can safely read before forking.\nclass ProcessState:\n    pass\n\n\n"
            "def write_state(out):\n    \"\"\"Write out each piece of state in the ideal order.\"\"\"\n    return out\n\n\n"
            "# Find a syscall instruction inside a page of the child process.\ndef find_syscall(child):\n"
            "    return child\n\n\ndef main():\n    pass\n")
    beats = [msgspec.structs.replace(_beat(0, 0, "Add the state writer", 70, "src"), added=["write_state"])]
    material = build_material(beats, Identity("telefork", "folder"))
    material.outline = outline([("src/lib.py", text)])
    post = write_post(material)
    assert "- `write_state`: Write out each piece of state in the ideal order." in post
    assert "- `find_syscall`: Find a syscall instruction inside a page of the child process." in post
    assert "`main`:" not in post


