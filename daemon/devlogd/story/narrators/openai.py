"""The OpenAI-style chat API as a narrator: `/v1/chat/completions`, streamed as server-sent
events, which llama.cpp's `llama-server` (and llama-cpp-python's server), LM Studio and vLLM
all serve. Standard library only, like :mod:`local` (whose connection, bounds and hang-up it
shares); chosen only by `[narrator] provider = "openai"` with `local_url`.

The server fixes the context when it starts, so discovery reads it where the server says:
vLLM's `max_model_len` and llama.cpp's `meta.n_ctx_train` in `/v1/models`, llama.cpp's
`/props`, LM Studio's `/api/v0/models`. A stream ends with `data: [DONE]`; one that stops
before it was cut, and is never the post. `usage.prompt_tokens` (asked for with
`stream_options.include_usage`) says how much of the request was read.
"""

from __future__ import annotations

import http.client
import json
import queue
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from devlogd.errors import Cancelled, NarratorError
from devlogd.story.narrators import guards, local
from devlogd.story.narrators.claude import Narration, OnText
from devlogd.story.narrators.local import Endpoint, LocalModel

SILENCE_POLL = 0.25  # seconds between looks at the cancel flag while the server is silent


def describe(ep: Endpoint, name: str, timeout: float = local.PROBE_TIMEOUT) -> LocalModel:
    """``name`` and the context the server gives it (fixed when the server started)."""
    status, payload = local._call(ep, "GET", "/v1/models", timeout=timeout)
    listed = payload.get("data") if status == 200 and isinstance(payload, dict) else None
    entry: dict[str, Any] = next((m for m in listed or [] if isinstance(m, dict) and m.get("id") == name), {})
    meta: dict[str, Any] = entry["meta"] if isinstance(entry.get("meta"), dict) else {}
    context = _positive(entry.get("max_model_len")) or _props_context(ep, timeout) \
        or _positive(meta.get("n_ctx_train")) or _lmstudio_context(ep, name, timeout)
    # 0: the server does not say (llama-cpp-python's server); [narrator] local_context then tells it.
    return LocalModel(name, context, _positive(meta.get("n_ctx_train")), settable=False)


def _positive(value: Any) -> int:
    return value if isinstance(value, int) and value > 0 else 0


def _props_context(ep: Endpoint, timeout: float) -> int:
    """llama.cpp's context per slot (`-c`), which is less than the model's training context."""
    status, payload = local._call(ep, "GET", "/props", timeout=timeout)
    settings = payload.get("default_generation_settings") if status == 200 and isinstance(payload, dict) else None
    return _positive(settings.get("n_ctx")) if isinstance(settings, dict) else 0


def _lmstudio_context(ep: Endpoint, name: str, timeout: float) -> int:
    status, payload = local._call(ep, "GET", f"/api/v0/models/{name}", timeout=timeout)
    if status != 200 or not isinstance(payload, dict):
        return 0
    return _positive(payload.get("loaded_context_length")) or _positive(payload.get("max_context_length"))


def chat_body(request: dict[str, Any]) -> dict[str, Any]:
    """The Anthropic-shaped request as an OpenAI-style chat: one system message, streamed,
    with the usage at the end (how much of the request the server read)."""
    ollama_shaped = local.chat_body(request, 0)
    return {"model": request["model"], "messages": ollama_shaped["messages"], "stream": True,
            "max_tokens": int(request["max_tokens"]), "stream_options": {"include_usage": True}}


def chat(ep: Endpoint, body: dict[str, Any], timeout: float, on_text: OnText | None = None,
         cancelled: threading.Event | None = None, on_wait: Callable[[float], None] | None = None) -> Narration:
    """Stream one answer; ``timeout`` bounds each silence, the whole answer is bounded by
    WRITE_DEADLINE_FACTOR times it, and a cancel is seen within a quarter of a second."""
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    conn = local._connection(ep, timeout)
    threading.Thread(target=_read_events, args=(ep, conn, body, events), daemon=True,
                     name="devlog-openai-stream").start()
    parts: list[str] = []
    usage: dict[str, Any] = {}
    reason = ""
    most = int(body["max_tokens"]) * guards.TEXT_CHARS_PER_TOKEN + 4_096
    last = started = time.monotonic()
    try:
        while True:
            if time.monotonic() > started + timeout * guards.WRITE_DEADLINE_FACTOR:
                raise NarratorError(f"{ep.label} was still writing after {timeout * guards.WRITE_DEADLINE_FACTOR:g} s; "
                                    "the answer was cut and is not used (raise [narrator] timeout for a slow model)")
            try:
                kind, value = events.get(timeout=SILENCE_POLL)
            except queue.Empty:
                if cancelled is not None and cancelled.is_set():
                    raise Cancelled("the draft was cancelled") from None
                if on_wait is not None and time.monotonic() - last >= local.WAIT_NOTE_EVERY:
                    last = time.monotonic()
                    on_wait(last - started)
                continue
            last = time.monotonic()
            if cancelled is not None and cancelled.is_set():
                raise Cancelled("the draft was cancelled")
            if kind == "failed":
                raise NarratorError(str(value))
            if kind == "done":
                return _finish(ep, body, "".join(parts), reason, usage)
            usage = value.get("usage") or usage
            for choice in value.get("choices") or []:
                text = str((choice.get("delta") or {}).get("content") or "")
                reason = str(choice.get("finish_reason") or reason)
                if text:
                    parts.append(text)
                    if sum(map(len, parts)) > most:
                        raise NarratorError(f"{ep.label} sent more than {most:,} characters for a post of at most "
                                            f"{body['max_tokens']:,} tokens; the answer was cut and is not used")
                    if on_text is not None:
                        on_text(text)
    finally:
        local._hang_up(conn)


def _read_events(ep: Endpoint, conn: http.client.HTTPConnection, body: dict[str, Any],
                 events: queue.Queue[tuple[str, Any]]) -> None:
    """On its own thread: the request, then one event per `data:` line, then "done"."""
    try:
        conn.request("POST", urlsplit(ep.url).path + "/v1/chat/completions", json.dumps(body).encode(),
                     {"Content-Type": "application/json", "Accept": "text/event-stream"})
        response = conn.getresponse()
        if response.status != 200:
            raw = guards.read_bounded(ep.label, response, guards.SMALL_REPLY_BYTES, time.monotonic() + 30)
            events.put(("failed", _explain(ep, body, response.status, raw)))
            return
        most = max(guards.STREAM_FLOOR_BYTES, int(body["max_tokens"]) * guards.STREAM_BYTES_PER_TOKEN)
        for line in guards.stream_lines(ep.label, response, most):
            data = line.strip()
            if not data.startswith(b"data:"):
                continue  # blank separators, comments (": ping"), event names
            data = data[5:].strip()
            if data == b"[DONE]":
                events.put(("done", None))
                return
            event = json.loads(data)
            if isinstance(event, dict) and event.get("error"):
                events.put(("failed", f"{ep.label} failed: {local._error_text(event)}"))
                return
            events.put(("event", event if isinstance(event, dict) else {}))
    except Exception as err:  # noqa: BLE001 - a reader that dies says why; hung up by us, nobody listens
        events.put(("failed", guards.reader_failure(ep.label, err, conn.timeout or 0.0, body["model"],
                                                    "reading the request")))


def _explain(ep: Endpoint, body: dict[str, Any], status: int, raw: bytes) -> str:
    try:
        text = local._error_text(json.loads(raw or b"null"))
    except ValueError:
        text = raw.decode("utf-8", "replace")[:200]
    text = text or f"status {status}"
    if status == 404 and "model" in text.lower():
        return f"the model {body['model']} is not on {ep.label}: set [narrator] local_model to one it serves"
    if "context" in text.lower() and ("exceed" in text.lower() or "longer" in text.lower()):
        return (f"{body['model']} could not read the whole request within the server's context ({text}): "
                "restart the server with a larger context (llama-server's -c, vLLM's --max-model-len, "
                "LM Studio's context length), or narrow the range (--since)")
    return f"{ep.label} failed: {text}"


def _finish(ep: Endpoint, body: dict[str, Any], text: str, reason: str, usage: dict[str, Any]) -> Narration:
    if reason == "length":
        raise NarratorError(f"the post was cut off at max_tokens={body['max_tokens']}; raise [narrator] max_tokens, "
                            "or give the model more context")
    if not text.strip():
        raise NarratorError(f"{body['model']} on {ep.label} answered with nothing")
    return Narration(local._without_thinking(text), int(usage.get("prompt_tokens") or 0),
                     int(usage.get("completion_tokens") or 0), reason or "stop")
