"""The secret corpus (tests/secrets/cases.py), one commit per case in a real repository,
checked at every surface devlog writes or sends: the journal, `beats --json`, the markdown
journal, offline drafts, `--dry-run` requests for each commit alone and for the whole
history, the model narrators' tool results (`devlog tools`), enrichment requests (built,
and sent to a loopback Messages API) and the daemon's log. The corpus's "source" cases put
secrets in the remote URL, the README, docstrings, SQL comments, notes, tags, branches,
author names and requirements files. A leak is any ten characters of a secret, in any letter case."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from devlogd.app.drafts import write_draft
from devlogd.app.selection import DraftSelection
from devlogd.app.project import Project
from devlogd.app.selection import scrub_beats
from devlogd.cli.main import main
from devlogd.protocol import DraftOptions
from devlogd.story import prompt
from tests.daemonutil import devlog, wait_settled
from tests.gitrepo import GitRepo
from tests.messages_server import MessagesServer
from tests.secrets.cases import CASES
from tests.secrets.check import commit_case, leaks

KEY = "sk-ant-test-" + "k" * 24


@pytest.fixture
def corpus(repo: GitRepo) -> Iterator[tuple[GitRepo, dict[str, str]]]:
    repo.commit("Start the service", {"README.md": "# service\n", "app/main.py": "def main():\n    pass\n"})
    shas = {case.id: commit_case(repo, case) for case in CASES}
    yield repo, shas


def test_no_secret_of_the_corpus_reaches_any_surface(corpus: tuple[GitRepo, dict[str, str]],
                                                     capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    repo, shas = corpus
    cases = list(CASES)
    found: list[str] = []
    # The daemon journals the history and answers a dry run; its log is a surface too.
    devlog(repo.path, "daemon", "start")
    wait_settled(repo.path, expect=len(shas) + 1 + sum(bool(c.before) for c in cases))
    through_daemon = devlog(repo.path, "draft", "--dry-run").stdout
    devlog(repo.path, "daemon", "stop")
    found += leaks("daemon dry-run", through_daemon, cases)
    state = repo.common_dir / "devlog"
    found += leaks("journal.jsonl", (state / "journal.jsonl").read_text(), cases)
    found += leaks("daemon.log", (state / "daemon.log").read_text(), cases)
    for surface, args in (("beats --json", ["beats", "--json"]), ("journal", ["journal"]),
                          ("offline draft", ["draft", "--narrator", "offline"]),
                          ("dry-run", ["draft", "--dry-run"])):
        capsys.readouterr()
        assert main(["-C", str(repo.path), "--no-daemon", *args]) == 0
        out = capsys.readouterr()
        found += leaks(surface, out.out + out.err, cases)
    # What a model narrator's tools answer: every change, every file the corpus wrote, a search
    # for each secret-bearing word, the code map and the journal.
    calls = [["journal"], ["code-map"], ["list-files"]]
    calls += [["show-change", f"c{n}"] for n in range(1, len(shas) + 2 + sum(bool(c.before) for c in cases))]
    calls += [["read-file", path] for path in sorted({p for c in cases for p in c.files})]
    calls += [["search", word] for word in ("password", "secret", "token", "login", "key")]
    for call in calls:
        capsys.readouterr()
        main(["-C", str(repo.path), "--no-daemon", "tools", *call])
        out = capsys.readouterr()
        found += leaks(f"tools {' '.join(call)}", out.out + out.err, cases)
    project = Project.open(repo.path)
    beats = {b.sha: b for b in project.journal.load().beats}
    for case in cases:  # each commit alone: its request, its offline post, its enrichment
        beat = beats[shas[case.id]]
        for options in (DraftOptions(dry_run=True), DraftOptions(narrator="offline")):
            found += leaks(f"{options.narrator} draft of one commit", write_draft(project, DraftSelection([beat], ranged=True), options).markdown, [case])
        request = prompt.redact_request(prompt.enrich_request(scrub_beats(project, [beat])[0], "claude-test"))
        found += leaks("enrich request", json.dumps(request), [case])
    server = MessagesServer().start()
    try:
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        main(["-C", str(repo.path), "--no-daemon", "enrich", "--batch"])
        assert server.requests, "no enrichment was sent"
        found += leaks("enrich batch sent", json.dumps([r.body for r in server.requests]), cases)
    finally:
        server.stop()
    assert found == [], "\n".join(found)


def test_a_path_ignored_after_it_was_journaled_is_dropped_from_every_request_and_post(
        repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    hidden = ("internal/pricing.py", "DISCOUNT_SEED_CODE", "QX7-PRIVATE-993", "compute_margin_floor")
    repo.commit("Start the shop", {"shop.py": "def sell():\n    pass\n"})
    repo.commit("Add the pricing rules", {
        "internal/pricing.py": 'DISCOUNT_SEED_CODE = "QX7-PRIVATE-993"\nMARGIN_FLOOR = 17\n\n\n'
                               "def compute_margin_floor(cost):\n    return cost * 1.17\n",
        "shop.py": "def sell():\n    return 1\n",
    })
    assert main(["-C", str(repo.path), "--no-daemon", "backfill"]) == 0
    journal = (repo.common_dir / "devlog" / "journal.jsonl").read_text()
    assert "DISCOUNT_SEED_CODE" in journal  # journaled before anyone said otherwise
    (repo.path / ".devlogignore").write_text("internal/\n")
    outputs = []
    for args in (["draft", "--dry-run"], ["draft", "--narrator", "offline"],
                 ["draft", "--dry-run", "--since", "HEAD~1", "--until", "HEAD"]):
        capsys.readouterr()
        assert main(["-C", str(repo.path), "--no-daemon", *args]) == 0
        outputs.append(capsys.readouterr().out)
    project = Project.open(repo.path)
    beat = scrub_beats(project, project.journal.load().beats)[-1]
    outputs.append(json.dumps(prompt.enrich_request(beat, "claude-test")))
    for out in outputs:
        assert not [name for name in hidden if name in out], out
    assert "sell" in outputs[0]  # the rest of the change is still told
