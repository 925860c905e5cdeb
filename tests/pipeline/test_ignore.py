from __future__ import annotations

import pytest

from devlogd.pipeline.ignore import PathFilter

RULES = ["# comment", "secret/", "*.log", "!keep.log", "/top.txt", "docs/**/private.md", "build", "\\#notes"]


@pytest.mark.parametrize(("path", "ignored"), [
    ("secret/plan.md", True),
    ("nested/secret/plan.md", True),
    ("secret", False),  # dir-only pattern: a file named 'secret' is not a directory
    ("debug.log", True),
    ("logs/debug.log", True),
    ("keep.log", False),
    ("top.txt", True),
    ("sub/top.txt", False),
    ("docs/a/b/private.md", True),
    ("docs/private.md", True),
    ("build/out.o", True),
    ("build", True),
    ("#notes", True),
    ("src/main.py", False),
])
def test_gitignore_semantics(path: str, ignored: bool) -> None:
    assert PathFilter(RULES).ignored(path) is ignored


def test_a_file_inside_an_ignored_directory_cannot_be_re_included() -> None:
    # As in git: "It is not possible to re-include a file if a parent directory is excluded."
    assert PathFilter(["private/", "!private/ok.txt"]).ignored("private/ok.txt")
