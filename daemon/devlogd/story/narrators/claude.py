"""The Claude narrator. The only module that imports anthropic (lazily: ~0.75 s).

Streams the post as it is written, retries what the SDK retries (429, 529, 5xx,
timeouts), and turns every failure into a :class:`NarratorError` with a message a user
can act on; the caller then falls back to the offline narrator. A partial stream is never
returned as a post.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
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


def estimate_cost(model: str, input_tokens: int, output_tokens: int) -> float:
    for family, (per_in, per_out) in PRICES.items():
        if family in model:
            return (input_tokens * per_in + output_tokens * per_out) / 1_000_000
    return 0.0


class ClaudeNarrator:
    def __init__(self, credentials: Credentials, timeout: float = 600.0, max_retries: int = 3) -> None:
        self.credentials = credentials
        self.timeout = timeout
        self.max_retries = max_retries

    def _client(self) -> Any:
        import anthropic

        return anthropic.AsyncAnthropic(
            api_key=self.credentials.api_key,
            base_url=self.credentials.base_url,
            timeout=self.timeout,
            max_retries=self.max_retries,
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
                async with client.messages.stream(**request) as stream:
                    async for text in stream.text_stream:
                        parts.append(text)
                        if on_text is not None:
                            on_text(text)
                    final = await stream.get_final_message()
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
        try:
            return asyncio.run(factory())
        except (NarratorError, Cancelled):
            raise
        except Exception as err:
            raise NarratorError(explain(err, self.credentials.base_url)) from err


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
        return "rate-limited by the API (429) even after retrying; try again in a minute"
    if isinstance(err, anthropic.InternalServerError):
        status = getattr(err, "status_code", 500)
        what = "overloaded" if status == 529 else f"failing ({status})"
        return f"the API is {what} even after retrying; try again later"
    if isinstance(err, anthropic.APITimeoutError):
        return f"the API did not answer in time ({where})"
    if isinstance(err, anthropic.APIConnectionError):
        return f"cannot reach the API at {where}: network down or wrong ANTHROPIC_BASE_URL"
    if isinstance(err, anthropic.APIStatusError):
        return f"the API answered {err.status_code}: {err.message}"
    if isinstance(err, anthropic.APIResponseValidationError):
        return "the API's answer was malformed"
    # Mid-stream, the HTTP layer's own errors come through unwrapped.
    kind = type(err).__name__
    if "Timeout" in kind:
        return f"the API did not answer in time ({where}); the stream stopped midway"
    if kind in ("ReadError", "RemoteProtocolError", "ConnectError", "WriteError", "NetworkError"):
        return f"the connection to {where} broke while the post was being written"
    return f"the narrator failed: {kind}: {err}"
