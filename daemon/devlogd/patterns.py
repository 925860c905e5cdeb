"""Patterns that come from outside devlog — a repository's `.devlog.toml` rules and
`.devlogignore`, the user's own rules — run on RE2, an engine whose time is linear in
its input whatever the pattern: a rule such as ``(a+)+$`` cannot stall the daemon (on a
backtracking engine it takes minutes on a 30-character message, holding the GIL). The
only module that imports google-re2.

RE2 has no look-around and no back-references; a pattern that needs them is refused
with a sentence naming the file and key, never run on the backtracking engine instead.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

import re2

from devlogd.errors import ConfigError

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # the reason is in the exception; nothing on stderr


class Searcher(Protocol):
    def search(self, text: str) -> Any: ...


class Matcher(Protocol):
    def match(self, text: str) -> Any: ...


class UnsafePattern(ConfigError):
    """A pattern RE2 cannot run (look-around, back-references, a syntax error)."""


def user_regex(pattern: str, where: str, ignore_case: bool = True, multiline: bool = True) -> Searcher:
    """``pattern`` compiled on RE2; ``where`` names it for the error ("~/.config/devlog/
    config.toml: [[beats.rules]] message")."""
    flags = ("i" if ignore_case else "") + ("m" if multiline else "")
    try:
        return re2.compile(f"(?{flags}){pattern}" if flags else pattern, _OPTIONS)  # type: ignore[no-any-return]
    except re2.error as err:
        reason = err.args[0].decode(errors="replace") if err.args and isinstance(err.args[0], bytes) else str(err)
        if _broken_anywhere(pattern):
            raise UnsafePattern(f"{where} is not a valid regular expression ({reason})") from err
        raise UnsafePattern(
            f"{where} {pattern!r} cannot be used: {reason} (patterns run on RE2, which has no "
            "look-around or back-references, so no pattern can stall devlog)") from err


def translated_glob(regex: str) -> Matcher | None:
    """A glob already translated to a regular expression (anchored at its end with
    ``\\z``), or None when RE2 cannot run it (it is then skipped, as git skips a broken
    ignore line)."""
    try:
        return re2.compile(regex, _OPTIONS)  # type: ignore[no-any-return]
    except re2.error:
        return None


def _broken_anywhere(pattern: str) -> bool:
    """A pattern no engine compiles (a typo), as opposed to one only RE2 refuses."""
    try:
        re.compile(pattern)
    except (re.error, RecursionError, OverflowError):
        return True
    return False
