"""Configuration: TOML decoded into msgspec Structs with defaults.

Two files are read: the user's `$XDG_CONFIG_HOME/devlog/config.toml` and the repository's
`.devlog.toml`. A repository is untrusted input (anyone can clone one), so its file may tune
how beats and drafts are made but can never choose where code is sent or with which key:
the `[narrator]` table is honoured only from the user's own file and the environment.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Literal

import msgspec

from devlogd.errors import ConfigError
from devlogd.paths import RepoPaths, config_home
from devlogd.patterns import user_regex

log = logging.getLogger(__name__)

NarratorChoice = Literal["auto", "offline", "claude"]


class BeatRule(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One row of the ordered beat table, like git-cliff's ``commit_parsers``.

    The first rule whose conditions all hold decides the beat's kind. ``message`` is a
    regular expression searched in the whole message (case-insensitive); ``paths`` are
    globs that *every* changed file must match.
    """

    kind: str
    message: str | None = None
    paths: tuple[str, ...] | None = None
    importance: int | None = None


class GitConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    max_files: int = 300  # files described one by one; the rest only counted
    max_scan_lines: int = 1000  # diff lines scanned per commit for names and numbers
    excerpt_hunks: int = 4
    excerpt_lines: int = 8  # per hunk
    rename_limit: int = 400  # added x deleted files above which renames are not searched
    workers: int = 0  # backfill processes; 0 = one per core


class BeatsConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    rules: list[BeatRule] = []


class DraftConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    token_budget: int = 24_000
    max_chapters: int = 7


class DaemonConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    idle_timeout: float = 900.0


class NarratorConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    narrator: NarratorChoice = "auto"
    model: str = "claude-sonnet-5-5"
    enrich_model: str = "claude-haiku-5-5"
    enrich_min_importance: int = 45  # commits below this are trivial: no enrichment call
    max_tokens: int = 8000
    timeout: float = 600.0  # seconds for one API call
    max_retries: int = 3  # on 429, 529, 5xx and timeouts, with the SDK's backoff
    base_url: str | None = None


class Config(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    git: GitConfig = GitConfig()
    beats: BeatsConfig = BeatsConfig()
    draft: DraftConfig = DraftConfig()
    daemon: DaemonConfig = DaemonConfig()
    narrator: NarratorConfig = NarratorConfig()


REPO_FORBIDDEN = ("narrator",)


def load_config(repo: RepoPaths | None = None) -> Config:
    user_file = config_home() / "config.toml"
    user = _read_toml(user_file)
    _check_rules(user, user_file)
    merged = dict(user)
    if repo is not None and repo.config_file is not None:
        repo_table = _read_toml(repo.config_file)
        _check_rules(repo_table, repo.config_file)
        for key in REPO_FORBIDDEN:
            if key in repo_table:
                log.warning("%s: [%s] is ignored in a repository's file", repo.config_file, key)
                repo_table.pop(key)
        merged = _merge(merged, repo_table)
        # Rules from both files are kept: the repository's first, then the user's.
        rules = repo_table.get("beats", {}).get("rules", []) + user.get("beats", {}).get("rules", [])
        if rules:
            merged.setdefault("beats", {})["rules"] = rules
    _apply_env(merged)
    try:
        return msgspec.convert(merged, Config)
    except msgspec.ValidationError as err:
        raise ConfigError(f"invalid configuration: {err}") from err


def _check_rules(table: dict[str, Any], path: Path) -> None:
    """Each rule's pattern must run on RE2 (see devlogd.patterns); said with the file."""
    beats = table.get("beats")
    rules = beats.get("rules") if isinstance(beats, dict) else None
    for number, rule in enumerate(rules if isinstance(rules, list) else [], start=1):
        message = rule.get("message") if isinstance(rule, dict) else None
        if isinstance(message, str):
            user_regex(message, f"{path}: [[beats.rules]] #{number} message")


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return {}
    except OSError as err:
        raise ConfigError(f"cannot read {path}: {err.strerror}") from err
    try:
        table = msgspec.toml.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from err
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: expected a table")
    return table


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


_ENV = {
    "DEVLOG_NARRATOR": ("narrator", "narrator"),
    "DEVLOG_MODEL": ("narrator", "model"),
    "DEVLOG_IDLE_TIMEOUT": ("daemon", "idle_timeout"),
    "DEVLOG_TOKEN_BUDGET": ("draft", "token_budget"),
    "DEVLOG_WORKERS": ("git", "workers"),
}


_ENV_TYPES: dict[str, type] = {"idle_timeout": float, "token_budget": int, "workers": int}


def _apply_env(table: dict[str, Any]) -> None:
    for name, (section, key) in _ENV.items():
        value = os.environ.get(name)
        if not value:
            continue
        kind = _ENV_TYPES.get(key, str)
        try:
            converted = kind(value)
        except ValueError:
            wanted = "a whole number" if kind is int else "a number"
            raise ConfigError(f"{name} must be {wanted}, not {value!r}") from None
        table.setdefault(section, {})[key] = converted


def api_credentials(config: Config, api_key: str | None = None,
                    base_url: str | None = None) -> tuple[str, str | None] | None:
    """The key and endpoint for Claude, or None when there is no key.

    In order: what the caller hands over (an editor's secret storage), the environment
    (ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL), then the user's own files — never the
    repository's, which anyone could have written.
    """
    key = api_key or os.environ.get("ANTHROPIC_API_KEY") or _stored_key()
    if not key:
        return None
    url = base_url or os.environ.get("ANTHROPIC_BASE_URL") or config.narrator.base_url
    return key, url


def _stored_key() -> str | None:
    path = config_home() / "credentials"
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    if info.st_mode & 0o077:
        log.warning("%s is readable by others; not using it (chmod 600 it)", path)
        return None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("ANTHROPIC_API_KEY="):
            return line.split("=", 1)[1].strip().strip("\"'") or None
        if line and not line.startswith("#") and "=" not in line:
            return line
    return None
