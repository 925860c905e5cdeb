"""A parallel backfill killed as the OOM killer would: its workers end with it and leave
the journal free; a lock held by anything but the process that took it is said at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.daemonutil import DEVLOG, devlog, wait_pid_gone
from tests.synth import write_history


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_bytes()
            except OSError:
                continue
            if int(stat[stat.rfind(b")") + 2 :].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_a_killed_parallel_backfill_leaves_neither_workers_nor_the_lock(tmp_path: Path) -> None:
    repo = write_history(tmp_path / "repo", 3000)
    env = {**os.environ, "DEVLOG_WORKERS": "2"}
    parent = subprocess.Popen([*DEVLOG, "-C", str(repo), "--no-daemon", "backfill"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while len(workers := children(parent.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(workers) >= 2, "the backfill never started its workers"
    time.sleep(0.3)  # let them take their first chunks
    parent.kill()
    parent.wait()
    for worker in workers:
        wait_pid_gone(worker, timeout=10)  # they end with their parent
    out = subprocess.run([*DEVLOG, "-C", str(repo), "--no-daemon", "backfill"], env=env,
                         capture_output=True, text=True, timeout=300)  # a lock left behind: forever
    assert out.returncode == 0, out.stderr
    info = json.loads(devlog(repo, "--no-daemon", "status", "--json").stdout)
    assert info["beats"] == 3000


HOLDER = """
import fcntl, sys, time
handle = open(sys.argv[1], "ab+")
fcntl.flock(handle, fcntl.LOCK_EX)
handle.truncate(0)
handle.write(b"999999999 12345\\n")  # the process that took it, long gone
handle.flush()
print("held", flush=True)
time.sleep(600)
"""


def test_a_lock_held_by_a_stranger_is_said_in_one_sentence(tmp_path: Path) -> None:
    repo = write_history(tmp_path / "repo", 5)
    lock = repo / ".git" / "devlog" / "journal.lock"
    lock.parent.mkdir(mode=0o700)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        # The holder keeps the lock for ten minutes: a backfill that waited for it would
        # time out here instead of saying who holds it.
        out = subprocess.run([*DEVLOG, "-C", str(repo), "--no-daemon", "backfill"],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode != 0
        message = out.stderr.strip()
        assert message.count("\n") == 0 and "Traceback" not in message
        assert f"pid {holder.pid}" in message and "999999999, which is gone" in message
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()


def test_a_forked_child_does_not_keep_the_journal_locked(tmp_path: Path) -> None:
    from devlogd.statefiles import exclusive_lock, lock_or_none

    lock = tmp_path / "journal.lock"
    with exclusive_lock(lock, "the journal"):
        child = os.fork()
        if child == 0:  # pragma: no cover - the child outlives the lock's holder
            time.sleep(30)
            os._exit(0)
    try:
        deadline = time.monotonic() + 30  # the child closes its copy as soon as it runs
        while (taken := lock_or_none(lock)) is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert taken is not None, "the forked child still holds the lock"
        os.close(taken)
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
