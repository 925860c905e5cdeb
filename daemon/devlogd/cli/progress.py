"""What the terminal shows while work is under way, on stderr (stdout is for the post).

Work comes in labelled phases, each with its total known when it starts: "reading
history", "journaling" N commits, "planning" from N beats, "writing" N chapters. On a
terminal the phase has a line of its own, redrawn at most 10 times a second; notes are
printed above it and the streamed text of a post replaces it; at the end the phase is
completed to its total and the line cleared. Anywhere else (a pipe, a log file, CI) no bar
is drawn at all: one summary line at the end says what was done and how long it took.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import TextIO

from devlogd.protocol import PHASE_UNITS

BAR_WIDTH = 24
REDRAW_EVERY = 0.1
CLEAR_LINE = "\r\x1b[K"


@dataclass
class Phase:
    name: str
    total: int
    done: int = 0
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None

    @property
    def unit(self) -> str:
        unit = PHASE_UNITS.get(self.name, "")
        return unit[:-1] if self.total == 1 and unit.endswith("s") else unit  # "1 chapter"

    def seconds(self, now: float | None = None) -> float:
        return (self.ended or now or time.monotonic()) - self.started

    def summary(self) -> str:
        count = f" {self.total:,} {self.unit}".rstrip() if self.total else ""
        return f"{self.name}{count} ({self.seconds():.1f} s)"


class Progress:
    """The phases of one command, drawn on a terminal or summed up once elsewhere."""

    def __init__(self, stream: TextIO | None = None, summary: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.summary = summary  # the one line on a non-terminal (off when the command says its own)
        self.current: Phase | None = None
        self.finished: list[Phase] = []
        self.streaming = False
        self._drawn = False  # a bar is on the screen now
        self._last_draw = 0.0

    # -- what the work reports ---------------------------------------------------------

    def phase(self, name: str, done: int, total: int) -> None:
        """``done`` of ``total`` in phase ``name`` (total 0: a phase without a count)."""
        fresh = self.current is None or self.current.name != name
        if fresh:
            self._complete_current()
            self.current = Phase(name, max(total, 0))
        assert self.current is not None
        self.current.total = max(total, 0)
        self.current.done = min(max(done, 0), self.current.total) if self.current.total else 0
        now = time.monotonic()
        if self.tty and not self.streaming and (fresh or now - self._last_draw >= REDRAW_EVERY
                                                  or done >= total):
            self._draw(now)

    def note(self, message: str) -> None:
        """A message of its own, above the bar (said once, on its own line)."""
        self._end_stream()
        self._clear()
        self.stream.write(f"devlog: {message}\n")
        self.stream.flush()
        if self.tty and self.current is not None:
            self._draw(time.monotonic())

    def text(self, chunk: str) -> None:
        """The post as a narrator streams it: the bar gives way to the text."""
        if not self.streaming:
            self._clear()
            self.streaming = True
        self.stream.write(chunk)
        self.stream.flush()

    def finish(self) -> None:
        """Complete the last phase, clear the line; elsewhere, the one summary line."""
        self._end_stream()
        if self.current is not None and self.tty:
            self.current.done = self.current.total
            self._draw(time.monotonic())
        self._complete_current()
        self._clear()
        # A phase with no count is worth a mention only when it took a while.
        worth = [p for p in self.finished if p.total or p.seconds() >= 0.5]
        if not self.tty and self.summary and worth:
            self.stream.write("devlog: " + ", ".join(p.summary() for p in worth) + "\n")
        self.stream.flush()

    # -- drawing -------------------------------------------------------------------------

    def _complete_current(self) -> None:
        if self.current is not None:
            self.current.done = self.current.total
            self.current.ended = time.monotonic()
            self.finished.append(self.current)
            self.current = None

    def _draw(self, now: float) -> None:
        phase = self.current
        if phase is None:
            return
        self._last_draw = now
        self.stream.write(CLEAR_LINE + render_line(phase, now))
        self.stream.flush()
        self._drawn = True

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write(CLEAR_LINE)
            self.stream.flush()
            self._drawn = False

    def _end_stream(self) -> None:
        if self.streaming:
            self.stream.write("\n")
            self.streaming = False


def render_line(phase: Phase, now: float) -> str:
    """``journaling  ████████░░░░  1,200/5,531 commits  340/s, ~13 s left``"""
    if not phase.total:
        return f"{phase.name}…"
    fraction = phase.done / phase.total
    filled = int(BAR_WIDTH * fraction)
    bar = "█" * filled + "░" * (BAR_WIDTH - filled)
    line = f"{phase.name:<15} {bar} {phase.done:,}/{phase.total:,} {phase.unit}".rstrip()
    elapsed = phase.seconds(now)
    # A rate only where one item is one unit of work (commits read); a time left only once
    # the rate has settled. A planning or writing step has no rate worth showing.
    if phase.name == "journaling" and phase.done and elapsed >= 1.0:
        rate = phase.done / elapsed
        left = (phase.total - phase.done) / rate
        line += f"  {rate:,.0f}/s" + (f", ~{left:.0f} s left" if phase.done < phase.total else "")
    return line
