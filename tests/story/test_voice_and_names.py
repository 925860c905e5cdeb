"""Material fixes read blind (issue 23): whose voice a post is told in, what a project is
called when its README is a framework's starter, and time told as days and parts of days."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from devlogd.cli.main import main
from devlogd.story.identity import identify, starter_framework
from tests.gitrepo import GitRepo
from tests.story.test_material import request

ADA = {"GIT_AUTHOR_NAME": "Ada Lovelace", "GIT_AUTHOR_EMAIL": "ada@example.com"}
BOB = {"GIT_AUTHOR_NAME": "Bob Builder", "GIT_AUTHOR_EMAIL": "bob@example.com"}
CAROL = {"GIT_AUTHOR_NAME": "Carol Chen", "GIT_AUTHOR_EMAIL": "carol@example.com"}
# create-astro's first change is made by its scaffolding account.
HOUSTON = {"GIT_AUTHOR_NAME": "houston[bot]", "GIT_AUTHOR_EMAIL": "108291165+houston[bot]@users.noreply.github.com"}
DEPENDABOT = {"GIT_AUTHOR_NAME": "dependabot[bot]", "GIT_AUTHOR_EMAIL": "49699333+dependabot[bot]@users.noreply.github.com"}
CLOCK = re.compile(r"(?<![\d.:])(?:[01]?\d|2[0-3]):[0-5]\d(?![\d:])")

# The shape of Astro's starter README (as create-astro writes it), in our own words around
# its markers; the case seen was a game-jam site whose material read "Project: ... (Basics)".
ASTRO_README = """# Astro Starter Kit: Basics

```sh
npm create astro@latest -- --template basics
```

> Seasoned astronaut? Delete this file. Have fun!

## Project Structure

Inside of your Astro project, you'll see the following folders and files.
"""


def _mostly_one_author(repo: GitRepo, *, bots: bool = True) -> None:
    if bots:
        repo.commit("Initial commit from Astro", {"README.md": ASTRO_README,
                                                  "package.json": '{"name": "basics", "version": "0.0.1"}\n'},
                    env=HOUSTON)
    for index in range(16):
        repo.commit(f"Add storm level {index}", {f"src/level{index}.ts": f"export function level{index}() {{}}\n"},
                    env=ADA)
    repo.commit("Add the thunder sound", {"src/sound.ts": "export function thunder() {}\n"}, env=BOB)
    repo.commit("Fix the rain shader", {"src/rain.ts": "export function rain() {}\n"}, env=CAROL)
    repo.commit("Add the lightning flash", {"src/flash.ts": "export function flash() {}\n"}, env=ADA)
    if bots:
        repo.commit("Bump vite from 5.0.0 to 5.0.1", {"package-lock.json": '{"lockfileVersion": 3}\n'},
                    env=DEPENDABOT)


def test_one_author_with_most_of_the_work_tells_it_as_i_and_credits_the_others(
        repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    _mostly_one_author(repo)  # Ada made 17 of 19 people's changes (89%); two bots made two more
    for extra in ((), ("--all-authors",)):
        material = request(capsys, repo, *extra)
        whose = material.splitlines()[material.splitlines().index(next(
            l for l in material.splitlines() if l.startswith("Whose work:")))]
        assert '("I")' in whose and '"we"' not in whose.replace('never "we"', "") and "third person" in whose
        assert "houston" not in material and "dependabot" not in material
    shared = request(capsys, repo, "--all-authors")
    assert "(by Bob Builder)" in shared and "(by Carol Chen)" in shared
    assert "Whose work: Ada Lovelace, " in shared


def test_work_truly_shared_is_told_as_we(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    for index in range(6):
        repo.commit(f"Add storm level {index}", {f"src/level{index}.ts": f"export function level{index}() {{}}\n"},
                    env=ADA if index % 2 else BOB)
    assert 'the work was truly shared: write as "we"' in request(capsys, repo, "--all-authors")


def test_a_starter_readme_is_not_what_the_project_is_and_the_remote_names_it(
        repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    _mostly_one_author(repo)
    repo.git("remote", "add", "origin", "https://github.com/someone/calm-before-the-storm.git")
    material = request(capsys, repo)
    assert material.splitlines()[1] == "Project: calm-before-the-storm"
    assert "Astro's starter text" in material
    assert "Basics" not in material and "astronaut" not in material and "README's words" not in material


def test_a_starter_readme_without_a_remote_leaves_the_name_to_the_manifest() -> None:
    vite = ("# React + TypeScript + Vite\n\nThis template provides a minimal setup to get React working in Vite "
            "with HMR and some ESLint rules.\n")
    found = identify({"README.md": vite, "package.json": '{"name": "tidepool", "description": "A tide chart"}'},
                     None, "folder")
    assert (found.name, found.starter, found.summary, found.tagline) == ("tidepool", "Vite", "A tide chart", "")
    own = "# Tidepool\n\nTidepool draws tide charts for the harbour, built with React and Vite.\n"
    assert starter_framework(own) == "" and identify({"README.md": own}, None, "f").summary.startswith("Tidepool draws")
    cra = "Getting Started\n\nThis project was bootstrapped with [Create React App](https://github.com/x/y).\n"
    assert starter_framework(cra) == "Create React App"


def test_no_line_of_the_material_or_the_offline_post_carries_a_clock_time(
        repo: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    repo.clock = 1_700_000_000 + 7 * 3600 + 17 * 60  # a change at 22:17 its author's time, and more after it
    for index in range(12):
        repo.clock += 14 * 60
        repo.commit(f"Add renderer pass {index}", {f"render/pass{index}.py": f"def render_pass_{index}():\n"
                                                                            f"    return {index}\n"},
                    env={**ADA, "GIT_AUTHOR_DATE": f"@{repo.clock} -0500"})
    material = request(capsys, repo)
    assert re.search(r"\[\d{4}-\d{2}-\d{2} \w{3} (?:night|morning|afternoon|evening)\]", material)
    assert not [line for line in material.splitlines() if CLOCK.search(line)]
    assert "hours" in material or "changes" in material  # the sitting keeps its length
    out = tmp_path / "post.md"
    assert main(["-C", str(repo.path), "--no-daemon", "draft", "--narrator", "offline", "--out", str(out)]) == 0
    post = out.read_text()
    assert post.strip() and not [line for line in post.splitlines() if CLOCK.search(line)]
