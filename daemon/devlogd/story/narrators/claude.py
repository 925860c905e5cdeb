"""The Claude narrator. The only module that imports anthropic (lazily: ~0.75 s).

Streams the post as it is written, retries what is worth retrying (429, 529, 5xx,
timeouts, a dropped connection) within a bounded wait that is said as it happens, and
turns every failure into a :class:`NarratorError` with a message a user can act on. A
partial stream is never returned as a post, and never retried (its text was shown).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from devlogd.errors import Cancelled, NarratorError

T = TypeVar("T")

log = logging.getLogger(__name__)

OnText = Callable[[str], None]

# USD per million tokens (input, output), for the estimate printed before sending.
PRICES = {
    "opus": (15.0, 75.0),
    "sonnet": (3.0, 15.0),
    "haiku": (1.0, 5.0),
}


@dataclass(frozen=True)
class Credentials:
    api_key: str
    base_url: str | None = None


@dataclass(frozen=True)
class Narration:
    text: str
    input_tokens: int = 0
    output_tokens: int = 0
    stop_reason: str = ""


# Waiting between retries: 0.5 s, 1 s, 2 s ... (at most 8 s each, or what the API's
# retry-after asks), never more than RETRY_WAIT_LIMIT in all; past that it fails at once.
RETRY_FIRST_WAIT, RETRY_MAX_WAIT, RETRY_WAIT_LIMIT = 0.5, 8.0, 20.0

# A local estimate of a request's input tokens, for --dry-run without a key. Calibrated on
# Anthropic's own tokenizer (the tokenizer.json the Python SDK shipped up to 0.37), over the
# requests devlog builds from real and synthetic histories: one token per run of letters
# (plus one per further 10 letters), per punctuation mark, 0.8 per digit, 0.5 per newline.
# On those requests it lands within 3% of that tokenizer (tests/story/token_reference.json.gz);
# a flat characters-per-token rule is off by 13-36% there, because the source material is
# dense with numbers, paths and code while the style prompt is plain prose. Newer models'
# tokenizers are not published, so with a key the API's count_tokens is used instead.
_TOKEN_RUNS = re.compile(r"[A-Za-z]+|[0-9]|\n|[^\sA-Za-z0-9]")
MESSAGE_OVERHEAD = 10  # role markers and block boundaries: a few tokens per request


def estimate_tokens(request: dict[str, Any]) -> int:
    """About how many input tokens ``request`` is (its system blocks and messages)."""
    texts = [block.get("text", "") for block in request.get("system", []) if isinstance(block, dict)]
    for message in request.get("messages", []):
        content = message.get("content", "")
        texts.extend([content] if isinstance(content, str)
                     else [b.get("text", "") for b in content if isinstance(b, dict)])
    total = 0.0
    for text in texts:
        for run in _TOKEN_RUNS.finditer(text):
            first = run.group()[0]
            if first.isalpha():
                total += 1 + (len(run.group()) - 1) // 10
            elif first.isdigit():
                total += 0.8
            elif first == "\n":
                total += 0.5
            else:
                total += 1
    return round(total) + MESSAGE_OVERHEAD


def estimate_cost(model: str, input_tokens: int, output_tokens: int) -> float:
    for family, (per_in, per_out) in PRICES.items():
        if family in model:
            return (input_tokens * per_in + output_tokens * per_out) / 1_000_000
    return 0.0


class ClaudeNarrator:
    def __init__(self, credentials: Credentials, timeout: float = 600.0, max_retries: int = 3,
                 on_retry: Callable[[str], None] | None = None) -> None:
        self.credentials = credentials
        self.timeout = timeout
        self.max_retries = max_retries
        self.on_retry = on_retry  # hears "overloaded (529); trying again in 1.0 s (2 of 4)"

    def _client(self) -> Any:
        import anthropic

        return anthropic.AsyncAnthropic(
            api_key=self.credentials.api_key,
            base_url=self.credentials.base_url,
            timeout=self.timeout,
            max_retries=0,  # retried here, where the wait is bounded and can be shown
        )

    def count_tokens(self, request: dict[str, Any]) -> int:
        async def run() -> int:
            client = self._client()
            async with client:
                result = await client.messages.count_tokens(
                    model=request["model"], system=request["system"], messages=request["messages"])
            return int(result.input_tokens)

        tokens: int = self._run(run)
        return tokens

    def complete(self, request: dict[str, Any]) -> str:
        """One non-streaming call; the text of the answer."""
        async def run() -> str:
            client = self._client()
            async with client:
                message = await client.messages.create(**request)
            return "".join(block.text for block in message.content if block.type == "text")

        text: str = self._run(run)
        return text

    def turn(self, request: dict[str, Any], cancelled: threading.Event | None = None) -> Any:
        """One turn of a tool-using conversation (:mod:`devlogd.story.agent`): the answer's
        text and tool_use blocks as plain dicts, retried as every call is, cancellable."""
        from devlogd.story.agent import Turn

        async def ask() -> Turn:
            client = self._client()
            async with client:
                message = await client.messages.create(**request)
            blocks: list[dict[str, Any]] = []
            for block in message.content:
                if block.type == "text":
                    blocks.append({"type": "text", "text": block.text})
                elif block.type == "tool_use":
                    blocks.append({"type": "tool_use", "id": block.id, "name": block.name,
                                   "input": dict(block.input) if isinstance(block.input, dict) else {}})
            usage = message.usage
            return Turn(blocks, str(message.stop_reason or ""), int(usage.input_tokens), int(usage.output_tokens))

        async def run() -> Turn:
            return await _unless_cancelled(ask(), cancelled)

        return self._run(run)

    def batch(self, requests: dict[str, dict[str, Any]], poll: float = 10.0,
              on_status: Callable[[str], None] | None = None) -> dict[str, str]:
        """The Message Batches API (half the price, answers within hours): custom id ->
        answer text; requests that failed are missing from the result."""
        async def run() -> dict[str, str]:
            client = self._client()
            async with client:
                batch = await client.messages.batches.create(
                    requests=[{"custom_id": key, "params": params} for key, params in requests.items()])
                while batch.processing_status != "ended":
                    if on_status is not None:
                        counts = batch.request_counts
                        on_status(f"batch {batch.id}: {counts.processing} still processing")
                    await asyncio.sleep(poll)
                    batch = await client.messages.batches.retrieve(batch.id)
                answers: dict[str, str] = {}
                async for item in await client.messages.batches.results(batch.id):
                    if item.result.type == "succeeded":
                        content = item.result.message.content
                        answers[item.custom_id] = "".join(b.text for b in content if b.type == "text")
                return answers

        answers: dict[str, str] = self._run(run)
        return answers

    def narrate(self, request: dict[str, Any], on_text: OnText | None = None,
                cancelled: threading.Event | None = None) -> Narration:
        async def stream_it() -> Narration:
            client = self._client()
            parts: list[str] = []
            async with client:
                try:
                    async with client.messages.stream(**request) as stream:
                        async for text in stream.text_stream:
                            parts.append(text)
                            if on_text is not None:
                                on_text(text)
                        final = await stream.get_final_message()
                except NarratorError:
                    raise
                except Exception as err:
                    if parts:  # the text so far was shown: a retry would show it twice
                        raise NarratorError(explain(err, self.credentials.base_url)) from err
                    raise
            if final.stop_reason == "max_tokens":
                raise NarratorError(
                    f"the post was cut off at max_tokens={request['max_tokens']}; "
                    "raise [narrator] max_tokens in ~/.config/devlog/config.toml")
            usage = final.usage
            return Narration("".join(parts), int(usage.input_tokens), int(usage.output_tokens),
                             str(final.stop_reason or ""))

        async def run() -> Narration:
            return await _unless_cancelled(stream_it(), cancelled)

        narration: Narration = self._run(run)
        return narration

    def _run(self, factory: Callable[[], Any]) -> Any:
        waited = 0.0
        for attempt in range(self.max_retries + 1):
            try:
                return asyncio.run(factory())
            except (NarratorError, Cancelled):
                raise
            except Exception as err:
                message = explain(err, self.credentials.base_url)
                delay = retry_wait(err, attempt)
                if delay is None or attempt == self.max_retries or waited + delay > RETRY_WAIT_LIMIT:
                    if attempt:
                        message += f" (tried {attempt + 1} times, {waited:.1f} s apart in all)"
                    raise NarratorError(message) from err
                if self.on_retry is not None:
                    self.on_retry(f"{short_reason(err)}; trying again in {delay:.1f} s "
                                  f"({attempt + 2} of {self.max_retries + 1})")
                time.sleep(delay)
                waited += delay
        raise AssertionError("unreachable")  # the loop returns or raises


def retry_wait(err: BaseException, attempt: int) -> float | None:
    """Seconds to wait before trying again, or None when trying again cannot help."""
    import anthropic

    status = getattr(err, "status_code", None)
    retryable = isinstance(err, (anthropic.APIConnectionError, anthropic.RateLimitError,
                                 anthropic.InternalServerError)) or status in (408, 409)
    if not retryable:
        return None
    response = getattr(err, "response", None)
    headers = getattr(response, "headers", None) or {}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            asked = float(str(headers.get(name, ""))) * scale
        except ValueError:
            continue
        if 0 < asked <= 60:  # as the SDK does: other values are not a real request to wait
            return asked
    return min(RETRY_MAX_WAIT, RETRY_FIRST_WAIT * 2.0 ** attempt)


def short_reason(err: BaseException) -> str:
    import anthropic

    status = getattr(err, "status_code", None)
    if isinstance(err, anthropic.RateLimitError):
        return "rate-limited by the API (429)"
    if status == 529:
        return "the API is overloaded (529)"
    if isinstance(err, anthropic.APITimeoutError):
        return "the API did not answer in time"
    if isinstance(err, anthropic.APIConnectionError):
        return "cannot reach the API"
    return f"the API answered {status}" if status else f"the call failed ({type(err).__name__})"


CANCEL_POLL = 0.05  # seconds between looks at the cancel flag while a stream runs


async def _unless_cancelled(work: Awaitable[T], cancelled: threading.Event | None) -> T:
    """``work``, stopped as soon as ``cancelled`` is set: the stream is closed (the API
    stops generating, and billing, when the connection goes), not left to run out even
    when the model is between two chunks."""
    if cancelled is None:
        return await work
    if cancelled.is_set():
        raise Cancelled("the draft was cancelled")
    task = asyncio.ensure_future(work)
    while not task.done():
        await asyncio.wait([task], timeout=CANCEL_POLL)
        if cancelled.is_set() and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            raise Cancelled("the draft was cancelled")
    return task.result()


def explain(err: BaseException, base_url: str | None) -> str:
    """One sentence a user can act on, for every way a call to the API can fail."""
    import anthropic

    where = base_url or "api.anthropic.com"
    if isinstance(err, anthropic.AuthenticationError):
        return "the API key was rejected (401): check ANTHROPIC_API_KEY or `devlog` credentials"
    if isinstance(err, anthropic.PermissionDeniedError):
        return "the API key may not use this model (403)"
    if isinstance(err, anthropic.NotFoundError):
        return "the model was not found (404): check [narrator] model in your config"
    if isinstance(err, anthropic.RateLimitError):
        return "rate-limited by the API (429); try again in a minute"
    if isinstance(err, anthropic.InternalServerError):
        status = getattr(err, "status_code", 500)
        what = "overloaded" if status == 529 else f"failing ({status})"
        return f"the API is {what}; try again later"
    if isinstance(err, anthropic.APITimeoutError):
        return f"the API did not answer in time ({where})"
    if isinstance(err, anthropic.APIConnectionError):
        return f"cannot reach the API at {where}: network down or wrong ANTHROPIC_BASE_URL"
    if isinstance(err, anthropic.APIStatusError):
        return f"the API answered {err.status_code}: {err.message}"
    if isinstance(err, anthropic.APIResponseValidationError):
        return "the API's answer was malformed"
    if isinstance(err, (ValueError, AssertionError)):  # the SDK could not read what came back
        return f"the answer from {where} was malformed ({type(err).__name__}): is it a Messages API server?"
    # Mid-stream, the HTTP layer's own errors come through unwrapped.
    kind = type(err).__name__
    if "Timeout" in kind:
        return f"the API did not answer in time ({where}); the stream stopped midway"
    if kind in ("ReadError", "RemoteProtocolError", "ConnectError", "WriteError", "NetworkError"):
        return f"the connection to {where} broke while the post was being written"
    return f"the narrator failed: {kind}: {err}"
