"""Ollama's chat API with tools, for a local model that can call them: an agent's turn
(:mod:`devlogd.story.agent`, Anthropic-shaped) as `/api/chat` with `tools`, answered whole.
Standard library only, as :mod:`devlogd.story.narrators.local` is."""

from __future__ import annotations

import itertools
import json
from typing import Any

from devlogd.errors import NarratorError
from devlogd.story.agent import Turn
from devlogd.story.narrators.local import Endpoint, _call, _explain_chat_error, chat_body

_CALL_IDS = itertools.count(1)


def tool_chat_body(request: dict[str, Any], num_ctx: int) -> dict[str, Any]:
    """The turn's messages (tool_use and tool_result blocks) and the tools' specs as Ollama's chat."""
    body = chat_body({**request, "messages": []}, num_ctx)
    names: dict[str, str] = {}
    for message in request.get("messages", []):
        content = message.get("content", "")
        if isinstance(content, str):
            body["messages"].append({"role": message["role"], "content": content})
            continue
        text = "".join(str(b.get("text", "")) for b in content if b.get("type") == "text")
        calls = [b for b in content if b.get("type") == "tool_use"]
        results = [b for b in content if b.get("type") == "tool_result"]
        names.update({str(b.get("id")): str(b.get("name")) for b in calls})
        if calls:
            body["messages"].append({"role": "assistant", "content": text, "tool_calls": [
                {"function": {"name": b.get("name"), "arguments": b.get("input") or {}}} for b in calls]})
        elif results:
            body["messages"] += [{"role": "tool", "content": str(r.get("content", "")),
                                  "tool_name": names.get(str(r.get("tool_use_id")), "")} for r in results]
        else:
            body["messages"].append({"role": message["role"], "content": text})
    if request.get("tools") and (request.get("tool_choice") or {}).get("type") != "none":
        body["tools"] = [{"type": "function", "function": {"name": t["name"], "description": t["description"],
                                                           "parameters": t["input_schema"]}} for t in request["tools"]]
    body["stream"] = False
    return body


def ollama_turn(ep: Endpoint, body: dict[str, Any], timeout: float) -> Turn:
    """One turn of a tool-using conversation through /api/chat."""
    status, payload = _call(ep, "POST", "/api/chat", body, timeout)
    if status != 200 or not isinstance(payload, dict) or payload.get("error"):
        raise NarratorError(_explain_chat_error(ep, body, status, payload))
    found = payload.get("message")
    message: dict[str, Any] = found if isinstance(found, dict) else {}
    text = str(message.get("content") or "")
    blocks: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    for call in message.get("tool_calls") or []:
        function = call.get("function") if isinstance(call, dict) else None
        if not isinstance(function, dict):
            continue
        args = function.get("arguments")
        if isinstance(args, str):  # some models answer the arguments as a JSON string
            try:
                args = json.loads(args)
            except ValueError:
                args = {}
        blocks.append({"type": "tool_use", "id": f"call_{next(_CALL_IDS)}", "name": str(function.get("name", "")),
                       "input": args if isinstance(args, dict) else {}})
    called = any(b["type"] == "tool_use" for b in blocks)
    return Turn(blocks, "tool_use" if called else "end_turn", int(payload.get("prompt_eval_count") or 0),
                int(payload.get("eval_count") or 0))
