"""`.devlogignore`: gitignore syntax for paths that must never reach a beat or the wire."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from devlogd.config import read_config_bytes
from devlogd.errors import ConfigError
from devlogd.patterns import Matcher, translated_glob

log = logging.getLogger(__name__)

IGNORE_FILE = ".devlogignore"

# Files whose *contents* never reach a beat, even without a .devlogignore: no excerpt, no
# names, no constants. They are where secrets live. Their names and line counts are facts.
SENSITIVE_CONTENT = (
    ".env",
    ".env.*",
    "*.env",
    ".envrc",
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "id_rsa*",
    "id_ed25519*",
    "id_ecdsa*",
    "id_dsa*",
    "*.ppk",
    "*.jks",
    ".htpasswd",
    ".pgpass",
    ".git-credentials",
    "*.keystore",
    "credentials*",
    "secrets.*",
    ".npmrc",
    ".pypirc",
    ".netrc",
)


@dataclass(frozen=True)
class _Pattern:
    regex: Matcher  # on RE2: a .devlogignore line like "*a*a*a*a*b" comes from the repository
    negated: bool
    dir_only: bool
    source: str = ""  # the regex it was compiled from, to join with the others


def _translate(glob: str) -> str:
    """Translate one gitignore glob (without its leading ! or trailing /) into a regex."""
    anchored = "/" in glob.rstrip("/")
    glob = glob.lstrip("/")
    out: list[str] = []
    i = 0
    while i < len(glob):
        c = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("/**", i) and i + 3 == len(glob):
            out.append("/.*")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = glob.find("]", i + 2)
            body = glob[i + 1 : end].replace("\\", "\\\\") if end != -1 else ""
            if body.startswith("!"):
                body = "^" + body[1:]
            if end == -1 or not _valid_class(body):  # `[z-a]`: a literal, never a crash
                out.append(re.escape(c))
                i += 1
            else:
                out.append(f"[{body}]")
                i = end + 1
        elif c == "\\" and i + 1 < len(glob):
            out.append(re.escape(glob[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    prefix = "" if anchored else "(?:.*/)?"
    return f"{prefix}{''.join(out)}"


def _valid_class(body: str) -> bool:
    try:
        re.compile(f"[{body}]")
    except re.error:
        return False
    return True


def _compile(line: str) -> _Pattern | None:
    line = line.rstrip("\n").rstrip("\r")
    if not line.strip() or line.startswith("#"):
        return None
    if not line.endswith("\\ "):
        line = line.rstrip()
    negated = line.startswith("!")
    if negated:
        line = line[1:]
    elif line.startswith("\\!") or line.startswith("\\#"):
        line = line[1:]
    dir_only = line.endswith("/")
    body = _translate(line.rstrip("/"))
    source = body + r"\z"
    regex = translated_glob(source)
    if regex is None:
        log.warning("ignored a pattern devlog cannot read: %r", line)
        return None
    return _Pattern(regex, negated, dir_only, source)


class PathFilter:
    """Decides whether a repository-relative path is ignored (last matching pattern wins)."""

    def __init__(self, lines: Iterable[str] = ()) -> None:
        self._patterns = [p for p in (_compile(line) for line in lines) if p is not None]
        self._verdicts: dict[str, bool] = {}  # paths recur in every commit that touches them
        # Most paths match no pattern at all: one RE2 call over every pattern at once says
        # so, where a call per pattern cost a backfill an eighth of its time.
        self._any_file = _any_of([p for p in self._patterns if not p.dir_only])
        self._any_dir = _any_of(self._patterns)

    def __bool__(self) -> bool:
        return bool(self._patterns)

    @classmethod
    def from_file(cls, path: Path) -> PathFilter:
        return cls(ignore_lines(path))

    def ignored(self, path: str) -> bool:
        if not self._patterns:
            return False
        verdict = self._verdicts.get(path)
        if verdict is None:
            if len(self._verdicts) > 100_000:
                self._verdicts.clear()
            verdict = self._verdicts[path] = self._ignored(path)
        return verdict

    def _ignored(self, path: str) -> bool:
        parts = path.strip("/").split("/")
        # A path is ignored when it, or any directory above it, matches.
        for depth in range(1, len(parts) + 1):
            candidate = "/".join(parts[:depth])
            is_dir = depth < len(parts)
            if self._match(candidate, is_dir):
                return True
        return False

    def _match(self, candidate: str, is_dir: bool) -> bool:
        any_match = self._any_dir if is_dir else self._any_file
        if any_match is not None and not any_match.match(candidate):
            return False
        verdict = False
        for pattern in self._patterns:
            if pattern.dir_only and not is_dir:
                continue
            if pattern.regex.match(candidate):
                verdict = not pattern.negated
        return verdict


def _any_of(patterns: list[_Pattern]) -> Matcher | None:
    """One matcher for "some pattern matches"; None when there is nothing to join."""
    if not patterns:
        return None
    return translated_glob("|".join(f"(?:{p.source})" for p in patterns))


SENSITIVE = PathFilter(SENSITIVE_CONTENT)
MAX_IGNORE_BYTES = 1 << 20


def ignore_lines(path: Path) -> list[str]:
    """The lines of an ignore file: only a regular file, at most 1 MB (a clone's
    `.devlogignore -> /dev/zero` is refused with one warning, not read forever)."""
    try:
        data = read_config_bytes(path, limit=MAX_IGNORE_BYTES)
    except ConfigError as err:
        log.warning("%s; no path is ignored until it is fixed", err)
        return []
    return [] if data is None else data.decode("utf-8", "replace").splitlines()
