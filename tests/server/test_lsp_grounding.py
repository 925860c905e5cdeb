"""A draft open in an editor: a real LSP client (pytest-lsp) through `devlog lsp` to the
daemon's real socket opens a generated post with a planted error, receives the grounding
diagnostics, hovers the claim for its sources, takes the quick fixes, edits, and receives
the diagnostics again."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities, make_test_lsp_client

from tests.conftest import track_daemon
from tests.story.test_grounding import GOLDEN, PLANTED, TARPIT, drafted, plant

PUBLISHED = types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS


async def start_client(repo: Path) -> LanguageClient:
    client = make_test_lsp_client()  # it answers window/showDocument and keeps what was shown
    await client.start_io(sys.executable, "-m", "devlogd", "-C", str(repo), "lsp")
    await client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=repo.as_uri()))
    return client


async def next_diagnostics(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    while True:
        # bounded only so a missing notification fails instead of hanging the suite
        params = await asyncio.wait_for(client.wait_for_notification(PUBLISHED), timeout=120)
        if params.uri == uri:
            return list(params.diagnostics)


def whole(text: str) -> types.Range:
    lines = text.split("\n")
    return types.Range(start=types.Position(line=0, character=0),
                       end=types.Position(line=len(lines) - 1, character=len(lines[-1])))


async def test_an_open_draft_gets_its_diagnostics_hover_and_fixes_and_again_after_an_edit(tmp_path: Path) -> None:
    post = drafted(GOLDEN / TARPIT, tmp_path)
    track_daemon(post.parent)
    text, (count_line, name_line) = plant(post.read_text(), [PLANTED["count"], PLANTED["name"]])
    post.write_text(text)
    uri = post.as_uri()
    client = await start_client(post.parent)
    try:
        client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="markdown", version=1, text=text)))
        found = await next_diagnostics(client, uri)
        warnings = sorted((d.range.start.line, d.code) for d in found
                          if d.severity == types.DiagnosticSeverity.Warning)
        assert warnings == [(count_line, "contradicted-count"), (name_line, "contradicted-name")]
        assert all(d.source == "devlog" for d in found)

        hovered = await client.text_document_hover_async(types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=count_line, character=text.split("\n")[count_line].index("40"))))
        assert hovered is not None and "contradicted" in hovered.contents.value
        assert "Initial working code" in hovered.contents.value  # the chapter's changes, subject and date
        assert "2024-06-08" in hovered.contents.value

        actions = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=[d for d in found if d.range.start.line == count_line][0].range,
            context=types.CodeActionContext(diagnostics=[])))
        titles = [a.title for a in actions or []]
        assert "Remove the sentence" in titles
        assert any(t.startswith("Open the change: ") for t in titles)
        assert any(t.startswith("Soften the claim: ") for t in titles)
        remove = next(a for a in actions if a.title == "Remove the sentence")
        (edit,) = remove.edit.changes[uri]
        assert edit.range.start.line == count_line and edit.new_text == ""
        opened = next(a for a in actions if a.title.startswith("Open the change: "))
        assert isinstance(opened, types.Command) and opened.command == "devlog.openChange"
        shown = await client.workspace_execute_command_async(types.ExecuteCommandParams(
            command=opened.command, arguments=opened.arguments))
        assert Path(shown["path"]).read_text().startswith("commit ")
        for _ in range(100):  # the editor is asked to show it (a request of the server's own)
            if client.shown_documents:
                break
            await asyncio.sleep(0.05)
        assert client.shown_documents[0].uri == Path(shown["path"]).as_uri()

        # The author deletes the wrong count: the diagnostics follow the edit.
        edited = text.replace(PLANTED["count"], "")
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)]))
        again = await next_diagnostics(client, uri)
        assert sorted((d.range.start.line, d.code) for d in again
                      if d.severity == types.DiagnosticSeverity.Warning) == [(name_line, "contradicted-name")]
    finally:
        await client.shutdown_session()


async def test_a_markdown_file_without_a_sidecar_gets_no_diagnostics(tmp_path: Path) -> None:
    post = drafted(GOLDEN / TARPIT, tmp_path)
    track_daemon(post.parent)
    other = post.with_name("notes.md")
    other.write_text(PLANTED["count"] + "\n")
    client = await start_client(post.parent)
    try:
        for path, version in ((other, 1), (post, 1)):
            client.text_document_did_open(types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=path.as_uri(), language_id="markdown", version=version,
                                                     text=path.read_text())))
        params = await client.wait_for_notification(PUBLISHED)
        assert params.uri == post.as_uri()  # the draft's, never the plain file's
    finally:
        await client.shutdown_session()
