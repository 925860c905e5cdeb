"""The sources' text as grounding searches it: one change's words (its message, names,
files and telling lines), folded for comparison, and the source a finding cites (the
change's subject, its date and the lines that say it)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from devlogd.models import Beat, Note
from devlogd.story.claims import Claim
from devlogd.story.timeline import day
from devlogd.story.labels import action_label, title

SUPPORTED, CONTRADICTED, UNSUPPORTED = "supported", "contradicted", "unsupported"


@dataclass(frozen=True)
class Source:
    """What a finding rests on: a change (its sha, subject, date and telling lines), a
    note or answer of the author's, or the repository at the stretch's end."""

    kind: str  # change, note, repository
    sha: str = ""
    subject: str = ""
    date: str = ""
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """A claim and what its sources say of it, with softer words for the claim's text
    when there are any."""

    claim: Claim
    verdict: str  # supported, contradicted, unsupported
    reason: str
    sources: tuple[Source, ...] = ()
    suggestion: str | None = None

    def __str__(self) -> str:
        place = self.claim.place
        return f"{place.line + 1}:{place.col + 1}: {self.verdict}: {self.reason}"


_BULLET = re.compile(r"^\s*(?:[-*•+]|\d+[.)])\s+", re.M)
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "`": "", "*": "", "_": " "})


def normal(text: str) -> str:
    """Text folded for comparison: one case, one kind of quote, no markup, one space."""
    unescaped = re.sub(r"\\([\\`*_{}\[\]()#+.!<>-])", r"\1", text)  # markdown's escapes are not words
    unlisted = _BULLET.sub("", unescaped)  # a list quoted as prose keeps its words, not its bullets
    folded = " ".join(unlisted.translate(_QUOTES).lower().split())
    return folded.strip(" .,;:!?\"'")


class BeatTexts:
    """Each change's words, gathered once per beat."""

    def __init__(self) -> None:
        self._raw: dict[str, str] = {}
        self._folded: dict[str, str] = {}

    def raw(self, beat: Beat) -> str:
        text = self._raw.get(beat.sha)
        if text is None:
            parts = [beat.message, title(beat), beat.retold, action_label(beat.action), *beat.files,
                     *beat.identifiers, *beat.added, *beat.removed, *beat.touched, *beat.dependencies,
                     *beat.numbers, *beat.notes, *(line for hunk in beat.excerpt for line in hunk.lines)]
            text = self._raw[beat.sha] = "\n".join(p for p in parts if p)
        return text

    def folded(self, beat: Beat) -> str:
        text = self._folded.get(beat.sha)
        if text is None:
            text = self._folded[beat.sha] = normal(self.raw(beat))
        return text

    def names(self, beat: Beat, name: str) -> bool:
        """Whether the change names ``name`` as a whole word (code is case-sensitive)."""
        return name in self.raw(beat) and re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", self.raw(beat)) is not None


def beat_source(beat: Beat, needle: str = "") -> Source:
    """The change as a finding cites it, with up to three lines that hold ``needle``."""
    lines: list[str] = []
    if needle:
        low = needle.lower()
        candidates = [*beat.message.splitlines(), *(line for hunk in beat.excerpt for line in hunk.lines)]
        lines = [line.strip() for line in candidates if low in line.lower() and line.strip()][:3]
    return Source("change", beat.sha, title(beat), day(beat), tuple(lines))


def note_source(note: Note) -> Source:
    when = datetime.fromtimestamp(note.time, tz=timezone.utc).strftime("%Y-%m-%d")
    return Source("note", subject="the author's note", date=when, lines=(note.text,))


_STOP = frozenset("the a an and or of to in on for with from by at as is was it its this that into onto "
                  "not no use used using make made add added new when then also".split())


def _stems(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[a-z][a-z0-9]{2,}", text.lower()) if w not in _STOP}


_NAME = re.compile(r"`([^`\n]+)`|(?<![\w.])([A-Za-z]\w*_\w+|[a-z]+[A-Z]\w*)")
_QUOTED = re.compile(r"“([^”]+)”|\"([^\"]+)\"")


def beats_told(fragment: str, beats: Sequence[Beat], texts: BeatTexts) -> list[Beat]:
    """The changes a piece of a sentence tells: by the names it gives, the words it quotes,
    or most of a change's subject in its own words."""
    names = [(m.group(1) or m.group(2)).strip().removesuffix("()") for m in _NAME.finditer(fragment)]
    quotes = [normal(m.group(1) or m.group(2)) for m in _QUOTED.finditer(fragment)]
    stems = _stems(re.sub(r"`[^`]*`", " ", fragment))
    told: list[Beat] = []
    for beat in beats:
        if any(texts.names(beat, n) for n in names) or any(q and q in texts.folded(beat) for q in quotes):
            told.append(beat)
            continue
        subject = _stems(title(beat))
        common = subject & stems
        if len(common) >= 2 and len(common) >= 0.6 * len(subject):
            told.append(beat)
    return told


def unique(beats: Iterable[Beat]) -> list[Beat]:
    return list({b.sha: b for b in beats}.values())
