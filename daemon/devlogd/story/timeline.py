"""Time that reads right: which stretch of work a post tells, the sittings it was done in,
and dates as the author lived them (their own time zone, the day and the part of it).

Never a clock time: a model given "22:17" writes "At 22:17 that Saturday" and "fourteen
minutes later", trivia no reader needs; a sitting keeps its length instead.

Pure code over beats. A *sitting* is a run of changes with no gap of hours between them; a
*stretch* is the run of sittings a post tells, by default the most recent burst of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from devlogd.counts import plural
from devlogd.models import Beat

SITTING_GAP = 3 * 3600  # a pause this long starts a new sitting
PAUSE_GAP = 30 * 86400  # a pause this long ends the default stretch ...
MIN_STRETCH = 8  # ... once it holds at least this many changes
MAX_STRETCH = 150  # the default stretch never tells more changes than this


def local_time(beat: Beat) -> datetime:
    """When the change was made, on the author's own clock."""
    return datetime.fromtimestamp(beat.time, tz=timezone(timedelta(minutes=beat.offset)))


def day(beat: Beat) -> str:
    return local_time(beat).strftime("%Y-%m-%d")


def moment(beat: Beat) -> str:
    """"2019-02-03 Sun afternoon": the day, the weekday and the part of the day."""
    when = local_time(beat)
    return f"{when:%Y-%m-%d %a} {part_of_day(when)}"


def part_of_day(when: datetime) -> str:
    hour = when.hour
    if hour < 5:
        return "night"
    if hour < 12:
        return "morning"
    if hour < 18:
        return "afternoon"
    return "evening"


@dataclass(frozen=True)
class Sitting:
    beats: tuple[Beat, ...]

    @property
    def start(self) -> Beat:
        return self.beats[0]

    @property
    def end(self) -> Beat:
        return self.beats[-1]

    @property
    def hours(self) -> float:
        return (self.end.time - self.start.time) / 3600

    def describe(self) -> str:
        """"2019-02-03 (Sunday) morning to evening: 34 changes over 11 hours"."""
        first, last = local_time(self.start), local_time(self.end)
        when = f"{first:%Y-%m-%d} ({first:%A}) {part_of_day(first)}"
        if (last.date() != first.date()):
            when += f" to {last:%Y-%m-%d} {part_of_day(last)}"
        elif part_of_day(last) != part_of_day(first):
            when += f" to {part_of_day(last)}"
        count = len(self.beats)
        span = f" over {self.hours:.0f} hours" if self.hours >= 2 else ""
        return f"{when}: {count} change{'s' if count != 1 else ''}{span}"


def sittings(beats: Sequence[Beat], gap: int = SITTING_GAP) -> list[Sitting]:
    groups: list[list[Beat]] = []
    for beat in sorted(beats, key=lambda b: b.time):
        if groups and beat.time - groups[-1][-1].time <= gap:
            groups[-1].append(beat)
        else:
            groups.append([beat])
    return [Sitting(tuple(g)) for g in groups]


def rhythm(all_sittings: Sequence[Sitting], limit: int = 10) -> list[str]:
    """The rhythm of the work, for a writer: the big sittings and the long silences."""
    lines: list[str] = []
    for index, sitting in enumerate(all_sittings):
        if index:
            silence = (sitting.start.time - all_sittings[index - 1].end.time) / 86400
            if silence >= 7:
                lines.append(f"then {_duration(silence)} without changes")
        if len(sitting.beats) >= 3 or len(all_sittings) <= limit:
            lines.append(sitting.describe())
    if len(lines) > limit:
        biggest = sorted(all_sittings, key=lambda s: -len(s.beats))[: limit // 2]
        lines = [s.describe() for s in sorted(biggest, key=lambda s: s.start.time)]
        lines.insert(0, f"{len(all_sittings)} sittings in all; the biggest:")
    return lines


def span_of(days: float) -> tuple[int, str]:
    """A stretch of time in the unit a reader counts it in: (4, "day"), (3, "week"),
    (5, "month"), (8, "year"), never (103, "month")."""
    if days < 14:
        return round(days), "day"
    if days < 60:
        return round(days / 7), "week"
    if days < 548:  # up to a year and a half, months still count
        return round(days / 30), "month"
    return round(days / 365), "year"


def _duration(days: float) -> str:
    number, unit = span_of(days)
    return f"{number} {unit}" + ("" if number == 1 else "s")


def recent_stretch(beats: Sequence[Beat]) -> list[Beat]:
    """The most recent burst of work: back from the newest change until a long pause (once
    the stretch holds enough to tell) or the cap. ``beats`` in time order."""
    if not beats:
        return []
    start = len(beats) - 1
    while start > 0:
        held = len(beats) - start
        if held >= MAX_STRETCH:
            break
        if held >= MIN_STRETCH and beats[start].time - beats[start - 1].time > PAUSE_GAP:
            break
        start -= 1
    return list(beats[start:])


def period(beats: Sequence[Beat]) -> str:
    if not beats:
        return "(nothing)"
    first, last = local_time(beats[0]), local_time(beats[-1])
    days = (beats[-1].time - beats[0].time) / 86400
    span = "one day" if first.date() == last.date() else f"{days:.0f} days" if days >= 1.5 else "two days"
    return f"{first:%Y-%m-%d} to {last:%Y-%m-%d} ({span}, {plural(len(beats), 'change')})"
