"""Which narrator writes a post, and why: Claude, a local model server, or the offline
storyteller. Decided in one place for drafts, `devlog status` and the editor.

With nothing set: a key means Claude; else offline. A local model server is used only
when the user chose one — `--narrator local` (or `[narrator] narrator = "local"`),
`[narrator] provider = "ollama"|"llamacpp"|"openai"`, or a server named in `[narrator] local_url`
(DEVLOG_LOCAL_URL for one run) — never because something answers on a port: on a shared
machine anyone can listen there. The server and model come only from the user's config,
the environment and the editor's user settings, never from a repository; a listener
another user owns is refused (:mod:`devlogd.story.narrators.listeners`).

A local model writes as Claude does — streamed, checked, repaired once — from a request
fitted to its context (:mod:`devlogd.story.fitting`), and a post written from half a
request (the server cut its start) is refused.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from devlogd.app import storyteller
from devlogd.app.tools import RepoTools
from devlogd.config import Config, api_credentials, local_server
from devlogd.errors import NarratorError
from devlogd.protocol import LocalModelInfo, LocalModelsReply
from devlogd.story import fitting, prompt
from devlogd.story.checker import CheckContext, check_post
from devlogd.story.material import Material
from devlogd.story.narrators import guards, local, ollama_tools
from devlogd.story.narrators.claude import Narration, estimate_tokens
from devlogd.story.narrators.local import Endpoint, LocalModel

log = logging.getLogger(__name__)

AUTO_PROBE_TIMEOUT = 1.0  # a server named only by its address: never more than this
NOT_CHOSEN = ("no local model server was chosen (`--narrator local`, [narrator] provider or local_url "
              "in ~/.config/devlog/config.toml, or DEVLOG_LOCAL_URL)")
NO_KEY = "no ANTHROPIC_API_KEY is set (export it, or put it in ~/.config/devlog/credentials with mode 0600)"


@dataclass(frozen=True)
class LocalHint:
    """What a client hands over from its own environment (the daemon's may be older)."""

    local_url: str | None = None  # DEVLOG_LOCAL_URL
    ollama_host: str | None = None  # OLLAMA_HOST


@dataclass(frozen=True)
class Choice:
    kind: str  # "claude", "local" or "offline"
    why: str  # for the user: what will write, and why
    asked: bool = False  # named by the user: a failure fails the draft unless it may fall back
    credentials: tuple[str, str | None] | None = None
    endpoint: Endpoint | None = None
    model: LocalModel | None = None
    problem: str = ""  # why the local model cannot write now

    @property
    def writes(self) -> tuple[str, str]:
        """Who writes a draft now, and why: a local model chosen automatically that cannot
        write leaves it to the offline narrator."""
        if self.kind == "local" and self.model is None and not self.asked:
            return "offline", f"{self.why}; the offline narrator writes instead"
        return self.kind, self.why


def choose(config: Config, narrator: str = "auto", api_key: str | None = None, base_url: str | None = None,
           hint: LocalHint = LocalHint(), local_model: str | None = None) -> Choice:
    """The narrator for a draft: an explicit ``narrator`` wins, then [narrator] narrator,
    then the automatic choice. Asking a local server is bounded by a short timeout."""
    cfg = config.narrator
    named = narrator if narrator != "auto" else cfg.narrator
    credentials = api_credentials(config, api_key, base_url)
    if named == "offline":
        return Choice("offline", "asked for (--narrator offline, or [narrator] narrator)")
    if named == "claude":
        why = f"{cfg.model}, asked for" if credentials else f"asked for, but {NO_KEY}"
        return Choice("claude", why, asked=True, credentials=credentials)
    kind, url = local_server(config, hint.local_url, hint.ollama_host)
    wanted = local_model or cfg.local_model
    if named == "local":
        return _local(kind, url, wanted, cfg.local_context, "asked for", asked=True)
    if cfg.provider in ("ollama", "llamacpp", "openai"):
        return _local(kind, url, wanted, cfg.local_context, f'[narrator] provider = "{cfg.provider}"')
    if credentials is not None:
        return Choice("claude", f"{cfg.model}: an API key is set", credentials=credentials)
    if cfg.provider == "anthropic":
        return Choice("offline", f'{NO_KEY}, and [narrator] provider = "anthropic" rules out local models')
    if not (cfg.local_url or hint.local_url):
        return Choice("offline", f"no API key is set, and {NOT_CHOSEN}")
    found = _local(kind, url, wanted, cfg.local_context, "no API key is set and the server you named has it",
                   timeout=AUTO_PROBE_TIMEOUT)
    if found.model is None and found.problem and not wanted:
        # Nobody asked for a local model: without one, offline is simply the choice.
        return Choice("offline", f"no API key is set, and {found.problem}")
    return found


def _local(kind: str, url: str, wanted: str | None, cap: int | None, why: str, asked: bool = False,
           timeout: float = local.PROBE_TIMEOUT) -> Choice:
    try:
        ep = local.endpoint(kind, url)
        model = local.discover(ep, wanted, cap, timeout)
    except NarratorError as err:
        return Choice("local", f"{why}, but {err}", asked=asked, problem=str(err))
    how = f"; {model.chosen}" if model.chosen else ""
    return Choice("local", f"{model.name} on {ep.label}, {model.context:,}-token context ({why}{how})",
                  asked=asked, endpoint=ep, model=model)


def material_budget(choice: Choice, config: Config) -> int:
    """The token budget to plan the material with: the user's, or less for a small context."""
    budget = config.draft.token_budget
    if choice.model is not None:
        budget = min(budget, max(1_000, fitting.material_budget(choice.model.context, config.narrator.max_tokens)))
    return budget


# -- writing with a local model --------------------------------------------------------------

class Hooks(Protocol):
    """How a draft talks back (app.drafts.DraftHooks)."""

    @property
    def progress(self) -> Callable[[str, int, int], None]: ...

    @property
    def note(self) -> Callable[[str], None]: ...

    @property
    def text(self) -> Callable[[str], None]: ...

    @property
    def cancelled(self) -> threading.Event: ...


def fitted(choice: Choice, material: Material, config: Config, styles: list[str]) -> fitting.Fit:
    """The request for the local model, fitted to its context."""
    model = _usable(choice)
    return fitting.fit_request(material, model.name, config.narrator.max_tokens, model.context, styles)


def too_small(choice: Choice, fit: fitting.Fit) -> str:
    """The sentence for a context that cannot hold even the smallest request."""
    model, ep = _usable(choice), choice.endpoint
    assert ep is not None
    wanted = fitting.context_wanted(fit.tokens, fit.reply)
    if ep.kind in ("llamacpp", "openai"):
        fix = f"restart the server with a context of {wanted} tokens or more (llama-server's `-c {wanted}`)"
    elif model.maximum and model.context < model.maximum:
        fix = f"raise [narrator] local_context (the model can take {model.maximum:,})"
    else:
        fix = "use a model with a larger context"
    return (f"even the smallest request (~{fit.tokens:,} tokens) does not fit {model.name}'s "
            f"{model.context:,}-token context with room for a reply: {fix}, or narrow the range (--since)")


def narrate_locally(choice: Choice, material: Material, config: Config, styles: list[str], hooks: Hooks,
                    chapters: int, context: CheckContext) -> tuple[str, str]:
    """The post, written by the local model, checked and repaired once; (markdown, narrator)."""
    model, ep = _usable(choice), choice.endpoint
    assert ep is not None
    fit = fitted(choice, material, config, styles)
    if not fit.fits:
        raise NarratorError(too_small(choice, fit))
    request = guards.defused(prompt.redact_request(fit.request))
    num_ctx = min(model.context, fitting.context_wanted(fit.tokens, fit.reply)) if model.settable else model.context
    how = f"; to fit its context, {fit.summary()}" if fit.summary() else ""
    hooks.progress("writing", 0, chapters)
    hooks.note(f"sending ~{fit.tokens:,} input tokens (estimated here) to {model.name} on {ep.label}, "
               f"in a {num_ctx:,}-token context{how}")
    first = _write(choice, request, fit.tokens, num_ctx, config, hooks, stream=True)
    problems = [str(v) for v in check_post(first.text, context)]
    if not problems:
        hooks.progress("writing", chapters, chapters)
        return first.text, f"local ({model.name})"
    repair = guards.defused(prompt.repair_request(request, first.text, problems))
    tokens = estimate_tokens(repair)
    repair_ctx = fitting.context_wanted(tokens, fit.reply) if model.settable else model.context
    if fitting.prompt_room(min(repair_ctx, model.context), fit.reply) < tokens:
        hooks.note(f"the draft broke {len(problems)} rule(s); a repair would not fit {model.name}'s context, "
                   "so the draft is kept as written")
        return first.text, f"local ({model.name})"
    hooks.note(f"the draft broke {len(problems)} rule(s); asking for one repair")
    second = _write(choice, repair, tokens, min(repair_ctx, model.context), config, hooks, stream=False)
    hooks.progress("writing", chapters, chapters)
    return second.text, f"local ({model.name}, repaired once)"


def can_use_tools(choice: Choice, config: Config) -> bool:
    """A local model writes as an agent when tools are on and its server says it can call
    them (Ollama's "tools" capability); else it gets the single request of today."""
    return (config.narrator.tools and choice.model is not None and choice.model.tools
            and choice.endpoint is not None and choice.endpoint.kind == "ollama")


def tell_locally(choice: Choice, material: Material, config: Config, styles: list[str], hooks: Hooks,
                 context: CheckContext, tools: RepoTools, shape: str,
                 grounded: Callable[[str], list[str]] | None = None) -> tuple[storyteller.Told, str]:
    """The post, planned with the tools by the local model, written, reviewed and revised once."""
    model, ep = _usable(choice), choice.endpoint
    assert ep is not None
    fit = fitted(choice, material, config, styles)
    if not fit.fits:
        raise NarratorError(too_small(choice, fit))
    timeout = config.narrator.timeout
    hooks.note(f"{model.name} on {ep.label} reads the repository and plans the post")

    def write(body: dict[str, Any], stream: bool) -> Narration:
        return _write(choice, body, estimate_tokens(body), model.context, config, hooks, stream)

    def turn(body: dict[str, Any]) -> Any:  # every turn's request gets the last pass, as every write's does
        return ollama_tools.ollama_turn(ep, ollama_tools.tool_chat_body(last_pass(body), model.context), timeout)

    told = storyteller.tell(fit.request, turn, write, tools, hooks, context, shape, grounded=grounded)
    return told, f"local ({model.name}, planned with tools{', revised once' if told.revised else ''})"


def _usable(choice: Choice) -> LocalModel:
    if choice.model is None or choice.endpoint is None:
        raise NarratorError(choice.problem or "no local model server was found")
    return choice.model


def last_pass(request: dict[str, Any]) -> dict[str, Any]:
    """Every request to a local model, whatever built it: redacted once more, and its
    chat-template control tokens defused."""
    return guards.defused(prompt.redact_request(request))  # type: ignore[no-any-return]


def _write(choice: Choice, request: dict[str, Any], sent: int, num_ctx: int, config: Config, hooks: Hooks,
           stream: bool) -> Narration:
    request = last_pass(request)
    model, ep = _usable(choice), choice.endpoint
    assert ep is not None
    on_text = hooks.text if stream else None
    timeout = config.narrator.timeout
    def waiting(seconds: float) -> None:
        hooks.note(f"still waiting for {model.name} ({seconds:.0f} s): loading a model and reading a long "
                   "request take a while on a CPU")

    if ep.kind == "ollama":
        narration = local.ollama_chat(ep, local.chat_body(request, num_ctx), timeout, on_text, hooks.cancelled,
                                      waiting)
    elif ep.kind == "openai":
        from devlogd.story.narrators import openai

        narration = openai.chat(ep, openai.chat_body({**request, "model": model.name}), timeout, on_text,
                                hooks.cancelled, waiting)
    else:
        from devlogd.story.narrators.claude import ClaudeNarrator, Credentials

        writer = ClaudeNarrator(Credentials("devlog-local", ep.url), timeout=timeout, max_retries=0)
        try:
            narration = writer.narrate({**request, "model": model.name}, on_text, hooks.cancelled)
        except NarratorError as err:
            if "context" in str(err):
                raise NarratorError(f"{err}; {_more_context(choice, num_ctx)}") from err
            raise
    if local.cut_short(narration.input_tokens, sent, num_ctx):
        raise NarratorError(
            f"{ep.label} read only {narration.input_tokens:,} of the ~{sent:,} tokens sent, so it cut the start "
            "of the request (the storytelling rules) and the post is not used: "
            + _more_context(choice, num_ctx))
    return narration


def _more_context(choice: Choice, wanted: int) -> str:
    """How to give a local model the context a request needs, when the server gave less."""
    assert choice.endpoint is not None
    if choice.endpoint.kind == "llamacpp":
        return f"restart llama-server with `-c {wanted}` (or more), or narrow the range (--since)"
    if choice.endpoint.kind == "openai":
        return (f"restart the server with a context of {wanted} tokens or more (llama-server's `-c`, vLLM's "
                "`--max-model-len`, LM Studio's context length), or narrow the range (--since)")
    return (f"start the server with OLLAMA_CONTEXT_LENGTH={wanted} (`OLLAMA_CONTEXT_LENGTH={wanted} ollama serve`), "
            "or set [narrator] local_context in ~/.config/devlog/config.toml to what it can hold and devlog "
            "fits the request to it")


def dry_run(choice: Choice, material: Material, config: Config, styles: list[str],
            fallback: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """What the local narrator would send (the exact body) and a sentence on its size
    against the model's context; ``fallback`` (the Claude-shaped request) when no local
    model can be asked now."""
    if choice.model is None or choice.endpoint is None:
        tokens = estimate_tokens(fallback)
        return fallback, (f"the local narrator cannot write now ({choice.problem}); this request is ~{tokens:,} "
                          "input tokens (estimated here), not yet fitted to a model's context")
    model, ep = choice.model, choice.endpoint
    fit = fitted(choice, material, config, styles)
    request = guards.defused(prompt.redact_request(fit.request))
    how, shown = "estimated here", request
    if model.settable:
        num_ctx = min(model.context, fitting.context_wanted(fit.tokens, fit.reply))
        shown = local.chat_body(request, num_ctx)
        asked = f"; Ollama is asked for num_ctx={num_ctx:,}"
    elif ep.kind == "openai":
        from devlogd.story.narrators import openai

        shown, asked = openai.chat_body({**request, "model": model.name}), ""
    else:
        asked = ""
        counted = _count_llamacpp(ep, {**request, "model": model.name})
        if counted is not None:
            fit, how = fitting.Fit(request, counted, fit.reply, fit.context, fit.tone, fit.material_cut,
                                   counted + fit.reply <= model.context), "counted by the server"
    given = f"; to fit, {fit.summary()}" if fit.summary() else ""
    if not fit.fits:
        given += f"; {too_small(choice, fit)}"
    return shown, (f"the request is ~{fit.tokens:,} input tokens ({how}) against {model.name}'s "
                   f"{model.context:,}-token context on {ep.label}, with {fit.reply:,} left for the reply"
                   f"{asked}{given}; a local model costs nothing")


def _count_llamacpp(ep: Endpoint, request: dict[str, Any]) -> int | None:
    from devlogd.story.narrators.claude import ClaudeNarrator, Credentials

    try:
        return ClaudeNarrator(Credentials("devlog-local", ep.url), timeout=10.0, max_retries=0).count_tokens(request)
    except NarratorError as err:
        log.info("llama.cpp could not count the request: %s", err)
        return None


def local_models(config: Config, hint: LocalHint = LocalHint()) -> LocalModelsReply:
    """For an editor's narrator picker: the local server, its chat models with their
    contexts, or the sentence saying why there are none."""
    kind, url = local_server(config, hint.local_url, hint.ollama_host)
    try:
        ep = local.endpoint(kind, url)
        names = local.list_models(ep)
    except NarratorError as err:
        return LocalModelsReply(server=url or kind, problem=str(err))
    found = []
    for name in names[:20]:
        try:
            model = local.describe(ep, name, names, config.narrator.local_context)
        except NarratorError as err:  # an embedding model, say: not offered
            log.info("%s", err)
            continue
        found.append(LocalModelInfo(name=model.name, context=model.context))
    fix = "`ollama pull llama3.2` (or any chat model)" if ep.kind == "ollama" else ep.start_hint()
    return LocalModelsReply(server=ep.label, models=found, problem="" if found else f"{ep.label} has no chat models yet: {fix}")
