"""A draft's progress as an editor shows it: where each phase sits in one progress bar,
its message, and the first journaling of a daemon that has just started."""

from __future__ import annotations

import asyncio

from devlogd import protocol
from devlogd.app import drafts
from devlogd.app.repostate import RepoState


# Where each phase sits in an editor's one progress bar (LSP percentages may only rise).
_PHASE_SPAN = {"reading history": (0, 5), "journaling": (5, 40), "planning": (40, 50), "writing": (50, 100)}


def phase_percentage(phase: str, done: int, total: int) -> int:
    low, high = _PHASE_SPAN.get(phase, (0, 100))
    return low + (high - low) * min(done, total) // total if total > 0 else low


def phase_message(phase: str, done: int, total: int) -> str:
    unit = protocol.PHASE_UNITS.get(phase, "")
    return f"{phase} {done:,}/{total:,} {unit}".rstrip() if total > 0 else phase


async def show_first_reconcile(state: RepoState, report: drafts.DraftProgress) -> None:
    """A daemon that has just started journals the history first (seconds, on a long one):
    shown as "reading history" and "journaling N/M commits", not as a bar stuck at 0."""
    shown = False
    while not state.reconciled_once:
        activity = state.activity
        if activity.backlog:
            report("journaling", activity.done, activity.backlog)
        else:
            report("reading history", 0, 0)
        shown = True
        await asyncio.sleep(0.1)
    if shown and state.activity.backlog:
        report("journaling", state.activity.backlog, state.activity.backlog)
