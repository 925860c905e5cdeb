"""The style posts a draft request names are read only when they are the user's own posts:
a real LSP client (as an editor whose workspace settings were written by a repository
would send them) asks with /etc/shadow, /dev/zero, a FIFO, a link to a secret and an
oversized file, and gets one sentence each, never their contents."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from devlogd.app.styles import STYLE_BYTES
from tests.gitrepo import GitRepo
from tests.server.test_lsp import start_client, story  # noqa: F401 - a fixture


async def dry_run(client: object, style: list[str]) -> dict:
    result = await client.workspace_execute_command_async(  # type: ignore[attr-defined]
        types.ExecuteCommandParams(command="devlog.generateDraft", arguments=[{"style": style, "dryRun": True}]))
    assert isinstance(result, dict)
    return result


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "id_ed25519"
    path.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n")
    return path


async def test_the_lsp_refuses_every_style_path_that_is_not_a_post_of_yours(story: GitRepo, tmp_path: Path,  # noqa: F811
                                                                             secret: Path) -> None:
    fifo = tmp_path / "post.md"
    os.mkfifo(fifo)
    link = tmp_path / "innocent.md"
    link.symlink_to(secret)
    zero = tmp_path / "zero.md"
    zero.symlink_to("/dev/zero")
    huge = tmp_path / "huge.md"
    huge.write_text("word " * (STYLE_BYTES // 4))
    refused = {
        "/etc/shadow": "is not a post",
        "/dev/zero": "is not a post",
        str(zero): "is not a post",  # its target is a device, whatever its name says
        str(fifo): "is not a regular file",
        str(link): "is not a post",  # named like a post, a link to a key
        str(huge): "is larger than 256 KB",
        "notes/post.md": "must be given as an absolute path",
    }
    client = await start_client(story)
    try:
        for path, reason in refused.items():
            with pytest.raises(JsonRpcException) as raised:
                await dry_run(client, [path])
            message = str(raised.value)
            assert reason in message and "Traceback" not in message and "BEGIN" not in message, (path, message)
        mine = tmp_path / "my-post.md"
        mine.write_text("# My own voice\n\nShort sentences. Dry jokes about YAML.\n")
        result = await dry_run(client, [str(mine)])
        assert "Dry jokes about YAML" in result["markdown"]
    finally:
        await client.shutdown_session()
    # Expected failures are one line each in the daemon's log, never a traceback.
    log = (story.common_dir / "devlog" / "daemon.log").read_text()
    assert "Traceback" not in log
    assert log.count("a request failed: /etc/shadow is not a post") == 1
