"""Secrets are replaced before anything is stored or sent.

Each rule is a named pattern; the named group ``secret`` (or the whole match) is replaced by
``[REDACTED:<name>]``. Rules run in order, so specific provider formats win over the generic
"secret-looking assignment" rules that follow them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

MARK = "[REDACTED:{}]"


@dataclass(frozen=True)
class SecretRule:
    name: str
    pattern: re.Pattern[str]
    # keep(value, whole match) is True for values that only look like secrets.
    keep: Callable[[str, str], bool] | None = None


def _rule(name: str, regex: str, keep: Callable[[str, str], bool] | None = None) -> SecretRule:
    return SecretRule(name, re.compile(regex), keep)


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
    return bool(re.match(r"[A-Za-z_][\w.]*", v))


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


RULES: tuple[SecretRule, ...] = (
    _rule(
        "private-key",
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|[\s\S]*)",
    ),
    _rule("aws-access-key", r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b"),
    _rule(
        "aws-secret-key",
        r"(?i)aws.{0,20}?(?:secret|key).{0,20}?[\"'=:\s]\s*[\"']?(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])",
    ),
    _rule("github-token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})"),
    _rule("gitlab-token", r"\bglpat-[A-Za-z0-9_-]{20,}"),
    _rule("anthropic-key", r"\bsk-ant-[A-Za-z0-9_-]{20,}"),
    _rule("openai-key", r"\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_-]{20,}"),
    _rule("slack-token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    _rule("slack-webhook", r"https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9/_-]+"),
    _rule("stripe-key", r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}"),
    _rule("stripe-webhook-secret", r"\bwhsec_[A-Za-z0-9]{24,}"),
    _rule("google-api-key", r"\bAIza[0-9A-Za-z_-]{35}"),
    _rule("google-oauth-token", r"\bya29\.[0-9A-Za-z_-]{20,}"),
    _rule("google-client-secret", r"\bGOCSPX-[0-9A-Za-z_-]{20,}"),
    _rule("azure-storage-key", r"(?i)AccountKey=(?P<secret>[A-Za-z0-9+/=]{40,})"),
    _rule("sendgrid-key", r"\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}"),
    _rule("twilio-key", r"\bSK[0-9a-f]{32}\b"),
    _rule("npm-token", r"\bnpm_[A-Za-z0-9]{36}\b"),
    _rule("pypi-token", r"\bpypi-[A-Za-z0-9_-]{50,}"),
    _rule("huggingface-token", r"\bhf_[A-Za-z0-9]{30,}"),
    _rule("digitalocean-token", r"\bdo[por]_v1_[a-f0-9]{64}\b"),
    _rule("shopify-token", r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b"),
    _rule("mailgun-key", r"\bkey-[0-9a-f]{32}\b"),
    _rule("discord-token", r"\b[MN][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38}\b"),
    _rule("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    _rule("bearer-token", r"(?i)\b(?:bearer|token)\s+(?P<secret>[A-Za-z0-9._~+/-]{16,}=*)"),
    _rule("basic-auth", r"(?i)\bbasic\s+(?P<secret>[A-Za-z0-9+/]{16,}={0,2})"),
    _rule("url-password", r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@\"']+:(?P<secret>[^\s@/\"']+)@"),
    _rule(
        "secret-assignment",
        r"(?im)(?:^|[\s{,(;\"'])(?:export\s+)?[\"']?" + _SECRET_NAME
        + r"[\"']?\s*(?::=|=>|[=:])\s*(?P<secret>\"[^\"\n]*\"|'[^'\n]*'|`[^`\n]*`|[^\s,;]+)",
        keep=_not_a_secret,
    ),
    _rule(
        "high-entropy",
        r"[\"'](?P<secret>[A-Za-z0-9+/_=-]{32,})[\"']",
        keep=lambda v, _: not (_looks_random(v) and shannon_entropy(v) >= 4.3 and _mixed(v)),
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
    for rule in RULES:
        text = rule.pattern.sub(lambda m, r=rule: _replace(m, r), text)
    return text


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
    return MARK.format(rule.name)


def contains_secret(text: str) -> bool:
    return redact(text) != text
