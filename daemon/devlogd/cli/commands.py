"""What each `devlog` subcommand does.

Imports are local to each command on purpose: `devlog status` must start in tens of
milliseconds, so it may not pay for pygit2, pygls or anthropic.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from devlogd.counts import plural, summary
from devlogd.errors import CheckFailed, DaemonError, UsageError
from devlogd.paths import RepoPaths, find_repo

if TYPE_CHECKING:
    from devlogd.app.project import Project
    from devlogd.protocol import DraftResult, StatusReply
    from devlogd.story.checker import CheckContext


def _project(directory: Path) -> Project:
    from devlogd.app.project import Project

    return Project.open(directory)


def cmd_beats(args: argparse.Namespace, directory: Path) -> int:
    from devlogd.cli import backend
    from devlogd.cli.render import beat_line
    from devlogd.protocol import BeatsQuery

    query = BeatsQuery(since=args.since, until=args.until, limit=args.limit)
    beats = backend.run(directory, args.no_daemon, lambda b: b.beats(query))
    if args.json:
        import msgspec

        sys.stdout.write("".join(msgspec.json.encode(b).decode() + "\n" for b in beats))
    else:
        sys.stdout.write("".join(beat_line(b) + "\n" for b in beats))
    return 0


def cmd_journal(args: argparse.Namespace, directory: Path) -> int:
    from devlogd.cli import backend
    from devlogd.protocol import JournalQuery

    query = JournalQuery(since=args.since, until=args.until)
    sys.stdout.write(backend.run(directory, args.no_daemon, lambda b: b.journal(query)))
    return 0


def cmd_draft(args: argparse.Namespace, directory: Path) -> int:
    from devlogd.cli import backend
    from devlogd.cli.progress import Progress
    from devlogd.protocol import DraftOptions

    options = DraftOptions(since=args.since, until=args.until, narrator=args.narrator or "auto",
                           style=[str(p.expanduser().absolute()) for p in args.style or []], dry_run=args.dry_run,
                           model=args.model, fallback=args.fallback, authors=args.author or [],
                           all_authors=args.all_authors, shape=args.shape)
    out = _output_path(args.out, directory)
    from devlogd.cli import asking

    if asking.should_ask(args, directory, sys.stdin, sys.stdout):
        asking.ask_for_draft(args, directory)
    display = Progress()
    try:
        result = backend.run(directory, args.no_daemon, lambda b: b.draft(options), display)
    finally:
        display.finish()
    _deliver(result, out)
    return 0


def cmd_tools(args: argparse.Namespace, directory: Path) -> int:
    """A narrator's tool, run here exactly as a model's call runs (no daemon needed: it only reads)."""
    from devlogd.story import tools as spec

    if args.tool == "specs":
        sys.stdout.write(json.dumps(list(spec.SPECS), indent=2) + "\n")
        return 0
    from devlogd.app.tools import RepoTools, ToolError

    project, name = _project(directory), args.tool.replace("-", "_")
    state = project.journal.load()
    call = {key: value for key, value in vars(args).items()
            if key in ("under", "at", "path", "start", "end", "change", "text", "since", "until") and value is not None}
    if not state.beats and name in ("journal", "show_change"):
        raise UsageError("the journal is empty: run `devlog backfill` first")
    tools = RepoTools(project, sorted(state.beats, key=lambda b: b.time), state.notes)
    try:
        text, failed = tools.run(name, call), False
    except ToolError as err:
        if not args.json:
            raise UsageError(str(err)) from err
        text, failed = str(err), True
    shown = {"tool": name, "args": call, "result": text, "error": failed}
    sys.stdout.write(json.dumps(shown, ensure_ascii=False) + "\n" if args.json else text.rstrip("\n") + "\n")
    return 0


def cmd_note(args: argparse.Namespace, directory: Path) -> int:
    from devlogd.app.selection import parse_date
    from devlogd.cli import backend
    from devlogd.protocol import NoteParams

    when = None
    if args.at:
        moment = parse_date(args.at)
        if moment is None:
            raise UsageError(f"--at {args.at!r} is not a date (try 2026-01-31 or '2 days ago')")
        when = int(moment)
    params = NoteParams(text=args.text, time=when)
    reply = backend.run(directory, args.no_daemon, lambda b: b.note(params))
    print(f"noted: {reply.text}", file=sys.stderr)
    return 0


def _output_path(out: Path | None, directory: Path) -> Path | None:
    """Where --out writes, checked before any work is done."""
    if out is None:
        return None
    path = out if out.is_absolute() else directory / out
    if not path.parent.is_dir():
        raise UsageError(f"cannot write {out}: the folder {path.parent} does not exist")
    return path


def _deliver(result: DraftResult, out: Path | None) -> None:
    for note in result.notes:
        print(f"devlog: {note}", file=sys.stderr)
    if out:
        try:
            out.write_text(result.markdown, encoding="utf-8")
            sidecar = out.with_name(out.name + ".sources.json")
            sidecar.write_text(json.dumps(result.sources, indent=2) + "\n", encoding="utf-8")
            if result.plan:  # the model narrator's plan, beside the post it made
                out.with_name(out.name + ".plan.json").write_text(
                    json.dumps(result.plan, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        except OSError as err:
            raise UsageError(f"cannot write {out}: {err.strerror}") from err
        print(f"wrote {out} ({plural(result.chapters, 'chapter')} from {plural(result.beats, 'change')}, "
              f"by the {result.narrator} narrator)", file=sys.stderr)
    else:
        sys.stdout.write(result.markdown)
        sys.stdout.flush()
    for violation in result.violations:
        print(f"devlog: check: {violation}", file=sys.stderr)


def cmd_publish(args: argparse.Namespace, directory: Path) -> int:
    from devlogd.app.drafts import mark_published
    from devlogd.story.labels import title

    path = args.file if args.file.is_absolute() else directory / args.file
    sidecar = path.with_name(path.name + ".sources.json")
    try:
        sources = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise UsageError(f"cannot read {sidecar} (write drafts with --out to get one): {err}") from err
    newest = mark_published(_project(directory), sources)
    if newest is None:
        raise UsageError(f"{sidecar} names no beat of this journal")
    print(f"marked published; the next draft starts after: {title(newest)}", file=sys.stderr)
    return 0


def cmd_enrich(args: argparse.Namespace, directory: Path) -> int:
    from devlogd.app.drafts import DraftHooks
    from devlogd.app.enrich import enrich
    from devlogd.cli.backend import LocalBackend
    from devlogd.cli.progress import Progress
    from devlogd.protocol import BeatsQuery

    display = Progress(summary=False)  # the line below is the summary
    local = LocalBackend(directory, display)
    try:
        beats = local.beats(BeatsQuery(since=args.since, until=args.until, limit=args.limit))
        result = enrich(local.project, beats, batch=args.batch,
                        hooks=DraftHooks(progress=display.phase, note=display.note))
    finally:
        display.finish()
    for failure in result.failed[:20]:
        print(f"devlog: not enriched: {failure}", file=sys.stderr)
    print(f"enriched {result.enriched} beat{'s' if result.enriched != 1 else ''} "
          f"({result.skipped} trivial or already told, {len(result.failed)} failed)", file=sys.stderr)
    return 0 if not result.failed else 1


def cmd_check(args: argparse.Namespace, directory: Path) -> int:
    from devlogd.story.checker import check_post

    path = args.file if args.file.is_absolute() else directory / args.file
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise UsageError(f"cannot read {path}: {err.strerror}") from err
    if args.grounding:
        return _check_grounding(path, text, directory)
    violations = check_post(text, _check_context(directory))
    for violation in violations:
        print(f"{path}: {violation}", file=sys.stderr)
    if violations:
        raise CheckFailed(f"{len(violations)} rule{'s' if len(violations) != 1 else ''} broken")
    print(f"{path}: follows the storytelling rules", file=sys.stderr)
    return 0


def _check_grounding(path: Path, text: str, directory: Path) -> int:
    """One line per claim its sources contradict or do not hold (the file's position
    first, as compilers print it); non-zero exit on a contradiction."""
    from devlogd.app.grounding import ground_post
    from devlogd.errors import Contradicted

    findings = [f for f in ground_post(_project(directory), path, text) if f.verdict != "supported"]
    for finding in findings:
        print(f"{path}:{finding}")
    contradicted = sum(f.verdict == "contradicted" for f in findings)
    if contradicted:
        raise Contradicted(f"{contradicted} claim{'s' if contradicted != 1 else ''} contradicted by the sources")
    unsupported = len(findings)
    print(f"{path}: no claim contradicted by its sources"
          + (f" ({unsupported} not found in them)" if unsupported else ""), file=sys.stderr)
    return 0


def _check_context(directory: Path) -> CheckContext | None:
    """In a repository, the checker also knows the project's name, folder, subjects and
    noise; elsewhere it checks the text alone."""
    from devlogd.app.drafts import check_context, project_identity
    from devlogd.errors import DevlogError

    try:
        project = _project(directory)
        beats = project.journal.load().beats
        return check_context(project, project_identity(project, beats).name, beats)
    except DevlogError:
        return None


def cmd_status(args: argparse.Namespace, directory: Path) -> int:
    import msgspec

    from devlogd.cli import backend
    from devlogd.handoff import take_moved_note

    paths = find_repo(directory)
    if (moved := take_moved_note(paths.state_dir)) is not None:
        print(f"devlog: {moved}", file=sys.stderr)
    info = backend.run(directory, args.no_daemon, lambda b: b.status(args.fresh))
    if args.json:
        print(msgspec.json.encode(info).decode())
        return 0
    print(f"repository: {info.repository}")
    print(f"daemon:     {'pid ' + str(info.pid) if info.pid else 'not running'}")
    corrupt = f", {info.corrupt_lines} corrupt lines skipped" if info.corrupt_lines else ""
    print(f"beats:      {info.beats:,} ({counted(info)}{corrupt})")
    if info.backlog:
        print(f"journaling: {info.backlog} commits to go")
    if info.last_beat:
        print(f"last beat:  {info.last_beat.sha[:10]} {info.last_beat.headline}")
    print(f"narrator:   {info.narrator}" + (f" - {info.narrator_reason}" if info.narrator_reason else ""))
    if info.last_error:
        print(f"last error: {info.last_error}")
    print(f"journal:    {paths.journal}")
    return 0


def counted(info: StatusReply) -> str:
    """What the beat count of `devlog status` counts, beside what `devlog backfill` counts."""
    if info.pid:
        return ("every commit reachable from your branches, merged branches included; "
                "`devlog backfill` counts only the current branch's first-parent line")
    return "all the journal holds; the daemon journals every commit reachable from your branches"


def cmd_install(args: argparse.Namespace, directory: Path) -> int:
    from devlogd.app import hooks as hookinstall

    paths = find_repo(directory)
    changes = hookinstall.install(paths)
    where = hookinstall.hooks_dir(paths)
    for change in changes:
        print(f"{where}/{change}", file=sys.stderr)
    if not args.no_start:
        from devlogd.cli.client import daemon_running, start_daemon

        if not daemon_running(paths):
            start_daemon(paths)
        print("the daemon is journaling this repository; `devlog status` shows progress", file=sys.stderr)
    return 0


def cmd_daemon(args: argparse.Namespace, directory: Path) -> int:
    paths = find_repo(directory)
    action = args.action
    if action == "run":
        return _daemon_run(directory, paths, args.quiet)
    if action == "start":
        from devlogd.cli.client import daemon_running, start_daemon
        from devlogd.server.daemon import read_pid

        if not daemon_running(paths):
            start_daemon(paths)
        print(f"daemon running (pid {read_pid(paths)}) on {paths.socket}", file=sys.stderr)
        return 0
    if action == "stop":
        return _daemon_stop(paths)
    from devlogd.cli.client import daemon_running
    from devlogd.server.daemon import read_pid

    pid = read_pid(paths)
    if pid and daemon_running(paths):
        print(f"running (pid {pid}) on {paths.socket}")
        return 0
    print("not running")
    return 1


def _daemon_run(directory: Path, paths: RepoPaths, quiet: bool) -> int:
    import logging
    import logging.handlers

    from devlogd.server.daemon import run_daemon
    from devlogd.server.lsp import serve_connection

    paths.ensure_state_dir()
    os.umask(0o077)  # everything the daemon writes (its log quotes repository content) is private
    _check_log_file(paths.daemon_log)
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


def _check_log_file(path: Path) -> None:
    """The log is opened by name (it rotates): a link there is refused first, and a log an
    older devlog left readable by others is made private."""
    from devlogd.statefiles import open_state_file

    fd = open_state_file(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


def _daemon_stop(paths: RepoPaths) -> int:
    import signal
    import time

    from devlogd.server.daemon import read_pid

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
            print(f"stopped the daemon (pid {pid})", file=sys.stderr)
            return 0
        time.sleep(0.02)
    raise DaemonError(f"the daemon (pid {pid}) did not stop within 10s")


def cmd_lsp(args: argparse.Namespace, directory: Path) -> int:
    from devlogd.cli.client import forward_stdio

    return forward_stdio(find_repo(directory))


from devlogd.cli.asking import cmd_answer, cmd_notes, cmd_questions, cmd_sources  # noqa: E402,F401  # the commands of asking
from devlogd.cli.journaling import cmd_backfill, cmd_rejournal  # noqa: E402,F401  # the commands that write beats
from devlogd.cli.leaving import cmd_uninstall  # noqa: E402,F401  # the way out of a repository
