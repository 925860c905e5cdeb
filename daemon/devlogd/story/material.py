"""The story material: everything a narrator writes from, derived from the journal's beats
and the repository. Every narrator — Claude, a local model, the offline storyteller — is
given the same :class:`Material`. Pure code.

It says what the project is (identity), whose work is told and which stretch of it (the
most recent burst by default; earlier work becomes background that strictly precedes it),
how the work went in time (sittings), how the changes relate (relations), the chapters
those arcs make, the author's own notes, and what the ending can stand on (what was
hardest, what is still open).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from devlogd.counts import Counts as RunCounts
from devlogd.models import AgentPrompt, Beat, Note
from devlogd.story.arrival import Arrival, find_arrival
from devlogd.story.chapters import (QUIET_KINDS, Chapter, Era, SummaryCache, beat_tokens, era_tokens, fit,
                                    group_chapters, summarise_eras)
from devlogd.story.identity import Identity
from devlogd.story.labels import title
from devlogd.story.outline import FileOutline
from devlogd.story.relations import Relation, find_relations
from devlogd.story.timeline import Sitting, day, recent_stretch, sittings

ERA_SHARE = 5  # eras get at most 1/ERA_SHARE of the budget
_OPEN = re.compile(r"\b(?:not (?:yet )?(?:finished|done|working)|wip|for now|temporar(?:y|ily)|someday|"
                   r"still (?:needs?|missing|broken)|(?:currently|for the moment) (?:no|not))\b", re.I)
_TODO = re.compile(r"\b(?:TODO|FIXME|XXX)\b[:\s]*(?P<text>.*)")


@dataclass(frozen=True)
class Authorship:
    """Whose work is told, in whose voice."""

    told: tuple[str, ...]  # author names, most changes first
    voice: str  # "I" when one author made most of what is told (others credited by name), else "we"
    why: str  # how they were chosen, for the user to read


@dataclass(frozen=True)
class Counts:
    """The one set of numbers a run tells: every narrator and every message of a run takes
    its counts from here, so no two of them can disagree."""

    changes: int  # the changes of the stretch a post is about (housekeeping aside)
    told: int  # of those, in a chapter
    untold: int  # of those, left out (changes - told)
    chapters: int
    days: int  # calendar days from the first change told to the last, both counted
    others: int  # others' changes credited beside the stretch
    notes: int  # the author's notes placed in it


@dataclass(frozen=True)
class PlacedNote:
    note: Note
    beside: Beat | None  # the told change nearest in time


@dataclass(frozen=True)
class AuthorWords:
    """The author's own words, typed by the gap each fills (answers to devlog's questions),
    then free notes and the prompts they typed into a coding agent. A narrator is told they
    outrank anything inferred; a template can open with the motive and close with the result
    and what comes next."""

    answers: dict[str, list[str]]  # gap kind (models.GAP_KINDS) -> the author's answers
    notes: list[PlacedNote]  # free notes (`devlog note`), each beside a change
    prompts: list[AgentPrompt]  # linked to the change they led to (AgentPrompt.beside)

    def first(self, kind: str) -> str:
        return next(iter(self.answers.get(kind, [])), "")

    @property
    def motive(self) -> str:
        return self.first("motive")

    @property
    def purpose(self) -> str:
        return self.first("purpose")

    @property
    def result(self) -> str:
        return self.first("result")

    @property
    def design(self) -> str:
        return self.first("design")

    @property
    def trouble(self) -> str:
        return self.first("trouble")

    @property
    def next(self) -> str:
        return self.first("next")

    def __bool__(self) -> bool:
        return bool(self.answers or self.notes or self.prompts)


@dataclass
class Material:
    identity: Identity
    beats: list[Beat]  # the stretch told, in time order
    chapters: list[Chapter]
    authorship: Authorship
    stretch: str  # which stretch is told, and why
    eras: list[Era] = field(default_factory=list)  # earlier work, strictly before the stretch
    relations: list[Relation] = field(default_factory=list)
    sittings: list[Sitting] = field(default_factory=list)
    notes: list[PlacedNote] = field(default_factory=list)
    others: list[Beat] = field(default_factory=list)  # others' work in the stretch, credited
    untold: list[Beat] = field(default_factory=list)  # in the stretch, not in any chapter
    open_threads: list[str] = field(default_factory=list)
    hardest: list[Relation] = field(default_factory=list)
    outline: list[FileOutline] = field(default_factory=list)  # the main files' shape at the end
    prompts: list[AgentPrompt] = field(default_factory=list)  # opt-in: coding-agent prompts, linked

    @property
    def words(self) -> AuthorWords:
        """The author's own words in this stretch: answers by kind, free notes, prompts."""
        answers: dict[str, list[str]] = {}
        for placed in self.notes:
            if placed.note.kind and (text := tellable_answer(placed.note.text)):
                answers.setdefault(placed.note.kind, []).append(text)
        free = [p for p in self.notes if not p.note.kind]
        return AuthorWords(answers, free, list(self.prompts))
    arrival: Arrival | None = None  # the teller joined a project others had made
    tally: RunCounts | None = None  # set once by build_material; counted from the fields otherwise

    def __post_init__(self) -> None:
        if self.tally is None:
            self.tally = count(self, selected=len(self.beats) + len(self.others), yours=len(self.beats))

    @property
    def numbers(self) -> RunCounts:
        """The run's numbers for progress, notes and the result (never None after construction)."""
        assert self.tally is not None
        return self.tally

    @property
    def project(self) -> str:
        return self.identity.name

    @property
    def told(self) -> list[Beat]:
        return [b for c in self.chapters for b in c.beats]

    @property
    def latest(self) -> list[Beat]:
        """The most recent work worth naming, oldest first."""
        recent = [b for b in self.beats if b.kind not in ("merge", "release", "chore", "build")][-4:]
        meaningful = [b for b in recent if b.kind not in ("docs", "test")]
        return meaningful[-3:] or recent[-3:]

    @property
    def counts(self) -> Counts:
        told = len(self.told)
        days = {day(b) for b in self.told}
        first, last = (min(days), max(days)) if days else ("", "")
        span = (_date(last) - _date(first)).days + 1 if days else 0
        return Counts(changes=told + len(self.untold), told=told, untold=len(self.untold),
                      chapters=len(self.chapters), days=span, others=len(self.others), notes=len(self.notes))

    @property
    def tokens(self) -> int:
        """Estimated size as narrator input."""
        detail = sum(beat_tokens(b) for b in self.told)
        return detail + sum(era_tokens(e) for e in self.eras) + len(self.identity.summary) // 4


@dataclass(frozen=True)
class Ask:
    """What the user asked to be told."""

    ranged: bool = False  # a --since/--until range, or "after the last published post"
    authors: tuple[str, ...] = ()  # name or e-mail fragments; empty: the default author
    all_authors: bool = False
    user_email: str = ""  # the git user's (canonical) e-mail


def build_material(beats: Sequence[Beat], identity: Identity, ask: Ask = Ask(), *,
                   earlier: Sequence[Beat] = (), notes: Sequence[Note] = (),
                   tags: Mapping[str, list[str]] | None = None, max_chapters: int = 7,
                   token_budget: int = 24_000, cache: SummaryCache | None = None) -> Material:
    """The material for a post about ``beats`` (the selected range). ``earlier``: the
    journal's beats before the range, for background."""
    ordered = sorted(beats, key=lambda b: b.time)
    authorship, mine, others = choose_authors(ordered, ask)
    story = [b for b in mine if b.kind not in QUIET_KINDS] or mine
    if ask.ranged:
        stretch, why = story, "the range asked for"
    else:
        stretch = recent_stretch(story)
        why = "the most recent stretch of work" if len(stretch) < len(story) else "all the work so far"
    start = stretch[0].time if stretch else 0
    keys = {author_key(b) for b in mine}
    before = [b for b in (*earlier, *mine)
              if b.time < start and b.kind not in QUIET_KINDS and (ask.all_authors or author_key(b) in keys)]
    told_span = [b for b in mine if b.time >= start]
    relations = find_relations(told_span, tags)
    chapters = group_chapters(stretch, relations)
    eras_budget = min(token_budget // ERA_SHARE, 12 * 120)
    kept = fit(chapters, max_chapters, token_budget - eras_budget)
    told = {b.sha for c in kept for b in c.beats}
    material = Material(
        identity=identity, beats=told_span, chapters=kept, authorship=authorship,
        stretch=f"{why}: {_span(stretch)}", relations=relations,
        eras=summarise_eras(sorted(before, key=lambda b: b.time), cache=cache) if before else [],
        sittings=sittings(told_span),
        others=[b for b in others if start <= b.time <= _end(told_span) + 86400][:12],
        untold=[b for b in stretch if b.sha not in told],
    )
    material.notes = place_notes(notes, told_span, start)
    material.open_threads = open_threads(kept)
    material.hardest = [r for r in relations if r.kind in ("struggle", "reverts")][-3:]
    if not ask.all_authors:
        material.arrival = find_arrival([*earlier, *ordered], keys, author_key, is_bot)
    material.tally = count(material, selected=len(ordered), yours=len(mine))
    return material


def _date(text: str) -> date:
    return date.fromisoformat(text)


def count(material: Material, *, selected: int, yours: int) -> RunCounts:
    """The draft's numbers, counted once from the material (see story/counts.py)."""
    arrival = material.arrival
    told = material.counts  # the offline template's numbers: the same changes, chapters and told
    return RunCounts(selected=selected, yours=yours, others=selected - yours, stretch=told.changes,
                  chapters=told.chapters, in_chapters=told.told,
                  background=sum(e.beats for e in material.eras), eras=len(material.eras),
                  before_arrival=arrival.changes if arrival else 0)


def _end(beats: Sequence[Beat]) -> int:
    return beats[-1].time if beats else 0


def _span(beats: Sequence[Beat]) -> str:
    from devlogd.story.timeline import period

    return period(beats)


# -- whose story ---------------------------------------------------------------------------------------

def author_key(beat: Beat) -> str:
    """One key per person: the same name under two addresses (a laptop and the web editor)
    is one author; .mailmap, applied before, joins what names alone cannot."""
    return _person(beat.author, beat.author_email)


@lru_cache(maxsize=4096)
def _person(name: str, email: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower()) or email.lower()


# Accounts that are tools, not people: dependency bots, CI, a framework's scaffolding
# (create-astro commits as "houston[bot]"). They are never co-authors and never "I".
_BOT = re.compile(r"\[bot\]|^(?:dependabot|renovate|github-actions|greenkeeper|snyk-bot|pre-commit-ci|"
                  r"imgbot|allcontributors|semantic-release-bot|mergify|houston|netlify|vercel|"
                  r"deepsource-autofix|codecov|pyup-bot|whitesource)\b", re.I)
MOSTLY = 0.75  # the teller made at least this share of the work told: "I", others credited by name


def is_bot(beat: Beat) -> bool:
    return bool(_BOT.search(beat.author) or _BOT.search(beat.author_email.split("@", 1)[0]))


def choose_authors(beats: Sequence[Beat], ask: Ask) -> tuple[Authorship, list[Beat], list[Beat]]:
    """Whose work is told: the asked-for authors; else the git user when they have work
    here; else the author of most of it. Returns (authorship, their beats, the others').
    Bots' changes are nobody's: neither told as anyone's work nor credited."""
    people = [b for b in beats if not is_bot(b)] or list(beats)
    counts = Counter(author_key(b) for b in people)
    names = {author_key(b): b.author for b in people}
    emails: dict[str, set[str]] = {}
    for beat in people:
        emails.setdefault(author_key(beat), set()).add(beat.author_email.lower())
    yours = {author_key(b) for b in people if ask.user_email and b.author_email.lower() == ask.user_email.lower()}
    if ask.all_authors or not counts:
        keys, why = set(counts), "everyone's work"
    elif ask.authors:
        wanted = [a.lower() for a in ask.authors]
        keys = {k for k in counts
                if any(w in names[k].lower() or any(w in e for e in emails[k]) for w in wanted)}
        why = "the authors asked for"
    elif yours:
        keys, why = yours, "your own work (git config user.email)"
    else:
        top = counts.most_common(1)[0][0]
        keys, why = {top}, f"the main author's work ({counts[top]} of {len(people)} changes)"
    mine = [b for b in people if author_key(b) in keys]
    others = [b for b in people if author_key(b) not in keys and b.kind not in ("merge",)]
    told = Counter(author_key(b) for b in mine)
    ranked = tuple(names[k] for k, _ in told.most_common())
    return Authorship(ranked, _voice(told, yours), why), mine, others


def _voice(told: Counter[str], yours: set[str]) -> str:
    """"I" when one person made most of the work told (the git user, when they are among
    the tellers, else whoever made the most), "we" only when it was truly shared."""
    if len(told) <= 1:
        return "I"
    teller = next((k for k, _ in told.most_common() if k in yours), told.most_common(1)[0][0])
    return "I" if told[teller] >= MOSTLY * sum(told.values()) else "we"


# -- the author's notes, open threads --------------------------------------------------------------------

def place_notes(notes: Sequence[Note], told: Sequence[Beat], start: int) -> list[PlacedNote]:
    """Notes from the stretch (or later), each beside the told change nearest in time."""
    placed = []
    for note in sorted(notes, key=lambda n: n.time):
        if told and note.time < start - 86400:
            continue
        named = [b for b in told if b.sha in note.about]  # an answer names its changes (until a rewrite)
        nearest = named[0] if named else min(told, key=lambda b: abs(b.time - note.time)) if told else None
        placed.append(PlacedNote(note, nearest))
    return placed


_UNKNOWN = re.compile(r"^(?:i\s+)?(?:don'?t|do not|can'?t|cannot)\s+(?:remember|recall|know)\b|^no idea\b|"
                      r"^not sure\b|^(?:i\s+)?forgot\b", re.I)


def tellable_answer(text: str) -> str:
    """An answer without the sentences that say the author does not remember ("Don't
    remember the slider bits."): they tell the asker, not the reader."""
    kept = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s and not _UNKNOWN.match(s)]
    return " ".join(kept)


def _first_clause(text: str) -> str:
    """A TODO's words without comment marks, up to its first full stop (the rest of a
    comment runs on to lines not shown)."""
    text = re.sub(r"\s*(?:\*/|-->)\s*$", "", text).strip()
    head = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    return head if head.endswith((".", "!", "?")) or len(head.split()) < 12 else head.rsplit(" ", 1)[0] + "…"


def open_threads(chapters: Sequence[Chapter], limit: int = 4) -> list[str]:
    """What the facts show is unfinished: TODOs added in the code told, and changes whose
    author called them unfinished, latest first."""
    found: list[str] = []
    for chapter in reversed(chapters):
        for beat in reversed(chapter.beats):
            for hunk in beat.excerpt:
                for line in hunk.lines:
                    todo = _TODO.search(line) if line.startswith("+") else None
                    if todo and len(todo.group("text").split()) >= 3:
                        found.append(f"{_first_clause(todo.group('text'))} (in {hunk.path})")
            first = beat.message.split("\n", 1)[0]
            if beat.kind != "revert" and _OPEN.search(first) and first.lower().rstrip(". ") not in ("wip", "tmp", "temp"):
                found.append(title(beat))
    return list(dict.fromkeys(found))[:limit]
