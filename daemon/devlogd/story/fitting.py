"""Fitting a request to a model's context: a local model reads at most its context, and a
server may cut the rest from the *start* (the storytelling prompt and its rules) without
saying so. So the request is sized before it is sent. Pure code.

What gives way, in order: first the tone example (trimmed paragraph by paragraph, then left
out), then the material (its least important chapters, through the same byte cap every
request has, :func:`devlogd.story.sources.source_material`). The rules, the instructions
and the two most recent chapters never do; a context too small for them is said so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from devlogd.story import prompt
from devlogd.story.material import Material
from devlogd.story.narrators.claude import estimate_tokens
from devlogd.story.sources import MAX_BYTES, source_material

# A local model's tokenizer is not Claude's: the estimate is calibrated on Claude's, and a
# model with a small vocabulary (Mistral's, Phi's) counts up to about a quarter more.
SLACK = 1.25
TEMPLATE = 64  # the chat template's own tokens around the messages
MIN_REPLY, REPLY_SHARE = 512, 4  # the answer gets a quarter of a small context, at least this
MIN_TONE = 300  # a tone example cut shorter than this many tokens teaches nothing: left out
BARE_SYSTEM = 1_500  # the seed without its example, the rules and the instructions, roughly


@dataclass(frozen=True)
class Fit:
    request: dict[str, Any]
    tokens: int  # the request's input tokens, estimated here
    reply: int  # room left for the answer (the request's max_tokens)
    context: int  # the model's context it was fitted to
    tone: str  # "whole", "trimmed" or "left out"
    material_cut: bool  # chapters gave way
    fits: bool  # False: even the smallest request is too large for the context

    @property
    def room(self) -> int:
        """Input tokens (estimated) that fit beside the reply, with the tokenizer's slack."""
        return prompt_room(self.context, self.reply)

    def summary(self) -> str:
        given = []
        if self.tone != "whole":
            given.append(f"the tone example was {self.tone}")
        if self.material_cut:
            given.append("the least important chapters gave way")
        return "; ".join(given)


def reply_room(context: int, max_tokens: int) -> int:
    return max(MIN_REPLY, min(max_tokens, context // REPLY_SHARE))


def prompt_room(context: int, reply: int) -> int:
    return int((context - reply - TEMPLATE) / SLACK)


def material_budget(context: int, max_tokens: int) -> int:
    """The token budget to plan the material with for a model of this context: what is left
    once the answer, the rules and the instructions have their room (the tone example may
    still give way to the material)."""
    return max(0, prompt_room(context, reply_room(context, max_tokens)) - BARE_SYSTEM)


def context_wanted(tokens: int, reply: int) -> int:
    """The context to ask a server for (Ollama's num_ctx): the request with the tokenizer's
    slack and room for its answer, in whole kilotokens (a server that loaded the model with
    that context keeps it for the next request of the same size)."""
    needed = int(tokens * SLACK) + TEMPLATE + reply + 256
    return -(-needed // 1024) * 1024


def fit_request(material: Material, model: str, max_tokens: int, context: int,
                style_posts: Sequence[str] = ()) -> Fit:
    """The request for ``material`` that fits ``context`` tokens with room for the answer."""
    reply = reply_room(context, max_tokens)
    room = prompt_room(context, reply)

    def build(limit: int = MAX_BYTES, tone_chars: int | None = None) -> tuple[dict[str, Any], int]:
        request = prompt.build_request(material, model, reply, style_posts, limit=limit, tone_chars=tone_chars)
        return request, estimate_tokens(request)

    def made(request: dict[str, Any], tokens: int, tone: str, cut: bool = False) -> Fit:
        return Fit(request, tokens, reply, context, tone, cut, tokens <= room)

    whole, tokens = build()
    if tokens <= room:
        return made(whole, tokens, "whole")
    # The tone example gives way first.
    bare, bare_tokens = build(tone_chars=0)
    example = prompt.system_blocks(style_posts)[0]["text"].partition(prompt.TONE_MARKER)[2]
    if bare_tokens <= room:
        spare = room - bare_tokens
        if spare >= MIN_TONE:
            share = spare / max(1, tokens - bare_tokens)
            for _ in range(4):
                trimmed, trimmed_tokens = build(tone_chars=int(len(example) * share))
                if trimmed_tokens <= room:
                    return made(trimmed, trimmed_tokens, "trimmed")
                share *= 0.85
        return made(bare, bare_tokens, "left out")
    # Then the material: the byte cap makes its least important chapters give way.
    limit = len(source_material(material).encode())
    request, used = bare, bare_tokens
    for _ in range(8):
        share = _material_share(request, used)
        limit = min(int(limit * max(0.1, 1 - (used - room) / max(1, share)) * 0.97), int(limit * 0.95))
        request, now = build(limit=limit, tone_chars=0)
        if now >= used:  # only the two most recent chapters are left: nothing more gives way
            break
        used = now
        if used <= room:
            break
    return made(request, used, "left out", cut=True)


def _material_share(request: dict[str, Any], tokens: int) -> int:
    """About how many of a request's tokens are its user message (the material)."""
    user = {**request, "system": []}
    return min(tokens, estimate_tokens(user))
