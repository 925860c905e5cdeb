"""devlog's questions, chosen from the gaps in the story material of a real repository: the
big ones first, naming the range's own things, never what a note or an answer already says."""

from __future__ import annotations

import re

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from devlogd.cli.main import main
from tests.gitrepo import GitRepo
from tests.messages_server import MessagesServer, Reply


def questions(capsys: pytest.CaptureFixture[str], repo: GitRepo, *extra: str) -> list[dict[str, object]]:
    assert main(["-C", str(repo.path), "--no-daemon", "questions", "--json", *extra]) == 0
    return json.loads(capsys.readouterr().out)["questions"]  # type: ignore[no-any-return]


def material(capsys: pytest.CaptureFixture[str], repo: GitRepo) -> str:
    assert main(["-C", str(repo.path), "--no-daemon", "draft", "--dry-run", "--narrator", "claude"]) == 0
    return str(json.loads(capsys.readouterr().out)["messages"][0]["content"])


def tarpit(tmp_path: Path, readme: str = "# Tarpit\n") -> GitRepo:
    """The shape of skeeto/endlessh's first days (upstream 2019-02-02): a server loop, a
    fix of what it added, and the README as written."""
    repo = GitRepo(tmp_path / "tarpit")
    repo.commit("Initial working code", {"README.md": readme, "tarpit.c": "int main(void) { return 0; }\n"})
    repo.commit("Add client queue with slow banner lines", {
        "tarpit.c": "struct client { int fd; };\n\nstatic void\nclient_destroy(struct client *c)\n{\n}\n\n"
                    "int main(void) { return 0; }\n"})
    repo.commit("Fix client_destroy leaking the file descriptor", {
        "tarpit.c": "struct client { int fd; };\n\nstatic void\nclient_destroy(struct client *c)\n{\n    close(c->fd);\n}\n\n"
                    "int main(void) { return 0; }\n"})
    return repo


def test_the_big_questions_come_first_and_name_the_range(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    asked = questions(capsys, tarpit(tmp_path))
    kinds = [q["kind"] for q in asked]
    assert kinds[:3] == ["motive", "purpose", "result"] and len(asked) <= 5
    motive = asked[0]
    assert "Tarpit" in str(motive["text"]) and "Initial working code" in str(motive["text"])
    assert any("client_destroy" in str(q["text"]) for q in asked if q["kind"] in ("design", "trouble"))
    assert all(q["gap"] and q["subjects"] for q in asked)


def test_a_readme_that_says_what_it_is_is_not_asked_about(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tarpit(tmp_path, "# Tarpit\n\nTarpit is an SSH tarpit that very slowly sends an endless, random SSH banner "
                            "to keep clients locked up for hours.\n")
    assert "purpose" not in [q["kind"] for q in questions(capsys, repo)]
    starter = tarpit(tmp_path / "s", "# Tarpit\n\nThis project was bootstrapped with Create React App. Getting started: "
                                     "run npm start to see it in your browser.\n")
    assert "purpose" in [q["kind"] for q in questions(capsys, starter)]


def test_ids_are_stable_across_runs_and_an_amend(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tarpit(tmp_path)
    first = [q["id"] for q in questions(capsys, repo)]
    assert first == [q["id"] for q in questions(capsys, repo)]
    repo.git("commit", "-q", "--amend", "--no-edit", "--allow-empty")  # same words, a new sha
    assert first == [q["id"] for q in questions(capsys, repo)]


def test_an_answer_is_never_asked_again_and_joins_the_material(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    repo = tarpit(tmp_path)
    motive = questions(capsys, repo)[0]
    assert main(["-C", str(repo.path), "--no-daemon", "answer", str(motive["id"]),
                 "Bots hammered my SSH port all night; I wanted to waste their time instead."]) == 0
    capsys.readouterr()
    after = questions(capsys, repo)
    assert motive["id"] not in [q["id"] for q in after] and "motive" not in [q["kind"] for q in after]
    sent = material(capsys, repo)
    section = sent[sent.index("In the author's own words"):]
    assert "outrank anything inferred" in section
    assert "- why it started: [" in section and "waste their time instead" in section
    assert "Bots hammered" in sent.split("## Thread")[0]  # a section of its own, before the threads


def test_a_note_that_already_says_the_motive_fills_that_gap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tarpit(tmp_path)
    assert main(["-C", str(repo.path), "--no-daemon", "note", "--at", "2023-11-14",
                 "I started this because scanners filled my auth log"]) == 0
    capsys.readouterr()
    assert "motive" not in [q["kind"] for q in questions(capsys, repo)]


def test_an_unknown_id_is_one_sentence_and_loses_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tarpit(tmp_path)
    assert main(["-C", str(repo.path), "--no-daemon", "answer", "motive-00000000", "anything"]) == 2
    err = capsys.readouterr().err
    assert "no open question has the id 'motive-00000000'" in err and "motive-" in err.split("lists them")[1]
    assert main(["-C", str(repo.path), "--no-daemon", "notes", "--json"]) == 0
    assert capsys.readouterr().out == ""


def test_the_offline_post_opens_with_the_motive_and_closes_with_the_result(tmp_path: Path,
                                                                             capsys: pytest.CaptureFixture[str]) -> None:
    repo = tarpit(tmp_path)
    asked = {q["kind"]: q["id"] for q in questions(capsys, repo)}
    for kind, text in (("design", "Don't remember the queue details. A fixed queue kept the memory bounded."),
                       ("motive", "Bots hammered my SSH port all night"),
                       ("result", "It held 1,378 bots for 20 hours on the first night"),
                       ("next", "Next I want to port it to Python's asyncio")):
        assert main(["-C", str(repo.path), "--no-daemon", "answer", str(asked[kind]), text]) == 0
    capsys.readouterr()
    assert main(["-C", str(repo.path), "--no-daemon", "draft", "--narrator", "offline"]) == 0
    post = capsys.readouterr().out
    body = re.sub(r"<!--.*?-->", "", post.split("---\n", 2)[2], flags=re.S).strip()
    assert body.startswith("> Bots hammered my SSH port all night")  # the motive, in the author's words
    ending = post[post.index("## Where "):]
    assert "1,378 bots for 20 hours" in ending and "port it to Python's asyncio" in ending
    assert "<!-- Why did I start" not in post and "<!-- the next step" not in post
    assert post.count("Bots hammered") == 1
    assert "A fixed queue kept the memory bounded." in post and "remember" not in post  # said to the asker only


# -- with Claude configured, the model chooses (the real SDK against a local Messages API) ---------

@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[MessagesServer]:
    server = MessagesServer().start()
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-" + "q" * 40 + "-AA")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    yield server
    server.stop()


def test_claude_chooses_and_rewords_among_the_open_gaps(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                        api: MessagesServer) -> None:
    repo = tarpit(tmp_path)
    by_rules = {q["kind"]: q["id"] for q in questions(capsys, repo, "--rules")}
    assert api.message_requests == []  # --rules sends nothing
    api.script(Reply(text=json.dumps([
        {"id": by_rules["result"], "text": "How many bots did the client queue hold on its first night?"},
        {"id": by_rules["motive"], "text": "Why a tarpit, and why in C?"}])))
    assert main(["-C", str(repo.path), "--no-daemon", "questions", "--json"]) == 0
    reply = json.loads(capsys.readouterr().out)
    assert reply["askedBy"].startswith("claude (")
    assert [(q["id"], q["kind"]) for q in reply["questions"]] == [(by_rules["result"], "result"),
                                                                  (by_rules["motive"], "motive")]
    assert reply["questions"][1]["text"] == "Why a tarpit, and why in C?"
    (sent,) = api.message_requests
    user = sent.body["messages"][0]["content"]
    assert "Candidate questions:" in user and by_rules["design"] in user and "client_destroy" in user
    # The reworded question is answered by its id, as the rules' would be.
    assert main(["-C", str(repo.path), "--no-daemon", "answer", by_rules["motive"], "Bots all night"]) == 0


def test_a_dry_run_shows_the_request_and_sends_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       api: MessagesServer) -> None:
    repo = tarpit(tmp_path)
    assert main(["-C", str(repo.path), "--no-daemon", "questions", "--dry-run"]) == 0
    out, err = capsys.readouterr()
    request = json.loads(out)
    assert request["max_tokens"] == 800 and "Candidate questions:" in request["messages"][0]["content"]
    assert "nothing was sent" in err and api.message_requests == []


def test_a_bad_choice_leaves_the_rules_choice_and_says_why(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                           api: MessagesServer) -> None:
    repo = tarpit(tmp_path)
    api.script(Reply(text='[{"id": "motive-00000000", "text": "Invented?"}]'))
    assert main(["-C", str(repo.path), "--no-daemon", "questions", "--json"]) == 0
    out, err = capsys.readouterr()
    reply = json.loads(out)
    assert reply.get("askedBy", "rules") == "rules" and [q["kind"] for q in reply["questions"]][:2] == ["motive", "purpose"]
    assert "could not choose the questions" in err and "not one of the candidates" in err


def test_the_result_question_names_the_last_thread_not_an_asset_upload(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """The shape of Dere-Wah/AI-MarioKart64's last days (upstream 2024-12-05): the work ends on
    a forge's "Add files via upload" of a notebook and images."""
    repo = tarpit(tmp_path)
    repo.commit("Add files via upload", {"assets/banner.png": b"\x89PNG\r\n\x1a\n" + bytes(64)})
    result = next(q for q in questions(capsys, repo) if q["kind"] == "result")
    assert "Add files via upload" not in str(result["text"]) and "banner.png" not in str(result["text"])
    assert "Add client queue with slow banner lines" in str(result["text"])  # the last thread's lead
