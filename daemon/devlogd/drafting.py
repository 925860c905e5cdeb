"""From beats to a plan for a post: rank, group into chapters, fit a budget. Pure code.

A chapter is a run of beats that belong to one thread of work: they share an area of the
code or a named identifier, or one fixes what another introduced (bug -> workaround -> fix).
Chapters keep the order things happened in; the least important are dropped first when
the plan is over its budget.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from devlogd.models import Beat

# Rough token cost of one beat when given to a narrator (measured on real journals).
CHARS_PER_TOKEN = 4
QUIET_KINDS = frozenset({"merge", "chore", "build", "release"})


@dataclass
class Chapter:
    beats: list[Beat]
    lead: Beat
    topic: str  # the identifier or area that holds the chapter together

    @property
    def importance(self) -> int:
        return sum(b.importance for b in self.beats)

    @property
    def key(self) -> str:
        """Stable hash of the chapter's beats: the cache key for its summary."""
        digest = hashlib.sha256()
        for beat in self.beats:
            digest.update(beat.sha.encode())
        return digest.hexdigest()[:16]


@dataclass
class DraftPlan:
    project: str
    beats: list[Beat]
    chapters: list[Chapter]
    opening: Beat | None
    lessons: list[Beat] = field(default_factory=list)
    next_steps: list[Beat] = field(default_factory=list)
    dropped: int = 0


def beat_tokens(beat: Beat) -> int:
    size = len(beat.headline) + len(beat.what) + len(beat.why) + len(beat.tension)
    size += len(beat.insight) + sum(len(i) + 3 for i in beat.identifiers)
    size += sum(len(n) + 3 for n in beat.numbers)
    size += sum(sum(len(line) + 1 for line in h.lines) + len(h.path) for h in beat.excerpt)
    return size // CHARS_PER_TOKEN + 12


def plan_draft(beats: Sequence[Beat], project: str, max_chapters: int = 7,
               token_budget: int = 24_000) -> DraftPlan:
    ordered = sorted(beats, key=lambda b: b.time)
    story = [b for b in ordered if b.kind not in QUIET_KINDS] or list(ordered)
    chapters = group_chapters(story)
    kept = _fit(chapters, max_chapters, token_budget)
    dropped = len(story) - sum(len(c.beats) for c in kept)
    opening = _opening(kept)
    lessons = [b for c in kept for b in c.beats if b.kind in ("fix", "revert", "perf") and (b.insight or b.tension)]
    tail = [b for b in ordered[-6:] if b.kind not in ("merge", "release")]
    return DraftPlan(project, ordered, kept, opening, lessons[:4], tail[-3:], dropped)


def group_chapters(beats: Sequence[Beat], gap_hours: float = 72.0) -> list[Chapter]:
    """Group consecutive beats that share a topic; a long pause also ends a chapter."""
    groups: list[list[Beat]] = []
    for beat in beats:
        if groups and _belongs(groups[-1], beat, gap_hours):
            groups[-1].append(beat)
        else:
            groups.append([beat])
    groups = _merge_small(groups)
    return [_chapter(g) for g in groups]


def _topics(beat: Beat) -> set[str]:
    return set(beat.identifiers[:6]) | set(beat.areas[:1])


def _belongs(group: list[Beat], beat: Beat, gap_hours: float) -> bool:
    last = group[-1]
    if beat.time - last.time > gap_hours * 3600:
        return False
    if len(group) >= 12:
        return False
    shared = _topics(beat) & set().union(*(_topics(b) for b in group[-3:]))
    return bool(shared)


def _merge_small(groups: list[list[Beat]]) -> list[list[Beat]]:
    """Single minor beats join their neighbour instead of becoming a chapter of their own."""
    merged: list[list[Beat]] = []
    for group in groups:
        minor = len(group) == 1 and group[0].importance < 45
        if merged and minor and len(merged[-1]) < 12:
            merged[-1].extend(group)
        else:
            merged.append(group)
    return merged


def _chapter(beats: list[Beat]) -> Chapter:
    lead = max(beats, key=lambda b: (b.importance, -b.time))
    counts: Counter[str] = Counter()
    for beat in beats:
        counts.update(beat.identifiers[:4])
    topic = counts.most_common(1)[0][0] if counts else (lead.areas[0] if lead.areas else "")
    return Chapter(beats=beats, lead=lead, topic=topic)


def _fit(chapters: list[Chapter], max_chapters: int, budget: int) -> list[Chapter]:
    ranked = sorted(range(len(chapters)), key=lambda i: -chapters[i].importance)
    chosen: set[int] = set()
    used = 0
    for index in ranked:
        if len(chosen) >= max_chapters:
            break
        cost = sum(beat_tokens(b) for b in chapters[index].beats)
        if chosen and used + cost > budget:
            # Too big as a whole: keep its most important beats that still fit.
            trimmed = _trim(chapters[index], budget - used)
            if trimmed is None:
                continue
            chapters[index] = trimmed
            cost = sum(beat_tokens(b) for b in trimmed.beats)
        chosen.add(index)
        used += cost
    return [chapters[i] for i in sorted(chosen)]


def _trim(chapter: Chapter, room: int) -> Chapter | None:
    keep: list[Beat] = []
    used = 0
    for beat in sorted(chapter.beats, key=lambda b: -b.importance):
        cost = beat_tokens(beat)
        if used + cost <= room:
            keep.append(beat)
            used += cost
    if not keep:
        return None
    keep.sort(key=lambda b: b.time)
    return _chapter(keep)


def _opening(chapters: list[Chapter]) -> Beat | None:
    """The hook: the first real problem told, else the first substantial piece of work."""
    beats = [b for c in chapters for b in c.beats]
    for beat in beats:
        if beat.tension:
            return beat
    return max(beats[: max(1, len(beats) // 3)], key=lambda b: b.importance) if beats else None
