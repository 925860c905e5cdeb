"""Real temporary git repositories for tests, driven through the real git command."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

HUNG = 300  # seconds: a guard against a hook that hangs, not a speed goal


class GitRepo:
    """A scratch repository with a deterministic clock: each commit is one minute later."""

    def __init__(self, path: Path, start: int = 1_700_000_000) -> None:
        self.path = path
        self.clock = start
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")

    def git(self, *args: str | bytes, env: dict[str, str] | None = None, check: bool = True,
            input: bytes | None = None) -> str:
        full_env = dict(os.environ)
        full_env.update({
            "GIT_AUTHOR_DATE": f"@{self.clock} +0000",
            "GIT_COMMITTER_DATE": f"@{self.clock} +0000",
        })
        full_env.update(env or {})
        try:
            out = subprocess.run(
                ["git", *args], cwd=self.path, env=full_env, capture_output=True, input=input,
                check=False, timeout=HUNG,
            )
        except subprocess.TimeoutExpired as err:
            raise AssertionError(f"git {args} hung for {HUNG} s") from err
        if check and out.returncode != 0:
            raise AssertionError(f"git {args} failed: {out.stderr.decode(errors='replace')}")
        return out.stdout.decode("utf-8", "replace").strip()

    def write(self, name: str, content: str | bytes) -> Path:
        target = self.path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
        return target

    def commit(self, message: str | bytes, files: dict[str, str | bytes] | None = None,
               allow_empty: bool = False, env: dict[str, str] | None = None) -> str:
        for name, content in (files or {}).items():
            self.write(name, content)
        self.git("add", "-A")
        self.clock += 60
        args: list[str | bytes] = ["commit", "-q", "--no-verify"]
        if allow_empty:
            args.append("--allow-empty")
        if isinstance(message, bytes):
            self.git(*args, "-F", "-", env=env, input=message)
        else:
            self.git(*args, "-m", message, env=env)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")

    @property
    def common_dir(self) -> Path:
        return self.path / ".git"
