"""The material as the text a model reads: compact, in time order, every relation named.

It keeps what a good post names — what the project is, identifiers, numbers, files, the
telling lines of code and prose, the author's own words — and leaves out what the post
must never show: commit hashes and the word "commit".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from devlogd.models import Beat, Hunk
from devlogd.pipeline.excerpts import KIND_WEIGHT, file_kind, is_commentary, score_lines
from devlogd.pipeline.reasons import is_filler, is_reason, same_thought, sentences_of
from devlogd.story.chapters import Chapter, Era
from devlogd.story.labels import action_label, reasons, title
from devlogd.story.material import Material
from devlogd.story.outline import outline_text
from devlogd.story.relations import Relation
from devlogd.story.timeline import moment, rhythm

_HEX = re.compile(r"\b[0-9a-f]{7,40}\b")
_META = re.compile(r"(?<![-\w])commit(s|ted|ting)?\b(?!-)", re.IGNORECASE)


def clean(text: str) -> str:
    """Hashes and meta words are removed from what the model sees, so it cannot repeat them."""
    return _META.sub("change", _HEX.sub("", text)).strip()


MAX_BYTES = 64 * 1024  # the material a model reads, the system prompt aside


def source_material(material: Material, limit: int = MAX_BYTES) -> str:
    """The material as text, within ``limit`` bytes: over it, the least important chapters
    give way (never the two most recent) and are listed among the work not told."""
    text = _render(material)
    material = replace(material, chapters=list(material.chapters), untold=list(material.untold))
    while len(text.encode()) > limit and len(material.chapters) > 2:
        ranked = sorted(range(len(material.chapters) - 2), key=lambda i: material.chapters[i].importance)
        dropped = material.chapters.pop(ranked[0])
        material.untold = sorted(material.untold + dropped.beats, key=lambda b: b.time)
        text = _render(material)
    return text


def _render(material: Material) -> str:
    parts = [_identity(material), _whose(material)]
    if material.sittings:
        parts.append("Rhythm of the work (sittings, in the author's time zone):\n"
                     + "\n".join(f"- {line}" for line in rhythm(material.sittings)))
    if material.eras:
        parts.append("Background (earlier work, before this stretch; summarised):\n"
                     + "\n".join(era_text(e) for e in material.eras))
    parts.append(author_words(material))
    shared = len(material.authorship.told) > 1
    parts += [chapter_text(i + 1, c, shared) for i, c in enumerate(material.chapters)]
    parts += _ending(material)
    return "\n\n".join(p for p in parts if p)


def _identity(material: Material) -> str:
    identity = material.identity
    head = f"Project: {identity.name}" + (f" ({identity.tagline})" if identity.tagline else "")
    if identity.summary:
        whose = (" (the project's README, by the people who made it: quote it as theirs, never as the teller's "
                 "words)") if material.arrival else ""
        head += f"\nWhat it is, in its README's words{whose}:\n" + _indent(clean(identity.summary))
    if identity.starter:
        head += (f"\nIts README is still {identity.starter}'s starter text: it says what {identity.starter} is, "
                 "not what this project is (tell that from the work itself).")
    if material.outline:
        head += ("\nHow the code is laid out at the end of the stretch (top-level definitions in order, with the "
                 "comment above each; for explaining how it works):\n" + _indent(clean(outline_text(material.outline))))
    return head


def _whose(material: Material) -> str:
    authorship = material.authorship
    who = ", ".join(authorship.told) or "unknown"
    if authorship.voice == "I" and len(authorship.told) > 1:
        voice = (f'write in the first person singular ("I") as {authorship.told[0]}, who made most of it, and credit '
                 "the others by name where their work is told (never \"we\", never the third person)")
    elif authorship.voice == "I":
        voice = 'write in the first person singular ("I"), never the third person'
    else:
        voice = 'the work was truly shared: write as "we", and name who did what where it matters'
    lines = [f"Whose work: {who} ({authorship.why}); {voice}.",
             f"Stretch told: {material.stretch}."]
    if material.arrival is not None:
        lines.append(arrival_text(material))
    return "\n".join(lines)


# How each answer's gap is labelled for the model (the keys are models.GAP_KINDS).
ANSWER_LABELS = {"motive": "why it started", "purpose": "what it is for and how one uses it",
                 "result": "what came of it", "design": "the design choice and what it was weighed against",
                 "trouble": "what went wrong", "next": "what comes next"}


def author_words(material: Material) -> str:
    """The author's own words, a section of their own: answers to devlog's questions by
    the gap they fill, notes, and (opt-in) the prompts they typed into a coding agent."""
    if not material.words:
        return ""
    lines = ["In the author's own words (answers to questions, notes, what they asked their coding agent). "
             "These outrank anything inferred from the changes below: where they disagree, the author is "
             "right. Use them, quote or paraphrase them; open with the motive and close with the result "
             "and what comes next where they are given:"]
    for placed in material.notes:
        label = ANSWER_LABELS.get(placed.note.kind, "note")
        lines.append(f"- {label}: " + _note(placed.note.time, placed.note.text, placed.beside)[2:])
    by_sha = {b.sha: b for b in material.beats}
    for prompt in material.prompts[:MAX_PROMPTS]:
        beside = by_sha.get(prompt.beside)
        lines.append(f"- asked {prompt.tool}: " + _note(prompt.time, _clip(prompt.text, 300), beside)[2:])
    return "\n".join(lines)


MAX_PROMPTS = 24  # linked agent prompts shown; the rest are condensed away


def arrival_text(material: Material) -> str:
    """The teller joined a project others made: background, never the teller's start."""
    arrival = material.arrival
    assert arrival is not None
    return (f"Joined, not started: {material.project} was made by {', '.join(arrival.makers)} "
            f"({arrival.changes} changes, {arrival.since} to {arrival.until}) before the teller's first change "
            f"({arrival.arrived}). "
            "Say who made it and what it was when the teller arrived in a sentence or two, as background; "
            "never tell the project as started on the teller's first day.")


def _note(time: int, text: str, beside: Beat | None) -> str:
    from datetime import datetime, timezone

    when = datetime.fromtimestamp(time, tz=timezone.utc).strftime("%Y-%m-%d")
    where = f" (around: {clean(title(beside))})" if beside is not None else ""
    return f"- [{when}] {clean(text)}{where}"


def era_text(era: Era) -> str:
    names = ", ".join(f"`{n}`" for n in era.names[:8])
    highlights = "; ".join(clean(h) for h in era.highlights[:4])
    return (f"- {era.start} to {era.end}: {era.beats} changes"
            + (f" around {names}" if names else "")
            + (f". Highlights: {highlights}" if highlights else ""))


def chapter_text(index: int, chapter: Chapter, name_authors: bool = False) -> str:
    focus = f" around `{chapter.topic}`" if chapter.topic else ""
    lines = [f"## Thread {index}{focus} (shape: {chapter.arc})"]
    for beat in chapter.beats:
        related = [r for r in chapter.relations if r.later.sha == beat.sha]
        lines.extend(beat_lines(beat, lead=beat is chapter.lead, relations=related, name_author=name_authors))
    return "\n".join(lines)


def beat_lines(beat: Beat, lead: bool = False, relations: Sequence[Relation] = (),
               name_author: bool = False) -> list[str]:
    who = f" (by {beat.author})" if name_author and beat.author else ""
    lines = [f"- [{moment(beat)}] {beat.kind}: {clean(title(beat))}{who}"]
    lines += [f"  relation: {_relation(r)}" for r in relations]
    said: list[str] = [title(beat)]
    told = reasons(beat)
    for label, text in (("why", told.why), ("tension", told.tension), ("insight", told.insight)):
        if text and is_reason(text) and not any(same_thought(text, s) for s in said):
            lines.append(f"  {label}: {clean(text)}")
            said.append(text)
    rest = [s for s in sentences_of(_body(beat.message))
            if not is_filler(s) and not any(same_thought(s, t) for t in said)]
    if rest:
        lines.append("  also said: " + clean(_clip(" ".join(rest), 500)))
    lines.append(f"  diff: {clean(action_label(beat.action))}; {_size(beat)}")
    names = beat.added[:6] + [n for n in beat.identifiers if n not in beat.added][: 8 - min(6, len(beat.added))]
    if names:
        lines.append("  names: " + ", ".join(names))
    if beat.numbers:
        lines.append("  numbers: " + "; ".join(beat.numbers[:8]))
    if beat.files:
        lines.append("  files: " + ", ".join(beat.files[:6]))
    if beat.noise:
        lines.append("  also changed, not worth telling: " + ", ".join(f"{n} {k} file{'s' if n != 1 else ''}"
                                                                     for k, n in sorted(beat.noise.items())))
    for hunk, size in _telling(beat, lead):
        defined = defined_in(hunk.lines)
        where = hunk.path + (f", new `{defined}`" if defined else f", in `{hunk.header}`" if hunk.header else "")
        label = "prose" if _is_prose(hunk) else "comments" if is_commentary(hunk) else "code"
        lines.append(f"  {label} ({where}):")
        lines.extend(f"    {line}" for line in hunk.lines[:size])
    return lines


def _size(beat: Beat) -> str:
    files = beat.stats.files
    where = f" in {', '.join(beat.areas[:3])}" if beat.areas else ""
    return f"{files} file{'s' if files != 1 else ''} (+{beat.stats.insertions}/-{beat.stats.deletions}){where}"


def _relation(relation: Relation) -> str:
    earlier = f" \"{clean(title(relation.earlier))}\"" if relation.earlier is not None and relation.kind not in (
        "reverts", "guards") else ""
    return f"{relation.label}{earlier} ({clean(relation.evidence)})"


def _body(message: str) -> str:
    parts = message.strip().split("\n\n", 1)
    return parts[1] if len(parts) > 1 else ""


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


_DEFINED = re.compile(r"^[+][ \t]*(?:export[ \t]+)?(?:pub[ \t]+)?(?:async[ \t]+)?(?:static[ \t]+)?"
                      r"(?:def|function|fn|func|class|struct|enum|trait|interface|impl|type|local[ \t]+function)"
                      r"[ \t]+([A-Za-z_$][\w$]*)")


def defined_in(lines: Sequence[str]) -> str:
    """The name a hunk's first lines define, if they start a definition."""
    for line in lines[:3]:
        match = _DEFINED.match(line)
        if match:
            return match.group(1)
    return ""


def _best_hunks(hunks: Sequence[Hunk], count: int) -> list[Hunk]:
    """The ``count`` hunks that tell the most (code before the Makefile beside it), in
    the order of the diff."""
    def worth(hunk: Hunk) -> float:
        kind = file_kind(hunk.path)
        return score_lines(hunk.lines, kind) * KIND_WEIGHT.get(kind, 1.0)

    chosen = sorted(range(len(hunks)), key=lambda i: (-worth(hunks[i]), i))[:count]
    return [hunks[i] for i in sorted(chosen)]


def _is_prose(hunk: Hunk) -> bool:
    return hunk.path.lower().endswith((".md", ".mdx", ".rst", ".txt", ".adoc", ".markdown"))


def _telling(beat: Beat, lead: bool) -> list[tuple[Hunk, int]]:
    """The excerpt lines a beat may show: more for the chapter's lead and important
    changes, prose for documentation, nothing for a minor change."""
    if lead or beat.importance >= 60:
        return [(h, 12) for h in _best_hunks(beat.excerpt, 2)]
    if beat.importance >= 45:
        return [(h, 8) for h in _best_hunks(beat.excerpt, 1)]
    prose = [h for h in beat.excerpt if _is_prose(h) or is_commentary(h)]
    return [(h, 12) for h in prose[:2]]


def _ending(material: Material) -> list[str]:
    parts: list[str] = []
    if material.untold:
        parts.append("Also in this stretch (not told in detail): "
                     + "; ".join(clean(title(b)) for b in material.untold[:12]))
    if material.others:
        parts.append("Others' work in this stretch (credit them by name; never tell it as your own):\n"
                     + "\n".join(f"- {b.author}: {clean(title(b))} ({moment(b)[:10]})" for b in material.others))
    if material.hardest:
        parts.append("What was hardest (for the ending's lessons):\n"
                     + "\n".join(f"- {_relation(r)}" for r in material.hardest))
    if material.open_threads:
        parts.append("Still open (for the ending's next steps):\n"
                     + "\n".join(f"- {clean(t)}" for t in material.open_threads))
    if material.latest:
        parts.append("Most recent work (for the ending's next steps):\n"
                     + "\n".join(f"- {clean(title(b))}" for b in material.latest))
    return parts


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" if line else "" for line in text.splitlines())


def suggested_words(material: Material) -> int:
    """A post's length follows its material: a few hundred words a chapter."""
    return max(400, min(2500, 300 + 220 * len(material.chapters)))
