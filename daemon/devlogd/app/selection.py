"""Which beats a view or a draft is about: a range of dates or revisions, what is still
reachable from the user's branches, what came after the last published post, and today's
.devlogignore applied to beats journaled before it said so."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import msgspec

from devlogd.app.project import Project
from devlogd.errors import DevlogError, NothingToDraft, UsageError
from devlogd.models import Action, Beat, Note
from devlogd.pipeline.beats import make_beat
from devlogd.pipeline.extract import message_texts
from devlogd.pipeline.ignore import SENSITIVE, PathFilter
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
    if until_time is not None and until and re.fullmatch(r"\d{4}-\d{2}-\d{2}", until.strip()):
        until_time += 86399  # --until 2026-01-31 includes that day
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


@dataclass
class DraftSelection:
    """What a draft tells, and what it may draw on."""

    beats: list[Beat]  # the range asked for (or everything after the last published post)
    earlier: list[Beat] = field(default_factory=list)  # the journal's beats before it
    notes: list[Note] = field(default_factory=list)
    ranged: bool = False  # the user chose the range (or a published post did)


def for_draft(project: Project, state: JournalState, since: str | None, until: str | None) -> DraftSelection:
    beats = select_beats(project, state, since, until, after_published=True)
    start = beats[0].time if beats else None
    earlier = sorted((b for b in state.beats if start is not None and b.time < start), key=lambda b: b.time)
    ranged = bool(since or until) or len(beats) < len(state.beats) and state.published is not None
    return DraftSelection(beats, earlier, list(state.notes), ranged)


def require_beats(project: Project, journal: JournalState, selected: list[Beat],
                  since: str | None, until: str | None) -> list[Beat]:
    """``selected``, or :class:`NothingToDraft` with the one sentence that says what was
    asked, what the journal holds and the command that would draft something."""
    if selected:
        return selected
    if not journal.beats and not project.reader.local_tips():
        raise NothingToDraft("this repository has no commits yet: commit some work, then run `devlog draft`")
    raise NothingToDraft(empty_range_message(journal, since, until))


_SUGGESTED_WIDTH = 14 * 86400  # when the asked range has no width of its own: two weeks


def empty_range_message(journal: JournalState, since: str | None, until: str | None,
                        now: float | None = None) -> str:
    """Why a draft of ``since``..``until`` has nothing to tell, in one sentence."""
    now = time.time() if now is None else now
    beats = journal.beats
    if not beats:
        return ("the journal is empty although the repository has commits; "
                "`devlog status` shows what went wrong, and `devlog backfill` reads them again")
    first = min(b.time for b in beats)
    last = max(b.time for b in beats)
    holds = (f"the journal holds {len(beats):,} beat{'s' if len(beats) != 1 else ''} "
             f"from {_local_day(first)} to {_local_day(last)}")
    since_time = parse_date(since, now) if since else None
    width = max(now - since_time, 86400.0) if since_time is not None else _SUGGESTED_WIDTH
    command = f"`devlog draft --since {_local_day(last - width)}`"
    if since or until:
        asked = " ".join(part for part in (
            f"since {_quoted(since, now)}" if since else "",
            f"until {_quoted(until, now)}" if until else "") if part)
        return f"nothing to draft {asked}: {holds}; {command} would tell the latest of them"
    published = journal.published
    marker = next((b for b in beats if published is not None and b.sha == published.until), None)
    when = f" (it ends on {_local_day(marker.time)})" if marker else ""
    return (f"nothing new since the post you marked published{when}: {holds}; "
            f"{command} drafts the latest of them again")


def _local_day(timestamp: float) -> str:
    """A day as --since reads it back (dates are local midnights)."""
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d")


def _quoted(text: str, now: float) -> str:
    """What the user typed, with the date it meant when it is relative ("2 weeks ago")."""
    moment = parse_date(text, now)
    if moment is None or re.match(r"^\d{4}-\d{2}-\d{2}$", text.strip()):
        return f"'{text}'" if " " in text else text
    return f"'{text}' ({_local_day(moment)})"


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


def visible_journal(state: JournalState, reachable: set[str] | None) -> JournalState:
    """The journal as the user's branches see it: only beats of reachable commits."""
    return JournalState(beats=visible_beats(state, reachable), published=state.published, notes=state.notes,
                        rewrites=state.rewrites)  # the published marker follows an amend


def scrub_beats(project: Project, beats: list[Beat]) -> list[Beat]:
    """Today's privacy rules applied to beats journaled before them.

    A beat whose files include a path that `.devlogignore` ignores now, or a file whose
    contents are never read (.env, keys), may carry names, constants and numbers from it:
    such a beat is told again from its commit with today's rules. A commit that is gone
    keeps only what its message says.
    """
    if not beats:
        return beats
    stale = [b for b in beats if _touches_private(b, project.ignore)]
    if not stale:
        return beats
    retold = _retell(project, stale)
    return [retold.get(beat.sha, beat) for beat in beats]


def _touches_private(beat: Beat, ignore: PathFilter) -> bool:
    files = beat.files + [hunk.path for hunk in beat.excerpt]
    if any(SENSITIVE.ignored(path) or (ignore and ignore.ignored(path)) for path in files):
        return True
    # A beat lists its eight largest files (the ones ignored when it was told are not
    # listed at all): with ignore rules, a full list may hide one that is ignored now.
    return bool(ignore) and len(beat.files) >= _LISTED_FILES and beat.stats.files > len(beat.files)


_LISTED_FILES = 8  # pipeline/beats.py: files=[...][:8]


def _retell(project: Project, beats: list[Beat]) -> dict[str, Beat]:
    from devlogd.pipeline.gitread import GitReader  # pygit2: only when a beat needs it

    # A reader of its own: drafts run beside the daemon's git thread, and a pygit2
    # repository is not shared between threads.
    reader = GitReader(project.paths.workdir or project.paths.common_dir, project.config.git, project.ignore)
    out: dict[str, Beat] = {}
    for beat in beats:
        try:
            facts = reader.facts(beat.sha)
        except DevlogError:
            out[beat.sha] = _message_only(beat, project.ignore)
            continue
        told = make_beat(facts, project.rules, beat.branch)
        out[beat.sha] = msgspec.structs.replace(told, time=beat.time)
    return out


def _message_only(beat: Beat, ignore: PathFilter) -> Beat:
    """What a beat can still say when its commit is gone: its message, and no file's names."""
    files = [f for f in beat.files if not ignore.ignored(f)]
    excerpt = [h for h in beat.excerpt if not ignore.ignored(h.path) and not SENSITIVE.ignored(h.path)]
    said = message_texts(beat.message)
    return msgspec.structs.replace(
        beat, files=files, excerpt=excerpt, areas=[], origin="facts", retold="",
        identifiers=[i for i in beat.identifiers if i in said.identifiers],
        numbers=[n for n in beat.numbers if n in said.numbers],
        action=Action(files=len(files)), added=[], removed=[], touched=[],
    )


def draft_range(project: Project, journal: JournalState, since: str | None, until: str | None) -> DraftSelection:
    """What a draft of ``since``..``until`` tells; one sentence when it holds nothing."""
    chosen = for_draft(project, journal, since, until)
    require_beats(project, journal, chosen.beats, since, until)
    return chosen
