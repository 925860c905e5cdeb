"""Fixture folders, git-cliff style: tests/story/fixtures/<behaviour>/ holds `commits.sh` (run
in an empty repository), optional `notes.txt` (a time, a tab, the note; `kind:` before the
text makes it an answer to that question), `args` (draft options), `config.toml` (the
user's config), `template.md.j2` (the repository's own template, .devlog/post.md.j2) and
`expected.md`, the offline post. The test only compares; to re-record after a deliberate
change, run `python -m tests.story.fixture_runner [NAME ...]` and read the difference."""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
CASES = sorted(p for p in FIXTURES.iterdir() if (p / "commits.sh").exists())


@dataclass(frozen=True)
class Drafted:
    post: str
    messages: str  # what the draft said on stderr
    repo: Path


def draft(case: Path, tmp: Path) -> Drafted:
    """The offline post of ``case``, made from a real repository under ``tmp``."""
    from devlogd.cli.main import main

    repo = tmp / case.name
    repo.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run(["sh", "-e", str(case / "commits.sh")], cwd=repo, check=True)
    if (case / "config.toml").exists():
        home = Path(os.environ["XDG_CONFIG_HOME"]) / "devlog"
        home.mkdir(parents=True, exist_ok=True)
        (home / "config.toml").write_text((case / "config.toml").read_text().replace("{fixture}", str(case)))
    if (case / "template.md.j2").exists():
        (repo / ".devlog").mkdir()
        (repo / ".devlog" / "post.md.j2").write_text((case / "template.md.j2").read_text())
    notes = case / "notes.txt"
    for line in notes.read_text().splitlines() if notes.exists() else []:
        when, text = line.split("\t", 1)
        kind, _, answer = text.partition(": ")
        with contextlib.redirect_stderr(io.StringIO()):
            if kind in ("motive", "purpose", "result", "next"):  # an answer, as `devlog answer` keeps it
                _answer(repo, when, kind, answer)
            else:
                assert main(["-C", str(repo), "--no-daemon", "note", text, "--at", when]) == 0
    args = (case / "args").read_text().split() if (case / "args").exists() else []
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert main(["-C", str(repo), "--no-daemon", "draft", "--narrator", "offline", *args]) == 0
    return Drafted(out.getvalue(), err.getvalue(), repo)


def _answer(repo: Path, when: str, kind: str, text: str) -> None:
    from devlogd.app.project import Project
    from devlogd.app.selection import parse_date
    from devlogd.models import Note

    moment = parse_date(when)
    assert moment is not None, when
    with Project.open(repo).journal.writer() as writer:
        writer.add_note(Note(time=int(moment), text=text, question=kind, kind=kind))


def main(argv: list[str] | None = None) -> int:
    names = set(argv if argv is not None else sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="devlog-fixtures-") as scratch:
        root = Path(scratch)
        for case in CASES:
            if names and case.name not in names:
                continue
            home = root / f"home-{case.name}"
            (home / ".config").mkdir(parents=True)
            (home / ".gitconfig").write_text("[user]\n\tname = Ada Lovelace\n\temail = ada@example.com\n"
                                             "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n")
            os.environ.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), GIT_CONFIG_NOSYSTEM="1",
                              GIT_CONFIG_GLOBAL=str(home / ".gitconfig"), OLLAMA_HOST="127.0.0.1:9",
                              XDG_DATA_HOME=str(home / ".local"))
            for name in ("ANTHROPIC_API_KEY", "DEVLOG_NARRATOR", "DEVLOG_MODEL"):
                os.environ.pop(name, None)
            work = root / case.name
            work.mkdir()
            (case / "expected.md").write_text(draft(case, work).post)
            print(f"recorded {case.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
