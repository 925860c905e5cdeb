"""Drafting a post: plan the material, have it narrated (Claude, a local model, or
offline), check it.

A failure of Claude or a local model is one sentence, never a half-written post presented
as done. When it was asked for by name (`--narrator claude|local`, `[narrator] narrator`)
the draft fails; chosen automatically, or with `--fallback offline` (editors ask for it),
the offline post is written instead and the sentence goes with it.
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

from devlogd.app import agents, grounding, narrators, repofacts, storyteller
from devlogd.app.narrators import LocalHint
from devlogd.app.project import Project
from devlogd.app.tools import RepoTools
from devlogd.app.selection import DraftSelection, scrub_beats
from devlogd.app.styles import read_style
from devlogd.errors import Cancelled, ConfigError, NarratorError, UsageError
from devlogd.counts import summary
from devlogd.story.labels import title
from devlogd.models import Beat
from devlogd.pipeline.ignore import SENSITIVE
from devlogd.pipeline.redact import redact
from devlogd.protocol import DraftOptions, DraftResult
from devlogd.story import identity, prompt
from devlogd.story.outline import FileOutline, outline, outline_paths
from devlogd.story.checker import CheckContext, check_post
from devlogd.story.chapters import Era, SummaryCache
from devlogd.story.escape import untrusted_post
from devlogd.story.identity import Identity
from devlogd.story.material import Ask, Material, build_material
from devlogd.story.tools import Bounds

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
    activity: Note | None = None  # what a model narrator's tools are doing ("reading fenster.h"); default: note


def write_draft(project: Project, chosen: DraftSelection, options: DraftOptions,
                hooks: DraftHooks | None = None, api_key: str | None = None,
                base_url: str | None = None, hint: LocalHint | None = None) -> DraftResult:
    """Gather the material for a post about ``chosen`` and have it narrated.

    Claude or a local model writes it when one is available (or asked for); a failure there
    raises NarratorError, or, where falling back is allowed, gives the offline post with a note.
    """
    hooks = hooks or DraftHooks()
    cfg = project.config
    local_model = options.local_model or (options.model if options.narrator == "local" else None)
    choice = narrators.choose(cfg, options.narrator, api_key, base_url, hint or LocalHint(), local_model)
    log.info("narrator: %s (%s)", choice.kind, choice.why)
    budget = narrators.material_budget(choice, cfg)
    plan = _material(project, chosen, options, hooks, budget)
    context = check_context(project, plan.identity.name, plan.beats)
    styles = [read_style(path) for path in options.style]
    request = prompt.build_request(plan, options.model or cfg.narrator.model, cfg.narrator.max_tokens, styles)

    def result(markdown: str, narrator: str, violations: list[str] | None = None,
               notes: list[str] | None = None, planned: dict[str, Any] | None = None) -> DraftResult:
        sources = {f"chapter {i + 1}": [b.sha for b in c.beats] for i, c in enumerate(plan.chapters)}
        numbers = plan.numbers
        return DraftResult(markdown=markdown, narrator=narrator, beats=numbers.stretch,
                           chapters=numbers.chapters, counts=numbers, sources=sources,
                           violations=violations or [], notes=notes or [], plan=planned or {})

    if options.dry_run:
        if choice.kind == "local":
            shown, size = narrators.dry_run(choice, plan, cfg, styles, prompt.redact_request(request))
            return result(json.dumps(shown, indent=2, ensure_ascii=False) + "\n", "dry-run", notes=[size])
        sent = prompt.redact_request(request)
        shown = {**sent, "stages": storyteller.dry_run_stages(request, options.shape or "")} if cfg.narrator.tools else sent
        text = json.dumps(shown, indent=2, ensure_ascii=False) + "\n"
        size = _request_size(sent)
        if cfg.narrator.tools:
            size += ("; with tools the model plans first (reading the repository: at most "
                     f"{Bounds().calls} tool calls), then writes, reviews and revises once (see \"stages\")")
        return result(text, "dry-run", notes=[size])
    # A narrator asked for by name fails loudly; chosen automatically, it may fall back.
    fallback = options.fallback or ("none" if choice.asked else "offline")
    notes: list[str] = []
    if choice.kind != "offline":
        who = "Claude" if choice.kind == "claude" else "the local model"
        try:
            planned: dict[str, Any] = {}
            if choice.kind == "local" and narrators.can_use_tools(choice, cfg):
                told, narrator = narrators.tell_locally(choice, plan, cfg, styles, hooks, context,
                                                        repo_tools(project, plan), options.shape or "",
                                                        grounded=_grounded(project, plan))
                markdown, planned, notes = told.markdown, storyteller.plan_dict(told.plan), told.notes
            elif choice.kind == "local":
                markdown, narrator = narrators.narrate_locally(choice, plan, cfg, styles, hooks, len(plan.chapters),
                                                               context)
            elif choice.credentials is None:
                raise NarratorError(narrators.NO_KEY)
            elif cfg.narrator.tools:
                told, narrator = _tell_with_claude(project, plan, request, choice.credentials, hooks, context,
                                                   options.shape or "")
                markdown, planned, notes = told.markdown, storyteller.plan_dict(told.plan), told.notes
            else:
                markdown, narrator = _narrate_with_claude(project, request, choice.credentials, hooks,
                                                          len(plan.chapters), context)
            markdown = finished(untrusted_post(markdown))
            return result(markdown, narrator, [str(v) for v in check_post(markdown, context)], notes, planned)
        except NarratorError as err:
            if fallback != "offline":
                raise NarratorError(f"{who} could not write the post: {err}; "
                                    "`--fallback offline` writes the offline post instead") from err
            # Said once: in the result's notes, which every front end shows.
            notes.append(f"{who} could not write the post: {err}; the offline narrator wrote it instead")
            if budget < cfg.draft.token_budget:  # planned for a small context: plan again for the offline post
                plan = _material(project, chosen, options, DraftHooks(), cfg.draft.token_budget)
    from devlogd.story.narrators.offline import write_post

    hooks.progress("writing", 0, len(plan.chapters))
    template, origin = offline_template(project)
    markdown = finished(write_post(plan, template, origin))
    hooks.progress("writing", len(plan.chapters), len(plan.chapters))
    return result(markdown, "offline", [str(v) for v in check_post(markdown, context)], notes)


def finished(markdown: str) -> str:
    """The last pass over every post, whoever wrote it: a secret that reached it by any
    path (a model's memory, a source a layer missed) is redacted here."""
    return redact(markdown)


def _request_size(request: dict[str, Any]) -> str:
    """What a request costs, estimated here: a dry run never touches the network (counting
    with the API would send the whole request)."""
    from devlogd.story.narrators.claude import estimate_cost, estimate_tokens

    model = str(request["model"])
    tokens = estimate_tokens(request)
    reply = int(str(request["max_tokens"])) // 2
    cost = estimate_cost(model, tokens, reply)
    price = f"about ${cost:.3f} with {model}, for a reply of ~{reply:,} tokens" if cost else \
        f"no price known for {model}"
    return f"the request is {tokens:,} input tokens (estimated here; nothing was sent): {price}"


def gather_material(project: Project, chosen: DraftSelection, options: DraftOptions) -> Material:
    """The material a draft with ``options`` would be written from (for devlog's questions)."""
    return _material(project, chosen, options, DraftHooks(), project.config.draft.token_budget)


def _material(project: Project, chosen: DraftSelection, options: DraftOptions, hooks: DraftHooks,
              budget: int) -> Material:
    cfg = project.config.draft
    where = project.paths.workdir or project.paths.common_dir
    beats = _canonical_authors(where, scrub_beats(project, chosen.beats))
    hooks.progress("planning", 0, len(beats))
    earlier = _canonical_authors(where, scrub_beats(project, chosen.earlier))
    ask = Ask(ranged=chosen.ranged, authors=tuple(options.authors), all_authors=options.all_authors,
              user_email=_user_email(where))
    cache = _load_summary_cache(project)
    material = build_material(beats, project_identity(project, beats), ask, earlier=earlier, notes=chosen.notes,
                              tags=repofacts.tags_by_commit(where), max_chapters=cfg.max_chapters,
                              token_budget=budget, cache=cache)
    _save_summary_cache(project, cache)
    hooks.progress("planning", material.numbers.selected, material.numbers.selected)
    if material.open_threads and beats:  # a TODO removed since is not open any more
        material.open_threads = [t for t in material.open_threads if " (in " not in t
                                 or repofacts.still_there(where, beats[-1].sha, t.rsplit(" (in ", 1)[0])]
    material.outline = _outline(where, material)
    material.prompts = agents.linked_prompts(project, material.beats)  # nothing read unless opted in
    hooks.note(f"telling {material.authorship.why}: {material.stretch}")
    hooks.note(f"{summary(material.numbers)}, ~{material.tokens:,} tokens of source material (budget {budget:,}"
               + (", for the model's context)" if budget < cfg.token_budget else ")"))
    return material


def _outline(where: Path, material: Material) -> list[FileOutline]:
    """The main files' shape at the last change told, redacted like everything else read."""
    if not material.beats:
        return []
    rev = material.beats[-1].sha
    texts = ((path, redact(text, path)) for path in outline_paths(material.told or material.beats)
             if not SENSITIVE.ignored(path) and (text := repofacts.file_text(where, rev, path)) is not None)
    return outline(list(texts))  # ranked over all of them: the files that use the main one say what matters


def project_identity(project: Project, beats: list[Beat]) -> Identity:
    """What the project is, as of the last revision told."""
    where = project.paths.workdir or project.paths.common_dir
    rev = beats[-1].sha if beats else "HEAD"
    files = {path: redact(text) for path, text in repofacts.top_files(where, rev, identity.wanted).items()}
    return identity.identify(files, repofacts.remote_url(where), project.folder_name)


def _user_email(where: Path) -> str:
    email = repofacts.user_email(where)
    mapped = repofacts.canonical_emails(where, [("", email)]) if email else {}
    return mapped.get(("", email), ("", email))[1]


def _canonical_authors(where: Path, beats: list[Beat]) -> list[Beat]:
    """Authors as .mailmap names them, so one person's two addresses are one author."""
    if not beats or not (where / ".mailmap").exists():
        return beats
    pairs = list(dict.fromkeys((b.author, b.author_email) for b in beats if b.author_email))
    mapped = repofacts.canonical_emails(where, pairs)
    out = []
    for beat in beats:
        name, email = mapped.get((beat.author, beat.author_email), (beat.author, beat.author_email))
        same = name == beat.author and email == beat.author_email
        out.append(beat if same else msgspec.structs.replace(beat, author=name, author_email=email))
    return out


REPO_TEMPLATE = ".devlog/post.md.j2"


def offline_template(project: Project) -> tuple[str | None, str]:
    """The offline post's template and where it came from: the one the user's config names,
    else the repository's own (sandboxed like any other), else the shipped one (None)."""
    from devlogd.config import read_config_bytes

    named = project.config.draft.template
    workdir = project.paths.workdir
    if named:
        path = Path(os.path.expanduser(named))
        inside = None
    elif workdir is not None:
        path, inside = workdir / REPO_TEMPLATE, workdir
    else:
        return None, "the default template"
    try:
        data = read_config_bytes(path, inside)
    except ConfigError as err:
        raise NarratorError(str(err)) from err
    if data is None:
        if named:
            raise NarratorError(f"{path} ([draft] template) does not exist")
        return None, "the default template"
    return data.decode("utf-8", "replace"), str(path)


def check_context(project: Project, name: str, beats: list[Beat]) -> CheckContext:
    """What the checker needs to read a post as its reader would: the project's name, its
    folder, the subjects of its changes and its noise classes."""
    subjects = frozenset(b.subject for b in beats) | frozenset(title(b) for b in beats)
    return CheckContext(project=name, folder=project.folder_name, subjects=subjects, noise=project.noise)


def _narrate_with_claude(project: Project, request: dict[str, Any], credentials: tuple[str, str | None],
                         hooks: DraftHooks, chapters: int, context: CheckContext) -> tuple[str, str]:
    from devlogd.story.narrators.claude import ClaudeNarrator, Credentials, estimate_cost

    request = prompt.redact_request(request)
    model = str(request["model"])
    cfg = project.config.narrator
    narrator = ClaudeNarrator(Credentials(*credentials), timeout=cfg.timeout, max_retries=cfg.max_retries,
                              on_retry=hooks.note)
    hooks.progress("writing", 0, chapters)
    tokens = narrator.count_tokens(request)
    if hooks.cancelled.is_set():
        raise Cancelled("the draft was cancelled")
    cost = estimate_cost(model, tokens, int(str(request["max_tokens"])) // 2)
    hooks.note(f"sending {tokens:,} input tokens to {model} (about ${cost:.3f} with the reply)")
    first = narrator.narrate(request, hooks.text, hooks.cancelled)
    problems = [str(v) for v in check_post(first.text, context)]
    if not problems:
        hooks.progress("writing", chapters, chapters)
        return first.text, f"claude ({model})"
    if hooks.cancelled.is_set():  # nobody is waiting for it: no repair call (tokens paid)
        raise Cancelled("the draft was cancelled")
    hooks.note(f"the draft broke {len(problems)} rule(s); asking for one repair")
    second = narrator.narrate(prompt.repair_request(request, first.text, problems), None, hooks.cancelled)
    if not second.text.strip():
        raise NarratorError("the repair came back empty")
    hooks.progress("writing", chapters, chapters)
    return second.text, f"claude ({model}, repaired once)"


def repo_tools(project: Project, material: Material) -> RepoTools:
    """The narrator's tools over ``project``: the journal's changes as keys, "end" the last told."""
    state = project.journal.load()
    beats = scrub_beats(project, sorted(state.beats, key=lambda b: b.time))
    end = material.beats[-1].sha if material.beats else "HEAD"
    return RepoTools(project, beats, state.notes, end)


def _tell_with_claude(project: Project, material: Material, request: dict[str, Any],
                      credentials: tuple[str, str | None], hooks: DraftHooks, context: CheckContext,
                      shape: str) -> tuple[storyteller.Told, str]:
    """Plan with the tools, write, review, revise once: Claude as an agent."""
    from devlogd.story.narrators.claude import ClaudeNarrator, Credentials

    model = str(request["model"])
    cfg = project.config.narrator
    narrator = ClaudeNarrator(Credentials(*credentials), timeout=cfg.timeout, max_retries=cfg.max_retries,
                              on_retry=hooks.note)
    hooks.progress("writing", 0, len(material.chapters))
    hooks.note(f"{model} reads the repository and plans the post (at most {Bounds().calls} tool calls)")
    told = storyteller.tell(
        request, lambda body: narrator.turn(prompt.redact_request(body), hooks.cancelled),  # the last pass, each turn
        lambda body, stream: narrator.narrate(prompt.redact_request(body), hooks.text if stream else None,
                                              hooks.cancelled),
        repo_tools(project, material), hooks, context, shape, grounded=_grounded(project, material))
    hooks.progress("writing", len(material.chapters), len(material.chapters))
    return told, f"claude ({model}, planned with tools{', revised once' if told.revised else ''})"


def _grounded(project: Project, material: Material) -> Callable[[str], list[str]]:
    """The review step's grounding: what a draft says that its chapters' sources contradict."""
    chapters = [c.beats for c in material.chapters]
    return lambda markdown: grounding.review_problems(project, chapters, markdown)


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
        path.parent.mkdir(mode=0o700, exist_ok=True)  # never the state folder above it, if gone
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
