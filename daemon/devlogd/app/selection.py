"""Which beats a view or a draft is about: a range of dates or revisions, what is still
reachable from the user's branches, what came after the last published post, and today's
.devlogignore applied to beats journaled before it said so."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

import msgspec

from devlogd.app.project import Project
from devlogd.errors import DevlogError, UsageError
from devlogd.models import Beat
from devlogd.pipeline.ignore import PathFilter
from devlogd.pipeline.journal import JournalState

_RELATIVE = re.compile(r"^(\d+)\s*(minute|hour|day|week|month|year)s?(?:\s+ago)?$", re.IGNORECASE)
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400,
                 "month": 30 * 86400, "year": 365 * 86400}


def parse_date(text: str, now: float | None = None) -> float | None:
    """A point in time from ISO dates, "3 days ago", "yesterday"; None when not a date."""
    now = time.time() if now is None else now
    lowered = text.strip().lower()
    if lowered in ("today", "yesterday"):
        midnight = datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0)
        return (midnight - timedelta(days=1 if lowered == "yesterday" else 0)).timestamp()
    relative = _RELATIVE.match(lowered)
    if relative:
        return now - int(relative.group(1)) * _UNIT_SECONDS[relative.group(2).lower()]
    if re.match(r"^\d{4}-\d{2}-\d{2}", text):
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment.timestamp() if moment.tzinfo else moment.replace(tzinfo=None).timestamp()
    return None


def select_beats(project: Project, state: JournalState, since: str | None = None,
                 until: str | None = None, limit: int | None = None,
                 after_published: bool = False) -> list[Beat]:
    """Beats in time order, filtered by ``since``/``until`` (dates or revisions).

    With ``after_published`` and no range given, only what came after the last post the
    user marked published (`devlog publish`).
    """
    beats = list(state.beats)
    if after_published and not since and not until and state.published is not None:
        last = state.rewrites.get(state.published.until, state.published.until)  # amended since?
        marker = next((b for b in beats if b.sha == last), None)
        if marker is not None:
            beats = [b for b in beats if b.time > marker.time]
    since_time = parse_date(since) if since else None
    until_time = parse_date(until) if until else None
    if since and since_time is None or until and until_time is None:
        allowed = _range_shas(project, since if since_time is None else None,
                              until if until_time is None else None)
        beats = [b for b in beats if b.sha in allowed]
    if since_time is not None:
        beats = [b for b in beats if b.time >= since_time]
    if until_time is not None:
        beats = [b for b in beats if b.time <= until_time]
    beats.sort(key=lambda b: b.time)
    if limit is not None and limit >= 0:
        beats = beats[-limit:] if limit else []
    return beats


def _range_shas(project: Project, since: str | None, until: str | None) -> set[str]:
    reader = project.reader
    tip = reader.resolve(until or "HEAD")
    try:
        keep = set(reader.reachable_shas([tip]))
        if since:
            keep -= set(reader.reachable_shas([reader.resolve(since)]))
    except DevlogError as err:
        raise UsageError(f"{err} (expected a date like 2026-01-31 or '2 weeks ago', or a revision)") from err
    return keep



def visible_beats(state: JournalState, reachable: set[str] | None) -> list[Beat]:
    """Beats of commits that still exist on the user's branches.

    A reset or a force-push without post-rewrite leaves beats of commits nobody can reach;
    they stay in the file (nothing is lost) but are not part of the story.
    """
    if reachable is None:
        return list(state.beats)
    return [beat for beat in state.beats if beat.sha in reachable]


def reachable_now(project: Project) -> set[str]:
    reader = project.reader
    return set(reader.reachable_shas(reader.local_tips()))


def scrub_beat(beat: Beat, ignore: PathFilter) -> Beat:
    """Apply today's .devlogignore to a beat journaled before it said so."""
    if not ignore:
        return beat
    files = [f for f in beat.files if not ignore.ignored(f)]
    excerpt = [h for h in beat.excerpt if not ignore.ignored(h.path)]
    if len(files) == len(beat.files) and len(excerpt) == len(beat.excerpt):
        return beat
    return msgspec.structs.replace(beat, files=files, excerpt=excerpt)
