"""A small HTTP server on loopback that speaks Anthropic's Messages API.

The real anthropic SDK is pointed at it (base_url) so tests exercise real requests,
retries, streaming and errors without the network. Replies are scripted per test; every
request is recorded for assertions.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    text: str = "Hello."
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    malformed: bool = False
    stop_reason: str = "end_turn"
    stall_after: int | None = None  # send this many text chunks, then go silent...
    stall_seconds: float = 5.0  # ...for this long
    chunk_delay: float = 0.0  # a slow model: seconds between text chunks
    # A tool-using turn: (tool name, input) pairs answered as tool_use blocks (stop_reason
    # "tool_use"), after the text if any. Non-streaming requests only, as the agent sends them.
    tools: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
               404: "not_found_error", 429: "rate_limit_error", 500: "api_error", 529: "overloaded_error"}


class MessagesServer:
    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.default = Reply()
        self.requests: list[Recorded] = []
        self.batches: dict[str, list[dict[str, Any]]] = {}  # id -> results, answered at once
        self.streams_closed_by_client = 0  # streams the client hung up on midway
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> MessagesServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def script(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    @property
    def message_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/v1/messages")]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                path = self.path.split("?")[0]
                server.requests.append(Recorded(path, {k.lower(): v for k, v in self.headers.items()}, body))
                if path.endswith("/count_tokens"):
                    tokens = len(json.dumps(body)) // 4
                    return self._json(200, {"input_tokens": tokens})
                if path.endswith("/v1/messages/batches"):
                    batch_id = f"msgbatch_{len(server.batches) + 1}"
                    results = []
                    for item in body["requests"]:
                        reply = server.replies.popleft() if server.replies else server.default
                        result = ({"type": "succeeded", "message": _message(item["params"], reply)}
                                  if reply.status == 200 else
                                  {"type": "errored", "error": {"type": "error", "error": {"type": "api_error", "message": "x"}}})
                        results.append({"custom_id": item["custom_id"], "result": result})
                    server.batches[batch_id] = results
                    return self._json(200, self._batch(batch_id))
                reply = server.replies.popleft() if server.replies else server.default
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.status != 200:
                    kind = ERROR_TYPES.get(reply.status, "api_error")
                    return self._json(reply.status, {"type": "error", "error": {"type": kind, "message": f"scripted {reply.status}"}},
                                      {"retry-after-ms": "5", **reply.headers})
                if reply.malformed:
                    return self._raw(200, b"{this is not json", "application/json")
                if body.get("stream"):
                    return self._stream(body, reply)
                return self._json(200, _message(body, reply))

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                path = self.path.split("?")[0]
                server.requests.append(Recorded(path, {k.lower(): v for k, v in self.headers.items()}, {}))
                parts = path.rstrip("/").split("/")
                if "batches" in parts and parts[-1] == "results":
                    lines = "".join(json.dumps(r) + "\n" for r in server.batches[parts[-2]])
                    return self._raw(200, lines.encode(), "application/binary")
                if "batches" in parts:
                    return self._json(200, self._batch(parts[-1]))
                return self._json(404, {"type": "error", "error": {"type": "not_found_error", "message": path}})

            def _batch(self, batch_id: str) -> dict[str, Any]:
                count = len(server.batches[batch_id])
                return {"id": batch_id, "type": "message_batch", "processing_status": "ended",
                        "request_counts": {"processing": 0, "succeeded": count, "errored": 0, "canceled": 0, "expired": 0},
                        "created_at": "2026-11-23T00:00:00Z", "expires_at": "2026-11-24T00:00:00Z",
                        "ended_at": "2026-11-23T00:01:00Z", "archived_at": None, "cancel_initiated_at": None,
                        "results_url": f"{server.url}/v1/messages/batches/{batch_id}/results"}

            def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
                self._raw(status, json.dumps(payload).encode(), "application/json", headers)

            def _raw(self, status: int, data: bytes, kind: str, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, body: dict[str, Any], reply: Reply) -> None:
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.send_header("cache-control", "no-cache")
                self.send_header("connection", "close")
                self.end_headers()
                message = _message(body, reply)
                start = {**message, "content": [], "stop_reason": None, "usage": {"input_tokens": message["usage"]["input_tokens"], "output_tokens": 1}}
                self._event("message_start", {"type": "message_start", "message": start})
                self._event("content_block_start", {"type": "content_block_start", "index": 0,
                                                    "content_block": {"type": "text", "text": ""}})
                for index, chunk in enumerate(_chunks(reply.text)):
                    if reply.stall_after is not None and index >= reply.stall_after:
                        time.sleep(reply.stall_seconds)  # mid-stream silence: the client must time out
                        return
                    time.sleep(reply.chunk_delay)
                    try:
                        self._event("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                            "delta": {"type": "text_delta", "text": chunk}})
                    except (BrokenPipeError, ConnectionResetError):
                        server.streams_closed_by_client += 1
                        return
                self._event("content_block_stop", {"type": "content_block_stop", "index": 0})
                self._event("message_delta", {"type": "message_delta",
                                              "delta": {"stop_reason": reply.stop_reason, "stop_sequence": None},
                                              "usage": {"output_tokens": message["usage"]["output_tokens"]}})
                self._event("message_stop", {"type": "message_stop"})
                self.close_connection = True

            def _event(self, name: str, data: dict[str, Any]) -> None:
                self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
                self.wfile.flush()

        return Handler


_TOOL_IDS = iter(range(1, 1 << 30))


def _message(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": reply.text}] if reply.text or not reply.tools else []
    content += [{"type": "tool_use", "id": f"toolu_{next(_TOOL_IDS):06d}", "name": name, "input": args}
                for name, args in reply.tools]
    return {
        "id": "msg_test", "type": "message", "role": "assistant", "model": body.get("model", "test"),
        "content": content, "stop_reason": "tool_use" if reply.tools else reply.stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": len(json.dumps(body)) // 4, "output_tokens": len(reply.text) // 4},
    }


def _chunks(text: str, size: int = 40) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]
