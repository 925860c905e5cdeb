"""A loopback server that speaks like a local model server: Ollama's native `/api/tags`,
`/api/show` and `/api/chat` (NDJSON streaming, chunked), llama.cpp's `/v1/models` and
`/props`, beside the Anthropic-compatible `/v1/messages` (with streaming) of
:class:`tests.messages_server.MessagesServer`.

It behaves as the real servers do where devlog must notice: a context of its own unless
`options.num_ctx` asks for one (and a cap on what it grants, as memory caps a real one), a
prompt longer than the context cut *from the start* without an error (as older Ollama
does; a newer one, told `truncate: false`, refuses with a 400), `prompt_eval_count` in
the last line, a slow first token, a stream cut mid-way. Every request is recorded.
"""

from __future__ import annotations

import json
import re
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.messages_server import MessagesServer, Recorded


@dataclass
class ChatReply:
    text: str = "Hello."
    first_delay: float = 0.0  # seconds before the first word (loading, reading the prompt)
    cut_after: int | None = None  # close the connection after this many chunks, without "done"
    status: int = 200
    error: str = ""  # with a status other than 200: the JSON error
    endless: bool = False  # after the text, the same text again and again, never "done"
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (tool, arguments)


@dataclass
class Model:
    name: str
    context: int = 131_072  # the model's own maximum (model_info's <arch>.context_length)
    capabilities: list[str] = field(default_factory=lambda: ["completion"])
    modified_at: str = "2026-11-01T00:00:00Z"


def count_tokens(text: str) -> int:
    """This server's tokenizer: a word or a punctuation mark is a token."""
    return len(re.findall(r"\w+|[^\w\s]", text))


class LocalModelServer(MessagesServer):
    def __init__(self, models: list[Model] | None = None) -> None:
        self.models = models if models is not None else [Model("llama3.2:latest")]
        self.chat_replies: deque[ChatReply] = deque()
        self.chat_default = ChatReply()
        self.default_context = 4096  # OLLAMA_CONTEXT_LENGTH: used when num_ctx is not asked for
        self.granted_cap: int | None = None  # the most context it grants, whatever is asked
        self.legacy = False  # ignores `truncate: false` (older Ollama): cuts silently
        self.llamacpp_context = 8192  # what /props says (llama-server -c)
        super().__init__()

    def script_chat(self, *replies: ChatReply) -> None:
        self.chat_replies.extend(replies)

    @property
    def chats(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == "/api/chat"]

    def prompt_tokens(self, body: dict[str, Any]) -> int:
        return sum(count_tokens(str(m.get("content", ""))) for m in body.get("messages", [])) + 8

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        base = super()._handler()
        server = self

        class Handler(base):  # type: ignore[valid-type,misc]
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                path = self.path.split("?")[0]
                if path == "/api/tags":
                    self._record(path, {})
                    return self._json(200, {"models": [
                        {"name": m.name, "model": m.name, "modified_at": m.modified_at, "size": 1,
                         "details": {"family": "llama"}} for m in server.models]})
                if path == "/v1/models":
                    self._record(path, {})
                    return self._json(200, {"object": "list", "data": [
                        {"id": m.name, "object": "model", "meta": {"n_ctx_train": m.context}} for m in server.models]})
                if path == "/props":
                    self._record(path, {})
                    return self._json(200, {"default_generation_settings": {"n_ctx": server.llamacpp_context},
                                            "total_slots": 1})
                return base.do_GET(self)  # type: ignore[no-any-return]

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                path = self.path.split("?")[0]
                if path not in ("/api/show", "/api/chat"):
                    return base.do_POST(self)  # type: ignore[no-any-return]
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                self._record(path, body)
                if path == "/api/show":
                    return self._show(body)
                return self._chat(body)

            def _record(self, path: str, body: dict[str, Any]) -> None:
                server.requests.append(Recorded(path, {k.lower(): v for k, v in self.headers.items()}, body))

            def _show(self, body: dict[str, Any]) -> None:
                wanted = body.get("model") or body.get("name")
                model = next((m for m in server.models if m.name == wanted), None)
                if model is None:
                    return self._json(404, {"error": f"model '{wanted}' not found"})
                return self._json(200, {"details": {"family": "llama"}, "capabilities": model.capabilities,
                                        "model_info": {"general.architecture": "llama",
                                                       "llama.context_length": model.context}})

            def _chat(self, body: dict[str, Any]) -> None:
                reply = server.chat_replies.popleft() if server.chat_replies else server.chat_default
                model = next((m for m in server.models if m.name == body.get("model")), None)
                if model is None:
                    return self._json(404, {"error": f"model \"{body.get('model')}\" not found, try pulling it first"})
                if reply.status != 200:
                    return self._json(reply.status, {"error": reply.error or "scripted failure"})
                if body.get("tools") and "tools" not in model.capabilities:  # as Ollama answers
                    return self._json(400, {"error": f"registry.ollama.ai/library/{model.name} does not support tools"})
                asked = (body.get("options") or {}).get("num_ctx") or server.default_context
                context = min(asked, model.context, server.granted_cap or asked)
                prompt = server.prompt_tokens(body)
                read = prompt
                if prompt > context:
                    if body.get("truncate") is False and not server.legacy:
                        return self._json(400, {"error": "the prompt is longer than the context length currently "
                                                         "available to the model"})
                    read = context  # kept: the last `context` tokens; the start is gone
                if body.get("stream") is False:  # one JSON answer (an agent's turn)
                    message: dict[str, Any] = {"role": "assistant", "content": reply.text if not reply.tool_calls else ""}
                    if reply.tool_calls:
                        message["tool_calls"] = [{"function": {"name": n, "arguments": a}} for n, a in reply.tool_calls]
                    return self._json(200, {"model": model.name, "message": message, "done": True,
                                            "done_reason": "stop", "prompt_eval_count": read, "eval_count": 5})
                self.send_response(200)
                self.send_header("content-type", "application/x-ndjson")
                self.send_header("transfer-encoding", "chunked")
                self.end_headers()
                if reply.first_delay:
                    time.sleep(reply.first_delay)
                chunks = [reply.text[i : i + 40] for i in range(0, len(reply.text), 40)]
                if reply.endless:
                    return self._endless(model.name, chunks)
                for index, chunk in enumerate(chunks):
                    if reply.cut_after is not None and index >= reply.cut_after:
                        self.close_connection = True
                        return  # no "done", no terminating chunk: the stream is cut
                    self._line({"model": model.name, "message": {"role": "assistant", "content": chunk},
                                "done": False})
                self._line({"model": model.name, "message": {"role": "assistant", "content": ""}, "done": True,
                            "done_reason": "stop", "prompt_eval_count": read, "eval_count": len(chunks)})
                self._write(b"0\r\n\r\n")
                self.close_connection = True

            def _endless(self, name: str, chunks: list[str]) -> None:
                """A reply that never ends, until the client hangs up."""
                while True:
                    for chunk in chunks:
                        try:
                            data = (json.dumps({"model": name, "message": {"role": "assistant", "content": chunk},
                                                "done": False}) + "\n").encode()
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                        except OSError:
                            self.close_connection = True
                            return

            def _line(self, payload: dict[str, Any]) -> None:
                data = (json.dumps(payload) + "\n").encode()
                self._write(b"%x\r\n%s\r\n" % (len(data), data))

            def _write(self, data: bytes) -> None:
                try:
                    self.wfile.write(data)
                    self.wfile.flush()
                except OSError:
                    pass  # the client hung up (a cancelled draft)

        return Handler
