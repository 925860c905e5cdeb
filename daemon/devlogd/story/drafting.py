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
KIND_WEIGHT = {"docs": 0.3, "test": 0.5, "chore": 0.3, "build": 0.3, "refactor": 0.8}


@dataclass
class Chapter:
    beats: list[Beat]
    lead: Beat
    topic: str  # the identifier or area that holds the chapter together

    @property
    def importance(self) -> int:
        # Code changes carry a story; docs, tests and housekeeping support one.
        return sum(int(b.importance * KIND_WEIGHT.get(b.kind, 1.0)) for b in self.beats)

    @property
    def key(self) -> str:
        """Stable hash of the chapter's beats: the cache key for its summary."""
        digest = hashlib.sha256()
        for beat in self.beats:
            digest.update(beat.sha.encode())
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Era:
    """Chapters that did not make the post, summarised in one line each (the middle tier of
    beats -> era summaries -> post)."""

    key: str
    start: str
    end: str
    beats: int
    names: tuple[str, ...]
    highlights: tuple[str, ...]


@dataclass
class DraftPlan:
    project: str
    beats: list[Beat]
    chapters: list[Chapter]
    opening: Beat | None
    lessons: list[Beat] = field(default_factory=list)
    next_steps: list[Beat] = field(default_factory=list)
    eras: list[Era] = field(default_factory=list)
    dropped: int = 0

    @property
    def tokens(self) -> int:
        """Estimated size of the plan as narrator input."""
        detail = sum(beat_tokens(b) for c in self.chapters for b in c.beats)
        return detail + sum(era_tokens(e) for e in self.eras)


def beat_tokens(beat: Beat) -> int:
    size = len(beat.headline) + len(beat.what) + len(beat.why) + len(beat.tension)
    size += len(beat.insight) + sum(len(i) + 3 for i in beat.identifiers)
    size += sum(len(n) + 3 for n in beat.numbers)
    size += sum(sum(len(line) + 1 for line in h.lines) + len(h.path) for h in beat.excerpt)
    return size // CHARS_PER_TOKEN + 12


def era_tokens(era: Era) -> int:
    return (sum(len(n) + 4 for n in era.names) + sum(len(h) + 2 for h in era.highlights)) // CHARS_PER_TOKEN + 20


SummaryCache = dict[str, Era]


def plan_draft(beats: Sequence[Beat], project: str, max_chapters: int = 7,
               token_budget: int = 24_000, cache: SummaryCache | None = None,
               max_eras: int = 12) -> DraftPlan:
    """Choose what the post tells in detail and summarise the rest.

    The most important chapters are kept whole (trimmed to the budget); the chapters
    between them become era summaries, cached by the hash of their beats so the next draft
    of a long history reuses them.
    """
    ordered = sorted(beats, key=lambda b: b.time)
    story = [b for b in ordered if b.kind not in QUIET_KINDS] or list(ordered)
    chapters = group_chapters(story)
    era_budget = min(token_budget // 5, max_eras * 120)
    chosen = _fit(chapters, max_chapters, token_budget - era_budget)
    kept = [chapters[i] for i in sorted(chosen)]
    eras = _eras([c for i, c in enumerate(chapters) if i not in chosen], max_eras, cache)
    dropped = len(story) - sum(len(c.beats) for c in kept)
    opening = _opening(kept)
    lessons = [b for c in kept for b in c.beats if b.kind in ("fix", "revert", "perf") and (b.insight or b.tension)]
    tail = [b for b in ordered[-6:] if b.kind not in ("merge", "release")]
    return DraftPlan(project, ordered, kept, opening, lessons[:4], tail[-3:], eras, dropped)


def _eras(rest: list[Chapter], max_eras: int, cache: SummaryCache | None) -> list[Era]:
    if not rest:
        return []
    size = -(-len(rest) // max_eras)  # ceil: at most max_eras groups, in time order
    groups = [rest[i : i + size] for i in range(0, len(rest), size)]
    return [_era(group, cache) for group in groups]


def _era(group: list[Chapter], cache: SummaryCache | None) -> Era:
    digest = hashlib.sha256()
    for chapter in group:
        digest.update(chapter.key.encode())
    key = digest.hexdigest()[:16]
    if cache is not None and key in cache:
        return cache[key]
    beats = [b for c in group for b in c.beats]
    names: Counter[str] = Counter()
    for beat in beats:
        names.update(beat.identifiers[:3])
    top = sorted(beats, key=lambda b: -b.importance)[:4]
    era = Era(key=key, start=_day(beats[0].time), end=_day(beats[-1].time), beats=len(beats),
              names=tuple(n for n, _ in names.most_common(8)),
              highlights=tuple(b.headline for b in sorted(top, key=lambda b: b.time)))
    if cache is not None:
        cache[key] = era
    return era


def _day(timestamp: int) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")


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
    lead = max(beats, key=lambda b: (b.importance * KIND_WEIGHT.get(b.kind, 1.0), -b.time))
    counts: Counter[str] = Counter()
    for beat in beats:
        counts.update(beat.identifiers[:4])
    topic = counts.most_common(1)[0][0] if counts else (lead.areas[0] if lead.areas else "")
    return Chapter(beats=beats, lead=lead, topic=topic)


def _fit(chapters: list[Chapter], max_chapters: int, budget: int) -> set[int]:
    ranked = sorted(range(len(chapters)), key=lambda i: -chapters[i].importance)
    chosen: set[int] = set()
    used = 0
    for index in ranked:
        if len(chosen) >= max_chapters:
            break
        cost = sum(beat_tokens(b) for b in chapters[index].beats)
        if used + cost > budget:
            # Too big as a whole: keep its most important beats that still fit.
            trimmed = _trim(chapters[index], budget - used)
            if trimmed is None:
                continue
            chapters[index] = trimmed
            cost = sum(beat_tokens(b) for b in trimmed.beats)
        chosen.add(index)
        used += cost
    return chosen


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
