"""A repository driven as a person drives it, for the rewrite tests: real git, the real
hooks from `devlog install`, the real daemon, and the wall clock (a rebase in the same
second as the commits it replays makes commits identical to them, as it does for people)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from devlogd.cli.client import Connection, connect_or_start
from devlogd.paths import find_repo
from tests.daemonutil import DEVLOG, daemon_pid, wait_pid_gone


class LiveRepo:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True)
        self.git("init", "-q", "-b", "main")
        self.serial = 0

    def git(self, *args: str, env: dict[str, str] | None = None, check: bool = True) -> str:
        out = subprocess.run(["git", *args], cwd=self.path, capture_output=True, text=True,
                             env={**os.environ, **(env or {})}, timeout=60)
        if check and out.returncode != 0:
            raise AssertionError(f"git {args} failed: {out.stderr}")
        return out.stdout.strip()

    def commit(self, message: str, quiet: bool = False) -> str:
        self.serial += 1
        # A file of its own per commit: cherry-picks, rebases and merges never conflict.
        (self.path / f"f{self.serial}.txt").write_text(f"{message}\n")
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, env={"DEVLOG": "0"} if quiet else None)
        return self.git("rev-parse", "HEAD")

    def install(self) -> None:
        subprocess.run([*DEVLOG, "-C", str(self.path), "install"], check=True, capture_output=True, timeout=60)

    def wait_daemon(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while daemon_pid(self.path) is None or not (self.path / ".git" / "devlog" / "daemon.sock").exists():
            assert time.monotonic() < deadline, "the daemon did not start"
            time.sleep(0.02)

    def stop_daemon(self) -> None:
        subprocess.run([*DEVLOG, "-C", str(self.path), "daemon", "stop"], check=True, capture_output=True, timeout=60)

    def kill_daemon(self) -> None:
        pid = daemon_pid(self.path)
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                return
            wait_pid_gone(pid)

    def reachable(self) -> set[str]:
        return set(self.git("rev-list", "--branches", "HEAD").split())

    def told(self) -> list[str]:
        """The shas of the beats the daemon shows, asked over its socket as any client."""
        paths = find_repo(self.path)
        conn = Connection(connect_or_start(paths))
        try:
            conn.initialize(paths.workdir)
            beats: list[dict[str, Any]] = conn.request("devlog/beats", {})
        finally:
            conn.close()
        return [beat["sha"] for beat in beats]

    def assert_exact(self) -> None:
        told, expected = self.told(), self.reachable()
        assert len(told) == len(set(told)), "a commit was told twice"
        missing, stale = expected - set(told), set(told) - expected
        assert not missing and not stale, f"{len(missing)} missing, {len(stale)} stale"
