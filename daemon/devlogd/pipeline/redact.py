"""Secrets are replaced before anything is stored or sent.

Redaction is a pipeline of layers, each finding spans of ``text`` to replace with
``[REDACTED:<kind>]``; the spans are merged and the text is rebuilt once:

1. blocks: private keys (PEM, OpenSSH, PGP) from BEGIN to END or to the end of the text,
   key bodies without their BEGIN line (a rotated key's diff), PuTTY key files;
2. tokens: provider formats from devlogd/data/secret_rules.toml, looked up by prefix where
   a long run of token characters starts, plus generated-looking quoted strings;
3. credentials in URLs (``scheme://user:password@``) and on command lines (``curl -u``,
   ``--password``, ``mysql -p``);
4. keyword context (pipeline/secret_context.py): a secret-like name beside a value, in
   whatever syntax the file speaks, with entropy deciding for weak names;
5. Kubernetes Secret data in YAML.

Every pattern has bounded quantifiers and every loop a bounded count, so hostile input
costs time linear in its size. A replacement keeps the number of lines: callers redact
many lines at once and split them again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import msgspec

from devlogd.models import FileChange, Hunk
from devlogd.pipeline.secret_context import context_spans
from devlogd.pipeline.secret_layers import block_spans, cli_spans, finds, short_tail, url_spans, yaml_secret_spans
from devlogd.pipeline.secret_rules import Profile, Span, RuleSet, TokenRule, is_mixed, line_bounds, rule_set, shannon_entropy
from devlogd.pipeline.secret_values import profile_for

MARK = "[REDACTED:{}]"
# Longest excerpt line read before redaction; the excerpt shows fewer characters, cut
# only after the secrets in the whole line are gone.
LINE_BOUND = 1024
MESSAGE_BOUND = 65_536  # characters of a commit message read (and redacted)


def redact(text: str, path: str | None = None) -> str:
    """``text`` with every secret replaced by ``[REDACTED:<kind>]``.

    ``path`` is the file the text comes from, if any: it says whether an unquoted value
    is a literal (config files) or an expression (code).
    """
    if not text:
        return text
    spans = find_spans(text, profile_for(path), path or "")
    return _apply(text, spans) if spans else text


def redact_lines(lines: Sequence[str], path: str | None = None, width: int | None = None) -> list[str]:
    """Redact lines together (a key body spans lines), then cut each to ``width``.

    A line at ``LINE_BOUND`` was cut before it came here; its last, partial run of token
    characters is dropped, since a fragment of a token no rule can recognise.
    """
    if not lines:
        return []
    bounded = [drop_partial_token(line) if len(line) >= LINE_BOUND else line for line in lines]
    out = redact("\n".join(bounded), path).split("\n")
    return [line[:width] for line in out] if width is not None else out


def redact_files(lines_by_path: dict[str, list[str]], width: int | None = None) -> dict[str, list[str]]:
    """The lines of several files, redacted in one pass per syntax (code, config, prose)
    rather than one per file: most commits touch files of one kind."""
    groups: dict[tuple[Profile, bool], list[str]] = {}
    for path in lines_by_path:
        groups.setdefault(_syntax(path), []).append(path)
    out: dict[str, list[str]] = {}
    for paths in groups.values():
        joined = [line for path in paths for line in lines_by_path[path]]
        clean = iter(redact_lines(joined, paths[0], width))
        for path in paths:
            out[path] = [next(clean) for _ in lines_by_path[path]]
    return out


def _syntax(path: str) -> tuple[Profile, bool]:
    return profile_for(path), path.endswith((".yaml", ".yml"))


def redact_commit(message: str, files: list[FileChange], hunks: list[tuple[int, Hunk]],
                  names: Sequence[list[str]]) -> str:
    """A commit's message, file names, rename sources and names (constants, definitions),
    redacted in one pass: a file can be named after a token, and `DB_PASSWORD = "..."` is
    a constant. The lists are updated in place; the redacted message is returned.

    The names go first: a key pasted into the message without its END line is redacted to
    the end of the text, which is then the end of the message.
    """
    if len(message) > MESSAGE_BOUND:  # beats keep 2,000 characters; read a little more
        message = drop_partial_token(message[:MESSAGE_BOUND])
    texts = [text for group in names for text in group]
    texts += [part for change in files for part in (change.path, change.old_path or "")]
    texts += [part for _, hunk in hunks for part in (hunk.path, hunk.header)]
    # The same paths and functions come back commit after commit: one found clean once is
    # not read again (each name is a line of its own, redacted alone).
    fresh = list(dict.fromkeys(t for t in texts if t not in _CLEAN_NAMES))
    joined = [text.replace("\n", " ").replace("\r", " ") for text in fresh]
    clean = redact("\n".join([*joined, message])).split("\n")
    redacted = {}
    for name, before, after in zip(fresh, joined, clean):
        if after == before:
            _remember_clean(name)
        else:
            redacted[name] = after
    if redacted:  # rare: a secret in a name
        pieces = iter([redacted.get(text, text) for text in texts])
        for group in names:
            group[:] = [next(pieces) for _ in group]
        files[:] = [msgspec.structs.replace(change, path=next(pieces), old_path=next(pieces) or None)
                    for change in files]
        hunks[:] = [(score, msgspec.structs.replace(hunk, path=next(pieces), header=next(pieces)))
                    for score, hunk in hunks]
    return "\n".join(clean[len(joined):])


_CLEAN_NAMES: dict[str, None] = {}


def _remember_clean(name: str) -> None:
    if len(_CLEAN_NAMES) >= 100_000:
        _CLEAN_NAMES.clear()
    _CLEAN_NAMES[name] = None


def redact_strings(value: Any) -> Any:
    """Every string inside lists and dicts (a request about to be sent), redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [redact_strings(item) for item in value]
    if isinstance(value, dict):
        return {key: redact_strings(item) for key, item in value.items()}
    return value


_TOKEN_TAIL = re.compile(r"[A-Za-z0-9_\-.~+/=]{1,64}\Z")


def drop_partial_token(text: str) -> str:
    """``text`` without a run of token characters at its end (the end of a cut)."""
    tail = _TOKEN_TAIL.search(text, max(0, len(text) - 64))
    return text[: tail.start()] if tail else text


def find_spans(text: str, profile: Profile = "prose", path: str = "") -> list[Span]:
    lowered = text.lower()
    rules = rule_set()
    spans: list[Span] = []
    block_spans(text, lowered, spans)
    _run_spans(text, rules, spans)
    _gated_spans(text, lowered, rules, spans)
    url_spans(text, spans)
    cli_spans(text, lowered, spans)
    context_spans(text, lowered, profile, spans)
    if "kind:" in lowered or path.endswith((".yaml", ".yml")):
        yaml_secret_spans(text, lowered, path, spans)
    return spans


def _apply(text: str, spans: list[Span]) -> str:
    spans.sort()
    pieces: list[str] = []
    done = 0
    index = 0
    while index < len(spans):
        start, end, label = spans[index]
        index += 1
        while index < len(spans) and spans[index][0] < end:  # overlapping finds become one
            end = max(end, spans[index][1])
            index += 1
        start = max(start, done)
        if end <= start:
            continue
        pieces.append(text[done:start])
        pieces.append(MARK.format(label) + "\n" * text.count("\n", start, end))
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


# -- 2. tokens ----------------------------------------------------------------------------

_RUN = re.compile(r"[A-Za-z0-9_\-.~+/=]{16,}")
_SEPARATOR = re.compile(r"[_\-.~+/=]+")
_INNER_HEADS = re.compile(r"[_\-.~+/=]([A-Za-z0-9]{2})")  # the two characters after a separator
_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_")
_HEX = frozenset("0123456789abcdefABCDEF")
_QUOTES = "\"'`"
_DIGESTS = ("sha1-", "sha256-", "sha384-", "sha512-")  # subresource integrity: hashes, not keys
_HEX_CONTEXT = ("key", "token", "secret", "auth", "passw", "client", "sid", "credential", "api")
_DISCORD = re.compile(r"[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,40}")
_MAILGUN = re.compile(r"[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8}")


def _run_spans(text: str, rules: RuleSet, spans: list[Span]) -> None:
    """Long runs of token characters: provider prefixes, key bodies, generated literals."""
    body_lines: list[int] = []
    for run in _RUN.finditer(text):
        start, end = run.span()
        chunk = run.group()
        if _provider(text, start, chunk, rules, spans):
            continue
        if start > 0 and chunk[0] in "+-" and text[start - 1] == "\n":
            start, chunk = start + 1, chunk[1:]  # a diff line's origin
        elif start == 0 and chunk[0] in "+-":
            start, chunk = 1, chunk[1:]
        kind = _shape(text, start, end, chunk)
        if kind:
            spans.append((start, end, kind))
            if kind == "key-body":
                body_lines.append(end)
    for end in body_lines:
        short_tail(text, end, spans)


def _provider(text: str, start: int, chunk: str, rules: RuleSet, spans: list[Span]) -> bool:
    """Provider tokens starting where ``chunk`` starts or after a separator inside it."""
    if rules.heads.isdisjoint(_INNER_HEADS.findall(chunk)) and chunk[:2] not in rules.heads:
        return False  # nearly every identifier and path: no prefix starts anywhere in it
    found = _provider_at(text, start, chunk, 0, rules, spans)
    last = len(chunk) - 8
    for separator in _SEPARATOR.finditer(chunk, 0, last):
        found = _provider_at(text, start, chunk, separator.end(), rules, spans) or found
    return found


def _provider_at(text: str, start: int, chunk: str, head: int, rules: RuleSet, spans: list[Span]) -> bool:
    entries = rules.by_head.get(chunk[head : head + 2])
    if entries:
        for prefix, rule in entries:
            if chunk.startswith(prefix, head) and _match_rule(rule, text, start + head, spans):
                return True
    return False


def _match_rule(rule: TokenRule, text: str, at: int, spans: list[Span]) -> bool:
    match = rule.pattern.match(text, at)
    return match is not None and _accept(rule, match, spans)


def _accept(rule: TokenRule, match: re.Match[str], spans: list[Span]) -> bool:
    group = "secret" if "secret" in rule.pattern.groupindex and match.group("secret") else 0
    value = match.group(group)
    if rule.min_entropy and shannon_entropy(value) < rule.min_entropy:
        return False
    if rule.mixed and not is_mixed(value):
        return False
    spans.append((match.start(group), match.end(group), rule.id))
    return True


def _shape(text: str, start: int, end: int, chunk: str) -> str:
    """Secrets known by their shape alone."""
    size = len(chunk)
    if size >= 40 and _alone_on_line(text, start, end) and _key_body(chunk):
        return "key-body"
    quote = text[start - 1] if start > 0 and text[start - 1] in _QUOTES else ""
    if quote and text.startswith(quote, end):
        if size >= 32 and "." not in chunk and not chunk.startswith(_DIGESTS) \
                and shannon_entropy(chunk) >= 4.3 and _all_classes(chunk):
            return "high-entropy"
        if 32 <= size <= 64 and set(chunk) <= _HEX and _hex_in_context(text, start):
            return "hex-secret"
    if 50 <= size <= 80 and "." in chunk and chunk[0] in "MNO" and _DISCORD.fullmatch(chunk):
        return "discord-token"
    if size == 50 and _MAILGUN.fullmatch(chunk):
        return "mailgun-key"
    return ""


def _alone_on_line(text: str, start: int, end: int) -> bool:
    line_start, line_end = line_bounds(text, start, end)
    before = text[line_start:start]
    after = text[end:line_end]
    return not before.strip(" \t+-\"'") and not after.strip(" \t\"',;\\")


def _key_body(chunk: str) -> bool:
    return set(chunk) <= _BASE64 and _all_classes(chunk) and shannon_entropy(chunk) >= 4.4


def _all_classes(chunk: str) -> bool:
    return any(c.isupper() for c in chunk) and any(c.islower() for c in chunk) and any(
        c.isdigit() for c in chunk)


def _hex_in_context(text: str, at: int) -> bool:
    line_start, _ = line_bounds(text, at, at)
    line = text[line_start:at].lower()
    return any(word in line for word in _HEX_CONTEXT)


def _gated_spans(text: str, lowered: str, rules: RuleSet, spans: list[Span]) -> None:
    """Rules without a fixed prefix, searched only near their gate words."""
    for gate, gated in rules.gated:
        if gate not in lowered:
            continue
        found = finds(lowered, gate)
        for rule in gated:
            done = 0
            for at in found:
                if at < done:
                    continue
                for start in range(max(done, at - rule.back), at + 1):
                    match = rule.pattern.match(text, start)
                    if match is not None and _accept(rule, match, spans):
                        done = match.end()
                        break
