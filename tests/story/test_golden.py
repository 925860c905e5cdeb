"""Golden posts, like git-cliff's fixtures: a script makes a real repository (commits.sh),
optional notes and draft arguments go with it, and the offline post must come out exactly
as expected.md. Regenerate with UPDATE_GOLDEN=1 after a deliberate change, then read the
difference: the golden files are the narrator's specification."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from devlogd.cli.main import main
from devlogd.story.checker import check_post

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p for p in GOLDEN.iterdir() if (p / "commits.sh").exists())


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_the_offline_post_matches_its_golden_file(case: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / case.name
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run(["sh", "-e", str(case / "commits.sh")], cwd=repo, check=True)
    notes = case / "notes.txt"
    for line in notes.read_text().splitlines() if notes.exists() else []:
        when, text = line.split("\t", 1)
        assert main(["-C", str(repo), "--no-daemon", "note", text, "--at", when]) == 0
    args = (case / "args").read_text().split() if (case / "args").exists() else []
    capsys.readouterr()
    assert main(["-C", str(repo), "--no-daemon", "draft", *args]) == 0
    post = capsys.readouterr().out
    expected = case / "expected.md"
    if os.environ.get("UPDATE_GOLDEN"):
        expected.write_text(post)
    assert post == expected.read_text()
    assert check_post(post) == []
