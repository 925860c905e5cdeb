"""A draft on a repository built to be slow (comments padded with a quarter-million spaces,
one 5 MB line, brackets, dots and quotes in long runs, a manifest nested 100,000 deep)
keeps the daemon answering: `status` is served while the draft runs, the draft itself
finishes, and SIGTERM stops a daemon that is busy drafting. The old outline pattern never
returned on such a comment, and the daemon then ignored both `status` and SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests.daemonutil import daemon_pid, devlog, status, wait_pid_gone, wait_settled
from tests.gitrepo import GitRepo

PAD = " " * 250_000


def slow_repository(repo: GitRepo) -> None:
    code = "".join(f"#{PAD}x\n# Step {i} of the parser.{PAD}\ndef step_{i}():\n    return {i}\n\n" for i in range(6))
    repo.commit("Start the parser", {"parse.py": code, "README.md": "# parser\n\nA parser.\n"})
    repo.commit("Parse the data dump too", {
        "parse.py": code + "def dump():\n    return 0\n",
        "data/dump.py": "X = '" + "[(.\"'" * 1_000_000 + "'\n",  # one 5 MB line
        "package.json": '{"name": "parser", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
        "lib.c": f"/*{PAD}*/\nstatic int parse(void) {{ return 0; }}\n/** The loop.{PAD}*/\nint main(void) {{ return parse(); }}\n",
    })


def start_draft(repo: GitRepo) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "devlogd", "-C", str(repo.path), "draft", "--narrator", "offline"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_slow_draft_leaves_status_answering_and_finishes(repo: GitRepo) -> None:
    slow_repository(repo)
    devlog(repo.path, "daemon", "start")
    wait_settled(repo.path, expect=2, timeout=120)
    draft = start_draft(repo)
    answered = 0
    while draft.poll() is None:
        assert status(repo.path)["pid"] == daemon_pid(repo.path)  # served while the draft runs
        answered += 1
    out, err = draft.communicate(timeout=300)  # a guard against a hang, not a speed bound
    assert draft.returncode == 0 and out.startswith("---\ntitle:"), err[-2000:]
    assert answered >= 1 and "Traceback" not in err
    devlog(repo.path, "daemon", "stop")


def test_sigterm_stops_a_daemon_that_is_drafting(repo: GitRepo) -> None:
    slow_repository(repo)
    devlog(repo.path, "daemon", "start")
    wait_settled(repo.path, expect=2, timeout=120)
    pid = daemon_pid(repo.path)
    assert pid
    draft = start_draft(repo)
    try:
        while draft.poll() is None and "narrator:" not in (repo.common_dir / "devlog" / "daemon.log").read_text():
            time.sleep(0.05)  # until the daemon has begun the draft
        os.kill(pid, signal.SIGTERM)
        wait_pid_gone(pid, timeout=60)
    finally:
        draft.kill()
        draft.communicate()
    assert not (repo.common_dir / "devlog" / "daemon.sock").exists()
