"""Configuration problems in one sentence: which file, which line, which key, and the
key that was probably meant."""

from __future__ import annotations

import difflib
import re
import typing
from pathlib import Path
from typing import Any

import msgspec

_REASONS = (
    (re.compile(r"Expected `(?:int|float)` <= (\S+)"), r"must be at most \1"),
    (re.compile(r"Expected `(?:int|float)` >= (\S+)"), r"must be at least \1"),
    (re.compile(r"Expected `str` of length <= (\d+)"), r"must be at most \1 characters long"),
    (re.compile(r"Expected `str` of length >= (\d+)"), r"must not be empty"),
    (re.compile(r"Expected `array` of length <= (\d+)"), r"must have at most \1 entries"),
    (re.compile(r"Expected `int`, got `(\w+)`"), r"must be a whole number, not \1"),
    (re.compile(r"Expected `float`, got `(\w+)`"), r"must be a number, not \1"),
    (re.compile(r"Object contains unknown field `(\w+)`"), r"has no setting \1"),
)


def describe(err: msgspec.ValidationError, schema: type | None = None) -> str:
    """msgspec's "Expected `int` <= 64 - at `$.git.workers`" as "git.workers must be at most 64";
    with the ``schema``, a value outside a set of choices names the choices."""
    text = str(err)
    reason, _, where = text.rpartition(" - at `")
    if not reason:
        return text
    key = where.rstrip("`").removeprefix("$").lstrip(".")
    enum = _ENUM.fullmatch(reason)
    if enum and schema is not None and (allowed := choices(schema, key.split("."))):
        return f"{key} must be one of {', '.join(allowed)}, not {enum.group(1)!r}"
    for pattern, wording in _REASONS:
        if pattern.fullmatch(reason):
            return f"{key} {pattern.sub(wording, reason)}"
    return f"{key}: {reason[:1].lower()}{reason[1:]}"


_ENUM = re.compile(r"Invalid enum value '([^']*)'")


def choices(schema: type, keys: list[str]) -> list[str]:
    """The values a Literal setting at ``keys`` allows ([] when it is not one)."""
    kind: Any = schema
    for key in keys:
        if not (isinstance(kind, type) and issubclass(kind, msgspec.Struct)):
            return []
        kind = typing.get_type_hints(kind).get(key)
        options = [a for a in typing.get_args(kind) if a is not type(None)] if typing.get_origin(kind) is not None else []
        if len(options) == 1 and typing.get_origin(kind) is not typing.Literal:
            kind = options[0]  # X | None
    if typing.get_origin(kind) is typing.Literal:
        return [str(a) for a in typing.get_args(kind)]
    literals = [a for a in typing.get_args(kind) if typing.get_origin(a) is typing.Literal]
    return [str(v) for a in literals for v in typing.get_args(a)]


_LINE = re.compile(r"at line (\d+)")
_WHERE = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<at>[^`]*)`)?$")
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<key>[^`]+)`$")


def explain_syntax(path: Path, data: bytes, err: Exception) -> str:
    reason = _LINE.sub("", str(err)).replace("(, column", "(column").strip(" .")
    found = _LINE.search(str(err))
    if not found:
        return f"{path}: not valid TOML: {reason}"
    number = int(found.group(1))
    lines = data.decode("utf-8", "replace").splitlines()
    text = lines[number - 1].strip() if 0 < number <= len(lines) else ""
    shown = f" in `{text[:60]}`" if text else ""
    return f"{path}, line {number}: not valid TOML{shown}: {reason[:1].lower() + reason[1:]}"


def explain_invalid(path: Path, message: str, schema: type, described: str = "") -> str:
    """msgspec's message about one file as a sentence; ``schema`` is the configuration's
    Struct, for the keys that were probably meant."""
    where = _WHERE.match(message)
    what, at = (where.group("what"), where.group("at") or "") if where else (message, "")
    keys = [k for k in re.sub(r"\[\d+\]", "", at).split(".") if k]
    unknown = _UNKNOWN.match(what)
    if unknown:
        keys.append(unknown.group("key"))
        close = difflib.get_close_matches(keys[-1], known_keys(schema, keys[:-1]), n=1)
        hint = f" (did you mean `{close[0]}`?)" if close else ""
        problem = f"unknown key `{'.'.join(keys)}`{hint}"
    elif described:
        problem = described
    else:
        problem = f"`{'.'.join(keys)}`: {what[:1].lower() + what[1:]}" if keys else what
    line = _line_of(path, keys)
    return f"{path}{f', line {line}' if line else ''}: {problem}"


def known_keys(schema: type, keys: list[str]) -> list[str]:
    """The keys the schema allows at ``keys`` (a table path)."""
    kind: Any = schema
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
