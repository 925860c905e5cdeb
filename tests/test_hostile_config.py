"""A cloned repository's `.devlog.toml` (and `.devlogignore`) is untrusted: whatever it
holds gives one sentence and no harm, and the user's own configuration still applies."""

from __future__ import annotations

import json
import logging
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from devlogd.cli.main import main
from devlogd.config import load_config
from devlogd.paths import config_home, find_repo
from tests.gitrepo import GitRepo
from tests.synth import write_history

DEVLOG = [sys.executable, "-m", "devlogd"]


def user_config(text: str) -> Path:
    path = config_home() / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def run_devlog(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """devlog in a process that cannot take more than 1 GB: reading /dev/zero fails fast
    instead of waking the OOM killer."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return subprocess.run([*DEVLOG, "-C", str(repo), *args], capture_output=True, text=True,
                          timeout=60, preexec_fn=limit, env=dict(os.environ))


def sentences(stderr: str) -> list[str]:
    lines = [line for line in stderr.strip().splitlines() if line]
    assert all(line.startswith("devlog: ") for line in lines), stderr
    assert "Traceback" not in stderr
    return lines


def test_workers_and_budgets_come_only_from_the_users_own_file(repo: GitRepo, caplog: pytest.LogCaptureFixture) -> None:
    repo.commit("Initial", {".devlog.toml": "[git]\nworkers = 32\nexcerpt_lines = 3\n"
                                            "[draft]\ntoken_budget = 1400000\nmax_chapters = 3\n"
                                            "[daemon]\nidle_timeout = 999999\n"})
    caplog.set_level(logging.WARNING)
    config = load_config(find_repo(repo.path))
    assert (config.git.workers, config.draft.token_budget, config.daemon.idle_timeout) == (0, 24_000, 60.0)
    assert (config.draft.max_chapters, config.git.excerpt_lines) == (3, 3)  # what cannot cost still counts
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 3 and all(".devlog.toml: " in w and "\n" not in w for w in warned), warned
    assert any("git.workers" in w for w in warned) and any("draft.token_budget" in w for w in warned)
    user_config("[git]\nworkers = 2\n[draft]\ntoken_budget = 30000\n")
    config = load_config(find_repo(repo.path))
    assert (config.git.workers, config.draft.token_budget) == (2, 30_000)


def test_a_repository_cannot_raise_what_a_request_costs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = write_history(tmp_path / "history", 1000)
    assert main(["-C", str(repo), "--no-daemon", "backfill"]) == 0
    sizes = []
    for toml in ("", "[draft]\ntoken_budget = 1400000\nmax_chapters = 30\n[git]\nexcerpt_hunks = 20\n"):
        (repo / ".devlog.toml").write_text(toml)
        capsys.readouterr()
        assert main(["-C", str(repo), "--no-daemon", "draft", "--dry-run"]) == 0
        sizes.append(len(capsys.readouterr().out))
    assert sizes[1] <= sizes[0] * 1.2, sizes  # a clone's budget made it many times larger


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_a_config_that_is_not_a_regular_file_is_refused(repo: GitRepo, target: str) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    for name in (".devlog.toml", ".devlogignore"):
        if target == "fifo":
            os.mkfifo(repo.path / name)
        else:
            (repo.path / name).symlink_to(target)
    out = run_devlog(repo.path, "--no-daemon", "status")
    assert out.returncode == 0
    warned = sentences(out.stderr)
    assert len(warned) == 2 and all("is not a regular file" in w for w in warned), warned


def test_a_config_pointing_outside_the_repository_is_not_read(repo: GitRepo) -> None:
    mine = user_config("[draft]\nmax_chapters = 2\n")
    repo.commit("Initial", {"a.py": "a = 1\n"})
    (repo.path / ".devlog.toml").symlink_to(mine)
    out = run_devlog(repo.path, "--no-daemon", "status")
    assert out.returncode == 0 and "points outside the repository" in sentences(out.stderr)[0]


def test_a_bad_regex_or_glob_in_a_repository_is_one_sentence(repo: GitRepo) -> None:
    repo.commit("Set up the parser", {".devlog.toml": '[[beats.rules]]\nkind = "fix"\nmessage = "(unclosed"\n',
                                      ".devlogignore": "[z-a].py\nbuild/\n", "a.py": "a = 1\n"})
    out = run_devlog(repo.path, "--no-daemon", "beats")
    assert out.returncode == 0 and "Set up the parser" in out.stdout
    (warning,) = [s for s in sentences(out.stderr) if not s.startswith(("devlog: journaling", "devlog: reading history"))]  # progress aside
    assert ".devlog.toml: beats.rules[0].message is not a valid regular expression" in warning


def test_a_bad_regex_in_the_users_file_is_one_sentence_naming_file_and_key(repo: GitRepo) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    path = user_config('[[beats.rules]]\nkind = "fix"\nmessage = "[unclosed"\n')
    out = run_devlog(repo.path, "--no-daemon", "beats")
    assert out.returncode == 5
    (error,) = sentences(out.stderr)
    assert error.startswith(f"devlog: {path}: beats.rules[0].message is not a valid regular expression")


def test_malformed_toml_in_a_repository_leaves_devlog_usable(repo: GitRepo) -> None:
    repo.commit("Initial", {".devlog.toml": "[git\nworkers = ", "a.py": "a = 1\n"})
    out = run_devlog(repo.path, "status")  # through the daemon, which must start
    assert out.returncode == 0 and "beats" in out.stdout
    said = [w for w in sentences(out.stderr) if "background daemon" not in w]
    assert said and all("not valid TOML" in w and w.endswith("it is ignored") for w in said)
    run_devlog(repo.path, "daemon", "stop")


def test_malformed_toml_in_the_users_file_fails_at_once(repo: GitRepo) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    path = user_config("[git\n")
    out = run_devlog(repo.path, "status")
    assert out.returncode == 5
    assert "did not start within" not in out.stderr  # no wait for a daemon that cannot start
    assert sentences(out.stderr)[-1].startswith(f"devlog: {path}, line 1: not valid TOML")


@pytest.mark.parametrize(("text", "env", "says"), [
    ("[git]\nworkers = 1000\n", {}, "git.workers must be at most 64"),
    ("[draft]\ntoken_budget = 10000000\n", {}, "draft.token_budget must be at most 200000"),
    ("[git]\nworkers = 'many'\n", {}, "git.workers must be a whole number, not str"),
    ("", {"DEVLOG_WORKERS": "500"}, "DEVLOG_WORKERS must be at most 64, not 500"),
    ('[narrator]\nprovider = "olama"\n', {}, "narrator.provider must be one of anthropic, ollama, llamacpp, openai, not 'olama'"),
    ("[narrator]\nlocal_context = 512\n", {}, "narrator.local_context must be at least 2048"),
    ("", {"DEVLOG_NARRATOR": "bard"}, "DEVLOG_NARRATOR must be one of auto, offline, claude, local, not 'bard'"),
])
def test_the_users_values_have_caps(repo: GitRepo, monkeypatch: pytest.MonkeyPatch,
                                    text: str, env: dict[str, str], says: str) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    if text:
        user_config(text)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = run_devlog(repo.path, "--no-daemon", "status")
    assert out.returncode == 5
    (error,) = sentences(out.stderr)
    assert says in error
