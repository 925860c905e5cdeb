"""What the project is called and what it is, from its own files. Pure: texts in.

The name comes from the manifest (pyproject.toml, package.json, Cargo.toml, go.mod, a
gemspec, a .csproj, ...), else the README's first heading, else the remote's repository
name, else the folder. "What it is" is the README's opening prose, else the manifest's
description. The folder a clone happens to live in is the last resort, never the first.

A README a framework's scaffolding wrote (`data/starters.toml`) is not the project's: its
heading and prose say what Astro or Vite is. Then the name comes from the remote (the
repository's published name), else the manifest, else the folder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import msgspec

SUMMARY_LIMIT = 700


@dataclass(frozen=True)
class Identity:
    name: str
    source: str  # where the name came from: a file, "README heading", "remote", "folder"
    summary: str = ""  # what it is, in its authors' words
    tagline: str = ""  # the README heading's subtitle ("an SSH tarpit"), if any
    remote: str = ""  # where it is published (the remote's URL), if anywhere
    starter: str = ""  # the framework whose starter text the README still is ("Astro"), if so


README = re.compile(r"^readme(?:\.(?:md|markdown|rst|txt|adoc|org))?$", re.I)
MANIFESTS = ("pyproject.toml", "package.json", "Cargo.toml", "go.mod", "setup.cfg", "setup.py",
             "composer.json", "pubspec.yaml", "CMakeLists.txt")


def wanted(path: str) -> bool:
    """The files :func:`identify` reads, among a repository's top-level files."""
    return bool(README.match(path)) or path in MANIFESTS or path.endswith((".gemspec", ".csproj", ".nimble"))


def identify(files: Mapping[str, str], remote_url: str | None, folder: str) -> Identity:
    """``files``: top-level path -> text, for the files :func:`wanted` names."""
    readme = next((text for path, text in sorted(files.items()) if README.match(path)), "")
    starter = starter_framework(readme)
    if starter:
        readme = ""  # the framework's words, not the project's
    heading, tagline = readme_heading(readme)
    summary = readme_summary(readme)
    remote = _public(remote_url)
    if starter and remote_name(remote_url):
        description = next((d for p in sorted(files, key=_manifest_rank) if not README.match(p)
                            for n, d in [manifest_name(p, files[p])] if n and d), "")
        return Identity(remote_name(remote_url), "remote", description, "", remote, starter)
    for path in sorted(files, key=_manifest_rank):
        if README.match(path):
            continue
        name, description = manifest_name(path, files[path])
        if name:
            return Identity(_display(name, heading), path, summary or description, tagline, remote, starter)
    if heading:
        return Identity(heading, "README heading", summary, tagline, remote)
    if remote_name(remote_url):
        return Identity(remote_name(remote_url), "remote", summary, tagline, remote, starter)
    return Identity(folder, "folder", summary, tagline, remote, starter)


class _Starter(msgspec.Struct):
    framework: str
    markers: list[str]


class _Starters(msgspec.Struct):
    starters: list[_Starter]


@lru_cache(maxsize=1)
def _starters() -> tuple[_Starter, ...]:
    data = resources.files("devlogd").joinpath("data/starters.toml").read_bytes()
    return tuple(msgspec.toml.decode(data, type=_Starters).starters)


def starter_framework(readme: str) -> str:
    """The framework whose scaffolding wrote ``readme`` ("Astro"), or "" for the authors' own."""
    if not readme:
        return ""
    text = _LINK.sub(r"\1", readme[:20000]).replace("`", "").replace("*", "")
    text = re.sub(r"\s+", " ", text).lower()
    return next((s.framework for s in _starters() if any(m in text for m in s.markers)), "")


def _public(url: str | None) -> str:
    """A remote a reader could visit; never one with credentials in it, never a local path."""
    if not url or "@" in url.split("://", 1)[-1].split("/", 1)[0] and not url.startswith("git@"):
        return ""
    return url if re.match(r"^(?:https?://|git@|ssh://git@)", url) else ""


def _manifest_rank(path: str) -> int:
    return MANIFESTS.index(path) if path in MANIFESTS else len(MANIFESTS)


def _display(name: str, heading: str) -> str:
    """The manifest's name, spelt as the README spells it ("telefork", "Endlessh")."""
    if heading and heading.lower().replace(" ", "-") == name.lower():
        return heading
    return name


# -- manifests -------------------------------------------------------------------------------

MANIFEST_BYTES = 512 * 1024  # a manifest is a page or two; more is data, not what the project is
MANIFEST_DEPTH = 64  # nested tables or arrays a manifest may have: real ones use a handful


def manifest_name(path: str, text: str) -> tuple[str, str]:
    """(name, description) a manifest declares; empty strings when it declares none (or
    when it is too large or too deeply nested to be a real manifest: the parsers recurse)."""
    if len(text) > MANIFEST_BYTES or nesting(text) > MANIFEST_DEPTH:
        return "", ""
    try:
        if path in ("pyproject.toml", "Cargo.toml"):
            return _toml_name(text)
        if path in ("package.json", "composer.json"):
            data = json.loads(text)
            name = str(data.get("name") or "").rsplit("/", 1)[-1]
            return name, str(data.get("description") or "")
    except (ValueError, msgspec.DecodeError, AttributeError, RecursionError):
        return "", ""
    patterns = {
        "go.mod": r"^module\s+(\S+)",
        "setup.cfg": r"^name\s*=\s*(\S+)",
        "setup.py": r"\bname\s*=\s*[\"']([^\"']+)[\"']",
        "pubspec.yaml": r"^name:\s*(\S+)",
        "CMakeLists.txt": r"^\s*project\s*\(\s*([A-Za-z_][\w-]*)",
    }
    if path.endswith(".gemspec"):
        pattern = r"\.name\s*=\s*[\"']([^\"']+)[\"']"
    elif path.endswith(".csproj"):
        pattern = r"<(?:AssemblyName|PackageId)>([^<]+)<"
    else:
        pattern = patterns.get(path, "")
    match = re.search(pattern, text[:20000], re.M | re.I) if pattern else None
    if match is None:
        return (path.rsplit(".", 1)[0], "") if path.endswith(".csproj") else ("", "")
    name = match.group(1)
    if path == "go.mod":
        parts = [p for p in name.split("/") if not re.fullmatch(r"v\d+", p)]
        name = parts[-1] if parts else name
    return name, ""


def nesting(text: str) -> int:
    """How deeply ``[`` and ``{`` nest in a JSON or TOML text, outside its strings: one
    pass, no recursion."""
    depth = deepest = 0
    quote = ""
    escaped = False
    for char in text:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote or char == "\n":
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(0, depth - 1)
    return deepest


def _toml_name(text: str) -> tuple[str, str]:
    table = msgspec.toml.decode(text.encode())
    for section in (table.get("project"), table.get("package"), table.get("tool", {}).get("poetry")):
        if isinstance(section, dict) and isinstance(section.get("name"), str):
            return section["name"], str(section.get("description") or "")
    return "", ""


# -- the README ------------------------------------------------------------------------------

_HEADING = re.compile(r"^(?:#\s+(?P<atx>.+?)\s*#*\s*$|(?P<setext>[^\n]+)\n(?:=+|-+)\s*$)", re.M)
_NOT_PROSE = re.compile(r"^\s*(?:[!<\[|>]|```|~~~|https?://|---|\*\*\*|={3,}|-\s*\[|\d+\.\s*\[)")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_TAGS = re.compile(r"</?\w+[^>]*>")


def readme_heading(readme: str) -> tuple[str, str]:
    """The first heading as (name, subtitle): "Endlessh: an SSH tarpit" -> ("Endlessh",
    "an SSH tarpit")."""
    match = _HEADING.search(readme[:5000])
    if match is None:
        return "", ""
    text = _LINK.sub(r"\1", match.group("atx") or match.group("setext") or "").strip().strip("*_`")
    text = _TAGS.sub("", text).strip()
    for sep in (": ", " - ", " — ", " – "):
        if sep in text:
            name, _, tagline = text.partition(sep)
            return name.strip(), tagline.strip()
    return (text, "") if len(text) <= 60 else ("", "")


def readme_summary(readme: str, limit: int = SUMMARY_LIMIT) -> str:
    """The README's opening prose: the first paragraphs that are sentences, not badges,
    images, tables, code or a table of contents."""
    paragraphs: list[str] = []
    size = 0
    for block in re.split(r"\n\s*\n", _without_code_blocks(readme[:20000])):
        lines = [l for l in block.strip().splitlines() if l.strip()]
        if not lines:
            continue
        if lines[0].lstrip().startswith("#"):
            if paragraphs:
                break  # the opening ends at the first section
            lines = lines[1:]
        prose = [l.strip() for l in lines if not _NOT_PROSE.match(l)]
        text = _TAGS.sub("", _LINK.sub(r"\1", " ".join(prose))).strip().strip("*_").strip()
        if len(re.findall(r"[A-Za-z]{2,}", text)) < 5:
            continue
        paragraphs.append(text)
        size += len(text)
        if size >= limit * 0.6:
            break
    summary = "\n\n".join(paragraphs)
    return summary if len(summary) <= limit else summary[:limit].rsplit(" ", 1)[0] + "…"


def _without_code_blocks(text: str) -> str:
    """``text`` without its fenced code blocks (a fence's commands are not prose, even
    when no blank line sets them apart from the paragraph above)."""
    kept: list[str] = []
    fence = ""
    for line in text.split("\n"):
        mark = line.lstrip()[:3]
        if fence:
            if mark == fence:
                fence = ""
            continue
        if mark in ("```", "~~~"):
            fence = mark
            kept.append("")  # the block ends the paragraph before it
            continue
        kept.append(line)
    return "\n".join(kept)


def remote_name(url: str | None) -> str:
    if not url:
        return ""
    name = re.split(r"[/:]", url.rstrip("/"))[-1]
    return name[:-4] if name.endswith(".git") else name
