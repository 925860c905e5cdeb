"""The structural ways a secret used to reach a beat, one test each, through real commits:
a token straddling the excerpt's line cut, a file or rename named after a secret, a
rotated key whose diff has no BEGIN line, a password written as prose in a message, and
the values of a .env file read as constants."""

from __future__ import annotations

import msgspec
import pytest

from devlogd.pipeline.beats import make_beat
from devlogd.pipeline.gitread import GitReader
from tests.gitrepo import GitRepo
from tests.secrets.cases import CASES
from tests.secrets.check import commit_case, leaks

GAPS = {
    "line cut before redaction": ("token-straddles-the-line-cut", "password-straddles-the-line-cut"),
    "file names": ("token-as-a-file-name",),
    "rename sources and targets": ("secret-in-a-rename-source", "secret-in-a-rename-target"),
    "key body without BEGIN": ("rotated-pem-body-without-begin", "rotated-openssh-body-without-begin",
                               "kubernetes-secret-value-rotated"),
    "prose in a message": ("prose-password-in-message", "prose-changed-to-in-message"),
    ".env constants and numbers": ("env-file-constants-and-numbers", "env-file-in-a-subfolder"),
}
BY_ID = {case.id: case for case in CASES}


@pytest.mark.parametrize("gap", sorted(GAPS))
def test_structural_gap_is_closed(gap: str, repo: GitRepo) -> None:
    repo.commit("Start", {"README.md": "# app\n"})
    cases = [BY_ID[case_id] for case_id in GAPS[gap]]
    shas = [commit_case(repo, case) for case in cases]
    reader = GitReader(repo.path)
    for case, sha in zip(cases, shas):
        parent = reader.facts(sha).parents[0]
        told = [make_beat(reader.facts(s)) for s in (parent, sha)]  # the `before` commit too
        assert leaks("beat", msgspec.json.encode(told).decode(), [case]) == []
