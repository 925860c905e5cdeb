"""Fitting a request to a local model's context, and reading a local server's address. Pure."""

from __future__ import annotations

import re

import pytest

from devlogd.errors import NarratorError
from devlogd.models import Beat, Hunk, Stats
from devlogd.story import fitting, prompt
from devlogd.story.identity import Identity
from devlogd.story.material import Ask, Material, build_material
from devlogd.story.narrators import local
from devlogd.story.narrators.claude import estimate_tokens


def _beats(count: int) -> list[Beat]:
    kinds = ["feature", "fix", "refactor", "perf", "test", "docs"]
    return [Beat(
        sha=f"{i:040x}", time=1_600_000_000 + i * 3600, kind=kinds[i % len(kinds)],
        message=f"Rework the module_{i % 23} scheduler step {i}"
        + ("\n\nThe queue backed up under load, so requests waited." if i % 5 == 0 else ""),
        areas=[f"module_{i % 23}/"], files=[f"module_{i % 23}/core.py"], identifiers=[f"step_{i}", f"Queue{i % 11}"],
        numbers=[f"MAX_{i % 19} = {i}"],
        excerpt=[Hunk(path=f"module_{i % 23}/core.py", header="run", lines=[f"+    step({i}, retries={n})" for n in range(8)])],
        stats=Stats(files=3, insertions=i % 90, deletions=i % 13), importance=20 + (i * 7) % 60,
    ) for i in range(count)]


@pytest.fixture(scope="module")
def material() -> Material:
    return build_material(_beats(120), Identity("queue", "pyproject.toml"), Ask(ranged=True), max_chapters=12)


def test_a_large_context_gets_the_request_as_claude_would(material: Material) -> None:
    fit = fitting.fit_request(material, "m", 8000, 131_072)
    assert fit.fits and fit.tone == "whole" and not fit.material_cut and fit.summary() == ""
    def untagged(request: dict) -> str:  # the material's boundary is random in every request
        return re.sub(r"source_material_\w+", "source_material", repr(request))

    assert untagged(fit.request) == untagged(prompt.build_request(material, "m", 8000))


@pytest.mark.parametrize("context", [4096, 6144, 8192, 12_288, 16_384, 20_480, 32_768])
def test_every_context_gets_a_request_that_fits_beside_its_reply(material: Material, context: int) -> None:
    fit = fitting.fit_request(material, "m", 8000, context)
    tokens = estimate_tokens(fit.request)
    assert fit.fits and tokens == fit.tokens
    assert tokens * fitting.SLACK + fit.reply + fitting.TEMPLATE <= context
    assert fit.request["max_tokens"] == fit.reply >= fitting.MIN_REPLY
    system = fit.request["system"]
    assert system[1]["text"] == prompt.RULES and "NEVER mention commits" in system[0]["text"]
    # The tone example gives way before the material does.
    assert not fit.material_cut or fit.tone == "left out"
    user = fit.request["messages"][0]["content"]
    assert "step 119" in user and "step 118" in user  # the most recent work is always told


def test_what_gives_way_grows_as_the_context_shrinks(material: Material) -> None:
    fits = {c: fitting.fit_request(material, "m", 8000, c) for c in (32_768, 20_480, 8192, 4096)}
    assert [f.tone for f in fits.values()] == ["whole", "trimmed", "left out", "left out"]
    assert [f.material_cut for f in fits.values()] == [False, False, True, True]
    examples = [len(f.request["system"][0]["text"]) for f in fits.values()]
    assert examples[0] > examples[1] > examples[2] == examples[3]
    threads = [f.request["messages"][0]["content"].count("## Thread") for f in fits.values()]
    assert threads[0] == threads[1] > threads[2] > threads[3] == 2  # the two most recent stay


def test_a_context_too_small_for_the_rules_is_said_not_sent(material: Material) -> None:
    for context in (2048, 3072):
        fit = fitting.fit_request(material, "m", 8000, context)
        assert not fit.fits and fit.tokens > fit.room


def test_the_context_asked_for_holds_the_request_and_its_answer() -> None:
    wanted = fitting.context_wanted(10_000, 8000)
    assert wanted % 1024 == 0 and wanted >= 10_000 * fitting.SLACK + 8000
    assert fitting.context_wanted(10_000, 8000) == fitting.context_wanted(10_001, 8000)  # kilotokens


def test_a_small_context_plans_a_smaller_material() -> None:
    assert fitting.material_budget(131_072, 8000) > 24_000 > fitting.material_budget(8192, 8000) > 0
    assert fitting.material_budget(2048, 8000) == 0


@pytest.mark.parametrize(("written", "kind", "url"), [
    ("", "ollama", "http://127.0.0.1:11434"),
    ("0.0.0.0", "ollama", "http://127.0.0.1:11434"),
    ("0.0.0.0:8888", "ollama", "http://127.0.0.1:8888"),
    ("gpu-box", "ollama", "http://gpu-box:11434"),
    ("http://gpu-box:9000/", "ollama", "http://gpu-box:9000"),
    ("https://llm.example.com/ollama", "ollama", "https://llm.example.com:443/ollama"),
    ("[::1]:11434", "ollama", "http://[::1]:11434"),
    ("", "llamacpp", "http://127.0.0.1:8080"),
])
def test_a_server_address_is_read_as_ollama_reads_ollama_host(written: str, kind: str, url: str) -> None:
    assert local.endpoint(kind, written).url == url


def test_a_bad_address_is_one_sentence() -> None:
    with pytest.raises(NarratorError, match="is not a server address"):
        local.endpoint("ollama", "http://host:port")


@pytest.mark.parametrize(("read", "sent", "context", "cut"), [
    (0, 9000, 16_384, False),  # the server did not say: nothing to judge
    (8900, 9000, 16_384, False),  # another tokenizer, but all of it
    (16_380, 17_000, 16_384, True),  # filled the whole context: older Ollama kept the end
    (2100, 9000, 16_384, True),  # about half a smaller context: newer Ollama's cut
])
def test_a_cut_request_is_told_from_a_whole_one(read: int, sent: int, context: int, cut: bool) -> None:
    assert local.cut_short(read, sent, context) is cut
