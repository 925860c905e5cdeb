"""A model narrator as an agent: plan with the read-only tools, write to the plan, review
once against the rubric, revise once. The same flow for Claude (Messages API tool use) and a
local model whose server supports tools (Ollama's chat API); the transport is two functions.

Every request passes the redactor again before it is sent, tool results included (they were
redacted when read): a secret in a file the model asks for never reaches the wire.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import msgspec

from devlogd.app.tools import RepoTools
from devlogd.errors import Cancelled, NarratorError
from devlogd.story import planning, prompt
from devlogd.story.agent import Conversation, SendTurn, Turn, converse, readings_text
from devlogd.story.checker import CheckContext, check_post
from devlogd.story.narrators.claude import Narration
from devlogd.story.tools import Bounds

log = logging.getLogger(__name__)

READINGS_BYTES = 24_000  # what the tools showed, as the writer gets it

# Writes one request: (request, stream it?) -> the narration.
Write = Callable[[dict[str, Any], bool], Narration]


@dataclass(frozen=True)
class Told:
    markdown: str
    plan: planning.Plan
    revised: bool
    notes: list[str]


def tell(base: dict[str, Any], send: SendTurn, write: Write, tools: RepoTools, hooks: Any,
         context: CheckContext, shape: str = "", bounds: Bounds = Bounds(),
         grounded: Callable[[str], list[str]] | None = None) -> Told:
    """The post, planned with the tools, written, reviewed and revised once. ``hooks``: a
    draft's (app.drafts.DraftHooks: note, text, cancelled). ``grounded``: the claims of a
    draft its sources contradict (app.grounding), revised away with the review's problems."""
    notes: list[str] = []
    safe_send: SendTurn = lambda body: send(prompt.redact_request(body))
    conversation = converse(prompt.redact_request(planning.plan_request(base, shape)), safe_send, tools.run_all,
                            bounds, hooks.cancelled, getattr(hooks, "activity", None) or hooks.note)
    if conversation.stopped:
        notes.append(f"the planner's reading stopped early: {conversation.stopped}")
    plan = _plan(conversation, shape, notes)
    hooks.note(f"plan: {plan.shape}, about {plan.words:,} words: {plan.idea}" if plan.idea
               else f"plan: {plan.shape}, about {plan.words:,} words")
    written = prompt.redact_request(planning.write_request(
        base, plan, readings_text(conversation.readings, READINGS_BYTES)))
    draft = write(written, True).text
    if hooks.cancelled.is_set():
        raise Cancelled("the draft was cancelled")
    review = safe_send(planning.review_request(written, draft))
    problems = planning.parse_review(review.text) + [str(v) for v in check_post(draft, context)]
    problems += grounded(draft) if grounded is not None else []
    if not problems:
        return Told(draft, plan, False, notes)
    hooks.note(f"the review found {len(problems)} problem(s); revising once")
    revised = write(prompt.redact_request(planning.revise_request(written, draft, problems)), False).text
    if not revised.strip():
        raise NarratorError("the revision came back empty")
    return Told(revised, plan, True, notes)


def _plan(conversation: Conversation, shape: str, notes: list[str]) -> planning.Plan:
    try:
        return planning.parse_plan(conversation.text, shape)
    except ValueError as err:
        notes.append(f"the planner's answer was not a plan ({err}); writing from the material alone")
        return planning.Plan(idea="", shape=shape or "journey")


def plan_dict(plan: planning.Plan) -> dict[str, Any]:
    found: dict[str, Any] = msgspec.to_builtins(plan)
    return found


def dry_run_stages(base: dict[str, Any], shape: str = "") -> dict[str, Any]:
    """What each stage would send, with placeholders for what only the model can make."""
    placeholder = planning.Plan(idea="(the planner's idea)", shape=shape or "(the planner's shape)",
                                show=["(what the plan says to show)"], leave_out=["(what it leaves out)"],
                                facts=["(what the tools showed)"])
    written = planning.write_request(base, placeholder, "(each tool call the planner made, with its redacted result)")
    return {
        "plan": {**prompt.redact_request(planning.plan_request(base, shape)), "tools": "devlog tools specs"},
        "write": prompt.redact_request(written),
        "review": prompt.redact_request(planning.review_request(written, "(the draft)")),
        "revise": "the write request, the draft, and the review's and checker's problems (only when there are any)",
    }


def turn_of(narration: Narration) -> Turn:
    return Turn([{"type": "text", "text": narration.text}], narration.stop_reason,
                narration.input_tokens, narration.output_tokens)
