"""The offline narrator's grammar helpers on text that comes from a repository."""

from __future__ import annotations

import time

from devlogd.story.narrators.offline.english import mark_code


def test_names_of_code_are_marked_and_prose_is_not() -> None:
    said = mark_code("call parse_header() in src/main.py, then fooBar and max_clients; see `x_y` and a plain word")
    assert said == ("call `parse_header()` in `src/main.py`, then `fooBar` and `max_clients`; "
                    "see `x_y` and a plain word")


def test_marking_hostile_text_takes_linear_time() -> None:
    hostile = ["X_Y = 1 * " + "." * 20_000 + "\n", "a" + "_" * 20_000 + "(", "ab/" * 7_000 + "!"]
    started = time.perf_counter()
    for text in hostile:
        mark_code(text)
    assert time.perf_counter() - started < 1.0


def test_a_word_that_can_be_a_verb_before_a_name_of_code_orders() -> None:
    from devlogd.story.narrators.offline.english import past, understand

    headline = understand("Truncate `rand16()` result to 16 bits")
    assert headline.form == "verb" and past(headline) == "truncated `rand16()` result to 16 bits"


def test_prefixed_and_phrasal_verbs_order_and_a_beginning_of_something_names() -> None:
    from devlogd.story.narrators.offline.english import gerund, past, understand

    preallocate = understand("Pre-allocate all arrays for speed and simplicity")
    assert preallocate.form == "verb" and gerund(preallocate) == "Pre-allocating all arrays for speed and simplicity"
    split = understand("Break up `interp.go` into multiple files")
    assert split.form == "verb" and past(split) == "broke up `interp.go` into multiple files"
    start = understand("Start of parser; better error messages")
    assert start.form == "noun"
    assert past(understand("Be serious with version number")) == "was serious with version number"
    assert past(understand("Un-async the colab control system")) == "un-asynced the colab control system"


def test_every_order_in_a_subject_agrees_and_an_article_is_lowered() -> None:
    from devlogd.story.narrators.offline.english import noun_phrase, past, understand

    assert past(understand("Rename Dollar -> Field; add some TODOs")) == "renamed Dollar -> Field; added some TODOs"
    assert past(understand("Replace NUL bytes in output; Fix %c with unicode")) == \
        "replaced NUL bytes in output; fixed %c with unicode"
    assert past(understand("Add parsing and Field")) == "added parsing and Field"
    assert noun_phrase("A few comment tweaks") == "a few comment tweaks"


def test_long_stretches_are_told_in_years() -> None:
    from devlogd.story.narrators.offline.english import duration

    assert [duration(d) for d in (1, 5, 20, 200, 3100)] == \
        ["one day", "five days", "three weeks", "seven months", "eight years"]


def test_a_subject_that_ends_in_what_was_done_reports_a_change() -> None:
    from devlogd.story.narrators.offline.english import gerund, past, understand

    assert past(understand("Diary and dynamic system added")) == "added the diary and dynamic system"
    assert gerund(understand("Camera bug fixed")) == "Fixing the camera bug"
    assert past(understand("Everything done")) == "finished everything"
    assert understand("Process dumping seems to work").form == "clause"
    assert understand("a").form == "none" and understand("The").form == "none"
