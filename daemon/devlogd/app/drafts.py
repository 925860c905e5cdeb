"""Drafting a post: plan the material, have it narrated (Claude, or offline), check it.

Any failure of a model gives one sentence and the offline post instead, never a
half-written one presented as done.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec

from devlogd.app.project import Project
from devlogd.app.selection import scrub_beat
from devlogd.config import api_credentials
from devlogd.errors import Cancelled, NarratorError, UsageError
from devlogd.models import Beat
from devlogd.protocol import DraftOptions, DraftResult
from devlogd.story import prompt
from devlogd.story.checker import check_post
from devlogd.story.drafting import DraftPlan, Era, SummaryCache, plan_draft

log = logging.getLogger(__name__)

DraftProgress = Callable[[float, str], None]
Note = Callable[[str], None]


@dataclass
class DraftHooks:
    """How a draft talks back while it is written: progress, notes, streamed text."""

    progress: DraftProgress = lambda fraction, message: None
    note: Note = lambda message: None
    text: Note = lambda chunk: None
    cancelled: threading.Event = field(default_factory=threading.Event)


def write_draft(project: Project, beats: list[Beat], options: DraftOptions,
                hooks: DraftHooks | None = None, api_key: str | None = None,
                base_url: str | None = None) -> DraftResult:
    """Plan a post from ``beats`` (already selected) and have it narrated.

    Claude writes it when a key is available (or asked for); any failure there gives a
    clear note and the offline post instead.
    """
    hooks = hooks or DraftHooks()
    cfg = project.config
    plan = _plan(project, [scrub_beat(b, project.ignore) for b in beats], hooks)
    sources = {f"chapter {i + 1}": [b.sha for b in c.beats] for i, c in enumerate(plan.chapters)}
    request = prompt.build_request(plan, options.model or cfg.narrator.model, cfg.narrator.max_tokens,
                                   [_read_style(path) for path in options.style])

    def result(markdown: str, narrator: str, violations: list[str] | None = None,
               notes: list[str] | None = None) -> DraftResult:
        return DraftResult(markdown=markdown, narrator=narrator, beats=len(plan.beats),
                           chapters=len(plan.chapters), sources=sources,
                           violations=violations or [], notes=notes or [])

    if options.dry_run:
        text = json.dumps(prompt.redact_request(request), indent=2, ensure_ascii=False) + "\n"
        return result(text, "dry-run")
    credentials = api_credentials(cfg, api_key, base_url)
    notes: list[str] = []
    # An explicit choice wins; otherwise the user's [narrator] narrator (DEVLOG_NARRATOR).
    choice = options.narrator if options.narrator != "auto" else cfg.narrator.narrator
    use_claude = choice == "claude" or (choice == "auto" and credentials is not None)
    if use_claude and credentials is None:
        notes.append("no ANTHROPIC_API_KEY: the offline narrator wrote this draft instead")
    elif use_claude and credentials is not None:
        try:
            markdown, narrator = _narrate_with_claude(project, request, credentials, hooks)
            return result(markdown, narrator, [str(v) for v in check_post(markdown)])
        except NarratorError as err:
            notes.append(f"Claude could not write the post: {err}. The offline narrator wrote it instead.")
            hooks.note(notes[-1])
    from devlogd.story.narrators.offline import write_post

    hooks.progress(0.5, f"writing {len(plan.chapters)} chapters offline")
    markdown = write_post(plan)
    hooks.progress(0.95, "checking the storytelling rules")
    return result(markdown, "offline", [str(v) for v in check_post(markdown)], notes)


def _plan(project: Project, beats: list[Beat], hooks: DraftHooks) -> DraftPlan:
    cfg = project.config.draft
    hooks.progress(0.05, f"planning chapters from {len(beats)} beats")
    cache = _load_summary_cache(project)
    plan = plan_draft(beats, project.folder_name, cfg.max_chapters, cfg.token_budget, cache)
    _save_summary_cache(project, cache)
    hooks.note(f"{len(beats)} beats -> {len(plan.chapters)} chapters"
               + (f" and {len(plan.eras)} summarised eras" if plan.eras else "")
               + f", ~{plan.tokens:,} tokens of source material (budget {cfg.token_budget:,})")
    return plan


def _narrate_with_claude(project: Project, request: dict[str, Any], credentials: tuple[str, str | None],
                         hooks: DraftHooks) -> tuple[str, str]:
    from devlogd.story.narrators.claude import ClaudeNarrator, Credentials, estimate_cost

    request = prompt.redact_request(request)
    model = str(request["model"])
    cfg = project.config.narrator
    narrator = ClaudeNarrator(Credentials(*credentials), timeout=cfg.timeout, max_retries=cfg.max_retries)
    hooks.progress(0.1, f"asking {model} for the size of the request")
    tokens = narrator.count_tokens(request)
    if hooks.cancelled.is_set():
        raise Cancelled("the draft was cancelled")
    cost = estimate_cost(model, tokens, int(str(request["max_tokens"])) // 2)
    hooks.note(f"sending {tokens:,} input tokens to {model} (about ${cost:.3f} with the reply)")
    hooks.progress(0.2, f"{model} is writing")
    first = narrator.narrate(request, hooks.text, hooks.cancelled)
    problems = [str(v) for v in check_post(first.text)]
    if not problems:
        return first.text, f"claude ({model})"
    if hooks.cancelled.is_set():  # nobody is waiting for it: no repair call (tokens paid)
        raise Cancelled("the draft was cancelled")
    hooks.note(f"the draft broke {len(problems)} rule(s); asking for one repair")
    hooks.progress(0.7, "repairing the draft")
    second = narrator.narrate(prompt.repair_request(request, first.text, problems), None, hooks.cancelled)
    if not second.text.strip():
        raise NarratorError("the repair came back empty")
    return second.text, f"claude ({model}, repaired once)"


def _read_style(path: str) -> str:
    try:
        return Path(path).expanduser().read_text(encoding="utf-8")
    except OSError as err:
        raise UsageError(f"cannot read the style post {path}: {err.strerror}") from err


# -- the era summaries of long histories, cached by the hash of their beats ----------------

def _load_summary_cache(project: Project) -> SummaryCache:
    path = project.paths.cache_dir / "eras.json"
    try:
        return dict(msgspec.json.decode(path.read_bytes(), type=dict[str, Era]))
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return {}


def _save_summary_cache(project: Project, cache: SummaryCache) -> None:
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


# -- publishing ---------------------------------------------------------------------------

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
