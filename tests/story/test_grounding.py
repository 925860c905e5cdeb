"""Grounding on real generated posts: the offline narrator drafts a fixture repository
(three of the fixture folders' scripts), errors are planted in the post, and each is found — while the
post as written, every claim of which is in its sources, draws no warning."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from devlogd.app.grounding import ground_post
from devlogd.app.project import Project
from devlogd.cli.main import main
from devlogd.story.claims import post_claims
from devlogd.story.grounding import CONTRADICTED, SUPPORTED, Finding

GOLDEN = Path(__file__).parent / "fixtures"
TARPIT, GLIDERS, TWEETBOT = "c-program-with-a-pause-and-a-release", "two-friends-game-with-quiet-messages", \
    "feature-crash-fix-and-test"
CASES = [GOLDEN / name for name in (TARPIT, GLIDERS, TWEETBOT)]


def drafted(case: Path, where: Path) -> Path:
    """The case's repository, made by its script, with the offline post written with --out."""
    repo = where / case.name
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run(["sh", "-e", str(case / "commits.sh")], cwd=repo, check=True, capture_output=True)
    notes = case / "notes.txt"
    for line in notes.read_text().splitlines() if notes.exists() else []:
        when, text = line.split("\t", 1)
        assert main(["-C", str(repo), "--no-daemon", "note", text, "--at", when]) == 0
    args = (case / "args").read_text().split() if (case / "args").exists() else []
    assert main(["-C", str(repo), "--no-daemon", "draft", *args, "--out", "post.md"]) == 0
    return repo / "post.md"


def findings(post: Path, text: str | None = None) -> list[Finding]:
    return ground_post(Project.open(post.parent), post, text)


def plant(post: str, sentences: list[str]) -> tuple[str, list[int]]:
    """The post with each sentence as a paragraph of its own after the first chapter's
    heading, and the (0-based) lines they landed on."""
    lines = post.split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("## ")) + 1
    planted: list[int] = []
    for sentence in sentences:
        lines[at:at] = ["", sentence]
        planted.append(at + 1)
        at += 2
    return "\n".join(lines), planted


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_a_post_whose_claims_are_all_in_its_sources_draws_no_warning(case: Path, tmp_path: Path) -> None:
    post = drafted(case, tmp_path)
    found = findings(post)
    assert [str(f) for f in found if f.verdict == CONTRADICTED] == []
    assert sum(f.verdict == SUPPORTED for f in found) >= 10  # it checked something: names, dates, quotations


@pytest.mark.parametrize("case", [TARPIT, GLIDERS, TWEETBOT])
def test_every_claim_of_the_offline_post_is_found_in_its_sources(case: str, tmp_path: Path) -> None:
    post = drafted(GOLDEN / case, tmp_path)
    assert [str(f) for f in findings(post) if f.verdict != SUPPORTED] == []


PLANTED = {
    "name": "Along the way I wrote `parse_banner_header` to read the greeting.",
    "count": "All told, the work took 40 changes.",
    "kept": "Send times still come from `CLOCK_REALTIME_COARSE` to this day.",
    "order": "I logged how long each client stayed before I read a config file with -f.",
    "date": "The config file reader landed on 2024-06-20.",
    "quote": "As I wrote at the time: “The parser was never the problem.”",
}
KINDS = {"name": "name", "count": "count", "kept": "name", "order": "order", "date": "date", "quote": "quote"}


def test_each_planted_error_is_found_and_nothing_else(tmp_path: Path) -> None:
    post = drafted(GOLDEN / TARPIT, tmp_path)
    text, lines = plant(post.read_text(), list(PLANTED.values()))
    post.write_text(text)
    contradicted = [f for f in findings(post) if f.verdict == CONTRADICTED]
    by_line = {f.claim.place.line: f for f in contradicted}
    for (error, sentence), line in zip(PLANTED.items(), lines):
        assert line in by_line, f"the planted {error} was not found: {sentence}"
        assert by_line[line].claim.kind == KINDS[error], str(by_line[line])
    assert sorted(by_line) == lines  # no other claim of the post is contradicted
    assert "took it back" in by_line[lines[2]].reason  # the change told as kept names its taking back
    assert "2024-06-30" in by_line[lines[3]].reason or "2024-06-09" in by_line[lines[3]].reason


def test_a_taken_back_change_told_with_its_taking_back_is_no_contradiction(tmp_path: Path) -> None:
    post = drafted(GOLDEN / TARPIT, tmp_path)
    text, lines = plant(post.read_text(), ["I tried `CLOCK_REALTIME_COARSE` for send times and took it back."])
    assert [f for f in findings(post, text) if f.claim.place.line == lines[0] and f.verdict == CONTRADICTED] == []


def test_the_right_count_and_order_are_supported(tmp_path: Path) -> None:
    post = drafted(GOLDEN / TARPIT, tmp_path)
    text, lines = plant(post.read_text(), [
        "I read a config file with -f before I logged how long each client stayed.",
        "As I wrote then: “A typo in the path silently gave the defaults.”",
    ])
    verdicts = {(f.claim.place.line, f.claim.kind): f.verdict for f in findings(post, text)}
    assert verdicts[(lines[0], "order")] == SUPPORTED
    assert verdicts[(lines[1], "quote")] == SUPPORTED


def test_every_claim_is_placed_on_its_own_words() -> None:
    post = ("---\ntitle: \"x\"\n---\n\nIt took `parse_args` three weeks, on 2024-06-08.\n"
            "## Chapter\n\n- A list item names drip.c and “a quotation of\nseveral words”.\n")
    lines = post.split("\n")
    for claim in post_claims(post):
        place = claim.place
        if place.line == place.end_line:
            assert lines[place.line][place.col:place.end_col] == claim.text
        else:
            assert lines[place.line][place.col:] + "\n" + lines[place.end_line][:place.end_col] == claim.text
    assert {c.kind for c in post_claims(post)} == {"name", "duration", "date", "path", "quote"}


def test_check_grounding_prints_each_finding_with_its_place_and_fails_on_a_contradiction(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    post = drafted(GOLDEN / TARPIT, tmp_path)
    capsys.readouterr()
    assert main(["-C", str(post.parent), "check", "--grounding", "post.md"]) == 0
    assert "no claim contradicted" in capsys.readouterr().err
    text, lines = plant(post.read_text(), [PLANTED["count"]])
    post.write_text(text)
    assert main(["-C", str(post.parent), "check", "--grounding", "post.md"]) == 11
    out, err = capsys.readouterr()
    col = lines and text.split("\n")[lines[0]].index("40 changes")
    [line] = out.splitlines()
    assert line.startswith(f"{post}:{lines[0] + 1}:{col + 1}: contradicted: 40 changes, but the sources hold ")
    assert "1 claim contradicted by the sources" in err


def test_check_grounding_without_a_sidecar_says_how_to_get_one(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    post = drafted(GOLDEN / TARPIT, tmp_path)
    (post.parent / "post.md.sources.json").unlink()
    assert main(["-C", str(post.parent), "check", "--grounding", "post.md"]) == 2
    assert "drafts written with --out have one" in capsys.readouterr().err
