"""Configuration: TOML decoded into msgspec Structs with defaults.

Two files are read: the user's `$XDG_CONFIG_HOME/devlog/config.toml` and the repository's
`.devlog.toml`. A repository is untrusted input (anyone can clone one), so its file may tune
how beats and drafts are made but can never choose where code is sent or with which key:
the `[narrator]` table is honoured only from the user's own file and the environment.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
from pathlib import Path
from typing import Any, Literal

import msgspec

from devlogd.errors import ConfigError
from devlogd.paths import RepoPaths, config_home

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
    excerpt_lines: int = 12  # per hunk
    rename_limit: int = 400  # added x deleted files above which renames are not searched
    workers: int = 0  # backfill processes; 0 = one per core


class BeatsConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    rules: list[BeatRule] = []


class NoiseClass(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Files no story is told from, like git-cliff's commit parsers: data a user extends."""

    name: str
    paths: tuple[str, ...]
    label: str = ""  # how a post counts them: "asset files"


class NoiseConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    classes: tuple[NoiseClass, ...] = ()


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
    noise: NoiseConfig = NoiseConfig()
    phrases: dict[str, list[str]] = {}  # the offline narrator's phrase bank, overridden by key
    draft: DraftConfig = DraftConfig()
    daemon: DaemonConfig = DaemonConfig()
    narrator: NarratorConfig = NarratorConfig()


REPO_FORBIDDEN = ("narrator",)


def load_config(repo: RepoPaths | None = None) -> Config:
    user_file = config_home() / "config.toml"
    user = _read_toml(user_file)
    _check_file(user_file, user)
    merged = dict(user)
    if repo is not None and repo.config_file is not None:
        repo_table = _read_toml(repo.config_file)
        for key in REPO_FORBIDDEN:
            if key in repo_table:
                log.warning("%s: [%s] is ignored in a repository's file", repo.config_file, key)
                repo_table.pop(key)
        _check_file(repo.config_file, repo_table)
        merged = _merge(merged, repo_table)
        # Rules from both files are kept: the repository's first, then the user's.
        rules = repo_table.get("beats", {}).get("rules", []) + user.get("beats", {}).get("rules", [])
        if rules:
            merged.setdefault("beats", {})["rules"] = rules
        classes = repo_table.get("noise", {}).get("classes", []) + user.get("noise", {}).get("classes", [])
        if classes:
            merged.setdefault("noise", {})["classes"] = classes
    _apply_env(merged)
    try:
        return msgspec.convert(merged, Config)
    except msgspec.ValidationError as err:
        raise ConfigError(f"invalid configuration: {err}") from err


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
        raise ConfigError(_explain_syntax(path, data, err)) from err
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


# -- one sentence for a broken file: which file, which line, which key ------------------

def _check_file(path: Path, table: dict[str, Any]) -> None:
    """Validate one file on its own, so an error names that file and its line."""
    try:
        msgspec.convert(table, Config)
    except msgspec.ValidationError as err:
        raise ConfigError(_explain_invalid(path, str(err))) from err


_LINE = re.compile(r"at line (\d+)")
_WHERE = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<at>[^`]*)`)?$")
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<key>[^`]+)`$")


def _explain_syntax(path: Path, data: bytes, err: Exception) -> str:
    reason = _LINE.sub("", str(err)).replace("(, column", "(column").strip(" .")
    found = _LINE.search(str(err))
    if not found:
        return f"{path}: not valid TOML: {reason}"
    number = int(found.group(1))
    lines = data.decode("utf-8", "replace").splitlines()
    text = lines[number - 1].strip() if 0 < number <= len(lines) else ""
    shown = f" in `{text[:60]}`" if text else ""
    return f"{path}, line {number}: not valid TOML{shown}: {reason[:1].lower() + reason[1:]}"


def _explain_invalid(path: Path, message: str) -> str:
    where = _WHERE.match(message)
    what, at = (where.group("what"), where.group("at") or "") if where else (message, "")
    keys = [k for k in re.sub(r"\[\d+\]", "", at).split(".") if k]
    unknown = _UNKNOWN.match(what)
    if unknown:
        keys.append(unknown.group("key"))
        close = difflib.get_close_matches(keys[-1], _known_keys(keys[:-1]), n=1)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        problem = f"unknown key `{'.'.join(keys)}`{hint}"
    else:
        problem = f"`{'.'.join(keys)}`: {what[:1].lower() + what[1:]}" if keys else what
    line = _line_of(path, keys)
    return f"{path}{f', line {line}' if line else ''}: {problem}"


def _known_keys(keys: list[str]) -> list[str]:
    """The keys the schema allows at ``keys`` (a table path)."""
    kind: Any = Config
    for key in keys:
        fields = {f.name: f.type for f in msgspec.structs.fields(kind)}
        kind = fields.get(key)
        kind = getattr(kind, "__args__", (kind,))[0] if not isinstance(kind, type) else kind
        if not (isinstance(kind, type) and issubclass(kind, msgspec.Struct)):
            return []
    return [f.name for f in msgspec.structs.fields(kind)]


def _line_of(path: Path, keys: list[str]) -> int | None:
    """The line that sets ``keys`` (a dotted path, array indices dropped), or opens it."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    table: list[str] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?$", line)
        if header:
            table = [part.strip().strip("\"'") for part in header.group(1).split(".")]
            if table == keys:
                return number
            continue
        assignment = re.match(r"^([\w.\"' -]+?)\s*=", line)
        if assignment:
            full = table + [part.strip().strip("\"'") for part in assignment.group(1).split(".")]
            if full[: len(keys)] == keys:
                return number
    return None
