"""Readable views of the journal. Rendered markdown is a view, never the store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from itertools import groupby

from devlogd.models import Beat
from devlogd.story.escape import escape_prose


def utc_day(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d")

_KIND_MARK = {
    "feature": "✨", "fix": "🐛", "perf": "⚡", "refactor": "♻️", "test": "🧪", "docs": "📝",
    "build": "📦", "revert": "⏪", "merge": "🔀", "release": "🏷️", "chore": "🔧",
}


def journal_markdown(beats: Sequence[Beat], title: str = "Devlog journal") -> str:
    """The journal grouped by day, newest day first."""
    lines = [f"# {title}", ""]
    if not beats:
        lines.append("_No beats yet: run `devlog backfill`, or commit with the hook installed._")
        return "\n".join(lines) + "\n"
    ordered = sorted(beats, key=lambda b: b.time, reverse=True)
    for day, group in groupby(ordered, key=lambda b: utc_day(b.time)):
        lines += [f"## {day}", ""]
        for beat in group:
            headline = escape_prose(beat.headline)  # commit text renders as text
            lines.append(f"- {_KIND_MARK.get(beat.kind, '•')} **{headline}** ({beat.kind}, {beat.sha[:8]})")
            for label, text in (("what", beat.what), ("why", beat.why), ("tension", beat.tension),
                                ("insight", beat.insight)):
                if text:
                    lines.append(f"  - {label}: {escape_prose(text)}")
        lines.append("")
    return "\n".join(lines)
