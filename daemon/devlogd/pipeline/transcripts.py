"""What the author typed into a coding agent, read from the agent's own logs. Pure: text in.

Three formats, as their tools write them and their public readers describe them:

* Claude Code: ``~/.claude/projects/<the working directory, every / and . as ->/*.jsonl``,
  one JSON record a line with ``type`` (user, assistant, summary, ...), ``cwd``,
  ``timestamp`` (ISO 8601) and ``message.content``: a string, or a list of blocks. A user
  record whose blocks are ``tool_result`` carries a tool's output, not the user's words;
  ``isMeta`` and ``isSidechain`` records are the tool's and its sub-agents'. An assistant's
  ``tool_use`` blocks (Edit, Write, MultiEdit) name the files it changed.
* Codex CLI: ``~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl``, records ``{timestamp, type,
  payload}``: ``session_meta`` (its ``cwd``), ``response_item`` messages (``role`` user,
  ``input_text`` blocks; the ``<environment_context>``-style blocks are the tool's) and
  function calls whose patches name files (``*** Update File: path``).
* Aider: ``.aider.chat.history.md`` in the repository, ``# aider chat started at
  YYYY-MM-DD HH:MM:SS`` per session, the user's prompts on ``#### `` lines, and
  ``Applied edit to path`` after an edit.

Each prompt is condensed (one line, clipped) and redacted here; a malformed line is skipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import Any

from devlogd.models import AgentPrompt, Beat
from devlogd.pipeline.redact import redact

MAX_PROMPT = 400  # characters kept of one prompt
_EDIT_TOOLS = {"Edit", "Write", "MultiEdit", "NotebookEdit"}
_PATCH_FILE = re.compile(r"^\*\*\* (?:Add|Update|Delete) File: (.+)$", re.M)
_AIDER_START = re.compile(r"^# aider chat started at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)")
_AIDER_EDIT = re.compile(r"^>?\s*Applied edit to (.+?)\s*$")


def claude_project_dir(workdir: str) -> str:
    """The folder name Claude Code keeps a working directory's sessions under."""
    return re.sub(r"[^A-Za-z0-9-]", "-", workdir)


def read_claude(lines: Iterable[str], workdir: str) -> list[AgentPrompt]:
    prompts: list[AgentPrompt] = []
    for record in _records(lines):
        if record.get("isSidechain") or record.get("isMeta") or not _inside(record.get("cwd"), workdir):
            continue
        message = record.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if record.get("type") == "user":
            text = _user_text(content)
            when = _iso_time(record.get("timestamp"))
            if text and when is not None and (condensed := condense(text)):
                prompts.append(AgentPrompt(time=when, text=condensed, tool="Claude Code"))
        elif record.get("type") == "assistant" and prompts and isinstance(content, list):
            edited = [_relative(str(block.get("input", {}).get("file_path", "")), workdir)
                      for block in content if isinstance(block, dict) and block.get("type") == "tool_use"
                      and block.get("name") in _EDIT_TOOLS and isinstance(block.get("input"), dict)]
            prompts[-1] = _with_files(prompts[-1], edited)
    return prompts


def _user_text(content: Any) -> str:
    """The user's own words in a user record: a string, or its text blocks; nothing when it
    carries tool results (a tool's output, sent back under the user's role)."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    if any(isinstance(b, dict) and b.get("type") == "tool_result" for b in content):
        return ""
    return "\n".join(str(b.get("text", "")) for b in content if isinstance(b, dict) and b.get("type") == "text")


def read_codex(lines: Iterable[str], workdir: str) -> list[AgentPrompt]:
    prompts: list[AgentPrompt] = []
    inside = False
    for record in _records(lines):
        inner = record.get("payload")
        payload: dict[str, Any] = inner if isinstance(inner, dict) else record
        kind = record.get("type")
        if kind == "session_meta" or (kind is None and "cwd" in record):
            inside = _inside(payload.get("cwd"), workdir)
            if not inside:
                return prompts  # another project's session: nothing past its first line is read
            continue
        if not inside:
            continue
        item = payload.get("type")
        if item == "message" and payload.get("role") == "user":
            text = "\n".join(str(b.get("text", "")) for b in payload.get("content") or []
                             if isinstance(b, dict) and b.get("type") in ("input_text", "text"))
            when = _iso_time(record.get("timestamp"))
            if when is not None and (condensed := condense(text)):
                prompts.append(AgentPrompt(time=when, text=condensed, tool="Codex"))
        elif item in ("function_call", "custom_tool_call", "local_shell_call") and prompts:
            texts = _strings(payload.get("arguments") or payload.get("input") or payload.get("action"))
            edited = [_relative(m.strip(), workdir) for text in texts for m in _PATCH_FILE.findall(text)]
            prompts[-1] = _with_files(prompts[-1], edited)
    return prompts


def _strings(value: Any, depth: int = 0) -> list[str]:
    """Every string in a tool call's arguments (which may be JSON inside a string)."""
    if depth > 4:
        return []
    if isinstance(value, str):
        try:
            inner = json.loads(value)
        except ValueError:
            return [value]
        return _strings(inner, depth + 1) if not isinstance(inner, str) else [inner]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v, depth + 1)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v, depth + 1)]
    return []


def read_aider(text: str, workdir: str, utc_offset: int = 0) -> list[AgentPrompt]:
    """``utc_offset``: seconds east of UTC of the local time Aider wrote its headers in."""
    prompts: list[AgentPrompt] = []
    started: int | None = None
    asked: list[str] = []
    for line in text.splitlines():
        start = _AIDER_START.match(line)
        if start:
            _flush_aider(prompts, asked, started)
            naive = datetime.strptime(start.group(1), "%Y-%m-%d %H:%M:%S")
            started = int(naive.replace(tzinfo=timezone.utc).timestamp()) - utc_offset
            continue
        if line.startswith("#### "):
            asked.append(line[5:])
            continue
        _flush_aider(prompts, asked, started)
        edit = _AIDER_EDIT.match(line)
        if edit and prompts:
            prompts[-1] = _with_files(prompts[-1], [_relative(edit.group(1), workdir)])
    _flush_aider(prompts, asked, started)
    return prompts


def _flush_aider(prompts: list[AgentPrompt], asked: list[str], started: int | None) -> None:
    """A prompt's lines (consecutive #### lines) as one prompt, in its session's order
    (Aider writes no time per prompt: the session's start, a second apart)."""
    if asked and started is not None and (condensed := condense("\n".join(asked))):
        prompts.append(AgentPrompt(time=started + len(prompts), text=condensed, tool="Aider"))
    asked.clear()


def condense(text: str) -> str:
    """One redacted line, clipped; nothing for what is not a request in words (a slash
    command, a tool's tags, "yes", "continue")."""
    text = " ".join(text.split())
    if not text or text.startswith(("/", "<", "[Request interrupted", "Caveat:")) or len(text.split()) < 3:
        return ""
    if len(text) > MAX_PROMPT:
        text = text[:MAX_PROMPT].rsplit(" ", 1)[0] + "\u2026"
    return redact(text)


def _records(lines: Iterable[str]) -> Iterable[dict[str, Any]]:
    for line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a torn or malformed line: skipped, the rest is read
        if isinstance(record, dict):
            yield record


def _iso_time(value: Any) -> int | None:
    if isinstance(value, (int, float)):
        return int(value / 1000 if value > 1e11 else value)
    if not isinstance(value, str):
        return None
    try:
        return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return None


def _inside(cwd: Any, workdir: str) -> bool:
    if not isinstance(cwd, str) or not cwd:
        return False
    cwd, root = cwd.rstrip("/"), workdir.rstrip("/")
    return bool(cwd == root or cwd.startswith(root + "/"))


def _relative(path: str, workdir: str) -> str:
    root = workdir.rstrip("/") + "/"
    return path[len(root):] if path.startswith(root) else str(PurePosixPath(path))


def _with_files(prompt: AgentPrompt, files: Sequence[str]) -> AgentPrompt:
    added = tuple(dict.fromkeys([*prompt.files, *(f for f in files if f)]))
    return prompt if added == prompt.files else AgentPrompt(prompt.time, prompt.text, prompt.tool, added)


# -- linking a prompt to the change it led to ----------------------------------------------------

LINK_BY_FILES = 2 * 86400  # a prompt leads to a change touching its files within two days
LINK_BY_TIME = 6 * 3600  # or, naming no files, to the next change within six hours


def link_prompts(prompts: Iterable[AgentPrompt], beats: Sequence[Beat]) -> list[AgentPrompt]:
    """Each prompt that led to one of ``beats``: the first later change touching a file the
    agent edited for it, else the next change soon after. Prompts that lead to none (other
    work, outside the range) are left out."""
    ordered = sorted(beats, key=lambda b: b.time)
    linked: list[AgentPrompt] = []
    for prompt in sorted(prompts, key=lambda p: p.time):
        after = [b for b in ordered if prompt.time <= b.time <= prompt.time + LINK_BY_FILES]
        chosen = next((b for b in after if prompt.files and set(prompt.files) & set(b.files)), None)
        if chosen is None and after and after[0].time - prompt.time <= LINK_BY_TIME:
            chosen = after[0]
        if chosen is not None:
            linked.append(AgentPrompt(prompt.time, prompt.text, prompt.tool, prompt.files, chosen.sha))
    return linked
