"""The real anthropic SDK against a loopback Messages API server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from devlogd.story.checker import check_post
from devlogd.cli.main import main
from tests.gitrepo import GitRepo
from tests.messages_server import MessagesServer, Reply

KEY = "sk-ant-test-" + "k" * 24
AWS_KEY = "AKIA" + "Z7Q2MXK4P9LBT3WH"

GOOD_POST = """---
title: "tweetbot: Surviving Deleted Tweets on Port 2222"
date: "2026-11-20"
description: "How I stopped the bot from crashing on tweets that vanished."
tags: ["tweetbot", "python"]
published: false
---

The bot crashed every time a tweet vanished before I could read it. I had to fix that.

## Catching the Vanishing Tweet in `handle_deleted_tweet`

I added `handle_deleted_tweet` and moved the listener to `DEFAULT_PORT = 2222`. My first version
assumed the tweet still had an id. It did not.

## Why `getattr` Beat the KeyError

We stopped trusting the payload and asked for the id politely.

## What I Learned and What Comes Next

I learned to treat every remote object as already gone. Next I want a test that deletes a tweet
mid-request.
"""


def sent_key(headers: dict[str, str]) -> str:
    """The SDK sends the key as x-api-key or, in newer versions, as a bearer token."""
    return headers.get("x-api-key") or headers.get("authorization", "").removeprefix("Bearer ")


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[MessagesServer]:
    server = MessagesServer().start()
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    monkeypatch.setenv("DEVLOG_TOOLS", "0")  # the single request; the agent's turns: tests/story/test_agent.py
    yield server
    server.stop()


@pytest.fixture
def story(repo: GitRepo) -> GitRepo:
    repo.commit("Initial bot", {"bot.py": "import socket\n", ".devlogignore": "private/\n"})
    repo.commit("feat: handle deleted tweets\n\nThe bot crashed with a KeyError when a tweet vanished.", {
        "bot.py": "import socket\n\nDEFAULT_PORT = 2222\n\n\ndef handle_deleted_tweet(tweet):\n    return tweet.id\n",
        "config.py": f'AWS_KEY_ID = "{AWS_KEY}"\n',
        "private/plans.md": "secret roadmap: world domination\n",
    })
    return repo


def draft(capsys: pytest.CaptureFixture[str], repo: GitRepo, *extra: str) -> tuple[int, str, str]:
    code = main(["-C", str(repo.path), "--no-daemon", "draft", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_claude_streams_and_the_request_carries_rules_beats_and_no_secrets(
        api: MessagesServer, story: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    api.script(Reply(text=GOOD_POST))
    code, out, err = draft(capsys, story)
    assert code == 0
    assert out == GOOD_POST
    assert "Catching the Vanishing Tweet" in err  # streamed as it was written
    assert "input tokens" in err and "$" in err  # size and cost before sending
    paths = [r.path for r in api.requests]
    assert paths == ["/v1/messages/count_tokens", "/v1/messages"]
    (request,) = api.message_requests
    assert sent_key(request.headers) == KEY
    body = request.body
    assert body["stream"] is True
    system = body["system"]
    assert system[0]["cache_control"] == {"type": "ephemeral"}
    assert "NEVER mention commits" in system[0]["text"]
    user = body["messages"][0]["content"]
    assert "handle_deleted_tweet" in user and "DEFAULT_PORT = 2222" in user and "bot.py" in user
    raw = json.dumps(body)
    assert AWS_KEY not in raw
    assert "private/plans.md" not in raw and "world domination" not in raw
    assert story.head() not in raw and story.head()[:7] not in raw


def test_overloaded_then_success(api: MessagesServer, story: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    api.script(Reply(status=529), Reply(text=GOOD_POST))
    code, out, _ = draft(capsys, story)
    assert code == 0 and out == GOOD_POST
    assert len(api.message_requests) == 2


def test_rate_limited_with_retry_after_then_success(api: MessagesServer, story: GitRepo,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    api.script(Reply(status=429, headers={"retry-after": "1", "retry-after-ms": "200"}), Reply(text=GOOD_POST))
    code, out, _ = draft(capsys, story)
    assert out == GOOD_POST and len(api.message_requests) == 2


def test_rejected_key_falls_back_to_the_offline_post(api: MessagesServer, story: GitRepo,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    api.script(Reply(status=401))
    api.default = Reply(status=401)
    code, out, err = draft(capsys, story)
    assert code == 0
    assert "rejected (401)" in err and "offline narrator wrote it instead" in err
    assert err.count("Claude could not write the post") == 1  # said once
    assert out.startswith("---\ntitle:") and "handle_deleted_tweet" in out
    assert check_post(out) == []


def test_overloaded_past_every_retry(api: MessagesServer, story: GitRepo, capsys: pytest.CaptureFixture[str]) -> None:
    api.default = Reply(status=529)
    code, out, err = draft(capsys, story)
    assert "the API is overloaded; try again later (tried 4 times" in err
    assert err.count("Claude could not write the post") == 1
    # Each wait is said as it starts, with how long and which try comes next.
    waits = [line for line in err.splitlines() if "trying again in" in line]
    assert [w.split("(")[-1] for w in waits] == ["2 of 4)", "3 of 4)", "4 of 4)"]
    assert all("overloaded (529)" in w for w in waits)
    assert out.startswith("---\ntitle:")
    assert len(api.message_requests) == 4  # the first try and three retries


def test_an_explicit_claude_that_fails_exits_non_zero(api: MessagesServer, story: GitRepo,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    api.default = Reply(status=401)
    code, out, err = draft(capsys, story, "--narrator", "claude")
    assert code == 7 and out == ""
    (sentence,) = [line for line in err.splitlines() if "Claude could not write the post" in line]
    assert "rejected (401)" in sentence and "--fallback offline" in sentence
    code, out, err = draft(capsys, story, "--narrator", "claude", "--fallback", "offline")
    assert code == 0 and out.startswith("---\ntitle:")
    assert err.count("Claude could not write the post") == 1


def test_a_long_retry_after_is_not_waited_for(api: MessagesServer, story: GitRepo,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    api.default = Reply(status=429, headers={"retry-after-ms": "", "retry-after": "45"})
    code, out, err = draft(capsys, story, "--narrator", "claude")
    assert code == 7 and "rate-limited by the API (429)" in err
    assert len(api.message_requests) == 1  # 45 s is past the bound on waiting: no retry


def test_timeout(api: MessagesServer, story: GitRepo, capsys: pytest.CaptureFixture[str], isolated_home: Path) -> None:
    config = isolated_home / ".config" / "devlog"
    config.mkdir(parents=True)
    (config / "config.toml").write_text("[narrator]\ntimeout = 0.5\nmax_retries = 0\n")
    api.default = Reply(text=GOOD_POST, delay=3)
    code, out, err = draft(capsys, story)
    assert "did not answer in time" in err and out.startswith("---\ntitle:")


def test_malformed_body(api: MessagesServer, story: GitRepo, capsys: pytest.CaptureFixture[str], isolated_home: Path) -> None:
    api.default = Reply(malformed=True)
    code, out, err = draft(capsys, story, "--narrator", "claude", "--fallback", "offline")
    assert "Claude could not write the post" in err and "malformed" in err
    assert out.startswith("---\ntitle:")


def test_network_down(story: GitRepo, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                      isolated_home: Path) -> None:
    config = isolated_home / ".config" / "devlog"
    config.mkdir(parents=True)
    (config / "config.toml").write_text("[narrator]\nmax_retries = 0\n")
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    code, out, err = draft(capsys, story)
    assert "cannot reach the API" in err and out.startswith("---\ntitle:")


def test_a_draft_that_breaks_the_rules_is_repaired_once(api: MessagesServer, story: GitRepo,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    bad = GOOD_POST.replace("I had to fix that.", "As the commits show, I had to fix that.")
    api.script(Reply(text=bad), Reply(text=GOOD_POST))
    code, out, err = draft(capsys, story)
    assert out == GOOD_POST
    first, repair = api.message_requests
    follow_up = repair.body["messages"][-1]["content"]
    assert "mentions commits" in follow_up and repair.body["messages"][-2]["content"] == bad


def test_dry_run_with_a_key_touches_no_network(api: MessagesServer, story: GitRepo,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from devlogd.story.narrators.claude import estimate_tokens

    code, out, err = draft(capsys, story, "--dry-run")
    request = json.loads(out)
    assert request["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert "handle_deleted_tweet" in request["messages"][0]["content"]
    assert api.requests == []  # not even count_tokens: the request would leave the machine
    (size,) = [line for line in err.splitlines() if "input tokens" in line]
    assert f"the request is {estimate_tokens(request):,} input tokens (estimated here; nothing was sent)" in size
    assert "about $" in size and request["model"] in size


def test_dry_run_without_a_key_estimates_locally(api: MessagesServer, story: GitRepo,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from devlogd.story.narrators.claude import estimate_tokens

    monkeypatch.delenv("ANTHROPIC_API_KEY")
    code, out, err = draft(capsys, story, "--dry-run")
    assert code == 0 and api.requests == []
    estimate = estimate_tokens(json.loads(out))
    assert f"the request is {estimate:,} input tokens (estimated here" in err and "about $" in err


def test_no_key_means_nothing_leaves_the_machine(api: MessagesServer, story: GitRepo,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    code, out, err = draft(capsys, story, "--narrator", "claude")
    assert code == 7 and out == "" and "no ANTHROPIC_API_KEY" in err
    code, out, err = draft(capsys, story, "--narrator", "claude", "--fallback", "offline")
    assert code == 0 and "no ANTHROPIC_API_KEY" in err and out.startswith("---\ntitle:")
    assert api.requests == []


def test_style_posts_replace_the_tone_example(api: MessagesServer, story: GitRepo,
                                               capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    mine = tmp_path / "my-post.md"
    mine.write_text("# My own voice\n\nShort sentences. Dry jokes about YAML.\n")
    code, out, _ = draft(capsys, story, "--dry-run", "--style", str(mine))
    seed = json.loads(out)["system"][0]["text"]
    assert "Dry jokes about YAML" in seed and "Self-Forcing" not in seed
    assert "NEVER mention commits" in seed


def test_through_the_daemon_with_the_key_handed_over(api: MessagesServer, story: GitRepo) -> None:
    from tests.daemonutil import devlog

    devlog(story.path, "daemon", "start", env={"ANTHROPIC_API_KEY": ""})  # the daemon has no key
    api.script(Reply(text=GOOD_POST))
    result = devlog(story.path, "draft")
    assert result.stdout == GOOD_POST
    assert "Catching the Vanishing Tweet" in result.stderr
    assert sent_key(api.message_requests[0].headers) == KEY


def test_through_the_daemon_an_explicit_claude_that_fails_exits_non_zero(api: MessagesServer,
                                                                         story: GitRepo) -> None:
    from tests.daemonutil import devlog

    api.default = Reply(status=401)
    result = devlog(story.path, "draft", "--narrator", "claude", check=False)
    assert result.returncode == 7 and result.stdout == ""
    assert result.stderr.count("Claude could not write the post") == 1
    assert "in-process" not in result.stderr


def test_a_stream_that_stalls_midway_never_becomes_the_post(api: MessagesServer, story: GitRepo,
                                                            capsys: pytest.CaptureFixture[str],
                                                            isolated_home: Path) -> None:
    config = isolated_home / ".config" / "devlog"
    config.mkdir(parents=True)
    (config / "config.toml").write_text("[narrator]\ntimeout = 1\nmax_retries = 0\n")
    api.default = Reply(text=GOOD_POST, stall_after=3, stall_seconds=3)
    code, out, err = draft(capsys, story)
    assert "did not answer in time" in err
    assert GOOD_POST[:100] in err  # the first chunks did stream...
    assert out.startswith("---\ntitle:") and "Catching the Vanishing Tweet" not in out  # ...but are not the post
    assert check_post(out) == []


def test_no_secret_of_the_corpus_reaches_the_journal_or_the_wire(api: MessagesServer, repo: GitRepo,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from tests.secrets_corpus import SECRETS, secret_part

    repo.commit("Initial", {"app.py": "x = 1\n"})
    for index, (name, sample) in enumerate(sorted(SECRETS.items())):
        repo.commit(f"Configure {name}\n\nUse {sample} for now.", {f"conf/{name}.py": f"{sample}\n"})
    api.default = Reply(text=GOOD_POST)
    code, out, _ = draft(capsys, repo)
    assert code == 0
    journal = (repo.common_dir / "devlog" / "journal.jsonl").read_text()
    wire = json.dumps([r.body for r in api.requests])
    for name, sample in SECRETS.items():
        secret = secret_part(sample)
        assert secret not in journal, name
        assert secret not in wire, name


def enrichment(headline: str) -> str:
    return json.dumps({"headline": headline, "why": "Deleted tweets arrive without an id.",
                       "tension": "The bot crashed on every vanished tweet.", "insight": ""})


def enriched_story(repo: GitRepo) -> GitRepo:
    repo.commit("Initial bot", {"bot.py": "import socket\n"})
    repo.commit("wip", {"bot.py": "import socket\n\nDEFAULT_PORT = 2222\n\n\ndef handle_deleted_tweet(tweet):\n    return tweet.get('id')\n"})
    repo.commit("docs: explain the port", {"README.md": "# bot\n\nListens on 2222.\n"})
    return repo


def beats_of(repo: GitRepo, capsys: pytest.CaptureFixture[str]) -> dict[str, dict]:
    assert main(["-C", str(repo.path), "--no-daemon", "beats", "--json"]) == 0
    return {b["sha"]: b for b in map(json.loads, capsys.readouterr().out.splitlines())}


def test_enrichment_retells_interesting_beats_only(api: MessagesServer, repo: GitRepo,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    enriched_story(repo)
    api.script(Reply(text=enrichment("Starting the tweet bot on a raw socket")),
               Reply(text=enrichment("Surviving tweets that vanish mid-stream")))
    code = main(["-C", str(repo.path), "--no-daemon", "enrich"])
    err = capsys.readouterr().err
    assert code == 0 and "enriched 2 beats (1 trivial" in err  # the docs change got no call
    first, second = api.message_requests
    assert second.body["model"] == "claude-haiku-5-5" and "stream" not in second.body
    assert "handle_deleted_tweet" in second.body["messages"][0]["content"]
    assert all("README" not in r.body["messages"][0]["content"] for r in api.message_requests)
    beats = beats_of(repo, capsys)
    told = {b["retold"]: b for b in beats.values() if b.get("origin") == "claude-haiku-5-5"}
    assert set(told) == {"Starting the tweet bot on a raw socket", "Surviving tweets that vanish mid-stream"}
    vanish = told["Surviving tweets that vanish mid-stream"]
    assert "DEFAULT_PORT = 2222" in vanish["numbers"]  # the facts are untouched
    # A second run sends nothing: what a model told is not told again.
    main(["-C", str(repo.path), "--no-daemon", "enrich"])
    capsys.readouterr()
    assert len(api.message_requests) == 2


def test_an_answer_that_does_not_fit_changes_nothing(api: MessagesServer, repo: GitRepo,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    enriched_story(repo)
    before = beats_of(repo, capsys)
    api.default = Reply(text="Sure! Here is a story about tweets.")
    code = main(["-C", str(repo.path), "--no-daemon", "enrich"])
    err = capsys.readouterr().err
    assert code == 1 and "not enriched" in err and "no JSON object" in err
    assert beats_of(repo, capsys) == before


def test_backfill_enrichment_goes_as_one_message_batch(api: MessagesServer, repo: GitRepo,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    enriched_story(repo)
    repo.commit("fix: retry the stream after a 420\n\nTwitter answered 420 when we reconnected too fast.",
                {"stream.py": "RECONNECT_DELAY_SECONDS = 60\n\n\ndef reconnect(stream):\n    return stream\n"})
    api.default = Reply(text=enrichment("Backing off after Twitter's 420"))
    code = main(["-C", str(repo.path), "--no-daemon", "enrich", "--batch"])
    err = capsys.readouterr().err
    assert code == 0 and "enriched 3 beats" in err
    creates = [r for r in api.requests if r.path == "/v1/messages/batches"]
    assert len(creates) == 1 and len(creates[0].body["requests"]) == 3
    assert api.message_requests == []  # nothing went one by one
    told = [b for b in beats_of(repo, capsys).values() if b.get("origin") == "claude-haiku-5-5"]
    assert len(told) == 3


def test_enrichment_without_a_key_sends_nothing(api: MessagesServer, repo: GitRepo,
                                                capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    enriched_story(repo)
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    code = main(["-C", str(repo.path), "--no-daemon", "enrich"])
    assert code == 7 and "set ANTHROPIC_API_KEY" in capsys.readouterr().err
    assert api.requests == []
