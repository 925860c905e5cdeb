"""What a local model server is trusted with, and how much of it is trusted back.

A server on this machine is not necessarily the user's: it is sent nothing when another
user owns its socket (:mod:`listeners`). Its answers are bounded — a small JSON reply,
each line of a stream, the whole stream and its time — so a reply that never ends is cut
and said in one sentence rather than read until memory runs out. And the request's text,
written by anyone who can commit, cannot carry a chat template's control tokens
(`<|im_start|>`, `[INST]`...) that would end our turn and start one of its own.
"""

from __future__ import annotations

import http.client
import re
import socket
import time
from collections.abc import Iterator
from typing import Any

from devlogd.errors import NarratorError
from devlogd.story.narrators import listeners

SMALL_REPLY_BYTES = 4 * 1024 * 1024
STREAM_LINE_BYTES = 256 * 1024
STREAM_BYTES_PER_TOKEN, TEXT_CHARS_PER_TOKEN = 2048, 32
STREAM_FLOOR_BYTES = 8 * 1024 * 1024
WRITE_DEADLINE_FACTOR = 4  # the whole answer: at most this many times [narrator] timeout


def refuse_foreign(host: str, port: int, url: str) -> None:
    """A listener on this machine that another user owns is sent nothing."""
    uid = listeners.foreign_owner(host, port)
    if uid is not None:
        raise NarratorError(f"the server listening at {url} belongs to {listeners.describe_uid(uid)}, not to you, "
                            "so devlog sends it nothing: start your own server on another port and name it "
                            "in [narrator] local_url")


def read_bounded(label: str, response: http.client.HTTPResponse, limit: int, deadline: float) -> bytes:
    """A whole small answer, refused past ``limit`` bytes or ``deadline``."""
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read1(65_536):
        size += len(chunk)
        if size > limit:
            raise NarratorError(f"{label} answered with more than {limit:,} bytes; not read further")
        if time.monotonic() > deadline:
            raise NarratorError(f"{label} kept answering past its time; not read further")
        chunks.append(chunk)
    return b"".join(chunks)


def reply_chars(body: dict[str, Any]) -> int:
    """The most text a post of ``num_predict`` tokens can take."""
    return int(body["options"]["num_predict"]) * TEXT_CHARS_PER_TOKEN + 4_096


def stream_bytes(body: dict[str, Any]) -> int:
    """The most a stream of ``num_predict`` tokens can take, one JSON line per token."""
    return max(STREAM_FLOOR_BYTES, int(body["options"]["num_predict"]) * STREAM_BYTES_PER_TOKEN)


class StreamCut(Exception):
    """A stream that ended before its last event, or ran past its bounds; str() is the sentence."""


def stream_lines(label: str, response: http.client.HTTPResponse, most: int) -> Iterator[bytes]:
    """The lines of a streamed answer, each at most STREAM_LINE_BYTES and ``most`` bytes in
    all. The caller returns at the stream's last event; anything else raises StreamCut."""
    received = 0
    while True:
        line = response.readline(STREAM_LINE_BYTES)
        received += len(line)
        if not line:
            raise StreamCut(f"the connection to {label} broke while the post was being written; "
                            "is the server still running?")
        if received > most or (len(line) >= STREAM_LINE_BYTES and not line.endswith(b"\n")):
            raise StreamCut(f"{label} sent more than a post's worth of data; the answer was cut and is not used")
        yield line



def reader_failure(label: str, err: BaseException, silence: float, model: str, waiting_for: str) -> str:
    """The one sentence a stream reader's thread says when it stops on ``err``."""
    if isinstance(err, StreamCut):
        return str(err)
    if isinstance(err, (TimeoutError, socket.timeout)):
        return (f"{label} went silent for {silence:g} s ({model} may still be {waiting_for}; raise [narrator] "
                "timeout in ~/.config/devlog/config.toml, or use a smaller model)")
    return f"the connection to {label} broke while the post was being written ({type(err).__name__})"

# Control tokens of the common chat templates: ChatML and Llama 3 (`<|im_start|>`,
# `<|eot_id|>`...), Llama 2 and Mistral (`[INST]`, `<<SYS>>`, `<s>`), Gemma
# (`<start_of_turn>`). A space inside each keeps the words and breaks the token.
_CHAT_TOKEN = re.compile(r"<\|([A-Za-z0-9_]{1,40})\|>|\[(/?INST)\]|<<(/?SYS)>>|<(/?s)>|<(start_of_turn|end_of_turn)>",
                         re.IGNORECASE)


def _defuse(match: re.Match[str]) -> str:
    text = match.group(0)
    return text[:2] + " " + text[2:-2] + " " + text[-2:] if text[1] in "|<" else text[0] + " " + text[1:-1] + " " + text[-1]


def defuse_chat_tokens(text: str) -> str:
    """``text`` with every chat-template control token broken by spaces (`<| im_start |>`)."""
    return _CHAT_TOKEN.sub(_defuse, text)


def defused(value: Any) -> Any:
    """Every string of a request with its chat-template tokens defused; the structure stays."""
    if isinstance(value, str):
        return defuse_chat_tokens(value)
    if isinstance(value, list):
        return [defused(item) for item in value]
    if isinstance(value, dict):
        return {key: defused(item) for key, item in value.items()}
    return value
