"""What each `devlog` subcommand does (in-process)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import msgspec

from devlogd import render, service
from devlogd.checker import check_post
from devlogd.errors import CheckFailed, UsageError
from devlogd.progress import ProgressBar
from devlogd.service import Project


def _backfill_quietly_if_needed(project: Project) -> None:
    """Drafts and views must never depend on a hook having run: journal what is missing."""
    shas = project.reader.first_parent_shas()
    state = project.journal.load()
    missing = [s for s in shas if s not in state.shas and s not in state.rewrites]
    if not missing:
        return
    _run_backfill(project, None, None, label="reading history")


def _run_backfill(project: Project, spec: str | None, workers: int | None,
                  label: str = "backfill") -> service.BackfillResult:
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


def cmd_backfill(args: argparse.Namespace, directory: Path) -> int:
    project = Project.open(directory)
    result = _run_backfill(project, args.range, args.workers)
    print(
        f"journaled {result.added} new beat{'s' if result.added != 1 else ''} "
        f"({result.already} already there, {len(result.errors)} skipped) in {result.seconds:.2f}s",
        file=sys.stderr,
    )
    return 0


def cmd_beats(args: argparse.Namespace, directory: Path) -> int:
    project = Project.open(directory)
    _backfill_quietly_if_needed(project)
    beats = service.select_beats(project, project.journal.load(), args.since, args.until, args.limit)
    out = sys.stdout
    if args.json:
        encoder = msgspec.json.Encoder()
        for beat in beats:
            out.write(encoder.encode(beat).decode() + "\n")
    else:
        for beat in beats:
            out.write(render.beat_line(beat) + "\n")
    return 0


def cmd_journal(args: argparse.Namespace, directory: Path) -> int:
    project = Project.open(directory)
    _backfill_quietly_if_needed(project)
    beats = service.select_beats(project, project.journal.load(), args.since, args.until)
    sys.stdout.write(render.journal_markdown(beats, f"Devlog journal: {_name(project)}"))
    return 0


def cmd_draft(args: argparse.Namespace, directory: Path) -> int:
    from devlogd.drafting import plan_draft
    from devlogd.narrator_offline import write_post

    project = Project.open(directory)
    _backfill_quietly_if_needed(project)
    beats = service.select_beats(project, project.journal.load(), args.since, args.until)
    cfg = project.config.draft
    plan = plan_draft(beats, _name(project), cfg.max_chapters, cfg.token_budget)
    post = write_post(plan)
    if args.out:
        args.out.write_text(post, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(post)
    return 0


def cmd_check(args: argparse.Namespace, directory: Path) -> int:
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
    project = Project.open(directory)
    state = project.journal.load()
    last = max(state.beats, key=lambda b: b.time) if state.beats else None
    info = {
        "repository": str(project.paths.workdir or project.paths.common_dir),
        "journal": str(project.paths.journal),
        "beats": len(state.beats),
        "corrupt_lines": len(state.corrupt_lines),
        "last_beat": {"sha": last.sha, "headline": last.headline} if last else None,
        "daemon": None,
    }
    if args.json:
        print(json.dumps(info))
    else:
        print(f"repository: {info['repository']}")
        print(f"beats:      {info['beats']}" + (f" ({len(state.corrupt_lines)} corrupt lines skipped)" if state.corrupt_lines else ""))
        if last:
            print(f"last beat:  {last.sha[:10]} {last.headline}")
    return 0


def _name(project: Project) -> str:
    root = project.paths.workdir or project.paths.common_dir
    name = root.name
    return name[:-4] if name.endswith(".git") else name
