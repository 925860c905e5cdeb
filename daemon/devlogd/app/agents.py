"""Coding-agent transcripts as a source of the author's words: opt-in, off by default.

When it is off nothing under ``~/.claude``, ``~/.codex`` or an Aider history is opened,
listed or even looked at (`tests/app/test_agents.py` audits every open). When it is on,
the sessions of this working tree only are read (Claude Code keeps them per folder; a Codex
session says its folder on its first line, and only that line of another project's is
read), the user's prompts are linked to the changes they led to, and what is kept is
redacted and condensed (`pipeline/transcripts`).

The switch is the user's: ``[sources] agents`` in their own config, or `devlog sources
--enable agents` for one repository (kept in devlog's state folder, which a clone never
carries). A repository's `.devlog.toml` cannot turn it on.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from devlogd.app.project import Project
from devlogd.models import AgentPrompt, Beat
from devlogd.pipeline import transcripts

log = logging.getLogger(__name__)

MAX_TRANSCRIPT = 64 * 1024 * 1024  # bytes read of one transcript file
SLACK = 3 * 86400  # Codex sessions are read from the days of the range, and these around it


@dataclass(frozen=True)
class Switch:
    on: bool
    why: str  # where the setting comes from


def agents_switch(project: Project) -> Switch:
    """Whether agent transcripts are read here: this repository's choice (`devlog sources`),
    else the user's config; off by default."""
    try:
        chosen = json.loads(_switch_file(project).read_text(encoding="utf-8")).get("agents")
    except (OSError, ValueError, AttributeError):
        chosen = None
    if isinstance(chosen, bool):
        return Switch(chosen, "`devlog sources` for this repository")
    if project.config.sources.agents:
        return Switch(True, "[sources] agents in your config")
    return Switch(False, "off by default; `devlog sources --enable agents` turns it on")


def set_agents(project: Project, on: bool) -> Switch:
    project.paths.ensure_state_dir()
    path = _switch_file(project)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"agents": on}) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return agents_switch(project)


def _switch_file(project: Project) -> Path:
    return project.paths.state_dir / "sources.json"


def linked_prompts(project: Project, beats: Sequence[Beat]) -> list[AgentPrompt]:
    """The prompts the author typed into a coding agent that led to ``beats``; nothing (and
    nothing read) unless the user turned agent transcripts on."""
    if not beats or not agents_switch(project).on:
        return []
    workdir = project.paths.workdir
    if workdir is None:
        return []
    start, end = min(b.time for b in beats), max(b.time for b in beats)
    found = [p for p in read_all(Path(workdir), start - transcripts.LINK_BY_FILES, end)]
    return transcripts.link_prompts(found, beats)


def read_all(workdir: Path, start: int, end: int, home: Path | None = None) -> list[AgentPrompt]:
    """Every prompt typed for ``workdir`` between ``start`` and ``end`` (epoch seconds)."""
    home = home or Path.home()
    root = str(workdir)
    prompts: list[AgentPrompt] = []
    for path in _claude_files(home, root):
        prompts += transcripts.read_claude(_lines(path), root)
    for path in _codex_files(home, start, end):
        prompts += transcripts.read_codex(_lines(path), root)
    aider = workdir / ".aider.chat.history.md"
    if aider.is_file() and not aider.is_symlink():
        offset = time.localtime().tm_gmtoff
        prompts += transcripts.read_aider(_text(aider), root, offset)
    return [p for p in prompts if start <= p.time <= end]


def _claude_files(home: Path, workdir: str) -> list[Path]:
    base = Path(os.environ.get("CLAUDE_CONFIG_DIR") or home / ".claude") / "projects"
    folder = base / transcripts.claude_project_dir(workdir)
    try:
        return sorted(p for p in folder.iterdir() if p.suffix == ".jsonl" and p.is_file())
    except OSError:
        return []


def _codex_files(home: Path, start: int, end: int) -> Iterator[Path]:
    """Codex sessions of the days the range covers (sessions/YYYY/MM/DD/rollout-*.jsonl)."""
    base = Path(os.environ.get("CODEX_HOME") or home / ".codex") / "sessions"
    day = start - SLACK
    seen: set[str] = set()
    while day <= end + SLACK:
        folder = base / time.strftime("%Y/%m/%d", time.gmtime(day))
        day += 86400
        if str(folder) in seen:
            continue
        seen.add(str(folder))
        try:
            yield from sorted(p for p in folder.iterdir() if p.name.startswith("rollout-") and p.suffix == ".jsonl")
        except OSError:
            continue


def _lines(path: Path) -> Iterator[str]:
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            read = 0
            for line in handle:
                read += len(line)
                if read > MAX_TRANSCRIPT:
                    return
                yield line
    except OSError as err:
        log.info("cannot read %s: %s", path, err)


def _text(path: Path) -> str:
    try:
        with path.open("r", encoding="utf-8", errors="replace") as handle:
            return handle.read(MAX_TRANSCRIPT)
    except OSError:
        return ""
