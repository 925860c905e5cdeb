from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gitrepo import GitRepo


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own HOME and config: nothing of the developer's leaks in or out."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    runtime = home / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
    (home / ".gitconfig").write_text(
        "[user]\n\tname = Ada Lovelace\n\temail = ada@example.com\n[init]\n\tdefaultBranch = main\n"
        "[commit]\n\tgpgsign = false\n"
    )
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_AUTH_TOKEN", "DEVLOG",
                 "DEVLOG_NARRATOR", "DEVLOG_MODEL", "DEVLOG_WORKERS", "GIT_DIR", "GIT_WORK_TREE",
                 "DEVLOG_PROVIDER", "DEVLOG_LOCAL_URL", "DEVLOG_LOCAL_MODEL", "DEVLOG_TOOLS"):
        monkeypatch.delenv(name, raising=False)
    # Without a key a draft looks for a local model server: never the developer's own Ollama.
    monkeypatch.setenv("OLLAMA_HOST", CLOSED_PORT)
    yield home


CLOSED_PORT = "127.0.0.1:9"  # the discard port: nothing listens there


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    made = GitRepo(tmp_path / "repo")
    track_daemon(made.path)
    return made


@pytest.fixture(autouse=True)
def short_lived_daemons(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Daemons started by a test exit soon on their own, and are stopped at its end."""
    import os
    import signal
    import sys

    monkeypatch.setenv("DEVLOG_IDLE_TIMEOUT", "60")
    launcher_dir = Path(sys.executable).parent
    if (launcher_dir / "devlog").exists():
        monkeypatch.setenv("DEVLOG_BIN", str(launcher_dir / "devlog"))
    yield
    repos = [str(pid_file.parent.parent.parent) for pid_file in _PID_FILES]
    _PID_FILES.clear()
    if not repos:
        return
    # Every daemon of these repositories, including one a hook spawned at the last moment.
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        args = [a.decode(errors="replace") for a in cmdline]
        if "daemon" in args and "run" in args and any(r in args for r in repos):
            try:
                os.kill(int(proc.name), signal.SIGTERM)
            except OSError:
                pass


_PID_FILES: list[Path] = []


def track_daemon(repo_path: Path) -> None:
    """Stop this repository's daemon when the test ends."""
    _PID_FILES.append(repo_path / ".git" / "devlog" / "daemon.pid")
