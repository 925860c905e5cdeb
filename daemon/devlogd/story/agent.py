"""A narrator model as a tool-using agent: the conversation loop, over any transport. Pure code.

The model is sent a request with the read-only tools (:mod:`devlogd.story.tools`); while it
answers with tool calls, they are run (independent calls at once) and their results sent
back; its first answer without a call ends the loop. The bounds are kept here for every
transport: past the calls, the results' tokens or the wall time, the calls asked for are
answered with "not run: write with what you have" and the model is asked to answer without
tools; a model that still calls is stopped with a :class:`NarratorError`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from devlogd.errors import Cancelled, NarratorError
from devlogd.story.tools import SPECS, Bounds, ToolCall, ToolResult, progress_label, tokens_of


@dataclass(frozen=True)
class Turn:
    """One answer of the model, as Messages API content blocks (text and tool_use)."""

    content: list[dict[str, Any]]
    stop_reason: str = "end_turn"
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def text(self) -> str:
        return "".join(str(b.get("text", "")) for b in self.content if b.get("type") == "text")

    @property
    def calls(self) -> list[ToolCall]:
        return [ToolCall(str(b.get("id", "")), str(b.get("name", "")), dict(b.get("input") or {}))
                for b in self.content if b.get("type") == "tool_use"]


SendTurn = Callable[[dict[str, Any]], Turn]
RunTools = Callable[[Sequence[ToolCall]], list[ToolResult]]


@dataclass
class Conversation:
    text: str = ""  # the model's last answer
    readings: list[tuple[ToolCall, ToolResult]] = field(default_factory=list)
    stopped: str = ""  # why the bounds ended the reading early, if they did
    input_tokens: int = 0
    output_tokens: int = 0


def converse(request: dict[str, Any], send: SendTurn, run_tools: RunTools, bounds: Bounds = Bounds(),
             cancelled: threading.Event | None = None, on_progress: Callable[[str], None] = lambda _: None,
             clock: Callable[[], float] = time.monotonic) -> Conversation:
    """Run the conversation ``request`` starts until the model answers without a tool call."""
    messages: list[dict[str, Any]] = list(request["messages"])
    done = Conversation()
    started, calls, spent = clock(), 0, 0
    for _ in range(bounds.calls + 3):  # every turn but the last runs at least one call
        if cancelled is not None and cancelled.is_set():
            raise Cancelled("the draft was cancelled")
        body: dict[str, Any] = {**request, "messages": messages, "tools": list(SPECS)}
        if done.stopped:
            body["tool_choice"] = {"type": "none"}
        turn = send(body)
        done.input_tokens += turn.input_tokens
        done.output_tokens += turn.output_tokens
        asked = turn.calls
        if not asked:
            done.text = turn.text
            return done
        if done.stopped:
            raise NarratorError(f"the model kept asking for tools after it was told to stop ({done.stopped})")
        messages.append({"role": "assistant", "content": turn.content})
        over = _over(bounds, calls + len(asked), spent, clock() - started)
        if over:
            done.stopped = over
            results = [ToolResult(c.id, f"not run: {over}; write with what you have", error=True) for c in asked]
        else:
            for call in asked:
                on_progress(progress_label(call))
            results = run_tools(asked)
            calls += len(asked)
            spent += sum(tokens_of(r.text) for r in results)
            done.readings += list(zip(asked, results))
        messages.append({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": r.id, "content": r.text, **({"is_error": True} if r.error else {})}
            for r in results]})
    raise NarratorError(f"the model kept asking for tools past {bounds.calls} calls")


def _over(bounds: Bounds, calls: int, tokens: int, seconds: float) -> str:
    if calls > bounds.calls:
        return f"the {bounds.calls} tool calls allowed are used up"
    if tokens > bounds.tokens:
        return f"the tools' results already hold ~{tokens:,} tokens (the bound is {bounds.tokens:,})"
    if seconds > bounds.seconds:
        return f"the reading has taken {seconds:.0f} s (the bound is {bounds.seconds:.0f} s)"
    return ""


def readings_text(readings: Sequence[tuple[ToolCall, ToolResult]], limit: int) -> str:
    """What the tools showed, for the writer: each call and its result, within ``limit``
    bytes (the latest results give way first: the plan was made from all of them)."""
    parts: list[str] = []
    used = 0
    for call, result in readings:
        if result.error:
            continue
        args = ", ".join(f"{k}={v!r}" for k, v in call.args.items())
        part = f"### {call.name}({args})\n{result.text.strip()}"
        if used + len(part.encode()) > limit:
            parts.append(f"[{len(readings) - len(parts)} more results left out for length]")
            break
        parts.append(part)
        used += len(part.encode())
    return "\n\n".join(parts)
