"""Where a repository's devlog state lives, found without importing pygit2.

The terminal client must stay cheap (DESIGN §3), so repository discovery here is plain
file-system work with a `git rev-parse` fallback for layouts it does not recognise.
"""

from __future__ import annotations

import os
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from devlogd.errors import NotARepositoryError, StateError
from devlogd.statefiles import check_private_dir

STATE_DIR = "devlog"
AF_UNIX_PATH_MAX = 107


@dataclass(frozen=True)
class RepoPaths:
    """The locations of one repository and of devlog's state inside it."""

    common_dir: Path  # git-common-dir: shared by every worktree
    workdir: Path | None  # None for a bare repository

    @property
    def state_dir(self) -> Path:
        return self.common_dir / STATE_DIR

    @property
    def journal(self) -> Path:
        return self.state_dir / "journal.jsonl"

    @property
    def journal_lock(self) -> Path:
        return self.state_dir / "journal.lock"

    @property
    def queue(self) -> Path:
        return self.state_dir / "queue"

    @property
    def daemon_lock(self) -> Path:
        return self.state_dir / "daemon.lock"

    @property
    def daemon_pid(self) -> Path:
        return self.state_dir / "daemon.pid"

    @property
    def daemon_log(self) -> Path:
        return self.state_dir / "daemon.log"

    @property
    def cache_dir(self) -> Path:
        return self.state_dir / "cache"

    @property
    def socket(self) -> Path:
        preferred = self.state_dir / "daemon.sock"
        if len(os.fsencode(preferred)) <= AF_UNIX_PATH_MAX:
            return preferred
        # AF_UNIX paths are short; fall back to a per-user runtime directory keyed by repo.
        import hashlib

        key = hashlib.sha256(os.fsencode(self.common_dir)).hexdigest()[:16]
        runtime = os.environ.get("XDG_RUNTIME_DIR")
        return Path(runtime or _tmp_fallback()) / "devlog" / f"{key}.sock"

    @property
    def config_file(self) -> Path | None:
        return self.workdir / ".devlog.toml" if self.workdir else None

    @property
    def ignore_file(self) -> Path | None:
        return self.workdir / ".devlogignore" if self.workdir else None

    def ensure_state_dir(self) -> Path:
        """The state folder, made private if new; refused when it is a link or another
        user's, and tightened to 0700 when it is ours but open to others."""
        try:
            self.state_dir.mkdir(mode=0o700)
        except FileExistsError:
            pass
        check_private_dir(self.state_dir)
        return self.state_dir


def _tmp_fallback() -> str:
    """A per-user folder under /tmp ($TMPDIR) for sockets when $XDG_RUNTIME_DIR is not
    set. /tmp is everyone's: a name someone else took first (or a link) is passed over for
    the next, so another user cannot make every command wait on a folder devlog may not use."""
    base = os.path.join(tempfile.gettempdir(), f"devlog-{os.getuid()}")
    for candidate in [base, *(f"{base}-{n}" for n in range(1, 8))]:
        try:
            info = os.lstat(candidate)
        except FileNotFoundError:
            return candidate
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid():
            return candidate
    raise StateError(f"{base} and the names after it belong to someone else; set XDG_RUNTIME_DIR "
                     "to a private folder")


def find_repo(start: Path | str | None = None) -> RepoPaths:
    """Find the repository containing ``start`` (default: the current directory)."""
    here = Path(start or os.getcwd()).resolve()
    if not here.exists():
        raise NotARepositoryError(f"no such directory: {here}")
    env_git_dir = os.environ.get("GIT_DIR")
    if env_git_dir is None:
        found = _walk_up(here)
        if found is not None:
            return found
    return _ask_git(here)


def _walk_up(here: Path) -> RepoPaths | None:
    for directory in (here, *here.parents):
        dot_git = directory / ".git"
        if dot_git.is_dir():
            return RepoPaths(_common_dir_of(dot_git), directory)
        if dot_git.is_file():
            git_dir = _read_gitfile(dot_git)
            if git_dir is None:
                return None
            return RepoPaths(_common_dir_of(git_dir), directory)
        if _is_bare_git_dir(directory):
            return RepoPaths(_common_dir_of(directory), None)
    return None


def _read_gitfile(dot_git: Path) -> Path | None:
    try:
        text = dot_git.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not text.startswith("gitdir:"):
        return None
    target = Path(text.split(":", 1)[1].strip())
    return (dot_git.parent / target).resolve() if not target.is_absolute() else target


def _common_dir_of(git_dir: Path) -> Path:
    commondir = git_dir / "commondir"
    if commondir.is_file():
        target = Path(commondir.read_text(encoding="utf-8").strip())
        return (git_dir / target).resolve() if not target.is_absolute() else target
    return git_dir.resolve()


def _is_bare_git_dir(directory: Path) -> bool:
    return (directory / "HEAD").is_file() and (directory / "objects").is_dir() and (
        directory / "refs"
    ).is_dir()


def _ask_git(here: Path) -> RepoPaths:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--path-format=absolute", "--git-common-dir", "--show-toplevel"],
            cwd=here,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError as err:
        raise NotARepositoryError("git is not installed or not on PATH") from err
    lines = out.stdout.splitlines()
    if out.returncode != 0 or not lines:
        raise NotARepositoryError(f"not a git repository: {here}")
    workdir = Path(lines[1]) if len(lines) > 1 and lines[1] else None
    return RepoPaths(Path(lines[0]), workdir)


def config_home() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "devlog"
