"""The redaction rules as data: every rule fires, runs in bounded time, and leaves ordinary
code, config and prose alone."""

from __future__ import annotations

import random
import re
import string
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devlogd.pipeline import redact as redact_module
from devlogd.pipeline import secret_context, secret_layers, secret_values
from devlogd.pipeline.redact import redact, redact_lines
from devlogd.pipeline.secret_rules import rule_set
from tests.secrets.cases import CASES, NOT_SECRETS
from tests.secrets.check import leaks

try:  # Python 3.11+
    from re import _constants as sre_constants  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # Python 3.10
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

RULES = rule_set().rules


# -- bounded time -----------------------------------------------------------------------

def _unbounded_repeats(nodes: Any, top: bool = True) -> list[str]:
    """Repeats without an upper bound, except a single character class ending the whole
    pattern (`[A-Za-z0-9]{16,}` alone is linear: nothing after it can fail and backtrack)."""
    found: list[str] = []
    items = list(nodes)
    for index, (op, value) in enumerate(items):
        if op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            low, high, sub = value
            single = len(sub) == 1 and sub[0][0] in (sre_constants.IN, sre_constants.LITERAL)
            if high == sre_constants.MAXREPEAT and not (top and single and index == len(items) - 1):
                found.append(f"{op}{{{low},}}")
            found += _unbounded_repeats(sub, top=False)
        elif op == sre_constants.SUBPATTERN:
            found += _unbounded_repeats(value[-1], top=False)
        elif op == sre_constants.BRANCH:
            for branch in value[1]:
                found += _unbounded_repeats(branch, top=False)
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            found += _unbounded_repeats(value[1], top=False)
    return found


def _module_patterns() -> dict[str, re.Pattern[str]]:
    out: dict[str, re.Pattern[str]] = {}
    for module in (redact_module, secret_context, secret_layers, secret_values):
        for name, value in vars(module).items():
            if isinstance(value, re.Pattern):
                out[f"{module.__name__}.{name}"] = value
    for index, (_, patterns) in enumerate(secret_layers._CLI_RULES):
        for pattern in patterns:
            out[f"cli[{index}]"] = pattern
    for rule in RULES:
        out[rule.id] = rule.pattern
    return out


@pytest.mark.parametrize("name", sorted(_module_patterns()))
def test_every_pattern_has_bounded_quantifiers(name: str) -> None:
    pattern = _module_patterns()[name]
    assert _unbounded_repeats(sre_parse.parse(pattern.pattern, pattern.flags)) == [], pattern.pattern


HOSTILE = {
    "names without end": "token" * 40_000,
    "assignments": "password=" * 25_000,
    "dotted words": "a." * 100_000,
    "schemes": "a://" * 50_000,
    "begin lines": "-----BEGIN RSA PRIVATE KEY-----" * 6_000,
    "end lines": "-----END RSA PRIVATE KEY-----\n" * 6_000,
    "prefix runs": "sk-" * 60_000,
    "jwt heads": "eyJ_" * 50_000,
    "quoted names": '"password": "' * 15_000,
    "xml names": "<password " * 20_000,
    "putty headers": "Private-Lines: 99\n" * 10_000,
    "bearer words": "bearer " * 25_000,
    "hex in context": ('"' + "a1" * 32 + '" key ') * 5_000,
    "flags": "-u " * 60_000,
    "one long line": "x = " + "A1b2/" * 40_000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_is_redacted_whole(name: str) -> None:
    # Each input is 150-250 KB; a quadratic rule takes minutes on it. The speed goal (linear,
    # as a ratio to a plain pass) is bench/redact.py's: a test never times itself.
    assert redact(HOSTILE[name])


# -- every rule fires ---------------------------------------------------------------------

def _sample(nodes: Any, rng: random.Random) -> str:
    """A string the parsed pattern matches (lookarounds are not satisfied, only skipped)."""
    out: list[str] = []
    for op, value in nodes:
        if op == sre_constants.LITERAL:
            out.append(chr(value))
        elif op == sre_constants.IN:
            out.append(_pick(value, rng))
        elif op in (sre_constants.NOT_LITERAL, sre_constants.ANY):
            out.append("x")
        elif op in (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT):
            low, high, sub = value
            count = max(low, 1) if high >= 1 and low == 0 and sub[0][0] == sre_constants.IN else low
            count = min(max(count, low), high)
            out.extend(_sample(sub, rng) for _ in range(count))
        elif op == sre_constants.SUBPATTERN:
            out.append(_sample(value[-1], rng))
        elif op == sre_constants.BRANCH:
            out.append(_sample(value[1][0], rng))
    return "".join(out)


def _pick(items: Any, rng: random.Random) -> str:
    allowed: list[str] = []
    for op, value in items:
        if op == sre_constants.NEGATE:
            return "x"
        if op == sre_constants.LITERAL:
            allowed.append(chr(value))
        elif op == sre_constants.RANGE:
            allowed += [chr(c) for c in range(value[0], value[1] + 1)]
        elif op == sre_constants.CATEGORY:
            allowed += list(string.digits if "DIGIT" in str(value) else string.ascii_letters)
    return rng.choice(allowed)


@pytest.mark.parametrize("rule", RULES, ids=[rule.id for rule in RULES])
def test_every_rule_fires_on_its_own_format(rule: Any) -> None:
    rng = random.Random(rule.id)
    parsed = sre_parse.parse(rule.pattern.pattern, rule.pattern.flags)
    for _ in range(50):  # lookaheads are not generated for: draw until one holds
        sample = _sample(parsed, rng)
        match = rule.pattern.search(sample)
        if match is not None:
            break
    assert match is not None, f"no sample generated for {rule.id} matches it: {sample!r}"
    secret = match.group("secret") if "secret" in rule.pattern.groupindex else match.group(0)
    for context in ("{}", "+value = '{}'\n", "see {} here"):
        out = redact(context.format(sample))
        assert secret not in out, f"{rule.id} let {sample!r} through in {context!r}: {out!r}"


# -- the corpus, line by line -------------------------------------------------------------

@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_corpus_case_is_redacted_in_a_diff_a_name_and_a_message(case: Any) -> None:
    texts: list[str] = [redact(case.subject)]
    for path, content in {**case.before, **case.files}.items():
        texts += redact_lines(["+" + line for line in content.splitlines()], path)
        texts.append(redact(path))
    if case.rename:
        texts += [redact(name) for name in case.rename]
    structural_only = case.kind == "structural"  # some need git: rotations, .env, bounds
    assert structural_only or leaks("redacted", "\n".join(texts), [case]) == []


def test_the_corpus_is_large_and_covers_every_kind() -> None:
    kinds = {case.kind for case in CASES}
    assert len(CASES) >= 80 and kinds == {"format", "context", "structural", "source"}
    assert len({case.id for case in CASES}) == len(CASES)
    assert sum(case.kind == "structural" for case in CASES) >= 10
    # The sources the story material reads besides the diff: a remote, README prose, comments
    # and docstrings, notes, tags, branches, author names and dependency files.
    assert sum(case.kind == "source" for case in CASES) >= 9


# -- what must stay ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", NOT_SECRETS)
def test_ordinary_code_config_and_prose_are_left_alone(text: str) -> None:
    assert redact(text) == text
    assert redact(text, "app/main.py") == text


def test_the_seed_prompt_survives_redaction_whole() -> None:
    from devlogd.story.style import seed_prompt

    assert redact(seed_prompt()) == seed_prompt()


LINE_PIECES = st.sampled_from([
    "password = ", "token: ", "-----BEGIN RSA PRIVATE KEY-----", "-----END RSA PRIVATE KEY-----",
    "ghp_", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0", "\n", "\n+", "'", '"', "://u:", "@h",
    "Private-Lines: 3\n", "machine x login y password ", "-u a:", "key=", " ", "sk-", "\r",
])


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(LINE_PIECES, max_size=30), path=st.sampled_from([None, "a.py", "c.yaml", "d.md"]))
def test_redaction_never_joins_drops_or_reorders_lines(pieces: list[str], path: str | None) -> None:
    text = "".join(pieces)
    out = redact(text, path)
    assert out.count("\n") == text.count("\n")
    for before, after in zip(text.split("\n"), out.split("\n")):
        # A line is itself, or marked, or what follows a span that began on a line above.
        assert after == before or "[REDACTED:" in after or before.endswith(after)


def test_excerpt_lines_are_redacted_whole_before_they_are_cut() -> None:
    token = "ghp_" + "Zq8" * 12
    line = "+" + "x" * 149 + '"' + token + '"'
    assert redact_lines([line], "a.js", width=161) == ["+" + "x" * 149 + '"[REDACTED:']
