"""Help as a newcomer reads it: every command and option described, `devlog help CMD`,
a did-you-mean for typos, and colour only where a person is looking."""

from __future__ import annotations

import argparse
import os
import pty
import subprocess
import sys

import pytest

from devlogd.cli.main import build_parser, main


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_every_command_and_option_has_a_description() -> None:
    parsers = {"devlog": build_parser(), **subcommands()}
    missing = [f"{name} {action.dest}" for name, parser in parsers.items() for action in parser._actions
               if not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)) and not action.help]
    assert missing == []
    assert [name for name, parser in subcommands().items() if not parser.description] == []


def test_help_command_is_the_commands_own_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["help", "draft"]) == 0
    via_help = capsys.readouterr().out
    with pytest.raises(SystemExit) as exited:
        main(["draft", "--help"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == via_help
    assert "Write a devlog post from the journal." in via_help and "--fallback" in via_help


@pytest.mark.parametrize(("argv", "expected"), [
    (["drfat"], "unknown command 'drfat'; did you mean 'draft'?"),
    (["help", "stauts"], "unknown command 'stauts'; did you mean 'status'?"),
    (["draft", "--sinse", "yesterday"], "devlog draft: error: unrecognized option '--sinse'; did you mean '--since'?"),
    (["draft", "--narrator", "claud"], "'claud' is not one of auto, offline, claude, local; did you mean 'claude'?"),
    (["beats", "--jsno"], "did you mean '--json'?"),
    (["--verbsoe", "status"], "did you mean '--verbose'?"),
])
def test_a_typo_gets_a_did_you_mean(argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    assert expected in capsys.readouterr().err


def stderr_of_typo(env: dict[str, str], on_a_terminal: bool) -> bytes:
    command = [sys.executable, "-m", "devlogd", "drfat"]
    full_env = {**os.environ, "TERM": "xterm", **env}
    if not on_a_terminal:
        return subprocess.run(command, capture_output=True, env=full_env, timeout=30).stderr
    leader, follower = pty.openpty()
    try:
        subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=follower,
                       env=full_env, timeout=30)
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the terminal has no writer left
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(leader)


def test_colour_only_on_a_terminal_and_never_with_no_color() -> None:
    plain_env = {"NO_COLOR": ""}
    on_terminal = stderr_of_typo(plain_env, on_a_terminal=True)
    assert b"did you mean" in on_terminal and b"\x1b[" in on_terminal
    assert b"\x1b[" not in stderr_of_typo(plain_env, on_a_terminal=False)
    no_color = stderr_of_typo({"NO_COLOR": "1"}, on_a_terminal=True)
    assert b"did you mean" in no_color and b"\x1b[" not in no_color
