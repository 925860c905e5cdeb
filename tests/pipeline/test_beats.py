from __future__ import annotations

import pytest

import msgspec

from devlogd.pipeline.beats import classify, clean_subject, is_low_signal, make_beat
from devlogd.config import BeatRule
from devlogd.models import Action, CommitFacts, FileChange, Hunk


def facts(message: str, files: list[FileChange] | None = None, **kw: object) -> CommitFacts:
    base = dict(sha="a" * 40, parents=["b" * 40], author="Ada", author_email="a@x",
                author_time=1_700_000_000, author_offset=0, committer_time=1_700_000_000,
                message=message, files=files or [FileChange("src/app.py", "M", 3, 1)])
    base.update(kw)
    return CommitFacts(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(("message", "kind"), [
    ("feat(api): add tweet deletion", "feature"),
    ("fix: crash on empty payload", "fix"),
    ("perf: cache the parsed config", "perf"),
    ("refactor!: split the server", "refactor"),
    ("docs: explain the hook", "docs"),
    ("ci: run on 3.12", "build"),
    ("Revert \"Add cache\"", "revert"),
    ("Release 1.4.0", "release"),
    ("Make startup 3x faster", "perf"),
    ("Crash when the socket closes early", "fix"),
    ("Rename Journal to Ledger", "refactor"),
    ("Add journal compaction", "feature"),
])
def test_kind_from_message(message: str, kind: str) -> None:
    assert classify(facts(message))[0] == kind


def test_tests_only_change_is_a_test_beat() -> None:
    files = [FileChange("tests/test_app.py", "M", 10, 0), FileChange("tests/conftest.py", "A", 5, 0)]
    assert classify(facts("more", files))[0] == "test"


def test_docs_only_change_is_a_docs_beat() -> None:
    assert classify(facts("words", [FileChange("README.md", "M", 2, 2)]))[0] == "docs"


def test_build_files_only_is_a_build_beat() -> None:
    files = [FileChange("pyproject.toml", "M", 1, 1), FileChange(".github/workflows/ci.yml", "M", 2, 0)]
    assert classify(facts("bump", files))[0] == "build"


def test_merge_commit_is_a_merge_beat() -> None:
    assert classify(facts("Merge branch 'x'", parents=["b" * 40, "c" * 40]))[0] == "merge"


def test_user_rule_comes_first() -> None:
    rules = (BeatRule(kind="docs", message=r"^blog:"),)
    assert classify(facts("blog: add a new section about the fix"), rules)[0] == "docs"


@pytest.mark.parametrize("subject", ["wip", "idk", "fix", "WIP!!", ".", "asdf", "update", "x"])
def test_low_signal_subjects(subject: str) -> None:
    assert is_low_signal(subject)


def test_a_low_signal_message_keeps_what_the_diff_shows_as_data() -> None:
    beat = make_beat(facts("idk", [FileChange("bot/handlers.py", "M", 12, 0)],
                           definitions=["handle_deleted_tweet"]))
    assert not beat.informative and beat.subject == "idk"
    assert beat.action == Action("added", ["handle_deleted_tweet"], "bot/handlers.py", 1)


def test_the_action_names_the_file_the_definition_is_in() -> None:
    files = [FileChange("Cargo.toml", "A", 9, 0), FileChange("src/lib.rs", "A", 7, 0)]
    beat = make_beat(facts("Initial commit", files, definitions=["it_works"]))
    assert beat.action.where == "src/lib.rs"
    shown = [Hunk(path="src/parse.rs", lines=["+fn read_header(line: &str) -> Header {"])]
    beat = make_beat(facts("wip", [FileChange("src/lib.rs", "M", 40, 2), FileChange("src/parse.rs", "M", 5, 0)],
                           definitions=["read_header"], excerpt=shown))
    assert beat.action.where == "src/parse.rs"


def test_a_beat_holds_no_composed_english() -> None:
    """The journal stores facts: the message verbatim and typed data, no sentence of ours."""
    beat = make_beat(facts("wip", [FileChange("a.py", "M", 3, 1)], functions=["run"]))
    encoded = msgspec.json.decode(msgspec.json.encode(beat))
    assert not {"headline", "what", "why", "tension", "insight"} & set(encoded)
    assert encoded["action"] == {"verb": "reworked", "names": ["run"], "where": "a.py", "files": 1}


def test_a_definition_rewritten_in_place_is_reworked_not_added() -> None:
    beat = make_beat(facts("Allow graceful shutdown", definitions=["logmsg", "sigterm_handler"],
                           removed_definitions=["logmsg"]))
    assert beat.added == ["sigterm_handler"] and "logmsg" in beat.touched and beat.removed == []


def test_low_signal_message_with_a_constant() -> None:
    beat = make_beat(facts("wip", [FileChange("server.py", "M", 1, 1)], constants=["DEFAULT_PORT = 2222"]))
    assert beat.action == Action("set", ["DEFAULT_PORT = 2222"], "server.py", 1)


def test_the_body_is_kept_verbatim() -> None:
    message = (
        "Fix the socket hang on shutdown\n\n"
        "The daemon would hang for 30 seconds when a client disconnected mid-request. "
        "Turns out the reader task was never cancelled. "
        "Cancel it explicitly so that shutdown is instant."
    )
    beat = make_beat(facts(message))
    assert beat.kind == "fix"
    assert beat.subject == "Fix the socket hang on shutdown"
    assert beat.body == message.split("\n\n", 1)[1]


@pytest.mark.parametrize(("subject", "headline"), [
    ("fix(readme): whoops images instead of links", "Images instead of links"),
    ("Oops, fix the parser", "Fix the parser"),
    ("Add the colab runner. Untested and unfinished", "Add the colab runner"),
    ("Use v1.2 of the API", "Use v1.2 of the API"),
    ("Add e.g. support for tabs", "Add e.g. support for tabs"),
    ("Fix integer overflow in row allocation. #60", "Fix integer overflow in row allocation"),
    ("Use _POSIX_C_SOURCE, drop _BSD_SOURCE (#5, #12)", "Use _POSIX_C_SOURCE, drop _BSD_SOURCE"),
    ("Fix handling of RS to be per spec (fixes #10)", "Fix handling of RS to be per spec"),
    ("Support C# 12", "Support C# 12"),
    ("Support C#12", "Support C#12"),
])
def test_a_listed_subject_is_the_change_not_the_mood_or_a_second_remark(subject: str, headline: str) -> None:
    assert clean_subject(subject) == headline
    assert make_beat(facts(subject)).subject == subject  # the beat keeps it verbatim


def test_conventional_prefix_and_pr_number_are_cleaned() -> None:
    assert clean_subject("feat(cli): add --since flag (#42)") == "Add --since flag"


def test_trailers_are_not_part_of_the_story() -> None:
    beat = make_beat(facts("Add X\n\nSigned-off-by: Ada <a@x>\nCo-authored-by: Bob <b@x>"))
    assert "Signed-off-by" not in beat.message and beat.body == ""
