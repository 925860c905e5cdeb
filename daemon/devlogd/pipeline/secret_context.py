"""The keyword-context layer of redaction: a secret-like key name beside a value.

Found from the name outwards: every occurrence of a short stem ("pass", "token", "key", ...)
is a candidate; the whole name around it is read (at most 64 characters each way) and
judged by its words (`DB_PASSWORD` yes, `token_ttl` and `max_tokens` no), then the value
after it is read in whichever syntax follows:

    name = value   name: value   name := value   "name": "value"   name => value   (code, YAML,
                                                                      JSON, INI, TOML, .env)
    <name>value</name>   <add key="name" value="..."/>                (XML, .NET config)
    Password=value;                                                   (connection strings)
    machine host login me password value                              (.netrc syntax)
    the password is value                                             (prose in a message)

A value is kept when it is plainly not a secret: a placeholder, a template, a type
annotation (`access_token: str`), code that computes it (`token = get_token()`), or, for
weak names such as `cache_key`, anything that does not look generated.
"""

from __future__ import annotations

import re
from devlogd.pipeline.secret_layers import finds
from devlogd.pipeline.secret_rules import Profile, RuleSet, Span, line_bounds, rule_set
from devlogd.pipeline.secret_values import (
    PLAIN_WORDY, credential_like, is_benign, is_expression, is_format, is_placeholder, password_like,
    placeholder, prose_word,
)

# Every secret-like name holds one of these ("bearer <token>" is a provider rule's).
_STEMS = ("pass", "pw", "secret", "token", "key", "cred", "auth", "dsn", "conn", "sig", "cookie", "pincode")
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.")
_MAX_NAME = 64
_MAX_OCCURRENCES = 20_000
_WORDS = re.compile(r"[A-Z]{1,64}(?![a-z])|[A-Z]?[a-z]{1,64}|[0-9]{1,64}")
_COMPOUND = ("password", "passwd", "secret", "token", "passphrase", "apikey", "credentials")

_ASSIGN = re.compile(r"[ \t]{0,8}(?P<sep>:=|=>|\?=|\|\|=|==|!=|=|:(?![:/]))[ \t]{0,16}")
_XML_ELEMENT = re.compile(r"(?:[ \t][^<>\n]{0,200})?>(?P<value>[^<\n]{1,512})</")
_XML_PAIR = re.compile(r"[ \t]{1,8}value[ \t]{0,4}=[ \t]{0,4}(?=[\"'])", re.IGNORECASE)
_PROSE = re.compile(
    r"[ \t]{1,4}(?:(?:for|of|on)[ \t]{1,4}[^\s]{1,64}[ \t]{1,4})?(?P<verb>is|was|are|were|to|becomes|became)"
    r"[ \t]{1,4}(?:(?:now|still|just|currently|temporarily|simply)[ \t]{1,4})?(?=\S)",
    re.IGNORECASE,
)
_SPACED = re.compile(r"[ \t]{1,8}(?=\S)")
_LOGIN_PAIR = re.compile(r"\b(?:log[ -]?in|sign[ -]?in|credentials?)[ \t]{1,4}(?:is|are|:)[ \t]{1,4}"
                         r"[^\s/]{1,64}[ \t]{0,4}/[ \t]{0,4}(?=\S)", re.IGNORECASE)
_CHANGE_VERBS = re.compile(r"\b(?:set|sets|change[sd]?|changing|reset|rotate[sd]?|rotating|update[sd]?|switch(?:ed)?)\b")
_TOKEN = re.compile(r"[^\s,;\"'<>(){}\[\]]{1,512}")
_PROSE_TOKEN = re.compile(r"[^\s\"'<>]{1,256}")
_LITERAL = re.compile(r"\"([^\"\n]{1,512})\"|'([^'\n]{1,512})'")
_CODE_WORDS = frozenset("await new yield lambda function async typeof not await require import "
                        "static sizeof ref out in fn move".split())
_QUOTES = "\"'`"
_STRING_PREFIX = re.compile(r"(?:[rRbBuUfF]|[rR][bBfF]|[bBfF][rR])(?=[\"'])")
_SCHEMES = ("bearer", "basic", "token", "bot", "digest", "negotiate", "apikey", "ssws")


def context_spans(text: str, lowered: str, profile: Profile, spans: list[Span]) -> None:
    """Append the spans of values that secret-like names hold in ``text``."""
    rules = rule_set()
    _login_spans(text, lowered, rules, spans)
    found = _occurrences(lowered)
    if not found:
        return
    done = 0
    for at in found:
        if at < done:
            continue  # inside a name or value already read
        start, end = _name_bounds(text, at)
        done = end
        if start < 0:
            continue
        strength = _strength(text[start:end], rules)
        if strength is None:
            continue
        before = len(spans)
        value_end = _read_tail(text, lowered, start, end, strength, profile, rules, spans)
        if len(spans) > before:  # a value kept may hold the next name: `key: DB_PASSWORD=...`
            done = max(done, value_end)


def _occurrences(lowered: str) -> list[int]:
    found = [at for stem in _STEMS if stem in lowered for at in finds(lowered, stem)][:_MAX_OCCURRENCES]
    found.sort()
    return found


def _name_bounds(text: str, at: int) -> tuple[int, int]:
    """The identifier around ``at``; (-1, end) when it is too long to be a key name."""
    start, end, size = at, at, len(text)
    floor = max(0, at - _MAX_NAME)
    while start > floor and text[start - 1] in _NAME_CHARS:
        start -= 1
    ceiling = min(size, at + _MAX_NAME)
    while end < ceiling and text[end] in _NAME_CHARS:
        end += 1
    if (start == floor and start > 0 and text[start - 1] in _NAME_CHARS) or \
            (end == ceiling and end < size and text[end] in _NAME_CHARS):
        while end < size and text[end] in _NAME_CHARS:
            end += 1
        return -1, end
    while end > start and text[end - 1] in ".-":
        end -= 1  # a sentence's full stop or a dash is not part of the name
    return start, end


def _strength(name: str, rules: RuleSet) -> str | None:
    """'strong', 'weak' or None: does this key name hold a secret?"""
    words = [w.lower() for w in _WORDS.findall(name)]
    best: str | None = None
    first = last = -1
    for index, word in enumerate(words):
        if index + 1 < len(words) and (word, words[index + 1]) in rules.name_pairs:
            hit, begin, stop = "strong", index, index + 1
        elif word in rules.strong_names or (len(word) > 7 and word.endswith(_COMPOUND)):
            hit, begin, stop = "strong", index, index
        elif word in rules.weak_names:
            hit, begin, stop = "weak", index, index
        else:
            continue
        if best != "strong" or hit == "strong":
            best, first, last = hit, begin, stop
    if best is None:
        return None
    if any(word in rules.describing for word in words[last + 1:]):
        return None
    if first > 0 and words[first - 1] in rules.qualifying:
        return None
    return best


def _read_tail(text: str, lowered: str, start: int, end: int, strength: str, profile: Profile,
               rules: RuleSet, spans: list[Span]) -> int:
    """Find the value after a secret-like name, judge it, and append its span."""
    line_start, line_end = line_bounds(text, start, end)
    at = end
    opener = text[start - 1] if start > 0 else " "
    quoted_name = opener in _QUOTES and text.startswith(opener, at)
    if quoted_name:
        at += 1  # "api_key": ... and key="Password" value="..."
    if opener == "<":
        element = _XML_ELEMENT.match(text, at, line_end)
        if element:
            return _judge(text, element.start("value"), element.end("value"), True, strength, "config",
                          rules, spans)
    if quoted_name:
        pair = _XML_PAIR.match(text, at, line_end)
        if pair:
            return _value(text, pair.end(), line_end, strength, "config", rules, spans)
    # In code, a name inside a string literal ("Password: ", "token=" + x) is text: the quote
    # that follows it closes that string and opens no value.
    inside = "" if quoted_name or profile != "code" or _in_comment(text, line_start, start) \
        else _open_quote(text, line_start, start)
    assign = _ASSIGN.match(text, at, line_end)
    if assign and assign.end() < line_end:
        value_at = assign.end()
        if inside and text.startswith(inside, value_at):
            return end
        literal = profile == "config" or _env_style(text, start, end, assign)
        mode: Profile = "config" if literal else profile
        if assign.group("sep") in ("==", "!=") and mode == "code":
            strength = "weak"  # `if token == "lambda"`: only a generated literal is a secret
        if _words(text, start, end)[-1:] == ["authorization"]:
            stop = _authorization(text, value_at, line_end, mode, spans)
            if stop >= 0:
                return stop
        return _value(text, value_at, line_end, strength, mode, rules, spans)
    if strength != "strong":
        return end
    # A sentence reads the same inside a string (a docstring, a message): "its secret is ...".
    prose = _PROSE.match(text, at, line_end)
    if prose and (prose.group("verb").lower() != "to"
                  or _CHANGE_VERBS.search(lowered, line_start, start)):
        return _prose_value(text, prose.end(), line_end, rules, spans, strict=True)
    if inside:
        return end
    spaced = _SPACED.match(text, at, line_end)
    if spaced and _netrc(text, lowered, line_start, start, end, line_end, profile):
        return _prose_value(text, spaced.end(), line_end, rules, spans, strict=False)
    if spaced:
        return _spaced_literal(text, spaced.end(), line_end, strength, rules, spans)
    return end


def _in_comment(text: str, line_start: int, at: int) -> bool:
    """Whether ``at`` follows a comment marker on its line: a comment is prose, and its
    apostrophes ("the role's password is ...") open no string."""
    before = text[max(line_start, at - 2048) : at]
    return any(marker in before for marker in ("#", "--", "//", "/*")) or before.lstrip().startswith("*")


def _login_spans(text: str, lowered: str, rules: RuleSet, spans: list[Span]) -> None:
    """The password of a login written as a pair: "the default login is admin / ..."."""
    if not any(word in lowered for word in ("login", "log in", "sign in", "signin", "credential")):
        return
    for match in _LOGIN_PAIR.finditer(text):
        _, line_end = line_bounds(text, match.start(), match.end())
        _prose_value(text, match.end(), line_end, rules, spans, strict=True)


def _open_quote(text: str, line_start: int, at: int) -> str:
    """The quote character of a string literal still open at ``at``, or ''."""
    for quote in "\"'":
        count = text.count(quote, line_start, at) - text.count("\\" + quote, line_start, at)
        if count % 2:
            return quote
    return ""


def _spaced_literal(text: str, at: int, line_end: int, strength: str, rules: RuleSet,
                    spans: list[Span]) -> int:
    """`PASSWORD 'x';` (SQL), `password "x"` (Ruby): a whole literal ending its statement."""
    quote = text[at]
    if quote not in "\"'":
        return at
    close = text.find(quote, at + 1, min(line_end, at + 514))
    if close == -1 or text[close + 1:line_end].strip().lstrip(";,)") not in ("",):
        rest = text[close + 1:line_end].strip() if close != -1 else "x"
        if not rest.startswith("-"):  # `ConvertTo-SecureString "x" -AsPlainText`
            return at
    return _judge(text, at + 1, close, True, strength, "config", rules, spans) + 1

def _words(text: str, start: int, end: int) -> list[str]:
    return [w.lower() for w in _WORDS.findall(text[start:end])]


def _env_style(text: str, start: int, end: int, assign: re.Match[str]) -> bool:
    """`API_TOKEN=value` (shell, .env, Dockerfile): the value is a literal, not code."""
    if assign.group(0) != "=":
        return False
    name = text[start:end]
    return name.isupper() or text[max(0, start - 7):start] == "export "


def _netrc(text: str, lowered: str, line_start: int, start: int, end: int, line_end: int,
           profile: Profile) -> bool:
    """`password value` counts only in .netrc syntax: on a `machine` line, or alone on its
    line in a config file or below a `machine` line."""
    if _words(text, start, end) not in (["password"], ["passwd"], ["pass"], ["pwd"]):
        return False
    line = lowered[line_start:line_end].strip(" \t+-")
    if "machine " in line or line.startswith("default "):
        return True
    before = text[line_start:start].strip(" \t+-")
    tail = text[end:line_end].split()
    alone = not before and len(tail) == 1
    return alone and (profile == "config" or "machine " in lowered[max(0, start - 500):start])


def _value(text: str, at: int, line_end: int, strength: str, profile: Profile,
           rules: RuleSet, spans: list[Span]) -> int:
    prefix = _STRING_PREFIX.match(text, at, line_end)
    if prefix:
        at = prefix.end()  # r"...", b'...', f"..."
    first = text[at] if at < line_end else " "
    if first in "\"'`":
        close = text.find(first, at + 1, min(line_end, at + 514))
        stop = close if close != -1 else min(line_end, at + 513)
        return _judge(text, at + 1, stop, True, strength, profile, rules, spans) + 1
    if first == "{" and profile == "config":
        close = text.find("}", at + 1, min(line_end, at + 514))
        if close != -1 and ":" not in text[at:close]:  # ODBC {p;w}, not a YAML mapping
            return _judge(text, at + 1, close, True, strength, profile, rules, spans)
    if first in "([" or profile != "config":
        return _expression(text, at, line_end, strength, profile, rules, spans)
    stop = _config_value_end(text, at, line_end)
    if stop < line_end and strength == "strong":
        _group_literals(text, stop, line_end, rules, spans)  # `$pw = ConvertTo-SecureString "..."`
    return _judge(text, at, stop, False, strength, profile, rules, spans)


def _config_value_end(text: str, at: int, line_end: int) -> int:
    """An unquoted config value runs to the end of its line, a comment, or a `;`."""
    stop = min(line_end, at + 512)
    for mark in (" #", "\t#", ";", "<", "\"", "'", ", "):
        found = text.find(mark, at, stop)
        if found != -1:
            stop = found
    while stop > at and text[stop - 1] in " \t,\r\\":
        stop -= 1
    return stop


def _expression(text: str, at: int, line_end: int, strength: str, profile: Profile,
                rules: RuleSet, spans: list[Span]) -> int:
    """An unquoted value in code or prose: a literal unless it reads as an expression."""
    token = _TOKEN.match(text, at, line_end)
    stop = token.end() if token else at
    if stop < line_end and text[stop] in "([":
        group_end = _group_end(text, stop, line_end)
        _group_literals(text, stop, group_end, rules, spans)
        return group_end
    if token is None:
        return at
    if token.group() in _CODE_WORDS:
        return stop  # `token = await auth.getAccessToken()`, `key = new Key(...)`
    return _judge(text, at, stop, False, strength, profile, rules, spans)


def _group_end(text: str, at: int, line_end: int) -> int:
    depth, index, limit = 0, at, min(line_end, at + 512)
    while index < limit:
        char = text[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return limit


def _group_literals(text: str, start: int, end: int, rules: RuleSet, spans: list[Span]) -> None:
    """`auth=("admin", "s3cr3t")`, `Client(sid, "0a1b...")`: literal arguments that are not
    plain names or environment variable names go."""
    for match in _LITERAL.finditer(text, start, end):
        group = 1 if match.group(1) is not None else 2
        value = match.group(group)
        if credential_like(value) and not PLAIN_WORDY.fullmatch(value) and not placeholder(value, rules):
            spans.append((match.start(group), match.end(group), "secret-assignment"))


def _authorization(text: str, at: int, line_end: int, profile: Profile, spans: list[Span]) -> int:
    """`Authorization: Bearer <credential>`: whatever follows the scheme goes. -1 when the
    value is code (`authorization = self.headers.get(...)`), read as any other value."""
    prefix = _STRING_PREFIX.match(text, at, line_end)
    start = prefix.end() if prefix else at
    quote = text[start] if start < line_end and text[start] in "\"'" else ""
    if not quote and profile == "code":
        return -1
    start += len(quote)
    stop = text.find(quote, start, line_end) if quote else line_end
    stop = line_end if stop == -1 else stop
    value = text[start:stop]
    scheme = value.split(None, 1)[0].lower() if value.strip() else ""
    if scheme in _SCHEMES and " " in value.strip():
        start += len(value) - len(value.lstrip()) + len(value.split(None, 1)[0])
        start += len(text[start:stop]) - len(text[start:stop].lstrip())
    credential = text[start:stop].rstrip()
    if len(credential) >= 4 and not is_placeholder(credential) and not is_format(credential):
        spans.append((start, start + len(credential), "authorization"))
    return stop


def _prose_value(text: str, at: int, line_end: int, rules: RuleSet, spans: list[Span],
                 strict: bool) -> int:
    """The word after "password is" (``strict``: only if it reads like a password, with a
    digit, a symbol or a capital inside) or after `password` in .netrc syntax."""
    first = text[at] if at < line_end else " "
    if first in "\"'`":
        close = text.find(first, at + 1, min(line_end, at + 258))
        if close != -1:
            return _judge(text, at + 1, close, True, "strong", "prose", rules, spans) + 1
    token = _PROSE_TOKEN.match(text, at, line_end)
    if token is None:
        return at
    stop = token.end()
    while stop > at and text[stop - 1] in ".,;:!?)":
        stop -= 1
    value = text[at:stop]
    if prose_word(value, rules) or (strict and not password_like(value)):
        return stop
    return _judge(text, at, stop, False, "strong", "prose", rules, spans)


def _judge(text: str, start: int, stop: int, quoted: bool, strength: str, profile: Profile,
           rules: RuleSet, spans: list[Span]) -> int:
    value = text[start:stop]
    if not is_benign(value, quoted, strength, profile, rules):
        spans.append((start, stop, "secret-assignment"))
    return stop


