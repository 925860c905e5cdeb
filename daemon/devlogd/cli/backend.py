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
from devlogd.protocol import (AnswerParams, BeatsQuery, DraftOptions, DraftResult, JournalQuery, NoteParams,
                              NoteReply, NotesQuery, NotesReply, QuestionsQuery, QuestionsReply, StatusReply)

if TYPE_CHECKING:
    from devlogd.app.backfill import BackfillResult
    from devlogd.app.project import Project
    from devlogd.app.selection import DraftSelection
    from devlogd.cli.client import Connection
    from devlogd.cli.progress import Progress
    from devlogd.pipeline.journal import JournalState

T = TypeVar("T")


class Backend(Protocol):
    def status(self, fresh: bool = False) -> StatusReply: ...

    def beats(self, query: BeatsQuery) -> list[Beat]: ...

    def journal(self, query: JournalQuery) -> str: ...

    def draft(self, options: DraftOptions) -> DraftResult: ...

    def note(self, params: NoteParams) -> NoteReply: ...

    def questions(self, query: QuestionsQuery) -> QuestionsReply: ...

    def answer(self, params: AnswerParams) -> NoteReply: ...

    def notes(self, query: NotesQuery) -> NotesReply: ...


def run(directory: Path, no_daemon: bool, action: Callable[[Backend], T],
        display: Progress | None = None) -> T:
    """``action`` through the daemon, or in-process when asked to or when the daemon
    cannot be reached (said once, on stderr). ``display`` shows the phases of the work.

    The configuration is read here first, whichever runs the command: a problem in the
    user's file stops it with one sentence, and one in the repository's file is said here
    (the daemon's warnings go to its log) and that file is ignored."""
    from devlogd.config import load_config

    load_config(find_repo(directory))
    if not no_daemon:
        try:
            return action(DaemonBackend(directory, display))
        except DaemonError as err:
            print(f"devlog: {err}; working in-process instead", file=sys.stderr)
    return action(LocalBackend(directory, display))


def _display(display: Progress | None) -> Progress:
    from devlogd.cli.progress import Progress

    return display or Progress()


class DaemonBackend:
    """Asks the repository's daemon over its socket (started if nobody answers)."""

    def __init__(self, directory: Path, display: Progress | None = None) -> None:
        self.paths = find_repo(directory)
        self.display = display

    def _session(self, progress: bool = False) -> Connection:
        from devlogd.cli.client import open_session

        return open_session(self.paths, progress=progress)

    def status(self, fresh: bool = False) -> StatusReply:
        with closing(self._session()) as conn:
            _hand_over(conn)  # the narrator it names is the one a draft from here would get
            arguments = [protocol.to_plain(protocol.StatusQuery(fresh=True))] if fresh else []
            raw = conn.request("workspace/executeCommand", {"command": protocol.CMD_STATUS, "arguments": arguments})
        reply = protocol.decode_reply(raw, StatusReply, "status")
        here = str(self.paths.workdir or self.paths.common_dir)
        if reply.repository != here:  # its repository moved here under it: it leaves within seconds
            raise DaemonError(f"the daemon that answered serves {reply.repository}, where this repository was "
                              "before it moved, and is stopping")
        return reply

    def beats(self, query: BeatsQuery) -> list[Beat]:
        with closing(self._session()) as conn:
            raw = conn.request(protocol.BEATS, protocol.to_plain(query))
        return protocol.decode_reply(raw, list[Beat], "the beats query")

    def journal(self, query: JournalQuery) -> str:
        with closing(self._session()) as conn:
            raw = conn.request(protocol.JOURNAL, protocol.to_plain(query))
        return protocol.decode_reply(raw, protocol.JournalView, "the journal query").markdown

    def draft(self, options: DraftOptions) -> DraftResult:
        display = _display(self.display)

        def on_notification(method: str, params: Any) -> None:
            if not isinstance(params, dict):
                return
            if method == protocol.DRAFT_PHASE:
                phase = protocol.decode_reply(params, protocol.DraftPhase, "a progress report")
                display.phase(phase.phase, phase.done, phase.total)
            elif method == protocol.DRAFT_TEXT:
                display.text(str(params.get("text", "")))
            elif method == "window/logMessage":
                display.note(str(params.get("message", "")))

        with closing(self._session(progress=True)) as conn:
            _hand_over(conn)
            raw = conn.request("workspace/executeCommand", {
                "command": protocol.CMD_GENERATE_DRAFT,
                "arguments": [protocol.to_plain(options)],
            }, on_notification)
        return protocol.decode_reply(raw, DraftResult, "the draft")

    def note(self, params: NoteParams) -> NoteReply:
        with closing(self._session()) as conn:
            raw = conn.request(protocol.ADD_NOTE, protocol.to_plain(params))
        return protocol.decode_reply(raw, NoteReply, "the note")

    def questions(self, query: QuestionsQuery) -> QuestionsReply:
        with closing(self._session()) as conn:
            _hand_over(conn)  # with a key, the model may choose them
            raw = conn.request(protocol.QUESTIONS, protocol.to_plain(query))
        return protocol.decode_reply(raw, QuestionsReply, "the questions")

    def answer(self, params: AnswerParams) -> NoteReply:
        with closing(self._session()) as conn:
            raw = conn.request(protocol.ANSWER, protocol.to_plain(params))
        return protocol.decode_reply(raw, NoteReply, "the answer")

    def notes(self, query: NotesQuery) -> NotesReply:
        with closing(self._session()) as conn:
            raw = conn.request(protocol.NOTES, protocol.to_plain(query))
        return protocol.decode_reply(raw, NotesReply, "the notes")


def _hand_over(conn: Connection) -> None:
    """The daemon may have started before the key or the local server were exported: this
    session's are handed over the private socket, kept in memory for this connection only."""
    given = protocol.CredentialsParams(api_key=os.environ.get("ANTHROPIC_API_KEY") or None,
                                       local_url=os.environ.get("DEVLOG_LOCAL_URL") or None,
                                       ollama_host=os.environ.get("OLLAMA_HOST") or None)
    if given.api_key:
        given.base_url = os.environ.get("ANTHROPIC_BASE_URL")
    if given.api_key or given.local_url or given.ollama_host:
        conn.request(protocol.SET_CREDENTIALS, protocol.to_plain(given))


class LocalBackend:
    """Does the work in this process: journals what the branch has and the journal lacks
    first, so views never depend on a hook having run."""

    def __init__(self, directory: Path, display: Progress | None = None) -> None:
        self.directory = directory
        self.display = display

    @cached_property
    def project(self) -> Project:
        from devlogd.app.project import Project

        return Project.open(self.directory)

    def status(self, fresh: bool = False) -> StatusReply:  # the journal as it is, always
        from devlogd.app.status import status_summary

        state = self.project.journal.load()
        return status_summary(self.project, state, state.beats)

    def beats(self, query: BeatsQuery) -> list[Beat]:
        return self._select(query.since, query.until, query.limit)

    def journal(self, query: JournalQuery) -> str:
        from devlogd.story.journal_view import journal_markdown

        beats = self._select(query.since, query.until)
        return journal_markdown(beats, f"Devlog journal: {self.project.folder_name}")

    def draft(self, options: DraftOptions) -> DraftResult:
        from devlogd.app.drafts import DraftHooks, write_draft
        from devlogd.app.selection import for_draft, require_beats

        display = self.display = _display(self.display)
        chosen = for_draft(self.project, self._visible, options.since, options.until)
        require_beats(self.project, self._visible, chosen.beats, options.since, options.until)
        hooks = DraftHooks(progress=display.phase, note=display.note, text=display.text)
        return write_draft(self.project, chosen, options, hooks)

    def note(self, params: NoteParams) -> NoteReply:
        from devlogd.app.notes import add_note

        return add_note(self.project, params)

    def questions(self, query: QuestionsQuery) -> QuestionsReply:
        from devlogd.app.questions import questions_for

        return questions_for(self.project, self._chosen(query.since, query.until), query)

    def answer(self, params: AnswerParams) -> NoteReply:
        from devlogd.app.questions import answer_question

        return answer_question(self.project, self._chosen(params.since, params.until), params)

    def notes(self, query: NotesQuery) -> NotesReply:
        from devlogd.app.notes import notes

        return notes(self.project, query)

    def _chosen(self, since: str | None, until: str | None) -> DraftSelection:
        from devlogd.app.selection import draft_range

        return draft_range(self.project, self._visible, since, until)

    def _select(self, since: str | None, until: str | None, limit: int | None = None) -> list[Beat]:
        from devlogd.app.selection import select_beats

        return select_beats(self.project, self._visible, since, until, limit)

    @cached_property
    def _visible(self) -> JournalState:
        """The journal (what was missing journaled first) as far as the branches reach."""
        from devlogd.app import selection

        display = _display(self.display)
        try:
            state, reachable = journal_missing(self.project, display)
        finally:
            if self.display is None:
                display.finish()  # a view's own display: its summary, before the view is printed
        return selection.visible_journal(state, reachable)


def journal_missing(project: Project, display: Progress) -> tuple[JournalState, set[str]]:
    """Journal what the branches reach and the journal lacks, as the daemon would (side
    branches and merged work included); the journal as it then is (read again only when
    something was added) and what is reachable."""
    display.phase("reading history", 0, 0)
    reader = project.reader
    shas = reader.reachable_shas(reader.local_tips())
    state = project.journal.load()
    if any(s not in state.own for s in shas):
        backfill_with_progress(project, None, None, display, shas)
        state = project.journal.refresh(state)
    return state, set(shas)


def backfill_with_progress(project: Project, spec: str | None, workers: int | None,
                           display: Progress, shas: list[str] | None = None) -> BackfillResult:
    """Backfill, shown as the "journaling" phase: the commits still to read, not those
    the journal already had."""
    from devlogd.app.backfill import backfill

    base: int | None = None

    def progress(done: int, total: int) -> None:
        nonlocal base
        if base is None:
            base = done  # the first report: what was journaled before
        display.phase("journaling", done - base, total - base)

    result = backfill(project, spec, progress, workers, shas)
    for error in result.errors[:20]:
        display.note(f"skipped {error}")
    return result
