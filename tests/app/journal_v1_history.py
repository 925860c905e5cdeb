"""The history the version-1 journal fixture was written from (journal_v1.jsonl): the same
commits give the same shas under tests' fixed clock and author. The fixture was written by
devlogd at main c2be541 (schema 1): `devlog backfill`, two `devlog note`s, and two records of
kinds this version does not know (an answer, as helper `ask` adds them, and a made-up one)."""

from __future__ import annotations

from tests.gitrepo import GitRepo


def build(repo: GitRepo) -> list[str]:
    return [
        repo.commit("Add the header parser", {"parser.py": "def parse_header(raw):\n    return raw.split(':')\n"}),
        repo.commit("wip", {"parser.py": "def parse_header(raw):\n    if not raw:\n        return []\n"
                                         "    return raw.split(':')\n\n\ndef parse_body(raw):\n    return raw\n"}),
        repo.commit("fix: parse_header crashed on empty lines\n\nThe server died on every keep-alive ping.",
                    {"parser.py": "def parse_header(raw):\n    if not raw.strip():\n        return []\n"
                                  "    return raw.split(':')\n\n\ndef parse_body(raw):\n    return raw\n"}),
    ]
