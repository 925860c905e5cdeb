"""A clean way out of a repository: `devlog uninstall` says what it keeps (the journal, the
notes and answers, with their size); `--purge` removes that too, and no file, hook or
process of devlog's is left in the repository."""

from __future__ import annotations

import os
import re
from pathlib import Path

from tests.daemonutil import daemon_pid, devlog
from tests.gitrepo import GitRepo


def _processes_for(path: Path) -> list[int]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if proc.name.isdigit() and b"daemon" in args and str(path).encode() in args:
            found.append(int(proc.name))
    return found


def test_uninstall_says_what_it_keeps_and_purge_removes_it(repo: GitRepo) -> None:
    repo.commit("Initial server", {"server.py": "import socket\n"})
    repo.commit("Handle deleted tweets", {"server.py": "import socket\n\ndef handle(t):\n    return t\n"})
    hooks = {p.name for p in (repo.path / ".git" / "hooks").iterdir()}
    devlog(repo.path, "install")
    devlog(repo.path, "note", "1,378 clients stuck for 20 hours")
    pid = daemon_pid(repo.path)
    assert pid is not None

    kept = devlog(repo.path, "uninstall").stderr
    (said,) = [line for line in kept.splitlines() if line.startswith("kept ")]
    assert re.fullmatch(r"kept .*/\.git/devlog: the journal \(2 changes, your notes and answers \(1\); "
                        r"[\d.]+ (?:kB|bytes)\) and its cache and logs \([\d.]+ (?:kB|bytes)\); "
                        r"`devlog uninstall --purge` removes it", said), said
    assert (repo.path / ".git" / "devlog" / "journal.jsonl").exists()  # kept, as said
    assert {p.name for p in (repo.path / ".git" / "hooks").iterdir()} == hooks

    purged = devlog(repo.path, "uninstall", "--purge").stderr
    assert re.search(r"^removed .*/\.git/devlog: the journal \(2 changes", purged, re.M), purged
    assert not (repo.path / ".git" / "devlog").exists()
    assert {p.name for p in (repo.path / ".git" / "hooks").iterdir()} == hooks
    assert _processes_for(repo.path) == [] and not _alive(pid)
    assert "devlog kept nothing else here" in devlog(repo.path, "uninstall", "--purge").stderr
    assert repo.git("status", "--porcelain") == ""  # the work tree was never touched


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/status").read_text().find("State:\tZ") < 0
