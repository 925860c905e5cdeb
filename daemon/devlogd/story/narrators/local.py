"""Local model servers as narrators: Ollama and llama.cpp's `llama-server`. Standard library
only (http.client), so nothing new is installed and nothing leaves for a third party.

Discovery asks the server which models it has and how much context the chosen one can use:
Ollama's `/api/tags` and `/api/show` (the model's own maximum; the context itself is asked
for per request), llama.cpp's `/v1/models` and `/props` (the context fixed when the server
started). Ollama writes through its native `/api/chat`, the only endpoint that can set the
context (`options.num_ctx`) and that reports how much of the request was read
(`prompt_eval_count`): Ollama cuts an overlong prompt *from the start* without an error,
and the start is the storytelling prompt and its rules. llama.cpp writes through its
Anthropic-compatible `/v1/messages`, by the Claude narrator.

Every failure is a :class:`NarratorError` in one sentence that says how to fix it.
"""

from __future__ import annotations

import http.client
import json
import logging
import queue
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from devlogd.errors import Cancelled, NarratorError
from devlogd.story.narrators import guards
from devlogd.story.narrators.guards import WRITE_DEADLINE_FACTOR
from devlogd.story.narrators.claude import Narration, OnText

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"ollama": 11434, "llamacpp": 8080, "openai": 8080}  # openai: llama-server's
UNKNOWN_CONTEXT = 4096  # a model that does not say its context is assumed small
PROBE_TIMEOUT = 2.0  # seconds for discovery: a local server answers in milliseconds
WAIT_NOTE_EVERY = 30.0  # seconds of silence between "still reading" notes
CUT_RATIO = 0.6  # a server that read less than this share of the estimate cut the request
_EMBEDDING = ("embed", "bge-", "minilm", "rerank")


@dataclass(frozen=True)
class Endpoint:
    kind: str  # "ollama", "llamacpp" or "openai" (any OpenAI-style chat server: narrators/openai)
    url: str  # scheme://host:port, no trailing slash

    @property
    def server(self) -> str:
        return {"ollama": "Ollama", "openai": "the OpenAI-style server"}.get(self.kind, "the llama.cpp server")

    @property
    def label(self) -> str:
        return f"{self.server} at {self.url}"

    def start_hint(self) -> str:
        if self.kind == "ollama":
            return "start it with `ollama serve` (or point OLLAMA_HOST or [narrator] local_url at yours)"
        port = urlsplit(self.url).port or DEFAULT_PORTS["llamacpp"]
        if self.kind == "openai":
            return (f"start one on port {port} (`llama-server -m MODEL.gguf -c 16384 --port {port}`, "
                    "`python -m llama_cpp.server`, LM Studio or vLLM), or point [narrator] local_url at yours")
        return (f"start one with `llama-server -m MODEL.gguf -c 16384 --port {port}` "
                "(or point [narrator] local_url at yours)")


@dataclass(frozen=True)
class LocalModel:
    name: str
    context: int  # tokens one request may use: its prompt and its answer
    maximum: int = 0  # the model's own maximum (0: not known)
    settable: bool = True  # asked for per request (Ollama's num_ctx); else fixed by the server
    chosen: str = ""  # how it was chosen, when nobody named it
    tools: bool = False  # the server says the model can call tools (Ollama's "tools" capability)


def endpoint(kind: str, raw: str = "") -> Endpoint:
    """The server's URL from what a user writes: `http://host:port`, `host:port`, `host`,
    `:port`, or nothing (the default); Ollama's listen-everywhere 0.0.0.0 means this machine."""
    text = raw.strip() or f"127.0.0.1:{DEFAULT_PORTS[kind]}"
    if "://" not in text:
        text = "http://" + text
    parts = urlsplit(text)
    host = parts.hostname or "127.0.0.1"
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    try:
        port = parts.port or (DEFAULT_PORTS[kind] if parts.scheme == "http" else 443)
    except ValueError:
        raise NarratorError(f"{raw!r} is not a server address (try http://127.0.0.1:{DEFAULT_PORTS[kind]})") from None
    shown = f"[{host}]" if ":" in host else host
    return Endpoint(kind, f"{parts.scheme}://{shown}:{port}{parts.path.rstrip('/')}")


# -- HTTP ----------------------------------------------------------------------------------

def _connection(ep: Endpoint, timeout: float) -> http.client.HTTPConnection:
    parts = urlsplit(ep.url)
    guards.refuse_foreign(parts.hostname or "", parts.port or DEFAULT_PORTS[ep.kind], ep.url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    return kind(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)


def _call(ep: Endpoint, method: str, path: str, body: dict[str, Any] | None = None,
          timeout: float = PROBE_TIMEOUT) -> tuple[int, Any]:
    """One small JSON request: (status, decoded body)."""
    conn = _connection(ep, timeout)
    prefix = urlsplit(ep.url).path
    try:
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, prefix + path, data, {"Content-Type": "application/json"})
        response = conn.getresponse()
        raw = guards.read_bounded(ep.label, response, guards.SMALL_REPLY_BYTES, time.monotonic() + timeout * 4)
    except (TimeoutError, socket.timeout):
        raise NarratorError(f"{ep.label} did not answer within {timeout:g} s") from None
    except OSError as err:
        raise NarratorError(f"nothing answers at {ep.url} ({err.strerror or err}): {ep.start_hint()}") from None
    except http.client.HTTPException as err:
        raise NarratorError(f"{ep.url} did not answer as {ep.server} does ({err})") from None
    finally:
        conn.close()
    try:
        return response.status, json.loads(raw or b"null")
    except (ValueError, RecursionError):
        if response.status == 404:
            return 404, None
        raise NarratorError(f"{ep.url} answered, but not as {ep.server} does: "
                            "check [narrator] provider and local_url") from None


def _error_text(payload: Any) -> str:
    if isinstance(payload, dict):
        error = payload.get("error")
        if isinstance(error, dict):
            return str(error.get("message", ""))
        return str(error or "")
    return ""


# -- discovery -----------------------------------------------------------------------------

def list_models(ep: Endpoint, timeout: float = PROBE_TIMEOUT) -> list[str]:
    """The models the server has, most recently changed first (Ollama) or as served."""
    if ep.kind == "ollama":
        status, payload = _call(ep, "GET", "/api/tags", timeout=timeout)
        models = payload.get("models") if isinstance(payload, dict) else None
        if status != 200 or not isinstance(models, list):
            raise NarratorError(f"{ep.url} does not answer /api/tags as Ollama does: check [narrator] provider "
                                "and local_url")
        listed = [m for m in models if isinstance(m, dict) and (m.get("name") or m.get("model"))]
        listed.sort(key=lambda m: str(m.get("modified_at", "")), reverse=True)
        return [str(m.get("name") or m.get("model")) for m in listed]
    status, payload = _call(ep, "GET", "/v1/models", timeout=timeout)
    data = payload.get("data") if isinstance(payload, dict) else None
    if status != 200 or not isinstance(data, list):
        raise NarratorError(f"{ep.url} does not answer /v1/models as {ep.server} does: "
                            "check [narrator] provider and local_url")
    return [str(m["id"]) for m in data if isinstance(m, dict) and m.get("id")]


def discover(ep: Endpoint, wanted: str | None = None, cap: int | None = None,
             timeout: float = PROBE_TIMEOUT) -> LocalModel:
    """The model to write with and the context it can use (at most ``cap`` tokens)."""
    names = list_models(ep, timeout)
    if not names:
        fix = "`ollama pull llama3.2` (or any chat model)" if ep.kind == "ollama" else ep.start_hint()
        raise NarratorError(f"{ep.label} has no models yet: {fix}")
    chosen = ""
    if wanted:
        name = _match(wanted, names)
        if name is None and ep.kind == "ollama":
            raise NarratorError(f"the model {wanted} is not on {ep.label}: run `ollama pull {wanted}` "
                                f"(it has {_some(names)})")
        if name is None:
            name, chosen = names[0], f"it serves {names[0]}, not {wanted}"
    else:
        usable = [n for n in names if not any(mark in n.lower() for mark in _EMBEDDING)] or names
        name = usable[0]
        chosen = (f"the most recent of its {len(names)} models; set [narrator] local_model to choose"
                  if len(names) > 1 else "its only model")
    return describe(ep, name, names, cap, timeout, chosen)


def describe(ep: Endpoint, name: str, names: list[str], cap: int | None = None,
             timeout: float = PROBE_TIMEOUT, chosen: str = "") -> LocalModel:
    """One listed model and the context it can use (at most ``cap`` tokens)."""
    if ep.kind == "openai":
        from devlogd.story.narrators import openai

        model = openai.describe(ep, name, timeout)
    else:
        model = _describe_ollama(ep, name, names, timeout) if ep.kind == "ollama" else _describe_llamacpp(ep, name, timeout)
    if not model.context:  # a server that does not say its context: the user's, else a small one
        context = cap or UNKNOWN_CONTEXT
    else:
        context = min(model.context, cap) if cap else model.context
    return LocalModel(model.name, context, model.maximum, model.settable, chosen, model.tools)


def _match(wanted: str, names: list[str]) -> str | None:
    """The listed name ``wanted`` means: as Ollama reads it, without a tag it is `:latest`."""
    lowered = {n.lower(): n for n in names}
    for candidate in (wanted.lower(), f"{wanted.lower()}:latest"):
        if candidate in lowered:
            return lowered[candidate]
    return None


def _some(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _describe_ollama(ep: Endpoint, name: str, names: list[str], timeout: float) -> LocalModel:
    status, payload = _call(ep, "POST", "/api/show", {"model": name}, timeout)
    if status == 404:
        raise NarratorError(f"the model {name} is not on {ep.label}: run `ollama pull {name}`")
    if status != 200 or not isinstance(payload, dict):
        raise NarratorError(f"{ep.label} could not describe {name}: {_error_text(payload) or status}")
    capabilities = payload.get("capabilities")
    if isinstance(capabilities, list) and capabilities and "completion" not in capabilities:
        others = [n for n in names if n != name]
        raise NarratorError(f"{name} on {ep.label} cannot write text (it can {', '.join(map(str, capabilities))}): "
                            f"set [narrator] local_model to a chat model" + (f" ({_some(others)})" if others else ""))
    info = payload.get("model_info")
    info = info if isinstance(info, dict) else {}
    maximum = next((int(v) for k, v in info.items() if k.endswith(".context_length") and isinstance(v, int)), 0)
    tools = isinstance(capabilities, list) and "tools" in capabilities
    return LocalModel(name, maximum or UNKNOWN_CONTEXT, maximum, settable=True, tools=tools)


def _describe_llamacpp(ep: Endpoint, name: str, timeout: float) -> LocalModel:
    """llama-server's context is per slot, fixed by `-c` when it started."""
    status, payload = _call(ep, "GET", "/props", timeout=timeout)
    settings = payload.get("default_generation_settings") if isinstance(payload, dict) else None
    context = settings.get("n_ctx") if isinstance(settings, dict) else None
    if status != 200 or not isinstance(context, int) or context <= 0:
        context = UNKNOWN_CONTEXT
    return LocalModel(name, context, 0, settable=False)


# -- writing through Ollama's /api/chat ----------------------------------------------------

def chat_body(request: dict[str, Any], num_ctx: int) -> dict[str, Any]:
    """The Anthropic-shaped request as Ollama's native chat: one system message, the
    context asked for, and no silent truncation where the server knows that option."""
    system = "\n\n".join(str(b.get("text", "")) for b in request.get("system", []) if isinstance(b, dict))
    messages = [{"role": "system", "content": system}] if system else []
    for message in request.get("messages", []):
        content = message.get("content", "")
        if not isinstance(content, str):
            content = "".join(str(b.get("text", "")) for b in content if isinstance(b, dict))
        messages.append({"role": message["role"], "content": content})
    return {"model": request["model"], "messages": messages, "stream": True, "truncate": False,
            "options": {"num_ctx": num_ctx, "num_predict": int(request["max_tokens"])}}


def ollama_chat(ep: Endpoint, body: dict[str, Any], timeout: float, on_text: OnText | None = None,
                cancelled: threading.Event | None = None, on_wait: Callable[[float], None] | None = None) -> Narration:
    """Stream one answer. ``timeout`` bounds each silence (loading a model and reading a
    long prompt come before the first word); ``on_wait`` hears every WAIT_NOTE_EVERY s of it.
    A cancel is seen within a quarter of a second, even before the first word."""
    events: queue.Queue[tuple[str, Any]] = queue.Queue()
    conn = _connection(ep, timeout)
    reader = threading.Thread(target=_read_stream, args=(ep, conn, body, events), daemon=True,
                              name="devlog-ollama-stream")
    reader.start()
    parts: list[str] = []
    written, most = 0, guards.reply_chars(body)
    last = started = time.monotonic()
    deadline = started + timeout * WRITE_DEADLINE_FACTOR
    try:
        while True:
            if time.monotonic() > deadline:
                raise NarratorError(f"{ep.label} was still writing after {timeout * WRITE_DEADLINE_FACTOR:g} s; "
                                    "the answer was cut and is not used (raise [narrator] timeout for a slow model)")
            try:
                kind, value = events.get(timeout=0.25)
            except queue.Empty:
                if cancelled is not None and cancelled.is_set():
                    raise Cancelled("the draft was cancelled") from None
                if on_wait is not None and time.monotonic() - last >= WAIT_NOTE_EVERY:
                    last = time.monotonic()
                    on_wait(last - started)
                continue
            last = time.monotonic()
            if kind == "failed":
                raise NarratorError(str(value))
            if cancelled is not None and cancelled.is_set():
                raise Cancelled("the draft was cancelled")
            if value.get("error"):
                raise NarratorError(_explain_chat_error(ep, body, 200, value))
            text = str((value.get("message") or {}).get("content") or "")
            written += len(text)
            if written > most:
                raise NarratorError(f"{ep.label} sent more than {most:,} characters for a post of at most "
                                    f"{body['options']['num_predict']:,} tokens; the answer was cut and is not used")
            if text:
                parts.append(text)
                if on_text is not None:
                    on_text(text)
            if value.get("done"):
                return _finish(ep, body, "".join(parts), value)
    finally:
        _hang_up(conn)


def _read_stream(ep: Endpoint, conn: http.client.HTTPConnection, body: dict[str, Any],
                 events: queue.Queue[tuple[str, Any]]) -> None:
    """On its own thread: the request, then one event per line of the answer."""
    try:
        conn.request("POST", urlsplit(ep.url).path + "/api/chat", json.dumps(body).encode(),
                     {"Content-Type": "application/json"})
        response = conn.getresponse()
        if response.status != 200:
            raw = response.read()
            try:
                payload = json.loads(raw or b"null")
            except ValueError:
                payload = {"error": raw.decode("utf-8", "replace")[:200]}
            events.put(("failed", _explain_chat_error(ep, body, response.status, payload)))
            return
        for line in guards.stream_lines(ep.label, response, guards.stream_bytes(body)):
            if line.strip():
                event = json.loads(line)
                events.put(("line", event))
                if isinstance(event, dict) and event.get("done"):
                    return
    except Exception as err:  # noqa: BLE001 - a reader that dies says why; hung up by us, nobody listens
        events.put(("failed", guards.reader_failure(ep.label, err, conn.timeout or 0.0, body["model"],
                                                    "loading or reading the request")))


def _hang_up(conn: http.client.HTTPConnection) -> None:
    """Close the connection from this thread: the reader's blocked read returns at once, and
    Ollama stops generating when its client goes."""
    sock = conn.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
    conn.close()


def _explain_chat_error(ep: Endpoint, body: dict[str, Any], status: int, payload: Any) -> str:
    text = _error_text(payload) or f"status {status}"
    model = body["model"]
    if status == 404 or "not found" in text:
        return f"the model {model} is not on {ep.label}: run `ollama pull {model}`"
    if "context" in text and ("longer" in text or "exceed" in text):
        return (f"{model} could not read the whole request within the context the server gave it "
                f"(asked for {body['options']['num_ctx']:,} tokens): set [narrator] local_context in "
                "~/.config/devlog/config.toml to what your machine can hold (say 8192) and devlog "
                "fits the material to it")
    if "memory" in text:
        return (f"{ep.label} could not load {model} with a {body['options']['num_ctx']:,}-token context "
                f"({text}): set [narrator] local_context lower, or use a smaller model")
    return f"{ep.label} failed: {text}"


def _finish(ep: Endpoint, body: dict[str, Any], text: str, done: dict[str, Any]) -> Narration:
    reason = str(done.get("done_reason") or "stop")
    if reason == "length":
        raise NarratorError(f"the post was cut off at max_tokens={body['options']['num_predict']}; raise "
                            "[narrator] max_tokens, or give the model more context ([narrator] local_context)")
    if not text.strip():
        raise NarratorError(f"{body['model']} on {ep.label} answered with nothing")
    return Narration(_without_thinking(text), int(done.get("prompt_eval_count") or 0),
                     int(done.get("eval_count") or 0), reason)


def _without_thinking(text: str) -> str:
    """Reasoning models may put their thinking first, in <think> tags: not part of the post."""
    stripped = text.lstrip()
    if stripped.startswith("<think>") and "</think>" in stripped:
        return stripped.split("</think>", 1)[1].lstrip()
    return text


def cut_short(read: int, sent: int, context: int) -> bool:
    """Whether a server read less than it was sent. Ollama cuts an overlong prompt from the
    start without an error: older versions keep the last ``context`` tokens, newer ones
    about half of them. ``read`` is what it says it read (0: it did not say), ``sent`` the
    local estimate, ``context`` what was asked for."""
    if read <= 0:
        return False
    return read >= context - 8 or read < sent * CUT_RATIO
