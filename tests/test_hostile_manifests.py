"""A repository's manifests and configuration are parsed with bounds: a deeply nested
package.json, pyproject.toml, Cargo.toml, composer.json or .devlog.toml (the parsers
recurse once per level: RecursionError) is set aside, never a crash; and what a manifest
names the project is shown as text in the offline post (no raw HTML in title, tags or
headings)."""

from __future__ import annotations

import pytest

from tests.gitrepo import GitRepo
from tests.test_hostile_config import run_devlog, sentences

DEEP = 200_000


@pytest.mark.parametrize("path,text", [
    ("package.json", '{"name": "deep", "x": ' + "[" * DEEP + "]" * DEEP + "}"),
    ("composer.json", '{"name": "acme/deep", "x": ' + "{\"a\": " * DEEP + "1" + "}" * DEEP + "}"),
    ("pyproject.toml", '[project]\nname = "deep"\nx = ' + "[" * DEEP + "]" * DEEP + "\n"),
    ("Cargo.toml", '[package]\nname = "deep"\nx = ' + "[" * DEEP + "]" * DEEP + "\n"),
])
def test_a_deeply_nested_manifest_is_set_aside(repo: GitRepo, path: str, text: str) -> None:
    repo.commit("Start the parser", {path: text, "parse.py": "def parse():\n    return 1\n"})
    repo.commit("Parse numbers too", {"parse.py": "def parse():\n    return 2\n\n\ndef number():\n    return 3\n"})
    out = run_devlog(repo.path, "--no-daemon", "draft")
    assert out.returncode == 0 and out.stdout.startswith("---\ntitle:"), out.stderr[-2000:]
    assert "Traceback" not in out.stderr and "RecursionError" not in out.stderr


def test_a_deeply_nested_devlog_toml_is_one_warning(repo: GitRepo) -> None:
    repo.commit("Start the parser with numbers", {".devlog.toml": "x = " + "[" * 20_000 + "]" * 20_000 + "\n",
                                                 "a.py": "a = 1\n"})
    out = run_devlog(repo.path, "--no-daemon", "beats")
    assert out.returncode == 0 and out.stdout and "Traceback" not in out.stderr
    (warning,) = [s for s in sentences(out.stderr) if ".devlog.toml" in s]
    assert "nest too deeply" in warning


def test_a_manifests_name_is_text_in_the_offline_post(repo: GitRepo) -> None:
    name = '<img src=x onerror=alert(1)>'
    repo.commit("Start the parser", {"package.json": '{"name": "%s", "description": "<iframe src=javascript:alert(1)>"}'
                                     % name.replace('"', '\\"'),
                                     "parse.py": "def parse():\n    return 1\n"})
    repo.commit("Parse numbers too", {"parse.py": "def parse():\n    return 2\n\n\ndef number():\n    return 3\n"})
    out = run_devlog(repo.path, "--no-daemon", "draft")
    assert out.returncode == 0
    assert "<img" not in out.stdout and "<iframe" not in out.stdout and "javascript:" not in out.stdout.replace(
        "&lt;iframe src=javascript:", "")
