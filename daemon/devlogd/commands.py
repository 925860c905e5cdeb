"""What each `devlog` subcommand does.

Imports are local to each command on purpose: `devlog status` must start in tens of
milliseconds, so it may not pay for pygit2, pygls or anthropic.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import closing as _closing
from pathlib import Path
from typing import TYPE_CHECKING, Any

from devlogd.errors import CheckFailed, DaemonError, UsageError
from devlogd.paths import RepoPaths, find_repo

if TYPE_CHECKING:
    from devlogd.client import Connection
    from devlogd.journal import JournalState
    from devlogd.models import Beat, DraftOptions
    from devlogd.service import BackfillResult, Project


# -- in-process helpers ------------------------------------------------------------------

def _project(directory: Path) -> Project:
    from devlogd.service import Project

    return Project.open(directory)


def _journal_missing(project: Project) -> JournalState:
    """Views never depend on a hook having run: journal what the branch has and we lack.
    Returns the journal as it then is (read again only when something was added)."""
    shas = project.reader.first_parent_shas()
    state = project.journal.load()
    if any(s not in state.own and s not in state.rewrites for s in shas):
        _run_backfill(project, None, None, label="reading history")
        state = project.journal.refresh(state)
    return state


def _run_backfill(project: Project, spec: str | None, workers: int | None,
                  label: str = "backfill") -> BackfillResult:
    from devlogd import service
    from devlogd.progress import ProgressBar

    bar: ProgressBar | None = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = ProgressBar(label, total)
        bar.update(done)

    result = service.backfill(project, spec, progress, workers)
    if bar is not None:
        bar.finish()
    for error in result.errors[:20]:
        print(f"devlog: skipped {error}", file=sys.stderr)
    return result


def _local_beats(directory: Path, since: str | None, until: str | None,
                 limit: int | None = None, after_published: bool = False) -> tuple[Project, list[Beat]]:
    from devlogd import service
    from devlogd.journal import JournalState

    project = _project(directory)
    state = _journal_missing(project)
    visible = JournalState(beats=service.visible_beats(state, service.reachable_now(project)),
                           published=state.published)
    return project, service.select_beats(project, visible, since, until, limit, after_published)


# -- daemon helpers ----------------------------------------------------------------------

def _session(directory: Path, progress: bool = False) -> Connection:
    from devlogd.client import open_session

    return open_session(find_repo(directory), progress=progress)


def _via_daemon(args: argparse.Namespace) -> bool:
    return not getattr(args, "no_daemon", False)


def _fallback(err: DaemonError) -> None:
    print(f"devlog: {err}; working in-process instead", file=sys.stderr)


# -- commands ----------------------------------------------------------------------------

def cmd_backfill(args: argparse.Namespace, directory: Path) -> int:
    project = _project(directory)
    result = _run_backfill(project, args.range, args.workers)
    print(
        f"journaled {result.added} new beat{'s' if result.added != 1 else ''} "
        f"({result.already} already there, {len(result.errors)} skipped) in {result.seconds:.2f}s",
        file=sys.stderr,
    )
    return 0


def cmd_beats(args: argparse.Namespace, directory: Path) -> int:
    if _via_daemon(args):
        try:
            with _closing(_session(directory)) as conn:
                params = {"since": args.since, "until": args.until, "limit": args.limit}
                beats: list[dict[str, Any]] = conn.request("devlog/beats", params)
            _print_beats(beats, args.json)
            return 0
        except DaemonError as err:
            _fallback(err)
    import msgspec

    _, local = _local_beats(directory, args.since, args.until, args.limit)
    _print_beats([msgspec.to_builtins(b) for b in local], args.json)
    return 0


def _print_beats(beats: list[dict[str, Any]], as_json: bool) -> None:
    from devlogd.render import beat_line_from_dict

    out = sys.stdout
    for beat in beats:
        out.write((json.dumps(beat, ensure_ascii=False) if as_json else beat_line_from_dict(beat)) + "\n")


def cmd_journal(args: argparse.Namespace, directory: Path) -> int:
    if _via_daemon(args):
        try:
            with _closing(_session(directory)) as conn:
                result = conn.request("devlog/journal", {"since": args.since, "until": args.until})
            sys.stdout.write(result["markdown"])
            return 0
        except DaemonError as err:
            _fallback(err)
    from devlogd import render, service

    project, beats = _local_beats(directory, args.since, args.until)
    sys.stdout.write(render.journal_markdown(beats, f"Devlog journal: {service.project_name(project)}"))
    return 0


def _draft_options(args: argparse.Namespace) -> DraftOptions:
    from devlogd.models import DraftOptions

    return DraftOptions(since=args.since, until=args.until, narrator=args.narrator or "auto",
                        style=[str(p) for p in args.style or []], dry_run=args.dry_run)


def cmd_draft(args: argparse.Namespace, directory: Path) -> int:
    import msgspec

    from devlogd.models import DraftResult

    options = _draft_options(args)
    result: DraftResult | None = None
    if _via_daemon(args):
        try:
            result = _draft_via_daemon(directory, options)
        except DaemonError as err:
            _fallback(err)
    if result is None:
        from devlogd import service

        project, beats = _local_beats(directory, args.since, args.until, after_published=True)
        live = _LiveDraft()
        hooks = service.DraftHooks(progress=live.progress, note=live.note, text=live.text)
        result = service.write_draft(project, beats, options, hooks)
        live.finish()
    _deliver(result, args.out)
    return 0


class _LiveDraft:
    """The terminal's view of a draft being written: a bar, notes, and the text streaming
    on stderr as the narrator writes it (stdout only ever gets the finished, checked post)."""

    def __init__(self, label: str = "drafting") -> None:
        from devlogd.progress import ProgressBar

        self.bar = ProgressBar(label, 100)
        self.streaming = False

    def progress(self, fraction: float, message: str) -> None:
        if not self.streaming:
            self.bar.update(int(fraction * 100))

    def note(self, message: str) -> None:
        self._end_stream()
        print(f"devlog: {message}", file=sys.stderr, flush=True)

    def text(self, chunk: str) -> None:
        if not self.streaming:
            self.streaming = True
            sys.stderr.write("\n")
        sys.stderr.write(chunk)
        sys.stderr.flush()

    def _end_stream(self) -> None:
        if self.streaming:
            sys.stderr.write("\n")
            self.streaming = False

    def finish(self) -> None:
        self._end_stream()
        self.bar.finish()


def _draft_via_daemon(directory: Path, options: DraftOptions) -> Any:
    import os

    import msgspec

    from devlogd.models import DraftResult

    live = _LiveDraft()

    def on_notification(method: str, params: Any) -> None:
        if not isinstance(params, dict):
            return
        if method == "$/progress":
            value = params.get("value") or {}
            if value.get("percentage") is not None:
                live.progress(value["percentage"] / 100, value.get("message", ""))
        elif method == "devlog/draftText":
            live.text(params.get("text", ""))
        elif method == "window/logMessage":
            live.note(params.get("message", ""))

    with _closing(_session(directory, progress=True)) as conn:
        key = os.environ.get("ANTHROPIC_API_KEY")
        if key:
            # The daemon may have started before the key was exported: this session's key
            # is handed over the private socket and kept in memory for this connection only.
            conn.request("devlog/setCredentials", {"apiKey": key, "baseUrl": os.environ.get("ANTHROPIC_BASE_URL")})
        raw = conn.request("workspace/executeCommand", {
            "command": "devlog.generateDraft",
            "arguments": [msgspec.to_builtins(options)],
        }, on_notification)
    live.finish()
    return msgspec.convert(raw, DraftResult)


def _deliver(result: Any, out: Path | None) -> None:
    for note in result.notes:
        print(f"devlog: {note}", file=sys.stderr)
    if out:
        out.write_text(result.markdown, encoding="utf-8")
        sidecar = out.with_name(out.name + ".sources.json")
        sidecar.write_text(json.dumps(result.sources, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out} ({result.chapters} chapters from {result.beats} beats, "
              f"by the {result.narrator} narrator)", file=sys.stderr)
    else:
        sys.stdout.write(result.markdown)
        sys.stdout.flush()
    for violation in result.violations:
        print(f"devlog: check: {violation}", file=sys.stderr)


def cmd_publish(args: argparse.Namespace, directory: Path) -> int:
    from devlogd import service

    path = args.file if args.file.is_absolute() else directory / args.file
    sidecar = path.with_name(path.name + ".sources.json")
    try:
        sources = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise UsageError(f"cannot read {sidecar} (write drafts with --out to get one): {err}") from err
    newest = service.mark_published(_project(directory), sources)
    if newest is None:
        raise UsageError(f"{sidecar} names no beat of this journal")
    print(f"marked published; the next draft starts after: {newest.headline}", file=sys.stderr)
    return 0


def cmd_enrich(args: argparse.Namespace, directory: Path) -> int:
    from devlogd import service

    project, beats = _local_beats(directory, args.since, args.until, args.limit)
    live = _LiveDraft("enriching")
    hooks = service.DraftHooks(progress=live.progress, note=live.note)
    result = service.enrich(project, beats, batch=args.batch, hooks=hooks)
    live.finish()
    for failure in result.failed[:20]:
        print(f"devlog: not enriched: {failure}", file=sys.stderr)
    print(f"enriched {result.enriched} beat{'s' if result.enriched != 1 else ''} "
          f"({result.skipped} trivial or already told, {len(result.failed)} failed)", file=sys.stderr)
    return 0 if not result.failed else 1


def cmd_check(args: argparse.Namespace, directory: Path) -> int:
    from devlogd.checker import check_post

    path = args.file if args.file.is_absolute() else directory / args.file
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror}") from err
    violations = check_post(text)
    for violation in violations:
        print(f"{path}: {violation}", file=sys.stderr)
    if violations:
        raise CheckFailed(f"{len(violations)} rule{'s' if len(violations) != 1 else ''} broken")
    print(f"{path}: follows the storytelling rules", file=sys.stderr)
    return 0


def cmd_status(args: argparse.Namespace, directory: Path) -> int:
    paths = find_repo(directory)
    info: dict[str, Any] | None = None
    if _via_daemon(args):
        try:
            with _closing(_session(directory)) as conn:
                info = conn.request("workspace/executeCommand", {"command": "devlog.status", "arguments": []})
        except DaemonError as err:
            _fallback(err)
    if info is None:
        info = _local_status(directory)
    if args.json:
        print(json.dumps(info))
        return 0
    print(f"repository: {info['repository']}")
    print(f"daemon:     {'pid ' + str(info['pid']) if info.get('pid') else 'not running'}")
    corrupt = f" ({info['corrupt_lines']} corrupt lines skipped)" if info.get("corrupt_lines") else ""
    print(f"beats:      {info['beats']}{corrupt}")
    if info.get("backlog"):
        print(f"journaling: {info['backlog']} commits to go")
    if info.get("last_beat"):
        print(f"last beat:  {info['last_beat']['sha'][:10]} {info['last_beat']['headline']}")
    print(f"narrator:   {info['narrator']}")
    if info.get("last_error"):
        print(f"last error: {info['last_error']}")
    print(f"journal:    {paths.journal}")
    return 0


def _local_status(directory: Path) -> dict[str, Any]:
    from devlogd import service

    project = _project(directory)
    state = project.journal.load()
    return {"pid": None, **service.status_summary(project, state, state.beats), "last_error": ""}


def cmd_install(args: argparse.Namespace, directory: Path) -> int:
    from devlogd import hookinstall

    paths = find_repo(directory)
    changes = hookinstall.install(paths)
    where = hookinstall.hooks_dir(paths)
    for change in changes:
        print(f"{where}/{change}", file=sys.stderr)
    if not args.no_start:
        from devlogd.client import daemon_running, start_daemon

        if not daemon_running(paths):
            start_daemon(paths)
        print("the daemon is journaling this repository; `devlog status` shows progress", file=sys.stderr)
    return 0


def cmd_uninstall(args: argparse.Namespace, directory: Path) -> int:
    from devlogd import hookinstall

    paths = find_repo(directory)
    where = hookinstall.hooks_dir(paths)
    for change in hookinstall.uninstall(paths):
        print(f"{where}/{change}", file=sys.stderr)
    return 0


def cmd_daemon(args: argparse.Namespace, directory: Path) -> int:
    paths = find_repo(directory)
    action = args.action
    if action == "run":
        return _daemon_run(directory, paths, args.quiet)
    if action == "start":
        from devlogd.client import daemon_running, start_daemon
        from devlogd.daemon import read_pid

        if not daemon_running(paths):
            start_daemon(paths)
        print(f"daemon running (pid {read_pid(paths)}) on {paths.socket}", file=sys.stderr)
        return 0
    if action == "stop":
        return _daemon_stop(paths)
    from devlogd.client import daemon_running
    from devlogd.daemon import read_pid

    pid = read_pid(paths)
    if pid and daemon_running(paths):
        print(f"running (pid {pid}) on {paths.socket}")
        return 0
    print("not running")
    return 1


def _daemon_run(directory: Path, paths: RepoPaths, quiet: bool) -> int:
    import logging
    import logging.handlers

    from devlogd.daemon import run_daemon
    from devlogd.lsp import serve_connection

    paths.ensure_state_dir()
    handler = logging.handlers.RotatingFileHandler(paths.daemon_log, maxBytes=1 << 20, backupCount=3)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("pygls").setLevel(logging.WARNING)  # it logs every message at INFO
    if quiet:
        for other in list(root.handlers):
            if other is not handler:
                root.removeHandler(other)
    return run_daemon(_project(directory), serve_connection)


def _daemon_stop(paths: RepoPaths) -> int:
    import os
    import signal
    import time

    from devlogd.daemon import read_pid

    pid = read_pid(paths)
    if pid is None:
        print("not running", file=sys.stderr)
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            print(f"stopped (pid {pid})", file=sys.stderr)
            return 0
        time.sleep(0.02)
    raise DaemonError(f"the daemon (pid {pid}) did not stop within 10s")


def cmd_lsp(args: argparse.Namespace, directory: Path) -> int:
    from devlogd.client import forward_stdio

    return forward_stdio(find_repo(directory))
