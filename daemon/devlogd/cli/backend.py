"""Where a command runs: through the repository's daemon, or in this process.

Each read command is written once, against :class:`Backend`; :func:`run` is the one
place that chooses. The daemon is asked first (it keeps the journal warm and shared); if
it cannot be reached, or with ``--no-daemon``, the same work is done here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from contextlib import closing
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from devlogd import protocol
from devlogd.errors import DaemonError
from devlogd.models import Beat
from devlogd.paths import find_repo
from devlogd.protocol import BeatsQuery, DraftOptions, DraftResult, JournalQuery, StatusReply

if TYPE_CHECKING:
    from devlogd.app.backfill import BackfillResult
    from devlogd.app.project import Project
    from devlogd.cli.client import Connection
    from devlogd.cli.progress import LiveDraft
    from devlogd.pipeline.journal import JournalState

T = TypeVar("T")


class Backend(Protocol):
    def status(self) -> StatusReply: ...

    def beats(self, query: BeatsQuery) -> list[Beat]: ...

    def journal(self, query: JournalQuery) -> str: ...

    def draft(self, options: DraftOptions, live: LiveDraft) -> DraftResult: ...


def run(directory: Path, no_daemon: bool, action: Callable[[Backend], T]) -> T:
    """``action`` through the daemon, or in-process when asked to or when the daemon
    cannot be reached (said once, on stderr)."""
    if not no_daemon:
        try:
            return action(DaemonBackend(directory))
        except DaemonError as err:
            print(f"devlog: {err}; working in-process instead", file=sys.stderr)
    return action(LocalBackend(directory))


class DaemonBackend:
    """Asks the repository's daemon over its socket (started if nobody answers)."""

    def __init__(self, directory: Path) -> None:
        self.paths = find_repo(directory)

    def _session(self, progress: bool = False) -> Connection:
        from devlogd.cli.client import open_session

        return open_session(self.paths, progress=progress)

    def status(self) -> StatusReply:
        with closing(self._session()) as conn:
            raw = conn.request("workspace/executeCommand", {"command": protocol.CMD_STATUS, "arguments": []})
        return protocol.decode_reply(raw, StatusReply, "status")

    def beats(self, query: BeatsQuery) -> list[Beat]:
        with closing(self._session()) as conn:
            raw = conn.request(protocol.BEATS, protocol.to_plain(query))
        return protocol.decode_reply(raw, list[Beat], "the beats query")

    def journal(self, query: JournalQuery) -> str:
        with closing(self._session()) as conn:
            raw = conn.request(protocol.JOURNAL, protocol.to_plain(query))
        return protocol.decode_reply(raw, protocol.JournalView, "the journal query").markdown

    def draft(self, options: DraftOptions, live: LiveDraft) -> DraftResult:
        def on_notification(method: str, params: Any) -> None:
            if not isinstance(params, dict):
                return
            if method == "$/progress":
                value = params.get("value") or {}
                if isinstance(value, dict) and value.get("percentage") is not None:
                    live.progress(value["percentage"] / 100, str(value.get("message", "")))
            elif method == protocol.DRAFT_TEXT:
                live.text(str(params.get("text", "")))
            elif method == "window/logMessage":
                live.note(str(params.get("message", "")))

        with closing(self._session(progress=True)) as conn:
            key = os.environ.get("ANTHROPIC_API_KEY")
            if key:
                # The daemon may have started before the key was exported: this session's key
                # is handed over the private socket, kept in memory for this connection only.
                given = protocol.CredentialsParams(api_key=key, base_url=os.environ.get("ANTHROPIC_BASE_URL"))
                conn.request(protocol.SET_CREDENTIALS, protocol.to_plain(given))
            raw = conn.request("workspace/executeCommand", {
                "command": protocol.CMD_GENERATE_DRAFT,
                "arguments": [protocol.to_plain(options)],
            }, on_notification)
        return protocol.decode_reply(raw, DraftResult, "the draft")


class LocalBackend:
    """Does the work in this process: journals what the branch has and the journal lacks
    first, so views never depend on a hook having run."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @cached_property
    def project(self) -> Project:
        from devlogd.app.project import Project

        return Project.open(self.directory)

    def status(self) -> StatusReply:
        from devlogd.app.status import status_summary

        state = self.project.journal.load()
        return status_summary(self.project, state, state.beats)

    def beats(self, query: BeatsQuery) -> list[Beat]:
        return self._select(query.since, query.until, query.limit)

    def journal(self, query: JournalQuery) -> str:
        from devlogd.story.journal_view import journal_markdown

        beats = self._select(query.since, query.until)
        return journal_markdown(beats, f"Devlog journal: {self.project.folder_name}")

    def draft(self, options: DraftOptions, live: LiveDraft) -> DraftResult:
        from devlogd.app.drafts import DraftHooks, write_draft

        beats = self._select(options.since, options.until, after_published=True)
        hooks = DraftHooks(progress=live.progress, note=live.note, text=live.text)
        return write_draft(self.project, beats, options, hooks)

    def _select(self, since: str | None, until: str | None, limit: int | None = None,
                after_published: bool = False) -> list[Beat]:
        from devlogd.app import selection
        from devlogd.pipeline.journal import JournalState

        project = self.project
        state, reachable = journal_missing(project)
        visible = JournalState(beats=selection.visible_beats(state, reachable),
                               published=state.published, rewrites=state.rewrites)
        return selection.select_beats(project, visible, since, until, limit, after_published)


def journal_missing(project: Project) -> tuple[JournalState, set[str]]:
    """Journal what the branches reach and the journal lacks, as the daemon would (side
    branches and merged work included); the journal as it then is (read again only when
    something was added) and what is reachable."""
    reader = project.reader
    shas = reader.reachable_shas(reader.local_tips())
    state = project.journal.load()
    if any(s not in state.own for s in shas):
        backfill_with_progress(project, None, None, label="reading history", shas=shas)
        state = project.journal.refresh(state)
    return state, set(shas)


def backfill_with_progress(project: Project, spec: str | None, workers: int | None,
                           label: str = "backfill", shas: list[str] | None = None) -> BackfillResult:
    from devlogd.app.backfill import backfill
    from devlogd.cli.progress import ProgressBar

    bar: ProgressBar | None = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = ProgressBar(label, total)
        bar.update(done)

    result = backfill(project, spec, progress, workers, shas)
    if bar is not None:
        bar.finish()
    for error in result.errors[:20]:
        print(f"devlog: skipped {error}", file=sys.stderr)
    return result
