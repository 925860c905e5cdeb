from __future__ import annotations

import pytest

from devlogd.story.checker import check_post

GOOD = """---
title: "tweetbot: Surviving Deleted Tweets"
date: "2026-11-20"
description: "How I stopped the crash."
tags: ["tweetbot"]
published: false
---

The bot crashed whenever a tweet vanished. I had to fix it.

## Catching the KeyError in `handle_deleted_tweet`

I added a guard. We moved the port to 2222 while we were at it.

## What I Learned and What Comes Next

I learned to distrust payloads. Next I want a test for it. I'll write it tomorrow.
"""


def rules(text: str) -> set[str]:
    return {v.rule for v in check_post(text)}


def test_a_good_post_passes() -> None:
    assert check_post(GOOD) == []


@pytest.mark.parametrize("sentence", [
    "The commits show a slow start.",
    "In commit 3f2a9c1 I fixed it.",
    "According to the git history, it broke.",
    "I reworded the commit message.",
])
def test_mentioning_the_source_material_is_caught(sentence: str) -> None:
    text = GOOD.replace("I had to fix it.", sentence)
    assert rules(text) & {"mentions commits", "mentions the git history", "mentions a hash"}


def test_a_hash_alone_is_caught() -> None:
    assert "mentions a hash" in rules(GOOD.replace("I added a guard.", "I added a guard (see deadbeef42)."))


def test_tool_names_with_commit_in_them_are_fine() -> None:
    assert check_post(GOOD.replace("I added a guard.", "I added a post-commit hook and a pre-commit check.")) == []


def test_code_blocks_are_not_narration() -> None:
    text = GOOD.replace("I added a guard.", "I added a guard:\n\n```sh\ngit commit -m wip\n```\n")
    assert check_post(text) == []


@pytest.mark.parametrize("heading", ["The Journey Begins", "The Challenge", "Overcoming Obstacles",
                                     "A New Discovery", "Conclusion", "Introduction"])
def test_generic_headings_are_caught(heading: str) -> None:
    text = GOOD.replace("## Catching the KeyError in `handle_deleted_tweet`", f"## {heading}")
    assert "generic heading" in rules(text)


def test_front_matter_is_required() -> None:
    assert "front matter" in rules(GOOD.split("---\n", 2)[2])
    assert "front matter" in rules(GOOD.replace("published: false\n", ""))


def test_first_person_is_required() -> None:
    third = GOOD.replace("I ", "The developer ").replace("We ", "They ").replace("I'll", "they will")
    assert "first person" in rules(third)


def test_an_ending_with_lessons_and_next_steps_is_required() -> None:
    text = GOOD.replace("I learned to distrust payloads. Next I want a test for it. I'll write it tomorrow.",
                        "The bot is fine now.").replace("What I Learned and What Comes Next", "Shipping the Guard")
    assert "ending" in rules(text)


def test_chapters_are_required() -> None:
    text = GOOD.replace("## Catching the KeyError in `handle_deleted_tweet`\n", "")
    assert "structure" in rules(text)


# -- what a reader notices: each rule, shown catching its defect ---------------------------------

from devlogd.pipeline.noise import noise_filter  # noqa: E402
from devlogd.story.checker import RULES, CheckContext  # noqa: E402

CONTEXT = CheckContext(project="tweetbot", folder="r", subjects=frozenset({"Handle deleted tweets", "idkk"}),
                       noise=noise_filter())


def reader_rules(text: str) -> set[str]:
    return {v.rule for v in check_post(text, CONTEXT)}


def test_the_good_post_passes_with_what_the_project_knows() -> None:
    assert check_post(GOOD, CONTEXT) == []


@pytest.mark.parametrize("hole", ["I turned to . It worked.", "I learned the most from the parts that pushed back: ; idkk.",
                                  "I added `Props` and .", "Then I fixed the  bug."])
def test_empty_slots_are_caught(hole: str) -> None:
    assert "empty slot" in reader_rules(GOOD.replace("I added a guard.", hole))


def test_a_title_or_heading_that_is_a_raw_subject_is_caught() -> None:
    assert "raw subject" in reader_rules(GOOD.replace('title: "tweetbot: Surviving Deleted Tweets"', 'title: "r: idkk"'))
    assert "raw subject" in reader_rules(GOOD.replace("## Catching the KeyError in `handle_deleted_tweet`",
                                                      "## Handle deleted tweets"))


def test_a_heading_cut_with_an_ellipsis_is_caught() -> None:
    assert "cut heading" in reader_rules(GOOD.replace("## Catching the KeyError in `handle_deleted_tweet`",
                                                      "## Catching the KeyError when the payload had no…"))


def test_openers_repeated_past_the_threshold_are_caught() -> None:
    repeated = " ".join(f"Next up: step {i} of the guard." for i in range(6))
    assert "repeated opener" in reader_rules(GOOD.replace("I added a guard.", repeated))
    assert "repeated opener" not in reader_rules(GOOD.replace("I added a guard.", " ".join(
        f"Next up: step {i} of the guard." for i in range(4))))


def test_statistics_as_filler_are_caught() -> None:
    filler = " ".join(f"I touched {i + 3} files (+{i * 7}/-{i}) in bot.py." for i in range(10))
    assert "statistics" in reader_rules(GOOD.replace("I added a guard.", filler))


def test_code_from_a_noise_file_is_caught() -> None:
    text = GOOD.replace("I added a guard.", "Here is the heart of it, in `package-lock.json`:\n\n```json\n{}\n```\n")
    assert "noise excerpt" in reader_rules(text)
    assert "noise excerpt" not in reader_rules(text.replace("package-lock.json", "bot.py"))


def test_a_redaction_marker_in_prose_is_caught() -> None:
    assert "redaction marker" in reader_rules(GOOD.replace("I added a guard.", "I set the key to [REDACTED:aws-access-key]."))
    quoted = GOOD.replace("I added a guard.", "I added a guard:\n\n```python\nKEY = \"[REDACTED:aws-access-key]\"\n```\n")
    assert "redaction marker" not in reader_rules(quoted)


def test_the_folder_standing_in_for_the_project_is_caught() -> None:
    assert "folder name" in reader_rules(GOOD.replace("The bot crashed", "In r the bot crashed"))


def test_an_empty_description_is_caught() -> None:
    assert "description" in reader_rules(GOOD.replace('description: "How I stopped the crash."', 'description: ""'))


def test_html_comments_are_invisible_to_the_rules() -> None:
    note = "<!-- devlog: the commit history says nothing of why; add it . -->"
    assert check_post(GOOD.replace("I added a guard.", f"I added a guard.\n\n{note}\n"), CONTEXT) == []


def test_every_rule_has_an_id_and_a_message() -> None:
    assert len({rule.id for rule in RULES}) == len(RULES)
    assert all(rule.message for rule in RULES)
