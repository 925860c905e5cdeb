"""Grounding: every checkable claim of a post traced to its sources.

A claim (see `claims`) is *supported* when a source says it — a change of the sentence's
chapter, another change of the stretch or the history, the author's notes and answers, or
the repository at the stretch's end — *contradicted* when the sources say otherwise (a
name that is nowhere, a count larger than all the changes, a date no change was made on,
an order the dates deny, a change told as kept that was taken back, a quotation nobody
wrote), and *unsupported* when they say nothing either way. Precision comes first: what
cannot be checked for sure is never called a contradiction.

Pure code: the repository is reached through the small `Tree` interface the app layer
provides.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from devlogd.models import Beat, Note
from devlogd.story import claims as claims_mod
from devlogd.story.claims import DURATIONS, Claim, Sentence, number_of
from devlogd.story.grounding_time import check_date, check_order, check_weekday, duration_fits
from devlogd.story.grounding_text import (CONTRADICTED, SUPPORTED, UNSUPPORTED, BeatTexts, Finding, Source, beat_source,
                                          normal, note_source)
from devlogd.story.relations import find_relations
from devlogd.story.timeline import day
from devlogd.story.labels import title

__all__ = ["CONTRADICTED", "SUPPORTED", "UNSUPPORTED", "Finding", "Source", "Sources", "Tree", "contradictions",
           "ground"]



class Tree(Protocol):
    """The repository at the stretch's end (read-only)."""

    def names(self, words: Collection[str]) -> set[str]:
        """Which of ``words`` occur as whole words in the tracked files."""
        ...

    def paths(self) -> frozenset[str]:
        """Every tracked file's path."""
        ...

    def contains(self, text: str) -> bool:
        """Whether some tracked file holds ``text`` (case-insensitive)."""
        ...


@dataclass
class Sources:
    """What a post may be checked against: its chapters' changes (the sidecar's order),
    the journal's history, the author's notes and answers, the tags, the tree."""

    chapters: list[list[Beat]]
    history: list[Beat]
    notes: list[Note]
    tree: Tree
    tags: list[str] = field(default_factory=list)


def ground(post: str, sources: Sources) -> list[Finding]:
    """A finding for every claim of ``post``, supported ones included (their sources are
    what an editor's hover shows)."""
    context = _Context(sources)
    told = claims_mod.sentences(post)
    for sentence in told:
        context.paragraphs.setdefault(sentence.paragraph, []).append(sentence)
    findings: list[Finding] = []
    for sentence in told:
        for claim in claims_mod.claims(sentence):
            finding = context.judge(claim)
            if finding is not None:
                findings.append(finding)
    return findings


def contradictions(post: str, sources: Sources) -> list[str]:
    """The contradicted claims as one sentence each, for a narrator's review step to fix
    before the post is returned."""
    return [f"line {f.claim.place.line + 1}: {f.reason}" for f in ground(post, sources) if f.verdict == CONTRADICTED]


TAKEN_BACK = re.compile(r"\b(?:t[ao]o?k(?:en|es|ing)? (?:it |them |that |this )?back|revert\w*|undid|undo\w*|removed?|"
                        r"remov\w+|drop\w*|stop\w*|gave up|given up|give up|roll\w* back|back\w* out|"
                        r"(?:didn't|did not|never) (?:survive|last|stay|make it)|no longer|ripped out|threw out|"
                        r"abandon\w*|scrap\w*|replac\w*|instead|short-lived|deleted?|undone)\b", re.I)


class _Context:
    def __init__(self, sources: Sources) -> None:
        self.sources = sources
        told = sorted({b.sha: b for c in sources.chapters for b in c}.values(), key=lambda b: b.time)
        self.told = told
        if told:
            first, last = told[0].time, told[-1].time
            self.stretch = [b for b in sources.history if first <= b.time <= last] or told
        else:
            self.stretch = list(sources.history)
        self.texts = BeatTexts()
        self.paragraphs: dict[int, list[Sentence]] = {}
        self.reverted = {r.earlier.sha: r.later for r in find_relations(self.stretch)
                         if r.kind == "reverts" and r.earlier is not None}
        self.note_texts = [(n, normal(n.text)) for n in sources.notes]
        self.extra = normal(" ".join(sources.tags))

    def chapter(self, claim: Claim) -> list[Beat]:
        index = claim.sentence.section - 1
        return self.sources.chapters[index] if 0 <= index < len(self.sources.chapters) else []

    def scopes(self, claim: Claim) -> Iterable[Beat]:
        """The changes to search, nearest first: the chapter's, the stretch's, the history's."""
        seen: set[str] = set()
        for beat in [*self.chapter(claim), *self.stretch, *reversed(self.sources.history)]:
            if beat.sha not in seen:
                seen.add(beat.sha)
                yield beat

    def judge(self, claim: Claim) -> Finding | None:
        judge = getattr(self, f"_{claim.kind}")
        result: Finding | None = judge(claim)
        return result

    # -- names, code, files ------------------------------------------------------------------

    def _name(self, claim: Claim) -> Finding | None:
        name = claim.value
        found = [b for b in self.scopes(claim) if self.texts.names(b, name)][:3]
        notes = [n for n, text in self.note_texts if re.search(rf"(?<!\w){re.escape(name.lower())}(?!\w)", text)]
        if found:
            kept = self._kept(claim, found)
            if kept is not None:
                return kept
        if found or notes:
            return Finding(claim, SUPPORTED, f"`{name}` is in the sources",
                           tuple(beat_source(b, name) for b in found) + tuple(note_source(n) for n in notes[:2]))
        parts = [p for p in re.split(r"\.|::|->", name) if p]
        present = self.sources.tree.names(parts + [name])
        if name in present or (len(parts) > 1 and parts[-1] in present):
            return Finding(claim, SUPPORTED, f"`{name}` is in the code at the end of the stretch",
                           (Source("repository", subject="the code at the end of the stretch"),))
        if present or not _compound(name):  # `getattr`, `printf`: a language's or a library's, maybe
            return Finding(claim, UNSUPPORTED, f"no change, note or file of the repository names `{name}`")
        return Finding(claim, CONTRADICTED, f"`{name}` is named by no change, note or file of the repository")

    def _kept(self, claim: Claim, found: list[Beat]) -> Finding | None:
        """A name a taken-back change brought in, told without its taking back, and gone
        from the code at the end: the post tells it as kept."""
        if claim.sentence.heading:
            return None
        for beat in found:
            later = self.reverted.get(beat.sha)
            if later is None or later.time < beat.time:
                continue
            if any(TAKEN_BACK.search(text) for text in self._paragraph_text(claim)):
                return None
            if claim.value in self.sources.tree.names([claim.value]):
                return None
            return Finding(claim, CONTRADICTED,
                           f"`{claim.value}` is told as kept, but \"{title(later)}\" took it back",
                           (beat_source(later, claim.value), beat_source(beat, claim.value)),
                           suggestion=f"{claim.text} (later taken back)")
        return None

    def _paragraph_text(self, claim: Claim) -> list[str]:
        return [s.text for s in self.paragraphs.get(claim.sentence.paragraph, [claim.sentence])]

    def _code(self, claim: Claim) -> Finding | None:
        text = normal(claim.value)
        found = [b for b in self.scopes(claim) if text in self.texts.folded(b)][:3]
        if found or self.sources.tree.contains(claim.value):
            return Finding(claim, SUPPORTED, f"`{claim.value}` is in the sources",
                           tuple(beat_source(b, claim.value) for b in found))
        return Finding(claim, UNSUPPORTED, f"no source shows `{claim.value}`")

    def _path(self, claim: Claim) -> Finding | None:
        path = claim.value.strip("`").removeprefix("./").rstrip("/")
        known = self.sources.tree.paths() | {f for b in self.sources.history for f in b.files}
        hit = any(p == path or p.endswith("/" + path) or p.startswith(path + "/") or _stem(p) == path
                  or _stem(p).endswith("/" + path) for p in known)
        if hit:
            found = [b for b in self.scopes(claim) if any(f == path or f.endswith("/" + path) for f in b.files)][:3]
            return Finding(claim, SUPPORTED, f"{path} is in the repository", tuple(beat_source(b, path) for b in found))
        return Finding(claim, CONTRADICTED, f"no change touched {path} and the repository has no such file")

    # -- quotations ---------------------------------------------------------------------------

    def _quote(self, claim: Claim) -> Finding | None:
        pieces = [normal(p) for p in re.split(r"\.\.\.|…|\[\.\.\.\]", claim.value) if len(p.split()) >= 2]
        if not pieces:
            return None
        found = [b for b in self.scopes(claim) if all(p in self.texts.folded(b) for p in pieces)][:3]
        notes = [n for n, text in self.note_texts if all(p in text for p in pieces)]
        if found or notes or all(p in self.extra for p in pieces) or \
                all(self.sources.tree.contains(p) for p in pieces):
            return Finding(claim, SUPPORTED, "the quotation is in the sources",
                           tuple(beat_source(b, pieces[0]) for b in found) + tuple(note_source(n) for n in notes[:2]))
        if claim.attributed:
            return Finding(claim, CONTRADICTED, f"no change, note or answer says {claim.text}",
                           suggestion=claim.value.rstrip(".!?"))
        return Finding(claim, UNSUPPORTED, f"no source says {claim.text} in these words",
                       suggestion=claim.value)

    # -- numbers ------------------------------------------------------------------------------

    def _count(self, claim: Claim) -> Finding | None:
        value = int(float(claim.value))
        chapter = self.chapter(claim)
        if self._literal(claim, chapter):
            return Finding(claim, SUPPORTED, f"{claim.text}: the sources say so")
        if claim.unit == "changes":
            counts = {len(self.stretch), len(self.told), len(chapter), len(self.sources.history)}
            counts |= {len(group) for group in _groups(self.stretch)} | self._runs(claim)
            if value in counts:
                return Finding(claim, SUPPORTED, f"{claim.text}: counted in the journal",
                               tuple(beat_source(b) for b in (chapter or self.stretch)[:3]))
            most = max(len(self.sources.history), len(self.stretch))
            if value > most:
                return Finding(claim, CONTRADICTED,
                               f"{claim.text}, but the sources hold {len(self.stretch)} changes in this stretch"
                               + (f" ({len(chapter)} in this chapter)" if chapter else "")
                               + (f" and {len(self.sources.history)} in all" if most > len(self.stretch) else ""),
                               tuple(beat_source(b) for b in (chapter or self.stretch)[:3]),
                               suggestion=f"{len(chapter or self.stretch)} changes")
            return Finding(claim, UNSUPPORTED, f"{claim.text}: not a count the journal holds")
        if claim.unit in ("lines", "files") and value in self._stat_counts(chapter, claim.unit):
            return Finding(claim, SUPPORTED, f"{claim.text}: counted in the changes",
                           tuple(beat_source(b) for b in chapter[:3]))
        return Finding(claim, UNSUPPORTED, f"{claim.text}: no source counts it")

    def _runs(self, claim: Claim) -> set[int]:
        """Counts of the history's runs a post may tell: from the stretch's first change on,
        up to its last, and between two dates the sentence names ("48 changes came before
        (2019-02-02 to 2019-02-06)")."""
        history, told = self.sources.history, self.told
        runs = {sum(b.time >= told[0].time for b in history), sum(b.time <= told[-1].time for b in history)} \
            if told else set()
        dates = sorted(re.findall(r"\d{4}-\d{2}-\d{2}", claim.sentence.text))
        if len(dates) >= 2:
            runs.add(sum(dates[0] <= day(b) <= dates[-1] for b in history))
        return runs

    def _stat_counts(self, chapter: Sequence[Beat], unit: str) -> set[int]:
        beats = list(chapter) or self.stretch
        if unit == "files":
            return {b.stats.files for b in beats} | {len({f for b in beats for f in b.files}),
                                                    len(self.sources.tree.paths())}
        each = {n for b in beats for n in (b.stats.insertions, b.stats.deletions,
                                           b.stats.insertions + b.stats.deletions)}
        return each | {sum(b.stats.insertions for b in beats), sum(b.stats.insertions + b.stats.deletions
                                                                   for b in beats)}

    def _literal(self, claim: Claim, chapter: Sequence[Beat]) -> bool:
        """The claim's words, or its number with its unit, are in a source as they stand."""
        words = normal(claim.text)
        value = claim.value.removesuffix(".0")
        unit = re.escape(claim.unit.rstrip("s"))
        pattern = re.compile(rf"(?<![\d.]){re.escape(value)}\s?(?:\w+\s)?{unit}", re.I) if unit else \
            re.compile(rf"(?<![\d.]){re.escape(value)}(?![\d])")
        texts = [self.texts.folded(b) for b in (chapter or self.stretch)] + [t for _, t in self.note_texts]
        if any(words in t or pattern.search(t) for t in texts):
            return True
        return self.sources.tree.contains(claim.text)

    def _duration(self, claim: Claim) -> Finding | None:
        days = number_of(claim.value) * DURATIONS[claim.unit]
        if self._literal(claim, self.chapter(claim)):
            return Finding(claim, SUPPORTED, f"{claim.text}: the sources say so")
        if duration_fits(days, DURATIONS[claim.unit], self.stretch, self.sources.history):
            return Finding(claim, SUPPORTED, f"{claim.text}: the dates of the changes agree")
        return Finding(claim, UNSUPPORTED, f"{claim.text}: no span of the changes is that long")

    def _number(self, claim: Claim) -> Finding | None:
        if self._literal(claim, self.chapter(claim)) or self.sources.tree.contains(claim.value + claim.unit):
            return Finding(claim, SUPPORTED, f"{claim.text} is in the sources")
        return Finding(claim, UNSUPPORTED, f"no source measures {claim.text}")

    def _version(self, claim: Claim) -> Finding | None:
        value = claim.value
        if value in self.extra or any(value in self.texts.folded(b) for b in self.scopes(claim)) or \
                self.sources.tree.contains(value):
            return Finding(claim, SUPPORTED, f"version {value} is in the sources")
        return Finding(claim, UNSUPPORTED, f"no source names version {value}")

    # -- time ---------------------------------------------------------------------------------

    def _date(self, claim: Claim) -> Finding | None:
        return check_date(claim, self.chapter(claim), self.stretch, self.sources.history, self.sources.notes,
                          self.texts)

    def _weekday(self, claim: Claim) -> Finding | None:
        return check_weekday(claim, self.chapter(claim), self.stretch)

    def _order(self, claim: Claim) -> Finding | None:
        return check_order(claim, self.stretch, self.texts, self.paragraphs)


def _compound(name: str) -> bool:
    """A name only a project would coin (`parse_banner`, `bannerDelay`, `Drip.run`), not one
    word a language or library may own."""
    return bool(re.search(r"_|[a-z][A-Z]|\.|::|->", name.strip("_")))


def _stem(path: str) -> str:
    """A path without its extension: a post may name `app/repofacts` or README."""
    head, _, name = path.rpartition("/")
    return (head + "/" if head else "") + name.split(".", 1)[0]


def _groups(beats: Sequence[Beat]) -> list[list[Beat]]:
    """Runs a post may count: the changes of one day, and of one sitting (no 3-hour gap)."""
    from devlogd.story.timeline import sittings

    by_day: dict[str, list[Beat]] = {}
    for beat in beats:
        by_day.setdefault(day(beat), []).append(beat)
    return list(by_day.values()) + [list(s.beats) for s in sittings(beats)]
