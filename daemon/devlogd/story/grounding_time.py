"""Grounding's claims about time: dates, weekdays, spans and orders ("the same day",
"the next day", "after", "before"), checked against the changes' dates on the author's
own clock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timezone
from itertools import combinations

from devlogd.models import Beat, Note
from devlogd.story.claims import Claim, Sentence
from devlogd.story.grounding_text import (CONTRADICTED, SUPPORTED, UNSUPPORTED, BeatTexts, Finding, Source, beat_source,
                                          beats_told, note_source)
from devlogd.story.timeline import day, local_time, part_of_day
from devlogd.story.labels import title



def _finding(claim: Claim, verdict: str, reason: str, sources: tuple[Source, ...] = (),
             suggestion: str | None = None) -> Finding:
    return Finding(claim, verdict, reason, sources, suggestion)


def _same_day(value: str, when: str) -> bool:
    return value == when or (value.startswith("*") and when[4:] == value[1:])


def check_date(claim: Claim, chapter: Sequence[Beat], stretch: Sequence[Beat], history: Sequence[Beat],
               notes: Sequence[Note], texts: BeatTexts) -> Finding | None:
    value = claim.value
    for beats in (chapter, stretch, history):
        hits = [b for b in beats if _same_day(value, day(b))]
        if hits:
            return _finding(claim, SUPPORTED, f"changes were made on {day(hits[0])}",
                            tuple(beat_source(b) for b in hits[:3]))
    for note in notes:
        noted = datetime.fromtimestamp(note.time, tz=timezone.utc).date()
        if value[0] != "*" and abs((noted - date.fromisoformat(value)).days) <= 1 or value[1:] in note.text:
            return _finding(claim, SUPPORTED, "the author's note is from then", (note_source(note),))
    if any(value.lstrip("*") in texts.folded(b) for b in stretch):
        return _finding(claim, SUPPORTED, f"{value} is in the sources")
    near = chapter or stretch
    if not near:
        return None
    nearest = min(near, key=lambda b: abs(b.time - _timestamp(value, b)))
    span = f"from {day(near[0])} to {day(near[-1])}" if day(near[0]) != day(near[-1]) else f"from {day(near[0])}"
    return _finding(claim, CONTRADICTED,
                    f"no change or note is dated {claim.text}; this {'chapter' if chapter else 'stretch'}'s changes "
                    f"are {span}", (beat_source(nearest),),
                    suggestion=day(nearest) if value[0] != "*" and claim.text == value else None)


def _timestamp(value: str, beat: Beat) -> float:
    year = value[:4] if value[0] != "*" else day(beat)[:4]
    try:
        return datetime.fromisoformat(f"{year}{value.lstrip('*')[-6:]}").replace(tzinfo=timezone.utc).timestamp()
    except ValueError:
        return float(beat.time)


def check_weekday(claim: Claim, chapter: Sequence[Beat], stretch: Sequence[Beat]) -> Finding | None:
    hits = [b for b in [*chapter, *stretch] if local_time(b).strftime("%A").lower() == claim.value]
    if not hits:
        if not stretch:
            return None
        return _finding(claim, CONTRADICTED, f"none of the stretch's changes was made on a {claim.value.capitalize()}",
                        (beat_source(stretch[0]),))
    if claim.unit and not any(part_of_day(local_time(b)) == claim.unit for b in hits):
        return _finding(claim, UNSUPPORTED, f"changes were made on a {claim.value.capitalize()}, but none in the "
                                            f"{claim.unit}", tuple(beat_source(b) for b in hits[:3]))
    return _finding(claim, SUPPORTED, f"changes were made on a {claim.value.capitalize()}",
                    tuple(beat_source(b) for b in hits[:3]))


def duration_fits(days: float, unit_days: float, stretch: Sequence[Beat], history: Sequence[Beat]) -> bool:
    """Whether some span between two changes is ``days`` long, as a writer would round it."""
    times = sorted(b.time for b in stretch)
    if len(times) > 200:  # spans between a sample of the changes: enough for a writer's round numbers
        times = times[:: len(times) // 200 + 1] + [times[-1]]
    spans = {(b - a) / 86400 for a, b in combinations(times, 2)}
    if history:
        spans.add((history[-1].time - history[0].time) / 86400)
    slack = 0.5 * unit_days + 0.15 * days
    return any(abs(span - days) <= slack for span in spans)


_SAME = ("the same day", "that same day", "that day")


def check_order(claim: Claim, stretch: Sequence[Beat], texts: BeatTexts,
                paragraphs: Mapping[int, Sequence[Sentence]]) -> Finding | None:
    text = claim.sentence.text
    start, end = claim.start, claim.start + len(claim.text)
    if claim.unit == "day":
        earlier = beats_told(text[:start], stretch, texts) or _before(claim.sentence, stretch, texts, paragraphs)
        later = beats_told(text, stretch, texts)
        pairs = [(a, b) for a in earlier for b in later if a.sha != b.sha]
        if not pairs:
            return None
        same = claim.value in _SAME
        fits = [(a, b) for a, b in pairs if (local_time(b).date() - local_time(a).date()).days == (0 if same else 1)]
        if fits:
            return _finding(claim, SUPPORTED, f"\"{claim.text}\": the dates agree",
                            (beat_source(fits[0][0]), beat_source(fits[0][1])))
        a, b = pairs[0]
        return _finding(claim, CONTRADICTED, f"\"{claim.text}\", but \"{title(a)}\" is from {day(a)} and "
                                             f"\"{title(b)}\" from {day(b)}", (beat_source(a), beat_source(b)))
    if claim.unit not in ("after", "before"):
        return None
    left, right = beats_told(text[:start], stretch, texts), beats_told(text[end:], stretch, texts)
    pairs = [(a, b) for a in left for b in right if a.sha != b.sha]
    if not pairs:
        return None
    after = claim.unit == "after"
    if any((a.time >= b.time) == after or a.time == b.time for a, b in pairs):
        return _finding(claim, SUPPORTED, f"\"{claim.text}\": the dates agree", (beat_source(pairs[0][0]),
                                                                                beat_source(pairs[0][1])))
    a, b = pairs[0]
    return _finding(claim, CONTRADICTED, f"told as {claim.unit}, but \"{title(a)}\" ({day(a)}) came "
                                         f"{'before' if after else 'after'} \"{title(b)}\" ({day(b)})",
                    (beat_source(a), beat_source(b)), suggestion="and")


def _before(sentence: Sentence, stretch: Sequence[Beat], texts: BeatTexts,
            paragraphs: Mapping[int, Sequence[Sentence]]) -> list[Beat]:
    """The changes told by the nearest earlier sentence of the paragraph that tells any."""
    earlier = [s for s in paragraphs.get(sentence.paragraph, []) if s.place.line < sentence.place.line
               or (s.place.line == sentence.place.line and s.place.col < sentence.place.col)]
    for previous in reversed(earlier):
        told = beats_told(previous.text, stretch, texts)
        if told:
            return told
    return []
