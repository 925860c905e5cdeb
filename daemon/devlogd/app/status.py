"""What `devlog status` says of a repository, in-process or from the daemon."""

from __future__ import annotations

from devlogd.app.project import Project
from devlogd.config import api_credentials
from devlogd.models import Beat
from devlogd.pipeline.journal import JournalState
from devlogd.protocol import LastBeat, StatusReply


def status_summary(project: Project, state: JournalState, beats: list[Beat],
                   api_key: str | None = None) -> StatusReply:
    paths = project.paths
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
        last_beat=LastBeat(sha=last.sha, headline=last.headline, time=last.time) if last else None,
        # The same test a draft makes: environment, handed-over key or the credentials file.
        narrator="claude" if api_credentials(project.config, api_key) else "offline",
        corrupt_lines=len(state.corrupt_lines),
    )
