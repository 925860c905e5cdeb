"""The one place that chains the stages: git -> facts -> beats -> journal -> drafts.

Stages never import each other; this module wires them for the CLI and the daemon.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from devlogd.beats import DEFAULT_RULES, make_beat
from devlogd.config import BeatRule, Config, load_config
from devlogd.errors import DevlogError, UsageError
from devlogd.ignore import PathFilter
from devlogd.journal import Journal, JournalState, JournalWriter
from devlogd.models import Beat, DraftOptions, DraftResult
from devlogd.paths import RepoPaths, find_repo

if TYPE_CHECKING:
    from devlogd.gitread import GitReader

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

PARALLEL_THRESHOLD = 400  # below this many commits, worker start-up costs more than it saves
CHUNK = 64
FLUSH_EVERY = 512


@dataclass
class Project:
    """One repository with its configuration, ignore rules and journal."""

    paths: RepoPaths
    config: Config
    ignore: PathFilter

    @classmethod
    def open(cls, path: Path | str | None = None) -> Project:
        paths = find_repo(path)
        ignore = PathFilter.from_file(paths.ignore_file) if paths.ignore_file else PathFilter()
        return cls(paths, load_config(paths), ignore)

    @cached_property
    def reader(self) -> GitReader:
        from devlogd.gitread import GitReader  # pygit2 costs start-up time; load it on demand

        return GitReader(self.paths.workdir or self.paths.common_dir, self.config.git, self.ignore)

    @property
    def journal(self) -> Journal:
        return Journal(self.paths.journal, self.paths.journal_lock)

    @property
    def rules(self) -> tuple[BeatRule, ...]:
        return tuple(self.config.beats.rules) + DEFAULT_RULES


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
             workers: int | None = None) -> BackfillResult:
    """Journal every commit of ``spec`` (first-parent) that the journal lacks.

    Resumable: what is journaled is skipped. Interruptible: on Ctrl-C what was read is
    written before the interrupt propagates, so nothing is lost and a rerun continues.
    """
    started = time.perf_counter()
    shas = project.reader.first_parent_shas(spec)
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


def _worker_init(path: str, config: bytes, ignore_lines: list[str]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and flushes
    from devlogd.gitread import GitReader

    cfg = msgspec.json.decode(config, type=Config)
    _worker_state["reader"] = GitReader(path, cfg.git, PathFilter(ignore_lines))
    _worker_state["rules"] = tuple(cfg.beats.rules) + DEFAULT_RULES


def _worker_chunk(job: tuple[list[str], str]) -> bytes:
    shas, branch = job
    reader = _worker_state["reader"]
    rules = _worker_state["rules"]
    out = list(_beats_here(reader, rules, shas, branch))  # type: ignore[arg-type]
    return msgspec.msgpack.encode(out)


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
        initargs=(path, msgspec.json.encode(project.config), ignore_lines),
    ) as pool:
        try:
            for blob in pool.map(_worker_chunk, jobs):
                yield from _decode_chunk(blob)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _ignore_lines(paths: RepoPaths) -> list[str]:
    if paths.ignore_file is None:
        return []
    try:
        return paths.ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return []


# -- selecting beats -------------------------------------------------------------------

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
        marker = next((b for b in beats if b.sha == state.published.until), None)
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



# -- what the user sees ------------------------------------------------------------------

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


DraftProgress = Callable[[float, str], None]
Note = Callable[[str], None]


@dataclass
class DraftHooks:
    """How a draft talks back while it is written: progress, notes, streamed text."""

    progress: DraftProgress = lambda fraction, message: None
    note: Note = lambda message: None
    text: Note = lambda chunk: None
    cancelled: threading.Event = field(default_factory=threading.Event)


def scrub_beat(beat: Beat, ignore: PathFilter) -> Beat:
    """Apply today's .devlogignore to a beat journaled before it said so."""
    if not ignore:
        return beat
    files = [f for f in beat.files if not ignore.ignored(f)]
    excerpt = [h for h in beat.excerpt if not ignore.ignored(h.path)]
    if len(files) == len(beat.files) and len(excerpt) == len(beat.excerpt):
        return beat
    return msgspec.structs.replace(beat, files=files, excerpt=excerpt)


TRIVIAL_KINDS = frozenset({"docs", "chore", "build", "merge", "release"})


@dataclass
class EnrichResult:
    enriched: int = 0
    skipped: int = 0  # trivial, or told by a model already
    failed: list[str] = field(default_factory=list)


def enrich(project: Project, beats: list[Beat], batch: bool = False,
           hooks: DraftHooks | None = None) -> EnrichResult:
    """Have the cheaper model retell each interesting beat (one validated call each, or one
    Message Batch for all). Trivial beats get no call; facts are never rewritten."""
    from devlogd import prompt
    from devlogd.config import api_credentials
    from devlogd.errors import NarratorError
    from devlogd.models import Enriched
    from devlogd.narrator_claude import ClaudeNarrator, Credentials

    hooks = hooks or DraftHooks()
    cfg = project.config.narrator
    credentials = api_credentials(project.config)
    if credentials is None:
        raise NarratorError("enrichment asks Claude: set ANTHROPIC_API_KEY (nothing was sent)")
    chosen = [b for b in beats if b.origin == "facts" and b.kind not in TRIVIAL_KINDS
              and b.importance >= cfg.enrich_min_importance]
    result = EnrichResult(skipped=len(beats) - len(chosen))
    if not chosen:
        return result
    requests = {b.sha: _redacted_request(prompt.enrich_request(scrub_beat(b, project.ignore), cfg.enrich_model))
                for b in chosen}
    narrator = ClaudeNarrator(Credentials(*credentials), timeout=cfg.timeout, max_retries=cfg.max_retries)
    if batch:
        hooks.note(f"sending {len(requests)} enrichment requests as one Message Batch to {cfg.enrich_model}")
        answers = narrator.batch(requests, on_status=hooks.note)
    else:
        answers = {}
        for index, (sha, request) in enumerate(requests.items()):
            hooks.progress(index / len(requests), f"enriching {index + 1}/{len(requests)}")
            try:
                answers[sha] = narrator.complete(request)
            except NarratorError as err:
                result.failed.append(f"{sha[:10]}: {err}")
    now = int(time.time())
    with project.journal.writer() as writer:
        for beat in chosen:
            if beat.sha not in answers:
                if batch:
                    result.failed.append(f"{beat.sha[:10]}: no answer in the batch")
                continue
            try:
                told = prompt.parse_enrichment(answers[beat.sha])
            except ValueError as err:
                result.failed.append(f"{beat.sha[:10]}: {err}")
                continue
            writer.add_enrichment(Enriched(sha=beat.sha, time=now, origin=cfg.enrich_model,
                                           headline=told.headline, why=told.why, tension=told.tension,
                                           insight=told.insight))
            result.enriched += 1
    return result


def mark_published(project: Project, sources: dict[str, list[str]]) -> Beat | None:
    """Record that a post covering ``sources`` (chapter -> shas) is published."""
    state = project.journal.load()
    by_sha = {b.sha: b for b in state.beats}
    covered = [by_sha[sha] for shas in sources.values() for sha in shas if sha in by_sha]
    if not covered:
        return None
    newest = max(covered, key=lambda b: b.time)
    with project.journal.writer() as writer:
        writer.add_published(newest.sha)
    return newest


def write_draft(project: Project, beats: list[Beat], options: DraftOptions,
                hooks: DraftHooks | None = None, api_key: str | None = None,
                base_url: str | None = None) -> DraftResult:
    """Plan a post from ``beats`` (already selected) and have it narrated.

    Claude writes it when a key is available (or asked for); any failure there gives a
    clear note and the offline post instead, never a half-written one.
    """
    from devlogd import prompt
    from devlogd.checker import check_post
    from devlogd.config import api_credentials
    from devlogd.drafting import plan_draft

    hooks = hooks or DraftHooks()
    cfg = project.config
    beats = [scrub_beat(b, project.ignore) for b in beats]
    hooks.progress(0.05, f"planning chapters from {len(beats)} beats")
    cache = _load_summary_cache(project)
    plan = plan_draft(beats, project_name(project), cfg.draft.max_chapters, cfg.draft.token_budget, cache)
    _save_summary_cache(project, cache)
    hooks.note(f"{len(beats)} beats -> {len(plan.chapters)} chapters"
               + (f" and {len(plan.eras)} summarised eras" if plan.eras else "")
               + f", ~{plan.tokens:,} tokens of source material (budget {cfg.draft.token_budget:,})")
    sources = {f"chapter {i + 1}": [b.sha for b in c.beats] for i, c in enumerate(plan.chapters)}
    styles = [_read_style(path) for path in options.style]
    credentials = api_credentials(cfg, api_key, base_url)
    request = prompt.build_request(plan, cfg.narrator.model, cfg.narrator.max_tokens, styles)
    if options.dry_run:
        import json

        text = json.dumps(_redacted_request(request), indent=2, ensure_ascii=False) + "\n"
        return DraftResult(markdown=text, narrator="dry-run", beats=len(beats),
                           chapters=len(plan.chapters), sources=sources)
    notes: list[str] = []
    use_claude = options.narrator == "claude" or (options.narrator == "auto" and credentials is not None)
    if use_claude and credentials is None:
        notes.append("no ANTHROPIC_API_KEY: the offline narrator wrote this draft instead")
    elif use_claude and credentials is not None:
        from devlogd.errors import NarratorError

        try:
            markdown, narrator = _narrate_with_claude(project, request, credentials, hooks)
            violations = [str(v) for v in check_post(markdown)]
            return DraftResult(markdown=markdown, narrator=narrator, beats=len(beats),
                               chapters=len(plan.chapters), violations=violations, sources=sources)
        except NarratorError as err:
            notes.append(f"Claude could not write the post: {err}. The offline narrator wrote it instead.")
            hooks.note(notes[-1])
    from devlogd.narrator_offline import write_post

    hooks.progress(0.5, f"writing {len(plan.chapters)} chapters offline")
    markdown = write_post(plan)
    hooks.progress(0.95, "checking the storytelling rules")
    violations = [str(v) for v in check_post(markdown)]
    return DraftResult(markdown=markdown, narrator="offline", beats=len(beats), chapters=len(plan.chapters),
                       violations=violations, notes=notes, sources=sources)


def _redacted_request(request: dict[str, object]) -> dict[str, object]:
    """Defence in depth: whatever a journal from an older version holds, redact again."""
    from devlogd.redact import redact

    raw = msgspec.json.encode(request).decode()
    return msgspec.json.decode(redact(raw).encode())  # type: ignore[no-any-return]


def _narrate_with_claude(project: Project, request: dict[str, object], credentials: tuple[str, str | None],
                         hooks: DraftHooks) -> tuple[str, str]:
    from devlogd.checker import check_post
    from devlogd.errors import NarratorError
    from devlogd.narrator_claude import ClaudeNarrator, Credentials, estimate_cost
    from devlogd.prompt import repair_request

    request = _redacted_request(request)
    model = str(request["model"])
    cfg = project.config.narrator
    narrator = ClaudeNarrator(Credentials(*credentials), timeout=cfg.timeout, max_retries=cfg.max_retries)
    hooks.progress(0.1, f"asking {model} for the size of the request")
    tokens = narrator.count_tokens(request)
    cost = estimate_cost(model, tokens, int(str(request["max_tokens"])) // 2)
    hooks.note(f"sending {tokens:,} input tokens to {model} (about ${cost:.3f} with the reply)")
    hooks.progress(0.2, f"{model} is writing")
    first = narrator.narrate(request, hooks.text, hooks.cancelled)
    problems = [str(v) for v in check_post(first.text)]
    if not problems:
        return first.text, f"claude ({model})"
    hooks.note(f"the draft broke {len(problems)} rule(s); asking for one repair")
    hooks.progress(0.7, "repairing the draft")
    second = narrator.narrate(repair_request(request, first.text, problems), None, hooks.cancelled)
    if not second.text.strip():
        raise NarratorError("the repair came back empty")
    return second.text, f"claude ({model}, repaired once)"


def _read_style(path: str) -> str:
    try:
        return Path(path).expanduser().read_text(encoding="utf-8")
    except OSError as err:
        raise UsageError(f"cannot read the style post {path}: {err.strerror}") from err


def _load_summary_cache(project: Project) -> dict[str, Any]:
    from devlogd.drafting import Era

    path = project.paths.cache_dir / "eras.json"
    try:
        return dict(msgspec.json.decode(path.read_bytes(), type=dict[str, Era]))
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return {}


def _save_summary_cache(project: Project, cache: dict[str, Any]) -> None:
    path = project.paths.cache_dir / "eras.json"
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if len(cache) > 5000:
            cache = dict(list(cache.items())[-5000:])
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(msgspec.json.encode(cache))
        os.replace(tmp, path)
    except OSError as err:
        log.warning("could not save the summary cache: %s", err)


def status_summary(project: Project, state: JournalState, beats: list[Beat],
                   api_key: str | None = None) -> dict[str, Any]:
    """What `devlog status` says of the journal, in-process or from the daemon."""
    from devlogd.config import api_credentials

    paths = project.paths
    last = max(beats, key=lambda b: b.time) if beats else None
    return {
        "repository": str(paths.workdir or paths.common_dir),
        "beats": len(beats),
        "queue": paths.queue.stat().st_size if paths.queue.exists() else 0,
        "last_beat": {"sha": last.sha, "headline": last.headline, "time": last.time} if last else None,
        # The same test a draft makes: environment, handed-over key or the credentials file.
        "narrator": "claude" if api_credentials(project.config, api_key) else "offline",
        "corrupt_lines": len(state.corrupt_lines),
    }


def project_name(project: Project) -> str:
    root = project.paths.workdir or project.paths.common_dir
    name = root.name
    return name[:-4] if name.endswith(".git") else name
