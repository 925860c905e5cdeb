"""Joining a project: where the teller's own work begins in a history others started.

Most people who write about their work do it on projects they joined or forked. Then the
history before their first change (and others' work beside theirs) is background: who made
the project and what it was when they arrived, in a sentence or two, never "it started" on
the day they first touched it, and the README is the project's words, not theirs. Pure code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import msgspec

from devlogd.models import Beat
from devlogd.story.timeline import day

JOINED_AFTER = 3  # others' changes before the teller's first that make it a project they joined
MAKERS = 3  # people named as its makers, most changes first


class Arrival(msgspec.Struct, frozen=True, kw_only=True):
    """The teller arrived in a project others had made: typed facts, told by a narrator."""

    makers: tuple[str, ...]  # who made it before, most changes first
    changes: int  # their changes before the teller's first
    since: str  # the day of the project's first change (YYYY-MM-DD, its author's clock)
    until: str  # the day of the last of those changes
    arrived: str  # the day of the teller's first change


def find_arrival(history: Sequence[Beat], keys: set[str], key: Callable[[Beat], str],
                 is_bot: Callable[[Beat], bool]) -> Arrival | None:
    """Where the teller (the people of ``keys``) joined ``history`` (every beat known, in any
    order), or None when the project is theirs from its start (or others made only a few
    changes before them: a friend's first scaffold is not a project joined)."""
    ordered = sorted(history, key=lambda b: b.time)
    first = next((b for b in ordered if key(b) in keys), None)
    if first is None:
        return None
    before = [b for b in ordered if b.time < first.time and key(b) not in keys and not is_bot(b)
              and b.kind != "merge"]
    if len(before) < JOINED_AFTER:
        return None
    names: dict[str, str] = {}
    for beat in before:
        names.setdefault(key(beat), beat.author)
    makers = tuple(names[k] for k, _ in Counter(key(b) for b in before).most_common(MAKERS))
    return Arrival(makers=makers, changes=len(before), since=day(before[0]), until=day(before[-1]),
                   arrived=day(first))
