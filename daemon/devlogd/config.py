"""Configuration: TOML decoded into msgspec Structs with defaults and bounds.

Two files are read: the user's `$XDG_CONFIG_HOME/devlog/config.toml` and the repository's
`.devlog.toml`. A repository is untrusted input (anyone can clone one), so its file may only
tune what cannot cost the user (beat rules, chapter counts, how much of a diff is read, each
no higher than the default) and can never choose where code is sent, with which key, how
many processes run or how large a paid request is: those come from the user's own file and
the environment, within caps. A problem in the user's file is a ConfigError; a problem in a
repository's file is one warning and that file (or key) is ignored, so a hostile clone
cannot make devlog unusable. Every message is one sentence naming the file and the key.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from devlogd.config_messages import describe, explain_invalid, explain_syntax, known_keys
from devlogd.errors import ConfigError
from devlogd.models import BEAT_KINDS
from devlogd.paths import RepoPaths, config_home
from devlogd.patterns import user_regex

log = logging.getLogger(__name__)
_warned: set[str] = set()


def _warn(message: str) -> None:
    """A problem in a repository's file, said once per process (the file is read by every
    layer that opens the project)."""
    if message not in _warned:
        _warned.add(message)
        log.warning("%s", message)

NarratorChoice = Literal["auto", "offline", "claude", "local"]
Provider = Literal["anthropic", "ollama", "llamacpp", "openai"]


MAX_CONFIG_BYTES = 64 * 1024  # a configuration file larger than this is not read
Pattern = Annotated[str, Meta(max_length=500)]
Glob = Annotated[str, Meta(min_length=1, max_length=300)]


class BeatRule(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One row of the ordered beat table, like git-cliff's ``commit_parsers``.

    The first rule whose conditions all hold decides the beat's kind. ``message`` is a
    regular expression searched in the whole message (case-insensitive); ``paths`` are
    globs that *every* changed file must match.
    """

    kind: str
    message: Pattern | None = None
    paths: Annotated[tuple[Glob, ...], Meta(max_length=100)] | None = None
    importance: Annotated[int, Meta(ge=0, le=100)] | None = None


class GitConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    max_files: Annotated[int, Meta(ge=1, le=10_000)] = 300  # files described one by one
    max_scan_lines: Annotated[int, Meta(ge=1, le=100_000)] = 1000  # diff lines scanned per commit
    excerpt_hunks: Annotated[int, Meta(ge=0, le=20)] = 4
    excerpt_lines: Annotated[int, Meta(ge=0, le=40)] = 12  # per hunk
    rename_limit: Annotated[int, Meta(ge=0, le=10_000)] = 400  # added x deleted files to search renames
    workers: Annotated[int, Meta(ge=0, le=64)] = 0  # backfill processes; 0 = one per core


class BeatsConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    rules: Annotated[list[BeatRule], Meta(max_length=200)] = []


class NoiseClass(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """Files no story is told from, like git-cliff's commit parsers: data a user extends."""

    name: Annotated[str, Meta(min_length=1, max_length=40)]
    paths: Annotated[tuple[Glob, ...], Meta(max_length=100)]
    label: Annotated[str, Meta(max_length=80)] = ""  # how a post counts them: "asset files"


class NoiseConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    classes: Annotated[tuple[NoiseClass, ...], Meta(max_length=50)] = ()




class DraftConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    token_budget: Annotated[int, Meta(ge=1_000, le=200_000)] = 24_000
    max_chapters: Annotated[int, Meta(ge=1, le=30)] = 7
    questions: bool = True  # `devlog draft` on a terminal asks devlog's questions first
    # The offline post's template (Jinja2), a path in the user's own config; a repository's
    # own is .devlog/post.md.j2. Unset: the shipped template (devlogd/data/offline_post.md.j2).
    template: Annotated[str, Meta(min_length=1, max_length=4_096)] | None = None


class SourcesConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    # Read what you typed into a coding agent (Claude Code, Codex, Aider) for the story.
    # Off unless you turn it on here or with `devlog sources --enable agents`; never from a
    # repository's file.
    agents: bool = False


class DaemonConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    idle_timeout: Annotated[float, Meta(ge=0.5, le=7 * 86_400)] = 900.0


class NarratorConfig(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    narrator: NarratorChoice = "auto"
    model: Annotated[str, Meta(min_length=1, max_length=200)] = "claude-sonnet-5-5"
    enrich_model: Annotated[str, Meta(min_length=1, max_length=200)] = "claude-haiku-5-5"
    enrich_min_importance: Annotated[int, Meta(ge=0, le=100)] = 45  # below: trivial, no call
    max_tokens: Annotated[int, Meta(ge=1, le=64_000)] = 8000
    timeout: Annotated[float, Meta(ge=0.1, le=3_600)] = 600.0  # seconds for one API call
    max_retries: Annotated[int, Meta(ge=0, le=10)] = 3  # on 429, 529, 5xx and timeouts
    base_url: Annotated[str, Meta(max_length=2_000)] | None = None
    # The model narrator "auto" prefers: Claude ("anthropic") or a local server's. Unset:
    # Claude with a key, else a local server that answers with a model, else offline.
    provider: Provider | None = None
    local_url: Annotated[str, Meta(min_length=1, max_length=2_000)] | None = None
    local_model: Annotated[str, Meta(min_length=1, max_length=200)] | None = None
    # The most context to ask a local model for (memory grows with it); default: its maximum.
    local_context: Annotated[int, Meta(ge=2_048, le=1_048_576)] | None = None
    # A model narrator reads the repository with read-only tools, plans, writes, reviews and
    # revises once; false: the single request (one call, no tools).
    tools: bool = True


class Config(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    git: GitConfig = GitConfig()
    beats: BeatsConfig = BeatsConfig()
    noise: NoiseConfig = NoiseConfig()
    draft: DraftConfig = DraftConfig()
    daemon: DaemonConfig = DaemonConfig()
    narrator: NarratorConfig = NarratorConfig()
    sources: SourcesConfig = SourcesConfig()


# What a repository's file may set, each at most its default: nothing that costs the user
# time, processes or money, and nothing that chooses where code goes.
REPO_TUNABLE: dict[tuple[str, str], tuple[int, int] | None] = {
    ("beats", "rules"): None,  # checked like the user's, and at most REPO_MAX_RULES of them
    ("noise", "classes"): None,  # what counts as noise: it changes only what a post tells
    ("draft", "max_chapters"): (1, 12),
    ("git", "max_files"): (1, 300),
    ("git", "max_scan_lines"): (1, 1000),
    ("git", "excerpt_hunks"): (0, 4),
    ("git", "excerpt_lines"): (0, 12),
    ("git", "rename_limit"): (0, 400),
}
REPO_MAX_RULES = 50


PHRASES_GONE = ("{path}: [phrases] is no longer read: the offline post is a template now "
                "(copy the default to .devlog/post.md.j2, or name one in [draft] template)")


def load_config(repo: RepoPaths | None = None) -> Config:
    user_path = config_home() / "config.toml"
    user = _read_toml(user_path)
    if user.pop("phrases", None) is not None:
        _warn(PHRASES_GONE.format(path=user_path))
    _check(user, user_path)
    merged = dict(user)
    if repo is not None and repo.config_file is not None:
        repo_table = _repo_table(repo.config_file, repo.workdir or repo.config_file.parent)
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
    except msgspec.ValidationError as err:  # every source was checked alone: a safety net
        raise ConfigError(f"invalid configuration: {err}") from err


def _read_toml(path: Path, inside: Path | None = None) -> dict[str, Any]:
    """The table in ``path`` ({} when there is none); a ConfigError in one sentence when it
    cannot be used. With ``inside``, the file must resolve to a place within that folder."""
    data = read_config_bytes(path, inside)
    if data is None:
        return {}
    try:
        table = msgspec.toml.decode(data)
    except (msgspec.DecodeError, UnicodeDecodeError) as err:
        raise ConfigError(explain_syntax(path, data, err)) from err
    except RecursionError:  # the TOML parser recurses per nested array or table
        raise ConfigError(f"{path}: its arrays or tables nest too deeply to be a configuration file") from None
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: expected a table")
    return table


def read_config_bytes(path: Path, inside: Path | None = None, limit: int = MAX_CONFIG_BYTES) -> bytes | None:
    """A small configuration file's bytes, or None when it does not exist. Only a regular
    file is read (a FIFO, a device or /dev/zero behind a symbolic link is refused without
    waiting or reading), and only up to ``limit`` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as err:
        raise ConfigError(f"cannot read {path}: {err.strerror}") from err
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{path} is not a regular file; devlog reads only a regular file there")
        if info.st_size > limit:
            raise ConfigError(f"{path} is larger than {limit // 1024} KB; devlog does not read it")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise ConfigError(f"{path} is larger than {limit // 1024} KB; devlog does not read it")
    if inside is not None:
        real, root = Path(os.path.realpath(path)), Path(os.path.realpath(inside))
        if root not in real.parents:
            raise ConfigError(f"{path} points outside the repository; devlog reads it only inside")
    return data


def _repo_table(path: Path, workdir: Path) -> dict[str, Any]:
    """The parts of a repository's file it may set; every problem is one warning."""
    try:
        table = _read_toml(path, inside=workdir)
    except ConfigError as err:
        _warn(f"{err}; it is ignored")
        return {}
    kept: dict[str, Any] = {}
    for section, values in table.items():
        if section == "phrases":
            _warn(PHRASES_GONE.format(path=path))
            continue
        if not isinstance(values, dict):
            _warn(f"{path}: {section} is not a table; it is ignored")
            continue
        for key, value in values.items():
            if _repo_value_ok(path, section, key, value):
                kept.setdefault(section, {})[key] = value
    return kept


def _repo_value_ok(path: Path, section: str, key: str, value: Any) -> bool:
    where = f"{path}: {section}.{key}"
    if key not in known_keys(Config, [section]):  # a typo: say what was probably meant, and where
        _warn(f"{explain_invalid(path, f'Object contains unknown field `{key}` - at `$.{section}`', Config)}; it is ignored")
        return False
    if (section, key) not in REPO_TUNABLE:
        _warn(f"{where} is ignored: a repository's file may not set it (set it in {config_home() / 'config.toml'})")
        return False
    bounds = REPO_TUNABLE[(section, key)]
    if bounds is None and section == "noise":
        try:
            msgspec.convert({"noise": {"classes": value}}, Config)
        except msgspec.ValidationError as err:
            _warn(f"{explain_invalid(path, str(err), Config)}; the repository's noise classes are ignored")
            return False
        return True
    if bounds is None:
        try:
            _check({"beats": {"rules": value}}, path)
        except ConfigError as err:
            _warn(f"{err}; the repository's rules are ignored")
            return False
        if len(value) > REPO_MAX_RULES:
            _warn(f"{where} has {len(value)} rules; a repository may give at most {REPO_MAX_RULES}, "
                  "so they are ignored")
            return False
        return True
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        _warn(f"{where} must be a whole number from {low} to {high} in a repository's file, "
              f"not {value!r}; it is ignored")
        return False
    return True


def _check(table: dict[str, Any], path: Path) -> None:
    """One file's table, validated alone so that a problem names its file and key."""
    try:
        config = msgspec.convert(table, Config)
    except msgspec.ValidationError as err:
        raise ConfigError(explain_invalid(path, str(err), Config, describe(err, Config))) from err
    for index, rule in enumerate(config.beats.rules):
        key = f"beats.rules[{index}]"
        if rule.kind not in BEAT_KINDS:
            raise ConfigError(f"{path}: {key}.kind must be one of {', '.join(BEAT_KINDS)}, not {rule.kind!r}")
        if rule.message is not None:  # it must run on RE2, in linear time (see devlogd.patterns)
            user_regex(rule.message, f"{path}: {key}.message")
        if rule.message is None and rule.paths is None:
            raise ConfigError(f"{path}: {key} needs a message pattern or paths, or it never matches")


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
    "DEVLOG_PROVIDER": ("narrator", "provider"),
    "DEVLOG_LOCAL_URL": ("narrator", "local_url"),
    "DEVLOG_LOCAL_MODEL": ("narrator", "local_model"),
    "DEVLOG_IDLE_TIMEOUT": ("daemon", "idle_timeout"),
    "DEVLOG_TOKEN_BUDGET": ("draft", "token_budget"),
    "DEVLOG_WORKERS": ("git", "workers"),
    "DEVLOG_TOOLS": ("narrator", "tools"),
}


def _flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(value)


_ENV_TYPES: dict[str, Callable[[str], Any]] = {"idle_timeout": float, "token_budget": int, "workers": int,
                                               "tools": _flag}


def _apply_env(table: dict[str, Any]) -> None:
    for name, (section, key) in _ENV.items():
        value = os.environ.get(name)
        if not value:
            continue
        kind = _ENV_TYPES.get(key, str)
        try:
            converted = kind(value)
        except ValueError:
            wanted = "a whole number" if kind is int else "true or false" if kind is _flag else "a number"
            raise ConfigError(f"{name} must be {wanted}, not {value!r}") from None
        try:
            msgspec.convert({section: {key: converted}}, Config)
        except msgspec.ValidationError as err:
            reason = describe(err, Config).removeprefix(f"{section}.{key}").lstrip(": ")
            raise ConfigError(f"{name} {reason}" + ("" if ", not " in reason else f", not {value}")) from None
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


def local_server(config: Config, local_url: str | None = None,
                 ollama_host: str | None = None) -> tuple[str, str]:
    """The kind of local model server ("ollama" or "llamacpp") and its URL, from what a
    client hands over, the environment and the user's own file — never the repository's.

    In order: DEVLOG_LOCAL_URL (or ``local_url`` handed over), ``[narrator] local_url``,
    OLLAMA_HOST (for Ollama; or ``ollama_host`` handed over), then the server's default."""
    provider = config.narrator.provider
    kind = provider if provider in ("ollama", "llamacpp", "openai") else "ollama"
    host = (ollama_host or os.environ.get("OLLAMA_HOST")) if kind == "ollama" else None
    return kind, local_url or config.narrator.local_url or host or ""


def _stored_key() -> str | None:
    path = config_home() / "credentials"
    try:
        info = path.stat()
    except FileNotFoundError:
        return None
    if info.st_mode & 0o077:
        _warn(f"{path} is readable by others; not using it (chmod 600 it)")
        return None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("ANTHROPIC_API_KEY="):
            return line.split("=", 1)[1].strip().strip("\"'") or None
        if line and not line.startswith("#") and "=" not in line:
            return line
    return None
