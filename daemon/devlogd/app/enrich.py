"""`devlog enrich`: the cheaper model retells each interesting beat's prose fields.

One validated call per beat, or one Message Batch for all; trivial beats get no call, and
the facts underneath a beat are never rewritten.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from devlogd.app.drafts import DraftHooks
from devlogd.app.project import Project
from devlogd.app.selection import scrub_beats
from devlogd.config import api_credentials
from devlogd.errors import NarratorError
from devlogd.models import Beat, Enriched
from devlogd.story import prompt

TRIVIAL_KINDS = frozenset({"docs", "chore", "build", "merge", "release"})


@dataclass
class EnrichResult:
    enriched: int = 0
    skipped: int = 0  # trivial, or told by a model already
    failed: list[str] = field(default_factory=list)


def enrich(project: Project, beats: list[Beat], batch: bool = False,
           hooks: DraftHooks | None = None) -> EnrichResult:
    from devlogd.story.narrators.claude import ClaudeNarrator, Credentials

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
    requests = {b.sha: prompt.redact_request(prompt.enrich_request(b, cfg.enrich_model))
                for b in scrub_beats(project, chosen)}
    narrator = ClaudeNarrator(Credentials(*credentials), timeout=cfg.timeout, max_retries=cfg.max_retries)
    if batch:
        hooks.note(f"sending {len(requests)} enrichment requests as one Message Batch to {cfg.enrich_model}")
        answers = narrator.batch(requests, on_status=hooks.note)
    else:
        answers = {}
        for index, (sha, request) in enumerate(requests.items()):
            hooks.progress("enriching", index, len(requests))
            try:
                answers[sha] = narrator.complete(request)
            except NarratorError as err:
                result.failed.append(f"{sha[:10]}: {err}")
    _journal_answers(project, chosen, answers, batch, cfg.enrich_model, result)
    return result


def _journal_answers(project: Project, chosen: list[Beat], answers: dict[str, str], batch: bool,
                     model: str, result: EnrichResult) -> None:
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
            writer.add_enrichment(Enriched(sha=beat.sha, time=now, origin=model, headline=told.headline,
                                           why=told.why, tension=told.tension, insight=told.insight))
            result.enriched += 1
