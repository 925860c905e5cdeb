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
