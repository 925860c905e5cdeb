"""The offline post over every fixture folder (tests/story/fixtures/<behaviour>/): it comes
out exactly as recorded, passes `devlog check`, and tells one set of numbers. This test only
compares: re-record with `python -m tests.story.fixture_runner NAME` and read the diff."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from devlogd.errors import NarratorError
from devlogd.story.checker import CheckContext, check_post
from devlogd.story.narrators.offline.template import render
from tests.story.fixture_runner import CASES, FIXTURES, Drafted, draft


def _subjects(repo: Path) -> frozenset[str]:
    out = subprocess.run(["git", "log", "--all", "--format=%s"], cwd=repo, capture_output=True, text=True, check=True)
    return frozenset(out.stdout.splitlines())


@pytest.fixture(params=CASES, ids=lambda p: p.name)
def drafted(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Path, Drafted]:
    case: Path = request.param
    return case, draft(case, tmp_path)


def test_there_are_at_least_twenty_behaviours_each_with_its_post() -> None:
    assert len(CASES) >= 20 and all((case / "expected.md").exists() for case in CASES)


def test_the_offline_post_is_as_recorded_and_follows_the_rules(drafted: tuple[Path, Drafted]) -> None:
    case, result = drafted
    assert result.post == (case / "expected.md").read_text()
    assert check_post(result.post, CheckContext(subjects=_subjects(result.repo))) == []


_TOTAL = re.compile(r"(\d[\d,]*) changes?, (\d[\d,]*) of them told here in (\d+) parts?")
_WROTE = re.compile(r"wrote|(\d+) changes? -> (\d+) chapters? \((\d+) told\)")


def test_no_number_in_a_post_disagrees_with_another(drafted: tuple[Path, Drafted]) -> None:
    """What the opening counts is what the parts hold and what the draft said it did."""
    case, result = drafted
    total = _TOTAL.search(result.post)
    if total is None:  # a template of the fixture's own, which counts otherwise
        assert (case / "template.md.j2").exists() or (case / "config.toml").read_text().count("template")
        return
    changes, told, parts = (int(g.replace(",", "")) for g in total.groups())
    body = result.post.split("\n## Where ", 1)[0]
    headings = re.findall(r"^## ", body, re.M)
    listed = len(re.findall(r"^- “", body, re.M)) + sum(int(n) for n in re.findall(r"^- and (\d+) more", body, re.M))
    left_out = len(re.findall(r"^  - “", result.post, re.M))
    said = re.search(r"(\d+) changes? -> (\d+) chapters? \((\d+) told\)", result.messages)
    assert said is not None, result.messages
    assert (len(headings), listed) == (parts, told)
    assert (int(said.group(1)), int(said.group(2)), int(said.group(3))) == (changes, parts, told)
    assert told + left_out <= changes and (left_out == 0 or told + left_out == changes or left_out == 12)


def test_a_repository_template_changes_the_post(tmp_path: Path) -> None:
    case = FIXTURES / "repository-template-changes-the-post"
    own = draft(case, tmp_path).post
    default = (FIXTURES / "missing-answers-become-questions" / "expected.md").read_text()
    assert "## What I did to `hello.c`" in own and "- 1 February 2026: “Say hello”" in own
    assert "What I did to" not in default and "<!-- Why did I start" in default


def test_a_template_cannot_reach_out_of_its_sandbox_or_run_away() -> None:
    with pytest.raises(NarratorError, match="could not be rendered"):
        render("{{ ''.__class__.__mro__[1].__subclasses__() }}", {}, "a repository's template")
    with pytest.raises(NarratorError, match="at most 10,000 times"):
        render("{{ 'x' * 100000000 }}", {}, "a repository's template")
    with pytest.raises(NarratorError, match="more than 200,000 characters"):
        render("{% for a in many %}{% for b in many %}{{ 'y' * 9000 }}{% endfor %}{% endfor %}",
               {"many": list(range(100))}, "a repository's template")
    with pytest.raises(NarratorError, match="line 1"):
        render("{% for %}", {}, "a repository's template")
    assert render("{{ range }}", {}, "t") == ""  # no globals: not even range
    assert render("{{ text }}", {"text": "<img src=x> [a](b) -->"}, "t") == "&lt;img src=x&gt; \\[a\\](b) -‑>"


def test_an_old_phrases_table_is_one_warning_and_the_post_is_written(tmp_path: Path,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    from devlogd import config

    config._warned.clear()  # said once per process: another test may have said it
    result = draft(FIXTURES / "old-phrases-config-is-a-warning", tmp_path)
    warned = [r.getMessage() for r in caplog.records if "[phrases]" in r.getMessage()]
    assert len(warned) == 1 and "is no longer read" in warned[0] and result.post.startswith("---\n")
