"""The first ten minutes, as a newcomer lives them: a fresh HOME, a clone, `./install.sh`,
then a *new login shell* (nothing of this process's PATH or environment) running a day's
first commands. Everything is real: pip installs the clone into its own environment, the
login shell finds `devlog` only through the profile install.sh wrote.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import track_daemon
from tests.gitrepo import GitRepo

PROJECT = Path(__file__).resolve().parents[1]
LOGIN_PATH = "/usr/local/bin:/usr/bin:/bin"  # what a login shell starts from, before profiles
USER_BASHRC = "# my own settings\nalias ll='ls -l'\n\nexport EDITOR=vi\n"
BEFORE: dict[str, bytes | str] = {}  # HOME before ./install.sh


def login_env(home: Path) -> dict[str, str]:
    """A new login session's environment: HOME and a system PATH, nothing of ours."""
    env = {"HOME": str(home), "PATH": LOGIN_PATH, "SHELL": "/bin/bash", "LANG": "C.UTF-8",
           "TERM": "dumb", "DEVLOG_IDLE_TIMEOUT": "60",
           "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"), "GIT_CONFIG_NOSYSTEM": "1"}
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CONFIG_FILE"):
        if name in os.environ:  # how this machine reaches its package index
            env[name] = os.environ[name]
    return env


def login_shell(home: Path, script: str, shell: str = "bash", cwd: Path | None = None,
                timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([shell, "-l", "-c", script], env=login_env(home), cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    """HOME, the clone, and what ./install.sh printed."""
    base = tmp_path_factory.mktemp("newcomer")
    home = base / "home"
    home.mkdir()
    (home / ".bashrc").write_text(USER_BASHRC)  # the user's own: install.sh adds a line, --uninstall takes it back
    BEFORE.update(snapshot(home))
    clone = base / "devlogd"
    subprocess.run(["git", "clone", "-q", str(PROJECT), str(clone)], check=True, timeout=120)
    # The interpreter this suite runs on builds the environment (PATH alone may find none).
    env = {**login_env(home), "PYTHON": os.path.realpath(sys.executable)}
    result = subprocess.run(["./install.sh"], cwd=clone, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return home, clone, result


def test_install_says_what_it_did_and_puts_devlog_on_path(
        installed: tuple[Path, Path, subprocess.CompletedProcess[str]]) -> None:
    home, clone, result = installed
    said = result.stderr
    assert result.stdout == ""
    summary = said[said.index(" is installed:"):]
    assert "command      ~/.local/bin/devlog -> ~/.local/share/devlog/venv/bin/devlog" in summary
    assert "daemon       none started" in summary
    assert "PATH         added ~/.local/bin to PATH in ~/.profile" in summary
    # The sample is a few lines, and says how to see the whole; no daemon was started for it.
    assert "(the first 14 of" in said and "the whole post: devlog -C" in said
    assert not (clone / ".git" / "devlog" / "daemon.pid").exists()
    # Run again, nothing is added twice.
    assert (home / ".profile").read_text().count("added by devlog's install.sh") == 1


def test_a_new_login_shell_finds_devlog_and_the_first_commands_work(
        installed: tuple[Path, Path, subprocess.CompletedProcess[str]], tmp_path: Path) -> None:
    home, clone, _ = installed
    track_daemon(clone)  # none should run there; if one does, it is stopped with the test
    (home / ".gitconfig").write_text("[user]\n\tname = Ada\n\temail = ada@example.com\n")
    for shell in ("bash", "sh"):
        version = login_shell(home, "devlog --version", shell)
        assert version.returncode == 0 and version.stdout.startswith("devlog "), version.stderr
    repo = GitRepo(tmp_path / "tweetbot")
    track_daemon(repo.path)
    repo.git("config", "user.name", "Ada")
    repo.git("config", "user.email", "ada@example.com")
    repo.commit("Initial bot", {"bot.py": "import socket\n"})
    repo.commit("feat: handle deleted tweets", {"bot.py": "def handle_deleted_tweet(tweet):\n    return tweet.id\n"})
    try:
        draft = login_shell(home, "devlog draft", cwd=repo.path)
        assert draft.returncode == 0, draft.stderr
        assert draft.stdout.startswith("---\ntitle:") and "handle_deleted_tweet" in draft.stdout
        assert draft.stderr.count("started a background daemon") == 1

        empty = login_shell(home, "devlog draft --since '2 weeks ago'", cwd=repo.path)
        assert empty.returncode == 9 and empty.stdout == ""
        assert "nothing to draft since '2 weeks ago'" in empty.stderr and "`devlog draft --since" in empty.stderr

        repo.write(".devlog.toml", "[draft]\nmax_chapter = 3\n")  # the daemon is running
        typo = login_shell(home, "devlog status", cwd=repo.path)
        assert typo.returncode == 0  # a repository's file never stops devlog; the typo is said
        assert (f"devlog: {repo.path / '.devlog.toml'}, line 2: unknown key `draft.max_chapter` "
                "(did you mean `max_chapters`?); it is ignored") in typo.stderr
        (repo.path / ".devlog.toml").unlink()

        lsp = lsp_session(home, repo.path)
        assert lsp.returncode == 0 and lsp.stderr == b""
    finally:
        login_shell(home, "devlog daemon stop", cwd=repo.path)


def lsp_session(home: Path, repo: Path) -> subprocess.CompletedProcess[bytes]:
    """initialize -> shutdown -> exit through `devlog lsp`, stdin left open as editors do."""
    def frame(message: dict[str, object]) -> bytes:
        body = json.dumps(message).encode()
        return b"Content-Length: %d\r\n\r\n" % len(body) + body

    proc = subprocess.Popen(["bash", "-l", "-c", "exec devlog lsp"], cwd=repo, env=login_env(home),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    try:
        proc.stdin.write(frame({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                "params": {"processId": None, "rootUri": repo.as_uri(), "capabilities": {}}}))
        proc.stdin.write(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        proc.stdin.write(frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
        proc.stdin.flush()
        replies = b""
        while b'"id": 2' not in replies and b'"id":2' not in replies:
            chunk = proc.stdout.read1(65536)
            assert chunk, "devlog lsp ended before answering shutdown"
            replies += chunk
        proc.stdin.write(frame({"jsonrpc": "2.0", "method": "exit"}))
        proc.stdin.flush()
        code = proc.wait(timeout=30)
        return subprocess.CompletedProcess(proc.args, code, replies, proc.stderr.read())
    finally:
        proc.kill()
        proc.stdin.close()


# -- the way out: the last test of this module, since it removes what the others use -------------

def snapshot(home: Path) -> dict[str, bytes | str]:
    """Every file and folder under ``home``, with its content (links by their target), but
    pip's own cache, which pip keeps for every installer on the machine."""
    found: dict[str, bytes | str] = {}
    for path in sorted(home.rglob("*")):
        name = str(path.relative_to(home))
        if name == ".cache" or name.startswith(".cache/pip"):
            continue
        if path.is_symlink():
            found[name] = "-> " + os.readlink(path)
        elif path.is_dir():
            found[name] = "folder"
        else:
            found[name] = path.read_bytes()
    return found


def devlog_processes(venv: Path) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if proc.name.isdigit() and any(arg.startswith(str(venv).encode()) for arg in args):
            found.append(b" ".join(args).decode(errors="replace"))
    return found


def test_uninstall_leaves_no_file_line_or_process(installed: tuple[Path, Path, subprocess.CompletedProcess[str]],
                                                  tmp_path: Path) -> None:
    home, clone, _ = installed
    (home / ".gitconfig").write_text("[user]\n\tname = Ada\n\temail = ada@example.com\n")
    venv = home / ".local" / "share" / "devlog" / "venv"
    # A day's use: two repositories journaled by their daemons, the user's own config.
    kept, purged = GitRepo(tmp_path / "kept"), GitRepo(tmp_path / "purged")
    for repo in (kept, purged):
        track_daemon(repo.path)
        repo.commit("Initial server", {"server.py": "import socket\n"})
        done = login_shell(home, "devlog install && devlog note 'the first sketch'", cwd=repo.path)
        assert done.returncode == 0, done.stderr
    (home / ".config" / "devlog").mkdir(parents=True, exist_ok=True)
    (home / ".config" / "devlog" / "config.toml").write_text("[draft]\nmax_chapters = 5\n")
    assert devlog_processes(venv)  # the daemons run from the environment

    out = login_shell(home, "devlog uninstall --purge", cwd=purged.path)
    assert out.returncode == 0 and not (purged.path / ".git" / "devlog").exists(), out.stderr

    env = {**login_env(home), "PYTHON": os.path.realpath(sys.executable)}
    gone = subprocess.run(["./install.sh", "--uninstall", "--purge"], cwd=clone, env=env,
                          capture_output=True, text=True, timeout=300)
    said = gone.stderr
    assert gone.returncode == 0 and said.startswith("devlog is uninstalled:\n"), said
    assert "  stopped 1 devlog daemon(s)" in said  # the one left in `kept`
    assert "  removed the link ~/.local/bin/devlog" in said
    assert "  removed the environment ~/.local/share/devlog/venv (" in said
    assert "  removed the PATH line from ~/.profile" in said and "  removed the PATH line from ~/.bashrc" in said
    assert "  removed your settings and key, ~/.config/devlog" in said
    assert "kept: each repository's journal" in said
    left = snapshot(home)
    left.pop(".gitconfig")  # written by these tests, not by devlog
    assert left == BEFORE  # no file, no line: ~/.bashrc is the user's own again, byte for byte
    assert (home / ".bashrc").read_text() == USER_BASHRC
    assert devlog_processes(venv) == []
    assert login_shell(home, "command -v devlog").returncode != 0
    again = subprocess.run(["./install.sh", "--uninstall"], cwd=clone, env=env, capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0 and "devlog is not installed here" in again.stderr
