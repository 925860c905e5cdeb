"""Backfill: journal the commits of a branch or range that the journal lacks.

Resumable and interruptible; on long histories the commits are read by one worker process
per core, each opening the repository once. The daemon's reconcile appends through the
same loop (append_beats).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import msgspec

from devlogd.app.project import Project
from devlogd.config import BeatRule, Config
from devlogd.errors import DevlogError
from devlogd.models import Beat
from devlogd.paths import RepoPaths
from devlogd.pipeline.beats import DEFAULT_RULES, make_beat
from devlogd.pipeline.ignore import PathFilter, ignore_lines
from devlogd.pipeline.journal import JournalWriter
from devlogd.pipeline.noise import noise_filter

if TYPE_CHECKING:
    from devlogd.pipeline.gitread import GitReader

Progress = Callable[[int, int], None]

PARALLEL_THRESHOLD = 400  # below this many commits, worker start-up costs more than it saves
CHUNK = 64
FLUSH_EVERY = 512


@dataclass
class BackfillResult:
    added: int = 0
    already: int = 0
    total: int = 0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def rate(self) -> float:
        return (self.added / self.seconds) if self.seconds > 0 else 0.0


def backfill(project: Project, spec: str | None = None, progress: Progress | None = None,
             workers: int | None = None, shas: Sequence[str] | None = None) -> BackfillResult:
    """Journal every commit of ``spec`` (first-parent), or of ``shas`` when given, that the
    journal lacks.

    Resumable: what is journaled is skipped. Interruptible: on Ctrl-C what was read is
    written before the interrupt propagates, so nothing is lost and a rerun continues.
    """
    started = time.perf_counter()
    shas = project.reader.first_parent_shas(spec) if shas is None else shas
    result = BackfillResult(total=len(shas))
    branch = project.reader.head_branch()
    project.paths.ensure_state_dir()
    with project.journal.writer() as writer:
        todo = [sha for sha in shas if not writer.has(sha)]
        result.already = len(shas) - len(todo)
        if progress:
            progress(result.already, len(shas))
        step = (lambda done: progress(result.already + done, len(shas))) if progress else None
        try:
            added, result.errors = append_beats(project, writer, todo, branch, workers, step)
            result.added = len(added)
        except KeyboardInterrupt:
            result.interrupted = True  # the writer flushes what was read when it closes
            raise
        finally:
            result.seconds = time.perf_counter() - started
    return result


def append_beats(project: Project, writer: JournalWriter, shas: Sequence[str], branch: str = "",
                 workers: int | None = None, step: Callable[[int], None] | None = None,
                 flush_every: int = FLUSH_EVERY) -> tuple[list[Beat], list[str]]:
    """Tell ``shas`` as beats and append the ones the journal lacks, flushing as it goes so
    an interruption loses little. Returns the beats added and the commits that could not be
    read. ``step`` hears how many commits are done. Backfill and the daemon both use it."""
    added: list[Beat] = []
    errors: list[str] = []
    for done, item in enumerate(beats_for(project, shas, branch, workers), start=1):
        if isinstance(item, Beat):
            if writer.add(item):
                added.append(item)
                if len(added) % flush_every == 0:
                    writer.flush()
        else:
            errors.append(item)
        if step is not None:
            step(done)
    writer.flush()
    return added, errors


def beats_for(project: Project, shas: Sequence[str], branch: str = "",
              workers: int | None = None) -> Iterator[Beat | str]:
    """Beats for ``shas`` in order; an error message instead of a beat for unreadable ones."""
    count = workers if workers is not None else (project.config.git.workers or os.cpu_count() or 1)
    if count <= 1 or len(shas) < PARALLEL_THRESHOLD:
        yield from _beats_here(project.reader, project.rules, shas, branch)
        return
    yield from _beats_in_workers(project, shas, branch, count)


def _beats_here(reader: GitReader, rules: Sequence[BeatRule], shas: Sequence[str],
                branch: str) -> Iterator[Beat | str]:
    for sha in shas:
        try:
            yield make_beat(reader.facts(sha), rules, branch)
        except DevlogError as err:
            yield f"{sha[:12]}: {err}"


# -- parallel backfill: each worker opens the repository once --------------------------

_worker_state: dict[str, object] = {}


def _worker_init(parent: int, path: str, config: bytes, ignore_lines: list[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and flushes
    _die_with(parent)
    from devlogd.pipeline.gitread import GitReader

    cfg = msgspec.json.decode(config, type=Config)
    _worker_state["reader"] = GitReader(path, cfg.git, PathFilter(ignore_lines), noise_filter(cfg.noise.classes))
    _worker_state["rules"] = tuple(cfg.beats.rules) + DEFAULT_RULES


def _worker_chunk(job: tuple[list[str], str]) -> bytes:
    shas, branch = job
    reader = _worker_state["reader"]
    rules = _worker_state["rules"]
    out = list(_beats_here(reader, rules, shas, branch))  # type: ignore[arg-type]
    return msgspec.msgpack.encode(out)


def _die_with(parent: int) -> None:
    """A worker ends when its parent does (killed by the OOM killer, say): it would
    otherwise wait forever on a queue nobody feeds. Linux says so at once
    (PR_SET_PDEATHSIG); elsewhere a thread looks for a new parent every second."""
    if _ask_for_death_signal() and os.getppid() == parent:
        return  # (a parent already gone before the request would never send it)
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="devlog-parent-watch", daemon=True).start()


def _ask_for_death_signal() -> bool:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(1, signal.SIGKILL, 0, 0, 0) == 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return False


_decode_chunk = msgspec.msgpack.Decoder(list[Beat | str]).decode


def _beats_in_workers(project: Project, shas: Sequence[str], branch: str,
                      count: int) -> Iterator[Beat | str]:
    import multiprocessing

    ignore_lines = _ignore_lines(project.paths)
    path = str(project.paths.workdir or project.paths.common_dir)
    # Long contiguous runs keep each worker's object cache warm (neighbouring commits share
    # trees and delta bases); several runs per worker still let progress move smoothly.
    size = max(CHUNK, len(shas) // (count * 6) + 1)
    jobs = [(list(shas[i : i + size]), branch) for i in range(0, len(shas), size)]
    # fork reuses this process's imports (~0.3 s a worker) and is safe while we are the only
    # thread; beside threads (the daemon, watchdog) a fresh interpreter is the safe choice.
    method = "fork" if threading.active_count() == 1 else "spawn"
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(
        max_workers=count, mp_context=context, initializer=_worker_init,
        initargs=(os.getpid(), path, msgspec.json.encode(project.config), ignore_lines),
    ) as pool:
        try:
            for blob in pool.map(_worker_chunk, jobs):
                yield from _decode_chunk(blob)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _ignore_lines(paths: RepoPaths) -> list[str]:
    return ignore_lines(paths.ignore_file) if paths.ignore_file is not None else []
