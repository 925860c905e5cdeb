"""The state every connection to the daemon shares: the project, the journal as loaded,
what is reachable from the user's branches, and the reconcile that keeps the journal equal
to the history.

All pygit2 work runs on one thread (a Repository is not safe to share between threads);
narration runs on a separate pool so a long draft never holds up journaling.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from devlogd.app.backfill import append_beats
from devlogd.app.project import Project
from devlogd.app.rejournal import rejournal, stale
from devlogd.app.selection import visible_beats
from devlogd.app.whereabouts import RefsStamp, Whereabouts, refs_stamp
from devlogd.errors import DevlogError, RepositoryGone
from devlogd.handoff import take_queue
from devlogd.models import Beat
from devlogd.pipeline.journal import JournalState

log = logging.getLogger(__name__)

T = TypeVar("T")
DEBOUNCE = 0.1  # a commit touches several refs and logs; journal once, after it is done
FLUSH_EVERY = 256  # beats between fsyncs while reconciling
RETRY_FIRST, RETRY_MAX = 1.0, 60.0  # after a failed reconcile (disk full, read-only journal)
LOCK_WAIT = 20.0  # for a backfill holding the journal; then say so in the status, and retry


@dataclass
class Activity:
    """What the daemon is doing, for `devlog status` and the editor's status bar."""

    reconciling: bool = False
    backlog: int = 0
    done: int = 0
    last_reconcile: float = 0.0
    last_error: str = ""
    errors: list[str] = field(default_factory=list)


class RepoState:
    """Shared by every connection: the project, the journal as loaded, and reconciling."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.journal: JournalState = project.journal.load()
        self.reachable: set[str] | None = None
        self._tips: list[str] | None = None  # where the last walk started
        self._stamp: RefsStamp | None = None  # the refs as the last good reconcile found them
        self.activity = Activity()
        self.listeners: set[Callable[[list[Beat]], None]] = set()
        self.error_listeners: set[Callable[[str], None]] = set()
        self.after_reconcile: list[Callable[[], None]] = []  # called on the loop, each time
        self.where = Whereabouts(project.paths.common_dir, project.paths.state_dir, project.paths.workdir)
        self.gone_listeners: list[Callable[[str], None]] = []  # the repository was deleted or moved
        self.gone_reason = ""
        self._retry_delay = RETRY_FIRST
        self.clients = 0
        self.last_activity = time.monotonic()
        self.started = time.time()
        self._git = ThreadPoolExecutor(max_workers=1, thread_name_prefix="devlog-git")
        self._work = ThreadPoolExecutor(max_workers=4, thread_name_prefix="devlog-draft")
        self._nudged: asyncio.Event | None = None
        self._upgraded = False  # the journal's old beats re-derived (app/rejournal.py)
        self._nudge_pending = False  # set from the watcher thread, cleared by the reconciler
        self._loop: asyncio.AbstractEventLoop | None = None
        self._reconciled = threading.Event()
        self._runs_started = 0  # reconciles begun and finished, so a request can wait for
        self._runs_done = 0  # one that began after it
        self._run_finished: asyncio.Condition | None = None

    # -- threads ------------------------------------------------------------------------

    async def in_git_thread(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._git, fn, *args)

    async def in_work_thread(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._work, fn, *args)

    def shutdown_threads(self) -> None:
        self._git.shutdown(wait=False, cancel_futures=True)
        self._work.shutdown(wait=False, cancel_futures=True)

    # -- nudges -------------------------------------------------------------------------

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._nudged = asyncio.Event()
        self._run_finished = asyncio.Condition()

    def nudge(self, reason: str = "", activity: bool = True) -> None:
        """Ask for a reconcile; safe from any thread (the watcher calls it). ``activity``:
        whether it keeps the daemon from idling (a retry after a failure does not: a daemon
        whose every reconcile fails must still exit at its idle timeout)."""
        if activity:
            self.touch()  # one float stored: safe from the watcher's thread
        if self._loop is None or self._nudged is None or self._nudge_pending:
            return  # a reconcile is already on its way and will see this change too
        self._nudge_pending = True
        log.debug("nudged: %s", reason)
        self._loop.call_soon_threadsafe(self._nudged.set)

    def touch(self) -> None:
        self.last_activity = time.monotonic()

    def refresh_config(self) -> None:
        """Pick up edits to either config file: every request and every reconcile asks, so
        the daemon never works from a configuration the user has since changed. A broken
        file is a ConfigError for each request until it is fixed."""
        if self.project.reload_config():
            log.info("configuration read again")
            if self.activity.last_error:
                self.nudge("configuration changed")  # the last reconcile may have failed on it

    async def reconciler(self) -> None:
        assert self._nudged is not None
        while True:
            await self._nudged.wait()
            await asyncio.sleep(DEBOUNCE)  # a commit moves several files; reconcile once
            self._nudged.clear()
            # From here on a change may be missed by this reconcile, so it must nudge anew;
            # before, the watcher's thread skips waking the loop for every file git touches.
            self._nudge_pending = False
            self._runs_started += 1
            try:
                added = await self.in_git_thread(self.reconcile_once)
            except RepositoryGone as err:
                await self._finished_run()
                self.left(str(err))
                return
            except Exception as err:  # keep serving; report it, and try again later
                await self._finished_run()
                log.exception("reconcile failed")
                message = str(err) if isinstance(err, DevlogError) else f"{type(err).__name__}: {err}"
                self.activity.last_error = message
                for report in list(self.error_listeners):
                    report(message)
                self._schedule_retry()
                continue
            self._retry_delay = RETRY_FIRST
            await self._finished_run()
            for done in self.after_reconcile:
                done()
            if added:
                for listener in list(self.listeners):
                    listener(added)

    def _schedule_retry(self) -> None:
        assert self._loop is not None
        delay, self._retry_delay = self._retry_delay, min(RETRY_MAX, self._retry_delay * 2)
        self._loop.call_later(delay, self.nudge, "retry", False)

    def check_present(self) -> str:
        """Why the repository is gone ("" while it is where it was); the first time it is
        found gone, everyone listening for that hears it (the daemon then stops)."""
        if not self.gone_reason:
            reason = self.where.gone()
            if reason is not None:
                self.left(reason)
        return self.gone_reason

    def left(self, reason: str) -> None:
        if self.gone_reason:
            return
        self.gone_reason = reason
        for listener in list(self.gone_listeners):
            listener(reason)

    @property
    def reconciled_once(self) -> bool:
        return self._reconciled.is_set()

    async def _finished_run(self) -> None:
        assert self._run_finished is not None
        async with self._run_finished:
            self._runs_done = self._runs_started
            self._run_finished.notify_all()

    @property
    def reconciles(self) -> int:
        return self._runs_started

    async def reconciled_now(self, timeout: float = 30.0, force: bool = False) -> None:
        """Wait for a reconcile that begins after this call, so an answer to a client
        tells the branches as they are when it asked (not as the watcher last saw them).
        None is needed when no ref and no queue moved since the last one finished: the
        answer is then what is in memory. After ``timeout`` (a reconcile waiting for a
        backfill's lock) what is known is it."""
        if self._run_finished is None or (not force and self._unchanged()):
            return
        target = self._runs_started + 1
        self.nudge("a client asked")
        condition = self._run_finished

        async def finished() -> None:
            async with condition:
                await condition.wait_for(lambda: self._runs_done >= target)

        try:
            await asyncio.wait_for(finished(), timeout)
        except asyncio.TimeoutError:
            log.warning("answering with the journal as it is: reconciling takes over %.0fs", timeout)

    def _unchanged(self) -> bool:
        idle = not self._nudge_pending and self._runs_done == self._runs_started
        if not idle or self._stamp is None or refs_stamp(self.project.paths) != self._stamp:
            return False
        try:  # another writer (an in-process backfill) appended to the journal
            return self.project.paths.journal.stat().st_size == self.journal.size
        except OSError:
            return False

    async def wait_reconciled(self, timeout: float = 30.0) -> None:
        """Wait for the first reconcile, so a fresh client sees a complete journal."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self._reconciled.wait, timeout)

    # -- reconciling (git thread) -------------------------------------------------------

    def reconcile_once(self) -> list[Beat]:
        started = time.perf_counter()
        project = self.project
        self.activity.reconciling = True
        self._stamp = None  # until this one succeeds, every request reconciles
        try:
            # Before anything is opened for writing: in a deleted repository the journal's
            # writer would make its folder again.
            gone = self.where.gone()
            if gone is not None:
                raise RepositoryGone(gone)
            stamp = refs_stamp(project.paths)  # before anything is read: a move meanwhile counts
            project.reload_config()  # before the queue is taken: a broken file loses no line of it
            if not self._upgraded:  # once per daemon: beats an older version journaled, told anew
                self._upgraded = True
                if stale(project.journal.load()):
                    rejournal(project, wait=LOCK_WAIT)
                    self.journal = JournalState()
            queued = take_queue(project.paths.queue)
            rewrites = queued.rewrites
            reader = project.reader
            with project.journal.writer(wait=LOCK_WAIT, since=self.journal, make_folder=False) as writer:
                tips = reader.local_tips()
                walked, reachable_set = self._walk(tips, writer.state)
                # A queued commit no branch reaches any more (amended, reset away before
                # we looked) is journaled, so nothing is lost, but it is not part of the
                # story: only what is reachable is shown.
                extra = [sha for sha in queued.commits if sha not in reachable_set and reader.exists(sha)]
                missing = [sha for sha in walked + extra if not writer.has(sha)]
                self.activity.backlog, self.activity.done = len(missing), 0
                added, errors = append_beats(project, writer, missing, reader.head_branch(),
                                                     step=self._count_done, flush_every=FLUSH_EVERY)
                self.activity.errors = (self.activity.errors + errors)[-20:]
                writer.add_rewrite(rewrites)
                writer.flush()
            if added or rewrites or self.reachable is None or writer.state.size != self.journal.size:
                self.journal = project.journal.refresh(writer.state)
            self.reachable = reachable_set
            self._tips = tips
            self._stamp = stamp
            self.activity.last_error = ""
        finally:
            self.activity.reconciling = False
            self.activity.last_reconcile = time.time()
            self._reconciled.set()
        if added or rewrites:
            log.info("journaled %d beat(s), %d rewrite(s) in %.3fs", len(added), len(rewrites),
                     time.perf_counter() - started)
        return added

    def _walk(self, tips: list[str], journal: JournalState) -> tuple[list[str], set[str]]:
        """The commits to check against the journal, and all that are reachable now.

        After a commit only the new commits are walked; the whole history again after a
        reset or rebase, or when the journal was replaced under us (it then lacks what
        earlier walks found), so on a long history a commit stays a millisecond's work.
        """
        reader = self.project.reader
        if self.reachable is not None and self._tips is not None and journal.size >= self.journal.size:
            fresh = reader.reachable_since(tips, self._tips)
            if fresh is not None:
                return fresh, self.reachable | set(fresh)
        walked = reader.reachable_shas(tips)
        return walked, set(walked)

    def _count_done(self, done: int) -> None:
        self.activity.done = done

    def visible(self) -> list[Beat]:
        return visible_beats(self.journal, self.reachable)
