"""A progress bar on stderr (never stdout: drafts go there)."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """Redraws at most 10 times a second on a terminal; prints a few plain lines otherwise."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None, width: int = 30) -> None:
        self.label = label
        self.total = max(total, 0)
        self.stream = stream or sys.stderr
        self.width = width
        self.done = 0
        self.started = time.monotonic()
        self._last_draw = 0.0
        self._tty = self.stream.isatty()
        self._last_decile = -1

    def update(self, done: int) -> None:
        self.done = done
        now = time.monotonic()
        if self._tty:
            if now - self._last_draw >= 0.1 or done >= self.total:
                self._last_draw = now
                self._draw(now)
        elif self.total:
            decile = min(10, done * 10 // self.total)
            if decile != self._last_decile and decile in (5,):
                self._last_decile = decile
                self.stream.write(f"{self.label}: {done}/{self.total}\n")
                self.stream.flush()

    def _draw(self, now: float) -> None:
        fraction = self.done / self.total if self.total else 1.0
        filled = int(self.width * fraction)
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        bar = "█" * filled + "░" * (self.width - filled)
        self.stream.write(f"\r{self.label} {bar} {self.done}/{self.total} ({rate:,.0f}/s)")
        self.stream.flush()

    def finish(self, message: str = "") -> None:
        if self._tty:
            self._draw(time.monotonic())
            self.stream.write("\n")
        if message:
            self.stream.write(message + "\n")
        self.stream.flush()


class LiveDraft:
    """The terminal's view of a draft being written: a bar, notes, and the text streaming
    on stderr as the narrator writes it (stdout only ever gets the finished, checked post)."""

    def __init__(self, label: str = "drafting") -> None:
        self.bar = ProgressBar(label, 100)
        self.streaming = False

    def progress(self, fraction: float, message: str) -> None:
        if not self.streaming:
            self.bar.update(int(fraction * 100))

    def note(self, message: str) -> None:
        self._end_stream()
        print(f"devlog: {message}", file=sys.stderr, flush=True)

    def text(self, chunk: str) -> None:
        if not self.streaming:
            self.streaming = True
            sys.stderr.write("\n")
        sys.stderr.write(chunk)
        sys.stderr.flush()

    def _end_stream(self) -> None:
        if self.streaming:
            sys.stderr.write("\n")
            self.streaming = False

    def finish(self) -> None:
        self._end_stream()
        self.bar.finish()
