"""Secrets are replaced before anything is stored or sent.

Each rule is a named pattern; the named group ``secret`` (or the whole match) is replaced by
``[REDACTED:<name>]``. Rules run in order, so specific provider formats win over the generic
"secret-looking assignment" rules that follow them.
"""

from __future__ import annotations

import math
import re
from functools import partial
from collections.abc import Callable
from dataclasses import dataclass

MARK = "[REDACTED:{}]"


@dataclass(frozen=True)
class SecretRule:
    name: str
    pattern: re.Pattern[str]
    # Lower-case substrings one of which every match contains: a cheap test that lets
    # most text skip the regex entirely (redaction runs on every line we store).
    hints: tuple[str, ...]
    # keep(value, whole match) is True for values that only look like secrets.
    keep: Callable[[str, str], bool] | None = None


def _rule(name: str, regex: str, keep: Callable[[str, str], bool] | None = None, *,
          hints: tuple[str, ...]) -> SecretRule:
    if not hints:
        raise ValueError(f"secret rule {name} needs hints: a rule without them would never run")
    return SecretRule(name, re.compile(regex), hints, keep)


_SECRET_NAME = (
    r"[A-Za-z0-9_.-]*(?:secret|token|passw(?:or)?d|passwd|pwd|api[_-]?key|apikey|access[_-]?key"
    r"|private[_-]?key|client[_-]?secret|auth[_-]?key|credentials?|signing[_-]?key|session[_-]?key"
    r"|encryption[_-]?key|conn(?:ection)?[_-]?string|dsn)[A-Za-z0-9_.-]*"
)


_ENV_STYLE = re.compile(r"(?:^|\s)(?:export\s+)?[A-Z][A-Z0-9_]*=")


def _not_a_secret(value: str, whole: str) -> bool:
    """Values that look assigned to a secret-like name but are plainly not secrets."""
    quoted = value[:1] in "\"'`"
    v = value.strip("\"'`").rstrip(",;")
    if len(v) < 4 or v.isdigit() or v.startswith("[REDACTED"):
        return True
    if v.lower() in {"none", "null", "true", "false", "nil", "undefined", "xxx", "****"}:
        return True
    if v.startswith(("${", "$(", "{{", "<", "%(")):
        return True  # a template or a reference, not a value
    if quoted or _ENV_STYLE.search(whole) or _looks_random(v):
        return False
    # Unquoted code on the right-hand side is an expression: `token = get_token()`.
    return bool(re.fullmatch(r"[A-Za-z_][A-Za-z_.]*(?:\(.*\)|\[.*\])?[),]*", v))


def _looks_random(value: str) -> bool:
    return len(value) >= 20 and shannon_entropy(value) >= 3.5 and any(c.isdigit() for c in value)


def shannon_entropy(text: str) -> float:
    if not text:
        return 0.0
    counts: dict[str, int] = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


# Where a rule has no literal to search for, it starts with a character (class) and checks
# the word boundary behind it: the engine then skips to candidate characters instead of
# testing a boundary at every position (10x faster for twilio-key, 3x for discord-token).
RULES: tuple[SecretRule, ...] = (
    _rule(
        "private-key",
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|[\s\S]*)", hints=("private key",)),
    _rule("aws-access-key", r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b", hints=("akia", "asia", "abia", "acca", "agpa", "aida", "aroa", "anpa")),
    _rule(
        "aws-secret-key",
        r"(?i)aws.{0,20}?(?:secret|key).{0,20}?[\"'=:\s]\s*[\"']?(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])", hints=("aws",)),
    _rule("github-token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})", hints=("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")),
    _rule("gitlab-token", r"\bglpat-[A-Za-z0-9_-]{20,}", hints=("glpat-",)),
    _rule("anthropic-key", r"\bsk-ant-[A-Za-z0-9_-]{20,}", hints=("sk-ant-",)),
    _rule("openai-key", r"\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,}", hints=("sk-",)),
    _rule("slack-token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}", hints=("xox",)),
    _rule("slack-webhook", r"https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_-]+", hints=("hooks.slack.com",)),
    _rule("stripe-key", r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}", hints=("_live_", "_test_")),
    _rule("stripe-webhook-secret", r"\bwhsec_[A-Za-z0-9]{24,}", hints=("whsec_",)),
    _rule("google-api-key", r"\bAIza[0-9A-Za-z_-]{35}", hints=("aiza",)),
    _rule("google-oauth-token", r"\bya29\.[0-9A-Za-z_-]{20,}", hints=("ya29.",)),
    _rule("google-client-secret", r"\bGOCSPX-[0-9A-Za-z_-]{20,}", hints=("gocspx-",)),
    _rule("azure-storage-key", r"(?i)AccountKey=(?P<secret>[A-Za-z0-9+/=]{40,})", hints=("accountkey=",)),
    _rule("sendgrid-key", r"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}", hints=("sg.",)),
    _rule("twilio-key", r"SK(?<=\bSK)[0-9a-f]{32}\b", hints=("sk",)),
    _rule("npm-token", r"\bnpm_[A-Za-z0-9]{36}\b", hints=("npm_",)),
    _rule("pypi-token", r"\bpypi-[A-Za-z0-9_-]{50,}", hints=("pypi-",)),
    _rule("huggingface-token", r"\bhf_[A-Za-z0-9]{30,}", hints=("hf_",)),
    _rule("digitalocean-token", r"\bdo[por]_v1_[a-f0-9]{64}\b", hints=("_v1_",)),
    _rule("shopify-token", r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b", hints=("shpat_", "shpca_", "shppa_", "shpss_")),
    _rule("mailgun-key", r"\bkey-[0-9a-f]{32}\b", hints=("key-",)),
    _rule("discord-token", r"[MN](?<=\b[MN])[A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38}\b", hints=(".",)),
    _rule("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", hints=("eyj",)),
    _rule("bearer-token", r"(?i)\b(?:bearer|token)\s+(?P<secret>[A-Za-z0-9._~+/-]{16,}=*)", hints=("bearer", "token")),
    _rule("basic-auth", r"(?i)\bbasic\s+(?P<secret>[A-Za-z0-9+/]{16,}={0,2})", hints=("basic",)),
    _rule("url-password", r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@\"']+:(?P<secret>[^\s@/\"']+)@", hints=("://",)),
    _rule(
        "high-entropy",
        r"[\"'](?P<secret>[A-Za-z0-9+/_=-]{32,})[\"']",
        keep=lambda v, _: not (_looks_random(v) and shannon_entropy(v) >= 4.3 and _mixed(v)),
        hints=('"', "'"),
    ),
)


def _mixed(value: str) -> bool:
    return any(c.isupper() for c in value) and any(c.islower() for c in value) and any(
        c.isdigit() for c in value
    )


def redact(text: str) -> str:
    """Return ``text`` with every secret replaced by ``[REDACTED:<kind>]``."""
    if not text:
        return text
    lowered = text.lower()
    wanted = {index for hint in _ALL_HINTS if hint in lowered for index in _PASSES_BY_HINT[hint]}
    for index in sorted(wanted):
        text = _PASSES[index][0](text)
    return text


# `name = value` where the name says secret. Found from the secret-like word outwards: a
# regex that starts at every identifier and backtracks to find the word is 20x slower.
_ASSIGNMENT_HINTS = ("secret", "token", "passw", "pwd", "key", "credential", "auth", "dsn", "conn")
_SECRET_WORD = re.compile(
    r"secret|token|passw(?:or)?d|passwd|pwd|api[_-]?key|apikey|access[_-]?key|private[_-]?key"
    r"|auth[_-]?key|credentials?|signing[_-]?key|session[_-]?key|encryption[_-]?key"
    r"|conn(?:ection)?[_-]?string|dsn",
    re.IGNORECASE,
)
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_ASSIGNMENT_TAIL = re.compile(
    r"[A-Za-z0-9_.-]*[\"']?[ \t]*(?::=|=>|[=:])[ \t]*"
    r"(?P<secret>\"[^\"\n]*\"|'[^'\n]*'|`[^`\n]*`|[^\s,;]+)"
)


def _redact_assignments(text: str) -> str:
    pieces: list[str] = []
    done = 0
    for word in _SECRET_WORD.finditer(text):
        if word.start() < done:
            continue
        start = word.start()
        while start > 0 and text[start - 1] in _NAME_CHARS:
            start -= 1
        # Whatever stands before the name ends it (a quote, '=', a space): no boundary test,
        # a generated `url=DB_PASSWORD="..."` once slipped through one.
        tail = _ASSIGNMENT_TAIL.match(text, word.end())
        if tail is None:
            continue
        value = tail.group("secret")
        line_start = text.rfind("\n", 0, start) + 1
        if _not_a_secret(value, text[line_start : tail.end()]):
            continue
        quote = value[0] if value[:1] in "\"'`" and len(value) > 1 else ""
        pieces.append(text[done : tail.start("secret")])
        pieces.append(f"{quote}{MARK.format('secret-assignment')}{quote}")
        done = tail.end("secret")
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def _replace(match: re.Match[str], rule: SecretRule) -> str:
    if "secret" in match.re.groupindex and match.group("secret") is not None:
        value = match.group("secret")
        if rule.keep is not None and rule.keep(value, match.group(0)):
            return match.group(0)
        start, end = match.span("secret")
        offset = match.start()
        whole = match.group(0)
        quote = value[0] if value[:1] in "\"'`" and len(value) > 1 else ""
        mark = f"{quote}{MARK.format(rule.name)}{quote}"
        return whole[: start - offset] + mark + whole[end - offset :]
    if rule.keep is not None and rule.keep(match.group(0), match.group(0)):
        return match.group(0)
    # Keep the line count: callers redact many lines at once and split them again.
    return MARK.format(rule.name) + "\n" * match.group(0).count("\n")


_GENERIC = RULES[-1]


def _rule_pass(rule: SecretRule) -> Callable[[str], str]:
    return partial(rule.pattern.sub, partial(_replace, rule=rule))


# Every pass in order: the provider formats, then secret-like assignments, then the generic
# high-entropy rule. Each hint names the passes it wakes, so a text runs only those.
_PASSES: tuple[tuple[Callable[[str], str], tuple[str, ...]], ...] = (
    *((_rule_pass(rule), rule.hints) for rule in RULES if rule is not _GENERIC),
    (_redact_assignments, _ASSIGNMENT_HINTS),
    (_rule_pass(_GENERIC), _GENERIC.hints),
)


def _passes_by_hint() -> dict[str, list[int]]:
    table: dict[str, list[int]] = {}
    for index, (_, hints) in enumerate(_PASSES):
        for hint in hints:
            table.setdefault(hint, []).append(index)
    return table


_PASSES_BY_HINT = _passes_by_hint()
_ALL_HINTS = tuple(_PASSES_BY_HINT)
