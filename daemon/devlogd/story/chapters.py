"""Chapters and eras: group the told beats into threads of work, fit them to a budget, and
summarise earlier work into eras. Pure code.

A chapter is a run of beats that belong to one thread: they share an area of the code or a
named identifier, or a relation joins them (a fix of what a feature added, a revert, a
struggle with one function). Chapters run in time order; the least important are dropped
first when the material is over its budget.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from devlogd.models import Beat
from devlogd.story.labels import title
from devlogd.story.relations import Relation
from devlogd.story.timeline import day

CHARS_PER_TOKEN = 4  # rough size of material text per token (English prose and code)
QUIET_KINDS = frozenset({"merge", "chore", "build", "release"})
KIND_WEIGHT = {"docs": 0.3, "test": 0.5, "chore": 0.3, "build": 0.3, "refactor": 0.8}
MAX_CHAPTER = 12  # beats in one chapter
ARC_OF = {"fixes": "problem -> solution", "reverts": "setback", "struggle": "struggle",
          "pivot": "pivot", "result": "result", "guards": "problem -> solution"}


@dataclass
class Chapter:
    beats: list[Beat]
    lead: Beat
    topic: str  # the identifier or area that holds the chapter together
    relations: list[Relation] = field(default_factory=list)

    @property
    def importance(self) -> int:
        # Code changes carry a story; docs, tests and housekeeping support one.
        return sum(int(b.importance * KIND_WEIGHT.get(b.kind, 1.0)) for b in self.beats)

    @property
    def arc(self) -> str:
        """The shape a narrator can give it: an arc when a relation carries one, else a
        plain sequence."""
        for relation in self.relations:
            if relation.kind in ARC_OF:
                return ARC_OF[relation.kind]
        return "sequence"

    @property
    def key(self) -> str:
        """Stable hash of the chapter's beats: the cache key for its summary."""
        digest = hashlib.sha256()
        for beat in self.beats:
            digest.update(beat.sha.encode())
        return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Era:
    """Earlier work summarised in one line (the middle tier of beats -> eras -> post)."""

    key: str
    start: str
    end: str
    beats: int
    names: tuple[str, ...]
    highlights: tuple[str, ...]


SummaryCache = dict[str, Era]


def beat_tokens(beat: Beat) -> int:
    size = 80 + sum(len(i) + 3 for i in beat.identifiers)
    size += sum(len(n) + 3 for n in beat.numbers) + min(len(beat.message), 600)
    size += sum(sum(len(line) + 1 for line in h.lines) + len(h.path) for h in beat.excerpt)
    return size // CHARS_PER_TOKEN + 16


def era_tokens(era: Era) -> int:
    return (sum(len(n) + 4 for n in era.names) + sum(len(h) + 2 for h in era.highlights)) // CHARS_PER_TOKEN + 20


# -- chapters --------------------------------------------------------------------------------------

def group_chapters(beats: Sequence[Beat], relations: Sequence[Relation] = (),
                   gap_hours: float = 72.0) -> list[Chapter]:
    """Group consecutive beats that share a topic (a long pause ends a chapter), then join
    the groups a relation links, and give each chapter its relations."""
    groups: list[list[Beat]] = []
    for beat in beats:
        if groups and _belongs(groups[-1], beat, gap_hours):
            groups[-1].append(beat)
        else:
            groups.append([beat])
    groups = _join_related(_merge_small(groups), relations)
    chapters = [_chapter(g) for g in groups]
    for chapter in chapters:
        shas = {b.sha for b in chapter.beats}
        chapter.relations = [r for r in relations if r.later.sha in shas]
    return chapters


def _topics(beat: Beat) -> set[str]:
    return set(beat.identifiers[:6]) | set(beat.areas[:1])


def _belongs(group: list[Beat], beat: Beat, gap_hours: float) -> bool:
    last = group[-1]
    if beat.time - last.time > gap_hours * 3600 or len(group) >= MAX_CHAPTER:
        return False
    return bool(_topics(beat) & set().union(*(_topics(b) for b in group[-3:])))


def _merge_small(groups: list[list[Beat]]) -> list[list[Beat]]:
    """Single minor beats join their neighbour instead of becoming a chapter of their own
    (the first one joins the group after it)."""
    merged: list[list[Beat]] = []
    for group in groups:
        close = bool(merged) and group[0].time - merged[-1][-1].time < 72 * 3600
        minor = len(group) == 1 and _minor(group[0], close)
        opening = len(merged) == 1 and len(merged[0]) == 1 and _minor(merged[0][0], close)
        if merged and (minor or opening) and len(merged[-1]) < MAX_CHAPTER:
            merged[-1].extend(group)
        else:
            merged.append(group)
    return merged


def _minor(beat: Beat, close: bool) -> bool:
    # A small beat close to its neighbour (a scaffold a few hours before the real work)
    # reads as part of that work, not as a chapter of its own.
    return beat.importance < 45 or close and beat.importance < 60


def _join_related(groups: list[list[Beat]], relations: Sequence[Relation]) -> list[list[Beat]]:
    """Neighbouring groups joined by a relation (a fix and the feature it fixes) become one
    chapter, as long as it stays a readable size."""
    groups = [g for g in groups if g]
    for relation in relations:
        if relation.earlier is None or relation.kind not in ARC_OF:
            continue
        where = {b.sha: i for i, g in enumerate(groups) for b in g}
        a, b = where.get(relation.earlier.sha), where.get(relation.later.sha)
        if a is None or b is None or b != a + 1 or len(groups[a]) + len(groups[b]) > MAX_CHAPTER:
            continue
        groups[a : b + 1] = [groups[a] + groups[b]]
    return groups


def _chapter(beats: list[Beat]) -> Chapter:
    lead = max(beats, key=lambda b: (b.importance * KIND_WEIGHT.get(b.kind, 1.0), -b.time))
    counts: Counter[str] = Counter()
    for beat in beats:
        counts.update(beat.added[:4] or beat.touched[:2] or beat.identifiers[:2])
    topic = counts.most_common(1)[0][0] if counts else (lead.areas[0] if lead.areas else "")
    return Chapter(beats=beats, lead=lead, topic=topic)


def fit(chapters: list[Chapter], max_chapters: int, budget: int, recent: int = 2) -> list[Chapter]:
    """The chapters that fit the budget, in time order. The ``recent`` most recent come
    first (a post tells the latest work whole), then the first (where it began), then the
    most important of the rest; a chapter too big as a whole keeps its most important
    beats. A small stretch gets fewer chapters, about one for every four changes, but one
    place is always left beside the latest: ten years of a project are not told as its two
    latest fixes."""
    changes = sum(len(c.beats) for c in chapters)
    max_chapters = max(min(2, max_chapters), min(max_chapters, -(-changes // 4)))
    latest = max(0, min(recent, max_chapters - 1))
    newest = list(range(len(chapters) - latest, len(chapters)))[::-1] if latest else []
    # Then where it began (a story needs its start: "First public alpha version" is no
    # footnote), then the most important of the middle.
    ranked = newest + sorted((i for i in range(len(chapters)) if i not in newest),
                             key=lambda i: (i != 0, -chapters[i].importance, -i))
    chosen: dict[int, Chapter] = {}
    used = 0
    for index in ranked:
        if len(chosen) >= max_chapters:
            break
        chapter = chapters[index]
        cost = sum(beat_tokens(b) for b in chapter.beats)
        if used + cost > budget:
            trimmed = _trim(chapter, budget - used)
            if trimmed is None:
                continue
            chapter, cost = trimmed, sum(beat_tokens(b) for b in trimmed.beats)
        chosen[index] = chapter
        used += cost
    return [chosen[i] for i in sorted(chosen)]


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
    trimmed = _chapter(keep)
    shas = {b.sha for b in keep}
    trimmed.relations = [r for r in chapter.relations if r.later.sha in shas]
    return trimmed


# -- eras ---------------------------------------------------------------------------------------------

def summarise_eras(beats: Sequence[Beat], max_eras: int = 12, cache: SummaryCache | None = None) -> list[Era]:
    """Earlier work (``beats``, in time order) in at most ``max_eras`` one-line summaries,
    cached by the hash of their beats so the next draft of a long history reuses them."""
    chapters = group_chapters(beats)
    if not chapters:
        return []
    size = -(-len(chapters) // max_eras)  # ceil: at most max_eras groups, in time order
    groups = [chapters[i : i + size] for i in range(0, len(chapters), size)]
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
        names.update(beat.added[:3] or beat.identifiers[:3])
    top = sorted(beats, key=lambda b: -b.importance)[:4]
    era = Era(key=key, start=day(beats[0]), end=day(beats[-1]), beats=len(beats),
              names=tuple(n for n, _ in names.most_common(8)),
              highlights=tuple(title(b) for b in sorted(top, key=lambda b: b.time)))
    if cache is not None:
        cache[key] = era
    return era
