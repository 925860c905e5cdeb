"""Readable views of the journal. Rendered markdown is a view, never the store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from itertools import groupby

from devlogd.models import Beat
from devlogd.story.escape import escape_prose
from devlogd.story.labels import action_label, title


def utc_day(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")

_KIND_MARK = {
    "feature": "✨", "fix": "🐛", "perf": "⚡", "refactor": "♻️", "test": "🧪", "docs": "📝",
    "build": "📦", "revert": "⏪", "merge": "🔀", "release": "🏷️", "chore": "🔧",
}


def journal_markdown(beats: Sequence[Beat], heading: str = "Devlog journal") -> str:
    """The journal grouped by day, newest day first."""
    lines = [f"# {heading}", ""]
    if not beats:
        lines.append("_No beats yet: run `devlog backfill`, or commit with the hook installed._")
        return "\n".join(lines) + "\n"
    ordered = sorted(beats, key=lambda b: b.time, reverse=True)
    for day, group in groupby(ordered, key=lambda b: utc_day(b.time)):
        lines += [f"## {day}", ""]
        for beat in group:
            named = escape_prose(title(beat))  # commit text renders as text
            lines.append(f"- {_KIND_MARK.get(beat.kind, '•')} **{named}** ({beat.kind}, {beat.sha[:8]})")
            if beat.informative:
                lines.append(f"  - diff: {escape_prose(action_label(beat.action))}")
            if beat.body:
                lines.append(f"  - said: {escape_prose(' '.join(beat.body.split())[:300])}")
        lines.append("")
    return "\n".join(lines)
