"""Local model servers as narrators, against a loopback server that speaks Ollama's native
API, llama.cpp's and the Anthropic-compatible Messages API (tests/local_server.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from devlogd.cli.main import main
from devlogd.story.checker import check_post
from tests.gitrepo import GitRepo
from tests.local_server import ChatReply, LocalModelServer, Model
from tests.messages_server import Reply
from tests.story.test_claude import AWS_KEY, GOOD_POST

BAD_POST = GOOD_POST.replace("I had to fix that.", "As the commits show, I had to fix that.")


CHOSEN = '[narrator]\nprovider = "ollama"\n'  # the user's own choice of a local server


@pytest.fixture
def ollama(monkeypatch: pytest.MonkeyPatch, isolated_home: Path) -> Iterator[LocalModelServer]:
    server = LocalModelServer().start()
    server.chat_default = ChatReply(text=GOOD_POST)
    monkeypatch.setenv("OLLAMA_HOST", server.url.removeprefix("http://"))  # as users write it: host:port
    configure(isolated_home, CHOSEN)
    yield server
    server.stop()


@pytest.fixture
def story(repo: GitRepo) -> GitRepo:
    repo.commit("Initial bot", {"bot.py": "import socket\n"})
    repo.commit("feat: handle deleted tweets\n\nThe bot crashed with a KeyError when a tweet vanished.", {
        "bot.py": "import socket\n\nDEFAULT_PORT = 2222\n\n\ndef handle_deleted_tweet(tweet):\n    return tweet.id\n",
        "config.py": f'AWS_KEY_ID = "{AWS_KEY}"\n',
    })
    return repo


def configure(home: Path, text: str) -> None:
    folder = home / ".config" / "devlog"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(text)


def draft(capsys: pytest.CaptureFixture[str], repo: GitRepo, *extra: str) -> tuple[int, str, str]:
    code = main(["-C", str(repo.path), "--no-daemon", "draft", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def status(capsys: pytest.CaptureFixture[str], repo: GitRepo) -> dict[str, str]:
    assert main(["-C", str(repo.path), "--no-daemon", "status", "--json"]) == 0
    reply: dict[str, str] = json.loads(capsys.readouterr().out)
    return reply


def test_the_local_server_the_user_chose_writes_the_post(ollama: LocalModelServer, story: GitRepo,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    info = status(capsys, story)
    assert info["narrator"] == "local"
    assert f"llama3.2:latest on Ollama at {ollama.url}, 131,072-token context" in info["narrator_reason"]
    assert '[narrator] provider = "ollama"' in info["narrator_reason"]
    code, out, err = draft(capsys, story)
    assert code == 0 and out == GOOD_POST
    assert "Catching the Vanishing Tweet" in err  # streamed as it was written
    assert "to llama3.2:latest on Ollama" in err and "$" not in err  # a size, no cost
    (chat,) = ollama.chats
    body = chat.body
    assert body["stream"] is True and body["truncate"] is False
    assert body["messages"][0]["role"] == "system" and "NEVER mention commits" in body["messages"][0]["content"]
    assert "handle_deleted_tweet" in body["messages"][1]["content"]
    # The context asked for holds the whole request, with room for the answer.
    assert ollama.prompt_tokens(body) + body["options"]["num_predict"] <= body["options"]["num_ctx"]
    assert AWS_KEY not in json.dumps(body) and story.head()[:7] not in json.dumps(body)
    assert ollama.message_requests == []  # nothing went to a Messages API


def test_a_server_that_is_down_is_one_sentence_with_the_fix(story: GitRepo, capsys: pytest.CaptureFixture[str],
                                                            isolated_home: Path) -> None:
    info = status(capsys, story)  # OLLAMA_HOST is a closed port (tests/conftest.py), and no server was chosen
    assert info["narrator"] == "offline"
    assert "no API key is set, and no local model server was chosen" in info["narrator_reason"]
    code, out, err = draft(capsys, story)  # nothing chosen: offline, and quietly so
    assert code == 0 and out.startswith("---\ntitle:") and "could not write" not in err
    configure(isolated_home, CHOSEN)
    info = status(capsys, story)
    assert info["narrator"] == "offline"
    assert "nothing answers at http://127.0.0.1:9" in info["narrator_reason"]
    assert "`ollama serve`" in info["narrator_reason"]
    code, out, err = draft(capsys, story)  # chosen, not asked for by name: offline, said once
    assert code == 0 and out.startswith("---\ntitle:") and err.count("could not write") == 1
    code, out, err = draft(capsys, story, "--narrator", "local")
    assert code == 7 and out == ""
    (sentence,) = [line for line in err.splitlines() if "could not write the post" in line]
    assert "nothing answers at http://127.0.0.1:9" in sentence and "`ollama serve`" in sentence


def test_a_server_that_never_answers_does_not_hang_anything(story: GitRepo, capsys: pytest.CaptureFixture[str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as silent:  # accepts connections (the kernel does), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        monkeypatch.setenv("OLLAMA_HOST", "127.0.0.1:%d" % silent.getsockname()[1])
        monkeypatch.setenv("DEVLOG_LOCAL_URL", "127.0.0.1:%d" % silent.getsockname()[1])  # named: probed briefly
        info = status(capsys, story)
        assert info["narrator"] == "offline" and "did not answer within 1 s" in info["narrator_reason"]
        code, out, err = draft(capsys, story, "--narrator", "local", "--dry-run")
        assert code == 0 and "the local narrator cannot write now" in err and "did not answer within 2 s" in err
        assert json.loads(out)["messages"]  # the request is still shown


def test_a_missing_model_says_which_command_pulls_it(ollama: LocalModelServer, story: GitRepo,
                                                     capsys: pytest.CaptureFixture[str], isolated_home: Path) -> None:
    code, out, err = draft(capsys, story, "--narrator", "local", "--model", "qwen3:8b")
    assert code == 7 and out == ""
    assert "the model qwen3:8b is not on Ollama" in err and "run `ollama pull qwen3:8b`" in err
    assert "(it has llama3.2:latest)" in err and ollama.chats == []
    configure(isolated_home, CHOSEN + 'local_model = "qwen3:8b"\n')
    info = status(capsys, story)
    assert info["narrator"] == "offline" and "`ollama pull qwen3:8b`" in info["narrator_reason"]
    assert info["narrator_reason"].endswith("the offline narrator writes instead")
    code, out, err = draft(capsys, story)  # chosen automatically: the offline post, and why
    assert code == 0 and out.startswith("---\ntitle:")
    assert err.count("the local model could not write the post") == 1 and "`ollama pull qwen3:8b`" in err
    configure(isolated_home, CHOSEN + 'local_model = "llama3.2"\n')  # ":latest" is implied, as ollama does
    code, out, _ = draft(capsys, story)
    assert out == GOOD_POST


def test_an_embedding_model_is_not_chosen(ollama: LocalModelServer, story: GitRepo,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    ollama.models = [Model("nomic-embed-text:latest", 8192, ["embedding"], "2026-11-30T00:00:00Z"),
                     Model("llama3.2:latest")]
    assert status(capsys, story)["narrator_reason"].startswith("llama3.2:latest on Ollama")
    code, out, err = draft(capsys, story, "--narrator", "local", "--model", "nomic-embed-text")
    assert code == 7 and "cannot write text" in err and "llama3.2:latest" in err


def test_a_small_context_is_fitted_and_the_tone_example_goes_first(ollama: LocalModelServer, story: GitRepo,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from devlogd.story.prompt import system_blocks

    whole = system_blocks()[0]["text"]
    for context, tone in ((4096, "trimmed"), (3584, "left out")):
        ollama.models = [Model("tiny:latest", context=context)]
        code, out, err = draft(capsys, story)
        assert code == 0 and out == GOOD_POST, err
        assert f"the tone example was {tone}" in err
        body = ollama.chats[-1].body
        assert body["options"]["num_ctx"] <= context
        assert ollama.prompt_tokens(body) + body["options"]["num_predict"] <= body["options"]["num_ctx"]
        system = body["messages"][0]["content"]
        assert "NEVER mention commits" in system and "Hard rules for this post" in system  # the rules stay
        assert len(system) < len(whole) / 2
        assert ("Use as example the following blogpost" in system) == (tone == "trimmed")
        assert "handle_deleted_tweet" in body["messages"][1]["content"]  # the material stays whole


def test_a_long_history_in_a_small_context_loses_chapters_not_rules(ollama: LocalModelServer, repo: GitRepo,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    repo.commit("Initial", {"app.py": "x = 1\n"})
    for index in range(40):
        body = "".join(f"def step_{index}_{n}(value):\n    return value * {n} + {index}\n\n" for n in range(12))
        repo.commit(f"feat: stage {index} of the pipeline\n\nStage {index} needed its own parser for "
                    f"the {index}th format.", {f"stage_{index % 9}/impl_{index}.py": body})
    threads = {}
    for context in (131_072, 4096):
        ollama.models = [Model("small:latest", context=context)]
        code, out, err = draft(capsys, repo, "--dry-run")
        body = json.loads(out)
        assert body["options"]["num_ctx"] <= context
        assert ollama.prompt_tokens(body) + body["options"]["num_predict"] <= body["options"]["num_ctx"]
        assert "Hard rules for this post" in body["messages"][0]["content"]
        assert f"against small:latest's {context:,}-token context" in err
        material = body["messages"][1]["content"]
        assert "stage 39 of the pipeline" in material.lower()  # the most recent work is always told
        threads[context] = material.count("## Thread")
    assert 1 <= threads[4096] < threads[131_072]
    assert ollama.chats == []  # a dry run writes nothing


def test_a_server_that_cuts_the_request_is_caught_and_the_post_refused(ollama: LocalModelServer, story: GitRepo,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    ollama.legacy = True  # an older Ollama: `truncate: false` unknown, cuts from the start in silence
    ollama.granted_cap = 2048  # and grants less context than asked for
    code, out, err = draft(capsys, story, "--narrator", "local")
    assert code == 7 and out == ""
    (sentence,) = [line for line in err.splitlines() if "could not write the post" in line]
    assert "read only 2,048 of the ~" in sentence and "cut the start" in sentence
    assert "OLLAMA_CONTEXT_LENGTH=" in sentence and "local_context" in sentence
    code, out, err = draft(capsys, story)  # chosen automatically: the offline post instead
    assert out.startswith("---\ntitle:") and "Catching the Vanishing Tweet" not in out
    assert check_post(out) == []


def test_a_server_that_refuses_an_overlong_request_says_how_to_fit_it(ollama: LocalModelServer, story: GitRepo,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    ollama.granted_cap = 2048  # a newer Ollama told `truncate: false` answers 400 instead of cutting
    code, out, err = draft(capsys, story, "--narrator", "local")
    assert code == 7 and out == ""
    assert "could not read the whole request" in err and "[narrator] local_context" in err


def test_a_slow_first_token_is_waited_for_and_said(ollama: LocalModelServer, story: GitRepo,
                                                   capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from devlogd.story.narrators import local

    monkeypatch.setattr(local, "WAIT_NOTE_EVERY", 0.3)
    ollama.script_chat(ChatReply(text=GOOD_POST, first_delay=1.2))
    code, out, err = draft(capsys, story)
    assert code == 0 and out == GOOD_POST
    assert "still waiting for llama3.2:latest" in err


def test_a_silence_longer_than_the_timeout_is_one_sentence(ollama: LocalModelServer, story: GitRepo,
                                                           capsys: pytest.CaptureFixture[str],
                                                           isolated_home: Path) -> None:
    configure(isolated_home, "[narrator]\ntimeout = 0.5\n")
    ollama.script_chat(ChatReply(text=GOOD_POST, first_delay=2))
    code, out, err = draft(capsys, story, "--narrator", "local")
    assert code == 7 and out == ""
    assert "went silent for 0.5 s" in err and "raise [narrator] timeout" in err


def test_a_stream_cut_midway_never_becomes_the_post(ollama: LocalModelServer, story: GitRepo,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    ollama.script_chat(ChatReply(text=GOOD_POST, cut_after=3))
    code, out, err = draft(capsys, story)
    assert GOOD_POST[:100] in err  # the first chunks did stream...
    assert "broke while the post was being written" in err
    assert out.startswith("---\ntitle:") and "Catching the Vanishing Tweet" not in out  # ...but are not the post


def test_a_draft_that_breaks_the_rules_is_repaired_once(ollama: LocalModelServer, story: GitRepo,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    ollama.script_chat(ChatReply(text=BAD_POST), ChatReply(text=GOOD_POST))
    code, out, err = draft(capsys, story)
    assert code == 0 and out == GOOD_POST and "asking for one repair" in err
    first, repair = ollama.chats
    assert repair.body["messages"][-2] == {"role": "assistant", "content": BAD_POST}
    assert "mentions commits" in repair.body["messages"][-1]["content"]
    assert ollama.prompt_tokens(repair.body) + 8000 <= repair.body["options"]["num_ctx"]


def test_a_cancel_is_seen_before_the_first_word(ollama: LocalModelServer) -> None:
    from devlogd.errors import Cancelled
    from devlogd.story.narrators import local

    ollama.script_chat(ChatReply(text=GOOD_POST, first_delay=600))  # the first word: in ten minutes
    body = local.chat_body({"model": "llama3.2:latest", "max_tokens": 100, "system": [],
                            "messages": [{"role": "user", "content": "Write."}]}, 4096)
    cancelled = threading.Event()
    raised: list[BaseException] = []

    def write() -> None:
        try:
            local.ollama_chat(local.endpoint("ollama", ollama.url), body, 900.0, None, cancelled)
        except BaseException as err:  # noqa: BLE001 - handed to the test's thread
            raised.append(err)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    threading.Timer(0.3, cancelled.set).start()
    writer.join(120)  # a guard against a hang, not a speed goal: unseen, the cancel waits 600 s
    assert not writer.is_alive(), "the cancel was not seen before the first word"
    assert len(raised) == 1 and isinstance(raised[0], Cancelled) and "cancelled" in str(raised[0])


def test_dry_run_shows_the_body_and_its_size_against_the_context(ollama: LocalModelServer, story: GitRepo,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    from devlogd.story.narrators.claude import estimate_tokens

    code, out, err = draft(capsys, story, "--narrator", "local", "--dry-run")
    body = json.loads(out)
    assert code == 0 and body["model"] == "llama3.2:latest" and "num_ctx" in body["options"]
    anthropic_shaped = {"system": [{"text": body["messages"][0]["content"]}], "messages": body["messages"][1:]}
    tokens = estimate_tokens(anthropic_shaped)
    assert abs(int(err.split("the request is ~")[1].split(" ")[0].replace(",", "")) - tokens) <= 5
    assert "against llama3.2:latest's 131,072-token context" in err
    assert f"num_ctx={body['options']['num_ctx']:,}" in err and "costs nothing" in err
    assert [r.path for r in ollama.requests] == ["/api/tags", "/api/show"]  # nothing was written


def test_llamacpp_writes_through_its_messages_api(ollama: LocalModelServer, story: GitRepo,
                                                  capsys: pytest.CaptureFixture[str], isolated_home: Path) -> None:
    configure(isolated_home, f'[narrator]\nprovider = "llamacpp"\nlocal_url = "{ollama.url}"\n')
    ollama.models = [Model("qwen2.5-7b-instruct-q4_k_m.gguf")]
    info = status(capsys, story)
    assert info["narrator"] == "local" and "the llama.cpp server at" in info["narrator_reason"]
    assert "8,192-token context" in info["narrator_reason"]  # its -c, from /props
    code, out, err = draft(capsys, story, "--dry-run")
    assert "counted by the server" in err and json.loads(out)["system"][1]["text"].startswith("Hard rules")
    ollama.script(Reply(text=GOOD_POST))
    code, out, err = draft(capsys, story)
    assert code == 0 and out == GOOD_POST and "Catching the Vanishing Tweet" in err
    (request,) = ollama.message_requests
    assert request.body["model"] == "qwen2.5-7b-instruct-q4_k_m.gguf" and request.body["stream"] is True
    assert request.body["max_tokens"] <= 8192 // 4 and ollama.chats == []


def test_a_repository_cannot_choose_the_local_server(ollama: LocalModelServer, story: GitRepo,
                                                     capsys: pytest.CaptureFixture[str],
                                                     caplog: pytest.LogCaptureFixture) -> None:
    (story.path / ".devlog.toml").write_text('[narrator]\nprovider = "ollama"\nlocal_url = "http://198.51.100.7:80"\n'
                                             'local_model = "evil:latest"\nnarrator = "local"\n')
    info = status(capsys, story)
    assert info["narrator"] == "local" and ollama.url in info["narrator_reason"]
    assert "198.51.100.7" not in info["narrator_reason"] and "evil" not in info["narrator_reason"]
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "narrator.local_url is ignored: a repository's file may not set it" in said
    code, out, err = draft(capsys, story)
    assert out == GOOD_POST and ollama.chats[0].body["model"] == "llama3.2:latest"


def test_through_the_daemon_the_local_server_is_handed_over(ollama: LocalModelServer, story: GitRepo) -> None:
    from tests.daemonutil import devlog

    devlog(story.path, "daemon", "start", env={"OLLAMA_HOST": "127.0.0.1:9"})  # the daemon knows no server
    result = devlog(story.path, "status")
    assert f"narrator:   local - llama3.2:latest on Ollama at {ollama.url}" in result.stdout
    result = devlog(story.path, "draft")
    assert result.stdout == GOOD_POST and "Catching the Vanishing Tweet" in result.stderr
    assert "in-process" not in result.stderr and len(ollama.chats) == 1
