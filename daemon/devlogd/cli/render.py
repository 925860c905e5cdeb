"""How the terminal shows beats."""

from __future__ import annotations

from devlogd.models import Beat
from devlogd.story.journal_view import utc_day
from devlogd.story.labels import title


def beat_line(beat: Beat) -> str:
    stats = beat.stats
    files = f"{stats.files} file{'s' if stats.files != 1 else ''}"
    return (f"{beat.sha[:10]}  {utc_day(beat.time)}  {beat.kind:<8}  {title(beat)}"
            f"  (+{stats.insertions}/-{stats.deletions}, {files})")
