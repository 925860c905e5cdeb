"""Golden changed definitions: each folder of code_golden/ holds a ``commits.sh`` that builds
a real repository in the shape of a public one's commits (named in its comments, with our
own bodies), and ``expected.json``: for each commit subject, the definitions it touched,
added, removed and moved — exactly, in order."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from devlogd.pipeline.gitread import GitReader

GOLDEN = Path(__file__).parent / "code_golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "commits.sh").exists())


def _build(case: str, where: Path) -> Path:
    subprocess.run(["git", "init", "-q", "-b", "main", str(where)], check=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(where), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_COMMITTER_NAME": "Ada", "GIT_COMMITTER_EMAIL": "ada@example.com"}
    subprocess.run(["bash", "-e", str(GOLDEN / case / "commits.sh")], cwd=where, check=True, env=env)
    return where


@pytest.mark.parametrize("case", CASES)
def test_changed_definitions_match_the_golden_file(case: str, tmp_path: Path) -> None:
    repo = _build(case, tmp_path / case)
    expected = json.loads((GOLDEN / case / "expected.json").read_text())
    reader = GitReader(repo)
    seen = {}
    for sha in reader.first_parent_shas():
        facts = reader.facts(sha)
        seen[facts.subject] = {
            "touched": facts.functions, "added": facts.definitions, "removed": facts.removed_definitions,
            "moved": [[m.old_name, m.new_name] for m in facts.moved_definitions],
        }
    assert list(seen) == list(expected)
    for subject, want in expected.items():
        got = {key: value for key, value in seen[subject].items() if value}
        assert got == want, subject
