"""Relations between beats: the skeleton of the story, found from facts alone.

Each rule names an arc a reader recognises — a fix of what a recent feature added
(problem -> solution), a revert (setback), repeated edits of one function (struggle),
definitions removed and replaced (pivot), numbers measured (result), dependencies brought
in (built on), a version or tag (milestone), a test after a fix (guard). A relation is
claimed only when the facts carry it, and it carries them typed (the thing, the values,
how many times, over how many days), so a template can label it and a model can tell it.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from devlogd.models import Beat
from devlogd.pipeline.beats import clean_subject
from devlogd.pipeline.extract import is_test_name
from devlogd.story.labels import title
from devlogd.story.timeline import day

DAY = 86400


@dataclass(frozen=True)
class RelationRule:
    kind: str
    label: str  # how the material names it
    window_days: float  # how far back the earlier beat may lie


RULES: tuple[RelationRule, ...] = (
    RelationRule("fixes", "problem -> solution: fixes what an earlier change added", 21),
    RelationRule("reverts", "setback: undoes an earlier change", 90),
    RelationRule("struggle", "struggle: the same code reworked again and again", 4),
    RelationRule("pivot", "pivot: removes what an earlier change added and puts something else in its place", 60),
    RelationRule("result", "result: a measured outcome", 0),
    RelationRule("built-on", "built on: brings in dependencies", 0),
    RelationRule("milestone", "milestone: a version or a tag", 0),
    RelationRule("guards", "guard: a test after a fix", 4),
)
RULE = {rule.kind: rule for rule in RULES}


@dataclass(frozen=True)
class Relation:
    kind: str
    later: Beat  # the change that completes the relation (the fix, the revert, the test)
    earlier: Beat | None  # what it relates to (the feature fixed, the change undone)
    thing: str = ""  # the definition it turns on
    values: tuple[str, ...] = ()  # measured numbers, dependencies, versions, what replaced the thing
    count: int = 0  # how many changes (a struggle)
    days: int = 0  # over how many days (a struggle)

    @property
    def label(self) -> str:
        return RULE[self.kind].label

    @property
    def evidence(self) -> str:
        """The facts that carry it, as the models' material lists them."""
        earlier = self.earlier
        on = f" on {day(earlier)}" if earlier is not None else ""
        name = f"`{self.thing}`"
        if self.kind == "struggle":
            return f"{name} changed {self.count} times in {'one day' if self.days <= 1 else f'{self.days} days'}"
        if self.kind == "pivot":
            return f"{name} (added{on}) gives way to " + " and ".join(f"`{v}`" for v in self.values)
        if self.kind == "fixes":
            return f"{name}, added{on}"
        if self.kind == "reverts" and earlier is not None:
            if self.thing:
                return f"takes back {name}, which \"{title(earlier)}\" put in"
            return f"undoes \"{title(earlier)}\" from {day(earlier)}"
        if self.kind == "guards" and earlier is not None:
            return f"tests after \"{title(earlier)}\""
        return ("; " if self.kind == "result" else ", ").join(self.values) or "an earlier change had to be undone"


def find_relations(beats: Sequence[Beat], tags: Mapping[str, list[str]] | None = None) -> list[Relation]:
    """Every relation among ``beats`` (in time order), in the order they complete."""
    found: list[Relation] = []
    for rule in (_fixes, _reverts, _pivots, _guards):
        found += rule(beats)
    found += _struggles(beats)
    for beat in beats:
        found += _own(beat, tags or {})
    return sorted(found, key=lambda r: (r.later.time, r.kind))


# -- one beat on its own ------------------------------------------------------------------------

_VERSION = re.compile(r"\b(?:v?\d+\.\d+(?:\.\d+)?(?:-[\w.]+)?)\b")
# A measured outcome: a before and after, a factor, a percentage. A lone "0.4 s" is a
# number, not a result.
_RESULT = re.compile(r"^from \S.* to \S|\d\s?(?:x|×)(?!\w)|\d\s?(?:%|percent)\b", re.I)


def _own(beat: Beat, tags: Mapping[str, list[str]]) -> list[Relation]:
    out: list[Relation] = []
    measured = [n for n in beat.numbers if _RESULT.search(n) and " = " not in n]
    if measured and (beat.kind in ("perf", "fix") or any(n.startswith("from ") for n in measured)):
        out.append(Relation("result", beat, None, values=tuple(measured[:3])))
    if beat.dependencies:
        out.append(Relation("built-on", beat, None, values=tuple(beat.dependencies[:6])))
    marks = list(tags.get(beat.sha, []))
    if beat.kind == "release":
        marks += [v for v in _VERSION.findall(beat.subject) if v not in marks]
    if marks:
        out.append(Relation("milestone", beat, None, values=tuple(marks[:3])))
    return out


# -- a beat and an earlier one ----------------------------------------------------------------------

def _names(beat: Beat) -> set[str]:
    return set(beat.touched) | set(beat.added) | {i for i in beat.identifiers if i in beat.subject}


def _earlier(beats: Sequence[Beat], index: int, days: float) -> Iterable[Beat]:
    """The beats before ``index`` within ``days``, nearest first."""
    later = beats[index]
    for other in reversed(beats[:index]):
        if later.time - other.time > days * DAY:
            return
        yield other


def _fixes(beats: Sequence[Beat]) -> list[Relation]:
    """A fix of what a recent change added: the fix names it, or the change added little
    else (a first commit that added everything is no one's particular cause)."""
    common = _ubiquitous(beats)
    out = []
    for index, beat in enumerate(beats):
        if beat.kind != "fix":
            continue
        wanted = _names(beat) - common
        words = beat.message
        for other in _earlier(beats, index, RULE["fixes"].window_days):
            if other.kind in ("fix", "docs", "test", "chore", "merge", "revert"):
                continue
            shared = sorted(n for n in wanted & set(other.added) if len(other.added) <= 6 or n in words)
            if shared:
                out.append(Relation("fixes", beat, other, thing=shared[0]))
                break
    return out


def _ubiquitous(beats: Sequence[Beat]) -> set[str]:
    """Names most changes pass through (a main()), and names many changes define anew (Go's
    `String`, a `new`): the road, not a landmark."""
    defined: dict[str, int] = defaultdict(int)
    for beat in beats:
        for name in set(beat.added):
            defined[name] += 1
    common = {name for name, n in defined.items() if n >= 3}
    if len(beats) < 10:
        return common
    counts: dict[str, int] = defaultdict(int)
    for beat in beats:
        for name in set(beat.touched):
            counts[name] += 1
    return common | {name for name, n in counts.items() if n > 0.3 * len(beats)}


_REVERTED_SHA = re.compile(r"This reverts commit ([0-9a-f]{7,64})")
_REVERTED_SUBJECT = re.compile(r"^Revert \"(.+)\"", re.M)


def _reverts(beats: Sequence[Beat]) -> list[Relation]:
    out = _taken_back(beats)
    for index, beat in enumerate(beats):
        if beat.kind != "revert":
            continue
        sha = _REVERTED_SHA.search(beat.message)
        subject = _REVERTED_SUBJECT.search(beat.message)
        for other in reversed(beats[:index]):
            if (sha and other.sha.startswith(sha.group(1))) or (
                    subject and other.message.split("\n", 1)[0].strip() == subject.group(1).strip()):
                out.append(Relation("reverts", beat, other))
                break
        else:
            out.append(Relation("reverts", beat, None))
    return out


_REPLACING = re.compile(r"\b(?:instead|replac\w*|switch\w*|use[sd]?|rewr[io]te\w*|drop\w*|migrat\w*|"
                        r"move[sd]? to|pivot\w*|abandon\w*|in favou?r of|ditch\w*|scrap\w*)\b", re.I)


_TAKE_BACK = re.compile(r"^(?:don'?t|do not|stop|no longer|remove|drop|undo|back out|disable)\b", re.I)


def _taken_back(beats: Sequence[Beat]) -> list[Relation]:
    """A change soon taken back without a revert: its message says to stop or remove a
    thing, and its removed lines take out what an earlier change of the last days added."""
    out = []
    for index, beat in enumerate(beats):
        if beat.kind == "revert" or not _TAKE_BACK.search(clean_subject(beat.subject)):
            continue
        removed = " ".join(l for h in beat.excerpt for l in h.lines if l.startswith("-"))
        named = [i for i in beat.identifiers if len(i) > 3 and re.search(rf"\b{re.escape(i)}\b", beat.message)
                 and re.search(rf"\b{re.escape(i)}\b", removed)]
        for other in _earlier(beats, index, 3):
            added = " ".join(l for h in other.excerpt for l in h.lines if l.startswith("+"))
            taken = [n for n in named if re.search(rf"\b{re.escape(n)}\b", added)]
            if taken:
                out.append(Relation("reverts", beat, other, thing=taken[0]))
                break
    return out


def _pivots(beats: Sequence[Beat]) -> list[Relation]:
    """One approach given up for another: definitions an earlier change added are removed,
    new ones take their place, and the message says so. A rename is not a pivot."""
    out = []
    for index, beat in enumerate(beats):
        if not beat.removed or not beat.added or not _REPLACING.search(beat.message):
            continue
        for other in _earlier(beats, index, RULE["pivot"].window_days):
            # A test given up is no change of approach (`ParseProgram_TEST` gives way to nothing).
            gone = sorted(n for n in set(beat.removed) & set(other.added) if not is_test_name(n))
            new = [a for a in beat.added if a not in other.added and not any(_renamed(a, g) for g in gone)][:2]
            if gone and new and not all(_renamed(g, n) for g in gone for n in new):
                out.append(Relation("pivot", beat, other, thing=gone[0], values=tuple(new)))
                break
    return out


def _renamed(a: str, b: str) -> bool:
    """Two names for one thing: the same letters but for case and underscores, or one
    inside the other."""
    x, y = a.lower().replace("_", ""), b.lower().replace("_", "")
    return x == y or x in y or y in x


def _guards(beats: Sequence[Beat]) -> list[Relation]:
    out = []
    for index, beat in enumerate(beats):
        if beat.kind != "test":
            continue
        said = " ".join(line for hunk in beat.excerpt for line in hunk.lines) + " " + beat.message
        for other in _earlier(beats, index, RULE["guards"].window_days):
            tested = {name for name in _names(other) if name in said}
            if other.kind == "fix" and (tested or _names(beat) & _names(other)):
                out.append(Relation("guards", beat, other))
                break
    return out


def _struggles(beats: Sequence[Beat], least: int = 3) -> list[Relation]:
    """Three or more changes to one function within a few days: one relation, on the last."""
    by_name: dict[str, list[Beat]] = defaultdict(list)
    for beat in beats:
        for name in dict.fromkeys(beat.touched):
            by_name[name].append(beat)
    out = []
    claimed: set[str] = set()
    window = RULE["struggle"].window_days * DAY
    # A function most changes pass through (a main()) is the road, not the struggle.
    ubiquitous = {name for name, touching in by_name.items() if len(touching) > 0.3 * len(beats) and len(beats) >= 10}
    for name, touching in sorted(by_name.items(), key=lambda item: -len(item[1])):
        if name in ubiquitous:
            continue
        run = _longest_run(touching, window)
        # Attempts, not just growth: a function every change passes through (a main()) is
        # not a struggle unless fixes or a revert come in between.
        attempts = sum(b.kind in ("fix", "revert") for b in run)
        if len(run) < least or attempts < 2 or run[-1].sha in claimed:
            continue
        claimed.add(run[-1].sha)
        days = math.ceil((run[-1].time - run[0].time) / DAY)  # 26 hours are "two days", never "1 days"
        out.append(Relation("struggle", run[-1], run[0], thing=name, count=len(run), days=max(1, days)))
    return out


def _longest_run(beats: list[Beat], window: float) -> list[Beat]:
    best: list[Beat] = []
    start = 0
    for end in range(len(beats)):
        while beats[end].time - beats[start].time > window:
            start += 1
        if end - start + 1 > len(best):
            best = beats[start : end + 1]
    return best

