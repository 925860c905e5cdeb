"""The numbers of one draft, counted once when its material is built.

Progress, the notes on stderr, the post (any narrator) and the sidecar all read this one
object, so a run never says "64 beats" in one place and "30 changes" in another. Narrators
(the offline template included) take their numbers from here, never by counting lists of
their own.
"""

from __future__ import annotations

import msgspec


class Counts(msgspec.Struct, frozen=True, kw_only=True):
    """How many of what, for one draft. Every field is a number of changes (beats) unless
    its name says otherwise."""

    selected: int  # what the range (or the whole journal) holds, everyone's, bots' included
    yours: int  # of them, the work told as the teller's own (see Authorship)
    others: int  # of them, other people's (credited, or background)
    stretch: int  # the teller's changes in the stretch told: the post's "N changes"
    chapters: int  # chapters of the post
    in_chapters: int  # changes the chapters tell one by one (the rest are summed up)
    background: int  # the teller's changes before the stretch, summarised in eras
    eras: int  # eras of that background
    before_arrival: int = 0  # others' changes before the teller's first (a project they joined)


def plural(count: int, noun: str) -> str:
    """"1 chapter", "7 chapters": for front ends' one-line summaries (a narrator has its own
    words for numbers)."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def summary(counts: Counts) -> str:
    """The one line every front end says about a draft's size, from the same numbers."""
    return (f"{plural(counts.stretch, 'change')} -> {plural(counts.chapters, 'chapter')} ({counts.in_chapters:,} told)"
            + (f", {counts.background:,} earlier as background" if counts.background else "")
            + (f", {counts.before_arrival:,} by others before you joined" if counts.before_arrival else ""))
