"""What `devlog status` says of a repository, in-process or from the daemon."""

from __future__ import annotations

from devlogd.app.narrators import Choice, choose
from devlogd.app.project import Project
from devlogd.story.labels import title
from devlogd.models import Beat
from devlogd.pipeline.journal import JournalState
from devlogd.protocol import LastBeat, StatusReply


def status_summary(project: Project, state: JournalState, beats: list[Beat],
                   api_key: str | None = None, narrator: Choice | None = None) -> StatusReply:
    """``narrator``: the choice, made already (it may ask a local server: the daemon asks
    off its event loop); else made here."""
    paths = project.paths
    writer, why = (narrator or choose(project.config, api_key=api_key)).writes
    # Commits made in the same second tie on time: the journal's order (parents before
    # children) breaks the tie, so the newest is the last of them, not the first.
    last = max(reversed(beats), key=lambda b: b.time) if beats else None
    try:
        queued = paths.queue.stat().st_size
    except OSError:
        queued = 0
    return StatusReply(
        repository=str(paths.workdir or paths.common_dir),
        beats=len(beats),
        queue=queued,
        last_beat=LastBeat(sha=last.sha, headline=title(last), time=last.time) if last else None,
        # The same choice a draft makes: key, local server, or offline.
        narrator=writer,
        narrator_reason=why,
        corrupt_lines=len(state.corrupt_lines),
    )
