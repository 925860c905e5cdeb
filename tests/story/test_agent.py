"""The model narrator as a tool-using agent (issue 23): the real anthropic SDK against the
loopback Messages API server, scripted turn by turn, over a real git repository."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from devlogd.app import storyteller
from devlogd.app.drafts import repo_tools
from devlogd.app.project import Project
from devlogd.cli.main import main
from devlogd.errors import Cancelled
from devlogd.story import prompt
from devlogd.story.checker import CheckContext
from devlogd.story.narrators.claude import ClaudeNarrator, Credentials
from devlogd.story.tools import NAMES, Bounds
from tests.gitrepo import GitRepo
from tests.messages_server import MessagesServer, Reply
from tests.story.test_claude import AWS_KEY, GOOD_POST, KEY, draft

PLAN = {"idea": "A tweet that vanishes mid-read must not crash the bot", "shape": "how it works",
        "show": ["handle_deleted_tweet returning the id"], "leave_out": ["the initial socket"], "words": 700,
        "facts": ["bot.py: handle_deleted_tweet(tweet) returns tweet.id"], "title": "tweetbot"}
SECRET_FILE = 'API_TOKEN = "ghp_' + "Q7x" * 12 + '"\n'


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[MessagesServer]:
    server = MessagesServer().start()
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    yield server
    server.stop()


@pytest.fixture
def story(repo: GitRepo) -> GitRepo:
    repo.commit("Initial bot", {"bot.py": "import socket\n", "README.md": "# tweetbot\n\nA bot that reads tweets.\n"})
    repo.commit("feat: handle deleted tweets\n\nThe bot crashed with a KeyError when a tweet vanished.", {
        "bot.py": "import socket\n\nDEFAULT_PORT = 2222\n\n\ndef handle_deleted_tweet(tweet):\n    return tweet.id\n",
        "config.py": f'AWS_KEY_ID = "{AWS_KEY}"\n' + SECRET_FILE})
    return repo


def bodies(api: MessagesServer) -> list[dict[str, object]]:
    return [r.body for r in api.message_requests]


def test_the_agent_reads_with_tools_plans_writes_reviews_and_keeps_the_plan(
        api: MessagesServer, story: GitRepo, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    api.script(Reply(text="", tools=[("read_file", {"path": "config.py"}), ("code_map", {}),
                                     ("search", {"text": "handle_deleted"})]),
               Reply(text="", tools=[("journal", {}), ("show_change", {"change": "c2"})]),
               Reply(text=json.dumps(PLAN)), Reply(text=GOOD_POST), Reply(text='{"problems": []}'))
    out = tmp_path / "post.md"
    code, _, err = draft(capsys, story, "--narrator", "claude", "--out", str(out))
    assert code == 0 and out.read_text() == GOOD_POST
    assert json.loads((tmp_path / "post.md.plan.json").read_text())["idea"] == PLAN["idea"]
    assert "reading config.py" in err and "searching for" in err and "planned with tools" in err
    plan_turn, second, third, write, review = bodies(api)
    assert [t["name"] for t in plan_turn["tools"]] == list(NAMES)  # type: ignore[index]
    results = [b for m in third["messages"] for b in (m["content"] if isinstance(m["content"], list) else [])  # type: ignore[union-attr,index]
               if b.get("type") == "tool_result"]
    assert len(results) == 5 and "handle_deleted_tweet" in json.dumps(results)
    assert "[REDACTED" in json.dumps(second) and "c2 [" in json.dumps(third)
    wire = json.dumps(bodies(api))
    assert AWS_KEY not in wire and "Q7xQ7x" not in wire  # the secret the model asked for never left
    written = write["messages"][0]["content"]  # type: ignore[index]
    assert "The plan for the post" in written and PLAN["idea"] in written and "about 700 words" in written
    assert "override the thread order and the length suggested" in written and "handle_deleted_tweet(tweet)" in written
    assert "Rubric" in review["messages"][0]["content"] and "tools" not in review  # type: ignore[index,operator]


def test_problems_the_review_finds_are_revised_once(api: MessagesServer, story: GitRepo,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    revised = GOOD_POST.replace("I had to fix that.", "So I fixed it.")
    api.script(Reply(text=json.dumps(PLAN)), Reply(text=GOOD_POST),
               Reply(text='{"problems": ["\\"At 22:17 that Saturday\\" is timestamp trivia: drop it"]}'),
               Reply(text=revised))
    code, out, err = draft(capsys, story, "--narrator", "claude")
    assert code == 0 and out == revised and "the review found 1 problem(s); revising once" in err
    revise = bodies(api)[-1]["messages"]  # type: ignore[index]
    assert revise[-1]["content"].startswith("A review of this draft found") and "22:17" in revise[-1]["content"]
    assert len(api.message_requests) == 4


def test_the_bounds_stop_a_model_that_never_stops_calling(api: MessagesServer, story: GitRepo,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    api.default = Reply(text="", tools=[("list_files", {})])
    code, _, err = draft(capsys, story, "--narrator", "claude")
    assert code != 0 and "kept asking for tools" in err
    sent = bodies(api)
    assert len(sent) == Bounds().calls + 2  # every call allowed, the one refused, the last chance
    assert sent[-1].get("tool_choice") == {"type": "none"} and all("tool_choice" not in b for b in sent[:-1])
    refused = json.dumps(sent[-1]["messages"][-1])  # type: ignore[index]
    assert "not run" in refused and "write with what you have" in refused


def test_an_outage_mid_loop_falls_back_to_the_offline_post(api: MessagesServer, story: GitRepo,
                                                           capsys: pytest.CaptureFixture[str],
                                                           isolated_home: Path) -> None:
    (isolated_home / ".config" / "devlog").mkdir(parents=True, exist_ok=True)
    (isolated_home / ".config" / "devlog" / "config.toml").write_text("[narrator]\nmax_retries = 0\n")
    api.script(Reply(text="", tools=[("code_map", {})]))
    api.default = Reply(status=500)
    code, out, err = draft(capsys, story)
    assert code == 0 and "could not write the post" in err and "offline narrator wrote it instead" in err
    assert out.startswith("---") and len(api.message_requests) == 2


def test_a_cancel_mid_loop_stops_before_the_next_turn(api: MessagesServer, story: GitRepo) -> None:
    assert main(["-C", str(story.path), "--no-daemon", "backfill"]) == 0
    project = Project.open(story.path)
    from devlogd.app.drafts import DraftHooks, _material
    from devlogd.app.selection import DraftSelection

    beats = sorted(project.journal.load().beats, key=lambda b: b.time)
    hooks = DraftHooks()
    material = _material(project, DraftSelection(beats, ranged=True), __import__("devlogd.protocol").protocol.DraftOptions(),
                         hooks, 24_000)
    request = prompt.build_request(material, "claude-test", 2000)
    hooks.note = lambda message: hooks.cancelled.set() if message.startswith("reading") else None
    api.script(Reply(text="", tools=[("read_file", {"path": "bot.py"})]))
    api.default = Reply(text=json.dumps(PLAN))
    narrator = ClaudeNarrator(Credentials(KEY, api.url), max_retries=0)
    with pytest.raises(Cancelled):
        storyteller.tell(request, lambda b: narrator.turn(b, hooks.cancelled),
                         lambda b, s: narrator.narrate(b, None, hooks.cancelled), repo_tools(project, material),
                         hooks, CheckContext(project="tweetbot"))
    assert len(api.message_requests) == 1  # the tool ran; no turn was asked for after the cancel


def test_the_dry_run_shows_every_stage_and_sends_nothing(api: MessagesServer, story: GitRepo,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = draft(capsys, story, "--dry-run", "--shape", "design essay")
    stages = json.loads(out)["stages"]
    assert set(stages) == {"plan", "write", "review", "revise"}
    assert 'asked for the shape "design essay"' in stages["plan"]["messages"][0]["content"]
    assert "Rubric" in stages["review"]["messages"][0]["content"]
    assert AWS_KEY not in out and api.message_requests == []


def test_devlog_tools_answer_as_the_model_is_answered(story: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-C", str(story.path), "--no-daemon", "backfill"]) == 0
    capsys.readouterr()
    assert main(["-C", str(story.path), "tools", "--json", "read-file", "config.py"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["tool"] == "read_file" and "[REDACTED" in answer["result"] and AWS_KEY not in answer["result"]
    assert main(["-C", str(story.path), "tools", "journal"]) == 0
    listed = capsys.readouterr().out
    assert listed.startswith("c1 [") and "c2 [" in listed and ":" not in listed.split("]")[0].split(" ", 2)[2]
    assert main(["-C", str(story.path), "tools", "show-change", "c2"]) == 0
    shown = capsys.readouterr().out
    assert "+def handle_deleted_tweet(tweet):" in shown and AWS_KEY not in shown
    assert main(["-C", str(story.path), "tools", "read-file", "nope.py"]) != 0


# -- a local model through Ollama's chat API ------------------------------------------------------

from tests.local_server import ChatReply, LocalModelServer, Model  # noqa: E402


@pytest.fixture
def ollama(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalModelServer]:
    server = LocalModelServer([Model("qwen3:latest", capabilities=["completion", "tools"]),
                               Model("llama3.2:latest")]).start()
    monkeypatch.setenv("OLLAMA_HOST", server.url.removeprefix("http://"))
    yield server
    server.stop()


def test_a_tool_capable_local_model_reads_plans_and_writes(ollama: LocalModelServer, story: GitRepo,
                                                            capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ollama.script_chat(ChatReply(tool_calls=[("read_file", {"path": "config.py"}), ("code_map", {})]),
                       ChatReply(text=json.dumps(PLAN)), ChatReply(text=GOOD_POST), ChatReply(text='{"problems": []}'))
    out = tmp_path / "post.md"
    code, _, err = draft(capsys, story, "--narrator", "local", "--model", "qwen3", "--out", str(out))
    assert code == 0 and out.read_text() == GOOD_POST, err
    assert json.loads((tmp_path / "post.md.plan.json").read_text())["shape"] == "how it works"
    chats = [c.body for c in ollama.chats]
    assert len(chats) == 4 and [t["function"]["name"] for t in chats[0]["tools"]] == list(NAMES)
    assert chats[0]["stream"] is False and chats[2]["stream"] is True and "tools" not in chats[2]
    tool_messages = [m for m in chats[1]["messages"] if m["role"] == "tool"]
    assert [m["tool_name"] for m in tool_messages] == ["read_file", "code_map"]
    assert "[REDACTED" in tool_messages[0]["content"] and AWS_KEY not in json.dumps(chats)
    assert "reading config.py" in err


def test_a_local_model_without_tools_gets_the_single_request(ollama: LocalModelServer, story: GitRepo,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    ollama.script_chat(ChatReply(text=GOOD_POST))
    code, out, _ = draft(capsys, story, "--narrator", "local", "--model", "llama3.2")
    assert code == 0 and out == GOOD_POST
    (chat,) = [c.body for c in ollama.chats]
    assert "tools" not in chat and chat["stream"] is True


def test_independent_tool_calls_run_at_once(story: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    from devlogd.app.tools import RepoTools
    from devlogd.story.tools import ToolCall

    project = Project.open(story.path)
    tools = RepoTools(project, [])
    together = threading.Barrier(3, timeout=20)  # passes only when three calls are inside at once
    real = RepoTools._read_file

    def meeting(self: RepoTools, args: dict[str, object]) -> str:
        together.wait()
        return real(self, args)

    monkeypatch.setattr(RepoTools, "_read_file", meeting)
    calls = [ToolCall(f"t{i}", "read_file", {"path": path}) for i, path in enumerate(["bot.py", "config.py", "README.md"])]
    results = tools.run_all(calls)
    assert [r.id for r in results] == ["t0", "t1", "t2"] and not any(r.error for r in results)
    assert "handle_deleted_tweet" in results[0].text and AWS_KEY not in results[1].text
