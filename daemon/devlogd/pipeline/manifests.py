"""What a project is built on: dependencies added to a manifest, read from the added lines
of its diff (requirements, pyproject.toml, package.json, Cargo.toml, go.mod, Gemfile, ...).
Pure functions over diff text; nothing here reads files or runs a package manager."""

from __future__ import annotations

import re

# File name -> the regex that finds one dependency's name on an added line (group "name").
_PY_REQ = re.compile(r"^\+[ \t]*+(?P<name>[A-Za-z][A-Za-z0-9._-]{0,60}+)[ \t]*+(?:\[[^\]\n]{0,40}+\])?[ \t]*+(?:[=<>~!]=?|;|$)",
                     re.MULTILINE)
_PY_PROJECT = re.compile(r"^\+[ \t]*[\"'](?P<name>[A-Za-z][A-Za-z0-9._-]{0,60})[ \t]*(?:\[[^\]\n]{0,40}\])?[ \t]*(?:[=<>~!]=?[^\"'\n]{0,40})?[ \t]*(?:;[^\"'\n]{0,60})?[\"'],?[ \t]*(?:#[^\n]*)?$", re.MULTILINE)
_POETRY = re.compile(r"^\+[ \t]*(?P<name>[A-Za-z][A-Za-z0-9._-]{0,60})[ \t]*=[ \t]*(?:[\"'][\^~>=<*\d][^\"'\n]{0,30}[\"']|\{[^}\n]{0,80}version[^}\n]{0,80}\})", re.MULTILINE)
_NPM = re.compile(r"^\+[ \t]*\"(?P<name>(?:@[a-z0-9._-]{1,40}/)?[a-z0-9][a-z0-9._-]{0,60})\"[ \t]*:[ \t]*\"(?:[\^~>=<]|\d|workspace:|npm:|git)[^\"\n]{0,60}\",?[ \t]*$", re.MULTILINE)
_GO = re.compile(r"^\+[ \t]*(?:require[ \t]+)?(?P<name>[a-z0-9.-]{1,60}\.[a-z]{2,10}/[\w./-]{1,100})[ \t]+v\d[\w.+-]{0,40}(?:[ \t]*//[^\n]*)?$", re.MULTILINE)
_GEM = re.compile(r"^\+[ \t]*gem[ \t]+[\"'](?P<name>[\w-]{1,60})[\"']", re.MULTILINE)

_BY_FILE: tuple[tuple[re.Pattern[str], tuple[re.Pattern[str], ...]], ...] = (
    (re.compile(r"(?:^|/)requirements[\w.-]{0,40}\.(?:txt|in)$"), (_PY_REQ,)),
    (re.compile(r"(?:^|/)pyproject\.toml$"), (_PY_PROJECT, _POETRY)),
    (re.compile(r"(?:^|/)Cargo\.toml$"), (_POETRY,)),
    (re.compile(r"(?:^|/)package\.json$"), (_NPM,)),
    (re.compile(r"(?:^|/)go\.mod$"), (_GO,)),
    (re.compile(r"(?:^|/)Gemfile$"), (_GEM,)),
)

# Keys of a manifest that look like dependencies but are not.
_NOT_DEPENDENCIES = frozenset({
    "name", "version", "description", "license", "main", "module", "types", "private", "type",
    "python", "requires-python", "edition", "authors", "readme", "homepage", "repository",
    "keywords", "scripts", "build-backend", "requires", "packages", "include", "exclude",
    "node", "npm", "engines", "workspaces", "packageManager", "publisher", "displayName",
})


def is_manifest(path: str) -> bool:
    return any(pattern.search(path) for pattern, _ in _BY_FILE)


def added_dependencies(path: str, patch: str, limit: int = 12) -> list[str]:
    """Names of dependencies the added lines of ``patch`` (a unified diff of ``path``)
    declare."""
    for pattern, finders in _BY_FILE:
        if pattern.search(path):
            found: list[str] = []
            for finder in finders:
                for match in finder.finditer(patch):
                    name = match.group("name")
                    if name.lower() not in _NOT_DEPENDENCIES and name not in found:
                        found.append(name)
                        if len(found) >= limit:
                            return found
            return found
    return []
