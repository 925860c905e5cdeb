"""The layers of redaction that find secrets by where they sit rather than by their
format: private key blocks (with or without their BEGIN line), PuTTY key files,
credentials in URLs and on command lines, and the data of Kubernetes Secrets.
"""

from __future__ import annotations

import base64
import binascii
import re

from devlogd.pipeline.secret_rules import Span, is_mixed, shannon_entropy
from devlogd.pipeline.secret_values import is_placeholder

_MAX_FINDS = 10_000  # occurrences of one gate word looked at in one text


# -- 1. blocks ----------------------------------------------------------------------------

_PEM_BEGIN = re.compile(r"-----BEGIN[ A-Z0-9_-]{0,64}PRIVATE KEY(?: BLOCK)?-----")
_PEM_END = re.compile(r"-----END[ A-Z0-9_-]{0,64}PRIVATE KEY(?: BLOCK)?-----")
_BODY_LINE = re.compile(r"[+\- \t\"']{0,16}(?P<body>[A-Za-z0-9+/=]{1,128})[ \t\"',\\n]{0,8}")
_PUTTY_LINES = re.compile(r"Private-Lines:[ \t]{0,4}([0-9]{1,3})")
_PUTTY_MAC = re.compile(r"Private-MAC:[ \t]{0,4}(?P<secret>[0-9a-fA-F]{16,128})")


def block_spans(text: str, lowered: str, spans: list[Span]) -> None:
    covered = 0
    if "-----begin" in lowered:
        for begin in _PEM_BEGIN.finditer(text):
            if begin.start() < covered:
                continue
            end = _PEM_END.search(text, begin.end())
            covered = end.end() if end else len(text)
            spans.append((begin.start(), covered, "private-key"))
    if "-----end" in lowered:
        for end in _PEM_END.finditer(text):
            if end.start() >= covered:  # an END whose BEGIN is not in the text
                _body_above(text, end.start(), spans)
    if "private-lines:" in lowered:
        for header in _PUTTY_LINES.finditer(text):
            if header.start() >= covered:
                covered = _lines_after(text, header.end(), int(header.group(1)), spans)
    if "private-mac:" in lowered:
        for mac in _PUTTY_MAC.finditer(text):
            spans.append((mac.start("secret"), mac.end("secret"), "private-key"))


def _body_above(text: str, at: int, spans: list[Span]) -> None:
    """The key body lines just above an END line (up to 500)."""
    line_start = text.rfind("\n", 0, at) + 1
    for _ in range(500):
        if line_start == 0:
            return
        above = text.rfind("\n", 0, line_start - 1) + 1
        body = _BODY_LINE.fullmatch(text, above, line_start - 1)
        if body is None:
            return
        spans.append((body.start("body"), body.end("body"), "private-key"))
        line_start = above


def _lines_after(text: str, at: int, count: int, spans: list[Span]) -> int:
    """The ``count`` lines after ``at`` (up to 100); returns where they end."""
    line_end = text.find("\n", at)
    stop = at
    for _ in range(min(count, 100)):
        if line_end == -1:
            break
        start, line_end = line_end + 1, text.find("\n", line_end + 1)
        stop = len(text) if line_end == -1 else line_end
        if stop > start:
            spans.append((start, stop, "private-key"))
    return stop


def short_tail(text: str, end: int, spans: list[Span]) -> None:
    """The short last line of a key body, right after its full-length lines."""
    if end >= len(text) or text[end:end + 1] != "\n":
        return
    start = end + 1
    stop = text.find("\n", start)
    stop = len(text) if stop == -1 else stop
    body = _BODY_LINE.fullmatch(text, start, stop)
    if body is not None and len(body.group("body")) >= 4:
        spans.append((body.start("body"), body.end("body"), "key-body"))


def finds(lowered: str, word: str) -> list[int]:
    """Where ``word`` occurs in ``lowered`` (at most 10,000 places)."""
    at = lowered.find(word)
    if at == -1:
        return []  # nearly always: the common case costs one search in C
    found = [at]
    at = lowered.find(word, at + 1)
    while at != -1 and len(found) < _MAX_FINDS:
        found.append(at)
        at = lowered.find(word, at + 1)
    return found




# -- 3. URLs and command lines -----------------------------------------------------------

_URL_USERINFO = re.compile(r"[^\s:/@\"'<>\\]{0,128}:(?P<secret>[^\s@/\"'<>\\]{1,256})@")
_URL_TOKEN = re.compile(r"(?P<secret>[^\s:/@\"'<>\\]{16,256})@")


def url_spans(text: str, spans: list[Span]) -> None:
    """`postgres://app:pw@db`, `redis://:pw@cache`, `https://<token>@host`."""
    for at in finds(text, "://"):
        userinfo = _URL_USERINFO.match(text, at + 3)
        if userinfo and not is_placeholder(userinfo.group("secret")):
            spans.append((userinfo.start("secret"), userinfo.end("secret"), "url-password"))
            continue
        token = _URL_TOKEN.match(text, at + 3)
        if token and shannon_entropy(token.group("secret")) >= 3.5 and is_mixed(token.group("secret")):
            spans.append((token.start("secret"), token.end("secret"), "url-token"))


_FLAG_VALUE = r"(?P<secret>\"[^\"\n]{1,256}\"|'[^'\n]{1,256}'|[^\s\"'\-][^\s\"']{0,255})"
_USER_FLAG = re.compile(r"(?:-u|--user|--basic-auth|--proxy-user)(?:[ \t]{1,4}|=)[\"']?[^\s:\"']{1,128}:"
                        r"(?P<secret>[^\s\"']{1,256})")
_USER_THEN_PASSWORD = re.compile(r"-u[ \t]{0,4}[^\s\-][^\s]{0,63}[ \t]{1,4}-p[ \t]{0,4}(?P<secret>[^\s\-][^\s]{0,255})")
_SECRET_FLAG = re.compile(r"--(?:password|passwd|pass|token|api-key|apikey|api-token|secret|client-secret"
                          r"|auth-token|access-token|private-key|db-password)(?:[ \t]{1,4}|=)" + _FLAG_VALUE)
_MYSQL = re.compile(r"(?:mysql|mysqldump|mysqladmin|mariadb)\b[^\n]{0,200}?[ \t]-p(?P<secret>[^\s\-][^\s]{0,255})")
# Gate word -> the patterns matched where it occurs.
_CLI_RULES: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...] = (
    ("-u", (_USER_FLAG, _USER_THEN_PASSWORD)),
    *((gate, (_USER_FLAG,)) for gate in ("--user", "--basic-auth", "--proxy-user")),
    *((gate, (_SECRET_FLAG,)) for gate in ("--pass", "--token", "--api", "--secret", "--client-secret",
                                           "--auth", "--access", "--private", "--db-pass")),
    ("mysql", (_MYSQL,)),
    ("mariadb", (_MYSQL,)),
    ("sshpass", (re.compile(r"sshpass[ \t]{1,4}-p[ \t]{0,4}(?P<secret>[^\s]{1,256})"),)),
    ("redis-cli", (re.compile(r"redis-cli\b[^\n]{0,200}?[ \t](?:-a|--pass)[ \t]{1,4}(?P<secret>[^\s]{1,256})"),)),
)


def cli_spans(text: str, lowered: str, spans: list[Span]) -> None:
    """Credentials handed to commands: `curl -u me:pw`, `--password pw`, `mysql -ppw`."""
    if "-" not in text:
        return  # every rule has a flag
    long_flags = "--" in text
    for gate, patterns in _CLI_RULES:
        if gate.startswith("--") and not long_flags:
            continue
        for at in finds(lowered, gate):
            for pattern in patterns:
                match = pattern.match(text, at)
                if match is None:
                    continue
                value = match.group("secret").strip("\"'")
                if not is_placeholder(value):
                    start, end = match.span("secret")
                    if text[start] in "\"'":
                        start, end = start + 1, end - 1
                    spans.append((start, end, "command-line-secret"))


# -- 5. Kubernetes Secrets -------------------------------------------------------------------

_YAML_ENTRY = re.compile(r"(?P<indent>[+\- \t]{0,32})[\w.\-\"']{1,128}:[ \t]{1,8}(?P<value>[^\n]{1,4096})")
_YAML_DATA = re.compile(r"(?P<indent>[+\- \t]{0,32})(?:data|stringData):[ \t]{0,32}\Z")
_BASE64_VALUE = re.compile(r"[\"']?(?P<b64>[A-Za-z0-9+/]{12,4096}={0,2})[\"']?[ \t]*")


def yaml_secret_spans(text: str, lowered: str, path: str, spans: list[Span]) -> None:
    """Every value under a Secret's data:/stringData:, and base64 text values in YAML."""
    secret = "kind: secret" in lowered or "kind: \"secret\"" in lowered
    yaml = path.endswith((".yaml", ".yml"))
    data_indent = -1
    offset = 0
    for line in text.split("\n"):
        header = _YAML_DATA.match(line) if secret else None
        entry = _YAML_ENTRY.fullmatch(line)
        if header:
            data_indent = len(header.group("indent").lstrip("+-"))
        elif entry:
            indent = len(entry.group("indent").lstrip("+-"))
            inside = data_indent >= 0 and indent > data_indent
            if not inside and data_indent >= 0 and indent <= data_indent:
                data_indent = -1
            value = entry.group("value").strip()
            if inside and value and value not in ("|", ">", "|-", ">-") and not is_placeholder(value):
                spans.append((offset + entry.start("value"), offset + entry.end("value"), "kubernetes-secret"))
            elif yaml and _encoded_text(value):
                spans.append((offset + entry.start("value"), offset + entry.end("value"), "base64-value"))
        offset += len(line) + 1


def _encoded_text(value: str) -> bool:
    """A base64 value that decodes to text (a password, a URL), as Secrets hold them."""
    match = _BASE64_VALUE.fullmatch(value)
    if match is None or len(match.group("b64")) % 4:
        return False
    try:
        decoded = base64.b64decode(match.group("b64"), validate=True)
    except (binascii.Error, ValueError):
        return False
    printable = sum(32 <= byte < 127 or byte in (9, 10, 13) for byte in decoded)
    return len(decoded) >= 6 and printable >= 0.9 * len(decoded)
