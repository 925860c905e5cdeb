"""Drafting a post: plan the material, have it narrated (Claude, or offline), check it.

A failure of Claude is one sentence, never a half-written post presented as done. When
Claude was asked for by name (`--narrator claude`, `[narrator] narrator = "claude"`) the
draft fails; chosen automatically (a key is set), or with `--fallback offline` (editors
ask for it), the offline post is written instead and the sentence goes with it.
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
from devlogd.errors import NarratorError, UsageError
from devlogd.models import Beat
from devlogd.protocol import DraftOptions, DraftResult
from devlogd.story import prompt
from devlogd.story.checker import check_post
from devlogd.story.drafting import DraftPlan, Era, SummaryCache, plan_draft

log = logging.getLogger(__name__)

DraftProgress = Callable[[str, int, int], None]  # phase, done, total (see protocol.PHASE_UNITS)
Note = Callable[[str], None]


@dataclass
class DraftHooks:
    """How a draft talks back while it is written: progress, notes, streamed text."""

    progress: DraftProgress = lambda phase, done, total: None
    note: Note = lambda message: None
    text: Note = lambda chunk: None
    cancelled: threading.Event = field(default_factory=threading.Event)


def write_draft(project: Project, beats: list[Beat], options: DraftOptions,
                hooks: DraftHooks | None = None, api_key: str | None = None,
                base_url: str | None = None) -> DraftResult:
    """Plan a post from ``beats`` (already selected) and have it narrated.

    Claude writes it when a key is available (or asked for); a failure there raises
    NarratorError, or, where falling back is allowed, gives the offline post with a note.
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

    credentials = api_credentials(cfg, api_key, base_url)
    # An explicit choice wins; otherwise the user's [narrator] narrator (DEVLOG_NARRATOR).
    choice = options.narrator if options.narrator != "auto" else cfg.narrator.narrator
    if options.dry_run:
        sent = prompt.redact_request(request)
        text = json.dumps(sent, indent=2, ensure_ascii=False) + "\n"
        counter = credentials if choice != "offline" else None
        return result(text, "dry-run", notes=[_request_size(project, sent, counter)])
    # Claude asked for by name fails loudly; chosen automatically, it may fall back.
    fallback = options.fallback or ("none" if choice == "claude" else "offline")
    use_claude = choice == "claude" or (choice == "auto" and credentials is not None)
    notes: list[str] = []
    if use_claude:
        try:
            if credentials is None:
                raise NarratorError("no ANTHROPIC_API_KEY is set (export it, or put it in "
                                    "~/.config/devlog/credentials with mode 0600)")
            markdown, narrator = _narrate_with_claude(project, request, credentials, hooks, len(plan.chapters))
            return result(markdown, narrator, [str(v) for v in check_post(markdown)])
        except NarratorError as err:
            if fallback != "offline":
                raise NarratorError(f"Claude could not write the post: {err}; "
                                    "`--fallback offline` writes the offline post instead") from err
            # Said once: in the result's notes, which every front end shows.
            notes.append(f"Claude could not write the post: {err}; the offline narrator wrote it instead")
    from devlogd.story.narrators.offline import write_post

    hooks.progress("writing", 0, len(plan.chapters))
    markdown = write_post(plan)
    hooks.progress("writing", len(plan.chapters), len(plan.chapters))
    return result(markdown, "offline", [str(v) for v in check_post(markdown)], notes)


def _request_size(project: Project, request: dict[str, Any],
                  credentials: tuple[str, str | None] | None) -> str:
    """What a request costs: counted by the API when there is a key, estimated here
    otherwise (or when the count fails)."""
    from devlogd.story.narrators.claude import ClaudeNarrator, Credentials, estimate_cost, estimate_tokens

    model = str(request["model"])
    how = "estimated here; with a key, the API counts them"
    tokens = estimate_tokens(request)
    if credentials is not None:
        narrator = ClaudeNarrator(Credentials(*credentials), timeout=min(project.config.narrator.timeout, 30.0),
                                  max_retries=0)
        try:
            tokens, how = narrator.count_tokens(request), "counted by the API"
        except NarratorError as err:
            how = f"estimated here; the API could not count them: {err}"
    reply = int(str(request["max_tokens"])) // 2
    cost = estimate_cost(model, tokens, reply)
    price = f"about ${cost:.3f} with {model}, for a reply of ~{reply:,} tokens" if cost else \
        f"no price known for {model}"
    return f"the request is {tokens:,} input tokens ({how}): {price}"


def _plan(project: Project, beats: list[Beat], hooks: DraftHooks) -> DraftPlan:
    cfg = project.config.draft
    hooks.progress("planning", 0, len(beats))
    cache = _load_summary_cache(project)
    plan = plan_draft(beats, project.folder_name, cfg.max_chapters, cfg.token_budget, cache)
    _save_summary_cache(project, cache)
    hooks.progress("planning", len(beats), len(beats))
    hooks.note(f"{len(beats)} beats -> {len(plan.chapters)} chapters"
               + (f" and {len(plan.eras)} summarised eras" if plan.eras else "")
               + f", ~{plan.tokens:,} tokens of source material (budget {cfg.token_budget:,})")
    return plan


def _narrate_with_claude(project: Project, request: dict[str, Any], credentials: tuple[str, str | None],
                         hooks: DraftHooks, chapters: int) -> tuple[str, str]:
    from devlogd.story.narrators.claude import ClaudeNarrator, Credentials, estimate_cost

    request = prompt.redact_request(request)
    model = str(request["model"])
    cfg = project.config.narrator
    narrator = ClaudeNarrator(Credentials(*credentials), timeout=cfg.timeout, max_retries=cfg.max_retries,
                              on_retry=hooks.note)
    hooks.progress("writing", 0, chapters)
    tokens = narrator.count_tokens(request)
    cost = estimate_cost(model, tokens, int(str(request["max_tokens"])) // 2)
    hooks.note(f"sending {tokens:,} input tokens to {model} (about ${cost:.3f} with the reply)")
    first = narrator.narrate(request, hooks.text, hooks.cancelled)
    problems = [str(v) for v in check_post(first.text)]
    if not problems:
        hooks.progress("writing", chapters, chapters)
        return first.text, f"claude ({model})"
    hooks.note(f"the draft broke {len(problems)} rule(s); asking for one repair")
    second = narrator.narrate(prompt.repair_request(request, first.text, problems), None, hooks.cancelled)
    if not second.text.strip():
        raise NarratorError("the repair came back empty")
    hooks.progress("writing", chapters, chapters)
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
