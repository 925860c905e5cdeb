"""Real LSP clients (pytest-lsp) through `devlog lsp` to one shared daemon."""

from __future__ import annotations

from typing import Any

import asyncio
import sys

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities, make_test_lsp_client

from tests.gitrepo import GitRepo


async def start_client(repo: GitRepo) -> LanguageClient:
    client = make_test_lsp_client()
    await client.start_io(sys.executable, "-m", "devlogd", "-C", str(repo.path), "lsp")
    await client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        root_uri=repo.path.as_uri(),
    ))
    return client


@pytest.fixture
def story(repo: GitRepo) -> GitRepo:
    repo.commit("Initial server", {"server.py": "import socket\n"})
    repo.commit("feat: handle deleted tweets\n\nThe bot crashed when a tweet vanished.", {
        "server.py": "import socket\n\nDEFAULT_PORT = 2222\n\n\ndef handle_deleted_tweet(tweet):\n    return tweet.id\n"})
    return repo


async def draft(client: LanguageClient) -> dict:
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="devlog.generateDraft", arguments=[{}]))
    assert isinstance(result, dict)
    return result


async def test_two_clients_each_get_their_own_progress_and_result(story: GitRepo) -> None:
    one, two = await start_client(story), await start_client(story)
    try:
        first, second = await asyncio.gather(draft(one), draft(two))
        for result in (first, second):
            assert result["markdown"].startswith("---\ntitle:")
            assert "handle_deleted_tweet" in result["markdown"]
        (token_one,) = one.progress_reports
        (token_two,) = two.progress_reports
        assert token_one != token_two
        for client, token in ((one, token_one), (two, token_two)):
            kinds = [type(report).__name__ for report in client.progress_reports[token]]
            assert kinds[0] == "WorkDoneProgressBegin" and kinds[-1] == "WorkDoneProgressEnd"
            assert "WorkDoneProgressReport" in kinds
    finally:
        await one.shutdown_session()
        await two.shutdown_session()


async def test_one_clients_exit_leaves_the_other_served(story: GitRepo) -> None:
    one, two = await start_client(story), await start_client(story)
    try:
        await one.shutdown_session()  # shutdown + exit: the stock pygls handler would sys.exit()
        status = await two.workspace_execute_command_async(
            types.ExecuteCommandParams(command="devlog.status", arguments=[]))
        assert status["beats"] == 2
        beats = await two.protocol.send_request_async("devlog/beats", {"limit": 1})
        assert [b["message"].split("\n")[0] for b in beats] == ["feat: handle deleted tweets"]
    finally:
        await two.shutdown_session()


async def test_beat_added_reaches_every_client(story: GitRepo) -> None:
    one, two = await start_client(story), await start_client(story)
    try:
        expected = len(story.git("rev-list", "HEAD").split())
        for _ in range(200):  # a loaded machine: the first journaling may outlast status's wait
            info = await one.workspace_execute_command_async(types.ExecuteCommandParams(command="devlog.status"))
            beats = info.beats if hasattr(info, "beats") else info["beats"]
            busy = info.reconciling if hasattr(info, "reconciling") else info["reconciling"]
            if beats == expected and not busy:
                break
            await asyncio.sleep(0.1)
        sha = story.commit("Add the rate limiter", {"limits.py": "MAX_TWEETS_PER_MINUTE = 30\n"})

        async def heard(client: Any) -> None:
            # A client may still hold notifications of the first journaling: skip to this one.
            while True:
                params = await client.wait_for_notification("devlog/beatAdded")
                if (params.sha if hasattr(params, "sha") else params["sha"]) == sha:
                    return

        await asyncio.wait_for(asyncio.gather(heard(one), heard(two)), timeout=20)
    finally:
        await one.shutdown_session()
        await two.shutdown_session()


async def test_journal_request(story: GitRepo) -> None:
    client = await start_client(story)
    try:
        result = await client.protocol.send_request_async("devlog/journal", {})
        markdown = result.markdown if hasattr(result, "markdown") else result["markdown"]
        assert markdown.startswith("# Devlog journal: repo") and "Handle deleted tweets" in markdown
    finally:
        await client.shutdown_session()


async def test_an_editor_gets_the_questions_and_its_answer_is_never_asked_again(story: GitRepo) -> None:
    client = await start_client(story)
    try:
        reply = await client.protocol.send_request_async("devlog/questions", {})
        asked = reply["questions"] if isinstance(reply, dict) else reply.questions
        first = asked[0]
        first = first if isinstance(first, dict) else first._asdict()
        assert first["kind"] == "motive" and first["id"].startswith("motive-") and first["text"].endswith("?")
        stored = await client.protocol.send_request_async("devlog/answer", {
            "id": first["id"], "text": "The bot kept crashing on my own timeline"})
        text = stored["text"] if isinstance(stored, dict) else stored.text
        assert text == "The bot kept crashing on my own timeline"
        again = await client.protocol.send_request_async("devlog/questions", {})
        ids = [q["id"] if isinstance(q, dict) else q.id for q in (again["questions"] if isinstance(again, dict)
                                                                 else again.questions)]
        assert first["id"] not in ids
        listed = await client.protocol.send_request_async("devlog/notes", {})
        kept = listed["notes"] if isinstance(listed, dict) else listed.notes
        assert len(kept) == 1
        with pytest.raises(Exception, match="no open question has the id"):
            await client.protocol.send_request_async("devlog/answer", {"id": "motive-nope", "text": "x y z"})
    finally:
        await client.shutdown_session()
