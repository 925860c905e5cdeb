"""Repository content and configuration cannot make a pattern run for long: each of these
inputs took seconds to minutes on the old patterns and holds the GIL while it runs. Here they
are journaled and matched correctly; how long they take is bench/regex.py's goal (a ratio to
a plain pass in the same run), since a test that times itself fails on a busy machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from devlogd.app.project import Project
from devlogd.errors import ConfigError
from devlogd.paths import config_home
from devlogd.pipeline.beats import make_beat
from devlogd.pipeline.ignore import PathFilter
from tests.daemonutil import devlog
from tests.gitrepo import GitRepo

PATHOLOGICAL = {
    "a constant followed by 1,200 blanks": ("Tune the limit", {"limits.py": "X_Y = 1" + " " * 1200 + "!\n"}),
    "1,000 dots as the subject": ("." * 1000, {"a.txt": "a\n"}),
    "1,000 dots before a word": ("." * 1000 + "1a", {"b.txt": "b\n"}),
    '"token" 4,000 times': ('"token"' * 4000, {"c.txt": "c\n"}),
    "a user rule (a+)+$ against a run of a's": ("a" * 40 + "!", {"d.txt": "d\n"}),
}


def test_pathological_commits_are_each_journaled(repo: GitRepo) -> None:
    repo.write(".devlog.toml", '[[beats.rules]]\nkind = "docs"\nmessage = "(a+)+$"\n')
    shas = {name: repo.commit(message, files) for name, (message, files) in PATHOLOGICAL.items()}
    project = Project.open(repo.path)
    beats = {name: make_beat(project.reader.facts(sha), project.rules) for name, sha in shas.items()}
    assert {name: beat.sha for name, beat in beats.items()} == shas


def test_a_rule_the_linear_engine_cannot_run_is_refused_naming_the_file(repo: GitRepo) -> None:
    repo.commit("Initial", {"a.py": "a = 1\n"})
    rule = '[[beats.rules]]\nkind = "fix"\nmessage = "(?<=x)y"\n'
    # A repository's file is the repository's content: its rules are dropped, in one warning.
    repo.write(".devlog.toml", rule)
    out = devlog(repo.path, "--no-daemon", "beats", check=False)
    assert out.returncode == 0 and "Traceback" not in out.stderr
    (warning,) = [line for line in out.stderr.splitlines() if ".devlog.toml" in line]
    assert "beats.rules[0].message '(?<=x)y' cannot be used" in warning and "rules are ignored" in warning
    # The user's own file is theirs to fix: one sentence naming it, and the configuration exit code.
    (repo.path / ".devlog.toml").unlink()
    user_file = config_home() / "config.toml"
    user_file.parent.mkdir(parents=True, exist_ok=True)
    user_file.write_text(rule)
    with pytest.raises(ConfigError) as raised:
        Project.open(repo.path)
    assert f"{user_file}: beats.rules[0].message '(?<=x)y' cannot be used" in str(raised.value)
    out = devlog(repo.path, "--no-daemon", "beats", check=False)
    assert out.returncode == ConfigError.exit_code and "Traceback" not in out.stderr
    assert out.stderr.count("\n") == 1 and str(user_file) in out.stderr


def test_an_ignore_glob_with_many_stars_matches() -> None:
    hostile = PathFilter(["*a*a*a*a*a*a*a*a*a*a*b"])
    assert not hostile.ignored("a" * 4000)
    assert hostile.ignored("x" + "a" * 12 + "b")


def test_the_ignore_patterns_still_mean_what_git_means(tmp_path: Path) -> None:
    rules = PathFilter(["*.log", "!keep.log", "build/", "/top.txt", "docs/**/*.png", "a?c", "[!x]y"])
    assert rules.ignored("debug.log") and not rules.ignored("keep.log")
    assert rules.ignored("build/out.o") and not rules.ignored("src/build")
    assert rules.ignored("top.txt") and not rules.ignored("sub/top.txt")
    assert rules.ignored("docs/a/b/c.png") and rules.ignored("abc") and rules.ignored("zy")
    assert not rules.ignored("xy")
