"""The offline narrator: no network, no model. The best starting point for writing a post by
hand, not a post: a template (template.py, Jinja2) over the material's typed facts — the
author's own subjects quoted verbatim, never conjugated; the relations as labelled lines;
one telling excerpt per chapter; the author's notes where they exist and, where they do
not, the question as an HTML comment. Prose is the model narrators' job.

The facts below are what a template sees (documented in the README); the same material
always gives the same post.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from devlogd.models import Beat, Hunk
from devlogd.pipeline.excerpts import file_kind, is_commentary, score_lines
from devlogd.pipeline.extract import GENERIC_NAMES
from devlogd.story.arrival import Arrival
from devlogd.story.chapters import Chapter
from devlogd.story.escape import fence_for
from devlogd.story.labels import action_label
from devlogd.story.material import Counts, Material, tellable_answer
from devlogd.story.narrators.offline.template import default_template, render, safe
from devlogd.story.relations import Relation
from devlogd.story.timeline import day

EXCERPT_LINES = 14
LISTED = 8  # changes listed in one chapter; the rest are counted


@dataclass(frozen=True)
class Change:
    subject: str  # the author's subject, verbatim
    informative: bool  # False when the subject says nothing ("wip"): then ``action`` says it
    action: str  # what the diff shows, as a bare listing ("added `parse`, `emit` in cli.py")
    kind: str
    day: str  # YYYY-MM-DD, on the author's clock
    author: str
    body: str  # the author's body, verbatim, on one line
    added: list[str]


@dataclass(frozen=True)
class Link:
    """A relation, typed: which label a template gives it is the template's choice."""

    kind: str  # fixes, reverts, struggle, pivot, result, built-on, milestone, guards
    later: Change  # the last change that completes it
    laters: list[Change]  # every one (a thing fixed three times is one link)
    earlier: Change | None
    thing: str
    values: list[str]
    count: int
    days: int


@dataclass(frozen=True)
class Excerpt:
    path: str
    fence: Any  # safe markup: a fence no line of the excerpt can close
    code: Any  # safe markup: the lines, as they are in the file (+ and - marks kept)


@dataclass(frozen=True)
class Part:
    heading: str  # the thread it follows: a definition or an area
    topic: str
    first: str  # YYYY-MM-DD
    last: str
    changes: list[Change]
    more: int  # changes of the chapter not listed
    links: list[Link]
    excerpt: Excerpt | None
    notes: list[str]


@dataclass(frozen=True)
class Voice:
    I: str  # noqa: E741 - the pronoun itself
    i: str
    my: str


@dataclass
class Facts:
    project: str
    title: str
    description: str
    date: str
    tags: list[str]
    summary: str
    voice: Voice
    counts: Counts
    parts: list[Part]
    # The author's answers to devlog's questions by gap (motive, purpose, result, design,
    # trouble, next: models.GAP_KINDS) — a missing one is a question for the template to ask.
    answers: dict[str, list[str]] = field(default_factory=dict)
    opening: list[str] = field(default_factory=list)  # free notes before the work told
    closing: list[str] = field(default_factory=list)  # free notes after it
    open_threads: list[str] = field(default_factory=list)
    untold: list[Change] = field(default_factory=list)
    others: list[str] = field(default_factory=list)  # others credited
    first: str = ""
    last: str = ""
    arrival: Arrival | None = None  # a project the teller joined: who made it, how much, since when


def write_post(material: Material, template: str | None = None, origin: str = "the default template") -> str:
    """The post for ``material`` from ``template`` (the shipped one by default)."""
    if not material.chapters:
        raise ValueError("no chapters to tell")  # the caller says so in one sentence instead
    return render(template or default_template(), vars(post_facts(material)), origin).rstrip() + "\n"


def post_facts(material: Material) -> Facts:
    told = material.told
    used: set[str] = set()
    parts = [_part(chapter, material, _heading(chapter, used)) for chapter in material.chapters]
    main = parts[material.chapters.index(max(material.chapters, key=lambda c: c.importance))]
    voice = Voice("I", "I", "my") if material.authorship.voice == "I" else Voice("We", "we", "our")
    start, end = told[0].time, told[-1].time
    words = material.words
    return Facts(
        project=material.project, title=f"{material.project}: {material.identity.tagline or main.heading}",
        description=material.identity.tagline or _first_sentence(material.identity.summary) or
        f"What went into {material.project}",
        date=day(told[-1]), tags=_tags(material), summary=_first_paragraph(material.identity.summary), voice=voice,
        counts=material.counts, parts=parts,
        answers={kind: [t for t in map(tellable_answer, texts) if t] for kind, texts in words.answers.items()},
        opening=[p.note.text for p in words.notes if p.note.time < start],
        closing=[p.note.text for p in words.notes if p.note.time > end],
        open_threads=material.open_threads, untold=[_change(b) for b in material.untold[:12]],
        others=list(dict.fromkeys(b.author for b in material.others)), first=day(told[0]), last=day(told[-1]),
        arrival=material.arrival,
    )


def _heading(chapter: Chapter, used: set[str]) -> str:
    """The thread a part follows: its most named definition that every program does not
    have and no earlier part took, else its main file, else its topic."""
    counts: dict[str, int] = {}
    for beat in chapter.beats:
        for name in beat.added[:4] or beat.touched[:2]:
            counts[name] = counts.get(name, 0) + 1
    names = sorted(counts, key=lambda n: -counts[n])
    files = [b.action.where or (b.files[0] if b.files else "") for b in sorted(chapter.beats, key=lambda b: -b.importance)]
    for candidate in [*(n for n in names if n not in GENERIC_NAMES), *files, chapter.topic]:
        if candidate and candidate not in used:
            used.add(candidate)
            return candidate
    return chapter.topic or "the work"


def _part(chapter: Chapter, material: Material, heading: str) -> Part:
    beats = chapter.beats
    shas = {b.sha for b in beats}
    start, end = beats[0].time, beats[-1].time
    notes = [text for p in material.notes  # free notes in its time, answers about its changes
             if (not p.note.kind and p.beside is not None and p.beside.sha in shas and start <= p.note.time <= end)
             or (p.note.kind in ("design", "trouble") and (shas & set(p.note.about) or
                                                           (p.beside is not None and p.beside.sha in shas)))
             for text in [tellable_answer(p.note.text) if p.note.kind else p.note.text] if text]
    listed = sorted(beats, key=lambda b: -b.importance)[:LISTED]
    return Part(heading=heading,
                topic=chapter.topic, first=day(beats[0]), last=day(beats[-1]),
                changes=[_change(b) for b in beats if b in listed], more=len(beats) - len(listed),
                links=_links(chapter.relations), excerpt=_excerpt(chapter), notes=notes)


def _change(beat: Beat) -> Change:
    return Change(subject=beat.subject, informative=beat.informative,
                  action=beat.retold if beat.retold and not beat.informative else action_label(beat.action),
                  kind=beat.kind, day=day(beat), author=beat.author, body=" ".join(beat.body.split())[:600],
                  added=beat.added[:6])


def _links(relations: list[Relation]) -> list[Link]:
    """One link per relation, but the fixes of one thing added by one change are one link."""
    grouped: dict[tuple[str, str, str], list[Relation]] = {}
    for relation in relations:
        joined = relation.kind == "fixes" and relation.earlier is not None
        key = (relation.kind, relation.thing, relation.earlier.sha if joined and relation.earlier else str(id(relation)))
        grouped.setdefault(key, []).append(relation)
    out = []
    for group in grouped.values():
        relation = group[-1]
        earlier = _change(relation.earlier) if relation.earlier is not None else None
        out.append(Link(kind=relation.kind, later=_change(relation.later), laters=[_change(r.later) for r in group],
                        earlier=earlier, thing=relation.thing, values=list(relation.values), count=relation.count,
                        days=relation.days))
    return out


def _excerpt(chapter: Chapter) -> Excerpt | None:
    """The chapter's most telling hunk of code (the lead's first), never a manifest's."""
    best: tuple[float, Hunk] | None = None
    for beat in chapter.beats:
        for hunk in beat.excerpt:
            kind = file_kind(hunk.path)
            if kind == "config" or (kind == "prose" and not is_commentary(hunk)):
                continue
            score = score_lines(hunk.lines, kind) * (1.5 if beat is chapter.lead else 1.0)
            if best is None or score > best[0]:
                best = (score, hunk)
    if best is None or best[0] <= 0:
        return None
    lines = best[1].lines[:EXCERPT_LINES]
    return Excerpt(path=best[1].path, fence=safe(fence_for(lines)), code=safe("\n".join(lines)))


def _tags(material: Material) -> list[str]:
    kinds = [b.kind for b in material.told if b.kind not in ("merge", "chore")]
    ranked = sorted(set(kinds), key=lambda k: (-kinds.count(k), k))[:3]
    return [material.project.lower(), *ranked]


def _first_paragraph(text: str, limit: int = 500) -> str:
    paragraph = text.strip().split("\n\n", 1)[0]
    return " ".join(paragraph.split())[:limit]


def _first_sentence(text: str) -> str:
    paragraph = _first_paragraph(text, 300)
    head, dot, _ = paragraph.partition(". ")
    return head + ("." if dot else "")

