"""`devlog install` / `devlog uninstall`: our git hooks, beside anyone else's.

* The hooks directory is found the way git finds it (`git rev-parse --git-path hooks`), so
  `core.hooksPath` (husky, shared hook folders) and worktrees are honoured.
* A hook that is not ours is never overwritten: it is renamed `<hook>.devlog-chained` and
  our hook runs it after doing its own (tiny) work, with the same arguments and stdin.
* A marker line makes install idempotent; uninstall removes only our hook and puts the
  chained one back exactly as it was (content and mode).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from devlogd.errors import DevlogError
from devlogd.paths import RepoPaths

HOOKS = ("post-commit", "post-rewrite")
MARKER = "# devlog-hook:"
CHAINED = ".devlog-chained"


@dataclass(frozen=True)
class HookChange:
    hook: str
    action: str  # installed, updated, chained, removed, restored, absent, foreign

    def __str__(self) -> str:
        return f"{self.hook}: {self.action}"


def hooks_dir(repo: RepoPaths) -> Path:
    cwd = repo.workdir or repo.common_dir
    out = subprocess.run(
        ["git", "rev-parse", "--path-format=absolute", "--git-path", "hooks"],
        cwd=cwd, capture_output=True, text=True, check=False,
    )
    if out.returncode != 0 or not out.stdout.strip():
        raise DevlogError(f"git could not tell where the hooks of {cwd} live: {out.stderr.strip()}")
    return Path(out.stdout.strip())


def is_ours(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            head = handle.read(400)
    except OSError:
        return False
    return MARKER in head


COMMON = "# @DEVLOG_COMMON@"


def _read(name: str) -> str:
    return resources.files("devlogd._hooks").joinpath(name).read_text(encoding="utf-8")


def template(name: str) -> str:
    """A hook's script with the functions both hooks share pasted in."""
    return _read(name).replace(COMMON, _read("common.sh").rstrip("\n"))


def sh_quote(text: str) -> str:
    """``text`` as one single-quoted sh word, whatever it holds (quotes, ``$(…)``,
    spaces, newlines): inside single quotes only ``'`` itself needs care."""
    return "'" + text.replace("'", "'\\''") + "'"


def render(name: str, devlog_bin: str, state_dir: str) -> str:
    # Paths are data: each becomes one quoted word, never code (a repository at
    # `/tmp/q'$(id>x)'q` must not run `id` on every commit).
    values = {"BIN": sh_quote(devlog_bin), "STATE": sh_quote(state_dir)}
    return re.sub(r"@DEVLOG_(BIN|STATE)@", lambda m: values[m.group(1)], template(name))


def devlog_executable(repo: RepoPaths) -> str:
    """The absolute path the hooks call: editors run hooks with a thin PATH."""
    explicit = os.environ.get("DEVLOG_BIN")
    if explicit:
        return str(Path(explicit).resolve())
    argv0 = Path(sys.argv[0])
    if argv0.name == "devlog" and os.access(argv0, os.X_OK):
        return str(argv0.resolve())
    found = shutil.which("devlog")
    if found:
        return str(Path(found).resolve())
    # Running as `python -m devlogd`: a two-line launcher for this very interpreter.
    launcher = repo.ensure_state_dir() / "devlog-bin"
    launcher.write_text(f"#!/bin/sh\nexec {sh_quote(sys.executable)} -m devlogd \"$@\"\n", encoding="utf-8")
    launcher.chmod(0o755)
    return str(launcher)


def _embed_state(repo: RepoPaths, directory: Path) -> str:
    """A hooks folder private to this repository may name its state directly (no fork at
    commit time); a shared one (a global core.hooksPath) must ask git each time."""
    private_roots = [repo.common_dir.resolve()] + ([repo.workdir.resolve()] if repo.workdir else [])
    resolved = directory.resolve()
    if any(resolved == root or root in resolved.parents for root in private_roots):
        return str(repo.state_dir)
    return ""


def install(repo: RepoPaths, devlog_bin: str | None = None) -> list[HookChange]:
    directory = hooks_dir(repo)
    directory.mkdir(parents=True, exist_ok=True)
    devlog_bin = devlog_bin or devlog_executable(repo)
    state = _embed_state(repo, directory)
    repo.ensure_state_dir()
    changes = []
    for name in HOOKS:
        changes.append(_install_one(directory / name, name, render(name, devlog_bin, state)))
    return changes


def _install_one(target: Path, name: str, content: str) -> HookChange:
    chained = target.with_name(target.name + CHAINED)
    if target.exists() or target.is_symlink():
        if is_ours(target):
            _write(target, content)
            return HookChange(name, "updated")
        if chained.exists() or chained.is_symlink():
            raise DevlogError(
                f"{target} is another tool's hook and {chained.name} already exists; "
                "move one of them aside and run `devlog install` again"
            )
        os.rename(target, chained)
        _write(target, content)
        return HookChange(name, f"installed, running the existing hook after it ({chained.name})")
    _write(target, content)
    return HookChange(name, "installed")


def uninstall(repo: RepoPaths) -> list[HookChange]:
    directory = hooks_dir(repo)
    changes = []
    for name in HOOKS:
        target = directory / name
        chained = target.with_name(name + CHAINED)
        if not (target.exists() or target.is_symlink()):
            changes.append(HookChange(name, "absent"))
            continue
        if not is_ours(target):
            changes.append(HookChange(name, "not ours, left alone"))
            continue
        target.unlink()
        if chained.exists() or chained.is_symlink():
            os.rename(chained, target)
            changes.append(HookChange(name, "removed, the previous hook restored"))
        else:
            changes.append(HookChange(name, "removed"))
    return changes


def _write(target: Path, content: str) -> None:
    tmp = target.with_name(f".{target.name}.devlog-tmp")
    tmp.write_text(content, encoding="utf-8")
    tmp.chmod(0o755)
    os.replace(tmp, target)
